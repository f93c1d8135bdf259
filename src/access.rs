//! The bridge between the database and the authorization engine: the only module that imports
//! both `db` and `authz` (neither knows the other).
//!
//! - [`Bridge`] is a session: one database ([`Db`]: SQLite or PostgreSQL) and one policy set,
//!   opened once per command or request. Everything that runs SQL is on it (or on the
//!   [`assume::Overlay`] and [`diff`] built from it), through [`Db::rows`], in the backend's
//!   [`Dialect`];
//! - [`SqlEntities`] serves the engine's row lookups (indexed `WHERE column = ?`);
//! - [`Bridge::resolve_subject`] turns a `--user` reference (`"Harry Potter"`, `player:1`,
//!   `staff:2`, `anonymous`) into a subject;
//! - [`compile_filter`] compiles a residual filter into a SQL `WHERE` clause with bound
//!   parameters, usable as `SELECT … FROM games WHERE <sql>`: relationships become
//!   `IN (SELECT …)` subqueries, transitive ones a recursive CTE. The GraphQL layer filters lists
//!   with exactly this ([`Bridge::row_filter`]);
//! - [`Bridge::allowed_ids`] is the reverse lookup (every row a subject may act on),
//!   [`Bridge::profile`] the same for every action and type with the policies behind each, and
//!   [`Bridge::who_can`] the subject lookup;
//! - [`diff`] compares two policy files on the database: per subject, both files' compiled
//!   plans and the rows where their decisions differ.

pub mod diff;

pub mod assume;

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;

use rusqlite::types::{Value as SqlValue, ValueRef};
use serde::Serialize;

use crate::authz::Step;
use crate::authz::parse::ANONYMOUS;
use crate::authz::policy::{ColumnType, Op, TypeDef};
use crate::authz::{
    self, Entities, EntityError, EvalError, Filter, Mode, PolicySet, Request, Response, Row,
    Subject, Value,
};
use crate::db::pg;
use crate::db::sql::Dialect;

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
    #[error(transparent)]
    Db(#[from] crate::db::Error),
    #[error("{message}")]
    Diff { message: String },
    /// A stored value the column's declared type cannot hold (SQLite keeps any value).
    #[error("column `{column}` holds {found}, not {expected}: no policy can be judged on it")]
    BadValue {
        column: String,
        found: String,
        expected: &'static str,
    },
    /// Writing a streamed result failed (a closed pipe ends quietly).
    #[error(transparent)]
    Io(#[from] std::io::Error),
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

pub use crate::db::Db;

/// The database a bridge reads: a SQLite connection or a PostgreSQL one. Every statement the
/// bridge runs goes through [`Db::rows`], written once with the [`Dialect`] (placeholders, the
/// truth constants, typed parameters) and read back into the engine's [`Value`]s.
impl Db<'_> {
    /// Runs `sql` (written in [`Self::dialect`], its parameters bound by [`bind`]) with `params`,
    /// calling `each` with every row's columns read as `types`, one row at a time. SQLite's
    /// statements stay prepared on the connection, as PostgreSQL's do on [`pg::Conn`].
    fn rows<E: From<AccessError> + From<crate::db::Error>>(
        self,
        sql: &str,
        params: &[SqlValue],
        types: &[ColumnType],
        each: &mut dyn FnMut(Vec<Value>) -> Result<(), E>,
    ) -> Result<(), E> {
        match self {
            Db::Sqlite(conn) => {
                let sqlite = |err: rusqlite::Error| E::from(AccessError::from(err));
                let mut stmt = conn.prepare_cached(sql).map_err(sqlite)?;
                let mut rows = stmt
                    .query(rusqlite::params_from_iter(params.iter()))
                    .map_err(sqlite)?;
                while let Some(r) = rows.next().map_err(sqlite)? {
                    let mut values = Vec::with_capacity(types.len());
                    for (i, ty) in types.iter().enumerate() {
                        let value = from_sql(r.get_ref(i).map_err(sqlite)?, *ty);
                        values.push(value.map_err(|found| {
                            bad_value(r.as_ref().column_name(i).unwrap_or("?"), *ty, found)
                        })?);
                    }
                    each(values)?;
                }
                Ok(())
            }
            Db::Postgres(conn) => {
                let bound = pg::param::bind(params);
                conn.for_each(sql, &pg::param::refs(&bound), &mut |r| {
                    let mut values = Vec::with_capacity(types.len());
                    for (i, ty) in types.iter().enumerate() {
                        values.push(from_pg(r, i, *ty).map_err(E::from)?);
                    }
                    each(values)
                })
            }
        }
    }

    /// Whether `table` exists (where unqualified names are looked up).
    fn has_table(self, table: &str) -> Result<bool> {
        let sql = match self {
            Db::Sqlite(_) => {
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)"
            }
            Db::Postgres(_) => "SELECT to_regclass(quote_ident($1::text)) IS NOT NULL",
        };
        let mut found = false;
        self.rows::<AccessError>(
            sql,
            &[SqlValue::Text(table.to_string())],
            &[ColumnType::Bool],
            &mut |v| {
                found = v.first() == Some(&Value::Bool(true));
                Ok(())
            },
        )?;
        Ok(found)
    }

    /// The names of the tables and views, sorted by bytes on both backends (on PostgreSQL without
    /// the version table, which stands for SQLite's `PRAGMA user_version`).
    fn tables(self) -> Result<Vec<String>> {
        let (sql, params) = match self {
            Db::Sqlite(_) => (
                "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') \
                 AND name NOT LIKE 'sqlite_%'",
                Vec::new(),
            ),
            Db::Postgres(_) => (
                "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind IN ('r', 'p', 'v', 'm') AND pg_table_is_visible(c.oid) \
                 AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
                 AND c.relname <> $1::text",
                vec![SqlValue::Text(pg::schema::VERSION_TABLE.to_string())],
            ),
        };
        let mut out = Vec::new();
        self.rows::<AccessError>(sql, &params, &[ColumnType::Text], &mut |v| {
            if let Some(Value::Text(name)) = v.into_iter().next() {
                out.push(name);
            }
            Ok(())
        })?;
        out.sort();
        Ok(out)
    }
}

/// The `n`th (1-based) parameter, holding `value`, in `dialect`: `?` for SQLite (bound in
/// order), `$n` with the value's type for PostgreSQL.
fn bind(dialect: Dialect, n: usize, value: &SqlValue) -> String {
    let mut out = String::new();
    dialect.bind(&mut out, n, value);
    out
}

/// A PostgreSQL column as the engine's value of type `ty`: integers of every width, booleans
/// and texts; any other column type is an error naming it (never a guess).
fn from_pg(row: &tokio_postgres::Row, i: usize, ty: ColumnType) -> Result<Value> {
    use tokio_postgres::types::Type;
    let column_type = row.columns().get(i).map(|c| c.type_().clone());
    let pg = |err: tokio_postgres::Error| AccessError::Db(crate::db::Error::from(err));
    let value = match column_type {
        Some(Type::INT2) => row.try_get::<_, Option<i16>>(i).map_err(pg)?.map(i64::from),
        Some(Type::INT4) => row.try_get::<_, Option<i32>>(i).map_err(pg)?.map(i64::from),
        Some(Type::INT8) => row.try_get::<_, Option<i64>>(i).map_err(pg)?,
        Some(Type::BOOL) => {
            return Ok(match row.try_get::<_, Option<bool>>(i).map_err(pg)? {
                None => Value::Null,
                Some(b) if ty == ColumnType::Bool => Value::Bool(b),
                Some(b) => Value::Int(i64::from(b)),
            });
        }
        Some(Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME) => {
            return match row.try_get::<_, Option<String>>(i).map_err(pg)? {
                None => Ok(Value::Null),
                Some(t) => stored(ty, t).map_err(|found| {
                    bad_value(row.columns().get(i).map_or("?", |c| c.name()), ty, found)
                }),
            };
        }
        other => {
            return Err(AccessError::Db(crate::db::Error::Postgres {
                message: format!(
                    "column {} is of type `{}`, which policies cannot compare",
                    row.columns().get(i).map_or("?", |c| c.name()),
                    other.map_or_else(|| "?".to_string(), |t| t.name().to_string())
                ),
            }));
        }
    };
    Ok(match (value, ty) {
        (None, _) => Value::Null,
        (Some(i), ColumnType::Bool) => Value::Bool(i != 0),
        (Some(i), _) => Value::Int(i),
    })
}

fn table_of<'a>(set: &'a PolicySet, ty: &str) -> Result<(&'a TypeDef, &'a str)> {
    let def = set.types.get(ty).ok_or_else(|| EvalError::UnknownType {
        ty: ty.to_string(),
        suggestion: authz::error::Suggestion::for_word(ty, set.types.keys().map(String::as_str)),
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

/// A value SQLite stored, read as the policies declare its column ([`stored`]): SQLite keeps
/// whatever a row was given, whatever the column's type. `Err`: what was found instead, for
/// [`bad_value`] (the column is named only then, off the path of every value read).
fn from_sql(value: ValueRef<'_>, ty: ColumnType) -> std::result::Result<Value, String> {
    match (value, ty) {
        (ValueRef::Null, _) => Ok(Value::Null),
        (ValueRef::Integer(i), ColumnType::Bool) => Ok(Value::Bool(i != 0)),
        (ValueRef::Integer(i), ColumnType::Int) => Ok(Value::Int(i)),
        (ValueRef::Text(t), ColumnType::Text | ColumnType::Time) => match std::str::from_utf8(t) {
            Ok(text) => stored(ty, text.to_string()),
            Err(_) => Err("text that is not UTF-8".to_string()),
        },
        (ValueRef::Integer(i), _) => Err(format!("the integer {i}")),
        (ValueRef::Real(f), _) => Err(format!("the real number {f}")),
        (ValueRef::Text(t), _) => Err(format!("the text `{}`", String::from_utf8_lossy(t))),
        (ValueRef::Blob(b), _) => Err(format!("a blob of {} bytes", b.len())),
    }
}

/// A stored text, of the declared type `ty` (`text` or `time`): a time must be in the form
/// times compare in as texts (`YYYY-MM-DDTHH:MM:SSZ`, what `db seed`, `--assume` and the policy
/// file's literals are made into). Another form (an offset, a space) would be compared as the
/// text it is, and so decide by its letters: an error, never a decision. `Err`: what was found.
fn stored(ty: ColumnType, text: String) -> std::result::Result<Value, String> {
    if ty == ColumnType::Time && authz::context::canonical_time(&text).as_deref() != Some(&text) {
        return Err(format!("the text `{text}`"));
    }
    Ok(Value::Text(text))
}

/// A stored value of `column` that its declared type `ty` cannot hold: `found` instead.
fn bad_value(column: &str, ty: ColumnType, found: String) -> AccessError {
    AccessError::BadValue {
        column: column.to_string(),
        found,
        expected: match ty {
            ColumnType::Int => "an integer",
            ColumnType::Bool => "a boolean (an integer)",
            ColumnType::Text => "text",
            ColumnType::Time => "a time written `YYYY-MM-DDTHH:MM:SSZ`",
        },
    }
}

/// The engine's rows, read from the database. Lookups go through cached prepared statements on
/// indexed columns.
pub struct SqlEntities<'a> {
    db: Db<'a>,
    set: &'a PolicySet,
    /// Per (type, column, parameter): the text of its lookup, built once (a few per check, so a
    /// list). The parameter's text is part of the key: on PostgreSQL it carries the value's type.
    queries: RefCell<Vec<(String, String, String, String)>>,
}

impl<'a> SqlEntities<'a> {
    pub fn new(db: impl Into<Db<'a>>, set: &'a PolicySet) -> Self {
        SqlEntities {
            db: db.into(),
            set,
            queries: RefCell::new(Vec::new()),
        }
    }

    /// The rows of `ty` whose `column` is `value`.
    fn query(&self, ty: &str, column: &str, value: &Value) -> Result<Vec<Row>> {
        let (def, table) = table_of(self.set, ty)?;
        let value = to_sql(value);
        let param = bind(self.db.dialect(), 1, &value);
        let sql = {
            let mut queries = self.queries.borrow_mut();
            if let Some((.., sql)) = queries
                .iter()
                .find(|(t, c, p, _)| t == ty && c == column && *p == param)
            {
                sql.clone()
            } else {
                let mut sql = String::from("SELECT ");
                for (i, c) in def.columns.keys().enumerate() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&ident(c));
                }
                let _ = write!(
                    sql,
                    " FROM {} WHERE {} = {param} ORDER BY {}",
                    ident(table),
                    ident(column),
                    ident(&def.key)
                );
                queries.push((ty.to_string(), column.to_string(), param, sql.clone()));
                sql
            }
        };
        let types: Vec<ColumnType> = def.columns.values().copied().collect();
        let mut out = Vec::new();
        self.db
            .rows::<AccessError>(&sql, &[value], &types, &mut |values| {
                out.push(def.columns.keys().cloned().zip(values).collect());
                Ok(())
            })?;
        Ok(out)
    }

    /// The rows of `ty` keyed by `keys` (those that exist), by key: [`Self::query_each`] on the
    /// key column, one statement per 256 keys rather than one per key (on PostgreSQL each is a
    /// round trip), or one lookup per key where one statement cannot stand for them.
    fn rows_by_keys(&self, ty: &str, keys: &[Value]) -> Result<HashMap<Value, Row>> {
        let (def, _) = table_of(self.set, ty)?;
        let found = match self.query_each(ty, &def.key, keys)? {
            Some(found) => found,
            None => keys
                .iter()
                .map(|key| self.query(ty, &def.key, key))
                .collect::<Result<_>>()?,
        };
        Ok(keys
            .iter()
            .zip(found)
            .filter_map(|(key, rows)| Some((key.clone(), rows.into_iter().next()?)))
            .collect())
    }

    /// For each of `values`, in order, the rows of `ty` whose `column` is that value, as
    /// [`Self::query`] reads them (in key order), read by one statement per 256 distinct
    /// values instead of one each: a traversal's level. The list is padded with its last value
    /// to a power of two, so a few statement texts serve every level. `None` when one statement
    /// cannot stand for the lookups: values of another type than the column's (each alone gets
    /// the database's own answer or error), or a row whose value is none of those asked for (a
    /// comparison the database made loosely, as SQLite's affinity does).
    fn query_each(
        &self,
        ty: &str,
        column: &str,
        values: &[Value],
    ) -> Result<Option<Vec<Vec<Row>>>> {
        const CHUNK: usize = 256;
        let (def, table) = table_of(self.set, ty)?;
        let Some(&declared) = def.columns.get(column) else {
            return Ok(None);
        };
        let mut distinct: Vec<&Value> = Vec::new();
        let mut found: HashMap<&Value, Vec<Row>> = HashMap::new();
        for value in values {
            match (value, declared) {
                (Value::Null, _) => continue,
                (Value::Int(_), ColumnType::Int)
                | (Value::Bool(_), ColumnType::Bool)
                | (Value::Text(_), ColumnType::Text | ColumnType::Time) => {}
                _ => return Ok(None),
            }
            if !found.contains_key(value) {
                found.insert(value, Vec::new());
                distinct.push(value);
            }
        }
        let types: Vec<ColumnType> = def.columns.values().copied().collect();
        let columns: Vec<String> = def.columns.keys().map(|c| ident(c)).collect();
        for chunk in distinct.chunks(CHUNK) {
            let Some(&last) = chunk.last() else {
                break;
            };
            let size = chunk.len().next_power_of_two();
            let param = to_sql(last);
            let placeholders: Vec<String> = (1..=size)
                .map(|n| bind(self.db.dialect(), n, &param))
                .collect();
            let sql = format!(
                "SELECT {} FROM {} WHERE {} IN ({}) ORDER BY {}",
                columns.join(", "),
                ident(table),
                ident(column),
                placeholders.join(", "),
                ident(&def.key)
            );
            let params: Vec<SqlValue> = chunk
                .iter()
                .copied()
                .chain(std::iter::repeat_n(last, size - chunk.len()))
                .map(to_sql)
                .collect();
            let mut stray = false;
            self.db
                .rows::<AccessError>(&sql, &params, &types, &mut |values| {
                    let row: Row = def.columns.keys().cloned().zip(values).collect();
                    match row.get(column).and_then(|v| found.get_mut(v)) {
                        Some(rows) => rows.push(row),
                        None => stray = true,
                    }
                    Ok(())
                })?;
            if stray {
                return Ok(None);
            }
        }
        Ok(Some(
            values
                .iter()
                .map(|value| found.get(value).cloned().unwrap_or_default())
                .collect(),
        ))
    }

    /// Whether `ty` has a row keyed `key`, without reading it.
    fn exists(&self, ty: &str, key: &Value) -> Result<bool> {
        let (def, table) = table_of(self.set, ty)?;
        let key = to_sql(key);
        let sql = format!(
            "SELECT 1 FROM {} WHERE {} = {} LIMIT 1",
            ident(table),
            ident(&def.key),
            bind(self.db.dialect(), 1, &key)
        );
        let mut found = false;
        self.db
            .rows::<AccessError>(&sql, &[key], &[ColumnType::Int], &mut |_| {
                found = true;
                Ok(())
            })?;
        Ok(found)
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

    fn find_each(
        &self,
        ty: &str,
        column: &str,
        values: &[Value],
    ) -> Result<Vec<Vec<Row>>, EntityError> {
        match self.query_each(ty, column, values) {
            Ok(Some(rows)) => Ok(rows),
            Ok(None) => authz::entities::one_by_one(self, ty, column, values),
            Err(err) => Err(EntityError {
                message: format!("{err:#}"),
            }),
        }
    }
}

/// `TYPE:ID` with an integer key (`player:1`): a subject named by its row, not by text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubjectRef {
    pub ty: String,
    pub id: i64,
}

impl SubjectRef {
    /// `TYPE:ID`, when the id is an integer.
    pub fn parse(text: &str) -> Option<Self> {
        let (ty, id) = text.split_once(':')?;
        Some(SubjectRef {
            ty: ty.to_string(),
            id: id.parse().ok()?,
        })
    }
}

impl std::fmt::Display for SubjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.ty, self.id)
    }
}

/// A session of the bridge: one database connection and one policy set, opened once per command
/// or request and used for everything it decides. It owns the engine's row lookups
/// ([`SqlEntities`], whose statements it keeps prepared), and every query the bridge runs is one
/// of its methods: the seam where a second database backend plugs in.
pub struct Bridge<'a> {
    db: Db<'a>,
    set: &'a PolicySet,
    entities: SqlEntities<'a>,
}

impl<'a> Bridge<'a> {
    /// Calls `each` with every row of type `ty`, one at a time (a virtual type's resources from
    /// the policy file, a table's rows read by one streaming statement): what `authz export` writes
    /// its tuples from without holding a table in memory. A table the database lacks has no rows.
    pub fn for_each_row(
        &self,
        ty: &str,
        each: &mut dyn FnMut(Row) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let def = self
            .set
            .types
            .get(ty)
            .ok_or_else(|| anyhow::anyhow!("unknown type `{ty}`"))?;
        let Some(table) = def.table.as_deref() else {
            for row in &def.resources {
                each(row.clone())?;
            }
            return Ok(());
        };
        if !self.db.has_table(table)? {
            return Ok(());
        }
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {}",
            def.columns
                .keys()
                .map(|c| ident(c))
                .collect::<Vec<_>>()
                .join(", "),
            ident(table),
            ident(&def.key)
        );
        let types: Vec<ColumnType> = def.columns.values().copied().collect();
        self.db.rows(&sql, &[], &types, &mut |values| {
            each(def.columns.keys().cloned().zip(values).collect())
        })
    }

    /// A session on `db` (a SQLite or a PostgreSQL connection) deciding with `set`.
    pub fn new(db: impl Into<Db<'a>>, set: &'a PolicySet) -> Self {
        let db = db.into();
        Bridge {
            db,
            set,
            entities: SqlEntities::new(db, set),
        }
    }

    /// The database it reads.
    pub fn db(&self) -> Db<'a> {
        self.db
    }

    /// The SQL of the bridge's database (the filters it compiles are written in it).
    pub fn dialect(&self) -> Dialect {
        self.db.dialect()
    }

    /// The policies it decides with.
    pub fn set(&self) -> &'a PolicySet {
        self.set
    }

    /// The database's rows, for the engine.
    pub fn entities(&self) -> &SqlEntities<'a> {
        &self.entities
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

impl Bridge<'_> {
    /// The subject whose `column` of type `ty` is `value` (`[identity] map = "player.name"`):
    /// `None` unless exactly one row matches, so that a name two players share maps no one.
    pub fn subject_by(&self, ty: &str, column: &str, value: &Value) -> Result<Option<Subject>> {
        let mut rows = self.entities.query(ty, column, value)?;
        Ok(match (rows.pop(), rows.is_empty()) {
            (Some(row), true) => Some(Subject::from_row(ty, row)),
            _ => None,
        })
    }

    /// A `--user` reference → a subject: `anonymous`, `TYPE:ID`, or a name (unique across the
    /// subject types; an ambiguous one lists the candidates, an unknown one the closest names).
    pub fn resolve_subject(&self, reference: &str) -> Result<Subject> {
        self.resolve_subject_in(&self.entities, reference)
    }

    /// [`Self::resolve_subject`] with the rows of `entities` (a what-if [`assume::Overlay`]): the
    /// subject carries its assumed attributes.
    pub fn resolve_subject_in(&self, entities: &dyn Entities, reference: &str) -> Result<Subject> {
        let (db, set) = (self.db, self.set);
        if reference == ANONYMOUS {
            return Ok(Subject::anonymous());
        }
        let types = subject_types(set);
        if let Some((ty, id)) = reference.split_once(':')
            && types.contains(&ty)
        {
            if let Ok(id) = id.parse::<i64>()
                && let Some(row) = entities.get(ty, &Value::Int(id)).map_err(EvalError::from)?
            {
                return Ok(Subject::from_row(ty, row));
            }
            return Err(AccessError::UnknownUser {
                reference: reference.to_string(),
                suggestions: Vec::new(),
            });
        }
        let mut found = Vec::new();
        for ty in &types {
            if set
                .types
                .get(*ty)
                .is_some_and(|d| d.columns.contains_key("name"))
            {
                for row in entities
                    .find(ty, "name", &Value::Text(reference.to_string()))
                    .map_err(EvalError::from)?
                {
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
                // The three closest names, kept as the names stream by: a league of a million
                // players is not read into memory to suggest three of them.
                let wanted = reference.to_lowercase();
                let mut scored: Vec<(f64, String)> = Vec::with_capacity(4);
                for ty in &types {
                    let (def, table) = table_of(set, ty)?;
                    // In key order on both backends, so ties are broken alike.
                    let sql = format!(
                        "SELECT name FROM {} ORDER BY {}",
                        ident(table),
                        ident(&def.key)
                    );
                    db.rows::<AccessError>(&sql, &[], &[ColumnType::Text], &mut |row| {
                        let Some(Value::Text(name)) = row.into_iter().next() else {
                            return Ok(());
                        };
                        let score = strsim::jaro_winkler(&wanted, &name.to_lowercase());
                        if score <= 0.75 || scored.iter().any(|(_, n)| *n == name) {
                            return Ok(());
                        }
                        // After every name that scores as well: the first found comes first.
                        let at = scored.partition_point(|(s, _)| *s >= score);
                        if at < 3 {
                            scored.insert(at, (score, name));
                            scored.truncate(3);
                        }
                        Ok(())
                    })?;
                }
                Err(AccessError::UnknownUser {
                    reference: reference.to_string(),
                    suggestions: scored.into_iter().map(|(_, n)| n).collect(),
                })
            }
            _ => Err(AccessError::AmbiguousUser {
                reference: reference.to_string(),
                candidates: found.iter().map(|(ty, row)| candidate(ty, row)).collect(),
            }),
        }
    }

    /// The subject a `TYPE:ID` reference names (a token's subject claim), as
    /// [`Self::resolve_subject`] resolves its text.
    pub fn resolve_subject_ref(&self, reference: &SubjectRef) -> Result<Subject> {
        if !subject_types(self.set).contains(&reference.ty.as_str()) {
            // Not a subject type: the text is looked up as a name, as `--user` would be.
            return self.resolve_subject(&reference.to_string());
        }
        match self
            .entities
            .get(&reference.ty, &Value::Int(reference.id))
            .map_err(EvalError::from)?
        {
            Some(row) => Ok(Subject::from_row(&reference.ty, row)),
            None => Err(AccessError::UnknownUser {
                reference: reference.to_string(),
                suggestions: Vec::new(),
            }),
        }
    }

    /// What an access token for `reference` carries: its subject (`player:1`, `staff:2`) and the
    /// scopes the policies grant it, as the tutorial's rule pushes `seeker_chat` into a Seeker's
    /// token. `None` for `anonymous`, who needs no token.
    pub fn token_grant(&self, reference: &str) -> Result<Option<(String, Vec<String>)>> {
        let subject = self.resolve_subject(reference)?;
        let Some(id) = &subject.id else {
            return Ok(None);
        };
        let sub = format!("{}:{}", subject.kind, id.as_ref_str());
        Ok(Some((
            sub,
            authz::scopes(self.set, &self.entities, &subject)?,
        )))
    }
}

/// A SQL boolean expression and its parameters, in order (`?` placeholders): the store's own
/// filter type, so a compiled policy goes straight into its reads.
pub use crate::db::store::SqlFilter;

struct Compiler<'a> {
    set: &'a PolicySet,
    dialect: Dialect,
    params: Vec<SqlValue>,
    aliases: usize,
    /// The type whose row the filter being compiled tests.
    ty: String,
}

impl Compiler<'_> {
    fn column(alias: &str, column: &str) -> String {
        format!("{alias}.{}", ident(column))
    }

    /// `column` of `alias` as compared with `value`. A boolean is compared as the evaluator
    /// reads the column (any integer but 0 is true, NULL unknown), as an integer 1/0 (its
    /// parameter is one): on SQLite `(c <> 0)`; on PostgreSQL through the column's text, which a
    /// `boolean` column gives as `true`/`false` and an integer one as its digits. Comparing the
    /// column with 1 instead would read a 2 as false where the evaluator reads true.
    fn operand(&self, alias: &str, column: &str, value: &Value) -> String {
        let c = Self::column(alias, column);
        match (self.dialect, value) {
            (Dialect::Sqlite, Value::Bool(_)) => format!("({c} <> 0)"),
            (Dialect::Postgres, Value::Bool(_)) => {
                format!("(({c})::text NOT IN ('0', 'false'))::int4")
            }
            _ => c,
        }
    }

    /// The declared type of `column` of the type whose row is being compiled.
    fn declared(&self, column: &str) -> Option<ColumnType> {
        self.set
            .types
            .get(&self.ty)
            .and_then(|def| def.columns.get(column))
            .copied()
    }

    /// `comparison` (by `op`) of `column` of `alias` (a row of `self.ty`), unknown where the
    /// stored value is not one the column's declared type can hold, as the evaluator refuses it
    /// ([`from_sql`]) and SQL cannot: it is unknown, which fails closed (an allow does not
    /// apply, a deny does).
    /// - A `time` whose text is not in the form times compare in as texts
    ///   (`YYYY-MM-DDTHH:MM:SSZ`): compared as the text it is, `2026-12-04T16:00:00-05:00`
    ///   would come before `2026-12-04T17:00:00Z`, five hours early.
    /// - On SQLite, which keeps whatever a row is given, an `int` or `bool` holding a text or a
    ///   real: a text is greater than every number there and unequal to each, so `year > 3`
    ///   held for `'three'`, and a deny on `year < 2` never applied to it. Only where it
    ///   matters: true is all a positive place asks (`positive`: a `WHERE`, an operand of
    ///   `AND`/`OR` under one), and there an `int` is never equal to such a value, so `_eq` and
    ///   `_in` are exact as they are (and keep their indexes).
    fn type_checked(
        &self,
        alias: &str,
        column: &str,
        op: Op,
        comparison: String,
        positive: bool,
    ) -> String {
        let c = Self::column(alias, column);
        let check = match (self.declared(column), self.dialect) {
            (Some(ColumnType::Time), _) => self.time_form(&c),
            (Some(ColumnType::Int), Dialect::Sqlite)
                if positive && matches!(op, Op::Eq | Op::In) =>
            {
                return comparison;
            }
            (Some(ColumnType::Int | ColumnType::Bool), Dialect::Sqlite) if positive => {
                return format!("({comparison} AND typeof({c}) = 'integer')");
            }
            (Some(ColumnType::Int | ColumnType::Bool), Dialect::Sqlite) => {
                format!("typeof({c}) = 'integer'")
            }
            _ => return comparison,
        };
        format!("(CASE WHEN {check} THEN {comparison} END)")
    }

    /// Whether the text of `c`, a `time` column, is a time in the form times compare in as
    /// texts (`YYYY-MM-DDTHH:MM:SSZ`, what [`from_sql`] accepts), in SQL: a real date and time
    /// of day, not only digits in their places. `2025-02-30T00:00:00Z` has the form, but no
    /// such day exists: the evaluator refuses it, and compared as its text it came before
    /// today and lifted the results embargo. On SQLite the text must survive a round trip
    /// through a Julian day (which moves an impossible day or second, or fails); on
    /// PostgreSQL it must match [`PG_TIME_FORM`].
    fn time_form(&self, c: &str) -> String {
        match self.dialect {
            Dialect::Sqlite => format!("strftime('%Y-%m-%dT%H:%M:%SZ', julianday({c})) = {c}"),
            Dialect::Postgres => format!("{c} ~ '{PG_TIME_FORM}'"),
        }
    }

    /// `related`, the test that `step` leads from `alias` (a row of `self.ty`) to a row that
    /// passes, made exact under a `NOT` (`!positive`): unknown where no related row passes but
    /// one the step reads holds a value the evaluator refuses to read ([`from_sql`],
    /// [`Self::unreadable_on`]; for a `transitive` step, any row its walk reaches within the
    /// limit), or where the key itself holds a text or a real on SQLite. As SQL has it, such a
    /// row reads as no related row (or one that does not pass) and lifts a deny that the
    /// evaluator refuses to judge. NULL is no related row, as it is. For a transitive step,
    /// unknown too where nothing within the limit passes and the walk goes on past it. Where
    /// only true matters (`positive`), unknown is false: `related` as it is, which keeps its
    /// indexes.
    fn related_checked(
        &mut self,
        alias: &str,
        step: &Step,
        related: String,
        transitive: Option<u32>,
        positive: bool,
    ) -> Result<String> {
        if positive {
            return Ok(related);
        }
        let from = Self::column(alias, &step.column);
        let key_junk = if self.dialect == Dialect::Sqlite
            && matches!(
                self.declared(&step.column),
                Some(ColumnType::Int | ColumnType::Bool)
            ) {
            format!("WHEN typeof({from}) NOT IN ('integer', 'null') THEN NULL ")
        } else {
            String::new()
        };
        let b = self.alias();
        let junk = self.unreadable_on(&step.target, &b);
        let unreadable = if junk.is_empty() {
            String::new()
        } else {
            // A transitive step reads every row its walk reaches within the limit.
            let reaches = if let Some(depth) = transitive {
                self.chains(step, Seed::Unreadable, depth, alias)?
            } else {
                let (_, table) = table_of(self.set, &step.target)?;
                format!(
                    "{from} IN (SELECT {b}.{} FROM {} {b} WHERE {})",
                    ident(&step.target_column),
                    ident(table),
                    junk.join(" OR ")
                )
            };
            format!("WHEN {reaches} THEN NULL ")
        };
        let deep = match transitive {
            Some(depth) => format!(
                "WHEN {} THEN NULL ",
                self.chains(step, Seed::Any, depth, alias)?
            ),
            None => String::new(),
        };
        if key_junk.is_empty() && unreadable.is_empty() && deep.is_empty() {
            return Ok(related);
        }
        Ok(format!(
            "(CASE {key_junk}WHEN {related} THEN {} {unreadable}{deep}ELSE {} END)",
            self.truth(true),
            self.truth(false)
        ))
    }

    /// The tests, on a row of `ty` named `alias`, that it holds a value its declared type
    /// cannot, which the evaluator refuses to read ([`from_sql`]): on SQLite (which keeps
    /// whatever a row is given) an `int` or `bool` holding a text or a real, on both backends a
    /// `time` that is not the canonical text of a real time. Empty when none can.
    fn unreadable_on(&self, ty: &str, alias: &str) -> Vec<String> {
        self.set.types.get(ty).map_or_else(Vec::new, |def| {
            def.columns
                .iter()
                .filter_map(|(name, column_type)| {
                    let c = Self::column(alias, name);
                    match (column_type, self.dialect) {
                        (ColumnType::Int | ColumnType::Bool, Dialect::Sqlite) => {
                            Some(format!("typeof({c}) NOT IN ('integer', 'null')"))
                        }
                        (ColumnType::Time, _) => Some(format!(
                            "({c} IS NOT NULL AND NOT ({}))",
                            self.time_form(&c)
                        )),
                        _ => None,
                    }
                })
                .collect()
        })
    }

    /// `inner` compiled as a filter on rows of `ty`, then back to the current type.
    fn compile_on(&mut self, ty: &str, inner: &Filter, alias: &str) -> Result<String> {
        let outer = std::mem::replace(&mut self.ty, ty.to_string());
        let compiled = self.compile_positive(inner, alias);
        self.ty = outer;
        compiled
    }

    fn param(&mut self, value: &Value) -> String {
        let value = to_sql(value);
        let text = bind(self.dialect, self.params.len() + 1, &value);
        self.params.push(value);
        text
    }

    fn truth(&self, value: bool) -> String {
        truth(self.dialect, value).to_string()
    }

    /// How an ordering comparison with a text orders on PostgreSQL: by bytes (`COLLATE "C"`), as
    /// the evaluator and SQLite's default collation do, whatever the database's locale.
    fn collation(&self, op: Op, value: &Value) -> &'static str {
        let ordering = matches!(op, Op::Lt | Op::Lte | Op::Gt | Op::Gte);
        if self.dialect == Dialect::Postgres && ordering && matches!(value, Value::Text(_)) {
            " COLLATE \"C\""
        } else {
            ""
        }
    }

    /// `filter` as a SQL boolean. With `positive`, only whether it is true matters to the
    /// caller (a `WHERE`, an `IFNULL(…, 0)`, the operand of `AND`/`OR` under one), so unknown
    /// and false need not be told apart: `IsTrue` compiles to its operand alone, a comparison
    /// SQLite can answer from an index (`IFNULL(team_id = ?, 0)` makes it read every row).
    /// An unknown part is false there (dropped from an `OR`, as a `… OR NULL` also keeps SQLite
    /// from the indexes). This is exact: under Kleene's `AND`/`OR`, whether the whole is true
    /// depends only on which parts are true. `NOT` needs the exact value of its operand.
    fn compile(&mut self, filter: &Filter, alias: &str, positive: bool) -> Result<String> {
        Ok(match filter {
            // SQL's three-valued logic is the engine's: a comparison with NULL is unknown,
            // `NOT` keeps it unknown, `AND`/`OR` are Kleene's, and a `WHERE` keeps only rows
            // that are true. So a deny's `NOT (…)` excludes a row whose deny is unknown, as the
            // evaluator's "a deny applies unless its condition is false" does.
            Filter::Const { value } => self.truth(*value),
            // Only `$context.*` takes `_in_cidr` and `_contains`, decided before any row
            // (parsing sees to it): should a column ever come with one, it is unknown.
            Filter::Unknown
            | Filter::Compare {
                op: Op::InCidr | Op::Contains,
                ..
            } if positive => self.truth(false),
            Filter::Unknown
            | Filter::Compare {
                op: Op::InCidr | Op::Contains,
                ..
            } => "NULL".to_string(),
            Filter::Compare { column, op, value } => {
                let c = self.operand(alias, column, value);
                let collation = self.collation(*op, value);
                let comparison = format!("({c} {} {}{collation})", op.sql(), self.param(value));
                self.type_checked(alias, column, *op, comparison, positive)
            }
            Filter::InList {
                column,
                negated,
                values,
            } => {
                if let Some(first) = values.first() {
                    let c = self.operand(alias, column, first);
                    let marks: Vec<String> = values.iter().map(|v| self.param(v)).collect();
                    let op = if *negated { Op::Nin } else { Op::In };
                    let comparison = format!("({c} {} ({}))", op.sql(), marks.join(", "));
                    self.type_checked(alias, column, op, comparison, positive)
                } else {
                    // As SQL: nothing is in an empty list, NULL included.
                    self.truth(*negated)
                }
            }
            Filter::IsNull { column, is_null } => format!(
                "({} IS {}NULL)",
                Self::column(alias, column),
                if *is_null { "" } else { "NOT " }
            ),
            Filter::And { parts } if parts.is_empty() => self.truth(true),
            Filter::And { parts } if positive && parts.contains(&Filter::Unknown) => {
                self.truth(false)
            }
            Filter::Or { parts } if positive && parts.contains(&Filter::Unknown) => {
                let known: Vec<Filter> = parts
                    .iter()
                    .filter(|p| **p != Filter::Unknown)
                    .cloned()
                    .collect();
                self.compile(&Filter::or(known), alias, true)?
            }
            Filter::Or { parts } if parts.is_empty() => self.truth(false),
            Filter::And { parts } | Filter::Or { parts } => {
                let joiner = if matches!(filter, Filter::And { .. }) {
                    " AND "
                } else {
                    " OR "
                };
                let mut out = Vec::new();
                for p in parts {
                    out.push(self.compile(p, alias, positive)?);
                }
                format!("({})", out.join(joiner))
            }
            Filter::Not { inner } => format!("(NOT {})", self.compile(inner, alias, false)?),
            Filter::IsTrue { inner } if positive => self.compile(inner, alias, true)?,
            Filter::IsTrue { inner } => {
                if_null(self.dialect, &self.compile(inner, alias, true)?, false)
            }
            Filter::Exists { step, inner } => {
                let (_, table) = table_of(self.set, &step.target)?;
                let a = self.alias();
                let t = Self::column(&a, &step.target_column);
                let inner = self.compile_on(&step.target, inner, &a)?;
                let from = Self::column(alias, &step.column);
                let related = format!(
                    "({from} IS NOT NULL AND {from} IN (SELECT {t} FROM {} {a} WHERE {t} IS NOT NULL AND {inner}))",
                    ident(table)
                );
                self.related_checked(alias, step, related, None, positive)?
            }
            // No row can match: where a walk goes on past the limit it is unknown, which only
            // an exact value (under a `NOT`) tells apart from false.
            Filter::Transitive { inner, .. } if positive && **inner == Filter::FALSE => {
                self.truth(false)
            }
            Filter::Transitive {
                step,
                inner,
                max_depth,
            } => {
                let related = self.chains(step, Seed::Passing(inner), *max_depth, alias)?;
                self.related_checked(alias, step, related, Some(*max_depth), positive)?
            }
        })
    }

    /// `filter` as the whole `WHERE` of a subquery: a row counts where it is true.
    fn compile_positive(&mut self, filter: &Filter, alias: &str) -> Result<String> {
        self.compile(filter, alias, true)
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("t{}", self.aliases)
    }

    /// Rows `x` with a chain `x → r1 → … → rk` (`r(i+1).target_column = ri.column`) whose last
    /// row is what `seed` asks: with 1 ≤ k ≤ depth, one satisfying a filter, or one the
    /// evaluator cannot read; with k = depth + 1, any row, where a transitive step no row
    /// within the depth passes is unknown ([`entities::walk`]'s `Cut`). Walked backwards from
    /// the chains' last rows, so the CTE is computed once, not per row; `UNION` and the depth
    /// bound end cycles.
    fn chains(&mut self, step: &Step, seed: Seed<'_>, depth: u32, alias: &str) -> Result<String> {
        let (_, table) = table_of(self.set, &step.target)?;
        let a = self.alias();
        let step_alias = self.alias();
        let cte = format!("r{}", self.aliases);
        let (to, fr) = (ident(&step.target_column), ident(&step.column));
        let (seed, last, only) = match seed {
            Seed::Passing(inner) => (
                format!(" AND {}", self.compile_on(&step.target, inner, &a)?),
                depth,
                String::new(),
            ),
            Seed::Unreadable => (
                format!(
                    " AND ({})",
                    self.unreadable_on(&step.target, &a).join(" OR ")
                ),
                depth,
                String::new(),
            ),
            Seed::Any => (
                String::new(),
                depth + 1,
                format!(" WHERE {cte}.d = {}", depth + 1),
            ),
        };
        let from = Self::column(alias, &step.column);
        let table = ident(table);
        Ok(format!(
            "({from} IS NOT NULL AND {from} IN (WITH RECURSIVE {cte}(v, d) AS (\
             SELECT {a}.{to}, 1 FROM {table} {a} WHERE {a}.{to} IS NOT NULL{seed} \
             UNION SELECT {step_alias}.{to}, {cte}.d + 1 FROM {table} {step_alias} JOIN {cte} ON {step_alias}.{fr} = {cte}.v \
             WHERE {cte}.d < {last} AND {step_alias}.{to} IS NOT NULL) SELECT v FROM {cte}{only}))"
        ))
    }
}

/// Which rows end the chains [`Compiler::chains`] looks for.
#[derive(Clone, Copy)]
enum Seed<'a> {
    /// Rows satisfying the filter, within the depth.
    Passing(&'a Filter),
    /// Rows holding a value the evaluator cannot read, within the depth.
    Unreadable,
    /// Any row, one step past the depth.
    Any,
}

/// A canonical time (`YYYY-MM-DDTHH:MM:SSZ`) of a real day, as a POSIX regular expression:
/// months of 31, 30 and 28 days, 29 February in leap years (every fourth year, centuries only
/// when divisible by 400, the year 0000 among them), hours to 23, minutes and seconds to 59.
const PG_TIME_FORM: &str = "^([0-9]{4}-(0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])\
    |[0-9]{4}-(0[469]|11)-(0[1-9]|[12][0-9]|30)|[0-9]{4}-02-(0[1-9]|1[0-9]|2[0-8])\
    |([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[048]|[2468][048]|[13579][26])00)-02-29)\
    T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$";

/// The branches of `filter` whose rows together are its rows, when it is an `OR` with a
/// subquery in some branch (an `OR` of column comparisons alone is left whole: PostgreSQL
/// combines their indexes itself): the parts of the `OR`, or those of the first such `OR` in
/// an `AND`, each with the `AND`'s other parts (`a AND (b OR c)` is true exactly where
/// `a AND b` or `a AND c` is).
fn union_branches(filter: &Filter) -> Option<Vec<Filter>> {
    let split = |f: &Filter| matches!(f, Filter::Or { parts } if parts.len() > 1 && parts.iter().any(has_subquery));
    match filter {
        Filter::Or { parts } if split(filter) => Some(parts.clone()),
        Filter::And { parts } => {
            let (at, branches) = parts.iter().enumerate().find_map(|(at, part)| match part {
                Filter::Or { parts } if split(part) => Some((at, parts)),
                _ => None,
            })?;
            Some(
                branches
                    .iter()
                    .map(|branch| {
                        let mut all = parts.clone();
                        all[at] = branch.clone();
                        Filter::And { parts: all }
                    })
                    .collect(),
            )
        }
        _ => None,
    }
}

/// Whether `filter` reads another row than its own (compiles to a subquery).
fn has_subquery(filter: &Filter) -> bool {
    match filter {
        Filter::Exists { .. } | Filter::Transitive { .. } => true,
        Filter::And { parts } | Filter::Or { parts } => parts.iter().any(has_subquery),
        Filter::Not { inner } | Filter::IsTrue { inner } => has_subquery(inner),
        Filter::Const { .. }
        | Filter::Unknown
        | Filter::Compare { .. }
        | Filter::InList { .. }
        | Filter::IsNull { .. } => false,
    }
}

/// A constant truth value in `dialect`: `1`/`0` on SQLite (its booleans are integers),
/// `TRUE`/`FALSE` on PostgreSQL.
fn truth(dialect: Dialect, value: bool) -> &'static str {
    match (dialect, value) {
        (Dialect::Sqlite, true) => "1",
        (Dialect::Sqlite, false) => "0",
        (Dialect::Postgres, true) => "TRUE",
        (Dialect::Postgres, false) => "FALSE",
    }
}

/// The boolean `sql`, with unknown read as `default`: `IFNULL(…, 0)` on SQLite,
/// `COALESCE(…, FALSE)` on PostgreSQL.
fn if_null(dialect: Dialect, sql: &str, default: bool) -> String {
    let default = truth(dialect, default);
    match dialect {
        Dialect::Sqlite => format!("IFNULL({sql}, {default})"),
        Dialect::Postgres => format!("COALESCE({sql}, {default})"),
    }
}

/// Compiles a residual filter over rows of `ty`, whose table is referred to by its own name, in
/// `dialect`.
pub fn compile_filter(
    dialect: Dialect,
    set: &PolicySet,
    ty: &str,
    filter: &Filter,
) -> Result<SqlFilter> {
    let (_, table) = table_of(set, ty)?;
    let mut c = Compiler {
        set,
        dialect,
        params: Vec::new(),
        aliases: 0,
        ty: ty.to_string(),
    };
    let sql = c.compile(filter, &ident(table), false)?;
    Ok(SqlFilter {
        sql,
        params: c.params,
    })
}

/// [`compile_filter`] for a filter that is a whole `WHERE` and nothing else (never negated,
/// never compared, never the operand of `IFNULL(…, 1)`): true where `filter` is true, and false
/// or unknown elsewhere, so SQLite may answer it from indexes.
pub fn compile_where(
    dialect: Dialect,
    set: &PolicySet,
    ty: &str,
    filter: &Filter,
) -> Result<SqlFilter> {
    let (_, table) = table_of(set, ty)?;
    let mut c = Compiler {
        set,
        dialect,
        params: Vec::new(),
        aliases: 0,
        ty: ty.to_string(),
    };
    let sql = c.compile_positive(filter, &ident(table))?;
    Ok(SqlFilter {
        sql,
        params: c.params,
    })
}

impl Bridge<'_> {
    /// The SQL filter selecting exactly the rows of `ty` that `subject` may `action`:
    /// `SELECT … FROM <table> WHERE <sql>`.
    pub fn row_filter(&self, subject: &Subject, action: &str, ty: &str) -> Result<SqlFilter> {
        let residual = authz::residual(self.set, &self.entities, subject, action, ty)?;
        compile_filter(self.db.dialect(), self.set, ty, &residual.filter)
    }

    /// Reverse lookup: the keys of every row of `ty` that `subject` may `action`, through SQL.
    pub fn allowed_ids(&self, subject: &Subject, action: &str, ty: &str) -> Result<Vec<Value>> {
        let residual = authz::residual(self.set, &self.entities, subject, action, ty)?;
        let filter = compile_filter(self.db.dialect(), self.set, ty, &residual.filter)?;
        self.select_ids_of(ty, &residual.filter, &filter)
    }

    /// The keys of the rows `filter` selects (compiled: `compiled`), in key order. On
    /// PostgreSQL a filter that is an `OR` with a subquery (or an `AND` with one) is read as a
    /// `UNION` of one `SELECT` per branch: its planner cannot combine an index on one side of an `OR` with a
    /// subquery on the other (`winner_id = $1 OR id IN (recursive CTE)`), and reads the whole
    /// table instead; apart, each branch uses its index (a million games: 285 ms → 1 ms). A row
    /// is in the union where some branch is true, which is where the `OR` is true. SQLite
    /// unions the index lookups of an `OR` by itself, and reads `compiled` as it is.
    fn select_ids_of(&self, ty: &str, filter: &Filter, compiled: &SqlFilter) -> Result<Vec<Value>> {
        let (Dialect::Postgres, Some(branches)) = (self.db.dialect(), union_branches(filter))
        else {
            return self.select_ids(ty, compiled);
        };
        let (def, table) = table_of(self.set, ty)?;
        let key = ident(&def.key);
        let mut sql = String::new();
        let mut params = Vec::new();
        for branch in &branches {
            let part = compile_where(Dialect::Postgres, self.set, ty, branch)?;
            if !sql.is_empty() {
                sql.push_str(" UNION ");
            }
            let condition = Dialect::Postgres.renumber(&part.sql, params.len());
            let _ = write!(sql, "SELECT {key} FROM {} WHERE {condition}", ident(table));
            params.extend(part.params);
        }
        sql.push_str(" ORDER BY 1");
        self.keys(def, &sql, &params)
    }

    /// The keys of the rows `filter` selects, in key order.
    pub fn select_ids(&self, ty: &str, filter: &SqlFilter) -> Result<Vec<Value>> {
        let (def, table) = table_of(self.set, ty)?;
        let sql = format!(
            "SELECT {key} FROM {} WHERE {} ORDER BY {key}",
            ident(table),
            filter.sql,
            key = ident(&def.key)
        );
        self.keys(def, &sql, &filter.params)
    }

    /// The keys `sql` selects (one column, of `def`'s key type), in its order.
    fn keys(&self, def: &TypeDef, sql: &str, params: &[SqlValue]) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        self.db
            .rows::<AccessError>(sql, params, &[def.key_type()], &mut |row| {
                out.extend(row);
                Ok(())
            })?;
        Ok(out)
    }
}

/// The SQLite type affinity of a declared column type (the rules of SQLite's "Datatypes"
/// page, section 3.1, in their order).
fn affinity(declared: &str) -> &'static str {
    let d = declared.to_ascii_uppercase();
    if d.contains("INT") {
        "INTEGER"
    } else if d.contains("CHAR") || d.contains("CLOB") || d.contains("TEXT") {
        "TEXT"
    } else if d.is_empty() || d.contains("BLOB") {
        "BLOB"
    } else if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") {
        "REAL"
    } else {
        "NUMERIC"
    }
}

/// Whether a column declared `declared` holds values of the policy type `ty`: `None` if it
/// does, else why not (for the message). On SQLite by the declared type's affinity; on
/// PostgreSQL by the type itself: the compiled filters compare with `int8` and `text`
/// parameters, which only integer and character types take, and a `bool` column of the policies
/// may be `boolean` or an integer (compared through its text, see `Compiler::operand`); any
/// other (a `jsonb`, say) would fail every statement at run time, so it is refused here,
/// before anything runs.
fn mismatch(dialect: Dialect, ty: ColumnType, declared: &str) -> Option<String> {
    match dialect {
        Dialect::Sqlite => {
            let affinity = affinity(declared);
            let holds = if matches!(ty, ColumnType::Int | ColumnType::Bool) {
                matches!(affinity, "INTEGER" | "NUMERIC")
            } else {
                affinity == "TEXT"
            };
            (!holds).then(|| format!("{} affinity", affinity.to_ascii_lowercase()))
        }
        Dialect::Postgres => {
            let d = declared.to_ascii_lowercase();
            let integer = matches!(d.as_str(), "smallint" | "integer" | "bigint");
            let text = d == "text" || d.starts_with("character");
            let why = match ty {
                ColumnType::Bool if !integer && d != "boolean" => {
                    "neither boolean nor an integer type"
                }
                ColumnType::Int if !integer => "not an integer type",
                ColumnType::Text | ColumnType::Time if !text => "not a character type",
                _ => return None,
            };
            Some(why.to_string())
        }
    }
}

/// A column as the database declares it.
struct DbColumn {
    name: String,
    declared: String,
    /// Neither `NOT NULL` nor the primary key.
    nullable: bool,
}

/// The columns of `table` in table order; `None` when the table does not exist.
///
/// On SQLite a cached `PRAGMA table_info`, not the `pragma_table_info` function: the function
/// prepares the pragma anew each time it runs, which cost a what-if `--assume` that adds a row a
/// third of a check. The pragma's statement checks the schema's version when it runs, so a
/// cached one is prepared again after a schema change. On PostgreSQL the catalogue, with each
/// column's type as `format_type` writes it (`integer`, `character varying(50)`, `text`).
fn table_columns(db: Db<'_>, table: &str) -> Result<Option<Vec<DbColumn>>> {
    use ColumnType::{Bool, Int, Text};
    let text = |v: Option<&Value>| match v {
        Some(Value::Text(t)) => t.clone(),
        _ => String::new(),
    };
    let mut columns = Vec::new();
    match db {
        Db::Sqlite(_) => {
            // cid, name, type, notnull, dflt_value, pk
            let sql = format!("PRAGMA table_info({})", ident(table));
            db.rows::<AccessError>(&sql, &[], &[Int, Text, Text, Int, Text, Int], &mut |v| {
                columns.push(DbColumn {
                    name: text(v.get(1)),
                    declared: text(v.get(2)),
                    nullable: v.get(3) == Some(&Value::Int(0)) && v.get(5) == Some(&Value::Int(0)),
                });
                Ok(())
            })?;
        }
        Db::Postgres(_) => {
            let sql = "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), \
                 a.attnotnull, COALESCE(a.attnum = ANY (i.indkey), FALSE) \
                 FROM pg_attribute a \
                 LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary \
                 WHERE a.attrelid = to_regclass(quote_ident($1::text)) AND a.attnum > 0 \
                 AND NOT a.attisdropped ORDER BY a.attnum";
            let param = [SqlValue::Text(table.to_string())];
            db.rows::<AccessError>(sql, &param, &[Text, Text, Bool, Bool], &mut |v| {
                columns.push(DbColumn {
                    name: text(v.first()),
                    declared: text(v.get(1)),
                    nullable: v.get(2) == Some(&Value::Bool(false))
                        && v.get(3) == Some(&Value::Bool(false)),
                });
                Ok(())
            })?;
        }
    }
    Ok((!columns.is_empty()).then_some(columns))
}

impl Bridge<'_> {
    /// Checks every table, column (and its declared type against the column's affinity) and
    /// relationship mapping `set` names against the database's real schema. Each mismatch is a
    /// problem at the place in the policy file that names it; an empty list means the policies can
    /// be evaluated against this database. Run once per load, before anything is decided: a
    /// policy naming a column the table lacks must be refused, never compared as a constant.
    pub fn check_schema(&self) -> Result<Vec<authz::error::Problem>> {
        let (db, set) = (self.db, self.set);
        let mut problems = Vec::new();
        let tables = db.tables()?;
        let mut known: HashMap<&str, Vec<DbColumn>> = HashMap::new();
        for (name, def) in &set.types {
            let Some(table) = def.table.as_deref() else {
                continue;
            };
            let Some(columns) = table_columns(db, table)? else {
                let hint = authz::error::closest(table, tables.iter().map(String::as_str))
                    .map_or_else(String::new, |t| format!("; did you mean `{t}`?"));
                let migrate = if crate::db::schema::TABLES.contains(&table) {
                    " (`quidditch db init` creates it)"
                } else {
                    ""
                };
                problems.push(authz::error::Problem {
                at: def.table_at,
                message: format!(
                    "type `{name}`: the database has no table `{table}`{migrate}; it has {}{hint}",
                    tables.join(", ")
                ),
            });
                continue;
            };
            for (column, ty) in &def.columns {
                let at = def.column_at.get(column).copied().unwrap_or(def.at);
                match columns.iter().find(|c| &c.name == column) {
                    None => {
                        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
                        let hint = authz::error::closest(column, names.iter().copied())
                            .map_or_else(String::new, |c| format!("; did you mean `{c}`?"));
                        problems.push(authz::error::Problem {
                        at,
                        message: format!(
                            "type `{name}` declares column `{column}`, but table `{table}` has no such column: it has {}{hint}",
                            names.join(", ")
                        ),
                    });
                    }
                    Some(DbColumn { declared, .. }) => {
                        if let Some(why) = mismatch(db.dialect(), *ty, declared) {
                            problems.push(authz::error::Problem {
                                at,
                                message: format!(
                                    "type `{name}` declares column `{column}` as `{}`, but `{table}.{column}` is `{declared}` ({why}) in the database",
                                    ty.name(),
                                ),
                            });
                        }
                    }
                }
            }
            known.insert(name.as_str(), columns);
        }
        for rel in &set.relationships {
            for (ty, column) in [(&rel.ty, &rel.column), (&rel.target, &rel.target_column)] {
                let Some(columns) = known.get(ty.as_str()) else {
                    continue;
                };
                if !columns.iter().any(|c| &c.name == column) {
                    let table = set
                        .types
                        .get(ty)
                        .and_then(|d| d.table.as_deref())
                        .unwrap_or(ty);
                    problems.push(authz::error::Problem {
                    at: rel.mapping_at,
                    message: format!(
                        "relationship `{}.{}` maps column `{column}`, but table `{table}` has no such column",
                        rel.ty, rel.name
                    ),
                });
                }
            }
        }
        problems.sort_by_key(|p| p.at);
        Ok(problems)
    }

    /// Lint findings that need the database: scopes and `[[test]]` cases naming a resource or a
    /// user the database does not hold.
    pub fn lint_references(&self) -> Result<Vec<authz::error::Problem>> {
        let (set, entities) = (self.set, &self.entities);
        let mut problems = Vec::new();
        for scope in &set.scopes {
            if let Err(err) = authz::resolve_resource(set, entities, &scope.resource) {
                problems.push(authz::error::Problem {
                    at: scope.at,
                    message: format!("scope `{}`: {err}", scope.name),
                });
            }
        }
        for case in &set.tests {
            // A case's resource and user are looked up with its assumptions applied.
            let mut overlay = assume::Overlay::new(self);
            for (at, a) in &case.assume {
                if let Err(reason) = overlay.assume(a) {
                    problems.push(authz::error::Problem {
                        at: *at,
                        message: format!("test `{}`: assume `{a}`: {reason}", case.name),
                    });
                }
            }
            if let Err(err) = authz::resolve_resource(set, &overlay, &case.resource) {
                problems.push(authz::error::Problem {
                    at: case.at,
                    message: format!("test `{}`: {err}", case.name),
                });
            }
            if let Err(err) = self.resolve_subject_in(&overlay, &case.user) {
                problems.push(authz::error::Problem {
                    at: case.at,
                    message: format!("test `{}`: {err}", case.name),
                });
            }
        }
        Ok(problems)
    }

    /// Lint findings about NULL: a comparison inside `_not` on a column the database lets be NULL,
    /// with no `_is_null` test of that column inside the same `_not`. On a NULL row the comparison
    /// is unknown and so is the `_not`: an allow then does not apply and a deny does, which is
    /// rarely what `_not` was written for.
    pub fn lint_nullable(&self) -> Result<Vec<authz::error::Problem>> {
        let (db, set) = (self.db, self.set);
        let mut nullable: HashMap<String, Vec<String>> = HashMap::new();
        for (name, def) in &set.types {
            let Some(table) = def.table.as_deref() else {
                continue;
            };
            let columns = table_columns(db, table)?.unwrap_or_default();
            nullable.insert(
                name.clone(),
                columns
                    .into_iter()
                    .filter(|c| c.nullable)
                    .map(|c| c.name)
                    .collect(),
            );
        }
        let mut problems = Vec::new();
        for policy in &set.policies {
            if let (Some(cond), false) = (&policy.condition, policy.resource == "*") {
                unguarded_nots(
                    set,
                    &nullable,
                    &policy.resource,
                    cond,
                    &policy.id,
                    &mut problems,
                );
            }
        }
        Ok(problems)
    }
}

/// The column comparisons and `_is_null` tests under `cond`, not crossing relationships.
fn scan<'c>(
    cond: &'c authz::policy::Condition,
    compared: &mut Vec<(&'c str, usize)>,
    guarded: &mut Vec<&'c str>,
) {
    use authz::policy::{Condition, Lhs};
    match cond {
        Condition::And(parts) | Condition::Or(parts) => {
            for p in parts {
                scan(p, compared, guarded);
            }
        }
        Condition::Not(inner) => scan(inner, compared, guarded),
        Condition::Compare {
            lhs: Lhs::Column(c),
            at,
            ..
        } => compared.push((c, *at)),
        Condition::IsNull {
            lhs: Lhs::Column(c),
            ..
        } => guarded.push(c),
        _ => {}
    }
}

fn unguarded_nots(
    set: &PolicySet,
    nullable: &HashMap<String, Vec<String>>,
    ty: &str,
    cond: &authz::policy::Condition,
    policy: &str,
    out: &mut Vec<authz::error::Problem>,
) {
    use authz::policy::Condition;
    match cond {
        Condition::And(parts) | Condition::Or(parts) => {
            for p in parts {
                unguarded_nots(set, nullable, ty, p, policy, out);
            }
        }
        Condition::Exists { rel, inner, .. } | Condition::Transitive { rel, inner, .. } => {
            if let Some(r) = set.relationship(ty, rel) {
                unguarded_nots(set, nullable, &r.target, inner, policy, out);
            }
        }
        Condition::Not(inner) => {
            let mut compared = Vec::new();
            let mut guarded = Vec::new();
            scan(inner, &mut compared, &mut guarded);
            let columns = nullable.get(ty).map_or(&[][..], Vec::as_slice);
            for (column, at) in compared {
                if columns.iter().any(|c| c == column) && !guarded.contains(&column) {
                    out.push(authz::error::Problem {
                        at,
                        message: format!(
                            "policy `{policy}`: `{ty}.{column}` may be NULL, and inside `_not` a comparison with NULL is unknown (an allow then does not apply, a deny does): test it with `{column} = {{ _is_null = … }}` inside the `_not`"
                        ),
                    });
                }
            }
            unguarded_nots(set, nullable, ty, inner, policy, out);
        }
        _ => {}
    }
}

impl Bridge<'_> {
    /// Per allow of `residual` (over rows of `ty`), the keys of the rows it lets through that no
    /// deny withholds: which policy reaches which rows. `whole` is the residual's filter as
    /// compiled and the keys it selected: one allow's rows are those (any allow, no deny), and
    /// an allow whose statement is the same one is not run again (a policy true of every row,
    /// say, whose rows are the whole table).
    fn through_each_allow(
        &self,
        ty: &str,
        residual: &authz::Residual,
        whole: (&SqlFilter, &[Value]),
    ) -> Result<Vec<(String, Vec<Value>)>> {
        if let [(policy, _)] = residual.allows.as_slice() {
            return Ok(vec![(policy.clone(), whole.1.to_vec())]);
        }
        let not_denied = Filter::not(Filter::or(
            residual.denies.iter().map(|(_, f)| f.clone()).collect(),
        ));
        let mut out = Vec::new();
        for (policy, f) in &residual.allows {
            let one = Filter::and(vec![f.clone(), not_denied.clone()]);
            let filter = compile_where(self.db.dialect(), self.set, ty, &one)?;
            let ids = if filter == *whole.0 {
                whole.1.to_vec()
            } else {
                self.select_ids_of(ty, &one, &filter)?
            };
            out.push((policy.clone(), ids));
        }
        Ok(out)
    }
}

/// One subject a request would allow, and how.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Allowed {
    /// `player:5`, `staff:1`, `anonymous`.
    pub subject: String,
    pub name: Option<String>,
    /// The allow policies that let it through.
    pub policies: Vec<String>,
    /// With `--explain`: per policy, the path that made its condition true
    /// (`winners-read-game via feeders* → game:6`).
    pub via: Vec<AllowedVia>,
}

/// One allow that let a subject through, and how (`who-can --explain`).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AllowedVia {
    pub policy: String,
    pub route: authz::trace::Route,
}

impl std::fmt::Display for AllowedVia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} via {}", self.policy, self.route)
    }
}

/// The answer to "who can ACTION RESOURCE [FIELD]".
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct WhoCan {
    /// The request context every subject was asked about with; absent when empty.
    #[serde(default, skip_serializing_if = "authz::Context::is_empty")]
    pub context: authz::Context,
    pub action: String,
    pub resource: String,
    pub field: Option<String>,
    pub subjects: Vec<Allowed>,
}

impl Bridge<'_> {
    /// Fails when a subject of type `ty` holds the roles of a policy that reads an attribute
    /// the type lacks ([`authz::who::who_can`]'s `undecidable`): a check of that subject is an
    /// error, so a list leaving it out would be a silent answer.
    fn decidable(&self, ty: &str, residual: &authz::Residual) -> Result<()> {
        for (policy, message, holds) in &residual.undecidable {
            let filter = compile_where(self.db.dialect(), self.set, ty, holds)?;
            if let Some(id) = self.select_ids(ty, &filter)?.first() {
                return Err(EvalError::Policy {
                    policy: policy.clone(),
                    message: format!("{message}, and {ty}:{} holds its role", id.as_ref_str()),
                }
                .into());
            }
        }
        Ok(())
    }

    /// Every subject (anonymous, and each row of each subject type) that `action` on `resource`
    /// (and `field`) would be allowed for. Computed as the profile's reverse lookup is, in the other
    /// direction: the policies with the resource fixed become a residual filter over each subject
    /// table (`authz::who`), compiled to SQL; the evaluator runs only for anonymous and, with
    /// `explain`, for the subjects listed.
    pub fn who_can(
        &self,
        action: &str,
        resource: &str,
        field: Option<&str>,
        explain: bool,
        context: &authz::Context,
    ) -> Result<WhoCan> {
        let (set, entities) = (self.set, &self.entities);
        let (reference, row) = authz::resolve_resource(set, entities, resource)?;
        let request = |subject: Subject| Request {
            subject: subject.with_context(context.clone()),
            action: action.to_string(),
            resource: reference.clone(),
            field: field.map(str::to_string),
        };
        // Anonymous is one check; it also validates the action and the field.
        let anonymous =
            authz::evaluate(set, entities, &request(Subject::anonymous()), Mode::Check)?;
        let mut subjects = Vec::new();
        if anonymous.decision == authz::Decision::Allow {
            subjects.push(Allowed {
                subject: "anonymous".to_string(),
                name: None,
                policies: anonymous.policies,
                via: Vec::new(),
            });
        }
        for ty in subject_types(set) {
            let residual = authz::who::who_can(
                set,
                entities,
                ty,
                action,
                &reference.ty,
                &row,
                field,
                context,
            )?;
            self.decidable(ty, &residual)?;
            if residual.filter == Filter::FALSE {
                continue;
            }
            let filter = compile_where(self.db.dialect(), set, ty, &residual.filter)?;
            let ids = self.select_ids_of(ty, &residual.filter, &filter)?;
            if ids.is_empty() {
                continue;
            }
            let through = self.through_each_allow(ty, &residual, (&filter, &ids))?;
            let mut rows = entities.rows_by_keys(ty, &ids)?;
            for id in ids {
                let row = rows.remove(&id).unwrap_or_default();
                let name = match row.get("name") {
                    Some(Value::Text(n)) => Some(n.clone()),
                    _ => None,
                };
                let policies: Vec<String> = through
                    .iter()
                    .filter(|(_, ids)| ids.contains(&id))
                    .map(|(p, _)| p.clone())
                    .collect();
                let via = if explain {
                    let subject = Subject::from_row(ty, row);
                    let r = authz::evaluate(set, entities, &request(subject), Mode::Explain)?;
                    policies
                        .iter()
                        .map(|p| {
                            let node = r
                                .trace
                                .iter()
                                .find(|t| &t.id == p)
                                .and_then(|t| t.condition.as_ref());
                            AllowedVia {
                                policy: p.clone(),
                                route: authz::trace::Route::of(node),
                            }
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                subjects.push(Allowed {
                    subject: format!("{ty}:{}", id.as_ref_str()),
                    name,
                    policies,
                    via,
                });
            }
        }
        Ok(WhoCan {
            context: context.clone(),
            action: action.to_string(),
            resource: reference.to_string(),
            field: field.map(str::to_string),
            subjects,
        })
    }
}

/// What one policy lets a subject reach.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Through {
    pub policy: String,
    pub ids: Vec<Value>,
}

/// What a subject may do to one resource type with one action.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TypeAccess {
    #[serde(rename = "type")]
    pub ty: String,
    pub action: String,
    pub ids: Vec<Value>,
    pub through: Vec<Through>,
    /// The SQL `WHERE` the reverse lookup ran (table types only).
    pub sql: Option<String>,
}

/// A subject's profile (`authz explain --user REF`): roles, scopes, limits, and per action and
/// type the resources it may reach, each through the policies that let it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Profile {
    pub subject: authz::trace::SubjectInfo,
    pub scopes: Vec<String>,
    pub limits: authz::QueryLimits,
    pub access: Vec<TypeAccess>,
}

impl Bridge<'_> {
    /// The profile of `subject`: its access plans (every action, or `only_action`, on every type)
    /// turned into reverse lookups, in SQL for table types and by evaluation for virtual ones.
    pub fn profile(&self, subject: &Subject, only_action: Option<&str>) -> Result<Profile> {
        let (set, entities) = (self.set, &self.entities);
        let planner = authz::Planner::new(set, entities, subject)?;
        let mut out = Vec::new();
        for action in &set.actions {
            if only_action.is_some_and(|a| a != action) {
                continue;
            }
            for (ty, def) in &set.types {
                let plan = planner.plan(action, ty)?;
                if plan.residual.allows.is_empty() {
                    continue;
                }
                let mut through = Vec::new();
                let (ids, sql) = if def.table.is_some() {
                    let filter = compile_filter(self.db.dialect(), set, ty, plan.rows())?;
                    let ids = self.select_ids_of(ty, plan.rows(), &filter)?;
                    for (policy, ids) in
                        self.through_each_allow(ty, &plan.residual, (&filter, &ids))?
                    {
                        through.push(Through { policy, ids });
                    }
                    (ids, Some(filter.sql))
                } else {
                    // Virtual resources: few, declared in the file; ask the evaluator for each.
                    let mut ids = Vec::new();
                    for resource in &def.resources {
                        let Some(id) = resource.get("id") else {
                            continue;
                        };
                        let r = authz::evaluate(
                            set,
                            entities,
                            &Request {
                                subject: subject.clone(),
                                action: action.clone(),
                                resource: authz::ResourceRef {
                                    ty: ty.clone(),
                                    id: id.clone(),
                                },
                                field: None,
                            },
                            Mode::Check,
                        )?;
                        if r.decision == authz::Decision::Allow {
                            ids.push(id.clone());
                            for p in r.policies {
                                match through.iter_mut().find(|t: &&mut Through| t.policy == p) {
                                    Some(t) => t.ids.push(id.clone()),
                                    None => through.push(Through {
                                        policy: p,
                                        ids: vec![id.clone()],
                                    }),
                                }
                            }
                        }
                    }
                    (ids, None)
                };
                through.retain(|t| !t.ids.is_empty());
                out.push(TypeAccess {
                    ty: ty.clone(),
                    action: action.clone(),
                    ids,
                    through,
                    sql,
                });
            }
        }
        Ok(Profile {
            subject: authz::trace::SubjectInfo::new(subject, planner.roles().to_vec()),
            scopes: authz::scopes(set, entities, subject)?,
            limits: planner.limits(),
            access: out,
        })
    }

    /// Decides one request against the database, with the rows of `entities` (the bridge's own, or
    /// a what-if [`assume::Overlay`]) and the request context: resolves the user and the
    /// resource, evaluates.
    pub fn decide(
        &self,
        entities: &dyn Entities,
        (user, action, resource, field): (&str, &str, &str, Option<&str>),
        mode: Mode,
        context: &authz::Context,
    ) -> Result<Response> {
        let set = self.set;
        let subject = self
            .resolve_subject_in(entities, user)?
            .with_context(context.clone());
        let (resource, _) = authz::resolve_resource(set, entities, resource)?;
        Ok(authz::evaluate(
            set,
            entities,
            &Request {
                subject,
                action: action.to_string(),
                resource,
                field: field.map(str::to_string),
            },
            mode,
        )?)
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use proptest::prelude::*;

    use super::*;
    use crate::authz::{MemoryEntities, ResourceRef};
    use rusqlite::Connection;

    /// The shipped policies plus a deny with `_and`, `_not`, `_is_null`, `_in` and an object
    /// relationship, so every filter form is compiled, and policies whose conditions are
    /// unknown on some rows (NULL `child_id`, staff without a team) inside `_not`, in allows,
    /// denies and field-level denies.
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

[[policy]]
id = "hide-other-ranks"
effect = "deny"
roles = ["player"]
actions = ["read"]
resource = "team"
fields = ["rank"]
condition = { _not = { id = { _eq = "$subject.team_id" } } }

[[policy]]
id = "not-early-children"
effect = "allow"
roles = ["player"]
actions = ["read"]
resource = "game"
condition = { _not = { child_id = { _lt = 3 } } }

[[policy]]
id = "managers-not-late-children"
effect = "deny"
roles = ["manager"]
actions = ["read"]
resource = "game"
condition = { _not = { _or = [{ child_id = { _gt = 5 } }, { winner_id = { _eq = "$subject.team_id" } }] } }

[[policy]]
id = "other-teams-players-nameless"
effect = "deny"
roles = ["manager"]
actions = ["read"]
resource = "player"
fields = ["name"]
condition = { team_id = { _neq = "$subject.team_id" } }

[[policy]]
id = "hide-final-levels"
effect = "deny"
roles = ["admin", "manager"]
actions = ["read"]
resource = "game"
fields = ["level", "loser_id"]
condition = { child_id = { _is_null = true } }
"#;
        let source = format!("{}{extra}", include_str!("../policies.toml"));
        authz::parse("policies.toml", &source).unwrap()
    }

    #[test]
    fn an_unknown_user_gets_the_three_closest_distinct_names_best_first() {
        let (_dir, _path, conn) = crate::db::tutorial_league();
        let set = policies();
        let bridge = Bridge::new(&conn, &set);
        let suggestions = |reference: &str| match bridge.resolve_subject(reference) {
            Err(AccessError::UnknownUser { suggestions, .. }) => suggestions,
            other => panic!("expected an unknown user, got {other:?}"),
        };
        // What reading every name, sorting and deduplicating would give.
        let mut names: Vec<String> = Vec::new();
        for table in ["players", "staff"] {
            let mut stmt = conn.prepare(&format!("SELECT name FROM {table}")).unwrap();
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
            names.extend(rows.map(Result::unwrap));
        }
        let expected = |reference: &str| {
            let mut scored: Vec<(f64, &String)> = names
                .iter()
                .map(|n| {
                    (
                        strsim::jaro_winkler(&reference.to_lowercase(), &n.to_lowercase()),
                        n,
                    )
                })
                .filter(|(score, _)| *score > 0.75)
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut out: Vec<String> = Vec::new();
            for (_, n) in scored {
                if !out.contains(n) && out.len() < 3 {
                    out.push(n.clone());
                }
            }
            out
        };
        assert_eq!(suggestions("Hary Potter"), ["Harry Potter"]);
        let mut several = 0;
        for reference in [
            "Cedric Chang",
            "Katie Smith",
            "Draco Wood",
            "Chang",
            "zzzzzzzz",
        ] {
            let got = suggestions(reference);
            assert_eq!(got, expected(reference), "{reference}");
            several += usize::from(got.len() > 1);
        }
        assert!(several > 0, "some reference must be close to several names");
    }

    #[derive(Debug, Clone)]
    struct League {
        players: Vec<(String, i64, i64)>,
        /// Level, winner, loser, child, and which of `TIMES` the result is published at.
        games: Vec<(String, i64, i64, Option<i64>, usize)>,
        staff: Vec<(String, Option<i64>)>,
        /// The request's `$context.now`, one of `TIMES`, or absent.
        now: Option<usize>,
    }

    /// The times games are published at and requests are made at: equal ones included.
    const TIMES: [&str; 3] = [
        "2026-01-01T00:00:00Z",
        "2026-06-01T12:00:00Z",
        "2026-12-31T23:59:59Z",
    ];

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
                    0..TIMES.len(),
                )
                    .prop_map(|(l, w, lo, c, p)| (l.to_string(), w, lo, c, p));
                (
                    prop::collection::vec(player.clone(), 1..8),
                    prop::collection::vec(game, n_games),
                    prop::collection::vec(staff.clone(), 0..3),
                    prop::option::of(0..TIMES.len()),
                )
            })
            .prop_map(|(players, games, staff, now)| League {
                players,
                games,
                staff,
                now,
            })
    }

    fn row(pairs: Vec<(&str, Value)>) -> Row {
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    fn build(league: &League) -> (Connection, MemoryEntities) {
        let conn = Connection::open_in_memory().unwrap();
        // Child links point forward to games inserted later (and may form cycles).
        conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
        for sql in crate::db::schema::migrations(crate::db::sql::Dialect::Sqlite) {
            conn.execute_batch(&sql).unwrap();
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
        for (i, (level, winner, loser, child, published)) in league.games.iter().enumerate() {
            let id = i64::try_from(i).unwrap() + 1;
            conn.execute(
                "INSERT INTO games VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![id, level, child, winner, loser, TIMES[*published]],
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
                    ("published_at", TIMES[*published].into()),
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

    thread_local! {
        /// This test thread's PostgreSQL database, on the test run's cluster, with the tables.
        static PG: pg::Conn = crate::db::store::tests::postgres_database().2;
    }

    /// Runs `each` on the league in SQLite (`conn`), then on the same rows copied into
    /// PostgreSQL: the compiled filters must select alike on both backends.
    fn on_both(
        conn: &Connection,
        each: &mut dyn FnMut(Db<'_>) -> Result<(), TestCaseError>,
    ) -> Result<(), TestCaseError> {
        each(Db::Sqlite(conn))?;
        PG.with(|pg| {
            copy_rows(conn, pg);
            each(Db::Postgres(pg))
        })
    }

    /// Replaces every row of `pg` with those of `conn`, as SQL literals (foreign keys are not
    /// checked: child links may point forward or form cycles, as in [`build`]).
    fn copy_rows(conn: &Connection, pg: &pg::Conn) {
        let mut sql = String::from(
            "SET session_replication_role = replica; TRUNCATE teams, players, games, staff;\n",
        );
        for table in crate::db::schema::TABLES {
            let mut stmt = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
            let width = stmt.column_count();
            let rows: Vec<String> = stmt
                .query_map([], |r| {
                    let values: Vec<String> = (0..width)
                        .map(|i| match r.get_ref(i).unwrap() {
                            ValueRef::Null => "NULL".to_string(),
                            ValueRef::Integer(n) => n.to_string(),
                            ValueRef::Text(t) => {
                                format!("'{}'", String::from_utf8_lossy(t).replace('\'', "''"))
                            }
                            other => panic!("unexpected value {other:?}"),
                        })
                        .collect();
                    Ok(format!("({})", values.join(", ")))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            if !rows.is_empty() {
                let _ = writeln!(sql, "INSERT INTO {table} VALUES {};", rows.join(", "));
            }
        }
        pg.batch_execute(&sql).unwrap();
    }

    /// The league's request context: its `now`, when it has one.
    fn context(league: &League) -> authz::Context {
        let mut out = authz::Context::new();
        if let Some(now) = league.now {
            out.insert(
                "now",
                authz::ContextValue::Scalar(Value::Text(TIMES[now].into())),
            );
        }
        out
    }

    /// Every subject, each asking with the league's request context.
    fn subjects(mem: &MemoryEntities, league: &League) -> Vec<Subject> {
        let mut out = vec![Subject::anonymous()];
        for kind in ["player", "staff"] {
            out.extend(
                mem.all(kind)
                    .iter()
                    .map(|r| Subject::from_row(kind, r.clone())),
            );
        }
        out.into_iter()
            .map(|s| s.with_context(context(league)))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// The SQL form of the residual filter selects exactly the rows the evaluator allows, on
        /// SQLite and on PostgreSQL.
        #[test]
        fn sql_filter_selects_what_the_evaluator_allows(league in league()) {
            let set = policies();
            let (conn, mem) = build(&league);
            on_both(&conn, &mut |db| {
            for subject in subjects(&mem, &league) {
                for ty in ["game", "player", "team"] {
                    let filter = Bridge::new(db, &set).row_filter(&subject, "read", ty).unwrap();
                    let by_sql = Bridge::new(db, &set).select_ids(ty, &filter).unwrap();
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
                    // The reverse lookup (on PostgreSQL a UNION per branch of an OR).
                    let looked_up = Bridge::new(db, &set).allowed_ids(&subject, "read", ty).unwrap();
                    prop_assert_eq!(
                        &looked_up, &by_eval,
                        "{} reading {} by reverse lookup", subject.label(), ty
                    );
                }
            }
            Ok(())
            })?;
        }
    }

    /// A decision as JSON, without the time each policy took.
    fn untimed(response: &authz::Response) -> serde_json::Value {
        fn strip(value: &mut serde_json::Value) {
            match value {
                serde_json::Value::Object(map) => {
                    map.remove("micros");
                    map.values_mut().for_each(strip);
                }
                serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
                _ => {}
            }
        }
        let mut value = serde_json::to_value(response).unwrap();
        strip(&mut value);
        value
    }

    /// A stored time compares as its text only when it is the canonical text of a real time,
    /// as the evaluator reads it (`canonical_time(x) == x`); anything else is unknown, on both
    /// backends. The form alone (digits in their places) let `2025-02-30T00:00:00Z` through,
    /// which as text comes before today. Here `NOT (published_at > 2999-…)` selects exactly the
    /// rows whose time is real: unknown is never selected.
    #[test]
    fn a_stored_time_compares_only_when_it_is_a_real_time() {
        let values = [
            "2026-06-01T12:00:00Z",
            "2024-02-29T12:00:00Z",
            "2000-02-29T00:00:00Z",
            "0000-02-29T00:00:00Z",
            "2026-12-31T23:59:59Z",
            "2025-02-30T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2026-06-31T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-10T00:00:00Z",
            "2026-06-00T00:00:00Z",
            "2026-06-01T24:00:00Z",
            "2026-06-01T12:60:00Z",
            "2026-06-01T23:59:60Z",
            "2026-06-01T12:00:00+01:00",
            "2026-06-01 12:00:00",
            "2026-06-01T12:00:00.5Z",
        ];
        let league = League {
            players: vec![("Seeker".into(), 5, 1)],
            games: values
                .iter()
                .map(|_| ("First".into(), 1, 2, None, 0))
                .collect(),
            staff: vec![],
            now: None,
        };
        let set = policies();
        let (conn, _) = build(&league);
        for (i, value) in values.iter().enumerate() {
            conn.execute(
                "UPDATE games SET published_at = ?1 WHERE id = ?2",
                rusqlite::params![value, i64::try_from(i).unwrap() + 1],
            )
            .unwrap();
        }
        let expected: Vec<Value> = values
            .iter()
            .enumerate()
            .filter(|(_, v)| authz::context::canonical_time(v).as_deref() == Some(**v))
            .map(|(i, _)| Value::Int(i64::try_from(i).unwrap() + 1))
            .collect();
        assert_eq!(expected.len(), 5, "the first five are real times");
        let filter = Filter::not(Filter::Compare {
            column: "published_at".into(),
            op: Op::Gt,
            value: Value::Text("2999-01-01T00:00:00Z".into()),
        });
        on_both(&conn, &mut |db| {
            let sql = compile_filter(db.dialect(), &set, "game", &filter).unwrap();
            let selected = Bridge::new(db, &set).select_ids("game", &sql).unwrap();
            prop_assert_eq!(&selected, &expected, "{:?}: {}", db.dialect(), sql.sql);
            Ok(())
        })
        .unwrap();
    }

    /// A level whose values are not all of the column's type cannot be one statement: each value
    /// is looked up alone and gets the database's own answer, exactly as `find` gives it. SQLite
    /// compares `'1'` with an integer column loosely (and finds the row), PostgreSQL refuses the
    /// comparison: an error, never rows made up or dropped. Without the fallback the batch
    /// would answer for mixed values in one statement of one type.
    #[test]
    fn a_level_of_mixed_types_is_looked_up_one_by_one_with_the_database_s_answer() {
        let league = League {
            players: vec![("Seeker".into(), 5, 1), ("Keeper".into(), 6, 2)],
            games: vec![
                ("First".into(), 1, 2, Some(2), 0),
                ("Final".into(), 1, 3, None, 1),
            ],
            staff: vec![],
            now: None,
        };
        let set = policies();
        let (conn, _) = build(&league);
        let mut answers = Vec::new();
        on_both(&conn, &mut |db| {
            let sql = SqlEntities::new(db, &set);
            for values in [
                vec![Value::Int(1), Value::Text("2".into())],
                vec![Value::Text("1".into()), Value::Null, Value::Int(2)],
                vec![Value::Bool(true)],
            ] {
                let each = sql.find_each("game", "id", &values);
                let alone = authz::entities::one_by_one(&sql, "game", "id", &values);
                let ids = |found: &Result<Vec<Vec<Row>>, EntityError>| match found {
                    Ok(levels) => Ok(levels
                        .iter()
                        .map(|rows| rows.iter().map(|r| r["id"].clone()).collect::<Vec<_>>())
                        .collect::<Vec<_>>()),
                    Err(err) => Err(err.message.clone()),
                };
                prop_assert_eq!(ids(&each), ids(&alone), "{:?}", values);
                answers.push((db.dialect(), ids(&each).map(|levels| levels.len())));
            }
            Ok(())
        })
        .unwrap();
        let on = |dialect| {
            answers
                .iter()
                .filter(|(d, _)| *d == dialect)
                .map(|(_, answer)| answer.is_ok())
                .collect::<Vec<_>>()
        };
        assert_eq!(on(crate::db::sql::Dialect::Sqlite), [true, true, true]);
        // A boolean is written 0 or 1 on both, as SQLite stores it: `true` finds game 1.
        assert_eq!(on(crate::db::sql::Dialect::Postgres), [false, false, true]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// The evaluator reading the database (a traversal's levels looked up by one statement
        /// each, `SqlEntities::find_each`) decides and explains exactly as it does reading the
        /// same rows from memory (one lookup per row): the whole trace, visits in order, for
        /// every subject and game, on SQLite and on PostgreSQL. The random leagues' `child_id`
        /// links fork, join and loop, so levels repeat values and reach rows seen before.
        #[test]
        fn the_evaluator_on_sql_rows_explains_as_on_memory(league in league()) {
            let set = policies();
            let (conn, mem) = build(&league);
            on_both(&conn, &mut |db| {
            let sql = SqlEntities::new(db, &set);
            for subject in subjects(&mem, &league) {
                for ty in ["game", "team"] {
                    for row in mem.all(ty) {
                        let request = Request {
                            subject: subject.clone(),
                            action: "read".into(),
                            resource: ResourceRef { ty: ty.into(), id: row["id"].clone() },
                            field: None,
                        };
                        for mode in [Mode::Check, Mode::Explain] {
                            let on_sql = authz::evaluate(&set, &sql, &request, mode).unwrap();
                            let on_mem = authz::evaluate(&set, &mem, &request, mode).unwrap();
                            prop_assert_eq!(
                                untimed(&on_sql),
                                untimed(&on_mem),
                                "{} reading {}:{:?} ({:?})", subject.label(), ty, row["id"], mode
                            );
                        }
                    }
                }
            }
            Ok(())
            })?;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Per column, the rows where the access plan lets it be read (compiled to SQL) are
        /// exactly the rows where the evaluator allows reading that field: field grants and
        /// field-level denies included; on SQLite and on PostgreSQL.
        #[test]
        fn plan_columns_select_what_the_evaluator_allows(league in league()) {
            let set = policies();
            let (conn, mem) = build(&league);
            on_both(&conn, &mut |db| {
            for subject in subjects(&mem, &league) {
                let planner = authz::Planner::new(&set, &mem, &subject).unwrap();
                for ty in ["game", "player", "team"] {
                    let plan = planner.plan("read", ty).unwrap();
                    for rule in &plan.columns {
                        let readable = match &rule.access {
                            authz::ColumnAccess::Always => plan.rows().clone(),
                            authz::ColumnAccess::Never => Filter::FALSE,
                            authz::ColumnAccess::Rows { filter } => filter.clone(),
                        };
                        let sql = compile_filter(db.dialect(), &set, ty, &readable).unwrap();
                        let by_sql = Bridge::new(db, &set).select_ids(ty, &sql).unwrap();
                        let by_union = Bridge::new(db, &set)
                            .select_ids_of(ty, &readable, &sql)
                            .unwrap();
                        prop_assert_eq!(&by_union, &by_sql, "{} reading {}.{}", subject.label(), ty, rule.column);
                        let by_eval: Vec<Value> = mem
                            .all(ty)
                            .iter()
                            .filter_map(|r| r.get("id").cloned())
                            .filter(|id| {
                                let request = Request {
                                    subject: subject.clone(),
                                    action: "read".into(),
                                    resource: ResourceRef { ty: ty.into(), id: id.clone() },
                                    field: Some(rule.column.clone()),
                                };
                                authz::evaluate(&set, &mem, &request, Mode::Check)
                                    .unwrap()
                                    .decision
                                    == authz::Decision::Allow
                            })
                            .collect();
                        prop_assert_eq!(
                            &by_sql, &by_eval,
                            "{} reading {}.{}: {}", subject.label(), ty, rule.column, sql.sql
                        );
                    }
                }
            }
            Ok(())
            })?;
        }
    }

    /// A random condition over games, as policies.toml writes it: every operator, NULLs
    /// (`child_id`, `$subject.team_id` of staff), `_not`, relationships and `feeders*`.
    fn condition(depth: u32) -> BoxedStrategy<String> {
        let column = prop::sample::select(&["id", "child_id", "winner_id", "loser_id"][..]);
        let op = prop::sample::select(&["_eq", "_neq", "_gt", "_gte", "_lt", "_lte"][..]);
        let value = prop_oneof![
            (0..=6i64).prop_map(|n| n.to_string()),
            Just("\"$subject.team_id\"".to_string()),
            Just("\"$subject.id\"".to_string()),
        ];
        let leaf = prop_oneof![
            (column.clone(), op, value)
                .prop_map(|(c, o, v)| format!("{{ {c} = {{ {o} = {v} }} }}")),
            (column.clone(), any::<bool>())
                .prop_map(|(c, b)| format!("{{ {c} = {{ _is_null = {b} }} }}")),
            (column, any::<bool>(), prop::collection::vec(0..=6i64, 0..3)).prop_map(
                |(c, negated, vs)| {
                    let list: Vec<String> = vs.iter().map(ToString::to_string).collect();
                    let op = if negated { "_nin" } else { "_in" };
                    format!("{{ {c} = {{ {op} = [{}] }} }}", list.join(", "))
                }
            ),
            prop::sample::select(&["Practice", "First", "Final"][..])
                .prop_map(|l| format!("{{ level = {{ _eq = \"{l}\" }} }}")),
            Just("{ winner = { id = { _eq = \"$subject.team_id\" } } }".to_string()),
            // The request's time, a bound parameter of the SQL (absent: unknown).
            (op_time(), prop::sample::select(&TIMES[..])).prop_map(|(o, t)| format!(
                "{{ _or = [{{ published_at = {{ {o} = \"$context.now\" }} }}, {{ \"$context.now\" = {{ _lt = \"{t}\" }} }}] }}"
            )),
            (op_time(), prop::sample::select(&TIMES[..]))
                .prop_map(|(o, t)| format!("{{ published_at = {{ {o} = \"{t}\" }} }}")),
            (0..=6i64)
                .prop_map(|n| format!("{{ \"feeders*\" = {{ winner_id = {{ _lt = {n} }} }} }}")),
        ];
        leaf.prop_recursive(depth, 16, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| format!("{{ _and = [{a}, {b}] }}")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{{ _or = [{a}, {b}] }}")),
                inner.prop_map(|a| format!("{{ _not = {a} }}")),
            ]
        })
        .boxed()
    }

    fn op_time() -> impl Strategy<Value = &'static str> + Clone {
        prop::sample::select(&["_eq", "_neq", "_gt", "_gte", "_lt", "_lte"][..])
    }

    /// One random policy on games: its effect, roles, fields and condition.
    fn game_policy() -> impl Strategy<Value = String> {
        (
            prop::sample::select(&["allow", "deny"][..]),
            prop::sample::select(&["anonymous", "player", "manager", "admin"][..]),
            prop::option::of(prop::sample::select(&["level", "winner_id"][..])),
            condition(3),
        )
            .prop_map(|(effect, role, field, cond)| {
                let fields = field.map_or_else(String::new, |f| format!("fields = [\"{f}\"]\n"));
                format!(
                    "effect = \"{effect}\"\nroles = [\"{role}\"]\nactions = [\"read\"]\nresource = \"game\"\n{fields}condition = {cond}\n"
                )
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Random policy files over random leagues: for every subject, game and column, the
        /// evaluator's decision equals what SQLite, and PostgreSQL, select with the compiled
        /// plan: each backend's own three-valued logic is held to the evaluator's.
        #[test]
        fn random_policies_decide_as_sqlite_selects(
            league in league(),
            policies in prop::collection::vec(game_policy(), 1..4),
            // Shallow limits cut the leagues' chains of games (cycles are cut at any limit).
            traversal_depth in prop_oneof![1..=4u32, Just(32u32)],
        ) {
            let head = include_str!("../policies.toml");
            let head = &head[..head.find("[[policy]]").unwrap_or(head.len())];
            assert!(head.contains("traversal_depth = 32"), "the shipped limit moved");
            let mut source =
                head.replace("traversal_depth = 32", &format!("traversal_depth = {traversal_depth}"));
            for (i, p) in policies.iter().enumerate() {
                let _ = write!(source, "\n[[policy]]\nid = \"p{i}\"\n{p}");
            }
            let set = authz::parse("random.toml", &source)
                .unwrap_or_else(|e| panic!("{e}\n{source}"));
            let (conn, mem) = build(&league);
            on_both(&conn, &mut |db| {
            for subject in subjects(&mem, &league) {
                let plan = match authz::Planner::new(&set, &mem, &subject)
                    .and_then(|planner| planner.plan("read", "game"))
                {
                    Ok(plan) => plan,
                    Err(err) => {
                        // A subject the policies cannot judge (an attribute it lacks): every
                        // check of it is that error too.
                        for game in mem.all("game") {
                            let request = Request {
                                subject: subject.clone(),
                                action: "read".into(),
                                resource: ResourceRef {
                                    ty: "game".into(),
                                    id: game.get("id").cloned().unwrap_or(Value::Null),
                                },
                                field: None,
                            };
                            let checked = authz::evaluate(&set, &mem, &request, Mode::Check);
                            prop_assert_eq!(
                                checked.map(|r| r.decision).map_err(|e| e.to_string()),
                                Err(err.to_string())
                            );
                        }
                        continue;
                    }
                };
                for rule in &plan.columns {
                    let readable = match &rule.access {
                        authz::ColumnAccess::Always => plan.rows().clone(),
                        authz::ColumnAccess::Never => Filter::FALSE,
                        authz::ColumnAccess::Rows { filter } => filter.clone(),
                    };
                    let sql = compile_filter(db.dialect(), &set, "game", &readable).unwrap();
                    let by_sql = Bridge::new(db, &set).select_ids("game", &sql).unwrap();
                    let by_eval: Vec<Value> = mem
                        .all("game")
                        .iter()
                        .filter_map(|r| r.get("id").cloned())
                        .filter(|id| {
                            let request = Request {
                                subject: subject.clone(),
                                action: "read".into(),
                                resource: ResourceRef { ty: "game".into(), id: id.clone() },
                                field: Some(rule.column.clone()),
                            };
                            authz::evaluate(&set, &mem, &request, Mode::Check)
                                .unwrap()
                                .decision
                                == authz::Decision::Allow
                        })
                        .collect();
                    prop_assert_eq!(
                        &by_sql, &by_eval,
                        "{} reading game.{}: {}\n{}", subject.label(), rule.column, sql.sql, source
                    );
                }
            }
            // The other direction: per game (and per column), the subjects `who_can` selects
            // in SQL are those the evaluator allows.
            for game in mem.all("game") {
                let id = game.get("id").cloned().unwrap_or(Value::Null);
                for field in [None, Some("level"), Some("winner_id")] {
                    for ty in ["player", "staff"] {
                        let residual =
                            authz::who::who_can(
                            &set,
                            &mem,
                            ty,
                            "read",
                            "game",
                            game,
                            field,
                            &context(&league),
                        )
                                .unwrap();
                        let bridge = Bridge::new(db, &set);
                        // The subjects no check can judge: those holding the roles of a policy
                        // that reads an attribute their type lacks.
                        let mut undecided = Vec::new();
                        for (_, _, holds) in &residual.undecidable {
                            let sql = compile_filter(db.dialect(), &set, ty, holds).unwrap();
                            undecided.extend(bridge.select_ids(ty, &sql).unwrap());
                        }
                        let decided = |ids: Vec<Value>| -> Vec<Value> {
                            ids.into_iter().filter(|id| !undecided.contains(id)).collect()
                        };
                        let sql = compile_filter(db.dialect(), &set, ty, &residual.filter).unwrap();
                        let by_sql = decided(bridge.select_ids(ty, &sql).unwrap());
                        // What `who_can` runs: the same rows without telling unknown from false.
                        let sql_where =
                            compile_where(db.dialect(), &set, ty, &residual.filter).unwrap();
                        let by_where = decided(bridge.select_ids(ty, &sql_where).unwrap());
                        let mut by_eval: Vec<Value> = Vec::new();
                        for row in mem.all(ty) {
                            let request = Request {
                                subject: Subject::from_row(ty, row.clone())
                                    .with_context(context(&league)),
                                action: "read".into(),
                                resource: ResourceRef { ty: "game".into(), id: id.clone() },
                                field: field.map(str::to_string),
                            };
                            let subject_id = row.get("id").cloned().unwrap_or(Value::Null);
                            match authz::evaluate(&set, &mem, &request, Mode::Check) {
                                Ok(r) => {
                                    prop_assert!(!undecided.contains(&subject_id));
                                    if r.decision == authz::Decision::Allow {
                                        by_eval.push(subject_id);
                                    }
                                }
                                Err(_) => prop_assert!(
                                    undecided.contains(&subject_id),
                                    "{:?} cannot be judged, but who-can decides it\n{}",
                                    subject_id,
                                    source
                                ),
                            }
                        }
                        prop_assert_eq!(
                            &by_sql, &by_eval,
                            "who can read game {:?}.{:?} among {}: {}\n{}", id, field, ty, sql.sql, source
                        );
                        prop_assert_eq!(
                            &by_where, &by_eval,
                            "who can read game {:?}.{:?} among {}: {}\n{}", id, field, ty, sql_where.sql, source
                        );
                    }
                }
            }
            Ok(())
            })?;
        }
    }

    /// `who-can` for a game reached through `feeders*` selects its subjects through the
    /// `team_id` index, not by reading every player: with `IFNULL(team_id = ?, 0)` per feeder
    /// (how `compile_filter` keeps unknown apart from false) SQLite scans the whole table, which
    /// took seconds at a million players.
    #[test]
    fn who_can_selects_subjects_through_indexes() {
        let set = policies();
        let (conn, mem) = build(&League {
            players: vec![
                ("Seeker".into(), 2, 1),
                ("Captain".into(), 5, 2),
                ("Keeper".into(), 3, 3),
            ],
            games: vec![
                ("First".into(), 1, 2, Some(3), 0),
                ("First".into(), 3, 4, Some(3), 0),
                ("Final".into(), 1, 2, None, 0),
            ],
            staff: vec![("manager".into(), Some(3))],
            now: None,
        });
        let game = mem.get("game", &Value::Int(3)).unwrap().unwrap();
        let residual = authz::who::who_can(
            &set,
            &mem,
            "player",
            "read",
            "game",
            &game,
            None,
            &authz::Context::new(),
        )
        .unwrap();
        let filter = compile_where(Dialect::Sqlite, &set, "player", &residual.filter).unwrap();
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT id FROM players WHERE {} ORDER BY id",
            filter.sql
        );
        let mut stmt = conn.prepare(&sql).unwrap();
        let plan: Vec<String> = stmt
            .query_map(rusqlite::params_from_iter(filter.params.iter()), |r| {
                r.get::<_, String>(3)
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(
            plan.iter().any(|line| line.contains("ix_players_team_id"))
                && !plan.iter().any(|line| line.starts_with("SCAN")),
            "{plan:?} for {}",
            filter.sql
        );
        let ids = Bridge::new(&conn, &set)
            .select_ids("player", &filter)
            .unwrap();
        assert_eq!(ids, vec![Value::Int(1), Value::Int(2), Value::Int(3)]);
    }

    /// The cached `PRAGMA table_info` of [`table_columns`] sees a change to the table made after
    /// it was first run, and a table that does not exist has no columns.
    #[test]
    fn table_columns_follow_schema_changes() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL)")
            .unwrap();
        let names = |conn: &Connection| -> Vec<(String, bool)> {
            table_columns(Db::Sqlite(conn), "t")
                .unwrap()
                .unwrap()
                .into_iter()
                .map(|c| (c.name, c.nullable))
                .collect()
        };
        assert_eq!(names(&conn), [("id".into(), false), ("a".into(), false)]);
        conn.execute_batch("ALTER TABLE t ADD COLUMN b INT")
            .unwrap();
        assert_eq!(
            names(&conn),
            [
                ("id".into(), false),
                ("a".into(), false),
                ("b".into(), true)
            ]
        );
        assert!(
            table_columns(Db::Sqlite(&conn), "missing")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn the_filter_binds_parameters() {
        let set = policies();
        let (conn, mem) = build(&League {
            players: vec![("Seeker".into(), 2, 1)],
            games: vec![("Practice".into(), 1, 2, None, 0)],
            staff: vec![],
            now: None,
        });
        let harry = Subject::from_row("player", mem.all("player")[0].clone());
        let f = Bridge::new(&conn, &set)
            .row_filter(&harry, "read", "game")
            .unwrap();
        assert!(f.sql.contains("WITH RECURSIVE"), "{}", f.sql);
        assert!(
            !f.sql.contains("Slytherin') "),
            "values are bound, not inlined"
        );
        assert!(f.params.contains(&SqlValue::Text("Slytherin".into())));
    }

    /// `$context.now` in a residual is a bound parameter of the SQL, never text in it.
    #[test]
    fn context_values_are_bound_parameters() {
        let set = policies();
        let (_conn, mem) = build(&League {
            players: vec![("Seeker".into(), 2, 1)],
            games: vec![("Practice".into(), 1, 2, None, 1)],
            staff: vec![],
            now: Some(2),
        });
        let harry = Subject::from_row("player", mem.all("player")[0].clone()).with_context(
            context(&League {
                players: vec![],
                games: vec![],
                staff: vec![],
                now: Some(2),
            }),
        );
        let plan = authz::Planner::new(&set, &mem, &harry)
            .unwrap()
            .plan("read", "game")
            .unwrap();
        let rule = plan.column("winner_id").unwrap();
        let authz::ColumnAccess::Rows { filter } = &rule.access else {
            panic!("winner_id depends on the row: {:?}", rule.access);
        };
        let sql = compile_filter(Dialect::Sqlite, &set, "game", filter).unwrap();
        assert!(sql.sql.contains("published_at"), "{}", sql.sql);
        assert!(!sql.sql.contains(TIMES[2]), "inlined: {}", sql.sql);
        assert!(sql.params.contains(&SqlValue::Text(TIMES[2].into())));
    }
}
