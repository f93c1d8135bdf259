//! `quidditch authz explain|check|test|lint`: load `policies.toml`, resolve users and resources
//! in the database through `access`, call the engine, render its `Response`.

use std::fmt;
use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};

pub mod log;

use crate::access::{self, Bridge, Db, Profile};
use crate::authz::{self, Decision, Located, Mode, PolicySet, Response, Value};
use crate::cli::GlobalArgs;
use crate::enforce::PolicySource;
use crate::exit::Exit;
use crate::output::emit;

pub mod context;
mod diff;
pub mod export;
pub mod whatif;

/// Explain, check, test and lint authorization decisions (policies.toml).
///
/// Every command reads `./policies.toml` unless `--policies PATH` or `QUIDDITCH_POLICIES` names
/// another file, and users and resources from `--db`. A user is a name (`"Harry Potter"`),
/// `player:1`, `staff:2` or `anonymous`; a resource is `team:ID`, `player:ID`, `game:ID` or
/// `forum:NAME`. A deny is an outcome, not an error: `authz check` exits 2, and `authz test`
/// exits 3 when a case fails.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  quidditch authz explain --user \"Harry Potter\" --action read --resource game:8
  quidditch authz explain --user \"Harry Potter\"
  echo '{ allPlayers { edges { node { name year } } } }' \\
    | quidditch authz explain --user \"Harry Potter\" --query -
  quidditch authz check --user player:5 --action read --resource game:8
  quidditch authz test
  quidditch authz lint --file policies.toml")]
pub struct AuthzArgs {
    #[command(subcommand)]
    pub command: AuthzCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuthzCommand {
    /// Show why a request is allowed or denied (without --resource: what a user may access; with
    /// --query: what a GraphQL operation returns to them).
    ///
    /// The trace lists the subject with its roles and the bindings that gave them, every policy
    /// (not applicable and why, or its condition as a tree with the values of every operand and
    /// the rows every relationship step visited), the combining step, the fields granted and by
    /// whom, the decision, and for a deny each allow policy that could have allowed, with the
    /// condition that was false. `--format json` gives the same content; `--json-schema` prints
    /// the JSON Schema of all three outputs (a decision, a profile, a query report), which share
    /// one `subject` object.
    ///
    /// With --query FILE, explains a whole GraphQL operation statically, as a server enforcing
    /// the policies would answer it: the query limits for the user and the operation's depth and
    /// complexity against them, the row filter of every field that reads rows (all rows, no
    /// rows, or the SQL `WHERE` with the user's values filled in) and its policies, and for
    /// every selected field its policy type and column and its outcome (`allowed`,
    /// `row-dependent` with the rows where it is readable, `null` or `error: MESSAGE`) with the
    /// policies granting it.
    #[command(
        after_help = "Examples:\n  quidditch authz explain --user \"Harry Potter\" --action read --resource game:8\n  quidditch authz explain --user anonymous --action read --resource player:1 \\\n    --field year\n  quidditch authz explain --user \"Harry Potter\"\n  echo '{ allPlayers { edges { node { name year } } } }' \\\n    | quidditch authz explain --user \"Harry Potter\" --query -\n  quidditch authz explain --json-schema > explain.schema.json\n  quidditch authz explain --user \"Harry Potter\" --action read \\\n    --resource game:8 --assume player:1.team_id=4"
    )]
    Explain(ExplainArgs),
    /// Print `allow` or `deny` and the deciding policies (exit 0 allow, 2 deny, 1 error).
    #[command(
        after_help = "Examples:\n  quidditch authz check --user \"Cho Chang\" --action read --resource game:8\n  quidditch authz check --user \"Harry Potter\" --action read --resource game:8 \\\n    --assume player:1.team_id=4\n  echo '{\"user\":\"anonymous\",\"action\":\"read\",\"resource\":\"team:1\"}' \\\n    | quidditch authz check --batch"
    )]
    Check(CheckArgs),
    /// Run the `[[test]]` cases of the policy file (or of --file); exit 3 when any fails.
    #[command(
        after_help = "Examples:\n  quidditch authz test\n  quidditch authz test --coverage\n  quidditch authz test --file tests.toml"
    )]
    Test(TestArgs),
    /// List every subject (anonymous, each player, each staff member) allowed an action on a
    /// resource, each with the policies that allow it.
    ///
    /// Computed in the other direction of the profile's reverse lookup: the policies with the
    /// resource fixed become one SQL filter over each subject table, not one check per subject.
    /// The admin secret is no subject and is not listed. With --explain, each subject's line
    /// says which condition path let it through (`winners-read-game via feeders* → game:6`).
    #[command(
        name = "who-can",
        after_help = "Examples:\n  quidditch authz who-can --action read --resource game:8\n  quidditch authz who-can --action read --resource game:8 --explain\n  quidditch authz who-can --action read --resource player:1 --field year --count\n  quidditch --format json authz who-can --action join --resource forum:Seeker\n  quidditch authz who-can --action read --resource game:8 --assume -game:6"
    )]
    WhoCan(WhoCanArgs),
    /// Every decision that differs between two policy files on the database: per subject, the
    /// resources (and fields) gained and lost, with the deciding policies on each side.
    ///
    /// NEW_POLICIES defaults to the policy file the other commands read. Computed in SQL: per
    /// subject, action and type, both files' row and field filters (the plans the server
    /// enforces) and the rows where they differ; where both compile to the same SQL nothing runs.
    /// A change that decides nothing differently (reordering policies, editing a description)
    /// shows no difference. With --exit-code, exit 2 when anything differs.
    #[command(
        after_help = "Examples:\n  quidditch authz diff old-policies.toml policies.toml\n  quidditch authz diff old-policies.toml --user \"Cho Chang\"\n  quidditch authz diff old-policies.toml --exit-code > /dev/null\n  quidditch --format json authz diff old-policies.toml new-policies.toml"
    )]
    Diff(diff::DiffArgs),
    /// Find unknown names, type mismatches and policies that can never apply; exit 1 if any.
    #[command(after_help = "Example:\n  quidditch authz lint --file policies.toml")]
    Lint(LintArgs),
    /// Mint an access token (HS256 JWT) for a user, with the scopes the policies grant them.
    ///
    /// The token's `sub` is `player:ID` or `staff:ID`, and its `scope` lists every scope of the
    /// policy file whose check allows the user, as the tutorial's Auth0 rule pushes `seeker_chat`
    /// into a Seeker's token. Signed with `QUIDDITCH_JWT_SECRET`; `quidditch serve` started with
    /// the same secret accepts it as `Authorization: Bearer <token>`.
    #[command(
        after_help = "Examples:\n  export QUIDDITCH_JWT_SECRET=$(head -c 32 /dev/urandom | base64)\n  quidditch authz token --user \"Harry Potter\" --ttl 1h\n  quidditch --format json authz token --user player:3"
    )]
    Token(TokenArgs),
    /// Print the shipped policies.toml (built into the binary), to start a policy file from.
    #[command(after_help = "Example:\n  quidditch authz init > policies.toml")]
    Init,
    /// Summarize a decision log (`serve --decision-log`): requests and denials by subject,
    /// withheld rows and fields by policy, withheld fields, refusals and limit rejections.
    #[command(
        after_help = "Examples:\n  quidditch authz log decisions.jsonl\n  quidditch authz log decisions.jsonl --user \"Harry Potter\" --denied\n  quidditch --format json authz log decisions.jsonl"
    )]
    Log(log::LogArgs),
    /// Export the policies and the database to OpenFGA or SpiceDB: a model whose permissions
    /// (one per action, on objects named as here: `game:8`, `player:1`, `forum:Seeker`) decide
    /// as `authz check` does, and the relationship tuples the rows imply, streamed.
    ///
    /// OpenFGA: `model.fga`, `model.json`, `tuples.yaml` and `tests.fga.yaml` (the `[[test]]`
    /// cases as assertions, for `fga model test`). SpiceDB: `schema.zed` and `validation.yaml`
    /// (schema, relationships, assertions). A policy that cannot be translated is an error
    /// listing each with its `policies.toml:LINE:COL`; `--partial` leaves them out and lists
    /// them in the files' headers. `--changes-since DIR` also writes the relationship writes
    /// and deletes from an earlier export to this one. Field-level grants, `read_fail` and
    /// query limits stay with the GraphQL layer.
    #[command(
        after_help = "Examples:\n  quidditch authz export --to openfga --out fga\n  quidditch authz export --to spicedb --out spicedb\n  quidditch --format json authz export --to openfga --out fga --partial\n  quidditch authz export --to spicedb --out spicedb-new --changes-since spicedb"
    )]
    Export(export::ExportArgs),
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// `"Harry Potter"`, `player:1` or `staff:2`.
    #[arg(long, value_name = "REF")]
    pub user: String,
    /// How long the token is valid: `90s`, `15m`, `1h`, `7d`.
    #[arg(long, default_value = "1h", value_parser = parse_ttl)]
    pub ttl: std::time::Duration,
    /// The HS256 signing secret.
    #[arg(
        long,
        env = "QUIDDITCH_JWT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub secret: Option<String>,
    /// The `iss` claim.
    #[arg(long, env = "QUIDDITCH_JWT_ISSUER", value_name = "ISS")]
    pub issuer: Option<String>,
    /// The `aud` claim.
    #[arg(long, env = "QUIDDITCH_JWT_AUDIENCE", value_name = "AUD")]
    pub audience: Option<String>,
}

fn parse_ttl(text: &str) -> Result<std::time::Duration, String> {
    crate::identity::parse_ttl(text)
}

/// Where the policies are read from.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// The policy file [default: ./policies.toml, else the built-in copy of the shipped one].
    #[arg(long, global = true, env = "QUIDDITCH_POLICIES", value_name = "PATH")]
    pub policies: Option<PathBuf>,
}

impl PolicyArgs {
    /// The policy file's name and text: the file named, `./policies.toml`, or the built-in one.
    pub fn source(&self) -> anyhow::Result<super::defaults::Source> {
        super::defaults::POLICY_FILE.read(self.policies.as_deref())
    }

    /// Reads and parses the policy file and checks it against the database behind `conn` (every
    /// table, column, column type and relationship mapping it names): the way every command that
    /// decides anything loads its policies, so a policy naming what the database lacks is
    /// refused with its `file:line:col` before any decision.
    pub fn load_checked<'a>(&self, db: impl Into<Db<'a>>) -> anyhow::Result<PolicySet> {
        Ok(self.load_checked_from(db)?.0)
    }

    /// [`Self::load_checked`], with the name and text the policies were parsed from (the
    /// server's health check locates a problem found later in them).
    pub fn load_checked_from<'a>(
        &self,
        db: impl Into<Db<'a>>,
    ) -> anyhow::Result<(PolicySet, PolicySource)> {
        let super::defaults::Source { origin, text, .. } = self.source()?;
        let origin = origin.display().to_string();
        let set = parse_checked(db, &origin, &text)?;
        Ok((set, PolicySource { origin, text }))
    }
}

/// Parses a policy file's text and checks it against the database behind `conn`; errors carry
/// `origin:LINE:COL`.
pub fn parse_checked<'a>(
    db: impl Into<Db<'a>>,
    origin: &str,
    text: &str,
) -> anyhow::Result<PolicySet> {
    // The database for no longer than the policies' own borrow.
    let db: Db<'_> = db.into();
    let set = authz::parse(origin, text).map_err(|err| anyhow::anyhow!("{err}"))?;
    let problems = Bridge::new(db, &set).check_schema()?;
    if problems.is_empty() {
        return Ok(set);
    }
    Err(anyhow::anyhow!(
        "{}",
        authz::PolicyError::located(origin, text, &problems)
    ))
}

/// Who asks to do what on which resource.
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// `"Harry Potter"`, `player:1`, `staff:2` or `anonymous`.
    #[arg(long, value_name = "REF", required_unless_present = "json_schema")]
    pub user: Option<String>,
    /// The action, such as `read` or `join`.
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// `TYPE:ID`, such as `game:8` or `forum:Seeker`.
    #[arg(long, value_name = "TYPE:ID", requires = "action")]
    pub resource: Option<String>,
    /// Ask about one field (column) of the resource.
    #[arg(long, value_name = "FIELD", requires = "resource")]
    pub field: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub request: RequestArgs,
    /// Explain a whole GraphQL operation read from FILE (`-`: stdin), without running it.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["action", "resource", "field"])]
    pub query: Option<PathBuf>,
    /// The operation of the --query document to explain (needed when it holds several).
    #[arg(long, value_name = "NAME", requires = "query")]
    pub operation: Option<String>,
    /// The operation's variables, a JSON object (they count in `first`/`last` complexity).
    #[arg(long, value_name = "JSON", requires = "query")]
    pub vars: Option<String>,
    /// Print the JSON Schema of `--format json`'s output (a decision, a profile or a query
    /// report) and exit.
    #[arg(long, conflicts_with_all = ["user", "action", "query"])]
    pub json_schema: bool,
    #[command(flatten)]
    pub assume: whatif::AssumeArgs,
    #[command(flatten)]
    pub context: context::ContextArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// `"Harry Potter"`, `player:1`, `staff:2` or `anonymous`.
    #[arg(long, value_name = "REF", required_unless_present = "batch")]
    pub user: Option<String>,
    /// The action, such as `read` or `join`.
    #[arg(long, value_name = "ACTION", required_unless_present = "batch")]
    pub action: Option<String>,
    /// `TYPE:ID`, such as `game:8`.
    #[arg(long, value_name = "TYPE:ID", required_unless_present = "batch")]
    pub resource: Option<String>,
    /// Ask about one field of the resource.
    #[arg(long, value_name = "FIELD")]
    pub field: Option<String>,
    /// Read JSON-lines requests (`{"user", "action", "resource", "field"?}`) on stdin and write
    /// one JSON line per request; exit 1 if any line could not be decided.
    #[arg(long, conflicts_with_all = ["user", "action", "resource", "field"])]
    pub batch: bool,
    #[command(flatten)]
    pub assume: whatif::AssumeArgs,
    #[command(flatten)]
    pub context: context::ContextArgs,
}

#[derive(Debug, Args)]
pub struct WhoCanArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The action, such as `read` or `join`.
    #[arg(long, value_name = "ACTION")]
    pub action: String,
    /// `TYPE:ID`, such as `game:8` or `forum:Seeker`.
    #[arg(long, value_name = "TYPE:ID")]
    pub resource: String,
    /// Ask about one field of the resource.
    #[arg(long, value_name = "FIELD")]
    pub field: Option<String>,
    /// Say, per subject and policy, which condition path allowed it.
    #[arg(long, conflicts_with = "count")]
    pub explain: bool,
    /// Print only how many subjects are allowed.
    #[arg(long)]
    pub count: bool,
    #[command(flatten)]
    pub assume: whatif::AssumeArgs,
    #[command(flatten)]
    pub context: context::ContextArgs,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// A file of `[[test]]` cases (default: the cases in the policy file).
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// After the tests, say which policies and condition branches (`_or` arms, relationship
    /// traversals) the cases made both true and false, and list the others with their
    /// `policies.toml:LINE:COL`.
    #[arg(long)]
    pub coverage: bool,
    /// Context every case is decided with; a case's own `context` takes precedence.
    #[command(flatten)]
    pub context: context::ContextArgs,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The policy file to lint (default: --policies).
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
}

pub fn run(args: &AuthzArgs, global: &GlobalArgs) -> anyhow::Result<Exit> {
    match &args.command {
        AuthzCommand::Explain(a) => explain(a, global),
        AuthzCommand::Check(a) => check(a, global),
        AuthzCommand::Test(a) => test(a, global),
        AuthzCommand::Lint(a) => lint(a, global),
        AuthzCommand::WhoCan(a) => who_can(a, global),
        AuthzCommand::Diff(a) => diff::run(a, global),
        AuthzCommand::Token(a) => token(a, global),
        AuthzCommand::Init => super::defaults::print(super::defaults::POLICIES),
        AuthzCommand::Log(a) => log::run(a, global),
        AuthzCommand::Export(a) => export::run(a, global),
    }
}

/// What `authz token` prints: the token alone for people (so `$(quidditch authz token …)`
/// works), the token with its claims as JSON.
#[derive(Debug, Serialize)]
struct TokenOutput {
    token: String,
    claims: crate::identity::Claims,
}

impl fmt::Display for TokenOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.token)
    }
}

fn token(args: &TokenArgs, global: &GlobalArgs) -> anyhow::Result<Exit> {
    let Some(secret) = args.secret.as_deref().filter(|s| !s.is_empty()) else {
        anyhow::bail!(
            "no signing secret: set `QUIDDITCH_JWT_SECRET` (the same one `quidditch serve` uses) or pass `--secret`"
        );
    };
    let conn = global.open_decider(false)?;
    let set = args.policy.load_checked(conn.db())?;
    let Some((sub, scopes)) = Bridge::new(conn.db(), &set).token_grant(&args.user)? else {
        anyhow::bail!(
            "`{}` needs no token: a request without credentials is anonymous",
            args.user
        );
    };
    let (token, claims) = crate::identity::mint_hs256(
        secret.as_bytes(),
        &sub,
        &scopes,
        args.ttl,
        args.issuer.as_deref(),
        args.audience.as_deref(),
    )?;
    emit(&TokenOutput { token, claims }, global.format)?;
    Ok(Exit::Success)
}

/// A policy file's text; one that is not UTF-8 is an error at its first bad byte.
fn read(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("failed to read policy file `{}`", path.display()))?;
    super::text(path, bytes)
}

fn explain(args: &ExplainArgs, global: &GlobalArgs) -> anyhow::Result<Exit> {
    if args.json_schema {
        let schema = schemars::schema_for!(ExplainOutput);
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &schema)?;
        std::io::Write::write_all(&mut out, b"\n")?;
        return Ok(Exit::Success);
    }
    let conn = args.assume.open(global)?;
    let set = args.policy.load_checked(conn.db())?;
    let bridge = Bridge::new(conn.db(), &set);
    let r = &args.request;
    let user = r.user.as_deref().context("--user is required")?;
    if let Some(path) = &args.query {
        // What-if through the shadowed tables: every read of the explanation sees them.
        args.assume.shadowed(&bridge)?;
        let out = explain_query(&bridge, args, path)?;
        emit(&out, global.format)?;
        return Ok(Exit::Success);
    }
    let (Some(action), Some(resource)) = (&r.action, &r.resource) else {
        let overlay = args.assume.shadowed(&bridge)?;
        let subject = bridge
            .resolve_subject_in(&overlay, user)?
            .with_context(args.context.context(&set)?);
        let mut profile = bridge.profile(&subject, r.action.as_deref())?;
        if let Some(id) = &subject.id
            && let Some(columns) = authz::Entities::assumed(&overlay, &subject.kind, id)
        {
            profile.subject.assumed = columns.iter().cloned().collect();
        }
        emit(&profile, global.format)?;
        return Ok(Exit::Success);
    };
    let overlay = args.assume.overlay(&bridge)?;
    let response = bridge.decide(
        &overlay,
        (user, action, resource, r.field.as_deref()),
        Mode::Explain,
        &args.context.context(&set)?,
    )?;
    emit(&response, global.format)?;
    Ok(Exit::Success)
}

/// What `authz explain --format json` prints, for `--json-schema`: one of three documents,
/// told apart by their keys (`decision`, `access` or `fields`); each has the same `subject`.
#[derive(schemars::JsonSchema)]
#[schemars(untagged, title = "quidditch authz explain --format json")]
#[allow(dead_code, reason = "only its schema is used")]
enum ExplainOutput {
    /// `--user U --action A --resource R [--field F]`: a decision and its trace.
    Decision(authz::Response),
    /// `--user U [--action A]`: what the subject may reach, and through which policies.
    Profile(access::Profile),
    /// `--user U --query FILE`: what a server would answer to the operation.
    Query(crate::explain_query::QueryExplanation),
}

/// `authz explain --query FILE`: the operation read, parsed and explained statically.
fn explain_query(
    bridge: &Bridge<'_>,
    args: &ExplainArgs,
    path: &Path,
) -> anyhow::Result<crate::explain_query::QueryExplanation> {
    let (origin, source) = if path == Path::new("-") {
        let mut source = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut source)
            .context("failed to read the query from stdin")?;
        ("<stdin>".to_string(), source)
    } else {
        let source = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read query file `{}`", path.display()))?;
        (path.display().to_string(), source)
    };
    // The parser recurses on brackets: the text is held to the ceilings before it is parsed
    // (the subject's own `max_document_bytes` is reported with the other limits).
    crate::limits::check_text(&source, &authz::QueryLimits::CEILING)
        .map_err(|err| anyhow::anyhow!("invalid query `{origin}`: {err}"))?;
    let doc = async_graphql::parser::parse_query(&source)
        .map_err(|err| anyhow::anyhow!("invalid query `{origin}`: {}", parse_error_line(&err)))?;
    let variables = match &args.vars {
        None => async_graphql::Variables::default(),
        Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value @ serde_json::Value::Object(_)) => async_graphql::Variables::from_json(value),
            Ok(_) => anyhow::bail!("`--vars` must be a JSON object"),
            Err(err) => anyhow::bail!("`--vars` is not valid JSON: {err}"),
        },
    };
    let user = args.request.user.as_deref().context("--user is required")?;
    let subject = bridge
        .resolve_subject(user)?
        .with_context(args.context.context(bridge.set())?);
    Ok(crate::explain_query::explain(
        bridge.dialect(),
        bridge.set(),
        bridge.entities(),
        &subject,
        &doc,
        crate::graphql::introspection_model(),
        source.len(),
        args.operation.as_deref(),
        &variables,
    )?)
}

/// A parse error on one line: `LINE:COL: reason`. The parser draws syntax errors over several
/// lines (` --> 1:17 … = expected name`); the reason is the `= …` line.
fn parse_error_line(err: &async_graphql::parser::Error) -> String {
    let reason = match err {
        async_graphql::parser::Error::Syntax { message, .. } => message
            .lines()
            .rev()
            .find_map(|line| line.trim().strip_prefix("= "))
            .map_or_else(
                || "syntax error".to_string(),
                |r| format!("syntax error: {r}"),
            ),
        other => other.to_string(),
    };
    match err.positions().next() {
        Some(pos) => format!("{}:{}: {reason}", pos.line, pos.column),
        None => reason,
    }
}

/// What `check` prints: the decision, the deciding policies and the readable fields.
#[derive(Debug, Serialize)]
struct CheckOutput {
    #[serde(skip_serializing_if = "authz::Context::is_empty")]
    context: authz::Context,
    decision: Decision,
    policies: Vec<String>,
    fields: Vec<String>,
    /// Kept for the JSON shape scripts rely on: always empty, since a request whose policies
    /// cannot be evaluated is an error (exit 1), never a decision.
    errors: Vec<String>,
    /// The combining step, worded by the human renderer (`authz explain` has it as data).
    #[serde(skip)]
    decided_by: authz::trace::Decided,
    /// What-if: the `--assume` changes the decision was made under; absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    assumed: Vec<String>,
}

impl From<&Response> for CheckOutput {
    fn from(r: &Response) -> Self {
        CheckOutput {
            context: r.context.clone(),
            decision: r.decision,
            policies: r.policies.clone(),
            fields: r.field_names(),
            errors: Vec::new(),
            decided_by: r.decided_by.clone(),
            assumed: Vec::new(),
        }
    }
}

impl fmt::Display for CheckOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.decision)?;
        if !self.policies.is_empty() {
            writeln!(f, "policies: {}", self.policies.join(", "))?;
        }
        if !self.fields.is_empty() {
            writeln!(f, "fields: {}", self.fields.join(", "))?;
        }
        writeln!(f, "reason: {}", self.decided_by)?;
        if !self.assumed.is_empty() {
            writeln!(f, "assuming: {}", self.assumed.join("; "))?;
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchRequest {
    user: String,
    action: String,
    resource: String,
    field: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum BatchLine {
    Decided(CheckOutput),
    Failed { error: String },
}

fn check(args: &CheckArgs, global: &GlobalArgs) -> anyhow::Result<Exit> {
    let conn = args.assume.open(global)?;
    let set = args.policy.load_checked(conn.db())?;
    let bridge = Bridge::new(conn.db(), &set);
    let overlay = args.assume.overlay(&bridge)?;
    let context = args.context.context(&set)?;
    if args.batch {
        return batch(&bridge, &overlay, &args.assume.exprs, &context);
    }
    let (Some(user), Some(action), Some(resource)) = (&args.user, &args.action, &args.resource)
    else {
        anyhow::bail!("`authz check` needs `--user`, `--action` and `--resource`, or `--batch`");
    };
    let response = bridge.decide(
        &overlay,
        (user, action, resource, args.field.as_deref()),
        Mode::Check,
        &context,
    )?;
    let out = CheckOutput {
        assumed: args.assume.exprs.clone(),
        ..CheckOutput::from(&response)
    };
    let exit = match out.decision {
        Decision::Allow => Exit::Success,
        Decision::Deny => Exit::Denied,
    };
    super::outcome(emit(&out, global.format), exit)
}

fn batch(
    bridge: &Bridge<'_>,
    entities: &dyn authz::Entities,
    assumed: &[String],
    context: &authz::Context,
) -> anyhow::Result<Exit> {
    let mut failed = false;
    // A line that failed is the outcome, also when stdout is closed before it is printed.
    let printed = batch_lines(bridge, entities, assumed, context, &mut failed);
    super::outcome(printed, if failed { Exit::Failure } else { Exit::Success })
}

/// The answer to each line of stdin, one JSON line each on stdout; `failed` once one fails.
fn batch_lines(
    bridge: &Bridge<'_>,
    entities: &dyn authz::Entities,
    assumed: &[String],
    context: &authz::Context,
    failed: &mut bool,
) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.context("failed to read stdin")?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = match serde_json::from_str::<BatchRequest>(&line) {
            Err(err) => BatchLine::Failed {
                error: format!("line {}: {err}", n + 1),
            },
            Ok(req) => match bridge.decide(
                entities,
                (&req.user, &req.action, &req.resource, req.field.as_deref()),
                Mode::Check,
                context,
            ) {
                Ok(r) => BatchLine::Decided(CheckOutput {
                    assumed: assumed.to_vec(),
                    ..CheckOutput::from(&r)
                }),
                Err(err) => BatchLine::Failed {
                    error: format!("line {}: {err}", n + 1),
                },
            },
        };
        *failed |= matches!(answer, BatchLine::Failed { .. });
        serde_json::to_writer(&mut out, &answer)?;
        writeln!(out)?;
    }
    Ok(out.flush()?)
}

fn test(args: &TestArgs, global: &GlobalArgs) -> anyhow::Result<Exit> {
    let conn = global.open_decider(false)?;
    // Read once: parsed here, and quoted by the cases' and the coverage's locations.
    let policies = args.policy.source()?;
    let policy_origin = policies.origin.display().to_string();
    let set = parse_checked(conn.db(), &policy_origin, &policies.text)?;
    let file;
    let (cases, origin, source) = match &args.file {
        None => (
            set.tests.clone(),
            policy_origin.as_str(),
            policies.text.as_str(),
        ),
        Some(path) => {
            file = (path.display().to_string(), read(path)?);
            let cases = authz::parse_tests(&file.0, &file.1, &set)
                .map_err(|err| anyhow::anyhow!("{err}"))?;
            (cases, file.0.as_str(), file.1.as_str())
        }
    };
    let given = args.context.context(&set)?;
    let cases: Vec<authz::policy::TestCase> = cases
        .into_iter()
        .map(|case| authz::policy::TestCase {
            context: given.merged(&case.context),
            ..case
        })
        .collect();
    let report = whatif::run_tests(&Bridge::new(conn.db(), &set), &cases, (origin, source))?;
    let coverage = if args.coverage {
        let traces: Vec<&Response> = report.traces.iter().collect();
        Some(CoverageOutput::new(
            &authz::coverage::coverage(&set, &traces),
            &policy_origin,
            &policies.text,
        ))
    } else {
        None
    };
    let exit = if report.failed > 0 {
        Exit::TestsFailed
    } else {
        Exit::Success
    };
    super::outcome(emit(&TestOutput { report, coverage }, global.format), exit)
}

/// What `test` prints: the report, and with `--coverage` what the cases exercised.
#[derive(Debug, Serialize)]
struct TestOutput {
    #[serde(flatten)]
    report: authz::test_file::TestReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<CoverageOutput>,
}

impl fmt::Display for TestOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.report)?;
        if let Some(c) = &self.coverage {
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// One policy or branch the cases did not both make true and make false.
#[derive(Debug, Serialize)]
struct Uncovered {
    location: String,
    policy: String,
    /// The branch (`_or` arm or traversal) as an expression tree (`kind`, operands); absent
    /// for a whole policy. Shown as text only by the human renderer.
    #[serde(skip_serializing_if = "Option::is_none")]
    branch: Option<authz::trace::Expr>,
    made_true: bool,
    /// `null` for an unconditional policy (nothing to make false).
    made_false: Option<bool>,
}

#[derive(Debug, Serialize)]
struct CoverageOutput {
    policies_covered: usize,
    policies: usize,
    branches_covered: usize,
    branches: usize,
    uncovered: Vec<Uncovered>,
}

impl CoverageOutput {
    fn new(c: &authz::coverage::Coverage, origin: &str, source: &str) -> Self {
        let index = crate::diag::LineIndex::new(source);
        let locate = |at: usize| {
            let l = authz::error::Problem {
                at,
                message: String::new(),
            }
            .locate(origin, &index);
            format!("{}:{}:{}", l.file, l.line, l.column)
        };
        let mut uncovered: Vec<(usize, Uncovered)> = Vec::new();
        for p in c.policies.iter().filter(|p| !p.covered()) {
            uncovered.push((
                p.at,
                Uncovered {
                    location: locate(p.at),
                    policy: p.policy.clone(),
                    branch: None,
                    made_true: p.made_true,
                    made_false: p.made_false,
                },
            ));
        }
        for b in c.branches.iter().filter(|b| !b.covered()) {
            uncovered.push((
                b.at,
                Uncovered {
                    location: locate(b.at),
                    policy: b.policy.clone(),
                    branch: Some(b.branch.clone()),
                    made_true: b.made_true,
                    made_false: Some(b.made_false),
                },
            ));
        }
        uncovered.sort_by_key(|(at, _)| *at);
        CoverageOutput {
            policies_covered: c.policies_covered(),
            policies: c.policies.len(),
            branches_covered: c.branches_covered(),
            branches: c.branches.len(),
            uncovered: uncovered.into_iter().map(|(_, u)| u).collect(),
        }
    }
}

impl fmt::Display for CoverageOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "coverage: policies covered {}/{}, condition branches {}/{}",
            self.policies_covered, self.policies, self.branches_covered, self.branches
        )?;
        for u in &self.uncovered {
            let never = match (u.made_true, u.made_false) {
                (false, Some(false)) => "never evaluated true or false",
                (false, _) => "never true",
                (true, _) => "never false",
            };
            match &u.branch {
                Some(branch) => writeln!(
                    f,
                    "  {}: policy `{}` branch `{branch}`: {never}",
                    u.location, u.policy
                )?,
                None => writeln!(f, "  {}: policy `{}`: {never}", u.location, u.policy)?,
            }
        }
        Ok(())
    }
}

/// What `who-can` prints: the subjects, or with `--count` their number.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum WhoCanOutput {
    Subjects(access::WhoCan),
    Count { count: usize },
}

impl fmt::Display for WhoCanOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = match self {
            WhoCanOutput::Count { count } => return writeln!(f, "{count}"),
            WhoCanOutput::Subjects(w) => w,
        };
        let field = w
            .field
            .as_ref()
            .map_or_else(String::new, |x| format!(" field {x}"));
        let n = w.subjects.len();
        writeln!(
            f,
            "{n} subject{} may {} {}{field}{}",
            if n == 1 { "" } else { "s" },
            w.action,
            w.resource,
            if n == 0 { "" } else { ":" }
        )?;
        let label = |a: &access::Allowed| match &a.name {
            Some(name) => format!("{name} ({})", a.subject),
            None => a.subject.clone(),
        };
        let width = w
            .subjects
            .iter()
            .map(|a| label(a).chars().count())
            .max()
            .unwrap_or(0);
        for a in &w.subjects {
            if a.via.is_empty() {
                writeln!(f, "  {:<width$}  {}", label(a), a.policies.join(", "))?;
            } else {
                for via in &a.via {
                    writeln!(f, "  {}: {via}", label(a))?;
                }
            }
        }
        Ok(())
    }
}

fn who_can(args: &WhoCanArgs, global: &GlobalArgs) -> anyhow::Result<Exit> {
    let conn = args.assume.open(global)?;
    let set = args.policy.load_checked(conn.db())?;
    // What-if through the shadowed tables: the compiled filters and the engine read them.
    let bridge = Bridge::new(conn.db(), &set);
    args.assume.shadowed(&bridge)?;
    let answer = bridge.who_can(
        &args.action,
        &args.resource,
        args.field.as_deref(),
        args.explain,
        &args.context.context(&set)?,
    )?;
    let out = if args.count {
        WhoCanOutput::Count {
            count: answer.subjects.len(),
        }
    } else {
        WhoCanOutput::Subjects(answer)
    };
    emit(&out, global.format)?;
    Ok(Exit::Success)
}

/// What `lint` prints.
#[derive(Debug, Serialize)]
struct LintOutput {
    file: String,
    /// The database the policies were checked against; `None` when there was none.
    database: Option<String>,
    problems: Vec<Located>,
}

impl fmt::Display for LintOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.problems.is_empty() {
            return writeln!(f, "{}: no problems", self.file);
        }
        for p in &self.problems {
            writeln!(f, "{p}")?;
        }
        let n = self.problems.len();
        writeln!(
            f,
            "{n} problem{} in {}",
            if n == 1 { "" } else { "s" },
            self.file
        )
    }
}

fn lint(args: &LintArgs, global: &GlobalArgs) -> anyhow::Result<Exit> {
    let (origin, source) = if let Some(path) = &args.file {
        (path.display().to_string(), read(path)?)
    } else {
        let policies = args.policy.source()?;
        (policies.origin.display().to_string(), policies.text)
    };
    let mut database = None;
    let problems = match authz::parse(&origin, &source) {
        Err(err) => err.problems,
        Ok(set) => {
            let mut problems = authz::lint(&set);
            // A PostgreSQL database is always checked; a SQLite file when it exists.
            let db = global.db_url()?;
            let missing = db.sqlite().filter(|path| !path.exists());
            if missing.is_none() {
                let conn = global.open_decider(false)?;
                let bridge = Bridge::new(conn.db(), &set);
                let schema = bridge.check_schema()?;
                // References are looked up only in a database the policies fit.
                if schema.is_empty() {
                    problems.extend(bridge.lint_references()?);
                    problems.extend(bridge.lint_nullable()?);
                }
                problems.extend(schema);
                database = Some(db.to_string());
            } else if let Some(path) = missing {
                eprintln!(
                    "note: not checked against a database: `{}` does not exist (name one with --db)",
                    path.display()
                );
            }
            problems.sort_by_key(|p| p.at);
            authz::PolicyError::located(&origin, &source, &problems).problems
        }
    };
    let out = LintOutput {
        file: origin,
        database,
        problems,
    };
    let exit = if out.problems.is_empty() {
        Exit::Success
    } else {
        Exit::Failure
    };
    super::outcome(emit(&out, global.format), exit)
}

const SHOWN: usize = 20;

fn ids_text(ids: &[Value]) -> String {
    let mut parts: Vec<String> = ids.iter().take(SHOWN).map(Value::as_ref_str).collect();
    if ids.len() > SHOWN {
        parts.push(format!("… ({} in all)", ids.len()));
    }
    parts.join(", ")
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "subject: {}", self.subject.label)?;
        if !self.subject.attributes.is_empty() {
            let attrs: Vec<String> = self
                .subject
                .attributes
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            writeln!(f, "  attributes: {}", attrs.join(" "))?;
        }
        writeln!(f, "  roles:")?;
        for g in &self.subject.roles {
            writeln!(f, "    {:<10} {}", g.role, g.via)?;
        }
        let scopes = if self.scopes.is_empty() {
            "none".to_string()
        } else {
            self.scopes.join(", ")
        };
        writeln!(f, "  scopes: {scopes}")?;
        writeln!(
            f,
            "  query limits: max depth {}, max complexity {}",
            self.limits.max_depth, self.limits.max_complexity
        )?;
        writeln!(f, "access:")?;
        for a in &self.access {
            if a.ids.is_empty() {
                writeln!(f, "  {} {}: nothing", a.action, a.ty)?;
                continue;
            }
            writeln!(f, "  {} {}: {}", a.action, a.ty, ids_text(&a.ids))?;
            for t in &a.through {
                writeln!(f, "    via {}: {}", t.policy, ids_text(&t.ids))?;
            }
        }
        Ok(())
    }
}
