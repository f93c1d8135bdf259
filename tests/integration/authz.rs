//! `authz explain|check|test|lint` on the tutorial's database with the shipped policies.toml.

#![allow(
    dead_code,
    reason = "the JSON structs mirror the whole schema (deny_unknown_fields); each test reads a part"
)]

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::harness::{Env, Run, repo};

fn policies() -> String {
    repo().join("policies.toml").display().to_string()
}

/// Runs `authz ARGS… --policies <repo>/policies.toml`.
fn authz(env: &Env, args: &[&str]) -> Run {
    let p = policies();
    let mut all = vec!["authz"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--policies", &p]);
    env.run(all)
}

fn check(env: &Env, user: &str, action: &str, resource: &str) -> Run {
    check_under(env, &policies(), user, action, resource)
}

/// [`check`] under the policy file `policies`.
fn check_under(env: &Env, policies: &str, user: &str, action: &str, resource: &str) -> Run {
    env.run([
        "authz",
        "check",
        "--user",
        user,
        "--action",
        action,
        "--resource",
        resource,
        "--policies",
        policies,
    ])
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckJson {
    decision: String,
    policies: Vec<String>,
    fields: Vec<String>,
    errors: Vec<String>,
}

#[test]
fn the_tutorial_outcomes_as_exit_codes() {
    let env = Env::seeded();
    // (user, action, resource, exit code)
    let cases = [
        ("Harry Potter", "read", "game:8", 2),
        ("Zacharias Smith", "read", "game:8", 0),
        ("Cho Chang", "read", "game:8", 0),
        ("Oliver Wood", "read", "game:2", 0),
        ("Harry Potter", "join", "forum:Seeker", 0),
        ("Oliver Wood", "join", "forum:Seeker", 2),
        ("anonymous", "read", "team:1", 0),
        ("anonymous", "read", "player:1", 0),
        ("anonymous", "read", "game:1", 2),
    ];
    for (user, action, resource, code) in cases {
        check(&env, user, action, resource).status(code);
    }
    for game in 1..=9 {
        let expected = if [1, 3, 7, 9].contains(&game) { 0 } else { 2 };
        check(&env, "Harry Potter", "read", &format!("game:{game}")).status(expected);
    }
}

#[test]
fn check_json_names_the_policies_and_fields() {
    let env = Env::seeded();
    let p = policies();
    let out: CheckJson = env
        .run([
            "--format",
            "json",
            "authz",
            "check",
            "--user",
            "anonymous",
            "--action",
            "read",
            "--resource",
            "player:1",
            "--policies",
            &p,
        ])
        .success()
        .json();
    assert_eq!(out.decision, "allow");
    assert_eq!(out.policies, ["public-roster"]);
    assert_eq!(out.fields, ["id", "name", "position", "team_id"]);
    assert!(out.errors.is_empty());

    let denied: CheckJson = env
        .run([
            "--format",
            "json",
            "authz",
            "check",
            "--user",
            "anonymous",
            "--action",
            "read",
            "--resource",
            "player:1",
            "--field",
            "year",
            "--policies",
            &p,
        ])
        .status(2)
        .json();
    assert_eq!(denied.decision, "deny");
    assert!(denied.fields.is_empty());
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Explain {
    decision: String,
    request: ExplainRequest,
    subject: ExplainSubject,
    policies: Vec<String>,
    fields: Vec<FieldGrant>,
    denied_fields: Vec<serde_json::Value>,
    combining: String,
    decided_by: serde_json::Value,
    trace: Vec<PolicyTrace>,
    why_not: Vec<WhyNot>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExplainRequest {
    subject: String,
    action: String,
    resource: String,
    field: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExplainSubject {
    label: String,
    kind: String,
    id: Option<serde_json::Value>,
    attributes: BTreeMap<String, serde_json::Value>,
    roles: Vec<RoleGrant>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleGrant {
    role: String,
    via: serde_json::Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldGrant {
    field: String,
    granted_by: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyTrace {
    id: String,
    effect: String,
    fields: Option<Vec<String>>,
    outcome: String,
    reason: Option<serde_json::Value>,
    condition: Option<Node>,
    /// `$context.*` the request lacked, when that left the condition unknown.
    #[serde(default)]
    missing_context: Vec<String>,
    micros: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Node {
    kind: String,
    left: Option<serde_json::Value>,
    op: Option<String>,
    right: Option<serde_json::Value>,
    is_null: Option<bool>,
    relationship: Option<String>,
    condition: Option<serde_json::Value>,
    result: Option<bool>,
    children: Vec<Node>,
    visits: Vec<Visit>,
    depth_limit: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Visit {
    resource: String,
    depth: u32,
    values: BTreeMap<String, serde_json::Value>,
    matched: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WhyNot {
    policy: String,
    reasons: Vec<serde_json::Value>,
}

fn harry_game_8(env: &Env, p: &str) -> Explain {
    env.run([
        "--format",
        "json",
        "authz",
        "explain",
        "--user",
        "Harry Potter",
        "--action",
        "read",
        "--resource",
        "game:8",
        "--policies",
        p,
    ])
    .success()
    .json()
}

#[test]
fn explain_json_says_how_roles_were_held_and_why_policies_missed_as_data() {
    let env = Env::seeded();
    let out = harry_game_8(&env, &policies());
    assert_eq!(
        out.subject.roles[0].via,
        serde_json::json!({ "kind": "every", "binding": 2, "subject": "player" })
    );
    assert_eq!(
        out.subject.roles[1].via,
        serde_json::json!({ "kind": "inherited", "from": "player" })
    );
    let reason = |id: &str| {
        out.trace
            .iter()
            .find(|t| t.id == id)
            .unwrap()
            .reason
            .clone()
    };
    assert_eq!(reason("winners-read-game"), None);
    assert_eq!(
        reason("admin-all"),
        Some(serde_json::json!({
            "mismatch": "role", "needs": ["admin"], "has": ["player", "anonymous"]
        }))
    );
    assert_eq!(
        reason("public-teams"),
        Some(serde_json::json!({ "mismatch": "type", "about": "team" }))
    );
}

#[test]
fn explain_json_shows_the_trace_and_why_not() {
    let env = Env::seeded();
    let p = policies();
    let out = harry_game_8(&env, &p);
    assert_eq!(out.decision, "deny");
    assert_eq!(out.request.resource, "game:8");
    assert_eq!(out.subject.kind, "player");
    assert_eq!(out.subject.label, "player:1 (Harry Potter)");
    assert_eq!(out.subject.attributes["team_id"], 1);
    assert_eq!(out.subject.roles[0].role, "player");
    assert!(out.policies.is_empty());
    assert_eq!(out.combining, "default_deny");
    let winners = out
        .trace
        .iter()
        .find(|t| t.id == "winners-read-game")
        .unwrap();
    assert_eq!(winners.outcome, "not_satisfied");
    let tree = winners.condition.as_ref().unwrap();
    assert_eq!(tree.kind, "or");
    let compare = &tree.children[0];
    assert_eq!(compare.kind, "compare");
    assert_eq!(
        (&compare.left, compare.op.as_deref(), &compare.right),
        (
            &Some(serde_json::json!({ "operand": "column", "name": "winner_id", "value": 4 })),
            Some("_eq"),
            &Some(serde_json::json!({ "operand": "subject", "name": "team_id", "value": 1 }))
        )
    );
    let feeders = &tree.children[1];
    assert_eq!(feeders.kind, "transitive");
    assert_eq!(feeders.relationship.as_deref(), Some("feeders"));
    assert_eq!(
        feeders.condition,
        Some(serde_json::json!({
            "kind": "compare",
            "left": { "operand": "column", "name": "winner_id" },
            "op": "_eq",
            "right": { "operand": "subject", "name": "team_id", "value": 1 }
        }))
    );
    assert_eq!(feeders.depth_limit, None);
    let visited: Vec<&str> = feeders.visits.iter().map(|v| v.resource.as_str()).collect();
    assert_eq!(visited, ["game:2", "game:6"]);
    assert_eq!(feeders.visits[1].values["winner_id"], 3);
    let why: Vec<&str> = out.why_not.iter().map(|w| w.policy.as_str()).collect();
    assert!(why.contains(&"winners-read-game"), "{why:?}");
    assert!(why.contains(&"captains-read-team-games"), "{why:?}");

    // Cho: the path through game 6 is shown as the match.
    let cho: Explain = env
        .run([
            "--format",
            "json",
            "authz",
            "explain",
            "--user",
            "Cho Chang",
            "--action",
            "read",
            "--resource",
            "game:8",
            "--policies",
            &p,
        ])
        .success()
        .json();
    assert_eq!(cho.decision, "allow");
    assert_eq!(cho.policies, ["winners-read-game"]);
    // Asked without `now`: the results embargo withholds winner_id and loser_id (fail closed).
    assert_eq!(cho.fields.len(), 4);
    assert!(cho.why_not.is_empty());
}

#[test]
fn explain_human_fits_one_screen_and_says_why_not() {
    let env = Env::seeded();
    let run = authz(
        &env,
        &[
            "explain",
            "--user",
            "Harry Potter",
            "--action",
            "read",
            "--resource",
            "game:8",
        ],
    )
    .success()
    .stdout_has("winner_id (4) _eq $subject.team_id (1) → false")
    .stdout_has("game:6 (depth 1, winner_id 3) ✗")
    .stdout_has("decision: deny")
    .stdout_has("why not:");
    assert!(run.stdout().lines().count() <= 50, "{}", run.stdout());
}

#[test]
fn explain_without_a_resource_profiles_the_user() {
    let env = Env::seeded();
    authz(&env, &["explain", "--user", "Harry Potter"])
        .success()
        .stdout_has("scopes: seeker_chat")
        .stdout_has("read game: 1, 3, 7, 9")
        .stdout_has("via winners-read-game: 1, 3, 7, 9");
    authz(&env, &["explain", "--user", "Oliver Wood"])
        .success()
        .stdout_has("scopes: veterans_chat\n");
}

#[test]
fn the_shipped_tests_pass() {
    let env = Env::seeded();
    let run = authz(&env, &["test"]).success();
    assert!(
        run.stdout().contains("test harry may not read game 8"),
        "{}",
        run.stdout()
    );
    let last = run.stdout().lines().last().unwrap_or_default().to_string();
    assert!(last.ends_with(" passed, 0 failed"), "{last}");
}

#[test]
fn a_failing_test_file_exits_3_with_the_explain() {
    let env = Env::seeded();
    let file = env.write(
        "tests.toml",
        r#"
[[test]]
name = "harry reads game 8"
user = "Harry Potter"
action = "read"
resource = "game:8"
decision = "allow"

[[test]]
name = "cho reads game 8"
user = "Cho Chang"
action = "read"
resource = "game:8"
decision = "allow"
"#,
    );
    authz(&env, &["test", "--file", &file.display().to_string()])
        .status(3)
        .stdout_has("test harry reads game 8 ... FAILED")
        .stdout_has("test cho reads game 8 ... ok")
        .stdout_has("expected allow, got deny")
        .stdout_has("why not:")
        .stdout_has("1 passed, 1 failed\n");
    let report: serde_json::Value = authz(
        &env,
        &[
            "--format",
            "json",
            "test",
            "--file",
            &file.display().to_string(),
        ],
    )
    .status(3)
    .json();
    assert_eq!(
        report["results"][0]["failures"],
        serde_json::json!([{ "check": "decision", "expected": "allow", "got": "deny" }])
    );
}

const GOOD_HEAD: &str = r#"actions = ["read"]
[types.player]
table = "players"
columns = { id = "int", name = "text", position = "text", year = "int", team_id = "int" }
[roles]
player = {}
[[binding]]
subject = "player"
role = "player"
"#;

#[test]
fn bad_policy_files_exit_1_with_their_location() {
    let env = Env::seeded();
    let policy = |cond: &str| {
        format!(
            "{GOOD_HEAD}[[policy]]\nid = \"p\"\neffect = \"allow\"\nroles = [\"player\"]\nactions = [\"read\"]\nresource = \"player\"\ncondition = {cond}\n"
        )
    };
    let cases = [
        (
            "malformed",
            format!("{GOOD_HEAD}[[policy]\n"),
            "bad.toml:10:",
        ),
        (
            "unknown key",
            format!("colour = \"red\"\n{GOOD_HEAD}"),
            "bad.toml:1:1: unknown key `colour`",
        ),
        (
            "bad operator",
            policy("{ year = { _gtt = 3 } }"),
            "bad.toml:16:24: unknown operator `_gtt`: did you mean `_gt`?",
        ),
        (
            "bad session variable",
            policy("{ team_id = { _eq = \"$subject.team\" } }"),
            "bad.toml:16:33: unknown session variable `$subject.team`",
        ),
        (
            "dangling relationship",
            format!(
                "{GOOD_HEAD}[[relationship]]\ntype = \"player\"\nname = \"team\"\ntarget = \"team\"\nkind = \"object\"\nmapping = {{ team_id = \"id\" }}\n"
            ),
            "bad.toml:13:10: unknown type `team`",
        ),
    ];
    for (what, source, expected) in cases {
        let file = env.write("bad.toml", &source);
        let file = file.display().to_string();
        let run = check_under(&env, &file, "Harry Potter", "read", "player:1").status(1);
        let stderr = run.stderr().replace(&format!("{file}:"), "bad.toml:");
        assert!(stderr.contains(expected), "{what}: {stderr}");
        env.run(["authz", "lint", "--file", &file]).status(1);
    }
}

#[test]
fn lint_reports_policies_that_never_apply() {
    let env = Env::seeded();
    let file = env.write(
        "never.toml",
        &format!(
            "{GOOD_HEAD}[roles.ghost]\n[[policy]]\nid = \"p\"\neffect = \"allow\"\nroles = [\"ghost\"]\nactions = [\"read\"]\nresource = \"player\"\n"
        ),
    );
    let file = file.display().to_string();
    let run = env.run(["authz", "lint", "--file", &file]).status(1);
    let out = run.stdout().replace(&format!("{file}:"), "never.toml:");
    assert!(
        out.contains("never.toml:10:8: role `ghost` is given by no binding"),
        "{out}"
    );
    assert!(
        out.contains("never.toml:12:6: policy `p` can never apply: no subject can hold ghost"),
        "{out}"
    );
    authz(&env, &["lint"]).success().stdout_has("no problems");
}

/// A policy that reads `$subject.id` for a role anonymous subjects hold cannot be evaluated for
/// them (anonymous has no attribute but `type`): every such request fails, closed. `lint` says
/// so before anyone asks; `check` and the server then fail as it said. The same condition for a
/// role only players hold (they have a `team_id`) is no problem.
#[test]
fn lint_reports_a_policy_that_reads_an_attribute_its_subjects_lack() {
    let env = Env::seeded();
    let own_team = |file: &str, role: &str| {
        env.shipped_policies_and(
            file,
            &format!(
                "\n[[policy]]\nid = \"own-team\"\neffect = \"allow\"\nroles = [\"{role}\"]\n\
                 actions = [\"read\"]\nresource = \"team\"\n\
                 condition = {{ id = {{ _eq = \"$subject.team_id\" }} }}\n"
            ),
        )
    };
    let file = own_team("anon.toml", "anonymous");
    let out = env
        .run(["authz", "lint", "--policies", &file])
        .status(1)
        .stdout();
    assert!(
        out.contains(
            "policy `own-team` cannot be evaluated for an anonymous subject holding role \
             `anonymous`: `$subject.team_id` is not one of its attributes"
        ),
        "{out}"
    );
    assert!(out.contains("1 problem in"), "{out}");
    // As said: anonymous requests for a team fail; a player's are judged.
    check_under(&env, &file, "anonymous", "read", "team:1")
        .status(1)
        .stderr_has("`$subject.team_id` is not an attribute of anonymous");
    check_under(&env, &file, "Harry Potter", "read", "team:1").success();
    let server = crate::harness::Server::start_with_env(&env, &[("QUIDDITCH_POLICIES", &file)]);
    let reply = crate::harness::post_with(
        &server.addr,
        r#"{"query":"{ allTeams { edges { node { name } } } }"}"#,
        &[],
    );
    assert_eq!(reply.status, 500, "{}", reply.body);
    assert!(!reply.body.contains("Gryffindor"), "{}", reply.body);

    let file = own_team("players.toml", "player");
    env.run(["authz", "lint", "--policies", &file])
        .success()
        .stdout_has("no problems");
}

#[test]
fn unknown_and_ambiguous_users() {
    let env = Env::seeded();
    check(&env, "Hary Potter", "read", "game:1")
        .status(1)
        .stderr_has("unknown user `Hary Potter`: did you mean `Harry Potter`?");
    env.sql()
        .execute(
            "INSERT INTO staff (id, name, role, team_id) VALUES (3, 'Harry Potter', 'admin', NULL)",
            [],
        )
        .unwrap();
    check(&env, "Harry Potter", "read", "game:1")
        .status(1)
        .stderr_has("ambiguous user `Harry Potter`: it could be player:1 (Harry Potter), staff:3 (Harry Potter)");
    check(&env, "staff:3", "read", "game:8").success();
    check(&env, "player:1", "read", "game:99")
        .status(1)
        .stderr_has("resource `game:99` does not exist");
    check(&env, "player:1", "read", "forum:Seekr")
        .status(1)
        .stderr_has("did you mean `forum:Seeker`?");
}

#[test]
fn batch_check_answers_one_line_per_request() {
    let env = Env::seeded();
    let p = policies();
    let run = env
        .run_stdin(
            ["authz", "check", "--batch", "--policies", &p],
            "{\"user\":\"Cho Chang\",\"action\":\"read\",\"resource\":\"game:8\"}\n\
             {\"user\":\"Harry Potter\",\"action\":\"read\",\"resource\":\"game:8\"}\n\
             {\"user\":\"anonymous\",\"action\":\"read\",\"resource\":\"player:2\",\"field\":\"year\"}\n",
        )
        .success();
    let lines: Vec<CheckJson> = run
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let decisions: Vec<&str> = lines.iter().map(|l| l.decision.as_str()).collect();
    assert_eq!(decisions, ["allow", "deny", "deny"]);
    env.run_stdin(
        ["authz", "check", "--batch", "--policies", &p],
        "{\"user\":1}\n",
    )
    .status(1)
    .stdout_has("\"error\"");
}

#[test]
fn unknown_actions_types_and_fields_name_the_valid_values() {
    let env = Env::seeded();
    check(&env, "Harry Potter", "raed", "game:8")
        .status(1)
        .stderr_has("unknown action `raed`: did you mean `read`?");
    check(&env, "Harry Potter", "zzz", "game:8")
        .status(1)
        .stderr_has("unknown action `zzz`: expected one of `join`, `read`");
    check(&env, "Harry Potter", "read", "zzz:8")
        .status(1)
        .stderr_has(
            "unknown resource type `zzz`: expected one of `forum`, `game`, `player`, `staff`, `team`",
        );
    env.run([
        "authz", "check", "--user", "Harry Potter", "--action", "read", "--resource", "game:8",
        "--field", "zzz", "--policies", &policies(),
    ])
    .status(1)
    .stderr_has(
        "type `game` has no field `zzz`: expected one of `child_id`, `id`, `level`, `loser_id`, `published_at`, `winner_id`",
    );
}

/// The shipped policies and `roleless`: every player may read every game when they have no
/// `role` (a player has none; staff do).
fn roleless(env: &Env) -> String {
    env.shipped_policies_and(
        "roleless.toml",
        "\n[[policy]]\nid = \"roleless\"\neffect = \"allow\"\nroles = [\"player\"]\n\
         actions = [\"read\"]\nresource = \"game\"\n\
         condition = { \"$subject.role\" = { _is_null = true } }\n",
    )
}

/// A condition reading a `$subject.NAME` the subject does not have is an error for that
/// subject, as Hasura refuses a request lacking a session variable a permission reads: never
/// null, which `_is_null` would read as true and so grant every game to every player. Check,
/// explain, who-can and the server all refuse; a subject that has it (staff, whose role is not
/// `player`) is untouched.
#[test]
fn a_subject_attribute_the_subject_lacks_is_an_error_not_null() {
    let env = Env::seeded();
    let p = roleless(&env);
    let said = "policy `roleless` could not be evaluated: `$subject.role` is not an attribute of \
                player:1 (Harry Potter) (its attributes: id, name, position, team_id, year)";
    check_under(&env, &p, "Harry Potter", "read", "game:1")
        .status(1)
        .stderr_has(said);
    env.run([
        "authz",
        "explain",
        "--user",
        "Harry Potter",
        "--policies",
        &p,
    ])
    .status(1)
    .stderr_has(said);
    env.run([
        "authz",
        "who-can",
        "--action",
        "read",
        "--resource",
        "game:1",
        "--policies",
        &p,
    ])
    .status(1)
    .stderr_has("`$subject.role` is not an attribute of a player, and player:1 holds its role");
    // Staff have a `role`; the policy's roles are not theirs: unaffected.
    check_under(&env, &p, "staff:1", "read", "game:1").success();
    let server = crate::harness::Server::serve(&env, &["--policies", &p]);
    let reply = crate::harness::post_with(
        &server.addr,
        r#"{"query":"{ getGame(id: 1) { level } }"}"#,
        &[
            ("X-Quidditch-Admin-Secret", crate::harness::ADMIN_SECRET),
            ("X-Quidditch-User", "Harry Potter"),
        ],
    );
    assert_eq!(reply.status, 500, "{}", reply.body);
    server.logged(&["a request's access could not be decided", "`$subject.role`"]);
}

/// The export refuses such a subject too (no tuple could carry the error), and before its
/// directory is touched: the earlier export there stays whole.
#[test]
fn an_export_that_fails_leaves_the_earlier_one_whole() {
    let env = Env::seeded();
    let p = roleless(&env);
    let fga = env.path("fga");
    let fga_arg = fga.display().to_string();
    env.run([
        "authz",
        "export",
        "--to",
        "openfga",
        "--out",
        &fga_arg,
        "--policies",
        &policies(),
    ])
    .success();
    let before = std::fs::read_to_string(fga.join("tuples.yaml")).unwrap();
    env.run([
        "authz",
        "export",
        "--to",
        "openfga",
        "--out",
        &fga_arg,
        "--policies",
        &p,
    ])
    .status(1)
    .stderr_has("policy `roleless`: `$subject.role` is not an attribute of player:");
    assert_eq!(
        std::fs::read_to_string(fga.join("tuples.yaml")).unwrap(),
        before
    );
    let mut left: Vec<String> = std::fs::read_dir(&fga)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["model.fga", "model.json", "tests.fga.yaml", "tuples.yaml"]
    );
}

/// SQLite keeps whatever a row is given: a real or a text in an `int` column was read as the
/// integer it truncates to (or compared as text), so `check` and the SQL filters could decide
/// differently. Such a value is an error naming the column, never a decision.
#[test]
fn a_stored_value_of_another_type_than_its_column_is_an_error() {
    let env = Env::seeded();
    for (value, found) in [
        ("3.5", "the real number 3.5"),
        ("'three'", "the text `three`"),
    ] {
        env.sql()
            .execute_batch(&format!("UPDATE players SET year = {value} WHERE id = 1"))
            .unwrap();
        check(&env, "Harry Potter", "read", "player:1")
            .status(1)
            .stderr_has(&format!(
                "column `year` holds {found}, not an integer: no policy can be judged on it"
            ));
    }
}
