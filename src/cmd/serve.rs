//! `quidditch serve`: the tutorial's GraphQL API over HTTP, backed by `--db`.

use anyhow::Context as _;
use clap::Args;

use std::sync::Arc;

use crate::cli::GlobalArgs;
use crate::db::store::Store;
use crate::enforce::Gate;
use crate::exit::Exit;
use crate::graphql::Api;
use crate::identity::{AuthConfig, Verifier};
use crate::server;

/// Serve the GraphQL API over HTTP.
///
/// `POST /graphql` answers GraphQL requests (JSON); `GET /graphql` is GraphiQL, served from the
/// binary (it works offline). Every request is authorized by `policies.toml`, as `quidditch authz
/// explain` shows: no credentials is `anonymous`; `Authorization: Bearer <token>` is the token's
/// subject; the admin secret is the admin, or with `X-Quidditch-User: REF` that user. Bad
/// credentials get HTTP 401.
///
/// The address actually bound is printed on stderr (`listening on http://…/graphql`), so
/// `--bind 127.0.0.1:0` picks a free port. SIGINT or SIGTERM stops the server after the requests
/// in flight. With -v, one line per request is logged on stderr.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  quidditch serve
  quidditch --db league.db serve --bind 0.0.0.0:8080 -v
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

    /// Require this `iss` claim in tokens.
    #[arg(long, env = "QUIDDITCH_JWT_ISSUER", value_name = "ISS")]
    pub jwt_issuer: Option<String>,

    /// Require this `aud` claim in tokens.
    #[arg(long, env = "QUIDDITCH_JWT_AUDIENCE", value_name = "AUD")]
    pub jwt_audience: Option<String>,

    /// Threads serving requests, each with the connections it accepted [default: one per core].
    #[arg(long, env = "QUIDDITCH_WORKERS", value_name = "N")]
    pub workers: Option<std::num::NonZeroUsize>,

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

/// The credentials the server accepts, from the flags and environment.
fn auth_config(args: &ServeArgs) -> anyhow::Result<AuthConfig> {
    let verifier = match (&args.jwt_secret, &args.jwt_public_key) {
        (Some(secret), _) if !secret.is_empty() => Some(Verifier::hs256(secret.as_bytes())),
        (_, Some(path)) => {
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
        v.with_issuer(args.jwt_issuer.clone())
            .with_audience(args.jwt_audience.clone())
    });
    Ok(AuthConfig {
        verifier,
        admin_secret: args.admin_secret.clone().filter(|s| !s.is_empty()),
    })
}

pub fn run(args: &ServeArgs, global: &GlobalArgs) -> anyhow::Result<Exit> {
    let store = Store::open(&global.db).map_err(|err| super::db_error(err, &global.db))?;
    let set = store
        .lend(|conn| args.policy.load_checked(conn))
        .map_err(|err| super::db_error(err, &global.db))??;
    let auth = auth_config(args)?;
    let gate = Gate::new(auth, set, store.clone())?;
    let open = gate.accepts_credentials();
    let gate: Arc<dyn server::Authenticate> = Arc::new(gate);
    let api = Api::new(store);
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
    let workers = args.workers.map_or_else(
        || std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
        std::num::NonZeroUsize::get,
    );
    server::serve(listener, workers, api, gate, shutdown_signal())?;
    tracing::info!("shut down");
    Ok(Exit::Success)
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
