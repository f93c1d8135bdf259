//! The league database on PostgreSQL: connect, migrate ([`init`]), inspect ([`status`]), empty
//! ([`reset`]) and seed ([`seed`], and synthetic leagues by `COPY`: [`scale`]), with the same
//! reports as the SQLite functions of `db`.
//!
//! The client is `tokio-postgres` without TLS (a unix socket or a trusted network). Its calls are
//! synchronous, as SQLite's are: a command's connection is driven by a runtime of its own on the
//! calling thread ([`connect`]); the GraphQL store's connections ([`connect_inline`]) by the
//! thread that waits on them ([`inline`]), so that they can be used from inside the server's
//! async workers as a SQLite connection is. `access` reads through [`Conn::for_each`];
//! `db::store` through [`Conn::query`].

pub mod inline;
pub mod param;
pub mod pool;
pub mod scale;
pub mod schema;
pub mod seed;
pub mod tls;

pub use inline::{INLINE_WAIT, bounded};

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use futures_util::StreamExt as _;
use tokio_postgres::types::ToSql;
use tokio_postgres::{GenericClient, NoTls, Statement};

use super::url::PgUrl;
use super::{Error, InitReport, Result, Status, TableCount};

/// How long connecting may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How many prepared statements a connection keeps.
const MAX_STATEMENTS: usize = 256;

/// Serializes migrations of one database: two `db init` at once migrate it once.
const MIGRATION_LOCK: i64 = 0x7175_6964_6469_7463; // "quidditc"

/// An open connection to a PostgreSQL database, with what drives it.
pub struct Conn {
    driver: Driver,
    client: tokio_postgres::Client,
    url: PgUrl,
    /// Statements prepared on this connection, by their text: a lookup the engine repeats costs
    /// one round trip, not two.
    statements: RefCell<HashMap<String, Statement>>,
    /// A statement sent ahead of the next query, in the same round trip (a snapshot's `BEGIN`).
    deferred: Cell<Option<&'static str>>,
    /// [`Self::answers`] when the last statement was deferred.
    deferred_at: Cell<Option<u64>>,
    /// [`Self::answers`] when [`Self::alone`] let one statement run: once it has been
    /// answered, no other statement starts until [`Self::end_snapshot`].
    alone_at: Cell<Option<u64>>,
    /// Set when a second statement was refused since [`Self::alone`].
    refused: Cell<bool>,
    /// The statement [`Self::end_later`] left to go out with the next one (a snapshot's
    /// `COMMIT`), not sent yet.
    ending: Cell<Option<&'static str>>,
    /// Set when the server ended the session (a `FATAL` error: an admin's
    /// `pg_terminate_backend`, a shutdown), which may come before the end of the stream.
    ended: Cell<bool>,
    /// How many statements the server has accepted on this connection ([`Self::answered`]).
    answers: Cell<u64>,
}

/// What runs a connection's socket, and how a caller waits for an answer.
pub enum Driver {
    /// A runtime of the connection's own, run by the caller while it waits (a command's
    /// connection: the fastest, but it cannot be used from inside another runtime).
    Own(tokio::runtime::Runtime),
    /// Driven by the thread that waits on it, with no runtime (`inline`): usable from any
    /// thread, inside a runtime or not.
    Inline(RefCell<inline::Inline>),
}

impl Driver {
    /// Runs `future` (requests of this driver's connection) to its end; an inline connection's
    /// wait may give up inside [`bounded`] ([`Error::Stalled`]).
    pub fn block_on<F: Future>(&self, future: F) -> Result<F::Output> {
        match self {
            Driver::Own(runtime) => Ok(runtime.block_on(future)),
            Driver::Inline(inline) => Ok(inline.borrow_mut().block_on(future)?),
        }
    }
}

impl From<inline::Stalled> for Error {
    fn from(_: inline::Stalled) -> Self {
        Error::Stalled
    }
}

/// The runtime that sends cancel requests ([`cancel`]), started on first use, never stopped
/// (dropping a runtime from inside another one panics; the process ends it).
fn shared_runtime() -> Result<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<std::result::Result<tokio::runtime::Runtime, String>> =
        OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("quidditch-pg")
                .enable_all()
                .build()
                .map_err(|err| err.to_string())
        })
        .as_ref()
        .map_err(|err| Error::Postgres {
            message: format!("cannot start the client's runtime: {err}"),
        })
}

impl From<tokio_postgres::Error> for Error {
    /// One line: the server's own message (and its detail), or the client's with its cause.
    fn from(err: tokio_postgres::Error) -> Self {
        let message = if let Some(db) = err.as_db_error() {
            let hint = if *db.code() == tokio_postgres::error::SqlState::INVALID_CATALOG_NAME {
                Some("create it first, with `createdb` or `CREATE DATABASE`")
            } else {
                db.detail()
            };
            match hint {
                Some(hint) => format!("{} ({hint})", db.message()),
                None => db.message().to_string(),
            }
        } else {
            let mut message = err.to_string();
            let mut cause = std::error::Error::source(&err);
            while let Some(inner) = cause {
                message.push_str(": ");
                message.push_str(&inner.to_string());
                cause = inner.source();
            }
            message
        };
        Error::Postgres {
            message: message.replace('\n', " "),
        }
    }
}

fn config(url: &PgUrl) -> tokio_postgres::Config {
    let mut config = url.config.clone();
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    config
}

/// Connects to `url`, driven by a runtime of its own on the calling thread (which must not be
/// inside another runtime).
pub fn connect(url: &PgUrl) -> Result<Conn> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Error::Postgres {
            message: format!("cannot start the client's runtime: {err}"),
        })?;
    let config = config(url);
    let tls = make_tls(url, &config)?;
    let client = if url.host_passwords.is_none() {
        spawned_with(&runtime, config, tls)
    } else {
        each_host(&runtime, url, &config, &tls)
    }
    .map_err(|err| password_noted(err, url))?;
    Ok(Conn::new(Driver::Own(runtime), client, url))
}

/// Connects to the first host of `url` that takes the connection, tried one at a time, each
/// with its own password (tokio-postgres sends one password to every host it tries), in the
/// URL's order or shuffled, as the inline pool tries them. The error is the last host's.
fn each_host(
    runtime: &tokio::runtime::Runtime,
    url: &PgUrl,
    config: &tokio_postgres::Config,
    tls: &tls::MakeRustls,
) -> Result<tokio_postgres::Client> {
    let mut order: Vec<usize> = (0..config.get_hosts().len()).collect();
    if config.get_load_balance_hosts() == tokio_postgres::config::LoadBalanceHosts::Random {
        inline::shuffle(&mut order);
    }
    let mut last = None;
    for i in order {
        let one = crate::db::url::only_host(config, i, url.host_password(i));
        match spawned_with(runtime, one, tls.clone()) {
            Ok(client) => return Ok(client),
            Err(err) => last = Some(err),
        }
    }
    Err(last.unwrap_or_else(|| Error::Postgres {
        message: "error connecting to server: no host to connect to".to_string(),
    }))
}

/// [`spawned`] with `tls`, or without TLS when it has none (`make_tls` gives none when every
/// host is a unix socket, whatever `sslmode` says).
fn spawned_with(
    runtime: &tokio::runtime::Runtime,
    mut config: tokio_postgres::Config,
    tls: tls::MakeRustls,
) -> Result<tokio_postgres::Client> {
    if tls.enabled() {
        spawned(runtime, &config, tls)
    } else {
        config.ssl_mode(tokio_postgres::config::SslMode::Disable);
        spawned(runtime, &config, NoTls)
    }
}

/// A connection's error about a password, with why the password file was not read, or where
/// a password the server asks for may be given.
fn password_noted(err: Error, url: &PgUrl) -> Error {
    match (err, &url.passfile_ignored) {
        (Error::Postgres { message }, Some(why)) if message.contains("password") => {
            Error::Postgres {
                message: format!("{message} ({why})"),
            }
        }
        (Error::Postgres { message }, None) if message.ends_with("password missing") => {
            Error::Postgres {
                message: format!(
                    "{message} (the server asks for one: give it in the URL, in PGPASSWORD or \
                     in the password file, ~/.pgpass or PGPASSFILE)"
                ),
            }
        }
        (err, _) => err,
    }
}

/// Connects with `tls` on `runtime`, the connection's own task spawned there: it runs whenever
/// the runtime does, inside each `block_on`. An error it ends with reaches the client's next
/// call as "connection closed".
fn spawned<T>(
    runtime: &tokio::runtime::Runtime,
    config: &tokio_postgres::Config,
    tls: T,
) -> Result<tokio_postgres::Client>
where
    T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>,
    T::Stream: Send + 'static,
{
    let (client, connection) = runtime.block_on(config.connect(tls))?;
    runtime.spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// The TLS connector of `url`: none when every host is a unix socket, which never uses TLS, so
/// that certificates it would never show (a `~/.postgresql/postgresql.crt`, say) are not read.
fn make_tls(url: &PgUrl, config: &tokio_postgres::Config) -> Result<tls::MakeRustls> {
    if unix_only(config) {
        return tls::MakeRustls::new(&crate::db::url::Tls {
            mode: crate::db::url::SslMode::Disable,
            ..Default::default()
        });
    }
    tls::MakeRustls::new(&url.tls)
}

/// Whether every host of `config` is a unix socket's directory.
fn unix_only(config: &tokio_postgres::Config) -> bool {
    config.get_hostaddrs().is_empty()
        && config
            .get_hosts()
            .iter()
            .all(|host| matches!(host, tokio_postgres::config::Host::Unix(_)))
}

/// Connects to `url`, driven by the thread that waits on it ([`Driver::Inline`]): usable from any
/// thread, inside a runtime or not.
pub fn connect_inline(url: &PgUrl) -> Result<Conn> {
    let config = config(url);
    let (client, inline) =
        inline::connect(&config, &make_tls(url, &config)?, |i| url.host_password(i))
            .map_err(|err| password_noted(err, url))?;
    Ok(Conn::new(Driver::Inline(RefCell::new(inline)), client, url))
}

/// Connects to `url`, a database that must hold the tutorial's tables (as [`super::open`]).
pub fn open(url: &PgUrl) -> Result<Conn> {
    let conn = connect(url)?;
    conn.check_tables()?;
    Ok(conn)
}

/// Connects to `url` as [`connect_inline`], a database that must hold the tutorial's tables,
/// read-only: the GraphQL store's connections.
pub fn open_inline(url: &PgUrl, statement_timeout: Option<Duration>) -> Result<Conn> {
    let conn = connect_inline(url)?;
    conn.check_tables()?;
    conn.read_only(statement_timeout)?;
    Ok(conn)
}

impl Conn {
    fn new(driver: Driver, client: tokio_postgres::Client, url: &PgUrl) -> Self {
        Conn {
            driver,
            client,
            url: url.clone(),
            statements: RefCell::new(HashMap::new()),
            deferred: Cell::new(None),
            deferred_at: Cell::new(None),
            alone_at: Cell::new(None),
            refused: Cell::new(false),
            ending: Cell::new(None),
            ended: Cell::new(false),
            answers: Cell::new(0),
        }
    }

    fn check_tables(&self) -> Result<()> {
        for table in super::schema::TUTORIAL_TABLES {
            if !self.block_on(has_table(&self.client, table))?? {
                return Err(Error::NotQuidditch {
                    path: self.name(),
                    table,
                });
            }
        }
        Ok(())
    }

    /// Ends what [`Self::defer`] or [`Self::alone`] began for a snapshot, taking back a
    /// deferred statement left unsent: whether a transaction was begun (its deferred `BEGIN`
    /// went out), which the caller must end.
    pub fn end_snapshot(&self) -> bool {
        let alone = self.alone_at.take().is_some();
        self.refused.set(false);
        let unsent = self.deferred.take().is_some();
        !alone && !unsent
    }

    /// Whether the connection has closed (the server went away, or it failed), or the server
    /// said it ends the session.
    pub fn is_closed(&self) -> bool {
        self.ended.get() || self.client.is_closed()
    }

    /// Whether nothing was answered since [`Self::defer`] (or [`Self::alone`]): the deferred
    /// statement still waits to go out with the next one, or went out with one whose wait gave
    /// up ([`bounded`]).
    pub fn deferring(&self) -> bool {
        self.deferred.get().is_some() || self.deferred_at.get() == Some(self.answers.get())
    }

    /// How many statements the server has accepted on this connection so far: unchanged across
    /// a piece of work, and the connection closed after it, the work's statements all failed
    /// before the server answered any of them (no row reached the caller), so the work can be
    /// run again elsewhere.
    pub fn answered(&self) -> u64 {
        self.answers.get()
    }

    /// `err` as this crate's error, noting first whether the server ended the session with it.
    fn failed(&self, err: tokio_postgres::Error) -> Error {
        let fatal = err
            .as_db_error()
            .is_some_and(|db| matches!(db.severity(), "FATAL" | "PANIC"));
        if fatal || err.is_closed() {
            self.ended.set(true);
        }
        err.into()
    }

    /// Whether the connection is still open, as far as can be told without waiting: an inline
    /// connection first takes in what the server sent while it sat idle (after a restart of
    /// the server, its notice and the end of the stream), so that a pool does not lend a
    /// connection the server has already closed.
    pub fn still_open(&self) -> bool {
        if let Driver::Inline(inline) = &self.driver {
            inline.borrow_mut().catch_up();
        }
        !self.is_closed()
    }

    /// Whether a wait on this connection gave up ([`bounded`]) and none has ended since: the
    /// statement it waited for may still be running (for a lock, say), so the connection must
    /// not be lent to another request, which would wait behind it.
    pub fn abandoned(&self) -> bool {
        matches!(&self.driver, Driver::Inline(inline) if inline.borrow().abandoned())
    }

    /// What reports and errors call the database: its URL without the password.
    pub fn name(&self) -> PathBuf {
        PathBuf::from(self.url.to_string())
    }

    fn block_on<F: Future>(&self, future: F) -> Result<F::Output> {
        // What was left to end goes out first, in the same write.
        self.queue_ending();
        self.driver.block_on(future)
    }

    /// Queues the statement [`Self::end_later`] left, if any, ahead of whatever goes out next.
    fn queue_ending(&self) {
        if let (Some(sql), Driver::Inline(inline)) = (self.ending.take(), &self.driver) {
            // Its answer is read and dropped before the next one's; were it an error, the
            // transaction it ends would end anyway (the next statement's `BEGIN` or the
            // connection's close ends it).
            let _ = inline.borrow_mut().queue(self.client.batch_execute(sql));
        }
    }

    /// Sends `sql` (no parameters, no rows) ahead of the next statement run through
    /// [`Self::for_each`] or [`Self::query`], in the same round trip; its error is that
    /// statement's.
    pub fn defer(&self, sql: &'static str) {
        self.deferred.set(Some(sql));
        self.deferred_at.set(Some(self.answers.get()));
    }

    /// Lets one statement run in a transaction of its own (the one the server begins for a
    /// statement sent alone) instead of one begun ahead of it: no `BEGIN` and no `COMMIT` to
    /// send, parse and run. One statement reads one state of the database whatever the
    /// isolation level. Once it has been answered, every other fails with
    /// [`Error::SecondStatement`] without being sent, until [`Self::end_snapshot`]: it would
    /// read another state.
    pub fn alone(&self) {
        self.alone_at.set(Some(self.answers.get()));
        self.deferred_at.set(Some(self.answers.get()));
        self.refused.set(false);
    }

    /// Whether a second statement was refused since [`Self::alone`], however its error was
    /// handled.
    pub fn refused_second(&self) -> bool {
        self.refused.get()
    }

    /// [`Error::SecondStatement`] when [`Self::alone`] let one statement run and it has run.
    fn one_more(&self) -> Result<()> {
        match self.alone_at.get() {
            Some(at) if self.answers.get() > at => {
                self.refused.set(true);
                Err(Error::SecondStatement)
            }
            _ => Ok(()),
        }
    }

    /// What cancels the statement running on this connection, from anywhere: its token, and
    /// the host the connection is on. `None` for a command's connection (driven by its own
    /// runtime), which nothing cancels.
    pub fn cancel_target(&self) -> Option<CancelTarget> {
        match &self.driver {
            Driver::Inline(inline) => Some(CancelTarget {
                token: self.client.cancel_token(),
                endpoint: inline.borrow().endpoint().clone(),
            }),
            Driver::Own(_) => None,
        }
    }

    /// Makes every later transaction on this connection read-only: the commands that only
    /// decide cannot write, whatever their SQL. With a `statement_timeout`, also every statement
    /// cancelled by the server once it has run that long, waiting for a lock included: in the
    /// same round trip.
    pub fn read_only(&self, statement_timeout: Option<Duration>) -> Result<()> {
        const READ_ONLY: &str = "SET default_transaction_read_only = on";
        match statement_timeout {
            None => self.batch_execute(READ_ONLY),
            Some(limit) => {
                // At least 1 ms: 0 would turn the bound off.
                let ms = limit.as_millis().clamp(1, i32::MAX as u128);
                self.batch_execute(&format!("{READ_ONLY}; SET statement_timeout = {ms}"))
            }
        }
    }

    /// Forgets the prepared statements: the next use of each text prepares it again, resolving
    /// its names anew (after temporary views shadow tables, say).
    pub fn forget_statements(&self) {
        self.statements.borrow_mut().clear();
    }

    /// Runs `sql`, one or more statements without parameters.
    pub fn batch_execute(&self, sql: &str) -> Result<()> {
        self.one_more()?;
        self.block_on(self.client.batch_execute(sql))?
            .map_err(|err| self.failed(err))?;
        self.answers.set(self.answers.get() + 1);
        Ok(())
    }

    /// Runs `sql` with `params` (`$1`, `$2`, …), calling `each` with its rows one at a time as
    /// they arrive: a table is never held in memory whole.
    pub fn for_each<E: From<Error>>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        each: &mut dyn FnMut(&tokio_postgres::Row) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let rows = self.start(sql, params)?;
        let mut rows = std::pin::pin!(rows);
        while let Some(row) = self.block_on(rows.next())? {
            each(&row.map_err(|err| self.failed(err))?)?;
        }
        Ok(())
    }
}

impl Conn {
    /// Starts `sql` (prepared on first use) after the deferred statement, if any: both are sent
    /// before either answer is awaited.
    fn start(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<tokio_postgres::RowStream> {
        self.one_more()?;
        let cached = self.statements.borrow().get(sql).cloned();
        let query = async {
            let statement = match cached {
                Some(statement) => statement,
                None => self.client.prepare(sql).await?,
            };
            let rows = self
                .client
                .query_raw(&statement, params.iter().copied())
                .await?;
            Ok::<_, tokio_postgres::Error>((statement, rows))
        };
        let (statement, rows) = match self.deferred.take() {
            None => self.block_on(query)?.map_err(|err| self.failed(err))?,
            Some(first) => {
                // The previous snapshot's end and this one's start in one message: the server
                // runs both and answers once.
                let first = match self.ending.take() {
                    Some(end) => std::borrow::Cow::Owned(format!("{end}; {first}")),
                    None => std::borrow::Cow::Borrowed(first),
                };
                let (first, query) = self.block_on(futures_util::future::join(
                    self.client.batch_execute(&first),
                    query,
                ))?;
                first.map_err(|err| self.failed(err))?;
                query.map_err(|err| self.failed(err))?
            }
        };
        self.answers.set(self.answers.get() + 1);
        self.remember(sql, statement);
        Ok(rows)
    }

    fn remember(&self, sql: &str, statement: Statement) {
        let mut statements = self.statements.borrow_mut();
        if statements.contains_key(sql) {
            return;
        }
        // Filters compiled per subject are many texts: the cache is bounded, and a dropped
        // statement is closed on the server.
        if statements.len() >= MAX_STATEMENTS {
            statements.clear();
        }
        statements.insert(sql.to_string(), statement);
    }

    /// Runs `sql` with `params` and maps every row with `map`.
    pub fn query<T>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        map: &mut dyn FnMut(&tokio_postgres::Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.for_each::<Error>(sql, params, &mut |row| {
            out.push(map(row)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Ends the connection's transaction with `sql` (no parameters) without waiting for its
    /// answer: for a snapshot's `COMMIT`, which the request it ends need not wait for. On an
    /// inline connection it is only kept, to go out with the connection's next statement (in
    /// the same message as the next snapshot's `BEGIN`: one answer from the server instead of
    /// two), or at [`Self::flush`], which the pool calls on a connection left idle with it. A
    /// connection of its own runtime waits for it.
    pub fn end_later(&self, sql: &'static str) -> Result<()> {
        match &self.driver {
            Driver::Inline(_) => {
                self.ending.set(Some(sql));
                Ok(())
            }
            Driver::Own(_) => self.batch_execute(sql),
        }
    }

    /// Whether [`Self::end_later`] left a statement unsent.
    pub fn unsent(&self) -> bool {
        self.ending.get().is_some()
    }

    /// Sends what [`Self::end_later`] left, without waiting for its answer.
    pub fn flush(&self) {
        self.queue_ending();
        if let Driver::Inline(inline) = &self.driver {
            inline.borrow_mut().flush();
        }
    }
}

/// A connection's cancel key and the host it is on ([`Conn::cancel_target`]).
#[derive(Clone)]
pub struct CancelTarget {
    token: tokio_postgres::CancelToken,
    endpoint: inline::Endpoint,
}

/// Cancels the statement running on the connection of `target` (to `url`), in the background:
/// PostgreSQL's cancel request, sent on a connection of its own from the process's client
/// runtime, to the host the connection is on. (Another host of the URL would accept the
/// request and ignore a key it does not know: the statement would run on.)
pub fn cancel(target: CancelTarget, url: &PgUrl) {
    let Ok(runtime) = shared_runtime() else {
        return;
    };
    let Ok(tls) = make_tls(url, &url.config) else {
        return;
    };
    let CancelTarget { token, endpoint } = target;
    runtime.spawn(async move {
        // Nothing to do when it fails: the request has already been answered, and its
        // connection is closed rather than reused.
        match endpoint {
            inline::Endpoint::Unix(path) => {
                if let Ok(stream) = tokio::net::UnixStream::connect(path).await {
                    let _ = token.cancel_query_raw(stream, NoTls).await;
                }
            }
            inline::Endpoint::Tcp { addr, port, name } => {
                if let Ok(stream) = tokio::net::TcpStream::connect((addr.as_str(), port)).await {
                    let _ = if tls.enabled() {
                        token.cancel_query_raw(stream, tls.for_host(&name)).await
                    } else {
                        token.cancel_query_raw(stream, NoTls).await
                    };
                }
            }
        }
    });
}

/// Whether `table` exists where unqualified names are looked up (the `search_path`).
async fn has_table(client: &impl GenericClient, table: &str) -> Result<bool> {
    let row = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
        .await?;
    Ok(row.try_get(0)?)
}

/// The schema version: the row of `quidditch_version`, 0 without the table.
async fn version(client: &impl GenericClient) -> Result<i64> {
    if !has_table(client, schema::VERSION_TABLE).await? {
        return Ok(0);
    }
    let row = client
        .query_opt(
            &format!("SELECT version::int8 FROM {}", schema::VERSION_TABLE),
            &[],
        )
        .await?;
    Ok(match row {
        Some(row) => row.try_get(0)?,
        None => 0,
    })
}

/// Creates the tables in the database (which must exist), or migrates older ones, to
/// [`super::schema::LATEST_VERSION`], in one transaction.
pub fn init(url: &PgUrl) -> Result<(Conn, InitReport)> {
    let mut conn = connect(url)?;
    let name = conn.name();
    let report = conn.driver.block_on(async {
        let tx = conn.client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        let from_version = version(&tx).await?;
        if from_version > super::schema::LATEST_VERSION {
            return Err(Error::TooNew {
                path: name.clone(),
                found: from_version,
                latest: super::schema::LATEST_VERSION,
            });
        }
        let created = from_version == 0 && !has_table(&tx, "teams").await?;
        for sql in super::schema::migrations(super::sql::Dialect::Postgres)
            .iter()
            .skip(usize::try_from(from_version).unwrap_or(0))
        {
            tx.batch_execute(sql).await?;
        }
        let to_version = super::schema::LATEST_VERSION;
        if from_version < to_version {
            tx.batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS {0} (version INTEGER NOT NULL);
                 DELETE FROM {0};
                 INSERT INTO {0} (version) VALUES ({to_version});",
                schema::VERSION_TABLE
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(InitReport {
            path: name.clone(),
            created,
            from_version,
            to_version,
        })
    })?;
    Ok((conn, report?))
}

/// Connects to `url`, creating or migrating the tables first when they are not at the latest
/// version (as [`super::open_or_init`]).
pub fn open_or_init(url: &PgUrl) -> Result<Conn> {
    Ok(init(url)?.0)
}

/// Gathers the planner's statistics of every table, in the seed's transaction: without them,
/// after a bulk load, PostgreSQL guesses that an indexed equality matches 0.5% of the rows and
/// plans the policies' recursive lookups as scans of the whole table (a player's reverse lookup
/// on a league of a million: 8.3 s before, 1.3 s after). Autovacuum would come to it, later.
async fn analyze(tx: &tokio_postgres::Transaction<'_>) -> Result<()> {
    tx.batch_execute(&format!("ANALYZE {}", super::schema::TABLES.join(", ")))
        .await?;
    Ok(())
}

/// Rows in `table`, `None` when it does not exist.
async fn count(client: &impl GenericClient, table: &'static str) -> Result<Option<i64>> {
    if !has_table(client, table).await? {
        return Ok(None);
    }
    let row = client
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await?;
    Ok(Some(row.try_get(0)?))
}

/// The schema version and the row count of every table, as [`super::status`] reports them.
/// The connection as the server sees it: over a unix socket (no server address) or TCP, and
/// its TLS session from `pg_stat_ssl`.
async fn connection_info(client: &tokio_postgres::Client) -> Result<super::ConnectionInfo> {
    let row = client
        .query_one(
            "SELECT inet_server_addr() IS NULL, s.ssl, s.version, s.cipher, s.client_dn \
             FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()",
            &[],
        )
        .await?;
    let unix: bool = row.try_get(0)?;
    let ssl: bool = row.try_get(1)?;
    let tls = if ssl {
        Some(super::TlsInfo {
            version: row.try_get::<_, Option<String>>(2)?.unwrap_or_default(),
            cipher: row.try_get::<_, Option<String>>(3)?.unwrap_or_default(),
            client_certificate: row.try_get(4)?,
        })
    } else {
        None
    };
    Ok(super::ConnectionInfo {
        transport: if unix { "unix" } else { "tcp" },
        tls,
    })
}

pub fn status(conn: &Conn) -> Result<Status> {
    conn.block_on(async {
        let mut tables = Vec::new();
        for table in super::schema::TABLES {
            tables.push(TableCount {
                table,
                rows: count(&conn.client, table).await?,
            });
        }
        Ok(Status {
            path: conn.name(),
            backend: super::Backend::Postgresql,
            server_version: conn
                .client
                .query_one("SHOW server_version", &[])
                .await?
                .try_get(0)?,
            schema_version: version(&conn.client).await?,
            latest_version: super::schema::LATEST_VERSION,
            journal_mode: None,
            connection: Some(connection_info(&conn.client).await?),
            tables,
        })
    })?
}

/// Deletes every row of every table in one transaction; the schema stays.
pub fn reset(conn: &mut Conn) -> Result<Vec<TableCount>> {
    conn.driver.block_on(async {
        let tx = conn.client.transaction().await?;
        let deleted = delete_all(&tx).await?;
        tx.commit().await?;
        Ok(deleted)
    })?
}

/// Deletes every row, children first so that no foreign key is left dangling; the tables in
/// [`super::schema::TABLES`] order with the rows each lost.
async fn delete_all(tx: &tokio_postgres::Transaction<'_>) -> Result<Vec<TableCount>> {
    let mut deleted = Vec::new();
    for table in super::schema::TABLES.iter().rev() {
        let rows = if has_table(tx, table).await? {
            let n = tx.execute(&format!("DELETE FROM {table}"), &[]).await?;
            Some(i64::try_from(n).unwrap_or(i64::MAX))
        } else {
            None
        };
        deleted.push(TableCount { table, rows });
    }
    deleted.reverse();
    Ok(deleted)
}
