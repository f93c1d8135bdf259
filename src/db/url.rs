//! `--db`: one value that names the database and so selects its backend.
//!
//! A `postgres://` or `postgresql://` URL, or libpq's key-value form (`host=/run/postgresql
//! dbname=league`), is a PostgreSQL database; anything else is the path of a SQLite file. The
//! value is parsed once, here, into [`DbUrl`]; nothing downstream looks at the text again.
//!
//! What a PostgreSQL connection string leaves out is read as libpq reads it: from libpq's
//! environment variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, …, [`ENVIRONMENT`]), and a
//! password from the password file (`PGPASSFILE`, else `~/.pgpass`) when none is given. The
//! string wins over the environment, the environment over the defaults.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use tokio_postgres::config::Host;

mod service;

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
    /// Why the password file was not read although no password was given (a file others may
    /// read, as libpq): added to a connection's error about a password.
    pub(crate) passfile_ignored: Option<String>,
    /// The password file's password for each host, in the order of `config`'s hosts, when they
    /// are not all the same (then `config` holds none): each host is sent its own.
    pub(crate) host_passwords: Option<Vec<Option<String>>>,
}

impl PgUrl {
    /// The password file's password for host `i`, when the hosts' differ (else the
    /// connection's password, if any, is in `config`).
    pub(crate) fn host_password(&self, i: usize) -> Option<&str> {
        self.host_passwords
            .as_ref()
            .and_then(|all| all.get(i))
            .and_then(Option::as_deref)
    }
}

/// `from` narrowed to its host `i` (its address and port), every other setting kept, with
/// that host's own password when it has one: for a connection that must try the hosts one at
/// a time.
pub(crate) fn only_host(
    from: &tokio_postgres::Config,
    i: usize,
    password: Option<&str>,
) -> tokio_postgres::Config {
    let mut one = tokio_postgres::Config::new();
    if let Some(v) = from.get_user() {
        one.user(v);
    }
    match password {
        Some(v) => {
            one.password(v);
        }
        None => {
            if let Some(v) = from.get_password() {
                one.password(v);
            }
        }
    }
    if let Some(v) = from.get_dbname() {
        one.dbname(v);
    }
    if let Some(v) = from.get_options() {
        one.options(v);
    }
    if let Some(v) = from.get_application_name() {
        one.application_name(v);
    }
    one.ssl_mode(from.get_ssl_mode())
        .ssl_negotiation(from.get_ssl_negotiation());
    match from.get_hosts().get(i) {
        Some(Host::Tcp(name)) => {
            one.host(name);
        }
        Some(Host::Unix(dir)) => {
            one.host_path(dir);
        }
        None => {}
    }
    if let Some(addr) = from.get_hostaddrs().get(i) {
        one.hostaddr(*addr);
    }
    let ports = from.get_ports();
    if let Some(port) = ports.get(i).or(ports.first()) {
        one.port(*port);
    }
    if let Some(v) = from.get_connect_timeout() {
        one.connect_timeout(*v);
    }
    if let Some(v) = from.get_tcp_user_timeout() {
        one.tcp_user_timeout(*v);
    }
    one.keepalives(from.get_keepalives())
        .keepalives_idle(from.get_keepalives_idle());
    if let Some(v) = from.get_keepalives_interval() {
        one.keepalives_interval(v);
    }
    if let Some(v) = from.get_keepalives_retries() {
        one.keepalives_retries(v);
    }
    one.target_session_attrs(from.get_target_session_attrs())
        .channel_binding(from.get_channel_binding());
    one
}

/// How a variable of the environment is looked up: by name, `None` when unset.
pub type Environment<'a> = &'a dyn Fn(&str) -> Option<String>;

/// libpq's environment variables, each the default of the keyword of the connection string
/// beside it. `PGSSLMODE` and `PGSSLROOTCERT` are read with the TLS settings, `PGPASSFILE` with
/// the password file.
pub const ENVIRONMENT: [(&str, &str); 12] = [
    ("PGHOST", "host"),
    ("PGHOSTADDR", "hostaddr"),
    ("PGPORT", "port"),
    ("PGDATABASE", "dbname"),
    ("PGUSER", "user"),
    ("PGPASSWORD", "password"),
    ("PGAPPNAME", "application_name"),
    ("PGOPTIONS", "options"),
    ("PGCONNECT_TIMEOUT", "connect_timeout"),
    ("PGTARGETSESSIONATTRS", "target_session_attrs"),
    ("PGCHANNELBINDING", "channel_binding"),
    ("PGLOADBALANCEHOSTS", "load_balance_hosts"),
];

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
    /// The authorities trusted (a PEM file: `sslrootcert`, else `PGSSLROOTCERT`, else
    /// `~/.postgresql/root.crt` when it exists).
    pub root: Option<PathBuf>,
    /// `sslrootcert=system`: the system's authorities (with `verify-full` only).
    pub system: bool,
    /// The client's certificate (a PEM file, its chain after it) and private key, shown to a
    /// server that asks for one (`sslcert`, `sslkey`; else `~/.postgresql/postgresql.crt` and
    /// `.key` when the certificate exists, as libpq).
    pub client: Option<ClientCert>,
    /// Certificate revocation lists (a PEM file) checked with the server's chain when it is
    /// verified (`sslcrl`, else `PGSSLCRL`, else `~/.postgresql/root.crl` when it exists).
    pub crl: Option<PathBuf>,
    /// A directory of revocation lists named as `openssl rehash` names them (`HASH.rN`):
    /// `sslcrldir`, else `PGSSLCRLDIR`; read with `crl`, as libpq reads both.
    pub crl_dir: Option<PathBuf>,
}

/// A client certificate and its private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl SslMode {
    /// Its keyword, as written in a connection string.
    pub fn keyword(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// libpq's `sslmode` read from its text.
fn ssl_mode(raw: &str) -> Result<SslMode, String> {
    Ok(match raw {
        "disable" => SslMode::Disable,
        "allow" | "prefer" => SslMode::Prefer,
        "require" => SslMode::Require,
        "verify-ca" => SslMode::VerifyCa,
        "verify-full" => SslMode::VerifyFull,
        other => {
            return Err(format!(
                "invalid sslmode `{other}`: expected disable, allow, prefer, require, verify-ca \
                 or verify-full"
            ));
        }
    })
}

/// The `sslmode` that libpq's deprecated `requiressl` stands for: `1` is `require`, `0`
/// `prefer`.
fn required_mode(raw: &str) -> Result<&'static str, String> {
    match raw {
        "1" => Ok("require"),
        "0" => Ok("prefer"),
        _ => Err(format!("invalid requiressl `{raw}`: 1 or 0")),
    }
}

/// libpq's `sslrootcert`: a PEM file, or `system` (the system's authorities).
fn root_cert(raw: &str) -> Option<PathBuf> {
    (raw != "system").then(|| PathBuf::from(raw))
}

/// A connection string split for its readers: what tokio-postgres reads (the string without the
/// TLS settings, which it does not read: it knows no `verify-*`, root file or client
/// certificate), and every option the string gives (a URL's query, or every pair of the
/// key-value form), each key with its value decoded.
struct Split {
    rest: String,
    options: Vec<(String, String)>,
}

impl Split {
    /// Whether the string's options give `key`.
    fn has(&self, key: &str) -> bool {
        self.options.iter().any(|(k, _)| k == key)
    }

    /// The value the string's options give `key` (the last, when given twice).
    fn value(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The keywords quidditch reads itself, taken out of the string left for tokio-postgres: the
/// TLS settings, the service and the password file, and libpq's keywords that tokio-postgres
/// reads otherwise than libpq (`tcp_user_timeout`: seconds, not milliseconds) or not at all
/// ([`libpq_keywords`]).
const OWN_KEYS: [&str; 16] = [
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "sslcrldir",
    "sslpassword",
    "requiressl",
    "service",
    "passfile",
    "tcp_user_timeout",
    "keepalives_count",
    "client_encoding",
    "gssencmode",
    "krbsrvname",
    "gsslib",
];

/// Whether `key=value`, one of the keywords [`libpq_keywords`] reads, can be read: for a
/// service file's line, checked where its line is known.
fn check_libpq_keyword(key: &str, value: &str) -> Result<(), String> {
    match key {
        "sslmode" => return ssl_mode(value).map(drop),
        "requiressl" => return required_mode(value).map(drop),
        _ => {}
    }
    let split = Split {
        rest: String::new(),
        options: vec![(key.to_string(), value.to_string())],
    };
    libpq_keywords(&split, &mut tokio_postgres::Config::new())
}

/// libpq's keywords that tokio-postgres reads otherwise or not at all, read as libpq reads
/// them: `tcp_user_timeout` in milliseconds (tokio-postgres would take them for seconds, a
/// thousand times longer), `keepalives_count` (tokio-postgres's `keepalives_retries`);
/// `client_encoding` is UTF8 (the only encoding tokio-postgres speaks), and GSSAPI is never
/// used (`gssencmode=disable` or `prefer`, which without it is no encryption, as libpq built
/// without GSSAPI; `krbsrvname` and `gsslib` then change nothing). What cannot be honoured is
/// refused with why, never ignored.
fn libpq_keywords(split: &Split, config: &mut tokio_postgres::Config) -> Result<(), String> {
    if let Some(raw) = split.value("tcp_user_timeout") {
        let ms: u64 = raw.trim().parse().map_err(|_| {
            format!("invalid tcp_user_timeout `{raw}`: a whole number of milliseconds, as libpq reads it")
        })?;
        config.tcp_user_timeout(Duration::from_millis(ms));
    }
    if let Some(raw) = split.value("keepalives_count") {
        let count: u32 = raw
            .trim()
            .parse()
            .map_err(|_| format!("invalid keepalives_count `{raw}`: a whole number"))?;
        config.keepalives_retries(count);
    }
    if let Some(raw) = split.value("client_encoding") {
        let name = raw.to_ascii_uppercase().replace(['-', '_'], "");
        if !matches!(name.as_str(), "UTF8" | "UNICODE" | "AUTO") {
            return Err(format!(
                "client_encoding `{raw}` cannot be used: quidditch speaks UTF8 to the server \
                 (give UTF8, or leave it out)"
            ));
        }
    }
    if let Some(raw) = split.value("gssencmode")
        && raw != "disable"
        && raw != "prefer"
    {
        return Err(format!(
            "gssencmode `{raw}` cannot be honoured: quidditch has no GSSAPI (Kerberos); use TLS \
             (sslmode) instead"
        ));
    }
    if split.value("sslpassword").is_some() {
        return Err(
            "sslpassword cannot be honoured: quidditch reads no encrypted private key; give \
             sslkey a key without a passphrase (`openssl pkey -in KEY -out PLAIN`)"
                .to_string(),
        );
    }
    Ok(())
}

/// Splits a connection string (a URL, or the key-value form).
fn split(value: &str, url: bool) -> Split {
    let mut options = Vec::new();
    let rest = if url {
        match value.split_once('?') {
            None => value.to_string(),
            Some((base, query)) => {
                let mut kept = Vec::new();
                for pair in query.split('&') {
                    let (key, raw) = pair.split_once('=').unwrap_or((pair, ""));
                    options.push((key.to_string(), percent_decode(raw)));
                    if key == "host" {
                        // A list of hosts, as libpq reads `host`: tokio-postgres takes a URL's
                        // `host=` for one host (a socket directory `/a,/b`), but reads each
                        // `host=` given.
                        kept.extend(host_list(raw).map(|host| format!("host={host}")));
                    } else if !OWN_KEYS.contains(&key) {
                        kept.push(pair.to_string());
                    }
                }
                if kept.is_empty() {
                    base.to_string()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
        }
    } else {
        let mut kept = String::new();
        for (key, raw, text) in conninfo_pairs(value) {
            options.push((key.to_string(), raw));
            if !OWN_KEYS.contains(&key) {
                if !kept.is_empty() {
                    kept.push(' ');
                }
                kept.push_str(text);
            }
        }
        kept
    };
    Split { rest, options }
}

/// The TLS settings: each from the string, else its libpq variable, else libpq's default (the
/// authorities of `~/.postgresql/root.crt`, the client certificate
/// `~/.postgresql/postgresql.crt` with its key `postgresql.key`, the revocation lists of
/// `~/.postgresql/root.crl`, each when the file exists). As libpq: `sslrootcert=system` makes
/// the mode `verify-full` and refuses a weaker one (the system's authorities vouch for names,
/// so only the name check makes them mean anything), and a `verify-*` mode with no authority
/// to trust is refused rather than given the system's.
fn tls_settings(split: &Split, env: Environment) -> Result<Tls, String> {
    let home = variable(env, "HOME").map(|home| Path::new(&home).join(".postgresql"));
    // libpq's default of a file setting: `~/.postgresql/NAME`, when it exists.
    let in_home = |name: &str| {
        home.as_ref()
            .map(|dir| dir.join(name))
            .filter(|path| path.is_file())
    };
    let given_root = split
        .value("sslrootcert")
        .map(str::to_string)
        .or_else(|| variable(env, "PGSSLROOTCERT"))
        .filter(|raw| !raw.is_empty());
    let system = given_root.as_deref() == Some("system");
    let root = match given_root {
        Some(raw) => root_cert(&raw),
        None => in_home("root.crt"),
    };
    // libpq's deprecated `requiressl=1` is `sslmode=require` (`0`: `prefer`) unless sslmode
    // is given.
    let required = split.value("requiressl").map(required_mode).transpose()?;
    let mode = match (
        split.value("sslmode").or(required),
        variable(env, "PGSSLMODE"),
    ) {
        (Some(raw), _) => ssl_mode(raw)?,
        (None, Some(raw)) => ssl_mode(&raw).map_err(|err| format!("PGSSLMODE: {err}"))?,
        (None, None) if system => SslMode::VerifyFull,
        (None, None) => SslMode::default(),
    };
    if system && mode != SslMode::VerifyFull {
        return Err(format!(
            "weak sslmode `{}` may not be used with sslrootcert=system (use verify-full: the \
             system's authorities vouch for host names, so only the name check means anything)",
            mode.keyword()
        ));
    }
    if matches!(mode, SslMode::VerifyCa | SslMode::VerifyFull) && root.is_none() && !system {
        return Err(format!(
            "sslmode={} needs authorities to trust: give sslrootcert (a PEM file), put them in \
             ~/.postgresql/root.crt, or give sslrootcert=system for the system's",
            mode.keyword()
        ));
    }
    let setting = |key: &str, name: &str| {
        split
            .value(key)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| variable(env, name).map(PathBuf::from))
    };
    let cert = setting("sslcert", "PGSSLCERT").or_else(|| in_home("postgresql.crt"));
    let key = setting("sslkey", "PGSSLKEY");
    let client = match (cert, key) {
        (None, None) => None,
        (None, Some(key)) => {
            return Err(format!(
                "sslkey {} is given without a certificate (sslcert)",
                key.display()
            ));
        }
        (Some(cert), Some(key)) => Some(ClientCert { cert, key }),
        (Some(cert), None) => match home.as_ref().map(|dir| dir.join("postgresql.key")) {
            Some(key) => Some(ClientCert { cert, key }),
            None => {
                return Err(format!(
                    "sslcert {} is given without its private key (sslkey)",
                    cert.display()
                ));
            }
        },
    };
    // `~/.postgresql/root.crl` only when neither a list nor a directory of them is given.
    let crl_dir = setting("sslcrldir", "PGSSLCRLDIR");
    let crl = setting("sslcrl", "PGSSLCRL")
        .or_else(|| crl_dir.is_none().then(|| in_home("root.crl")).flatten());
    Ok(Tls {
        mode,
        root,
        system,
        client,
        crl,
        crl_dir,
    })
}

/// Whether the connection string set `key` (in its options, or a URL's user, host, port or
/// path).
fn given(config: &tokio_postgres::Config, split: &Split, key: &str) -> bool {
    split.has(key)
        || match key {
            "host" => !config.get_hosts().is_empty(),
            "hostaddr" => !config.get_hostaddrs().is_empty(),
            "port" => !config.get_ports().is_empty(),
            "dbname" => config.get_dbname().is_some(),
            "user" => config.get_user().is_some(),
            "password" => config.get_password().is_some(),
            "application_name" => config.get_application_name().is_some(),
            "options" => config.get_options().is_some(),
            "connect_timeout" => config.get_connect_timeout().is_some(),
            _ => false,
        }
}

/// Sets `key` of `to` as `from` has it.
fn copy_setting(key: &str, from: &tokio_postgres::Config, to: &mut tokio_postgres::Config) {
    match key {
        "host" => {
            for host in from.get_hosts() {
                match host {
                    Host::Tcp(name) => to.host(name),
                    Host::Unix(dir) => to.host_path(dir),
                };
            }
        }
        "hostaddr" => {
            for addr in from.get_hostaddrs() {
                to.hostaddr(*addr);
            }
        }
        "port" => {
            for port in from.get_ports() {
                to.port(*port);
            }
        }
        "dbname" => {
            from.get_dbname().map(|v| to.dbname(v));
        }
        "user" => {
            from.get_user().map(|v| to.user(v));
        }
        "password" => {
            from.get_password().map(|v| to.password(v));
        }
        "application_name" => {
            from.get_application_name().map(|v| to.application_name(v));
        }
        "options" => {
            from.get_options().map(|v| to.options(v));
        }
        "connect_timeout" => {
            from.get_connect_timeout().map(|v| to.connect_timeout(*v));
        }
        "target_session_attrs" => {
            to.target_session_attrs(from.get_target_session_attrs());
        }
        "channel_binding" => {
            to.channel_binding(from.get_channel_binding());
        }
        "load_balance_hosts" => {
            to.load_balance_hosts(from.get_load_balance_hosts());
        }
        other => unreachable!("`{other}` is not in ENVIRONMENT"),
    }
}

/// A URL with `PGPORT` written after each host of its authority, when it names hosts and no
/// port (tokio-postgres reads such a host as on port 5432, leaving nothing for `PGPORT` to fill);
/// else the URL as it is. `PGPORT` holds one port, or one per host.
fn url_with_port(url: &str, split: &Split, env: Environment) -> Result<String, String> {
    let Some(port) = variable(env, "PGPORT") else {
        return Ok(url.to_string());
    };
    if split.has("port") {
        return Ok(url.to_string());
    }
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let end = url[scheme_end..]
        .find(['/', '?'])
        .map_or(url.len(), |i| scheme_end + i);
    let hosts_start = url[scheme_end..end]
        .rfind('@')
        .map_or(scheme_end, |i| scheme_end + i + 1);
    let hosts: Vec<&str> = url[hosts_start..end].split(',').collect();
    let has_port = |host: &&str| match host.strip_prefix('[') {
        Some(v6) => v6
            .split_once(']')
            .is_some_and(|(_, rest)| rest.starts_with(':')),
        None => host.contains(':'),
    };
    if url[hosts_start..end].is_empty() || hosts.iter().any(has_port) {
        return Ok(url.to_string());
    }
    tokio_postgres::Config::from_str(&format!("port='{port}'")).map_err(|err| {
        format!(
            "invalid PGPORT (libpq's `port`): {}",
            crate::diag::causes(&err)
        )
    })?;
    let ports: Vec<&str> = port.split(',').collect();
    if ports.len() != 1 && ports.len() != hosts.len() {
        return Err(format!(
            "invalid PGPORT: {} ports for {} hosts (give one, or one per host)",
            ports.len(),
            hosts.len()
        ));
    }
    let written: Vec<String> = hosts
        .iter()
        .enumerate()
        .map(|(i, host)| format!("{host}:{}", ports.get(i).unwrap_or(&ports[0])))
        .collect();
    Ok(format!(
        "{}{}{}",
        &url[..hosts_start],
        written.join(","),
        &url[end..]
    ))
}

/// A variable of the environment, an empty one read as unset.
fn variable(env: Environment, name: &str) -> Option<String> {
    env(name).filter(|value| !value.is_empty())
}

/// Fills what the connection string left out from libpq's environment variables, each read as
/// its keyword would be in the string (so its errors are tokio-postgres's, naming the variable).
fn from_environment(
    config: &mut tokio_postgres::Config,
    split: &Split,
    env: Environment,
) -> Result<(), String> {
    for (name, key) in ENVIRONMENT {
        let Some(value) = variable(env, name) else {
            continue;
        };
        if given(config, split, key) {
            continue;
        }
        let from = one_setting(key, &value)
            .map_err(|err| format!("invalid {name} (libpq's `{key}`): {err}"))?;
        copy_setting(key, &from, config);
    }
    Ok(())
}

/// What tokio-postgres reads of a connection string (the part left after quidditch's own
/// keys are taken out); the error on one line.
fn settings_of(rest: &str) -> Result<tokio_postgres::Config, String> {
    tokio_postgres::Config::from_str(rest).map_err(|err| {
        format!(
            "not a PostgreSQL connection string: {}",
            crate::diag::causes(&err)
        )
    })
}

/// `key='value'` in libpq's key-value form, the value's `\` and `'` escaped.
fn conninfo_pair(key: &str, value: &str) -> String {
    let quoted = value.replace('\\', "\\\\").replace('\'', "\\'");
    format!("{key}='{quoted}'")
}

/// The one setting `key=value`, read as tokio-postgres reads it in a connection string; the
/// error on one line.
fn one_setting(key: &str, value: &str) -> Result<tokio_postgres::Config, String> {
    tokio_postgres::Config::from_str(&conninfo_pair(key, value))
        .map_err(|err| crate::diag::causes(&err))
}

/// The directories libpq is built to look in for a server's socket when none is named (Debian
/// and Fedora, and upstream's): a password file names a socket in them as `localhost`.
const DEFAULT_SOCKET_DIRS: [&str; 3] = ["/var/run/postgresql", "/run/postgresql", "/tmp"];

/// The first of `dirs` that holds a server's socket for `port` (`.s.PGSQL.PORT`): where a
/// string that names no host connects, as libpq connects to the socket directory it was built
/// with (Debian's `/var/run/postgresql`, upstream's `/tmp`).
fn default_socket(dirs: &[&Path], port: u16) -> Option<PathBuf> {
    dirs.iter()
        .find(|dir| {
            std::fs::metadata(dir.join(format!(".s.PGSQL.{port}")))
                .is_ok_and(|meta| std::os::unix::fs::FileTypeExt::is_socket(&meta.file_type()))
        })
        .map(|dir| dir.to_path_buf())
}

/// `a`, `a or b`, `a, b or c`.
fn or_list(items: &[String]) -> String {
    match items.split_last() {
        None => "no directory".to_string(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// libpq's password file: the string's `passfile`, else `PGPASSFILE`, else `~/.pgpass`.
fn password_file(split: &Split, env: Environment) -> Option<PathBuf> {
    match split
        .value("passfile")
        .map(str::to_string)
        .or_else(|| variable(env, "PGPASSFILE"))
    {
        Some(path) => Some(PathBuf::from(path)),
        None => variable(env, "HOME").map(|home| Path::new(&home).join(".pgpass")),
    }
}

/// Sets the password from the password file when the string and the environment gave none: for
/// each host, the first line matching it, its port (else 5432), the database (else the user)
/// and the user (else the system's user name), `*` matching anything; the connection's password
/// when every host has the same, else `per_host` (a host is never sent another's). A file that
/// is missing or unreadable is no password; one that others may read is ignored, as libpq does,
/// and why is returned.
fn password_from_file(
    config: &mut tokio_postgres::Config,
    per_host: &mut Option<Vec<Option<String>>>,
    split: &Split,
    env: Environment,
) -> Option<String> {
    if config.get_password().is_some() {
        return None;
    }
    let path = password_file(split, env)?;
    let meta = std::fs::metadata(&path)
        .ok()
        .filter(std::fs::Metadata::is_file)?;
    if std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o077 != 0 {
        return Some(format!(
            "password file `{}` ignored: others may read it; its permissions should be u=rw \
             (0600) or less",
            path.display()
        ));
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let user = match config.get_user() {
        Some(user) => user.to_string(),
        None => whoami::username().ok()?,
    };
    let dbname = config.get_dbname().unwrap_or(&user).to_string();
    let ports = config.get_ports();
    let found: Vec<Option<String>> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            let names = match host {
                Host::Tcp(name) => vec![name.clone()],
                Host::Unix(dir) => {
                    let dir = dir.display().to_string();
                    let local = DEFAULT_SOCKET_DIRS.contains(&dir.as_str());
                    let mut names = vec![dir];
                    names.extend(local.then(|| "localhost".to_string()));
                    names
                }
            };
            password_in(&text, &names, &port.to_string(), &dbname, &user)
        })
        .collect();
    // One password for every host is the connection's; otherwise each host has its own (and
    // a host without a line none), as libpq looks the file up for each host it tries.
    if found.windows(2).all(|pair| pair[0] == pair[1]) {
        if let Some(Some(password)) = found.into_iter().next() {
            config.password(password);
        }
    } else {
        *per_host = Some(found);
    }
    None
}

/// The password of the first line of a password file's `text` matching one of the host's
/// `names`, `port`, `dbname` and `user`.
fn password_in(
    text: &str,
    names: &[String],
    port: &str,
    dbname: &str,
    user: &str,
) -> Option<String> {
    text.lines()
        .map(|line| line.trim_end_matches('\r'))
        .filter(|line| !line.starts_with('#'))
        .filter_map(password_line)
        .find_map(|([host, p, d, u], password)| {
            let host_matches = host == "*" || names.contains(&host);
            let matches = |field: &str, value: &str| field == "*" || field == value;
            (host_matches && matches(&p, port) && matches(&d, dbname) && matches(&u, user))
                .then_some(password)
        })
}

/// A line of a password file: its four fields before the password, and the password (the rest
/// of the line); a `\` takes the next character as it is. `None`: fewer than five fields.
fn password_line(line: &str) -> Option<([String; 4], String)> {
    let mut fields = Vec::with_capacity(4);
    let mut current = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.extend(chars.next()),
            ':' if fields.len() < 4 => fields.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    let fields: [String; 4] = fields.try_into().ok()?;
    Some((fields, current))
}

/// The hosts of a URL's `host=` value, still escaped: split at each comma, written as it is or
/// escaped (`%2C`, as a service file's settings are written into a URL), as libpq splits the
/// decoded value.
fn host_list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',')
        .flat_map(|part| part.split("%2C"))
        .flat_map(|part| part.split("%2c"))
        .filter(|host| !host.is_empty())
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

/// `reason`, an error about the connection string `value`, with every quoted word (`` `x` ``)
/// that shares a piece with the string's password written `***`. A well-formed string's
/// password is never named in an error, but a malformed one's may be read as something else,
/// and the error names that: a value (`postgresql://u:a?sslmode=hunter2@h/db`: the sslmode
/// `hunter2@h/db`), an unknown option (`password=hun ter2=1`: `ter2`), the character
/// tokio-postgres did not expect (`password hunter2`: `h`).
fn redacted(reason: &str, value: &str) -> String {
    let secrets = passwords(value);
    if secrets.is_empty() {
        return reason.to_string();
    }
    // Quoted words are the odd pieces between backticks.
    let mut out = String::with_capacity(reason.len());
    for (i, piece) in reason.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        let secret = i % 2 == 1 && secrets.iter().any(|s| shares(piece, s));
        out.push_str(if secret { "***" } else { piece });
    }
    out
}

/// Whether `piece` and `secret` have three characters in a row in common (a shorter `piece`:
/// all of it).
fn shares(piece: &str, secret: &str) -> bool {
    let chars: Vec<char> = piece.chars().collect();
    let n = chars.len().min(3);
    n > 0
        && chars
            .windows(n)
            .any(|run| secret.contains(&run.iter().collect::<String>()))
}

/// What a connection string gives as a password, as written and decoded, read loosely so that
/// a malformed string's is found too: a URL's user information (its text before the last `@`
/// ahead of the path) after its first `:`, a URL's `password=` parameter, and in the key-value
/// form what follows the keyword `password` (with or without `=`), up to the next pair whose
/// key is a libpq keyword.
fn passwords(value: &str) -> Vec<String> {
    let mut found = Vec::new();
    let scheme = ["postgresql://", "postgres://"]
        .into_iter()
        .find_map(|scheme| value.strip_prefix(scheme));
    if let Some(rest) = scheme {
        let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
        if let Some((userinfo, _)) = authority.rsplit_once('@')
            && let Some((_, password)) = userinfo.split_once(':')
        {
            found.push(password.to_string());
        }
        if let Some((_, query)) = rest.split_once('?') {
            found.extend(
                query
                    .split('&')
                    .filter_map(|pair| pair.strip_prefix("password="))
                    .map(str::to_string),
            );
        }
    } else {
        let words: Vec<&str> = value.split_whitespace().collect();
        for (i, word) in words.iter().enumerate() {
            let Some(after) = word.strip_prefix("password") else {
                continue;
            };
            if !(after.is_empty() || after.starts_with('=')) {
                continue;
            }
            let keyword = |word: &&str| {
                word.split_once('=')
                    .is_some_and(|(key, _)| CONNINFO_KEYS.contains(&key))
            };
            let mut text = vec![after.trim_start_matches('=')];
            text.extend(words[i + 1..].iter().take_while(|w| !keyword(w)));
            found.push(text.join(" ").trim_matches('\'').to_string());
        }
    }
    let decoded: Vec<String> = found.iter().map(|p| percent_decode(p)).collect();
    found.extend(decoded);
    found.retain(|p| !p.is_empty());
    found
}

/// The keywords of libpq's key-value form that may start a `--db` value. A file whose name
/// starts with one of them followed by `=` is written with a directory: `./host=x`.
const CONNINFO_KEYS: [&str; 42] = [
    "service",
    "passfile",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "connect_timeout",
    "application_name",
    "options",
    "keepalives",
    "keepalives_idle",
    "target_session_attrs",
    "channel_binding",
    "load_balance_hosts",
    // Read by libpq; either read here or refused with a reason, never taken for a file name.
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "client_encoding",
    "sslcrldir",
    "sslpassword",
    "sslnegotiation",
    "requiressl",
    "gssencmode",
    "krbsrvname",
    "gsslib",
    // libpq's other keywords (up to PostgreSQL 17): tokio-postgres refuses them as unknown
    // options, which names them.
    "fallback_application_name",
    "sslcompression",
    "sslsni",
    "sslcertmode",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "requirepeer",
    "require_auth",
    "gssdelegation",
    "replication",
];

impl DbUrl {
    /// Parses a `--db` value, reading what a PostgreSQL string leaves out from the process's
    /// environment; the error is one line for the command line's own message.
    pub fn parse(value: &str) -> Result<Self, String> {
        let dirs = DEFAULT_SOCKET_DIRS.map(Path::new);
        Self::parse_in(value, &|name| std::env::var(name).ok(), &dirs)
    }

    /// [`DbUrl::parse`] in the environment `env`, a string naming no host (nor `PGHOST`) being
    /// a server's socket in the first of `socket_dirs` that holds one. The error never holds
    /// the string's password, nor a piece of it ([`redacted`]).
    pub fn parse_in(value: &str, env: Environment, socket_dirs: &[&Path]) -> Result<Self, String> {
        Self::parse_unredacted(value, env, socket_dirs).map_err(|reason| redacted(&reason, value))
    }

    /// [`DbUrl::parse_in`], its error as its readers wrote it.
    fn parse_unredacted(
        value: &str,
        env: Environment,
        socket_dirs: &[&Path],
    ) -> Result<Self, String> {
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
        let mut split = split(value, url);
        let service = split
            .value("service")
            .map(str::to_string)
            .or_else(|| variable(env, "PGSERVICE"));
        if let Some(service) = service {
            let settings = service::lookup(&service, env)?;
            let before = settings_of(&split.rest)?;
            let value = service::merged(value, url, &settings, |key| given(&before, &split, key));
            split = self::split(&value, url);
        }
        let tls = tls_settings(&split, env)?;
        if url {
            split.rest = url_with_port(&split.rest, &split, env)?;
        }
        let mut config = settings_of(&split.rest)?;
        libpq_keywords(&split, &mut config)?;
        from_environment(&mut config, &split, env)?;
        // TLS is negotiated by quidditch's own connector, per host (never on a unix socket).
        config.ssl_mode(match tls.mode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            _ => tokio_postgres::config::SslMode::Require,
        });
        // An address alone (`hostaddr`) is its own host name, as libpq takes it: where to
        // connect, what the password file is searched for, what TLS checks.
        if config.get_hosts().is_empty() {
            for addr in config.get_hostaddrs().to_vec() {
                config.host(addr.to_string());
            }
        }
        if config.get_hosts().is_empty() {
            let port = config.get_ports().first().copied().unwrap_or(5432);
            let Some(dir) = default_socket(socket_dirs, port) else {
                let dirs: Vec<String> = socket_dirs
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect();
                return Err(format!(
                    "the PostgreSQL connection string names no host, nor does PGHOST, and no \
                     server's socket for port {port} is in {}: give a host, or a socket \
                     directory (`?host=/run/postgresql`)",
                    or_list(&dirs)
                ));
            };
            config.host_path(dir);
        }
        let mut host_passwords = None;
        let passfile_ignored = password_from_file(&mut config, &mut host_passwords, &split, env);
        Ok(DbUrl::Postgres(Box::new(PgUrl {
            config,
            tls,
            passfile_ignored,
            host_passwords,
        })))
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
                Host::Unix(dir) => sockets.push((dir.display().to_string(), port)),
            }
        }
        write!(f, "/{}", c.get_dbname().unwrap_or_default())?;
        for (i, (dir, _)) in sockets.iter().enumerate() {
            write!(f, "{}host={dir}", if i == 0 { '?' } else { '&' })?;
        }
        // A socket's port is part of its file's name (`.s.PGSQL.5433`).
        let ports: Vec<String> = sockets
            .iter()
            .filter_map(|(_, port)| port.map(u16::to_string))
            .collect();
        if !ports.is_empty() {
            write!(f, "&port={}", ports.join(","))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_postgres::config::LoadBalanceHosts;

    /// An environment with no variable set (no `HOME`, so no password file).
    fn bare(_: &str) -> Option<String> {
        None
    }

    fn parse(value: &str) -> Result<DbUrl, String> {
        DbUrl::parse_in(value, &bare, &[])
    }

    fn shown(value: &str) -> String {
        parse(value).unwrap().to_string()
    }

    /// `value` parsed in an environment of `vars`.
    fn pg_in(value: &str, vars: &[(&str, &str)]) -> Result<PgUrl, String> {
        let env = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        };
        match DbUrl::parse_in(value, &env, &[])? {
            DbUrl::Postgres(url) => Ok(*url),
            DbUrl::Sqlite(_) => panic!("{value} is PostgreSQL"),
        }
    }

    #[test]
    fn what_the_string_leaves_out_is_read_from_libpq_variables() {
        let vars = [
            ("PGHOST", "/run/pg"),
            ("PGPORT", "5433"),
            ("PGUSER", "keeper"),
            ("PGDATABASE", "league"),
            ("PGPASSWORD", "quaffle"),
            ("PGAPPNAME", "admin"),
            ("PGCONNECT_TIMEOUT", "3"),
            ("PGSSLMODE", "verify-full"),
            ("PGSSLROOTCERT", "/etc/ca.pem"),
        ];
        for empty in ["postgres://", "postgresql:///", "application_name=x"] {
            let url = pg_in(empty, &vars).unwrap();
            assert_eq!(
                url.to_string(),
                "postgresql://keeper@/league?host=/run/pg&port=5433",
                "{empty}"
            );
            assert_eq!(url.config.get_ports(), [5433]);
            assert_eq!(url.config.get_password(), Some(&b"quaffle"[..]));
            assert_eq!(
                url.config.get_connect_timeout(),
                Some(&std::time::Duration::from_secs(3))
            );
            assert_eq!(url.tls.mode, SslMode::VerifyFull);
            assert_eq!(url.tls.root, Some(PathBuf::from("/etc/ca.pem")));
        }
        // What the string says wins, in either form.
        for given in [
            "postgres://chaser:snitch@pitch:6000/cup?sslmode=disable&sslrootcert=%2Fcup.pem\
             &application_name=x&connect_timeout=9",
            "host=pitch port=6000 user=chaser password=snitch dbname=cup sslmode=disable \
             sslrootcert=/cup.pem application_name=x connect_timeout=9",
        ] {
            let url = pg_in(given, &vars).unwrap();
            assert_eq!(url.to_string(), "postgresql://chaser@pitch:6000/cup");
            assert_eq!(url.config.get_password(), Some(&b"snitch"[..]));
            assert_eq!(url.config.get_application_name(), Some("x"));
            assert_eq!(
                url.tls,
                Tls {
                    mode: SslMode::Disable,
                    root: Some(PathBuf::from("/cup.pem")),
                    system: false,
                    client: None,
                    crl: None,
                    crl_dir: None,
                }
            );
        }
        // libpq 16's PGLOADBALANCEHOSTS, unless the string says.
        let balance = |value: &str| {
            pg_in(value, &[("PGLOADBALANCEHOSTS", "random")])
                .unwrap()
                .config
                .get_load_balance_hosts()
        };
        assert_eq!(balance("postgres://a,b/db"), LoadBalanceHosts::Random);
        assert_eq!(
            balance("postgres://a,b/db?load_balance_hosts=disable"),
            LoadBalanceHosts::Disable
        );
        assert_eq!(
            pg_in("postgres://a,b/db", &[])
                .unwrap()
                .config
                .get_load_balance_hosts(),
            LoadBalanceHosts::Disable
        );
        // An empty variable is unset; a host list is a list.
        let url = pg_in("postgres:///db", &[("PGHOST", "a,/s"), ("PGUSER", "")]).unwrap();
        assert_eq!(url.to_string(), "postgresql://a/db?host=/s");
        assert_eq!(url.config.get_user(), None);
    }

    #[test]
    fn a_bad_libpq_variable_is_refused_naming_it() {
        let err = pg_in("postgres://h/db", &[("PGPORT", "seeker")]).unwrap_err();
        assert_eq!(
            err,
            "invalid PGPORT (libpq's `port`): invalid connection string: invalid value for \
             option `port`"
        );
        let err = pg_in("postgres://h/db", &[("PGSSLMODE", "always")]).unwrap_err();
        assert!(
            err.starts_with("PGSSLMODE: invalid sslmode `always`"),
            "{err}"
        );
        let err = pg_in("postgres://h/db", &[("PGTARGETSESSIONATTRS", "x")]).unwrap_err();
        assert!(err.contains("PGTARGETSESSIONATTRS"), "{err}");
        let err = pg_in("postgres://h/db", &[("PGLOADBALANCEHOSTS", "spread")]).unwrap_err();
        assert!(
            err.starts_with("invalid PGLOADBALANCEHOSTS (libpq's `load_balance_hosts`)"),
            "{err}"
        );
        let err = pg_in("postgres://a,b,c/db", &[("PGPORT", "1,2")]).unwrap_err();
        assert_eq!(
            err,
            "invalid PGPORT: 2 ports for 3 hosts (give one, or one per host)"
        );
        // Not read when the string gives the setting.
        pg_in("postgres://h:1/db", &[("PGPORT", "seeker")]).unwrap();
        pg_in("postgres://h/db?port=1", &[("PGPORT", "seeker")]).unwrap();
    }

    /// A URL's `host=` is a list of hosts, as libpq reads it (tokio-postgres took the list for
    /// one socket directory named `/a,/b`), written plainly or escaped.
    #[test]
    fn a_url_s_host_parameter_is_a_list() {
        let unix = |dir: &str| Host::Unix(PathBuf::from(dir));
        for value in [
            "postgresql://u@/db?host=/a,/b",
            "postgresql://u@/db?host=%2Fa%2C%2Fb",
            "postgresql://u@/db?host=/a&host=/b",
        ] {
            let url = pg_in(value, &[]).unwrap();
            assert_eq!(url.config.get_hosts(), [unix("/a"), unix("/b")], "{value}");
        }
        let url = pg_in("postgresql://u@/db?host=/a,pitch&port=1,2", &[]).unwrap();
        assert_eq!(
            url.config.get_hosts(),
            [unix("/a"), Host::Tcp("pitch".to_string())]
        );
        assert_eq!(url.config.get_ports(), [1, 2]);
    }

    /// libpq's keywords that tokio-postgres reads otherwise or not at all: read as libpq reads
    /// them, in either form of the string, or refused with why; never taken for a file name.
    #[test]
    fn libpq_keywords_are_read_as_libpq_reads_them() {
        for value in [
            "host=h tcp_user_timeout=1500 keepalives_count=4",
            "postgres://h/db?tcp_user_timeout=1500&keepalives_count=4",
        ] {
            let config = pg_in(value, &[]).unwrap().config;
            assert_eq!(
                config.get_tcp_user_timeout(),
                Some(&Duration::from_millis(1500)),
                "{value}"
            );
            assert_eq!(config.get_keepalives_retries(), Some(4), "{value}");
        }
        let refused = |value: &str| pg_in(value, &[]).unwrap_err();
        assert_eq!(
            refused("host=h tcp_user_timeout=5s"),
            "invalid tcp_user_timeout `5s`: a whole number of milliseconds, as libpq reads it"
        );
        assert_eq!(
            refused("host=h keepalives_count=-1"),
            "invalid keepalives_count `-1`: a whole number"
        );
        // UTF8 is what tokio-postgres speaks; any other encoding is refused.
        for encoding in ["UTF8", "utf-8", "unicode", "auto"] {
            pg_in(&format!("host=h client_encoding={encoding}"), &[]).unwrap();
        }
        assert!(
            refused("host=h client_encoding=LATIN1")
                .starts_with("client_encoding `LATIN1` cannot be used: quidditch speaks UTF8")
        );
        // No GSSAPI: only the modes that then mean no GSSAPI encryption.
        for mode in ["disable", "prefer"] {
            pg_in(
                &format!("host=h gssencmode={mode} krbsrvname=pg gsslib=gssapi"),
                &[],
            )
            .unwrap();
        }
        assert!(refused("host=h gssencmode=require").starts_with("gssencmode `require` cannot"));
        assert!(refused("host=h sslpassword=x").starts_with("sslpassword cannot be honoured"));
        // The deprecated `requiressl`, unless sslmode is given.
        let mode = |value: &str| pg_in(value, &[]).unwrap().tls.mode;
        assert_eq!(mode("host=h requiressl=1"), SslMode::Require);
        assert_eq!(mode("host=h requiressl=0"), SslMode::Prefer);
        assert_eq!(
            mode("host=h requiressl=1 sslmode=disable"),
            SslMode::Disable
        );
        assert_eq!(
            refused("host=h requiressl=yes"),
            "invalid requiressl `yes`: 1 or 0"
        );
        // A directory of revocation lists; `~/.postgresql/root.crl` is then not the default.
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join(".postgresql")).unwrap();
        std::fs::write(home.path().join(".postgresql/root.crl"), "").unwrap();
        let home = home.path().display().to_string();
        let tls = |value: &str, vars: &[(&str, &str)]| {
            let tls = pg_in(value, vars).unwrap().tls;
            (tls.crl, tls.crl_dir)
        };
        assert_eq!(
            tls("host=h sslcrldir=/etc/crls", &[("HOME", &home)]),
            (None, Some(PathBuf::from("/etc/crls")))
        );
        assert_eq!(
            tls("host=h", &[("PGSSLCRLDIR", "/env/crls")]),
            (None, Some(PathBuf::from("/env/crls")))
        );
        assert_eq!(
            tls("host=h", &[("HOME", &home)]),
            (
                Some(PathBuf::from(format!("{home}/.postgresql/root.crl"))),
                None
            )
        );
    }

    #[test]
    fn pgport_is_the_port_of_a_url_host_written_without_one() {
        let ports = |value: &str, port: &str| pg_in(value, &[("PGPORT", port)]).unwrap().config;
        assert_eq!(ports("postgres://h/db", "5433").get_ports(), [5433]);
        assert_eq!(
            ports("postgres://u:p@h?sslmode=disable", "7").get_ports(),
            [7]
        );
        assert_eq!(ports("postgres://a,[::1]/db", "1,2").get_ports(), [1, 2]);
        assert_eq!(ports("postgres://a,b/db", "9").get_ports(), [9, 9]);
        assert_eq!(ports("postgres://a:1,b/db", "9").get_ports(), [1, 5432]);
        assert_eq!(ports("postgres://[::1]:6/db", "9").get_ports(), [6]);
        assert_eq!(
            ports("postgres:///db?host=/s", "9").get_ports(),
            [9],
            "a socket given in the query"
        );
        assert_eq!(
            pg_in("postgres://h/db", &[]).unwrap().config.get_ports(),
            [5432]
        );
    }

    /// A password file holding `text`, with `mode`, and the environment naming it.
    fn password_file(text: &str, mode: u32) -> (tempfile::TempDir, String) {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let path = path.display().to_string();
        (dir, path)
    }

    fn password(url: &PgUrl) -> Option<String> {
        url.config
            .get_password()
            .map(|p| String::from_utf8(p.to_vec()).unwrap())
    }

    #[test]
    fn a_missing_password_is_read_from_the_password_file_as_libpq_does() {
        let text = "# host:port:database:user:password\n\
                    pitch:5432:cup:chaser:first\n\
                    pitch:5432:cup:chaser:shadowed\n\
                    pitch:*:*:seeker:any\\:db\\\\x:tail\r\n\
                    /run/pg:5433:league:keeper:socket\n\
                    localhost:5432:*:keeper:local\n\
                    \\:\\:1:*:*:*:v6\n\
                    too:few:fields\n";
        let (_dir, file) = password_file(text, 0o600);
        let with = |value: &str| pg_in(value, &[("PGPASSFILE", &file)]).unwrap();
        assert_eq!(
            password(&with("postgres://chaser@pitch/cup")).as_deref(),
            Some("first")
        );
        assert_eq!(
            password(&with("postgres://seeker@pitch:7/x")).as_deref(),
            Some("any:db\\x:tail")
        );
        assert_eq!(
            password(&with("host=/run/pg port=5433 user=keeper dbname=league")).as_deref(),
            Some("socket")
        );
        // A socket in a default directory is `localhost`; the database defaults to the user.
        assert_eq!(
            password(&with("host=/var/run/postgresql user=keeper")).as_deref(),
            Some("local")
        );
        // `\:` is a colon in a field: an IPv6 address.
        assert_eq!(
            password(&with("postgres://u@[::1]/db")).as_deref(),
            Some("v6")
        );
        // An address alone is looked up by the address.
        assert_eq!(
            password(&with("hostaddr=::1 user=keeper dbname=league")).as_deref(),
            Some("v6")
        );
        // No line matches: no password.
        assert_eq!(password(&with("postgres://chaser@pitch/other")), None);
        // Several hosts: each its own line's password (none without a line), never another's;
        // one password for all when they have the same.
        for value in [
            "host=nowhere,pitch user=chaser dbname=cup",
            "postgres://chaser@nowhere,pitch/cup",
        ] {
            let url = with(value);
            assert_eq!(password(&url), None, "{value}");
            assert_eq!(
                url.host_passwords,
                Some(vec![None, Some("first".to_string())]),
                "{value}"
            );
            let one = |i: usize| only_host(&url.config, i, url.host_password(i));
            assert_eq!(one(1).get_password(), Some(&b"first"[..]));
            assert_eq!(one(0).get_password(), None);
            assert_eq!(one(1).get_hosts(), [Host::Tcp("pitch".to_string())]);
        }
        let url = with("host=pitch,pitch user=chaser dbname=cup");
        assert_eq!(password(&url).as_deref(), Some("first"));
        assert_eq!(url.host_passwords, None);
        // A password given, in the string or the environment, wins.
        assert_eq!(
            password(&with("postgres://chaser:mine@pitch/cup")).as_deref(),
            Some("mine")
        );
        let env = pg_in(
            "postgres://chaser@pitch/cup",
            &[("PGPASSFILE", &file), ("PGPASSWORD", "env")],
        )
        .unwrap();
        assert_eq!(password(&env).as_deref(), Some("env"));
        // `~/.pgpass` when PGPASSFILE is unset.
        let home = std::path::Path::new(&file).parent().unwrap();
        std::fs::copy(&file, home.join(".pgpass")).unwrap();
        let url = pg_in(
            "postgres://chaser@pitch/cup",
            &[("HOME", &home.display().to_string())],
        )
        .unwrap();
        assert_eq!(password(&url).as_deref(), Some("first"));
        assert_eq!(url.passfile_ignored, None);
    }

    #[test]
    fn a_password_file_others_may_read_is_ignored_and_said() {
        let (_dir, file) = password_file("*:*:*:*:secret\n", 0o644);
        let url = pg_in("postgres://u@h/db", &[("PGPASSFILE", &file)]).unwrap();
        assert_eq!(password(&url), None);
        let why = url.passfile_ignored.unwrap();
        assert!(why.contains(&file) && why.contains("(0600)"), "{why}");
        // Not read, so not said, when a password is given.
        let url = pg_in("postgres://u:p@h/db", &[("PGPASSFILE", &file)]).unwrap();
        assert_eq!(url.passfile_ignored, None);
        // A missing file is no password, silently (as libpq).
        let url = pg_in(
            "postgres://u@h/db",
            &[("PGPASSFILE", "/nonexistent/pgpass")],
        )
        .unwrap();
        assert_eq!((password(&url), url.passfile_ignored), (None, None));
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
                matches!(parse(path), Ok(DbUrl::Sqlite(p)) if p == Path::new(path)),
                "{path}"
            );
        }
        assert!(parse("").is_err());
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
        assert_eq!(
            shown("hostaddr=127.0.0.1 port=5433 user=postgres dbname=league"),
            "postgresql://postgres@127.0.0.1:5433/league"
        );
        // The port of a socket names its file: shown, so the URL shown reaches the same server.
        for value in [
            "postgresql://postgres@/league?host=/tmp&port=5433",
            "host=/tmp port=5433 user=postgres dbname=league",
        ] {
            assert_eq!(
                shown(value),
                "postgresql://postgres@/league?host=/tmp&port=5433"
            );
        }
    }

    fn tls(value: &str) -> Tls {
        match parse(value).unwrap() {
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
                root: Some(PathBuf::from("/etc/ca.pem")),
                system: false,
                client: None,
                crl: None,
                crl_dir: None,
            }
        );
        assert_eq!(
            tls("host=h dbname=db sslmode=verify-ca sslrootcert='/a b/ca.pem' user=u"),
            Tls {
                mode: SslMode::VerifyCa,
                root: Some(PathBuf::from("/a b/ca.pem")),
                system: false,
                client: None,
                crl: None,
                crl_dir: None,
            }
        );
        // `system`: the system's authorities, with verify-full only (its default then).
        let system = tls("postgres://h/db?sslrootcert=system");
        assert_eq!(
            (system.mode, system.root, system.system),
            (SslMode::VerifyFull, None, true)
        );
        for weak in ["require", "verify-ca", "prefer", "disable"] {
            let err = parse(&format!("host=h sslrootcert=system sslmode={weak}")).unwrap_err();
            assert!(
                err.starts_with(&format!(
                    "weak sslmode `{weak}` may not be used with sslrootcert=system"
                )),
                "{err}"
            );
        }
        // A check of the chain with no authority to trust is refused, not given the system's.
        for mode in ["verify-ca", "verify-full"] {
            let err = parse(&format!("host=h sslmode={mode}")).unwrap_err();
            assert!(
                err.starts_with(&format!("sslmode={mode} needs authorities to trust")),
                "{err}"
            );
        }
        // `~/.postgresql/root.crt`, when it exists, is the authorities' file; then `require`
        // checks the chain, as libpq.
        let home = tempfile::tempdir().unwrap();
        let home_var = home.path().display().to_string();
        std::fs::create_dir(home.path().join(".postgresql")).unwrap();
        let crt = home.path().join(".postgresql/root.crt");
        std::fs::write(&crt, "").unwrap();
        for mode in ["require", "verify-full"] {
            let url = pg_in(&format!("host=h sslmode={mode}"), &[("HOME", &home_var)]).unwrap();
            assert_eq!(url.tls.root.as_ref(), Some(&crt), "{mode}");
        }
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
        let DbUrl::Postgres(url) = parse("host=h sslmode=require dbname='my db' user=u").unwrap()
        else {
            panic!()
        };
        assert_eq!(url.config.get_dbname(), Some("my db"));
        assert_eq!(url.config.get_user(), Some("u"));
    }

    /// The revocation list: `sslcrl`, else `PGSSLCRL`, else `~/.postgresql/root.crl` when it
    /// exists, as libpq.
    #[test]
    fn sslcrl_is_read_from_the_string_the_variable_or_the_home_directory() {
        let crl = |value: &str, vars: &[(&str, &str)]| pg_in(value, vars).unwrap().tls.crl;
        assert_eq!(
            crl(
                "postgres://h/db?sslcrl=%2Fetc%2Fcrl.pem",
                &[("PGSSLCRL", "/env.pem")]
            ),
            Some(PathBuf::from("/etc/crl.pem"))
        );
        assert_eq!(
            crl("host=h sslcrl=/etc/crl.pem", &[]),
            Some(PathBuf::from("/etc/crl.pem"))
        );
        assert_eq!(
            crl("host=h", &[("PGSSLCRL", "/env.pem")]),
            Some(PathBuf::from("/env.pem"))
        );
        let home = tempfile::tempdir().unwrap();
        let home_var = home.path().display().to_string();
        assert_eq!(crl("host=h", &[("HOME", &home_var)]), None);
        std::fs::create_dir(home.path().join(".postgresql")).unwrap();
        std::fs::write(home.path().join(".postgresql/root.crl"), "").unwrap();
        assert_eq!(
            crl("host=h", &[("HOME", &home_var)]),
            Some(home.path().join(".postgresql/root.crl"))
        );
    }

    #[test]
    fn what_cannot_be_connected_to_is_refused_at_parse() {
        let err = parse("postgres://h/db?sslmode=sometimes").unwrap_err();
        assert!(err.contains("invalid sslmode `sometimes`"), "{err}");
        let err = parse("postgres://h/db?bogus=1").unwrap_err();
        assert!(
            err.starts_with("not a PostgreSQL connection string: "),
            "{err}"
        );
        let err = parse("dbname=league").unwrap_err();
        assert!(err.contains("names no host, nor does PGHOST"), "{err}");
        pg_in("dbname=league", &[("PGHOST", "/run/pg")]).unwrap();
        // A string that starts with any keyword of libpq's is PostgreSQL's, never a file name:
        // one read here, or one tokio-postgres refuses by its name.
        for key in OWN_KEYS {
            assert!(CONNINFO_KEYS.contains(&key), "{key}");
        }
        let err = parse("require_auth=scram-sha-256 host=/run/pg").unwrap_err();
        assert!(err.contains("require_auth"), "{err}");
        assert!(matches!(
            parse("gsslib=gssapi host=/run/pg dbname=league"),
            Ok(DbUrl::Postgres(_))
        ));
    }

    /// A service (`service=NAME`, else `PGSERVICE`) fills what the string leaves out from the
    /// user's service file, else the system's; the string wins over it, it over libpq's
    /// variables; its mistakes are errors at their file and line.
    #[test]
    fn a_service_fills_what_the_string_leaves_out_before_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("user.conf");
        let passfile = dir.path().join("league.pgpass");
        std::fs::write(&passfile, "*:*:league:keeper:snitch\n").unwrap();
        std::fs::set_permissions(
            &passfile,
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        std::fs::write(
            &user,
            format!(
                "[league]\nhost=/run/pg\nport=5433\ndbname=league\nuser=keeper\n\
                 sslmode=verify-full\nsslrootcert=/etc/league-ca.pem\npassfile={}\n\
                 [broken]\nhost\n[nested]\nservice=league\n[unknown]\nbogus=1\n",
                passfile.display()
            ),
        )
        .unwrap();
        let system = dir.path().join("etc");
        std::fs::create_dir(&system).unwrap();
        std::fs::write(system.join("pg_service.conf"), "[cup]\nhost=/run/cup\n").unwrap();
        let file = user.display().to_string();
        let etc = system.display().to_string();
        let vars = [
            ("PGSERVICEFILE", file.as_str()),
            ("PGSYSCONFDIR", etc.as_str()),
            ("PGUSER", "from-env"),
            ("PGAPPNAME", "from-env"),
        ];
        for value in ["service=league", "postgresql://?service=league"] {
            let url = pg_in(value, &vars).unwrap();
            assert_eq!(
                url.to_string(),
                "postgresql://keeper@/league?host=/run/pg&port=5433",
                "{value}"
            );
            assert_eq!(url.tls.mode, SslMode::VerifyFull, "{value}");
            assert_eq!(password(&url).as_deref(), Some("snitch"), "{value}");
            // What the service leaves out still comes from the environment.
            assert_eq!(url.config.get_application_name(), Some("from-env"));
        }
        // The string wins over the service, PGSERVICE names one.
        let url = pg_in("postgresql://seeker@/cup?service=league", &vars).unwrap();
        assert_eq!(
            url.to_string(),
            "postgresql://seeker@/cup?host=/run/pg&port=5433"
        );
        let mut with_env = vars.to_vec();
        with_env.push(("PGSERVICE", "cup"));
        assert_eq!(
            pg_in("dbname=cup", &with_env).unwrap().to_string(),
            "postgresql://from-env@/cup?host=/run/cup"
        );
        let err = |value: &str| pg_in(value, &vars).unwrap_err();
        assert_eq!(
            err("service=nowhere"),
            format!(
                "service `nowhere` is not defined in a service file (looked in {file} and \
                 {etc}/pg_service.conf)"
            )
        );
        assert_eq!(
            err("service=broken"),
            format!("{file}:10: expected `key=value`, found no `=`")
        );
        assert_eq!(
            err("service=nested"),
            format!("{file}:12: a service cannot name another service")
        );
        assert!(
            err("service=unknown").starts_with(&format!("{file}:14: bogus: ")),
            "{}",
            err("service=unknown")
        );
    }

    /// With no host anywhere, the first default directory holding a server's socket for the
    /// port is the host; a file that is not a socket is no server; with none, the error names
    /// the directories and the port.
    #[test]
    fn no_host_is_the_first_default_directory_with_a_socket_for_the_port() {
        let (empty, plain, served) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        std::fs::write(plain.path().join(".s.PGSQL.5433"), "").unwrap();
        let _server =
            std::os::unix::net::UnixListener::bind(served.path().join(".s.PGSQL.5433")).unwrap();
        let dirs = [empty.path(), plain.path(), served.path()];
        let no_env = |_: &str| None;
        let host = |value: &str, env: Environment| match DbUrl::parse_in(value, env, &dirs) {
            Ok(DbUrl::Postgres(url)) => Ok(url.config.get_hosts().to_vec()),
            Ok(DbUrl::Sqlite(_)) => panic!("{value} is PostgreSQL"),
            Err(err) => Err(err),
        };
        let at_served = vec![Host::Unix(served.path().to_path_buf())];
        for value in ["postgresql:///league?port=5433", "dbname=league port=5433"] {
            assert_eq!(host(value, &no_env), Ok(at_served.clone()), "{value}");
        }
        let pgport = |name: &str| (name == "PGPORT").then(|| "5433".to_string());
        assert_eq!(host("postgresql:///league", &pgport), Ok(at_served));
        let err = host("postgresql:///league", &no_env).unwrap_err();
        assert_eq!(
            err,
            format!(
                "the PostgreSQL connection string names no host, nor does PGHOST, and no \
                 server's socket for port 5432 is in {}, {} or {}: give a host, or a socket \
                 directory (`?host=/run/postgresql`)",
                empty.path().display(),
                plain.path().display(),
                served.path().display()
            )
        );
        // An address alone (`hostaddr`, libpq's too) is a host: no socket is looked for.
        for value in ["hostaddr=127.0.0.1 dbname=league", "postgresql:///league"] {
            let pghostaddr = |name: &str| (name == "PGHOSTADDR").then(|| "127.0.0.1".to_string());
            assert_eq!(
                host(value, &pghostaddr),
                Ok(vec![Host::Tcp("127.0.0.1".to_string())]),
                "{value}"
            );
        }
        // A host named anywhere is used as it is, socket or not.
        let pghost = |name: &str| (name == "PGHOST").then(|| "/run/pg".to_string());
        assert_eq!(
            host("dbname=league port=5433", &pghost),
            Ok(vec![Host::Unix(PathBuf::from("/run/pg"))])
        );
    }

    /// No error about a malformed string names its password or a piece of it: each of these
    /// has the password `hunter2` (or `se?cret=1`, `hun ter2=1`), and each is refused.
    #[test]
    fn an_error_never_names_the_password() {
        for (value, shown) in [
            (
                "postgresql://postgres:hunter2@/league?host=/tmp&bogus=1",
                "not a PostgreSQL connection string: invalid connection string: unknown option \
                 `bogus`",
            ),
            (
                "postgresql://u:a?sslmode=hunter2@h/db",
                "invalid sslmode `***`: expected disable, allow, prefer, require, verify-ca or \
                 verify-full",
            ),
            (
                "host=/tmp password hunter2",
                "not a PostgreSQL connection string: invalid connection string: unexpected \
                 character at byte 19: expected `=` but got `***`",
            ),
            (
                "host=h password=hun ter2=1",
                "not a PostgreSQL connection string: invalid connection string: unknown option \
                 `***`",
            ),
            (
                "postgresql://u:pw@h/db?password=hunter2&bogus",
                "not a PostgreSQL connection string: invalid connection string: unterminated \
                 parameter",
            ),
            (
                "host=/tmp password='hunter2 dbname=x",
                "not a PostgreSQL connection string: invalid connection string: unterminated \
                 quoted connection parameter value",
            ),
            (
                "postgresql://u:hunter2@h/db?sslmode=x",
                "invalid sslmode `x`: expected disable, allow, prefer, require, verify-ca or \
                 verify-full",
            ),
        ] {
            assert_eq!(parse(value).unwrap_err(), shown, "{value}");
        }
    }
}
