//! The command line, as clap derive types. Only this file and `cmd/` know about clap.

use std::sync::OnceLock;

use clap::{Args, Parser, Subcommand};

use crate::cmd;
use crate::db::DbUrl;
use crate::exit::Exit;
use crate::output::Format;

const AFTER_HELP: &str = "\
Exit codes:
  0   success
  1   error (bad input, missing file, unreachable server)
  2   denied (`authz check`), or differences (`authz diff --exit-code`)
  3   failed policy tests (`authz test`)
  64  usage error: an unknown flag or subcommand, a missing or bad value (EX_USAGE)

Examples:
  quidditch db seed                 create ./quidditch.db and load seeder.toml
  quidditch db status               path, schema version and row counts
  quidditch --format json db status the same, as JSON
  quidditch query get-game 8        a game, in-process over the database
  quidditch serve                   the API on http://127.0.0.1:5000/graphql
  quidditch authz explain --user \"Harry Potter\" --action read --resource game:8

Environment:
  QUIDDITCH_DB              the database file, or a PostgreSQL URL (--db)
  QUIDDITCH_POLICIES        the policy file (--policies)
  QUIDDITCH_ENDPOINT        the GraphQL server of `query` and `schema pull` (--endpoint)
  QUIDDITCH_TOKEN           the access token `query` sends (--token)
  QUIDDITCH_WORKERS         `serve`'s worker threads (--workers)
  QUIDDITCH_POOL_SIZE       `serve`'s PostgreSQL connections at most (--pool-size)
  QUIDDITCH_READ_URL        the hot standby `serve` reads from (--read-url)
  QUIDDITCH_REQUEST_TIMEOUT `serve` cancels a query running longer (--request-timeout)
  QUIDDITCH_HEADER_TIMEOUT  `serve` closes a connection whose request head is slower
                            (--header-timeout)
  QUIDDITCH_BODY_TIMEOUT    `serve` answers 408 to a body slower (--body-timeout)
  QUIDDITCH_IDLE_TIMEOUT    `serve` closes an idle keep-alive connection (--idle-timeout)
  QUIDDITCH_WRITE_TIMEOUT   `serve` closes a connection whose client does not read its answer
                            (--write-timeout)
  QUIDDITCH_MAX_CONNECTIONS `serve`'s cap on open connections (--max-connections)
  QUIDDITCH_ADMIN_SECRET    the admin secret: `serve` accepts it, `query` and `schema pull`
                            send it (--admin-secret)
  QUIDDITCH_JWT_SECRET      the HS256 token secret: `serve` verifies with it, `authz token`
                            and `query --as` mint with it (--jwt-secret, --secret)
  QUIDDITCH_JWT_PUBLIC_KEY  a PEM file: `serve` verifies RS256 tokens with it (--jwt-public-key)
  QUIDDITCH_JWT_ISSUER      the `iss` claim tokens carry (--jwt-issuer, --issuer)
  QUIDDITCH_JWT_AUDIENCE    the `aud` claim tokens carry (--jwt-audience, --audience)
  QUIDDITCH_JWT_LEEWAY      the clock skew `serve` allows on `exp`, `nbf`, `iat`
                            (--jwt-leeway)
  QUIDDITCH_JWKS_URL        an identity provider's JWKS: `serve` verifies RS256, ES256 and
                            EdDSA tokens with its keys (--jwks-url)
  QUIDDITCH_LOG             what is logged on stderr, as a tracing filter (`info`, `debug`);
                            overrides -v
  PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGPASSFILE PGSSLMODE PGSSLROOTCERT
  PGSSLCERT PGSSLKEY PGSSLCRL PGSSLCRLDIR PGAPPNAME PGOPTIONS PGCONNECT_TIMEOUT
  PGTARGETSESSIONATTRS PGCHANNELBINDING PGLOADBALANCEHOSTS
                            libpq's, read as psql reads them: what a PostgreSQL --db leaves
                            out; a password from PGPASSFILE, else ~/.pgpass, when none is given
  PGSERVICE PGSERVICEFILE PGSYSCONFDIR
                            libpq's connection service: the service a PostgreSQL --db uses when
                            it names none (service=NAME), looked up in PGSERVICEFILE (else
                            ~/.pg_service.conf), else PGSYSCONFDIR/pg_service.conf (else
                            /etc/postgresql-common/pg_service.conf)
  HOME                      where ~/.pgpass, ~/.pg_service.conf and ~/.postgresql/ (root.crt,
                            root.crl, postgresql.crt and .key) are
  NO_COLOR                  no colour, also on a terminal";

/// Admin tool for a GraphQL-backed quidditch league.
///
/// Seeds and inspects the league database, runs typed GraphQL queries against a server or
/// in-process, serves the API, and explains every authorization decision.
#[derive(Debug, Parser)]
#[command(name = "quidditch", version, propagate_version = true, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The process's command line, or the code it ends with once clap has printed why not:
    /// `--help` and `--version` (stdout, 0), or a usage error (stderr, [`Exit::Usage`]: 64, not
    /// clap's 2, which `authz check` gives a deny).
    pub fn from_args() -> Result<Cli, Exit> {
        Cli::try_parse().map_err(|err| {
            // Nothing useful can be done if the stream is gone.
            let _ = err.print();
            if err.use_stderr() {
                Exit::Usage
            } else {
                Exit::Success
            }
        })
    }
}

/// Flags every subcommand accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The database: a SQLite file, or a PostgreSQL URL.
    ///
    /// A path is a SQLite file. `postgresql://USER@HOST/NAME` (`?host=/socket/dir` for a unix
    /// socket), or libpq's `host=/socket/dir dbname=NAME`, is a PostgreSQL database; every
    /// command runs on either. Over TCP, TLS (rustls) follows libpq's `sslmode` (`prefer` by
    /// default, `disable`, `require`, `verify-ca`, `verify-full`), `sslrootcert` (a PEM file
    /// of trusted authorities, else `~/.postgresql/root.crt`; `system`: the system's),
    /// `sslcrl` (revocation lists) and `sslcert`/`sslkey` (a client certificate); SCRAM
    /// passwords are bound to the channel when the server offers it (`channel_binding=require`
    /// insists). What the string leaves out is
    /// read from a connection service (`service=NAME`, `~/.pg_service.conf`), then from libpq's
    /// variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`, `PGPASSWORD`, …), and a password
    /// from `~/.pgpass` (or `PGPASSFILE`), as `psql` reads them; with no host at all, a local
    /// server's socket (`/var/run/postgresql`, `/run/postgresql`, `/tmp`).
    // The text as given: parsed by `GlobalArgs::db_url` when a command opens the database, so
    // that a bad value is a command's error (exit 1, the password never shown), not clap's
    // usage error, which prints the value back. The variable's value is hidden from `--help`
    // for the same reason.
    #[arg(
        long,
        global = true,
        env = "QUIDDITCH_DB",
        hide_env_values = true,
        default_value = "quidditch.db",
        value_name = "PATH|URL",
        value_hint = clap::ValueHint::FilePath
    )]
    pub db: String,

    /// `db` parsed, the first time a command asks for it.
    #[arg(skip)]
    db_url: OnceLock<DbUrl>,

    /// How results are printed on stdout.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// More logging on stderr (-v: info, -vv: debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

impl GlobalArgs {
    /// `--db` (or `QUIDDITCH_DB`) parsed, once: a value that cannot be read is an error
    /// `--db: REASON`, whose reason never holds the password.
    pub fn db_url(&self) -> anyhow::Result<&DbUrl> {
        if let Some(url) = self.db_url.get() {
            return Ok(url);
        }
        let url = DbUrl::parse(&self.db).map_err(|reason| anyhow::anyhow!("--db: {reason}"))?;
        Ok(self.db_url.get_or_init(|| url))
    }
}

/// The subcommands.
// INVARIANT: no doc comments on these variants. A variant's doc comment would replace the
// `about` and `long_about` of its `XxxArgs` (whose doc comment is the command's `--help`: the
// first line the summary, the rest the long text), and `serve --help` would lose its long text.
#[derive(Debug, Subcommand)]
pub enum Command {
    Db(cmd::db::DbArgs),
    Authz(cmd::authz::AuthzArgs),
    Query(cmd::query::QueryArgs),
    Serve(cmd::serve::ServeArgs),
    Schema(cmd::schema::SchemaArgs),
    Completions(cmd::completions::CompletionsArgs),
}

/// The admin secret a client sends (`query`, `schema pull`).
#[derive(Debug, Args)]
pub struct AdminSecretArgs {
    /// Send this admin secret as `X-Quidditch-Admin-Secret` (the server's `--admin-secret`).
    /// HTTP only.
    #[arg(
        long,
        global = true,
        env = "QUIDDITCH_ADMIN_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub admin_secret: Option<String>,
}

impl AdminSecretArgs {
    /// The secret, unless unset or empty (an empty variable sends nothing).
    pub fn secret(&self) -> Option<&str> {
        self.admin_secret.as_deref().filter(|s| !s.is_empty())
    }
}

/// What a client needs to mint an HS256 access token itself (`query --as` over HTTP).
#[derive(Debug, Args)]
pub struct JwtArgs {
    /// Mint a token for `--as` with this HS256 secret (the server's `--jwt-secret`). HTTP only.
    #[arg(
        long,
        global = true,
        env = "QUIDDITCH_JWT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub jwt_secret: Option<String>,
    /// The `iss` claim of a minted token.
    #[arg(long, global = true, env = "QUIDDITCH_JWT_ISSUER", value_name = "ISS")]
    pub jwt_issuer: Option<String>,
    /// The `aud` claim of a minted token.
    #[arg(
        long,
        global = true,
        env = "QUIDDITCH_JWT_AUDIENCE",
        value_name = "AUD"
    )]
    pub jwt_audience: Option<String>,
}

impl JwtArgs {
    /// The signing secret, unless unset or empty.
    pub fn secret(&self) -> Option<&str> {
        self.jwt_secret.as_deref().filter(|s| !s.is_empty())
    }

    /// The `iss` claim, unless unset or empty.
    pub fn issuer(&self) -> Option<&str> {
        self.jwt_issuer.as_deref().filter(|s| !s.is_empty())
    }

    /// The `aud` claim, unless unset or empty.
    pub fn audience(&self) -> Option<&str> {
        self.jwt_audience.as_deref().filter(|s| !s.is_empty())
    }
}
