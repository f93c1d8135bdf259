//! The league database: one SQLite file, owned by this module, or a PostgreSQL database ([`pg`]).
//!
//! `db` imports nothing else from the crate. It opens and migrates files ([`open`], [`init`]),
//! seeds them ([`seed`], [`scale`]), and reads typed rows for the rest of the program ([`store`]).
//! `--db` names the one or the other ([`url::DbUrl`]); an open connection of either is a [`Db`].

pub mod error;
pub mod model;
pub mod pg;
pub mod scale;
pub mod schema;
pub mod seed;
pub mod sql;
pub mod store;
pub mod url;

use std::path::{Path, PathBuf};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

pub use error::{Error, Result};
pub use url::DbUrl;

/// An open connection to the league database, SQLite or PostgreSQL: what the store lends
/// (`store::Store::lend`) and what the authorization bridge reads through (`access`, which
/// runs its statements on it).
#[derive(Clone, Copy)]
pub enum Db<'a> {
    Sqlite(&'a Connection),
    Postgres(&'a pg::Conn),
}

impl<'a> From<&'a Connection> for Db<'a> {
    fn from(conn: &'a Connection) -> Self {
        Db::Sqlite(conn)
    }
}

impl<'a> From<&'a pg::Conn> for Db<'a> {
    fn from(conn: &'a pg::Conn) -> Self {
        Db::Postgres(conn)
    }
}

impl Db<'_> {
    /// The SQL this database speaks.
    pub fn dialect(self) -> sql::Dialect {
        match self {
            Db::Sqlite(_) => sql::Dialect::Sqlite,
            Db::Postgres(_) => sql::Dialect::Postgres,
        }
    }
}

/// Opens an existing database for reading and writing, without migrating it.
///
/// Any file with the tutorial's tables is accepted, also one that lacks `staff` (made by the
/// tutorial's own server): readers of `staff` treat a missing table as empty.
pub fn open(path: &Path) -> Result<Connection> {
    open_with(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
}

/// Opens an existing database read-only: SQLite refuses every write to the file, while TEMP
/// tables and views (what-if's shadow views) still work.
pub fn open_read_only(path: &Path) -> Result<Connection> {
    open_with(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
}

fn open_with(path: &Path, mode: OpenFlags) -> Result<Connection> {
    if !path.exists() {
        return Err(Error::Missing {
            path: path.to_path_buf(),
        });
    }
    let conn = Connection::open_with_flags(path, mode | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    configure(&conn)?;
    for table in schema::TUTORIAL_TABLES {
        if !has_table(&conn, table)? {
            return Err(Error::NotQuidditch {
                path: path.to_path_buf(),
                table,
            });
        }
    }
    Ok(conn)
}

/// What [`init`] did.
#[derive(Debug, Clone, Serialize)]
pub struct InitReport {
    pub path: PathBuf,
    pub created: bool,
    pub from_version: i64,
    pub to_version: i64,
}

/// Creates the database file if needed and migrates it to [`schema::LATEST_VERSION`].
pub fn init(path: &Path) -> Result<(Connection, InitReport)> {
    let created = !path.exists();
    // SQLite's own message for this names the file twice and not the cause.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && created
        && !dir.is_dir()
    {
        return Err(Error::NoDirectory {
            dir: dir.to_path_buf(),
        });
    }
    let conn = Connection::open(path)?;
    configure(&conn)?;
    // WAL persists in the file: readers (a running server) do not block a seed, and vice versa.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    let from_version = version(&conn)?;
    if from_version > schema::LATEST_VERSION {
        return Err(Error::TooNew {
            path: path.to_path_buf(),
            found: from_version,
            latest: schema::LATEST_VERSION,
        });
    }
    for (index, sql) in schema::migrations(sql::Dialect::Sqlite)
        .iter()
        .enumerate()
        .skip(usize::try_from(from_version).unwrap_or(0))
    {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(index + 1).unwrap_or(i64::MAX),
        )?;
        tx.commit()?;
    }
    let report = InitReport {
        path: path.to_path_buf(),
        created,
        from_version,
        to_version: version(&conn)?,
    };
    Ok((conn, report))
}

/// Opens `path`, creating and migrating it first when it does not exist yet.
pub fn open_or_init(path: &Path) -> Result<Connection> {
    if path.exists() {
        let conn = open(path)?;
        if version(&conn)? < schema::LATEST_VERSION {
            return Ok(init(path)?.0);
        }
        Ok(conn)
    } else {
        Ok(init(path)?.0)
    }
}

/// The `PRAGMA user_version` of a database.
pub fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Whether `table` exists in the database.
pub fn has_table(conn: &Connection, table: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
        [table],
        |row| row.get::<_, i64>(0),
    )? > 0)
}

/// Rows in one table; `None` when the table does not exist (a tutorial-made file has no `staff`).
#[derive(Debug, Clone, Serialize)]
pub struct TableCount {
    pub table: &'static str,
    pub rows: Option<i64>,
}

/// Which engine holds the league.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgresql,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "SQLite",
            Self::Postgresql => "PostgreSQL",
        })
    }
}

/// The state of a database file, for `db status`.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub path: PathBuf,
    pub backend: Backend,
    /// The version of the database engine: SQLite's library, or the PostgreSQL server.
    pub server_version: String,
    pub schema_version: i64,
    pub latest_version: i64,
    /// SQLite's journal mode (`wal`); PostgreSQL has none to report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal_mode: Option<String>,
    /// How the connection to a PostgreSQL server runs, as the server sees it; a SQLite file has
    /// none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection: Option<ConnectionInfo>,
    pub tables: Vec<TableCount>,
}

/// A PostgreSQL connection as the server reports it (`pg_stat_ssl` of its own backend).
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionInfo {
    /// `unix` (a socket) or `tcp`.
    pub transport: &'static str,
    /// The TLS session, when the connection is encrypted.
    pub tls: Option<TlsInfo>,
}

/// A connection's TLS session.
#[derive(Debug, Clone, Serialize)]
pub struct TlsInfo {
    /// `TLSv1.3`, say.
    pub version: String,
    pub cipher: String,
    /// The distinguished name of the client certificate shown, if one was.
    pub client_certificate: Option<String>,
}

impl std::fmt::Display for ConnectionInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.transport, &self.tls) {
            ("unix", _) => write!(f, "unix socket"),
            (transport, None) => write!(f, "{}, not encrypted", transport.to_uppercase()),
            (transport, Some(tls)) => {
                write!(
                    f,
                    "{}, {} ({})",
                    transport.to_uppercase(),
                    tls.version,
                    tls.cipher
                )?;
                match &tls.client_certificate {
                    Some(dn) => write!(f, ", client certificate {dn}"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// Reads the schema version and the row count of every table.
pub fn status(conn: &Connection, path: &Path) -> Result<Status> {
    let mut tables = Vec::new();
    for table in schema::TABLES {
        let rows = if has_table(conn, table)? {
            Some(
                conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                    row.get(0)
                })?,
            )
        } else {
            None
        };
        tables.push(TableCount { table, rows });
    }
    Ok(Status {
        path: path.to_path_buf(),
        backend: Backend::Sqlite,
        server_version: rusqlite::version().to_string(),
        schema_version: version(conn)?,
        latest_version: schema::LATEST_VERSION,
        journal_mode: Some(conn.pragma_query_value(None, "journal_mode", |row| row.get(0))?),
        connection: None,
        tables,
    })
}

/// Deletes every row of every table in one transaction; the schema stays.
pub fn reset(conn: &mut Connection) -> Result<Vec<TableCount>> {
    let tx = conn.transaction()?;
    let mut deleted = Vec::new();
    // Children first, so no foreign key is ever left dangling.
    for table in schema::TABLES.iter().rev() {
        let rows = if has_table(&tx, table)? {
            Some(
                i64::try_from(tx.execute(&format!("DELETE FROM {table}"), [])?).unwrap_or(i64::MAX),
            )
        } else {
            None
        };
        deleted.push(TableCount { table, rows });
    }
    tx.commit()?;
    deleted.reverse();
    Ok(deleted)
}

/// Per-connection settings: foreign keys enforced, a busy timeout for concurrent writers, and
/// double-quoted string literals off: with them on (SQLite's "DQS" misfeature) an unknown
/// `"column"` silently becomes the string `'column'`, so a policy naming a column the table lacks
/// would compare a constant instead of failing. Off, it is an error.
///
/// And the query planner's stability guarantee (QPSG) on: a statement's plan depends on its
/// text, never on the values bound to it. Without it SQLite reads a `LIMIT ?` parameter while
/// planning and marks the statement to be compiled again whenever that parameter is bound, so
/// every page read re-parsed its cached statement (a fifth of the instructions of an
/// `allPlayers` request). No statement here relies on a bound value for its plan.
pub fn configure(conn: &Connection) -> Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DML, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DDL, false)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

/// For unit tests: a fresh file in a temporary directory holding the repository's
/// `seeder.toml` (the tutorial's league), its path, and the connection that seeded it.
#[cfg(test)]
pub(crate) fn tutorial_league() -> (tempfile::TempDir, PathBuf, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let (mut conn, _) = init(&path).unwrap();
    let data = seed::parse("seeder.toml", include_str!("../seeder.toml")).unwrap();
    seed::apply(&mut conn, &data, seed::Mode::Replace).unwrap();
    (dir, path, conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_is_shown_as_the_server_sees_it() {
        let tls = |client_certificate: Option<&str>| {
            Some(TlsInfo {
                version: "TLSv1.3".into(),
                cipher: "TLS_AES_256_GCM_SHA384".into(),
                client_certificate: client_certificate.map(str::to_string),
            })
        };
        let shown = |transport, tls| ConnectionInfo { transport, tls }.to_string();
        assert_eq!(shown("unix", None), "unix socket");
        assert_eq!(shown("tcp", None), "TCP, not encrypted");
        assert_eq!(
            shown("tcp", tls(None)),
            "TCP, TLSv1.3 (TLS_AES_256_GCM_SHA384)"
        );
        assert_eq!(
            shown("tcp", tls(Some("/CN=seeker"))),
            "TCP, TLSv1.3 (TLS_AES_256_GCM_SHA384), client certificate /CN=seeker"
        );
    }

    #[test]
    fn double_quoted_strings_are_identifiers_only() {
        let conn = Connection::open_in_memory().unwrap();
        configure(&conn).unwrap();
        conn.execute_batch("CREATE TABLE games (id INTEGER PRIMARY KEY, level TEXT)")
            .unwrap();
        let err = conn
            .query_row(
                "SELECT count(*) FROM games WHERE \"is_secret\" = 1",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap_err();
        assert!(
            err.to_string().contains("no such column: \"is_secret\""),
            "{err}"
        );
    }
}
