//! The query root and the schema built over a [`Store`]: one `build` for `serve` and `query`.

use async_graphql::{Context, EmptyMutation, EmptySubscription, ID, Object, Schema};

use super::relay::{self, PageArgs, Window};
use super::types::{
    GameObject, GameObjectConnection, Node, PlayerObject, PlayerObjectConnection, TeamObject,
    TeamObjectConnection, found_by, lookup, page_args, readable_each,
};
use super::{
    Error, Result, Viewer, blocking,
    loaders::{Loaders, TableRules},
    read, visible,
};
use crate::db::{
    self,
    model::Keyed,
    store::{Page, SqlFilter, Store, Table},
};

/// The schema `quidditch serve` and `quidditch query` execute.
pub type QuidditchSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Builds the schema over `store`. Requests must be run through [`super::execute`], which adds
/// the viewer and the per-request loaders.
pub fn build(store: Store) -> QuidditchSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .data(store)
        .extension(super::conform::Conformance)
        .finish()
}

/// The same schema, but which checks only what execution relies on (depth, complexity,
/// fragment cycles) instead of every validation rule: for documents known to be valid (see
/// [`super::documents`]), which would pass the rules again. It answers them exactly as
/// [`build`]'s schema does.
pub fn build_for_valid(store: Store) -> QuidditchSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .data(store)
        .validation_mode(async_graphql::ValidationMode::Fast)
        .finish()
}

/// The SDL of the schema, as `quidditch schema print` shows it and `schema.graphql` holds it.
/// The spec's built-in directives are left out, as graphql-js prints a schema and as `schema
/// pull` prints one from introspection, so that the two agree for the same schema.
pub fn sdl() -> String {
    let sdl = Schema::build(Query, EmptyMutation, EmptySubscription)
        .finish()
        .sdl();
    without_built_in_directives(&sdl)
}

/// Directives every GraphQL server has (the spec's, plus `@oneOf`).
pub const BUILT_IN_DIRECTIVES: [&str; 5] =
    ["include", "skip", "deprecated", "specifiedBy", "oneOf"];

/// `sdl` without the definitions of built-in directives and their descriptions.
fn without_built_in_directives(sdl: &str) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for line in sdl.lines() {
        let built_in = line.strip_prefix("directive @").is_some_and(|rest| {
            let name = rest.split(['(', ' ']).next().unwrap_or_default();
            BUILT_IN_DIRECTIVES.contains(&name)
        });
        if !built_in {
            lines.push(line);
            continue;
        }
        // Drop the description right above it: one `"""text"""` line or a `"""` block.
        match lines.last() {
            Some(&"\"\"\"") => {
                lines.pop();
                while let Some(prev) = lines.pop() {
                    if prev == "\"\"\"" {
                        break;
                    }
                }
            }
            Some(prev) if prev.starts_with("\"\"\"") && prev.len() > 6 => {
                lines.pop();
            }
            _ => {}
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// This schema's introspection answer, as the query limits count `__schema` and `__type`
/// against it (built once; empty only if introspection failed, which a test rules out).
pub fn introspection_model() -> &'static crate::limits::Introspection {
    static MODEL: std::sync::OnceLock<crate::limits::Introspection> = std::sync::OnceLock::new();
    MODEL.get_or_init(|| {
        introspection_answer()
            .and_then(crate::limits::Introspection::from_answer)
            .unwrap_or_default()
    })
}

/// The schema's types as [`super::conform`] checks and shapes answers with them (built once,
/// from the same introspection answer).
pub fn type_model() -> &'static super::conform::Model {
    static MODEL: std::sync::OnceLock<super::conform::Model> = std::sync::OnceLock::new();
    MODEL.get_or_init(|| {
        introspection_answer()
            .map(super::conform::Model::from_answer)
            .unwrap_or_default()
    })
}

/// The answer to [`crate::limits::Introspection::QUERY`] (computed once).
fn introspection_answer() -> Option<&'static serde_json::Value> {
    static ANSWER: std::sync::OnceLock<Option<serde_json::Value>> = std::sync::OnceLock::new();
    ANSWER
        .get_or_init(|| {
            let schema = Schema::build(Query, EmptyMutation, EmptySubscription).finish();
            let request = async_graphql::Request::new(crate::limits::Introspection::QUERY);
            now(schema.execute(request)).and_then(|response| response.data.into_json().ok())
        })
        .as_ref()
}

/// Runs `future` to completion on this thread, when it needs nothing from outside (an
/// introspection answer is computed from the schema alone); `None` if it keeps waiting.
fn now<F: std::future::Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    (0..1_000).find_map(|_| match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => Some(out),
        std::task::Poll::Pending => None,
    })
}

/// How far a list must be counted for `args`: with `first` (and no `last` or `before`) the
/// window only needs to know whether a row follows it, so counting stops one row past its end.
/// Otherwise the whole list is counted.
fn count_cap(args: &PageArgs) -> Option<i64> {
    forward(args).map(|(_, cap)| cap)
}

/// A forward window (`first`, maybe `after`; no `last` or `before`): the offset of its first
/// row and the count it needs, one row past its end.
fn forward(args: &PageArgs) -> Option<(i64, i64)> {
    let first = args.first.filter(|f| *f >= 0)?;
    if args.last.is_some() || args.before.as_deref().is_some_and(|b| !b.is_empty()) {
        return None;
    }
    let start = args
        .after
        .as_deref()
        .and_then(relay::parse_cursor)
        .map_or(0, |after| after.max(-1).saturating_add(1));
    Some((start, start.saturating_add(first).saturating_add(1)))
}

/// Counts a table's visible rows (as far as the window needs, see [`count_cap`]).
type CountFn = fn(&Store, Option<&SqlFilter>, Option<i64>) -> db::Result<i64>;
/// Reads one page of a table's visible rows, each with whether it passes each of the rules.
type PageFn<T> =
    fn(&Store, Page, Option<&SqlFilter>, &[&SqlFilter]) -> db::Result<Vec<(T, Vec<bool>)>>;

/// One page of a whole table for the viewer's `filter`, each row judged by `rules` (see
/// [`Store::passing_each`]): counted and cut in SQL, on a blocking thread (a count may scan).
async fn list_page<T: Send + 'static>(
    ctx: &Context<'_>,
    args: PageArgs,
    (filter, rules): (Option<SqlFilter>, Vec<SqlFilter>),
    count: CountFn,
    rows: PageFn<T>,
) -> Result<(Window, Vec<(T, Vec<bool>)>)> {
    blocking(ctx.data::<Store>().map_err(Error::context)?, move |s| {
        let rules: Vec<&SqlFilter> = rules.iter().collect();
        let read = |page: Page| rows(s, page, filter.as_ref(), &rules);
        if let Some(found) = forward_page(&args, &read)? {
            return Ok(found);
        }
        let (window, page) = cut(count(s, filter.as_ref(), count_cap(&args))?, &args);
        Ok((window, read(page)?))
    })
    .await
}

/// A forward window read in one statement instead of a count and a page: the rows from its
/// start up to the count it needs ([`count_cap`]), one past its end. Rows being numbered
/// without gaps, `k` of them read from offset `start` mean the capped count is `start + k`,
/// and the page is their first rows. `None` (count, then read) when the window is not a
/// forward one, or when nothing is at a start past the first row: then only a count says
/// where the list ends.
fn forward_page<T>(
    args: &PageArgs,
    read: &dyn Fn(Page) -> db::Result<Vec<T>>,
) -> db::Result<Option<(Window, Vec<T>)>> {
    let Some((start, cap)) = forward(args) else {
        return Ok(None);
    };
    let limit = cap - start;
    let mut found = read(Page {
        offset: start,
        limit,
    })?;
    let Some((window, page)) = cut_forward(args, start, found.len()) else {
        return Ok(None);
    };
    found.truncate(usize::try_from(page.limit).unwrap_or(0));
    Ok(Some((window, found)))
}

/// The window of a forward read ([`forward`]) that found `read` rows from offset `start`, and
/// the page within them; `None` when they do not settle it (nothing read past the first row).
fn cut_forward(args: &PageArgs, start: i64, read: usize) -> Option<(Window, Page)> {
    let read = i64::try_from(read).ok()?;
    if read == 0 && start > 0 {
        return None;
    }
    let (window, page) = cut(start + read, args);
    (page.offset == start && page.limit <= read).then_some((window, page))
}

/// One page of a root list (`allPlayers`, `allTeams`, `allGames`) of `table`'s rows, as the
/// viewer may read them; a filtered list is noted in the decision log.
/// The viewer's field rules on the table are judged in the same statement as the page, and
/// their answers wait in the request's field loader.
async fn root_list<T: Keyed + Send + 'static>(
    ctx: &Context<'_>,
    table: Table,
    (before, after, first, last): (Option<String>, Option<String>, Option<i32>, Option<i32>),
    count: CountFn,
    rows: PageFn<T>,
) -> Result<(Window, Vec<T>)> {
    let viewer = Viewer::of(ctx)?;
    let args = page_args(before, after, first, last, viewer.page_size());
    let filter = viewer.filters.of(table).cloned();
    if filter.is_some() {
        viewer.note(|record| record.lists.push(table));
    }
    let fields = ctx
        .data::<Loaders>()
        .map_err(Error::context)?
        .fields
        .plain();
    let TableRules { filters, columns } = fields.rules(table);
    let (window, rows) = list_page(ctx, args, (filter, filters), count, rows).await?;
    let rows = rows
        .into_iter()
        .map(|(row, passes)| {
            fields.prime(table, row.key(), &columns, &passes);
            row
        })
        .collect();
    Ok((window, rows))
}

/// The query root: the tutorial's eight fields.
pub struct Query;

fn cut(store_len: i64, args: &PageArgs) -> (Window, Page) {
    let window = Window::of_query(args, store_len);
    let page = Page {
        offset: window.rows_start,
        limit: window.len(),
    };
    (window, page)
}

#[Object]
impl Query {
    /// Any object by its relay global id; `null` when the id does not decode or names no row.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let Some((type_name, id)) = relay::parse_global_id(&id) else {
            return Ok(None);
        };
        let loaders = ctx.data::<Loaders>().map_err(Error::context)?;
        let table = match type_name.as_str() {
            "PlayerObject" => Table::Players,
            "TeamObject" => Table::Teams,
            "GameObject" => Table::Games,
            _ => return Ok(None),
        };
        let found = match type_name.as_str() {
            "PlayerObject" => loaders
                .players
                .load_one(id)
                .await?
                .map(|p| Node::PlayerObject(PlayerObject(p))),
            "TeamObject" => loaders
                .teams
                .load_one(id)
                .await?
                .map(|t| Node::TeamObject(TeamObject(t))),
            "GameObject" => loaders
                .games
                .load_one(id)
                .await?
                .map(|g| Node::GameObject(GameObject(g))),
            _ => None,
        };
        visible(ctx, table, found)
    }

    /// Every player, in id order.
    async fn all_players(
        &self,
        ctx: &Context<'_>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<PlayerObjectConnection>> {
        let page = (before, after, first, last);
        let (window, rows) = root_list(
            ctx,
            Table::Players,
            page,
            Store::count_players,
            Store::players_page,
        )
        .await?;
        Ok(Some(PlayerObjectConnection::new(&window, rows)))
    }

    /// Every team, in id order.
    async fn all_teams(
        &self,
        ctx: &Context<'_>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<TeamObjectConnection>> {
        let page = (before, after, first, last);
        let (window, rows) = root_list(
            ctx,
            Table::Teams,
            page,
            Store::count_teams,
            Store::teams_page,
        )
        .await?;
        Ok(Some(TeamObjectConnection::new(&window, rows)))
    }

    /// Every game, in id order.
    async fn all_games(
        &self,
        ctx: &Context<'_>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<GameObjectConnection>> {
        let page = (before, after, first, last);
        let (window, rows) = root_list(
            ctx,
            Table::Games,
            page,
            Store::count_games,
            Store::games_page,
        )
        .await?;
        Ok(Some(GameObjectConnection::new(&window, rows)))
    }

    /// The player with exactly this name; `null` when there is none.
    async fn get_player(
        &self,
        ctx: &Context<'_>,
        name: Option<String>,
    ) -> async_graphql::Result<Option<PlayerObject>> {
        let Some(name) = name else { return Ok(None) };
        let viewer = Viewer::of(ctx)?;
        let filter = viewer.filters.players.clone();
        let store = ctx.data::<Store>().map_err(Error::context)?;
        let player = read(store, 1, move |s| s.player_by_name(&name, filter.as_ref())).await?;
        let player = found_by(
            ctx,
            Table::Players,
            lookup::GET_PLAYER,
            Vec::from_iter(player),
            |p| p.id,
        )
        .await?;
        visible(
            ctx,
            Table::Players,
            player.into_iter().next().map(PlayerObject),
        )
    }

    /// The game with this id; `null` when there is none.
    ///
    /// A viewer who may not read every game gets `null` and a `FORBIDDEN` error both for a game
    /// it may not read and for one that does not exist, so ids cannot be probed.
    async fn get_game(
        &self,
        ctx: &Context<'_>,
        id: Option<i32>,
    ) -> async_graphql::Result<Option<GameObject>> {
        let Some(id) = id.map(i64::from) else {
            return Ok(None);
        };
        let viewer = Viewer::of(ctx)?;
        let filter = viewer.filters.games.clone();
        let store = ctx.data::<Store>().map_err(Error::context)?;
        let loaders = ctx.data::<Loaders>().map_err(Error::context)?;
        // The game, its child when asked for (it then waits in the request's loader), and
        // the viewer's field rules on both, in one statement.
        let children = ctx.look_ahead().field("child").exists();
        let TableRules { filters, columns } = loaders.fields.plain().rules(Table::Games);
        let mut rows = read(store, if children { 2 } else { 1 }, move |s| {
            let filters: Vec<&SqlFilter> = filters.iter().collect();
            s.games_judged(&[id], children, filter.as_ref(), &filters)
        })
        .await?;
        for (row, passes) in &rows {
            loaders
                .fields
                .plain()
                .prime(Table::Games, row.id, &columns, passes);
        }
        // The game first (a game may be its own child: then it comes twice).
        let game = rows
            .iter()
            .position(|(g, _)| g.id == id)
            .map(|i| rows.swap_remove(i).0);
        if children && let Some(child_id) = game.as_ref().and_then(|g| g.child_id) {
            let found = rows.into_iter().map(|(g, _)| g).find(|g| g.id == child_id);
            loaders.games.plain().prime(child_id, found);
        }
        visible(ctx, Table::Games, game.map(GameObject))
    }

    /// Every game the team with this id won or lost, in id order (at most the page size).
    async fn get_team_games(
        &self,
        ctx: &Context<'_>,
        team: Option<i32>,
    ) -> async_graphql::Result<Option<Vec<Option<GameObject>>>> {
        let Some(team) = team else {
            return Ok(Some(Vec::new()));
        };
        let viewer = Viewer::of(ctx)?;
        let (filter, limit) = (viewer.filters.games.clone(), viewer.page_size());
        if filter.is_some() {
            viewer.note(|record| record.lists.push(Table::Games));
        }
        let store = ctx.data::<Store>().map_err(Error::context)?;
        let team = i64::from(team);
        let games = blocking(store, move |s| {
            s.games_of_team(team, filter.as_ref(), limit)
        })
        .await?;
        // A game is the team's by its winner or by its loser: found by one the viewer may read
        // (a game whose result is withheld is not told to be the team's by this list).
        let ids = || games.iter().map(|g| g.id);
        let (winner, loser) = futures_util::future::try_join(
            readable_each(ctx, Table::Games, lookup::GET_TEAM_GAMES[0], ids()),
            readable_each(ctx, Table::Games, lookup::GET_TEAM_GAMES[1], ids()),
        )
        .await?;
        Ok(Some(
            games
                .into_iter()
                .zip(winner.into_iter().zip(loser))
                .filter(|(g, (winner, loser))| {
                    (g.winner_id == team && *winner) || (g.loser_id == team && *loser)
                })
                .map(|(g, _)| Some(GameObject(g)))
                .collect(),
        ))
    }

    /// Every player with exactly this position, in id order (at most the page size).
    async fn get_position(
        &self,
        ctx: &Context<'_>,
        position: Option<String>,
    ) -> async_graphql::Result<Option<Vec<Option<PlayerObject>>>> {
        let Some(position) = position else {
            return Ok(Some(Vec::new()));
        };
        let viewer = Viewer::of(ctx)?;
        let (filter, limit) = (viewer.filters.players.clone(), viewer.page_size());
        if filter.is_some() {
            viewer.note(|record| record.lists.push(Table::Players));
        }
        let store = ctx.data::<Store>().map_err(Error::context)?;
        let players = blocking(store, move |s| {
            s.players_by_position(&position, filter.as_ref(), limit)
        })
        .await?;
        let players =
            found_by(ctx, Table::Players, lookup::GET_POSITION, players, |p| p.id).await?;
        Ok(Some(
            players.into_iter().map(|p| Some(PlayerObject(p))).collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every list length up to 11 with every forward window on it (`first` 0 to 4, `after`
    /// absent or any offset from -1 to 12), with a label for failures.
    fn forward_cases() -> impl Iterator<Item = (i64, PageArgs, String)> {
        (0..12i64).flat_map(|len| {
            (0..5).flat_map(move |first| {
                std::iter::once(None)
                    .chain((-1..13).map(Some))
                    .map(move |after| {
                        let args = PageArgs {
                            first: Some(first),
                            after: after.map(relay::cursor),
                            ..PageArgs::default()
                        };
                        (
                            len,
                            args,
                            format!("len {len}, first {first}, after {after:?}"),
                        )
                    })
            })
        })
    }

    /// Counting only up to `count_cap` gives the same window as counting everything, for every
    /// list length and `first`/`after` combination.
    #[test]
    fn a_capped_count_cuts_the_same_window() {
        for (len, args, at) in forward_cases() {
            let cap = count_cap(&args).expect("first alone is capped");
            assert_eq!(
                Window::new(&args, len.min(cap)),
                Window::new(&args, len),
                "{at}"
            );
        }
        let backwards = PageArgs {
            last: Some(2),
            ..PageArgs::default()
        };
        assert_eq!(count_cap(&backwards), None);
    }

    /// A forward window read in one statement (rows up to the capped count) cuts the same
    /// window and page as counting first, for every list length and `first`/`after`; it gives
    /// up only where nothing follows an `after` cursor.
    #[test]
    fn a_forward_page_read_alone_cuts_the_same_window() {
        for (len, args, at) in forward_cases() {
            let (start, cap) = forward(&args).expect("first alone is forward");
            let read = (len - start).clamp(0, cap - start);
            let counted = cut(len.min(cap), &args);
            match cut_forward(&args, start, usize::try_from(read).unwrap()) {
                Some(cut) => assert_eq!(cut, counted, "{at}"),
                None => assert!(read == 0 && start > 0, "{at}"),
            }
        }
    }
}
