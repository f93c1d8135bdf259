//! The policy model: a validated [`PolicySet`] as `parse` builds it from `policies.toml`.
//!
//! Every node keeps `at`, the byte offset of its source, so later checks (lint, tests) can point
//! at `policies.toml:LINE:COL`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::entities::{Row, Value};

/// The whole policy file.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    pub settings: Settings,
    pub actions: Vec<String>,
    pub types: BTreeMap<String, TypeDef>,
    pub relationships: Vec<Relationship>,
    pub roles: BTreeMap<String, RoleDef>,
    pub bindings: Vec<Binding>,
    pub policies: Vec<Policy>,
    pub scopes: Vec<Scope>,
    pub tests: Vec<TestCase>,
    pub identity: Identity,
    /// `[context]`: the context names conditions may use (`now`, `claims.org_id`), typed.
    pub context: BTreeMap<String, super::context::Declared>,
}

/// `[identity]`: how a token from an identity provider names its subject, and what it must carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// The claim that names the subject (`sub` by default); read inside `namespace` when set.
    pub subject_claim: String,
    /// A claim holding a JSON object of further claims (Hasura's `https://hasura.io/jwt/claims`).
    pub namespace: Option<String>,
    /// How the subject claim's value becomes a row.
    pub map: SubjectMap,
    /// The `iss` a token must carry (a `--jwt-issuer` flag takes precedence).
    pub issuer: Option<String>,
    /// The `aud` a token must carry (a `--jwt-audience` flag takes precedence).
    pub audience: Option<String>,
    /// Clock skew tolerated on `exp`, `nbf`, `iat`, in seconds (`--jwt-leeway` takes precedence).
    pub clock_skew: Option<u64>,
    /// Where `[identity]` starts in the file, when it is there.
    pub at: Option<usize>,
}

impl Default for Identity {
    fn default() -> Self {
        Identity {
            subject_claim: "sub".to_string(),
            namespace: None,
            map: SubjectMap::Ref,
            issuer: None,
            audience: None,
            clock_skew: None,
            at: None,
        }
    }
}

/// How a token's subject becomes a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SubjectMap {
    /// The value is a reference `TYPE:ID` (`player:3`, `staff:1`): tokens `authz token` mints.
    Ref,
    /// The one row of `ty` whose `column` equals the value (`player.name`, `player.external_id`).
    Column { ty: String, column: String },
}

/// `[settings]`: the combining default and the limits the server enforces.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Settings {
    /// The query limits `[settings]` sets for every subject.
    pub limits: Limits,
    /// How many steps a transitive relationship is followed (cycles are cut earlier).
    pub traversal_depth: u32,
    pub role_limits: BTreeMap<String, Limits>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            limits: Limits::default(),
            traversal_depth: 32,
            role_limits: BTreeMap::new(),
        }
    }
}

/// Query limits as `[settings]` or one role's override writes them; `None`: not set there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Limits {
    pub max_depth: Option<u32>,
    pub max_complexity: Option<u32>,
    pub max_document_bytes: Option<u32>,
    pub max_aliases: Option<u32>,
    pub max_root_fields: Option<u32>,
    pub max_fragments: Option<u32>,
    pub max_response_bytes: Option<u32>,
    pub default_page_size: Option<u32>,
    /// `introspection = "on" | "off"`.
    pub introspection: Option<bool>,
}

/// The query limits that apply to one subject, every one of them set: what the server enforces
/// and `authz explain` reports. [`QueryLimits::default`] holds the built-in values, used where
/// neither `[settings]` nor a role sets one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct QueryLimits {
    /// Fields nested in one another: `{ getGame { child { id } } }` is 3.
    pub max_depth: u32,
    /// Fields the operation may resolve, each list counted once per row it can return.
    pub max_complexity: u32,
    /// The length of the query text.
    pub max_document_bytes: u32,
    /// Aliased fields, fragments expanded.
    pub max_aliases: u32,
    /// Fields of the root selection, fragments expanded.
    pub max_root_fields: u32,
    /// Fragment definitions in the document.
    pub max_fragments: u32,
    /// The JSON answer's length; past it the answer is replaced by an error.
    pub max_response_bytes: u32,
    /// The rows a list returns (and counts as) when asked for without `first`/`last`.
    pub default_page_size: u32,
    /// Whether `__schema` and `__type` may be queried.
    pub introspection: bool,
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits {
            max_depth: 15,
            max_complexity: 10_000,
            max_document_bytes: 64 * 1024,
            max_aliases: 100,
            max_root_fields: 100,
            max_fragments: 100,
            max_response_bytes: 8 * 1024 * 1024,
            default_page_size: 100,
            introspection: true,
        }
    }
}

impl QueryLimits {
    /// The largest value each limit may be set to: past these a document could take the server
    /// down whatever the policies say (`max_depth` is also async-graphql's own nesting limit).
    pub const CEILING: QueryLimits = QueryLimits {
        max_depth: 32,
        max_complexity: 1_000_000,
        max_document_bytes: 1024 * 1024,
        max_aliases: 10_000,
        max_root_fields: 1_000,
        max_fragments: 1_000,
        max_response_bytes: 256 * 1024 * 1024,
        default_page_size: 100_000,
        introspection: true,
    };

    /// The smallest value each limit may be set to (zero allows none of the thing).
    pub const FLOOR: QueryLimits = QueryLimits {
        max_depth: 1,
        max_complexity: 1,
        max_document_bytes: 1,
        max_aliases: 0,
        max_root_fields: 1,
        max_fragments: 0,
        max_response_bytes: 1024,
        default_page_size: 1,
        introspection: false,
    };

    /// The numeric limits by their `policies.toml` key, in the order reports list them.
    pub fn numbers(&self) -> [(&'static str, u32); 8] {
        [
            ("max_depth", self.max_depth),
            ("max_complexity", self.max_complexity),
            ("max_document_bytes", self.max_document_bytes),
            ("max_aliases", self.max_aliases),
            ("max_root_fields", self.max_root_fields),
            ("max_fragments", self.max_fragments),
            ("max_response_bytes", self.max_response_bytes),
            ("default_page_size", self.default_page_size),
        ]
    }
}

/// The type of a column, for type checks of conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Int,
    Text,
    Bool,
    /// An RFC 3339 time, stored as text `YYYY-MM-DDTHH:MM:SSZ` (UTC), so that times compare
    /// as texts do.
    Time,
}

impl ColumnType {
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Int => "int",
            ColumnType::Text => "text",
            ColumnType::Bool => "bool",
            ColumnType::Time => "time",
        }
    }

    /// Whether `value` may be compared with a column of this type (null always may).
    pub fn accepts(self, value: &Value) -> bool {
        matches!(
            (self, value),
            (_, Value::Null)
                | (ColumnType::Int, Value::Int(_))
                | (ColumnType::Text, Value::Text(_))
                | (ColumnType::Bool, Value::Bool(_))
        ) || matches!((self, value), (ColumnType::Time, Value::Text(t)) if super::context::canonical_time(t).as_deref() == Some(t.as_str()))
    }
}

/// A resource (or subject) type: a table, or virtual resources declared in the file.
#[derive(Debug, Clone)]
pub struct TypeDef {
    pub name: String,
    /// The table holding its rows; `None` for a virtual type such as `forum`.
    pub table: Option<String>,
    /// The key column (always `id`).
    pub key: String,
    pub columns: BTreeMap<String, ColumnType>,
    /// The resources of a virtual type.
    pub resources: Vec<Row>,
    pub at: usize,
    /// Where `table = …` is written (its value), for errors about the table.
    pub table_at: usize,
    /// Where each column's type is written, for errors about the column.
    pub column_at: BTreeMap<String, usize>,
}

impl TypeDef {
    /// The type of the key column.
    pub fn key_type(&self) -> ColumnType {
        self.columns
            .get(&self.key)
            .copied()
            .unwrap_or(ColumnType::Int)
    }
}

/// Object (at most one related row) or array (any number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelKind {
    Object,
    Array,
}

/// `type.name` → rows of `target` whose `target_column` equals this row's `column`.
#[derive(Debug, Clone)]
pub struct Relationship {
    pub ty: String,
    pub name: String,
    pub target: String,
    pub kind: RelKind,
    pub column: String,
    pub target_column: String,
    pub at: usize,
    /// Where `mapping = …` is written.
    pub mapping_at: usize,
}

/// A role and the roles it inherits (whose permissions it gets).
#[derive(Debug, Clone)]
pub struct RoleDef {
    pub name: String,
    pub inherits: Vec<String>,
    pub at: usize,
}

/// Where a binding's role comes from.
#[derive(Debug, Clone)]
pub enum RoleSource {
    Fixed(String),
    /// A column of the subject's row names the role (staff `role`).
    Column(String),
}

/// Gives subjects of kind `subject` (a type, or `anonymous`) a role, when `when` holds.
#[derive(Debug, Clone)]
pub struct Binding {
    pub subject: String,
    pub role: RoleSource,
    pub when: Option<Condition>,
    pub at: usize,
}

/// `allow` or `deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    Allow,
    Deny,
}

/// What a read of a field the subject may not see yields (graphql-rule's `readFail`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "yields")]
pub enum ReadFail {
    Null,
    Error { message: String },
}

/// One `[[policy]]`.
#[derive(Debug, Clone)]
pub struct Policy {
    pub id: String,
    pub description: String,
    pub effect: Effect,
    pub roles: Vec<String>,
    /// `*` matches any action.
    pub actions: Vec<String>,
    /// A type name or `*`.
    pub resource: String,
    pub condition: Option<Condition>,
    /// Fields granted; `None` grants every column.
    pub fields: Option<Vec<String>>,
    pub read_fail: BTreeMap<String, ReadFail>,
    pub at: usize,
}

/// A named grant for access tokens: held when `action` on `resource` is allowed.
#[derive(Debug, Clone)]
pub struct Scope {
    pub name: String,
    pub description: String,
    pub action: String,
    pub resource: String,
    pub at: usize,
}

/// One `[[test]]` case.
#[derive(Debug, Clone)]
pub struct TestCase {
    pub name: String,
    pub user: String,
    pub action: String,
    pub resource: String,
    pub field: Option<String>,
    pub decision: super::Decision,
    pub policies: Option<Vec<String>>,
    pub fields: Option<Vec<String>>,
    /// What-if: the changes the case assumes (`assume = [...]`), each with where it is written.
    pub assume: Vec<(usize, super::assume::Assumption)>,
    /// The request context of the case (`context = { now = "…" }`).
    pub context: super::context::Context,
    pub at: usize,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub enum Op {
    #[serde(rename = "_eq")]
    Eq,
    #[serde(rename = "_neq")]
    Neq,
    #[serde(rename = "_gt")]
    Gt,
    #[serde(rename = "_gte")]
    Gte,
    #[serde(rename = "_lt")]
    Lt,
    #[serde(rename = "_lte")]
    Lte,
    #[serde(rename = "_in")]
    In,
    #[serde(rename = "_nin")]
    Nin,
    /// `$context.ip _in_cidr ["10.0.0.0/8"]`: decided before any row is read.
    #[serde(rename = "_in_cidr")]
    InCidr,
    /// `$context.scopes _contains "games:read"`: decided before any row is read.
    #[serde(rename = "_contains")]
    Contains,
}

impl Op {
    pub const ALL: [(&'static str, Op); 10] = [
        ("_eq", Op::Eq),
        ("_neq", Op::Neq),
        ("_gt", Op::Gt),
        ("_gte", Op::Gte),
        ("_lt", Op::Lt),
        ("_lte", Op::Lte),
        ("_in", Op::In),
        ("_nin", Op::Nin),
        ("_in_cidr", Op::InCidr),
        ("_contains", Op::Contains),
    ];

    pub fn name(self) -> &'static str {
        Op::ALL
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("_eq", |(name, _)| name)
    }

    /// The SQL operator of a scalar comparison.
    pub fn sql(self) -> &'static str {
        match self {
            // Parsing allows `_in_cidr` and `_contains` on `$context.*` only, which a residual
            // decides before any row: `access` compiles a column compared with them as NULL,
            // never with this.
            Op::Eq | Op::InCidr | Op::Contains => "=",
            Op::Neq => "<>",
            Op::Gt => ">",
            Op::Gte => ">=",
            Op::Lt => "<",
            Op::Lte => "<=",
            Op::In => "IN",
            Op::Nin => "NOT IN",
        }
    }
}

/// The left side of a comparison: a column of the current row, a subject attribute, or a
/// context value (`$context.NAME`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lhs {
    Column(String),
    Subject(String),
    Context(String),
}

/// The right side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rhs {
    Value(Value),
    /// `$subject.NAME`
    Subject(String),
    /// `$context.NAME`
    Context(String),
    List(Vec<Value>),
}

/// A Hasura-style boolean expression over the current row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    Compare {
        lhs: Lhs,
        op: Op,
        rhs: Rhs,
        at: usize,
    },
    IsNull {
        lhs: Lhs,
        is_null: bool,
        at: usize,
    },
    /// Some row related through `rel` satisfies `inner` (Graphcool's `SomeXExists`).
    Exists {
        rel: String,
        inner: Box<Condition>,
        at: usize,
    },
    /// Some row reached through one or more steps of the self-relationship `rel` satisfies
    /// `inner`. Written `"rel*"`.
    Transitive {
        rel: String,
        inner: Box<Condition>,
        at: usize,
    },
}

impl Policy {
    /// Whether this policy is about `action` on rows of `ty` (roles aside).
    pub fn covers(&self, ty: &str, action: &str) -> bool {
        self.is_about_type(ty) && self.is_about_action(action)
    }

    /// Whether this policy is about rows of `ty` (`resource` is `ty` or `*`).
    pub fn is_about_type(&self, ty: &str) -> bool {
        self.resource == "*" || self.resource == ty
    }

    /// Whether this policy is about `action` (it lists `action` or `*`).
    pub fn is_about_action(&self, action: &str) -> bool {
        self.actions.iter().any(|a| a == "*" || a == action)
    }

    /// Whether this policy names `field`: an allow grants it, a deny withholds it. A policy
    /// without `fields` names every field.
    pub fn names_field(&self, field: &str) -> bool {
        self.fields
            .as_ref()
            .is_none_or(|f| f.iter().any(|x| x == field))
    }

    /// A deny with `fields` withholds those fields and leaves the row readable; a deny without
    /// them denies the whole resource.
    pub fn is_field_deny(&self) -> bool {
        self.effect == Effect::Deny && self.fields.is_some()
    }
}

impl PolicySet {
    /// Whether every subject of type `kind` has the attribute `$subject.NAME`: `type` always,
    /// and the columns of a table type (`id` among them); `anonymous` has no other. As
    /// [`super::Subject::has_attribute`] says of each subject of the type.
    pub fn subject_type_has(&self, kind: &str, name: &str) -> bool {
        name == "type"
            || self
                .types
                .get(kind)
                .is_some_and(|d| d.columns.contains_key(name))
    }

    /// The policy with id `id`.
    pub fn policy(&self, id: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.id == id)
    }

    /// The relationship `name` of type `ty`.
    pub fn relationship(&self, ty: &str, name: &str) -> Option<&Relationship> {
        self.relationships
            .iter()
            .find(|r| r.ty == ty && r.name == name)
    }

    /// The roles `role` stands for: itself and everything it inherits, transitively.
    pub fn role_closure(&self, role: &str) -> Vec<String> {
        let mut out = vec![role.to_string()];
        let mut i = 0;
        while let Some(r) = out.get(i).cloned() {
            if let Some(def) = self.roles.get(&r) {
                for parent in &def.inherits {
                    if !out.contains(parent) {
                        out.push(parent.clone());
                    }
                }
            }
            i += 1;
        }
        out
    }

    /// The limits for a subject holding `roles`, each limit on its own: the most generous value
    /// any of the roles has, where a role without an override of it has the `[settings]` value,
    /// and where that is not set either, the built-in one. (Roles add what they allow, as
    /// policies do: a player, who also holds `anonymous`, is not held to anonymous's stricter
    /// limits.) With no roles, the `[settings]` values.
    pub fn limits_for(&self, roles: &[String]) -> QueryLimits {
        let builtin = QueryLimits::default();
        let global = self.settings.limits;
        let of = |role: Option<&Limits>| {
            let role = role.copied().unwrap_or_default();
            let pick = |r: Option<u32>, g: Option<u32>, b: u32| r.or(g).unwrap_or(b);
            QueryLimits {
                max_depth: pick(role.max_depth, global.max_depth, builtin.max_depth),
                max_complexity: pick(
                    role.max_complexity,
                    global.max_complexity,
                    builtin.max_complexity,
                ),
                max_document_bytes: pick(
                    role.max_document_bytes,
                    global.max_document_bytes,
                    builtin.max_document_bytes,
                ),
                max_aliases: pick(role.max_aliases, global.max_aliases, builtin.max_aliases),
                max_root_fields: pick(
                    role.max_root_fields,
                    global.max_root_fields,
                    builtin.max_root_fields,
                ),
                max_fragments: pick(
                    role.max_fragments,
                    global.max_fragments,
                    builtin.max_fragments,
                ),
                max_response_bytes: pick(
                    role.max_response_bytes,
                    global.max_response_bytes,
                    builtin.max_response_bytes,
                ),
                default_page_size: pick(
                    role.default_page_size,
                    global.default_page_size,
                    builtin.default_page_size,
                ),
                introspection: role
                    .introspection
                    .or(global.introspection)
                    .unwrap_or(builtin.introspection),
            }
        };
        roles
            .iter()
            .map(|r| of(self.settings.role_limits.get(r)))
            .reduce(|a, b| QueryLimits {
                max_depth: a.max_depth.max(b.max_depth),
                max_complexity: a.max_complexity.max(b.max_complexity),
                max_document_bytes: a.max_document_bytes.max(b.max_document_bytes),
                max_aliases: a.max_aliases.max(b.max_aliases),
                max_root_fields: a.max_root_fields.max(b.max_root_fields),
                max_fragments: a.max_fragments.max(b.max_fragments),
                max_response_bytes: a.max_response_bytes.max(b.max_response_bytes),
                default_page_size: a.default_page_size.max(b.default_page_size),
                introspection: a.introspection || b.introspection,
            })
            .unwrap_or_else(|| of(None))
    }
}
