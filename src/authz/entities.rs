//! What the evaluator reads: values, rows, subjects, and the [`Entities`] source of rows.
//!
//! The engine never opens a database. The caller implements [`Entities`] (the SQLite bridge in
//! `access`, or [`MemoryEntities`] in tests and benches) and relationships are resolved through
//! the column mappings the policy file declares: `find(target, target_column, value)`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::EntityError;
use super::policy::Relationship;

/// An attribute value: a column of a row, a subject attribute, or a literal of a condition.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(untagged)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Text(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Text(s) => write!(f, "{s:?}"),
        }
    }
}

impl Value {
    /// The value as it appears in a resource reference (`game:8`, `forum:Seeker`).
    pub fn as_ref_str(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Value::Null, Value::Int)
    }
}

/// A row: column → value.
pub type Row = BTreeMap<String, Value>;

/// The source of rows the evaluator reads. Implementations must not panic; failures are
/// returned and recorded against the policy that needed the row.
pub trait Entities {
    /// The row of type `ty` whose key is `id`.
    fn get(&self, ty: &str, id: &Value) -> Result<Option<Row>, EntityError>;
    /// Every row of type `ty` whose `column` equals `value`.
    fn find(&self, ty: &str, column: &str, value: &Value) -> Result<Vec<Row>, EntityError>;
    /// For each of `values`, in order, what [`Self::find`] gives for it: a traversal asks for
    /// one step of every row it reached at once, so that a source that reads a database can
    /// answer them in one statement rather than one each.
    fn find_each(
        &self,
        ty: &str,
        column: &str,
        values: &[Value],
    ) -> Result<Vec<Vec<Row>>, EntityError> {
        one_by_one(self, ty, column, values)
    }
    /// The columns of the row of `ty` keyed `key` whose values are assumed (what-if), not read:
    /// the trace marks them. `None` for a row as the source holds it.
    fn assumed(&self, ty: &str, key: &Value) -> Option<&BTreeSet<String>> {
        let _ = (ty, key);
        None
    }
}

/// [`Entities::find_each`] as one [`Entities::find`] per value: the default, and the fallback
/// of a source that batches.
pub fn one_by_one<E: Entities + ?Sized>(
    entities: &E,
    ty: &str,
    column: &str,
    values: &[Value],
) -> Result<Vec<Vec<Row>>, EntityError> {
    values
        .iter()
        .map(|v| entities.find(ty, column, v))
        .collect()
}

/// One step of a traversal through `rel` from every row of `frontier`: the related rows (of
/// `rel.target`, whose `rel.target_column` equals a row's `rel.column`; NULL relates nothing),
/// in the frontier's order, looked up at once ([`Entities::find_each`]).
pub fn step(
    entities: &dyn Entities,
    rel: &Relationship,
    frontier: &[Row],
) -> Result<Vec<Row>, EntityError> {
    let values: Vec<Value> = frontier
        .iter()
        .filter_map(|from| from.get(&rel.column))
        .filter(|value| !matches!(value, Value::Null))
        .cloned()
        .collect();
    Ok(entities
        .find_each(&rel.target, &rel.target_column, &values)?
        .into_iter()
        .flatten()
        .collect())
}

/// How a [`walk`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walked {
    /// The visitor asked to stop.
    Stopped,
    /// Every walk from the row ended within the limit.
    Ended,
    /// A walk goes on past the limit: rows beyond it were not visited, so whether one of them
    /// would have matched is unknown.
    Cut,
}

/// A traversal through `rel` from `row`, level by level: one step for a plain relationship
/// (`depth_limit` `None`), up to `depth_limit` steps for a transitive one. `visit` gets each
/// row the first time a level reaches it, with its depth, and returns whether to stop. Each
/// level holds every row some walk of exactly that many steps reaches (a cycle is walked round
/// again, so that [`Walked::Cut`] means "a walk of `depth_limit` + 1 steps exists", which SQL's
/// recursive CTE can tell too): a transitive walk is cut when a step from its last level
/// still reaches a row.
pub fn walk<E: From<EntityError>>(
    entities: &dyn Entities,
    rel: &Relationship,
    row: &Row,
    depth_limit: Option<u32>,
    mut visit: impl FnMut(&Row, u32) -> Result<bool, E>,
) -> Result<Walked, E> {
    let limit = depth_limit.unwrap_or(1);
    let mut seen: HashSet<Value> = HashSet::new();
    let mut level = vec![row.clone()];
    for depth in 1..=limit {
        let mut next = Vec::new();
        let mut here: HashSet<Value> = HashSet::new();
        // The whole level's lookups at once, in the level's order.
        for related in step(entities, rel, &level)? {
            let key = related.get("id").cloned().unwrap_or(Value::Null);
            if !here.insert(key.clone()) {
                continue;
            }
            if seen.insert(key) && visit(&related, depth)? {
                return Ok(Walked::Stopped);
            }
            next.push(related);
        }
        if next.is_empty() {
            return Ok(Walked::Ended);
        }
        level = next;
    }
    Ok(
        if depth_limit.is_none() || step(entities, rel, &level)?.is_empty() {
            Walked::Ended
        } else {
            Walked::Cut
        },
    )
}

/// Rows held in memory, indexed by key and by every column: for tests, benches and the
/// property test.
#[derive(Debug, Clone, Default)]
pub struct MemoryEntities {
    rows: HashMap<String, Vec<Row>>,
    by_column: HashMap<(String, String, Value), Vec<usize>>,
}

impl MemoryEntities {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a row of type `ty`.
    pub fn insert(&mut self, ty: &str, row: Row) {
        let rows = self.rows.entry(ty.to_string()).or_default();
        let index = rows.len();
        for (column, value) in &row {
            self.by_column
                .entry((ty.to_string(), column.clone(), value.clone()))
                .or_default()
                .push(index);
        }
        rows.push(row);
    }

    /// Every row of type `ty`.
    pub fn all(&self, ty: &str) -> &[Row] {
        self.rows.get(ty).map_or(&[], Vec::as_slice)
    }
}

impl Entities for MemoryEntities {
    fn get(&self, ty: &str, id: &Value) -> Result<Option<Row>, EntityError> {
        Ok(self.find(ty, "id", id)?.into_iter().next())
    }

    fn find(&self, ty: &str, column: &str, value: &Value) -> Result<Vec<Row>, EntityError> {
        let key = (ty.to_string(), column.to_string(), value.clone());
        let Some(indexes) = self.by_column.get(&key) else {
            return Ok(Vec::new());
        };
        let rows = self.all(ty);
        Ok(indexes
            .iter()
            .filter_map(|&i| rows.get(i).cloned())
            .collect())
    }
}

/// Who is asking: a row of a subject type (`player`, `staff`) or `anonymous`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Subject {
    /// The subject type, or `anonymous`.
    pub kind: String,
    /// The key, `None` for `anonymous`.
    pub id: Option<Value>,
    /// The row's columns; empty for `anonymous`.
    pub attributes: Row,
    /// What the request carries besides who asks (`$context.*`): an input to evaluation that
    /// travels with the subject, so that every decision about the subject sees it.
    #[serde(skip)]
    #[schemars(skip)]
    pub context: super::context::Context,
}

impl Subject {
    /// The subject with no identity.
    pub fn anonymous() -> Self {
        Subject {
            kind: "anonymous".to_string(),
            id: None,
            attributes: Row::new(),
            context: super::context::Context::new(),
        }
    }

    /// A subject of type `kind` with its row.
    pub fn from_row(kind: &str, attributes: Row) -> Self {
        Subject {
            kind: kind.to_string(),
            id: attributes.get("id").cloned(),
            attributes,
            context: super::context::Context::new(),
        }
    }

    /// The subject making a request that carries `context`.
    #[must_use]
    pub fn with_context(mut self, context: super::context::Context) -> Self {
        self.context = context;
        self
    }

    /// Whether the subject has the attribute `$subject.NAME`, if only a null one: `type`
    /// always, `id` and its row's columns when it is a row (`anonymous` has none).
    pub fn has_attribute(&self, name: &str) -> bool {
        match name {
            "type" => true,
            "id" => self.id.is_some(),
            other => self.attributes.contains_key(other),
        }
    }

    /// `$subject.NAME`: `type` and `id` are always there; a missing attribute is null. A
    /// condition reads none that is missing ([`super::eval::missing_attribute`]).
    pub fn attribute(&self, name: &str) -> Value {
        match name {
            "type" => Value::Text(self.kind.clone()),
            "id" => self.id.clone().unwrap_or(Value::Null),
            other => self.attributes.get(other).cloned().unwrap_or(Value::Null),
        }
    }

    /// `player:1`, `staff:2` or `anonymous`, with the name when there is one.
    pub fn label(&self) -> String {
        match (&self.id, self.attributes.get("name")) {
            (Some(id), Some(Value::Text(name))) => {
                format!("{}:{} ({name})", self.kind, id.as_ref_str())
            }
            (Some(id), _) => format!("{}:{}", self.kind, id.as_ref_str()),
            (None, _) => self.kind.clone(),
        }
    }
}

/// A resource reference, `TYPE:ID`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ResourceRef {
    #[serde(rename = "type")]
    pub ty: String,
    pub id: Value,
}

impl fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.ty, self.id.as_ref_str())
    }
}
