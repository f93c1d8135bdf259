//! `quidditch query …`: the tutorial's queries as typed GraphQL operations, sent to a server
//! (`--endpoint`) or run in-process over `--db`. Values always travel as GraphQL variables.

mod ops;
mod partial;
pub mod transport;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::io::Read as _;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::Value;

use crate::cli::GlobalArgs;
use crate::db::store::Store;
use crate::exit::Exit;
use crate::graphql::{Api, Viewer, relay};
use crate::output::{self, emit};
use crate::{access, enforce};
use partial::Partial;
use transport::Transport;

/// Run the tutorial's GraphQL queries, in-process or against a server.
///
/// By default a query runs in-process over `--db`, as admin (whoever holds the database file
/// holds every row); `--as REF` runs it as that user under policies.toml. With `--endpoint URL`
/// (or `QUIDDITCH_ENDPOINT`) it is sent to a server, the tutorial's or `quidditch serve`, with
/// the same request body. Values always travel as GraphQL variables.
///
/// An answer with `data` and `errors` is a partial success: the rows are printed (a field the
/// server withheld is `-` in a table, `null` in JSON), then one warning per distinct message on
/// stderr, and the exit code is 0. Only an answer without usable data is an error.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  quidditch query get-game 8\n  quidditch query get-player 'Harry Potter' --format json\n  quidditch query players --first 3 --endpoint http://127.0.0.1:5000/graphql"
)]
pub struct QueryArgs {
    /// A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql).
    #[arg(long, global = true, env = "QUIDDITCH_ENDPOINT", value_name = "URL")]
    pub endpoint: Option<String>,

    /// Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under
    /// policies.toml. In-process: directly. Over HTTP: with a token minted with
    /// `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`.
    /// Without it, in-process queries run as admin (the database holder sees every row).
    #[arg(
        long = "as",
        global = true,
        value_name = "REF",
        conflicts_with = "token"
    )]
    pub as_user: Option<String>,

    /// Send this access token (`quidditch authz token` mints one); HTTP only.
    #[arg(
        long,
        global = true,
        env = "QUIDDITCH_TOKEN",
        hide_env_values = true,
        value_name = "JWT",
        requires = "endpoint"
    )]
    pub token: Option<String>,

    #[command(flatten)]
    pub policy: super::authz::PolicyArgs,

    #[command(subcommand)]
    pub command: QueryCommand,
}

#[derive(Debug, Subcommand)]
pub enum QueryCommand {
    /// A game, its teams, and the game its winner advances to (`getGame`).
    #[command(after_help = "Example:\n  quidditch query get-game 8")]
    GetGame {
        /// The game's id.
        #[arg(allow_negative_numbers = true)]
        id: i64,
    },
    /// A player by exact name, with position and team (`getPlayer`).
    #[command(after_help = "Example:\n  quidditch query get-player 'Harry Potter'")]
    GetPlayer {
        /// The player's full name.
        name: String,
    },
    /// Every game a team won or lost (`getTeamGames`).
    #[command(
        after_help = "Examples:\n  quidditch query team-games 1\n  quidditch query team-games Gryffindor"
    )]
    TeamGames {
        /// The team's id, or its exact name.
        team: String,
    },
    /// Every player of a position (`getPosition`).
    #[command(after_help = "Example:\n  quidditch query position Seeker")]
    Position {
        /// Seeker, Keeper, Beater, Chaser or Captain.
        position: String,
    },
    /// A page of players with their team (`allPlayers`).
    #[command(
        after_help = "Examples:\n  quidditch query players --first 3\n  quidditch query players --first 3 --after YXJyYXljb25uZWN0aW9uOjI="
    )]
    Players(PageFlags),
    /// A page of teams (`allTeams`).
    #[command(after_help = "Example:\n  quidditch query teams --first 2")]
    Teams(PageFlags),
    /// A page of games (`allGames`).
    #[command(after_help = "Example:\n  quidditch query games --first 5")]
    Games(PageFlags),
    /// Any object by its relay global id (`node`).
    #[command(after_help = "Example:\n  quidditch query node R2FtZU9iamVjdDo4")]
    Node {
        /// A global id: base64 of `TypeName:id`.
        id: String,
    },
    /// Any GraphQL document; prints the JSON response.
    #[command(
        after_help = "Examples:\n  quidditch query raw query.graphql --var id=8\n  echo '{ getGame(id: 8) { level } }' | quidditch query raw -\n  quidditch query raw q.graphql --vars '{\"name\": \"Harry Potter\"}'"
    )]
    Raw(RawArgs),
}

/// Relay paging flags.
#[derive(Debug, Args)]
pub struct PageFlags {
    /// At most this many rows.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub first: Option<i64>,
    /// Start after this cursor (an `endCursor` of an earlier page).
    #[arg(long, value_name = "CURSOR")]
    pub after: Option<String>,
}

#[derive(Debug, Args)]
pub struct RawArgs {
    /// The file holding the document, or `-` for stdin.
    pub file: PathBuf,
    /// A variable, `key=value`; the value is read as JSON when it parses, else as a string.
    #[arg(long = "var", value_name = "KEY=VALUE")]
    pub vars: Vec<String>,
    /// All variables as one JSON object (`--var` entries are added to it).
    #[arg(long = "vars", value_name = "JSON")]
    pub vars_json: Option<String>,
    /// The operation to run when the document holds several.
    #[arg(long, value_name = "NAME")]
    pub operation_name: Option<String>,
    /// Print the number of SQL statements the request ran on stderr (in-process only).
    #[arg(long, conflicts_with = "endpoint")]
    pub sql_stats: bool,
}

/// The credential headers an HTTP query sends: a token (given, or minted for `--as` with
/// `QUIDDITCH_JWT_SECRET`), impersonation with the admin secret, the admin secret alone, or
/// nothing (anonymous).
fn credentials(
    args: &QueryArgs,
    global: &GlobalArgs,
) -> anyhow::Result<Vec<(&'static str, String)>> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let Some(token) = &args.token {
        return Ok(vec![("authorization", format!("Bearer {token}"))]);
    }
    let admin = env("QUIDDITCH_ADMIN_SECRET");
    let Some(user) = &args.as_user else {
        return Ok(admin
            .map(|secret| vec![("x-quidditch-admin-secret", secret)])
            .unwrap_or_default());
    };
    if user == "anonymous" {
        return Ok(Vec::new());
    }
    if let Some(secret) = env("QUIDDITCH_JWT_SECRET") {
        let store = Store::open(&global.db).map_err(|err| super::db_error(err, &global.db))?;
        let grant = store
            .lend(|conn| {
                let set = args.policy.load_checked(conn)?;
                anyhow::Ok(access::token_grant(conn, &set, user)?)
            })
            .map_err(|err| super::db_error(err, &global.db))??;
        let Some((sub, scopes)) = grant else {
            return Ok(Vec::new());
        };
        let (token, _) = crate::identity::mint_hs256(
            secret.as_bytes(),
            &sub,
            &scopes,
            std::time::Duration::from_secs(300),
            env("QUIDDITCH_JWT_ISSUER").as_deref(),
            env("QUIDDITCH_JWT_AUDIENCE").as_deref(),
        )?;
        return Ok(vec![("authorization", format!("Bearer {token}"))]);
    }
    match admin {
        Some(secret) => Ok(vec![
            ("x-quidditch-admin-secret", secret),
            ("x-quidditch-user", user.clone()),
        ]),
        None => bail!(
            "`--as {user}` over HTTP needs QUIDDITCH_JWT_SECRET (to mint a token) or QUIDDITCH_ADMIN_SECRET (to impersonate), or pass `--token`"
        ),
    }
}

pub fn run(args: &QueryArgs, global: &GlobalArgs) -> anyhow::Result<Exit> {
    let (transport, store) = if let Some(endpoint) = &args.endpoint {
        (Transport::http(endpoint, credentials(args, global)?)?, None)
    } else {
        let store = Store::open(&global.db).map_err(|err| super::db_error(err, &global.db))?;
        let viewer = match &args.as_user {
            None => Viewer::admin(),
            Some(user) => store
                .lend(|conn| {
                    let set = args.policy.load_checked(conn)?;
                    let subject = access::resolve_subject(conn, &set, user)?;
                    anyhow::Ok(enforce::viewer(conn, &set, &subject)?)
                })
                .map_err(|err| super::db_error(err, &global.db))??,
        };
        (
            Transport::embedded(Api::new(store.clone()), viewer),
            Some(store),
        )
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    runtime.block_on(run_command(
        &args.command,
        &transport,
        store.as_ref(),
        global,
    ))
}

#[expect(
    clippy::too_many_lines,
    reason = "one short arm per subcommand: a typed request and its table"
)]
async fn run_command(
    command: &QueryCommand,
    transport: &Transport,
    store: Option<&Store>,
    global: &GlobalArgs,
) -> anyhow::Result<Exit> {
    let format = global.format;
    match command {
        QueryCommand::GetGame { id } => {
            let (data, errors) = transport
                .run_partial::<ops::GetGame>(ops::get_game::Variables { id: Some(*id) })
                .await?;
            let partial = Partial::new(errors);
            let game =
                partial.require(data.get_game.as_ref(), || format!("no game with id {id}"))?;
            let mut table = output::table(["game", "level", "winner", "loser", "child game"]);
            let (winner, loser) = if format == output::Format::Human {
                team_names(transport, game.winner_id, game.loser_id).await?
            } else {
                (String::new(), String::new())
            };
            table.add_row([
                game.id_number(),
                game.level.clone(),
                format!("{winner} ({})", game.winner_id),
                format!("{loser} ({})", game.loser_id),
                child_cell(game.child_id, &partial, "getGame.childId"),
            ]);
            if let Some(child) = &game.child {
                let (winner, loser) = if format == output::Format::Human {
                    team_names(transport, child.winner_id, child.loser_id).await?
                } else {
                    (String::new(), String::new())
                };
                table.add_row([
                    format!("{} (child)", number(&child.id)),
                    child.level.clone(),
                    format!("{winner} ({})", child.winner_id),
                    format!("{loser} ({})", child.loser_id),
                    child_cell(child.child_id, &partial, "getGame.child.childId"),
                ]);
            }
            emit(&Shown::new(&data, table), format)?;
            partial.warn();
        }
        QueryCommand::GetPlayer { name } => {
            let (data, errors) = transport
                .run_partial::<ops::GetPlayer>(ops::get_player::Variables {
                    name: Some(name.clone()),
                })
                .await?;
            let partial = Partial::new(errors);
            let player = partial.require(data.get_player.as_ref(), || {
                format!("no player named `{name}`")
            })?;
            let mut table = output::table(["player", "name", "position", "year", "team", "rank"]);
            let (team, rank) = player.team_name.as_ref().map_or_else(
                || (WITHHELD.to_string(), WITHHELD.to_string()),
                |t| {
                    (
                        text_cell(t.name.as_deref(), &partial, "getPlayer.teamName.name"),
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
            emit(&Shown::new(&data, table), format)?;
            partial.warn();
        }
        QueryCommand::TeamGames { team } => {
            let team_id = resolve_team(transport, team).await?;
            let (data, errors) = transport
                .run_partial::<ops::TeamGames>(ops::team_games::Variables {
                    team: Some(team_id),
                })
                .await?;
            let partial = Partial::new(errors);
            let games = partial.require(data.get_team_games.as_ref(), || {
                format!("the server returned no games for team {team_id}")
            })?;
            let names = if format == output::Format::Human {
                team_directory(
                    transport,
                    games
                        .iter()
                        .flatten()
                        .flat_map(|g| [g.winner_id, g.loser_id]),
                )
                .await?
            } else {
                HashMap::new()
            };
            let mut table = output::table(["game", "level", "winner", "loser", "child game"]);
            for (i, game) in games.iter().enumerate() {
                let Some(game) = game else { continue };
                table.add_row([
                    number(&game.id),
                    game.level.clone(),
                    team_label(&names, game.winner_id),
                    team_label(&names, game.loser_id),
                    child_cell(
                        game.child_id,
                        &partial,
                        &format!("getTeamGames.{i}.childId"),
                    ),
                ]);
            }
            emit(&Shown::new(&data, table), format)?;
            partial.warn();
        }
        QueryCommand::Position { position } => {
            let (data, errors) = transport
                .run_partial::<ops::Position>(ops::position::Variables {
                    position: Some(position.clone()),
                })
                .await?;
            let partial = Partial::new(errors);
            let players = partial.require(data.get_position.as_ref(), || {
                format!("the server returned no players for position `{position}`")
            })?;
            if players.iter().flatten().next().is_none() && !POSITIONS.contains(&position.as_str())
            {
                bail!("{}", unknown_position(position));
            }
            let mut table = output::table(["player", "name", "year", "team"]);
            for (i, player) in players.iter().enumerate() {
                let Some(player) = player else { continue };
                table.add_row([
                    number(&player.id),
                    player.name.clone(),
                    year_cell(player.year),
                    team_cell(
                        player.team_name.as_ref().and_then(|t| t.name.as_deref()),
                        &partial,
                        &format!("getPosition.{i}.teamName"),
                    ),
                ]);
            }
            emit(&Shown::new(&data, table), format)?;
            partial.warn();
        }
        QueryCommand::Players(page) => {
            let (data, errors) = transport
                .run_partial::<ops::Players>(ops::players::Variables {
                    first: page.first,
                    after: page.after.clone(),
                })
                .await?;
            let partial = Partial::new(errors);
            let connection = partial.require(data.all_players.as_ref(), || {
                "the server returned no players connection".into()
            })?;
            let mut table = output::table(["player", "name", "position", "year", "team", "cursor"]);
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
                        &partial,
                        &format!("allPlayers.edges.{i}.node.teamName"),
                    ),
                    edge.cursor.clone(),
                ]);
            }
            let info = &connection.page_info;
            let next = more(info.has_next_page, info.end_cursor.as_deref());
            emit(&Shown::new(&data, table).footer(next), format)?;
            partial.warn();
        }
        QueryCommand::Teams(page) => {
            let (data, errors) = transport
                .run_partial::<ops::Teams>(ops::teams::Variables {
                    first: page.first,
                    after: page.after.clone(),
                })
                .await?;
            let partial = Partial::new(errors);
            let connection = partial.require(data.all_teams.as_ref(), || {
                "the server returned no teams connection".into()
            })?;
            let mut table = output::table(["team", "name", "rank", "cursor"]);
            for (i, edge) in connection.edges.iter().enumerate() {
                let Some(edge) = edge else { continue };
                let Some(t) = &edge.node else { continue };
                table.add_row([
                    number(&t.id),
                    text_cell(
                        t.name.as_deref(),
                        &partial,
                        &format!("allTeams.edges.{i}.node.name"),
                    ),
                    t.rank.to_string(),
                    edge.cursor.clone(),
                ]);
            }
            let info = &connection.page_info;
            let next = more(info.has_next_page, info.end_cursor.as_deref());
            emit(&Shown::new(&data, table).footer(next), format)?;
            partial.warn();
        }
        QueryCommand::Games(page) => {
            let (data, errors) = transport
                .run_partial::<ops::Games>(ops::games::Variables {
                    first: page.first,
                    after: page.after.clone(),
                })
                .await?;
            let partial = Partial::new(errors);
            let connection = partial.require(data.all_games.as_ref(), || {
                "the server returned no games connection".into()
            })?;
            let names = if format == output::Format::Human {
                let nodes = connection
                    .edges
                    .iter()
                    .flatten()
                    .filter_map(|e| e.node.as_ref());
                team_directory(transport, nodes.flat_map(|g| [g.winner_id, g.loser_id])).await?
            } else {
                HashMap::new()
            };
            let mut table =
                output::table(["game", "level", "winner", "loser", "child game", "cursor"]);
            for (i, edge) in connection.edges.iter().enumerate() {
                let Some(edge) = edge else { continue };
                let Some(g) = &edge.node else { continue };
                table.add_row([
                    number(&g.id),
                    g.level.clone(),
                    team_label(&names, g.winner_id),
                    team_label(&names, g.loser_id),
                    child_cell(
                        g.child_id,
                        &partial,
                        &format!("allGames.edges.{i}.node.childId"),
                    ),
                    edge.cursor.clone(),
                ]);
            }
            let info = &connection.page_info;
            let next = more(info.has_next_page, info.end_cursor.as_deref());
            emit(&Shown::new(&data, table).footer(next), format)?;
            partial.warn();
        }
        QueryCommand::Node { id } => {
            let (data, errors) = transport
                .run_partial::<ops::Node>(ops::node::Variables { id: id.clone() })
                .await?;
            let partial = Partial::new(errors);
            let node = partial.require(data.node.as_ref(), || {
                format!("nothing has global id `{id}`")
            })?;
            let mut table = output::table(["field", "value"]);
            table.add_row(["type".to_string(), node_type(&node.on).to_string()]);
            table.add_row(["id".to_string(), number(&node.id)]);
            for (field, value) in node_fields(&node.on, &partial) {
                table.add_row([field.to_string(), value]);
            }
            emit(&Shown::new(&data, table), format)?;
            partial.warn();
        }
        QueryCommand::Raw(raw) => return run_raw(raw, transport, store).await,
    }
    Ok(Exit::Success)
}

async fn run_raw(
    raw: &RawArgs,
    transport: &Transport,
    store: Option<&Store>,
) -> anyhow::Result<Exit> {
    let document = if raw.file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("failed to read the document from stdin")?;
        text
    } else {
        std::fs::read_to_string(&raw.file)
            .with_context(|| format!("failed to read document `{}`", raw.file.display()))?
    };
    let variables = parse_variables(raw.vars_json.as_deref(), &raw.vars)?;
    let mut body = serde_json::json!({ "query": document, "variables": variables });
    if let Some(name) = &raw.operation_name {
        body["operationName"] = Value::String(name.clone());
    }
    let before = store.map(Store::statements);
    let response = transport.send(&body).await?;
    if raw.sql_stats
        && let (Some(store), Some(before)) = (store, before)
    {
        eprintln!("sql statements: {}", store.statements() - before);
    }
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &response)?;
    std::io::Write::write_all(&mut out, b"\n")?;
    let failed = response
        .get("errors")
        .and_then(Value::as_array)
        .is_some_and(|e| !e.is_empty());
    Ok(if failed { Exit::Failure } else { Exit::Success })
}

/// `--vars JSON` and every `--var key=value`, as one JSON object.
fn parse_variables(json: Option<&str>, pairs: &[String]) -> anyhow::Result<Value> {
    let mut vars: BTreeMap<String, Value> = match json {
        Some(text) => serde_json::from_str(text)
            .with_context(|| format!("`--vars` is not a JSON object: `{text}`"))?,
        None => BTreeMap::new(),
    };
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            bail!("`--var {pair}` is not of the form `key=value`");
        };
        let value =
            serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
        vars.insert(key.to_string(), value);
    }
    Ok(serde_json::to_value(vars)?)
}

/// A team's id from `TEAM`: an id as is, a name looked up page by page through `allTeams`
/// (the tutorial's schema has no team-by-name field, and `--endpoint` may be its server).
async fn resolve_team(transport: &Transport, team: &str) -> anyhow::Result<i64> {
    if let Ok(id) = team.parse::<i64>() {
        return Ok(id);
    }
    let mut after = None;
    let mut names = Vec::new();
    loop {
        let data = transport
            .run::<ops::Teams>(ops::teams::Variables {
                first: Some(500),
                after: after.clone(),
            })
            .await?;
        let Some(connection) = data.all_teams else {
            break;
        };
        for node in connection
            .edges
            .iter()
            .flatten()
            .filter_map(|e| e.node.as_ref())
        {
            let name = node.name.clone().unwrap_or_default();
            if name == team {
                return relay::parse_global_id(&node.id)
                    .map(|(_, id)| id)
                    .with_context(|| format!("team `{team}` has a malformed id `{}`", node.id));
            }
            names.push(name);
        }
        if !connection.page_info.has_next_page || connection.page_info.end_cursor.is_none() {
            break;
        }
        after = connection.page_info.end_cursor;
    }
    match crate::diag::closest(team, names.iter().map(String::as_str)) {
        Some(name) => bail!("no team named `{team}`: did you mean `{name}`?"),
        None => bail!("no team named `{team}`"),
    }
}

/// The names of the teams `ids`, for tables, in one request: `node` for each global id, as
/// aliases with variables (the tutorial's schema has no teams-by-ids field). A team missing or
/// withheld is left out (and shows as `?`).
async fn team_directory(
    transport: &Transport,
    ids: impl IntoIterator<Item = i64>,
) -> anyhow::Result<HashMap<i64, String>> {
    let ids: BTreeSet<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut params = Vec::new();
    let mut fields = Vec::new();
    let mut variables = serde_json::Map::new();
    for (i, id) in ids.iter().enumerate() {
        params.push(format!("$t{i}: ID!"));
        fields.push(format!(
            "t{i}: node(id: $t{i}) {{ ... on TeamObject {{ name }} }}"
        ));
        variables.insert(
            format!("t{i}"),
            Value::String(relay::global_id("TeamObject", *id)),
        );
    }
    let query = format!(
        "query TeamDirectory({}) {{ {} }}",
        params.join(", "),
        fields.join(" ")
    );
    let body = serde_json::json!({ "query": query, "variables": variables });
    let response = transport.send(&body).await?;
    Ok(ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| {
            let name = response["data"][format!("t{i}")]["name"].as_str()?;
            Some((*id, name.to_string()))
        })
        .collect())
}

/// A team as tables show it everywhere: `Hufflepuff (4)`.
fn team_label(names: &HashMap<i64, String>, id: i64) -> String {
    format!("{} ({id})", names.get(&id).map_or("?", String::as_str))
}

/// The names of two teams, by id, for people; a missing or withheld team shows as `?` (the
/// game's own answer carries the ids, and its warnings).
async fn team_names(
    transport: &Transport,
    winner: i64,
    loser: i64,
) -> anyhow::Result<(String, String)> {
    use ops::team_names::{TeamNamesLoser, TeamNamesWinner};
    let (data, _withheld) = transport
        .run_partial::<ops::TeamNames>(ops::team_names::Variables {
            winner: relay::global_id("TeamObject", winner),
            loser: relay::global_id("TeamObject", loser),
        })
        .await?;
    let winner = match data.winner {
        Some(TeamNamesWinner::TeamObject(t)) => t.name.unwrap_or_default(),
        _ => "?".into(),
    };
    let loser = match data.loser {
        Some(TeamNamesLoser::TeamObject(t)) => t.name.unwrap_or_default(),
        _ => "?".into(),
    };
    Ok((winner, loser))
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

/// The positions of the tutorial's data (positions are free text in the database).
const POSITIONS: [&str; 5] = ["Seeker", "Keeper", "Beater", "Chaser", "Captain"];

/// Why `position NAME` found nobody, when NAME is not one of [`POSITIONS`].
fn unknown_position(position: &str) -> String {
    let list = POSITIONS.join(", ");
    match crate::diag::closest(position, POSITIONS) {
        Some(p) => {
            format!(
                "no player plays position `{position}`: did you mean `{p}`? (positions: {list})"
            )
        }
        None => format!("no player plays position `{position}` (positions: {list})"),
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

impl ops::get_game::GetGameGetGame {
    fn id_number(&self) -> String {
        number(&self.id)
    }
}

/// GraphQL `data` for `--format json`, a table for people.
struct Shown<'a, T> {
    data: &'a T,
    table: comfy_table::Table,
    footer: Option<String>,
}

impl<'a, T: Serialize> Shown<'a, T> {
    fn new(data: &'a T, table: comfy_table::Table) -> Self {
        Shown {
            data,
            table,
            footer: None,
        }
    }

    fn footer(mut self, footer: Option<String>) -> Self {
        self.footer = footer;
        self
    }
}

impl<T: Serialize> Serialize for Shown<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.data.serialize(serializer)
    }
}

impl<T> fmt::Display for Shown<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.table)?;
        if let Some(footer) = &self.footer {
            writeln!(f, "{footer}")?;
        }
        Ok(())
    }
}
