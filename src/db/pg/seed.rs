//! Seeding a PostgreSQL database from a validated seed file ([`crate::db::seed::SeedData`], the
//! same parse and validation as on SQLite), in one transaction, with the same report.

use std::collections::HashMap;

use tokio_postgres::Transaction;
use tokio_postgres::types::{ToSql, Type};

use super::{Conn, delete_all};
use crate::db::Result;
use crate::db::model::Game;
use crate::db::schema::{self, PUBLISHED_LONG_AGO};
use crate::db::seed::{Mode, SeedData, TableReport};
use crate::db::sql::{Dialect, upsert as upsert_sql};

/// An upsert of one table ([`crate::db::sql::upsert`], as on SQLite). Parameters are typed
/// `int8` and `text` and cast on assignment: an id beyond `INTEGER` is PostgreSQL's own error,
/// and the transaction is rolled back.
struct Upsert {
    table: &'static str,
    columns: &'static [&'static str],
    types: &'static [Type],
}

const TEAMS: Upsert = Upsert {
    table: "teams",
    columns: &schema::TEAM_COLUMNS,
    types: &[Type::INT8, Type::TEXT, Type::INT8],
};

const PLAYERS: Upsert = Upsert {
    table: "players",
    columns: &schema::PLAYER_COLUMNS,
    types: &[Type::INT8, Type::TEXT, Type::TEXT, Type::INT8, Type::INT8],
};

const GAMES: Upsert = Upsert {
    table: "games",
    columns: &schema::GAME_COLUMNS,
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
    columns: &schema::STAFF_COLUMNS,
    types: &[Type::INT8, Type::TEXT, Type::TEXT, Type::INT8],
};

/// Writes `data` in one transaction: it lands whole or not at all.
pub fn apply(conn: &mut Conn, data: &SeedData, mode: Mode) -> Result<Vec<TableReport>> {
    conn.driver.block_on(async {
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
        super::analyze(&tx).await?;
        tx.commit().await?;
        Ok(reports)
    })?
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
    let sql = upsert_sql(Dialect::Postgres, upsert.table, upsert.columns);
    let statement = tx.prepare_typed(&sql, upsert.types).await?;
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
