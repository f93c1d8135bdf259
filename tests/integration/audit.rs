//! The `graphql-http` package's server audit (GraphQL over HTTP) against `quidditch serve`: no
//! MUST may fail, and the SHOULDs it does not follow are exactly those the README lists.
//!
//! The package is pinned by `tests/audit/package-lock.json`; `npm ci --prefix tests/audit` (run
//! by `.ci/run`, and in the README before `cargo test`) installs it. Without it this test fails.

use std::collections::BTreeSet;

use crate::harness::{Env, Server, repo};

/// The audits the server answers differently on purpose, each listed with its reason in the
/// README: the tutorial's server answers 400, not 200, to a document that does not parse or
/// validate, or whose variables do not coerce, under `application/json`.
const KNOWN_WARNINGS: [&str; 3] = ["572B", "FDE2", "7B9B"];

#[test]
fn the_graphql_over_http_audit_finds_no_must_failure() {
    let dir = repo().join("tests").join("audit");
    assert!(
        dir.join("node_modules").join("graphql-http").is_dir(),
        "tests/audit/node_modules is missing: run `npm ci --prefix tests/audit` (as .ci/run does)"
    );
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let output = std::process::Command::new("node")
        .arg(dir.join("audit.mjs"))
        .arg(server.url())
        .output()
        .expect("run node (Node 20 or later) for the graphql-http audit");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the audit did not run:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    let counts: serde_json::Value = lines
        .last()
        .and_then(|last| serde_json::from_str(last).ok())
        .unwrap_or_else(|| panic!("no summary line:\n{stdout}"));
    let failed: Vec<&str> = lines
        .iter()
        .filter(|line| line.starts_with("error "))
        .copied()
        .collect();
    assert!(failed.is_empty(), "MUST failures:\n{}", failed.join("\n"));
    assert_eq!(counts["error"], 0, "{stdout}");
    let warned: BTreeSet<&str> = lines
        .iter()
        .filter_map(|line| line.strip_prefix("warn ")?.split_whitespace().next())
        .collect();
    assert_eq!(
        warned,
        KNOWN_WARNINGS.into_iter().collect(),
        "the SHOULDs not followed changed: update the README's list\n{stdout}"
    );
    assert!(
        counts["ok"].as_u64().is_some_and(|ok| ok >= 50),
        "too few audits ran:\n{stdout}"
    );
    // Every audit line names its status: none was skipped.
    assert_eq!(
        counts["ok"].as_u64().unwrap_or(0) + counts["warn"].as_u64().unwrap_or(0),
        u64::try_from(lines.len() - 1).unwrap()
    );
}
