//! `quidditch query …`: the tutorial's queries as typed GraphQL operations, sent to a server
//! (`--endpoint`) or run in-process over `--db`. Values always travel as GraphQL variables.

mod answer;
mod ops;
mod partial;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read as _;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use graphql_client::GraphQLQuery;
use serde_json::Value;

use crate::access::Bridge;
use crate::cli::{AdminSecretArgs, GlobalArgs, JwtArgs};
use crate::client::Transport;
use crate::db::store::Store;
use crate::enforce;
use crate::exit::Exit;
use crate::graphql::{Api, Viewer, relay};
use crate::output;
use answer::Answer;

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

    #[command(flatten)]
    pub admin: AdminSecretArgs,

    #[command(flatten)]
    pub jwt: JwtArgs,

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
    if let Some(token) = &args.token {
        return Ok(vec![("authorization", format!("Bearer {token}"))]);
    }
    let admin = args.admin.secret().map(str::to_string);
    let Some(user) = &args.as_user else {
        return Ok(admin
            .map(|secret| vec![("x-quidditch-admin-secret", secret)])
            .unwrap_or_default());
    };
    if user == "anonymous" {
        return Ok(Vec::new());
    }
    if let Some(secret) = args.jwt.secret() {
        let store = global.open_store(EMBEDDED_POOL, None)?;
        let grant = global.lend(&store, |conn| {
            let set = args.policy.load_checked(conn)?;
            Ok(Bridge::new(conn, &set).token_grant(user)?)
        })?;
        let Some((sub, scopes)) = grant else {
            return Ok(Vec::new());
        };
        let (token, _) = crate::identity::mint_hs256(
            secret.as_bytes(),
            &sub,
            &scopes,
            std::time::Duration::from_secs(300),
            args.jwt.issuer(),
            args.jwt.audience(),
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

/// Connections the embedded API may open on PostgreSQL: one command's reads, a few at once.
const EMBEDDED_POOL: usize = 4;

pub fn run(args: &QueryArgs, global: &GlobalArgs) -> anyhow::Result<Exit> {
    let (transport, store) = if let Some(endpoint) = &args.endpoint {
        (Transport::http(endpoint, credentials(args, global)?)?, None)
    } else {
        let store = global.open_store(EMBEDDED_POOL, None)?;
        let viewer = match &args.as_user {
            None => Viewer::admin(),
            Some(user) => global.lend(&store, |conn| {
                let set = args.policy.load_checked(conn)?;
                let bridge = Bridge::new(conn, &set);
                // Asked as the server would: now, with no address and no token.
                let subject = bridge
                    .resolve_subject(user)?
                    .with_context(enforce::request_context(&set, None, None));
                Ok(enforce::viewer(&bridge, &subject)?)
            })?,
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

/// Fetch, then render: each subcommand fetches its typed answer (and, for a table, the names
/// of the teams in it), and the answer prints itself (`answer.rs`).
async fn run_command(
    command: &QueryCommand,
    transport: &Transport,
    store: Option<&Store>,
    global: &GlobalArgs,
) -> anyhow::Result<Exit> {
    let format = global.format;
    let human = format == output::Format::Human;
    match command {
        QueryCommand::GetGame { id } => get_game(transport, *id, human).await?.emit(format)?,
        QueryCommand::GetPlayer { name } => get_player(transport, name).await?.emit(format)?,
        QueryCommand::TeamGames { team } => {
            team_games(transport, team, human).await?.emit(format)?;
        }
        QueryCommand::Position { position } => {
            players_of(transport, position).await?.emit(format)?;
        }
        QueryCommand::Players(page) => players(transport, page).await?.emit(format)?,
        QueryCommand::Teams(page) => teams(transport, page).await?.emit(format)?,
        QueryCommand::Games(page) => games(transport, page, human).await?.emit(format)?,
        QueryCommand::Node { id } => node(transport, id).await?.emit(format)?,
        QueryCommand::Raw(raw) => return run_raw(raw, transport, store).await,
    }
    Ok(Exit::Success)
}

/// Runs typed operation `Q`: its data, with the errors of a partial answer kept for the table.
async fn fetch<Q: GraphQLQuery>(
    transport: &Transport,
    variables: Q::Variables,
) -> anyhow::Result<Answer<Q::ResponseData>> {
    let (data, errors) = transport.run_partial::<Q>(variables).await?;
    Ok(Answer::new(data, errors))
}

/// `get-game ID`; for people, the names of its teams and its child's.
async fn get_game(
    transport: &Transport,
    id: i64,
    human: bool,
) -> anyhow::Result<Answer<ops::get_game::ResponseData>> {
    let mut answer =
        fetch::<ops::GetGame>(transport, ops::get_game::Variables { id: Some(id) }).await?;
    let game = answer.partial.require(answer.data.get_game.as_ref(), || {
        format!("no game with id {id}")
    })?;
    if human {
        let mut pairs = vec![(game.winner_id, game.loser_id)];
        if let Some(child) = &game.child {
            pairs.push((child.winner_id, child.loser_id));
        }
        for (winner, loser) in pairs {
            team_names(transport, winner, loser, &mut answer.teams).await?;
        }
    }
    Ok(answer)
}

/// `get-player NAME`.
async fn get_player(
    transport: &Transport,
    name: &str,
) -> anyhow::Result<Answer<ops::get_player::ResponseData>> {
    let answer = fetch::<ops::GetPlayer>(
        transport,
        ops::get_player::Variables {
            name: Some(name.to_string()),
        },
    )
    .await?;
    answer
        .partial
        .require(answer.data.get_player.as_ref(), || {
            format!("no player named `{name}`")
        })?;
    Ok(answer)
}

/// `team-games TEAM`; for people, the names of the teams in them.
async fn team_games(
    transport: &Transport,
    team: &str,
    human: bool,
) -> anyhow::Result<Answer<ops::team_games::ResponseData>> {
    let team_id = resolve_team(transport, team).await?;
    let mut answer = fetch::<ops::TeamGames>(
        transport,
        ops::team_games::Variables {
            team: Some(team_id),
        },
    )
    .await?;
    let games = answer
        .partial
        .require(answer.data.get_team_games.as_ref(), || {
            format!("the server returned no games for team {team_id}")
        })?;
    if human {
        let ids: Vec<i64> = games
            .iter()
            .flatten()
            .flat_map(|g| [g.winner_id, g.loser_id])
            .collect();
        answer.teams = team_directory(transport, ids).await?;
    }
    Ok(answer)
}

/// `position NAME`: an unknown position that nobody plays is an error.
async fn players_of(
    transport: &Transport,
    position: &str,
) -> anyhow::Result<Answer<ops::position::ResponseData>> {
    let answer = fetch::<ops::Position>(
        transport,
        ops::position::Variables {
            position: Some(position.to_string()),
        },
    )
    .await?;
    let players = answer
        .partial
        .require(answer.data.get_position.as_ref(), || {
            format!("the server returned no players for position `{position}`")
        })?;
    if players.iter().flatten().next().is_none() && !POSITIONS.contains(&position) {
        bail!("{}", unknown_position(position));
    }
    Ok(answer)
}

/// `players`: a page.
async fn players(
    transport: &Transport,
    page: &PageFlags,
) -> anyhow::Result<Answer<ops::players::ResponseData>> {
    let answer = fetch::<ops::Players>(
        transport,
        ops::players::Variables {
            first: page.first,
            after: page.after.clone(),
        },
    )
    .await?;
    answer
        .partial
        .require(answer.data.all_players.as_ref(), || {
            "the server returned no players connection".into()
        })?;
    Ok(answer)
}

/// `teams`: a page.
async fn teams(
    transport: &Transport,
    page: &PageFlags,
) -> anyhow::Result<Answer<ops::teams::ResponseData>> {
    let answer = fetch::<ops::Teams>(
        transport,
        ops::teams::Variables {
            first: page.first,
            after: page.after.clone(),
        },
    )
    .await?;
    answer.partial.require(answer.data.all_teams.as_ref(), || {
        "the server returned no teams connection".into()
    })?;
    Ok(answer)
}

/// `games`: a page; for people, the names of the teams in it.
async fn games(
    transport: &Transport,
    page: &PageFlags,
    human: bool,
) -> anyhow::Result<Answer<ops::games::ResponseData>> {
    let mut answer = fetch::<ops::Games>(
        transport,
        ops::games::Variables {
            first: page.first,
            after: page.after.clone(),
        },
    )
    .await?;
    let connection = answer.partial.require(answer.data.all_games.as_ref(), || {
        "the server returned no games connection".into()
    })?;
    if human {
        let ids: Vec<i64> = connection
            .edges
            .iter()
            .flatten()
            .filter_map(|e| e.node.as_ref())
            .flat_map(|g| [g.winner_id, g.loser_id])
            .collect();
        answer.teams = team_directory(transport, ids).await?;
    }
    Ok(answer)
}

/// `node ID`.
async fn node(transport: &Transport, id: &str) -> anyhow::Result<Answer<ops::node::ResponseData>> {
    let answer = fetch::<ops::Node>(transport, ops::node::Variables { id: id.to_string() }).await?;
    answer.partial.require(answer.data.node.as_ref(), || {
        format!("nothing has global id `{id}`")
    })?;
    Ok(answer)
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
    let failed = response
        .get("errors")
        .and_then(Value::as_array)
        .is_some_and(|e| !e.is_empty());
    let mut out = std::io::stdout().lock();
    let printed = serde_json::to_writer_pretty(&mut out, &response)
        .map_err(std::io::Error::from)
        .and_then(|()| std::io::Write::write_all(&mut out, b"\n"));
    super::outcome(printed, if failed { Exit::Failure } else { Exit::Success })
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

/// The names of two teams, by id, into `names`, for people; a missing or withheld team shows
/// as `?` (the game's own answer carries the ids, and its warnings).
async fn team_names(
    transport: &Transport,
    winner: i64,
    loser: i64,
    names: &mut HashMap<i64, String>,
) -> anyhow::Result<()> {
    use ops::team_names::{TeamNamesLoser, TeamNamesWinner};
    let (data, _withheld) = transport
        .run_partial::<ops::TeamNames>(ops::team_names::Variables {
            winner: relay::global_id("TeamObject", winner),
            loser: relay::global_id("TeamObject", loser),
        })
        .await?;
    let winner_name = match data.winner {
        Some(TeamNamesWinner::TeamObject(t)) => t.name.unwrap_or_default(),
        _ => "?".into(),
    };
    let loser_name = match data.loser {
        Some(TeamNamesLoser::TeamObject(t)) => t.name.unwrap_or_default(),
        _ => "?".into(),
    };
    names.insert(winner, winner_name);
    names.insert(loser, loser_name);
    Ok(())
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
