//! One file per subcommand: its clap `Args` and a `run` that returns an [`Exit`](crate::exit::Exit).

pub mod authz;
pub mod completions;
pub mod db;
pub mod defaults;
pub mod query;
pub mod schema;
pub mod serve;

use std::path::Path;

use crate::cli::{Cli, Command};
use crate::exit::Exit;

/// Dispatches a parsed command line to its subcommand.
pub fn run(cli: &Cli) -> anyhow::Result<Exit> {
    let global = &cli.global;
    match &cli.command {
        Command::Db(args) => db::run(args, global),
        Command::Authz(args) => authz::run(args, global),
        Command::Query(args) => query::run(args, global),
        Command::Serve(args) => serve::run(args, global),
        Command::Schema(args) => schema::run(args, global),
        Command::Completions(args) => completions::run(args),
    }
}

/// A database error for people: a missing file says how to create it, anything else names the
/// file. Every command that opens `--db` reports through this.
pub fn db_error(err: crate::db::Error, path: &Path) -> anyhow::Error {
    match err {
        crate::db::Error::Missing { .. } => anyhow::anyhow!(
            "{err} (create it with `quidditch --db {} db seed`)",
            path.display()
        ),
        other => anyhow::Error::new(other).context(format!("database `{}`", path.display())),
    }
}

/// The text of an input file read as `bytes`: one that is not UTF-8 is an error naming
/// `FILE:LINE:COL` of its first bad byte.
pub fn text(path: &Path, bytes: Vec<u8>) -> anyhow::Result<String> {
    String::from_utf8(bytes).map_err(|err| match crate::diag::utf8(err.as_bytes()) {
        Err(at) => anyhow::anyhow!("{}:{at}", path.display()),
        Ok(_) => anyhow::anyhow!("{}: invalid UTF-8", path.display()),
    })
}
