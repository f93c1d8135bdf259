//! Seeding a PostgreSQL database from a validated seed file ([`crate::db::seed::SeedData`], the
//! same parse and validation as on SQLite), in one transaction, with the same report.

use std::collections::HashMap;

use tokio_postgres::Transaction;
use tokio_postgres::types::{ToSql, Type};

use super::{Conn, delete_all};
use crate::db::Result;
use crate::db::model::Game;
use crate::db::schema::PUBLISHED_LONG_AGO;
use crate::db::seed::{Mode, SeedData, TableReport};

/// An upsert of one table: insert a new id, update a changed row, leave an equal one alone (so
/// that the count of written rows tells updated from unchanged, as on SQLite). Parameters are
/// typed `int8` and `text` and cast on assignment: an id beyond `INTEGER` is PostgreSQL's own
/// error, and the transaction is rolled back.
struct Upsert {
    table: &'static str,
    sql: &'static str,
    types: &'static [Type],
}

const TEAMS: Upsert = Upsert {
    table: "teams",
    sql: "INSERT INTO teams (id, name, rank) VALUES ($1, $2, $3)
          ON CONFLICT (id) DO UPDATE SET name = excluded.name, rank = excluded.rank
          WHERE teams.name IS DISTINCT FROM excluded.name
             OR teams.rank IS DISTINCT FROM excluded.rank",
    types: &[Type::INT8, Type::TEXT, Type::INT8],
};

const PLAYERS: Upsert = Upsert {
    table: "players",
    sql: "INSERT INTO players (id, name, position, year, team_id) VALUES ($1, $2, $3, $4, $5)
          ON CONFLICT (id) DO UPDATE SET name = excluded.name, position = excluded.position,
            year = excluded.year, team_id = excluded.team_id
          WHERE players.name IS DISTINCT FROM excluded.name
             OR players.position IS DISTINCT FROM excluded.position
             OR players.year IS DISTINCT FROM excluded.year
             OR players.team_id IS DISTINCT FROM excluded.team_id",
    types: &[Type::INT8, Type::TEXT, Type::TEXT, Type::INT8, Type::INT8],
};

const GAMES: Upsert = Upsert {
    table: "games",
    sql: "INSERT INTO games (id, level, child_id, winner_id, loser_id, published_at)
          VALUES ($1, $2, $3, $4, $5, $6)
          ON CONFLICT (id) DO UPDATE SET level = excluded.level, child_id = excluded.child_id,
            winner_id = excluded.winner_id, loser_id = excluded.loser_id,
            published_at = excluded.published_at
          WHERE games.level IS DISTINCT FROM excluded.level
             OR games.child_id IS DISTINCT FROM excluded.child_id
             OR games.winner_id IS DISTINCT FROM excluded.winner_id
             OR games.loser_id IS DISTINCT FROM excluded.loser_id
             OR games.published_at IS DISTINCT FROM excluded.published_at",
    types: &[
        Type::INT8,
        Type::TEXT,
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::TEXT,
    ],
};

const STAFF: Upsert = Upsert {
    table: "staff",
    sql: "INSERT INTO staff (id, name, role, team_id) VALUES ($1, $2, $3, $4)
          ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role,
            team_id = excluded.team_id
          WHERE staff.name IS DISTINCT FROM excluded.name
             OR staff.role IS DISTINCT FROM excluded.role
             OR staff.team_id IS DISTINCT FROM excluded.team_id",
    types: &[Type::INT8, Type::TEXT, Type::TEXT, Type::INT8],
};

/// Writes `data` in one transaction: it lands whole or not at all.
pub fn apply(conn: &mut Conn, data: &SeedData, mode: Mode) -> Result<Vec<TableReport>> {
    conn.runtime.block_on(async {
        let tx = conn.client.transaction().await?;
        let mut deleted = HashMap::new();
        if mode == Mode::Replace {
            for t in delete_all(&tx).await? {
                if let Some(n) = t.rows {
                    deleted.insert(t.table, u64::try_from(n).unwrap_or(0));
                }
            }
        }
        let mut reports = Vec::new();
        let rows = data.teams.iter().map(|t| {
            let p: Vec<Box<dyn ToSql + Sync + Send>> =
                vec![Box::new(t.id), Box::new(t.name.clone()), Box::new(t.rank)];
            p
        });
        reports.push(write_rows(&tx, &TEAMS, rows).await?);
        let rows = data.players.iter().map(|p| {
            let v: Vec<Box<dyn ToSql + Sync + Send>> = vec![
                Box::new(p.id),
                Box::new(p.name.clone()),
                Box::new(p.position.clone()),
                Box::new(p.year),
                Box::new(p.team_id),
            ];
            v
        });
        reports.push(write_rows(&tx, &PLAYERS, rows).await?);
        // PostgreSQL checks a foreign key at the end of each statement (SQLAlchemy's are not
        // deferrable): a game's child is written before the game.
        let rows = children_first(&data.games).into_iter().map(|g| {
            let published = data
                .published
                .get(&g.id)
                .map_or(PUBLISHED_LONG_AGO, String::as_str);
            let v: Vec<Box<dyn ToSql + Sync + Send>> = vec![
                Box::new(g.id),
                Box::new(g.level.clone()),
                Box::new(g.child_id),
                Box::new(g.winner_id),
                Box::new(g.loser_id),
                Box::new(published.to_string()),
            ];
            v
        });
        reports.push(write_rows(&tx, &GAMES, rows).await?);
        let rows = data.staff.iter().map(|s| {
            let v: Vec<Box<dyn ToSql + Sync + Send>> = vec![
                Box::new(s.id),
                Box::new(s.name.clone()),
                Box::new(s.role.clone()),
                Box::new(s.team_id),
            ];
            v
        });
        reports.push(write_rows(&tx, &STAFF, rows).await?);
        for report in &mut reports {
            report.deleted = deleted.get(report.table).copied().unwrap_or(0);
        }
        sync_sequences(&tx).await?;
        tx.commit().await?;
        Ok(reports)
    })
}

/// The games ordered so that each game's child comes before it: the final first, then the games
/// feeding it, and so on. The seed's validation guarantees the links end (no cycle) at games of
/// the file; a link it did not check is left for PostgreSQL to refuse.
fn children_first(games: &[Game]) -> Vec<&Game> {
    let by_id: HashMap<i64, &Game> = games.iter().map(|g| (g.id, g)).collect();
    let depth = |game: &Game| {
        let mut depth = 0usize;
        let mut at = game.child_id;
        while let Some(id) = at {
            depth += 1;
            if depth > games.len() {
                break;
            }
            at = by_id.get(&id).and_then(|g| g.child_id);
        }
        depth
    };
    let mut ordered: Vec<(usize, &Game)> = games.iter().map(|g| (depth(g), g)).collect();
    ordered.sort_by_key(|(depth, _)| *depth);
    ordered.into_iter().map(|(_, g)| g).collect()
}

/// After explicit ids, each `SERIAL` sequence continues after the highest id, so that a client
/// inserting without an id (the tutorial's own server) gets a free one.
pub(super) async fn sync_sequences(tx: &Transaction<'_>) -> Result<()> {
    for table in crate::db::schema::TABLES {
        tx.execute(
            &format!(
                "SELECT setval(seq, coalesce((SELECT max(id) FROM {table}), 1),
                               (SELECT max(id) FROM {table}) IS NOT NULL)
                 FROM pg_get_serial_sequence('{table}', 'id') AS seq
                 WHERE seq IS NOT NULL"
            ),
            &[],
        )
        .await?;
    }
    Ok(())
}

async fn count(tx: &Transaction<'_>, table: &str) -> Result<u64> {
    let row = tx
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await?;
    Ok(u64::try_from(row.try_get::<_, i64>(0)?).unwrap_or(0))
}

async fn write_rows(
    tx: &Transaction<'_>,
    upsert: &Upsert,
    rows: impl ExactSizeIterator<Item = Vec<Box<dyn ToSql + Sync + Send>>>,
) -> Result<TableReport> {
    let statement = tx.prepare_typed(upsert.sql, upsert.types).await?;
    let before = count(tx, upsert.table).await?;
    let seeded = rows.len() as u64;
    let mut written = 0;
    for row in rows {
        let params: Vec<&(dyn ToSql + Sync)> = row
            .iter()
            .map(|p| -> &(dyn ToSql + Sync) { p.as_ref() })
            .collect();
        written += tx.execute(&statement, &params).await?;
    }
    let total = count(tx, upsert.table).await?;
    let inserted = total.saturating_sub(before);
    Ok(TableReport {
        table: upsert.table,
        seeded,
        inserted,
        updated: written.saturating_sub(inserted),
        unchanged: seeded.saturating_sub(written),
        deleted: 0,
        total,
    })
}
