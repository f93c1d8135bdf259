//! What a GraphQL operation costs, measured before any of it runs, and the limits it is held to.
//!
//! The one document walker of the crate: the server refuses a request over a limit with this
//! module's measure, and `authz explain --query` reports the same measure against the same
//! limits (`authz::QueryLimits`, from `policies.toml` `[settings]` and its per-role overrides).
//!
//! Bounded by construction, whatever the document:
//! - the text is checked first ([`check_text`]): its length, and how deeply its brackets nest
//!   (the parser recurses on them), in one pass over the bytes;
//! - each fragment is measured once, in dependency order found with an explicit stack, and a
//!   spread adds its fragment's memoized measure: time and stack are linear in the document's
//!   size, never in its expansion (a doubling fan-out of 60 fragments measures instantly);
//! - inside one selection set the walk recurses, at most [`WALK_CEILING`] levels (the parser
//!   allows 64), and every sum and product saturates.
//!
//! Depth counts nested fields: `{ getGame { child { id } } }` is 3 (introspection, whose depth is
//! the schema's, counts 1). Complexity counts every field
//! the operation resolves, fragments expanded: a field 1, plus its selections once per row it can
//! return: a connection's `first`/`last` (literal or variable), or the page size it is capped at
//! without them (`default_page_size`, also for the unpaged lists `getPosition` and
//! `getTeamGames`); never fewer than one, so complexity is at least the expanded size. Root
//! introspection (`__schema`, `__type`) counts the size of what it returns: its selections are
//! followed through this schema's own introspection answer ([`Introspection`]), one count per
//! value, stopping as soon as the count passes `max_complexity`.

use std::cell::Cell;
use std::collections::HashMap;

use async_graphql::Variables;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Value};
use serde::Serialize;

use crate::authz::QueryLimits;

/// Fields, fragment spreads and inline fragments inside one another: async-graphql's own limit
/// (`Schema::limit_recursive_depth`, 32 by default), which it checks with a walk that expands
/// every fragment; a document past it is refused here, before that walk.
pub const NESTING_CEILING: u64 = 32;

/// Fields once every fragment is expanded, whatever the limits: async-graphql's validation and
/// `authz explain` walk the expansion, so it must stay small even when complexity may not.
pub const FIELDS_CEILING: u64 = 100_000;

/// Brackets (`{`, `[`, `(`) open inside one another in the text: the parser recurses on each.
pub const BRACKETS_CEILING: u64 = 128;

/// Levels the walk of one selection set recurses (the parser stops at 64).
const WALK_CEILING: usize = 96;

/// Root fields that return a paged connection.
const CONNECTIONS: [&str; 4] = ["allPlayers", "allTeams", "allGames", "players"];
/// Fields that return a list with no paging arguments, capped at the page size.
const LISTS: [&str; 2] = ["getPosition", "getTeamGames"];

/// The schema's own introspection answer, which root `__schema` and `__type` selections are
/// counted against: `__schema` as [`Introspection::QUERY`] answers it, and its types by name
/// (a type reference, `{ kind name ofType }`, stands for the whole type when more is selected).
#[derive(Debug, Clone, Default)]
pub struct Introspection {
    schema: serde_json::Value,
    types: HashMap<String, serde_json::Value>,
}

impl Introspection {
    /// Selects every object and list of the introspection types.
    pub const QUERY: &str = "query {
  __schema { description queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } } }
}
fragment FullType on __Type {
  kind name description specifiedByURL isOneOf
  fields(includeDeprecated: true) {
    name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name description type { ...TypeRef } defaultValue isDeprecated deprecationReason
}
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}";

    /// The model of `data`, the answer to [`Introspection::QUERY`]; `None` when it has no
    /// `__schema.types` list.
    pub fn from_answer(data: &serde_json::Value) -> Option<Introspection> {
        let schema = data.get("__schema")?.clone();
        let types = schema
            .get("types")?
            .as_array()?
            .iter()
            .filter_map(|t| Some((t.get("name")?.as_str()?.to_string(), t.clone())))
            .collect();
        Some(Introspection { schema, types })
    }

    /// How many types the schema has.
    pub fn type_count(&self) -> usize {
        self.types.len()
    }

    /// `node`'s value of `field`, looking through a type reference to its whole type.
    fn get<'v>(
        &'v self,
        node: &'v serde_json::Value,
        field: &str,
    ) -> Option<&'v serde_json::Value> {
        node.get(field).or_else(|| {
            let name = node.get("name")?.as_str()?;
            self.types.get(name)?.get(field)
        })
    }
}

/// What an operation measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, schemars::JsonSchema)]
pub struct Measure {
    /// Bytes of the document's text.
    pub document_bytes: u64,
    pub depth: u64,
    pub complexity: u64,
    /// Aliased fields, fragments expanded.
    pub aliases: u64,
    /// Fields of the root selection, fragments expanded.
    pub root_fields: u64,
    /// Fragment definitions.
    pub fragments: u64,
    /// Fields, fragment spreads and inline fragments inside one another (see [`NESTING_CEILING`]).
    pub nesting: u64,
    /// Fields of every operation and every fragment definition, fragments expanded: what
    /// async-graphql's validation walks (see [`FIELDS_CEILING`]).
    pub fields: u64,
    /// Whether `__schema` or `__type` is selected.
    pub introspection: bool,
}

/// An operation over a limit. Each message names the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error("query document size {bytes} bytes exceeds the limit of {limit}")]
    DocumentBytes { bytes: u64, limit: u64 },
    #[error("query brackets nest deeper than the limit of {limit}")]
    Brackets { limit: u64 },
    #[error("query fragment count {fragments} exceeds the limit of {limit}")]
    Fragments { fragments: u64, limit: u64 },
    #[error(
        "query nesting {nesting} (fields and fragments inside one another) exceeds the limit of {limit}"
    )]
    Nesting { nesting: u64, limit: u64 },
    #[error("query size {fields} fields with fragments expanded exceeds the limit of {limit}")]
    Fields { fields: u64, limit: u64 },
    #[error("query depth {depth} exceeds the limit of {limit}")]
    Depth { depth: u64, limit: u64 },
    #[error("query root field count {root_fields} exceeds the limit of {limit}")]
    RootFields { root_fields: u64, limit: u64 },
    #[error("query alias count {aliases} exceeds the limit of {limit}")]
    Aliases { aliases: u64, limit: u64 },
    #[error("query complexity {complexity} exceeds the limit of {limit}")]
    Complexity { complexity: u64, limit: u64 },
    #[error("introspection is off for this subject")]
    Introspection,
    #[error("response size exceeds the limit of {limit} bytes")]
    ResponseBytes { limit: u64 },
}

/// Every code [`LimitError::code`] gives: the decision log tells limit refusals by them.
pub const LIMIT_CODES: [&str; 8] = [
    "QUERY_TOO_LARGE",
    "QUERY_TOO_DEEP",
    "TOO_MANY_FRAGMENTS",
    "TOO_MANY_ROOT_FIELDS",
    "TOO_MANY_ALIASES",
    "QUERY_TOO_COMPLEX",
    "INTROSPECTION_DISABLED",
    "RESPONSE_TOO_LARGE",
];

impl LimitError {
    /// The `extensions.code` of the GraphQL error.
    pub fn code(&self) -> &'static str {
        match self {
            LimitError::DocumentBytes { .. } | LimitError::Fields { .. } => "QUERY_TOO_LARGE",
            LimitError::Brackets { .. } | LimitError::Nesting { .. } | LimitError::Depth { .. } => {
                "QUERY_TOO_DEEP"
            }
            LimitError::Fragments { .. } => "TOO_MANY_FRAGMENTS",
            LimitError::RootFields { .. } => "TOO_MANY_ROOT_FIELDS",
            LimitError::Aliases { .. } => "TOO_MANY_ALIASES",
            LimitError::Complexity { .. } => "QUERY_TOO_COMPLEX",
            LimitError::Introspection => "INTROSPECTION_DISABLED",
            LimitError::ResponseBytes { .. } => "RESPONSE_TOO_LARGE",
        }
    }

    /// Whether the limit guards the server itself, whatever the policies say: past it the
    /// document is not walked further (by `authz explain` either).
    pub fn is_ceiling(&self) -> bool {
        matches!(
            self,
            LimitError::Brackets { .. } | LimitError::Nesting { .. } | LimitError::Fields { .. }
        )
    }
}

/// Checks the text of a document before it is parsed: its length against
/// `max_document_bytes`, and the nesting of its brackets against [`BRACKETS_CEILING`] (outside
/// strings and comments). One pass, no allocation.
pub fn check_text(text: &str, limits: &QueryLimits) -> Result<(), LimitError> {
    check_length(text, limits)?;
    check_brackets(text)
}

/// The first half of [`check_text`]: the text's length against `max_document_bytes` (which
/// depends on the subject; the bracket ceiling does not).
pub fn check_length(text: &str, limits: &QueryLimits) -> Result<(), LimitError> {
    let bytes = u64::try_from(text.len()).unwrap_or(u64::MAX);
    let limit = u64::from(limits.max_document_bytes);
    if bytes > limit {
        return Err(LimitError::DocumentBytes { bytes, limit });
    }
    Ok(())
}

/// The second half of [`check_text`]: the nesting of the text's brackets against
/// [`BRACKETS_CEILING`] (the same for every subject).
pub fn check_brackets(text: &str) -> Result<(), LimitError> {
    if bracket_depth(text.as_bytes()) > BRACKETS_CEILING {
        return Err(LimitError::Brackets {
            limit: BRACKETS_CEILING,
        });
    }
    Ok(())
}

/// The deepest nesting of `{`, `[` and `(` in GraphQL source, strings and comments skipped.
fn bracket_depth(text: &[u8]) -> u64 {
    let mut depth = 0u64;
    let mut deepest = 0u64;
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        match b {
            b'#' => {
                while text.get(i).is_some_and(|&c| c != b'\n' && c != b'\r') {
                    i += 1;
                }
            }
            b'"' if text.get(i..i + 3) == Some(b"\"\"\"") => {
                i += 3;
                while i < text.len() && text.get(i..i + 3) != Some(b"\"\"\"") {
                    i += if text.get(i) == Some(&b'\\') { 2 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while let Some(&c) = text.get(i) {
                    if c == b'"' || c == b'\n' {
                        break;
                    }
                    i += if c == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    deepest
}

/// Measures the operation `operation_name` (or the only one) of `doc`, with unpaged lists
/// counted at `limits.default_page_size` rows and introspection against `introspection`.
///
/// `nesting` and `fields`, which guard async-graphql's own walks, are measured over the whole
/// document: async-graphql checks the nesting of every operation, and validates every operation
/// and every fragment definition (used or not, each expanded), before it looks for the one to
/// run. When that one does not exist, the other figures are zero (execution reports the error
/// in its usual shape).
pub fn measure(
    doc: &ExecutableDocument,
    text_len: usize,
    operation_name: Option<&str>,
    variables: &Variables,
    limits: &QueryLimits,
    introspection: &Introspection,
) -> Measure {
    let budget = u64::from(limits.max_complexity).saturating_add(1);
    let mut walker = Walker {
        doc,
        variables,
        page_size: u64::from(limits.default_page_size).max(1),
        fragments: HashMap::new(),
        introspection,
        // One more than the limit: enough to tell that it is passed.
        budget: Cell::new(budget),
    };
    walker.measure_fragments();
    let selected = match (pick_operation(doc, operation_name), &doc.operations) {
        (Ok((_, op)), _) => Some(op),
        // A one-operation document's anonymous operation is measured whatever name the request
        // gives (execution then refuses the name).
        (Err(_), DocumentOperations::Single(op)) => Some(&op.node),
        (Err(_), DocumentOperations::Multiple(_)) => None,
    };
    let mut root = Cost::default();
    let mut every = Cost::default();
    for (_, op) in doc.operations.iter() {
        let cost = walker.selection_set(&op.node.selection_set.node, 0);
        if selected.is_some_and(|s| std::ptr::eq(s, &raw const op.node)) {
            root = cost;
        }
        every.nesting = every.nesting.max(cost.nesting);
        every.fields = every.fields.saturating_add(cost.fields);
    }
    // Validation also walks each fragment definition, used or not, expanding what it spreads.
    for cost in walker.fragments.values() {
        every.fields = every.fields.saturating_add(cost.fields);
    }
    Measure {
        document_bytes: u64::try_from(text_len).unwrap_or(u64::MAX),
        depth: root.depth,
        complexity: root.complexity,
        aliases: root.aliases,
        root_fields: root.top_fields,
        fragments: u64::try_from(doc.fragments.len()).unwrap_or(u64::MAX),
        nesting: every.nesting,
        fields: every.fields,
        introspection: root.introspection,
    }
}

/// Every limit `measure` exceeds, the guards of the server first (see
/// [`LimitError::is_ceiling`]), then in the order of `QueryLimits::numbers`.
pub fn violations(measure: &Measure, limits: &QueryLimits) -> Vec<LimitError> {
    let mut out = Vec::new();
    let over = |value: u64, limit: u32| value > u64::from(limit);
    if measure.nesting > NESTING_CEILING {
        out.push(LimitError::Nesting {
            nesting: measure.nesting,
            limit: NESTING_CEILING,
        });
    }
    if measure.fields > FIELDS_CEILING {
        out.push(LimitError::Fields {
            fields: measure.fields,
            limit: FIELDS_CEILING,
        });
    }
    if over(measure.document_bytes, limits.max_document_bytes) {
        out.push(LimitError::DocumentBytes {
            bytes: measure.document_bytes,
            limit: limits.max_document_bytes.into(),
        });
    }
    if over(measure.fragments, limits.max_fragments) {
        out.push(LimitError::Fragments {
            fragments: measure.fragments,
            limit: limits.max_fragments.into(),
        });
    }
    if over(measure.depth, limits.max_depth) {
        out.push(LimitError::Depth {
            depth: measure.depth,
            limit: limits.max_depth.into(),
        });
    }
    if over(measure.root_fields, limits.max_root_fields) {
        out.push(LimitError::RootFields {
            root_fields: measure.root_fields,
            limit: limits.max_root_fields.into(),
        });
    }
    if over(measure.aliases, limits.max_aliases) {
        out.push(LimitError::Aliases {
            aliases: measure.aliases,
            limit: limits.max_aliases.into(),
        });
    }
    if over(measure.complexity, limits.max_complexity) {
        out.push(LimitError::Complexity {
            complexity: measure.complexity,
            limit: limits.max_complexity.into(),
        });
    }
    if measure.introspection && !limits.introspection {
        out.push(LimitError::Introspection);
    }
    out
}

/// Why a document has no operation to run under the name a request gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickError {
    /// No operation has that name (`available`: the names there are).
    Unknown {
        name: String,
        available: Vec<String>,
    },
    /// No name, and several operations.
    Ambiguous { available: Vec<String> },
}

/// The operation of `doc` that runs under `name`, as execution picks it: with no name the
/// only one, with a name the operation of that name (an anonymous operation has none). Its
/// name comes with it. Both walks of a document, this module's measure and `explain --query`,
/// start here.
pub fn pick_operation<'a>(
    doc: &'a ExecutableDocument,
    name: Option<&str>,
) -> Result<(Option<&'a Name>, &'a OperationDefinition), PickError> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), None) => Ok((None, &op.node)),
        (DocumentOperations::Single(_), Some(name)) => Err(PickError::Unknown {
            name: name.to_string(),
            available: Vec::new(),
        }),
        (DocumentOperations::Multiple(ops), Some(name)) => ops
            .get_key_value(&Name::new(name))
            .map(|(name, op)| (Some(name), &op.node))
            .ok_or_else(|| PickError::Unknown {
                name: name.to_string(),
                available: ops.keys().map(ToString::to_string).collect(),
            }),
        (DocumentOperations::Multiple(ops), None) => match ops.iter().next() {
            Some((name, op)) if ops.len() == 1 => Ok((Some(name), &op.node)),
            _ => Err(PickError::Ambiguous {
                available: ops.keys().map(ToString::to_string).collect(),
            }),
        },
    }
}

/// The measure of one selection set (or fragment), from which a spread's is added.
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    depth: u64,
    complexity: u64,
    aliases: u64,
    /// Fields at the top of the set, fragments expanded.
    top_fields: u64,
    nesting: u64,
    fields: u64,
    introspection: bool,
}

impl Cost {
    /// Everything of `self` and `other` side by side in one selection set.
    fn beside(self, other: Cost) -> Cost {
        Cost {
            depth: self.depth.max(other.depth),
            complexity: self.complexity.saturating_add(other.complexity),
            aliases: self.aliases.saturating_add(other.aliases),
            top_fields: self.top_fields.saturating_add(other.top_fields),
            nesting: self.nesting.max(other.nesting),
            fields: self.fields.saturating_add(other.fields),
            introspection: self.introspection || other.introspection,
        }
    }

    /// What a set past the walk's depth counts as: too deep for every limit.
    fn unbounded() -> Cost {
        Cost {
            depth: u64::MAX,
            complexity: u64::MAX,
            aliases: 0,
            top_fields: 0,
            nesting: u64::MAX,
            fields: u64::MAX,
            introspection: false,
        }
    }
}

struct Walker<'a> {
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
    page_size: u64,
    /// Each fragment's cost, measured once. A fragment in a cycle (which validation rejects)
    /// is measured with the spread that closes the cycle counted as empty.
    fragments: HashMap<&'a Name, Cost>,
    introspection: &'a Introspection,
    /// Introspection values still to be counted before the count is over `max_complexity`:
    /// shared by the whole walk, so counting takes at most that many steps.
    budget: Cell<u64>,
}

impl<'a> Walker<'a> {
    /// Measures every fragment once, each after the fragments it spreads: a depth-first walk of
    /// the spread graph with an explicit stack, so a chain of any length cannot overflow.
    fn measure_fragments(&mut self) {
        let doc = self.doc;
        let spreads: HashMap<&Name, Vec<&Name>> = doc
            .fragments
            .iter()
            .map(|(name, fragment)| {
                let mut out = Vec::new();
                spreads_in(&fragment.node.selection_set.node, &mut out, 0);
                (name, out)
            })
            .collect();
        let mut started: std::collections::HashSet<&Name> = std::collections::HashSet::new();
        for name in doc.fragments.keys() {
            if !started.insert(name) {
                continue;
            }
            // (fragment, how many of its spreads have been visited)
            let mut stack: Vec<(&Name, usize)> = vec![(name, 0)];
            while let Some((current, next)) = stack.last_mut() {
                let targets = spreads.get(current).map_or(&[][..], Vec::as_slice);
                if let Some(target) = targets.get(*next) {
                    *next += 1;
                    if doc.fragments.contains_key(*target) && started.insert(target) {
                        stack.push((target, 0));
                    }
                    continue;
                }
                let current = *current;
                stack.pop();
                if let Some(fragment) = doc.fragments.get(current) {
                    let cost = self.selection_set(&fragment.node.selection_set.node, 0);
                    self.fragments.insert(current, cost);
                }
            }
        }
    }

    /// The cost of `set`, `level` sets below the start of the walk. Spreads add their
    /// fragment's measured cost (an unmeasured one, in a cycle or unknown, adds nothing).
    fn selection_set(&self, set: &'a SelectionSet, level: usize) -> Cost {
        if level > WALK_CEILING {
            return Cost::unbounded();
        }
        let mut cost = Cost::default();
        for item in &set.items {
            let item = match &item.node {
                Selection::Field(field) => self.field(&field.node, level),
                Selection::InlineFragment(fragment) => {
                    let inner = self.selection_set(&fragment.node.selection_set.node, level + 1);
                    Cost {
                        nesting: inner.nesting.saturating_add(1),
                        ..inner
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let inner = self
                        .fragments
                        .get(&spread.node.fragment_name.node)
                        .copied()
                        .unwrap_or_default();
                    Cost {
                        nesting: inner.nesting.saturating_add(1),
                        ..inner
                    }
                }
            };
            cost = cost.beside(item);
        }
        cost
    }

    fn field(&self, field: &'a async_graphql::parser::types::Field, level: usize) -> Cost {
        let name = field.name.node.as_str();
        let children = &field.selection_set.node;
        let below = if children.items.is_empty() {
            Cost::default()
        } else {
            self.selection_set(children, level + 1)
        };
        let rows = if CONNECTIONS.contains(&name) {
            ["first", "last"]
                .iter()
                .find_map(|arg| field.get_argument(arg).and_then(|v| self.int(v)))
                .unwrap_or(self.page_size)
        } else if LISTS.contains(&name) {
            self.page_size
        } else {
            1
        };
        let introspection = name == "__schema" || name == "__type";
        let complexity = match name {
            "__schema" => self.answer_size(children, &self.introspection.schema, 0),
            "__type" => {
                let named = field
                    .get_argument("name")
                    .and_then(|v| self.string(v))
                    .and_then(|n| self.introspection.types.get(&n));
                match named {
                    Some(ty) => self.answer_size(children, ty, 0),
                    // No such type: `null`.
                    None => 0,
                }
            }
            _ => below.complexity.saturating_mul(rows.max(1)),
        };
        Cost {
            // Introspection is measured by its size alone: its depth is the schema's.
            depth: if introspection {
                1
            } else {
                below.depth.saturating_add(1)
            },
            complexity: complexity.saturating_add(1),
            aliases: below
                .aliases
                .saturating_add(u64::from(field.alias.is_some())),
            top_fields: 1,
            nesting: if children.items.is_empty() {
                0
            } else {
                below.nesting.saturating_add(1)
            },
            fields: below.fields.saturating_add(1),
            introspection: below.introspection || introspection,
        }
    }

    /// How many values selecting `set` on the introspection value `node` answers (fragments
    /// expanded, their type conditions ignored: at most the real count). Past the budget, or
    /// past [`WALK_CEILING`] levels, `u64::MAX`.
    fn answer_size(&self, set: &'a SelectionSet, node: &serde_json::Value, level: usize) -> u64 {
        if level > WALK_CEILING {
            return u64::MAX;
        }
        let mut total = 0u64;
        for item in &set.items {
            let size = match &item.node {
                Selection::Field(field) => {
                    let budget = self.budget.get();
                    if budget == 0 {
                        return u64::MAX;
                    }
                    self.budget.set(budget - 1);
                    let field = &field.node;
                    let children = &field.selection_set.node;
                    let value = self.introspection.get(node, field.name.node.as_str());
                    let below = match value {
                        _ if children.items.is_empty() => 0,
                        Some(serde_json::Value::Array(items)) => {
                            items.iter().fold(0u64, |sum, item| {
                                sum.saturating_add(self.answer_size(children, item, level + 1))
                            })
                        }
                        Some(value @ serde_json::Value::Object(_)) => {
                            self.answer_size(children, value, level + 1)
                        }
                        _ => 0,
                    };
                    below.saturating_add(1)
                }
                Selection::InlineFragment(fragment) => {
                    self.answer_size(&fragment.node.selection_set.node, node, level + 1)
                }
                Selection::FragmentSpread(spread) => {
                    match self.doc.fragments.get(&spread.node.fragment_name.node) {
                        Some(fragment) => {
                            self.answer_size(&fragment.node.selection_set.node, node, level + 1)
                        }
                        None => 0,
                    }
                }
            };
            total = total.saturating_add(size);
            if total == u64::MAX {
                return total;
            }
        }
        total
    }

    /// The string an argument holds, literally or through a variable.
    fn string(&self, value: &Positioned<async_graphql_value::Value>) -> Option<String> {
        let value = value
            .node
            .clone()
            .into_const_with(|name| self.variables.get(&name).cloned().ok_or(()))
            .ok()?;
        match value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The non-negative 32-bit integer an argument holds, literally or through a variable.
    /// (A larger one is not an `Int`: validation refuses it, in the spec's words.)
    fn int(&self, value: &Positioned<async_graphql_value::Value>) -> Option<u64> {
        let value = value
            .node
            .clone()
            .into_const_with(|name| self.variables.get(&name).cloned().ok_or(()))
            .ok()?;
        match value {
            Value::Number(n) => n.as_u64().filter(|n| i32::try_from(*n).is_ok()),
            _ => None,
        }
    }
}

/// The names of the fragments spread anywhere in `set` (inline fragments included).
fn spreads_in<'a>(set: &'a SelectionSet, out: &mut Vec<&'a Name>, level: usize) {
    if level > WALK_CEILING {
        return;
    }
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => spreads_in(&field.node.selection_set.node, out, level + 1),
            Selection::InlineFragment(fragment) => {
                spreads_in(&fragment.node.selection_set.node, out, level + 1);
            }
            Selection::FragmentSpread(spread) => out.push(&spread.node.fragment_name.node),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;
    use std::time::{Duration, Instant};

    use super::*;

    fn measured_with(query: &str, limits: &QueryLimits) -> Measure {
        let doc = async_graphql::parser::parse_query(query).unwrap();
        let model = crate::graphql::introspection_model();
        measure(
            &doc,
            query.len(),
            None,
            &Variables::default(),
            limits,
            model,
        )
    }

    fn measured(query: &str) -> Measure {
        measured_with(query, &QueryLimits::default())
    }

    /// `F0 = { leaf }`, `F_i = { ...F_{i-1} ...F_{i-1} }`: 2^n copies of `leaf` in 1 KB.
    fn fan_out(levels: usize, on: &str, leaf: &str, root: &str) -> String {
        let mut doc = format!("{{ {root} }}\nfragment F0 on {on} {{ {leaf} }}\n");
        for i in 1..=levels {
            let _ = writeln!(
                doc,
                "fragment F{i} on {on} {{ ...F{j} ...F{j} }}",
                j = i - 1
            );
        }
        doc.replace("ROOT", &format!("...F{levels}"))
    }

    #[test]
    fn depth_counts_nested_selections() {
        assert_eq!(measured("{ getGame(id: 8) { level } }").depth, 2);
        assert_eq!(
            measured("{ getGame(id: 8) { child { child { id } } } }").depth,
            4
        );
        assert_eq!(
            measured("query { getGame(id: 8) { ...F } } fragment F on GameObject { child { id } }")
                .depth,
            3
        );
    }

    #[test]
    fn connections_multiply_by_the_rows_asked_for() {
        let m = measured("{ allPlayers(first: 10) { edges { node { name } } } }");
        // allPlayers 1 + 10 × (edges 1 + node 1 + name 1)
        assert_eq!(m.complexity, 31);
        let doc = async_graphql::parser::parse_query(
            "query($n: Int) { allPlayers(first: $n) { edges { node { name } } } }",
        )
        .unwrap();
        let vars = Variables::from_json(serde_json::json!({ "n": 100 }));
        let model = crate::graphql::introspection_model();
        let m = measure(&doc, 0, None, &vars, &QueryLimits::default(), model);
        assert_eq!(m.complexity, 301);
    }

    /// See: issue 18, finding 4: an unpaged connection counted one row and returned them all.
    #[test]
    fn unpaged_lists_count_the_page_size() {
        let limits = QueryLimits {
            default_page_size: 50,
            ..QueryLimits::default()
        };
        let m = measured_with("{ allPlayers { edges { node { name } } } }", &limits);
        assert_eq!(m.complexity, 1 + 50 * 3);
        let m = measured_with("{ getPosition(position: \"Seeker\") { name } }", &limits);
        assert_eq!(m.complexity, 1 + 50);
        // A negative `first` slices like Python (every row but the last): unpaged.
        let m = measured_with("{ allTeams(first: -1) { edges { cursor } } }", &limits);
        assert_eq!(m.complexity, 1 + 50 * 2);
    }

    /// See: issue 18, findings 3 and 4: root introspection counted nothing.
    #[test]
    fn introspection_is_counted_and_flagged() {
        crate::graphql::introspection_model();
        let types = crate::graphql::introspection_model().type_count();
        assert!(types > 20, "{types} types");
        let m = measured("{ __schema { types { name } } }");
        assert!(m.introspection);
        assert_eq!(m.complexity, 2 + u64::try_from(types).unwrap());
        assert_eq!(m.depth, 1, "introspection counts by size, not depth");
        // A type reference stands for its whole type: Query's fields are counted.
        let m = measured(
            "{ __type(name: \"Query\") { fields { type { ofType { name fields { name } } } } } }",
        );
        assert!(m.complexity > 8 * 4, "{m:?}");
        assert_eq!(
            measured("{ __type(name: \"Nope\") { name } }").complexity,
            1
        );
        // The whole introspection answer counts about what it holds (1,669 values, 37 KB).
        let m = measured(Introspection::QUERY);
        assert!((1_500..2_000).contains(&m.complexity), "{m:?}");
        // Fan-outs inside introspection stop at the budget.
        let fan = fan_out(20, "__Type", "name", "__schema { types { ROOT } }");
        let doc = async_graphql::parser::parse_query(&fan).unwrap();
        let limits = QueryLimits::default();
        let model = crate::graphql::introspection_model();
        let started = Instant::now();
        let m = measure(&doc, fan.len(), None, &Variables::default(), &limits, model);
        let took = started.elapsed();
        assert_eq!(m.complexity, u64::MAX);
        // Unbounded, the fan-out is 20^20 expansions; bounded, well under a millisecond. The
        // bound is loose for a loaded machine (it failed at 200 ms under a parallel build).
        assert!(took < Duration::from_secs(5), "{took:?}");
        let m = measured("{ __typename }");
        assert!(!m.introspection);
        assert_eq!(m.complexity, 1);
        let off = QueryLimits {
            introspection: false,
            ..QueryLimits::default()
        };
        let m = measured_with("{ __type(name: \"Query\") { name } }", &off);
        assert_eq!(violations(&m, &off), vec![LimitError::Introspection]);
    }

    #[test]
    fn fragment_cycles_end() {
        let m = measured("{ getGame(id: 1) { ...A } } fragment A on GameObject { child { ...A } }");
        assert_eq!(m.depth, 2, "the spread closing the cycle counts as empty");
        // Which spread closes the cycle depends on where the walk starts; either way it ends.
        let m = measured(
            "{ getGame(id: 1) { ...A } } fragment A on GameObject { ...B } fragment B on GameObject { id ...A }",
        );
        assert!((1..=2).contains(&m.depth), "{m:?}");
    }

    /// See: issue 18, findings 2 and 3: a 60-level doubling fan-out measures instantly, and
    /// every count saturates instead of overflowing.
    #[test]
    fn a_fan_out_is_measured_once_per_fragment() {
        let model = crate::graphql::introspection_model();
        let text = fan_out(60, "GameObject", "id", "getGame(id: 1) { ROOT }");
        let doc = async_graphql::parser::parse_query(&text).unwrap();
        let started = Instant::now();
        let limits = QueryLimits::default();
        let m = measure(
            &doc,
            text.len(),
            None,
            &Variables::default(),
            &limits,
            model,
        );
        let took = started.elapsed();
        // Counted by memo, not by walking 2^60 fields: loose for a loaded machine.
        assert!(took < Duration::from_secs(5), "{took:?}");
        // The operation's 1 + 2^60, and each fragment's own expansion, 2^0 + … + 2^60.
        assert_eq!(m.fields, (1 << 61) + (1 << 60));
        let m = measured(&fan_out(70, "Query", "__typename", "ROOT"));
        assert_eq!(m.fields, u64::MAX, "2^70 saturates");
        assert_eq!(m.root_fields, u64::MAX);
        assert_eq!(m.complexity, u64::MAX);
        let errors = violations(&m, &QueryLimits::default());
        assert!(
            errors.contains(&LimitError::Fields {
                fields: u64::MAX,
                limit: FIELDS_CEILING
            }),
            "{errors:?}"
        );
        let m = measured(&fan_out(26, "Query", "__typename", "ROOT"));
        assert_eq!(m.complexity, 1 << 26);
        assert_eq!(m.nesting, 27);
    }

    /// See: issue 18, finding 1: a chain of 10,000 fragments overflowed the recursive walk.
    #[test]
    fn a_long_fragment_chain_is_measured_without_recursion() {
        let n = 10_000;
        let mut doc = String::from("{ getGame(id: 1) { ...F0 } }\n");
        for i in 0..n {
            let _ = writeln!(
                doc,
                "fragment F{i} on GameObject {{ child {{ ...F{} }} }}",
                i + 1
            );
        }
        let _ = writeln!(doc, "fragment F{n} on GameObject {{ id }}");
        let m = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || measured(&doc))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(m.depth, 10_002);
        assert_eq!(m.fragments, 10_001);
        assert_eq!(m.nesting, 20_002);
        let errors = violations(&m, &QueryLimits::default());
        assert!(errors[0].is_ceiling(), "{errors:?}");
    }

    /// async-graphql walks every operation before it picks one: a bomb in another operation,
    /// or under an operation name that does not exist, is over the ceilings all the same.
    #[test]
    fn the_ceilings_hold_over_every_operation() {
        let bomb = fan_out(30, "Query", "__typename", "ROOT");
        let text = format!(
            "query Small {{ __typename }}\nquery Big {}",
            bomb.trim_start()
        );
        let doc = async_graphql::parser::parse_query(&text).unwrap();
        let model = crate::graphql::introspection_model();
        let limits = QueryLimits::default();
        for name in [Some("Small"), Some("Missing")] {
            let m = measure(
                &doc,
                text.len(),
                name,
                &Variables::default(),
                &limits,
                model,
            );
            assert!(m.complexity <= 2, "{m:?}");
            assert!(m.fields > 1 << 30, "{name:?}");
            assert!(violations(&m, &limits)[0].is_ceiling());
        }
    }

    /// Validation walks unused fragments too, each expanded: a chain of 999 is 500,000 fields.
    #[test]
    fn unused_fragments_count_toward_the_ceiling() {
        let mut text = String::from("{ __typename }\n");
        for i in 0..999 {
            let _ = writeln!(
                text,
                "fragment F{i} on GameObject {{ child {{ ...F{} }} }}",
                i + 1
            );
        }
        text.push_str("fragment F999 on GameObject { id }\n");
        let m = measured(&text);
        assert_eq!(m.fields, 1 + (1..=1000).sum::<u64>());
        assert!(violations(&m, &QueryLimits::default())[0].is_ceiling());
    }

    #[test]
    fn aliases_and_root_fields_count_through_fragments() {
        let m = measured(
            "{ a: __typename ...R b: getGame(id: 1) { c: id } } fragment R on Query { d: __typename e: __typename }",
        );
        assert_eq!(m.aliases, 5);
        assert_eq!(m.root_fields, 4);
    }

    #[test]
    fn deep_brackets_are_refused_before_parsing() {
        let limits = QueryLimits::default();
        let deep = format!("{{ a(x: {}1{}) }}", "[".repeat(200), "]".repeat(200));
        assert_eq!(
            check_text(&deep, &limits),
            Err(LimitError::Brackets {
                limit: BRACKETS_CEILING
            })
        );
        let quoted = format!("{{ a(x: \"{}\") }} # {}", "[".repeat(200), "{".repeat(200));
        assert_eq!(check_text(&quoted, &limits), Ok(()));
        let block = format!("{{ a(x: \"\"\"{}\\\"\"\" \"\"\") }}", "(".repeat(200));
        assert_eq!(check_text(&block, &limits), Ok(()));
        let long = "{ __typename }".repeat(10_000);
        assert!(matches!(
            check_text(&long, &limits),
            Err(LimitError::DocumentBytes { limit: 65_536, .. })
        ));
    }

    /// Limit by limit, a subject gets the most generous of its roles, a role without an
    /// override having the `[settings]` value, and a key set nowhere the built-in one.
    #[test]
    fn each_limit_is_the_most_generous_of_the_roles() {
        let mut set =
            crate::authz::parse("policies.toml", include_str!("../policies.toml")).unwrap();
        let roles = |names: &[&str]| names.iter().map(ToString::to_string).collect::<Vec<_>>();
        let anonymous = set.limits_for(&roles(&["anonymous"]));
        assert_eq!((anonymous.max_depth, anonymous.max_aliases), (5, 20));
        let player = set.limits_for(&roles(&["player", "anonymous"]));
        assert_eq!((player.max_depth, player.max_complexity), (10, 5000));
        assert_eq!(player.max_aliases, QueryLimits::default().max_aliases);
        let staff = set.settings.role_limits.entry("staff".into()).or_default();
        staff.max_depth = Some(3);
        staff.introspection = Some(false);
        staff.max_fragments = Some(500);
        let staff = set.limits_for(&roles(&["staff", "anonymous"]));
        assert_eq!(
            staff.max_depth, 5,
            "anonymous's 5 is more generous than staff's 3"
        );
        assert_eq!(staff.max_fragments, 500);
        assert!(staff.introspection, "on for anonymous");
        let global = QueryLimits {
            max_depth: 10,
            max_complexity: 5000,
            ..QueryLimits::default()
        };
        assert_eq!(set.limits_for(&[]), global);
    }

    #[test]
    fn limits_name_the_measured_value_and_the_limit() {
        let limits = QueryLimits {
            max_depth: 10,
            max_complexity: 50,
            ..QueryLimits::default()
        };
        let at = |depth, complexity| Measure {
            depth,
            complexity,
            ..Measure::default()
        };
        let messages = |m| {
            violations(&m, &limits)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            messages(at(12, 51)),
            [
                "query depth 12 exceeds the limit of 10",
                "query complexity 51 exceeds the limit of 50"
            ]
        );
        assert!(messages(at(10, 50)).is_empty());
    }
}
