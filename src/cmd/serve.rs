//! `quidditch serve`: the tutorial's GraphQL API over HTTP, backed by `--db`.

use anyhow::Context as _;
use clap::Args;

use std::sync::Arc;
use std::time::Duration;

use crate::authz::policy::Identity;
use crate::cli::GlobalArgs;
use crate::db::sql::Dialect;
use crate::decision_log::DecisionLog;
use crate::enforce::Gate;
use crate::exit::Exit;
use crate::graphql::Api;
use crate::identity::{AuthConfig, Verifier};
use crate::jwks::{Jwks, Source};
use crate::server;

/// Serve the GraphQL API over HTTP.
///
/// `POST /graphql` answers GraphQL requests (JSON), and so does `GET /graphql?query=…` (never a
/// mutation: 405); a browser's `GET /graphql` (`Accept: text/html`) is GraphiQL, served from the
/// binary (it works offline). Answers are `application/graphql-response+json` when the request
/// accepts it, else `application/json`. Every request is authorized by `policies.toml`, as `quidditch authz
/// explain` shows: no credentials is `anonymous`; `Authorization: Bearer <token>` is the token's
/// subject (`[identity]` in policies.toml says which claim, and how it names a player or staff
/// member); the admin secret is the admin, or with `X-Quidditch-User: REF` that user. Bad
/// credentials, or one of these headers sent twice, get HTTP 401. A POST must be
/// `Content-Type: application/json` (else 415).
///
/// `GET /healthz` is the health check for a load balancer, as Hasura's: 200 `OK` when a request
/// can be decided now (the database answers and still has every table and column the policies
/// name), else 500 `ERROR`, with the reason logged.
///
/// No client can hold the server: a query past --request-timeout is cancelled (504); a head,
/// body or keep-alive connection slower than its timeout is closed, and so is one whose client
/// does not read its answer (--write-timeout); past --max-connections new connections wait until
/// one closes.
///
/// The address actually bound is printed on stderr (`listening on http://…/graphql`), so
/// `--bind 127.0.0.1:0` picks a free port. SIGINT or SIGTERM stops the server after the requests
/// in flight. With -v, one line per request is logged on stderr.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  quidditch serve
  quidditch --db league.db serve --bind 0.0.0.0:8080 -v
  quidditch serve --request-timeout 2s --idle-timeout 30s --max-connections 256
  quidditch --db postgresql:///league serve --pool-size 32
  quidditch --db postgresql://league@primary/league serve \\
    --read-url postgresql://league@standby/league
  quidditch serve --jwks-url https://TENANT.eu.auth0.com/.well-known/jwks.json
  quidditch serve --jwks-file jwks.json --jwks-refresh 1h
  quidditch serve --decision-log decisions.jsonl --decision-log-max 10MB
  quidditch authz log decisions.jsonl --denied
  export QUIDDITCH_ADMIN_SECRET=$(head -c 16 /dev/urandom | base64)
  quidditch serve &
  curl -s 127.0.0.1:5000/graphql -H 'content-type: application/json' \\
    -H \"x-quidditch-admin-secret: $QUIDDITCH_ADMIN_SECRET\" \\
    -d '{\"query\":\"{ getGame(id: 8) { level winnerId } }\"}'")]
pub struct ServeArgs {
    /// The address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:5000", value_name = "ADDR")]
    pub bind: String,

    #[command(flatten)]
    pub policy: super::authz::PolicyArgs,

    /// Accept HS256 tokens signed with this secret (`quidditch authz token` mints them).
    #[arg(
        long,
        env = "QUIDDITCH_JWT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub jwt_secret: Option<String>,

    /// Accept RS256 tokens verified with this PEM public key (tokens issued elsewhere) instead.
    #[arg(
        long,
        env = "QUIDDITCH_JWT_PUBLIC_KEY",
        value_name = "PEM",
        conflicts_with = "jwt_secret"
    )]
    pub jwt_public_key: Option<std::path::PathBuf>,

    /// Accept tokens signed by an identity provider: RS256, ES256 and EdDSA keys from the JWKS
    /// at this URL, chosen by the token's `kid`. Read at start (unreachable: the server does not
    /// start), again every --jwks-refresh and when a token names an unknown `kid` (at most every
    /// 10 s); a later failure keeps the last good keys and logs a warning. `[identity]` in
    /// policies.toml maps the token's subject to a player or staff member.
    #[arg(
        long,
        env = "QUIDDITCH_JWKS_URL",
        value_name = "URL",
        conflicts_with_all = ["jwt_secret", "jwt_public_key", "jwks_file"]
    )]
    pub jwks_url: Option<String>,

    /// Like --jwks-url, from a JWKS file (offline use): read at start and again like the URL.
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with_all = ["jwt_secret", "jwt_public_key"]
    )]
    pub jwks_file: Option<std::path::PathBuf>,

    /// How often the JWKS is read again, whatever tokens arrive.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "10m",
        value_parser = parse_timeout
    )]
    pub jwks_refresh: Duration,

    /// Require this `iss` claim in tokens (over `[identity] issuer`).
    #[arg(long, env = "QUIDDITCH_JWT_ISSUER", value_name = "ISS")]
    pub jwt_issuer: Option<String>,

    /// Require this `aud` claim in tokens (over `[identity] audience`).
    #[arg(long, env = "QUIDDITCH_JWT_AUDIENCE", value_name = "AUD")]
    pub jwt_audience: Option<String>,

    /// Clock skew tolerated on tokens: accepted this long past `exp`, and this long before their
    /// `nbf` or `iat` (a token not yet valid, or issued in the future, is refused). Over
    /// `[identity] clock_skew`; without either, none.
    #[arg(
        long,
        env = "QUIDDITCH_JWT_LEEWAY",
        value_name = "DURATION",
        value_parser = parse_leeway
    )]
    pub jwt_leeway: Option<Duration>,

    /// Cancel a query still running after this long, answering 504 with a `REQUEST_TIMEOUT`
    /// error. On PostgreSQL also the `statement_timeout` of the server's connections, so a read
    /// waiting for a lock ends then too. Durations: `500ms`, `10s`, `2m`.
    #[arg(
        long,
        env = "QUIDDITCH_REQUEST_TIMEOUT",
        value_name = "DURATION",
        default_value = "10s",
        value_parser = parse_timeout
    )]
    pub request_timeout: Duration,

    /// Close a connection whose request head (or first request) has not fully arrived after
    /// this long.
    #[arg(
        long,
        env = "QUIDDITCH_HEADER_TIMEOUT",
        value_name = "DURATION",
        default_value = "10s",
        value_parser = parse_timeout
    )]
    pub header_timeout: Duration,

    /// Answer 408 and close the connection when a request body has not fully arrived this long
    /// after its head.
    #[arg(
        long,
        env = "QUIDDITCH_BODY_TIMEOUT",
        value_name = "DURATION",
        default_value = "10s",
        value_parser = parse_timeout
    )]
    pub body_timeout: Duration,

    /// Close a keep-alive connection that sends no new request for this long.
    #[arg(
        long,
        env = "QUIDDITCH_IDLE_TIMEOUT",
        value_name = "DURATION",
        default_value = "60s",
        value_parser = parse_timeout
    )]
    pub idle_timeout: Duration,

    /// Close a connection whose client takes none of its answer for this long (it sends a request
    /// and does not read the response).
    #[arg(
        long,
        env = "QUIDDITCH_WRITE_TIMEOUT",
        value_name = "DURATION",
        default_value = "10s",
        value_parser = parse_timeout
    )]
    pub write_timeout: Duration,

    /// Connections open at once; further ones wait (in the listen queue) until one closes.
    #[arg(
        long,
        env = "QUIDDITCH_MAX_CONNECTIONS",
        value_name = "N",
        default_value = "1024"
    )]
    pub max_connections: std::num::NonZeroUsize,

    /// Threads serving requests, each with the connections it accepted [default: one per core;
    /// on PostgreSQL two per core, as a read blocks its worker for a round trip].
    #[arg(long, env = "QUIDDITCH_WORKERS", value_name = "N")]
    pub workers: Option<std::num::NonZeroUsize>,

    /// On PostgreSQL: database connections open at most. A request holds one from its first
    /// read to its end; past this many, reads wait for one to be free (at most 10 s, then the
    /// request fails). Ignored on SQLite.
    #[arg(
        long,
        env = "QUIDDITCH_POOL_SIZE",
        value_name = "N",
        default_value = "16"
    )]
    pub pool_size: std::num::NonZeroUsize,

    /// On PostgreSQL: read from this database instead of --db, a hot standby of it (streaming
    /// replication). Every request reads one snapshot of the standby, so answers lag the primary
    /// by the replication delay. --db stays the primary: it must be reachable at start, and the
    /// `db` commands (and any write) go there.
    // The text as given, parsed in `run` (as `--db` is): a bad value is a command's error that
    // never shows the password.
    #[arg(
        long,
        env = "QUIDDITCH_READ_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub read_url: Option<String>,

    /// Write one JSON line per `POST /graphql` to this file (`-`: stderr): time, subject, roles,
    /// operation name, document hash, rows and fields withheld with the policies behind them,
    /// limit refusals, latency. Never a token or secret. `quidditch authz log` summarizes it.
    #[arg(long, value_name = "PATH")]
    pub decision_log: Option<std::path::PathBuf>,

    /// Rotate the decision log when it reaches this size (`100MB`, `64KB`, bytes): PATH becomes
    /// PATH.1, PATH.1 becomes PATH.2, …
    #[arg(
        long,
        value_name = "SIZE",
        default_value = "100MB",
        value_parser = crate::decision_log::parse_size
    )]
    pub decision_log_max: u64,

    /// Rotated decision logs kept (PATH.1 … PATH.N); older ones are deleted.
    #[arg(long, value_name = "N", default_value = "5")]
    pub decision_log_keep: usize,

    /// Write the decision log's buffered lines this often (`100ms`, `1s`), and at shutdown; a
    /// process killed outright loses at most this much of it. `0`: each line at once (one write
    /// per request, slower).
    #[arg(long, value_name = "DURATION", default_value = "100ms", value_parser = parse_duration)]
    pub decision_log_flush: Duration,

    /// The admin secret: `X-Quidditch-Admin-Secret` with it acts as admin, and may impersonate
    /// with `X-Quidditch-User: REF`.
    #[arg(
        long,
        env = "QUIDDITCH_ADMIN_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub admin_secret: Option<String>,
}

/// The credentials the server accepts, from the flags and environment, and `[identity]` for what
/// the flags leave unset.
fn auth_config(args: &ServeArgs, identity: &Identity) -> anyhow::Result<AuthConfig> {
    let jwks = match (&args.jwks_url, &args.jwks_file) {
        (Some(url), _) if !url.is_empty() => Some(Source::Url(url.clone())),
        (_, Some(path)) => Some(Source::File(path.clone())),
        _ => None,
    };
    let verifier = match (&args.jwt_secret, &args.jwt_public_key, jwks) {
        (_, _, Some(source)) => {
            let keys = Jwks::start(&source, args.jwks_refresh)?;
            tracing::info!("JWKS keys: {}", keys.kids().join(", "));
            Some(Verifier::jwks(keys))
        }
        (Some(secret), _, None) if !secret.is_empty() => Some(Verifier::hs256(secret.as_bytes())),
        (_, Some(path), None) => {
            let pem = std::fs::read(path)
                .with_context(|| format!("failed to read the token key `{}`", path.display()))?;
            Some(
                Verifier::rs256_pem(&pem)
                    .with_context(|| format!("token key `{}`", path.display()))?,
            )
        }
        _ => None,
    };
    let verifier = verifier.map(|v| {
        v.with_issuer(args.jwt_issuer.clone().or_else(|| identity.issuer.clone()))
            .with_audience(
                args.jwt_audience
                    .clone()
                    .or_else(|| identity.audience.clone()),
            )
            .with_leeway(
                args.jwt_leeway
                    .map(|d| d.as_secs())
                    .or(identity.clock_skew)
                    .unwrap_or(0),
            )
    });
    Ok(AuthConfig {
        verifier,
        admin_secret: args.admin_secret.clone().filter(|s| !s.is_empty()),
    })
}

/// Worker threads when `--workers` is not given: one per core on SQLite, whose reads run on
/// the worker's core; two per core on PostgreSQL, whose reads block their worker (and every
/// connection dealt to it) for a round trip to the server, while the core could serve
/// another worker's requests (README, "PostgreSQL": the figures).
fn default_workers(dialect: Dialect) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    match dialect {
        Dialect::Sqlite => cores,
        Dialect::Postgres => 2 * cores,
    }
}

pub fn run(args: &ServeArgs, global: &GlobalArgs) -> anyhow::Result<Exit> {
    let store = match &args.read_url {
        // A read waiting on PostgreSQL holds its async worker (`db::pg::inline`), where the
        // request timeout cannot fire: the database itself stops the statement at that bound.
        None => global.open_store(args.pool_size.get(), Some(args.request_timeout))?,
        Some(raw) => {
            let standby = crate::db::DbUrl::parse(raw)
                .map_err(|reason| anyhow::anyhow!("--read-url: {reason}"))?;
            global.open_standby(&standby, args.pool_size.get(), Some(args.request_timeout))?
        }
    };
    let (set, source) = global.lend(&store, |conn| args.policy.load_checked_from(conn))?;
    let auth = auth_config(args, &set.identity)?;
    let gate = Gate::new(auth, set, source, store.clone())?;
    let open = gate.accepts_credentials();
    let gate: Arc<dyn server::Authenticate> = Arc::new(gate);
    let dialect = store.dialect();
    let api = Api::new(store);
    let decisions = args
        .decision_log
        .as_deref()
        .map(|path| {
            DecisionLog::open(
                path,
                args.decision_log_max,
                args.decision_log_keep,
                args.decision_log_flush,
            )
        })
        .transpose()?
        .map(Arc::new);
    let listener = server::bind(&args.bind)?;
    let addr = listener
        .local_addr()
        .context("failed to read the bound address")?;
    eprintln!("listening on {}", server::endpoint_url(addr));
    if !open {
        eprintln!(
            "warning: neither QUIDDITCH_JWT_SECRET nor QUIDDITCH_ADMIN_SECRET is set: only anonymous access is possible"
        );
    }
    let workers = args
        .workers
        .map_or_else(|| default_workers(dialect), std::num::NonZeroUsize::get);
    let bounds = server::Bounds {
        request_timeout: args.request_timeout,
        header_timeout: args.header_timeout,
        body_timeout: args.body_timeout,
        idle_timeout: args.idle_timeout,
        write_timeout: args.write_timeout,
        max_connections: args.max_connections.get(),
    };
    server::serve(
        listener,
        workers,
        api,
        gate,
        bounds,
        decisions,
        shutdown_signal(),
    )?;
    tracing::info!("shut down");
    Ok(Exit::Success)
}

/// Parses a duration such as `500ms`, `10s`, `2m` or `1h` (a bare number is seconds).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: write e.g. `500ms`, `10s` or `2m`"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "" | "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n.saturating_mul(60))),
        "h" => Ok(Duration::from_secs(n.saturating_mul(3600))),
        _ => Err(format!(
            "`{text}` has an unknown unit `{unit}`: use ms, s, m or h"
        )),
    }
}

/// A timeout: a duration that is not zero (a zero timeout would refuse every request).
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration.is_zero() {
        return Err(format!(
            "`{}` is zero: a timeout must be positive",
            text.trim()
        ));
    }
    Ok(duration)
}

/// A clock skew: whole seconds.
fn parse_leeway(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration.subsec_nanos() != 0 {
        return Err(format!(
            "`{}` is not whole seconds: token times are in seconds",
            text.trim()
        ));
    }
    Ok(duration)
}

/// Completes at the first SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        // If the handler cannot be installed, only SIGTERM (or a kill) stops the server.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
