//! Request context in policies (issue 13, part 2): `$context.now`, `$context.ip`,
//! `$context.scopes` and the token's claims, declared in `[context]`; given by `serve` per
//! request and by `--context` / `[[test]] context` to the `authz` commands; absent context fails
//! closed and explain names it.

use serde_json::{Value, json};

use crate::harness::{ADMIN_SECRET, Env, JWT_SECRET, Server, post_with, repo, unix_now};

/// An HS256 token with `claims` (and an expiry), signed with the test servers' secret.
fn signed(mut claims: Value) -> String {
    claims["exp"] = json!(unix_now() + 600);
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

/// The shipped policies with every built-in context and a namespaced claim declared, three
/// policies that need them, and Hasura-style `[identity]`.
const EXTRA: &str = r#"
[[policy]]
id = "org-games"
description = "a player may read the games their organization (a token claim) won"
effect = "allow"
roles = ["player"]
actions = ["read"]
resource = "game"
condition = { winner_id = { _eq = "$context.claims.x-hasura-org-id" } }

[[policy]]
id = "scoped-games"
description = "a token with the games:all scope reads every game"
effect = "allow"
roles = ["player"]
actions = ["read"]
resource = "game"
condition = { "$context.scopes" = { _contains = "games:all" } }

[[policy]]
id = "local-games"
description = "anyone on the local network sees which games exist"
effect = "allow"
roles = ["anonymous"]
actions = ["read"]
resource = "game"
condition = { _and = [
  { "$subject.type" = { _eq = "anonymous" } },
  { "$context.ip" = { _in_cidr = ["127.0.0.0/8", "::1/128"] } },
] }
fields = ["id", "level", "child_id"]

[identity]
subject_claim = "x-hasura-user-id"
namespace = "https://hasura.io/jwt/claims"
"#;

fn policies(env: &Env) -> String {
    let shipped = std::fs::read_to_string(repo().join("policies.toml")).unwrap();
    let declared = "[context]\nnow = \"time\"\nip = \"ip\"\nscopes = \"list\"\nclaims = { \"x-hasura-org-id\" = \"int\" }\n";
    let text = shipped.replacen("[context]\nnow = \"time\"\n", declared, 1);
    assert_ne!(text, shipped, "the shipped policies declare `[context]`");
    env.write("context.toml", &format!("{text}{EXTRA}"))
        .display()
        .to_string()
}

const GAMES: &str = r#"{"query":"{ allGames { edges { node { level } } } }"}"#;

/// How many games a request with `headers` sees.
#[track_caller]
fn games_seen(server: &Server, headers: &[(&str, &str)]) -> usize {
    let reply = post_with(&server.addr, GAMES, headers);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let answer: Value = reply.json();
    assert!(answer.get("errors").is_none(), "{answer}");
    answer["data"]["allGames"]["edges"]
        .as_array()
        .unwrap()
        .len()
}

fn hasura(claims: &Value) -> String {
    let bearer = format!(
        "Bearer {}",
        signed(json!({ "sub": "auth0|1", "https://hasura.io/jwt/claims": claims }))
    );
    bearer
}

#[test]
fn a_namespaced_org_id_claim_and_scopes_decide_through_serve() {
    let env = Env::seeded();
    let file = policies(&env);
    let server = Server::serve(&env, &["--policies", &file]);
    // Harry (Gryffindor) sees the games his team won or won into: 1, 3, 7, 9.
    let plain = hasura(&json!({ "x-hasura-user-id": "player:1" }));
    assert_eq!(games_seen(&server, &[("Authorization", &plain)]), 4);
    // With Hufflepuff (4) as his organization: also 2 and 8, which Hufflepuff won. Identity
    // providers send the id as a string; it is an int all the same.
    for org in [json!("4"), json!(4)] {
        let bearer = hasura(&json!({ "x-hasura-user-id": "player:1", "x-hasura-org-id": org }));
        assert_eq!(
            games_seen(&server, &[("Authorization", &bearer)]),
            6,
            "{org}"
        );
    }
    // A claim of the wrong type is absent: the allow needing it does not apply.
    let wrong = hasura(&json!({ "x-hasura-user-id": "player:1", "x-hasura-org-id": "four" }));
    assert_eq!(games_seen(&server, &[("Authorization", &wrong)]), 4);
    // Scopes from the token's `scope` (space-separated) or `scp` (a list).
    for scopes in [
        json!({ "scope": "chat games:all" }),
        json!({ "scp": ["games:all"] }),
    ] {
        let mut claims = json!({ "sub": "auth0|1", "https://hasura.io/jwt/claims": { "x-hasura-user-id": "player:1" } });
        for (k, v) in scopes.as_object().unwrap() {
            claims[k] = v.clone();
        }
        let bearer = format!("Bearer {}", signed(claims));
        assert_eq!(
            games_seen(&server, &[("Authorization", &bearer)]),
            9,
            "{scopes}"
        );
    }
    // Anonymous, from 127.0.0.1: `local-games` lets it list every game.
    assert_eq!(games_seen(&server, &[]), 9);
}

#[test]
fn the_embargo_holds_through_serve_until_published() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let bearer = format!(
        "Bearer {}",
        signed(json!({ "sub": "player:10" })) // Zacharias Smith, Hufflepuff
    );
    let ask = || -> Value {
        post_with(
            &server.addr,
            r#"{"query":"{ getGame(id: 9) { level winnerId } }"}"#,
            &[("Authorization", &bearer)],
        )
        .json()
    };
    // Published (the seeder's 2026-06-01, before now): the result is there.
    let answer = ask();
    assert_eq!(answer["data"]["getGame"]["winnerId"], json!(1), "{answer}");
    // Embargoed until far ahead: the server's `now` is before it, so the result is withheld.
    env.sql()
        .execute(
            "UPDATE games SET published_at = '2999-01-01T00:00:00Z' WHERE id = 9",
            [],
        )
        .unwrap();
    let answer = ask();
    // `winnerId` is non-null: withheld, its error makes the game `null` (the spec's null
    // propagation), with the error's path naming the field.
    assert_eq!(answer["data"], json!({ "getGame": null }), "{answer}");
    assert_eq!(
        answer["errors"][0]["path"],
        json!(["getGame", "winnerId"]),
        "{answer}"
    );
    assert!(
        !answer.to_string().contains("2999") && !answer.to_string().contains("published_at"),
        "nothing about the policy's inputs reaches the client: {answer}"
    );
}

/// A column retyped under a running server (SQLite keeps whatever a row holds, and compares
/// an integer with the policy's time as it comes) refuses every request whose access it decides,
/// as the commands refuse it: the embargo was lifted for a player by `published_at` becoming an
/// INTEGER column holding 0. Renamed back, the server answers again, with the embargo.
#[test]
fn a_column_retyped_under_the_server_refuses_requests_rather_than_lift_the_embargo() {
    let env = Env::seeded();
    env.sql()
        .execute(
            "UPDATE games SET published_at = '2999-01-01T00:00:00Z' WHERE id = 9",
            [],
        )
        .unwrap();
    let server = Server::start(&env, &[]);
    let bearer = format!("Bearer {}", signed(json!({ "sub": "player:10" })));
    let ask = || {
        post_with(
            &server.addr,
            r#"{"query":"{ getGame(id: 9) { level winnerId } }"}"#,
            &[("Authorization", &bearer)],
        )
    };
    let answer: Value = ask().json();
    assert_eq!(answer["data"], json!({ "getGame": null }), "{answer}");
    env.sql()
        .execute_batch(
            "ALTER TABLE games RENAME COLUMN published_at TO published_old; \
             ALTER TABLE games ADD COLUMN published_at INTEGER NOT NULL DEFAULT 0",
        )
        .unwrap();
    let reply = ask();
    assert_eq!(reply.status, 500, "{}", reply.body);
    assert!(!reply.body.contains("\"winnerId\":1"), "{}", reply.body);
    server.logged(&[
        "a request's access could not be decided: the policies no longer match the database",
        "published_at",
    ]);
    env.run([
        "authz",
        "check",
        "--user",
        "player:10",
        "--action",
        "read",
        "--resource",
        "game:9",
    ])
    .status(1);
    env.sql()
        .execute_batch(
            "ALTER TABLE games DROP COLUMN published_at; \
             ALTER TABLE games RENAME COLUMN published_old TO published_at",
        )
        .unwrap();
    let answer: Value = ask().json();
    assert_eq!(answer["data"], json!({ "getGame": null }), "{answer}");
}

/// Stores `published_at` for game 9 (the final, which Zacharias Smith's team lost), then checks
/// that the results embargo holds for him: `authz check` refuses the row with `refusal`, and
/// the server withholds the winner (an error at `getGame.winnerId`, `getGame` null).
fn embargo_holds_for_a_stored(env: &Env, published_at: &str, refusal: &str) {
    env.sql()
        .execute(
            "UPDATE games SET published_at = ?1 WHERE id = 9",
            [published_at],
        )
        .unwrap();
    let now = quidditch::authz::context::format_time(i64::try_from(unix_now()).unwrap());
    env.run([
        "authz",
        "check",
        "--user",
        "player:10",
        "--action",
        "read",
        "--resource",
        "game:9",
        "--field",
        "winner_id",
        "--context",
        &format!("now={now}"),
    ])
    .status(1)
    .stderr_has(refusal);
    let server = Server::start(env, &[]);
    let bearer = format!("Bearer {}", signed(json!({ "sub": "player:10" })));
    let answer: Value = post_with(
        &server.addr,
        r#"{"query":"{ getGame(id: 9) { level winnerId } }"}"#,
        &[("Authorization", &bearer)],
    )
    .json();
    assert_eq!(answer["data"], json!({ "getGame": null }), "{answer}");
    assert_eq!(
        answer["errors"][0]["path"],
        json!(["getGame", "winnerId"]),
        "{answer}"
    );
}

/// A time stored in another form than `YYYY-MM-DDTHH:MM:SSZ` (with an offset) is not compared
/// as its text: twelve hours from now written with the offset `-23:59` reads, as text, eleven
/// hours ago, and lifted the embargo in `serve` and `authz check` alike. `check` now refuses the
/// row, naming the column and the value, and the server's SQL reads the comparison as unknown,
/// so the embargo (a deny) holds.
#[test]
fn a_time_stored_with_an_offset_is_never_compared_as_its_text() {
    let env = Env::seeded();
    let later = i64::try_from(unix_now()).unwrap() + 12 * 3600;
    // The same instant, written 23:59 behind UTC.
    let canonical = quidditch::authz::context::format_time(later - (23 * 3600 + 59 * 60));
    let offset = format!("{}-23:59", canonical.trim_end_matches('Z'));
    embargo_holds_for_a_stored(
        &env,
        &offset,
        &format!(
            "column `published_at` holds the text `{offset}`, not a time written `YYYY-MM-DDTHH:MM:SSZ`"
        ),
    );
}

/// A time with the canonical form but of a day that does not exist (30 February) is not
/// compared as its text either: `2025-02-30T00:00:00Z` comes before today as text, and lifted
/// the embargo in the server while `authz check` refused the row. The server's SQL now reads
/// it as unknown, so the embargo (a deny) holds.
#[test]
fn a_time_of_a_day_that_does_not_exist_is_never_compared_as_its_text() {
    embargo_holds_for_a_stored(
        &Env::seeded(),
        "2025-02-30T00:00:00Z",
        "column `published_at` holds the text `2025-02-30T00:00:00Z`",
    );
}

/// A subject whose row cannot be read (a real number in its `int` column) is a request whose
/// access cannot be decided: 500, as `authz check` fails on it. It is not a refused credential:
/// the admin's `X-Quidditch-User` and the token name a subject that exists, and a 401 would
/// tell their sender to fix what is not broken. A name no row has is still 401.
#[test]
fn a_subject_whose_row_cannot_be_read_is_a_server_error_not_a_refused_credential() {
    let env = Env::seeded();
    env.sql()
        .execute_batch("UPDATE players SET year = 3.5 WHERE id = 1")
        .unwrap();
    let server = Server::start(&env, &[]);
    let query = r#"{"query":"{ getGame(id: 8) { level } }"}"#;
    let bearer = format!("Bearer {}", signed(json!({ "sub": "player:1" })));
    for headers in [
        vec![
            ("X-Quidditch-Admin-Secret", ADMIN_SECRET),
            ("X-Quidditch-User", "Harry Potter"),
        ],
        vec![("Authorization", bearer.as_str())],
    ] {
        let reply = post_with(&server.addr, query, &headers);
        assert_eq!(reply.status, 500, "{headers:?}: {}", reply.body);
        let answer: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "INTERNAL_SERVER_ERROR",
            "{answer}"
        );
        assert!(answer.get("data").is_none(), "{answer}");
    }
    for (headers, said) in [
        (
            vec![
                ("X-Quidditch-Admin-Secret", ADMIN_SECRET),
                ("X-Quidditch-User", "Nobody At All"),
            ],
            "cannot act as `Nobody At All`: unknown user",
        ),
        (
            vec![(
                "Authorization",
                &*format!("Bearer {}", signed(json!({ "sub": "player:999" }))),
            )],
            "the token's subject `player:999` is not a player or staff member",
        ),
    ] {
        let reply = post_with(&server.addr, query, &headers);
        assert_eq!(reply.status, 401, "{}", reply.body);
        assert!(reply.body.contains(said), "{}", reply.body);
    }
    // The server answers the players whose rows can be read.
    let bearer = format!("Bearer {}", signed(json!({ "sub": "player:2" })));
    let reply = post_with(&server.addr, query, &[("Authorization", &bearer)]);
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[test]
fn now_before_and_after_the_embargo_with_check_and_test() {
    let env = Env::seeded();
    let check = |now: Option<&str>| {
        let mut args = vec![
            "authz",
            "check",
            "--user",
            "Zacharias Smith",
            "--action",
            "read",
            "--resource",
            "game:9",
            "--field",
            "winner_id",
        ];
        let pair;
        if let Some(now) = now {
            pair = format!("now={now}");
            args.extend(["--context", &pair]);
        }
        env.run(&args)
    };
    check(Some("2026-05-31T12:00:00Z"))
        .status(2)
        .stdout_has("policies: results-embargo");
    check(Some("2026-06-02T12:00:00+02:00"))
        .success()
        .stdout_has("policies: winners-read-game");
    // Absent: fail closed, the deny applies.
    check(None).status(2).stdout_has("results-embargo");
    // JSON carries the context used, in its one form.
    let json: Value = env
        .run([
            "--format",
            "json",
            "authz",
            "check",
            "--user",
            "Zacharias Smith",
            "--action",
            "read",
            "--resource",
            "game:9",
            "--context",
            "now=2026-06-02T14:00:00+02:00",
        ])
        .success()
        .json();
    assert_eq!(json["context"], json!({ "now": "2026-06-02T12:00:00Z" }));
    // The shipped `[[test]]` cases before and after the embargo pass.
    env.run(["authz", "test"])
        .success()
        .stdout_has("zacharias may not see who won the final before it is published ... ok")
        .stdout_has("zacharias sees who won the final once it is published ... ok");
    // `--context` gives every case a default; a case's own context wins.
    let cases = env.write(
        "cases.toml",
        "[[test]]\nname = \"later\"\nuser = \"Zacharias Smith\"\naction = \"read\"\nresource = \"game:9\"\nfield = \"winner_id\"\ndecision = \"allow\"\n\n[[test]]\nname = \"earlier\"\nuser = \"Zacharias Smith\"\naction = \"read\"\nresource = \"game:9\"\nfield = \"winner_id\"\ncontext = { now = \"2026-01-01T00:00:00Z\" }\ndecision = \"deny\"\n",
    );
    env.run([
        "authz",
        "test",
        "--file",
        cases.to_str().unwrap(),
        "--context",
        "now=2026-07-01T00:00:00Z",
    ])
    .success()
    .stdout_has("2 passed, 0 failed");
}

#[test]
fn missing_context_fails_closed_and_explain_names_it() {
    let env = Env::seeded();
    let file = policies(&env);
    let run = |extra: &[&str]| {
        let mut args = vec![
            "authz",
            "explain",
            "--policies",
            &file,
            "--user",
            "anonymous",
            "--action",
            "read",
            "--resource",
            "game:1",
        ];
        args.extend_from_slice(extra);
        env.run(&args)
    };
    // An allow needing `ip` does not apply without it, and explain says which is missing.
    run(&[])
        .success()
        .stdout_has("local-games")
        .stdout_has("context missing ($context.ip): does not apply")
        .stdout_has("the request has no `$context.ip`");
    let json: Value = run(&["--format", "json"]).success().json();
    let local = json["why_not"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["policy"] == "local-games")
        .unwrap();
    assert_eq!(
        local["reasons"],
        json!([{ "because": "missing_context", "names": ["$context.ip"] }])
    );
    run(&["--context", "ip=127.0.0.1"])
        .success()
        .stdout_has("context: ip=127.0.0.1")
        .stdout_has("decision: allow by local-games");
    run(&["--context", "ip=10.0.0.1"])
        .success()
        .stdout_has("decision: deny");
    // A deny needing `now` applies without it, and says so.
    env.run([
        "authz",
        "explain",
        "--user",
        "Zacharias Smith",
        "--action",
        "read",
        "--resource",
        "game:9",
        "--field",
        "winner_id",
    ])
    .success()
    .stdout_has("results-embargo")
    .stdout_has("context missing ($context.now): applies (fail closed)")
    .stdout_has("decision: deny by results-embargo");
    // JSON names it too.
    let json: Value = env
        .run([
            "--format",
            "json",
            "authz",
            "explain",
            "--user",
            "Zacharias Smith",
            "--action",
            "read",
            "--resource",
            "game:9",
            "--field",
            "winner_id",
        ])
        .success()
        .json();
    let embargo = json["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "results-embargo")
        .unwrap();
    assert_eq!(embargo["missing_context"], json!(["$context.now"]));
    // who-can asks every subject with the same context.
    let count = |extra: &[&str]| -> String {
        let mut args = vec![
            "authz",
            "who-can",
            "--policies",
            &file,
            "--action",
            "read",
            "--resource",
            "game:1",
            "--count",
        ];
        args.extend_from_slice(extra);
        env.run(&args).success().stdout()
    };
    let without = count(&[]);
    let with = count(&["--context", "ip=127.0.0.1"]);
    assert_ne!(without, with, "anonymous joins with a local address");
}

#[test]
fn a_context_flag_of_the_wrong_type_or_name_is_one_line() {
    let env = Env::seeded();
    for (pair, message) in [
        (
            "now=yesterday",
            "invalid `--context now=yesterday`: `now` is time: `yesterday` is not an RFC 3339 time",
        ),
        (
            "nwo=2026-01-01T00:00:00Z",
            "invalid `--context nwo=2026-01-01T00:00:00Z`: `nwo` is not declared under `[context]`: did you mean `now`?",
        ),
        ("now", "invalid `--context now`: expected `KEY=VALUE`"),
    ] {
        let run = env
            .run([
                "authz",
                "check",
                "--user",
                "anonymous",
                "--action",
                "read",
                "--resource",
                "team:1",
                "--context",
                pair,
            ])
            .status(1)
            .stderr_has(message);
        let errors = run.stderr().lines().filter(|l| l.contains("error")).count();
        assert_eq!(errors, 1, "{}", run.stderr());
    }
}

#[test]
fn lint_rejects_undeclared_and_mistyped_context() {
    let env = Env::seeded();
    let shipped = std::fs::read_to_string(repo().join("policies.toml")).unwrap();
    for (from, to, message) in [
        (
            "published_at = { _gt = \"$context.now\" }",
            "published_at = { _gt = \"$context.nwo\" }",
            "undeclared context `$context.nwo`: did you mean `$context.now`?",
        ),
        (
            "published_at = { _gt = \"$context.now\" }",
            "level = { _gt = \"$context.now\" }",
            "type mismatch: `$context.now` is time, compared with text",
        ),
        (
            "[context]\nnow = \"time\"\n",
            "",
            "undeclared context `$context.now`: declare it under `[context]`",
        ),
    ] {
        let text = shipped.replacen(from, to, 1);
        assert_ne!(text, shipped, "{from}");
        let file = env.write("bad.toml", &text);
        let run = env.run(["authz", "lint", "--file", file.to_str().unwrap()]);
        let out = format!("{}{}", run.stdout(), run.stderr());
        assert_eq!(run.code(), 1, "{out}");
        assert!(out.contains("bad.toml:") && out.contains(message), "{out}");
    }
}
