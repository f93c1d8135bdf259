//! The built-in `seeder.toml` and `policies.toml`: every command works from a directory that
//! holds neither, a file named explicitly must exist, and the copies can be written out.
//! See: issue 14, item 6 (help that failed outside the repository).

use crate::harness::{Env, repo};

const SEED_NOTE: &str =
    "using the built-in seeder.toml (the tutorial's data); --file to use another\n";
const POLICY_NOTE: &str = "using the built-in policies.toml (the shipped policies); --policies or QUIDDITCH_POLICIES to use another\n";

#[test]
fn an_empty_directory_uses_the_built_in_files_and_says_so_once() {
    // `Env::new()` is an empty temporary directory, the binary's working directory.
    let env = Env::new();
    assert!(!env.path("seeder.toml").exists() && !env.path("policies.toml").exists());
    // What `db status` suggests on a missing database works as written.
    let status = env.run(["db", "status"]).status(1).stderr();
    assert!(
        status.contains("(create it with `quidditch --db "),
        "{status}"
    );
    let seeded = env.run(["db", "seed"]).success();
    assert_eq!(seeded.stderr(), SEED_NOTE);
    let seeded = seeded.stdout();
    assert!(seeded.contains("| players | 10 "), "{seeded}");
    env.run(["query", "get-game", "8"])
        .success()
        .stdout_has("First");
    // Every command that reads policies: one note, then its answer.
    let test = env.run(["authz", "test"]).success();
    assert_eq!(test.stderr(), POLICY_NOTE);
    assert!(
        test.stdout().ends_with("26 passed, 0 failed\n"),
        "{}",
        test.stdout()
    );
    let check = env
        .run([
            "authz",
            "check",
            "--user",
            "Cho Chang",
            "--action",
            "read",
            "--resource",
            "game:8",
        ])
        .success();
    assert_eq!(check.stderr(), POLICY_NOTE);
    env.run(["authz", "lint"])
        .success()
        .stdout_has("policies.toml: no problems");
    let query = env
        .run(["query", "--as", "anonymous", "position", "Seeker"])
        .success()
        .stdout_has("Harry Potter");
    assert!(
        query.stderr().starts_with(POLICY_NOTE),
        "{}",
        query.stderr()
    );
    assert_eq!(query.stderr().matches("using the built-in").count(), 1);
}

#[test]
fn a_file_in_the_directory_wins_over_the_built_in_one() {
    let env = Env::new();
    env.write("seeder.toml", "[[team]]\nname = \"Gryffindor\"\nrank = 1\n");
    let run = env.run(["db", "seed"]).success();
    assert_eq!(run.stderr(), "");
    run.stdout_has("| teams   | 1 ");
    let env = Env::seeded();
    std::fs::copy(repo().join("policies.toml"), env.path("policies.toml")).unwrap();
    let run = env.run(["authz", "test"]).success();
    assert_eq!(run.stderr(), "");
}

#[test]
fn a_file_named_explicitly_and_missing_is_an_error_naming_the_flag() {
    let env = Env::new();
    env.run(["db", "seed", "--file", "league.toml"])
        .status(1)
        .stderr_has("failed to read seed file `league.toml` (named by --file)");
    assert!(!env.db().exists(), "nothing is created");
    env.run(["db", "seed"]).success();
    env.run(["authz", "test", "--policies", "mine.toml"])
        .status(1)
        .stderr_has(
            "failed to read policy file `mine.toml` (named by --policies or QUIDDITCH_POLICIES)",
        );
    let run = crate::harness::Run(
        env.cmd()
            .env("QUIDDITCH_POLICIES", "elsewhere.toml")
            .args(["serve", "--bind", "127.0.0.1:0"])
            .output()
            .unwrap(),
    );
    run.status(1).stderr_has(
        "failed to read policy file `elsewhere.toml` (named by --policies or QUIDDITCH_POLICIES)",
    );
}

#[test]
fn the_built_in_files_can_be_written_out() {
    let env = Env::new();
    let seeder = env.run(["db", "seed", "--print-default"]).success();
    assert_eq!(
        seeder.stdout(),
        std::fs::read_to_string(repo().join("seeder.toml")).unwrap()
    );
    assert!(!env.db().exists(), "--print-default does not seed");
    let policies = env.run(["authz", "init"]).success();
    assert_eq!(
        policies.stdout(),
        std::fs::read_to_string(repo().join("policies.toml")).unwrap()
    );
    // Written out, they are what the commands read, without the note.
    env.write("policies.toml", &policies.stdout());
    env.write("seeder.toml", &seeder.stdout());
    assert_eq!(env.run(["db", "seed"]).success().stderr(), "");
    assert_eq!(env.run(["authz", "test"]).success().stderr(), "");
}
