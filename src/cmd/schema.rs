//! `quidditch schema print|pull`: the embedded schema's SDL, or a server's, by introspection.

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};

use crate::cli::{AdminSecretArgs, GlobalArgs};
use crate::client::{Transport, describe_errors};
use crate::exit::Exit;
use crate::graphql::{self, introspection};

/// Print the GraphQL schema, or pull a server's.
///
/// `schema print` writes the SDL of the API that `serve` and `query` execute (the committed
/// `schema.graphql`); `schema pull --endpoint URL` asks a running server for its schema by
/// introspection and prints it as SDL, so two servers can be compared with `diff`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  quidditch schema print > schema.graphql\n  quidditch schema pull --endpoint http://127.0.0.1:5000/graphql"
)]
pub struct SchemaArgs {
    #[command(subcommand)]
    pub command: SchemaCommand,
}

#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Print the SDL of the schema `serve` and `query` execute (the committed `schema.graphql`).
    #[command(after_help = "Example:\n  quidditch schema print > schema.graphql")]
    Print,
    /// Ask a server for its schema by introspection and print it as SDL.
    #[command(
        after_help = "Example:\n  quidditch schema pull --endpoint http://127.0.0.1:5000/graphql"
    )]
    Pull {
        /// The server's GraphQL endpoint.
        #[arg(long, env = "QUIDDITCH_ENDPOINT", value_name = "URL")]
        endpoint: String,
        #[command(flatten)]
        admin: AdminSecretArgs,
    },
}

pub fn run(args: &SchemaArgs, global: &GlobalArgs) -> anyhow::Result<Exit> {
    if global.format == crate::output::Format::Json {
        bail!(
            "`schema` prints SDL only: drop `--format json` (the introspection JSON is what \
             `quidditch query raw` prints for an introspection query)"
        );
    }
    let sdl = match &args.command {
        SchemaCommand::Print => graphql::sdl(),
        SchemaCommand::Pull { endpoint, admin } => pull(endpoint, admin)?,
    };
    // Written whole and at once: a closed pipe (`schema print | head`) ends quietly in `lib::run`.
    std::io::Write::write_all(&mut std::io::stdout().lock(), sdl.as_bytes())?;
    Ok(Exit::Success)
}

fn pull(endpoint: &str, admin: &AdminSecretArgs) -> anyhow::Result<String> {
    // Introspection is open to everyone; the admin secret is sent only when it is set.
    let headers = admin
        .secret()
        .map(|secret| vec![("x-quidditch-admin-secret", secret.to_string())])
        .unwrap_or_default();
    let transport = Transport::http(endpoint, headers)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    let body = serde_json::json!({ "query": introspection::QUERY });
    let response = runtime.block_on(transport.send(&body))?;
    if let Some(errors) = response
        .get("errors")
        .and_then(|e| e.as_array())
        .filter(|e| !e.is_empty())
    {
        let errors: Vec<graphql_client::Error> =
            serde_json::from_value(serde_json::Value::Array(errors.clone()))
                .context("the server's errors are not GraphQL errors")?;
        bail!("{}", describe_errors(&errors));
    }
    let data = response
        .get("data")
        .context("the introspection answer has no data")?;
    introspection::to_sdl(data).with_context(|| format!("schema of {endpoint}"))
}
