//! Fail closed, explain truthfully: policies are checked against the real database before any
//! decision, inheritance cycles are refused, an explanation names the policy that decided, and a
//! field-level deny hides a field everywhere (engine, server, explain).

use serde_json::{Value, json};

use crate::harness::{ADMIN_SECRET, Env, Run, Server, post_with, repo};

fn shipped() -> String {
    std::fs::read_to_string(repo().join("policies.toml")).unwrap()
}

/// `text` with `extra` appended, written to `policies.toml` in the test directory.
fn policies_with(env: &Env, text: &str) -> String {
    env.write("policies.toml", text).display().to_string()
}

/// The 1-based `LINE:COL` of the first `needle` in `text`.
fn line_col(text: &str, needle: &str) -> String {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the policies"));
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("{line}:{col}")
}

fn check(env: &Env, policies: &str, user: &str, resource: &str, field: Option<&str>) -> Run {
    let mut args = vec![
        "authz",
        "check",
        "--user",
        user,
        "--action",
        "read",
        "--resource",
        resource,
        "--policies",
        policies,
    ];
    if let Some(field) = field {
        args.extend(["--field", field]);
    }
    env.run(args)
}

/// Every command that decides anything refuses `policies` with `message` at `location`.
fn refused_everywhere(env: &Env, policies: &str, location: &str, message: &str) {
    let expected = format!("{policies}:{location}: {message}");
    check(env, policies, "anonymous", "game:9", None)
        .status(1)
        .stderr_has(&expected);
    for args in [
        vec![
            "authz",
            "explain",
            "--user",
            "Harry Potter",
            "--policies",
            policies,
        ],
        vec!["authz", "test", "--policies", policies],
        vec![
            "query",
            "--as",
            "Harry Potter",
            "--policies",
            policies,
            "get-game",
            "8",
        ],
        vec!["serve", "--bind", "127.0.0.1:0", "--policies", policies],
    ] {
        env.run(&args).status(1).stderr_has(&expected);
    }
    env.run(["authz", "lint", "--file", policies])
        .status(1)
        .stdout_has(&expected)
        .stdout_has(&format!("in {policies}\n"));
}

#[test]
fn a_column_the_table_lacks_is_refused_not_compared_as_a_string() {
    let env = Env::seeded();
    let text = shipped().replace(
        "columns = { id = \"int\", level = \"text\",",
        "columns = { id = \"int\", is_secret = \"bool\", level = \"text\",",
    ) + r#"
[[policy]]
id = "hide-secret-games"
effect = "deny"
roles = ["anonymous"]
actions = ["read"]
resource = "game"
condition = { is_secret = { _eq = true } }
"#;
    let policies = policies_with(&env, &text);
    refused_everywhere(
        &env,
        &policies,
        &line_col(&text, "\"bool\""),
        "type `game` declares column `is_secret`, but table `games` has no such column: it has id, level, child_id, winner_id, loser_id",
    );
}

#[test]
fn a_column_renamed_in_the_policy_file_only_is_refused_with_a_suggestion() {
    let env = Env::seeded();
    let text = shipped().replace("winner_id", "winer_id");
    let policies = policies_with(&env, &text);
    let location = line_col(&text, "winer_id = \"int\"");
    let col: usize = location.split(':').nth(1).unwrap().parse().unwrap();
    let location = format!(
        "{}:{}",
        location.split(':').next().unwrap(),
        col + "winer_id = ".len()
    );
    refused_everywhere(
        &env,
        &policies,
        &location,
        "type `game` declares column `winer_id`, but table `games` has no such column: it has id, level, child_id, winner_id, loser_id, published_at; did you mean `winner_id`?",
    );
}

#[test]
fn a_column_of_another_type_and_a_missing_table_are_refused() {
    let env = Env::seeded();
    let text = shipped().replace("level = \"text\"", "level = \"int\"");
    let policies = policies_with(&env, &text);
    check(&env, &policies, "anonymous", "game:9", None)
        .status(1)
        .stderr_has(&format!(
            "{policies}:{}: type `game` declares column `level` as `int`, but `games.level` is `VARCHAR(30)` (text affinity) in the database",
            line_col(&text, "\"int\", child_id")
        ));
    let text = shipped().replace("table = \"games\"", "table = \"gamez\"");
    let policies = policies_with(&env, &text);
    check(&env, &policies, "anonymous", "game:9", None)
        .status(1)
        .stderr_has(&format!(
            "{policies}:{}: type `game`: the database has no table `gamez`; it has games, players, staff, teams; did you mean `games`?",
            line_col(&text, "\"gamez\"")
        ));
}

#[test]
fn lint_without_a_database_says_so() {
    let env = Env::new();
    env.run([
        "authz",
        "lint",
        "--file",
        &repo().join("policies.toml").display().to_string(),
    ])
    .success()
    .stdout_has("no problems")
    .stderr_has("not checked against a database");
}

#[test]
fn role_inheritance_cycles_are_refused_at_load() {
    let env = Env::seeded();
    let text = shipped().replace("anonymous = {}", "anonymous = { inherits = [\"captain\"] }");
    let policies = policies_with(&env, &text);
    let expected = format!(
        "{policies}:{}: role inheritance cycle: anonymous → captain → player → anonymous",
        line_col(&text, "\"captain\"] }")
    );
    check(&env, &policies, "anonymous", "team:1", None)
        .status(1)
        .stderr_has(&expected);
    env.run([
        "authz",
        "explain",
        "--user",
        "anonymous",
        "--policies",
        &policies,
    ])
    .status(1)
    .stderr_has(&expected);
    env.run(["authz", "lint", "--file", &policies])
        .status(1)
        .stdout_has(&expected);
}

const DENY_GAME_8: &str = r#"
[[policy]]
id = "no-game-8"
description = "game 8 is under review"
effect = "deny"
roles = ["player"]
actions = ["read"]
resource = "game"
condition = { id = { _eq = 8 } }
"#;

const HIDE_NAMES: &str = r#"
[[policy]]
id = "hide-names"
description = "names are withheld, even from admins"
effect = "deny"
roles = ["admin"]
actions = ["read"]
resource = "player"
fields = ["name"]
read_fail = { name = { error = "Names are secret." } }
"#;

fn explain_json(
    env: &Env,
    policies: &str,
    user: &str,
    resource: &str,
    field: Option<&str>,
) -> Value {
    let mut args = vec![
        "--format",
        "json",
        "authz",
        "explain",
        "--user",
        user,
        "--action",
        "read",
        "--resource",
        resource,
        "--policies",
        policies,
    ];
    if let Some(field) = field {
        args.extend(["--field", field]);
    }
    env.run(args).success().json()
}

/// The reasons `policy` did not allow, as data.
fn why_not(out: &Value, policy: &str) -> Vec<Value> {
    out["why_not"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["policy"] == policy)
        .map_or_else(
            || panic!("no why_not for {policy}: {out}"),
            |w| w["reasons"].as_array().unwrap().clone(),
        )
}

#[test]
fn every_explanation_names_the_policy_that_decided() {
    let env = Env::seeded();
    let text = format!("{}{DENY_GAME_8}{HIDE_NAMES}", shipped());
    let policies = policies_with(&env, &text);

    // An allow.
    let out = explain_json(&env, &policies, "Cho Chang", "game:6", None);
    assert_eq!(out["decision"], "allow", "{out}");
    assert_eq!(
        out["decided_by"],
        json!({ "rule": "allowed", "policies": ["winners-read-game"] })
    );

    // A deny that wins over an allow that applies.
    let out = explain_json(&env, &policies, "Zacharias Smith", "game:8", None);
    assert_eq!(out["decision"], "deny");
    assert_eq!(
        out["decided_by"],
        json!({ "rule": "deny_wins", "policies": ["no-game-8"], "overridden": ["winners-read-game"] })
    );
    assert_eq!(out["policies"], json!(["no-game-8"]));
    assert_eq!(
        why_not(&out, "winners-read-game"),
        [json!({ "because": "deny_wins", "denies": ["no-game-8"] })]
    );

    // A default deny.
    let out = explain_json(&env, &policies, "Harry Potter", "game:2", None);
    assert_eq!(out["decided_by"], json!({ "rule": "default_deny" }));

    // Per field: not granted by the allow that applies, and denied by a field-level deny.
    let out = explain_json(&env, &policies, "anonymous", "player:1", Some("year"));
    assert_eq!(
        out["decided_by"],
        json!({ "rule": "field_not_granted", "field": "year", "applicable": ["public-roster"] })
    );
    let year = out["denied_fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["field"] == "year")
        .unwrap();
    assert_eq!(
        year["because"],
        json!({ "why": "not_granted", "applicable": ["public-roster"] })
    );
    let out = explain_json(&env, &policies, "Madam Hooch", "player:1", Some("name"));
    assert_eq!(out["decision"], "deny");
    assert_eq!(
        out["decided_by"],
        json!({ "rule": "field_denied", "field": "name", "policies": ["hide-names"] })
    );
    assert_eq!(
        why_not(&out, "admin-all"),
        [json!({ "because": "field_withheld", "field": "name", "denies": ["hide-names"] })]
    );

    // The human trace says the same, and `check` gives the reason.
    env.run([
        "authz",
        "explain",
        "--user",
        "Madam Hooch",
        "--action",
        "read",
        "--resource",
        "player:1",
        "--policies",
        &policies,
    ])
    .success()
    .stdout_has("hide-names")
    .stdout_has("name: denied by hide-names (yields error \"Names are secret.\")")
    .stdout_has("decision: allow by admin-all");
    check(&env, &policies, "Zacharias Smith", "game:8", None)
        .status(2)
        .stdout_has("policies: no-game-8\nreason: deny wins: no-game-8 applies\n");
    check(&env, &policies, "Harry Potter", "game:2", None)
        .status(2)
        .stdout_has("reason: no allow policy applies: default deny\n");
    check(&env, &policies, "Madam Hooch", "player:1", Some("name")).status(2);
    check(&env, &policies, "Madam Hooch", "player:1", Some("year")).success();
}

#[test]
fn a_field_level_deny_hides_the_field_from_the_admin_and_keeps_the_row() {
    let env = Env::seeded();
    let text = format!("{}{HIDE_NAMES}", shipped());
    let policies = policies_with(&env, &text);
    let server = Server::start_with_env(&env, &[("QUIDDITCH_POLICIES", &policies)]);
    let body =
        json!({ "query": "{ allPlayers(first: 3) { edges { node { id name position } } } }" })
            .to_string();
    for headers in [
        vec![("X-Quidditch-Admin-Secret", ADMIN_SECRET)],
        vec![
            ("X-Quidditch-Admin-Secret", ADMIN_SECRET),
            ("X-Quidditch-User", "Madam Hooch"),
        ],
    ] {
        let reply = post_with(&server.addr, &body, &headers);
        assert_eq!(reply.status, 200, "{}", reply.body);
        let answer: Value = reply.json();
        // The rows stay (three edges: the deny is on a field, not the rows); `name` is
        // non-null (`String!`), so its error nulls the player that holds it, as GraphQL says.
        let edges = answer["data"]["allPlayers"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), 3, "{answer}");
        for edge in edges {
            assert_eq!(edge, &json!({ "node": null }), "{answer}");
        }
        let errors = answer["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 3, "{answer}");
        for (i, error) in errors.iter().enumerate() {
            assert_eq!(error["message"], "Names are secret.");
            assert_eq!(error["extensions"]["code"], "FORBIDDEN");
            assert_eq!(
                error["path"],
                json!(["allPlayers", "edges", i, "node", "name"]),
                "{answer}"
            );
        }
    }
    // Other types are untouched.
    let reply = post_with(
        &server.addr,
        &json!({ "query": "{ getGame(id: 8) { level } }" }).to_string(),
        &[("X-Quidditch-Admin-Secret", ADMIN_SECRET)],
    );
    assert_eq!(reply.json::<Value>()["data"]["getGame"]["level"], "First");
    drop(server);

    let query = env.write(
        "names.graphql",
        "{ allPlayers(first: 1) { edges { node { name } } } }",
    );
    env.run([
        "authz",
        "explain",
        "--user",
        "Madam Hooch",
        "--query",
        &query.display().to_string(),
        "--policies",
        &policies,
    ])
    .success()
    .stdout_has("player.name: error: Names are secret. (denied by hide-names)");
}

#[test]
fn lint_finds_unsound_policies_each_at_its_place() {
    let env = Env::seeded();
    let extra = r#"
[[policy]]
id = "two-levels"
effect = "allow"
roles = ["player"]
actions = ["read"]
resource = "game"
condition = { _and = [{ level = { _eq = "First" } }, { level = { _eq = "Final" } }] }

[[policy]]
id = "empty-range"
effect = "allow"
roles = ["player"]
actions = ["read"]
resource = "team"
condition = { _and = [{ rank = { _gt = 5 } }, { rank = { _lt = 3 } }] }

[[policy]]
id = "in-nothing"
effect = "allow"
roles = ["player"]
actions = ["read"]
resource = "team"
condition = { id = { _in = [] } }

[[policy]]
id = "public-names-again"
effect = "allow"
roles = ["player"]
actions = ["read"]
resource = "player"
fields = ["name"]

[[policy]]
id = "managers-no-games"
effect = "deny"
roles = ["manager"]
actions = ["read"]
resource = "game"

[[scope]]
name = "ghost_team"
action = "read"
resource = "team:99"

[[test]]
name = "game 99"
user = "Harry Potter"
action = "read"
resource = "game:99"
decision = "deny"
"#;
    let text = format!("{}{extra}", shipped());
    let policies = policies_with(&env, &text);
    let run = env.run(["authz", "lint", "--file", &policies]).status(1);
    let at = |needle: &str| format!("{policies}:{}: ", line_col(&text, needle));
    for expected in [
        format!(
            "{}policy `two-levels`: its condition can never be true: `level` cannot `_eq` both \"First\" and \"Final\" under `_and`",
            at("_eq = \"Final\"")
        ),
        format!(
            "{}policy `empty-range`: its condition can never be true: the range of `rank` under `_and` is empty (from 6 to 2)",
            at("_lt = 3 }")
        ),
        format!(
            "{}policy `in-nothing`: its condition can never be true: `id _in []` matches nothing",
            at("_in = [] }")
        ),
        format!(
            "{}policy `public-names-again` is redundant: `public-roster` allows the same roles, actions, type and fields without a condition",
            at("\"public-names-again\"")
        ),
        format!(
            "{}policy `manager-team-games` is dead: the unconditional deny `managers-no-games` always overrides it",
            at("\"manager-team-games\"")
        ),
        format!(
            "{}scope `ghost_team`: resource `team:99` does not exist",
            at("[[scope]]\nname = \"ghost_team\"")
        ),
        format!(
            "{}test `game 99`: resource `game:99` does not exist",
            at("[[test]]\nname = \"game 99\"")
        ),
    ] {
        assert!(
            run.stdout().contains(&expected),
            "missing {expected}\nin:\n{}",
            run.stdout()
        );
    }
    assert!(
        run.stdout()
            .ends_with(&format!("7 problems in {policies}\n")),
        "{}",
        run.stdout()
    );
}

#[test]
fn a_schema_changed_under_a_running_server_fails_closed() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let body = json!({ "query": "{ allGames { edges { node { id level } } } }" }).to_string();
    let harry = [
        ("X-Quidditch-Admin-Secret", ADMIN_SECRET),
        ("X-Quidditch-User", "Harry Potter"),
    ];
    // The column the bracket rule reads goes away after the policies were checked.
    env.sql()
        .execute_batch("ALTER TABLE games RENAME COLUMN winner_id TO winning_team")
        .unwrap();
    let reply = post_with(&server.addr, &body, &harry);
    let answer: Value = reply.json();
    assert_eq!(reply.status, 500, "{answer}");
    assert_eq!(
        answer,
        json!({ "errors": [{
            "message": "the policies could not be evaluated against the database; nothing was read",
            "extensions": { "code": "INTERNAL_SERVER_ERROR" }
        }] })
    );
    // Why, for the operator: the schema checked again on the changed database, each problem
    // at its place in the policy file, as `serve` says them at start.
    server.logged(&[
        "WARN a request's access could not be decided: the policies no longer match the \
         database: ",
        "policies.toml:",
        "type `game` declares column `winner_id`, but table `games` has no such column",
    ]);
}

const FINALS_HIDDEN: &str = r#"
[[policy]]
id = "anonymous-late-games"
description = "anyone may read the games that feed game 8 or later"
effect = "allow"
roles = ["anonymous"]
actions = ["read"]
resource = "game"
condition = { _not = { child_id = { _lt = 8 } } }
"#;

#[test]
fn null_is_unknown_inside_a_condition_and_an_allow_needs_true() {
    let env = Env::seeded();
    let text = format!("{}{FINALS_HIDDEN}", shipped());
    let policies = policies_with(&env, &text);
    // Games 3, 5 and 9 have no child: `child_id _lt 8` is unknown there, and so is its `_not`.
    for (game, code) in [
        (2, 0),
        (6, 0),
        (7, 0),
        (8, 0),
        (1, 2),
        (4, 2),
        (3, 2),
        (5, 2),
        (9, 2),
    ] {
        check(&env, &policies, "anonymous", &format!("game:{game}"), None).status(code);
    }
    let out = explain_json(&env, &policies, "anonymous", "game:9", None);
    let trace = out["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "anonymous-late-games")
        .unwrap();
    assert_eq!(trace["outcome"], "unknown", "{trace}");
    assert_eq!(trace["condition"]["result"], Value::Null);
    let unknown = json!({
        "kind": "compare",
        "left": { "operand": "column", "name": "child_id", "value": null },
        "op": "_lt",
        "right": { "operand": "literal", "value": 8 },
        "result": null,
        "children": [],
        "visits": []
    });
    assert_eq!(trace["condition"]["children"][0], unknown);
    assert_eq!(
        why_not(&out, "anonymous-late-games"),
        [
            json!({ "because": "unknown", "path": [0], "node": unknown }),
            json!({ "because": "condition_unknown" })
        ]
    );
    env.run([
        "authz",
        "explain",
        "--user",
        "anonymous",
        "--action",
        "read",
        "--resource",
        "game:9",
        "--policies",
        &policies,
    ])
    .success()
    .stdout_has("anonymous-late-games      allow  condition unknown (NULL): does not apply")
    .stdout_has("└─ child_id (null) _lt 8 → unknown (NULL)");

    // The server's SQL selects the same games.
    let server = Server::start_with_env(&env, &[("QUIDDITCH_POLICIES", &policies)]);
    let reply = post_with(
        &server.addr,
        &json!({ "query": "{ allGames { edges { node { level child { level } } } } }" })
            .to_string(),
        &[],
    );
    let answer: Value = reply.json();
    let edges = answer["data"]["allGames"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 4, "{answer}");

    // A deny whose condition is unknown applies (fail closed).
    let deny = text.replace("effect = \"allow\"\nroles = [\"anonymous\"]\nactions = [\"read\"]\nresource = \"game\"\ncondition = { _not", "effect = \"deny\"\nroles = [\"admin\"]\nactions = [\"read\"]\nresource = \"game\"\ncondition = { _not");
    let policies = policies_with(&env, &deny);
    for (game, code) in [(8, 2), (9, 2), (3, 2), (1, 0)] {
        check(
            &env,
            &policies,
            "Madam Hooch",
            &format!("game:{game}"),
            None,
        )
        .status(code);
    }
    // Lint points at the unguarded comparison.
    env.run(["authz", "lint", "--file", &policies])
        .status(1)
        .stdout_has(&format!(
            "{policies}:{}: policy `anonymous-late-games`: `game.child_id` may be NULL, and inside `_not` a comparison with NULL is unknown",
            line_col(&deny, "_lt = 8")
        ));
}

/// Denies over `int` columns, of the row itself and of a related row.
const JUNK_DENIES: &str = r#"
[[policy]]
id = "hide-top-wins"
description = "games won by the top-ranked team are hidden from players"
effect = "deny"
roles = ["player"]
actions = ["read"]
resource = "game"
condition = { winner = { rank = { _lt = 2 } } }

[[policy]]
id = "hide-juniors"
description = "players below year 3 are hidden from other players"
effect = "deny"
roles = ["player"]
actions = ["read"]
resource = "player"
condition = { _and = [{ year = { _lt = 3 } }, { id = { _neq = "$subject.id" } }] }

[[policy]]
id = "hide-ravenclaw"
description = "Ravenclaw's players are hidden from players"
effect = "deny"
roles = ["player"]
actions = ["read"]
resource = "player"
condition = { team = { name = { _eq = "Ravenclaw" } } }
"#;

/// SQLite keeps whatever a row is given, and SQL compares a text in an `int` column as SQLite
/// does (greater than every number, equal to none), where `authz check` refuses the row. So a
/// deny on games won by a team of rank < 2 never applied once that team's `rank` was `'one'`:
/// the server showed every game it won, and nothing said why. Its filters now read such a row
/// as unknown, related or not: the deny holds, as the evaluator's "a deny applies unless its
/// condition is false". The same for a player's own `year` and `team_id` (whose rows the
/// server would otherwise fail to read, an error for the whole list).
#[test]
fn a_text_in_an_int_column_never_lifts_a_deny_in_the_server() {
    let env = Env::seeded();
    let policies = policies_with(&env, &format!("{}\n{}", shipped(), JUNK_DENIES));
    let server = Server::start_with_env(&env, &[("QUIDDITCH_POLICIES", &policies)]);
    let list = |field: &str, key: &str| oliver_wood_reads(&server, field, &[key]);
    let games = list("allGames", "winnerId");
    assert!(!games.contains(&"1".to_string()), "{games:?}");
    assert!(!games.is_empty(), "{games:?}");
    let players = list("allPlayers", "name");
    assert!(
        players.contains(&"\"Oliver Wood\"".to_string()),
        "{players:?}"
    );
    for hidden in ["Draco Malfoy", "Cho Chang"] {
        assert!(!players.contains(&format!("\"{hidden}\"")), "{players:?}");
    }
    env.sql()
        .execute_batch("UPDATE teams SET rank = 'one' WHERE id = 1")
        .unwrap();
    // Another database state: the viewer is decided again.
    assert_eq!(
        list("allGames", "winnerId"),
        games,
        "a junk rank lifted the deny"
    );
    check(&env, &policies, "Oliver Wood", "game:1", None)
        .status(1)
        .stderr_has("column `rank` holds the text `one`");
    // Gryffindor's players too: `hide-ravenclaw` reads their team's row, which cannot be read.
    let katie = format!("player:{}", id_of(&env, "Katie Bell"));
    check(&env, &policies, "Oliver Wood", &katie, None)
        .status(1)
        .stderr_has("column `rank` holds the text `one`");
    let unreadable = list("allPlayers", "name");
    assert!(
        !unreadable.contains(&"\"Katie Bell\"".to_string()),
        "{unreadable:?}"
    );

    env.sql()
        .execute_batch(
            "PRAGMA foreign_keys = OFF; \
             UPDATE teams SET rank = 1 WHERE id = 1; \
             UPDATE players SET year = 'two' WHERE name = 'Draco Malfoy'; \
             UPDATE players SET team_id = 'three' WHERE name = 'Cho Chang';",
        )
        .unwrap();
    assert_eq!(
        list("allPlayers", "name"),
        players,
        "a junk value lifted a deny"
    );
    for (who, column) in [("Draco Malfoy", "year"), ("Cho Chang", "team_id")] {
        check(
            &env,
            &policies,
            "Oliver Wood",
            &format!("player:{}", id_of(&env, who)),
            None,
        )
        .status(1)
        .stderr_has(&format!("column `{column}` holds the text"));
    }
}

fn id_of(env: &Env, name: &str) -> i64 {
    env.sql()
        .query_row("SELECT id FROM players WHERE name = ?1", [name], |row| {
            row.get(0)
        })
        .unwrap()
}

/// What Oliver Wood reads of the list `field` (as the admin acting as him): each node's `keys`,
/// as JSON, joined with `/` (`"Practice"/7` for `level` and `childId`: the relay `id` is
/// opaque).
fn oliver_wood_reads(server: &Server, field: &str, keys: &[&str]) -> Vec<String> {
    let answer: Value = post_with(
        &server.addr,
        &json!({ "query": format!("{{ {field} {{ edges {{ node {{ {} }} }} }} }}", keys.join(" ")) })
            .to_string(),
        &[
            ("X-Quidditch-Admin-Secret", ADMIN_SECRET),
            ("X-Quidditch-User", "Oliver Wood"),
        ],
    )
    .json();
    answer["data"][field]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"))
        .iter()
        .map(|edge| {
            let values: Vec<String> = keys.iter().map(|k| edge["node"][k].to_string()).collect();
            values.join("/")
        })
        .collect()
}

/// A deny on games fed (at any depth) by a practice game Hufflepuff lost, with the walk
/// limited to one step. The final (game 9) is fed by games 7 and 8, which practice games
/// feed: no game one step away matches and the walk goes on, so whether the deny applies is
/// unknown, and a deny applies unless its condition is false. Both the server and `authz
/// check` read the cut as false before: the final's result was shown to every player allowed
/// it, although its bracket holds such a game two steps away.
#[test]
fn a_deny_cut_at_the_depth_limit_holds_in_the_server_as_in_check() {
    let env = Env::seeded();
    let text = shipped();
    assert!(
        text.contains("traversal_depth = 32"),
        "the shipped limit moved"
    );
    let policies = policies_with(
        &env,
        &format!(
            "{}\n{}",
            text.replace("traversal_depth = 32", "traversal_depth = 1"),
            r#"
[[policy]]
id = "fed-by-a-hufflepuff-practice-loss"
effect = "deny"
roles = ["player"]
actions = ["read"]
resource = "game"
condition = { "feeders*" = { _and = [{ level = { _eq = "Practice" } }, { loser_id = { _eq = 4 } }] } }
"#
        ),
    );
    let server = Server::start_with_env(&env, &[("QUIDDITCH_POLICIES", &policies)]);
    // Oliver Wood's team played games 1, 2, 3, 7 and 9. Game 7 (First, child 9) is fed by
    // practice game 4, which Hufflepuff lost (true); the final only past the limit (unknown).
    assert_eq!(
        oliver_wood_reads(&server, "allGames", &["level", "childId"]),
        ["\"Practice\"/7", "\"Practice\"/8", "\"Practice\"/null"],
    );
    check(&env, &policies, "Oliver Wood", "game:9", None)
        .status(2)
        .stdout_has("deny wins: fed-by-a-hufflepuff-practice-loss applies");
    check(&env, &policies, "Oliver Wood", "game:1", None).status(0);
    env.run([
        "authz",
        "explain",
        "--user",
        "Oliver Wood",
        "--action",
        "read",
        "--resource",
        "game:9",
        "--policies",
        &policies,
    ])
    .stdout_has("condition unknown (depth limit reached): applies (fail closed)")
    .stdout_has("→ unknown (depth limit 1 reached before a match)");
}

/// A value the evaluator cannot read, two steps along a transitive relationship: `authz check`
/// refuses the row (its walk reads every level), and the server's SQL looked at the first step
/// only. With a deny on games fed by a game team 99 won (none is) and a text in practice game
/// 6's `loser_id`, two steps below the final, the server showed the final: its walk found no
/// match, so the deny was lifted. Every row the walk reaches within the limit is looked at now:
/// unknown, and the deny holds.
#[test]
fn a_junk_value_along_a_transitive_walk_never_lifts_a_deny_in_the_server() {
    let env = Env::seeded();
    let policies = policies_with(
        &env,
        &format!(
            "{}\n{}",
            shipped(),
            r#"
[[policy]]
id = "fed-by-team-99"
effect = "deny"
roles = ["player"]
actions = ["read"]
resource = "game"
condition = { "feeders*" = { winner_id = { _eq = 99 } } }
"#
        ),
    );
    let server = Server::start_with_env(&env, &[("QUIDDITCH_POLICIES", &policies)]);
    let games = || oliver_wood_reads(&server, "allGames", &["level", "childId"]);
    let clean = games();
    assert!(clean.contains(&"\"Final\"/null".to_string()), "{clean:?}");
    env.sql()
        .execute_batch("PRAGMA foreign_keys = OFF; UPDATE games SET loser_id = 'four' WHERE id = 6")
        .unwrap();
    let after = games();
    assert!(
        !after.contains(&"\"Final\"/null".to_string()),
        "a junk value two steps away lifted the deny: {after:?}"
    );
    // Game 7 (First, child 9) is fed by games 1 and 4 only: still shown.
    assert!(after.contains(&"\"First\"/9".to_string()), "{after:?}");
    check(&env, &policies, "Oliver Wood", "game:9", None)
        .status(1)
        .stderr_has("column `loser_id` holds the text `four`");
}

/// `lint` says a policy "can never apply" when its condition can never be true. That holds
/// for an allow (it needs true), not for a deny on a transitive walk: where the walk is cut at
/// the depth limit the step is unknown, and a deny applies unless its condition is false.
#[test]
fn lint_never_says_a_deny_on_a_transitive_walk_can_never_apply() {
    let env = Env::seeded();
    let text = format!(
        "{}{}",
        shipped(),
        r#"
[[policy]]
id = "allow-fed-by-nothing"
effect = "allow"
roles = ["player"]
actions = ["read"]
resource = "game"
condition = { "feeders*" = { _or = [] } }

[[policy]]
id = "deny-fed-by-nothing"
effect = "deny"
roles = ["player"]
actions = ["read"]
resource = "game"
condition = { "feeders*" = { _or = [] } }
"#
    );
    let policies = policies_with(&env, &text);
    let run = env.run(["authz", "lint", "--file", &policies]).status(1);
    let expected = format!(
        "{policies}:{}: policy `allow-fed-by-nothing` can never apply: its condition can never be true",
        line_col(&text, "\"allow-fed-by-nothing\"")
    );
    assert!(run.stdout().contains(&expected), "{}", run.stdout());
    assert!(
        !run.stdout().contains("deny-fed-by-nothing"),
        "{}",
        run.stdout()
    );
}
