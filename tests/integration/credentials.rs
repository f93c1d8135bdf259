//! What a request must present (issue 18, findings 6, 7 and 8): a JSON content type, each
//! credential header once, a token valid now; and permissions decided on the data as committed,
//! from the very next request.

use std::io::{Read as _, Write as _};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::harness::{ADMIN_SECRET, Env, JWT_SECRET, Server, post_with};

/// Seconds since the Unix epoch, for token claims.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// An HS256 token with chosen claims, signed with the test servers' secret.
fn signed(claims: &Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

/// A token for `sub`, valid for ten minutes from now.
fn token(sub: &str) -> String {
    let now = unix_now();
    signed(&json!({ "sub": sub, "exp": now + 600, "iat": now }))
}

const TEAMS: &str = r#"{"query":"{ allTeams { edges { cursor } } }"}"#;

/// POSTs `body` with exactly `headers` (plus `Content-Type: application/json`).
fn post(server: &Server, body: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let reply = post_with(&server.addr, body, headers);
    (reply.status, reply.json())
}

// See: issue 18, finding 6 (a token valid only from an hour ahead was accepted).
#[test]
fn a_token_not_yet_valid_or_issued_in_the_future_is_refused() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let now = unix_now();
    let cases = [
        (
            "nbf in an hour",
            json!({ "sub": "player:1", "exp": now + 7200, "iat": now, "nbf": now + 3600 }),
        ),
        (
            "iat in an hour",
            json!({ "sub": "player:1", "exp": now + 7200, "iat": now + 3600 }),
        ),
    ];
    for (kind, claims) in &cases {
        let bearer = format!("Bearer {}", signed(claims));
        let (status, answer) = post(&server, TEAMS, &[("Authorization", &bearer)]);
        assert_eq!(status, 401, "{kind}: {answer}");
        assert!(answer.get("data").is_none(), "{kind}: {answer}");
        assert_eq!(answer["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }
    let started = json!({ "sub": "player:1", "exp": now + 600, "iat": now, "nbf": now - 5 });
    let bearer = format!("Bearer {}", signed(&started));
    assert_eq!(post(&server, TEAMS, &[("Authorization", &bearer)]).0, 200);

    // Within the configured clock skew, both are accepted.
    let lenient = Server::serve(&env, &["--jwt-leeway", "1h"]);
    for (kind, claims) in &cases {
        let bearer = format!("Bearer {}", signed(claims));
        let (status, answer) = post(&lenient, TEAMS, &[("Authorization", &bearer)]);
        assert_eq!(status, 200, "{kind} with a leeway of 1h: {answer}");
    }
}

// See: issue 18, finding 6 (duplicate credential headers were accepted, the first winning).
#[test]
fn a_credential_header_sent_twice_is_refused() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let bearer = format!("Bearer {}", token("player:1"));
    let cases: [(&str, Vec<(&str, &str)>); 4] = [
        (
            "authorization",
            vec![("Authorization", &bearer), ("Authorization", &bearer)],
        ),
        (
            "x-quidditch-admin-secret",
            vec![
                ("X-Quidditch-Admin-Secret", ADMIN_SECRET),
                ("X-Quidditch-Admin-Secret", ADMIN_SECRET),
            ],
        ),
        (
            "authorization",
            vec![
                ("Authorization", &bearer),
                ("authorization", "Bearer x.y.z"),
            ],
        ),
        (
            "x-quidditch-user",
            vec![
                ("X-Quidditch-Admin-Secret", ADMIN_SECRET),
                ("X-Quidditch-User", "player:1"),
                ("X-Quidditch-User", "staff:1"),
            ],
        ),
    ];
    for (header, headers) in &cases {
        let (status, answer) = post(&server, TEAMS, headers);
        assert_eq!(status, 401, "{header}: {answer}");
        assert!(answer.get("data").is_none());
        let message = answer["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(&format!("`{header}`")), "{message}");
    }
    // Once each, the same credentials are accepted.
    assert_eq!(post(&server, TEAMS, &[("Authorization", &bearer)]).0, 200);
    assert_eq!(
        post(
            &server,
            TEAMS,
            &[("X-Quidditch-Admin-Secret", ADMIN_SECRET)]
        )
        .0,
        200
    );
}

/// A token whose header marks an extension critical (`crit`) is refused like any bad token,
/// 401 with `WWW-Authenticate: Bearer`: RFC 7515, 4.1.11 says a recipient that does not
/// understand a critical extension must reject the token, and this server understands none.
/// See: adversarial review, item 3 (such a token was accepted).
#[test]
fn a_token_with_a_critical_header_is_refused() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let now = unix_now();
    let claims = json!({ "sub": "player:1", "exp": now + 600, "iat": now });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.typ = Some("JWT".into());
    header.crit = Some(vec!["exp".into()]);
    let token = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap();
    let bearer = format!("Bearer {token}");
    let reply = post_with(&server.addr, TEAMS, &[("Authorization", &bearer)]);
    let answer: Value = reply.json();
    assert_eq!(reply.status, 401, "{answer}");
    assert_eq!(reply.header("www-authenticate").as_deref(), Some("Bearer"));
    assert!(answer.get("data").is_none(), "{answer}");
    assert_eq!(answer["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(
        answer["errors"][0]["message"],
        "invalid token: the token's header marks `exp` critical (`crit`), and this server \
         understands no JWS extension"
    );
    // The same claims without `crit` are accepted.
    let bearer = format!("Bearer {}", signed(&claims));
    assert_eq!(post(&server, TEAMS, &[("Authorization", &bearer)]).0, 200);
}

/// POSTs `body` to `/graphql` as the admin with this `Content-Type` line (none: `None`), and
/// returns the status and body.
fn post_typed(server: &Server, content_type: Option<&str>, body: &str) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(&server.addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let content_type = content_type.map_or_else(String::new, |t| format!("Content-Type: {t}\r\n"));
    write!(
        stream,
        "POST /graphql HTTP/1.1\r\nHost: test\r\n{content_type}\
         X-Quidditch-Admin-Secret: {ADMIN_SECRET}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let (head, body) = reply.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, body.to_string())
}

// See: issue 18, finding 8 (a `text/plain` or form POST was executed: a cross-site page can
// send one without a preflight).
#[test]
fn only_a_json_post_is_executed() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let query = r#"{"query":"{ getGame(id: 8) { level } }"}"#;
    for accepted in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;charset=\"UTF-8\"",
    ] {
        let (status, body) = post_typed(&server, Some(accepted), query);
        assert_eq!(status, 200, "{accepted}: {body}");
        assert_eq!(body, r#"{"data":{"getGame":{"level":"First"}}}"#);
    }
    for refused in [
        Some("text/plain"),
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/graphql"),
        Some("application/json; charset=latin1"),
        Some("application/jsonx"),
        None,
    ] {
        let (status, body) = post_typed(&server, refused, query);
        assert_eq!(status, 415, "{refused:?}: {body}");
        let answer: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "UNSUPPORTED_MEDIA_TYPE",
            "{body}"
        );
        assert!(answer.get("data").is_none());
    }
}

/// Harry Potter's games, by id, as his token sees them.
fn harrys_games(server: &Server, bearer: &str) -> Vec<i64> {
    let (status, answer) = post(
        server,
        r#"{"query":"{ allGames { edges { node { id } } } }"}"#,
        &[("Authorization", bearer)],
    );
    assert_eq!(status, 200, "{answer}");
    let mut ids: Vec<i64> = answer["data"]["allGames"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| {
            let global = STANDARD
                .decode(edge["node"]["id"].as_str().unwrap())
                .unwrap();
            let global = String::from_utf8(global).unwrap();
            global.strip_prefix("GameObject:").unwrap().parse().unwrap()
        })
        .collect();
    ids.sort_unstable();
    ids
}

// See: issue 18, finding 7 (after a game's winner changed, the server answered from the cached
// viewer for up to 5 s).
#[test]
fn a_changed_winner_is_enforced_on_the_next_request() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let bearer = format!("Bearer {}", token("player:1"));
    // Harry's Gryffindor won games 1, 3, 7 and 9; 9 is fed by 7 and 8, 8 by 2 and 6.
    let before = harrys_games(&server, &bearer);
    assert_eq!(before, [1, 3, 7, 9]);
    // Gryffindor now wins game 2: game 2 becomes visible, and game 8, which it feeds (the
    // transitive condition, whose keys the viewer lists).
    let sql = env.sql();
    let changed = sql
        .execute(
            "UPDATE games SET winner_id = loser_id, loser_id = winner_id WHERE id = 2",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    assert_eq!(harrys_games(&server, &bearer), [1, 2, 3, 7, 8, 9]);
    // And back.
    sql.execute(
        "UPDATE games SET winner_id = loser_id, loser_id = winner_id WHERE id = 2",
        [],
    )
    .unwrap();
    assert_eq!(harrys_games(&server, &bearer), before);
}

// See: issue 18, finding 7 (a deleted player's token was accepted for up to 5 s).
#[test]
fn a_deleted_players_token_is_refused_on_the_next_request() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let bearer = format!("Bearer {}", token("player:1"));
    for _ in 0..2 {
        assert_eq!(post(&server, TEAMS, &[("Authorization", &bearer)]).0, 200);
    }
    let deleted = env
        .sql()
        .execute("DELETE FROM players WHERE id = 1", [])
        .unwrap();
    assert_eq!(deleted, 1);
    let (status, answer) = post(&server, TEAMS, &[("Authorization", &bearer)]);
    assert_eq!(status, 401, "{answer}");
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("player:1"),
        "{answer}"
    );
    // Another player is unaffected.
    let other = format!("Bearer {}", token("player:2"));
    assert_eq!(post(&server, TEAMS, &[("Authorization", &other)]).0, 200);
}
