//! `quidditch serve`: the tutorial server's HTTP answers, GraphiQL, limits, logs and shutdown.

use serde::Deserialize;
use serde_json::Value;

use crate::harness::{Env, Server, http, post};

/// A body that holds only `errors`, each with a message and (optionally) locations.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorsOnly {
    errors: Vec<GraphqlError>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GraphqlError {
    message: String,
    #[serde(default)]
    locations: Vec<Location>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Location {
    line: u32,
    column: u32,
}

#[test]
fn a_query_answers_200_with_data() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let reply = post(
        &server.addr,
        r#"{"query":"query G($id: Int) { getGame(id: $id) { id level } }","variables":{"id":8},"operationName":"G"}"#,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.content_type.starts_with("application/json"));
    let body: Value = reply.json();
    assert_eq!(
        body,
        serde_json::json!({"data": {"getGame": {"id": "R2FtZU9iamVjdDo4", "level": "First"}}})
    );
    // A missing row: null, HTTP 200, no errors.
    let reply = post(&server.addr, r#"{"query":"{ getGame(id: 99) { id } }"}"#);
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json::<Value>(),
        serde_json::json!({"data": {"getGame": null}})
    );
}

#[test]
fn bad_requests_answer_400_with_only_errors() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let cases: &[(&str, &str, Option<Location>)] = &[
        ("{bad", "POST body sent invalid JSON.", None),
        ("{}", "Must provide query string.", None),
        (r#"{"variables":{}}"#, "Must provide query string.", None),
        (
            r#"{"query":"{ getGame(id: 8 { id } }"}"#,
            "Syntax Error",
            Some(Location {
                line: 1,
                column: 17,
            }),
        ),
        (
            r#"{"query":"{ allPlayers { edges { node { broomstick } } } }"}"#,
            "Cannot query field \"broomstick\" on type \"PlayerObject\".",
            Some(Location {
                line: 1,
                column: 31,
            }),
        ),
        (
            r#"{"query":"{ getGame(id: \"eight\") { id } }"}"#,
            "expected type \"Int\"",
            Some(Location {
                line: 1,
                column: 11,
            }),
        ),
    ];
    for (body, message, location) in cases {
        let reply = post(&server.addr, body);
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        let answer: ErrorsOnly = reply.json();
        assert_eq!(answer.errors.len(), 1, "{body}: {}", reply.body);
        let error = &answer.errors[0];
        assert!(error.message.contains(message), "{body}: {}", error.message);
        assert!(!error.message.contains('\n'), "one line: {}", error.message);
        match location {
            Some(location) => assert_eq!(
                error.locations.as_slice(),
                std::slice::from_ref(location),
                "{body}"
            ),
            None => assert!(error.locations.is_empty()),
        }
    }
    // The exact bodies the tutorial's server sends.
    assert_eq!(
        post(&server.addr, "{bad").body,
        r#"{"errors":[{"message":"POST body sent invalid JSON."}]}"#
    );
    assert_eq!(
        post(&server.addr, "{}").body,
        r#"{"errors":[{"message":"Must provide query string."}]}"#
    );
}

#[test]
fn graphiql_is_served_on_get() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    for path in ["/graphql", "/"] {
        let reply = http(&server.addr, "GET", path, b"");
        assert_eq!(reply.status, 200, "{path}");
        assert!(reply.content_type.starts_with("text/html"), "{path}");
        assert!(reply.body.contains("graphiql"), "{path}");
    }
}

#[test]
fn an_oversized_body_is_refused() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let big = format!(
        r#"{{"query":"{{ __typename }}","pad":"{}"}}"#,
        "x".repeat(2 << 20)
    );
    let reply = post(&server.addr, &big);
    assert_eq!(reply.status, 413);
    // The server still answers afterwards.
    assert_eq!(
        post(&server.addr, r#"{"query":"{ __typename }"}"#).status,
        200
    );
}

#[test]
fn verbose_logs_one_line_per_request_and_sigterm_stops_cleanly() {
    let env = Env::seeded();
    let server = Server::start(&env, &["-v"]);
    post(&server.addr, r#"{"query":"{ getGame(id: 8) { id } }"}"#);
    post(&server.addr, "{bad");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let log = server.log();
    assert!(log.contains("POST /graphql 200"), "{log}");
    assert!(log.contains("POST /graphql 400"), "{log}");
    assert_eq!(server.terminate(), Some(0));
}

#[test]
fn every_worker_answers_and_sigterm_stops_them_all() {
    let env = Env::seeded();
    let server = Server::start_with_env(&env, &[("QUIDDITCH_WORKERS", "3")]);
    let addr = server.addr.clone();
    // Concurrent connections land on different workers; each must answer like the others.
    let answers: Vec<Value> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..6)
            .map(|_| {
                scope.spawn(|| {
                    (0..10)
                        .map(|_| {
                            post(
                                &addr,
                                r#"{"query":"{ getGame(id: 8) { level winnerId } }"}"#,
                            )
                            .json()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        clients
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect()
    });
    assert_eq!(answers.len(), 60);
    for answer in &answers {
        assert_eq!(answer["data"]["getGame"]["level"], "First");
        assert_eq!(answer["data"]["getGame"]["winnerId"], 4);
    }
    assert_eq!(server.terminate(), Some(0));
}

#[test]
fn serve_refuses_a_missing_database() {
    let env = Env::new();
    env.run(["serve", "--bind", "127.0.0.1:0"])
        .status(1)
        .stderr_has("does not exist (create it with");
}
