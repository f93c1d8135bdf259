//! PostgreSQL as the database (issue 15): the tests' own cluster (`crate::pg`), and the commands
//! that run on it.

use std::fmt::Write as _;

use serde::Deserialize;

use crate::harness::{ADMIN_SECRET, Env, Run, Server, fixture, post_with, repo, seeded_postgres};
use crate::pg;

/// The cluster starts from the server's own tools, and each test gets an empty database of its
/// own: a missing server fails here, saying how to install it.
#[test]
fn the_test_cluster_gives_each_test_an_empty_database() {
    let a = pg::cluster().create_database();
    let b = pg::cluster().create_database();
    assert_ne!(a.name, b.name);
    a.psql("CREATE TABLE only_in_a (id INTEGER)");
    assert_eq!(
        b.value("SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"),
        "0"
    );
    assert_eq!(a.value("SHOW fsync"), "off");
    assert_eq!(a.value("SHOW listen_addresses"), "");
}

/// A machine without the server fails the PostgreSQL tests, saying how to install it; the
/// binaries are found on `PATH` or under Debian's versioned directories.
#[test]
fn a_missing_postgres_server_is_a_failure_saying_how_to_install_it() {
    let empty = tempfile::tempdir().unwrap();
    let err =
        pg::find_server_bin(Some(empty.path().as_os_str()), &empty.path().join("lib")).unwrap_err();
    assert_eq!(
        err,
        format!(
            "the PostgreSQL tests need a PostgreSQL server: no `initdb` on PATH or in \
             {}/*/bin; install it with `apt-get install -y postgresql` (`.ci/run` does this)",
            empty.path().join("lib").display()
        )
    );
    let bin = empty.path().join("lib/15/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("initdb"), "").unwrap();
    assert_eq!(
        pg::find_server_bin(Some(empty.path().as_os_str()), &empty.path().join("lib")),
        Ok(bin)
    );
}

/// Concurrent `db init`s of one database migrate it once (an advisory lock around the
/// migration); without it, two `CREATE TABLE IF NOT EXISTS` race and one fails.
#[test]
fn concurrent_inits_migrate_postgres_once() {
    let env = Env::new();
    let db = pg::cluster().create_database();
    let children: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(crate::harness::bin())
                .args(["--db", &db.url(), "db", "init"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .current_dir(env.dir.path())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut created = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        created += usize::from(String::from_utf8_lossy(&out.stdout).starts_with("created"));
    }
    assert_eq!(created, 1);
    assert_eq!(db.value("SELECT count(*) FROM quidditch_version"), "1");
    // A database that does not exist says how to make one.
    let missing = db.url().replace(&db.name, "no_such_database");
    env.run_on(&missing, ["db", "init"])
        .status(1)
        .stderr_is(&format!(
            "quidditch: error: database `{missing}`: postgresql: database \"no_such_database\" \
             does not exist (create it first, with `createdb` or `CREATE DATABASE`)\n"
        ));
}

fn seeder() -> String {
    repo().join("seeder.toml").display().to_string()
}

/// Every row of every table: the contents of a PostgreSQL database as text.
fn dump(db: &pg::Database) -> String {
    ["teams", "players", "games", "staff"]
        .map(|table| format!("{table}:\n{}", db.dump(table)))
        .concat()
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Status {
    path: String,
    backend: String,
    server_version: String,
    schema_version: i64,
    latest_version: i64,
    journal_mode: Option<String>,
    connection: Option<serde_json::Value>,
    tables: Vec<TableCount>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct TableCount {
    table: String,
    rows: Option<i64>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct SeedReport {
    path: String,
    file: String,
    replace: bool,
    tables: Vec<TableReport>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct TableReport {
    table: String,
    seeded: u64,
    inserted: u64,
    updated: u64,
    unchanged: u64,
    deleted: u64,
    total: u64,
}

/// `db status` on `db` (seeded) and on `env`'s SQLite file (seeded alike): the same tables and
/// versions, each naming its own engine.
fn status_alike(env: &Env, db: &pg::Database) {
    let url = db.url();
    let pg_status: Status = env
        .run_on(&url, ["--format", "json", "db", "status"])
        .success()
        .json();
    let sqlite_status: Status = env
        .run(["--format", "json", "db", "status"])
        .success()
        .json();
    assert_eq!(pg_status.tables, sqlite_status.tables);
    assert_eq!(pg_status.schema_version, sqlite_status.schema_version);
    assert_eq!(pg_status.latest_version, sqlite_status.latest_version);
    // Each says which engine it is; SQLite's journal mode is not a PostgreSQL notion.
    assert_eq!(pg_status.backend, "postgresql");
    assert_eq!(sqlite_status.backend, "sqlite");
    assert!(
        pg_status.server_version.starts_with("15"),
        "{}",
        pg_status.server_version
    );
    assert_eq!(pg_status.journal_mode, None);
    assert_eq!(sqlite_status.journal_mode.as_deref(), Some("wal"));
    // How the connection runs, as the server sees it; a file has none.
    assert_eq!(
        pg_status.connection,
        Some(serde_json::json!({ "transport": "unix", "tls": null }))
    );
    assert_eq!(sqlite_status.connection, None);
    // The human report too, but for the database's name and its engine.
    let pg_human = env.run_on(&url, ["db", "status"]).success().stdout();
    let sqlite_human = env.run(["db", "status"]).success().stdout();
    let engine = |report: &str, db: &str| -> (String, String) {
        let (engine, rest): (Vec<&str>, Vec<&str>) = report
            .lines()
            .partition(|line| line.starts_with("backend:") || line.starts_with("connection:"));
        (engine.join("\n"), rest.join("\n").replace(db, "DB"))
    };
    let (pg_engine, pg_rest) = engine(&pg_human, &shown(db));
    let (sqlite_engine, sqlite_rest) = engine(&sqlite_human, &env.db().display().to_string());
    assert_eq!(pg_rest, sqlite_rest);
    assert!(
        pg_engine.starts_with("backend:        PostgreSQL 15")
            && pg_engine.ends_with("\nconnection:     unix socket"),
        "{pg_engine}"
    );
    assert!(
        sqlite_engine.starts_with("backend:        SQLite 3.")
            && sqlite_engine.ends_with("(journal mode wal)"),
        "{sqlite_engine}"
    );
}

/// `db init`, `db seed` and `db status` on PostgreSQL: the same reports and row counts as the
/// SQLite seed of the same file, and the tables as SQLAlchemy makes them on PostgreSQL.
#[test]
fn init_seed_and_status_on_postgres_match_sqlite() {
    let env = Env::new();
    let db = pg::cluster().create_database();
    let url = db.url();
    env.run_on(&url, ["db", "init"])
        .success()
        .stdout_is(&format!("created {} at schema version 2\n", shown(&db)));
    env.run_on(&url, ["db", "init"])
        .success()
        .stdout_is(&format!(
            "{} is up to date (schema version 2)\n",
            shown(&db)
        ));

    let on_pg: SeedReport = env
        .run_on(
            &url,
            ["--format", "json", "db", "seed", "--file", &seeder()],
        )
        .success()
        .json();
    let on_sqlite: SeedReport = env
        .run(["--format", "json", "db", "seed", "--file", &seeder()])
        .success()
        .json();
    assert_eq!(on_pg.path, shown(&db));
    assert_eq!(on_pg.tables, on_sqlite.tables);

    status_alike(&env, &db);

    // The same rows as SQLite holds, value for value.
    let sqlite = env.sql();
    let mut stmt = sqlite
        .prepare(
            "SELECT id || '|' || level || '|' || coalesce(child_id, '') || '|' || winner_id \
             || '|' || loser_id || '|' || published_at FROM games ORDER BY id",
        )
        .unwrap();
    let sqlite_games: Vec<String> = stmt
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let pg_games: Vec<String> = db
        .psql(
            "SELECT id || '|' || level || '|' || coalesce(child_id::text, '') || '|' || \
             winner_id || '|' || loser_id || '|' || published_at FROM games ORDER BY id",
        )
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(pg_games, sqlite_games);

    // SQLAlchemy's types on PostgreSQL, and a version table in place of `user_version`.
    assert_eq!(
        db.psql(
            "SELECT table_name || '.' || column_name || ' ' || data_type || \
             coalesce('(' || character_maximum_length || ')', '') || \
             CASE WHEN column_default LIKE 'nextval%' THEN ' serial' ELSE '' END \
             FROM information_schema.columns WHERE table_name IN ('teams', 'players') \
             ORDER BY table_name, ordinal_position"
        ),
        "players.id integer serial\nplayers.name character varying(50)\n\
         players.position character varying(50)\nplayers.year integer\n\
         players.team_id integer\nteams.id integer serial\nteams.name character varying(50)\n\
         teams.rank integer\n"
    );
    assert_eq!(db.value("SELECT version FROM quidditch_version"), "2");
    assert_eq!(
        db.value(
            "SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'ix_%' \
             AND tablename IN ('players', 'games', 'staff')"
        ),
        "6"
    );
    // A client inserting without an id (the tutorial's server) gets the next free one.
    assert_eq!(
        db.value("INSERT INTO teams (name, rank) VALUES ('Durmstrang', 5) RETURNING id"),
        "5"
    );
}

/// What reports call the database: its URL in canonical form, without a password.
fn shown(db: &pg::Database) -> String {
    db.url()
}

/// Seeding the same file twice leaves the same rows, and the second report says nothing changed,
/// as on SQLite; `--replace` deletes and writes everything again.
#[test]
fn seeding_postgres_twice_changes_nothing() {
    let env = Env::new();
    let db = seeded_postgres(&env, pg::cluster());
    let url = db.url();
    let first = dump(&db);
    let again: SeedReport = env
        .run_on(
            &url,
            ["--format", "json", "db", "seed", "--file", &seeder()],
        )
        .success()
        .json();
    assert_eq!(dump(&db), first);
    for t in &again.tables {
        assert_eq!(
            (t.inserted, t.updated, t.unchanged, t.deleted),
            (0, 0, t.seeded, 0),
            "{t:?}"
        );
    }
    let replaced: SeedReport = env
        .run_on(
            &url,
            [
                "--format",
                "json",
                "db",
                "seed",
                "--replace",
                "--file",
                &seeder(),
            ],
        )
        .success()
        .json();
    assert_eq!(dump(&db), first);
    for t in &replaced.tables {
        assert_eq!((t.inserted, t.deleted), (t.seeded, t.seeded), "{t:?}");
    }
    // The same numbers SQLite reports for the same three runs.
    env.run(["db", "seed", "--file", &seeder()]).success();
    let sqlite_again: SeedReport = env
        .run(["--format", "json", "db", "seed", "--file", &seeder()])
        .success()
        .json();
    assert_eq!(again.tables, sqlite_again.tables);
}

/// A seed file that fails validation is refused before PostgreSQL is touched, with SQLite's
/// message, word for word.
#[test]
fn a_bad_seed_file_leaves_postgres_untouched_with_the_sqlite_message() {
    let env = Env::new();
    let db = seeded_postgres(&env, pg::cluster());
    let url = db.url();
    env.run(["db", "seed", "--file", &seeder()]).success();
    let before = dump(&db);
    let bad = env.write(
        "bad.toml",
        "[[team]]\nname = \"Gryffindor\"\nrank = 9\n[[player]]\nname = \"Harry Potter\"\n\
         position = \"Seker\"\nyear = 2\nteam = \"Gryffindor\"\n",
    );
    let bad = bad.display().to_string();
    let on_pg = env
        .run_on(&url, ["db", "seed", "--file", &bad])
        .status(1)
        .stderr();
    let on_sqlite = env.run(["db", "seed", "--file", &bad]).status(1).stderr();
    assert_eq!(on_pg, on_sqlite);
    assert!(
        on_pg.contains("unknown position `Seker`: did you mean `Seeker`?"),
        "{on_pg}"
    );
    assert_eq!(dump(&db), before);
}

/// A write PostgreSQL refuses half-way (here a constraint added behind quidditch's back, failing
/// at the last table) rolls back the whole seed: one transaction, one line of error.
#[test]
fn a_seed_failing_half_way_leaves_postgres_as_it_was() {
    let env = Env::new();
    let db = seeded_postgres(&env, pg::cluster());
    let url = db.url();
    db.psql("ALTER TABLE staff ADD CONSTRAINT short_roles CHECK (length(role) < 3) NOT VALID");
    let before = dump(&db);
    let renamed = std::fs::read_to_string(seeder())
        .unwrap()
        .replace("\"Gryffindor\"", "\"Gryffindor Lions\"");
    let file = env.write("renamed.toml", &renamed);
    let run = env
        .run_on(
            &url,
            [
                "db",
                "seed",
                "--replace",
                "--file",
                &file.display().to_string(),
            ],
        )
        .status(1);
    let stderr = run.stderr();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "quidditch: error: seeding database `{}`: ",
            shown(&db)
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("violates check constraint \"short_roles\""),
        "{stderr}"
    );
    assert_eq!(dump(&db), before);
}

/// `db reset` empties every table in one transaction; `db status` then counts zeros.
#[test]
fn reset_empties_postgres() {
    let env = Env::new();
    let db = seeded_postgres(&env, pg::cluster());
    let url = db.url();
    env.run_on(&url, ["db", "reset"])
        .status(1)
        .stderr_has("run it again with `--yes` to confirm");
    env.run_on(&url, ["db", "reset", "--yes"])
        .success()
        .stdout_is(&format!(
            "reset {}: deleted 4 teams, 10 players, 9 games, 2 staff\n",
            shown(&db)
        ));
    let status: Status = env
        .run_on(&url, ["--format", "json", "db", "status"])
        .success()
        .json();
    assert!(
        status.tables.iter().all(|t| t.rows == Some(0)),
        "{status:?}"
    );
}

/// A database made by the tutorial's own models on PostgreSQL (no `staff`, no `published_at`,
/// no version table) is migrated in place, keeping its rows.
#[test]
fn init_migrates_a_tutorial_made_postgres_database_in_place() {
    let env = Env::new();
    let db = pg::cluster().create_database();
    db.psql(
        "CREATE TABLE teams (id SERIAL NOT NULL, name VARCHAR(50), rank INTEGER NOT NULL, \
           PRIMARY KEY (id)); \
         CREATE TABLE players (id SERIAL NOT NULL, name VARCHAR(50) NOT NULL, \
           position VARCHAR(50) NOT NULL, year INTEGER NOT NULL, team_id INTEGER NOT NULL, \
           PRIMARY KEY (id), FOREIGN KEY(team_id) REFERENCES teams (id)); \
         CREATE TABLE games (id SERIAL NOT NULL, level VARCHAR(30) NOT NULL, child_id INTEGER, \
           winner_id INTEGER NOT NULL, loser_id INTEGER NOT NULL, PRIMARY KEY (id), \
           FOREIGN KEY(child_id) REFERENCES games (id), \
           FOREIGN KEY(winner_id) REFERENCES teams (id), \
           FOREIGN KEY(loser_id) REFERENCES teams (id)); \
         INSERT INTO teams (name, rank) VALUES ('Gryffindor', 1), ('Slytherin', 2); \
         INSERT INTO games (level, winner_id, loser_id) VALUES ('Final', 1, 2);",
    );
    let status: Status = env
        .run_on(&db.url(), ["--format", "json", "db", "status"])
        .success()
        .json();
    assert_eq!(status.schema_version, 0);
    assert_eq!(
        status.tables.last(),
        Some(&TableCount {
            table: "staff".into(),
            rows: None
        })
    );
    env.run_on(&db.url(), ["db", "init"])
        .success()
        .stdout_is(&format!(
            "migrated {} from schema version 0 to 2\n",
            shown(&db)
        ));
    assert_eq!(
        db.psql("SELECT id, level, published_at FROM games"),
        "1|Final|1970-01-01T00:00:00Z\n"
    );
    assert_eq!(db.value("SELECT count(*) FROM staff"), "0");
}

/// libpq's key-value form names the same database as the URL; an empty database says how to
/// create the tables, and an unreachable server fails in one line.
#[test]
fn postgres_is_named_by_url_or_key_value_form() {
    let env = Env::new();
    let db = pg::cluster().create_database();
    env.run_on(&db.conninfo(), ["db", "status"])
        .status(1)
        .stderr_is(&format!(
            "quidditch: error: `{}` is not a quidditch database: table `teams` is missing \
             (create the tables with `quidditch db init`)\n",
            shown(&db)
        ));
    env.run_on(&db.conninfo(), ["db", "seed", "--file", &seeder()])
        .success()
        .stdout_has(&format!("seeded {} from ", shown(&db)));
    env.run_on(&db.url(), ["db", "status"])
        .success()
        .stdout_has("| players | 10   |");
    // Set through the environment, as any `--db`.
    let run = Run(assert_cmd::Command::new(crate::harness::bin())
        .current_dir(env.dir.path())
        .env("QUIDDITCH_DB", db.url())
        .env("NO_COLOR", "1")
        .args(["db", "status"])
        .output()
        .unwrap());
    run.success().stdout_has("| players | 10   |");

    let gone = format!(
        "postgresql://postgres@/nowhere?host={}",
        env.path("no-socket-here").display()
    );
    let stderr = env.run_on(&gone, ["db", "status"]).status(1).stderr();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("quidditch: error: database `postgresql://postgres@/nowhere?host=",),
        "{stderr}"
    );
    assert!(stderr.contains("error connecting to server"), "{stderr}");
}

/// A database of the test cluster reached through libpq's variables: `HOME` is the test's
/// directory (no `~/.pgpass` but the test's own).
struct Libpq {
    env: Env,
    db: pg::Database,
    socket: String,
}

impl Libpq {
    fn new() -> Self {
        let cluster = pg::cluster();
        Libpq {
            env: Env::new(),
            db: cluster.create_database(),
            socket: cluster.socket_dir().display().to_string(),
        }
    }

    /// The variables naming the database's host and name, the user, and `more`.
    fn vars(&self, user: &str, more: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        let mut vars = vec![
            ("PGHOST", self.socket.clone()),
            ("PGDATABASE", self.db.name.clone()),
            ("PGUSER", user.to_string()),
        ];
        vars.extend(more.iter().map(|(k, v)| (*k, (*v).to_string())));
        vars
    }

    /// Runs `args` on `--db URL` with `vars` set.
    fn run(&self, url: &str, vars: &[(&'static str, String)], args: &[&str]) -> Run {
        let mut cmd = self.env.cmd_on(url.as_ref());
        cmd.env("HOME", self.env.dir.path());
        for (name, value) in vars {
            cmd.env(name, value);
        }
        Run(cmd.args(args).output().unwrap())
    }
}

/// What `--db` leaves out is read from libpq's variables, by every command: `--db postgres://`
/// with `PGHOST`, `PGUSER` and `PGDATABASE` is the database; a bad variable is refused before
/// connecting, naming it.
#[test]
fn what_db_leaves_out_is_read_from_libpq_variables() {
    let libpq = Libpq::new();
    let postgres = libpq.vars("postgres", &[]);
    libpq
        .run(
            "postgres://",
            &postgres,
            &["db", "seed", "--file", &seeder()],
        )
        .success()
        .stdout_has(&format!("seeded {} from ", shown(&libpq.db)));
    libpq
        .run("postgres://", &postgres, &["query", "get-game", "8"])
        .success()
        .stdout_has("First");
    libpq
        .run(
            "postgres://",
            &postgres,
            &[
                "authz",
                "who-can",
                "--action",
                "read",
                "--resource",
                "game:8",
            ],
        )
        .success()
        .stdout_has("5 subjects may read game:8:");
    // A unix socket never uses TLS, so a client certificate it would never show is not read
    // (libpq's default one, with a key others may read, refused over TCP).
    let default_cert = libpq.env.path(".postgresql");
    std::fs::create_dir(&default_cert).unwrap();
    std::fs::write(default_cert.join("postgresql.crt"), "not a certificate").unwrap();
    std::fs::write(default_cert.join("postgresql.key"), "not a key").unwrap();
    libpq
        .run("postgres://", &postgres, &["db", "status"])
        .success();
    // The string wins: a database the variables do not name.
    let other = pg::cluster().create_database();
    libpq
        .run(
            &format!("postgres:///{}", other.name),
            &postgres,
            &["db", "status"],
        )
        .status(1)
        .stderr_has("is not a quidditch database");
    let bad_port = libpq.vars("postgres", &[("PGPORT", "seeker")]);
    let stderr = libpq
        .run("postgres://", &bad_port, &["db", "status"])
        .status(1)
        .stderr();
    assert!(
        stderr.contains("invalid PGPORT (libpq's `port`)"),
        "{stderr}"
    );
}

/// A connection service (`--db service=NAME`, or `PGSERVICE`) is read from the service file
/// by every command and the server's pool; a service no file defines and a libpq keyword
/// quidditch does not read are refused as any bad `--db` is (`--db: …`, exit 1), and nothing
/// is made on disk from the string.
#[test]
fn a_connection_service_names_the_database() {
    let libpq = Libpq::new();
    let file = libpq.env.write(
        "services.conf",
        &format!(
            "# the test cluster\n[league]\nhost={}\ndbname={}\nuser=postgres\n",
            libpq.socket, libpq.db.name
        ),
    );
    let services = vec![("PGSERVICEFILE", file.display().to_string())];
    libpq
        .run(
            "service=league",
            &services,
            &["db", "seed", "--file", &seeder()],
        )
        .success()
        .stdout_has(&format!("seeded {} from ", shown(&libpq.db)));
    libpq
        .run(
            "postgresql://?service=league",
            &services,
            &["query", "get-game", "8"],
        )
        .success()
        .stdout_has("First");
    let mut named = services.clone();
    named.push(("PGSERVICE", "league".to_string()));
    libpq
        .run("postgres://", &named, &["db", "status"])
        .success()
        .stdout_has("| players | 10   |");
    let file_var = file.display().to_string();
    let server = Server::start_on_with_env(
        &libpq.env,
        "service=league",
        &[],
        &[("PGSERVICEFILE", &file_var)],
    );
    let admin = vec![("X-Quidditch-Admin-Secret", ADMIN_SECRET.to_string())];
    assert_eq!(
        ask(&server, &admin, "{ getGame(id: 8) { level } }"),
        (200, r#"{"data":{"getGame":{"level":"First"}}}"#.to_string())
    );
    libpq
        .run("service=nowhere", &services, &["db", "init"])
        .status(1)
        .stderr_has(&format!(
            "quidditch: error: --db: service `nowhere` is not defined in a service file \
             (looked in {} and ",
            file.display()
        ));
    libpq
        .run("sslpassword=x dbname=x", &services, &["db", "init"])
        .status(1)
        .stderr_has(
            "quidditch: error: --db: sslpassword cannot be honoured: quidditch reads no \
             encrypted private key",
        );
    for name in ["service=nowhere", "sslpassword=x dbname=x"] {
        assert!(!libpq.env.path(name).exists(), "{name} was made on disk");
    }
}

/// Removes a file however the test ends.
struct Removed(std::path::PathBuf);

impl Drop for Removed {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// With no host in `--db` nor in `PGHOST`, a local server's socket in a default directory is
/// the host, as `psql league` finds it: here `/tmp`, through a link to the test cluster's socket
/// under a port no server uses. Without one there, the error says where it looked.
#[test]
fn a_string_naming_no_host_reaches_a_local_server_s_socket() {
    let libpq = Libpq::new();
    let socket = std::fs::read_dir(&libpq.socket)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| {
            use std::os::unix::fs::FileTypeExt as _;
            std::fs::metadata(path).unwrap().file_type().is_socket()
        })
        .expect("the cluster's socket");
    // A number no server's socket in a default directory carries: a TCP port free now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgresql://postgres@/{}?port={port}", libpq.db.name);
    let stderr = libpq.run(&url, &[], &["db", "status"]).status(1).stderr();
    assert!(
        stderr.contains(&format!(
            "names no host, nor does PGHOST, and no server's socket for port {port} is in \
             /var/run/postgresql, /run/postgresql or /tmp"
        )),
        "{stderr}"
    );
    let link = Removed(std::path::Path::new("/tmp").join(format!(".s.PGSQL.{port}")));
    std::os::unix::fs::symlink(&socket, &link.0).unwrap();
    libpq
        .run(&url, &[], &["db", "seed", "--file", &seeder()])
        .success();
    libpq
        .run(&url, &[], &["db", "status"])
        .success()
        .stdout_has(&format!("?host=/tmp&port={port}\n"))
        .stdout_has("unix socket");
    libpq
        .run(&url, &[], &["query", "get-game", "8"])
        .success()
        .stdout_has("First");
}

/// [`Libpq`] over the tutorial's league, and the cluster's role that must give a password.
fn seeded_for_a_password_role() -> (Libpq, &'static str) {
    let libpq = Libpq::new();
    libpq
        .env
        .run_on(&libpq.db.url(), ["db", "seed", "--file", &seeder()])
        .success();
    (libpq, pg::cluster().password_role())
}

/// A server on `url` with the environment `vars` answers getGame: its pool connected.
fn pool_answers(libpq: &Libpq, url: &str, vars: &[(&'static str, String)]) {
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = Server::start_on_with_env(&libpq.env, url, &[], &vars);
    let reply = post_with(
        &server.addr,
        r#"{"query":"{ getGame(id: 8) { level } }"}"#,
        &[("X-Quidditch-Admin-Secret", ADMIN_SECRET)],
    );
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (200, r#"{"data":{"getGame":{"level":"First"}}}"#)
    );
}

/// With several hosts, each is sent its own line of the password file, as libpq looks the file
/// up for each host it tries: never another host's, and none when it has no line; in the
/// commands and the server's pool.
#[test]
fn with_several_hosts_each_is_sent_its_own_password() {
    let (libpq, keeper) = seeded_for_a_password_role();
    let socket = &libpq.socket;
    let name = &libpq.db.name;
    let mode = |path: &std::path::Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    };
    let missing = libpq.env.path("no-server-here").display().to_string();
    let hosts = libpq.env.write(
        "hosts",
        &format!(
            "{missing}:*:*:{keeper}:the-other-host-s\n{socket}:*:*:{keeper}:{}\n",
            pg::PASSWORD
        ),
    );
    mode(&hosts);
    let by_host = libpq.vars(keeper, &[("PGPASSFILE", &hosts.display().to_string())]);
    let two = format!("postgresql://{keeper}@/{name}?host={missing},{socket}");
    libpq
        .run(&two, &by_host, &["db", "status"])
        .success()
        .stdout_has("| players | 10   |");
    pool_answers(&libpq, &two, &by_host);
    let only_other = libpq.env.write(
        "other-host-only",
        &format!("{missing}:*:*:{keeper}:{}\n", pg::PASSWORD),
    );
    mode(&only_other);
    let other = libpq.vars(keeper, &[("PGPASSFILE", &only_other.display().to_string())]);
    libpq
        .run(
            &format!("postgresql://{keeper}@/{name}?host={missing},{socket}"),
            &other,
            &["db", "status"],
        )
        .status(1)
        .stderr_has("password missing");
}

/// A role that must give a password (scram) gets it from `PGPASSWORD` or the password file
/// (`PGPASSFILE`, else `~/.pgpass`), in the commands and the server's pool; the string's own
/// password wins; a file others may read is ignored, as libpq does, and the refusal says so.
#[test]
fn a_password_comes_from_pgpassword_or_the_password_file() {
    let (libpq, keeper) = seeded_for_a_password_role();
    let socket = &libpq.socket;
    let name = &libpq.db.name;

    // None given: the server's refusal, on one line.
    let bare = libpq.vars(keeper, &[]);
    let stderr = libpq
        .run("postgres://", &bare, &["db", "status"])
        .status(1)
        .stderr();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.ends_with(
            ": postgresql: invalid configuration: password missing (the server asks for one: \
             give it in the URL, in PGPASSWORD or in the password file, ~/.pgpass or \
             PGPASSFILE)\n"
        ),
        "{stderr}"
    );
    let wrong = libpq.vars(keeper, &[("PGPASSWORD", "bludger")]);
    libpq
        .run("postgres://", &wrong, &["db", "status"])
        .status(1)
        .stderr_has(&format!(
            "password authentication failed for user \"{keeper}\""
        ));
    let right = libpq.vars(keeper, &[("PGPASSWORD", pg::PASSWORD)]);
    libpq
        .run("postgres://", &right, &["db", "status"])
        .success()
        .stdout_has("| players | 10   |");
    // The string's password wins over the environment's.
    let url = format!(
        "postgresql://{keeper}:{}@/{name}?host={socket}",
        pg::PASSWORD
    );
    libpq.run(&url, &wrong, &["db", "status"]).success();

    // The password file: the first line that matches; `*` matches anything.
    let line = format!("{socket}:*:{name}:{keeper}:{}\n", pg::PASSWORD);
    let file = libpq.env.write(
        "passwords",
        &format!("# mine\n{line}{socket}:*:*:{keeper}:not-this-one\n"),
    );
    let mode = |path: &std::path::Path, mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    mode(&file, 0o600);
    let with_file = libpq.vars(keeper, &[("PGPASSFILE", &file.display().to_string())]);
    libpq
        .run("postgres://", &with_file, &["query", "get-game", "8"])
        .success()
        .stdout_has("First");
    let dot_pgpass = libpq.env.write(".pgpass", &line);
    mode(&dot_pgpass, 0o600);
    libpq.run("postgres://", &bare, &["db", "status"]).success();

    // The server's pool connects the same way.
    pool_answers(&libpq, "postgres://", &with_file);

    // A file others may read is ignored, and the refusal says why.
    mode(&dot_pgpass, 0o644);
    let stderr = libpq
        .run("postgres://", &bare, &["db", "status"])
        .status(1)
        .stderr();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let why = format!(
        "(password file `{}` ignored: others may read it; its permissions should be u=rw (0600) \
         or less)",
        dot_pgpass.display()
    );
    assert!(stderr.contains(&why), "{stderr}");
}

/// The tutorial's league in a SQLite file and in a PostgreSQL database of its own, with the
/// shipped policies in the directory.
fn tutorial_on_both() -> (Env, pg::Database) {
    let env = Env::seeded();
    env.write(
        "policies.toml",
        &std::fs::read_to_string(repo().join("policies.toml")).unwrap(),
    );
    let db = seeded_postgres(&env, pg::cluster());
    (env, db)
}

/// What the servers are asked in the tests below: the tutorial's example queries, every game,
/// each team's games, the lists with paging and nested objects, relay nodes.
fn documents() -> Vec<String> {
    let tutorial = std::fs::read_to_string(fixture("tutorial-queries.graphql")).unwrap();
    let mut docs: Vec<String> = tutorial
        .split("\nquery ")
        .skip(1)
        .map(|op| format!("query {op}"))
        .collect();
    assert_eq!(docs.len(), 7, "the tutorial's seven example queries");
    docs.extend((1..=9).map(|id| {
        format!("{{ getGame(id: {id}) {{ id level winnerId loserId childId child {{ level }} }} }}")
    }));
    docs.extend(
        (1..=4).map(|team| format!("{{ getTeamGames(team: {team}) {{ id level winnerId }} }}")),
    );
    docs.extend([
        "{ allGames { edges { node { id level winnerId loserId } } } \
           allPlayers { edges { node { id name year position teamName { name rank } } } } \
           allTeams { edges { node { id name rank } } } }"
            .to_string(),
        "{ allPlayers(first: 3, after: \"YXJyYXljb25uZWN0aW9uOjE=\") { pageInfo { hasNextPage \
           endCursor } edges { cursor node { name year } } } }"
            .to_string(),
        "{ allTeams { edges { node { name players { edges { node { name year } } } } } } }"
            .to_string(),
        // Cursors beyond 64 bits: past the end, and before everything.
        "{ a: allPlayers(first: 2, after: \"YXJyYXljb25uZWN0aW9uOjk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5\") \
           { pageInfo { hasNextPage } edges { cursor } } \
           b: allGames(last: 2, before: \"YXJyYXljb25uZWN0aW9uOjk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5\") \
           { pageInfo { hasPreviousPage } edges { cursor } } }"
            .to_string(),
        "{ node(id: \"R2FtZU9iamVjdDo4\") { id ... on GameObject { level winnerId } } }"
            .to_string(),
        "{ getPlayer(name: \"Cedric Diggory\") { name year teamName { name } } \
           getPosition(position: \"Keeper\") { name year } }"
            .to_string(),
        "{ getGame(id: 8) { nope } }".to_string(),
    ]);
    docs
}

/// The credentials of each subject: the admin, anonymous, every player and staff member by
/// impersonation, and a token of Harry Potter's.
fn credentials(env: &Env) -> Vec<(String, Vec<(&'static str, String)>)> {
    let mut out = vec![
        (
            "admin".to_string(),
            vec![("X-Quidditch-Admin-Secret", ADMIN_SECRET.to_string())],
        ),
        ("anonymous".to_string(), Vec::new()),
    ];
    for subject in every_subject(env).into_iter().skip(1) {
        out.push((
            subject.clone(),
            vec![
                ("X-Quidditch-Admin-Secret", ADMIN_SECRET.to_string()),
                ("X-Quidditch-User", subject),
            ],
        ));
    }
    let minted = env.mint("Harry Potter", &[]);
    let token = minted["token"].as_str().unwrap();
    out.push((
        "Harry Potter's token".to_string(),
        vec![("Authorization", format!("Bearer {token}"))],
    ));
    out
}

/// `document` asked of `server` with `headers`: the status and the body, byte for byte.
fn ask(server: &Server, headers: &[(&'static str, String)], document: &str) -> (u16, String) {
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let body = serde_json::json!({ "query": document }).to_string();
    let reply = post_with(&server.addr, &body, &headers);
    (reply.status, reply.body)
}

/// `quidditch serve` and `quidditch query` on PostgreSQL answer every request exactly as on
/// SQLite: every subject (and a token), every document, the same status and the same bytes;
/// the query commands the same output. Nothing is made in the directory from the URL's text.
#[test]
fn serve_and_query_answer_on_postgres_as_on_sqlite() {
    let (env, db) = tutorial_on_both();
    let url = db.url();
    let listing = || {
        // The SQLite server's own WAL files aside.
        let mut names: Vec<_> = std::fs::read_dir(env.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| !name.starts_with("quidditch.db-"))
            .collect();
        names.sort();
        names
    };
    let before = listing();
    let on_sqlite = Server::start(&env, &[]);
    let on_postgres = Server::start_on(&env, &url, &["--pool-size", "3"]);
    let mut compared = 0;
    for (subject, headers) in credentials(&env) {
        for document in documents() {
            let sqlite = ask(&on_sqlite, &headers, &document);
            let postgres = ask(&on_postgres, &headers, &document);
            assert_eq!(
                postgres, sqlite,
                "{subject} asking {document}: PostgreSQL, then SQLite"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 15 * documents().len());
    // The admin reads everything the tutorial's data holds.
    let (status, game) = ask(
        &on_postgres,
        &[("X-Quidditch-Admin-Secret", ADMIN_SECRET.to_string())],
        "{ getGame(id: 8) { level winnerId child { level winnerId } } }",
    );
    assert_eq!(status, 200);
    assert_eq!(
        game,
        r#"{"data":{"getGame":{"level":"First","winnerId":4,"child":{"level":"Final","winnerId":1}}}}"#
    );

    let tutorial = fixture("tutorial-queries.graphql").display().to_string();
    for who in [
        "admin",
        "anonymous",
        "Harry Potter",
        "Cedric Diggory",
        "staff:1",
    ] {
        let mut commands: Vec<Vec<&str>> = vec![
            vec!["query", "get-game", "8"],
            vec!["query", "players"],
            vec!["query", "team-games", "1"],
            vec!["query", "get-player", "Harry Potter"],
        ];
        for op in ["AllPlayers", "GetGame", "GetTeamGames", "GetPosition"] {
            commands.push(vec!["query", "raw", &tutorial, "--operation-name", op]);
        }
        for mut command in commands {
            if who != "admin" {
                command.extend(["--as", who]);
            }
            for format in ["human", "json"] {
                let mut args = vec!["--format", format];
                args.extend(&command);
                same_on_both(&env, &url, &args, "");
            }
        }
    }
    assert_eq!(listing(), before, "nothing made in the directory");
    env.run_on(&url, ["schema", "print"]).success();
}

/// An admin's request reads with one statement and no transaction around it while its
/// document has only ever needed one (`Store::alone`); one that needs a second is thrown away
/// unseen and runs again in a snapshot's transaction. Either way the answer is SQLite's, the
/// first time and after, and nothing reaches the server's log.
#[test]
fn an_admin_request_needing_a_second_statement_runs_again_in_a_snapshot() {
    let (env, db) = tutorial_on_both();
    let on_sqlite = Server::start(&env, &[]);
    let on_postgres = Server::start_on(&env, &db.url(), &["--pool-size", "1"]);
    let admin = [("X-Quidditch-Admin-Secret", ADMIN_SECRET.to_string())];
    let one = "{ getGame(id: 8) { level winnerId child { level } } }";
    let two = "{ allPlayers(first: 3) { edges { node { name teamName { name rank } } } } }";
    for document in [one, two, one, two] {
        let answer = ask(&on_postgres, &admin, document);
        assert_eq!(answer, ask(&on_sqlite, &admin, document), "{document}");
        assert_eq!(answer.0, 200);
        assert!(!answer.1.contains("errors"), "{document}: {}", answer.1);
    }
    // The game's statement was the last its connection ran, and left no transaction open:
    // a snapshot's would be idle in one, or have sent its `COMMIT` since.
    ask(&on_postgres, &admin, one);
    assert_eq!(
        db.value(
            "SELECT string_agg(state, ',') FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() \
             AND query LIKE 'SELECT id, level, child_id%'"
        ),
        "idle"
    );
    assert_eq!(on_postgres.log(), "", "nothing logged");
}

/// A league of 320 generated players (brackets of 31 games, so `feeders*` walks deep) served
/// from both backends: every subject sees the same games.
#[test]
fn a_synthetic_league_is_served_from_postgres_as_from_sqlite() {
    let env = Env::new();
    let db = pg::cluster().create_database();
    let url = db.url();
    for on in [env.db().display().to_string(), url.clone()] {
        env.run_on(&on, ["db", "seed", "--scale", "320", "--rng-seed", "5"])
            .success();
    }
    let on_sqlite = Server::start(&env, &[]);
    let on_postgres = Server::start_on(&env, &url, &[]);
    for subject in ["player:1", "player:17", "player:200", "staff:2"] {
        let headers = vec![
            ("X-Quidditch-Admin-Secret", ADMIN_SECRET.to_string()),
            ("X-Quidditch-User", subject.to_string()),
        ];
        for document in [
            "{ allGames { edges { node { id level winnerId } } } }",
            "{ allPlayers(first: 50) { edges { node { id name year } } } }",
            "{ getTeamGames(team: 3) { id level } }",
        ] {
            let sqlite = ask(&on_sqlite, &headers, document);
            let postgres = ask(&on_postgres, &headers, document);
            assert_eq!(postgres, sqlite, "{subject} asking {document}");
            assert_eq!(sqlite.0, 200);
        }
    }
}

/// `seeder.toml` with game 8 played the other way round: Ravenclaw beat Hufflepuff, in a round
/// of another name. Who may see game 8 (its winners) changes with it.
fn replayed_game_8() -> String {
    let text = std::fs::read_to_string(repo().join("seeder.toml")).unwrap();
    let before = "id = 8\nlevel = \"First\"\nwinner = \"Hufflepuff\"\nloser = \"Ravenclaw\"";
    assert!(
        text.contains(before),
        "seeder.toml's game 8 changed: update this test"
    );
    text.replace(
        before,
        "id = 8\nlevel = \"Replayed\"\nwinner = \"Ravenclaw\"\nloser = \"Hufflepuff\"",
    )
}

/// Two `serve` processes on one PostgreSQL database answer alike; a seed committed while both
/// are under load switches both at once: every answer (each read in one snapshot, its filters
/// decided on that snapshot, or the admin's lone game read with one statement alone) is wholly
/// the old one or wholly the new one, a client never sees the old one after the new one, and
/// every request sent after the seed returned sees the new.
#[test]
fn two_servers_on_one_postgres_database_switch_together_on_a_seed() {
    let (env, db) = tutorial_on_both();
    switch_together(&env, &db.url(), [&["--pool-size", "2"], &[]]);
}

/// The same on one SQLite file (WAL: readers in two processes while `db seed` writes): there too
/// a request's filters are decided on the snapshot it reads.
#[test]
fn two_servers_on_one_sqlite_file_switch_together_on_a_seed() {
    let (env, _db) = tutorial_on_both();
    switch_together(&env, &env.db().display().to_string(), [&[], &[]]);
}

/// Two servers on `url` (with these `serve` flags) under load while a seed replays game 8.
fn switch_together(env: &Env, url: &str, flags: [&[&str]; 2]) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    let servers = flags.map(|flags| Arc::new(Server::start_on(env, url, flags)));
    let document = "{ getGame(id: 8) { level winnerId loserId } \
                    allGames { edges { node { id level winnerId } } } }";
    let mut who: Vec<_> = credentials(env)
        .into_iter()
        .filter(|(name, _)| {
            [
                "admin",
                "anonymous",
                "player:3",
                "player:5",
                "player:6",
                "player:10",
            ]
            .contains(&name.as_str())
        })
        .map(|(name, headers)| (name, headers, document))
        .collect();
    // The admin's lone game too: one statement, read without a transaction around it on
    // PostgreSQL (`Store::alone`).
    let lone = "{ getGame(id: 8) { level winnerId loserId } }";
    let admin = who[0].1.clone();
    assert_eq!(who[0].0, "admin");
    who.push(("admin's lone game".to_string(), admin, lone));
    let answers = |server: &Server| -> Vec<(u16, String)> {
        who.iter()
            .map(|(_, headers, document)| ask(server, headers, document))
            .collect()
    };
    let old = answers(&servers[0]);
    assert_eq!(answers(&servers[1]), old, "two servers, one database");

    let stop = Arc::new(AtomicBool::new(false));
    let seeded_at: Arc<Mutex<Option<std::time::Instant>>> = Arc::default();
    let mut load = Vec::new();
    for server in &servers {
        for (n, (name, headers, document)) in who.iter().enumerate() {
            let (server, stop, seeded_at) = (
                Arc::clone(server),
                Arc::clone(&stop),
                Arc::clone(&seeded_at),
            );
            let (name, headers, document) = (name.clone(), headers.clone(), *document);
            load.push(std::thread::spawn(move || {
                let mut seen = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    let sent_after_seed = seeded_at.lock().unwrap().is_some();
                    seen.push((sent_after_seed, ask(&server, &headers, document)));
                }
                (n, name, seen)
            }));
        }
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let seeder = env.write("replayed.toml", &replayed_game_8());
    env.run_on(url, ["db", "seed", "--file", &seeder.display().to_string()])
        .success();
    *seeded_at.lock().unwrap() = Some(std::time::Instant::now());
    std::thread::sleep(std::time::Duration::from_millis(300));
    stop.store(true, Ordering::SeqCst);

    let new = answers(&servers[0]);
    assert_eq!(answers(&servers[1]), new, "both servers switched");
    assert_ne!(new[0], old[0], "the admin sees the replayed game");
    assert_ne!(new[who.len() - 1], old[who.len() - 1], "alone too");
    let changed_for = who
        .iter()
        .zip(old.iter().zip(&new))
        .filter(|(_, (o, n))| o != n)
        .count();
    assert!(
        changed_for >= 3,
        "the replay changes what several subjects see"
    );
    let during: usize = load
        .into_iter()
        .map(|thread| {
            let (n, name, seen) = thread.join().unwrap();
            switched_once(&name, &seen, &old[n], &new[n])
        })
        .sum();
    assert!(during > 40, "{during} requests under load");
}

/// Asserts that `seen`, one client's answers in order (each marked whether it was sent after
/// the seed returned), switched from `old` to `new` once: no other answer, no old one after a
/// new one or after the seed. Returns how many there were.
fn switched_once(
    name: &str,
    seen: &[(bool, (u16, String))],
    old: &(u16, String),
    new: &(u16, String),
) -> usize {
    assert!(
        seen.len() > 3,
        "{name}: the load ran ({} requests)",
        seen.len()
    );
    let mut switched = false;
    for (after_seed, answer) in seen {
        if answer == new {
            switched = true;
        } else {
            assert_eq!(
                answer, old,
                "{name}: an answer that is neither the old nor the new"
            );
            assert!(!switched, "{name}: the old answer after the new one");
            assert!(
                !after_seed,
                "{name}: the old answer after the seed returned"
            );
        }
    }
    seen.len()
}

/// The rows of every table as `a|b|c` lines, by one SQL expression per table that SQLite and
/// PostgreSQL both evaluate to the same text.
const ROWS: [(&str, &str); 4] = [
    ("teams", "id || '|' || name || '|' || rank"),
    (
        "players",
        "id || '|' || name || '|' || position || '|' || year || '|' || team_id",
    ),
    (
        "games",
        "id || '|' || level || '|' || coalesce(child_id || '', '-') || '|' || winner_id || '|' \
         || loser_id || '|' || published_at",
    ),
    (
        "staff",
        "id || '|' || name || '|' || role || '|' || coalesce(team_id || '', '-')",
    ),
];

fn sqlite_rows(env: &Env) -> String {
    let conn = env.sql();
    let mut out = String::new();
    for (table, expr) in ROWS {
        let mut stmt = conn
            .prepare(&format!("SELECT {expr} FROM {table} ORDER BY id"))
            .unwrap();
        for row in stmt.query_map([], |row| row.get::<_, String>(0)).unwrap() {
            out.push_str(&row.unwrap());
            out.push('\n');
        }
    }
    out
}

fn pg_rows(db: &pg::Database) -> String {
    ROWS.map(|(table, expr)| db.psql(&format!("SELECT {expr} FROM {table} ORDER BY id")))
        .concat()
}

/// `db seed --scale` on PostgreSQL (by binary `COPY`) writes exactly the rows SQLite gets for the
/// same N and seed, with the indexes built again and the sequences past the ids; it asks for
/// `--replace` before deleting rows, as on SQLite.
#[test]
fn a_synthetic_league_on_postgres_is_the_sqlite_one() {
    let env = Env::new();
    let db = pg::cluster().create_database();
    let url = db.url();
    env.run(["db", "seed", "--scale", "2000", "--rng-seed", "7"])
        .success();
    let out: serde_json::Value = env
        .run_on(
            &url,
            [
                "--format",
                "json",
                "db",
                "seed",
                "--scale",
                "2000",
                "--rng-seed",
                "7",
            ],
        )
        .success()
        .json();
    assert_eq!(out["path"], shown(&db));
    assert_eq!(out["rows"], 4221);
    let rows = pg_rows(&db);
    assert_eq!(rows.lines().count(), 4221);
    assert_eq!(rows, sqlite_rows(&env));
    assert_eq!(
        db.value(
            "SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'ix_%' \
             AND tablename IN ('players', 'games', 'staff')"
        ),
        "6"
    );
    // The keys, primary and foreign, dropped for the load, are back as `db init` made them, and
    // hold.
    let keys = "SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), '; ' ORDER BY conname) \
                FROM pg_constraint WHERE contype IN ('f', 'p')";
    let fresh = pg::cluster().create_database();
    env.run_on(&fresh.url(), ["db", "init"]).success();
    assert_eq!(db.value(keys), fresh.value(keys));
    assert!(
        db.value(keys)
            .contains("games_child_id_fkey FOREIGN KEY (child_id) REFERENCES games(id)")
    );
    assert!(db.value(keys).contains("players_pkey PRIMARY KEY (id)"));
    // The planner's statistics are there: without them PostgreSQL plans the policies' lookups
    // as scans of whole tables.
    assert_eq!(
        db.value(
            "SELECT count(DISTINCT tablename) FROM pg_stats \
             WHERE tablename IN ('teams', 'players', 'games')"
        ),
        "3"
    );
    assert_eq!(
        db.value("INSERT INTO games (level, winner_id, loser_id) VALUES ('x', 1, 2) RETURNING id"),
        "2001"
    );
    // And they hold: a game won by no team is refused (the block fails if it is accepted).
    db.psql(
        "DO $$ BEGIN \
           INSERT INTO games (level, winner_id, loser_id) VALUES ('x', 999999, 2); \
           RAISE EXCEPTION 'a game won by no team was accepted'; \
         EXCEPTION WHEN foreign_key_violation THEN NULL; END $$",
    );
    db.psql(
        "DO $$ BEGIN \
           INSERT INTO teams (id, name, rank) VALUES (1, 'twice', 1); \
           RAISE EXCEPTION 'a second team 1 was accepted'; \
         EXCEPTION WHEN unique_violation THEN NULL; END $$",
    );
    env.run_on(&url, ["db", "seed", "--scale", "100"])
        .status(1)
        .stderr_has("run it again with `--replace` to confirm");
    env.run_on(&url, ["db", "seed", "--scale", "100", "--replace"])
        .success()
        .stdout_has("seeded postgresql://");
    assert_eq!(db.value("SELECT count(*) FROM players"), "100");
}

/// `text` without the trace's timings (` (301.3 µs)`): how long a step took is the one thing
/// the backends may tell apart.
fn without_timings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(end) = rest.find(" µs)") {
        let start = rest[..end].rfind(" (").unwrap_or(end);
        out.push_str(&rest[..start]);
        rest = &rest[end + " µs)".len()..];
    }
    out.push_str(rest);
    out
}

/// Runs `args` (with `stdin`) on the directory's SQLite file and on the PostgreSQL database
/// `url`, and asserts the two runs alike: exit code, standard output and standard error (the
/// trace's timings aside). Returns the standard output.
fn same_on_both(env: &Env, url: &str, args: &[&str], stdin: &str) -> String {
    let sqlite = Run(env
        .cmd()
        .args(args)
        .write_stdin(stdin.to_string())
        .output()
        .expect("run quidditch"));
    let postgres = Run(env
        .cmd_on(url.as_ref())
        .args(args)
        .write_stdin(stdin.to_string())
        .output()
        .expect("run quidditch"));
    let command = args.join(" ");
    assert_eq!(
        (postgres.code(), postgres.stderr()),
        (sqlite.code(), sqlite.stderr()),
        "`{command}`: exit code and stderr on PostgreSQL, then on SQLite"
    );
    assert_eq!(
        without_timings(&postgres.stdout()),
        without_timings(&sqlite.stdout()),
        "`{command}`: stdout on PostgreSQL, then on SQLite"
    );
    sqlite.stdout()
}

/// The ids of `table` in the SQLite file, in order.
fn ids(env: &Env, table: &str) -> Vec<i64> {
    let conn = env.sql();
    let mut stmt = conn
        .prepare(&format!("SELECT id FROM {table} ORDER BY id"))
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Every subject of the league: anonymous, each player and each staff member.
fn every_subject(env: &Env) -> Vec<String> {
    let mut out = vec!["anonymous".to_string()];
    out.extend(ids(env, "players").iter().map(|id| format!("player:{id}")));
    out.extend(ids(env, "staff").iter().map(|id| format!("staff:{id}")));
    out
}

/// Every resource of the league: each game, player and team, and the shipped policies' forums.
fn every_resource(env: &Env) -> Vec<String> {
    let mut out = Vec::new();
    for (ty, table) in [("game", "games"), ("player", "players"), ("team", "teams")] {
        out.extend(ids(env, table).iter().map(|id| format!("{ty}:{id}")));
    }
    for forum in [
        "Seeker", "Keeper", "Beater", "Chaser", "Captain", "Veterans",
    ] {
        out.push(format!("forum:{forum}"));
    }
    out
}

/// The shipped policies changed: captains' game rule given to every player, and the veterans'
/// forum opened a year earlier (a table type and a virtual one), for `authz diff`.
fn changed_policies() -> String {
    let shipped = std::fs::read_to_string(repo().join("policies.toml")).unwrap();
    let changed = shipped
        .replacen("roles = [\"captain\"]", "roles = [\"player\"]", 1)
        .replace(
            "{ \"$subject.year\" = { _gte = 4 } }",
            "{ \"$subject.year\" = { _gte = 3 } }",
        );
    assert_ne!(changed, shipped);
    changed
}

/// `authz diff` of the shipped policies against [`changed_policies`] on both backends, human
/// and JSON; returns the human report.
fn diff_on_both(env: &Env, url: &str) -> String {
    env.write("changed.toml", &changed_policies());
    let diff = [
        "authz",
        "diff",
        "--policies",
        "changed.toml",
        "policies.toml",
    ];
    same_on_both(env, url, &[&["--format", "json"][..], &diff].concat(), "");
    same_on_both(env, url, &diff, "")
}

/// What-if on both backends, alike, leaving PostgreSQL's rows as they were: a check (rows in
/// memory), and explain and who-can, whose SQL reads the assumed rows through temporary views
/// shadowing the tables (a changed row, an added one whose texts need quoting, a removed one).
fn what_if_on_both(env: &Env, db: &pg::Database) {
    let url = db.url();
    let before = dump(db);
    let assume = [
        "--assume",
        "game:8.winner_id=1",
        "--assume",
        "player:11 {name=\"Seamus O'Neil\", position=\"Seeker\", year=1, team_id=4}",
        "--assume",
        "team:4.name=\"Huffle'puff\"",
        "--assume",
        "-game:6",
    ];
    for request in [
        &[
            "authz",
            "check",
            "--user",
            "player:10",
            "--action",
            "read",
            "--resource",
            "game:8",
        ][..],
        &["authz", "explain", "--user", "Harry Potter"],
        &["authz", "explain", "--user", "player:11"],
        &[
            "authz",
            "who-can",
            "--action",
            "read",
            "--resource",
            "game:8",
            "--explain",
        ],
        &[
            "authz",
            "who-can",
            "--action",
            "join",
            "--resource",
            "forum:Seeker",
        ],
    ] {
        let mut args = request.to_vec();
        args.extend(assume);
        same_on_both(env, &url, &args, "");
    }
    let seamus = same_on_both(
        env,
        &url,
        &[
            &[
                "authz",
                "who-can",
                "--action",
                "join",
                "--resource",
                "forum:Seeker",
            ][..],
            &assume,
        ]
        .concat(),
        "",
    );
    assert!(seamus.contains("Seamus O'Neil (player:11)"), "{seamus}");
    assert_eq!(dump(db), before, "what-if changed PostgreSQL's rows");
}

/// `authz check --batch` lines: `subjects` × `resources` × read and join, the field too when
/// given.
fn batch(subjects: &[String], resources: &[String], fields: &[Option<&str>]) -> String {
    let mut out = String::new();
    for user in subjects {
        for resource in resources {
            for action in ["read", "join"] {
                for field in fields {
                    let field = field.map_or_else(String::new, |f| format!(",\"field\":\"{f}\""));
                    let _ = writeln!(
                        out,
                        "{{\"user\":\"{user}\",\"action\":\"{action}\",\"resource\":\"{resource}\"{field}}}"
                    );
                }
            }
        }
    }
    out
}

/// The `authz` commands decide on PostgreSQL exactly as on SQLite, on the tutorial's league:
/// every request (subject × resource × action, and per field), every subject's profile, who may
/// read or join every resource (with the routes), the policy file's tests with coverage, lint,
/// and a what-if check. The compiled filters run on each
/// backend's SQL (`$n::int8` parameters, `TRUE`/`FALSE`, `COALESCE`), so the same answers mean
/// the same rows selected.
#[test]
fn the_authz_commands_decide_on_postgres_as_on_sqlite() {
    let (env, db) = tutorial_on_both();
    let url = db.url();
    let subjects = every_subject(&env);
    let resources = every_resource(&env);
    let answers = same_on_both(
        &env,
        &url,
        &["authz", "check", "--batch"],
        &batch(&subjects, &resources, &[None, Some("level"), Some("name")]),
    );
    let allowed = answers.matches("\"decision\":\"allow\"").count();
    let denied = answers.matches("\"decision\":\"deny\"").count();
    assert!(
        allowed > 100 && denied > 100,
        "{allowed} allowed, {denied} denied"
    );
    for user in &subjects {
        let profile = same_on_both(&env, &url, &["authz", "explain", "--user", user], "");
        assert!(profile.contains("access:"), "{profile}");
    }
    for resource in &resources {
        for action in ["read", "join"] {
            same_on_both(
                &env,
                &url,
                &[
                    "authz",
                    "who-can",
                    "--action",
                    action,
                    "--resource",
                    resource,
                    "--explain",
                ],
                "",
            );
        }
    }
    let tests = same_on_both(&env, &url, &["authz", "test", "--coverage"], "");
    assert!(tests.contains("0 failed"), "{tests}");
    let diff = diff_on_both(&env, &url);
    assert!(diff.contains("captains-read-team-games"), "{diff}");
    let lint = same_on_both(&env, &url, &["authz", "lint"], "");
    assert!(lint.ends_with("no problems\n"), "{lint}");
    same_on_both(
        &env,
        &url,
        &[
            "authz",
            "explain",
            "--user",
            "Harry Potter",
            "--action",
            "read",
            "--resource",
            "game:8",
        ],
        "",
    );
    what_if_on_both(&env, &db);
}

/// The exports of the tutorial's league on PostgreSQL are those of SQLite, file for file, and a
/// token minted from PostgreSQL's rows carries the subject and scopes of SQLite's.
#[test]
fn exports_and_tokens_from_postgres_are_those_of_sqlite() {
    let (env, db) = tutorial_on_both();
    let url = db.url();
    for engine in ["openfga", "spicedb"] {
        let (file_dir, pg_dir) = (format!("{engine}-sqlite"), format!("{engine}-pg"));
        env.run(["authz", "export", "--to", engine, "--out", &file_dir])
            .success();
        env.run_on(&url, ["authz", "export", "--to", engine, "--out", &pg_dir])
            .success();
        let mut files: Vec<_> = std::fs::read_dir(env.path(&file_dir))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        files.sort();
        assert!(files.len() >= 2, "{files:?}");
        for file in files {
            assert_eq!(
                std::fs::read(env.path(&pg_dir).join(&file)).unwrap(),
                std::fs::read(env.path(&file_dir).join(&file)).unwrap(),
                "{engine}: {file:?}"
            );
        }
    }
    let token: serde_json::Value = env
        .run_on(
            &url,
            [
                "--format",
                "json",
                "authz",
                "token",
                "--user",
                "Harry Potter",
                "--secret",
                "a-secret-of-at-least-32-bytes-long",
            ],
        )
        .success()
        .json();
    assert_eq!(token["claims"]["sub"], "player:1");
    assert_eq!(token["claims"]["scope"], "seeker_chat");
}

/// The same on a synthetic league of 300 players (the same rows on both backends, by the same
/// generator): 6,000 requests spread over the league, and profiles and who-can answers of
/// subjects and resources spread over it, through relationships, `feeders*` and denies.
#[test]
fn the_authz_commands_decide_on_a_synthetic_postgres_league_as_on_sqlite() {
    let env = Env::new();
    env.write(
        "policies.toml",
        &std::fs::read_to_string(repo().join("policies.toml")).unwrap(),
    );
    let db = pg::cluster().create_database();
    let url = db.url();
    let seed = ["db", "seed", "--scale", "300", "--rng-seed", "5"];
    env.run(seed).success();
    env.run_on(&url, seed).success();
    assert_eq!(pg_rows(&db), sqlite_rows(&env));
    let subjects = every_subject(&env);
    let resources = every_resource(&env);
    // A linear congruential walk: the same spread of requests on every run.
    let mut state: u64 = 0x2545_f491;
    let mut pick = |n: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(state >> 33).unwrap() % n
    };
    let mut lines = String::new();
    for _ in 0..3000 {
        let (user, resource) = (
            &subjects[pick(subjects.len())],
            &resources[pick(resources.len())],
        );
        lines.push_str(&batch(
            std::slice::from_ref(user),
            std::slice::from_ref(resource),
            &[None],
        ));
    }
    let answers = same_on_both(&env, &url, &["authz", "check", "--batch"], &lines);
    assert_eq!(answers.lines().count(), 6000);
    let allowed = answers.matches("\"decision\":\"allow\"").count();
    assert!(allowed > 500 && allowed < 5500, "{allowed} of 6000 allowed");
    for _ in 0..12 {
        let user = subjects[pick(subjects.len())].clone();
        same_on_both(&env, &url, &["authz", "explain", "--user", &user], "");
    }
    let diff = diff_on_both(&env, &url);
    assert!(diff.contains("veterans-forum"), "{diff}");
    for _ in 0..12 {
        let resource = resources[pick(resources.len())].clone();
        same_on_both(
            &env,
            &url,
            &[
                "authz",
                "who-can",
                "--action",
                "read",
                "--resource",
                &resource,
            ],
            "",
        );
    }
}

/// `serve --read-url` reads from a hot standby of `--db` made by PostgreSQL's own streaming
/// replication: the same answers as a server on the primary; its connections are on the
/// standby; a seed committed on the primary reaches its answers once
/// replayed; the standby refuses writes; a SQLite `--db` or a URL that is no database is a
/// one-line error.
#[test]
fn serve_reads_from_a_hot_standby_with_read_url() {
    let (env, db) = tutorial_on_both();
    let standby = pg::cluster().standby();
    let standby_url = db.standby_url(standby);
    let on_primary = Server::start_on(&env, &db.url(), &[]);
    // The standby replays the database's creation and seed: wait until it has the league.
    standby.catch_up();
    env.run_on(&standby_url, ["db", "status"])
        .success()
        .stdout_has("| players | 10   |");
    let on_standby = Server::start_on(&env, &db.url(), &["--read-url", &standby_url]);
    let admin = vec![("X-Quidditch-Admin-Secret", ADMIN_SECRET.to_string())];
    for (subject, headers) in credentials(&env).into_iter().take(6) {
        for document in documents().iter().take(12) {
            assert_eq!(
                ask(&on_standby, &headers, document),
                ask(&on_primary, &headers, document),
                "{subject} asking {document}: the standby's server, then the primary's"
            );
        }
    }
    // Its reads went to the standby.
    let sessions = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                    AND pid <> pg_backend_pid() AND backend_type = 'client backend'";
    assert_ne!(
        standby.value(&db.name, sessions),
        "0",
        "the server's connections are on the standby"
    );

    let document = "{ getGame(id: 8) { level winnerId } }";
    let (_, before) = ask(&on_standby, &admin, document);
    assert!(before.contains("\"First\""), "{before}");
    let seeder = env.write("replayed.toml", &replayed_game_8());
    env.run_on(
        &db.url(),
        ["db", "seed", "--file", &seeder.display().to_string()],
    )
    .success();
    let waited = std::time::Instant::now();
    loop {
        let (status, after) = ask(&on_standby, &admin, document);
        assert_eq!(status, 200, "{after}");
        if after.contains("\"Replayed\"") {
            break;
        }
        assert_eq!(after, before, "the old answer until the seed is replayed");
        assert!(
            waited.elapsed() < std::time::Duration::from_secs(30),
            "the seed never reached the standby's server"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The standby is read-only: a seed through it is refused, and changes nothing.
    let refused = env
        .run_on(
            &standby_url,
            ["db", "seed", "--file", &seeder.display().to_string()],
        )
        .status(1);
    assert!(
        refused.stderr().contains("read-only"),
        "{}",
        refused.stderr()
    );

    // Bad combinations: one line each, exit 1.
    let sqlite = env.db().display().to_string();
    env.run_on(
        &sqlite,
        ["serve", "--bind", "127.0.0.1:0", "--read-url", &standby_url],
    )
    .status(1)
    .stderr_is(&format!(
        "quidditch: error: --read-url reads from a standby of a PostgreSQL --db; `{sqlite}` \
             is a SQLite file\n"
    ));
    env.run_on(
        &db.url(),
        ["serve", "--bind", "127.0.0.1:0", "--read-url", "standby.db"],
    )
    .status(1)
    .stderr_is("quidditch: error: --read-url `standby.db` is not a PostgreSQL URL\n");
}

/// See: issue 15, "rustls or a unix socket, no OpenSSL". A server that takes TCP connections
/// only over TLS: every mode that encrypts connects (the commands' connections and the
/// server's pool alike), `disable` is refused by the server, and the certificate is checked as
/// `sslmode` says: `verify-full` against the authority and the host's name, `verify-ca` against
/// the authority only, `require` not at all.
#[test]
fn postgres_over_tcp_is_encrypted_with_rustls_and_checked_as_sslmode_says() {
    let tls = pg::cluster().tls();
    let name = tls.create_database();
    let env = Env::new();
    let url = |host: &str, query: &str| {
        format!("postgresql://postgres@{host}:{}/{name}?{query}", tls.port)
    };
    let ca = tls.ca.display().to_string();
    let other = tls.other_ca.display().to_string();
    let full = url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    );
    env.run_on(&full, ["db", "seed", "--file", &seeder()])
        .success();
    for ok in [
        full.clone(),
        url("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={ca}")),
        url("127.0.0.1", "sslmode=require"),
        url("127.0.0.1", ""),
        format!(
            "host=localhost port={} user=postgres dbname={name} sslmode=verify-full sslrootcert='{ca}'",
            tls.port
        ),
    ] {
        env.run_on(&ok, ["db", "status"])
            .success()
            .stdout_has("players");
    }
    // Plain TCP: the server has no entry for it.
    env.run_on(&url("127.0.0.1", "sslmode=disable"), ["db", "status"])
        .status(1)
        .stderr_has("no encryption");
    // Another authority, or a name the certificate does not hold.
    for (host, mode, root) in [
        ("localhost", "verify-full", &other),
        ("localhost", "verify-ca", &other),
        ("127.0.0.1", "verify-full", &ca),
    ] {
        env.run_on(
            &url(host, &format!("sslmode={mode}&sslrootcert={root}")),
            ["db", "status"],
        )
        .status(1)
        .stderr_has("invalid peer certificate");
    }
    env.run_on(
        &url(
            "localhost",
            "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
        ),
        ["db", "status"],
    )
    .status(1)
    .stderr_has("sslrootcert /nonexistent/ca.pem");
    // The server's pool connects the same way, and answers as on the unix socket.
    let server = Server::start_on(&env, &full, &[]);
    let admin = vec![("X-Quidditch-Admin-Secret", ADMIN_SECRET.to_string())];
    let (status, body) = ask(
        &server,
        &admin,
        "{ getGame(id: 8) { level winnerId child { level } } }",
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        r#"{"data":{"getGame":{"level":"First","winnerId":4,"child":{"level":"Final"}}}}"#
    );
}

/// A URL naming several hosts is tried host by host, as libpq does, by the server's pool as by
/// the commands: `target_session_attrs=read-write` passes a hot standby listed first for the
/// primary, `read-only` the primary for the standby, and a host that does not answer is passed
/// for the next.
#[test]
fn the_server_s_pool_takes_the_first_host_with_the_session_asked_for() {
    let env = Env::new();
    let cluster = pg::cluster();
    let db = seeded_postgres(&env, cluster);
    let standby = cluster.standby();
    standby.catch_up();
    assert_eq!(
        standby.value(&db.name, "SELECT count(*) FROM players"),
        "10"
    );
    let primary = cluster.socket_dir().display().to_string();
    let replica = standby.socket_dir().display().to_string();
    let nowhere = env.path("no-socket-here").display().to_string();
    let admin = vec![("X-Quidditch-Admin-Secret", ADMIN_SECRET.to_string())];
    for (hosts, attrs, on_primary) in [
        (format!("{replica},{primary}"), "read-write", true),
        (format!("{primary},{replica}"), "read-only", false),
        (format!("{nowhere},{primary}"), "any", true),
    ] {
        let url = format!(
            "host={hosts} user=postgres dbname={} application_name=probe-{attrs} \
             target_session_attrs={attrs}",
            db.name
        );
        env.run_on(&url, ["db", "status"])
            .success()
            .stdout_has("| players | 10   |");
        let server = Server::start_on(&env, &url, &[]);
        let (status, body) = ask(&server, &admin, "{ getGame(id: 8) { level } }");
        assert_eq!(
            (status, body.as_str()),
            (200, r#"{"data":{"getGame":{"level":"First"}}}"#)
        );
        let sessions = format!(
            "SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name = 'probe-{attrs}'"
        );
        let expected = if on_primary {
            ("t".to_string(), "f".to_string())
        } else {
            ("f".to_string(), "t".to_string())
        };
        // The sessions opened on the wrong side and closed (by `db status`, or by the pool
        // passing a host) leave pg_stat_activity once their backend has ended: a moment later.
        // The server's own stay as long as it runs.
        let started = std::time::Instant::now();
        let found = loop {
            let found = (db.value(&sessions), standby.value(&db.name, &sessions));
            if found == expected || started.elapsed() > std::time::Duration::from_secs(10) {
                break found;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        assert_eq!(
            found, expected,
            "{attrs} over {hosts}: the server's connections on the primary, on the standby"
        );
    }
}

/// Over TLS, a client certificate is shown to a server that asks for one (`sslcert` and
/// `sslkey`, `PGSSLCERT` and `PGSSLKEY`, or `~/.postgresql/postgresql.crt` and `.key`), by the
/// commands and the server's pool, and `db status` says so; a key others may read is refused
/// before connecting.
#[test]
fn over_tls_a_client_certificate_is_shown() {
    let tls = pg::cluster().tls();
    let env = Env::new();
    let name = tls_league(&env);
    let url = |user: &str, query: &str| {
        format!(
            "postgresql://{user}@localhost:{}/{name}?sslmode=verify-full&sslrootcert={}{query}",
            tls.port,
            tls.ca.display()
        )
    };
    let run = |url: &str, vars: &[(&str, &std::path::Path)]| {
        let mut cmd = env.cmd_on(url.as_ref());
        cmd.env("HOME", env.dir.path());
        for (name, value) in vars {
            cmd.env(name, value);
        }
        Run(cmd.args(["db", "status"]).output().unwrap())
    };
    let seeker = pg::CERT_ROLE;
    let cert = format!(
        "&sslcert={}&sslkey={}",
        tls.client_cert.display(),
        tls.client_key.display()
    );
    let status = run(&url(seeker, &cert), &[])
        .success()
        .stdout_has("| players | 10   |")
        .stdout();
    // `db status` says how: the server's view of the TLS session and the certificate shown.
    let connection = status
        .lines()
        .find(|line| line.starts_with("connection:"))
        .unwrap_or_default();
    assert!(
        connection.starts_with("connection:     TCP, TLSv1.3 (TLS_")
            && connection.ends_with(&format!("), client certificate /CN={seeker}")),
        "{status}"
    );
    // None shown, or one from an authority the server does not trust: the server refuses.
    let stderr = run(&url(seeker, ""), &[]).status(1).stderr();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("certificate"), "{stderr}");
    let other = format!(
        "&sslcert={}&sslkey={}",
        tls.other_client_cert.display(),
        tls.other_client_key.display()
    );
    let stderr = run(&url(seeker, &other), &[]).status(1).stderr();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // From libpq's variables, and from ~/.postgresql.
    run(
        &url(seeker, ""),
        &[
            ("PGSSLCERT", &tls.client_cert),
            ("PGSSLKEY", &tls.client_key),
        ],
    )
    .success();
    let home = env.path(".postgresql");
    std::fs::create_dir(&home).unwrap();
    std::fs::copy(&tls.client_cert, home.join("postgresql.crt")).unwrap();
    std::fs::copy(&tls.client_key, home.join("postgresql.key")).unwrap();
    let key_mode = |mode: u32| {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(
            home.join("postgresql.key"),
            std::fs::Permissions::from_mode(mode),
        )
        .unwrap();
    };
    key_mode(0o600);
    run(&url(seeker, ""), &[]).success();
    // A key others may read is refused before connecting, as libpq refuses it.
    key_mode(0o604);
    run(&url(seeker, ""), &[])
        .status(1)
        .stderr_has("postgresql.key: others may read it; its permissions should be u=rw (0600)");
    key_mode(0o600);
    run(&url(seeker, "&sslkey=/nonexistent/key.pem"), &[])
        .status(1)
        .stderr_has("sslkey /nonexistent/key.pem: ");

    served_over_tls(&env, &url(seeker, &cert));
}

/// SCRAM-SHA-256 is bound to the TLS channel (SCRAM-SHA-256-PLUS, `tls-server-end-point`) by
/// the commands and the server's pool: with `channel_binding=require` a connection that could
/// not bind is refused, and the server checks the hash of its certificate the client sends.
#[test]
fn over_tls_scram_is_bound_to_the_channel() {
    let tls = pg::cluster().tls();
    let env = Env::new();
    let name = tls_league(&env);
    let bound = format!(
        "postgresql://{}:{}@localhost:{}/{name}?sslmode=verify-full&sslrootcert={}\
         &channel_binding=require",
        pg::PASSWORD_ROLE,
        pg::PASSWORD,
        tls.port,
        tls.ca.display()
    );
    env.run_on(&bound, ["db", "status"]).success();
    env.run_on(&bound.replace(pg::PASSWORD, "bludger"), ["db", "status"])
        .status(1)
        .stderr_has("password authentication failed");
    served_over_tls(&env, &bound);
}

/// An address without a host name (`hostaddr`, or `PGHOSTADDR`, alone) is where to connect, as
/// in libpq: the commands and the server's pool reach the TLS cluster on 127.0.0.1 (TLS with no
/// name to check, `verify-ca`), and the URL shown names the address.
#[test]
fn an_address_alone_is_the_host() {
    let tls = pg::cluster().tls();
    let env = Env::new();
    let name = tls_league(&env);
    let options = format!("sslmode=verify-ca&sslrootcert={}", tls.ca.display());
    let by_address = format!(
        "postgresql://postgres@/{name}?hostaddr=127.0.0.1&port={}&{options}",
        tls.port
    );
    env.run_on(&by_address, ["db", "status"])
        .success()
        .stdout_has(&format!(
            "postgresql://postgres@127.0.0.1:{}/{name}\n",
            tls.port
        ))
        .stdout_has("| players | 10   |");
    served_over_tls(&env, &by_address);
    let mut cmd = env.cmd_on(format!("postgresql://postgres@/{name}?{options}").as_ref());
    cmd.env("PGHOSTADDR", "127.0.0.1")
        .env("PGPORT", tls.port.to_string())
        .args(["query", "get-game", "8"]);
    Run(cmd.output().unwrap()).success().stdout_has("First");
}

/// A revocation list (`sslcrl`, or `PGSSLCRL`) is checked with the server's certificate when it
/// is verified: a list revoking nothing lets the connection through, one revoking the server's
/// certificate stops it, for the commands and the server's pool; a list that is missing is an
/// error, never no list. The same with a directory of lists (`sslcrldir`, `PGSSLCRLDIR`).
#[test]
fn a_revoked_server_certificate_is_refused() {
    let tls = pg::cluster().tls();
    let env = Env::new();
    let name = tls_league(&env);
    let verified = format!(
        "postgresql://postgres@localhost:{}/{name}?sslmode=verify-full&sslrootcert={}",
        tls.port,
        tls.ca.display()
    );
    let with_crl = |crl: &std::path::Path| format!("{verified}&sslcrl={}", crl.display());
    env.run_on(&with_crl(&tls.crl), ["db", "status"])
        .success()
        .stdout_has("| players | 10   |");
    served_over_tls(&env, &with_crl(&tls.crl));
    env.run_on(&with_crl(&tls.crl_revoking_server), ["db", "status"])
        .status(1)
        .stderr_has("Revoked");
    env.run_on(
        &with_crl(&tls.crl_revoking_server),
        ["serve", "--bind", "127.0.0.1:0"],
    )
    .status(1)
    .stderr_has("Revoked");
    let mut cmd = env.cmd_on(verified.as_ref());
    cmd.env("PGSSLCRL", &tls.crl_revoking_server)
        .args(["query", "get-game", "8"]);
    let stderr = Run(cmd.output().unwrap()).status(1).stderr();
    assert!(stderr.contains("Revoked"), "{stderr}");
    env.run_on(&with_crl(&env.path("no.crl")), ["db", "status"])
        .status(1)
        .stderr_has("sslcrl");

    // A directory of lists (`sslcrldir`, `PGSSLCRLDIR`), each named as `openssl rehash` names
    // it (the issuer's hash, `.r0`); only such names are read, and a directory with none is an
    // error, never no check.
    let hashed = |crl: &std::path::Path, dir: &str| {
        let out = std::process::Command::new("openssl")
            .args(["crl", "-hash", "-noout", "-in"])
            .arg(crl)
            .output()
            .expect("openssl runs");
        assert!(out.status.success(), "openssl crl -hash: {out:?}");
        let hash = String::from_utf8(out.stdout).unwrap().trim().to_string();
        let dir = env.path(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(crl, dir.join(format!("{hash}.r0"))).unwrap();
        dir
    };
    let with_dir = |dir: &std::path::Path| format!("{verified}&sslcrldir={}", dir.display());
    let current = hashed(&tls.crl, "lists");
    std::fs::copy(&tls.crl_revoking_server, current.join("revoked.pem")).unwrap();
    env.run_on(&with_dir(&current), ["db", "status"])
        .success()
        .stdout_has("| players | 10   |");
    served_over_tls(&env, &with_dir(&current));
    let revoking = hashed(&tls.crl_revoking_server, "revoking");
    env.run_on(&with_dir(&revoking), ["db", "status"])
        .status(1)
        .stderr_has("Revoked");
    let mut cmd = env.cmd_on(verified.as_ref());
    cmd.env("PGSSLCRLDIR", &revoking)
        .args(["query", "get-game", "8"]);
    let stderr = Run(cmd.output().unwrap()).status(1).stderr();
    assert!(stderr.contains("Revoked"), "{stderr}");
    let empty = env.path("empty");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::copy(&tls.crl_revoking_server, empty.join("revoked.crl")).unwrap();
    env.run_on(&with_dir(&empty), ["db", "status"])
        .status(1)
        .stderr_has(&format!(
            "sslcrldir {}: no revocation list in it (files named HASH.r0",
            empty.display()
        ));
}

/// `~/.postgresql/root.crt` holds the authorities to trust when no `sslrootcert` is given, as
/// in libpq: `verify-full` checks against it, and `require` checks the chain once it exists
/// (a server signed by another authority is refused); with no authority anywhere `verify-full`
/// is refused before connecting, never given the system's.
#[test]
fn the_home_directory_s_root_crt_is_the_authorities_to_trust() {
    let tls = pg::cluster().tls();
    let env = Env::new();
    let name = tls_league(&env);
    let home = env.path("home");
    std::fs::create_dir_all(home.join(".postgresql")).unwrap();
    let run = |mode: &str| {
        let url = format!(
            "postgresql://postgres@localhost:{}/{name}?sslmode={mode}",
            tls.port
        );
        let mut cmd = env.cmd_on(url.as_ref());
        cmd.env("HOME", &home).args(["db", "status"]);
        Run(cmd.output().unwrap())
    };
    run("verify-full")
        .status(1)
        .stderr_has("sslmode=verify-full needs authorities to trust");
    run("require").success();
    std::fs::copy(&tls.other_ca, home.join(".postgresql/root.crt")).unwrap();
    run("require").status(1).stderr_has("UnknownIssuer");
    std::fs::copy(&tls.ca, home.join(".postgresql/root.crt")).unwrap();
    run("verify-full")
        .success()
        .stdout_has("| players | 10   |");
    run("require").success();
}

/// A new database of the TLS cluster holding the tutorial's league: its name.
fn tls_league(env: &Env) -> String {
    let tls = pg::cluster().tls();
    let name = tls.create_database();
    let url = format!(
        "postgresql://postgres@localhost:{}/{name}?sslmode=verify-full&sslrootcert={}",
        tls.port,
        tls.ca.display()
    );
    env.run_on(&url, ["db", "seed", "--file", &seeder()])
        .success();
    name
}

/// A server on `url` (over TLS) answers getGame as the admin, and its start took less than
/// its connect timeout: a pooled connection's handshake never waits the timeout out (a TLS
/// handshake once waited for it twice per connection: two minutes here).
fn served_over_tls(env: &Env, url: &str) {
    let started = std::time::Instant::now();
    let server = Server::start_on(env, &format!("{url}&connect_timeout=60"), &[]);
    let admin = vec![("X-Quidditch-Admin-Secret", ADMIN_SECRET.to_string())];
    let (status, body) = ask(&server, &admin, "{ getGame(id: 8) { level } }");
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"data":{"getGame":{"level":"First"}}}"#)
    );
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(30), "{took:?}");
}

/// `authz explain --query` shows each row filter in the SQL of the database it explains on, and
/// each runs there as shown: on PostgreSQL `$n::type` placeholders, on SQLite `?`; the inline
/// forms select the same games from the same league.
#[test]
fn explain_query_shows_filters_in_the_dialect_of_the_database() {
    let (env, db) = tutorial_on_both();
    let query = env.write("games.graphql", "{ allGames { edges { node { id } } } }");
    let query = query.display().to_string();
    let args = [
        "--format",
        "json",
        "authz",
        "explain",
        "--user",
        "Zacharias Smith",
        "--query",
        &query,
    ];
    let on_pg: serde_json::Value = env.run_on(&db.url(), args).success().json();
    let on_sqlite: serde_json::Value = env.run(args).success().json();
    let filter = |v: &serde_json::Value| v["fields"][0]["rows"][0]["filter"].clone();
    let (pg_filter, sqlite_filter) = (filter(&on_pg), filter(&on_sqlite));
    assert_eq!(pg_filter["kind"], "where", "{on_pg}");
    let pg_sql = pg_filter["sql"].as_str().unwrap();
    let sqlite_sql = sqlite_filter["sql"].as_str().unwrap();
    assert!(
        pg_sql.contains("$1::int8") && !pg_sql.contains('?'),
        "{pg_sql}"
    );
    assert!(
        sqlite_sql.contains('?') && !sqlite_sql.contains('$'),
        "{sqlite_sql}"
    );
    assert_eq!(pg_filter["params"], sqlite_filter["params"]);
    let pg_ids = db.psql(&format!(
        "SELECT id FROM games WHERE {} ORDER BY id",
        pg_filter["inline"].as_str().unwrap()
    ));
    let sqlite_ids: Vec<String> = env
        .sql()
        .prepare(&format!(
            "SELECT id FROM games WHERE {} ORDER BY id",
            sqlite_filter["inline"].as_str().unwrap()
        ))
        .unwrap()
        .query_map([], |row| row.get::<_, i64>(0))
        .unwrap()
        .map(|id| id.unwrap().to_string())
        .collect();
    assert!(!sqlite_ids.is_empty());
    assert_eq!(pg_ids.lines().collect::<Vec<_>>(), sqlite_ids);
}

/// On PostgreSQL a declared column is checked against its type, not SQLite's affinity: the
/// filters compare with `int8` and `text` parameters, so a `boolean` or `jsonb` column is
/// refused before anything runs, with the place in the policy file and why.
#[test]
fn a_postgres_column_policies_cannot_compare_is_refused_at_load() {
    let (env, db) = tutorial_on_both();
    db.psql("ALTER TABLE games ADD COLUMN meta jsonb");
    let shipped = std::fs::read_to_string(repo().join("policies.toml")).unwrap();
    let columns = "published_at = \"time\" }";
    for (extra, ty, declared, why) in [
        (
            "meta = \"bool\"",
            "bool",
            "jsonb",
            "neither boolean nor an integer type",
        ),
        ("meta = \"text\"", "text", "jsonb", "not a character type"),
        (
            "level = \"int\"",
            "int",
            "character varying(30)",
            "not an integer type",
        ),
    ] {
        let text = if extra.starts_with("level") {
            shipped.replace("level = \"text\"", extra)
        } else {
            shipped.replace(columns, &format!("published_at = \"time\", {extra} }}"))
        };
        let policies = env.write("policies.toml", &text).display().to_string();
        let at = text.find(extra).unwrap() + extra.find('"').unwrap();
        let line = text[..at].matches('\n').count() + 1;
        let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
        let column = extra.split(' ').next().unwrap();
        env.run_on(
            &db.url(),
            ["authz", "check", "--policies", &policies, "--user", "anonymous", "--action", "read", "--resource", "game:9"],
        )
        .status(1)
        .stderr_has(&format!(
            "{policies}:{line}:{col}: type `game` declares column `{column}` as `{ty}`, but `games.{column}` is `{declared}` ({why}) in the database"
        ));
    }
}

/// The tutorial's league on both backends with a column `games.secret`, of `postgres_type` on
/// PostgreSQL and `BOOLEAN` on SQLite: true for games 2 and 5, NULL for 7, false elsewhere; and
/// the shipped policies with it as a `bool` and a deny of secret games. Returns the policies'
/// path.
fn secret_games(postgres_type: &str) -> (Env, pg::Database, String) {
    let (env, db) = tutorial_on_both();
    db.psql(&format!(
        "ALTER TABLE games ADD COLUMN secret {postgres_type}; \
         UPDATE games SET secret = (id IN (2, 5))::{postgres_type} WHERE id <> 7"
    ));
    env.sql()
        .execute_batch(
            "ALTER TABLE games ADD COLUMN secret BOOLEAN; \
             UPDATE games SET secret = (id IN (2, 5)) WHERE id <> 7",
        )
        .unwrap();
    let shipped = std::fs::read_to_string(repo().join("policies.toml")).unwrap();
    let text = shipped.replace(
        "published_at = \"time\" }",
        "published_at = \"time\", secret = \"bool\" }",
    ) + r#"
[[policy]]
id = "hide-secret-games"
effect = "deny"
roles = ["anonymous"]
actions = ["read"]
resource = "game"
condition = { _or = [{ secret = { _eq = true } }, { secret = { _in = [true] } }] }
"#;
    let policies = env.write("policies.toml", &text).display().to_string();
    (env, db, policies)
}

/// `args` with `--policies policies` on both backends, asserted alike; the standard output.
fn on_both_with(env: &Env, url: &str, policies: &str, args: &[&str]) -> String {
    same_on_both(env, url, &[args, &["--policies", policies]].concat(), "")
}

/// Harry Potter may read none of `hidden` (the games whose deny applies: secret, or 7, whose
/// deny is unknown), and still game 1, on either backend, asked one game at a time, which
/// subjects may read a game, and his whole profile (without the deny: games 1, 3, 7 and 9).
fn harry_sees_no_secret_game(env: &Env, url: &str, policies: &str, hidden: &[u32]) {
    let run = |args: &[&str]| on_both_with(env, url, policies, args);
    for game in 1..=9 {
        let resource = format!("game:{game}");
        let out = run(&[
            "--format",
            "json",
            "authz",
            "check",
            "--user",
            "Harry Potter",
            "--action",
            "read",
            "--resource",
            &resource,
        ]);
        let denied = out.contains("hide-secret-games");
        assert_eq!(denied, hidden.contains(&game), "game {game}: {out}");
    }
    let who = |game: &str| run(&["authz", "who-can", "--action", "read", "--resource", game]);
    assert!(who("game:1").contains("Harry Potter"));
    assert!(!who("game:2").contains("Harry Potter"));
    let profile = run(&["authz", "explain", "--user", "Harry Potter"]);
    let games = profile
        .lines()
        .find(|l| l.trim_start().starts_with("read game:"))
        .unwrap_or_else(|| panic!("no games in {profile}"))
        .trim_start()
        .trim_start_matches("read game: ");
    let expected: Vec<String> = [1, 3, 7, 9]
        .iter()
        .filter(|g| !hidden.contains(g))
        .map(u32::to_string)
        .collect();
    assert_eq!(games, expected.join(", "), "{profile}");
}

/// A `bool` column of the policies is PostgreSQL's `boolean` (what SQLAlchemy's `Boolean` makes
/// there, where SQLite has an integer): filters, checks and answers are those of SQLite, a NULL
/// included (a deny whose condition is unknown applies).
#[test]
fn a_boolean_column_on_postgres_is_compared_as_on_sqlite() {
    let (env, db, policies) = secret_games("boolean");
    let url = db.url();
    harry_sees_no_secret_game(&env, &url, &policies, &[2, 5, 7]);
    for query in [
        ["get-game", "2"],
        ["get-game", "3"],
        ["get-game", "7"],
        ["team-games", "1"],
    ] {
        let args = [
            &["--format", "json", "query", "--as", "Harry Potter"][..],
            &query,
        ]
        .concat();
        on_both_with(&env, &url, &policies, &args);
    }
}

/// An integer column on PostgreSQL serves as the policies' `bool` too, read as the evaluator
/// reads it on both backends: any integer but 0 is true, a 2 included (compared with 1 it
/// would be false in the filters and true in a check).
#[test]
fn an_integer_column_on_postgres_serves_as_a_bool() {
    let (env, db, policies) = secret_games("integer");
    let url = db.url();
    harry_sees_no_secret_game(&env, &url, &policies, &[2, 5, 7]);
    db.psql("UPDATE games SET secret = 2 WHERE id = 3");
    env.sql()
        .execute("UPDATE games SET secret = 2 WHERE id = 3", [])
        .unwrap();
    harry_sees_no_secret_game(&env, &url, &policies, &[2, 3, 5, 7]);
}

/// A server answering getGame 8 on `db` with a pool of four connections, all four opened:
/// the server, the admin's headers, the document and its answer.
fn pool_of_four(
    env: &Env,
    db: &pg::Database,
) -> (Server, Vec<(&'static str, String)>, &'static str, String) {
    let url = format!("{}&application_name=pooled", db.url());
    let server = Server::start_on(env, &url, &["--pool-size", "4"]);
    let admin = vec![("X-Quidditch-Admin-Secret", ADMIN_SECRET.to_string())];
    let document = "{ getGame(id: 8) { level winnerId } }";
    let (_, expected) = ask(&server, &admin, document);
    assert!(expected.contains("\"First\""), "{expected}");
    // Four at once, so that the pool holds four connections.
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..20 {
                    assert_eq!(ask(&server, &admin, document), (200, expected.clone()));
                }
            });
        }
    });
    (server, admin, document, expected)
}

/// `serve --pool-size N` opens at most N connections to PostgreSQL, as its help says, however
/// many requests come at once and whatever they read (short reads on the workers, lists on
/// blocking threads, a player's decision): counted by PostgreSQL itself while eight clients
/// ask at once. The pool keeps what it opened, so the bound is reached and then held.
#[test]
fn the_server_opens_no_more_connections_than_its_pool_size() {
    let (env, db) = tutorial_on_both();
    let url = format!("{}&application_name=bounded", db.url());
    let server = Server::start_on(&env, &url, &["--pool-size", "2"]);
    let open = || {
        db.value(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND application_name = 'bounded'",
        )
        .parse::<usize>()
        .unwrap()
    };
    let askers = credentials(&env);
    let documents = [
        "{ getGame(id: 8) { level winnerId child { id } } }",
        "{ allPlayers { edges { node { name teamName { name } } } } }",
        "{ getPosition(position: \"Seeker\") { name } }",
    ];
    let done = std::sync::atomic::AtomicBool::new(false);
    let most = std::thread::scope(|scope| {
        let sampler = scope.spawn(|| {
            let mut most = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                most = most.max(open());
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            most
        });
        let clients: Vec<_> = (0..8)
            .map(|i| {
                let (subject, headers) = &askers[i % askers.len().min(4)];
                let (server, documents) = (&server, &documents);
                scope.spawn(move || {
                    for n in 0..25 {
                        let document = documents[(i + n) % documents.len()];
                        let (status, body) = ask(server, headers, document);
                        assert_eq!(status, 200, "{subject} asking {document}: {body}");
                    }
                })
            })
            .collect();
        for client in clients {
            client.join().unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        sampler.join().unwrap()
    });
    assert!(most <= 2, "{most} connections open with --pool-size 2");
    assert_eq!(
        open(),
        2,
        "eight clients at once filled the pool, which keeps them"
    );
}

/// The process ids of the sessions of [`pool_of_four`]'s server (by its `application_name`: a
/// command's session may still be ending).
fn sessions(db: &pg::Database) -> Vec<u32> {
    let pids = db.value(
        "SELECT coalesce(string_agg(pid::text, ' '), '') FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = 'pooled'",
    );
    pids.split_whitespace()
        .map(|pid| pid.parse().unwrap())
        .collect()
}

/// Connections the server closed while they sat in the pool (a restart of PostgreSQL, an
/// admin's `pg_terminate_backend`, an idle timeout) are never lent to a request: every request
/// after it is answered, none fails for a connection it never used.
#[test]
fn connections_closed_by_the_server_while_idle_fail_no_request() {
    let (env, db) = tutorial_on_both();
    let (server, admin, document, expected) = pool_of_four(&env, &db);
    let before = sessions(&db);
    assert!(before.len() >= 2, "the pool holds {before:?}");
    // Waits (up to 10 s) until each session has ended, so that each is closed while idle.
    db.psql(
        "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = 'pooled'",
    );
    assert_eq!(sessions(&db), Vec::<u32>::new());
    for n in 0..8 {
        assert_eq!(
            ask(&server, &admin, document),
            (200, expected.clone()),
            "request {n} after the server closed the pool's connections"
        );
    }
}

/// `GET /healthz` on PostgreSQL follows the database: `ERROR` while the policies do not match
/// its schema and while it refuses connections (the pool's idle sessions ended), `OK` again
/// once each is mended, with no restart of the server.
#[test]
fn healthz_on_postgres_follows_the_database() {
    let (env, db) = tutorial_on_both();
    let (server, ..) = pool_of_four(&env, &db);
    assert_eq!(server.health(), (200, "OK".to_string()));

    db.psql("ALTER TABLE games RENAME COLUMN winner_id TO winning_team");
    assert_eq!(server.health(), (500, "ERROR".to_string()));
    server.logged(&[
        "not ready: the policies no longer match the database: ",
        "type `game` declares column `winner_id`, but table `games` has no such column",
    ]);
    db.psql("ALTER TABLE games RENAME COLUMN winning_team TO winner_id");
    assert_eq!(server.health(), (200, "OK".to_string()));

    let allow = |yes: bool| {
        db.psql_beside(&format!(
            "ALTER DATABASE {} WITH ALLOW_CONNECTIONS {yes}",
            db.name
        ));
    };
    allow(false);
    db.psql_beside(&format!(
        "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity \
         WHERE datname = '{}' AND application_name = 'pooled'",
        db.name
    ));
    assert_eq!(server.health(), (500, "ERROR".to_string()));
    server.logged(&[
        "not ready: the database: ",
        &format!(
            "database \"{}\" is not currently accepting connections",
            db.name
        ),
    ]);
    allow(true);
    assert_eq!(server.health(), (200, "OK".to_string()));
}

/// Sends `signal` to the processes `pids` (the cluster's own sessions: the tests run as root,
/// or as the cluster's owner).
fn signal(signal: &str, pids: &[u32]) {
    let pids: Vec<String> = pids.iter().map(u32::to_string).collect();
    let status = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .args(&pids)
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{signal} {pids:?}: {status}");
}

/// Continues stopped sessions however the test ends, so that the cluster is never left with
/// stopped backends.
struct Stopped(Vec<u32>);

impl Drop for Stopped {
    fn drop(&mut self) {
        signal("CONT", &self.0);
    }
}

/// A session the server ends after the pool found it open and lent it, before it answered the
/// request's first statement (the race of a restart or a `pg_terminate_backend` with a lend):
/// the request runs again on a new connection and is answered, its answer unchanged. Made
/// certain by stopping the sessions (SIGSTOP) before they are terminated: the pool sees no
/// sign of the end until the request's statement is sent, and each answers it with `FATAL:
/// terminating connection due to administrator command` once continued.
#[test]
fn a_session_ended_after_the_pool_lent_it_is_replaced_for_the_request() {
    let (env, db) = tutorial_on_both();
    let (server, admin, document, expected) = pool_of_four(&env, &db);
    let before = sessions(&db);
    assert!(before.len() >= 2, "the pool holds {before:?}");
    signal("STOP", &before);
    let stopped = Stopped(before);
    db.psql(&format!(
        "SELECT pg_terminate_backend(pid) FROM unnest(ARRAY[{}]) AS pid",
        stopped
            .0
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",")
    ));
    let answers: Vec<(u16, String)> = std::thread::scope(|scope| {
        let asked = scope.spawn(|| {
            (0..8)
                .map(|_| ask(&server, &admin, document))
                .collect::<Vec<_>>()
        });
        // The first request has taken a stopped session and sent its statement by now.
        std::thread::sleep(std::time::Duration::from_millis(500));
        drop(stopped);
        asked.join().unwrap()
    });
    for (n, answer) in answers.into_iter().enumerate() {
        assert_eq!(
            answer,
            (200, expected.clone()),
            "request {n} after the server ended the sessions the pool lent"
        );
    }
}

/// Waits (at most 10 s) until another session holds `table` in `ACCESS EXCLUSIVE` mode: the
/// lock a test's `psql` takes before the requests it is to hold up are sent.
fn wait_until_locked(db: &pg::Database, table: &str) {
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + Duration::from_secs(10);
    while db.value(&format!(
        "SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock' \
         AND relation = '{table}'::regclass"
    )) != "1"
    {
        assert!(
            Instant::now() < deadline,
            "the lock on {table} was never taken"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A read waiting for a lock on PostgreSQL is answered 504 at `--request-timeout`, and the
/// worker it held serves its other requests again. (The server's reads are driven by the worker
/// that waits on them, where the timeout's timer cannot fire: without `statement_timeout` on
/// the pool's connections a `LOCK TABLE` held for 8 s held this one-worker server for 8 s,
/// then answered 200.)
#[test]
fn a_read_waiting_for_a_lock_past_the_request_timeout_is_504() {
    use std::time::{Duration, Instant};
    let (env, db) = tutorial_on_both();
    let server = Server::start_on(
        &env,
        &db.url(),
        &["--workers", "1", "--request-timeout", "1s"],
    );
    let admin = vec![("X-Quidditch-Admin-Secret", ADMIN_SECRET.to_string())];
    assert_eq!(ask(&server, &admin, "{ getGame(id: 8) { level } }").0, 200);
    std::thread::scope(|scope| {
        let holder = scope.spawn(|| {
            db.psql("BEGIN; LOCK TABLE games IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(8); COMMIT;")
        });
        wait_until_locked(&db, "games");
        let started = Instant::now();
        let blocked = scope.spawn(|| ask(&server, &admin, "{ getGame(id: 8) { level } }"));
        // Sent while the getGame waits on the one worker; `players` is not locked.
        std::thread::sleep(Duration::from_millis(200));
        let other = ask(
            &server,
            &admin,
            "{ getPlayer(name: \"Harry Potter\") { name } }",
        );
        let other_took = started.elapsed();
        let (status, body) = blocked.join().unwrap();
        let took = started.elapsed();
        assert_eq!(status, 504, "{body}");
        assert!(body.contains("REQUEST_TIMEOUT"), "{body}");
        assert!(took < Duration::from_secs(4), "answered after {took:?}");
        assert_eq!(other.0, 200, "{}", other.1);
        assert!(other.1.contains("Harry Potter"), "{}", other.1);
        assert!(
            other_took < Duration::from_secs(4),
            "answered after {other_took:?}"
        );
        holder.join().unwrap();
    });
    // Once the lock is gone, the same read is answered.
    assert_eq!(ask(&server, &admin, "{ getGame(id: 8) { level } }").0, 200);
}

/// A read PostgreSQL does not answer at once (it waits for a lock) does not hold up the other
/// requests its worker serves: past a short wait it goes on on a blocking thread, on the same
/// snapshot, and is answered when the lock goes. So does a player's request whose access is
/// being decided (its subject's row is locked): decided again on a blocking thread, the
/// abandoned statement cancelled. One worker, and the default request timeout of 10 s.
#[test]
fn a_read_waiting_for_a_lock_holds_up_no_other_request_of_its_worker() {
    use std::time::{Duration, Instant};
    let (env, db) = tutorial_on_both();
    let server = Server::start_on(&env, &db.url(), &["--workers", "1"]);
    let admin = vec![("X-Quidditch-Admin-Secret", ADMIN_SECRET.to_string())];
    let mut harry = admin.clone();
    harry.push(("X-Quidditch-User", "Harry Potter".to_string()));
    assert_eq!(ask(&server, &admin, "{ getGame(id: 8) { level } }").0, 200);
    std::thread::scope(|scope| {
        let holder = scope.spawn(|| {
            db.psql("BEGIN; LOCK TABLE games IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(5); COMMIT;")
        });
        wait_until_locked(&db, "games");
        let started = Instant::now();
        let blocked = scope.spawn(|| ask(&server, &admin, "{ getGame(id: 8) { level } }"));
        std::thread::sleep(Duration::from_millis(300));
        let asked = Instant::now();
        let other = ask(
            &server,
            &admin,
            "{ getPlayer(name: \"Harry Potter\") { name } }",
        );
        let other_took = asked.elapsed();
        let health = server.health();
        let health_took = asked.elapsed();
        let (status, body) = blocked.join().unwrap();
        let took = started.elapsed();
        assert_eq!(other.0, 200, "{}", other.1);
        assert!(other.1.contains("Harry Potter"), "{}", other.1);
        assert!(
            other_took < Duration::from_secs(2),
            "getPlayer waited {other_took:?} behind the locked getGame"
        );
        assert_eq!(health, (200, "OK".to_string()));
        assert!(health_took < Duration::from_secs(2), "{health_took:?}");
        // Answered once the lock went, not refused.
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("level"), "{body}");
        assert!(
            took > Duration::from_secs(3),
            "answered after {took:?}: the lock held?"
        );
        holder.join().unwrap();
    });

    // The viewer's computation reads Harry's row: locked, it goes on on a blocking thread.
    std::thread::scope(|scope| {
        let holder = scope.spawn(|| {
            db.psql(
                "BEGIN; LOCK TABLE players IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(5); COMMIT;",
            )
        });
        wait_until_locked(&db, "players");
        let started = Instant::now();
        let blocked = scope.spawn(|| ask(&server, &harry, "{ getGame(id: 8) { level } }"));
        std::thread::sleep(Duration::from_millis(300));
        let asked = Instant::now();
        let other = ask(&server, &admin, "{ getGame(id: 8) { level } }");
        let other_took = asked.elapsed();
        // Only the read begun again waits for the lock: the abandoned one was cancelled.
        std::thread::sleep(Duration::from_millis(700).saturating_sub(asked.elapsed()));
        let waiting = db.value(&format!(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = '{}' \
             AND wait_event_type = 'Lock'",
            db.name
        ));
        let (status, body) = blocked.join().unwrap();
        let took = started.elapsed();
        assert_eq!(other.0, 200, "{}", other.1);
        assert!(
            other_took < Duration::from_secs(2),
            "the admin's getGame waited {other_took:?} behind Harry's locked viewer"
        );
        assert_eq!(waiting, "1", "statements waiting for the lock");
        assert_eq!(status, 200, "{body}");
        assert!(
            took > Duration::from_secs(3),
            "answered after {took:?}: the lock held?"
        );
        holder.join().unwrap();
    });
    // The abandoned statements were cancelled and their connections closed: none is left
    // waiting, and the server answers as before.
    assert_eq!(
        db.value(&format!(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = '{}' \
             AND wait_event_type = 'Lock'",
            db.name
        )),
        "0"
    );
    assert_eq!(ask(&server, &harry, "{ getGame(id: 8) { level } }").0, 200);
}

/// Requests that find no idle connection wait for one without holding a thread each, whether
/// their wait is for a read (the admin's) or for the decision of their access (a player's), and
/// whether the pool gives one back or opens one for them: on a pool of 4 that starts with one
/// connection open, held by a read waiting for a lock, 60 more requests add a thread for each
/// connection opened and each read that waits for the lock, not one per request, and each is
/// answered, in full, once the lock goes. (They waited on blocking threads before: one parked
/// thread per request, and a server met by a thousand clients at start did not recover.)
#[test]
fn requests_waiting_for_a_connection_hold_no_thread_each() {
    use std::time::Duration;
    let (env, db) = tutorial_on_both();
    let server = Server::start_on(&env, &db.url(), &["--workers", "1", "--pool-size", "4"]);
    let admin = vec![("X-Quidditch-Admin-Secret", ADMIN_SECRET.to_string())];
    let mut harry = admin.clone();
    harry.push(("X-Quidditch-User", "Harry Potter".to_string()));
    let threads = || {
        std::fs::read_dir(format!("/proc/{}/task", server.pid()))
            .expect("the server's threads")
            .count()
    };
    let document = "{ getGame(id: 8) { level } getPlayer(name: \"Harry Potter\") { name } }";
    // What each answers with the database to itself.
    let alone: Vec<String> = [&admin, &harry]
        .iter()
        .map(|who| {
            let (status, body) = ask(&server, who, document);
            assert_eq!(status, 200, "{body}");
            body
        })
        .collect();
    std::thread::scope(|scope| {
        let holder = scope.spawn(|| {
            db.psql("BEGIN; LOCK TABLE games IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;")
        });
        wait_until_locked(&db, "games");
        // The pool's one open connection: held by a read that waits for the lock (on a blocking
        // thread).
        let first = scope.spawn(|| ask(&server, &admin, "{ getGame(id: 8) { level } }"));
        std::thread::sleep(Duration::from_millis(300));
        let before = threads();
        let waiting: Vec<_> = (0..60)
            .map(|i| {
                let (server, who) = (&server, if i % 2 == 0 { &admin } else { &harry });
                scope.spawn(move || ask(server, who, document))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(800));
        let during = threads();
        // Three connections opened and four reads waiting for the lock, a thread each (and the
        // runtime that sends cancel requests): not one per request.
        assert!(
            during <= before + 12,
            "60 requests waiting for a connection: {before} threads became {during}"
        );
        let (status, body) = first.join().unwrap();
        assert_eq!(status, 200, "{body}");
        for (i, request) in waiting.into_iter().enumerate() {
            let (status, body) = request.join().unwrap();
            assert_eq!(status, 200, "{body}");
            assert_eq!(body, alone[i % 2]);
        }
        holder.join().unwrap();
    });
}

/// A request whose access is still being decided at `--request-timeout` (the viewer reads its
/// subject's row, which an admin's `LOCK TABLE` holds) is answered 504 `REQUEST_TIMEOUT`, as a
/// query past it is: the request ran out of time, its policies did not fail to evaluate. The
/// server answers as before once the lock goes.
#[test]
fn a_decision_past_the_request_timeout_is_a_timeout_not_an_evaluation_error() {
    use std::time::{Duration, Instant};
    let (env, db) = tutorial_on_both();
    let server = Server::start_on(&env, &db.url(), &["--request-timeout", "1s"]);
    let mut harry = vec![("X-Quidditch-Admin-Secret", ADMIN_SECRET.to_string())];
    harry.push(("X-Quidditch-User", "Harry Potter".to_string()));
    std::thread::scope(|scope| {
        let holder = scope.spawn(|| {
            db.psql(
                "BEGIN; LOCK TABLE players IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;",
            )
        });
        wait_until_locked(&db, "players");
        let started = Instant::now();
        let (status, body) = ask(&server, &harry, "{ getGame(id: 8) { level } }");
        let took = started.elapsed();
        assert_eq!(status, 504, "{body}");
        assert!(body.contains("\"REQUEST_TIMEOUT\""), "{body}");
        assert!(
            body.contains("deciding the request's access took longer than 1 s"),
            "{body}"
        );
        assert!(!body.contains("\"data\""), "{body}");
        assert!(took < Duration::from_secs(3), "answered after {took:?}");
        holder.join().unwrap();
    });
    assert_eq!(ask(&server, &harry, "{ getGame(id: 8) { level } }").0, 200);
}
