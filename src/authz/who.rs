//! Who can: the policies with the resource fixed, turned into a residual filter over the rows of
//! a subject type (the other direction of [`residual`](super::residual)), so a database can
//! select every subject a request would allow in one statement instead of one check per subject.
//!
//! The translation follows `evaluate` exactly: a subject holds a role when a binding of its type
//! gives it (its `when` true, or its role column naming a role that inherits it), a policy's
//! condition is read with the resource's values known and `$subject.…` left as the subject row's
//! columns, a relationship of the resource matches a related row where its inner condition is
//! true, and the same three-valued logic decides: an allow needs its condition true, a deny
//! applies unless its condition is false.

use super::context::Context;
use super::entities::{Entities, Row, Subject, Value};
use super::error::EvalError;
use super::eval::{compare, compare_operands, in_list};
use super::policy::{Condition, Effect, Lhs, Op, PolicySet, Rhs, RoleSource};
use super::residual::{Filter, Residual};

/// `a op b` read as `b op' a`.
fn flip(op: Op) -> Op {
    match op {
        Op::Gt => Op::Lt,
        Op::Gte => Op::Lte,
        Op::Lt => Op::Gt,
        Op::Lte => Op::Gte,
        other => other,
    }
}

/// The residual over rows of subject type `subject_ty` of the policies for `action` on the
/// resource `resource` (type `ty`, its row `row`); with `field`, only the allows that grant it
/// and the field-level denies that withhold it count, as in a check with `--field`. Every
/// subject is asked about with the same request `context`.
#[expect(
    clippy::too_many_arguments,
    reason = "the request's parts, each plain: a struct would only name them again"
)]
pub fn who_can(
    set: &PolicySet,
    entities: &dyn Entities,
    subject_ty: &str,
    action: &str,
    ty: &str,
    row: &Row,
    field: Option<&str>,
    context: &Context,
) -> Result<Residual, EvalError> {
    let w = Who {
        set,
        entities,
        subject_ty,
        probe: Subject::anonymous().with_context(context.clone()),
    };
    let mut allows = Vec::new();
    let mut denies = Vec::new();
    let mut undecidable = Vec::new();
    for policy in &set.policies {
        if !policy.covers(ty, action) {
            continue;
        }
        let holds = w.holds_any(&policy.roles)?;
        if holds == Filter::FALSE {
            continue;
        }
        // Before the field is looked at: a check judges every policy it targets.
        if let Some(name) = policy.condition.as_ref().and_then(|c| {
            super::eval::absent_attribute(c, &|a| set.subject_type_has(subject_ty, a))
        }) {
            undecidable.push((
                policy.id.clone(),
                format!("`$subject.{name}` is not an attribute of a {subject_ty}"),
                holds,
            ));
            continue;
        }
        let counts = match (policy.effect, &policy.fields, field) {
            (Effect::Allow, _, Some(f)) | (Effect::Deny, Some(_), Some(f)) => policy.names_field(f),
            (Effect::Deny, Some(_), None) => false,
            _ => true,
        };
        if !counts {
            continue;
        }
        let cond = match &policy.condition {
            None => Filter::TRUE,
            Some(c) => w.cond(c, ty, row).map_err(|message| EvalError::Policy {
                policy: policy.id.clone(),
                message,
            })?,
        };
        let f = Filter::and(vec![holds, cond]);
        match policy.effect {
            Effect::Allow => allows.push((policy.id.clone(), f)),
            Effect::Deny => denies.push((policy.id.clone(), f)),
        }
    }
    let filter = Filter::and(vec![
        Filter::or(allows.iter().map(|(_, f)| f.clone()).collect()),
        Filter::not(Filter::or(denies.iter().map(|(_, f)| f.clone()).collect())),
    ]);
    Ok(Residual {
        ty: subject_ty.to_string(),
        filter,
        allows,
        denies,
        field_denies: Vec::new(),
        undecidable,
    })
}

struct Who<'a> {
    set: &'a PolicySet,
    entities: &'a dyn Entities,
    subject_ty: &'a str,
    /// A subject carrying only the request's context: what `$context.*` reads.
    probe: Subject,
}

impl Who<'_> {
    /// The subjects that hold one of `roles` (inherited ones included).
    fn holds_any(&self, roles: &[String]) -> Result<Filter, EvalError> {
        let grants = |role: &str| -> bool {
            self.set
                .role_closure(role)
                .iter()
                .any(|r| roles.contains(r))
        };
        let mut parts = Vec::new();
        for (index, binding) in self.set.bindings.iter().enumerate() {
            if binding.subject != self.subject_ty {
                continue;
            }
            let gives = match &binding.role {
                RoleSource::Fixed(role) if grants(role) => Filter::TRUE,
                RoleSource::Fixed(_) => continue,
                RoleSource::Column(column) => {
                    let values: Vec<Value> = self
                        .set
                        .roles
                        .keys()
                        .filter(|r| grants(r))
                        .map(|r| Value::Text(r.clone()))
                        .collect();
                    if values.is_empty() {
                        continue;
                    }
                    Filter::InList {
                        column: column.clone(),
                        negated: false,
                        values,
                    }
                }
            };
            let when = match &binding.when {
                None => Filter::TRUE,
                // Held only where `when` is true, as in `roles`.
                Some(cond) => {
                    Filter::is_true(self.own(cond).map_err(|message| EvalError::Binding {
                        binding: index + 1,
                        message,
                    })?)
                }
            };
            parts.push(Filter::and(vec![gives, when]));
        }
        Ok(Filter::or(parts))
    }

    /// A binding's `when`: a condition on the subject's own row.
    fn own(&self, cond: &Condition) -> Result<Filter, String> {
        Ok(match cond {
            Condition::And(parts) => Filter::and(
                parts
                    .iter()
                    .map(|p| self.own(p))
                    .collect::<Result<_, _>>()?,
            ),
            Condition::Or(parts) => Filter::or(
                parts
                    .iter()
                    .map(|p| self.own(p))
                    .collect::<Result<_, _>>()?,
            ),
            Condition::Not(inner) => Filter::not(self.own(inner)?),
            Condition::Compare {
                lhs: Lhs::Column(c) | Lhs::Subject(c),
                op,
                rhs: Rhs::Value(v),
                ..
            } => self.subject_compare(c, *op, v),
            Condition::Compare {
                lhs: Lhs::Column(c) | Lhs::Subject(c),
                op,
                rhs: Rhs::List(vs),
                ..
            } => self.subject_in(c, *op == Op::Nin, vs),
            Condition::IsNull {
                lhs: Lhs::Column(c) | Lhs::Subject(c),
                is_null,
                ..
            } => self.subject_is_null(c, *is_null),
            _ => {
                return Err(
                    "who-can reads a binding's `when` only as comparisons of the subject's own columns with constants"
                        .to_string(),
                );
            }
        })
    }

    fn has_column(&self, column: &str) -> bool {
        self.set
            .types
            .get(self.subject_ty)
            .is_some_and(|d| d.columns.contains_key(column))
    }

    /// `$subject.a op v`.
    fn subject_compare(&self, a: &str, op: Op, v: &Value) -> Filter {
        if a == "type" {
            return Filter::truth(compare(&Value::Text(self.subject_ty.to_string()), op, v));
        }
        if !self.has_column(a) || matches!(v, Value::Null) {
            return Filter::Unknown;
        }
        Filter::Compare {
            column: a.to_string(),
            op,
            value: v.clone(),
        }
    }

    fn subject_in(&self, a: &str, negated: bool, vs: &[Value]) -> Filter {
        if a == "type" {
            return Filter::truth(in_list(
                &Value::Text(self.subject_ty.to_string()),
                negated,
                vs,
            ));
        }
        if !vs.is_empty() && !self.has_column(a) {
            return Filter::Unknown;
        }
        Filter::in_list(a, negated, vs)
    }

    fn subject_is_null(&self, a: &str, is_null: bool) -> Filter {
        if a == "type" {
            return Filter::Const { value: !is_null };
        }
        if !self.has_column(a) {
            return Filter::Const { value: is_null };
        }
        Filter::IsNull {
            column: a.to_string(),
            is_null,
        }
    }

    /// A policy condition with the resource row `row` (of type `ty`) known.
    fn cond(&self, cond: &Condition, ty: &str, row: &Row) -> Result<Filter, String> {
        let column = |c: &str| row.get(c).cloned().unwrap_or(Value::Null);
        Ok(match cond {
            Condition::And(parts) => Filter::and(
                parts
                    .iter()
                    .map(|p| self.cond(p, ty, row))
                    .collect::<Result<_, _>>()?,
            ),
            Condition::Or(parts) => Filter::or(
                parts
                    .iter()
                    .map(|p| self.cond(p, ty, row))
                    .collect::<Result<_, _>>()?,
            ),
            Condition::Not(inner) => Filter::not(self.cond(inner, ty, row)?),
            Condition::Compare { lhs, op, rhs, .. } => match (lhs, rhs) {
                (Lhs::Column(c), Rhs::Value(v)) => Filter::truth(compare(&column(c), *op, v)),
                (Lhs::Column(c), Rhs::List(vs)) => {
                    Filter::truth(in_list(&column(c), *op == Op::Nin, vs))
                }
                (Lhs::Column(c), Rhs::Subject(a)) => self.subject_compare(a, flip(*op), &column(c)),
                (Lhs::Subject(a), Rhs::Value(v)) => self.subject_compare(a, *op, v),
                (Lhs::Subject(a), Rhs::List(vs)) => self.subject_in(a, *op == Op::Nin, vs),
                (Lhs::Subject(_), Rhs::Subject(_)) => {
                    return Err(
                        "who-can cannot compare two subject attributes with each other".to_string(),
                    );
                }
                (Lhs::Column(c), Rhs::Context(n)) => {
                    Filter::truth(compare(&column(c), *op, &self.probe.context.scalar(n)))
                }
                (Lhs::Subject(a), Rhs::Context(n)) => {
                    self.subject_compare(a, *op, &self.probe.context.scalar(n))
                }
                (Lhs::Context(n), Rhs::Subject(a)) => {
                    self.subject_compare(a, flip(*op), &self.probe.context.scalar(n))
                }
                (Lhs::Context(n), _) => Filter::truth(compare_operands(
                    &self.probe,
                    lhs,
                    &self.probe.context.scalar(n),
                    *op,
                    rhs,
                )),
            },
            Condition::IsNull { lhs, is_null, .. } => match lhs {
                Lhs::Column(c) => Filter::Const {
                    value: matches!(column(c), Value::Null) == *is_null,
                },
                Lhs::Subject(a) => self.subject_is_null(a, *is_null),
                // Parsing rules it out; absent context fails closed.
                Lhs::Context(_) => Filter::Unknown,
            },
            Condition::Exists { rel, inner, .. } => self.traverse(ty, rel, inner, row, false)?,
            Condition::Transitive { rel, inner, .. } => self.traverse(ty, rel, inner, row, true)?,
        })
    }

    /// Some row related to `row` through `name` (one step, or up to the traversal depth) on
    /// which `inner` is true: the rows are known, so this is an `_or` over them, each counted
    /// only where true (`Filter::is_true`), as EXISTS counts them, with unknown among them when
    /// the walk was cut at the depth limit.
    fn traverse(
        &self,
        ty: &str,
        name: &str,
        inner: &Condition,
        row: &Row,
        transitive: bool,
    ) -> Result<Filter, String> {
        let rel = self
            .set
            .relationship(ty, name)
            .ok_or_else(|| format!("unknown relationship `{ty}.{name}`"))?;
        let limit = transitive.then_some(self.set.settings.traversal_depth);
        let mut parts = Vec::new();
        let walked = super::entities::walk(self.entities, rel, row, limit, |r, _| {
            parts.push(Filter::is_true(
                self.cond(inner, &rel.target, r).map_err(Failed)?,
            ));
            Ok::<_, Failed>(false)
        })
        .map_err(|Failed(message)| message)?;
        // Past the depth limit a row might match: unknown where none of these does, as the
        // evaluator decides it.
        if walked == super::entities::Walked::Cut {
            parts.push(Filter::Unknown);
        }
        Ok(Filter::or(parts))
    }
}

/// Why a walk in [`Who::traverse`] failed: the message `who-can` reports.
struct Failed(String);

impl From<super::error::EntityError> for Failed {
    fn from(e: super::error::EntityError) -> Self {
        Failed(e.to_string())
    }
}
