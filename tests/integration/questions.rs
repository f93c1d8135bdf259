//! The questions admins ask. `authz who-can`: every subject a request would allow, computed in
//! SQL, equals the subjects for which `authz check` allows, for every resource of every type and
//! every action. `authz test --coverage`: what the cases never made true or false.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::harness::{Env, repo};

fn policies() -> String {
    repo().join("policies.toml").display().to_string()
}

/// Every subject of the seeded league: anonymous, ten players, two staff.
fn subjects() -> Vec<String> {
    let mut all = vec!["anonymous".to_string()];
    all.extend((1..=10).map(|id| format!("player:{id}")));
    all.extend((1..=2).map(|id| format!("staff:{id}")));
    all
}

/// Every resource of the seeded league and the shipped forums.
fn resources() -> Vec<String> {
    let mut all = Vec::new();
    all.extend((1..=4).map(|id| format!("team:{id}")));
    all.extend((1..=10).map(|id| format!("player:{id}")));
    all.extend((1..=9).map(|id| format!("game:{id}")));
    all.extend((1..=2).map(|id| format!("staff:{id}")));
    all.extend(
        [
            "Seeker", "Keeper", "Beater", "Chaser", "Captain", "Veterans",
        ]
        .map(|f| format!("forum:{f}")),
    );
    all
}

fn who_can(env: &Env, policies: &str, action: &str, resource: &str, field: Option<&str>) -> Value {
    let mut args = vec![
        "--format",
        "json",
        "authz",
        "who-can",
        "--action",
        action,
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

/// The subjects `authz check --batch` allows, per request `(action, resource, field)`.
fn brute_force(
    env: &Env,
    policies: &str,
    requests: &[(&str, String, Option<&str>)],
) -> Vec<BTreeSet<String>> {
    let mut lines = String::new();
    for (action, resource, field) in requests {
        for user in subjects() {
            let mut r = json!({ "user": user, "action": action, "resource": resource });
            if let Some(field) = field {
                r["field"] = json!(field);
            }
            lines.push_str(&r.to_string());
            lines.push('\n');
        }
    }
    let run = env
        .run_stdin(
            ["authz", "check", "--batch", "--policies", policies],
            &lines,
        )
        .success();
    let decisions: Vec<bool> = run
        .stdout()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["decision"] == "allow")
        .collect();
    assert_eq!(decisions.len(), requests.len() * subjects().len());
    decisions
        .chunks(subjects().len())
        .map(|chunk| {
            subjects()
                .into_iter()
                .zip(chunk)
                .filter(|(_, allowed)| **allowed)
                .map(|(s, _)| s)
                .collect()
        })
        .collect()
}

fn listed(answer: &Value) -> BTreeSet<String> {
    answer["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["subject"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn game_8_is_readable_by_exactly_five_subjects() {
    let env = Env::seeded();
    let p = policies();
    let answer = who_can(&env, &p, "read", "game:8", None);
    let names: Vec<&str> = answer["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Cho Chang",
            "Cedric Diggory",
            "Roger Davies",
            "Zacharias Smith",
            "Madam Hooch"
        ]
    );
    let roger = &answer["subjects"][2];
    assert_eq!(
        roger["policies"],
        json!(["winners-read-game", "captains-read-team-games"])
    );
    env.run([
        "authz",
        "who-can",
        "--action",
        "read",
        "--resource",
        "game:8",
        "--explain",
        "--policies",
        &p,
    ])
    .success()
    .stdout_has("Cho Chang (player:5): winners-read-game via feeders* → game:6\n")
    .stdout_has("Madam Hooch (staff:1): admin-all via its roles\n");
    let explained: Value = env
        .run([
            "--format",
            "json",
            "authz",
            "who-can",
            "--action",
            "read",
            "--resource",
            "game:8",
            "--explain",
            "--policies",
            &p,
        ])
        .success()
        .json();
    let subjects = explained["subjects"].as_array().unwrap();
    let via = |who: &str| &subjects.iter().find(|s| s["subject"] == who).unwrap()["via"];
    assert_eq!(
        via("player:5"),
        &json!([{
            "policy": "winners-read-game",
            "route": {
                "by": "step", "relationship": "feeders", "transitive": true, "resource": "game:6"
            }
        }])
    );
    assert_eq!(
        via("staff:1"),
        &json!([{ "policy": "admin-all", "route": { "by": "roles" } }])
    );
    env.run([
        "authz",
        "who-can",
        "--action",
        "read",
        "--resource",
        "game:8",
        "--count",
        "--policies",
        &p,
    ])
    .success()
    .stdout_has("5\n");
}

#[test]
fn who_can_equals_brute_force_check_for_every_resource_and_action() {
    let env = Env::seeded();
    // The shipped policies, plus a field-level deny, a deny whose condition is unknown on the
    // games without a child, and a deny through a relationship whose inner condition is unknown
    // for an admin without a team (EXISTS counts only true rows), so every kind of decision is
    // compared.
    let extra = r#"
[[policy]]
id = "no-names-for-managers"
effect = "deny"
roles = ["manager"]
actions = ["read"]
resource = "player"
fields = ["name"]
condition = { team_id = { _neq = "$subject.team_id" } }

[[policy]]
id = "admins-not-own-wins"
effect = "deny"
roles = ["admin"]
actions = ["read"]
resource = "game"
condition = { winner = { id = { _eq = "$subject.team_id" } } }

[[policy]]
id = "captains-not-late"
effect = "deny"
roles = ["captain"]
actions = ["read"]
resource = "game"
condition = { _not = { child_id = { _lt = 8 } } }
"#;
    let shipped = std::fs::read_to_string(repo().join("policies.toml")).unwrap();
    let cut = shipped.find("[[scope]]").unwrap();
    let text = format!("{}{extra}", &shipped[..cut]);
    let p = env.write("policies.toml", &text).display().to_string();
    let mut requests: Vec<(&str, String, Option<&str>)> = Vec::new();
    for action in ["read", "join"] {
        for resource in resources() {
            requests.push((action, resource, None));
        }
    }
    for id in 1..=10 {
        for field in ["name", "year"] {
            requests.push(("read", format!("player:{id}"), Some(field)));
        }
    }
    let expected = brute_force(&env, &p, &requests);
    let mut nonempty = 0;
    for ((action, resource, field), expected) in requests.iter().zip(expected) {
        let answer = who_can(&env, &p, action, resource, *field);
        assert_eq!(
            listed(&answer),
            expected,
            "who-can --action {action} --resource {resource} --field {field:?}"
        );
        if !expected.is_empty() {
            nonempty += 1;
        }
    }
    assert!(
        nonempty > 40,
        "the comparison should cover allowed requests: {nonempty}"
    );
}

#[test]
fn test_coverage_lists_what_the_cases_never_exercise() {
    let env = Env::seeded();
    let p = policies();
    let shipped = std::fs::read_to_string(repo().join("policies.toml")).unwrap();
    // The location of the first `needle` after `anchor` in the shipped file.
    let at = |anchor: &str, needle: &str| {
        let from = shipped.find(anchor).unwrap();
        let i = from + shipped[from..].find(needle).unwrap();
        let before = &shipped[..i];
        let line = before.matches('\n').count() + 1;
        let col = before.len() - before.rfind('\n').map_or(0, |n| n + 1) + 1;
        format!("{p}:{line}:{col}")
    };
    let run = env
        .run(["authz", "test", "--coverage", "--policies", &p])
        .success();
    let out = run.stdout();
    assert!(
        out.contains(
            "26 passed, 0 failed\ncoverage: policies covered 10/12, condition branches 3/7\n"
        ),
        "{out}"
    );
    for expected in [
        format!(
            "  {}: policy `captains-read-team-games` branch `loser_id _eq $subject.team_id`: never false\n",
            at(
                "id = \"captains-read-team-games\"",
                "_eq = \"$subject.team_id\" } },\n] }"
            )
        ),
        format!(
            "  {}: policy `manager-team`: never false\n",
            at("id = \"manager-team\"", "\"manager-team\"")
        ),
    ] {
        assert!(out.contains(&expected), "missing {expected}in:\n{out}");
    }

    // One case: Harry reads game 9 through the bracket. Everything else is uncovered.
    let file = env.write(
        "one.toml",
        "[[test]]\nname = \"harry reads the final\"\nuser = \"Harry Potter\"\naction = \"read\"\nresource = \"game:9\"\ndecision = \"allow\"\n",
    );
    let json: Value = env
        .run([
            "--format",
            "json",
            "authz",
            "test",
            "--coverage",
            "--file",
            &file.display().to_string(),
            "--policies",
            &p,
        ])
        .success()
        .json();
    assert_eq!(json["passed"], 1);
    let c = &json["coverage"];
    assert_eq!(c["policies"], 12);
    assert_eq!(c["policies_covered"], 0, "{c}");
    let winners: Vec<&Value> = c["uncovered"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["policy"] == "winners-read-game")
        .collect();
    // The policy and both arms were made true (Gryffindor won the final and game 7, which
    // feeds it), none false.
    assert_eq!(winners.len(), 3, "{c}");
    assert_eq!(winners[0]["branch"], Value::Null);
    assert_eq!(winners[0]["made_true"], true);
    assert_eq!(winners[0]["made_false"], false);
    // Branches are expression trees, not text.
    assert_eq!(winners[1]["branch"]["kind"], "compare", "{c}");
    assert_eq!(winners[1]["branch"]["op"], "_eq", "{c}");
    assert_eq!(winners[1]["made_true"], true);
    assert_eq!(winners[2]["branch"]["kind"], "transitive", "{c}");
    assert_eq!(winners[2]["branch"]["relationship"], "feeders", "{c}");
    assert_eq!(winners[2]["branch"]["inner"], winners[1]["branch"], "{c}");
    assert_eq!(winners[2]["made_true"], true);
    assert_eq!(winners[2]["made_false"], false);
    assert_eq!(
        winners[2]["location"],
        at("id = \"winners-read-game\"", "\"feeders*\" = { winner_id")
    );
}
