//! What a server enforcing the policies would return for one GraphQL operation and one subject,
//! worked out statically: nothing is executed and no row is read (`authz explain --query`).
//!
//! The operation is walked on the parsed document, fragments and inline fragments inlined (a
//! fragment already on the current path is cut, so a cycle ends), fields with the same response
//! key merged as GraphQL merges them. Each selected field is mapped onto the policy file:
//!
//! - root `allPlayers`/`getPlayer`/`getPosition` read `player` rows, `allTeams` `team` rows,
//!   `allGames`/`getGame`/`getTeamGames` `game` rows, `node` the rows of the type its fragments
//!   name; nested `teamName` reads `team` rows, `players` `player` rows, `child` `game` rows;
//! - a scalar field of an object is the column of the snake_case name (`teamId` → `team_id`);
//! - `edges`, `node` (of an edge), `pageInfo`, `cursor` and `__typename` are structural;
//! - anything else is an unknown field (which the server rejects).
//!
//! and judged with the engine's residual filters: a field that reads rows gets the subject's row
//! filter (all rows, no rows, or a SQL `WHERE`), a column gets its outcome on the rows the
//! subject sees (`allowed`, `row_dependent` with the rows where it is readable, or what the
//! read yields where it never is: `null` or `error`).
//!
//! JSON (`--format json`), snake_case and stable:
//!
//! ```text
//! { subject: Subject,   // as in a decision: { label: "player:1 (Harry Potter)", kind, id,
//!                      //   attributes, roles: [{ role, via }] } (see `authz::trace`)
//!   operation: null | "Name",
//!   limits: { max_depth: 10 | null, max_complexity: 500 | null, depth: 4, complexity: 9,
//!             errors: ["query depth 13 exceeds the limit of 10", …] },   // what the server answers
//!   fields: [ {
//!     path: "allPlayers.edges.node.year",      // response keys (aliases), dot-joined
//!     name: "year", alias: null | "a",
//!     policy_type: null | "player", column: null | "year",
//!     outcome: { kind: "structural" | "rows" | "allowed" | "null" | "unknown_field" }
//!            | { kind: "error", message }
//!            | { kind: "row_dependent", readable_where: SQL, otherwise: { yields: "null" }
//!                                                                 | { yields: "error", message } },
//!     policies: ["own-profile", …],            // the allows that grant the column
//!     rows: [ { type: "game", filter: { kind: "all_rows" | "no_rows" } | { kind: "where", …SQL },
//!               allows: [...], denies: [...] } ],   // one per type read; empty for columns
//!     found_by: ["position"],                  // a lookup by value: found only where readable
//!     fields: [ … ] } ] }                      // the selections under this one
//! SQL = { sql: "IFNULL(\"games\".\"winner_id\" = ?, 0)", params: [1],
//!         inline: "IFNULL(\"games\".\"winner_id\" = 1, 0)" }
//!       (in the dialect of the database explained on: `$1::int8` placeholders on PostgreSQL)
//! ```

use std::collections::{BTreeMap, HashSet};
use std::fmt::{self, Write as _};

use async_graphql::Variables;
use async_graphql::parser::types::{
    ExecutableDocument, OperationType, Selection, SelectionSet, TypeCondition,
};
use async_graphql::{Name, Positioned};
use rusqlite::types::Value as SqlValue;
use serde::Serialize;

use crate::access::{self, AccessError};
use crate::authz::{
    self, AccessPlan, ColumnAccess, Entities, Filter, Planner, PolicySet, ReadFail, Subject,
};
use crate::db::sql::Dialect;
use crate::limits;

/// What can stop an explanation.
#[derive(Debug, thiserror::Error)]
pub enum ExplainQueryError {
    #[error("the document has no operation named `{name}`{}", available_text(.available))]
    UnknownOperation {
        name: String,
        available: Vec<String>,
    },
    #[error("the document holds {} operations ({}): name the one to explain", .available.len(), quoted(.available))]
    AmbiguousOperation { available: Vec<String> },
    #[error("only queries can be explained: the schema has no {kind} type")]
    NotQuery { kind: String },
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error(transparent)]
    Eval(#[from] authz::EvalError),
    /// Over a limit that guards the server itself: the document is not walked.
    #[error(transparent)]
    Limit(#[from] limits::LimitError),
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn available_text(names: &[String]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        format!(": it has {}", quoted(names))
    }
}

/// The module's result.
pub type Result<T, E = ExplainQueryError> = std::result::Result<T, E>;

/// The explanation of one operation for one subject.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct QueryExplanation {
    /// The subject and the roles it holds, inherited ones included.
    pub subject: authz::trace::SubjectInfo,
    /// The operation's name, when it has one.
    pub operation: Option<String>,
    pub limits: LimitsReport,
    /// The root selections, in document order.
    pub fields: Vec<FieldExplanation>,
}

/// A relationship's linking column that the subject may not read on every row
/// ([`FieldExplanation::shown_key`]).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ShownKey {
    /// The policy type whose column links the rows (`player` for `teamName` and `players`).
    pub policy_type: String,
    pub column: String,
    /// What the field that reads the column (`teamId`, `childId`) answers the subject:
    /// withheld everywhere (`null` or an error), or on some rows.
    pub outcome: Outcome,
}

/// The query limits that apply to the subject and what the operation measures against them.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LimitsReport {
    /// `max_depth`, `max_complexity`, … `introspection`: every limit, as `policies.toml` names it.
    #[serde(flatten)]
    pub limits: authz::QueryLimits,
    /// What the operation measures (`limits::Measure`, the server's own measure).
    pub measure: limits::Measure,
    /// The server's messages for each limit exceeded (empty: the operation runs).
    pub errors: Vec<String>,
}

/// One selected field (aliases and merges applied) and its outcome.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FieldExplanation {
    /// The response keys from the root, dot-joined: `allPlayers.edges.node.year`.
    pub path: String,
    pub name: String,
    pub alias: Option<String>,
    /// The policy type the field belongs to (a column) or reads (rows).
    pub policy_type: Option<String>,
    pub column: Option<String>,
    pub outcome: Outcome,
    /// The allow policies that grant the column (empty for anything else).
    pub policies: Vec<String>,
    /// The field-level deny policies that withhold the column where they apply.
    pub denied_by: Vec<String>,
    /// The row filters of a field that reads rows: one per type (for `node`, every type: the
    /// fragments' first).
    pub rows: Vec<Rows>,
    /// For a lookup by value, the columns its argument compares: a row is found only where the
    /// subject may read one of them (`getPosition`: `position`; `getPlayer`: `name`;
    /// `getTeamGames`: `winner_id` or `loser_id`). Empty for every other field.
    pub found_by: Vec<String>,
    /// For a relationship (a player's `teamName`, a team's `players`, a game's `child`), the
    /// column that links the rows when the subject may not read it on every row: the
    /// relationship shows the linked row all the same, since it follows the linked rows' own
    /// permission (as Hasura's relationships do), so it tells what the column would. `None`
    /// for every other field, and where the column is readable everywhere.
    pub shown_key: Option<ShownKey>,
    pub fields: Vec<FieldExplanation>,
}

/// A field's outcome for the subject.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// No policy applies: connection plumbing, cursors, `__typename`, introspection.
    Structural,
    /// The field reads rows: see `rows`.
    Rows,
    /// Every row the list returns shows the column.
    Allowed,
    /// Readable on the rows where `readable_where` holds; elsewhere the read yields `otherwise`.
    RowDependent {
        readable_where: SqlCondition,
        otherwise: ReadFail,
    },
    /// Never readable: the read yields `null`.
    Null,
    /// Never readable: the read fails with `message`.
    Error { message: String },
    /// Not in the schema: the server rejects the operation.
    UnknownField,
}

/// A compiled SQL condition with its parameters (the subject's values already substituted).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SqlCondition {
    /// With the database's placeholders: `?` on SQLite, `$1::int8` and so on on PostgreSQL.
    pub sql: String,
    pub params: Vec<serde_json::Value>,
    /// The parameters written in as SQL literals, for people.
    pub inline: String,
}

/// The rows of one type a field may return to the subject.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Rows {
    #[serde(rename = "type")]
    pub ty: String,
    pub filter: RowFilter,
    /// The allow policies whose residuals make up the filter.
    pub allows: Vec<String>,
    /// The deny policies whose residuals make up the filter.
    pub denies: Vec<String>,
}

/// Which rows: all, none, or those a SQL condition selects.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RowFilter {
    AllRows,
    NoRows,
    Where(SqlCondition),
}

/// Explains operation `operation_name` (or the only one) of `doc`, parsed from a text of
/// `text_len` bytes, for `subject`; introspection is measured against `introspection` (the
/// server's schema: `graphql::introspection_model`). A document over a limit that guards the
/// server (see `limits::LimitError::is_ceiling`) is an error: it is measured, not walked.
#[expect(
    clippy::too_many_arguments,
    reason = "the policy side (set, entities, subject) and the document side (doc, its length, \
              operation, variables, schema) of one question"
)]
pub fn explain(
    dialect: Dialect,
    set: &PolicySet,
    entities: &dyn Entities,
    subject: &Subject,
    doc: &ExecutableDocument,
    introspection: &limits::Introspection,
    text_len: usize,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Result<QueryExplanation> {
    let (name, op) = limits::pick_operation(doc, operation_name)?;
    let name = name.map(ToString::to_string);
    if op.ty != OperationType::Query {
        return Err(ExplainQueryError::NotQuery {
            kind: op.ty.to_string(),
        });
    }
    let planner = Planner::new(set, entities, subject)?;
    let planner_roles = planner.roles().to_vec();
    let limits = limits_report(
        planner.limits(),
        doc,
        introspection,
        text_len,
        name.as_deref(),
        variables,
    )?;
    let mut walker = Walker {
        doc,
        judge: Judge {
            dialect,
            set,
            planner,
            plans: BTreeMap::new(),
        },
        node_types: Vec::new(),
    };
    let mut fields = Vec::new();
    let mut visiting = HashSet::new();
    walker.selection_set(
        &op.selection_set.node,
        Shape::Query,
        "",
        &mut fields,
        &mut visiting,
    )?;
    Ok(QueryExplanation {
        subject: authz::trace::SubjectInfo::new(subject, planner_roles),
        operation: name,
        limits,
        fields,
    })
}

impl From<limits::PickError> for ExplainQueryError {
    fn from(err: limits::PickError) -> Self {
        match err {
            limits::PickError::Unknown { name, available } => {
                ExplainQueryError::UnknownOperation { name, available }
            }
            limits::PickError::Ambiguous { available } => {
                ExplainQueryError::AmbiguousOperation { available }
            }
        }
    }
}

fn limits_report(
    applying: authz::QueryLimits,
    doc: &ExecutableDocument,
    introspection: &limits::Introspection,
    text_len: usize,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Result<LimitsReport> {
    let measure = limits::measure(
        doc,
        text_len,
        operation_name,
        variables,
        &applying,
        introspection,
    );
    let violations = limits::violations(&measure, &applying);
    if let Some(ceiling) = violations.iter().find(|v| v.is_ceiling()) {
        return Err(ceiling.clone().into());
    }
    Ok(LimitsReport {
        limits: applying,
        measure,
        errors: violations.iter().map(ToString::to_string).collect(),
    })
}

/// The three object types of the schema, each backed by a policy type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Object {
    Player,
    Team,
    Game,
}

impl Object {
    const ALL: [Object; 3] = [Object::Player, Object::Team, Object::Game];

    fn policy_type(self) -> &'static str {
        match self {
            Object::Player => "player",
            Object::Team => "team",
            Object::Game => "game",
        }
    }

    fn from_type_name(name: &str) -> Option<Object> {
        match name {
            "PlayerObject" => Some(Object::Player),
            "TeamObject" => Some(Object::Team),
            "GameObject" => Some(Object::Game),
            _ => None,
        }
    }

    /// The scalar fields of the GraphQL type (`schema.graphql`), each a column.
    fn columns(self) -> &'static [&'static str] {
        match self {
            Object::Player => &["id", "name", "position", "year", "teamId"],
            Object::Team => &["id", "name", "rank"],
            Object::Game => &["id", "level", "childId", "winnerId", "loserId"],
        }
    }

    /// Whether the API field `name` (one of [`Self::columns`]) may be `null`. A withheld
    /// non-null field cannot answer `null`: the server answers its error instead (the default
    /// one when the policy says `null`), which nulls the row holding it.
    fn nullable(self, name: &str) -> bool {
        matches!(
            (self, name),
            (Object::Player, "year") | (Object::Team, "name") | (Object::Game, "childId")
        )
    }
}

/// Where in the schema a selection set is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Query,
    /// The `Node` interface, before a fragment names the type.
    Node,
    Object(Object),
    Connection(Object),
    Edge(Object),
    PageInfo,
    /// Introspection and scalars: nothing below is judged.
    Opaque,
}

impl Shape {
    /// The shape inside a fragment on `condition`.
    fn refine(self, condition: Option<&Positioned<TypeCondition>>) -> Shape {
        let Some(object) = condition.and_then(|c| Object::from_type_name(&c.node.on.node)) else {
            return self;
        };
        match self {
            Shape::Node | Shape::Object(_) => Shape::Object(object),
            other => other,
        }
    }
}

/// The column that links a relationship's rows to its parent's, and the field that reads it:
/// `players.team_id` (`teamId`) for a player's `teamName` and a team's `players`.
#[derive(Debug, Clone, Copy)]
struct Key {
    owner: Object,
    column: &'static str,
    field: &'static str,
}

/// `players.team_id`, which links a player to their team.
const TEAM_OF_PLAYER: Key = Key {
    owner: Object::Player,
    column: "team_id",
    field: "teamId",
};

/// What a field of a shape is.
enum Kind {
    Structural(Shape),
    Column(Object, String),
    /// Rows of a type; for a relationship, the column that links them to the parent's row.
    Rows(Object, Shape, Option<Key>),
    /// The root `node`: reads the rows of the type its id names, whichever it is.
    NodeRows,
    Unknown,
}

fn kind(shape: Shape, name: &str) -> Kind {
    if name == "__typename" {
        return Kind::Structural(Shape::Opaque);
    }
    match (shape, name) {
        (Shape::Query, "__schema" | "__type") => Kind::Structural(Shape::Opaque),
        (Shape::Query, "node") => Kind::NodeRows,
        (Shape::Query, "allPlayers") => {
            Kind::Rows(Object::Player, Shape::Connection(Object::Player), None)
        }
        (Shape::Query, "allTeams") => {
            Kind::Rows(Object::Team, Shape::Connection(Object::Team), None)
        }
        (Shape::Query, "allGames") => {
            Kind::Rows(Object::Game, Shape::Connection(Object::Game), None)
        }
        (Shape::Query, "getPlayer" | "getPosition") => {
            Kind::Rows(Object::Player, Shape::Object(Object::Player), None)
        }
        (Shape::Query, "getGame" | "getTeamGames") => {
            Kind::Rows(Object::Game, Shape::Object(Object::Game), None)
        }
        (Shape::Connection(o), "edges") => Kind::Structural(Shape::Edge(o)),
        (Shape::Connection(_), "pageInfo") => Kind::Structural(Shape::PageInfo),
        (Shape::Edge(o), "node") => Kind::Structural(Shape::Object(o)),
        (Shape::Edge(_), "cursor")
        | (Shape::PageInfo, "hasNextPage" | "hasPreviousPage" | "startCursor" | "endCursor") => {
            Kind::Structural(Shape::Opaque)
        }
        (Shape::Object(Object::Player), "teamName") => Kind::Rows(
            Object::Team,
            Shape::Object(Object::Team),
            Some(TEAM_OF_PLAYER),
        ),
        (Shape::Object(Object::Team), "players") => Kind::Rows(
            Object::Player,
            Shape::Connection(Object::Player),
            Some(TEAM_OF_PLAYER),
        ),
        (Shape::Object(Object::Game), "child") => Kind::Rows(
            Object::Game,
            Shape::Object(Object::Game),
            Some(Key {
                owner: Object::Game,
                column: "child_id",
                field: "childId",
            }),
        ),
        (Shape::Object(o), name) if o.columns().contains(&name) => {
            Kind::Column(o, snake_case(name))
        }
        _ => Kind::Unknown,
    }
}

/// `teamId` → `team_id`.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

struct Walker<'a> {
    doc: &'a ExecutableDocument,
    judge: Judge<'a>,
    /// The object types fragments under the current `node` named.
    node_types: Vec<Object>,
}

impl Walker<'_> {
    /// Appends the fields of `set` (in `shape`, under `parent`) to `out`, merging same keys.
    /// `visiting` holds the fragments on the current path: a cycle is cut at its second visit.
    fn selection_set(
        &mut self,
        set: &SelectionSet,
        shape: Shape,
        parent: &str,
        out: &mut Vec<FieldExplanation>,
        visiting: &mut HashSet<Name>,
    ) -> Result<()> {
        for item in &set.items {
            match &item.node {
                Selection::Field(field)
                    if shape == Shape::Node && field.node.name.node.as_str() == "id" =>
                {
                    // The interface's `id` is the id column of whichever type the row is: the
                    // server judges it by that type's rules, so it is explained for each type.
                    let single = SelectionSet {
                        items: vec![item.clone()],
                    };
                    for object in Object::ALL {
                        let shape = Shape::Object(object);
                        self.selection_set(&single, shape, parent, out, visiting)?;
                    }
                }
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    let alias = field.alias.as_ref().map(|a| a.node.to_string());
                    let key = alias.as_deref().unwrap_or(name);
                    let path = if parent.is_empty() {
                        key.to_string()
                    } else {
                        format!("{parent}.{key}")
                    };
                    let kind = kind(shape, name);
                    let policy_type = match &kind {
                        Kind::Column(o, _) | Kind::Rows(o, _, _) => Some(o.policy_type()),
                        _ => None,
                    };
                    let existing = out.iter().position(|f| {
                        f.alias.as_deref().unwrap_or(&f.name) == key
                            && f.policy_type.as_deref() == policy_type
                    });
                    let index = if let Some(i) = existing {
                        i
                    } else {
                        out.push(self.judge.field(&path, name, alias.clone(), &kind)?);
                        out.len() - 1
                    };
                    let below = match kind {
                        Kind::Structural(s) | Kind::Rows(_, s, _) => s,
                        Kind::NodeRows => Shape::Node,
                        Kind::Column(..) | Kind::Unknown => Shape::Opaque,
                    };
                    if below == Shape::Opaque {
                        continue;
                    }
                    let outer = std::mem::take(&mut self.node_types);
                    let mut children = std::mem::take(&mut out[index].fields);
                    self.selection_set(
                        &field.selection_set.node,
                        below,
                        &path,
                        &mut children,
                        visiting,
                    )?;
                    let named = std::mem::replace(&mut self.node_types, outer);
                    let target = &mut out[index];
                    target.fields = children;
                    if matches!(kind, Kind::NodeRows) {
                        // The id names the type, and the row is read whichever it names: the
                        // types of the fragments first, then the others.
                        let rest = Object::ALL.into_iter().filter(|o| !named.contains(o));
                        for object in named.iter().copied().chain(rest) {
                            let ty = object.policy_type();
                            if !target.rows.iter().any(|r| r.ty == ty) {
                                target.rows.push(self.judge.rows(ty)?);
                            }
                        }
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let inner = self.refine(shape, fragment.type_condition.as_ref());
                    self.selection_set(&fragment.selection_set.node, inner, parent, out, visiting)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    let Some(fragment) = self.doc.fragments.get(name) else {
                        continue;
                    };
                    if !visiting.insert(name.clone()) {
                        continue;
                    }
                    let inner = self.refine(shape, Some(&fragment.node.type_condition));
                    self.selection_set(
                        &fragment.node.selection_set.node,
                        inner,
                        parent,
                        out,
                        visiting,
                    )?;
                    visiting.remove(name);
                }
            }
        }
        Ok(())
    }

    fn refine(&mut self, shape: Shape, condition: Option<&Positioned<TypeCondition>>) -> Shape {
        let inner = shape.refine(condition);
        if shape == Shape::Node
            && let Shape::Object(o) = inner
            && !self.node_types.contains(&o)
        {
            self.node_types.push(o);
        }
        inner
    }
}

/// Judges fields against the subject's access plans, computed once per type.
struct Judge<'a> {
    /// The SQL the filters are shown in: the database's.
    dialect: Dialect,
    set: &'a PolicySet,
    planner: Planner<'a>,
    plans: BTreeMap<&'static str, AccessPlan>,
}

impl Judge<'_> {
    fn plan(&mut self, ty: &'static str) -> Result<AccessPlan> {
        if let Some(plan) = self.plans.get(ty) {
            return Ok(plan.clone());
        }
        let plan = self.planner.plan("read", ty)?;
        self.plans.insert(ty, plan.clone());
        Ok(plan)
    }

    fn field(
        &mut self,
        path: &str,
        name: &str,
        alias: Option<String>,
        kind: &Kind,
    ) -> Result<FieldExplanation> {
        let mut out = FieldExplanation {
            path: path.to_string(),
            name: name.to_string(),
            alias,
            policy_type: None,
            column: None,
            outcome: Outcome::Structural,
            policies: Vec::new(),
            denied_by: Vec::new(),
            rows: Vec::new(),
            found_by: Vec::new(),
            shown_key: None,
            fields: Vec::new(),
        };
        match kind {
            Kind::Structural(_) => {}
            Kind::Unknown => out.outcome = Outcome::UnknownField,
            Kind::NodeRows => out.outcome = Outcome::Rows,
            Kind::Rows(object, _, key) => {
                let ty = object.policy_type();
                out.policy_type = Some(ty.to_string());
                out.outcome = Outcome::Rows;
                out.rows.push(self.rows(ty)?);
                out.found_by = crate::graphql::types::lookup::columns(name)
                    .iter()
                    .map(|c| (*c).to_string())
                    .collect();
                if let Some(key) = key {
                    out.shown_key = self.shown_key(*key)?;
                }
            }
            Kind::Column(object, column) => {
                let ty = object.policy_type();
                let nullable = object.nullable(&out.name);
                let (outcome, policies, denied_by) = self.column(ty, column, nullable)?;
                out.policy_type = Some(ty.to_string());
                out.column = Some(column.clone());
                out.outcome = outcome;
                out.policies = policies;
                out.denied_by = denied_by;
            }
        }
        Ok(out)
    }

    /// [`ShownKey`] for a relationship's linking column, when the subject may not read it on
    /// every row: its outcome as the field that reads it would have it.
    fn shown_key(&mut self, key: Key) -> Result<Option<ShownKey>> {
        let ty = key.owner.policy_type();
        let (outcome, _, _) = self.column(ty, key.column, key.owner.nullable(key.field))?;
        Ok(match outcome {
            Outcome::Allowed => None,
            outcome => Some(ShownKey {
                policy_type: ty.to_string(),
                column: key.column.to_string(),
                outcome,
            }),
        })
    }

    fn rows(&mut self, ty: &'static str) -> Result<Rows> {
        let plan = self.plan(ty)?;
        let filter = match plan.rows() {
            f if *f == Filter::TRUE => RowFilter::AllRows,
            f if *f == Filter::FALSE => RowFilter::NoRows,
            f => RowFilter::Where(self.condition(ty, f)?),
        };
        Ok(Rows {
            ty: ty.to_string(),
            filter,
            allows: plan.allows(),
            denies: plan.denies(),
        })
    }

    /// The outcome of reading `column` of the rows of `ty` the subject sees (through a field
    /// that may be `null` or not), the allows granting it and the field-level denies
    /// withholding it.
    fn column(
        &mut self,
        ty: &'static str,
        column: &str,
        nullable: bool,
    ) -> Result<(Outcome, Vec<String>, Vec<String>)> {
        let plan = self.plan(ty)?;
        let Some(rule) = plan.column(column) else {
            return Ok((Outcome::UnknownField, Vec::new(), Vec::new()));
        };
        let withheld = match &rule.withheld {
            ReadFail::Null if !nullable => ReadFail::Error {
                message: crate::graphql::NOT_AUTHORIZED.to_string(),
            },
            withheld => withheld.clone(),
        };
        let outcome = match &rule.access {
            ColumnAccess::Never => match &withheld {
                ReadFail::Null => Outcome::Null,
                ReadFail::Error { message } => Outcome::Error {
                    message: message.clone(),
                },
            },
            ColumnAccess::Always => Outcome::Allowed,
            ColumnAccess::Rows { filter } => Outcome::RowDependent {
                readable_where: self.condition(ty, filter)?,
                otherwise: withheld,
            },
        };
        Ok((outcome, rule.granted_by.clone(), rule.denied_by.clone()))
    }

    fn condition(&self, ty: &str, filter: &Filter) -> Result<SqlCondition> {
        let compiled = access::compile_where(self.dialect, self.set, ty, filter)?;
        Ok(SqlCondition {
            inline: inline(self.dialect, &compiled.sql, &compiled.params),
            params: compiled.params.iter().map(json_value).collect(),
            sql: compiled.sql,
        })
    }
}

fn json_value(value: &SqlValue) -> serde_json::Value {
    match value {
        SqlValue::Null => serde_json::Value::Null,
        SqlValue::Integer(i) => (*i).into(),
        SqlValue::Real(f) => {
            serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
        }
        SqlValue::Text(s) => s.clone().into(),
        SqlValue::Blob(b) => hex(b).into(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02X}");
        out
    })
}

fn literal(value: &SqlValue) -> String {
    match value {
        SqlValue::Null => "NULL".to_string(),
        SqlValue::Integer(i) => i.to_string(),
        SqlValue::Real(f) => f.to_string(),
        SqlValue::Text(s) => format!("'{}'", s.replace('\'', "''")),
        SqlValue::Blob(b) => format!("X'{}'", hex(b)),
    }
}

/// `sql` with each placeholder (outside quotes) replaced by its parameter as a literal: SQLite's
/// `?` in order, PostgreSQL's `$n` by number (its `::type` cast kept after the literal).
fn inline(dialect: Dialect, sql: &str, params: &[SqlValue]) -> String {
    let mut out = String::with_capacity(sql.len() + params.len() * 4);
    let mut in_order = params.iter();
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c, dialect) {
            (None, '"' | '\'', _) => quote = Some(c),
            (Some(q), c, _) if c == q => quote = None,
            (None, '?', Dialect::Sqlite) => {
                if let Some(p) = in_order.next() {
                    out.push_str(&literal(p));
                    continue;
                }
            }
            (None, '$', Dialect::Postgres) => {
                let mut n = String::new();
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    n.push(d);
                }
                if let Some(p) = n
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| params.get(n.checked_sub(1)?))
                {
                    out.push_str(&literal(p));
                } else {
                    out.push('$');
                    out.push_str(&n);
                }
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

impl fmt::Display for QueryExplanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "subject: {}", self.subject.label)?;
        let roles: Vec<String> = self.subject.roles.iter().map(|g| g.role.clone()).collect();
        writeln!(f, "  roles: {}", or_none(&roles))?;
        if let Some(op) = &self.operation {
            writeln!(f, "operation: {op}")?;
        }
        write!(f, "{}", self.limits)?;
        writeln!(f, "fields:")?;
        for field in &self.fields {
            field.render(f, 1)?;
        }
        Ok(())
    }
}

impl fmt::Display for LimitsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = &self.limits;
        let names: Vec<String> = l
            .numbers()
            .iter()
            .map(|(key, value)| format!("{} {value}", key.replace('_', " ")))
            .collect();
        let introspection = if l.introspection { "on" } else { "off" };
        writeln!(
            f,
            "query limits: {}, introspection {introspection}",
            names.join(", ")
        )?;
        let m = &self.measure;
        // The server's messages start with the measured thing's name: `query depth 12 …`.
        let over = |what: &str| {
            self.errors
                .iter()
                .find(|e| e.starts_with(&format!("{what} ")))
        };
        for (what, value) in [
            ("query depth", m.depth),
            ("query complexity", m.complexity),
            ("query document size", m.document_bytes),
            ("query alias count", m.aliases),
            ("query root field count", m.root_fields),
            ("query fragment count", m.fragments),
        ] {
            match over(what) {
                Some(message) => writeln!(f, "  {what} {value}: over the limit: {message}")?,
                None => writeln!(f, "  {what} {value}: within the limit")?,
            }
        }
        if m.introspection && !l.introspection {
            writeln!(
                f,
                "  introspection: refused: introspection is off for this subject"
            )?;
        }
        Ok(())
    }
}

fn or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

impl FieldExplanation {
    fn render(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        let pad = "  ".repeat(depth);
        let name = match &self.alias {
            Some(alias) => format!("{} ({alias}: {})", self.path, self.name),
            None => self.path.clone(),
        };
        let target = match (&self.policy_type, &self.column) {
            (Some(ty), Some(column)) => format!("{ty}.{column}"),
            (Some(ty), None) => format!("{ty} rows"),
            _ => String::new(),
        };
        let denied = if self.denied_by.is_empty() {
            String::new()
        } else {
            format!(" (denied by {})", self.denied_by.join(", "))
        };
        let granted = if self.policies.is_empty() {
            denied.clone()
        } else {
            format!(" (granted by {}){denied}", self.policies.join(", "))
        };
        match &self.outcome {
            Outcome::Structural => writeln!(f, "{pad}{name}")?,
            Outcome::UnknownField => {
                writeln!(f, "{pad}{name}: unknown field (the server rejects it)")?;
            }
            Outcome::Allowed => writeln!(f, "{pad}{name} → {target}: allowed{granted}")?,
            Outcome::Null => writeln!(f, "{pad}{name} → {target}: null{denied}")?,
            Outcome::Error { message } => {
                writeln!(f, "{pad}{name} → {target}: error: {message}{denied}")?;
            }
            Outcome::RowDependent {
                readable_where,
                otherwise,
            } => {
                writeln!(f, "{pad}{name} → {target}: row-dependent{granted}")?;
                writeln!(f, "{pad}    readable where {}", readable_where.inline)?;
                writeln!(f, "{pad}    elsewhere {}", read_fail_text(otherwise))?;
            }
            Outcome::Rows => match self.rows.as_slice() {
                [one] => {
                    writeln!(f, "{pad}{name} → {} rows: {}", one.ty, one.filter)?;
                    one.render_policies(f, &format!("{pad}    "))?;
                    if !self.found_by.is_empty() {
                        let columns: Vec<String> =
                            self.found_by.iter().map(|c| format!("`{c}`")).collect();
                        writeln!(
                            f,
                            "{pad}    found only where the subject may read {}",
                            columns.join(" or ")
                        )?;
                    }
                    if let Some(key) = &self.shown_key {
                        let where_ = match key.outcome {
                            Outcome::RowDependent { .. } => "on some rows",
                            _ => "everywhere",
                        };
                        writeln!(
                            f,
                            "{pad}    shows which row is linked although `{}.{}` is withheld {where_}: \
                             a relationship follows the linked rows' permission, not its column's",
                            key.policy_type, key.column
                        )?;
                    }
                }
                many => {
                    writeln!(f, "{pad}{name}")?;
                    for rows in many {
                        writeln!(f, "{pad}    {} rows: {}", rows.ty, rows.filter)?;
                        rows.render_policies(f, &format!("{pad}      "))?;
                    }
                }
            },
        }
        for child in &self.fields {
            child.render(f, depth + 1)?;
        }
        Ok(())
    }
}

fn read_fail_text(read_fail: &ReadFail) -> String {
    match read_fail {
        ReadFail::Null => "null".to_string(),
        ReadFail::Error { message } => format!("error: {message}"),
    }
}

impl Rows {
    fn render_policies(&self, f: &mut fmt::Formatter<'_>, pad: &str) -> fmt::Result {
        writeln!(f, "{pad}allows: {}", or_none(&self.allows))?;
        if !self.denies.is_empty() {
            writeln!(f, "{pad}denies: {}", self.denies.join(", "))?;
        }
        Ok(())
    }
}

impl fmt::Display for RowFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowFilter::AllRows => f.write_str("all rows"),
            RowFilter::NoRows => f.write_str("no rows"),
            RowFilter::Where(c) => write!(f, "where {}", c.inline),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`Object::nullable`] says what the served schema says (`schema.graphql`, which a test
    /// keeps equal to the schema `serve` executes): a field may be null exactly where its type
    /// has no `!`. The explanation of a withheld field depends on it.
    #[test]
    fn nullable_fields_are_those_of_the_schema() {
        let sdl = include_str!("../schema.graphql");
        for (object, ty) in [
            (Object::Player, "PlayerObject"),
            (Object::Team, "TeamObject"),
            (Object::Game, "GameObject"),
        ] {
            let body = sdl
                .split(&format!("type {ty} implements Node {{"))
                .nth(1)
                .and_then(|rest| rest.split("\n}").next())
                .unwrap_or_else(|| panic!("no type {ty} in schema.graphql"));
            for name in object.columns() {
                let line = body
                    .lines()
                    .map(str::trim)
                    .find(|line| line.starts_with(&format!("{name}:")))
                    .unwrap_or_else(|| panic!("no field {ty}.{name}"));
                assert_eq!(object.nullable(name), !line.ends_with('!'), "{ty}: {line}");
            }
        }
    }

    fn harry() -> (PolicySet, authz::MemoryEntities, Subject) {
        let set = authz::parse("policies.toml", include_str!("../policies.toml")).unwrap();
        let row: authz::Row = [
            ("id", authz::Value::Int(1)),
            ("name", "Harry Potter".into()),
            ("position", "Seeker".into()),
            ("year", authz::Value::Int(2)),
            ("team_id", authz::Value::Int(1)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let mut entities = authz::MemoryEntities::new();
        entities.insert("player", row.clone());
        (set, entities, Subject::from_row("player", row))
    }

    fn explained(query: &str) -> QueryExplanation {
        let (set, entities, subject) = harry();
        let doc = async_graphql::parser::parse_query(query).unwrap();
        explain(
            Dialect::Sqlite,
            &set,
            &entities,
            &subject,
            &doc,
            crate::graphql::introspection_model(),
            query.len(),
            None,
            &Variables::default(),
        )
        .unwrap()
    }

    #[test]
    fn the_human_tree() {
        let out = explained(
            "{ allPlayers { edges { cursor node { name year } } } \
               node(id: \"x\") { __typename ... on TeamObject { rank } } }",
        );
        insta::assert_snapshot!(out.to_string(), @r#"
        subject: player:1 (Harry Potter)
          roles: player, anonymous
        query limits: max depth 10, max complexity 5000, max document bytes 65536, max aliases 100, max root fields 100, max fragments 100, max response bytes 8388608, default page size 100, introspection on
          query depth 4: within the limit
          query complexity 504: within the limit
          query document size 110: within the limit
          query alias count 0: within the limit
          query root field count 2: within the limit
          query fragment count 0: within the limit
        fields:
          allPlayers → player rows: all rows
              allows: public-roster, own-profile, teammates-see-year
            allPlayers.edges
              allPlayers.edges.cursor
              allPlayers.edges.node
                allPlayers.edges.node.name → player.name: allowed (granted by public-roster, own-profile)
                allPlayers.edges.node.year → player.year: row-dependent (granted by own-profile, teammates-see-year)
                    readable where (("players"."id" = 1) OR ("players"."team_id" = 1))
                    elsewhere error: You are not authorized to see this.
          node
              team rows: all rows
                allows: public-teams
              player rows: all rows
                allows: public-roster, own-profile, teammates-see-year
              game rows: where (("games"."winner_id" = 1) OR ("games"."id" IS NOT NULL AND "games"."id" IN (WITH RECURSIVE r2(v, d) AS (SELECT t1."child_id", 1 FROM "games" t1 WHERE t1."child_id" IS NOT NULL AND (t1."winner_id" = 1) UNION SELECT t2."child_id", r2.d + 1 FROM "games" t2 JOIN r2 ON t2."id" = r2.v WHERE r2.d < 32 AND t2."child_id" IS NOT NULL) SELECT v FROM r2)))
                allows: winners-read-game
            node.__typename
            node.rank → team.rank: allowed (granted by public-teams)
        "#);
    }

    #[test]
    fn placeholders_become_literals_outside_quotes() {
        let params = [
            SqlValue::Integer(1),
            SqlValue::Text("O'Neil".into()),
            SqlValue::Null,
        ];
        assert_eq!(
            inline(
                Dialect::Sqlite,
                r#""a?"."b" = ? AND 'x?' = ? OR ? IS NULL"#,
                &params
            ),
            r#""a?"."b" = 1 AND 'x?' = 'O''Neil' OR NULL IS NULL"#
        );
        assert_eq!(
            inline(
                Dialect::Postgres,
                r#""a$1"."b" = $1::int8 AND 'x$2' = $2::text OR $3 IS NULL OR $12 = 0"#,
                &params
            ),
            r#""a$1"."b" = 1::int8 AND 'x$2' = 'O''Neil'::text OR NULL IS NULL OR $12 = 0"#
        );
    }

    #[test]
    fn graphql_names_map_to_columns() {
        assert_eq!(snake_case("teamId"), "team_id");
        assert_eq!(snake_case("id"), "id");
        assert!(matches!(
            kind(Shape::Object(Object::Game), "winnerId"),
            Kind::Column(Object::Game, c) if c == "winner_id"
        ));
        assert!(matches!(
            kind(Shape::Object(Object::Game), "winner"),
            Kind::Unknown
        ));
    }

    /// The hand-written field table matches the schema the server serves: every object field
    /// of `PlayerObject`, `TeamObject`, `GameObject` and the root is known, and nothing else.
    #[test]
    fn the_field_table_matches_the_schema() {
        use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
        let doc = async_graphql::parser::parse_schema(crate::graphql::sdl()).unwrap();
        let mut checked = 0;
        for def in doc.definitions {
            let TypeSystemDefinition::Type(t) = def else {
                continue;
            };
            let t = t.node;
            let shape = match t.name.node.as_str() {
                "Query" => Shape::Query,
                "PageInfo" => Shape::PageInfo,
                name => match (Object::from_type_name(name), name) {
                    (Some(o), _) => Shape::Object(o),
                    (None, n) if n.ends_with("ObjectConnection") => Shape::Connection(Object::Game),
                    (None, n) if n.ends_with("ObjectEdge") => Shape::Edge(Object::Game),
                    _ => continue,
                },
            };
            let TypeKind::Object(object) = t.kind else {
                continue;
            };
            for field in object.fields {
                let name = field.node.name.node.to_string();
                assert!(
                    !matches!(kind(shape, &name), Kind::Unknown),
                    "`{}.{name}` is not in the table",
                    t.name.node
                );
                checked += 1;
            }
        }
        assert!(checked > 20, "only {checked} fields checked");
    }
}
