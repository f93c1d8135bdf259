//! What the benchmarks share: the repository's files and the tutorial's league.

use std::path::{Path, PathBuf};

use quidditch::authz::{self, PolicySet};
use quidditch::db;
use rusqlite::Connection;

/// The repository's root.
pub(crate) fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The repository's `policies.toml`.
pub(crate) fn policies() -> PolicySet {
    let source = std::fs::read_to_string(repo().join("policies.toml")).unwrap();
    authz::parse("policies.toml", &source).unwrap()
}

/// The tutorial's league (`seeder.toml`) in a fresh SQLite file: its directory, its path and
/// the connection that seeded it.
pub(crate) fn demo_db() -> (tempfile::TempDir, PathBuf, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.db");
    let (mut conn, _) = db::init(&path).unwrap();
    let source = std::fs::read_to_string(repo().join("seeder.toml")).unwrap();
    let data = db::seed::parse("seeder.toml", &source).unwrap();
    db::seed::apply(&mut conn, &data, db::seed::Mode::Replace).unwrap();
    (dir, path, conn)
}

/// The integration tests' throwaway PostgreSQL cluster (started on first use, on a unix socket
/// only; a watchdog stops it when the bench ends).
#[path = "../tests/integration/pg.rs"]
#[allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::missing_panics_doc,
    reason = "the tests' harness: the benches use only the cluster and its databases, and it \
              fails loudly"
)]
mod pg;

/// With `BENCH_PG=1`: the tutorial's league in a new database of that cluster, for the `_postgres`
/// figures next to the `_sqlite` ones (and `None` without it: PostgreSQL is opt-in, as in
/// `bench/*.sh`). A machine without PostgreSQL's server fails here, saying how to install it.
pub(crate) fn demo_pg() -> Option<db::url::PgUrl> {
    std::env::var_os("BENCH_PG")?;
    let database = pg::cluster().create_database();
    let db::url::DbUrl::Postgres(url) = db::url::DbUrl::parse(&database.url()).unwrap() else {
        unreachable!("a postgresql:// URL")
    };
    let (mut conn, _) = db::pg::init(&url).unwrap();
    let source = std::fs::read_to_string(repo().join("seeder.toml")).unwrap();
    let data = db::seed::parse("seeder.toml", &source).unwrap();
    db::pg::seed::apply(&mut conn, &data, db::seed::Mode::Replace).unwrap();
    Some(*url)
}
