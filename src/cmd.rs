//! One file per subcommand: its clap `Args` and a `run` that returns an [`Exit`](crate::exit::Exit).

pub mod authz;
pub mod completions;
pub mod db;
pub mod defaults;
pub mod query;
pub mod schema;
pub mod serve;

use std::path::Path;

use rusqlite::Connection;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::db::store::Store;
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
fn db_error(err: crate::db::Error, path: &Path) -> anyhow::Error {
    match err {
        crate::db::Error::Missing { .. } => anyhow::anyhow!(
            "{err} (create it with `quidditch --db {} db seed`)",
            path.display()
        ),
        other => anyhow::Error::new(other).context(format!("database `{}`", path.display())),
    }
}

/// `--db`, opened the one way every command does: its errors through [`db_error`].
impl GlobalArgs {
    /// The database, read-write.
    pub fn open_db(&self) -> anyhow::Result<Connection> {
        crate::db::open(&self.db).map_err(|err| db_error(err, &self.db))
    }

    /// The database, read-only: nothing can be written through it.
    pub fn open_db_read_only(&self) -> anyhow::Result<Connection> {
        crate::db::open_read_only(&self.db).map_err(|err| db_error(err, &self.db))
    }

    /// The database as the GraphQL layer's store.
    pub fn open_store(&self) -> anyhow::Result<Store> {
        Store::open(&self.db).map_err(|err| db_error(err, &self.db))
    }

    /// `f` on a connection of `store` (opened by [`Self::open_store`]).
    pub fn lend<T>(
        &self,
        store: &Store,
        f: impl FnOnce(&Connection) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        store.lend(f).map_err(|err| db_error(err, &self.db))?
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
