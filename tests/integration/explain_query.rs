//! `authz explain --query FILE`: a whole GraphQL operation explained statically, on the
//! tutorial's database with the shipped policies.toml.

#![allow(
    dead_code,
    reason = "the JSON structs mirror the whole schema (deny_unknown_fields); each test reads a part"
)]

use serde::Deserialize;

use crate::harness::{ADMIN_SECRET, Env, Run, Server, post_with, repo};

const HARRY_QUERY: &str =
    "{ allPlayers { edges { node { name year } } } getGame(id: 8) { level child { id } } }";

const DEPTH_BOMB: &str = "{ getGame(id:1){child{child{child{child{child{child{child{child{child{child{child{id}}}}}}}}}}}} }";

/// Runs `[--format json] authz explain --user USER --query <file holding QUERY> --policies …`.
fn explain(env: &Env, json: bool, user: &str, query: &str, extra: &[&str]) -> Run {
    let policies = repo().join("policies.toml").display().to_string();
    explain_under(env, &policies, json, user, query, extra)
}

/// [`explain`] under the policy file `policies`.
fn explain_under(
    env: &Env,
    policies: &str,
    json: bool,
    user: &str,
    query: &str,
    extra: &[&str],
) -> Run {
    let file = env.write("q.graphql", query).display().to_string();
    let mut args = Vec::new();
    if json {
        args.extend(["--format", "json"]);
    }
    args.extend([
        "authz",
        "explain",
        "--user",
        user,
        "--query",
        &file,
        "--policies",
        policies,
    ]);
    args.extend_from_slice(extra);
    env.run(args)
}

fn explain_json(env: &Env, user: &str, query: &str) -> Explanation {
    explain(env, true, user, query, &[]).success().json()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Explanation {
    subject: SubjectJson,
    operation: Option<String>,
    limits: Limits,
    fields: Vec<Field>,
}

/// The one shape of `subject` in every `authz explain` JSON (decision, profile, query report).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectJson {
    label: String,
    kind: String,
    id: serde_json::Value,
    attributes: serde_json::Map<String, serde_json::Value>,
    roles: Vec<RoleJson>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleJson {
    role: String,
    via: serde_json::Value,
}

impl SubjectJson {
    fn role_names(&self) -> Vec<String> {
        self.roles.iter().map(|r| r.role.clone()).collect()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Limits {
    max_depth: u32,
    max_complexity: u32,
    max_document_bytes: u32,
    max_aliases: u32,
    max_root_fields: u32,
    max_fragments: u32,
    max_response_bytes: u32,
    default_page_size: u32,
    introspection: bool,
    measure: Measure,
    errors: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Measure {
    document_bytes: u64,
    depth: u64,
    complexity: u64,
    aliases: u64,
    root_fields: u64,
    fragments: u64,
    nesting: u64,
    fields: u64,
    introspection: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Field {
    path: String,
    name: String,
    alias: Option<String>,
    policy_type: Option<String>,
    column: Option<String>,
    outcome: Outcome,
    policies: Vec<String>,
    denied_by: Vec<String>,
    rows: Vec<Rows>,
    found_by: Vec<String>,
    shown_key: Option<ShownKey>,
    fields: Vec<Field>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShownKey {
    policy_type: String,
    column: String,
    outcome: Outcome,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Outcome {
    kind: String,
    message: Option<String>,
    readable_where: Option<Condition>,
    otherwise: Option<ReadFail>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadFail {
    yields: String,
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Condition {
    sql: String,
    params: Vec<serde_json::Value>,
    inline: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rows {
    #[serde(rename = "type")]
    ty: String,
    filter: RowFilter,
    allows: Vec<String>,
    denies: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RowFilter {
    kind: String,
    sql: Option<String>,
    params: Option<Vec<serde_json::Value>>,
    inline: Option<String>,
}

impl Explanation {
    /// The field at `path` (response keys, dot-joined).
    #[track_caller]
    fn field(&self, path: &str) -> &Field {
        fn find<'a>(fields: &'a [Field], path: &str) -> Option<&'a Field> {
            fields.iter().find_map(|f| {
                (f.path == path)
                    .then_some(f)
                    .or_else(|| find(&f.fields, path))
            })
        }
        find(&self.fields, path).unwrap_or_else(|| panic!("no field `{path}` in {self:#?}"))
    }

    /// Every field, depth first in document order.
    fn all(&self) -> Vec<&Field> {
        fn walk<'a>(fields: &'a [Field], out: &mut Vec<&'a Field>) {
            for f in fields {
                out.push(f);
                walk(&f.fields, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.fields, &mut out);
        out
    }
}

#[test]
fn harry_sees_names_his_teams_years_and_the_games_his_team_won_into() {
    let env = Env::seeded();
    let out = explain_json(&env, "Harry Potter", HARRY_QUERY);
    assert_eq!(out.subject.label, "player:1 (Harry Potter)");
    assert!(
        out.subject.role_names().contains(&"player".to_string()),
        "{:?}",
        out.subject.role_names()
    );
    assert_eq!(
        (out.limits.max_depth, out.limits.max_complexity),
        (10, 5000)
    );
    assert_eq!(out.limits.measure.depth, 4);
    assert!(out.limits.errors.is_empty());

    // Document order, with nesting.
    let paths: Vec<&str> = out.all().iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "allPlayers",
            "allPlayers.edges",
            "allPlayers.edges.node",
            "allPlayers.edges.node.name",
            "allPlayers.edges.node.year",
            "getGame",
            "getGame.level",
            "getGame.child",
            "getGame.child.id",
        ]
    );

    let players = out.field("allPlayers");
    assert_eq!(players.outcome.kind, "rows");
    assert_eq!(players.rows[0].ty, "player");
    assert_eq!(players.rows[0].filter.kind, "all_rows");
    assert_eq!(out.field("allPlayers.edges").outcome.kind, "structural");

    let name = out.field("allPlayers.edges.node.name");
    assert_eq!(
        (name.policy_type.as_deref(), name.column.as_deref()),
        (Some("player"), Some("name"))
    );
    assert_eq!(name.outcome.kind, "allowed");
    assert!(name.policies.contains(&"public-roster".to_string()));

    let year = out.field("allPlayers.edges.node.year");
    assert_eq!(year.outcome.kind, "row_dependent");
    assert_eq!(year.policies, ["own-profile", "teammates-see-year"]);
    let readable = year.outcome.readable_where.as_ref().unwrap();
    assert!(
        readable.inline.contains(r#""players"."id" = 1"#)
            && readable.inline.contains(r#""players"."team_id" = 1"#),
        "{}",
        readable.inline
    );
    assert_eq!(
        readable.params,
        [serde_json::json!(1), serde_json::json!(1)]
    );
    let otherwise = year.outcome.otherwise.as_ref().unwrap();
    assert_eq!(otherwise.yields, "error");

    let game = out.field("getGame");
    assert_eq!(game.rows[0].ty, "game");
    assert_eq!(game.rows[0].filter.kind, "where");
    assert_eq!(game.rows[0].allows, ["winners-read-game"]);
    let inline = game.rows[0].filter.inline.as_deref().unwrap();
    assert!(inline.contains(r#""games"."winner_id" = 1"#), "{inline}");
    assert!(!inline.contains('?'), "parameters are filled in: {inline}");
    assert_eq!(out.field("getGame.level").outcome.kind, "allowed");
    let child = out.field("getGame.child");
    assert_eq!(child.rows[0].filter.kind, "where");
    assert_eq!(out.field("getGame.child.id").column.as_deref(), Some("id"));
}

#[test]
fn the_human_tree_shows_outcomes_conditions_and_policies() {
    let env = Env::seeded();
    explain(&env, false, "Harry Potter", HARRY_QUERY, &[])
        .success()
        .stdout_has("subject: player:1 (Harry Potter)")
        .stdout_has("query limits: max depth 10, max complexity 5000, max document bytes 65536")
        .stdout_has("allPlayers.edges.node.name → player.name: allowed")
        .stdout_has("allPlayers.edges.node.year → player.year: row-dependent (granted by own-profile, teammates-see-year)")
        .stdout_has(r#"readable where (("players"."id" = 1)"#)
        .stdout_has("elsewhere error: You are not authorized to see this.")
        .stdout_has(r#"getGame → game rows: where (("games"."winner_id" = 1)"#)
        .stdout_has("allows: winners-read-game");
}

#[test]
fn anonymous_gets_an_error_for_year_and_no_games() {
    let env = Env::seeded();
    let out = explain_json(&env, "anonymous", HARRY_QUERY);
    assert_eq!(out.subject.role_names(), ["anonymous"]);
    assert_eq!(out.limits.max_depth, 5, "the anonymous role's limits");
    assert_eq!(out.limits.max_aliases, 20, "the anonymous role's limits");
    let year = out.field("allPlayers.edges.node.year");
    assert_eq!(year.outcome.kind, "error");
    assert_eq!(
        year.outcome.message.as_deref(),
        Some("You are not authorized to see this.")
    );
    assert!(year.policies.is_empty());
    let game = out.field("getGame");
    assert_eq!(game.rows[0].filter.kind, "no_rows");
    assert!(game.rows[0].allows.is_empty());

    explain(&env, false, "anonymous", HARRY_QUERY, &[])
        .success()
        .stdout_has(
            "allPlayers.edges.node.year → player.year: error: You are not authorized to see this.",
        )
        .stdout_has("getGame → game rows: no rows");
}

#[test]
fn the_admin_is_allowed_everything() {
    let env = Env::seeded();
    let players = std::fs::read_to_string(repo().join("queries/players.graphql")).unwrap();
    let node = std::fs::read_to_string(repo().join("queries/node.graphql")).unwrap();
    for query in [players.as_str(), &node, HARRY_QUERY] {
        let out = explain_json(&env, "staff:1", query);
        assert_eq!(out.subject.label, "staff:1 (Madam Hooch)");
        assert_eq!(out.subject.role_names(), ["admin"]);
        let via = &out.subject.roles[0].via;
        assert_eq!(
            (&via["kind"], &via["subject"], &via["column"], &via["value"]),
            (
                &"column".into(),
                &"staff".into(),
                &"role".into(),
                &"admin".into()
            ),
            "{via}"
        );
        assert_all_allowed(&out);
    }
}

#[track_caller]
fn assert_all_allowed(out: &Explanation) {
    let all = out.all();
    assert!(all.len() > 5);
    for f in all {
        match f.outcome.kind.as_str() {
            "structural" => {}
            "allowed" => assert_eq!(f.policies, ["admin-all"], "{}", f.path),
            "rows" => {
                for rows in &f.rows {
                    assert_eq!(rows.filter.kind, "all_rows", "{}", f.path);
                    assert_eq!(rows.allows, ["admin-all"]);
                }
            }
            other => panic!("{}: {other}", f.path),
        }
    }
}

#[test]
fn a_depth_bomb_is_over_the_limit_in_the_servers_words() {
    let env = Env::seeded();
    let out = explain_json(&env, "Harry Potter", DEPTH_BOMB);
    assert_eq!(out.limits.measure.depth, 13);
    assert_eq!(
        out.limits.errors,
        ["query depth 13 exceeds the limit of 10"]
    );
    explain(&env, false, "Harry Potter", DEPTH_BOMB, &[])
        .success()
        .stdout_has("over the limit: query depth 13 exceeds the limit of 10");
}

#[test]
fn fragments_aliases_operations_and_unknown_fields() {
    let env = Env::seeded();
    let query = r"
        query A { p: getPlayer(name: ${name}) { ...Who ... on PlayerObject { year } nickname } }
        query B($n: Int) { allTeams(first: $n) { edges { node { players { edges { node { ...Who } } } } } } }
        fragment Who on PlayerObject { name teamName { ...Team } }
        fragment Team on TeamObject { rank players { edges { node { name ...Who } } } }
    "
    .replace("${name}", "\"Cho Chang\"");
    let out: Explanation = explain(&env, true, "Harry Potter", &query, &["--operation", "A"])
        .success()
        .json();
    assert_eq!(out.operation.as_deref(), Some("A"));
    let p = out.field("p");
    assert_eq!(
        (p.name.as_str(), p.alias.as_deref()),
        ("getPlayer", Some("p"))
    );
    let children: Vec<&str> = p.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(children, ["name", "teamName", "year", "nickname"]);
    assert_eq!(out.field("p.nickname").outcome.kind, "unknown_field");
    assert_eq!(out.field("p.teamName").rows[0].ty, "team");
    // The cycle Who → Team → Who is cut at the second visit of `Who`.
    assert_eq!(
        out.field("p.teamName.players.edges.node.name")
            .column
            .as_deref(),
        Some("name")
    );
    assert!(
        out.field("p.teamName.players.edges.node")
            .fields
            .iter()
            .all(|f| f.name != "teamName")
    );

    let b: Explanation = explain(
        &env,
        true,
        "Harry Potter",
        &query,
        &["--operation", "B", "--vars", r#"{"n": 4}"#],
    )
    .success()
    .json();
    assert_eq!(b.field("allTeams").rows[0].filter.kind, "all_rows");
    // allTeams 1 + 4 × (edges, node, players 1 + 1 × (edges, node, name, teamName 1 + rank …)).
    assert!(
        b.limits.measure.complexity > 20,
        "{}",
        b.limits.measure.complexity
    );

    explain(&env, false, "Harry Potter", &query, &[])
        .status(1)
        .stderr_has("name the one to explain");
}

#[test]
fn a_syntax_error_is_one_line_and_exit_1() {
    let env = Env::seeded();
    let run = explain(&env, false, "Harry Potter", "{ allPlayers { edges ", &[]).status(1);
    let stderr = run.stderr();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("quidditch: error: invalid query `"),
        "{stderr}"
    );
    assert!(stderr.contains("syntax error"), "{stderr}");
    assert!(run.stdout().is_empty());
}

#[test]
fn the_query_can_come_from_stdin_and_conflicts_with_a_resource() {
    let env = Env::seeded();
    let policies = repo().join("policies.toml").display().to_string();
    let run = env.run_stdin(
        [
            "authz",
            "explain",
            "--user",
            "anonymous",
            "--query",
            "-",
            "--policies",
            &policies,
        ],
        "{ allTeams { edges { node { name } } } }",
    );
    run.success()
        .stdout_has("allTeams.edges.node.name → team.name: allowed (granted by public-teams)");
    let run = env.run([
        "authz",
        "explain",
        "--user",
        "anonymous",
        "--query",
        "-",
        "--resource",
        "game:1",
        "--action",
        "read",
    ]);
    assert_eq!(run.code(), 64, "a usage error: {}", run.stderr());
    assert!(
        run.stderr().contains("cannot be used with"),
        "{}",
        run.stderr()
    );
}

/// A decision, a profile and a query report describe their subject with the same object.
/// See: issue 14, item 7.
#[test]
fn every_explain_json_has_the_same_subject_object() {
    let env = Env::seeded();
    let p = crate::harness::repo().join("policies.toml");
    let p = p.to_str().unwrap();
    let base = [
        "--format",
        "json",
        "authz",
        "explain",
        "--policies",
        p,
        "--user",
        "Harry Potter",
    ];
    let subject = |extra: &[&str]| -> serde_json::Value {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        let out: serde_json::Value = env.run(args).success().json();
        out["subject"].clone()
    };
    let profile = subject(&[]);
    let decision = subject(&["--action", "read", "--resource", "game:8"]);
    let query = env.dir.path().join("games.graphql");
    std::fs::write(&query, "{ allGames { edges { node { id } } } }").unwrap();
    let report = subject(&["--query", query.to_str().unwrap()]);
    assert_eq!(profile["label"], "player:1 (Harry Potter)", "{profile}");
    assert_eq!(profile["roles"][0]["role"], "player", "{profile}");
    assert_eq!(profile, decision);
    assert_eq!(profile, report);
}

/// The shipped policies and a deny of a non-null field: players' `id` (the relay id, `ID!`),
/// withheld from managers on players in year 4 or later. Written to the test's directory.
fn unnumbered_veterans(env: &Env) -> String {
    let veterans = r#"
[[policy]]
id = "veterans-unnumbered"
effect = "deny"
roles = ["manager"]
actions = ["read"]
resource = "player"
condition = { year = { _gt = 3 } }
fields = ["id"]
"#;
    env.shipped_policies_and("unnumbered.toml", veterans)
}

/// `authz explain --query` of `query` for Minerva McGonagall (staff:2, a manager) under
/// `policies`, as JSON.
fn explained_for_minerva(env: &Env, policies: &str, query: &str) -> Explanation {
    explain_under(env, policies, true, "staff:2", query, &[])
        .success()
        .json()
}

/// The server's answer to `query` for staff:2.
fn answered_to_minerva(server: &Server, query: &str) -> serde_json::Value {
    post_with(
        &server.addr,
        &serde_json::json!({ "query": query }).to_string(),
        &[
            ("X-Quidditch-Admin-Secret", ADMIN_SECRET),
            ("X-Quidditch-User", "staff:2"),
        ],
    )
    .json()
}

/// A withheld non-null field cannot answer `null`: the server answers its error, which nulls
/// the row. The explanation says that error, not `null`, and the server answers exactly it, on
/// exactly the rows the explanation's condition excludes.
#[test]
fn a_withheld_non_null_field_is_explained_as_the_error_the_server_answers() {
    let env = Env::seeded();
    let policies = unnumbered_veterans(&env);
    let query = "{ allPlayers { edges { node { id name } } } }";
    let out = explained_for_minerva(&env, &policies, query);
    let id = out.field("allPlayers.edges.node.id");
    assert_eq!(id.outcome.kind, "row_dependent");
    let otherwise = id.outcome.otherwise.as_ref().unwrap();
    assert_eq!(otherwise.yields, "error");
    assert_eq!(
        otherwise.message.as_deref(),
        Some("You are not authorized to see this.")
    );
    explain_under(&env, &policies, false, "staff:2", query, &[])
        .success()
        .stdout_has("elsewhere error: You are not authorized to see this.");

    let server = Server::start_with_env(&env, &[("QUIDDITCH_POLICIES", &policies)]);
    let answer = answered_to_minerva(&server, query);
    let nodes: Vec<bool> = answer["data"]["allPlayers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"].is_null())
        .collect();
    // The seeded years, in id order: Oliver Wood, Cedric Diggory and Katie Bell are in year 4.
    let veterans: Vec<bool> = [2, 2, 4, 2, 2, 4, 3, 2, 4, 3]
        .iter()
        .map(|year| *year > 3)
        .collect();
    assert_eq!(nodes, veterans, "{answer}");
    for error in answer["errors"].as_array().unwrap() {
        assert_eq!(error["message"], "You are not authorized to see this.");
        assert_eq!(error["path"].as_array().unwrap().last().unwrap(), "id");
    }
    assert_eq!(answer["errors"].as_array().unwrap().len(), 3, "{answer}");
}

/// `node`'s own `id` is the id column of whichever type the id names: explained for each type
/// (and `node`'s rows for each), and the server withholds Oliver Wood's as the player's rule
/// says.
#[test]
fn the_id_of_node_is_explained_for_every_type_it_may_be() {
    let env = Env::seeded();
    let policies = unnumbered_veterans(&env);
    let oliver = r#"{ node(id: "UGxheWVyT2JqZWN0OjM=") { id } }"#;
    let out = explained_for_minerva(&env, &policies, oliver);
    let node = out.field("node");
    let types: Vec<&str> = node.rows.iter().map(|rows| rows.ty.as_str()).collect();
    assert_eq!(
        types,
        ["player", "team", "game"],
        "the id may name any type"
    );
    let ids: Vec<(&str, &str)> = node
        .fields
        .iter()
        .map(|f| (f.policy_type.as_deref().unwrap(), f.outcome.kind.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("player", "row_dependent"),
            ("team", "allowed"),
            ("game", "allowed")
        ]
    );
    let server = Server::start_with_env(&env, &[("QUIDDITCH_POLICIES", &policies)]);
    let answer = answered_to_minerva(&server, oliver);
    assert!(answer["data"]["node"].is_null(), "{answer}");
    assert_eq!(
        answer["errors"][0]["path"],
        serde_json::json!(["node", "id"])
    );
}

/// A relationship shows the row it links to by the linked rows' own permission (as Hasura's
/// relationships do), not by the permission of the column that links them. Where the subject
/// may not read that column, the explanation says that the relationship tells it all the same:
/// everywhere (a player's team, for a manager denied `team_id`), or on some rows (a game's
/// child, `child_id` denied on the First round). The server answers as explained: the team
/// comes back with `teamId` withheld. Where the column is readable, nothing is said.
#[test]
fn a_relationship_whose_linking_column_is_withheld_is_explained_as_showing_it() {
    let env = Env::seeded();
    let keys = r#"
[[policy]]
id = "teams-unsaid"
effect = "deny"
roles = ["manager"]
actions = ["read"]
resource = "player"
fields = ["team_id"]

[[policy]]
id = "first-round-brackets-unsaid"
effect = "deny"
roles = ["manager"]
actions = ["read"]
resource = "game"
condition = { level = { _eq = "First" } }
fields = ["child_id"]
"#;
    let policies = env.shipped_policies_and("keys.toml", keys);
    let query = "{ allPlayers { edges { node { name teamId teamName { name } } } } \
                 allTeams { edges { node { name players { edges { node { name } } } } } } \
                 getGame(id: 8) { childId child { level } } }";
    let out = explained_for_minerva(&env, &policies, query);
    for path in [
        "allPlayers.edges.node.teamName",
        "allTeams.edges.node.players",
    ] {
        let key = out.field(path).shown_key.as_ref();
        let key = key.unwrap_or_else(|| panic!("{path}: no shown key in {out:#?}"));
        assert_eq!(
            (key.policy_type.as_str(), key.column.as_str()),
            ("player", "team_id")
        );
        assert_ne!(key.outcome.kind, "allowed", "{path}");
        assert!(key.outcome.readable_where.is_none(), "{path}: everywhere");
    }
    let child = out.field("getGame.child").shown_key.as_ref().unwrap();
    assert_eq!(
        (child.policy_type.as_str(), child.column.as_str()),
        ("game", "child_id")
    );
    assert_eq!(child.outcome.kind, "row_dependent");
    // The shipped policies let Minerva read every player's `team_id`: nothing to say.
    let shipped = repo().join("policies.toml").display().to_string();
    let plain = explained_for_minerva(&env, &shipped, query);
    assert!(
        plain.all().iter().all(|f| f.shown_key.is_none()),
        "{plain:#?}"
    );
    explain_under(&env, &policies, false, "staff:2", query, &[])
        .success()
        .stdout_has("shows which row is linked although `player.team_id` is withheld everywhere")
        .stdout_has("although `game.child_id` is withheld on some rows");

    // `teamId` is non-null: withheld, it is the error the field would answer.
    let team = out
        .field("allPlayers.edges.node.teamName")
        .shown_key
        .as_ref()
        .unwrap();
    assert_eq!(
        team.outcome.kind,
        out.field("allPlayers.edges.node.teamId").outcome.kind
    );
    assert_eq!(team.outcome.kind, "error");

    // The server: the team is shown, the column that links it is not.
    let server = Server::start_with_env(&env, &[("QUIDDITCH_POLICIES", &policies)]);
    let harry = |selection: &str| {
        answered_to_minerva(
            &server,
            &format!("{{ getPlayer(name: \"Harry Potter\") {{ {selection} }} }}"),
        )
    };
    let answer = harry("name teamName { name }");
    assert_eq!(
        answer["data"]["getPlayer"]["teamName"]["name"], "Gryffindor",
        "{answer}"
    );
    let answer = harry("teamId");
    assert!(answer["data"]["getPlayer"].is_null(), "{answer}");
    assert_eq!(
        answer["errors"][0]["path"],
        serde_json::json!(["getPlayer", "teamId"])
    );
}

/// A lookup by value finds a row only where the subject may read the column its argument
/// compares (the server's rule, tested in `enforce.rs`): the explanation names that column.
#[test]
fn a_lookup_by_value_is_explained_with_the_column_it_compares() {
    let env = Env::seeded();
    let query = "{ getPosition(position: \"Seeker\") { name } getTeamGames(team: 1) { level } \
                 getPlayer(name: \"Cho Chang\") { name } allPlayers { edges { node { name } } } }";
    let out = explain_json(&env, "Harry Potter", query);
    assert_eq!(out.field("getPosition").found_by, ["position"]);
    assert_eq!(
        out.field("getTeamGames").found_by,
        ["winner_id", "loser_id"]
    );
    assert_eq!(out.field("getPlayer").found_by, ["name"]);
    assert!(out.field("allPlayers").found_by.is_empty());
    explain(&env, false, "Harry Potter", query, &[])
        .success()
        .stdout_has("found only where the subject may read `position`")
        .stdout_has("found only where the subject may read `winner_id` or `loser_id`");
}
