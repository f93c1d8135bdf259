//! Typed reads of the league, for the GraphQL layer, on SQLite or PostgreSQL.
//!
//! Every row the API returns is read here, by functions that each run exactly one SQL statement
//! and accept an optional extra row filter ([`SqlFilter`]): the enforcement layer compiles
//! policies into such filters, so a denied row is never read at all. Lists come in id order;
//! pages are cut in SQL (`LIMIT`/`OFFSET`), never by loading a whole table. Each statement is
//! written once, through [`Query`], in the backend's [`Dialect`]; rows are read back through
//! [`Cells`], whichever backend they come from.
//!
//! Both backends are synchronous: callers in async code run long reads on a blocking thread. On
//! SQLite a small pool of connections lets several readers work at once (the file is WAL, so
//! they do not block a writer either); on PostgreSQL the pool is bounded (`serve --pool-size`):
//! deadpool's, of connections driven by the thread that waits on them (`db::pg::pool`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::types::Value;
use rusqlite::{Connection, InterruptHandle, params_from_iter};

use super::model::{Game, Player, Team};
use super::pg;
use super::sql::{Dialect, Query};
use super::url::PgUrl;
use super::{Db, Error, Result, open};

/// SQLite connections kept open for reuse; more may be opened under load, and are closed after
/// use.
const POOL_SIZE: usize = 32;

/// A request's snapshot on PostgreSQL: every read of the request sees the database as of its
/// first, and none can write. Said in full each time rather than set once per connection as
/// its defaults (which would save parsing it): a pooler in transaction mode (PgBouncer) does
/// not keep a session's settings, and every snapshot would silently become `READ COMMITTED`.
const PG_BEGIN: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

/// An extra SQL condition on the rows of one table, with its bound parameters.
///
/// `sql` is a boolean expression over the table's own columns, written in the store's dialect
/// (anonymous `?` placeholders on SQLite, `$1`, `$2`, … on PostgreSQL) that take `params` in
/// order, e.g. `team_id = ?` with `[Integer(1)]`. It is combined with `AND` and wrapped in
/// parentheses, so it can never widen a query.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlFilter {
    pub sql: String,
    pub params: Vec<Value>,
}

impl SqlFilter {
    pub fn new(sql: impl Into<String>, params: Vec<Value>) -> Self {
        SqlFilter {
            sql: sql.into(),
            params,
        }
    }
}

/// The tables the API reads rows of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Teams,
    Players,
    Games,
}

impl Table {
    /// The SQL table name.
    pub fn name(self) -> &'static str {
        match self {
            Table::Teams => "teams",
            Table::Players => "players",
            Table::Games => "games",
        }
    }
}

/// A window of rows in id order: skip `offset` rows, return at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Page {
    pub offset: i64,
    pub limit: i64,
}

/// A slice of one team's players, in id order: rows `start..end` counted from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TeamSlice {
    pub team_id: i64,
    pub start: i64,
    pub end: i64,
}

/// A connection taken from the pool.
enum Held {
    Sqlite(Connection),
    Postgres(pg::pool::Lent),
}

impl Held {
    fn lent(&self) -> Db<'_> {
        match self {
            Held::Sqlite(conn) => Db::Sqlite(conn),
            Held::Postgres(conn) => Db::Postgres(conn),
        }
    }

    /// Whether nothing has run yet in the transaction begun on it.
    fn deferring(&self) -> bool {
        match self {
            Held::Sqlite(_) => false,
            Held::Postgres(conn) => conn.deferring(),
        }
    }

    /// How many statements the server has answered on it (0 on SQLite, which never ends).
    fn answered(&self) -> u64 {
        match self {
            Held::Sqlite(_) => 0,
            Held::Postgres(conn) => conn.answered(),
        }
    }

    /// Whether the server ended its session without answering a statement since `answered`.
    fn ended_unanswered(&self, answered: u64) -> bool {
        match self {
            Held::Sqlite(_) => false,
            Held::Postgres(conn) => conn.is_closed() && conn.answered() == answered,
        }
    }
}

/// Read access to one league database, shared by every request (cheap to clone).
///
/// A store made by [`Store::snapshot`] reads everything from one read transaction instead.
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<Inner>,
    snapshot: Option<Arc<Snapshot>>,
}

/// A snapshot's turn to read ([`Store::turn`]), until dropped.
#[derive(Debug)]
pub struct Turn {
    /// Released when dropped.
    _permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// One connection held in a read transaction, begun at its first read and ended (the
/// connection going back to the pool) when the last clone of its store is dropped.
struct Snapshot {
    inner: Arc<Inner>,
    conn: Mutex<Option<Held>>,
    /// Set by [`Store::cancel`]: no further read starts.
    cancelled: AtomicBool,
    /// Made by [`Store::alone`]: on PostgreSQL its first statement runs in a transaction of
    /// its own, and a second one is refused.
    alone: bool,
    /// Stops the statement running on `conn`, from another thread (replaced when `conn` is).
    interrupt: Mutex<Option<Interrupt>>,
    /// One read of the snapshot on a blocking thread at a time ([`Store::turn`]): its reads
    /// take `conn` one after another anyway.
    turn: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("cancelled", &self.cancelled)
            .finish_non_exhaustive()
    }
}

/// What stops a connection's running statement.
enum Interrupt {
    Sqlite(InterruptHandle),
    Postgres(pg::CancelTarget),
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        let held = self
            .conn
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match held {
            // A connection whose transaction does not end cleanly is closed, not reused.
            Some(Held::Sqlite(conn))
                if conn
                    .prepare_cached("COMMIT")
                    .and_then(|mut commit| commit.execute([]))
                    .is_ok() =>
            {
                self.inner.give_back(Held::Sqlite(conn));
            }
            Some(Held::Postgres(conn)) => {
                // No statement ran if the `BEGIN` is still deferred, and a snapshot made
                // `alone` ran its one in a transaction the server ended: nothing to end. Else the
                // request's answer need not wait for its `COMMIT`: it goes out with the next
                // user's first statement (or by the pool's flusher, if none comes soon), and its
                // answer is read before that one's. A cancelled connection is closed instead: its
                // cancel request travels on a connection of its own and may arrive late, and
                // were the connection reused it could stop another request's statement.
                let began = conn.end_snapshot();
                if self.cancelled.load(Ordering::SeqCst)
                    || (began && conn.end_later("COMMIT").is_err())
                {
                    Inner::discard(Held::Postgres(conn));
                } else {
                    // A connection that closed is discarded there.
                    self.inner.give_back(Held::Postgres(conn));
                }
            }
            None | Some(Held::Sqlite(_)) => {}
        }
    }
}

struct Inner {
    pool: Pool,
    statements: AtomicU64,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("statements", &self.statements)
            .finish_non_exhaustive()
    }
}

/// The connections of one database.
enum Pool {
    Sqlite {
        path: PathBuf,
        idle: Mutex<Vec<Connection>>,
    },
    Postgres(Box<pg::pool::Pool>),
}

impl Inner {
    /// A pooled connection: on SQLite a new one when every pooled one is in use; on PostgreSQL
    /// a new one while fewer than `--pool-size` are open, else the next one given back.
    fn take(&self) -> Result<Held> {
        match &self.pool {
            Pool::Sqlite { path, idle } => {
                let pooled = idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
                match pooled {
                    Some(conn) => Ok(Held::Sqlite(conn)),
                    None => Ok(Held::Sqlite(connect(path)?)),
                }
            }
            Pool::Postgres(pool) => Ok(Held::Postgres(pool.take()?)),
        }
    }

    /// A connection as [`Self::take`] gives, but on PostgreSQL a new one: after the server
    /// ended a pooled one, the others it lends may have been ended too.
    fn take_new(&self) -> Result<Held> {
        match &self.pool {
            Pool::Sqlite { .. } => self.take(),
            Pool::Postgres(pool) => Ok(Held::Postgres(pool.take_new()?)),
        }
    }

    /// An idle PostgreSQL connection of the pool, if one is open: never a new one, since
    /// opening one waits for the server's handshake (a new server process), which must not
    /// happen on an async worker.
    fn take_idle(&self) -> Option<Held> {
        let Pool::Postgres(pool) = &self.pool else {
            return None;
        };
        pool.take_idle().map(Held::Postgres)
    }

    /// Returns a connection to the pool (or closes it when the pool is full or it is broken).
    fn give_back(&self, held: Held) {
        match (&self.pool, held) {
            (Pool::Sqlite { idle, .. }, Held::Sqlite(conn)) => {
                let mut idle = idle.lock().unwrap_or_else(PoisonError::into_inner);
                if idle.len() < POOL_SIZE {
                    idle.push(conn);
                }
            }
            (Pool::Postgres(pool), Held::Postgres(conn)) => pool.give_back(conn),
            _ => {}
        }
    }

    /// Closes a connection instead of giving it back: the PostgreSQL pool counts it out.
    fn discard(held: Held) {
        match held {
            Held::Postgres(conn) => pg::pool::discard(conn),
            Held::Sqlite(conn) => drop(conn),
        }
    }

    fn dialect(&self) -> Dialect {
        match self.pool {
            Pool::Sqlite { .. } => Dialect::Sqlite,
            Pool::Postgres(_) => Dialect::Postgres,
        }
    }
}

const TEAM_COLUMNS: &str = "id, name, rank";
const PLAYER_COLUMNS: &str = "id, name, position, year, team_id";
const GAME_COLUMNS: &str = "id, level, child_id, winner_id, loser_id";

/// A row's cells, whichever backend it comes from: integers of every width as `i64`.
pub trait Cells {
    fn int(&self, i: usize) -> Result<i64>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>>;
    fn opt_text(&self, i: usize) -> Result<Option<String>>;

    fn text(&self, i: usize) -> Result<String> {
        self.opt_text(i)?.ok_or_else(|| Error::Postgres {
            message: format!("column {i} is NULL where a text is expected"),
        })
    }
}

impl Cells for rusqlite::Row<'_> {
    fn int(&self, i: usize) -> Result<i64> {
        Ok(self.get(i)?)
    }

    fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        Ok(self.get(i)?)
    }

    fn opt_text(&self, i: usize) -> Result<Option<String>> {
        Ok(self.get(i)?)
    }

    fn text(&self, i: usize) -> Result<String> {
        Ok(self.get(i)?)
    }
}

impl Cells for tokio_postgres::Row {
    fn int(&self, i: usize) -> Result<i64> {
        self.opt_int(i)?.ok_or_else(|| Error::Postgres {
            message: format!(
                "column `{}` is NULL where an integer is expected",
                name(self, i)
            ),
        })
    }

    fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        use tokio_postgres::types::Type;
        let ty = self.columns().get(i).map(|c| c.type_().clone());
        Ok(match ty {
            Some(Type::INT2) => self.try_get::<_, Option<i16>>(i)?.map(i64::from),
            Some(Type::INT4) => self.try_get::<_, Option<i32>>(i)?.map(i64::from),
            _ => self.try_get::<_, Option<i64>>(i)?,
        })
    }

    fn opt_text(&self, i: usize) -> Result<Option<String>> {
        Ok(self.try_get(i)?)
    }
}

fn name(row: &tokio_postgres::Row, i: usize) -> String {
    row.columns()
        .get(i)
        .map_or_else(|| i.to_string(), |c| c.name().to_string())
}

/// Maps one row.
type Map<T> = fn(&dyn Cells) -> Result<T>;

/// `, CASE WHEN rule THEN 1 ELSE 0 END` for each of `rules`: whether the row passes each, as
/// columns after the row's own (NULL, unknown, does not pass).
fn judge(q: &mut Query, rules: &[&SqlFilter]) {
    for rule in rules {
        q.push(", CASE WHEN ")
            .condition(rule)
            .push(" THEN 1 ELSE 0 END");
    }
}

/// The answers of [`judge`]'s `n` columns, from column `first` on.
fn passes(row: &dyn Cells, first: usize, n: usize) -> Result<Vec<bool>> {
    (first..first + n)
        .map(|i| row.int(i).map(|v| v == 1))
        .collect()
}

/// How many columns a list of them (`"id, name, rank"`) names.
fn column_count(columns: &str) -> usize {
    columns.split(',').count()
}

impl Store {
    /// Opens the SQLite database at `path` (it must exist and hold the league's tables).
    pub fn open(path: &Path) -> Result<Self> {
        let conn = connect(path)?;
        Ok(Store::with_pool(Pool::Sqlite {
            path: path.to_path_buf(),
            idle: Mutex::new(vec![conn]),
        }))
    }

    /// Opens the PostgreSQL database at `url` (it must hold the league's tables), with at most
    /// `size` connections. Every connection is read-only, and with a `statement_timeout` the
    /// server cancels each of its statements that runs (or waits for a lock) that long.
    pub fn open_postgres(
        url: &PgUrl,
        size: usize,
        statement_timeout: Option<Duration>,
    ) -> Result<Self> {
        let pool = pg::pool::Pool::open(url, size, statement_timeout)?;
        Ok(Store::with_pool(Pool::Postgres(Box::new(pool))))
    }

    fn with_pool(pool: Pool) -> Self {
        Store {
            inner: Arc::new(Inner {
                pool,
                statements: AtomicU64::new(0),
            }),
            snapshot: None,
        }
    }

    /// The SQL the database speaks (the filters given to this store's reads are written in it).
    pub fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }

    /// A store whose reads all see the database as it is at the first of them: one read
    /// transaction on one connection (on PostgreSQL `REPEATABLE READ`, read-only), so a
    /// request's reads agree with each other (a list's count with its page, a game with its
    /// child) however the database changes meanwhile, and the transaction's locks are taken once
    /// instead of once per statement. Keep it only as long as a request: a reader holding a
    /// snapshot keeps the WAL from being checkpointed (or PostgreSQL's old rows from being
    /// vacuumed) past it.
    #[must_use]
    pub fn snapshot(&self) -> Store {
        self.new_snapshot(false)
    }

    /// [`Self::snapshot`] for a request expected to read with one statement: on PostgreSQL
    /// that statement runs in the transaction the server begins for a statement sent alone
    /// (one state of the database, as a snapshot reads; read-only as the pool's connections
    /// make every transaction, and a `SELECT` of the store's anyway), without a `BEGIN` ahead
    /// of it or a `COMMIT` after. A second statement would read another state, so it is
    /// refused instead ([`Error::SecondStatement`], and [`Self::refused_second`] says so): the
    /// caller throws away what it read and runs again in a [`Self::snapshot`]. On SQLite (where a transaction
    /// costs no round trip), and on a store that is a snapshot already, the same as
    /// [`Self::snapshot`].
    #[must_use]
    pub fn alone(&self) -> Store {
        self.new_snapshot(matches!(self.inner.pool, Pool::Postgres(_)))
    }

    fn new_snapshot(&self, alone: bool) -> Store {
        Store {
            inner: Arc::clone(&self.inner),
            snapshot: Some(self.snapshot.clone().unwrap_or_else(|| {
                Arc::new(Snapshot {
                    inner: Arc::clone(&self.inner),
                    conn: Mutex::new(None),
                    cancelled: AtomicBool::new(false),
                    alone,
                    interrupt: Mutex::new(None),
                    turn: Arc::new(tokio::sync::Semaphore::new(1)),
                })
            })),
        }
    }

    /// Whether this snapshot, made by [`Self::alone`], refused a second statement: what it read
    /// is incomplete, and the work must run again in a [`Self::snapshot`]. Its connection says
    /// so (`pg::Conn::refused_second`, however the read handled the error) until the snapshot
    /// gives it back. Asked once its reads have ended.
    pub fn refused_second(&self) -> bool {
        let Some(snapshot) = &self.snapshot else {
            return false;
        };
        matches!(
            &*snapshot.conn.lock().unwrap_or_else(PoisonError::into_inner),
            Some(Held::Postgres(conn)) if conn.refused_second()
        )
    }

    /// Waits, without holding a thread, for this snapshot's turn to read: the reads of one
    /// snapshot take its one connection one after another, so a request whose fields (aliases)
    /// each read many rows holds one blocking thread at a time, not one per field waiting for
    /// the connection, and a short read run on the async worker never waits there for a long
    /// one. The turn ends when it is dropped. A store that is not a snapshot has no turns (its
    /// reads take connections of their own).
    pub async fn turn(&self) -> Turn {
        match &self.snapshot {
            // The semaphore is never closed.
            Some(snapshot) => Turn {
                _permit: Arc::clone(&snapshot.turn).acquire_owned().await.ok(),
            },
            None => Turn { _permit: None },
        }
    }

    /// [`Self::turn`] if it is free now, without waiting.
    pub fn try_turn(&self) -> Option<Turn> {
        match &self.snapshot {
            Some(snapshot) => Arc::clone(&snapshot.turn)
                .try_acquire_owned()
                .ok()
                .map(|permit| Turn {
                    _permit: Some(permit),
                }),
            None => Some(Turn { _permit: None }),
        }
    }

    /// Stops the reads of a snapshot: the statement running now fails (SQLite interrupts it,
    /// PostgreSQL is asked to cancel it) and no further one starts. For a request that is
    /// abandoned (timed out) while a read of its runs on a blocking thread, which cannot be
    /// dropped. Does nothing on a store that is not a snapshot.
    pub fn cancel(&self) {
        if let Some(snapshot) = &self.snapshot {
            snapshot.cancelled.store(true, Ordering::SeqCst);
            let interrupt = snapshot
                .interrupt
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match &*interrupt {
                Some(Interrupt::Sqlite(handle)) => handle.interrupt(),
                Some(Interrupt::Postgres(target)) => {
                    if let Pool::Postgres(pool) = &self.inner.pool {
                        pg::cancel(target.clone(), pool.url());
                    }
                }
                None => {}
            }
        }
    }

    /// Whether a read can start now without waiting for a connection: always on SQLite; on a
    /// PostgreSQL snapshot when it holds one, or takes an idle one of the pool now (beginning
    /// its transaction). A read that would wait must not run on an async worker (the requests
    /// that hold the connections may be waiting on that very worker): it runs on a blocking
    /// thread. So does one that would open a connection: the pool grows from there, and a
    /// handshake slow to come waits on no worker.
    pub fn try_hold(&self) -> bool {
        let (Pool::Postgres(_), Some(snapshot)) = (&self.inner.pool, &self.snapshot) else {
            return true;
        };
        let mut slot = snapshot.conn.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_some() {
            return true;
        }
        match self.inner.take_idle() {
            Some(held) => match self.begin(snapshot, held) {
                Ok(held) => {
                    *slot = Some(held);
                    true
                }
                Err(_) => false,
            },
            None => false,
        }
    }

    /// [`Self::try_hold`], but when no connection is idle, waits (without a thread: for an async
    /// worker) for a new one, opened on a blocking thread while the pool has room, or for one
    /// given back, rather than sending the read to a blocking thread that would wait for it.
    /// An error when no connection came within the pool's wait, or opening one failed.
    pub async fn hold(&self) -> Result<()> {
        let (Pool::Postgres(pool), Some(snapshot)) = (&self.inner.pool, &self.snapshot) else {
            return Ok(());
        };
        if self.try_hold() {
            return Ok(());
        }
        let lent = pool.wait_idle().await?;
        let mut slot = snapshot.conn.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_some() {
            // Another read of the snapshot took one meanwhile: it keeps that one.
            self.inner.give_back(Held::Postgres(lent));
            return Ok(());
        }
        *slot = Some(self.begin(snapshot, Held::Postgres(lent))?);
        Ok(())
    }

    /// Begins `snapshot`'s transaction on `held`, its first connection (which it keeps to the
    /// end), and makes it the one a cancel interrupts.
    fn begin(&self, snapshot: &Snapshot, held: Held) -> Result<Held> {
        match &held {
            Held::Sqlite(conn) => {
                if let Err(err) = conn.prepare_cached("BEGIN").and_then(|mut s| s.execute([])) {
                    self.inner.give_back(held);
                    return Err(err.into());
                }
                *snapshot
                    .interrupt
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) =
                    Some(Interrupt::Sqlite(conn.get_interrupt_handle()));
            }
            Held::Postgres(conn) => {
                if snapshot.alone {
                    conn.alone();
                } else {
                    // Sent with the first statement, in its round trip.
                    conn.defer(PG_BEGIN);
                }
                *snapshot
                    .interrupt
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) =
                    conn.cancel_target().map(Interrupt::Postgres);
            }
        }
        Ok(held)
    }

    /// How many read statements this store has run so far (for tests that prove batching).
    pub fn statements(&self) -> u64 {
        self.inner.statements.load(Ordering::Relaxed)
    }

    /// Runs `f` on this store's connection: a pooled one, or the snapshot's (taken and its
    /// transaction begun on first use). When the server had ended the session of a connection
    /// before answering any statement of `f` (an admin's `pg_terminate_backend`, a restart that
    /// the pool could not see yet when it lent it) and nothing was read on it before, `f` runs
    /// once more on a new connection: it has seen no row, so it is run as if for the first
    /// time, and no request fails for a connection it never used.
    fn with_conn<T>(&self, mut f: impl FnMut(Db<'_>) -> Result<T>) -> Result<T> {
        let Some(snapshot) = &self.snapshot else {
            let held = self.inner.take()?;
            let answered = held.answered();
            let result = f(held.lent());
            if held.ended_unanswered(answered) {
                Inner::discard(held);
                let held = self.inner.take_new()?;
                let result = f(held.lent());
                self.inner.give_back(held);
                return result;
            }
            self.inner.give_back(held);
            return result;
        };
        let mut slot = snapshot.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let held = match slot.take() {
            Some(held) => held,
            None => self.begin(snapshot, self.inner.take()?)?,
        };
        let unread = held.deferring();
        let answered = held.answered();
        let held = self.unless_cancelled(snapshot, held, &mut slot)?;
        let result = f(held.lent());
        if unread && held.ended_unanswered(answered) {
            Inner::discard(held);
            let held = self.begin(snapshot, self.inner.take_new()?)?;
            let held = self.unless_cancelled(snapshot, held, &mut slot)?;
            let result = f(held.lent());
            *slot = Some(held);
            return result;
        }
        *slot = Some(held);
        result
    }

    /// `held`, unless `snapshot` was cancelled: then it goes back to `slot` and the read fails.
    /// Checked once the interrupt is set, so that a cancel from now on interrupts the read.
    fn unless_cancelled(
        &self,
        snapshot: &Snapshot,
        held: Held,
        slot: &mut Option<Held>,
    ) -> Result<Held> {
        if !snapshot.cancelled.load(Ordering::SeqCst) {
            return Ok(held);
        }
        *slot = Some(held);
        Err(match self.inner.dialect() {
            Dialect::Sqlite => rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_INTERRUPT),
                Some("the request was cancelled".to_string()),
            )
            .into(),
            Dialect::Postgres => Error::Postgres {
                message: "the request was cancelled".to_string(),
            },
        })
    }

    /// Runs one statement and maps its rows.
    fn rows<T>(
        &self,
        query: &Query,
        mut map: impl FnMut(&dyn Cells) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.inner.statements.fetch_add(1, Ordering::Relaxed);
        self.with_conn(|conn| match conn {
            Db::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(&query.sql)?;
                let mut rows = stmt.query(params_from_iter(&query.params))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    out.push(map(row)?);
                }
                Ok(out)
            }
            Db::Postgres(conn) => {
                let bound = pg::param::bind(&query.params);
                conn.query(&query.sql, &pg::param::refs(&bound), &mut |row| map(row))
            }
        })
    }

    fn query(&self, capacity: usize) -> Query {
        Query::new(self.dialect(), capacity)
    }

    /// Counts the rows, or stops counting at `cap`: a page asked for with `first` only needs to
    /// know whether one more row exists, and a full count of a large filtered table would cost
    /// a scan of it.
    fn count(&self, table: &str, filter: Option<&SqlFilter>, cap: Option<i64>) -> Result<i64> {
        let mut q = self.query(64);
        match cap {
            None => {
                q.push("SELECT count(*) FROM ").push(table).filter(filter);
            }
            Some(cap) => {
                q.push("SELECT count(*) FROM (SELECT 1 FROM ")
                    .push(table)
                    .filter(filter)
                    .push(" LIMIT ")
                    .push(&cap.max(0).to_string())
                    .push(") AS c");
            }
        }
        Ok(self
            .rows(&q, |row| row.int(0))?
            .first()
            .copied()
            .unwrap_or(0))
    }

    // Teams.

    /// How many teams there are (that pass `filter`).
    pub fn count_teams(&self, filter: Option<&SqlFilter>, cap: Option<i64>) -> Result<i64> {
        self.count("teams", filter, cap)
    }

    /// One page of teams in id order.
    pub fn teams_page(
        &self,
        page: Page,
        filter: Option<&SqlFilter>,
        rules: &[&SqlFilter],
    ) -> Result<Vec<(Team, Vec<bool>)>> {
        self.page("teams", TEAM_COLUMNS, page, filter, rules, team)
    }

    /// The teams with these ids (those that exist and pass `filter`), in id order.
    pub fn teams_by_ids(&self, ids: &[i64], filter: Option<&SqlFilter>) -> Result<Vec<Team>> {
        self.by_ids("teams", TEAM_COLUMNS, ids, filter, team)
    }

    // Players.

    /// How many players there are (that pass `filter`).
    pub fn count_players(&self, filter: Option<&SqlFilter>, cap: Option<i64>) -> Result<i64> {
        self.count("players", filter, cap)
    }

    /// One page of players in id order.
    pub fn players_page(
        &self,
        page: Page,
        filter: Option<&SqlFilter>,
        rules: &[&SqlFilter],
    ) -> Result<Vec<(Player, Vec<bool>)>> {
        self.page("players", PLAYER_COLUMNS, page, filter, rules, player)
    }

    /// The players with these ids, in id order.
    pub fn players_by_ids(&self, ids: &[i64], filter: Option<&SqlFilter>) -> Result<Vec<Player>> {
        self.by_ids("players", PLAYER_COLUMNS, ids, filter, player)
    }

    /// The first player (lowest id) with exactly this name.
    pub fn player_by_name(&self, name: &str, filter: Option<&SqlFilter>) -> Result<Option<Player>> {
        let mut q = self.query(96);
        q.push("SELECT ")
            .push(PLAYER_COLUMNS)
            .push(" FROM players")
            .and()
            .push("name = ")
            .param(Value::Text(name.to_string()))
            .filter(filter)
            .push(" ORDER BY id LIMIT 1");
        Ok(self.rows(&q, player)?.into_iter().next())
    }

    /// The first `limit` players with exactly this position, in id order.
    pub fn players_by_position(
        &self,
        position: &str,
        filter: Option<&SqlFilter>,
        limit: i64,
    ) -> Result<Vec<Player>> {
        let mut q = self.query(96);
        q.push("SELECT ")
            .push(PLAYER_COLUMNS)
            .push(" FROM players")
            .and()
            .push("position = ")
            .param(Value::Text(position.to_string()))
            .filter(filter)
            .push(" ORDER BY id LIMIT ")
            .param(Value::Integer(limit));
        self.rows(&q, player)
    }

    /// `(team id, number of players)` for each of these teams that has players.
    pub fn count_players_of_teams(
        &self,
        team_ids: &[i64],
        filter: Option<&SqlFilter>,
    ) -> Result<Vec<(i64, i64)>> {
        let mut q = self.query(96);
        q.push("SELECT team_id, count(*) FROM players")
            .and()
            .ids("team_id", team_ids)
            .filter(filter)
            .push(" GROUP BY team_id");
        self.rows(&q, |row| Ok((row.int(0)?, row.int(1)?)))
    }

    /// For each slice, that team's players `start..end` in id order; returned with their slice.
    pub fn players_of_teams(
        &self,
        slices: &[TeamSlice],
        filter: Option<&SqlFilter>,
    ) -> Result<Vec<(TeamSlice, Player)>> {
        let teams: Vec<i64> = slices.iter().map(|s| s.team_id).collect();
        let mut q = self.query(512);
        q.push("SELECT s.")
            .push(&PLAYER_COLUMNS.replace(", ", ", s."))
            .push(", j.lo, j.hi FROM (SELECT ")
            .push(PLAYER_COLUMNS)
            .push(", row_number() OVER (PARTITION BY team_id ORDER BY id) - 1 AS rn FROM players")
            .and()
            .ids("team_id", &teams)
            .filter(filter)
            .push(") s JOIN ");
        match self.dialect() {
            Dialect::Sqlite => {
                let wanted: Vec<String> = slices
                    .iter()
                    .map(|s| format!("[{},{},{}]", s.team_id, s.start, s.end))
                    .collect();
                q.push(
                    "(SELECT value ->> 0 AS team, value ->> 1 AS lo, value ->> 2 AS hi \
                     FROM json_each(",
                )
                .param(Value::Text(format!("[{}]", wanted.join(","))))
                .push(")) j");
            }
            Dialect::Postgres => {
                let lo: Vec<i64> = slices.iter().map(|s| s.start).collect();
                let hi: Vec<i64> = slices.iter().map(|s| s.end).collect();
                q.push("unnest(")
                    .array(&teams)
                    .push(", ")
                    .array(&lo)
                    .push(", ")
                    .array(&hi)
                    .push(") AS j(team, lo, hi)");
            }
        }
        q.push(
            " ON s.team_id = j.team AND s.rn >= j.lo AND s.rn < j.hi \
             ORDER BY s.team_id, s.id",
        );
        self.rows(&q, |row| {
            let p = player(row)?;
            let slice = TeamSlice {
                team_id: p.team_id,
                start: row.int(5)?,
                end: row.int(6)?,
            };
            Ok((slice, p))
        })
    }

    // Games.

    /// How many games there are (that pass `filter`).
    pub fn count_games(&self, filter: Option<&SqlFilter>, cap: Option<i64>) -> Result<i64> {
        self.count("games", filter, cap)
    }

    /// One page of games in id order.
    pub fn games_page(
        &self,
        page: Page,
        filter: Option<&SqlFilter>,
        rules: &[&SqlFilter],
    ) -> Result<Vec<(Game, Vec<bool>)>> {
        self.page("games", GAME_COLUMNS, page, filter, rules, game)
    }

    /// The games with these ids, in id order.
    pub fn games_by_ids(&self, ids: &[i64], filter: Option<&SqlFilter>) -> Result<Vec<Game>> {
        self.by_ids("games", GAME_COLUMNS, ids, filter, game)
    }

    /// The games with these ids (and, with `children`, their children: the games their winners
    /// play next) that pass `filter`, as if each had been read by id, in id order, each with
    /// whether it passes each of `rules` (as [`Self::passing_each`] says), in one statement: a
    /// lone `getGame` reads its game, its child and the field rules of both in one round trip.
    pub fn games_judged(
        &self,
        ids: &[i64],
        children: bool,
        filter: Option<&SqlFilter>,
        rules: &[&SqlFilter],
    ) -> Result<Vec<(Game, Vec<bool>)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let width = GAME_COLUMNS.len()
            + filter.map_or(0, |f| f.sql.len())
            + rules.iter().map(|r| r.sql.len() + 32).sum::<usize>();
        let mut q = self.query(2 * width + 160);
        let select = |q: &mut Query| {
            q.push("SELECT ").push(GAME_COLUMNS);
            judge(q, rules);
            q.push(" FROM games");
        };
        select(&mut q);
        q.and().ids("id", ids).filter(filter);
        if children {
            q.push(" UNION ALL ");
            select(&mut q);
            // One game's child is a scalar subquery: an `IN (SELECT …)` costs SQLite a
            // temporary table per statement, and beside a row filter's `OR` its planner reads
            // the filter's rows through yet another (a multi-index `OR`) instead of looking
            // the one child up by its key.
            let child = if ids.len() == 1 { " = " } else { " IN " };
            q.next_select()
                .and()
                .push("id")
                .push(child)
                .push("(SELECT parent.child_id FROM games AS parent WHERE ")
                .ids("parent.id", ids)
                .push(")")
                .filter(filter);
        }
        q.push(" ORDER BY id");
        let first = column_count(GAME_COLUMNS);
        self.rows(&q, |row| Ok((game(row)?, passes(row, first, rules.len())?)))
    }

    /// The first `limit` games a team won or lost, in id order.
    pub fn games_of_team(
        &self,
        team_id: i64,
        filter: Option<&SqlFilter>,
        limit: i64,
    ) -> Result<Vec<Game>> {
        let mut q = self.query(128);
        q.push("SELECT ")
            .push(GAME_COLUMNS)
            .push(" FROM games")
            .and()
            .push("(winner_id = ")
            .param(Value::Integer(team_id))
            .push(" OR loser_id = ")
            .param(Value::Integer(team_id))
            .push(")")
            .filter(filter)
            .push(" ORDER BY id LIMIT ")
            .param(Value::Integer(limit));
        self.rows(&q, game)
    }

    // Shared shapes.

    fn page<T>(
        &self,
        table: &str,
        columns: &str,
        page: Page,
        filter: Option<&SqlFilter>,
        rules: &[&SqlFilter],
        map: Map<T>,
    ) -> Result<Vec<(T, Vec<bool>)>> {
        if page.limit <= 0 {
            return Ok(Vec::new());
        }
        let mut q = self.query(128 + rules.iter().map(|r| r.sql.len() + 32).sum::<usize>());
        q.push("SELECT ").push(columns);
        judge(&mut q, rules);
        q.push(" FROM ")
            .push(table)
            .filter(filter)
            .push(" ORDER BY id LIMIT ")
            .param(Value::Integer(page.limit))
            .push(" OFFSET ")
            .param(Value::Integer(page.offset.max(0)));
        let first = column_count(columns);
        self.rows(&q, |row| Ok((map(row)?, passes(row, first, rules.len())?)))
    }

    /// For each of `ids` whose row exists in `table`: whether it passes each of `filters`, in
    /// order (one statement, whatever the number of filters). The enforcement layer asks this
    /// for the fields readable on some rows only (a player's `year`).
    pub fn passing_each(
        &self,
        table: Table,
        ids: &[i64],
        filters: &[&SqlFilter],
    ) -> Result<Vec<(i64, Vec<bool>)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = self.query(filters.iter().map(|f| f.sql.len() + 32).sum::<usize>() + 64);
        q.push("SELECT id");
        judge(&mut q, filters);
        q.push(" FROM ")
            .push(table.name())
            .and()
            .ids("id", ids)
            .push(" ORDER BY id");
        self.rows(&q, |row| Ok((row.int(0)?, passes(row, 1, filters.len())?)))
    }

    /// Lends a pooled connection to `f`: the authorization bridge reads subjects and compiles
    /// policies with it.
    pub fn lend<T>(&self, mut f: impl FnMut(Db<'_>) -> T) -> Result<T> {
        self.with_conn(|conn| Ok(f(conn)))
    }

    fn by_ids<T>(
        &self,
        table: &str,
        columns: &str,
        ids: &[i64],
        filter: Option<&SqlFilter>,
        map: Map<T>,
    ) -> Result<Vec<T>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // A point read runs this on every request: one buffer, sized once.
        let mut q =
            self.query(columns.len() + table.len() + filter.map_or(0, |f| f.sql.len()) + 48);
        q.push("SELECT ")
            .push(columns)
            .push(" FROM ")
            .push(table)
            .and()
            .ids("id", ids)
            .filter(filter)
            .push(" ORDER BY id");
        self.rows(&q, map)
    }
}

/// Notices commits made to a SQLite database by other connections, this process's or another's,
/// through one connection of its own: `PRAGMA data_version` changes with every commit made
/// through any other connection, and this connection never writes. A check is one statement
/// that reads the WAL index (shared memory), no page of the database.
#[derive(Debug)]
pub struct Changes {
    conn: Connection,
    version: i64,
}

impl Changes {
    /// Whether a commit has happened since the last call (or since this was made).
    pub fn changed(&mut self) -> Result<bool> {
        let version = data_version(&self.conn)?;
        let changed = version != self.version;
        self.version = version;
        Ok(changed)
    }
}

fn data_version(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |row| row.get(0))?)
}

/// The state of the database a PostgreSQL snapshot sees, as the server describes it: the
/// transactions that were committed or still running when it was taken (`xmin:xmax:xip`).
/// Two snapshots that give the same text see the same rows; every commit anywhere in the
/// cluster by a transaction that wrote changes it (some that did not touch the league too,
/// which only costs a recomputation).
const PG_VERSION: &str = "SELECT pg_current_snapshot()::text";

impl Store {
    /// A watcher of the commits made to this store's SQLite database from now on; `None` on
    /// PostgreSQL, whose snapshots say which state they see ([`Self::begin_now`]).
    pub fn changes(&self) -> Result<Option<Changes>> {
        match &self.inner.pool {
            Pool::Sqlite { path, .. } => {
                let conn = connect(path)?;
                let version = data_version(&conn)?;
                Ok(Some(Changes { conn, version }))
            }
            Pool::Postgres(_) => Ok(None),
        }
    }

    /// Begins this store's snapshot now, so that a check made after it is known to come after
    /// it, and says which state of the database it sees where the backend can: on PostgreSQL
    /// the snapshot's own description, taken in the round trip of its `BEGIN` (equal texts,
    /// equal rows); on SQLite `None`, the snapshot fixed by a read (see [`Self::changes`]).
    pub fn begin_now(&self) -> Result<Option<String>> {
        let mut q = self.query(0);
        match self.dialect() {
            Dialect::Sqlite => {
                q.push("SELECT 1 FROM sqlite_schema LIMIT 1");
                self.rows(&q, |row| row.int(0))?;
                Ok(None)
            }
            Dialect::Postgres => {
                q.push(PG_VERSION);
                Ok(self.rows(&q, |row| row.text(0))?.into_iter().next())
            }
        }
    }
}

/// A pooled SQLite connection: every statement of this module stays prepared (each filter
/// variant adds its own, hence more room than rusqlite's default of 16).
///
/// Temporary tables live in memory: the row filters' `IN (…)` subqueries and recursive CTEs
/// build small ephemeral tables on every read, and in memory those cost half as much as in temp
/// files. (Only here: a bulk seed's index sort must keep spilling to disk.)
fn connect(path: &Path) -> Result<Connection> {
    let conn = open(path)?;
    conn.set_prepared_statement_cache_capacity(128);
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(conn)
}

fn team(row: &dyn Cells) -> Result<Team> {
    Ok(Team {
        id: row.int(0)?,
        // The tutorial's schema lets a team's name be NULL.
        name: row.opt_text(1)?.unwrap_or_default(),
        rank: row.int(2)?,
    })
}

fn player(row: &dyn Cells) -> Result<Player> {
    Ok(Player {
        id: row.int(0)?,
        name: row.text(1)?,
        position: row.text(2)?,
        year: row.int(3)?,
        team_id: row.int(4)?,
    })
}

fn game(row: &dyn Cells) -> Result<Game> {
    Ok(Game {
        id: row.int(0)?,
        level: row.text(1)?,
        child_id: row.opt_int(2)?,
        winner_id: row.int(3)?,
        loser_id: row.int(4)?,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A store over a fresh database holding the repository's `seeder.toml`, and a writer.
    fn seeded() -> (tempfile::TempDir, Store, Connection) {
        let (dir, path, writer) = super::super::tutorial_league();
        (dir, Store::open(&path).unwrap(), writer)
    }

    /// See: issue 18, "a query that runs past `--request-timeout` is cancelled".
    #[test]
    fn a_cancelled_snapshot_interrupts_its_running_read_and_starts_no_other() {
        let (_dir, store, _) = seeded();
        let snapshot = store.snapshot();
        let reader = snapshot.clone();
        let started = std::time::Instant::now();
        let read = std::thread::spawn(move || {
            reader.lend(|conn| {
                let Db::Sqlite(conn) = conn else {
                    panic!("a SQLite store lends SQLite connections")
                };
                conn.query_row(
                    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 1000000000) \
                     SELECT count(*) FROM c",
                    [],
                    |row| row.get::<_, i64>(0),
                )
            })
        });
        std::thread::sleep(std::time::Duration::from_millis(200));
        snapshot.cancel();
        let outcome = read.join().unwrap().unwrap();
        assert_eq!(
            outcome.unwrap_err().sqlite_error_code(),
            Some(rusqlite::ErrorCode::OperationInterrupted)
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(
            snapshot.lend(|_| ()).is_err(),
            "no read starts after a cancel"
        );
        // Other requests are unaffected.
        assert_eq!(store.snapshot().count_teams(None, None).unwrap(), 4);
    }

    /// A new database on the test run's PostgreSQL cluster with the tables: its URL, and the
    /// connection that made them (driven by a runtime of its own: not from inside another).
    pub(crate) fn postgres_database() -> (crate::test_cluster::Database, PgUrl, pg::Conn) {
        let db = crate::test_cluster::cluster().create_database();
        let crate::db::url::DbUrl::Postgres(url) = crate::db::url::DbUrl::parse(&db.url()).unwrap()
        else {
            panic!("{} is not a PostgreSQL URL", db.url());
        };
        let (conn, _) = pg::init(&url).unwrap();
        (db, *url, conn)
    }

    /// A store over a new PostgreSQL database with the tables and the tutorial's four teams.
    pub(crate) fn postgres(size: usize) -> (crate::test_cluster::Database, Store) {
        let (db, url, _) = postgres_database();
        db.psql("INSERT INTO teams (id, name, rank) VALUES (1, 'G', 1), (2, 'S', 2), (3, 'R', 3), (4, 'H', 4)");
        (db, Store::open_postgres(&url, size, None).unwrap())
    }

    /// [`Store::lend`] on a PostgreSQL store: `f` is given the connection itself.
    fn lend_pg<T>(store: &Store, mut f: impl FnMut(&pg::Conn) -> T) -> Result<T> {
        store.lend(|conn| match conn {
            Db::Postgres(conn) => f(conn),
            Db::Sqlite(_) => panic!("a PostgreSQL store lends PostgreSQL connections"),
        })
    }

    /// What `SETTINGS` says of the transaction a read of `store` runs in: its isolation level
    /// and whether it is read-only.
    const SETTINGS: &str = "SELECT current_setting('transaction_isolation'), \
                            current_setting('transaction_read_only')";

    fn settings(store: &Store) -> (String, String) {
        lend_pg(store, |conn| {
            conn.query(SETTINGS, &[], &mut |row| {
                Ok((row.get::<_, String>(0), row.get::<_, String>(1)))
            })
        })
        .unwrap()
        .unwrap()
        .remove(0)
    }

    fn open(store: &Store) -> usize {
        let Pool::Postgres(pool) = &store.inner.pool else {
            panic!("a PostgreSQL store")
        };
        pool.open_count()
    }

    /// See: issue 15, "reads each request from one snapshot"; issue 18, "a query that runs past
    /// `--request-timeout` is cancelled".
    #[test]
    fn a_cancelled_postgres_snapshot_stops_its_statement_and_closes_its_connection() {
        let (_db, store) = postgres(2);
        let snapshot = store.snapshot();
        sleep_cancelled(&snapshot);
        assert!(
            snapshot.lend(|_| ()).is_err(),
            "no read starts after a cancel"
        );
        assert_eq!(open(&store), 1);
        drop(snapshot);
        assert_eq!(
            open(&store),
            0,
            "the cancelled connection is closed, not reused"
        );
        assert_eq!(store.snapshot().count_teams(None, None).unwrap(), 4);
    }

    /// The cancel request goes to the host the connection is on: with a hot standby listed
    /// before the primary and `target_session_attrs=read-write`, the pool's connection is on
    /// the primary, and a cancel sent to the first host that answers (the standby, which
    /// ignores a key it does not know) would leave the statement running.
    #[test]
    fn a_cancel_reaches_the_host_the_connection_is_on() {
        let (db, _) = postgres(1);
        let cluster = crate::test_cluster::cluster();
        let standby = cluster.standby();
        standby.catch_up();
        let value = format!(
            "host={},{} user=postgres dbname={} target_session_attrs=read-write",
            standby.socket_dir().display(),
            cluster.socket_dir().display(),
            db.name
        );
        let crate::db::url::DbUrl::Postgres(url) = crate::db::url::DbUrl::parse(&value).unwrap()
        else {
            panic!("{value} is not PostgreSQL");
        };
        let store = Store::open_postgres(&url, 1, None).unwrap();
        sleep_cancelled(&store.snapshot());
    }

    /// Runs `pg_sleep(20)` on `snapshot` on another thread and cancels the snapshot 300 ms
    /// later: the statement must fail as cancelled, well before it would have ended.
    fn sleep_cancelled(snapshot: &Store) {
        let reader = snapshot.clone();
        let started = std::time::Instant::now();
        let read = std::thread::spawn(move || {
            lend_pg(&reader, |conn| {
                conn.query("SELECT pg_sleep(20)", &[], &mut |_| Ok(()))
            })
        });
        std::thread::sleep(std::time::Duration::from_millis(300));
        snapshot.cancel();
        let err = read.join().unwrap().unwrap().unwrap_err().to_string();
        assert!(err.contains("canceling statement"), "{err}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the statement ran on for {:?}",
            started.elapsed()
        );
    }

    /// A read inside `pg::bounded` gives up once PostgreSQL takes longer than `INLINE_WAIT` to
    /// answer; the same read outside it waits as long as it takes, on the same snapshot (the
    /// abandoned statement's answer read and dropped first), and a connection given back with
    /// an answer nobody waits for is closed, not lent again.
    #[test]
    fn a_bounded_read_gives_up_and_the_same_read_unbounded_waits() {
        let (_db, store) = postgres(2);
        let sleep = |snapshot: &Store| {
            lend_pg(snapshot, |conn| {
                conn.query("SELECT pg_sleep(0.2)", &[], &mut |_| Ok(()))
                    .map(|rows| rows.len())
            })
        };
        let snapshot = store.snapshot();
        let version = snapshot.begin_now().unwrap();
        let started = std::time::Instant::now();
        assert!(pg::bounded(|| sleep(&snapshot)).is_none(), "gave up");
        assert!(started.elapsed() < std::time::Duration::from_millis(150));
        // Every later wait in the scope gives up at once.
        assert!(pg::bounded(|| (sleep(&snapshot), snapshot.count_teams(None, None))).is_none());
        assert_eq!(sleep(&snapshot).unwrap().unwrap(), 1);
        assert_eq!(snapshot.begin_now().unwrap(), version, "the same snapshot");
        // A quick read inside the bound is answered.
        assert_eq!(
            pg::bounded(|| snapshot.count_teams(None, None))
                .unwrap()
                .unwrap(),
            4
        );
        drop(snapshot);
        assert_eq!(open(&store), 1, "a connection answered in full goes back");

        let abandoned = store.snapshot();
        assert!(pg::bounded(|| sleep(&abandoned)).is_none());
        drop(abandoned);
        assert_eq!(open(&store), 0, "closed with its statement unanswered");
        assert_eq!(store.snapshot().count_teams(None, None).unwrap(), 4);
    }

    /// A read that may start on an async worker takes an idle connection of the pool, never a
    /// new one: opening one waits for the server's handshake (a new server process). The pool
    /// grows from the reads that may wait, and what they give back is held without waiting.
    #[test]
    fn only_an_idle_connection_is_held_without_waiting() {
        let (_db, store) = postgres(2);
        let first = store.snapshot();
        assert!(first.try_hold(), "the pool's idle connection");
        let second = store.snapshot();
        assert!(!second.try_hold(), "no idle one, and none opened");
        assert_eq!(open(&store), 1);
        assert_eq!(second.count_teams(None, None).unwrap(), 4);
        assert_eq!(open(&store), 2, "opened by the read that may wait");
        drop(second);
        let third = store.snapshot();
        let waited = std::time::Instant::now();
        while !third.try_hold() {
            assert!(waited.elapsed() < std::time::Duration::from_secs(5));
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(third.count_teams(None, None).unwrap(), 4);
        assert_eq!(first.count_teams(None, None).unwrap(), 4);
        assert_eq!(open(&store), 2);
    }

    /// A PostgreSQL snapshot sees one state: a commit made meanwhile is not in it, and its
    /// version names the state (another after the commit); its connection goes back to the
    /// pool, never more than `--pool-size` open.
    #[test]
    fn a_postgres_snapshot_reads_one_state_and_names_it() {
        let (db, store) = postgres(2);
        let snapshot = store.snapshot();
        let version = snapshot.begin_now().unwrap().unwrap();
        // What `PG_BEGIN` says.
        assert_eq!(settings(&snapshot), ("repeatable read".into(), "on".into()));
        assert_eq!(snapshot.count_teams(None, None).unwrap(), 4);
        db.psql("INSERT INTO teams (id, name, rank) VALUES (5, 'X', 5)");
        assert_eq!(snapshot.count_teams(None, None).unwrap(), 4);
        assert_eq!(snapshot.begin_now().unwrap().unwrap(), version);
        let later = store.snapshot();
        assert_ne!(later.begin_now().unwrap().unwrap(), version);
        assert_eq!(later.count_teams(None, None).unwrap(), 5);
        // Two snapshots hold both connections: a third cannot take one without waiting.
        let third = store.snapshot();
        assert!(!third.try_hold());
        assert_eq!(open(&store), 2);
        drop(snapshot);
        // The first one's connection comes back once its COMMIT is done.
        let waited = std::time::Instant::now();
        while !third.try_hold() {
            assert!(waited.elapsed() < std::time::Duration::from_secs(5));
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(third.count_teams(None, None).unwrap(), 5);
        assert_eq!(open(&store), 2);
    }

    /// A snapshot made `alone` runs its one statement in the transaction the server begins
    /// for it: read-only as the pool's connections make every transaction, with no
    /// transaction left open around it. A second statement is refused without being
    /// sent (it would read another state), and says so; the connection goes back clean, and a
    /// snapshot on it begins its transaction as before.
    #[test]
    fn an_alone_postgres_snapshot_reads_one_statement_and_refuses_a_second() {
        let (db, store) = postgres(1);
        // The state and last statement of the pool's one connection, seen from another.
        let activity = || {
            db.value(
                "SELECT state || ' | ' || query FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid() \
                 AND backend_type = 'client backend'",
            )
        };
        let alone = store.alone();
        // Read-only; the level is the server's default (one statement reads one state at any).
        assert_eq!(settings(&alone).1, "on");
        assert_eq!(
            activity(),
            format!("idle | {SETTINGS}"),
            "no transaction open"
        );
        assert!(!alone.refused_second());
        assert!(matches!(
            alone.count_teams(None, None),
            Err(Error::SecondStatement)
        ));
        assert!(alone.refused_second());
        assert_eq!(
            activity(),
            format!("idle | {SETTINGS}"),
            "the second never sent"
        );
        drop(alone);
        // Noted however the read handles the error (here it drops it).
        let alone = store.alone();
        settings(&alone);
        let swallowed = lend_pg(&alone, |conn| {
            conn.query(SETTINGS, &[], &mut |_| Ok(())).is_err()
        });
        assert!(swallowed.unwrap());
        assert!(alone.refused_second());
        drop(alone);
        let snapshot = store.snapshot();
        assert_eq!(snapshot.count_teams(None, None).unwrap(), 4);
        assert!(activity().starts_with("idle in transaction | "));
        assert!(!snapshot.refused_second());
        drop(snapshot);
        assert_eq!(open(&store), 1);
    }

    /// On SQLite, where a transaction costs no round trip, a snapshot made `alone` is a
    /// snapshot: it reads as many statements as it needs.
    #[test]
    fn an_alone_sqlite_snapshot_is_a_snapshot() {
        let (_dir, store, _) = seeded();
        let alone = store.alone();
        assert_eq!(alone.count_teams(None, None).unwrap(), 4);
        assert_eq!(alone.count_teams(None, None).unwrap(), 4);
        assert!(!alone.refused_second());
    }

    /// On an async worker a snapshot that finds no idle connection holds one without the
    /// worker doing a handshake or parking: a new one while the pool has room (opened on a
    /// blocking thread, awaited), else the first one given back. Neither waits on a thread of
    /// the caller's: the runtime has one thread, which the holder's release runs on too.
    #[test]
    fn hold_awaits_a_new_connection_while_the_pool_has_room_then_one_given_back() {
        let (_db, store) = postgres(2);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let first = store.snapshot();
        assert!(first.try_hold(), "the pool's idle connection");
        let second = store.snapshot();
        assert!(
            !second.try_hold(),
            "no idle one, and none opened by try_hold"
        );
        runtime.block_on(second.hold()).expect("one opened for it");
        assert_eq!(open(&store), 2);
        assert_eq!(second.count_teams(None, None).unwrap(), 4);
        let third = store.snapshot();
        let held = runtime.block_on(async {
            let waiting = tokio::spawn({
                let third = third.clone();
                async move { third.hold().await }
            });
            tokio::task::yield_now().await;
            assert!(!waiting.is_finished(), "the pool is full: it waits");
            drop(first);
            waiting.await.unwrap()
        });
        held.expect("the connection given back");
        assert_eq!(third.count_teams(None, None).unwrap(), 4);
        assert_eq!(open(&store), 2);
    }

    /// A read that finds every connection of the pool in use waits for one (its thread parked
    /// in deadpool's queue), and is woken by the first given back.
    #[test]
    fn a_read_waits_for_a_full_pool_and_takes_the_first_connection_given_back() {
        let (_db, store) = postgres(1);
        let holder = store.snapshot();
        assert_eq!(holder.count_teams(None, None).unwrap(), 4);
        let reader = store.clone();
        let read = std::thread::spawn(move || reader.count_teams(None, None));
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(
            !read.is_finished(),
            "the read waits while the one connection is held"
        );
        let given_back = std::time::Instant::now();
        drop(holder);
        assert_eq!(read.join().unwrap().unwrap(), 4);
        assert!(
            given_back.elapsed() < std::time::Duration::from_secs(2),
            "woken when the connection came back, not at the end of the wait: {:?}",
            given_back.elapsed()
        );
        assert_eq!(open(&store), 1);
    }

    /// A snapshot's `COMMIT` waits, unsent, for its connection's next statement; on a
    /// connection left idle it goes out within moments: no transaction of the pool's (nor the
    /// lock it holds) keeps a `TRUNCATE` from elsewhere waiting.
    #[test]
    fn an_idle_connection_ends_its_snapshot_soon() {
        let (db, store) = postgres(2);
        let snapshot = store.snapshot();
        assert_eq!(snapshot.count_teams(None, None).unwrap(), 4);
        drop(snapshot);
        db.psql("SET lock_timeout = '3s'; TRUNCATE teams CASCADE");
        assert_eq!(
            db.value(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND state LIKE 'idle in transaction%'"
            ),
            "0"
        );
        assert_eq!(store.snapshot().count_teams(None, None).unwrap(), 0);
        assert_eq!(open(&store), 1);
    }

    /// One connection, snapshot after snapshot: each `COMMIT` goes out with the next snapshot's
    /// `BEGIN`, in one message, so the next snapshot sees what was committed between them.
    /// And a statement and an answer far larger than the socket's buffers go through a
    /// connection driven inline (a write that finds the buffer full waits for room rather than
    /// for an answer the server cannot send before it has read the statement).
    #[test]
    fn snapshots_on_one_connection_each_see_the_latest_commit_and_large_messages_pass() {
        let (db, store) = postgres(1);
        for n in 5..8 {
            let snapshot = store.snapshot();
            assert_eq!(snapshot.count_teams(None, None).unwrap(), n - 1);
            drop(snapshot);
            db.psql(&format!(
                "INSERT INTO teams (id, name, rank) VALUES ({n}, 'T{n}', {n})"
            ));
        }
        assert_eq!(open(&store), 1);
        let ids: Vec<String> = (0..1_000_000).map(|i: i64| i.to_string()).collect();
        let array = format!("{{{}}}", ids.join(","));
        let (done, finished) = std::sync::mpsc::channel();
        let reader = store.snapshot();
        std::thread::spawn(move || {
            let sums = lend_pg(&reader, |conn| {
                let sent: i64 = conn
                    .query(
                        "SELECT sum(i)::int8 FROM unnest($1::text::int8[]) AS i",
                        &[&array],
                        &mut |row| Ok(row.get(0)),
                    )?
                    .remove(0);
                let back: i64 = conn
                    .query(
                        "SELECT i::int8 FROM generate_series(1, 300000) AS i",
                        &[],
                        &mut |row| Ok(row.get::<_, i64>(0)),
                    )?
                    .into_iter()
                    .sum();
                Ok::<_, Error>((sent, back))
            });
            let _ = done.send(sums);
        });
        let sums = finished
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("a large statement and answer go through within a minute")
            .unwrap()
            .unwrap();
        assert_eq!(sums, (499_999_500_000, 45_000_150_000));
    }

    /// See: issue 18, finding 7.
    #[test]
    fn changes_notices_every_commit_of_another_connection_once() {
        let (_dir, store, writer) = seeded();
        let mut changes = store
            .changes()
            .unwrap()
            .expect("SQLite watches for commits");
        assert!(!changes.changed().unwrap());
        // The store's own reads are not changes.
        store.count_games(None, None).unwrap();
        assert!(!changes.changed().unwrap());
        writer
            .execute("UPDATE games SET level = 'Final' WHERE id = 8", [])
            .unwrap();
        assert!(changes.changed().unwrap());
        assert!(!changes.changed().unwrap());
    }

    #[test]
    fn a_snapshot_reads_one_state_of_the_file() {
        let (_dir, store, writer) = seeded();
        let snapshot = store.snapshot();
        let before = snapshot.count_games(None, None).unwrap();
        writer
            .execute(
                "INSERT INTO games (id, level, child_id, winner_id, loser_id) VALUES (99, 'Extra', NULL, 1, 2)",
                [],
            )
            .unwrap();
        assert_eq!(snapshot.count_games(None, None).unwrap(), before);
        assert!(snapshot.games_by_ids(&[99], None).unwrap().is_empty());
        assert_eq!(store.count_games(None, None).unwrap(), before + 1);
        drop(snapshot);
        // Its connection went back to the pool, out of its transaction.
        assert_eq!(
            store.snapshot().count_games(None, None).unwrap(),
            before + 1
        );
    }

    #[test]
    fn clones_of_a_snapshot_share_it() {
        let (_dir, store, writer) = seeded();
        let snapshot = store.snapshot();
        let before = snapshot.count_games(None, None).unwrap();
        writer
            .execute("DELETE FROM games WHERE id = 1", [])
            .unwrap();
        assert_eq!(snapshot.snapshot().count_games(None, None).unwrap(), before);
        assert_eq!(snapshot.clone().count_games(None, None).unwrap(), before);
    }
}
