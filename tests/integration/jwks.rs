//! Tokens from an identity provider (issue 13, part 1): `serve --jwks-url` / `--jwks-file`, keys
//! chosen by `kid`, refreshed on an unknown `kid` and on a timer, and `[identity]` mapping the
//! token's subject to a league member. The identity provider is a JWKS server on 127.0.0.1 port 0
//! run by the test, serving the test-only keys of `tests/fixtures/jwks/`.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::harness::{Env, Server, fixture, post_with, repo, unix_now};

/// A JWKS endpoint: serves `document` at any path, or 503 while `down`; counts the GETs.
struct Idp {
    url: String,
    document: Arc<Mutex<String>>,
    down: Arc<AtomicBool>,
    fetches: Arc<AtomicUsize>,
}

impl Idp {
    fn start(kids: &[&str]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        let idp = Idp {
            url,
            document: Arc::new(Mutex::new(jwks(kids))),
            down: Arc::default(),
            fetches: Arc::default(),
        };
        let (document, down, fetches) = (
            Arc::clone(&idp.document),
            Arc::clone(&idp.down),
            Arc::clone(&idp.fetches),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                // The request head, up to its blank line.
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    if line == "\r\n" {
                        break;
                    }
                    line.clear();
                }
                fetches.fetch_add(1, Ordering::SeqCst);
                let (status, body) = if down.load(Ordering::SeqCst) {
                    ("503 Service Unavailable", String::from("down"))
                } else {
                    ("200 OK", document.lock().unwrap().clone())
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        idp
    }

    fn serve(&self, kids: &[&str]) {
        *self.document.lock().unwrap() = jwks(kids);
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

/// A JWKS document holding the fixture keys `kids`.
fn jwks(kids: &[&str]) -> String {
    let keys: Vec<Value> = kids
        .iter()
        .map(|kid| {
            let path = fixture(&format!("jwks/{kid}.jwk.json"));
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
        })
        .collect();
    json!({ "keys": keys }).to_string()
}

/// `claims` signed with the private half of fixture key `key`, as `alg`, with header `kid`.
fn sign_as(key: &str, alg: Algorithm, kid: &str, claims: &Value) -> String {
    let pem = std::fs::read(fixture(&format!("jwks/{key}.pem"))).unwrap();
    let encoding = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem).unwrap(),
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem).unwrap(),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(&pem).unwrap(),
        other => panic!("no fixture signs {other:?}"),
    };
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(&header, claims, &encoding).unwrap()
}

/// The algorithm each fixture key signs with.
fn alg_of(key: &str) -> Algorithm {
    match key {
        "ec" => Algorithm::ES256,
        "ed" => Algorithm::EdDSA,
        _ => Algorithm::RS256,
    }
}

/// A token for `sub` signed by `key` (its own `kid`), from the test's issuer to its audience.
fn token(key: &str, sub: &str) -> String {
    let now = unix_now();
    sign_as(
        key,
        alg_of(key),
        key,
        &json!({ "sub": sub, "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 600 }),
    )
}

const ISSUER: &str = "https://idp.test/";
const AUDIENCE: &str = "quidditch";

/// The shipped policies with `identity` as its `[identity]` section.
fn policies(env: &Env, identity: &str) -> String {
    let shipped = std::fs::read_to_string(repo().join("policies.toml")).unwrap();
    env.write(
        "policies.toml",
        &format!("{shipped}\n[identity]\n{identity}"),
    )
    .display()
    .to_string()
}

/// `quidditch serve --jwks-url URL --policies FILE`, with no HS256 secret in the environment.
fn serve(env: &Env, policy_file: &str, args: &[&str]) -> Server {
    let mut all = vec!["--policies", policy_file];
    all.extend_from_slice(args);
    Server::serve_with_env(env, &all, &[("QUIDDITCH_JWT_SECRET", "")])
}

const ME: &str = r#"{"query":"{ allPlayers { edges { node { name } } } }"}"#;

/// POSTs `ME` with `token` as bearer: the status and the answer.
fn ask(server: &Server, token: &str) -> (u16, Value) {
    let bearer = format!("Bearer {token}");
    let reply = post_with(&server.addr, ME, &[("Authorization", &bearer)]);
    (reply.status, reply.json())
}

/// The message of a refusal, after checking it is a 401 with no data.
#[track_caller]
fn refused(server: &Server, token: &str) -> String {
    let (status, answer) = ask(server, token);
    assert_eq!(status, 401, "{answer}");
    assert!(answer.get("data").is_none(), "{answer}");
    answer["errors"][0]["message"].as_str().unwrap().to_string()
}

#[test]
fn tokens_of_each_key_type_map_to_league_members_by_name() {
    let env = Env::seeded();
    let idp = Idp::start(&["rsa-a", "ec", "ed"]);
    let file = policies(
        &env,
        &format!("map = \"player.name\"\nissuer = \"{ISSUER}\"\naudience = \"{AUDIENCE}\"\n"),
    );
    let server = serve(&env, &file, &["--jwks-url", &idp.url]);
    for key in ["rsa-a", "ec", "ed"] {
        let (status, answer) = ask(&server, &token(key, "Harry Potter"));
        assert_eq!(status, 200, "{key}: {answer}");
        assert!(answer.get("errors").is_none(), "{key}: {answer}");
    }
    // The same request with a name no player has: 401, never anonymous.
    let message = refused(&server, &token("rsa-a", "Nobody At All"));
    assert!(
        message.contains("`\"Nobody At All\"` is not a player"),
        "{message}"
    );
    // A `TYPE:ID` reference is a name under `map = "player.name"`: no player is called that.
    refused(&server, &token("ec", "player:1"));
    // No subject claim at all.
    let now = unix_now();
    let bare = sign_as(
        "ed",
        Algorithm::EdDSA,
        "ed",
        &json!({ "iss": ISSUER, "aud": AUDIENCE, "exp": now + 60 }),
    );
    assert!(refused(&server, &bare).contains("has no `sub` claim"));
    // An audience list holding ours is accepted.
    let listed = sign_as(
        "rsa-a",
        Algorithm::RS256,
        "rsa-a",
        &json!({ "sub": "Harry Potter", "iss": ISSUER, "aud": ["other", AUDIENCE], "exp": now + 60 }),
    );
    assert_eq!(ask(&server, &listed).0, 200);
    assert_eq!(idp.fetches(), 1, "one fetch at start, none per request");
}

#[test]
fn a_namespaced_claim_names_the_subject() {
    let env = Env::seeded();
    let idp = Idp::start(&["rsa-a"]);
    let file = policies(
        &env,
        "subject_claim = \"x-hasura-user-id\"\nnamespace = \"https://hasura.io/jwt/claims\"\n",
    );
    let server = serve(&env, &file, &["--jwks-url", &idp.url]);
    let now = unix_now();
    let claims = |inner: Value| json!({ "sub": "auth0|5f1e", "exp": now + 600, "https://hasura.io/jwt/claims": inner });
    let good = sign_as(
        "rsa-a",
        Algorithm::RS256,
        "rsa-a",
        &claims(json!({ "x-hasura-user-id": "player:1", "x-hasura-org-id": "1" })),
    );
    let (status, answer) = ask(&server, &good);
    assert_eq!(status, 200, "{answer}");
    let missing = sign_as(
        "rsa-a",
        Algorithm::RS256,
        "rsa-a",
        &claims(json!({ "x-hasura-org-id": "1" })),
    );
    let message = refused(&server, &missing);
    assert!(
        message.contains("no `x-hasura-user-id` claim in its `https://hasura.io/jwt/claims` claim"),
        "{message}"
    );
    let unknown = sign_as(
        "rsa-a",
        Algorithm::RS256,
        "rsa-a",
        &claims(json!({ "x-hasura-user-id": "player:999" })),
    );
    refused(&server, &unknown);
}

#[test]
fn wrong_algorithms_times_issuers_and_audiences_are_refused() {
    let env = Env::seeded();
    let idp = Idp::start(&["rsa-a", "ec"]);
    let file = policies(
        &env,
        &format!("issuer = \"{ISSUER}\"\naudience = \"{AUDIENCE}\"\n"),
    );
    let server = serve(&env, &file, &["--jwks-url", &idp.url]);
    let now = unix_now();
    let claims = |extra: Value| {
        let mut base = json!({ "sub": "player:1", "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 600 });
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                base.as_object_mut().unwrap().remove(k);
            } else {
                base[k] = v.clone();
            }
        }
        base
    };
    assert_eq!(
        ask(
            &server,
            &sign_as("rsa-a", Algorithm::RS256, "rsa-a", &claims(json!({})))
        )
        .0,
        200
    );
    // The RSA key's `kid` on a token signed ES256 (by the EC key): the key decides the algorithm.
    let message = refused(
        &server,
        &sign_as("ec", Algorithm::ES256, "rsa-a", &claims(json!({}))),
    );
    assert!(message.contains("signed with `ES256`"), "{message}");
    assert!(message.contains("only `RS256`"), "{message}");
    // HS256 with the RSA public key's JWK text as the secret: the classic confusion attack.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("rsa-a".to_string());
    let public = std::fs::read(fixture("jwks/rsa-a.jwk.json")).unwrap();
    let confused = jsonwebtoken::encode(
        &header,
        &claims(json!({})),
        &EncodingKey::from_secret(&public),
    )
    .unwrap();
    assert!(refused(&server, &confused).contains("signed with `HS256`"));
    // No `kid`.
    let mut header = Header::new(Algorithm::RS256);
    header.kid = None;
    let pem = std::fs::read(fixture("jwks/rsa-a.pem")).unwrap();
    let no_kid = jsonwebtoken::encode(
        &header,
        &claims(json!({})),
        &EncodingKey::from_rsa_pem(&pem).unwrap(),
    )
    .unwrap();
    assert!(refused(&server, &no_kid).contains("no `kid`"));
    // Signed by another key than the one its `kid` names.
    let forged = sign_as("rsa-b", Algorithm::RS256, "rsa-a", &claims(json!({})));
    assert!(refused(&server, &forged).contains("signature"));
    let cases = [
        ("expired", json!({ "exp": now - 120 }), "expired"),
        (
            "not yet valid",
            json!({ "nbf": now + 3600 }),
            "not valid yet",
        ),
        (
            "other issuer",
            json!({ "iss": "https://evil.test/" }),
            "issuer",
        ),
        (
            "other audience",
            json!({ "aud": "someone-else" }),
            "audience",
        ),
        ("no audience", json!({ "aud": null }), "aud"),
        ("no issuer", json!({ "iss": null }), "iss"),
    ];
    for (what, extra, expected) in cases {
        let message = refused(
            &server,
            &sign_as("rsa-a", Algorithm::RS256, "rsa-a", &claims(extra)),
        );
        assert!(message.contains(expected), "{what}: {message}");
    }
}

#[test]
fn a_rotated_key_is_fetched_once_and_unknown_kids_are_rate_limited() {
    let env = Env::seeded();
    let idp = Idp::start(&["rsa-a"]);
    let file = policies(&env, "");
    let server = serve(&env, &file, &["--jwks-url", &idp.url]);
    assert_eq!(ask(&server, &token("rsa-a", "player:1")).0, 200);
    assert_eq!(idp.fetches(), 1);
    // The provider rotates: rsa-b is added. The first token signed by it makes the server
    // fetch the document again, and is accepted.
    idp.serve(&["rsa-a", "rsa-b"]);
    let (status, answer) = ask(&server, &token("rsa-b", "player:1"));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(idp.fetches(), 2);
    // A `kid` the provider does not have: refused, and no new fetch so soon after the last.
    let message = refused(
        &server,
        &sign_as(
            "ec",
            Algorithm::ES256,
            "made-up",
            &json!({ "sub": "player:1", "exp": unix_now() + 60 }),
        ),
    );
    assert!(
        message.contains("key `made-up` is not in this server's JWKS"),
        "{message}"
    );
    refused(
        &server,
        &sign_as(
            "ec",
            Algorithm::ES256,
            "made-up-2",
            &json!({ "sub": "player:1", "exp": unix_now() + 60 }),
        ),
    );
    assert_eq!(
        idp.fetches(),
        2,
        "unknown kids within 10 s fetch at most once"
    );
    // Keys rotated out of the document stop working at the next fetch.
    idp.serve(&["rsa-b"]);
    std::thread::sleep(Duration::from_millis(10_500));
    // rsa-c is unknown: this fetch (allowed again) brings the new document, without rsa-a.
    refused(
        &server,
        &sign_as(
            "ec",
            Algorithm::ES256,
            "rsa-c",
            &json!({ "sub": "player:1", "exp": unix_now() + 60 }),
        ),
    );
    assert_eq!(idp.fetches(), 3);
    let message = refused(&server, &token("rsa-a", "player:2"));
    assert!(message.contains("key `rsa-a` is not in"), "{message}");
    assert_eq!(ask(&server, &token("rsa-b", "player:2")).0, 200);
}

#[test]
fn a_provider_down_after_start_keeps_the_last_good_keys() {
    let env = Env::seeded();
    let idp = Idp::start(&["rsa-a", "ed"]);
    let file = policies(&env, "");
    let server = serve(
        &env,
        &file,
        &["--jwks-url", &idp.url, "--jwks-refresh", "1s"],
    );
    assert_eq!(ask(&server, &token("rsa-a", "player:1")).0, 200);
    idp.down.store(true, Ordering::SeqCst);
    let before = idp.fetches();
    std::thread::sleep(Duration::from_millis(2500));
    assert!(idp.fetches() > before, "the timer fetches again");
    let log = server.log();
    assert!(
        log.contains("cannot refresh the JWKS") && log.contains("keeping the last good keys"),
        "{log}"
    );
    // New tokens (not cached by the server), signed by either key: still verified.
    assert_eq!(ask(&server, &token("rsa-a", "player:2")).0, 200);
    assert_eq!(ask(&server, &token("ed", "staff:1")).0, 200);
}

#[test]
fn a_provider_unreachable_at_start_stops_the_server() {
    let env = Env::seeded();
    // A port nothing listens on: bound, then closed.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/jwks.json");
    let run = env
        .cmd()
        .env_remove("QUIDDITCH_JWT_SECRET")
        .args(["serve", "--bind", "127.0.0.1:0", "--jwks-url", &url])
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(&format!("cannot read the JWKS `{url}`")),
        "{stderr}"
    );
    assert!(!stderr.contains("listening on"), "{stderr}");
    // A provider that answers with an error, or with no usable key, also stops it.
    let idp = Idp::start(&["rsa-a"]);
    idp.down.store(true, Ordering::SeqCst);
    let run = env
        .cmd()
        .env_remove("QUIDDITCH_JWT_SECRET")
        .args(["serve", "--bind", "127.0.0.1:0", "--jwks-url", &idp.url])
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("HTTP 503"));
    let symmetric = env.write(
        "oct.json",
        r#"{"keys":[{"kty":"oct","kid":"s","k":"c2VjcmV0"}]}"#,
    );
    let run = env
        .cmd()
        .env_remove("QUIDDITCH_JWT_SECRET")
        .args(["serve", "--bind", "127.0.0.1:0", "--jwks-file"])
        .arg(&symmetric)
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("no usable signing key"), "{stderr}");
}

#[test]
fn a_jwks_file_serves_offline() {
    let env = Env::seeded();
    let file = env.write("jwks.json", &jwks(&["ed", "ec"]));
    let policy_file = policies(&env, "map = \"player.name\"\n");
    let server = serve(
        &env,
        &policy_file,
        &["--jwks-file", &file.display().to_string()],
    );
    assert_eq!(ask(&server, &token("ed", "Harry Potter")).0, 200);
    assert_eq!(ask(&server, &token("ec", "Harry Potter")).0, 200);
    refused(&server, &token("rsa-a", "Harry Potter"));
}
