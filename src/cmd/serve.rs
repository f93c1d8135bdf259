//! `quidditch serve`: the tutorial's GraphQL API over HTTP, backed by `--db`.

use anyhow::Context as _;
use clap::Args;

use crate::cli::GlobalArgs;
use crate::db::store::Store;
use crate::exit::Exit;
use crate::graphql::Api;
use crate::server;

/// Serve the GraphQL API (POST /graphql) and GraphiQL (GET /graphql) over HTTP.
///
/// The address actually bound is printed on stderr (`listening on http://…/graphql`), so
/// `--bind 127.0.0.1:0` picks a free port. SIGINT or SIGTERM stops the server after the requests
/// in flight. With -v, one line per request is logged on stderr.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  quidditch serve\n  quidditch --db league.db serve --bind 0.0.0.0:8080 -v\n  curl -s localhost:5000/graphql -H 'content-type: application/json' \\\n    -d '{\"query\":\"{ getGame(id: 8) { level winnerId } }\"}'"
)]
pub struct ServeArgs {
    /// The address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:5000", value_name = "ADDR")]
    pub bind: String,
}

pub fn run(args: &ServeArgs, global: &GlobalArgs) -> anyhow::Result<Exit> {
    let store = Store::open(&global.db).map_err(|err| super::query::missing_db(err, &global.db))?;
    let api = Api::new(store);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    runtime.block_on(async {
        let listener = server::bind(&args.bind).await?;
        let addr = listener
            .local_addr()
            .context("failed to read the bound address")?;
        eprintln!("listening on {}", server::endpoint_url(addr));
        server::serve(listener, api, shutdown_signal()).await?;
        tracing::info!("shut down");
        anyhow::Ok(())
    })?;
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
