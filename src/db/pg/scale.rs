//! `db seed --scale N` on PostgreSQL: the same synthetic league as on SQLite
//! ([`crate::db::scale::rows`]), loaded with `COPY … FROM STDIN (FORMAT binary)` in one
//! transaction. The rows stream through a small buffer, so memory does not grow with N; the
//! secondary indexes and the keys (primary and foreign) are dropped before the load and made
//! again after it, inside the transaction.

use std::pin::Pin;

use bytes::{BufMut as _, Bytes, BytesMut};
use futures_util::SinkExt as _;
use tokio_postgres::{CopyInSink, Transaction};

use super::Conn;
use crate::db::scale::{self, Progress, Row, Sizes};
use crate::db::{Error, Result};

/// The `COPY` of each table, in load order.
const COPIES: [&str; 4] = [
    "COPY teams (id, name, rank) FROM STDIN (FORMAT binary)",
    "COPY players (id, name, position, year, team_id) FROM STDIN (FORMAT binary)",
    "COPY games (id, level, child_id, winner_id, loser_id, published_at) \
     FROM STDIN (FORMAT binary)",
    "COPY staff (id, name, role, team_id) FROM STDIN (FORMAT binary)",
];

/// The rows are sent in chunks of about this many bytes: the memory the load holds.
const CHUNK: usize = 1 << 16;

/// A column value of `INTEGER`: the league's ids and numbers fit it by far, but a league too
/// large for it is an error, not a wrapped id.
fn int4(value: i64) -> Result<i32> {
    i32::try_from(value).map_err(|_| Error::Postgres {
        message: format!("{value} does not fit an INTEGER column"),
    })
}

/// One field of a row in PostgreSQL's binary `COPY` format: `INTEGER` or text.
enum Field<'a> {
    Int(i64),
    NullableInt(Option<i64>),
    Text(&'a str),
}

/// The `COPY` in progress: which table (an index of [`COPIES`]), its sink, and the rows encoded
/// in PostgreSQL's binary `COPY` format but not sent yet. Encoding here, and handing the server
/// a chunk at a time, costs one trip through the runtime a chunk instead of one a row (what
/// `BinaryCopyInWriter` costs from synchronous code): 42 s instead of 74 s for 1M players (debug
/// build).
struct Load<'a, 'c> {
    runtime: &'a super::Driver,
    tx: &'a Transaction<'c>,
    table: Option<usize>,
    sink: Option<Pin<Box<CopyInSink<Bytes>>>>,
    buf: BytesMut,
}

impl Load<'_, '_> {
    /// Writes one row into `table`'s `COPY`, ending the previous table's first.
    fn write(&mut self, table: usize, fields: &[Field<'_>]) -> Result<()> {
        if self.table != Some(table) {
            self.finish()?;
            let sink = self.runtime.block_on(self.tx.copy_in(COPIES[table]))??;
            self.sink = Some(Box::pin(sink));
            self.table = Some(table);
            // The header: signature, flags, header extension length.
            self.buf.put_slice(b"PGCOPY\n\xff\r\n\0");
            self.buf.put_i32(0);
            self.buf.put_i32(0);
        }
        self.buf
            .put_i16(i16::try_from(fields.len()).unwrap_or(i16::MAX));
        for field in fields {
            match field {
                Field::Int(n) | Field::NullableInt(Some(n)) => {
                    self.buf.put_i32(4);
                    self.buf.put_i32(int4(*n)?);
                }
                Field::NullableInt(None) => self.buf.put_i32(-1),
                Field::Text(text) => {
                    self.buf
                        .put_i32(int4(i64::try_from(text.len()).unwrap_or(i64::MAX))?);
                    self.buf.put_slice(text.as_bytes());
                }
            }
        }
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(())
    }

    /// Sends the encoded rows.
    fn send(&mut self) -> Result<()> {
        if let Some(sink) = &mut self.sink {
            let chunk = self.buf.split().freeze();
            self.runtime.block_on(sink.as_mut().send(chunk))??;
        }
        Ok(())
    }

    /// Ends the `COPY` in progress, if any: the trailer, then the end of the data.
    fn finish(&mut self) -> Result<()> {
        if self.sink.is_some() {
            self.buf.put_i16(-1);
            self.send()?;
        }
        if let Some(mut sink) = self.sink.take() {
            self.runtime.block_on(sink.as_mut().finish())??;
        }
        Ok(())
    }
}

/// Writes the league for `players` and `rng_seed`, replacing every row already there, in one
/// transaction, reporting [`Progress`] as it goes.
pub fn generate(
    conn: &mut Conn,
    players: u64,
    rng_seed: u64,
    progress: &mut dyn FnMut(Progress),
) -> Result<Sizes> {
    let Conn {
        driver: runtime,
        client,
        ..
    } = conn;
    let tx = runtime.block_on(client.transaction())??;
    let keys = runtime.block_on(keys(&tx))??;
    // TRUNCATE, not DELETE: instant at any size, and transactional in PostgreSQL. It locks the
    // tables until the commit, as the load does anyway.
    runtime.block_on(tx.batch_execute(&format!(
        "TRUNCATE {}; {}{}",
        crate::db::schema::TABLES.join(", "),
        crate::db::schema::INDEXES
            .map(|(name, _)| format!("DROP INDEX IF EXISTS {name};"))
            .concat(),
        statements(keys.iter().map(|key| &key.drop)),
    )))??;
    let sizes = {
        let mut load = Load {
            runtime,
            tx: &tx,
            table: None,
            sink: None,
            buf: BytesMut::with_capacity(CHUNK + 1024),
        };
        let sizes = scale::rows_reported(players, rng_seed, progress, &mut |row| {
            write_row(&mut load, row)
        })?;
        load.finish()?;
        sizes
    };
    progress(Progress::Indexes);
    // The primary keys' indexes and the secondary ones, then the foreign keys (which need the
    // primary keys they point at).
    let (foreign, primary): (Vec<_>, Vec<_>) = keys.iter().partition(|key| key.foreign);
    runtime.block_on(tx.batch_execute(&format!(
        "{}{}",
        statements(primary.iter().map(|key| &key.add)),
        crate::db::schema::INDEXES
            .map(|(name, on)| format!("CREATE INDEX {name} ON {on};"))
            .concat(),
    )))??;
    runtime.block_on(tx.batch_execute(&statements(foreign.iter().map(|key| &key.add))))??;
    runtime.block_on(super::seed::sync_sequences(&tx))??;
    runtime.block_on(super::analyze(&tx))??;
    runtime.block_on(tx.commit())??;
    Ok(sizes)
}

/// Writes one generated row into its table's `COPY`.
fn write_row(load: &mut Load<'_, '_>, row: Row<'_>) -> Result<()> {
    match row {
        Row::Team { id, name, rank } => {
            load.write(0, &[Field::Int(id), Field::Text(name), Field::Int(rank)])?;
        }
        Row::Player {
            id,
            name,
            position,
            year,
            team_id,
        } => load.write(
            1,
            &[
                Field::Int(id),
                Field::Text(name),
                Field::Text(position),
                Field::Int(year),
                Field::Int(team_id),
            ],
        )?,
        Row::Game {
            id,
            level,
            child_id,
            winner_id,
            loser_id,
            published_at,
        } => load.write(
            2,
            &[
                Field::Int(id),
                Field::Text(level),
                Field::NullableInt(child_id),
                Field::Int(winner_id),
                Field::Int(loser_id),
                Field::Text(published_at),
            ],
        )?,
        Row::Staff {
            id,
            name,
            role,
            team_id,
        } => load.write(
            3,
            &[
                Field::Int(id),
                Field::Text(name),
                Field::Text(role),
                Field::NullableInt(team_id),
            ],
        )?,
    }
    Ok(())
}

/// `statements`, each ended by `;`, as one batch.
fn statements<'a>(statements: impl Iterator<Item = &'a String>) -> String {
    statements.fold(String::new(), |mut batch, statement| {
        batch.push_str(statement);
        batch.push(';');
        batch
    })
}

/// A key of the league's tables (primary or foreign), as the statements that drop it and add it
/// back.
struct Key {
    foreign: bool,
    drop: String,
    add: String,
}

/// The keys of the league's tables, read from the catalogue (whatever made the schema: `db
/// init`, or the tutorial's models before it), foreign keys first, then primary keys: the order
/// to drop them in; they are added back in the other. The load drops them and adds them back
/// after it. A foreign key is then checked by one query over the loaded rows instead of a
/// trigger per row (for 1M players, the games' three keys took 18 s of a 26 s load this way,
/// 0.7 s after); a primary key's index is built by one sort instead of an insertion per row. A
/// row that breaks one fails the commit: nothing of the load is kept.
async fn keys(tx: &Transaction<'_>) -> Result<Vec<Key>> {
    let tables = crate::db::schema::TABLES
        .map(|t| format!("'{t}'::regclass"))
        .join(", ");
    let rows = tx
        .query(
            &format!(
                "SELECT contype = 'f', \
                        format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname), \
                        format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, \
                               pg_get_constraintdef(oid)) \
                 FROM pg_constraint WHERE contype IN ('f', 'p') AND conrelid IN ({tables}) \
                 ORDER BY contype, conrelid::regclass::text, conname"
            ),
            &[],
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Key {
                foreign: row.try_get(0)?,
                drop: row.try_get(1)?,
                add: row.try_get(2)?,
            })
        })
        .collect()
}
