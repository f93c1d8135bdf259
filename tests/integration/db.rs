//! `db init|seed|status|reset`: the tutorial's data, seeding semantics, validation and scale.

use serde::Deserialize;

use crate::harness::{Env, repo};

fn seeder() -> String {
    repo().join("seeder.toml").display().to_string()
}

/// All rows of all tables, in id order, as text: byte-for-byte comparison of database contents.
fn dump(env: &Env) -> Vec<String> {
    let conn = env.sql();
    let mut rows = Vec::new();
    for (table, cols) in [
        ("teams", "id, name, rank"),
        ("players", "id, name, position, year, team_id"),
        ("games", "id, level, child_id, winner_id, loser_id"),
        ("staff", "id, name, role, team_id"),
    ] {
        let mut stmt = conn
            .prepare(&format!("SELECT {cols} FROM {table} ORDER BY id"))
            .unwrap();
        let n = stmt.column_count();
        let mut q = stmt.query([]).unwrap();
        while let Some(row) = q.next().unwrap() {
            let vals: Vec<String> = (0..n)
                .map(|i| format!("{:?}", row.get::<_, rusqlite::types::Value>(i).unwrap()))
                .collect();
            rows.push(format!("{table}: {}", vals.join(" | ")));
        }
    }
    rows
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Status {
    path: String,
    backend: String,
    server_version: String,
    schema_version: i64,
    latest_version: i64,
    journal_mode: String,
    tables: Vec<TableCount>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableCount {
    table: String,
    rows: Option<i64>,
}

#[test]
fn seeding_the_tutorial_data_gives_its_counts_and_ids() {
    let env = Env::seeded();
    let status: Status = env
        .run(["--format", "json", "db", "status"])
        .success()
        .json();
    assert_eq!(status.schema_version, status.latest_version);
    assert_eq!(status.backend, "sqlite");
    assert!(
        status.server_version.starts_with("3."),
        "{}",
        status.server_version
    );
    assert_eq!(status.journal_mode, "wal");
    assert!(status.path.ends_with("quidditch.db"));
    let counts: Vec<(String, Option<i64>)> = status
        .tables
        .into_iter()
        .map(|t| (t.table, t.rows))
        .collect();
    assert_eq!(
        counts,
        [
            ("teams".into(), Some(4)),
            ("players".into(), Some(10)),
            ("games".into(), Some(9)),
            ("staff".into(), Some(2))
        ]
    );
    let conn = env.sql();
    // Game 8: the First-level game Hufflepuff won against Ravenclaw, feeding the final.
    let game8: (String, i64, i64, Option<i64>) = conn
        .query_row(
            "SELECT g.level, g.winner_id, g.loser_id, g.child_id FROM games g WHERE g.id = 8",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(game8, ("First".into(), 4, 3, Some(9)));
    let names: Vec<(i64, String)> = conn
        .prepare("SELECT id, name FROM teams ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        names,
        [
            (1, "Gryffindor".into()),
            (2, "Slytherin".into()),
            (3, "Ravenclaw".into()),
            (4, "Hufflepuff".into())
        ]
    );
    let zach: (i64, String, i64, i64) = conn
        .query_row(
            "SELECT id, position, year, team_id FROM players WHERE name = 'Zacharias Smith'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(zach, (10, "Chaser".into(), 3, 4));
    let links: Vec<(i64, i64)> = conn
        .prepare("SELECT id, child_id FROM games WHERE child_id IS NOT NULL ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(links, [(1, 7), (2, 8), (4, 7), (6, 8), (7, 9), (8, 9)]);
    let mcg: (String, Option<i64>) = conn
        .query_row(
            "SELECT role, team_id FROM staff WHERE name = 'Minerva McGonagall'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(mcg, ("manager".into(), Some(1)));
}

#[test]
fn the_tutorial_column_names_are_readable_with_plain_sql() {
    let env = Env::seeded();
    let conn = env.sql();
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM players p JOIN teams t ON p.team_id = t.id \
             JOIN games g ON g.winner_id = t.id OR g.loser_id = t.id \
             WHERE p.name IS NOT NULL AND p.position IS NOT NULL AND p.year > 0 \
             AND t.rank > 0 AND g.level IS NOT NULL AND (g.child_id IS NULL OR g.child_id > 0)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(n > 0);
    let fks: i64 = conn
        .query_row(
            "SELECT count(*) FROM pragma_foreign_key_list('games')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(fks, 3, "games references child, winner and loser");
}

#[test]
fn seeding_twice_is_idempotent() {
    let env = Env::seeded();
    let before = dump(&env);
    let out = env
        .run(["--format", "json", "db", "seed", "--file", &seeder()])
        .success();
    let report: serde_json::Value = out.json();
    for t in report["tables"].as_array().unwrap() {
        assert_eq!(t["inserted"], 0, "{t}");
        assert_eq!(t["updated"], 0, "{t}");
    }
    assert_eq!(dump(&env), before);
}

#[test]
fn replace_removes_rows_the_file_does_not_mention() {
    let env = Env::seeded();
    let small = env.write(
        "small.toml",
        "[[team]]\nname = \"Gryffindor\"\nrank = 1\n\n[[player]]\nname = \"Harry Potter\"\nyear = 2\nposition = \"Seeker\"\nteam = \"Gryffindor\"\n",
    );
    let small = small.display().to_string();
    // Without --replace, rows not in the file stay.
    env.run(["db", "seed", "--file", &small]).success();
    assert_eq!(dump(&env).len(), 25);
    env.run(["db", "seed", "--file", &small, "--replace"])
        .success();
    assert_eq!(
        dump(&env),
        [
            "teams: Integer(1) | Text(\"Gryffindor\") | Integer(1)",
            "players: Integer(1) | Text(\"Harry Potter\") | Text(\"Seeker\") | Integer(2) | Integer(1)",
        ]
    );
}

/// An empty seed file (a truncated copy, a path to the wrong file) with `--replace` would delete
/// every row: it is refused and nothing is written. Without `--replace` it merges nothing.
#[test]
fn an_empty_file_with_replace_is_refused_rather_than_empty_the_database() {
    let env = Env::seeded();
    let empty = env.write("empty.toml", "# nothing yet\n");
    let empty = empty.display().to_string();
    env.run(["db", "seed", "--file", &empty, "--replace"])
        .status(1)
        .stderr_has(
            "holds no teams, players, games or staff: with --replace it would empty the database",
        );
    assert_eq!(dump(&env).len(), 25);
    env.run(["db", "seed", "--file", &empty]).success();
    assert_eq!(dump(&env).len(), 25);
}

#[test]
fn a_broken_file_after_a_good_seed_leaves_the_data_untouched() {
    let env = Env::seeded();
    let before = dump(&env);
    let good = std::fs::read_to_string(repo().join("seeder.toml")).unwrap();
    // Valid TOML, valid first half, a dangling reference at the very end.
    let broken = env.write(
        "broken.toml",
        &format!("{good}\n[[player]]\nname = \"Ginny Weasley\"\nyear = 1\nposition = \"Chaser\"\nteam = \"Gryfindor\"\n"),
    );
    env.run([
        "db",
        "seed",
        "--replace",
        "--file",
        &broken.display().to_string(),
    ])
    .status(1)
    .stderr_has("unknown team `Gryfindor`: did you mean `Gryffindor`?")
    .stderr_has("nothing was written");
    assert_eq!(dump(&env), before);
}

#[test]
fn a_bad_file_never_creates_the_database() {
    let env = Env::new();
    let bad = env.write("bad.toml", "[[team]\nname = 1");
    env.run(["db", "seed", "--file", &bad.display().to_string()])
        .status(1);
    assert!(!env.db().exists());
}

/// One case per kind of problem: (file contents, expected `LINE:COL: message`).
const INVALID: &[(&str, &str)] = &[
    (
        "[[team]\nname = \"A\"\n",
        "1:8: unclosed array table, expected `]`",
    ),
    (
        "[[team]]\nname = \"A\"\nrank = 1\ncolour = \"red\"\n",
        "4:1: in `[[team]]`: unknown field `colour`",
    ),
    (
        "[[team]]\nname = \"A\"\nrank = \"first\"\n",
        "3:8: in `[[team]]`: invalid type: string \"first\", expected i64",
    ),
    (
        "[[team]]\nname = \"A\"\n",
        "1:1: in `[[team]]`: missing field `rank`",
    ),
    (
        "[[team]]\nname = \"A\"\nrank = 1\n[[team]]\nname = \"A\"\nrank = 2\n",
        "5:8: duplicate team name `A`",
    ),
    (
        "[[team]]\nid = 3\nname = \"A\"\nrank = 1\n[[team]]\nid = 3\nname = \"B\"\nrank = 2\n",
        "6:6: duplicate team id 3",
    ),
    (
        "[[team]]\nname = \"A\"\nrank = 1\n[[player]]\nname = \"P\"\nyear = 2\nposition = \"Seeker\"\nteam = \"B\"\n",
        "8:8: unknown team `B`",
    ),
    (
        "[[team]]\nname = \"A\"\nrank = 1\n[[team]]\nname = \"B\"\nrank = 2\n[[game]]\nlevel = \"x\"\nwinner = \"A\"\nloser = \"B\"\nchild = 5\n",
        "11:9: game 1: child game 5 does not exist",
    ),
    (
        "[[team]]\nname = \"A\"\nrank = 1\n[[game]]\nlevel = \"x\"\nwinner = \"A\"\nloser = \"A\"\n",
        "7:9: game 1: `A` cannot lose to itself",
    ),
    (
        "[[team]]\nname = \"A\"\nrank = 1\n[[team]]\nname = \"B\"\nrank = 2\n[[game]]\nlevel = \"x\"\nwinner = \"A\"\nloser = \"B\"\nchild = 1\n",
        "11:9: game 1: child links form a cycle back to game 1",
    ),
    (
        "[[team]]\nname = \"A\"\nrank = 1\n[[player]]\nname = \"P\"\nyear = 12\nposition = \"Seeker\"\nteam = \"A\"\n",
        "6:8: year 12 is out of range 1..=7",
    ),
    (
        "[[team]]\nname = \"A\"\nrank = -1\n",
        "3:8: team rank -1 is out of range: ranks start at 1",
    ),
    // A value served as a GraphQL `Int` fits 32 bits (adversarial review, item 2).
    (
        "[[team]]\nname = \"A\"\nrank = 3000000000\n",
        "3:8: team rank 3000000000 is out of range: it is served as a GraphQL `Int`, at most 2147483647",
    ),
    (
        "[[team]]\nname = \"A\"\nrank = 1\n[[team]]\nname = \"B\"\nrank = 2\n[[game]]\nid = 2147483648\nlevel = \"x\"\nwinner = \"A\"\nloser = \"B\"\n",
        "8:6: game id 2147483648 is out of range: it is served as a GraphQL `Int`, at most 2147483647",
    ),
    (
        "[[teams]]\nname = \"A\"\nrank = 1\n",
        "1:3: unknown section `teams`: did you mean `[[team]]`?",
    ),
    (
        "team = 3\n",
        "1:8: `team` must be an array of tables, written `[[team]]`",
    ),
];

#[test]
fn every_kind_of_invalid_file_is_reported_with_its_location() {
    let env = Env::new();
    for (i, (contents, expected)) in INVALID.iter().enumerate() {
        let file = env.write(&format!("bad{i}.toml"), contents);
        let run = env
            .run(["db", "seed", "--file", &file.display().to_string()])
            .status(1);
        let want = format!("quidditch: error: {}:{expected}", file.display());
        assert!(
            run.stderr().starts_with(&want),
            "case {i}: expected stderr to start with\n{want}\ngot\n{}",
            run.stderr()
        );
        assert!(!env.db().exists(), "case {i} created the database");
    }
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let env = Env::new();
    let file = env.write(
        "many.toml",
        "[[team]]\nname = \"A\"\nrank = 0\n[[player]]\nname = \"P\"\nyear = 0\nposition = \"Keeper\"\nteam = \"Z\"\n",
    );
    let run = env
        .run(["db", "seed", "--file", &file.display().to_string()])
        .status(1);
    let err = run.stderr();
    assert!(err.contains("many.toml:3:8: team rank 0"), "{err}");
    assert!(
        err.contains("many.toml:6:8: year 0 is out of range"),
        "{err}"
    );
    assert!(err.contains("many.toml:8:8: unknown team `Z`"), "{err}");
    assert!(err.contains("3 problems in"), "{err}");
}

#[test]
fn init_migrates_a_file_made_by_the_tutorials_server_without_losing_rows() {
    let env = Env::new();
    {
        // The DDL SQLAlchemy emits for the tutorial's models, and one row each; version 0.
        let conn = env.sql();
        conn.execute_batch(
            "CREATE TABLE teams (id INTEGER NOT NULL, name VARCHAR(50), rank INTEGER NOT NULL, PRIMARY KEY (id));
             CREATE TABLE players (id INTEGER NOT NULL, name VARCHAR(50) NOT NULL, position VARCHAR(50) NOT NULL, year INTEGER NOT NULL, team_id INTEGER NOT NULL, PRIMARY KEY (id), FOREIGN KEY(team_id) REFERENCES teams (id));
             CREATE TABLE games (id INTEGER NOT NULL, level VARCHAR(30) NOT NULL, child_id INTEGER, winner_id INTEGER NOT NULL, loser_id INTEGER NOT NULL, PRIMARY KEY (id), FOREIGN KEY(child_id) REFERENCES games (id), FOREIGN KEY(winner_id) REFERENCES teams (id), FOREIGN KEY(loser_id) REFERENCES teams (id));
             INSERT INTO teams VALUES (1, 'Gryffindor', 1), (2, 'Slytherin', 2);
             INSERT INTO players VALUES (1, 'Harry Potter', 'Seeker', 2, 1);
             INSERT INTO games VALUES (1, 'Practice', NULL, 1, 2);",
        )
        .unwrap();
    }
    // Status works on the unmigrated file, and says staff is missing.
    let status: Status = env
        .run(["--format", "json", "db", "status"])
        .success()
        .json();
    assert_eq!(status.schema_version, 0);
    assert_eq!(status.tables[3].rows, None);
    env.run(["db", "init"])
        .success()
        .stdout_has("migrated")
        .stdout_has("from schema version 0 to 2");
    let status: Status = env
        .run(["--format", "json", "db", "status"])
        .success()
        .json();
    assert_eq!(status.schema_version, 2);
    let rows: Vec<Option<i64>> = status.tables.iter().map(|t| t.rows).collect();
    assert_eq!(rows, [Some(2), Some(1), Some(1), Some(0)]);
    let indexes: i64 = env
        .sql()
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name LIKE 'ix_%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(indexes, 6);
    env.run(["db", "init"])
        .success()
        .stdout_has("is up to date");
}

#[test]
fn reset_needs_confirmation_and_empties_every_table() {
    let env = Env::seeded();
    env.run(["db", "reset"]).status(1).stderr_has("--yes");
    assert_eq!(dump(&env).len(), 25);
    env.run(["db", "reset", "--yes"])
        .success()
        .stdout_has("deleted 4 teams, 10 players, 9 games, 2 staff");
    assert!(dump(&env).is_empty());
}

#[test]
fn commands_on_a_missing_database_say_how_to_create_it() {
    let env = Env::new();
    env.run(["db", "status"])
        .status(1)
        .stderr_has("does not exist (create it with `quidditch --db");
}

#[test]
fn a_file_that_is_not_a_quidditch_database_is_refused() {
    let env = Env::new();
    env.sql().execute_batch("CREATE TABLE other (x);").unwrap();
    env.run(["db", "status"])
        .status(1)
        .stderr_has("table `teams` is missing");
}

#[test]
fn scale_is_deterministic_for_a_fixed_rng_seed() {
    let a = Env::new();
    let b = Env::new();
    for env in [&a, &b] {
        env.run(["db", "seed", "--scale", "500", "--rng-seed", "9"])
            .success()
            .stdout_has("seeded")
            .stdout_has("rows/s");
    }
    let dump_a = dump(&a);
    assert_eq!(dump_a, dump(&b));
    // 500 players: 50 teams, 500 games, 6 staff.
    assert_eq!(dump_a.len(), 50 + 500 + 500 + 6);
    let c = Env::new();
    c.run(["db", "seed", "--scale", "500", "--rng-seed", "10"])
        .success();
    assert_ne!(dump_a, dump(&c), "another seed gives another league");
    // Bracket links form trees: no game is its own ancestor, and finals have no child.
    let conn = a.sql();
    let cyclic: i64 = conn
        .query_row(
            "WITH RECURSIVE up(start, id, depth) AS (
               SELECT id, child_id, 1 FROM games WHERE child_id IS NOT NULL
               UNION ALL SELECT up.start, g.child_id, depth + 1 FROM up JOIN games g ON g.id = up.id
               WHERE g.child_id IS NOT NULL AND depth < 50)
             SELECT count(*) FROM up WHERE id = start OR depth >= 50",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(cyclic, 0);
    let linked: i64 = conn
        .query_row(
            "SELECT count(*) FROM games WHERE child_id IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        linked,
        16 * 30,
        "16 full brackets of 31 games, 30 links each"
    );
}

#[test]
fn a_seed_killed_midway_leaves_the_database_as_it_was() {
    let env = Env::seeded();
    let before = dump(&env);
    let mut child = env
        .cmd_std()
        .args(["db", "seed", "--scale", "2000000", "--replace"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Long enough to be writing rows (the old ones are already deleted in its transaction).
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the seed finished before it could be killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(dump(&env), before);
    env.run(["db", "status"]).success();
}

/// `--scale` deletes every row, so on a database that has rows it asks for `--replace`, as
/// `db reset` asks for `--yes`. See: issue 14, item 7.
#[test]
fn scale_on_a_database_with_rows_needs_replace() {
    let env = Env::seeded();
    let before = dump(&env);
    env.run(["db", "seed", "--scale", "50"])
        .status(1)
        .stderr_has("`db seed --scale` replaces every row of `")
        .stderr_has("(25 rows now): run it again with `--replace` to confirm");
    assert_eq!(dump(&env), before, "nothing was written");
    env.run(["db", "seed", "--scale", "50", "--replace"])
        .success();
    assert_eq!(dump(&env).len(), 5 + 50 + 50 + 1);
}

/// A `--db` in a directory that does not exist says so, once. See: issue 14, item 7.
#[test]
fn a_database_in_a_missing_directory_names_the_directory() {
    let env = Env::new();
    let db = env.path("nowhere/league.db");
    let out = assert_cmd::Command::new(crate::harness::bin())
        .current_dir(env.dir.path())
        .env_remove("QUIDDITCH_DB")
        .args(["--db", &db.display().to_string(), "db", "init"])
        .output()
        .unwrap();
    let run = crate::harness::Run(out).status(1);
    assert_eq!(
        run.stderr(),
        format!(
            "quidditch: error: database `{}`: directory `{}` does not exist\n",
            db.display(),
            env.path("nowhere").display()
        )
    );
}
