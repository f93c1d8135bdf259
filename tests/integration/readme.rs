//! The README's `console` blocks, run as written and compared with the output they show.
//!
//! Every block is either run or skipped here with its reason (a new block must be classified).
//! A run block's commands go to one `bash`, in a fresh temporary directory holding copies of the
//! shipped `seeder.toml` and `policies.toml` (a clone's root) and, except for the quick start,
//! the seeded `quidditch.db`; `quidditch` is the binary under test, `HOME` is the directory, and
//! no `QUIDDITCH_*` variable is set. Substitutions, the only ones: `cargo run --release --` is the
//! binary; port 5000 is a free port; a line of `…` in the shown output stands for any lines.
//! Each command's stdout and stderr (in the order written) are compared with the lines under it.
//! See: issue 14, "done when".

use std::fmt::Write as _;
use std::path::Path;

use crate::harness::{Env, bin, repo};

/// Blocks not run, by the start of their first command, and why.
const SKIPPED: [(&str, &str); 12] = [
    (
        "cargo install",
        "installs into ~/.cargo/bin: a build, not an example",
    ),
    ("cargo test", "the test suite itself"),
    (
        "npm ci --prefix tests/audit",
        "installs the test suite's audit package: setup, not an example",
    ),
    (
        "quidditch db seed --file broken.toml",
        "the README does not show broken.toml (`db` tests cover every message)",
    ),
    (
        "man ./man/quidditch.1",
        "an interactive pager (`cli` tests check the pages)",
    ),
    ("bench/seed.sh", "a benchmark: measured figures"),
    ("cargo bench", "a benchmark: measured figures"),
    ("bench/serve.sh", "a benchmark: measured figures"),
    ("BENCH_WRK_THREADS", "a benchmark: measured figures"),
    ("BENCH_PROFILE", "a benchmark: measured figures"),
    ("bench/compare.sh", "a benchmark: measured figures"),
    (
        "QUIDDITCH_BIN=",
        "a benchmark of a given build: measured figures",
    ),
];

/// One `$ command` and the lines shown under it.
struct Step {
    command: String,
    shown: Vec<String>,
}

/// The README's console blocks, as steps.
fn console_blocks(readme: &str) -> Vec<Vec<Step>> {
    let mut blocks = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        let indent = line.len() - line.trim_start().len();
        if line.trim_start() != "```console" {
            continue;
        }
        let mut steps: Vec<Step> = Vec::new();
        for line in lines.by_ref() {
            let line = line.get(indent..).unwrap_or(line.trim_start());
            if line == "```" {
                break;
            }
            if let Some(command) = line.strip_prefix("$ ") {
                steps.push(Step {
                    command: command.to_string(),
                    shown: Vec::new(),
                });
            } else {
                steps
                    .last_mut()
                    .expect("a console block starts with a `$ ` command")
                    .shown
                    .push(line.to_string());
            }
        }
        blocks.push(steps);
    }
    blocks
}

/// Whether `output` is what `shown` shows, where a line `…` stands for any lines.
fn matches(shown: &[String], output: &[&str]) -> bool {
    match shown.split_first() {
        None => output.is_empty(),
        Some((first, rest)) if first.trim() == "…" => {
            (0..=output.len()).any(|skip| matches(rest, &output[skip..]))
        }
        Some((first, rest)) => {
            output
                .first()
                .is_some_and(|line| without_timings(line) == without_timings(first))
                && matches(rest, &output[1..])
        }
    }
}

/// `line` with every duration such as `(155.4 µs)` written `(N µs)`: timings differ per run.
fn without_timings(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find(['µ', 'm']).filter(|_| !rest.is_empty()) {
        let (head, tail) = rest.split_at(at);
        let unit = if tail.starts_with("µs)") {
            "µs)"
        } else if tail.starts_with("ms)") {
            "ms)"
        } else {
            let c = tail.chars().next().unwrap();
            out.push_str(head);
            out.push(c);
            rest = &tail[c.len_utf8()..];
            continue;
        };
        let number = head.trim_end_matches(' ');
        let digits = number.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        if digits.len() < number.len() {
            out.push_str(digits);
            out.push_str("N ");
        } else {
            out.push_str(head);
        }
        out.push_str(unit);
        rest = &tail[unit.len()..];
    }
    out.push_str(rest);
    out
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Runs `steps` in one bash in `dir` and returns each command's output lines.
fn run(steps: &[Step], dir: &Path, port: u16) -> Vec<Vec<String>> {
    let bin_dir = dir.join(".bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    std::os::unix::fs::symlink(bin(), bin_dir.join("quidditch")).unwrap();
    let mut script = String::from("trap 'kill $(jobs -p) 2>/dev/null' EXIT\n");
    for (i, step) in steps.iter().enumerate() {
        let command = step
            .command
            .replace("cargo run --release --", "quidditch")
            .replace("127.0.0.1:5000", &format!("127.0.0.1:{port}"));
        writeln!(script, "echo '@@ step {i}'").unwrap();
        if let Some(background) = command.strip_suffix('&') {
            let background = background.replace(
                "quidditch serve",
                &format!("quidditch serve --bind 127.0.0.1:{port}"),
            );
            writeln!(script, "{background} >/dev/null 2>&1 &").unwrap();
            writeln!(
                script,
                "for _ in $(seq 200); do (echo > /dev/tcp/127.0.0.1/{port}) 2>/dev/null && break; sleep 0.05; done"
            )
            .unwrap();
        } else {
            writeln!(script, "{command} 2>&1").unwrap();
        }
    }
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = std::process::Command::new("bash");
    cmd.arg("-c")
        .arg(&script)
        .current_dir(dir)
        .env("PATH", path)
        .env("HOME", dir)
        .env("NO_COLOR", "1");
    for (name, _) in std::env::vars() {
        if name.starts_with("QUIDDITCH_") || crate::harness::LIBPQ_ENV.contains(&name.as_str()) {
            cmd.env_remove(name);
        }
    }
    let out = cmd.output().expect("bash");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut outputs: Vec<Vec<String>> = Vec::new();
    for line in text.lines() {
        if line.starts_with("@@ step ") {
            outputs.push(Vec::new());
        } else {
            outputs
                .last_mut()
                .unwrap_or_else(|| panic!("output before the first step: {text}"))
                .push(line.to_string());
        }
    }
    assert_eq!(
        outputs.len(),
        steps.len(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    outputs
}

#[test]
fn the_readme_console_blocks_work_as_written() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let blocks = console_blocks(&readme);
    let mut ran = 0;
    for steps in &blocks {
        let first = &steps[0].command;
        if let Some((_, reason)) = SKIPPED.iter().find(|(start, _)| first.starts_with(start)) {
            assert!(!reason.is_empty());
            continue;
        }
        let env = if first.starts_with("cargo run --release -- db seed") {
            Env::new()
        } else {
            Env::seeded()
        };
        for file in ["seeder.toml", "policies.toml"] {
            std::fs::copy(repo().join(file), env.path(file)).unwrap();
        }
        let port = free_port();
        let outputs = run(steps, env.dir.path(), port);
        for (step, output) in steps.iter().zip(&outputs) {
            let shown: Vec<String> = step
                .shown
                .iter()
                .map(|l| l.replace("127.0.0.1:5000", &format!("127.0.0.1:{port}")))
                .collect();
            let output: Vec<&str> = output.iter().map(String::as_str).collect();
            assert!(
                matches(&shown, &output),
                "README example `$ {}` prints\n{}\nbut the README shows\n{}",
                step.command,
                output.join("\n"),
                shown.join("\n")
            );
        }
        ran += 1;
    }
    assert!(ran >= 5, "only {ran} README blocks ran");
}

#[test]
fn an_elision_matches_any_lines() {
    let shown = |lines: &[&str]| lines.iter().map(ToString::to_string).collect::<Vec<_>>();
    assert!(matches(&shown(&["a", "…", "d"]), &["a", "b", "c", "d"]));
    assert!(matches(&shown(&["a", "  …", "d"]), &["a", "d"]));
    assert!(!matches(&shown(&["a", "d"]), &["a", "b", "d"]));
    assert!(!matches(&shown(&["a"]), &["a", "b"]));
    assert!(matches(
        &shown(&["x  condition false (155.4 µs)"]),
        &["x  condition false (9.25 µs)"]
    ));
    assert_eq!(
        without_timings("a (1.5 ms) b (20 µs) max"),
        "a (N ms) b (N µs) max"
    );
}
