//! Query analysis before execution: the depth and complexity of a GraphQL operation, measured on
//! the parsed document (fragments inlined, cycle-safe) so a hostile query is refused before any
//! resolver runs, with the measured value and the limit in the message.
//!
//! Depth counts nested selections: `{ getGame { child { id } } }` is 3. Complexity counts fields,
//! and a connection's children count once per requested row (`first`/`last`, literal or variable).
//! Introspection (`__schema`, `__type`) is not counted, so GraphiQL keeps working under a limit.

use std::collections::HashSet;

use async_graphql::Variables;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Value};
use serde::Serialize;

/// What an operation measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Measure {
    pub depth: u64,
    pub complexity: u64,
}

/// The limits to hold an operation to; `None` is unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Limits {
    pub max_depth: Option<u64>,
    pub max_complexity: Option<u64>,
}

/// An operation over a limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error("query depth {depth} exceeds the limit of {limit}")]
    Depth { depth: u64, limit: u64 },
    #[error("query complexity {complexity} exceeds the limit of {limit}")]
    Complexity { complexity: u64, limit: u64 },
}

impl Limits {
    /// Checks `measure` against these limits.
    pub fn check(&self, measure: Measure) -> Result<(), LimitError> {
        if let Some(limit) = self.max_depth
            && measure.depth > limit
        {
            return Err(LimitError::Depth {
                depth: measure.depth,
                limit,
            });
        }
        if let Some(limit) = self.max_complexity
            && measure.complexity > limit
        {
            return Err(LimitError::Complexity {
                complexity: measure.complexity,
                limit,
            });
        }
        Ok(())
    }
}

/// Rows assumed for a connection asked for without `first`/`last`.
const DEFAULT_ROWS: u64 = 1;

/// Measures the operation `operation_name` (or the only one) of `doc`. `None` when the operation
/// does not exist: execution reports that error in its usual shape.
pub fn measure(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Option<Measure> {
    let op = operation(doc, operation_name)?;
    let walker = Walker { doc, variables };
    let mut visiting = HashSet::new();
    let (depth, complexity) = walker.selection_set(&op.selection_set.node, &mut visiting, true);
    Some(Measure { depth, complexity })
}

fn operation<'a>(
    doc: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => {
            ops.get(&Name::new(name)).map(|op| &op.node)
        }
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| &op.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

struct Walker<'a> {
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
}

impl Walker<'_> {
    /// (depth, complexity) of a selection set. `visiting` holds the fragments on the current
    /// path, so a fragment cycle (which validation rejects anyway) cannot recurse forever.
    fn selection_set(
        &self,
        set: &SelectionSet,
        visiting: &mut HashSet<Name>,
        root: bool,
    ) -> (u64, u64) {
        let mut depth = 0;
        let mut complexity = 0u64;
        for item in &set.items {
            let (d, c) = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    if root && field.name.node.starts_with("__") {
                        continue;
                    }
                    let (child_depth, child_complexity) =
                        self.selection_set(&field.selection_set.node, visiting, false);
                    let rows = ["first", "last"]
                        .iter()
                        .find_map(|arg| field.get_argument(arg).and_then(|v| self.int(v)))
                        .unwrap_or(DEFAULT_ROWS);
                    (
                        child_depth + 1,
                        1u64.saturating_add(child_complexity.saturating_mul(rows)),
                    )
                }
                Selection::InlineFragment(fragment) => {
                    self.selection_set(&fragment.node.selection_set.node, visiting, root)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.clone();
                    let Some(fragment) = self.doc.fragments.get(&name) else {
                        continue;
                    };
                    if !visiting.insert(name.clone()) {
                        continue;
                    }
                    let measured =
                        self.selection_set(&fragment.node.selection_set.node, visiting, root);
                    visiting.remove(&name);
                    measured
                }
            };
            depth = depth.max(d);
            complexity = complexity.saturating_add(c);
        }
        (depth, complexity)
    }

    /// The unsigned integer an argument holds, literally or through a variable.
    fn int(&self, value: &Positioned<async_graphql_value::Value>) -> Option<u64> {
        let value = value
            .node
            .clone()
            .into_const_with(|name| self.variables.get(&name).cloned().ok_or(()))
            .ok()?;
        match value {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(query: &str) -> Measure {
        let doc = async_graphql::parser::parse_query(query).unwrap();
        measure(&doc, None, &Variables::default()).unwrap()
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
        assert_eq!(measure(&doc, None, &vars).unwrap().complexity, 301);
    }

    #[test]
    fn introspection_is_not_counted_and_fragment_cycles_end() {
        assert_eq!(
            measured("{ __schema { types { fields { type { ofType { name } } } } } }").depth,
            0
        );
        let m = measured("{ getGame(id: 1) { ...A } } fragment A on GameObject { child { ...A } }");
        assert_eq!(m.depth, 2, "the second visit of A is cut");
    }

    #[test]
    fn limits_name_the_measured_value_and_the_limit() {
        let limits = Limits {
            max_depth: Some(10),
            max_complexity: Some(50),
        };
        assert_eq!(
            limits
                .check(Measure {
                    depth: 12,
                    complexity: 3
                })
                .unwrap_err()
                .to_string(),
            "query depth 12 exceeds the limit of 10"
        );
        assert_eq!(
            limits
                .check(Measure {
                    depth: 2,
                    complexity: 51
                })
                .unwrap_err()
                .to_string(),
            "query complexity 51 exceeds the limit of 50"
        );
        assert!(
            limits
                .check(Measure {
                    depth: 10,
                    complexity: 50
                })
                .is_ok()
        );
    }
}
