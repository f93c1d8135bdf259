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
