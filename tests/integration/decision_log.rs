//! The decision log (issue 13, part 3): `serve --decision-log`, one JSON line per request with
//! what was withheld and the policies behind it; rotation; no secrets; `authz log`.

use serde_json::{Value, json};

use crate::harness::{ADMIN_SECRET, Env, JWT_SECRET, Server, http_with, post_with};

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// An HS256 token for `sub`, signed with the test servers' secret.
fn token(sub: &str) -> String {
    let now = unix_now();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({ "sub": sub, "exp": now + 600, "iat": now }),
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

/// The lines of the log at `path`, each parsed.
fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// Waits until the log at `path` has `n` lines (a line is written after its answer is sent).
fn wait_for_lines(path: &std::path::Path, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        if path.exists() && std::fs::read_to_string(path).unwrap().lines().count() >= n {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    lines(path)
}

const ONE_ROW_ONE_FIELD: &str = r#"{"query":"query GameAndRival { getGame(id: 8) { level } getPlayer(name: \"Draco Malfoy\") { name year } }","operationName":"GameAndRival"}"#;

#[test]
fn a_withheld_row_and_field_are_logged_with_their_policies() {
    let env = Env::seeded();
    let path = env.path("decisions.jsonl");
    let server = Server::serve(&env, &["--decision-log", &path.display().to_string()]);
    let bearer = format!("Bearer {}", token("player:1"));
    let reply = post_with(
        &server.addr,
        ONE_ROW_ONE_FIELD,
        &[("Authorization", &bearer)],
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let answer: Value = reply.json();
    assert_eq!(answer["data"]["getGame"], Value::Null);
    assert_eq!(answer["data"]["getPlayer"]["year"], Value::Null);
    let logged = wait_for_lines(&path, 1);
    assert_eq!(logged.len(), 1, "{logged:?}");
    let line = &logged[0];
    assert_eq!(line["subject"], "player:1 (Harry Potter)");
    assert_eq!(line["roles"], json!(["player", "anonymous"]));
    assert_eq!(line["operation"], "GameAndRival");
    assert_eq!(line["status"], 200);
    assert_eq!(line["refused"], Value::Null);
    // SHA-256 of the document text.
    assert_eq!(line["document"].as_str().unwrap().len(), 64);
    assert_eq!(
        line["rows_withheld"],
        json!([{ "type": "game", "allows": ["winners-read-game"], "denies": [] }])
    );
    assert_eq!(
        line["fields_withheld"],
        json!([{
            "type": "player", "field": "year", "id": 2,
            "allows": ["own-profile", "teammates-see-year"], "denies": []
        }])
    );
    assert!(line["latency_ms"].as_f64().unwrap() > 0.0);
    assert!(line["time"].as_str().unwrap().ends_with('Z'));
    // The same request as the admin: nothing withheld.
    post_with(
        &server.addr,
        ONE_ROW_ONE_FIELD,
        &[("X-Quidditch-Admin-Secret", ADMIN_SECRET)],
    );
    let logged = wait_for_lines(&path, 2);
    assert_eq!(logged[1]["subject"], "admin");
    assert_eq!(logged[1]["rows_withheld"], json!([]));
    assert_eq!(logged[1]["fields_withheld"], json!([]));
    // The same document has the same hash.
    assert_eq!(logged[0]["document"], logged[1]["document"]);
    // A GET is logged alike.
    let reply = http_with(
        &server.addr,
        "GET",
        "/graphql?query=%7B%20getGame(id%3A%208)%20%7B%20level%20%7D%20%7D",
        b"",
        &[("Authorization", &bearer), ("Accept", "application/json")],
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let logged = wait_for_lines(&path, 3);
    assert_eq!(logged[2]["subject"], "player:1 (Harry Potter)");
    assert_eq!(
        logged[2]["rows_withheld"],
        json!([{ "type": "game", "allows": ["winners-read-game"], "denies": [] }])
    );
}

#[test]
fn refusals_and_limits_are_logged_and_no_line_holds_a_secret() {
    let env = Env::seeded();
    let path = env.path("decisions.jsonl");
    let server = Server::serve(&env, &["--decision-log", &path.display().to_string()]);
    let good = token("player:1");
    let unknown = token("player:999");
    let deep = format!(
        r#"{{"query":"{{ allTeams {{ edges {{ node {} }} }} }}"}}"#,
        "{ players { edges { node { teamName ".repeat(4) + "{ id }" + &" } } } }".repeat(4)
    );
    let requests: Vec<(String, Vec<(&str, String)>)> = vec![
        (
            ONE_ROW_ONE_FIELD.to_string(),
            vec![("Authorization", format!("Bearer {good}"))],
        ),
        (
            ONE_ROW_ONE_FIELD.to_string(),
            vec![("Authorization", format!("Bearer {unknown}"))],
        ),
        (
            ONE_ROW_ONE_FIELD.to_string(),
            vec![("X-Quidditch-Admin-Secret", ADMIN_SECRET.to_string())],
        ),
        (
            ONE_ROW_ONE_FIELD.to_string(),
            vec![("X-Quidditch-Admin-Secret", "wrong-secret-value".to_string())],
        ),
        (
            ONE_ROW_ONE_FIELD.to_string(),
            vec![
                ("X-Quidditch-Admin-Secret", ADMIN_SECRET.to_string()),
                ("X-Quidditch-User", "Harry Potter".to_string()),
            ],
        ),
        (deep, vec![]),
    ];
    for (body, headers) in &requests {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        post_with(&server.addr, body, &headers);
    }
    let logged = wait_for_lines(&path, requests.len());
    assert_eq!(logged.len(), requests.len());
    assert_eq!(logged[1]["status"], 401);
    assert_eq!(logged[1]["refused"], "UNAUTHENTICATED");
    assert_eq!(logged[1]["subject"], Value::Null);
    assert_eq!(logged[3]["refused"], "UNAUTHENTICATED");
    assert_eq!(logged[4]["subject"], "player:1 (Harry Potter)");
    assert_eq!(logged[5]["subject"], "anonymous");
    assert_eq!(logged[5]["status"], 400, "{}", logged[5]);
    let code = logged[5]["limits"][0]["code"].as_str().unwrap();
    assert!(code.starts_with("QUERY_TOO_"), "{}", logged[5]);
    // No token, no part of one, no secret, in any line.
    let text = std::fs::read_to_string(&path).unwrap();
    let mut secrets = vec![
        JWT_SECRET.to_string(),
        ADMIN_SECRET.to_string(),
        "wrong-secret-value".to_string(),
    ];
    for t in [&good, &unknown] {
        secrets.push(t.clone());
        secrets.extend(t.split('.').map(str::to_string));
    }
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "`{secret}` is in the log:\n{text}"
        );
    }
    assert!(!text.to_lowercase().contains("bearer"), "{text}");
}

#[test]
fn the_log_rotates_at_its_size_keeping_n_files() {
    let env = Env::seeded();
    let path = env.path("decisions.jsonl");
    let server = Server::serve(
        &env,
        &[
            "--decision-log",
            &path.display().to_string(),
            "--decision-log-max",
            "2KB",
            "--decision-log-keep",
            "2",
        ],
    );
    let bearer = format!("Bearer {}", token("player:1"));
    for _ in 0..40 {
        post_with(
            &server.addr,
            ONE_ROW_ONE_FIELD,
            &[("Authorization", &bearer)],
        );
    }
    drop(server);
    let rotated = |i: usize| std::path::PathBuf::from(format!("{}.{i}", path.display()));
    assert!(path.exists());
    assert!(rotated(1).exists());
    assert!(rotated(2).exists());
    assert!(!rotated(3).exists(), "only 2 rotated files are kept");
    for file in [path.clone(), rotated(1), rotated(2)] {
        let size = std::fs::metadata(&file).unwrap().len();
        // A file is rotated after the line that reaches the limit: at most one line over.
        assert!(size < 2048 + 1024, "{}: {size} bytes", file.display());
        for line in lines(&file) {
            assert_eq!(line["subject"], "player:1 (Harry Potter)");
        }
    }
    let total: usize = [path.clone(), rotated(1), rotated(2)]
        .iter()
        .map(|f| lines(f).len())
        .sum();
    assert!(total < 40, "older lines were dropped with the oldest file");
}

#[test]
fn the_log_can_go_to_stderr() {
    let env = Env::seeded();
    let server = Server::serve(&env, &["--decision-log", "-"]);
    let bearer = format!("Bearer {}", token("player:1"));
    post_with(
        &server.addr,
        ONE_ROW_ONE_FIELD,
        &[("Authorization", &bearer)],
    );
    let mut log = String::new();
    for _ in 0..100 {
        log = server.log();
        if log.contains("rows_withheld") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let line: Value = serde_json::from_str(
        log.lines()
            .find(|l| l.starts_with('{'))
            .unwrap_or_else(|| panic!("no JSON line in: {log}")),
    )
    .unwrap();
    assert_eq!(line["operation"], "GameAndRival");
}

#[test]
fn authz_log_summarizes_by_subject_policy_and_field() {
    let env = Env::seeded();
    let path = env.path("decisions.jsonl");
    let server = Server::serve(&env, &["--decision-log", &path.display().to_string()]);
    let harry = format!("Bearer {}", token("player:1"));
    let cho = format!("Bearer {}", token("player:5"));
    for bearer in [&harry, &harry, &cho] {
        post_with(
            &server.addr,
            ONE_ROW_ONE_FIELD,
            &[("Authorization", bearer)],
        );
    }
    post_with(
        &server.addr,
        r#"{"query":"{ allTeams { edges { cursor } } }"}"#,
        &[("Authorization", &harry)],
    );
    post_with(
        &server.addr,
        ONE_ROW_ONE_FIELD,
        &[("Authorization", "Bearer x.y.z")],
    );
    wait_for_lines(&path, 5);
    drop(server);
    let file = path.display().to_string();
    let run = env
        .run(["--format", "json", "authz", "log", &file])
        .success();
    let summary: Value = run.json();
    assert_eq!(summary["requests"], 5);
    let harry_row = summary["by_subject"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["subject"] == "player:1 (Harry Potter)")
        .unwrap();
    assert_eq!(harry_row["requests"], 3);
    assert_eq!(harry_row["denied"], 2);
    assert_eq!(
        summary["refused"],
        json!([{ "name": "UNAUTHENTICATED", "count": 1 }])
    );
    let policy = |name: &str| {
        summary["by_policy"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["policy"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} in {summary}"))
    };
    // Cho Chang, a captain of the team that lost game 8, may read it.
    assert_eq!(policy("winners-read-game")["rows"], 2, "{summary}");
    assert_eq!(policy("teammates-see-year")["fields"], 3, "{summary}");
    let run = env
        .run([
            "--format",
            "json",
            "authz",
            "log",
            &file,
            "--user",
            "Harry Potter",
            "--denied",
        ])
        .success();
    let only: Value = run.json();
    assert_eq!(only["requests"], 2);
    assert_eq!(
        only["by_field"],
        json!([{ "name": "player.year", "count": 2 }])
    );
    let human = env.run(["authz", "log", &file]).success().stdout();
    assert!(
        human.contains("5 requests, 4 with something withheld or refused"),
        "{human}"
    );
    assert!(human.contains("winners-read-game"), "{human}");
    // A line that is not one is located.
    let bad = env.write("bad.jsonl", "{\"time\":1}\n");
    env.run(["authz", "log", &bad.display().to_string()])
        .status(1)
        .stderr_has("bad.jsonl:1:");
}

#[test]
fn buffered_lines_are_written_at_a_graceful_shutdown() {
    let env = Env::seeded();
    let path = env.path("decisions.jsonl");
    // An interval far longer than the test: only the shutdown can write the lines.
    let server = Server::serve(
        &env,
        &[
            "--decision-log",
            &path.display().to_string(),
            "--decision-log-flush",
            "1h",
        ],
    );
    let bearer = format!("Bearer {}", token("player:1"));
    for _ in 0..3 {
        let reply = post_with(
            &server.addr,
            ONE_ROW_ONE_FIELD,
            &[("Authorization", &bearer)],
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "",
        "the lines wait in the buffer"
    );
    assert_eq!(server.terminate(), Some(0));
    let logged = lines(&path);
    assert_eq!(logged.len(), 3, "{logged:?}");
    assert!(
        logged
            .iter()
            .all(|line| line["operation"] == "GameAndRival")
    );
}
