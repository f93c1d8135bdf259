//! The bridge between the database and the authorization engine: the only module that imports
//! both `db` and `authz` (neither knows the other).
//!
//! - [`SqlEntities`] serves the engine's row lookups from SQLite (indexed `WHERE column = ?`);
//! - [`resolve_subject`] turns a `--user` reference (`"Harry Potter"`, `player:1`, `staff:2`,
//!   `anonymous`) into a subject;
//! - [`row_filter`] compiles the residual filter of (subject, action, type) into a SQL `WHERE`
//!   clause with bound parameters, usable as `SELECT … FROM games WHERE <sql>`: relationships
//!   become `IN (SELECT …)` subqueries, transitive ones a recursive CTE. The GraphQL layer filters
//!   lists with exactly this;
//! - [`allowed_ids`] is the reverse lookup (every row a subject may act on);
//! - [`field_decisions`] says, per field of one row, whether it may be read and what a denied
//!   read yields.

use std::cell::RefCell;
use std::collections::HashMap;

use rusqlite::Connection;
use rusqlite::types::{Value as SqlValue, ValueRef};
use serde::Serialize;

use crate::authz::eval::Step;
use crate::authz::parse::ANONYMOUS;
use crate::authz::policy::{ColumnType, Op, TypeDef};
use crate::authz::{
    self, Entities, EntityError, EvalError, Filter, Mode, PolicySet, ReadFail, Request, Response,
    Row, Subject, Value,
};

/// What can go wrong in the bridge.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("unknown user `{reference}`{}", suggestion_text(.suggestions))]
    UnknownUser {
        reference: String,
        suggestions: Vec<String>,
    },
    #[error("ambiguous user `{reference}`: it could be {}; name one with `TYPE:ID`", .candidates.join(", "))]
    AmbiguousUser {
        reference: String,
        candidates: Vec<String>,
    },
    #[error("type `{ty}` has no table: its resources are declared in the policy file")]
    NotTable { ty: String },
    #[error(transparent)]
    Eval(#[from] EvalError),
    #[error("sqlite")]
    Sqlite(#[from] rusqlite::Error),
}

fn suggestion_text(suggestions: &[String]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!(": did you mean `{one}`?"),
        many => format!(
            ": did you mean one of {}?",
            many.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The bridge's result.
pub type Result<T, E = AccessError> = std::result::Result<T, E>;

/// `"name"`, with embedded quotes doubled: identifiers come from the policy file.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn table_of<'a>(set: &'a PolicySet, ty: &str) -> Result<(&'a TypeDef, &'a str)> {
    let def = set.types.get(ty).ok_or_else(|| EvalError::UnknownType {
        ty: ty.to_string(),
        suggestion: authz::error::closest(ty, set.types.keys().map(String::as_str)),
    })?;
    let table = def
        .table
        .as_deref()
        .ok_or_else(|| AccessError::NotTable { ty: ty.to_string() })?;
    Ok((def, table))
}

fn to_sql(value: &Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Int(i) => SqlValue::Integer(*i),
        Value::Text(s) => SqlValue::Text(s.clone()),
    }
}

fn from_sql(value: ValueRef<'_>, ty: ColumnType) -> Value {
    match (value, ty) {
        (ValueRef::Null, _) => Value::Null,
        (ValueRef::Integer(i), ColumnType::Bool) => Value::Bool(i != 0),
        (ValueRef::Integer(i), _) => Value::Int(i),
        #[expect(
            clippy::cast_possible_truncation,
            reason = "no column is a real; a stray one is truncated"
        )]
        (ValueRef::Real(f), _) => Value::Int(f as i64),
        (ValueRef::Text(t) | ValueRef::Blob(t), _) => {
            Value::Text(String::from_utf8_lossy(t).into_owned())
        }
    }
}

/// The engine's rows, read from SQLite. Lookups go through cached prepared statements on
/// indexed columns.
pub struct SqlEntities<'a> {
    conn: &'a Connection,
    set: &'a PolicySet,
    queries: RefCell<HashMap<(String, String), String>>,
}

impl<'a> SqlEntities<'a> {
    pub fn new(conn: &'a Connection, set: &'a PolicySet) -> Self {
        SqlEntities {
            conn,
            set,
            queries: RefCell::new(HashMap::new()),
        }
    }

    fn query(&self, ty: &str, column: &str, value: &Value) -> Result<Vec<Row>> {
        let (def, table) = table_of(self.set, ty)?;
        let sql = self
            .queries
            .borrow_mut()
            .entry((ty.to_string(), column.to_string()))
            .or_insert_with(|| {
                let columns: Vec<String> = def.columns.keys().map(|c| ident(c)).collect();
                format!(
                    "SELECT {} FROM {} WHERE {} = ?1",
                    columns.join(", "),
                    ident(table),
                    ident(column)
                )
            })
            .clone();
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let types: Vec<(&String, ColumnType)> = def.columns.iter().map(|(c, t)| (c, *t)).collect();
        let mut rows = stmt.query([to_sql(value)])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut row = Row::new();
            for (i, (name, ty)) in types.iter().enumerate() {
                row.insert((*name).clone(), from_sql(r.get_ref(i)?, *ty));
            }
            out.push(row);
        }
        Ok(out)
    }
}

impl Entities for SqlEntities<'_> {
    fn get(&self, ty: &str, id: &Value) -> Result<Option<Row>, EntityError> {
        let def = self.set.types.get(ty);
        let key = def.map_or("id", |d| d.key.as_str());
        self.find(ty, key, id).map(|rows| rows.into_iter().next())
    }

    fn find(&self, ty: &str, column: &str, value: &Value) -> Result<Vec<Row>, EntityError> {
        self.query(ty, column, value).map_err(|err| EntityError {
            message: format!("{err:#}"),
        })
    }
}

/// The subject types: those the bindings name that have a table.
fn subject_types(set: &PolicySet) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for b in &set.bindings {
        if b.subject != ANONYMOUS
            && set.types.get(&b.subject).is_some_and(|d| d.table.is_some())
            && !out.contains(&b.subject.as_str())
        {
            out.push(&b.subject);
        }
    }
    out
}

fn candidate(ty: &str, row: &Row) -> String {
    let id = row.get("id").map_or_else(String::new, Value::as_ref_str);
    match row.get("name") {
        Some(Value::Text(name)) => format!("{ty}:{id} ({name})"),
        _ => format!("{ty}:{id}"),
    }
}

/// A `--user` reference → a subject: `anonymous`, `TYPE:ID`, or a name (unique across the
/// subject types; an ambiguous one lists the candidates, an unknown one the closest names).
pub fn resolve_subject(conn: &Connection, set: &PolicySet, reference: &str) -> Result<Subject> {
    if reference == ANONYMOUS {
        return Ok(Subject::anonymous());
    }
    let entities = SqlEntities::new(conn, set);
    let types = subject_types(set);
    if let Some((ty, id)) = reference.split_once(':') {
        if types.contains(&ty) {
            if let Ok(id) = id.parse::<i64>() {
                if let Some(row) = entities
                    .query(ty, "id", &Value::Int(id))?
                    .into_iter()
                    .next()
                {
                    return Ok(Subject::from_row(ty, row));
                }
            }
            return Err(AccessError::UnknownUser {
                reference: reference.to_string(),
                suggestions: Vec::new(),
            });
        }
    }
    let mut found = Vec::new();
    for ty in &types {
        if set
            .types
            .get(*ty)
            .is_some_and(|d| d.columns.contains_key("name"))
        {
            for row in entities.query(ty, "name", &Value::Text(reference.to_string()))? {
                found.push((*ty, row));
            }
        }
    }
    match found.len() {
        1 => {
            let (ty, row) = found.remove(0);
            Ok(Subject::from_row(ty, row))
        }
        0 => {
            let mut names = Vec::new();
            for ty in &types {
                let (_, table) = table_of(set, ty)?;
                let mut stmt = conn.prepare(&format!("SELECT name FROM {}", ident(table)))?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
                for name in rows {
                    names.push(name?);
                }
            }
            let mut scored: Vec<(f64, String)> = names
                .into_iter()
                .map(|n| {
                    (
                        strsim::jaro_winkler(&reference.to_lowercase(), &n.to_lowercase()),
                        n,
                    )
                })
                .filter(|(score, _)| *score > 0.75)
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0));
            scored.dedup_by(|a, b| a.1 == b.1);
            Err(AccessError::UnknownUser {
                reference: reference.to_string(),
                suggestions: scored.into_iter().take(3).map(|(_, n)| n).collect(),
            })
        }
        _ => Err(AccessError::AmbiguousUser {
            reference: reference.to_string(),
            candidates: found.iter().map(|(ty, row)| candidate(ty, row)).collect(),
        }),
    }
}

/// What an access token for `reference` carries: its subject (`player:1`, `staff:2`) and the
/// scopes the policies grant it, as the tutorial's rule pushes `seeker_chat` into a Seeker's
/// token. `None` for `anonymous`, who needs no token.
pub fn token_grant(
    conn: &Connection,
    set: &PolicySet,
    reference: &str,
) -> Result<Option<(String, Vec<String>)>> {
    let subject = resolve_subject(conn, set, reference)?;
    let Some(id) = &subject.id else {
        return Ok(None);
    };
    let sub = format!("{}:{}", subject.kind, id.as_ref_str());
    let entities = SqlEntities::new(conn, set);
    Ok(Some((sub, authz::scopes(set, &entities, &subject))))
}

/// A SQL boolean expression and its parameters, in order (`?` placeholders): the store's own
/// filter type, so a compiled policy goes straight into its reads.
pub use crate::db::store::SqlFilter;

struct Compiler<'a> {
    set: &'a PolicySet,
    params: Vec<SqlValue>,
    aliases: usize,
    /// Inside an odd number of `NOT`s. There a comparison with NULL (unknown) must count as
    /// false before it is negated, so it is wrapped in `IFNULL(…, 0)`; outside, unknown and
    /// false filter alike, and the bare comparison lets SQLite use an index.
    negated: bool,
}

impl Compiler<'_> {
    fn column(alias: &str, column: &str) -> String {
        format!("{alias}.{}", ident(column))
    }

    fn param(&mut self, value: &Value) -> &'static str {
        self.params.push(to_sql(value));
        "?"
    }

    fn compile(&mut self, filter: &Filter, alias: &str) -> Result<String> {
        Ok(match filter {
            Filter::Const { value } => if *value { "1" } else { "0" }.to_string(),
            Filter::Compare { column, op, value } => {
                let c = Self::column(alias, column);
                let test = format!("{c} {} {}", op.sql(), self.param(value));
                self.definite(&test)
            }
            Filter::InList {
                column,
                negated,
                values,
            } => {
                let c = Self::column(alias, column);
                if values.is_empty() {
                    if *negated {
                        format!("({c} IS NOT NULL)")
                    } else {
                        "0".to_string()
                    }
                } else {
                    let marks: Vec<&str> = values.iter().map(|v| self.param(v)).collect();
                    let op = if *negated { Op::Nin } else { Op::In };
                    let test = format!("{c} {} ({})", op.sql(), marks.join(", "));
                    self.definite(&test)
                }
            }
            Filter::IsNull { column, is_null } => format!(
                "({} IS {}NULL)",
                Self::column(alias, column),
                if *is_null { "" } else { "NOT " }
            ),
            Filter::And { parts } if parts.is_empty() => "1".to_string(),
            Filter::Or { parts } if parts.is_empty() => "0".to_string(),
            Filter::And { parts } | Filter::Or { parts } => {
                let joiner = if matches!(filter, Filter::And { .. }) {
                    " AND "
                } else {
                    " OR "
                };
                let mut out = Vec::new();
                for p in parts {
                    out.push(self.compile(p, alias)?);
                }
                format!("({})", out.join(joiner))
            }
            Filter::Not { inner } => {
                self.negated = !self.negated;
                let inner = self.compile(inner, alias);
                self.negated = !self.negated;
                format!("(NOT {})", inner?)
            }
            Filter::Exists { step, inner } => {
                let (_, table) = table_of(self.set, &step.target)?;
                let a = self.alias();
                let t = Self::column(&a, &step.target_column);
                let inner = self.compile_positive(inner, &a)?;
                let from = Self::column(alias, &step.column);
                format!(
                    "({from} IS NOT NULL AND {from} IN (SELECT {t} FROM {} {a} WHERE {t} IS NOT NULL AND {inner}))",
                    ident(table)
                )
            }
            Filter::Transitive {
                step,
                inner,
                max_depth,
            } => self.transitive(step, inner, *max_depth, alias)?,
        })
    }

    /// A comparison as true or false, never unknown, where that matters (see `negated`).
    fn definite(&self, test: &str) -> String {
        if self.negated {
            format!("IFNULL({test}, 0)")
        } else {
            format!("({test})")
        }
    }

    /// `filter` as the whole `WHERE` of a subquery: a fresh, positive context.
    fn compile_positive(&mut self, filter: &Filter, alias: &str) -> Result<String> {
        let outer = std::mem::replace(&mut self.negated, false);
        let inner = self.compile(filter, alias);
        self.negated = outer;
        inner
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("t{}", self.aliases)
    }

    /// Rows `x` with a chain `x → r1 → … → rk` (1 ≤ k ≤ depth, `r(i+1).target_column =
    /// ri.column`) whose last row satisfies `inner`. Walked backwards from the rows satisfying
    /// `inner`, so the CTE is computed once, not per row; `UNION` and the depth bound end cycles.
    fn transitive(
        &mut self,
        step: &Step,
        inner: &Filter,
        depth: u32,
        alias: &str,
    ) -> Result<String> {
        let (_, table) = table_of(self.set, &step.target)?;
        let a = self.alias();
        let step_alias = self.alias();
        let cte = format!("r{}", self.aliases);
        let inner = self.compile_positive(inner, &a)?;
        let (to, fr) = (ident(&step.target_column), ident(&step.column));
        let from = Self::column(alias, &step.column);
        let table = ident(table);
        Ok(format!(
            "({from} IS NOT NULL AND {from} IN (WITH RECURSIVE {cte}(v, d) AS (\
             SELECT {a}.{to}, 1 FROM {table} {a} WHERE {a}.{to} IS NOT NULL AND {inner} \
             UNION SELECT {step_alias}.{to}, {cte}.d + 1 FROM {table} {step_alias} JOIN {cte} ON {step_alias}.{fr} = {cte}.v \
             WHERE {cte}.d < {depth} AND {step_alias}.{to} IS NOT NULL) SELECT v FROM {cte}))"
        ))
    }
}

/// Compiles a residual filter over rows of `ty`, whose table is referred to by its own name.
pub fn compile_filter(set: &PolicySet, ty: &str, filter: &Filter) -> Result<SqlFilter> {
    let (_, table) = table_of(set, ty)?;
    let mut c = Compiler {
        set,
        params: Vec::new(),
        aliases: 0,
        negated: false,
    };
    let sql = c.compile(filter, &ident(table))?;
    Ok(SqlFilter {
        sql,
        params: c.params,
    })
}

/// The SQL filter selecting exactly the rows of `ty` that `subject` may `action`:
/// `SELECT … FROM <table> WHERE <sql>`.
pub fn row_filter(
    conn: &Connection,
    set: &PolicySet,
    subject: &Subject,
    action: &str,
    ty: &str,
) -> Result<SqlFilter> {
    let entities = SqlEntities::new(conn, set);
    let residual = authz::residual(set, &entities, subject, action, ty);
    compile_filter(set, ty, &residual.filter)
}

/// The keys of the rows `filter` selects, in key order.
pub fn select_ids(
    conn: &Connection,
    set: &PolicySet,
    ty: &str,
    filter: &SqlFilter,
) -> Result<Vec<Value>> {
    let (def, table) = table_of(set, ty)?;
    let key_type = def.key_type();
    let sql = format!(
        "SELECT {key} FROM {} WHERE {} ORDER BY {key}",
        ident(table),
        filter.sql,
        key = ident(&def.key)
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(filter.params.iter()))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(from_sql(r.get_ref(0)?, key_type));
    }
    Ok(out)
}

/// Reverse lookup: the keys of every row of `ty` that `subject` may `action`, through SQL.
pub fn allowed_ids(
    conn: &Connection,
    set: &PolicySet,
    subject: &Subject,
    action: &str,
    ty: &str,
) -> Result<Vec<Value>> {
    let filter = row_filter(conn, set, subject, action, ty)?;
    select_ids(conn, set, ty, &filter)
}

/// Per field of one row: may it be read, and if not, what does reading it yield.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldDecision {
    pub field: String,
    pub readable: bool,
    /// `None` when readable.
    pub read_fail: Option<ReadFail>,
}

/// The field decisions of a response (for the resolvers: `null` or an error per hidden field).
pub fn field_decisions(response: &Response) -> Vec<FieldDecision> {
    let mut out: Vec<FieldDecision> = response
        .fields
        .iter()
        .map(|g| FieldDecision {
            field: g.field.clone(),
            readable: true,
            read_fail: None,
        })
        .collect();
    out.extend(response.denied_fields.iter().map(|d| FieldDecision {
        field: d.field.clone(),
        readable: false,
        read_fail: Some(d.read_fail.clone()),
    }));
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

/// Decides one request against the database: resolves the user and the resource, evaluates.
pub fn decide(
    conn: &Connection,
    set: &PolicySet,
    user: &str,
    action: &str,
    resource: &str,
    field: Option<&str>,
    mode: Mode,
) -> Result<Response> {
    let subject = resolve_subject(conn, set, user)?;
    let entities = SqlEntities::new(conn, set);
    let (resource, _) = authz::resolve_resource(set, &entities, resource)?;
    Ok(authz::evaluate(
        set,
        &entities,
        &Request {
            subject,
            action: action.to_string(),
            resource,
            field: field.map(str::to_string),
        },
        mode,
    )?)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::authz::{MemoryEntities, ResourceRef};

    /// The shipped policies plus a deny with `_and`, `_not`, `_is_null`, `_in` and an object
    /// relationship, so every filter form is compiled.
    fn policies() -> PolicySet {
        let extra = r#"
[[policy]]
id = "hide-slytherin-practice"
effect = "deny"
roles = ["player"]
actions = ["read"]
resource = "game"
condition = { _and = [
  { level = { _in = ["Practice"] } },
  { loser = { name = { _eq = "Slytherin" } } },
  { _not = { child_id = { _is_null = true } } },
] }
"#;
        let source = format!("{}{extra}", include_str!("../policies.toml"));
        authz::parse("policies.toml", &source).unwrap()
    }

    #[derive(Debug, Clone)]
    struct League {
        players: Vec<(String, i64, i64)>,
        games: Vec<(String, i64, i64, Option<i64>)>,
        staff: Vec<(String, Option<i64>)>,
    }

    const TEAMS: [&str; 4] = ["Gryffindor", "Slytherin", "Ravenclaw", "Hufflepuff"];
    const POSITIONS: [&str; 5] = ["Seeker", "Keeper", "Beater", "Chaser", "Captain"];

    fn league() -> impl Strategy<Value = League> {
        let player = (prop::sample::select(&POSITIONS[..]), 1..=7i64, 1..=4i64)
            .prop_map(|(p, y, t)| (p.to_string(), y, t));
        let staff = (
            prop::sample::select(&["admin", "manager", "player"][..]),
            prop::option::of(1..=4i64),
        )
            .prop_map(|(r, t)| (r.to_string(), t));
        (1..=12usize)
            .prop_flat_map(move |n_games| {
                let n = i64::try_from(n_games).unwrap_or(1);
                let game = (
                    prop::sample::select(&["Practice", "First", "Final"][..]),
                    1..=4i64,
                    1..=4i64,
                    prop::option::of(1..=n),
                )
                    .prop_map(|(l, w, lo, c)| (l.to_string(), w, lo, c));
                (
                    prop::collection::vec(player.clone(), 1..8),
                    prop::collection::vec(game, n_games),
                    prop::collection::vec(staff.clone(), 0..3),
                )
            })
            .prop_map(|(players, games, staff)| League {
                players,
                games,
                staff,
            })
    }

    fn row(pairs: Vec<(&str, Value)>) -> Row {
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    fn build(league: &League) -> (Connection, MemoryEntities) {
        let conn = Connection::open_in_memory().unwrap();
        // Child links point forward to games inserted later (and may form cycles).
        conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
        for sql in crate::db::schema::MIGRATIONS {
            conn.execute_batch(sql).unwrap();
        }
        let mut mem = MemoryEntities::new();
        for (i, name) in TEAMS.iter().enumerate() {
            let id = i64::try_from(i).unwrap() + 1;
            conn.execute(
                "INSERT INTO teams (id, name, rank) VALUES (?1, ?2, ?1)",
                rusqlite::params![id, name],
            )
            .unwrap();
            mem.insert(
                "team",
                row(vec![
                    ("id", id.into()),
                    ("name", (*name).into()),
                    ("rank", id.into()),
                ]),
            );
        }
        for (i, (position, year, team)) in league.players.iter().enumerate() {
            let id = i64::try_from(i).unwrap() + 1;
            let name = format!("P{id}");
            conn.execute(
                "INSERT INTO players VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![id, name, position, year, team],
            )
            .unwrap();
            mem.insert(
                "player",
                row(vec![
                    ("id", id.into()),
                    ("name", name.as_str().into()),
                    ("position", position.as_str().into()),
                    ("year", (*year).into()),
                    ("team_id", (*team).into()),
                ]),
            );
        }
        for (i, (level, winner, loser, child)) in league.games.iter().enumerate() {
            let id = i64::try_from(i).unwrap() + 1;
            conn.execute(
                "INSERT INTO games VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![id, level, child, winner, loser],
            )
            .unwrap();
            mem.insert(
                "game",
                row(vec![
                    ("id", id.into()),
                    ("level", level.as_str().into()),
                    ("child_id", Value::from(*child)),
                    ("winner_id", (*winner).into()),
                    ("loser_id", (*loser).into()),
                ]),
            );
        }
        for (i, (role, team)) in league.staff.iter().enumerate() {
            let id = i64::try_from(i).unwrap() + 1;
            let name = format!("S{id}");
            conn.execute(
                "INSERT INTO staff VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![id, name, role, team],
            )
            .unwrap();
            mem.insert(
                "staff",
                row(vec![
                    ("id", id.into()),
                    ("name", name.as_str().into()),
                    ("role", role.as_str().into()),
                    ("team_id", Value::from(*team)),
                ]),
            );
        }
        (conn, mem)
    }

    fn subjects(mem: &MemoryEntities) -> Vec<Subject> {
        let mut out = vec![Subject::anonymous()];
        for kind in ["player", "staff"] {
            out.extend(
                mem.all(kind)
                    .iter()
                    .map(|r| Subject::from_row(kind, r.clone())),
            );
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// The SQL form of the residual filter selects exactly the rows the evaluator allows.
        #[test]
        fn sql_filter_selects_what_the_evaluator_allows(league in league()) {
            let set = policies();
            let (conn, mem) = build(&league);
            for subject in subjects(&mem) {
                for ty in ["game", "player", "team"] {
                    let filter = row_filter(&conn, &set, &subject, "read", ty).unwrap();
                    let by_sql = select_ids(&conn, &set, ty, &filter).unwrap();
                    let by_eval: Vec<Value> = mem
                        .all(ty)
                        .iter()
                        .filter_map(|r| r.get("id").cloned())
                        .filter(|id| {
                            let request = Request {
                                subject: subject.clone(),
                                action: "read".into(),
                                resource: ResourceRef { ty: ty.into(), id: id.clone() },
                                field: None,
                            };
                            authz::evaluate(&set, &mem, &request, Mode::Check)
                                .unwrap()
                                .decision
                                == authz::Decision::Allow
                        })
                        .collect();
                    prop_assert_eq!(
                        &by_sql, &by_eval,
                        "{} reading {}: {}", subject.label(), ty, filter.sql
                    );
                }
            }
        }
    }

    #[test]
    fn the_filter_binds_parameters() {
        let set = policies();
        let (conn, mem) = build(&League {
            players: vec![("Seeker".into(), 2, 1)],
            games: vec![("Practice".into(), 1, 2, None)],
            staff: vec![],
        });
        let harry = Subject::from_row("player", mem.all("player")[0].clone());
        let f = row_filter(&conn, &set, &harry, "read", "game").unwrap();
        assert!(f.sql.contains("WITH RECURSIVE"), "{}", f.sql);
        assert!(
            !f.sql.contains("Slytherin') "),
            "values are bound, not inlined"
        );
        assert!(f.params.contains(&SqlValue::Text("Slytherin".into())));
    }
}
