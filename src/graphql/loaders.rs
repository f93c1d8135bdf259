//! Batched reads for nested fields (async-graphql `DataLoader`), one set per request.
//!
//! `allPlayers { edges { node { teamName { name } } } }` asks for a team per player; every
//! `teamName` of one list asks its loader, and the loader reads all of them with one statement.
//! Loaders live per request, because the row filters they apply belong to the request's viewer.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};

use super::batch::Queue;
use super::{Error, FieldRule, RowFilters, Viewer, read};
use crate::db::model::{Game, Player, Team};
use crate::db::store::{Store, Table, TeamSlice};

/// Teams by id.
pub struct TeamLoader {
    store: Store,
    filters: Arc<RowFilters>,
}

impl Loader<i64> for TeamLoader {
    type Value = Team;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Team>, Self::Error> {
        let ids = keys.to_vec();
        let filters = Arc::clone(&self.filters);
        let rows = read(&self.store, keys.len(), move |s| {
            s.teams_by_ids(&ids, filters.teams.as_ref())
        })
        .await?;
        Ok(rows.into_iter().map(|t| (t.id, t)).collect())
    }
}

/// Games by id (a game's `child`).
pub struct GameLoader {
    store: Store,
    filters: Arc<RowFilters>,
}

impl Loader<i64> for GameLoader {
    type Value = Game;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Game>, Self::Error> {
        let ids = keys.to_vec();
        let filters = Arc::clone(&self.filters);
        let rows = read(&self.store, keys.len(), move |s| {
            s.games_by_ids(&ids, filters.games.as_ref())
        })
        .await?;
        Ok(rows.into_iter().map(|g| (g.id, g)).collect())
    }
}

/// Players by id (for `node(id:)`).
pub struct PlayerLoader {
    store: Store,
    filters: Arc<RowFilters>,
}

impl Loader<i64> for PlayerLoader {
    type Value = Player;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Player>, Self::Error> {
        let ids = keys.to_vec();
        let filters = Arc::clone(&self.filters);
        let rows = read(&self.store, keys.len(), move |s| {
            s.players_by_ids(&ids, filters.players.as_ref())
        })
        .await?;
        Ok(rows.into_iter().map(|p| (p.id, p)).collect())
    }
}

/// The number of players of each team (`TeamObject.players` needs it to page like graphene).
pub struct TeamSizeLoader {
    store: Store,
    filters: Arc<RowFilters>,
}

impl Loader<i64> for TeamSizeLoader {
    type Value = i64;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, i64>, Self::Error> {
        let ids = keys.to_vec();
        let filters = Arc::clone(&self.filters);
        let counts = read(&self.store, keys.len(), move |s| {
            s.count_players_of_teams(&ids, filters.players.as_ref())
        })
        .await?;
        let mut sizes: HashMap<i64, i64> = keys.iter().map(|k| (*k, 0)).collect();
        sizes.extend(counts);
        Ok(sizes)
    }
}

/// A slice of each team's players, cut in SQL.
pub struct TeamPlayersLoader {
    store: Store,
    filters: Arc<RowFilters>,
}

impl Loader<TeamSlice> for TeamPlayersLoader {
    type Value = Vec<Player>;
    type Error = Arc<Error>;

    async fn load(
        &self,
        keys: &[TeamSlice],
    ) -> Result<HashMap<TeamSlice, Vec<Player>>, Self::Error> {
        let slices = keys.to_vec();
        let filters = Arc::clone(&self.filters);
        let wanted = keys
            .iter()
            .map(|k| usize::try_from(k.end - k.start).unwrap_or(usize::MAX))
            .fold(0, usize::saturating_add);
        let rows = read(&self.store, wanted, move |s| {
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
/// statement per column and list, whatever the number of rows.
pub struct FieldLoader {
    store: Store,
    fields: Arc<HashMap<(Table, String), FieldRule>>,
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
        let mut groups: HashMap<(Table, String), Vec<i64>> = HashMap::new();
        for key in keys {
            groups
                .entry((key.table, key.column.clone()))
                .or_default()
                .push(key.id);
        }
        let mut out = HashMap::new();
        for ((table, column), ids) in groups {
            let readable = match self
                .fields
                .get(&(table, column.clone()))
                .and_then(|rule| rule.readable.clone())
            {
                None => Vec::new(),
                Some(filter) => {
                    let wanted = ids.clone();
                    read(&self.store, ids.len(), move |s| {
                        s.ids_passing(table, &wanted, &filter)
                    })
                    .await?
                }
            };
            for id in ids {
                out.insert(
                    FieldKey {
                        table,
                        column: column.clone(),
                        id,
                    },
                    readable.contains(&id),
                );
            }
        }
        Ok(out)
    }
}

/// Every loader of one request.
pub struct Loaders {
    pub teams: DataLoader<TeamLoader>,
    pub games: DataLoader<GameLoader>,
    pub players: DataLoader<PlayerLoader>,
    pub team_sizes: DataLoader<TeamSizeLoader>,
    pub team_players: DataLoader<TeamPlayersLoader>,
    pub fields: DataLoader<FieldLoader>,
}

impl Loaders {
    /// Fresh loaders over `store` that apply the viewer's filters.
    pub fn new(store: &Store, viewer: &Viewer, queue: &Queue) -> Self {
        fn loader<T: Loader<K>, K: Send + Sync + std::hash::Hash + Eq + Clone + 'static>(
            inner: T,
            queue: &Queue,
        ) -> DataLoader<T> {
            // INVARIANT: batch tasks only start once the request is idle (see `batch`), so every
            // key is queued by then and no timer needs to add latency to each request.
            DataLoader::new(inner, queue.spawner()).delay(std::time::Duration::ZERO)
        }
        let filters = &viewer.filters;
        Loaders {
            teams: loader(
                TeamLoader {
                    store: store.clone(),
                    filters: Arc::clone(filters),
                },
                queue,
            ),
            games: loader(
                GameLoader {
                    store: store.clone(),
                    filters: Arc::clone(filters),
                },
                queue,
            ),
            players: loader(
                PlayerLoader {
                    store: store.clone(),
                    filters: Arc::clone(filters),
                },
                queue,
            ),
            team_sizes: loader(
                TeamSizeLoader {
                    store: store.clone(),
                    filters: Arc::clone(filters),
                },
                queue,
            ),
            team_players: loader(
                TeamPlayersLoader {
                    store: store.clone(),
                    filters: Arc::clone(filters),
                },
                queue,
            ),
            fields: loader(
                FieldLoader {
                    store: store.clone(),
                    fields: Arc::clone(&viewer.fields),
                },
                queue,
            ),
        }
    }
}
