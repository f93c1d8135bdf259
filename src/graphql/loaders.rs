//! Batched reads for nested fields (async-graphql `DataLoader`), one set per request.
//!
//! `allPlayers { edges { node { teamName { name } } } }` asks for a team per player; every
//! `teamName` of one list asks its loader, and the loader reads all of them with one statement.
//! Loaders live per request, because the row filters they apply belong to the request's viewer.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use async_graphql::dataloader::{DataLoader, Loader};

use super::batch::Queue;
use super::{Error, FieldRule, RowFilters, Viewer, read};
use crate::db::model::{Game, Player, Team};
use crate::db::store::{Store, Table, TeamSlice};

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
pub struct GameLoader(RowLoader);

impl Loader<i64> for GameLoader {
    type Value = Game;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Game>, Self::Error> {
        let ids = keys.to_vec();
        let filters = Arc::clone(&self.0.filters);
        let rows = read(&self.0.store, keys.len(), move |s| {
            s.games_by_ids(&ids, filters.games.as_ref())
        })
        .await?;
        Ok(rows.into_iter().map(|g| (g.id, g)).collect())
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
/// statement per column and list, whatever the number of rows.
#[derive(Clone)]
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
            games: Batched::new(GameLoader(rows()), queue),
            players: Batched::new(PlayerLoader(rows()), queue),
            team_sizes: Batched::new(TeamSizeLoader(rows()), queue),
            team_players: Batched::new(TeamPlayersLoader(rows()), queue),
            fields: Batched::new(
                FieldLoader {
                    store: store.clone(),
                    fields: Arc::clone(&viewer.fields),
                },
                queue,
            ),
        }
    }
}
