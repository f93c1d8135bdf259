//! One file per subcommand: its clap `Args` and a `run` that returns an [`Exit`](crate::exit::Exit).

pub mod authz;
pub mod completions;
pub mod db;
pub mod defaults;
pub mod query;
pub mod schema;
pub mod serve;

use std::path::Path;
use std::time::Duration;

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
    match &cli.command {
        Command::Db(args) => db::run(args, global),
        Command::Authz(args) => authz::run(args, global),
        Command::Query(args) => query::run(args, global),
        Command::Serve(args) => serve::run(args, global),
        Command::Schema(args) => schema::run(args, global),
        Command::Completions(args) => completions::run(args),
    }
}

/// `exit`, what the command found, once its result is printed (`printed`), also when stdout's
/// reader is gone (`quidditch authz lint | head -1`): a closed pipe ends the printing quietly
/// but does not change the outcome (lint's problems, a deny, failed tests). Any other error is
/// the command's.
pub fn outcome<E: Into<anyhow::Error>>(printed: Result<(), E>, exit: Exit) -> anyhow::Result<Exit> {
    match printed.map_err(Into::into) {
        Ok(()) => Ok(exit),
        Err(err) if crate::is_broken_pipe(&err) => Ok(exit),
        Err(err) => Err(err),
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
    /// The SQLite file at `path` (`--db`'s), read-write.
    pub fn open_db(path: &Path) -> anyhow::Result<Connection> {
        crate::db::open(path).map_err(|err| db_error(err, path))
    }

    /// The SQLite file at `path`, read-only: nothing can be written through it.
    pub fn open_db_read_only(path: &Path) -> anyhow::Result<Connection> {
        crate::db::open_read_only(path).map_err(|err| db_error(err, path))
    }

    /// The database as the GraphQL layer's store: a SQLite file, or a PostgreSQL database with
    /// at most `pool_size` connections.
    pub fn open_store(
        &self,
        pool_size: usize,
        statement_timeout: Option<Duration>,
    ) -> anyhow::Result<Store> {
        match self.db_url()? {
            DbUrl::Sqlite(path) => Store::open(path).map_err(|err| db_error(err, path)),
            DbUrl::Postgres(url) => Store::open_postgres(url, pool_size, statement_timeout)
                .map_err(|err| pg_error(err, url)),
        }
    }

    /// The store of `serve --read-url`: `standby`, a hot standby of `--db` (both PostgreSQL),
    /// with at most `pool_size` connections. The primary is connected to once, to check that it
    /// is there and holds the league.
    pub fn open_standby(
        &self,
        standby: &DbUrl,
        pool_size: usize,
        statement_timeout: Option<Duration>,
    ) -> anyhow::Result<Store> {
        let db = self.db_url()?;
        let DbUrl::Postgres(primary) = db else {
            anyhow::bail!(
                "--read-url reads from a standby of a PostgreSQL --db; `{db}` is a SQLite file"
            );
        };
        let DbUrl::Postgres(standby) = standby else {
            anyhow::bail!("--read-url `{standby}` is not a PostgreSQL URL");
        };
        drop(open_postgres(primary)?);
        Store::open_postgres(standby, pool_size, statement_timeout)
            .map_err(|err| pg_error(err, standby))
    }

    /// An error of the store `--db` opened, naming the database.
    pub fn store_error(&self, err: crate::db::Error) -> anyhow::Error {
        match self.db_url() {
            Ok(DbUrl::Sqlite(path)) => db_error(err, path),
            Ok(DbUrl::Postgres(url)) => pg_error(err, url),
            // Not reached: the store was opened from the parsed `--db`.
            Err(_) => anyhow::Error::new(err),
        }
    }

    /// `f` on a connection of `store` (opened by [`Self::open_store`]).
    pub fn lend<T>(
        &self,
        store: &Store,
        f: impl FnMut(Db<'_>) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        store.lend(f).map_err(|err| self.store_error(err))?
    }
}

/// A PostgreSQL database holding the tables; one without them says how to create them.
pub fn open_postgres(url: &PgUrl) -> anyhow::Result<pg::Conn> {
    pg::open(url).map_err(|err| pg_error(err, url))
}

/// A PostgreSQL error for people: tables missing say how to create them, anything else names the
/// database.
fn pg_error(err: crate::db::Error, url: &PgUrl) -> anyhow::Error {
    match err {
        crate::db::Error::NotQuidditch { .. } => {
            anyhow::anyhow!("{err} (create the tables with `quidditch db init`)")
        }
        other => anyhow::Error::new(other).context(format!("database `{url}`")),
    }
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
        match self.db_url()? {
            DbUrl::Sqlite(path) if read_only => Ok(Opened::Sqlite(Self::open_db_read_only(path)?)),
            DbUrl::Sqlite(path) => Ok(Opened::Sqlite(Self::open_db(path)?)),
            DbUrl::Postgres(url) => {
                let conn = open_postgres(url)?;
                conn.read_only(None)
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
