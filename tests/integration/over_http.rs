//! GraphQL over HTTP (issue 19, item 6): `GET /graphql?query=…` runs a query (never a
//! mutation), GraphiQL only for a browser, `application/graphql-response+json` for a client that
//! accepts it, and a request whose parameters have the wrong types is a 400.

use serde_json::{Value, json};

use crate::harness::{ADMIN_SECRET, Env, HttpReply, Server, exchange, http_with};

const ADMIN: (&str, &str) = ("X-Quidditch-Admin-Secret", ADMIN_SECRET);
const JSON: &str = "application/json";
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
/// What Chromium and Firefox send for a page.
const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// `s` percent-encoded for a URL's query string.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /graphql?k=v&…` as the admin, with `Accept: accept` (none if empty).
fn get(server: &Server, params: &[(&str, &str)], accept: &str) -> HttpReply {
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    let path = format!("/graphql?{}", query.join("&"));
    let mut headers = vec![ADMIN];
    if !accept.is_empty() {
        headers.push(("Accept", accept));
    }
    http_with(&server.addr, "GET", &path, b"", &headers)
}

/// `POST /graphql` with a JSON `body` as the admin, with `Accept: accept` (none if empty).
fn post(server: &Server, body: &Value, accept: &str) -> HttpReply {
    let mut headers = vec![ADMIN];
    if !accept.is_empty() {
        headers.push(("Accept", accept));
    }
    http_with(
        &server.addr,
        "POST",
        "/graphql",
        body.to_string().as_bytes(),
        &headers,
    )
}

// See: issue 19, item 6 (GET /graphql served GraphiQL whatever the client asked for).
#[test]
fn a_get_that_accepts_json_runs_the_query() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    for accept in ["", JSON, "*/*", "application/*", GRAPHQL_RESPONSE] {
        let reply = get(
            &server,
            &[("query", "{ getGame(id: 8) { level winnerId } }")],
            accept,
        );
        assert_eq!(reply.status, 200, "Accept: {accept}\n{}", reply.body);
        let expected = if accept == GRAPHQL_RESPONSE {
            GRAPHQL_RESPONSE
        } else {
            JSON
        };
        assert_eq!(reply.content_type, expected, "Accept: {accept}");
        assert_eq!(
            reply.json::<Value>(),
            json!({"data": {"getGame": {"level": "First", "winnerId": 4}}}),
            "Accept: {accept}"
        );
    }
    // Variables as JSON, and the operation chosen by name.
    let reply = get(
        &server,
        &[
            (
                "query",
                "query A($id: Int!) { getGame(id: $id) { level } } query B { __typename }",
            ),
            ("variables", r#"{"id": 9}"#),
            ("operationName", "A"),
        ],
        JSON,
    );
    assert_eq!(
        reply.json::<Value>(),
        json!({"data": {"getGame": {"level": "Final"}}})
    );
    // The request is someone's, as a POST is: a bad token is refused, no credentials is anonymous.
    let refused = http_with(
        &server.addr,
        "GET",
        "/graphql?query=%7B__typename%7D",
        b"",
        &[("Accept", JSON), ("Authorization", "Bearer not-a-token")],
    );
    assert_eq!(refused.status, 401, "{}", refused.body);
    let anonymous = http_with(
        &server.addr,
        "GET",
        &format!("/graphql?query={}", encode("{ getGame(id: 8) { level } }")),
        b"",
        &[("Accept", JSON)],
    );
    assert_eq!(anonymous.status, 200, "{}", anonymous.body);
    // A GET without a query is a request like any other: 400, not GraphiQL.
    let empty = get(&server, &[], JSON);
    assert_eq!(empty.status, 400);
    assert_eq!(
        empty.json::<Value>(),
        json!({"errors": [{"message": "Must provide query string."}]})
    );
    // A parameter given twice is ambiguous: refused.
    let twice = get(
        &server,
        &[
            ("query", "{ __typename }"),
            ("query", "{ allTeams { edges { cursor } } }"),
        ],
        JSON,
    );
    assert_eq!(twice.status, 400, "{}", twice.body);
}

// See: issue 19, item 6 (GraphiQL must go to browsers only).
#[test]
fn graphiql_is_served_only_to_a_client_that_accepts_html() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    for accept in ["text/html", BROWSER, "application/json;q=0.5, text/html"] {
        let reply = get(&server, &[], accept);
        assert_eq!(reply.status, 200, "Accept: {accept}");
        assert!(
            reply.content_type.starts_with("text/html"),
            "Accept: {accept}: {}",
            reply.content_type
        );
        assert!(reply.body.contains("graphiql"), "Accept: {accept}");
    }
    // A browser following a link with a query gets GraphiQL too (it fills the editor).
    let page = get(&server, &[("query", "{ __typename }")], BROWSER);
    assert!(page.content_type.starts_with("text/html"));
    for accept in [
        "",
        "*/*",
        "text/html;q=0.5, application/json",
        "text/html;q=0, */*",
    ] {
        let reply = get(&server, &[("query", "{ __typename }")], accept);
        assert_eq!(reply.content_type, JSON, "Accept: {accept}");
        assert_eq!(
            reply.json::<Value>(),
            json!({"data": {"__typename": "Query"}})
        );
    }
}

// See: issue 19, item 6 (GraphQL over HTTP: a GET must never run a mutation).
#[test]
fn a_mutation_by_get_is_405_with_allow_post() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let cases: [&[(&str, &str)]; 3] = [
        &[("query", "mutation { __typename }")],
        &[("query", "mutation M { __typename }")],
        &[
            ("query", "query Q { __typename } mutation M { __typename }"),
            ("operationName", "M"),
        ],
    ];
    for params in cases {
        for accept in [JSON, GRAPHQL_RESPONSE] {
            let reply = get(&server, params, accept);
            assert_eq!(reply.status, 405, "{params:?}\n{}", reply.body);
            assert_eq!(reply.header("allow").as_deref(), Some("POST"), "{params:?}");
            assert_eq!(reply.content_type, accept);
            let answer: Value = reply.json();
            assert_eq!(
                answer["errors"][0]["extensions"]["code"],
                "METHOD_NOT_ALLOWED"
            );
            assert!(answer.get("data").is_none(), "{answer}");
        }
    }
    // A POST of it is not refused for its method: it is validated (the schema has no
    // mutations), as is the query of the same document by GET.
    let posted = post(&server, &json!({"query": "mutation { __typename }"}), JSON);
    assert_eq!(posted.status, 400, "{}", posted.body);
    assert!(
        posted.body.contains("not configured for mutations"),
        "{}",
        posted.body
    );
    let reply = get(
        &server,
        &[
            ("query", "query Q { __typename } mutation M { __typename }"),
            ("operationName", "Q"),
        ],
        JSON,
    );
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(
        reply.body.contains("not configured for mutations"),
        "{}",
        reply.body
    );
}

// See: issue 19, item 6 (application/graphql-response+json was never answered).
#[test]
fn a_client_accepting_graphql_response_json_gets_it_with_the_specs_status_codes() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    // (body, status under graphql-response+json, status under application/json)
    let cases = [
        // Executed: 200, with a field error too.
        (json!({"query": "{ __typename }"}), 200, 200),
        (json!({"query": "{ getGame(id: 99) { level } }"}), 200, 200),
        // Not executed: a document that does not parse or validate, variables that do not
        // coerce. The tutorial answers these 400 under application/json too.
        (json!({"query": "{"}), 400, 400),
        (json!({"query": "{ nope }"}), 400, 400),
        (
            json!({"query": "query($id: Int!) { getGame(id: $id) { id } }", "variables": {"id": "x"}}),
            400,
            400,
        ),
    ];
    for (body, modern, legacy) in cases {
        for (accept, status) in [
            (GRAPHQL_RESPONSE, modern),
            (&format!("{GRAPHQL_RESPONSE}, {JSON}"), modern),
            (JSON, legacy),
            ("", legacy),
        ] {
            let reply = post(&server, &body, accept);
            assert_eq!(
                reply.status, status,
                "{body} Accept: {accept}\n{}",
                reply.body
            );
            let expected = if accept.starts_with(GRAPHQL_RESPONSE) {
                GRAPHQL_RESPONSE
            } else {
                JSON
            };
            assert_eq!(reply.content_type, expected, "{body} Accept: {accept}");
            let answer: Value = reply.json();
            if status == 400 {
                assert!(answer.get("data").is_none(), "{answer}");
                assert!(answer["errors"][0]["message"].is_string(), "{answer}");
            } else {
                assert!(answer.get("data").is_some(), "{answer}");
            }
        }
    }
    // Refusals before execution are in the accepted type too.
    let refused = http_with(
        &server.addr,
        "POST",
        "/graphql",
        br#"{"query":"{ __typename }"}"#,
        &[
            ("Accept", GRAPHQL_RESPONSE),
            ("Authorization", "Bearer nope"),
        ],
    );
    assert_eq!(refused.status, 401);
    assert_eq!(refused.content_type, GRAPHQL_RESPONSE);
}

// See: issue 19, item 6 (non-object variables and extensions, non-string operationName ran).
#[test]
fn variables_or_extensions_not_an_object_and_an_operation_name_not_a_string_are_400() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let query = "query Q { __typename }";
    let invalid = [
        ("variables", json!([1])),
        ("variables", json!(3)),
        ("variables", json!(true)),
        ("variables", json!("[1]")),
        ("variables", json!("not json")),
        ("extensions", json!([1])),
        ("extensions", json!(3)),
        ("extensions", json!(false)),
        ("extensions", json!("\"text\"")),
        ("operationName", json!(3)),
        ("operationName", json!({"name": "Q"})),
        ("operationName", json!(["Q"])),
        ("operationName", json!(true)),
    ];
    for (key, value) in &invalid {
        let body = json!({"query": query, *key: value});
        for accept in [JSON, GRAPHQL_RESPONSE] {
            let reply = post(&server, &body, accept);
            assert_eq!(reply.status, 400, "{body} Accept: {accept}\n{}", reply.body);
            assert_eq!(reply.content_type, accept);
            let answer: Value = reply.json();
            assert!(answer.get("data").is_none(), "{answer}");
        }
    }
    // In a GET every parameter is a string: variables and extensions are JSON objects in it.
    for (key, value) in [
        ("variables", "[1]"),
        ("variables", "3"),
        ("variables", "{"),
        ("extensions", "[1]"),
        ("extensions", "\"text\""),
    ] {
        let reply = get(&server, &[("query", query), (key, value)], JSON);
        assert_eq!(reply.status, 400, "{key}={value}\n{}", reply.body);
    }
    // Objects, null and a string are what the spec allows: they run.
    let valid = [
        json!({"query": query, "variables": null, "extensions": null, "operationName": null}),
        json!({"query": query, "variables": {}, "extensions": {"persisted": 1}, "operationName": "Q"}),
        // The tutorial's server also reads variables sent as a string of JSON.
        json!({"query": query, "variables": "{}"}),
    ];
    for body in &valid {
        let reply = post(&server, body, GRAPHQL_RESPONSE);
        assert_eq!(reply.status, 200, "{body}\n{}", reply.body);
        assert_eq!(
            reply.json::<Value>(),
            json!({"data": {"__typename": "Query"}})
        );
    }
    let reply = get(
        &server,
        &[
            ("query", query),
            ("variables", "{}"),
            ("extensions", "{}"),
            ("operationName", "Q"),
        ],
        JSON,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// POSTs `body` to `/graphql` as the admin with `head`, the request line and any headers
/// before the usual ones (`Content-Type`, the admin's secret, `Content-Length`).
fn raw(server: &Server, head: &str, body: &str) -> HttpReply {
    let head = format!(
        "{head}Content-Type: application/json\r\nX-Quidditch-Admin-Secret: {ADMIN_SECRET}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    exchange(
        &server.addr,
        head.trim_end(),
        head.as_bytes(),
        body.as_bytes(),
    )
}

/// RFC 9112 §3.2: an HTTP/1.1 request without a `Host`, or any request with two, is a 400 (hyper
/// leaves this to the server); HTTP/1.0 has no `Host` to require.
#[test]
fn a_request_without_exactly_one_host_is_400() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let body = r#"{"query":"{ getGame(id: 8) { level } }"}"#;
    let answered = |reply: &HttpReply| reply.body == r#"{"data":{"getGame":{"level":"First"}}}"#;

    let reply = raw(&server, "POST /graphql HTTP/1.1\r\n", body);
    assert!(reply.head.starts_with("HTTP/1.1 400"), "{}", reply.head);
    assert!(reply.body.contains("needs a Host header"), "{}", reply.body);
    assert!(!answered(&reply), "{}", reply.body);

    let two = "POST /graphql HTTP/1.1\r\nHost: a\r\nHost: b\r\n";
    let reply = raw(&server, two, body);
    assert!(reply.head.starts_with("HTTP/1.1 400"), "{}", reply.head);
    assert!(
        reply.body.contains("more than one Host header"),
        "{}",
        reply.body
    );

    // Routed requests too, not only `POST /graphql`.
    let reply = raw(&server, "GET /healthz HTTP/1.1\r\n", "");
    assert!(reply.head.starts_with("HTTP/1.1 400"), "{}", reply.head);

    let reply = raw(&server, "POST /graphql HTTP/1.1\r\nHost: test\r\n", body);
    assert!(
        reply.head.starts_with("HTTP/1.1 200") && answered(&reply),
        "{}{}",
        reply.head,
        reply.body
    );
    let reply = raw(&server, "POST /graphql HTTP/1.0\r\n", body);
    assert!(
        reply.head.starts_with("HTTP/1.0 200") && answered(&reply),
        "{}{}",
        reply.head,
        reply.body
    );
}

/// A chunked body whose chunk size is not hexadecimal cannot be read: the 400 is a GraphQL
/// error in JSON, as every other refusal, not axum's plain text.
#[test]
fn a_malformed_chunked_body_is_a_400_in_json() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
         X-Quidditch-Admin-Secret: {ADMIN_SECRET}\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n"
    );
    let reply = exchange(
        &server.addr,
        "a malformed chunk",
        head.as_bytes(),
        b"zz\r\n{}\r\n0\r\n\r\n",
    );
    assert!(reply.head.starts_with("HTTP/1.1 400"), "{}", reply.head);
    assert_eq!(reply.content_type, "application/json", "{}", reply.head);
    let body: Value =
        serde_json::from_str(&reply.body).unwrap_or_else(|err| panic!("{err}: {}", reply.body));
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_REQUEST",
        "{body}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("the request body could not be read"),
        "{body}"
    );
}
