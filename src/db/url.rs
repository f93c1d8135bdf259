//! `--db`: one value that names the database and so selects its backend.
//!
//! A `postgres://` or `postgresql://` URL, or libpq's key-value form (`host=/run/postgresql
//! dbname=league`), is a PostgreSQL database; anything else is the path of a SQLite file. The
//! value is parsed once, here, into [`DbUrl`]; nothing downstream looks at the text again.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use tokio_postgres::config::Host;

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
    /// How TCP connections use TLS (`sslmode`, `sslrootcert`).
    pub(crate) tls: Tls,
}

/// libpq's `sslmode`: whether a TCP connection is encrypted, and what of the server's
/// certificate is checked. A unix socket never uses TLS, whatever the mode (as libpq).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it (`allow` is read as this too); libpq's default.
    #[default]
    Prefer,
    /// TLS or no connection; the certificate is checked against `sslrootcert` when one is
    /// given (as libpq does when its root file exists), else not at all.
    Require,
    /// TLS, the certificate signed by a trusted authority.
    VerifyCa,
    /// TLS, the certificate signed by a trusted authority and naming the host.
    VerifyFull,
}

/// What TLS a connection uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tls {
    pub mode: SslMode,
    /// The authorities trusted (a PEM file); `None` or `system`: the system's.
    pub root: Option<PathBuf>,
}

/// Takes `sslmode` and `sslrootcert` out of a connection string (a URL's query or the key-value
/// form), which tokio-postgres does not read (it knows no `verify-*` and no root file): the
/// string left for it, and the TLS settings.
fn take_tls(value: &str, url: bool) -> Result<(String, Tls), String> {
    let mut tls = Tls::default();
    let mut take = |key: &str, raw: &str| -> Result<bool, String> {
        match key {
            "sslmode" => {
                tls.mode = match raw {
                    "disable" => SslMode::Disable,
                    "allow" | "prefer" => SslMode::Prefer,
                    "require" => SslMode::Require,
                    "verify-ca" => SslMode::VerifyCa,
                    "verify-full" => SslMode::VerifyFull,
                    other => {
                        return Err(format!(
                            "invalid sslmode `{other}`: expected disable, allow, prefer, \
                             require, verify-ca or verify-full"
                        ));
                    }
                };
                Ok(true)
            }
            "sslrootcert" => {
                tls.root = (raw != "system").then(|| PathBuf::from(raw));
                Ok(true)
            }
            _ => Ok(false),
        }
    };
    if url {
        let Some((base, query)) = value.split_once('?') else {
            return Ok((value.to_string(), tls));
        };
        let mut kept = Vec::new();
        for pair in query.split('&') {
            let (key, raw) = pair.split_once('=').unwrap_or((pair, ""));
            let decoded = percent_decode(raw);
            if !take(key, &decoded)? {
                kept.push(pair);
            }
        }
        let rest = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        return Ok((rest, tls));
    }
    let mut kept = String::new();
    for (key, raw, text) in conninfo_pairs(value) {
        if !take(key, &raw)? {
            if !kept.is_empty() {
                kept.push(' ');
            }
            kept.push_str(text);
        }
    }
    Ok((kept, tls))
}

/// `%XX` escapes of a URL's query value decoded (an invalid one kept as it is).
fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `key = value` pairs of libpq's key-value form: each key, its value (quotes and
/// backslash escapes undone) and the pair's text as written.
fn conninfo_pairs(value: &str) -> Vec<(&str, String, &str)> {
    let mut pairs = Vec::new();
    let mut rest = value.trim_start();
    while !rest.is_empty() {
        let start = rest;
        let Some(eq) = rest.find('=') else {
            // Not a pair: left for tokio-postgres to refuse.
            pairs.push(("", String::new(), rest.trim_end()));
            break;
        };
        let key = rest[..eq].trim();
        rest = rest[eq + 1..].trim_start();
        // A quoted value ends at its closing quote, another at the next space.
        let quoted = rest.starts_with('\'');
        let mut raw = String::new();
        let mut end = rest.len();
        let mut escaped = false;
        for (i, c) in rest.char_indices().skip(usize::from(quoted)) {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '\'') if quoted => {
                    end = i + 1;
                    break;
                }
                (false, c) if !quoted && c.is_whitespace() => {
                    end = i;
                    break;
                }
                (_, c) => {
                    raw.push(c);
                    escaped = false;
                }
            }
        }
        let used = start.len() - rest.len() + end;
        pairs.push((key, raw, start[..used].trim_end()));
        rest = start[used..].trim_start();
    }
    pairs
}

/// The keywords of libpq's key-value form that may start a `--db` value. A file whose name
/// starts with one of them followed by `=` is written with a directory: `./host=x`.
const CONNINFO_KEYS: [&str; 15] = [
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "sslmode",
    "sslrootcert",
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
        let (rest, tls) = take_tls(value, url)?;
        let mut config = tokio_postgres::Config::from_str(&rest)
            .map_err(|err| format!("not a PostgreSQL connection string: {err}"))?;
        // TLS is negotiated by quidditch's own connector, per host (never on a unix socket).
        config.ssl_mode(match tls.mode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            _ => tokio_postgres::config::SslMode::Require,
        });
        if config.get_hosts().is_empty() {
            return Err(
                "the PostgreSQL connection string names no host: give one, or a socket \
                 directory (`?host=/run/postgresql`)"
                    .to_string(),
            );
        }
        Ok(DbUrl::Postgres(Box::new(PgUrl { config, tls })))
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

    fn tls(value: &str) -> Tls {
        match DbUrl::parse(value).unwrap() {
            DbUrl::Postgres(url) => url.tls,
            DbUrl::Sqlite(_) => panic!("{value} is PostgreSQL"),
        }
    }

    #[test]
    fn sslmode_and_sslrootcert_are_read_in_both_forms() {
        assert_eq!(tls("postgres://h/db"), Tls::default());
        assert_eq!(
            tls(
                "postgres://h/db?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=x"
            ),
            Tls {
                mode: SslMode::VerifyFull,
                root: Some(PathBuf::from("/etc/ca.pem"))
            }
        );
        assert_eq!(
            tls("host=h dbname=db sslmode=verify-ca sslrootcert='/a b/ca.pem' user=u"),
            Tls {
                mode: SslMode::VerifyCa,
                root: Some(PathBuf::from("/a b/ca.pem"))
            }
        );
        assert_eq!(
            tls("postgres://h/db?sslmode=require&sslrootcert=system").root,
            None
        );
        assert_eq!(tls("host=h sslmode=disable").mode, SslMode::Disable);
        // Backslash escapes, quoted or not.
        assert_eq!(
            tls(r"host=h sslrootcert='/it\'s/ca.pem' sslmode=verify-ca").root,
            Some(PathBuf::from("/it's/ca.pem"))
        );
        assert_eq!(
            tls(r"host=h sslrootcert=/a\ b/ca.pem sslmode=verify-ca").root,
            Some(PathBuf::from("/a b/ca.pem"))
        );
        // What is left is still read: the user, the database, the other options.
        let DbUrl::Postgres(url) =
            DbUrl::parse("host=h sslmode=require dbname='my db' user=u").unwrap()
        else {
            panic!()
        };
        assert_eq!(url.config.get_dbname(), Some("my db"));
        assert_eq!(url.config.get_user(), Some("u"));
    }

    #[test]
    fn what_cannot_be_connected_to_is_refused_at_parse() {
        let err = DbUrl::parse("postgres://h/db?sslmode=sometimes").unwrap_err();
        assert!(err.contains("invalid sslmode `sometimes`"), "{err}");
        let err = DbUrl::parse("postgres://h/db?bogus=1").unwrap_err();
        assert!(
            err.starts_with("not a PostgreSQL connection string: "),
            "{err}"
        );
        let err = DbUrl::parse("dbname=league").unwrap_err();
        assert!(err.contains("names no host"), "{err}");
    }
}
