//! `authz diff OLD NEW`: every decision that differs between two policy files, computed in SQL,
//! equals brute-force `authz check` with each file for every subject, resource and action, on
//! the tutorial's league and on a small synthetic one; harmless edits show nothing.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::harness::{Env, repo};

/// One side of a change, as `authz check --format json` prints a decision.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Side {
    decision: String,
    policies: Vec<String>,
    fields: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Listed {
    subject: String,
    name: Option<String>,
    action: String,
    resource: String,
    change: String,
    fields_gained: Vec<String>,
    fields_lost: Vec<String>,
    old: Side,
    new: Side,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Summary {
    subjects: u64,
    subjects_changed: u64,
    gained: u64,
    lost: u64,
    fields_changed: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Diff {
    old: String,
    new: String,
    changes: Vec<Listed>,
    summary: Summary,
}

/// (subject, action, resource) → (old, new).
type Decisions = BTreeMap<(String, String, String), (Side, Side)>;

/// The shipped policies without their `[[test]]` cases (which name the policies an edit
/// removes).
fn shipped() -> String {
    let text = std::fs::read_to_string(repo().join("policies.toml")).unwrap();
    let cut = text.find("[[test]]").unwrap();
    text[..cut].to_string()
}

/// `text` with `from` replaced by `to`, which must be there.
#[track_caller]
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the policy file lacks {from:?}");
    text.replacen(from, to, 1)
}

/// The `[[policy]]` block with `id`, cut out of `text`.
#[track_caller]
fn without_policy(text: &str, id: &str) -> String {
    let start = text
        .find(&format!("[[policy]]\nid = \"{id}\"\n"))
        .unwrap_or_else(|| panic!("no policy `{id}`"));
    let end = text[start + 1..]
        .find("\n[[")
        .map_or(text.len(), |e| start + 1 + e + 1);
    format!("{}{}", &text[..start], &text[end..])
}

/// The edits the issue names, each as a new policy file.
fn edits() -> Vec<(&'static str, String)> {
    let p = shipped();
    let narrowed = edit(
        &p,
        r#"condition = { _or = [
  { winner_id = { _eq = "$subject.team_id" } },
  { "feeders*" = { winner_id = { _eq = "$subject.team_id" } } },
] }"#,
        r#"condition = { winner_id = { _eq = "$subject.team_id" } }"#,
    );
    let deny = edit(
        &p,
        "# Named grants for access tokens",
        r#"[[policy]]
id = "no-finals-for-players"
effect = "deny"
roles = ["player"]
actions = ["read"]
resource = "game"
condition = { level = { _eq = "Final" } }

[[policy]]
id = "no-positions-for-anonymous"
effect = "deny"
roles = ["anonymous"]
actions = ["read"]
resource = "player"
fields = ["position"]
condition = { team_id = { _neq = 1 } }

# Named grants for access tokens"#,
    );
    let field = edit(
        &p,
        r#"fields = ["id", "name", "position", "team_id"]"#,
        r#"fields = ["id", "name", "position", "team_id", "year"]"#,
    );
    let forum = edit(
        &p,
        r#"condition = { position = { _eq = "$subject.position" } }"#,
        r#"condition = { _or = [{ position = { _eq = "$subject.position" } }, { "$subject.year" = { _gte = 4 } }] }"#,
    );
    vec![
        (
            "remove a policy",
            without_policy(&p, "captains-read-team-games"),
        ),
        ("narrow a condition", narrowed),
        ("add a deny", deny),
        ("add a field", field),
        ("widen a virtual type's policy", forum),
    ]
}

fn diff(env: &Env, old: &str, new: &str, extra: &[&str]) -> Diff {
    let mut args = vec!["--format", "json", "authz", "diff", old, new];
    args.extend(extra);
    env.run(args).success().json()
}

fn decisions(d: &Diff) -> Decisions {
    d.changes
        .iter()
        .map(|c| {
            (
                (c.subject.clone(), c.action.clone(), c.resource.clone()),
                (c.old.clone(), c.new.clone()),
            )
        })
        .collect()
}

/// Every request's `authz check` with `policies`, in the order of `requests`.
fn checks(env: &Env, policies: &str, requests: &[(String, String, String)]) -> Vec<Side> {
    let mut lines = String::new();
    for (user, action, resource) in requests {
        let r = json!({ "user": user, "action": action, "resource": resource });
        lines.push_str(&r.to_string());
        lines.push('\n');
    }
    let run = env
        .run_stdin(
            ["authz", "check", "--batch", "--policies", policies],
            &lines,
        )
        .success();
    let out: Vec<Side> = run
        .stdout()
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("errors");
            serde_json::from_value(v).unwrap()
        })
        .collect();
    assert_eq!(out.len(), requests.len());
    out
}

/// Every request: each subject, action and resource.
fn requests(subjects: &[String], resources: &[String]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for user in subjects {
        for action in ["read", "join"] {
            for resource in resources {
                out.push((user.clone(), action.to_string(), resource.clone()));
            }
        }
    }
    out
}

/// The decisions that differ between `before` (the old file's checks of `requests`) and one
/// `authz check` of each request with `new`.
fn brute_force(
    env: &Env,
    new: &str,
    requests: &[(String, String, String)],
    before: &[Side],
) -> Decisions {
    let after = checks(env, new, requests);
    requests
        .iter()
        .cloned()
        .zip(before.iter().cloned().zip(after))
        .filter(|(_, (a, b))| a.decision != b.decision || a.fields != b.fields)
        .collect()
}

/// Every subject and resource of the database behind `env` (and the shipped forums).
fn league(env: &Env) -> (Vec<String>, Vec<String>) {
    let conn = env.sql();
    let ids = |table: &str, ty: &str| -> Vec<String> {
        let mut stmt = conn
            .prepare(&format!("SELECT id FROM {table} ORDER BY id"))
            .unwrap();
        stmt.query_map([], |r| r.get::<_, i64>(0))
            .unwrap()
            .map(|id| format!("{ty}:{}", id.unwrap()))
            .collect()
    };
    let mut subjects = vec!["anonymous".to_string()];
    subjects.extend(ids("players", "player"));
    subjects.extend(ids("staff", "staff"));
    let mut resources = ids("teams", "team");
    resources.extend(ids("players", "player"));
    resources.extend(ids("games", "game"));
    resources.extend(ids("staff", "staff"));
    resources.extend(
        [
            "Seeker", "Keeper", "Beater", "Chaser", "Captain", "Veterans",
        ]
        .map(|f| format!("forum:{f}")),
    );
    (subjects, resources)
}

#[track_caller]
fn agrees_with_brute_force(env: &Env) {
    let (subjects, resources) = league(env);
    let old = env.write("old.toml", &shipped()).display().to_string();
    let requests = requests(&subjects, &resources);
    let before = checks(env, &old, &requests);
    let mut changed = 0;
    for (what, text) in edits() {
        let new = env.write("new.toml", &text).display().to_string();
        let d = diff(env, &old, &new, &[]);
        let expected = brute_force(env, &new, &requests, &before);
        assert!(
            !expected.is_empty(),
            "{what}: the edit should change something"
        );
        let got = decisions(&d);
        assert_eq!(got.len(), d.changes.len(), "{what}: a change listed twice");
        assert_eq!(got, expected, "{what}");
        for c in &d.changes {
            let kind = match (c.old.decision.as_str(), c.new.decision.as_str()) {
                ("deny", "allow") => "gained",
                ("allow", "deny") => "lost",
                _ => "fields",
            };
            assert_eq!(c.change, kind, "{what}: {c:?}");
            let minus = |a: &[String], b: &[String]| -> Vec<String> {
                a.iter().filter(|f| !b.contains(f)).cloned().collect()
            };
            assert_eq!(c.fields_gained, minus(&c.new.fields, &c.old.fields));
            assert_eq!(c.fields_lost, minus(&c.old.fields, &c.new.fields));
            assert!(c.subject == "anonymous" || c.name.is_some(), "{c:?}");
        }
        let s = &d.summary;
        assert_eq!(s.subjects, subjects.len() as u64, "{what}");
        assert_eq!(
            s.gained + s.lost + s.fields_changed,
            d.changes.len() as u64,
            "{what}"
        );
        let mut who: Vec<&str> = d.changes.iter().map(|c| c.subject.as_str()).collect();
        who.dedup();
        assert_eq!(
            s.subjects_changed,
            who.len() as u64,
            "{what}: grouped by subject"
        );
        assert_eq!(
            (d.old.as_str(), d.new.as_str()),
            (old.as_str(), new.as_str())
        );
        changed += d.changes.len();
    }
    assert!(
        changed > 50,
        "the edits should change many decisions: {changed}"
    );
}

#[test]
fn diff_equals_brute_force_check_on_the_demo_league() {
    agrees_with_brute_force(&Env::seeded());
}

#[test]
fn diff_equals_brute_force_check_on_a_synthetic_league() {
    let env = Env::new();
    env.run(["db", "seed", "--scale", "31"]).success();
    agrees_with_brute_force(&env);
}

#[test]
fn reordering_policies_and_editing_descriptions_show_no_difference() {
    let env = Env::seeded();
    let p = shipped();
    let old = env.write("old.toml", &p).display().to_string();
    // Every policy block in reverse order, and every description rewritten.
    let start = p.find("[[policy]]").unwrap();
    let end = p.find("# Named grants for access tokens").unwrap();
    let mut blocks: Vec<&str> = p[start..end].split_inclusive("\n\n").collect();
    blocks.reverse();
    let body: String = blocks
        .concat()
        .replace("description = \"", "description = \"(reviewed) ");
    let reordered = format!("{}{}\n{}", &p[..start], body, &p[end..]);
    assert_ne!(reordered, p);
    let new = env.write("new.toml", &reordered).display().to_string();
    let d = diff(&env, &old, &new, &[]);
    assert!(d.changes.is_empty(), "{:?}", d.changes);
    env.run(["authz", "diff", &old, &new, "--exit-code"])
        .success()
        .stdout_has("no differences (13 subjects compared)\n");
}

#[test]
fn exit_code_and_user_restrict_and_report() {
    let env = Env::seeded();
    let old = env.write("old.toml", &shipped()).display().to_string();
    let (_, narrowed) = edits().remove(1);
    let new = env.write("policies.toml", &narrowed).display().to_string();
    // NEW defaults to the policy file the other commands read (./policies.toml here).
    env.run(["authz", "diff", &old, "--exit-code"])
        .status(2)
        .stdout_has("Cho Chang (player:5):\n  - read game:8: allow (winners-read-game) → deny (no allow applies)\n");
    env.run(["authz", "diff", &old, &new]).success();
    let all = diff(&env, &old, &new, &[]);
    let cho = diff(&env, &old, &new, &["--user", "Cho Chang"]);
    assert_eq!(cho.summary.subjects, 1);
    let expected: Vec<(String, String)> = all
        .changes
        .iter()
        .filter(|c| c.subject == "player:5")
        .map(|c| (c.action.clone(), c.resource.clone()))
        .collect();
    let got: Vec<(String, String)> = cho
        .changes
        .iter()
        .map(|c| (c.action.clone(), c.resource.clone()))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(
        got,
        [
            ("read".to_string(), "game:8".to_string()),
            ("read".to_string(), "game:9".to_string())
        ]
    );
    // A subject the edit does not touch: nothing, and exit 0 with --exit-code.
    env.run([
        "authz",
        "diff",
        &old,
        &new,
        "--user",
        "anonymous",
        "--exit-code",
    ])
    .success()
    .stdout_has("no differences (1 subject compared)\n");
}

#[test]
fn errors_in_either_file_carry_that_files_position() {
    let env = Env::seeded();
    let good = env.write("good.toml", &shipped()).display().to_string();
    let bad_text = edit(&shipped(), "resource = \"game\"", "resource = \"gmae\"");
    let bad = env.write("bad.toml", &bad_text).display().to_string();
    let line = bad_text[..bad_text.find("\"gmae\"").unwrap()]
        .matches('\n')
        .count()
        + 1;
    let at = format!("bad.toml:{line}:");
    env.run(["authz", "diff", &bad, &good])
        .status(1)
        .stderr_has(&at);
    env.run(["authz", "diff", &good, &bad])
        .status(1)
        .stderr_has(&at);
    env.run(["authz", "diff", &good, "missing.toml"])
        .status(1)
        .stderr_has("missing.toml");
}
