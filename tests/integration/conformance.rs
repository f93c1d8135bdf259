//! Issue 19, GraphQL items 1 to 5: answers on the GraphQL spec (and on the tutorial's server
//! where it decides), each checked over HTTP against `quidditch serve` and in-process with
//! `quidditch query raw`, byte for byte.

use serde_json::{Value, json};

use crate::harness::{Env, Server, post};

/// The answer to `query` with `variables` from both transports, as compact JSON in the order it
/// was sent (serde_json keeps the order here), with the HTTP status; the two must agree.
fn answer(env: &Env, server: &Server, query: &str, variables: &Value) -> (u16, String) {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let http = post(&server.addr, &body);
    let over_http: Value = http.json();
    assert_eq!(
        over_http.to_string(),
        http.body,
        "the server's bytes are compact JSON"
    );
    let run = env.run_stdin(
        ["query", "raw", "-", "--vars", &variables.to_string()],
        query,
    );
    let in_process: Value = run.json();
    assert_eq!(
        in_process.to_string(),
        http.body,
        "in-process and HTTP differ on {query}"
    );
    let failed = over_http.get("errors").is_some();
    assert_eq!(run.code(), i32::from(failed), "{query}: {}", run.stderr());
    (http.status, http.body)
}

fn ok(env: &Env, server: &Server, query: &str) -> String {
    let (status, body) = answer(env, server, query, &json!({}));
    assert_eq!(status, 200, "{query}: {body}");
    body
}

/// See: issue 19, item 1.
#[test]
fn an_object_that_selects_nothing_is_an_empty_object_not_null() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let cases = [
        (
            "{ getGame(id: 1) @skip(if: true) { level } }",
            r#"{"data":{}}"#,
        ),
        (
            "{ getGame(id: 1) @include(if: false) { level } }",
            r#"{"data":{}}"#,
        ),
        (
            "{ getGame(id: 1) { level @skip(if: true) } }",
            r#"{"data":{"getGame":{}}}"#,
        ),
        // A game, asked for through `node` with a fragment on players only.
        (
            r#"{ node(id: "R2FtZU9iamVjdDo4") { ... on PlayerObject { name } } }"#,
            r#"{"data":{"node":{}}}"#,
        ),
        (
            "{ allGames(first: 2) { edges { node { ...P } } } } \
             fragment P on Node { ... on PlayerObject { name } }",
            r#"{"data":{"allGames":{"edges":[{"node":{}},{"node":{}}]}}}"#,
        ),
        // A row that is not there stays `null`.
        (
            "{ getGame(id: 99) { level @skip(if: true) } }",
            r#"{"data":{"getGame":null}}"#,
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(ok(&env, &server, query), expected, "{query}");
    }
}

/// See: issue 19, item 2.
#[test]
fn validation_runs_every_rule_of_the_spec() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let refused = [
        (
            "query($v: String) { getGame(id: $v) { id } }",
            json!({}),
            r#"Variable "$v" of type "String" used in position expecting type "Int""#,
        ),
        (
            "query($v: String) { getGame(id: $v) { id } }",
            json!({"v": "8"}),
            r#"Variable "$v" of type "String" used in position expecting type "Int""#,
        ),
        (
            "{ __typename { x } }",
            json!({}),
            r#"Field "__typename" must not have a selection since type "String!" has no subfields"#,
        ),
        (
            "query($v: Int!) { getGame(id: $v) { id } }",
            json!({"v": null}),
            r#"Variable "$v" of non-null type "Int!" must not be null"#,
        ),
        (
            "query($v: Int!) { getGame(id: $v) { id } }",
            json!({}),
            r#"Variable "$v" of required type "Int!" was not provided"#,
        ),
        (
            "query($v: Boolean) { __typename @include(if: $v) }",
            json!({"v": true}),
            r#"Variable "$v" of type "Boolean" used in position expecting type "Boolean!""#,
        ),
    ];
    for (query, variables, message) in refused {
        let (status, body) = answer(&env, &server, query, &variables);
        assert_eq!(status, 400, "{query}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert!(body.get("data").is_none(), "{body}");
        let errors = body["errors"].as_array().unwrap();
        let error = errors.iter().find(|e| e["message"] == message);
        let error = error.unwrap_or_else(|| panic!("{query}: no `{message}` in {body}"));
        assert!(error["locations"].is_array(), "{body}");
        assert!(error.get("path").is_none(), "{body}");
    }
    // A variable used only in a directive on `__typename` is used; so is a defaulted one.
    let include = "query($v: Boolean!) { __typename @include(if: $v) }";
    let (status, body) = answer(&env, &server, include, &json!({"v": true}));
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"data":{"__typename":"Query"}}"#)
    );
    let (status, body) = answer(&env, &server, include, &json!({"v": false}));
    assert_eq!((status, body.as_str()), (200, r#"{"data":{}}"#));
    let defaulted = "query($v: Boolean = false) { __typename @include(if: $v) a: __typename }";
    assert_eq!(ok(&env, &server, defaulted), r#"{"data":{"a":"Query"}}"#);
    // A valid document stays valid the second time (validation is remembered by its text).
    for _ in 0..2 {
        assert_eq!(
            ok(&env, &server, "{ getGame(id: 8) { level } }"),
            r#"{"data":{"getGame":{"level":"First"}}}"#
        );
        let (status, _) = answer(&env, &server, "{ __typename { x } }", &json!({}));
        assert_eq!(status, 400);
    }
}

/// See: issue 19, item 3.
#[test]
fn response_keys_come_in_selection_order() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let cases = [
        (
            "{ getGame(id: 8) { child { id } level winnerId } __typename }",
            r#"{"data":{"getGame":{"child":{"id":"R2FtZU9iamVjdDo5"},"level":"First","winnerId":4},"__typename":"Query"}}"#,
        ),
        (
            "{ b: getGame(id: 8) { level } a: allTeams(first: 1) { edges { node { name } } } \
             c: __typename z: getGame(id: 9) { level } }",
            r#"{"data":{"b":{"level":"First"},"a":{"edges":[{"node":{"name":"Gryffindor"}}]},"c":"Query","z":{"level":"Final"}}}"#,
        ),
        (
            "{ allPlayers(first: 1) { pageInfo { hasNextPage } edges { node { teamName { name } name } cursor } } }",
            r#"{"data":{"allPlayers":{"pageInfo":{"hasNextPage":true},"edges":[{"node":{"teamName":{"name":"Gryffindor"},"name":"Harry Potter"},"cursor":"YXJyYXljb25uZWN0aW9uOjA="}]}}}"#,
        ),
        // Through fragments, in the order the spec's CollectFields meets each key.
        (
            r#"{ node(id: "R2FtZU9iamVjdDo4") { ... on PlayerObject { level: name } id ...G } }
               fragment G on GameObject { child { level } level }"#,
            r#"{"data":{"node":{"id":"R2FtZU9iamVjdDo4","child":{"level":"Final"},"level":"First"}}}"#,
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(ok(&env, &server, query), expected, "{query}");
    }
}

/// See: issue 19, item 4.
#[test]
fn top_level_lists_slice_like_the_tutorials_queries() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let edges = |query: &str| -> usize {
        let body: Value = serde_json::from_str(&ok(&env, &server, query)).unwrap();
        let data = &body["data"];
        let list = data["allGames"]["edges"]
            .as_array()
            .or_else(|| data["allPlayers"]["edges"].as_array())
            .or_else(|| data["allTeams"]["edges"].as_array());
        list.unwrap_or_else(|| panic!("no edges in {body}")).len()
    };
    // `arrayconnection:-1`.
    let before = "YXJyYXljb25uZWN0aW9uOi0x";
    assert_eq!(edges("{ allGames(first: -2) { edges { cursor } } }"), 0);
    assert_eq!(edges("{ allPlayers(first: -2) { edges { cursor } } }"), 0);
    assert_eq!(edges("{ allTeams(first: -1) { edges { cursor } } }"), 0);
    let q = format!(r#"{{ allGames(before: "{before}") {{ edges {{ cursor }} }} }}"#);
    assert_eq!(edges(&q), 0);
    let q = format!(r#"{{ allGames(last: 2, before: "{before}") {{ edges {{ cursor }} }} }}"#);
    assert_eq!(edges(&q), 0);
    // `hasNextPage` is graphql-relay's whatever the slice.
    let page = ok(
        &env,
        &server,
        "{ allGames(first: -2) { pageInfo { hasNextPage hasPreviousPage } edges { cursor } } }",
    );
    assert_eq!(
        page,
        r#"{"data":{"allGames":{"pageInfo":{"hasNextPage":true,"hasPreviousPage":false},"edges":[]}}}"#
    );
    // Other windows are unchanged, and a team's players (a Python list there) keep Python's
    // negative slicing: Gryffindor's three players less the last two.
    assert_eq!(edges("{ allGames(first: 3) { edges { cursor } } }"), 3);
    let nested =
        "{ allTeams(first: 1) { edges { node { players(first: -2) { edges { cursor } } } } } }";
    let body: Value = serde_json::from_str(&ok(&env, &server, nested)).unwrap();
    let players = &body["data"]["allTeams"]["edges"][0]["node"]["players"]["edges"];
    assert_eq!(players.as_array().map(Vec::len), Some(1), "{body}");
}

/// A well-formed cursor whose offset is beyond 64 bits is read as graphql-relay reads it (a
/// Python `int`, unbounded): `after` it is past the end, `before` it is everything, and before
/// a hugely negative one is nothing. It used to be ignored, as if no cursor had been given.
/// See: adversarial review, item 1.
#[test]
fn a_cursor_beyond_64_bits_is_past_the_end_not_ignored() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    // `arrayconnection:99999999999999999999999` and `arrayconnection:-99999999999999999999999`.
    let huge = "YXJyYXljb25uZWN0aW9uOjk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5";
    let tiny = "YXJyYXljb25uZWN0aW9uOi05OTk5OTk5OTk5OTk5OTk5OTk5OTk5";
    let cases = [
        (
            format!(
                r#"{{ allTeams(after: "{huge}") {{ edges {{ node {{ name }} }} pageInfo {{ hasNextPage }} }} }}"#
            ),
            r#"{"data":{"allTeams":{"edges":[],"pageInfo":{"hasNextPage":false}}}}"#,
        ),
        (
            format!(
                r#"{{ allTeams(first: 1, before: "{huge}") {{ edges {{ node {{ name }} }} pageInfo {{ hasNextPage }} }} }}"#
            ),
            r#"{"data":{"allTeams":{"edges":[{"node":{"name":"Gryffindor"}}],"pageInfo":{"hasNextPage":true}}}}"#,
        ),
        (
            format!(r#"{{ allTeams(first: 1, after: "{tiny}") {{ edges {{ cursor }} }} }}"#),
            r#"{"data":{"allTeams":{"edges":[{"cursor":"YXJyYXljb25uZWN0aW9uOjA="}]}}}"#,
        ),
        (
            format!(r#"{{ allTeams(before: "{tiny}") {{ edges {{ cursor }} }} }}"#),
            r#"{"data":{"allTeams":{"edges":[]}}}"#,
        ),
        (
            format!(
                r#"{{ allTeams(first: 1) {{ edges {{ node {{ players(after: "{huge}") {{ edges {{ cursor }} }} }} }} }} }}"#
            ),
            r#"{"data":{"allTeams":{"edges":[{"node":{"players":{"edges":[]}}}]}}}"#,
        ),
    ];
    for (query, expected) in &cases {
        assert_eq!(ok(&env, &server, query), *expected, "{query}");
    }
}

/// GraphQL's `Int` is 32-bit: a column beyond it (here written straight into the database) is a
/// field error worded as graphene words it, `null` where the spec puts it (in its place when
/// nullable, else in its parent's), never a number a client of an `Int` cannot hold.
/// See: adversarial review, item 2.
#[test]
fn an_int_column_beyond_32_bits_is_a_field_error() {
    let env = Env::seeded();
    env.sql()
        .execute_batch(
            "UPDATE teams SET rank = 3000000000 WHERE name = 'Gryffindor';
             UPDATE players SET year = -3000000000 WHERE name = 'Harry Potter';
             INSERT INTO teams (id, name, rank) VALUES (5000000000, 'Durmstrang', 5);
             INSERT INTO games (id, level, winner_id, loser_id) VALUES (4294967296, 'Friendly', 1, 2);
             UPDATE games SET child_id = 4294967296 WHERE id = 8;
             UPDATE games SET loser_id = 5000000000 WHERE id = 9;",
        )
        .unwrap();
    let server = Server::start(&env, &[]);
    let error = |value: &str, column: u32, path: &str| {
        format!(
            r#""errors":[{{"message":"Int cannot represent non 32-bit signed integer value: {value}","locations":[{{"line":1,"column":{column}}}],"path":[{path}]}}]"#
        )
    };
    let cases = [
        (
            "{ allTeams(first: 2) { edges { node { name rank } } } }",
            format!(
                r#"{{"data":{{"allTeams":{{"edges":[{{"node":null}},{{"node":{{"name":"Slytherin","rank":2}}}}]}}}},{}}}"#,
                error("3000000000", 44, r#""allTeams","edges",0,"node","rank""#)
            ),
        ),
        (
            r#"{ getPlayer(name: "Harry Potter") { name year teamId } }"#,
            format!(
                r#"{{"data":{{"getPlayer":{{"name":"Harry Potter","year":null,"teamId":1}}}},{}}}"#,
                error("-3000000000", 42, r#""getPlayer","year""#)
            ),
        ),
        (
            "{ getGame(id: 8) { level childId } }",
            format!(
                r#"{{"data":{{"getGame":{{"level":"First","childId":null}}}},{}}}"#,
                error("4294967296", 26, r#""getGame","childId""#)
            ),
        ),
        (
            "{ getGame(id: 9) { level loserId } }",
            format!(
                r#"{{"data":{{"getGame":null}},{}}}"#,
                error("5000000000", 26, r#""getGame","loserId""#)
            ),
        ),
    ];
    for (query, expected) in &cases {
        let (status, body) = answer(&env, &server, query, &json!({}));
        assert_eq!((status, body.as_str()), (200, expected.as_str()), "{query}");
    }
}

/// See: issue 19, item 5.
#[test]
fn messages_name_the_right_thing_once_and_request_errors_have_no_path() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let cases = [
        (
            "{ node { id } }",
            json!({}),
            r#"{"errors":[{"message":"Field \"node\" argument \"id\" of type \"ID!\" is required but not provided","locations":[{"line":1,"column":3}]}]}"#,
        ),
        (
            "{ a: getGame(id: 1) { id } a: getGame(id: 2) { id } }",
            json!({}),
            r#"{"errors":[{"message":"Fields \"a\" conflict because they have differing arguments. Use different aliases on the fields to fetch both if this was intentional.","locations":[{"line":1,"column":3},{"line":1,"column":28}]}]}"#,
        ),
        (
            "mutation { x }",
            json!({}),
            r#"{"errors":[{"message":"Schema is not configured for mutations.","locations":[{"line":1,"column":1}]}]}"#,
        ),
        // A request error: no data, and no `path` (only field errors have one).
        (
            "query($v: Int!) { getGame(id: $v) { id } }",
            json!({}),
            r#"{"errors":[{"message":"Variable \"$v\" of required type \"Int!\" was not provided","locations":[{"line":1,"column":7}]}]}"#,
        ),
    ];
    for (query, variables, expected) in cases {
        let (status, body) = answer(&env, &server, query, &variables);
        assert_eq!((status, body.as_str()), (400, expected), "{query}");
    }
}

/// A field whose read fails (here a row holds what its column's type cannot: a blob for a
/// player's `position`) is `null` in the
/// answer, with its error and path, and the other fields are answered, with status 200: a field
/// error, not a request error (spec 6.4.4; async-graphql alone leaves the field out, and a
/// request whose only field failed then had no data and was answered 400). The error says
/// `INTERNAL_SERVER_ERROR`; the database's own words go to the admin and to the server's log,
/// never to anyone else (as Hasura's `database query error`): they name tables and files.
#[test]
fn a_field_whose_read_fails_is_null_and_the_rest_is_answered() {
    let env = Env::seeded();
    let server = crate::harness::Server::start(&env, &[]);
    env.sql()
        .execute_batch("UPDATE players SET position = x'ff' WHERE name = 'Cho Chang'")
        .unwrap();
    let players = json!({ "edges": [{ "node": { "name": "Harry Potter" } }] });
    for (query, data) in [
        (
            "{ getPlayer(name: \"Cho Chang\") { position } }",
            json!({ "getPlayer": null }),
        ),
        (
            "{ getPlayer(name: \"Cho Chang\") { position } allPlayers(first: 1) { edges { node { name } } } }",
            json!({ "getPlayer": null, "allPlayers": players }),
        ),
        (
            "{ allPlayers(first: 1) { edges { node { name } } } getPlayer(name: \"Cho Chang\") { position } }",
            json!({ "allPlayers": players, "getPlayer": null }),
        ),
    ] {
        let body = json!({ "query": query }).to_string();
        for admin in [true, false] {
            let reply = if admin {
                post(&server.addr, &body)
            } else {
                crate::harness::post_with(&server.addr, &body, &[])
            };
            assert_eq!(reply.status, 200, "{query}: {}", reply.body);
            let body: Value = reply.json();
            assert_eq!(body["data"], data, "{query}: {}", reply.body);
            // In the order asked.
            assert_eq!(
                serde_json::to_string(&body["data"]).unwrap(),
                data.to_string(),
                "{query}"
            );
            let error = &body["errors"][0];
            assert_eq!(error["path"], json!(["getPlayer"]), "{query}");
            assert_eq!(
                error["extensions"],
                json!({ "code": "INTERNAL_SERVER_ERROR" }),
                "{query}"
            );
            let message = error["message"].as_str().unwrap_or_default();
            if admin {
                assert!(
                    message.contains("Invalid column type Blob"),
                    "{query}: {}",
                    reply.body
                );
            } else {
                assert_eq!(
                    message, "the server could not read this field; its log says why",
                    "{query}"
                );
            }
        }
    }
    server.logged(&[
        "WARN a field failed at getPlayer: ",
        "Invalid column type Blob",
    ]);
}
