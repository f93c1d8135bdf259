//! `quidditch serve`: the tutorial server's HTTP answers, GraphiQL, limits, logs and shutdown.

use serde::Deserialize;
use serde_json::Value;

use crate::harness::{Env, Server, http, http_with, post};

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
        let reply = http_with(&server.addr, "GET", path, b"", &[("Accept", "text/html")]);
        assert_eq!(reply.status, 200, "{path}");
        assert!(reply.content_type.starts_with("text/html"), "{path}");
        assert!(reply.body.contains("graphiql"), "{path}");
    }
}

/// A body padded to `len` bytes around a valid query (unknown keys are ignored).
fn padded_body(len: usize) -> String {
    let head = r#"{"query":"{ __typename }","pad":""#;
    format!("{head}{}\"}}", "x".repeat(len - head.len() - 2))
}

#[test]
fn a_body_over_one_mebibyte_is_refused() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let limit = 1 << 20;
    assert_eq!(post(&server.addr, &padded_body(limit)).status, 200);
    assert_eq!(post(&server.addr, &padded_body(limit + 1)).status, 413);
    assert_eq!(post(&server.addr, &padded_body(3 << 20)).status, 413);
    // The server still answers afterwards.
    assert_eq!(
        post(&server.addr, r#"{"query":"{ __typename }"}"#).status,
        200
    );
}

/// `POST /graphql` skips the router unless the request log is on: both ways answer alike.
#[test]
fn the_request_log_changes_no_answer() {
    let env = Env::seeded();
    let quiet = Server::start(&env, &[]);
    let logged = Server::start(&env, &["-v"]);
    let over_limit = padded_body((1 << 20) + 1);
    let requests: &[(&str, &str, &str)] = &[
        (
            "POST",
            "/graphql",
            r#"{"query":"{ getGame(id: 8) { level child { id } } }"}"#,
        ),
        ("POST", "/graphql", "{bad"),
        ("POST", "/graphql", r#"{"query":"{ nope }"}"#),
        ("POST", "/graphql", &over_limit),
        ("POST", "/", r#"{"query":"{ __typename }"}"#),
        ("POST", "/elsewhere", r#"{"query":"{ __typename }"}"#),
        ("PUT", "/graphql", r#"{"query":"{ __typename }"}"#),
        ("GET", "/graphql", ""),
    ];
    for (method, path, body) in requests {
        let a = http(&quiet.addr, method, path, body.as_bytes());
        let b = http(&logged.addr, method, path, body.as_bytes());
        let what = format!("{method} {path} {}", &body[..body.len().min(40)]);
        assert_eq!(a.status, b.status, "{what}");
        assert_eq!(a.content_type, b.content_type, "{what}");
        assert_eq!(a.body, b.body, "{what}");
    }
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
fn a_request_in_flight_at_sigterm_is_answered_before_the_server_stops() {
    use std::io::{Read as _, Write as _};
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let body = r#"{"query":"{ getGame(id: 8) { level } }"}"#;
    let (first, rest) = body.split_at(10);
    let mut stream = std::net::TcpStream::connect(&server.addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
         X-Quidditch-Admin-Secret: {}\r\nContent-Length: {}\r\n\r\n{first}",
        crate::harness::ADMIN_SECRET,
        body.len()
    )
    .unwrap();
    // The server has the request's head and waits for the rest of its body when told to stop.
    std::thread::sleep(std::time::Duration::from_millis(300));
    server.send_sigterm();
    // It stops accepting connections...
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(&server.addr).is_ok() {
        assert!(std::time::Instant::now() < deadline, "still accepting");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // ...but answers the request in flight, then exits cleanly.
    stream.write_all(rest.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(
        reply.ends_with(r#"{"data":{"getGame":{"level":"First"}}}"#),
        "{reply}"
    );
    assert_eq!(server.wait(), Some(0));
}

/// `GET /healthz`, as Hasura's: 200 `OK` while requests can be decided, 500 `ERROR` once a
/// column the policies name is renamed under the server (the reason, located in the policy
/// file, in the server's log and not in the answer), `OK` again once it is back, with no
/// restart. Plain text, never cached; a probe changes nothing, so only GET (and HEAD) answer.
#[test]
fn healthz_says_whether_requests_can_be_decided() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let reply = http_with(&server.addr, "GET", "/healthz", b"", &[]);
    assert_eq!((reply.status, reply.body.as_str()), (200, "OK"));
    assert_eq!(reply.content_type, "text/plain; charset=utf-8");
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    let head = http_with(&server.addr, "HEAD", "/healthz", b"", &[]);
    assert_eq!((head.status, head.body.as_str()), (200, ""));
    let post = http_with(&server.addr, "POST", "/healthz", b"{}", &[]);
    assert_eq!(post.status, 405, "{}", post.body);

    let rename = |from: &str, to: &str| {
        env.sql()
            .execute_batch(&format!("ALTER TABLE games RENAME COLUMN {from} TO {to}"))
            .unwrap();
    };
    rename("winner_id", "winning_team");
    assert_eq!(server.health(), (500, "ERROR".to_string()));
    let policies = crate::harness::repo().join("policies.toml");
    server.logged(&[
        "WARN not ready: the policies no longer match the database: ",
        &format!("{}:", policies.display()),
        "type `game` declares column `winner_id`, but table `games` has no such column",
    ]);
    rename("winning_team", "winner_id");
    assert_eq!(server.health(), (200, "OK".to_string()));
}

/// The server process's threads now (`/proc/PID/status`).
fn threads(server: &Server) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no thread count in {status}"))
}

/// A request whose aliased fields each read a page too long to read on the async worker holds
/// one blocking thread at a time: its reads take its snapshot's one connection in turn anyway.
/// It held one per alias, each waiting for the connection (a few requests of 90 aliases made
/// a thousand threads, and `/healthz`, on the same blocking pool, waited behind them).
#[test]
fn a_request_of_many_long_reads_holds_one_blocking_thread_at_a_time() {
    let env = Env::seeded();
    let server = Server::serve(&env, &["--workers", "1"]);
    assert_eq!(server.health().0, 200);
    let before = threads(&server);
    let fields: Vec<String> = (0..20)
        .map(|i| format!("a{i}: allPlayers(first: 65) {{ edges {{ node {{ name }} }} }}"))
        .collect();
    let body = serde_json::json!({ "query": format!("{{ {} }}", fields.join(" ")) }).to_string();
    let reply = crate::harness::post_with(
        &server.addr,
        &body,
        &[("X-Quidditch-Admin-Secret", crate::harness::ADMIN_SECRET)],
    );
    let answer: Value = reply.json();
    assert_eq!(reply.status, 200, "{answer}");
    assert!(answer.get("errors").is_none(), "{answer}");
    assert_eq!(answer["data"]["a19"], answer["data"]["a0"]);
    assert!(
        answer["data"]["a0"]["edges"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
    );
    // Idle blocking threads live on for 10 s: each one the request made is still counted.
    let made = threads(&server) - before;
    assert!(made <= 1, "the request made {made} threads");
}

#[test]
fn serve_refuses_a_missing_database() {
    let env = Env::new();
    env.run(["serve", "--bind", "127.0.0.1:0"])
        .status(1)
        .stderr_has("does not exist (create it with");
}

/// What `graphiql_driver.py` reports: the result pane's text and every URL the page requested.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BrowserRun {
    result: String,
    requests: Vec<String>,
}

/// `application/x-www-form-urlencoded`-style percent-encoding of a query parameter.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// GraphiQL works on a machine without internet: its page loads only the assets embedded in the
/// binary (each cacheable for a year under a versioned URL), and in headless Chromium with every
/// other host unresolvable, `{ getGame(id: 8) { level } }` run from the editor shows `First` in
/// the result pane. See: issue 14, item 4 (the page was blank offline: React and GraphiQL came
/// from a CDN).
#[test]
fn graphiql_runs_a_query_in_a_headless_browser_offline() {
    let chromium = ["chromium", "chromium-browser"].iter().any(|name| {
        std::process::Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    assert!(
        chromium,
        "this test needs Chromium: `apt-get install chromium` (.ci/run installs it)"
    );
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    for asset in [
        "graphiql-4.1.2.min.js",
        "graphiql-4.1.2.min.css",
        "react-18.3.1.production.min.js",
        "react-dom-18.3.1.production.min.js",
    ] {
        let head = std::process::Command::new("curl")
            .args(["-sS", "-D", "-", "-o", "/dev/null"])
            .arg(format!("http://{}/graphiql/{asset}", server.addr))
            .output()
            .expect("curl");
        let head = String::from_utf8_lossy(&head.stdout).to_ascii_lowercase();
        assert!(head.starts_with("http/1.1 200"), "{asset}: {head}");
        assert!(
            head.contains("cache-control: public, max-age=31536000, immutable"),
            "{asset}: {head}"
        );
    }
    assert_eq!(
        http(&server.addr, "GET", "/graphiql/graphiql-9.9.9.min.js", b"").status,
        404
    );
    let page = http_with(
        &server.addr,
        "GET",
        "/graphql",
        b"",
        &[("Accept", "text/html")],
    )
    .body;
    assert!(
        !page.contains("unpkg") && !page.contains("https://"),
        "{page}"
    );
    let url = format!(
        "http://{}/graphql?query={}&headers={}",
        server.addr,
        url_encode("{ getGame(id: 8) { level } }"),
        url_encode(&format!(
            r#"{{"X-Quidditch-Admin-Secret": "{}"}}"#,
            crate::harness::ADMIN_SECRET
        ))
    );
    let script = crate::harness::repo().join("tests/integration/graphiql_driver.py");
    let out = std::process::Command::new("python3")
        .arg(&script)
        .args([&url, "\"level\": \"First\""])
        .output()
        .expect("python3 runs the browser driver");
    assert!(
        out.status.success(),
        "the browser run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let driven: BrowserRun = serde_json::from_slice(&out.stdout).unwrap();
    assert!(driven.result.contains("First"), "{}", driven.result);
    let origin = format!("http://{}/", server.addr);
    for asset in [
        "graphiql-4.1.2.min.js",
        "react-dom-18.3.1.production.min.js",
    ] {
        assert!(
            driven
                .requests
                .iter()
                .any(|r| r == &format!("{origin}graphiql/{asset}")),
            "{asset} not loaded: {:?}",
            driven.requests
        );
    }
    assert!(
        driven
            .requests
            .iter()
            .all(|r| r.starts_with(&origin) || r.starts_with("data:")),
        "{:?}",
        driven.requests
    );
}
