//! Errors of the database layer.

use std::path::PathBuf;

/// What can go wrong opening, migrating, seeding or reading the league database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database `{}` does not exist", path.display())]
    Missing { path: PathBuf },
    #[error("directory `{}` does not exist", dir.display())]
    NoDirectory { dir: PathBuf },
    #[error("`{}` is not a quidditch database: table `{table}` is missing", path.display())]
    NotQuidditch { path: PathBuf, table: &'static str },
    #[error(
        "database `{}` has schema version {found}, newer than this build knows ({latest})",
        path.display()
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        latest: i64,
    },
    #[error("{}", .problems.join("\n"))]
    Seed { problems: Vec<String> },
    #[error("sqlite")]
    Sqlite(#[from] rusqlite::Error),
    /// A PostgreSQL error, flattened to one line (`db::pg`).
    #[error("postgresql: {message}")]
    Postgres { message: String },
    /// A read inside `db::pg::bounded` gave up waiting for the server: run it again where
    /// waiting harms no one (never shown: the caller that bounded it does).
    #[error(
        "postgresql: no answer within {} ms on a thread that serves other requests",
        super::pg::INLINE_WAIT.as_millis()
    )]
    Stalled,
    /// A second statement on a snapshot begun for one (`db::pg::Conn::alone`), refused before
    /// it was sent: it would read another state of the database. Never shown: the request runs
    /// again in a snapshot of its own transaction (`Store::alone`).
    #[error("postgresql: a second statement in a snapshot begun for one")]
    SecondStatement,
}

/// The database layer's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
