//! Residual filters: the policies for (subject, action, type) with everything about the subject
//! decided, leaving only tests on a row's columns and relationships. Plain data (like Cerbos's
//! query plan), compiled to SQL by `access`.
//!
//! A filter is built through the constructors [`Filter::and`], [`Filter::or`] and
//! [`Filter::not`], which simplify constants away, so `TRUE` and `FALSE` are recognisable.

use super::entities::{Entities, Subject, Value};
use super::error::EvalError;
use super::eval::{compare_operands, roles, target};
use super::policy::{Condition, Effect, Lhs, Op, PolicySet, Rhs};
use super::trace::RoleGrant;

/// A residual filter: a condition with the subject, role, action and type decided, leaving
/// only tests on the row's columns and relationships.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Filter {
    Const {
        value: bool,
    },
    /// Unknown: a comparison with a NULL decided before any row is read (a null subject
    /// attribute, or a column compared with null). SQL's `NULL`.
    Unknown,
    Compare {
        column: String,
        op: Op,
        value: Value,
    },
    InList {
        column: String,
        negated: bool,
        values: Vec<Value>,
    },
    IsNull {
        column: String,
        is_null: bool,
    },
    And {
        parts: Vec<Filter>,
    },
    Or {
        parts: Vec<Filter>,
    },
    Not {
        inner: Box<Filter>,
    },
    /// Some row of `step.target` with `target_column = this.column` satisfies `inner`.
    Exists {
        step: Step,
        inner: Box<Filter>,
    },
    /// Some row reached in 1..=`max_depth` steps satisfies `inner`; where none does but a
    /// walk goes on past `max_depth` steps, unknown (a row beyond might).
    Transitive {
        step: Step,
        inner: Box<Filter>,
        max_depth: u32,
    },
    /// `inner` is true (unknown counts as false): how EXISTS counts a row.
    IsTrue {
        inner: Box<Filter>,
    },
}

/// One relationship step of a residual filter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Step {
    pub relationship: String,
    pub target: String,
    pub column: String,
    pub target_column: String,
}

impl Filter {
    pub const TRUE: Filter = Filter::Const { value: true };
    pub const FALSE: Filter = Filter::Const { value: false };

    /// All of `parts` under Kleene's logic: `FALSE` dominates, `TRUE` drops out, one
    /// `Unknown` stays (with the rest), nested `And`s flatten.
    pub fn and(parts: Vec<Filter>) -> Filter {
        let mut out = Vec::new();
        let mut unknown = false;
        for p in parts {
            match p {
                Filter::Const { value: true } => {}
                Filter::Const { value: false } => return Filter::FALSE,
                Filter::Unknown => unknown = true,
                Filter::And { parts } => out.extend(parts),
                other => out.push(other),
            }
        }
        if unknown {
            out.push(Filter::Unknown);
        }
        match out.len() {
            0 => Filter::TRUE,
            1 => out.pop().unwrap_or(Filter::TRUE),
            _ => Filter::And { parts: out },
        }
    }

    /// Any of `parts` under Kleene's logic: `TRUE` dominates, `FALSE` drops out, one
    /// `Unknown` stays (with the rest), nested `Or`s flatten.
    pub fn or(parts: Vec<Filter>) -> Filter {
        let mut out = Vec::new();
        let mut unknown = false;
        for p in parts {
            match p {
                Filter::Const { value: false } => {}
                Filter::Const { value: true } => return Filter::TRUE,
                Filter::Unknown => unknown = true,
                Filter::Or { parts } => out.extend(parts),
                other => out.push(other),
            }
        }
        if unknown {
            out.push(Filter::Unknown);
        }
        match out.len() {
            0 => Filter::FALSE,
            1 => out.pop().unwrap_or(Filter::FALSE),
            _ => Filter::Or { parts: out },
        }
    }

    /// The negation of `inner`: constants folded, `Unknown` stays unknown.
    #[expect(
        clippy::should_implement_trait,
        reason = "a constructor beside `and` and `or`, not an operator on filters"
    )]
    pub fn not(inner: Filter) -> Filter {
        match inner {
            Filter::Const { value } => Filter::Const { value: !value },
            Filter::Unknown => Filter::Unknown,
            other => Filter::Not {
                inner: Box::new(other),
            },
        }
    }

    /// `inner` is true: unknown becomes false.
    pub fn is_true(inner: Filter) -> Filter {
        match inner {
            Filter::Unknown => Filter::FALSE,
            c @ Filter::Const { .. } => c,
            // One-step relationships and null tests are never unknown (a transitive step
            // cut at its depth limit may be).
            e @ (Filter::Exists { .. } | Filter::IsNull { .. } | Filter::IsTrue { .. }) => e,
            other => Filter::IsTrue {
                inner: Box::new(other),
            },
        }
    }

    /// A three-valued constant.
    pub fn truth(value: Option<bool>) -> Filter {
        value.map_or(Filter::Unknown, |value| Filter::Const { value })
    }

    /// `column _in values` (`_nin` when `negated`), as [`in_list`](super::eval::in_list)
    /// decides it: an empty list is false for `_in` and true for `_nin` whatever the column holds.
    pub fn in_list(column: &str, negated: bool, values: &[Value]) -> Filter {
        if values.is_empty() {
            return Filter::Const { value: negated };
        }
        Filter::InList {
            column: column.to_string(),
            negated,
            values: values.to_vec(),
        }
    }
}

/// The residual filters of one (subject, action, type): per policy, and combined.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct Residual {
    #[serde(rename = "type")]
    pub ty: String,
    /// (any allow) AND NOT (any deny of the whole resource).
    pub filter: Filter,
    pub allows: Vec<(String, Filter)>,
    /// Denies of the whole resource (no `fields`).
    pub denies: Vec<(String, Filter)>,
    /// Field-level denies (`effect = "deny"` with `fields`): they withhold those fields on the
    /// rows they match and leave the rows readable.
    pub field_denies: Vec<(String, Vec<String>, Filter)>,
    /// Only from [`super::who::who_can`]: per policy whose condition reads a `$subject.NAME`
    /// the subject type does not have, why, and the subjects holding its roles. Such a subject
    /// cannot be judged ([`super::eval::missing_attribute`]): where the filter selects any,
    /// the answer is an error, not a list without them.
    #[serde(skip)]
    #[schemars(skip)]
    pub undecidable: Vec<(String, String, Filter)>,
}

impl Residual {
    /// The filter of the rows whose `field` may be read: some allow that grants the field
    /// applies, no deny of the resource does, and no field-level deny of `field` does. The rows
    /// a subject sees with `field` withheld are `filter AND NOT for_field(field)`.
    pub fn for_field(&self, set: &PolicySet, field: &str) -> Filter {
        let grants = |id: &str| set.policy(id).is_some_and(|p| p.names_field(field));
        Filter::and(vec![
            Filter::or(
                self.allows
                    .iter()
                    .filter(|(id, _)| grants(id))
                    .map(|(_, f)| f.clone())
                    .collect(),
            ),
            Filter::not(Filter::or(
                self.denies.iter().map(|(_, f)| f.clone()).collect(),
            )),
            Filter::not(Filter::or(
                self.field_denies
                    .iter()
                    .filter(|(_, fields, _)| fields.iter().any(|f| f == field))
                    .map(|(_, _, f)| f.clone())
                    .collect(),
            )),
        ])
    }
}

/// The residual filter for `subject` doing `action` on rows of `ty`.
pub fn residual(
    set: &PolicySet,
    entities: &dyn Entities,
    subject: &Subject,
    action: &str,
    ty: &str,
) -> Result<Residual, EvalError> {
    let granted = roles(set, entities, subject)?;
    residual_for_roles(set, subject, &granted, action, ty)
}

/// [`residual`] for a subject whose roles are already known.
pub fn residual_for_roles(
    set: &PolicySet,
    subject: &Subject,
    granted: &[RoleGrant],
    action: &str,
    ty: &str,
) -> Result<Residual, EvalError> {
    let mut allows = Vec::new();
    let mut denies = Vec::new();
    let mut field_denies = Vec::new();
    for policy in &set.policies {
        if target(policy, granted, action, ty).is_err() {
            continue;
        }
        let f = match &policy.condition {
            None => Filter::TRUE,
            Some(c) => super::eval::missing_attribute(subject, c)
                .map_or_else(|| residual_of(set, subject, ty, c), Err)
                .map_err(|message| EvalError::Policy {
                    policy: policy.id.clone(),
                    message,
                })?,
        };
        // The policy boundary, failing closed: an allow needs its condition true (an allow that
        // is unknown everywhere never applies), a deny applies unless its condition is false
        // (one unknown everywhere applies everywhere). Partly unknown filters keep `Unknown`,
        // which SQL's three-valued logic decides the same way per row.
        let f = match (policy.effect, f) {
            (_, Filter::Const { value: false }) | (Effect::Allow, Filter::Unknown) => continue,
            (Effect::Deny, Filter::Unknown) => Filter::TRUE,
            (_, f) => f,
        };
        match (policy.effect, &policy.fields) {
            (Effect::Allow, _) => allows.push((policy.id.clone(), f)),
            (Effect::Deny, None) => denies.push((policy.id.clone(), f)),
            (Effect::Deny, Some(fields)) => {
                field_denies.push((policy.id.clone(), fields.clone(), f));
            }
        }
    }
    let filter = Filter::and(vec![
        Filter::or(allows.iter().map(|(_, f)| f.clone()).collect()),
        Filter::not(Filter::or(denies.iter().map(|(_, f)| f.clone()).collect())),
    ]);
    Ok(Residual {
        ty: ty.to_string(),
        filter,
        allows,
        denies,
        field_denies,
        undecidable: Vec::new(),
    })
}

/// The residual of one condition; `Err` when it names a relationship the set lacks (parsing
/// rules that out; never read as false, which inside a deny would allow).
fn residual_of(
    set: &PolicySet,
    subject: &Subject,
    ty: &str,
    cond: &Condition,
) -> Result<Filter, String> {
    Ok(match cond {
        Condition::And(parts) => Filter::and(
            parts
                .iter()
                .map(|p| residual_of(set, subject, ty, p))
                .collect::<Result<_, _>>()?,
        ),
        Condition::Or(parts) => Filter::or(
            parts
                .iter()
                .map(|p| residual_of(set, subject, ty, p))
                .collect::<Result<_, _>>()?,
        ),
        Condition::Not(inner) => Filter::not(residual_of(set, subject, ty, inner)?),
        Condition::Compare { lhs, op, rhs, .. } => {
            let rhs_value = match rhs {
                Rhs::Value(v) => Some(v.clone()),
                Rhs::Subject(a) => Some(subject.attribute(a)),
                // A context value is a bound parameter of the compiled SQL, like a literal.
                Rhs::Context(n) => Some(subject.context.scalar(n)),
                Rhs::List(_) => None,
            };
            match (lhs, rhs_value) {
                (Lhs::Subject(a), _) => Filter::truth(compare_operands(
                    subject,
                    lhs,
                    &subject.attribute(a),
                    *op,
                    rhs,
                )),
                (Lhs::Context(n), _) => Filter::truth(compare_operands(
                    subject,
                    lhs,
                    &subject.context.scalar(n),
                    *op,
                    rhs,
                )),
                (Lhs::Column(_), Some(Value::Null)) => Filter::Unknown,
                (Lhs::Column(c), Some(v)) => Filter::Compare {
                    column: c.clone(),
                    op: *op,
                    value: v,
                },
                (Lhs::Column(c), None) => match rhs {
                    Rhs::List(vs) => Filter::in_list(c, *op == Op::Nin, vs),
                    _ => Filter::FALSE,
                },
            }
        }
        Condition::IsNull { lhs, is_null, .. } => match lhs {
            Lhs::Subject(a) => Filter::Const {
                value: matches!(subject.attribute(a), Value::Null) == *is_null,
            },
            // Parsing rules it out; absent context fails closed.
            Lhs::Context(_) => Filter::Unknown,
            Lhs::Column(c) => Filter::IsNull {
                column: c.clone(),
                is_null: *is_null,
            },
        },
        Condition::Exists { rel, inner, .. } | Condition::Transitive { rel, inner, .. } => {
            let r = set
                .relationship(ty, rel)
                .ok_or_else(|| format!("unknown relationship `{ty}.{rel}`"))?;
            let mut inner = residual_of(set, subject, &r.target, inner)?;
            // A related row counts only where `inner` is true (EXISTS): never unknown. A plain
            // step no row can pass is false; a transitive one stays, since it is unknown where
            // the walk goes past the depth limit, whatever the rows beyond hold.
            if matches!(inner, Filter::Const { value: false } | Filter::Unknown) {
                if matches!(cond, Condition::Exists { .. }) {
                    return Ok(Filter::FALSE);
                }
                inner = Filter::FALSE;
            }
            let step = Step {
                relationship: r.name.clone(),
                target: r.target.clone(),
                column: r.column.clone(),
                target_column: r.target_column.clone(),
            };
            if matches!(cond, Condition::Transitive { .. }) {
                Filter::Transitive {
                    step,
                    inner: Box::new(inner),
                    max_depth: set.settings.traversal_depth,
                }
            } else {
                Filter::Exists {
                    step,
                    inner: Box::new(inner),
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::eval::in_list;

    #[test]
    fn an_in_list_filter_decides_an_empty_list_as_the_evaluator_does() {
        for negated in [false, true] {
            for lhs in [Value::Null, Value::Int(1)] {
                assert_eq!(
                    Filter::in_list("id", negated, &[]),
                    Filter::truth(in_list(&lhs, negated, &[])),
                    "negated {negated}, {lhs}"
                );
            }
            assert_eq!(
                Filter::in_list("id", negated, &[Value::Int(1)]),
                Filter::InList {
                    column: "id".into(),
                    negated,
                    values: vec![Value::Int(1)]
                }
            );
        }
    }
}
