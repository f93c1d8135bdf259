//! `--db`: one value that names the database and so selects its backend.
//!
//! A `postgres://` or `postgresql://` URL, or libpq's key-value form (`host=/run/postgresql
//! dbname=league`), is a PostgreSQL database; anything else is the path of a SQLite file. The
//! value is parsed once, here, into [`DbUrl`]; nothing downstream looks at the text again.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use tokio_postgres::config::{Host, SslMode};

/// The database a command runs on.
#[derive(Debug, Clone)]
pub enum DbUrl {
    /// A SQLite file (created by `db init`/`db seed` when missing).
    Sqlite(PathBuf),
    /// A PostgreSQL database (which must exist; `db init` creates the tables in it). Boxed: its
    /// settings are large, and a path is the common case.
    Postgres(Box<PgUrl>),
}

/// A PostgreSQL database to connect to: its parsed settings, shown without the password.
#[derive(Debug, Clone)]
pub struct PgUrl {
    pub(crate) config: tokio_postgres::Config,
}

/// The keywords of libpq's key-value form that may start a `--db` value. A file whose name
/// starts with one of them followed by `=` is written with a directory: `./host=x`.
const CONNINFO_KEYS: [&str; 14] = [
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "sslmode",
    "connect_timeout",
    "application_name",
    "options",
    "keepalives",
    "keepalives_idle",
    "target_session_attrs",
    "channel_binding",
];

impl DbUrl {
    /// Parses a `--db` value; the error is one line for the command line's own message.
    pub fn parse(value: &str) -> Result<Self, String> {
        let url = value.starts_with("postgres://") || value.starts_with("postgresql://");
        let first_key = value
            .split_whitespace()
            .next()
            .and_then(|word| word.split_once('='))
            .map(|(key, _)| key);
        let conninfo = first_key.is_some_and(|key| CONNINFO_KEYS.contains(&key));
        if !url && !conninfo {
            if value.is_empty() {
                return Err("the database path is empty".to_string());
            }
            return Ok(DbUrl::Sqlite(PathBuf::from(value)));
        }
        let config = tokio_postgres::Config::from_str(value)
            .map_err(|err| format!("not a PostgreSQL connection string: {err}"))?;
        if config.get_ssl_mode() == SslMode::Require {
            return Err(
                "`sslmode=require` is not supported yet: quidditch connects to PostgreSQL \
                 without TLS (a unix socket, or a trusted network)"
                    .to_string(),
            );
        }
        if config.get_hosts().is_empty() {
            return Err(
                "the PostgreSQL connection string names no host: give one, or a socket \
                 directory (`?host=/run/postgresql`)"
                    .to_string(),
            );
        }
        Ok(DbUrl::Postgres(Box::new(PgUrl { config })))
    }

    /// The SQLite file, if this is one.
    pub fn sqlite(&self) -> Option<&Path> {
        match self {
            DbUrl::Sqlite(path) => Some(path),
            DbUrl::Postgres(_) => None,
        }
    }
}

impl FromStr for DbUrl {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        DbUrl::parse(value)
    }
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbUrl::Sqlite(path) => write!(f, "{}", path.display()),
            DbUrl::Postgres(url) => write!(f, "{url}"),
        }
    }
}

/// The URL in one canonical form, without the password: what reports and errors name.
impl fmt::Display for PgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        write!(f, "postgresql://")?;
        if let Some(user) = c.get_user() {
            write!(f, "{user}@")?;
        }
        let mut sockets = Vec::new();
        let mut first = true;
        for (i, host) in c.get_hosts().iter().enumerate() {
            let port = c.get_ports().get(i).or_else(|| c.get_ports().first());
            match host {
                Host::Tcp(name) => {
                    if !first {
                        write!(f, ",")?;
                    }
                    first = false;
                    write!(f, "{name}")?;
                    if let Some(port) = port {
                        write!(f, ":{port}")?;
                    }
                }
                Host::Unix(dir) => sockets.push(dir.display().to_string()),
            }
        }
        write!(f, "/{}", c.get_dbname().unwrap_or_default())?;
        for (i, dir) in sockets.iter().enumerate() {
            write!(f, "{}host={dir}", if i == 0 { '?' } else { '&' })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(value: &str) -> String {
        DbUrl::parse(value).unwrap().to_string()
    }

    #[test]
    fn a_path_is_a_sqlite_file() {
        for path in [
            "quidditch.db",
            "./league.db",
            "/tmp/x y.db",
            "postgres.db",
            "./host=x",
        ] {
            assert!(
                matches!(DbUrl::parse(path), Ok(DbUrl::Sqlite(p)) if p == Path::new(path)),
                "{path}"
            );
        }
        assert!(DbUrl::parse("").is_err());
    }

    #[test]
    fn urls_and_conninfo_are_postgres_shown_without_password() {
        assert_eq!(
            shown("postgres://alice:secret@db.example:5433/league"),
            "postgresql://alice@db.example:5433/league"
        );
        assert_eq!(
            shown("postgresql://postgres@/league?host=/run/postgresql"),
            "postgresql://postgres@/league?host=/run/postgresql"
        );
        assert_eq!(
            shown("host=/run/postgresql user=postgres dbname=league password=secret"),
            "postgresql://postgres@/league?host=/run/postgresql"
        );
    }

    #[test]
    fn what_cannot_be_connected_to_is_refused_at_parse() {
        let err = DbUrl::parse("postgres://h/db?sslmode=require").unwrap_err();
        assert!(
            err.contains("`sslmode=require` is not supported yet"),
            "{err}"
        );
        let err = DbUrl::parse("postgres://h/db?bogus=1").unwrap_err();
        assert!(
            err.starts_with("not a PostgreSQL connection string: "),
            "{err}"
        );
        let err = DbUrl::parse("dbname=league").unwrap_err();
        assert!(err.contains("names no host"), "{err}");
    }
}
