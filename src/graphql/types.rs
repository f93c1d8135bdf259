//! The GraphQL types, named and shaped exactly like the tutorial's graphene server publishes them
//! (`tutorial-schema.graphql`): `PlayerObject`, `TeamObject`, `GameObject`, the `Node` interface,
//! relay connections with nullable edges and nodes, and `PageInfo`.

use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, Interface, Object, QueryPathSegment, SimpleObject};

/// What resolvers that enforce the viewer's policies return.
type Guarded<T> = async_graphql::Result<T>;

use super::loaders::{Batched, FieldKey, Loaders};
use super::relay::{self, PageArgs, Window};
use super::{Error, NOT_AUTHORIZED, Result, Viewer, Withheld, forbidden, null_with, visible};
use crate::db::model::{Game, Player, Team};
use crate::db::store::{Table, TeamSlice};

/// An object with a relay global id: base64 of `TypeName:id`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "Guarded<ID>"))]
pub enum Node {
    PlayerObject(PlayerObject),
    TeamObject(TeamObject),
    GameObject(GameObject),
}

/// Whether the field being resolved belongs to an item of a list. Only there do siblings ask
/// for the same relation, so only there does a loader's batch save statements; a lone object
/// (`getGame { child }`) reads its relation directly and skips the loader's round trip. The
/// number of statements still depends on the document's shape, never on the number of rows.
fn in_list(ctx: &Context<'_>) -> bool {
    let mut node = ctx.path_node.as_ref();
    while let Some(current) = node {
        if matches!(current.segment, QueryPathSegment::Index(_)) {
            return true;
        }
        node = current.parent;
    }
    false
}

/// The row `id` of a relation: batched through `loader` inside a list, read directly through the
/// same loader's statement (the viewer's filters applied alike) for a lone object.
async fn related<L>(ctx: &Context<'_>, loader: &Batched<L>, id: i64) -> Guarded<Option<L::Value>>
where
    L: Loader<i64, Error = Arc<Error>> + Clone,
{
    let found = if in_list(ctx) {
        loader.load_one(id).await
    } else {
        loader
            .plain()
            .load(&[id])
            .await
            .map(|mut rows| rows.remove(&id))
            .map_err(Error::shared)
    };
    Ok(found?)
}

/// A player of a team.
pub struct PlayerObject(pub Player);

#[Object]
impl PlayerObject {
    /// The relay global id, base64 of `PlayerObject:<id>`.
    async fn id(&self, ctx: &Context<'_>) -> Guarded<ID> {
        let id = ID(relay::global_id("PlayerObject", self.0.id));
        required(ctx, Table::Players, "id", self.0.id, id).await
    }

    async fn name(&self, ctx: &Context<'_>) -> Guarded<&str> {
        required(ctx, Table::Players, "name", self.0.id, &*self.0.name).await
    }

    async fn position(&self, ctx: &Context<'_>) -> Guarded<&str> {
        required(
            ctx,
            Table::Players,
            "position",
            self.0.id,
            &*self.0.position,
        )
        .await
    }

    /// The player's school year. Nullable (the tutorial's is `Int!`): policies withhold it from
    /// who may not read it, and a withheld field must not null the whole player.
    async fn year(&self, ctx: &Context<'_>) -> Guarded<Option<i32>> {
        let year = nullable(ctx, Table::Players, "year", self.0.id, self.0.year).await?;
        nullable_int(ctx, year)
    }

    async fn team_id(&self, ctx: &Context<'_>) -> Guarded<i32> {
        int(required(ctx, Table::Players, "team_id", self.0.id, self.0.team_id).await?)
    }

    /// The player's team (the tutorial names this relation `teamName`).
    async fn team_name(&self, ctx: &Context<'_>) -> Guarded<Option<TeamObject>> {
        let loaders = ctx.data::<Loaders>().map_err(Error::context)?;
        let team = related(ctx, &loaders.teams, self.0.team_id).await?;
        visible(ctx, Table::Teams, team.map(TeamObject))
    }
}

/// A team of the league.
pub struct TeamObject(pub Team);

#[Object]
impl TeamObject {
    /// The relay global id, base64 of `TeamObject:<id>`.
    async fn id(&self, ctx: &Context<'_>) -> Guarded<ID> {
        let id = ID(relay::global_id("TeamObject", self.0.id));
        required(ctx, Table::Teams, "id", self.0.id, id).await
    }

    async fn name(&self, ctx: &Context<'_>) -> Guarded<Option<&str>> {
        nullable(ctx, Table::Teams, "name", self.0.id, &*self.0.name).await
    }

    async fn rank(&self, ctx: &Context<'_>) -> Guarded<i32> {
        int(required(ctx, Table::Teams, "rank", self.0.id, self.0.rank).await?)
    }

    /// The team's players in id order, paged like every connection.
    async fn players(
        &self,
        ctx: &Context<'_>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<PlayerObjectConnection>> {
        let loaders = ctx.data::<Loaders>().map_err(Error::context)?;
        let args = page_args(before, after, first, last, Viewer::of(ctx)?.page_size());
        let len = loaders.team_sizes.load_one(self.0.id).await?.unwrap_or(0);
        let window = Window::new(&args, len);
        let rows = if window.is_empty() {
            Vec::new()
        } else {
            loaders
                .team_players
                .load_one(TeamSlice {
                    team_id: self.0.id,
                    start: window.rows_start,
                    end: window.rows_end,
                })
                .await?
                .unwrap_or_default()
        };
        Ok(Some(PlayerObjectConnection::new(&window, rows)))
    }
}

/// A game of a bracket; the winner advances to the `child` game.
pub struct GameObject(pub Game);

#[Object]
impl GameObject {
    /// The relay global id, base64 of `GameObject:<id>`.
    async fn id(&self, ctx: &Context<'_>) -> Guarded<ID> {
        let id = ID(relay::global_id("GameObject", self.0.id));
        required(ctx, Table::Games, "id", self.0.id, id).await
    }

    async fn level(&self, ctx: &Context<'_>) -> Guarded<&str> {
        required(ctx, Table::Games, "level", self.0.id, &*self.0.level).await
    }

    async fn child_id(&self, ctx: &Context<'_>) -> Guarded<Option<i32>> {
        let child = nullable(ctx, Table::Games, "child_id", self.0.id, self.0.child_id).await?;
        nullable_int(ctx, child.flatten())
    }

    async fn winner_id(&self, ctx: &Context<'_>) -> Guarded<i32> {
        int(required(ctx, Table::Games, "winner_id", self.0.id, self.0.winner_id).await?)
    }

    async fn loser_id(&self, ctx: &Context<'_>) -> Guarded<i32> {
        int(required(ctx, Table::Games, "loser_id", self.0.id, self.0.loser_id).await?)
    }

    /// The next game of the bracket, which this game's winner plays.
    async fn child(&self, ctx: &Context<'_>) -> Guarded<Option<GameObject>> {
        let Some(child) = self.0.child_id else {
            return Ok(None);
        };
        let loaders = ctx.data::<Loaders>().map_err(Error::context)?;
        let game = related(ctx, &loaders.games, child).await?;
        visible(ctx, Table::Games, game.map(GameObject))
    }
}

/// Relay's page info. As in graphql-relay 2, `hasPreviousPage` is false when paging with
/// `first`/`after`, and `hasNextPage` is false when paging with `last`/`before`.
#[derive(SimpleObject, Debug, Clone)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

/// A connection type and its edge type, shaped like graphene's array connections: nullable
/// edges and nodes. (A generic `Connection<T>` cannot derive its edge list in async-graphql 7.)
macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ident, $row:ty) => {
        #[doc = concat!("A page of a list of `", stringify!($node), "`.")]
        #[derive(SimpleObject)]
        pub struct $connection {
            pub page_info: PageInfo,
            pub edges: Vec<Option<$edge>>,
        }

        /// One row of a page and its cursor.
        #[derive(SimpleObject)]
        pub struct $edge {
            pub node: Option<$node>,
            pub cursor: String,
        }

        impl $connection {
            /// The connection of `rows`, which are the rows of `window`.
            pub fn new(window: &Window, rows: Vec<$row>) -> Self {
                let edges: Vec<Option<$edge>> = rows
                    .into_iter()
                    .zip(window.first_offset..)
                    .map(|(row, offset)| {
                        Some($edge {
                            node: Some($node(row)),
                            cursor: relay::cursor(offset),
                        })
                    })
                    .collect();
                let cursor_of = |edge: Option<&Option<$edge>>| {
                    edge.and_then(Option::as_ref).map(|e| e.cursor.clone())
                };
                $connection {
                    page_info: PageInfo {
                        has_next_page: window.has_next_page,
                        has_previous_page: window.has_previous_page,
                        start_cursor: cursor_of(edges.first()),
                        end_cursor: cursor_of(edges.last()),
                    },
                    edges,
                }
            }
        }
    };
}

connection!(
    PlayerObjectConnection,
    PlayerObjectEdge,
    PlayerObject,
    Player
);
connection!(TeamObjectConnection, TeamObjectEdge, TeamObject, Team);
connection!(GameObjectConnection, GameObjectEdge, GameObject, Game);

/// Paging arguments as the store and [`Window`] take them. A list asked for without `first` or
/// `last` is a first page of `page_size` rows (`default_page_size`): `hasNextPage` tells
/// whether more follow.
pub fn page_args(
    before: Option<String>,
    after: Option<String>,
    first: Option<i32>,
    last: Option<i32>,
    page_size: i64,
) -> PageArgs {
    let first = match (first, last) {
        (None, None) => Some(page_size),
        (first, _) => first.map(i64::from),
    };
    PageArgs {
        before,
        after,
        first,
        last: last.map(i64::from),
        page_size,
    }
}

/// `None` when the viewer may read `column` of row `id`, else what reading it yields.
async fn withheld(
    ctx: &Context<'_>,
    table: Table,
    column: &str,
    id: i64,
) -> Guarded<Option<Withheld>> {
    let Some(rule) = unreadable(ctx, table, column, id).await? else {
        return Ok(None);
    };
    Viewer::of(ctx)?.note(|record| record.fields.push((table, column.to_string(), id)));
    Ok(Some(rule))
}

/// `None` when the viewer may read `column` of row `id`, else what its rule yields there.
async fn unreadable(
    ctx: &Context<'_>,
    table: Table,
    column: &str,
    id: i64,
) -> Guarded<Option<Withheld>> {
    let viewer = Viewer::of(ctx)?;
    if viewer.fields.is_empty() {
        return Ok(None);
    }
    let Some(rule) = viewer.fields.get(&(table, column.to_string())) else {
        return Ok(None);
    };
    if rule.readable.is_some() {
        let loaders = ctx.data::<Loaders>().map_err(Error::context)?;
        let key = FieldKey {
            table,
            column: column.to_string(),
            id,
        };
        let readable = match loaders.fields.plain().primed(&key) {
            Some(pass) => pass,
            None => loaders.fields.load_one(key).await? == Some(true),
        };
        if readable {
            return Ok(None);
        }
    }
    Ok(Some(rule.withheld.clone()))
}

/// Whether the viewer may read `column` of each row of `ids`, judged on the request's snapshot
/// in one batch.
pub(crate) async fn readable_each(
    ctx: &Context<'_>,
    table: Table,
    column: &str,
    ids: impl IntoIterator<Item = i64>,
) -> Guarded<Vec<bool>> {
    let judged = futures_util::future::try_join_all(
        ids.into_iter().map(|id| unreadable(ctx, table, column, id)),
    )
    .await?;
    Ok(judged.iter().map(Option::is_none).collect())
}

/// The columns each root lookup by value compares its argument with, written once: the
/// resolvers find a row only where the viewer may read them ([`found_by`]), and
/// `explain --query` names them (`explain_query`).
pub mod lookup {
    /// `getPlayer(name:)`.
    pub const GET_PLAYER: &str = "name";
    /// `getPosition(position:)`.
    pub const GET_POSITION: &str = "position";
    /// `getTeamGames(team:)`: a game is the team's by its winner or by its loser, found by
    /// whichever side the team played.
    pub const GET_TEAM_GAMES: [&str; 2] = ["winner_id", "loser_id"];

    /// The columns the root field `root_field` compares (none for a field that is not a lookup
    /// by value).
    pub fn columns(root_field: &str) -> &'static [&'static str] {
        match root_field {
            "getPlayer" => &[GET_PLAYER],
            "getPosition" => &[GET_POSITION],
            "getTeamGames" => &GET_TEAM_GAMES,
            _ => &[],
        }
    }
}

/// The rows of `rows` that an argument comparing `column` may find: those whose `column` the
/// viewer may read. As Hasura lets a role filter only on the columns it may select, a lookup
/// by a withheld value (`getPosition` by a position the viewer may not see) finds nothing
/// rather than telling the value by the rows it returns.
pub(crate) async fn found_by<T>(
    ctx: &Context<'_>,
    table: Table,
    column: &str,
    rows: Vec<T>,
    id: impl Fn(&T) -> i64,
) -> Guarded<Vec<T>> {
    let judged = readable_each(ctx, table, column, rows.iter().map(id)).await?;
    Ok(rows
        .into_iter()
        .zip(judged)
        .filter_map(|(row, readable)| readable.then_some(row))
        .collect())
}

/// A non-null column: its value, or the policy's error when withheld (a non-null field cannot
/// answer `null`, so a `null` policy answers the default error).
async fn required<T>(
    ctx: &Context<'_>,
    table: Table,
    column: &str,
    id: i64,
    value: T,
) -> Guarded<T> {
    match withheld(ctx, table, column, id).await? {
        None => Ok(value),
        Some(Withheld::Error(message)) => Err(forbidden(&message)),
        Some(Withheld::Null) => Err(forbidden(NOT_AUTHORIZED)),
    }
}

/// A column's value as a GraphQL `Int`, which is 32-bit (spec 3.5.1): one beyond it is a field
/// error, worded as graphene (the tutorial's server) words it, never a number clients of an
/// `Int` cannot hold. Checked after the policies, so a withheld value's range is not told.
fn int(value: i64) -> Guarded<i32> {
    i32::try_from(value).map_err(|_| {
        async_graphql::Error::new(format!(
            "Int cannot represent non 32-bit signed integer value: {value}"
        ))
    })
}

/// [`int`] for a nullable field: `null` with the error in its place when out of range.
fn nullable_int(ctx: &Context<'_>, value: Option<i64>) -> Guarded<Option<i32>> {
    match value.map(int).transpose() {
        Ok(value) => Ok(value),
        Err(error) => null_with(ctx, error),
    }
}

/// A nullable column: its value, `null`, or the policy's error when withheld.
async fn nullable<T>(
    ctx: &Context<'_>,
    table: Table,
    column: &str,
    id: i64,
    value: T,
) -> Guarded<Option<T>> {
    match withheld(ctx, table, column, id).await? {
        None => Ok(Some(value)),
        Some(Withheld::Error(message)) => null_with(ctx, forbidden(&message)),
        Some(Withheld::Null) => Ok(None),
    }
}
