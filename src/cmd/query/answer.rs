//! What `quidditch query` prints: each typed answer in its two forms, side by side. Its JSON form
//! is the GraphQL `data` as the server sent it (camelCase keys); its human form, the table below
//! it, is built here from the answer alone. Fetching, and the extra lookups tables need (team
//! names), happen before, in `query.rs`.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use super::ops;
use super::partial::Partial;
use crate::graphql::relay;
use crate::output::{self, Format};

/// A typed answer as fetched: the GraphQL `data`, the errors that came with it, and, for people,
/// the names of the teams it mentions.
pub(super) struct Answer<T> {
    pub(super) data: T,
    pub(super) partial: Partial,
    /// Team names by id, looked up for tables only (a team missing here shows as `?`).
    pub(super) teams: HashMap<i64, String>,
}

impl<T> Answer<T> {
    pub(super) fn new(data: T, errors: Vec<graphql_client::Error>) -> Self {
        Answer {
            data,
            partial: Partial::new(errors),
            teams: HashMap::new(),
        }
    }

    /// Prints the answer in `format` on stdout, then its warnings on stderr.
    pub(super) fn emit(&self, format: Format) -> std::io::Result<()>
    where
        Self: Serialize + fmt::Display,
    {
        output::emit(self, format)?;
        self.partial.warn();
        Ok(())
    }

    /// A team as tables show it everywhere: `Hufflepuff (4)`.
    fn team(&self, id: i64) -> String {
        format!("{} ({id})", self.teams.get(&id).map_or("?", String::as_str))
    }
}

/// The JSON form of every answer: its `data`, untouched.
impl<T: Serialize> Serialize for Answer<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.data.serialize(serializer)
    }
}

// The human forms. Fetching made sure the top-level value each one reads is there
// (`Partial::require`); were it not, the table would be empty.

impl fmt::Display for Answer<ops::get_game::ResponseData> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut table = output::table(["game", "level", "winner", "loser", "child game"]);
        if let Some(game) = &self.data.get_game {
            table.add_row([
                number(&game.id),
                game.level.clone(),
                self.team(game.winner_id),
                self.team(game.loser_id),
                child_cell(game.child_id, &self.partial, "getGame.childId"),
            ]);
            if let Some(child) = &game.child {
                table.add_row([
                    format!("{} (child)", number(&child.id)),
                    child.level.clone(),
                    self.team(child.winner_id),
                    self.team(child.loser_id),
                    child_cell(child.child_id, &self.partial, "getGame.child.childId"),
                ]);
            }
        }
        write_table(f, &table, None)
    }
}

impl fmt::Display for Answer<ops::get_player::ResponseData> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut table = output::table(["player", "name", "position", "year", "team", "rank"]);
        if let Some(player) = &self.data.get_player {
            let (team, rank) = player.team_name.as_ref().map_or_else(
                || (WITHHELD.to_string(), WITHHELD.to_string()),
                |t| {
                    (
                        text_cell(t.name.as_deref(), &self.partial, "getPlayer.teamName.name"),
                        t.rank.to_string(),
                    )
                },
            );
            table.add_row([
                number(&player.id),
                player.name.clone(),
                player.position.clone(),
                year_cell(player.year),
                format!("{team} ({})", player.team_id),
                rank,
            ]);
        }
        write_table(f, &table, None)
    }
}

impl fmt::Display for Answer<ops::team_games::ResponseData> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut table = output::table(["game", "level", "winner", "loser", "child game"]);
        for (i, game) in self.data.get_team_games.iter().flatten().enumerate() {
            let Some(game) = game else { continue };
            table.add_row([
                number(&game.id),
                game.level.clone(),
                self.team(game.winner_id),
                self.team(game.loser_id),
                child_cell(
                    game.child_id,
                    &self.partial,
                    &format!("getTeamGames.{i}.childId"),
                ),
            ]);
        }
        write_table(f, &table, None)
    }
}

impl fmt::Display for Answer<ops::position::ResponseData> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut table = output::table(["player", "name", "year", "team"]);
        for (i, player) in self.data.get_position.iter().flatten().enumerate() {
            let Some(player) = player else { continue };
            table.add_row([
                number(&player.id),
                player.name.clone(),
                year_cell(player.year),
                team_cell(
                    player.team_name.as_ref().and_then(|t| t.name.as_deref()),
                    &self.partial,
                    &format!("getPosition.{i}.teamName"),
                ),
            ]);
        }
        write_table(f, &table, None)
    }
}

impl fmt::Display for Answer<ops::players::ResponseData> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut table = output::table(["player", "name", "position", "year", "team", "cursor"]);
        let Some(connection) = &self.data.all_players else {
            return write_table(f, &table, None);
        };
        for (i, edge) in connection.edges.iter().enumerate() {
            let Some(edge) = edge else { continue };
            let Some(p) = &edge.node else { continue };
            table.add_row([
                number(&p.id),
                p.name.clone(),
                p.position.clone(),
                year_cell(p.year),
                team_cell(
                    p.team_name.as_ref().and_then(|t| t.name.as_deref()),
                    &self.partial,
                    &format!("allPlayers.edges.{i}.node.teamName"),
                ),
                edge.cursor.clone(),
            ]);
        }
        let info = &connection.page_info;
        let next = more(info.has_next_page, info.end_cursor.as_deref());
        write_table(f, &table, next)
    }
}

impl fmt::Display for Answer<ops::teams::ResponseData> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut table = output::table(["team", "name", "rank", "cursor"]);
        let Some(connection) = &self.data.all_teams else {
            return write_table(f, &table, None);
        };
        for (i, edge) in connection.edges.iter().enumerate() {
            let Some(edge) = edge else { continue };
            let Some(t) = &edge.node else { continue };
            table.add_row([
                number(&t.id),
                text_cell(
                    t.name.as_deref(),
                    &self.partial,
                    &format!("allTeams.edges.{i}.node.name"),
                ),
                t.rank.to_string(),
                edge.cursor.clone(),
            ]);
        }
        let info = &connection.page_info;
        let next = more(info.has_next_page, info.end_cursor.as_deref());
        write_table(f, &table, next)
    }
}

impl fmt::Display for Answer<ops::games::ResponseData> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut table = output::table(["game", "level", "winner", "loser", "child game", "cursor"]);
        let Some(connection) = &self.data.all_games else {
            return write_table(f, &table, None);
        };
        for (i, edge) in connection.edges.iter().enumerate() {
            let Some(edge) = edge else { continue };
            let Some(g) = &edge.node else { continue };
            table.add_row([
                number(&g.id),
                g.level.clone(),
                self.team(g.winner_id),
                self.team(g.loser_id),
                child_cell(
                    g.child_id,
                    &self.partial,
                    &format!("allGames.edges.{i}.node.childId"),
                ),
                edge.cursor.clone(),
            ]);
        }
        let info = &connection.page_info;
        let next = more(info.has_next_page, info.end_cursor.as_deref());
        write_table(f, &table, next)
    }
}

impl fmt::Display for Answer<ops::node::ResponseData> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut table = output::table(["field", "value"]);
        if let Some(node) = &self.data.node {
            table.add_row(["type".to_string(), node_type(&node.on).to_string()]);
            table.add_row(["id".to_string(), number(&node.id)]);
            for (field, value) in node_fields(&node.on, &self.partial) {
                table.add_row([field.to_string(), value]);
            }
        }
        write_table(f, &table, None)
    }
}

/// A table, then its footer line (the next page's flag) when there is one.
fn write_table(
    f: &mut fmt::Formatter<'_>,
    table: &comfy_table::Table,
    footer: Option<String>,
) -> fmt::Result {
    writeln!(f, "{table}")?;
    if let Some(footer) = footer {
        writeln!(f, "{footer}")?;
    }
    Ok(())
}

fn node_type(on: &ops::node::NodeNodeOn) -> &'static str {
    match on {
        ops::node::NodeNodeOn::PlayerObject(_) => "PlayerObject",
        ops::node::NodeNodeOn::TeamObject(_) => "TeamObject",
        ops::node::NodeNodeOn::GameObject(_) => "GameObject",
    }
}

fn node_fields(on: &ops::node::NodeNodeOn, partial: &Partial) -> Vec<(&'static str, String)> {
    match on {
        ops::node::NodeNodeOn::PlayerObject(p) => vec![
            ("name", p.name.clone()),
            ("position", p.position.clone()),
            ("year", year_cell(p.year)),
            ("team id", p.team_id.to_string()),
        ],
        ops::node::NodeNodeOn::TeamObject(t) => vec![
            ("name", text_cell(t.name.as_deref(), partial, "node.name")),
            ("rank", t.rank.to_string()),
        ],
        ops::node::NodeNodeOn::GameObject(g) => vec![
            ("level", g.level.clone()),
            ("winner id", g.winner_id.to_string()),
            ("loser id", g.loser_id.to_string()),
            ("child id", child_cell(g.child_id, partial, "node.childId")),
        ],
    }
}

/// How a table shows a field the server withheld (`null` with an error at its path).
const WITHHELD: &str = "-";

/// A player's year: never null in the database, so `null` means withheld.
fn year_cell(year: Option<i64>) -> String {
    year.map_or_else(|| WITHHELD.to_string(), |y| y.to_string())
}

/// A game's child: `none` when it has none, `-` when it was withheld.
fn child_cell(child: Option<i64>, partial: &Partial, path: &str) -> String {
    match child {
        Some(id) => id.to_string(),
        None if partial.withheld(path) => WITHHELD.to_string(),
        None => "none".to_string(),
    }
}

/// A nullable text column: blank when null in the database, `-` when withheld.
fn text_cell(text: Option<&str>, partial: &Partial, path: &str) -> String {
    match text {
        Some(text) => text.to_string(),
        None if partial.withheld(path) => WITHHELD.to_string(),
        None => String::new(),
    }
}

/// A player's team name from `teamName { name }` at `path`: `-` when the team or its name was
/// withheld, blank when there is none.
fn team_cell(name: Option<&str>, partial: &Partial, path: &str) -> String {
    match name {
        Some(name) => name.to_string(),
        None if partial.withheld(path) || partial.withheld(&format!("{path}.name")) => {
            WITHHELD.to_string()
        }
        None => String::new(),
    }
}

/// The row id inside a global id, for people; the global id itself when it does not decode.
fn number(global: &str) -> String {
    relay::parse_global_id(global).map_or_else(|| global.to_string(), |(_, id)| id.to_string())
}

fn more(has_next: bool, end_cursor: Option<&str>) -> Option<String> {
    match (has_next, end_cursor) {
        (true, Some(cursor)) => Some(format!("more: --after {cursor}")),
        _ => None,
    }
}
