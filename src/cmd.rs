//! One file per subcommand: its clap `Args` and a `run` that returns an [`Exit`](crate::exit::Exit).

pub mod authz;
pub mod completions;
pub mod db;
pub mod defaults;
pub mod query;
pub mod schema;
pub mod serve;

use std::path::Path;

use anyhow::Context as _;

use rusqlite::Connection;

use crate::access::Db;
use crate::cli::{Cli, Command, GlobalArgs};
use crate::db::pg;
use crate::db::store::Store;
use crate::db::url::{DbUrl, PgUrl};
use crate::exit::Exit;

/// Dispatches a parsed command line to its subcommand.
pub fn run(cli: &Cli) -> anyhow::Result<Exit> {
    let global = &cli.global;
    let result = match &cli.command {
        Command::Db(args) => db::run(args, global),
        Command::Authz(args) => authz::run(args, global),
        Command::Query(args) => query::run(args, global),
        Command::Serve(args) => serve::run(args, global),
        Command::Schema(args) => schema::run(args, global),
        Command::Completions(args) => completions::run(args),
    };
    result.map_err(|err| {
        if err.downcast_ref::<NotOnPostgres>().is_some() {
            // One line naming the command, whatever context was added on the way up.
            anyhow::anyhow!(
                "`quidditch {}` does not run on PostgreSQL yet: `db` and the `authz` commands \
                 do (give --db a SQLite file)",
                invoked()
            )
        } else {
            err
        }
    })
}

/// A command that needs SQLite was given a PostgreSQL `--db`. [`run`] turns it into the one
/// message naming the command.
#[derive(Debug, thiserror::Error)]
#[error("this command does not run on PostgreSQL yet")]
struct NotOnPostgres;

/// The subcommand path of this process's command line (`authz check`), for messages. Read again
/// from the arguments: the parsed `Cli` keeps the chosen subcommands as values, not names.
fn invoked() -> String {
    use clap::CommandFactory as _;
    let Ok(matches) = Cli::command().try_get_matches_from(std::env::args_os()) else {
        return "this command".to_string();
    };
    let mut names = Vec::new();
    let mut at = &matches;
    while let Some((name, sub)) = at.subcommand() {
        names.push(name);
        at = sub;
    }
    names.join(" ")
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
    /// The SQLite file `--db` names; a PostgreSQL URL is an error naming the command, for every
    /// command that does not run on PostgreSQL yet.
    pub fn sqlite(&self) -> anyhow::Result<&Path> {
        self.db
            .sqlite()
            .ok_or_else(|| anyhow::Error::new(NotOnPostgres))
    }

    /// The database, read-write.
    pub fn open_db(&self) -> anyhow::Result<Connection> {
        let path = self.sqlite()?;
        crate::db::open(path).map_err(|err| db_error(err, path))
    }

    /// The database, read-only: nothing can be written through it.
    pub fn open_db_read_only(&self) -> anyhow::Result<Connection> {
        let path = self.sqlite()?;
        crate::db::open_read_only(path).map_err(|err| db_error(err, path))
    }

    /// The database as the GraphQL layer's store.
    pub fn open_store(&self) -> anyhow::Result<Store> {
        let path = self.sqlite()?;
        Store::open(path).map_err(|err| db_error(err, path))
    }

    /// `f` on a connection of `store` (opened by [`Self::open_store`]).
    pub fn lend<T>(
        &self,
        store: &Store,
        f: impl FnOnce(&Connection) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let path = self.sqlite()?;
        store.lend(f).map_err(|err| db_error(err, path))?
    }
}

/// A PostgreSQL database holding the tables; one without them says how to create them.
pub fn open_postgres(url: &PgUrl) -> anyhow::Result<pg::Conn> {
    pg::open(url).map_err(|err| match err {
        crate::db::Error::NotQuidditch { .. } => {
            anyhow::anyhow!("{err} (create the tables with `quidditch db init`)")
        }
        other => anyhow::Error::new(other).context(format!("database `{url}`")),
    })
}

/// `--db` opened by a command that decides (every `authz` command but `init` and `log`):
/// a SQLite file or a PostgreSQL database, both read through [`Db`].
pub enum Opened {
    Sqlite(Connection),
    /// Boxed: a connection carries its runtime.
    Postgres(Box<pg::Conn>),
}

impl Opened {
    /// The database, for `access::Bridge`.
    pub fn db(&self) -> Db<'_> {
        match self {
            Opened::Sqlite(conn) => Db::Sqlite(conn),
            Opened::Postgres(conn) => Db::Postgres(conn),
        }
    }
}

impl GlobalArgs {
    /// The database of a command that decides; `read_only` opens a SQLite file so that nothing
    /// can be written through it. A PostgreSQL connection is always read-only
    /// (`default_transaction_read_only`): these commands never write.
    pub fn open_decider(&self, read_only: bool) -> anyhow::Result<Opened> {
        match &self.db {
            DbUrl::Sqlite(_) if read_only => Ok(Opened::Sqlite(self.open_db_read_only()?)),
            DbUrl::Sqlite(_) => Ok(Opened::Sqlite(self.open_db()?)),
            DbUrl::Postgres(url) => {
                let conn = open_postgres(url)?;
                conn.read_only()
                    .with_context(|| format!("database `{url}`"))?;
                Ok(Opened::Postgres(Box::new(conn)))
            }
        }
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
