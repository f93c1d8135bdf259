//! What-if (`--assume`, issue 12 item 2): a decision computed as if rows were changed, added or
//! removed equals the decision on a copy of the database where the change was really made, and
//! the database itself is left byte for byte as it was.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::harness::{Env, repo};

fn policies() -> String {
    repo().join("policies.toml").display().to_string()
}

/// A hypothetical, as `--assume` arguments, and the same change as SQL.
struct Scenario {
    assume: &'static [&'static str],
    sql: &'static str,
    /// Subjects the change adds (queried on both sides).
    extra_subjects: &'static [&'static str],
    /// Resources the change adds.
    extra_resources: &'static [&'static str],
}

const SCENARIOS: &[Scenario] = &[
    // "What would Harry Potter see if he moved to Hufflepuff?" (team 4 in seeder.toml)
    Scenario {
        assume: &["player:1.team_id=4"],
        sql: "UPDATE players SET team_id = 4 WHERE id = 1",
        extra_subjects: &[],
        extra_resources: &[],
    },
    // Game 6 (Ravenclaw over Hufflepuff, feeding game 8) never happened.
    Scenario {
        assume: &["-game:6"],
        sql: "DELETE FROM games WHERE id = 6",
        extra_subjects: &[],
        extra_resources: &[],
    },
    // A new final, and a new practice game feeding game 8.
    Scenario {
        assume: &[
            r#"game:10 {level="Final", winner_id=1, loser_id=2}"#,
            r#"game:11 {level="Practice", winner_id=2, loser_id=3, child_id=8}"#,
        ],
        sql: "INSERT INTO games (id, level, child_id, winner_id, loser_id) VALUES \
              (10, 'Final', NULL, 1, 2), (11, 'Practice', 8, 2, 3)",
        extra_subjects: &[],
        extra_resources: &["game:10", "game:11"],
    },
    // Several kinds at once: a captaincy, a result overturned, a manager without a team, a new
    // Seeker, a game removed and one re-added under the same id, a row added then changed.
    Scenario {
        assume: &[
            r#"player:2.position="Captain""#,
            "game:8.winner_id=3",
            "game:8.loser_id=4",
            "staff:2.team_id=null",
            r#"player:20 {name="Luna Lovegood", position="Seeker", year=3, team_id=3}"#,
            "-game:4",
            r#"game:4 {level="Practice", winner_id=3, loser_id=1, child_id=7}"#,
            r#"staff:3 {name="Filius Flitwick", role="manager", team_id=2}"#,
            "staff:3.team_id=3",
            "-player:9",
        ],
        sql: "UPDATE players SET position = 'Captain' WHERE id = 2;
              UPDATE games SET winner_id = 3, loser_id = 4 WHERE id = 8;
              UPDATE staff SET team_id = NULL WHERE id = 2;
              INSERT INTO players (id, name, position, year, team_id)
                VALUES (20, 'Luna Lovegood', 'Seeker', 3, 3);
              UPDATE games SET level = 'Practice', winner_id = 3, loser_id = 1, child_id = 7
                WHERE id = 4;
              INSERT INTO staff (id, name, role, team_id) VALUES (3, 'Filius Flitwick', 'manager', 3);
              DELETE FROM players WHERE id = 9;",
        extra_subjects: &["player:20", "staff:3", "Luna Lovegood"],
        extra_resources: &["player:20", "staff:3"],
    },
];

fn subjects(s: &Scenario) -> Vec<String> {
    let mut all = vec!["anonymous".to_string(), "Harry Potter".to_string()];
    all.extend((1..=10).map(|id| format!("player:{id}")));
    all.extend((1..=2).map(|id| format!("staff:{id}")));
    all.extend(s.extra_subjects.iter().map(ToString::to_string));
    all
}

fn resources(s: &Scenario) -> Vec<String> {
    let mut all = Vec::new();
    all.extend((1..=4).map(|id| format!("team:{id}")));
    all.extend((1..=10).map(|id| format!("player:{id}")));
    all.extend((1..=9).map(|id| format!("game:{id}")));
    all.extend((1..=2).map(|id| format!("staff:{id}")));
    all.extend(["Seeker", "Captain", "Veterans"].map(|f| format!("forum:{f}")));
    all.extend(s.extra_resources.iter().map(ToString::to_string));
    all
}

/// `args` with `--assume EXPR` for each of `assume`.
fn with_assume(args: &[&str], assume: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = args.iter().map(ToString::to_string).collect();
    for a in assume {
        out.push("--assume".into());
        out.push((*a).to_string());
    }
    out
}

/// A JSON value with what-if's marks (`assumed` keys) and timings removed: what a what-if answer
/// must share with the answer on the really changed copy.
fn unmarked(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                map.remove("assumed");
                map.remove("micros");
                for (_, x) in map.iter_mut() {
                    walk(x);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

/// The seeded league, and a copy of it with the scenario's SQL really applied.
fn league_and_changed_copy(s: &Scenario) -> (Env, Env) {
    let env = Env::seeded();
    let copy = Env::new();
    {
        let conn = env.sql();
        conn.execute("VACUUM INTO ?1", [copy.db().display().to_string()])
            .unwrap();
    }
    let conn = copy.sql();
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    conn.execute_batch(&format!("BEGIN; {}; COMMIT;", s.sql))
        .unwrap_or_else(|e| panic!("{}: {e}", s.sql));
    let violations: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(violations, 0, "the real change is a valid one: {}", s.sql);
    (env, copy)
}

/// The JSON lines of `authz check --batch` for every subject × resource × action, unmarked.
fn batch(env: &Env, s: &Scenario, assume: &[&str]) -> (i32, Vec<Value>) {
    let mut lines = String::new();
    for resource in resources(s) {
        for action in ["read", "join"] {
            for user in subjects(s) {
                lines.push_str(
                    &json!({ "user": user, "action": action, "resource": resource }).to_string(),
                );
                lines.push('\n');
            }
        }
    }
    for (user, resource, field) in [
        ("Harry Potter", "player:1", "year"),
        ("player:5", "team:3", "rank"),
        ("staff:2", "player:2", "name"),
    ] {
        lines.push_str(
            &json!({ "user": user, "action": "read", "resource": resource, "field": field })
                .to_string(),
        );
        lines.push('\n');
    }
    let args = with_assume(
        &[
            "--format",
            "json",
            "authz",
            "check",
            "--batch",
            "--policies",
            &policies(),
        ],
        assume,
    );
    let run = env.run_stdin(args, &lines);
    let out = run
        .stdout()
        .lines()
        .map(|l| unmarked(serde_json::from_str(l).unwrap()))
        .collect();
    (run.code(), out)
}

#[test]
fn check_under_assumptions_equals_check_after_the_real_change() {
    for s in SCENARIOS {
        let (env, copy) = league_and_changed_copy(s);
        let (code, assumed) = batch(&env, s, s.assume);
        let (real_code, real) = batch(&copy, s, &[]);
        assert_eq!(assumed.len(), real.len());
        for (i, (a, r)) in assumed.iter().zip(&real).enumerate() {
            assert_eq!(a, r, "{:?}: request {i}", s.assume);
        }
        assert_eq!(code, real_code, "{:?}", s.assume);
        // And the hypothetical changes something: the scenario is not vacuous.
        let (_, before) = batch(&env, s, &[]);
        assert_ne!(before, real, "{:?} changes no decision", s.assume);
    }
}

#[test]
fn explain_under_assumptions_equals_explain_after_the_real_change() {
    for s in SCENARIOS {
        let (env, copy) = league_and_changed_copy(s);
        let mut requests: Vec<Vec<String>> = Vec::new();
        for user in ["Harry Potter", "player:5", "staff:2", "anonymous"] {
            for resource in ["game:8", "game:9", "team:4", "player:1", "forum:Seeker"] {
                requests.push(
                    ["--user", user, "--action", "read", "--resource", resource]
                        .map(String::from)
                        .to_vec(),
                );
            }
            // The profile: what the user may reach, through SQL on the shadowed tables.
            requests.push(vec!["--user".into(), user.into()]);
        }
        for extra in s.extra_subjects {
            requests.push(vec!["--user".into(), (*extra).to_string()]);
        }
        for r in requests {
            let p = policies();
            let args: Vec<&str> = ["--format", "json", "authz", "explain", "--policies", &p]
                .into_iter()
                .chain(r.iter().map(String::as_str))
                .collect();
            let what_if = env.run(with_assume(&args, s.assume));
            let real = copy.run(&args);
            assert_eq!(what_if.code(), real.code(), "{r:?} {:?}", s.assume);
            if real.code() == 0 {
                assert_eq!(
                    unmarked(what_if.json()),
                    unmarked(real.json()),
                    "{r:?} under {:?}",
                    s.assume
                );
            } else {
                assert_eq!(what_if.stderr(), real.stderr(), "{r:?}");
            }
        }
    }
}

#[test]
fn who_can_under_assumptions_equals_who_can_after_the_real_change() {
    for s in SCENARIOS {
        let (env, copy) = league_and_changed_copy(s);
        for resource in resources(s) {
            for (action, field) in [("read", None), ("join", None), ("read", Some("year"))] {
                if field.is_some() && !resource.starts_with("player:") {
                    continue;
                }
                let mut args = vec![
                    "--format".to_string(),
                    "json".into(),
                    "authz".into(),
                    "who-can".into(),
                    "--explain".into(),
                    "--policies".into(),
                    policies(),
                    "--action".into(),
                    action.into(),
                    "--resource".into(),
                    resource.clone(),
                ];
                if let Some(f) = field {
                    args.extend(["--field".into(), f.into()]);
                }
                let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
                let what_if = env.run(with_assume(&arg_refs, s.assume));
                let real = copy.run(&args);
                assert_eq!(what_if.code(), real.code(), "{args:?} {:?}", s.assume);
                if real.code() == 0 {
                    assert_eq!(
                        unmarked(what_if.json()),
                        unmarked(real.json()),
                        "{args:?} under {:?}",
                        s.assume
                    );
                } else {
                    assert_eq!(what_if.stderr(), real.stderr(), "{args:?}");
                }
            }
        }
    }
}

/// The bytes of the database file and of its `-wal` (absent counts as empty).
fn files(env: &Env) -> (Vec<u8>, Vec<u8>) {
    let db = std::fs::read(env.db()).unwrap();
    let wal = std::fs::read(env.path("quidditch.db-wal")).unwrap_or_default();
    (db, wal)
}

/// Every row of every table and the schema, through a read-only connection.
fn dump(env: &Env) -> Vec<String> {
    let conn =
        rusqlite::Connection::open_with_flags(env.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut out = Vec::new();
    let mut stmt = conn
        .prepare("SELECT type, name, sql FROM sqlite_schema ORDER BY name")
        .unwrap();
    let schema: Vec<(String, String, Option<String>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (ty, name, sql) in schema {
        out.push(format!("{ty} {name}: {sql:?}"));
        if ty == "table" {
            let mut rows = conn.prepare(&format!("SELECT * FROM \"{name}\"")).unwrap();
            let n = rows.column_count();
            let all: Vec<String> = rows
                .query_map([], |r| {
                    Ok((0..n)
                        .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                        .collect::<Vec<_>>()
                        .join("|"))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            out.extend(all);
        }
    }
    out
}

#[test]
fn what_if_leaves_the_database_byte_identical() {
    let env = Env::seeded();
    let p = policies();
    // A plain read first, so the files are as any reader leaves them.
    env.run([
        "authz",
        "check",
        "--policies",
        &p,
        "--user",
        "Harry Potter",
        "--action",
        "read",
        "--resource",
        "game:8",
    ]);
    let (db, wal) = files(&env);
    let before = dump(&env);
    let assume: Vec<&str> = SCENARIOS
        .iter()
        .flat_map(|s| s.assume.iter().copied())
        .collect();
    // Scenario 4 re-adds game:4 after removing it; all four together are one valid list.
    let runs: Vec<Vec<&str>> = vec![
        vec![
            "authz",
            "check",
            "--user",
            "Harry Potter",
            "--action",
            "read",
            "--resource",
            "game:8",
        ],
        vec![
            "authz",
            "explain",
            "--user",
            "Harry Potter",
            "--action",
            "read",
            "--resource",
            "game:10",
        ],
        vec!["authz", "explain", "--user", "Luna Lovegood"],
        vec![
            "authz",
            "who-can",
            "--action",
            "read",
            "--resource",
            "game:8",
            "--explain",
        ],
        vec![
            "authz",
            "explain",
            "--user",
            "player:20",
            "--query",
            "q.graphql",
        ],
    ];
    env.write("q.graphql", "{ games { id level } }");
    for args in runs {
        let mut args = with_assume(&args, &assume);
        args.extend(["--policies".to_string(), p.clone()]);
        let run = env.run(&args);
        assert!(
            run.code() == 0 || run.code() == 2,
            "{args:?}: {}",
            run.stderr()
        );
        assert_eq!(
            files(&env),
            (db.clone(), wal.clone()),
            "{args:?} changed the file"
        );
        assert_eq!(dump(&env), before, "{args:?} changed the rows");
    }
    // A test file whose cases assume.
    env.write(
        "t.toml",
        "[[test]]\nname = \"moved\"\nuser = \"Harry Potter\"\naction = \"read\"\nresource = \"game:8\"\ndecision = \"allow\"\nassume = [\"player:1.team_id=4\", \"-game:6\"]\n",
    );
    env.run(["authz", "test", "--policies", &p, "--file", "t.toml"])
        .success();
    assert_eq!(files(&env), (db, wal));
    assert_eq!(dump(&env), before);
}

#[test]
fn the_trace_marks_assumed_values() {
    let env = Env::seeded();
    let p = policies();
    let args = [
        "authz",
        "explain",
        "--policies",
        &p,
        "--user",
        "Harry Potter",
        "--action",
        "read",
        "--resource",
        "game:8",
        "--assume",
        "player:1.team_id=4",
        "--assume",
        "game:6.winner_id=1",
    ];
    let human = env.run(args).success().stdout();
    assert!(human.contains("team_id=4 (assumed)"), "{human}");
    assert!(
        human.contains("winner_id (4) _eq $subject.team_id (4, assumed) → true"),
        "{human}"
    );
    assert!(
        human.contains("→ game:6 (depth 1, winner_id 1 (assumed)) ✗"),
        "{human}"
    );
    assert!(
        human.contains("decision: allow by winners-read-game"),
        "{human}"
    );
    let mut json_args = vec!["--format", "json"];
    json_args.extend(args);
    let v: Value = env.run(json_args).success().json();
    assert_eq!(v["subject"]["assumed"], json!(["team_id"]));
    let winners = v["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "winners-read-game")
        .unwrap();
    let or = &winners["condition"];
    let compare = &or["children"][0];
    assert_eq!(compare["right"]["assumed"], true, "{compare}");
    assert!(compare["left"].get("assumed").is_none(), "{compare}");
    let visits = or["children"][1]["visits"].as_array().unwrap();
    let game6 = visits.iter().find(|v| v["resource"] == "game:6").unwrap();
    assert_eq!(game6["assumed"], json!(["winner_id"]));
    let game2 = visits.iter().find(|v| v["resource"] == "game:2").unwrap();
    assert!(game2.get("assumed").is_none(), "{game2}");
    // check: the decision says what it assumed.
    let check: Value = env
        .run([
            "--format",
            "json",
            "authz",
            "check",
            "--policies",
            &p,
            "--user",
            "Harry Potter",
            "--action",
            "read",
            "--resource",
            "game:8",
            "--assume",
            "player:1.team_id=4",
        ])
        .success()
        .json();
    assert_eq!(check["assumed"], json!(["player:1.team_id=4"]));
    // Without --assume nothing is flagged.
    let plain: Value = env
        .run([
            "--format",
            "json",
            "authz",
            "explain",
            "--policies",
            &p,
            "--user",
            "Harry Potter",
            "--action",
            "read",
            "--resource",
            "game:8",
        ])
        .success()
        .json();
    assert!(!plain.to_string().contains("assumed"), "{plain}");
}

#[test]
fn bad_assumptions_are_one_line_errors_naming_the_argument() {
    let env = Env::seeded();
    let p = policies();
    let cases: &[(&str, &str)] = &[
        ("wizard:1.team_id=4", "unknown type `wizard`"),
        (
            "player:1.taem_id=4",
            "type `player` has no column `taem_id`: did you mean `team_id`?",
        ),
        (
            "player:1.team_id=\"four\"",
            "`player.team_id` is `int`, but `\"four\"` is not",
        ),
        ("player:1.team_id=four", "`four` is not a value"),
        ("player:99.team_id=4", "`player:99` does not exist"),
        ("-game:99", "`game:99` does not exist"),
        (
            "game:6 {level=\"Final\", winner_id=1, loser_id=2}",
            "`game:6` already exists",
        ),
        (
            "game:10 {level=\"Final\", winner_id=1}",
            "`game:10` needs a value for `loser_id` (NOT NULL)",
        ),
        (
            "player:1.team_id=null",
            "`player.team_id` cannot be null (NOT NULL)",
        ),
        (
            "forum:Seeker.position=\"Keeper\"",
            "type `forum` has no table",
        ),
        ("player:1", "expected `TYPE:KEY.COLUMN=VALUE`"),
    ];
    for (expr, reason) in cases {
        for command in [
            vec![
                "authz",
                "check",
                "--user",
                "player:1",
                "--action",
                "read",
                "--resource",
                "game:8",
            ],
            vec![
                "authz",
                "explain",
                "--user",
                "player:1",
                "--action",
                "read",
                "--resource",
                "game:8",
            ],
            vec![
                "authz",
                "who-can",
                "--action",
                "read",
                "--resource",
                "game:8",
            ],
        ] {
            let mut args = with_assume(&command, &[expr]);
            args.extend(["--policies".to_string(), p.clone()]);
            let run = env.run(&args).status(1);
            let stderr = run.stderr();
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            assert!(
                stderr.starts_with(&format!("quidditch: error: invalid `--assume {expr}`: ")),
                "{stderr}"
            );
            assert!(stderr.contains(reason), "{expr}: {stderr}");
            assert!(run.stdout().is_empty());
        }
    }
    // Assumptions apply in order: a removed row cannot then be set.
    env.run([
        "authz",
        "check",
        "--policies",
        &p,
        "--user",
        "player:1",
        "--action",
        "read",
        "--resource",
        "game:8",
        "--assume",
        "-game:6",
        "--assume",
        "game:6.level=\"Final\"",
    ])
    .status(1)
    .stderr_has("invalid `--assume game:6.level=\"Final\"`: `game:6` does not exist");
}

const ASSUMING_TESTS: &str = r#"[[test]]
name = "harry-in-hufflepuff-reads-game-8"
user = "Harry Potter"
action = "read"
resource = "game:8"
decision = "allow"
policies = ["winners-read-game"]
assume = ["player:1.team_id=4"]

[[test]]
name = "harry-as-he-is-does-not"
user = "Harry Potter"
action = "read"
resource = "game:8"
decision = "deny"

[[test]]
name = "cho-without-game-6-does-not"
user = "Cho Chang"
action = "read"
resource = "game:8"
decision = "allow"
assume = ["-game:6"]

[[test]]
name = "a-new-final-is-read-by-its-winner"
user = "Oliver Wood"
action = "read"
resource = "game:10"
decision = "allow"
assume = ['game:10 {level="Final", winner_id=1, loser_id=2}']
"#;

#[test]
fn test_cases_assume_without_a_fixture_database() {
    let env = Env::seeded();
    let p = policies();
    env.write("t.toml", ASSUMING_TESTS);
    let run = env
        .run(["authz", "test", "--policies", &p, "--file", "t.toml"])
        .status(3);
    let out = run.stdout();
    assert!(
        out.contains("test harry-in-hufflepuff-reads-game-8 ... ok"),
        "{out}"
    );
    assert!(out.contains("test harry-as-he-is-does-not ... ok"), "{out}");
    // Without game 6 Cho's Ravenclaw fed nothing into game 8: the case expecting allow fails.
    assert!(
        out.contains("test cho-without-game-6-does-not ... FAILED"),
        "{out}"
    );
    assert!(
        out.contains("test a-new-final-is-read-by-its-winner ... ok"),
        "{out}"
    );
    assert!(out.contains("3 passed, 1 failed"), "{out}");
    let report: Value = env
        .run([
            "--format",
            "json",
            "authz",
            "test",
            "--policies",
            &p,
            "--file",
            "t.toml",
        ])
        .status(3)
        .json();
    let failed: BTreeSet<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["passed"] == false)
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(failed, BTreeSet::from(["cho-without-game-6-does-not"]));

    // A bad assumption is located: a type error when the file is read, a missing row when the
    // case runs.
    env.write(
        "bad.toml",
        &ASSUMING_TESTS.replace("player:1.team_id=4", "player:1.team_id=\\\"x\\\""),
    );
    env.run(["authz", "test", "--policies", &p, "--file", "bad.toml"])
        .status(1)
        .stderr_has("bad.toml:8:11: assume `player:1.team_id=\"x\"`: `player.team_id` is `int`");
    env.write("gone.toml", &ASSUMING_TESTS.replace("-game:6", "-game:60"));
    env.run(["authz", "test", "--policies", &p, "--file", "gone.toml"])
        .status(1)
        .stderr_has(
            "gone.toml:23:11: test `cho-without-game-6-does-not`: assume `-game:60`: `game:60` does not exist",
        );
}

#[test]
fn a_policy_files_cases_assume_and_lint_looks_them_up_with_their_assumptions() {
    let env = Env::seeded();
    let shipped = std::fs::read_to_string(repo().join("policies.toml")).unwrap();
    let case = "\n[[test]]\nname = \"a-new-final\"\nuser = \"Oliver Wood\"\naction = \"read\"\nresource = \"game:10\"\ndecision = \"allow\"\nassume = ['game:10 {level=\"Final\", winner_id=1, loser_id=2}']\n";
    let path = env.write("p.toml", &format!("{shipped}{case}"));
    let p = path.display().to_string();
    // game:10 exists only under the case's assumption: lint does not call it unknown.
    env.run(["authz", "lint", "--file", &p])
        .success()
        .stdout_has("no problems");
    env.run(["authz", "test", "--policies", &p])
        .success()
        .stdout_has("test a-new-final ... ok");
    // A case assuming a row that is not there is a lint problem at the assumption.
    let gone = env.write(
        "gone.toml",
        &format!("{shipped}{case}").replace("game:10 {", "game:1 {"),
    );
    env.run(["authz", "lint", "--file", &gone.display().to_string()])
        .status(1)
        .stdout_has("test `a-new-final`: assume `game:1 {");
}
