//! Typed reads of the league, for the GraphQL layer.
//!
//! Every row the API returns is read here, by functions that each run exactly one SQL statement
//! and accept an optional extra row filter ([`SqlFilter`]): the enforcement layer compiles
//! policies into such filters, so a denied row is never read at all. Lists come in id order;
//! pages are cut in SQL (`LIMIT`/`OFFSET`), never by loading a whole table.
//!
//! SQLite is synchronous: callers in async code run these functions on a blocking thread. A small
//! pool of connections lets several readers work at once (the file is WAL, so they do not block a
//! writer either).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rusqlite::types::Value;
use rusqlite::{Connection, InterruptHandle, Row, params_from_iter};

use super::model::{Game, Player, Team};
use super::{Result, open};

/// Connections kept open for reuse; more may be opened under load, and are closed after use.
const POOL_SIZE: usize = 32;

/// An extra SQL condition on the rows of one table, with its bound parameters.
///
/// `sql` is a boolean expression over the table's own columns, written with anonymous `?`
/// placeholders that take `params` in order, e.g. `team_id = ?` with `[Integer(1)]`. It is
/// combined with `AND` and wrapped in parentheses, so it can never widen a query.
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

/// Read access to one league database, shared by every request (cheap to clone).
///
/// A store made by [`Store::snapshot`] reads everything from one read transaction instead.
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<Inner>,
    snapshot: Option<Arc<Snapshot>>,
}

/// One connection held in a read transaction, begun at its first read and ended (the
/// connection going back to the pool) when the last clone of its store is dropped.
#[derive(Debug)]
struct Snapshot {
    inner: Arc<Inner>,
    conn: Mutex<Option<Connection>>,
    /// Set by [`Store::cancel`]: no further read starts.
    cancelled: AtomicBool,
    /// Stops the statement running on `conn`, from another thread.
    interrupt: OnceLock<Interrupt>,
}

/// A connection's interrupt handle (which does not implement `Debug`).
struct Interrupt(InterruptHandle);

impl std::fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Interrupt")
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        let conn = self
            .conn
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        // A connection whose transaction does not end cleanly is closed, not reused.
        if let Some(conn) = conn
            && conn
                .prepare_cached("COMMIT")
                .and_then(|mut commit| commit.execute([]))
                .is_ok()
        {
            self.inner.give_back(conn);
        }
    }
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    pool: Mutex<Vec<Connection>>,
    statements: AtomicU64,
}

impl Inner {
    /// A pooled connection, or a new one when every pooled one is in use.
    fn take(&self) -> Result<Connection> {
        let pooled = self
            .pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match pooled {
            Some(conn) => Ok(conn),
            None => connect(&self.path),
        }
    }

    /// Returns `conn` to the pool (or closes it when the pool is full).
    fn give_back(&self, conn: Connection) {
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        if pool.len() < POOL_SIZE {
            pool.push(conn);
        }
    }
}

const TEAM_COLUMNS: &str = "id, name, rank";
const PLAYER_COLUMNS: &str = "id, name, position, year, team_id";
const GAME_COLUMNS: &str = "id, level, child_id, winner_id, loser_id";

impl Store {
    /// Opens the database at `path` (it must exist and hold the league's tables).
    pub fn open(path: &Path) -> Result<Self> {
        let conn = connect(path)?;
        Ok(Store {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                pool: Mutex::new(vec![conn]),
                statements: AtomicU64::new(0),
            }),
            snapshot: None,
        })
    }

    /// A store whose reads all see the database as it is at the first of them: one read
    /// transaction on one connection, so a request's reads agree with each other (a list's
    /// count with its page, a game with its child) however the file changes meanwhile, and the
    /// transaction's locks are taken once instead of once per statement. Keep it only as long
    /// as a request: a reader holding a snapshot keeps the WAL from being checkpointed past it.
    #[must_use]
    pub fn snapshot(&self) -> Store {
        Store {
            inner: Arc::clone(&self.inner),
            snapshot: Some(self.snapshot.clone().unwrap_or_else(|| {
                Arc::new(Snapshot {
                    inner: Arc::clone(&self.inner),
                    conn: Mutex::new(None),
                    cancelled: AtomicBool::new(false),
                    interrupt: OnceLock::new(),
                })
            })),
        }
    }

    /// Stops the reads of a snapshot: the statement running now fails (SQLite interrupts it) and
    /// no further one starts. For a request that is abandoned (timed out) while a read of its
    /// runs on a blocking thread, which cannot be dropped. Does nothing on a store that is not a
    /// snapshot.
    pub fn cancel(&self) {
        if let Some(snapshot) = &self.snapshot {
            snapshot.cancelled.store(true, Ordering::SeqCst);
            if let Some(interrupt) = snapshot.interrupt.get() {
                interrupt.0.interrupt();
            }
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// How many read statements this store has run so far (for tests that prove batching).
    pub fn statements(&self) -> u64 {
        self.inner.statements.load(Ordering::Relaxed)
    }

    fn with_conn<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let Some(snapshot) = &self.snapshot else {
            let conn = self.inner.take()?;
            let result = f(&conn);
            self.inner.give_back(conn);
            return result;
        };
        let mut held = snapshot.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let conn = if let Some(conn) = held.take() {
            conn
        } else {
            let conn = self.inner.take()?;
            conn.prepare_cached("BEGIN")?.execute([])?;
            // Only the first connection of a snapshot is ever set: it keeps it to the end.
            let _ = snapshot
                .interrupt
                .set(Interrupt(conn.get_interrupt_handle()));
            conn
        };
        // Checked once the interrupt handle is set: a cancel from now on interrupts the read.
        if snapshot.cancelled.load(Ordering::SeqCst) {
            *held = Some(conn);
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_INTERRUPT),
                Some("the request was cancelled".to_string()),
            )
            .into());
        }
        let result = f(&conn);
        *held = Some(conn);
        result
    }

    /// Runs one statement and maps its rows.
    fn rows<T>(
        &self,
        sql: &str,
        params: &[Value],
        map: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        self.inner.statements.fetch_add(1, Ordering::Relaxed);
        self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(sql)?;
            let rows = stmt.query_map(params_from_iter(params), map)?;
            Ok(rows.collect::<rusqlite::Result<Vec<T>>>()?)
        })
    }

    /// Counts the rows, or stops counting at `cap`: a page asked for with `first` only needs to
    /// know whether one more row exists, and a full count of a large filtered table would cost
    /// a scan of it.
    fn count(
        &self,
        table: &str,
        condition: &str,
        params: Vec<Value>,
        filter: Option<&SqlFilter>,
        cap: Option<i64>,
    ) -> Result<i64> {
        let (clause, params) = where_clause(condition, params, filter);
        let sql = match cap {
            None => format!("SELECT count(*) FROM {table}{clause}"),
            Some(cap) => format!(
                "SELECT count(*) FROM (SELECT 1 FROM {table}{clause} LIMIT {})",
                cap.max(0)
            ),
        };
        Ok(self
            .rows(&sql, &params, |row| row.get(0))?
            .first()
            .copied()
            .unwrap_or(0))
    }

    // Teams.

    /// How many teams there are (that pass `filter`).
    pub fn count_teams(&self, filter: Option<&SqlFilter>, cap: Option<i64>) -> Result<i64> {
        self.count("teams", "", Vec::new(), filter, cap)
    }

    /// One page of teams in id order.
    pub fn teams_page(&self, page: Page, filter: Option<&SqlFilter>) -> Result<Vec<Team>> {
        self.page("teams", TEAM_COLUMNS, page, filter, team)
    }

    /// The teams with these ids (those that exist and pass `filter`), in id order.
    pub fn teams_by_ids(&self, ids: &[i64], filter: Option<&SqlFilter>) -> Result<Vec<Team>> {
        self.by_ids("teams", TEAM_COLUMNS, ids, filter, team)
    }

    // Players.

    /// How many players there are (that pass `filter`).
    pub fn count_players(&self, filter: Option<&SqlFilter>, cap: Option<i64>) -> Result<i64> {
        self.count("players", "", Vec::new(), filter, cap)
    }

    /// One page of players in id order.
    pub fn players_page(&self, page: Page, filter: Option<&SqlFilter>) -> Result<Vec<Player>> {
        self.page("players", PLAYER_COLUMNS, page, filter, player)
    }

    /// The players with these ids, in id order.
    pub fn players_by_ids(&self, ids: &[i64], filter: Option<&SqlFilter>) -> Result<Vec<Player>> {
        self.by_ids("players", PLAYER_COLUMNS, ids, filter, player)
    }

    /// The first player (lowest id) with exactly this name.
    pub fn player_by_name(&self, name: &str, filter: Option<&SqlFilter>) -> Result<Option<Player>> {
        let (clause, params) =
            where_clause("name = ?", vec![Value::Text(name.to_string())], filter);
        let sql = format!("SELECT {PLAYER_COLUMNS} FROM players{clause} ORDER BY id LIMIT 1");
        Ok(self.rows(&sql, &params, player)?.into_iter().next())
    }

    /// The first `limit` players with exactly this position, in id order.
    pub fn players_by_position(
        &self,
        position: &str,
        filter: Option<&SqlFilter>,
        limit: i64,
    ) -> Result<Vec<Player>> {
        let (clause, mut params) = where_clause(
            "position = ?",
            vec![Value::Text(position.to_string())],
            filter,
        );
        params.push(Value::Integer(limit));
        let sql = format!("SELECT {PLAYER_COLUMNS} FROM players{clause} ORDER BY id LIMIT ?");
        self.rows(&sql, &params, player)
    }

    /// `(team id, number of players)` for each of these teams that has players.
    pub fn count_players_of_teams(
        &self,
        team_ids: &[i64],
        filter: Option<&SqlFilter>,
    ) -> Result<Vec<(i64, i64)>> {
        let (condition, params) = in_list("team_id", team_ids);
        let (clause, params) = where_clause(&condition, params, filter);
        let sql = format!("SELECT team_id, count(*) FROM players{clause} GROUP BY team_id");
        self.rows(&sql, &params, |row| Ok((row.get(0)?, row.get(1)?)))
    }

    /// For each slice, that team's players `start..end` in id order; returned with their slice.
    pub fn players_of_teams(
        &self,
        slices: &[TeamSlice],
        filter: Option<&SqlFilter>,
    ) -> Result<Vec<(TeamSlice, Player)>> {
        let teams: Vec<i64> = slices.iter().map(|s| s.team_id).collect();
        let (condition, params) = in_list("team_id", &teams);
        let (clause, mut params) = where_clause(&condition, params, filter);
        let wanted: Vec<String> = slices
            .iter()
            .map(|s| format!("[{},{},{}]", s.team_id, s.start, s.end))
            .collect();
        params.push(Value::Text(format!("[{}]", wanted.join(","))));
        let sql = format!(
            "SELECT s.{}, j.value ->> 1, j.value ->> 2 FROM (
               SELECT {PLAYER_COLUMNS}, row_number() OVER (PARTITION BY team_id ORDER BY id) - 1 AS rn
               FROM players{clause}
             ) s JOIN json_each(?) j
               ON s.team_id = j.value ->> 0 AND s.rn >= j.value ->> 1 AND s.rn < j.value ->> 2
             ORDER BY s.team_id, s.id",
            PLAYER_COLUMNS.replace(", ", ", s.")
        );
        self.rows(&sql, &params, |row| {
            let p = player(row)?;
            let slice = TeamSlice {
                team_id: p.team_id,
                start: row.get(5)?,
                end: row.get(6)?,
            };
            Ok((slice, p))
        })
    }

    // Games.

    /// How many games there are (that pass `filter`).
    pub fn count_games(&self, filter: Option<&SqlFilter>, cap: Option<i64>) -> Result<i64> {
        self.count("games", "", Vec::new(), filter, cap)
    }

    /// One page of games in id order.
    pub fn games_page(&self, page: Page, filter: Option<&SqlFilter>) -> Result<Vec<Game>> {
        self.page("games", GAME_COLUMNS, page, filter, game)
    }

    /// The games with these ids, in id order.
    pub fn games_by_ids(&self, ids: &[i64], filter: Option<&SqlFilter>) -> Result<Vec<Game>> {
        self.by_ids("games", GAME_COLUMNS, ids, filter, game)
    }

    /// The first `limit` games a team won or lost, in id order.
    pub fn games_of_team(
        &self,
        team_id: i64,
        filter: Option<&SqlFilter>,
        limit: i64,
    ) -> Result<Vec<Game>> {
        let (clause, mut params) = where_clause(
            "(winner_id = ? OR loser_id = ?)",
            vec![Value::Integer(team_id), Value::Integer(team_id)],
            filter,
        );
        params.push(Value::Integer(limit));
        let sql = format!("SELECT {GAME_COLUMNS} FROM games{clause} ORDER BY id LIMIT ?");
        self.rows(&sql, &params, game)
    }

    // Shared shapes.

    fn page<T>(
        &self,
        table: &str,
        columns: &str,
        page: Page,
        filter: Option<&SqlFilter>,
        map: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        if page.limit <= 0 {
            return Ok(Vec::new());
        }
        let (clause, mut params) = where_clause("", Vec::new(), filter);
        params.push(Value::Integer(page.limit));
        params.push(Value::Integer(page.offset.max(0)));
        let sql = format!("SELECT {columns} FROM {table}{clause} ORDER BY id LIMIT ? OFFSET ?");
        self.rows(&sql, &params, map)
    }

    /// Of `ids`, those whose row in `table` passes `filter`, in id order (one statement). The
    /// enforcement layer asks this for a field readable on some rows only (a player's `year`).
    pub fn ids_passing(&self, table: Table, ids: &[i64], filter: &SqlFilter) -> Result<Vec<i64>> {
        self.by_ids(table.name(), "id", ids, Some(filter), |row| row.get(0))
    }

    /// Lends a pooled connection to `f`: the authorization bridge reads subjects and compiles
    /// policies with it.
    pub fn lend<T>(&self, f: impl FnOnce(&Connection) -> T) -> Result<T> {
        self.with_conn(|conn| Ok(f(conn)))
    }

    fn by_ids<T>(
        &self,
        table: &str,
        columns: &str,
        ids: &[i64],
        filter: Option<&SqlFilter>,
        map: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (condition, params) = in_list("id", ids);
        let (clause, params) = where_clause(&condition, params, filter);
        // Pushed, not `format!`ed: a point read runs this on every request.
        let mut sql = String::with_capacity(columns.len() + table.len() + clause.len() + 32);
        for part in ["SELECT ", columns, " FROM ", table, &clause, " ORDER BY id"] {
            sql.push_str(part);
        }
        self.rows(&sql, &params, map)
    }
}

/// A pooled connection: every statement of this module stays prepared (each filter variant adds
/// its own, hence more room than rusqlite's default of 16).
///
/// Temporary tables live in memory: the row filters' `IN (…)` subqueries and recursive CTEs
/// build small ephemeral tables on every read, and in memory those cost half as much as in temp
/// files. (Only here: a bulk seed's index sort must keep spilling to disk.)
/// Notices commits made to the database by other connections, this process's or another's,
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

impl Store {
    /// A watcher of the commits made to this store's database from now on.
    pub fn changes(&self) -> Result<Changes> {
        let conn = connect(&self.inner.path)?;
        let version = data_version(&conn)?;
        Ok(Changes { conn, version })
    }
}

fn connect(path: &Path) -> Result<Connection> {
    let conn = open(path)?;
    conn.set_prepared_statement_cache_capacity(128);
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(conn)
}

/// ` WHERE condition AND (filter)`, or less, with the parameters in placeholder order.
fn where_clause(
    condition: &str,
    mut params: Vec<Value>,
    filter: Option<&SqlFilter>,
) -> (String, Vec<Value>) {
    // Built by hand: this runs for every read, and `format!` and `join` allocate at every step.
    let mut clause = String::with_capacity(
        condition.len() + filter.map_or(0, |f| f.sql.len()) + " WHERE  AND ()".len(),
    );
    if !condition.is_empty() {
        clause.push_str(" WHERE ");
        clause.push_str(condition);
    }
    if let Some(filter) = filter {
        clause.push_str(if condition.is_empty() {
            " WHERE ("
        } else {
            " AND ("
        });
        clause.push_str(&filter.sql);
        clause.push(')');
        params.extend(filter.params.iter().cloned());
    }
    (clause, params)
}

/// Lists up to this long are bound as `IN (?, ?, …)`; longer ones as one JSON array parameter.
const INLINE_LIST: usize = 32;

/// `column IN (…)` for `ids`, with its parameters. A short list gets one placeholder per id,
/// which SQLite answers with index lookups alone; a long one is read from `json_each`, so the
/// statement text (and the prepared statement) stays the same whatever the number of ids.
fn in_list(column: &str, ids: &[i64]) -> (String, Vec<Value>) {
    if ids.len() <= INLINE_LIST {
        let mut condition = String::with_capacity(column.len() + 6 + 3 * ids.len());
        condition.push_str(column);
        condition.push_str(" IN (");
        for n in 0..ids.len() {
            condition.push_str(if n == 0 { "?" } else { ", ?" });
        }
        condition.push(')');
        (
            condition,
            ids.iter().map(|id| Value::Integer(*id)).collect(),
        )
    } else {
        (
            format!("{column} IN (SELECT value FROM json_each(?))"),
            vec![json_array(ids)],
        )
    }
}

fn json_array(ids: &[i64]) -> Value {
    let items: Vec<String> = ids.iter().map(i64::to_string).collect();
    Value::Text(format!("[{}]", items.join(",")))
}

fn team(row: &Row<'_>) -> rusqlite::Result<Team> {
    Ok(Team {
        id: row.get(0)?,
        // The tutorial's schema lets a team's name be NULL.
        name: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
        rank: row.get(2)?,
    })
}

fn player(row: &Row<'_>) -> rusqlite::Result<Player> {
    Ok(Player {
        id: row.get(0)?,
        name: row.get(1)?,
        position: row.get(2)?,
        year: row.get(3)?,
        team_id: row.get(4)?,
    })
}

fn game(row: &Row<'_>) -> rusqlite::Result<Game> {
    Ok(Game {
        id: row.get(0)?,
        level: row.get(1)?,
        child_id: row.get(2)?,
        winner_id: row.get(3)?,
        loser_id: row.get(4)?,
    })
}

#[cfg(test)]
mod tests {
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

    /// See: issue 18, finding 7.
    #[test]
    fn changes_notices_every_commit_of_another_connection_once() {
        let (_dir, store, writer) = seeded();
        let mut changes = store.changes().unwrap();
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
