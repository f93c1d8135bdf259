//! Batched reads for nested fields (async-graphql `DataLoader`), one set per request.
//!
//! `allPlayers { edges { node { teamName { name } } } }` asks for a team per player; every
//! `teamName` of one list asks its loader, and the loader reads all of them with one statement.
//! Loaders live per request, because the row filters they apply belong to the request's viewer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use async_graphql::dataloader::{DataLoader, Loader};

use super::batch::Queue;
use super::{Error, FieldRule, RowFilters, Viewer, read};
use crate::db::model::{Game, Player, Team};
use crate::db::store::{SqlFilter, Store, Table, TeamSlice};

/// What every loader of rows reads with: the request's store and the viewer's row filters.
#[derive(Clone)]
pub struct RowLoader {
    store: Store,
    filters: Arc<RowFilters>,
}

/// Teams by id.
#[derive(Clone)]
pub struct TeamLoader(RowLoader);

impl Loader<i64> for TeamLoader {
    type Value = Team;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Team>, Self::Error> {
        let ids = keys.to_vec();
        let filters = Arc::clone(&self.0.filters);
        let rows = read(&self.0.store, keys.len(), move |s| {
            s.teams_by_ids(&ids, filters.teams.as_ref())
        })
        .await?;
        Ok(rows.into_iter().map(|t| (t.id, t)).collect())
    }
}

/// Games by id (a game's `child`).
#[derive(Clone)]
pub struct GameLoader(RowLoader, Arc<Mutex<HashMap<i64, Option<Game>>>>);

impl GameLoader {
    /// Records what a read of game `id` through this loader gives (`None`: no row the viewer
    /// may read), read already on the request's snapshot with the same filter: a later load of
    /// it costs no statement.
    pub fn prime(&self, id: i64, game: Option<Game>) {
        self.1
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, game);
    }
}

impl Loader<i64> for GameLoader {
    type Value = Game;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Game>, Self::Error> {
        let mut out = HashMap::new();
        let mut ids = Vec::new();
        {
            let primed = self.1.lock().unwrap_or_else(PoisonError::into_inner);
            for key in keys {
                match primed.get(key) {
                    Some(Some(game)) => {
                        out.insert(*key, game.clone());
                    }
                    Some(None) => {}
                    None => ids.push(*key),
                }
            }
        }
        if ids.is_empty() {
            return Ok(out);
        }
        let filters = Arc::clone(&self.0.filters);
        let rows = read(&self.0.store, ids.len(), move |s| {
            s.games_by_ids(&ids, filters.games.as_ref())
        })
        .await?;
        out.extend(rows.into_iter().map(|g| (g.id, g)));
        Ok(out)
    }
}

/// Players by id (for `node(id:)`).
#[derive(Clone)]
pub struct PlayerLoader(RowLoader);

impl Loader<i64> for PlayerLoader {
    type Value = Player;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Player>, Self::Error> {
        let ids = keys.to_vec();
        let filters = Arc::clone(&self.0.filters);
        let rows = read(&self.0.store, keys.len(), move |s| {
            s.players_by_ids(&ids, filters.players.as_ref())
        })
        .await?;
        Ok(rows.into_iter().map(|p| (p.id, p)).collect())
    }
}

/// The number of players of each team (`TeamObject.players` needs it to page like graphene).
#[derive(Clone)]
pub struct TeamSizeLoader(RowLoader);

impl Loader<i64> for TeamSizeLoader {
    type Value = i64;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, i64>, Self::Error> {
        let ids = keys.to_vec();
        let filters = Arc::clone(&self.0.filters);
        let counts = read(&self.0.store, keys.len(), move |s| {
            s.count_players_of_teams(&ids, filters.players.as_ref())
        })
        .await?;
        let mut sizes: HashMap<i64, i64> = keys.iter().map(|k| (*k, 0)).collect();
        sizes.extend(counts);
        Ok(sizes)
    }
}

/// A slice of each team's players, cut in SQL.
#[derive(Clone)]
pub struct TeamPlayersLoader(RowLoader);

impl Loader<TeamSlice> for TeamPlayersLoader {
    type Value = Vec<Player>;
    type Error = Arc<Error>;

    async fn load(
        &self,
        keys: &[TeamSlice],
    ) -> Result<HashMap<TeamSlice, Vec<Player>>, Self::Error> {
        let slices = keys.to_vec();
        let filters = Arc::clone(&self.0.filters);
        let wanted = keys
            .iter()
            .map(|k| usize::try_from(k.end - k.start).unwrap_or(usize::MAX))
            .fold(0, usize::saturating_add);
        let rows = read(&self.0.store, wanted, move |s| {
            s.players_of_teams(&slices, filters.players.as_ref())
        })
        .await?;
        let mut out: HashMap<TeamSlice, Vec<Player>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for (slice, player) in rows {
            out.entry(slice).or_default().push(player);
        }
        Ok(out)
    }
}

/// Whether a column is readable on a row, for the columns readable on some rows only: one
/// statement per table for every column and row asked for while the request waits (each
/// column's rule a `CASE WHEN` of its own, columns with the same rule sharing one).
#[derive(Clone)]
pub struct FieldLoader {
    store: Store,
    fields: Arc<HashMap<(Table, String), FieldRule>>,
    /// Answers read already, with the rows they are about (see [`Self::rules`]).
    primed: Arc<Mutex<HashMap<FieldKey, bool>>>,
}

/// The distinct row rules of one table's columns readable on some rows only, and which rule
/// each such column follows: what a read of the table's rows can judge in the same statement.
#[derive(Debug, Default)]
pub struct TableRules {
    pub filters: Vec<SqlFilter>,
    pub columns: Vec<(String, usize)>,
}

impl FieldLoader {
    /// The rules of `table`'s columns, each distinct rule once (empty when the viewer has none),
    /// in the order of their columns' names: the same rules give the same statement text, which
    /// each connection prepares once, whatever order the viewer's map holds them in.
    pub fn rules(&self, table: Table) -> TableRules {
        let mut ruled: Vec<(&String, &SqlFilter)> = self
            .fields
            .iter()
            .filter(|((t, _), _)| *t == table)
            .filter_map(|((_, column), rule)| Some((column, rule.readable.as_ref()?)))
            .collect();
        ruled.sort_unstable_by_key(|(column, _)| *column);
        let mut out = TableRules::default();
        for (column, filter) in ruled {
            let i = out
                .filters
                .iter()
                .position(|f| f == filter)
                .unwrap_or_else(|| {
                    out.filters.push(filter.clone());
                    out.filters.len() - 1
                });
            out.columns.push((column.clone(), i));
        }
        out
    }

    /// Whether `key`'s column is readable on its row, when a read of the row judged it already
    /// ([`Self::prime`]): answered without a batch (the commonest case: a lone `getGame`'s game
    /// and child are judged by the statement that reads them).
    pub fn primed(&self, key: &FieldKey) -> Option<bool> {
        self.primed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .copied()
    }

    /// Records whether each of `columns` (a [`TableRules`]'s) is readable on row `id` of
    /// `table`, from `passes` (one answer per rule of its `filters`), read on the request's
    /// snapshot: a later load of those keys costs no statement.
    pub fn prime(&self, table: Table, id: i64, columns: &[(String, usize)], passes: &[bool]) {
        if columns.is_empty() {
            return;
        }
        let mut primed = self.primed.lock().unwrap_or_else(PoisonError::into_inner);
        for (column, i) in columns {
            if let Some(&pass) = passes.get(*i) {
                let column = column.clone();
                primed.insert(FieldKey { table, column, id }, pass);
            }
        }
    }
}

/// A column of one row.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldKey {
    pub table: Table,
    pub column: String,
    pub id: i64,
}

impl Loader<FieldKey> for FieldLoader {
    type Value = bool;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[FieldKey]) -> Result<HashMap<FieldKey, bool>, Self::Error> {
        let mut tables: HashMap<Table, Vec<&FieldKey>> = HashMap::new();
        let mut out = HashMap::new();
        {
            let primed = self.primed.lock().unwrap_or_else(PoisonError::into_inner);
            for key in keys {
                match primed.get(key) {
                    Some(&pass) => {
                        out.insert(key.clone(), pass);
                    }
                    None => tables.entry(key.table).or_default().push(key),
                }
            }
        }
        for (table, keys) in tables {
            // The table's rules, as a read of its rows judges them; a key whose column no row
            // may read is false.
            let TableRules { filters, columns } = self.rules(table);
            let passing: HashMap<i64, Vec<bool>> = if filters.is_empty() {
                HashMap::new()
            } else {
                let mut ids: Vec<i64> = keys.iter().map(|k| k.id).collect();
                ids.sort_unstable();
                ids.dedup();
                let wanted = ids.len();
                read(&self.store, wanted, move |s| {
                    let filters: Vec<&SqlFilter> = filters.iter().collect();
                    s.passing_each(table, &ids, &filters)
                })
                .await?
                .into_iter()
                .collect()
            };
            for key in keys {
                let rule = columns.iter().find(|(c, _)| *c == key.column);
                let readable = rule.is_some_and(|(_, i)| {
                    passing
                        .get(&key.id)
                        .and_then(|row| row.get(*i))
                        .copied()
                        .unwrap_or(false)
                });
                out.insert(key.clone(), readable);
            }
        }
        Ok(out)
    }
}

/// A loader of one request: read directly with [`Batched::plain`], or through a `DataLoader`
/// with [`Batched::batched`], built at its first use. Most requests batch through few loaders or
/// none (a lone `getGame` reads its child directly), and building all of them for every request
/// would cost allocations that only lists pay back.
pub struct Batched<L> {
    plain: L,
    dataloader: OnceLock<DataLoader<L>>,
    queue: Queue,
}

impl<L: Clone> Batched<L> {
    fn new(plain: L, queue: &Queue) -> Self {
        Batched {
            plain,
            dataloader: OnceLock::new(),
            queue: queue.clone(),
        }
    }

    /// The loader itself, for a read of known keys that needs no batching.
    pub fn plain(&self) -> &L {
        &self.plain
    }

    /// The row of `key`, batched with every other key asked for while the request waits.
    pub async fn load_one<K>(&self, key: K) -> Result<Option<L::Value>, Error>
    where
        L: Loader<K, Error = Arc<Error>>,
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    {
        self.batched().load_one(key).await.map_err(Error::shared)
    }

    /// The request's `DataLoader` over this loader.
    fn batched<K>(&self) -> &DataLoader<L>
    where
        L: Loader<K>,
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    {
        self.dataloader.get_or_init(|| {
            // INVARIANT: batch tasks only start once the request is idle (see `batch`), so every
            // key is queued by then and no timer needs to add latency to each request.
            DataLoader::new(self.plain.clone(), self.queue.spawner())
                .delay(std::time::Duration::ZERO)
        })
    }
}

/// Every loader of one request.
pub struct Loaders {
    pub teams: Batched<TeamLoader>,
    pub games: Batched<GameLoader>,
    pub players: Batched<PlayerLoader>,
    pub team_sizes: Batched<TeamSizeLoader>,
    pub team_players: Batched<TeamPlayersLoader>,
    pub fields: Batched<FieldLoader>,
}

impl Loaders {
    /// Loaders over `store` that apply the viewer's filters.
    pub fn new(store: &Store, viewer: &Viewer, queue: &Queue) -> Self {
        let filters = &viewer.filters;
        let rows = || RowLoader {
            store: store.clone(),
            filters: Arc::clone(filters),
        };
        Loaders {
            teams: Batched::new(TeamLoader(rows()), queue),
            games: Batched::new(GameLoader(rows(), Arc::default()), queue),
            players: Batched::new(PlayerLoader(rows()), queue),
            team_sizes: Batched::new(TeamSizeLoader(rows()), queue),
            team_players: Batched::new(TeamPlayersLoader(rows()), queue),
            fields: Batched::new(
                FieldLoader {
                    store: store.clone(),
                    fields: Arc::clone(&viewer.fields),
                    primed: Arc::default(),
                },
                queue,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same rules give the same `TableRules`, columns and statement text alike, however
    /// the viewer's map happens to order them (each map its own hash seed): otherwise every
    /// viewer with the same rules would prepare a statement text of its own.
    #[test]
    fn the_same_rules_are_judged_in_the_same_order_whatever_the_map() {
        let (_dir, path, _) = crate::db::tutorial_league();
        let store = Store::open(&path).unwrap();
        let rule = |sql: &str| FieldRule {
            readable: Some(SqlFilter::new(sql, Vec::new())),
            withheld: super::super::Withheld::Null,
        };
        let rules_of = || {
            let fields: HashMap<(Table, String), FieldRule> = [
                ("name", "team_id = 1"),
                ("year", "year > 2"),
                ("position", "team_id = 2"),
                ("team_id", "id < 5"),
                ("id", "team_id = 1"),
            ]
            .into_iter()
            .map(|(column, sql)| ((Table::Players, column.to_string()), rule(sql)))
            .chain([((Table::Games, "level".to_string()), rule("id = 8"))])
            .collect();
            let loader = FieldLoader {
                store: store.clone(),
                fields: Arc::new(fields),
                primed: Arc::default(),
            };
            let rules = loader.rules(Table::Players);
            let sql: Vec<String> = rules.filters.iter().map(|f| f.sql.clone()).collect();
            (sql, rules.columns)
        };
        let first = rules_of();
        assert_eq!(
            first,
            (
                vec![
                    "team_id = 1".to_string(),
                    "team_id = 2".into(),
                    "id < 5".into(),
                    "year > 2".into()
                ],
                vec![
                    ("id".to_string(), 0),
                    ("name".into(), 0),
                    ("position".into(), 1),
                    ("team_id".into(), 2),
                    ("year".into(), 3),
                ]
            )
        );
        for _ in 0..20 {
            assert_eq!(rules_of(), first);
        }
    }
}
