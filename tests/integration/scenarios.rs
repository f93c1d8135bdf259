//! The scenario fixtures, `tests/fixtures/{rbac,abac,rebac}/`: each policy file's `[[test]]`
//! cases pass under `quidditch authz test`, and `authz check` decides as its README says, on
//! the database seeded from the repository's `seeder.toml`. See: issue 17, item 8.

use crate::harness::{Env, fixture};

/// `--policies` of scenario `name`; a missing fixture fails the test here.
#[track_caller]
fn policies(name: &str) -> String {
    let path = fixture(name).join("policies.toml");
    assert!(path.is_file(), "missing fixture {}", path.display());
    assert!(
        fixture(name).join("README.md").is_file(),
        "fixture {name} has no README.md"
    );
    path.display().to_string()
}

fn check(env: &Env, scenario: &str, user: &str, resource: &str) -> crate::harness::Run {
    env.run([
        "authz",
        "check",
        "--policies",
        &policies(scenario),
        "--user",
        user,
        "--action",
        "read",
        "--resource",
        resource,
    ])
}

const DEFAULT_DENY: &str = "deny\nreason: no allow policy applies: default deny\n";

#[test]
fn rbac_roles_alone_decide() {
    let env = Env::seeded();
    env.run(["authz", "test", "--policies", &policies("rbac")])
        .success()
        .stdout_is(
            "\
test a captain reads any game ... ok
test a seeker is no captain ... ok
test a captain inherits what players may do ... ok
test anonymous holds no role that reads teams ... ok
4 passed, 0 failed
",
        );
    check(&env, "rbac", "Oliver Wood", "game:2")
        .success()
        .stdout_is(
            "\
allow
policies: captains-read-games
fields: child_id, id, level, loser_id, winner_id
reason: no deny applies; allowed by captains-read-games
",
        );
    check(&env, "rbac", "Harry Potter", "game:2")
        .status(2)
        .stdout_is(DEFAULT_DENY);
    check(&env, "rbac", "anonymous", "team:1")
        .status(2)
        .stdout_is(DEFAULT_DENY);
}

#[test]
fn abac_attributes_decide() {
    let env = Env::seeded();
    env.run(["authz", "test", "--policies", &policies("abac")])
        .success()
        .stdout_is(
            "\
test harry reads oliver: same team ... ok
test harry may not read draco: another team, and harry is in year 2 ... ok
test oliver, in year 4, reads draco the seeker ... ok
test oliver may not read crabbe: a beater on another team ... ok
4 passed, 0 failed
",
        );
    check(&env, "abac", "Oliver Wood", "player:2")
        .success()
        .stdout_is(
            "\
allow
policies: seniors-see-seekers
fields: id, name, position, team_id, year
reason: no deny applies; allowed by seniors-see-seekers
",
        );
    check(&env, "abac", "Harry Potter", "player:2")
        .status(2)
        .stdout_is(DEFAULT_DENY);
}

#[test]
fn rebac_relationships_decide_transitively() {
    let env = Env::seeded();
    env.run(["authz", "test", "--policies", &policies("rebac")])
        .success()
        .stdout_is(
            "\
test zacharias reads game 8: hufflepuff won it ... ok
test cho reads game 8: ravenclaw won game 6, which feeds it ... ok
test harry reads the final through the whole bracket ... ok
test harry may not read game 8: gryffindor won nothing that feeds it ... ok
4 passed, 0 failed
",
        );
    check(&env, "rebac", "Cho Chang", "game:8")
        .success()
        .stdout_is(
            "\
allow
policies: winners-read-game
fields: child_id, id, level, loser_id, winner_id
reason: no deny applies; allowed by winners-read-game
",
        );
    check(&env, "rebac", "Harry Potter", "game:8")
        .status(2)
        .stdout_is(DEFAULT_DENY);
}

/// The cases can fail: a case whose expected decision is wrong fails `authz test` (exit 3).
#[test]
fn a_wrong_expectation_in_a_scenario_fails_authz_test() {
    let env = Env::seeded();
    let text = std::fs::read_to_string(policies("rebac")).unwrap();
    let flipped = text.replacen(
        "resource = \"game:8\"\ndecision = \"deny\"",
        "resource = \"game:8\"\ndecision = \"allow\"",
        1,
    );
    assert_ne!(flipped, text, "the rebac fixture changed: update this test");
    let path = env.write("policies.toml", &flipped);
    let run = env
        .run(["authz", "test", "--policies", &path.display().to_string()])
        .status(3);
    assert!(
        run.stdout().ends_with("3 passed, 1 failed\n"),
        "{}",
        run.stdout()
    );
}
