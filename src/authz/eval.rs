//! The evaluator: `Request` + [`Entities`] + [`PolicySet`] → [`Response`].
//!
//! Semantics, named: default deny; any applicable `deny` of the resource wins; otherwise any
//! applicable `allow` allows; a field is readable when an applicable allow grants it and no
//! applicable field-level deny (`effect = "deny"` with `fields`) withholds it. A policy that
//! cannot be evaluated (the rows it needs cannot be read) makes the whole request an error:
//! it is never read as false inside a deny, which would allow.
//!
//! NULL, as Hasura (whose boolean expressions these are) and SQL treat it: inside a condition
//! a comparison with NULL is unknown, `_not` of unknown is unknown, `_and`/`_or` are Kleene's,
//! `_is_null` is the way to test for NULL, and a relationship matches only rows where its inner
//! condition is true. At the policy boundary the engine fails closed: an allow applies only
//! when its condition is true, a deny applies unless its condition is false. The SQL the
//! residual filters compile to selects exactly the same rows (SQL's own three-valued logic).

use std::time::Instant;

use super::entities::{Entities, ResourceRef, Row, Subject, Value};
use super::error::{EntityError, EvalError, Suggestion, closest};
use super::policy::{
    Condition, Effect, Lhs, Op, Policy, PolicySet, ReadFail, Rhs, RoleSource, TypeDef,
};
#[cfg(test)]
use super::trace::Rule;
use super::trace::{
    Decided, Decision, DeniedField, Expr, FieldGrant, Mismatch, Node, Operand, Outcome,
    PolicyTrace, Reason, RequestInfo, Response, RoleGrant, SubjectInfo, Test, Via, Visit, WhyNot,
    Withheld,
};

/// How much to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Decision, deciding policies and fields; conditions short-circuit.
    Check,
    /// Everything: every branch of every condition, the rows visited, why-not.
    Explain,
}

/// A request: who, what, on which resource (and optionally which field).
#[derive(Debug, Clone)]
pub struct Request {
    pub subject: Subject,
    pub action: String,
    pub resource: ResourceRef,
    pub field: Option<String>,
}

/// Parses `TYPE:ID` against the policy types and loads the row (virtual resources come from the
/// policy file, the others from `entities`).
pub fn resolve_resource(
    set: &PolicySet,
    entities: &dyn Entities,
    reference: &str,
) -> Result<(ResourceRef, Row), EvalError> {
    let (ty, id) = reference
        .split_once(':')
        .ok_or_else(|| EvalError::MalformedResource {
            reference: reference.to_string(),
        })?;
    let def = set.types.get(ty).ok_or_else(|| EvalError::UnknownType {
        ty: ty.to_string(),
        suggestion: Suggestion::for_word(ty, set.types.keys().map(String::as_str)),
    })?;
    let id_value = match def.key_type() {
        super::policy::ColumnType::Int => {
            Value::Int(id.parse().map_err(|_| EvalError::MalformedResource {
                reference: reference.to_string(),
            })?)
        }
        _ => Value::Text(id.to_string()),
    };
    let row = load(def, entities, &id_value)?;
    let row = row.ok_or_else(|| {
        let ids: Vec<String> = def
            .resources
            .iter()
            .filter_map(|r| r.get("id").map(Value::as_ref_str))
            .collect();
        EvalError::UnknownResource {
            reference: reference.to_string(),
            suggestion: closest(id, ids.iter().map(String::as_str)).map(|s| format!("{ty}:{s}")),
        }
    })?;
    Ok((
        ResourceRef {
            ty: ty.to_string(),
            id: id_value,
        },
        row,
    ))
}

fn load(def: &TypeDef, entities: &dyn Entities, id: &Value) -> Result<Option<Row>, EntityError> {
    if def.table.is_none() {
        return Ok(def
            .resources
            .iter()
            .find(|r| r.get("id") == Some(id))
            .cloned());
    }
    entities.get(&def.name, id)
}

/// The roles a subject holds, each with the binding that gave it, inherited roles included.
pub fn roles(
    set: &PolicySet,
    entities: &dyn Entities,
    subject: &Subject,
) -> Result<Vec<RoleGrant>, EvalError> {
    let mut out: Vec<RoleGrant> = Vec::new();
    for (index, binding) in set.bindings.iter().enumerate() {
        if binding.subject != subject.kind {
            continue;
        }
        let holds = match &binding.when {
            None => true,
            Some(cond) => {
                if let Some(message) = missing_attribute(subject, cond) {
                    return Err(EvalError::Binding {
                        binding: index + 1,
                        message,
                    });
                }
                let ev = Eval {
                    set,
                    entities,
                    subject,
                    trace: false,
                };
                // Like an allow: the role is held only when `when` is true.
                ev.cond(cond, &subject.kind, &subject.attributes)
                    .map_err(|err| EvalError::Binding {
                        binding: index + 1,
                        message: err.to_string(),
                    })?
                    .0
                    == Some(true)
            }
        };
        if !holds {
            continue;
        }
        let (number, kind) = (index + 1, binding.subject.clone());
        let (role, via) = match (&binding.role, &binding.when) {
            (RoleSource::Fixed(role), None) => (
                role.clone(),
                Via::Every {
                    binding: number,
                    subject: kind,
                },
            ),
            (RoleSource::Fixed(role), Some(cond)) => (
                role.clone(),
                Via::Where {
                    binding: number,
                    subject: kind,
                    when: expr(cond),
                },
            ),
            (RoleSource::Column(column), _) => match subject.attributes.get(column) {
                Some(Value::Text(role)) => (
                    role.clone(),
                    Via::Column {
                        binding: number,
                        subject: kind,
                        column: column.clone(),
                        value: role.clone(),
                    },
                ),
                _ => continue,
            },
        };
        if !set.roles.contains_key(&role) {
            continue;
        }
        for (depth, r) in set.role_closure(&role).into_iter().enumerate() {
            if out.iter().any(|g| g.role == r) {
                continue;
            }
            let via = if depth == 0 {
                via.clone()
            } else {
                Via::Inherited { from: role.clone() }
            };
            out.push(RoleGrant { role: r, via });
        }
    }
    Ok(out)
}

/// What reading `field` of a `ty` row yields when it is withheld from a subject holding
/// `roles`: the first `read_fail` for the field among the policies that target those roles,
/// `action` and `ty`, else `null`.
pub fn read_fail_for_roles(
    set: &PolicySet,
    roles: &[RoleGrant],
    action: &str,
    ty: &str,
    field: &str,
) -> ReadFail {
    set.policies
        .iter()
        .filter(|p| target(p, roles, action, ty).is_ok())
        .find_map(|p| p.read_fail.get(field).cloned())
        .unwrap_or(ReadFail::Null)
}

/// A condition as data, without values.
pub fn expr(cond: &Condition) -> Expr {
    match cond {
        Condition::And(parts) => Expr::And {
            parts: parts.iter().map(expr).collect(),
        },
        Condition::Or(parts) => Expr::Or {
            parts: parts.iter().map(expr).collect(),
        },
        Condition::Not(inner) => Expr::Not {
            inner: Box::new(expr(inner)),
        },
        Condition::Compare { lhs, op, rhs, .. } => Expr::Compare {
            left: lhs_operand(lhs),
            op: *op,
            right: rhs_operand(rhs),
        },
        Condition::IsNull { lhs, is_null, .. } => Expr::IsNull {
            left: lhs_operand(lhs),
            is_null: *is_null,
        },
        Condition::Exists { rel, inner, .. } => Expr::Exists {
            relationship: rel.clone(),
            inner: Box::new(expr(inner)),
        },
        Condition::Transitive { rel, inner, .. } => Expr::Transitive {
            relationship: rel.clone(),
            inner: Box::new(expr(inner)),
        },
    }
}

/// A left operand as written, without its value.
fn lhs_operand(lhs: &Lhs) -> Operand {
    match lhs {
        Lhs::Column(c) => Operand::Column {
            name: c.clone(),
            value: None,
            assumed: false,
        },
        Lhs::Subject(a) => Operand::Subject {
            name: a.clone(),
            value: None,
            assumed: false,
        },
        Lhs::Context(n) => Operand::Context {
            name: n.clone(),
            value: None,
            missing: false,
        },
    }
}

/// A right operand as written, without the value of a `$subject`/`$context` name.
fn rhs_operand(rhs: &Rhs) -> Operand {
    match rhs {
        Rhs::Value(v) => Operand::Literal { value: v.clone() },
        Rhs::Subject(a) => Operand::Subject {
            name: a.clone(),
            value: None,
            assumed: false,
        },
        Rhs::Context(n) => Operand::Context {
            name: n.clone(),
            value: None,
            missing: false,
        },
        Rhs::List(vs) => Operand::List { values: vs.clone() },
    }
}

/// Whether a policy's target (roles, action, type) covers the request; `Err` says why not.
pub(crate) fn target(
    policy: &Policy,
    roles: &[RoleGrant],
    action: &str,
    ty: &str,
) -> Result<(), Mismatch> {
    if !policy.is_about_type(ty) {
        return Err(Mismatch::Type {
            about: policy.resource.clone(),
        });
    }
    if !policy.is_about_action(action) {
        return Err(Mismatch::Action {
            about: policy.actions.clone(),
        });
    }
    if !policy
        .roles
        .iter()
        .any(|r| roles.iter().any(|g| &g.role == r))
    {
        return Err(Mismatch::Role {
            needs: policy.roles.clone(),
            has: roles.iter().map(|g| g.role.clone()).collect(),
        });
    }
    Ok(())
}

fn ids(policies: &[&Policy]) -> Vec<String> {
    policies.iter().map(|p| p.id.clone()).collect()
}

#[expect(
    clippy::too_many_lines,
    reason = "one pass over the policies, then the combining step: clearer read top to bottom"
)]
/// Evaluates a request. Fails when the request itself is invalid (unknown action, type,
/// resource or field), and when any policy that targets it cannot be evaluated (the entity
/// source failed): such a request is an error, never decided without that policy.
pub fn evaluate(
    set: &PolicySet,
    entities: &dyn Entities,
    request: &Request,
    mode: Mode,
) -> Result<Response, EvalError> {
    if !set.actions.contains(&request.action) {
        return Err(EvalError::UnknownAction {
            action: request.action.clone(),
            suggestion: Suggestion::for_word(
                &request.action,
                set.actions.iter().map(String::as_str),
            ),
        });
    }
    let ty = &request.resource.ty;
    let def = set.types.get(ty).ok_or_else(|| EvalError::UnknownType {
        ty: ty.clone(),
        suggestion: Suggestion::for_word(ty, set.types.keys().map(String::as_str)),
    })?;
    if let Some(field) = &request.field
        && !def.columns.contains_key(field)
    {
        return Err(EvalError::UnknownField {
            ty: ty.clone(),
            field: field.clone(),
            suggestion: Suggestion::for_word(field, def.columns.keys().map(String::as_str)),
        });
    }
    let row =
        load(def, entities, &request.resource.id)?.ok_or_else(|| EvalError::UnknownResource {
            reference: request.resource.to_string(),
            suggestion: None,
        })?;
    let subject = &request.subject;
    let granted = roles(set, entities, subject)?;
    let ev = Eval {
        set,
        entities,
        subject,
        trace: mode == Mode::Explain,
    };

    let mut trace = Vec::with_capacity(set.policies.len());
    for policy in &set.policies {
        let started = Instant::now();
        let mut t = PolicyTrace {
            id: policy.id.clone(),
            effect: policy.effect,
            // Only a trace that is shown needs them (check runs on every request).
            fields: if mode == Mode::Explain {
                policy.fields.clone()
            } else {
                None
            },
            outcome: Outcome::NotApplicable,
            reason: None,
            condition: None,
            missing_context: Vec::new(),
            micros: 0.0,
        };
        match target(policy, &granted, &request.action, ty) {
            Err(reason) => t.reason = Some(reason),
            Ok(()) => match &policy.condition {
                None => t.outcome = Outcome::Satisfied,
                Some(cond) => {
                    if let Some(message) = missing_attribute(subject, cond) {
                        return Err(EvalError::Policy {
                            policy: policy.id.clone(),
                            message,
                        });
                    }
                    let (holds, node) =
                        ev.cond(cond, ty, &row).map_err(|err| EvalError::Policy {
                            policy: policy.id.clone(),
                            message: err.to_string(),
                        })?;
                    t.outcome = match holds {
                        Some(true) => Outcome::Satisfied,
                        Some(false) => Outcome::NotSatisfied,
                        None => Outcome::Unknown,
                    };
                    // Which context the request lacked, when that may be why it is unknown.
                    if holds.is_none() && !set.context.is_empty() {
                        let mut names = Vec::new();
                        context_names(cond, &mut names);
                        t.missing_context = names
                            .into_iter()
                            .filter(|n| subject.context.get(n).is_none())
                            .map(|n| format!("$context.{n}"))
                            .collect();
                    }
                    t.condition = node;
                }
            },
        }
        t.micros = started.elapsed().as_secs_f64() * 1e6;
        trace.push(t);
    }

    // Fail closed at the policy boundary: an allow applies only when its condition is true, a
    // deny unless its condition is false (unknown included).
    let applicable = |pick: &dyn Fn(&Policy) -> bool| -> Vec<&Policy> {
        set.policies
            .iter()
            .zip(&trace)
            .filter(|(p, t)| {
                pick(p)
                    && match t.outcome {
                        Outcome::Satisfied => true,
                        Outcome::Unknown => p.effect == Effect::Deny,
                        Outcome::NotApplicable | Outcome::NotSatisfied => false,
                    }
            })
            .map(|(p, _)| p)
            .collect()
    };
    let denies = applicable(&|p| p.effect == Effect::Deny && p.fields.is_none());
    let field_denies = applicable(&Policy::is_field_deny);
    let allows = applicable(&|p| p.effect == Effect::Allow);

    // Per column: granted by the applicable allows naming it, unless a deny of the resource
    // applies (every column withheld) or a field-level deny withholds it.
    let mut fields: Vec<FieldGrant> = Vec::new();
    let mut denied_fields = Vec::new();
    for column in def.columns.keys() {
        let granted_by: Vec<String> = allows
            .iter()
            .filter(|p| p.names_field(column))
            .map(|p| p.id.clone())
            .collect();
        let denied_by: Vec<String> = field_denies
            .iter()
            .filter(|p| p.names_field(column))
            .map(|p| p.id.clone())
            .collect();
        let because = if !denies.is_empty() {
            Some(Withheld::ResourceDenied {
                policies: ids(&denies),
            })
        } else if !denied_by.is_empty() {
            Some(Withheld::DeniedBy {
                policies: denied_by,
            })
        } else if granted_by.is_empty() {
            Some(Withheld::NotGranted {
                applicable: ids(&allows),
            })
        } else {
            None
        };
        match because {
            None => fields.push(FieldGrant {
                field: column.clone(),
                granted_by,
            }),
            Some(because) => denied_fields.push(DeniedField {
                field: column.clone(),
                read_fail: read_fail_for_roles(set, &granted, &request.action, ty, column),
                because,
            }),
        }
    }

    let decided = if !denies.is_empty() {
        Decided::DenyWins {
            policies: ids(&denies),
            overridden: ids(&allows),
        }
    } else if allows.is_empty() {
        Decided::DefaultDeny
    } else if let Some(field) = &request.field {
        if let Some(g) = fields.iter().find(|g| &g.field == field) {
            Decided::FieldGranted {
                field: field.clone(),
                policies: g.granted_by.clone(),
            }
        } else {
            match denied_fields
                .iter()
                .find(|d| &d.field == field)
                .map(|d| &d.because)
            {
                Some(Withheld::DeniedBy { policies }) => Decided::FieldDenied {
                    field: field.clone(),
                    policies: policies.clone(),
                },
                _ => Decided::FieldNotGranted {
                    field: field.clone(),
                    applicable: ids(&allows),
                },
            }
        }
    } else {
        Decided::Allowed {
            policies: ids(&allows),
        }
    };
    let decision = decided.decision();

    let why_not = if decision == Decision::Deny && mode == Mode::Explain {
        why_not(
            set,
            &trace,
            &decided,
            &request.action,
            ty,
            request.field.as_deref(),
        )
    } else {
        Vec::new()
    };

    Ok(Response {
        context: subject.context.clone(),
        decision,
        request: RequestInfo {
            subject: subject.label(),
            action: request.action.clone(),
            resource: request.resource.to_string(),
            field: request.field.clone(),
        },
        subject: SubjectInfo {
            assumed: subject
                .id
                .as_ref()
                .and_then(|id| entities.assumed(&subject.kind, id))
                .map(|c| c.iter().cloned().collect())
                .unwrap_or_default(),
            ..SubjectInfo::new(subject, granted)
        },
        policies: decided.policies().to_vec(),
        fields: if decision == Decision::Allow {
            fields
        } else {
            Vec::new()
        },
        denied_fields,
        combining: decided.rule(),
        decided_by: decided,
        trace,
        why_not,
    })
}

/// For a deny: every allow policy about this action and type (granting the field, when one was
/// asked for), with what stopped it.
fn why_not(
    set: &PolicySet,
    trace: &[PolicyTrace],
    decided: &Decided,
    action: &str,
    ty: &str,
    field: Option<&str>,
) -> Vec<WhyNot> {
    let mut out = Vec::new();
    for (policy, t) in set.policies.iter().zip(trace) {
        if policy.effect != Effect::Allow || !policy.covers(ty, action) {
            continue;
        }
        if let Some(field) = field
            && !policy.names_field(field)
            && t.outcome != Outcome::Satisfied
        {
            continue;
        }
        let reasons = match t.outcome {
            Outcome::NotApplicable => t
                .reason
                .iter()
                .map(|m| Reason::NotApplicable {
                    mismatch: m.clone(),
                })
                .collect(),
            Outcome::NotSatisfied => t.condition.as_ref().map_or_else(
                || vec![Reason::ConditionFalse],
                |node| {
                    let mut reasons = Vec::new();
                    first_false(node, &mut Vec::new(), &mut reasons);
                    reasons
                },
            ),
            Outcome::Unknown if !t.missing_context.is_empty() => vec![Reason::MissingContext {
                names: t.missing_context.clone(),
            }],
            Outcome::Unknown => {
                let mut reasons = Vec::new();
                if let Some(node) = &t.condition {
                    unknown_leaves(node, &mut Vec::new(), &mut reasons);
                }
                reasons.push(Reason::ConditionUnknown);
                reasons
            }
            Outcome::Satisfied => match decided {
                Decided::DenyWins { policies, .. } => vec![Reason::DenyWins {
                    denies: policies.clone(),
                }],
                Decided::FieldDenied { field, policies } if policy.names_field(field) => {
                    vec![Reason::FieldWithheld {
                        field: field.clone(),
                        denies: policies.clone(),
                    }]
                }
                Decided::FieldDenied { field, .. } | Decided::FieldNotGranted { field, .. } => {
                    vec![Reason::FieldNotGranted {
                        field: field.clone(),
                    }]
                }
                _ => continue,
            },
        };
        out.push(WhyNot {
            policy: policy.id.clone(),
            reasons,
        });
    }
    out
}

/// The comparisons that came out unknown under `node` (at `path`).
fn unknown_leaves(node: &Node, path: &mut Vec<usize>, out: &mut Vec<Reason>) {
    if node.result.is_some() {
        return;
    }
    if node.children.is_empty() {
        out.push(Reason::Unknown {
            path: path.clone(),
            node: node.clone(),
        });
    }
    for (i, child) in node.children.iter().enumerate() {
        path.push(i);
        unknown_leaves(child, path, out);
        path.pop();
    }
}

/// The false leaves that make `node` (at `path`) false: the first false part of an `_and`,
/// every branch of an `_or`.
fn first_false(node: &Node, path: &mut Vec<usize>, out: &mut Vec<Reason>) {
    let mut descend = |i: usize, child: &Node, out: &mut Vec<Reason>| {
        path.push(i);
        first_false(child, path, out);
        path.pop();
    };
    match node.test {
        Test::And => {
            if let Some((i, child)) = node
                .children
                .iter()
                .enumerate()
                .find(|(_, c)| c.result == Some(false))
            {
                descend(i, child, out);
            }
        }
        Test::Or => {
            for (i, child) in node.children.iter().enumerate() {
                descend(i, child, out);
            }
        }
        _ => out.push(Reason::False {
            path: path.clone(),
            node: node.clone(),
        }),
    }
}

struct Eval<'a> {
    set: &'a PolicySet,
    entities: &'a dyn Entities,
    subject: &'a Subject,
    trace: bool,
}

/// A condition's truth under SQL's three-valued logic: `None` is unknown (a NULL was
/// compared), and the trace node when explaining.
type Evaluated = (Option<bool>, Option<Node>);

fn node(test: Test, result: Option<bool>, children: Vec<Node>) -> Node {
    Node {
        test,
        result,
        children,
        visits: Vec::new(),
        depth_limit: None,
    }
}

/// `a op b` under SQL's rule: a null operand makes a comparison unknown (`None`).
pub fn compare(lhs: &Value, op: Op, rhs: &Value) -> Option<bool> {
    if matches!(lhs, Value::Null) || matches!(rhs, Value::Null) {
        return None;
    }
    let same_kind = std::mem::discriminant(lhs) == std::mem::discriminant(rhs);
    Some(match op {
        Op::Eq => lhs == rhs,
        Op::Neq => lhs != rhs,
        Op::Gt => same_kind && lhs > rhs,
        Op::Gte => same_kind && lhs >= rhs,
        Op::Lt => same_kind && lhs < rhs,
        Op::Lte => same_kind && lhs <= rhs,
        Op::In | Op::Nin | Op::InCidr | Op::Contains => false,
    })
}

/// `lhs op rhs` where `l` is the left operand's value: the subject's attributes and the
/// request's context substituted, an absent context value unknown (fail closed).
pub fn compare_operands(
    subject: &Subject,
    lhs: &Lhs,
    l: &Value,
    op: Op,
    rhs: &Rhs,
) -> Option<bool> {
    match (op, lhs, rhs) {
        (Op::InCidr, Lhs::Context(n), Rhs::List(blocks)) => {
            return super::context::in_cidr(subject.context.get(n), blocks);
        }
        (Op::Contains, Lhs::Context(n), Rhs::Value(item)) => {
            return super::context::contains(subject.context.get(n), item);
        }
        // Parsing allows these nowhere else.
        (Op::InCidr | Op::Contains, ..) => return None,
        _ => {}
    }
    match rhs {
        Rhs::Value(v) => compare(l, op, v),
        Rhs::Subject(a) => compare(l, op, &subject.attribute(a)),
        Rhs::Context(n) => compare(l, op, &subject.context.scalar(n)),
        Rhs::List(vs) => in_list(l, op == Op::Nin, vs),
    }
}

/// Why `subject` cannot be judged by `cond`: the first `$subject.NAME` it reads that the
/// subject does not have (a `player`'s `role`, `anonymous`'s `team_id`), as Hasura refuses a
/// request that lacks a session variable a permission reads. Never read as null: a missing
/// attribute under `_is_null` would be true, and would grant what was meant for others.
pub fn missing_attribute(subject: &Subject, cond: &Condition) -> Option<String> {
    let name = absent_attribute(cond, &|a| subject.has_attribute(a))?;
    let has: Vec<&str> = subject.attributes.keys().map(String::as_str).collect();
    Some(format!(
        "`$subject.{name}` is not an attribute of {}{}",
        subject.label(),
        if has.is_empty() {
            " (it has none but `type`)".to_string()
        } else {
            format!(" (its attributes: {})", has.join(", "))
        }
    ))
}

/// The first `$subject.NAME` that `cond` reads and `has` says is not there.
pub fn absent_attribute<'c>(cond: &'c Condition, has: &dyn Fn(&str) -> bool) -> Option<&'c str> {
    let absent = |name: &&String| !has(name);
    match cond {
        Condition::And(parts) | Condition::Or(parts) => {
            parts.iter().find_map(|p| absent_attribute(p, has))
        }
        Condition::Not(inner)
        | Condition::Exists { inner, .. }
        | Condition::Transitive { inner, .. } => absent_attribute(inner, has),
        Condition::Compare { lhs, rhs, .. } => {
            let lhs = if let Lhs::Subject(a) = lhs {
                Some(a)
            } else {
                None
            };
            let rhs = if let Rhs::Subject(a) = rhs {
                Some(a)
            } else {
                None
            };
            lhs.into_iter().chain(rhs).find(absent).map(String::as_str)
        }
        Condition::IsNull {
            lhs: Lhs::Subject(a),
            ..
        } => Some(a.as_str()).filter(|a| !has(a)),
        Condition::IsNull { .. } => None,
    }
}

/// The `$context.*` names `cond` reads, in order, each once.
pub fn context_names(cond: &Condition, out: &mut Vec<String>) {
    let mut add = |n: &String| {
        if !out.contains(n) {
            out.push(n.clone());
        }
    };
    match cond {
        Condition::And(parts) | Condition::Or(parts) => {
            for p in parts {
                context_names(p, out);
            }
        }
        Condition::Not(inner)
        | Condition::Exists { inner, .. }
        | Condition::Transitive { inner, .. } => context_names(inner, out),
        Condition::Compare { lhs, rhs, .. } => {
            if let Lhs::Context(n) = lhs {
                add(n);
            }
            if let Rhs::Context(n) = rhs {
                add(n);
            }
        }
        Condition::IsNull { lhs, .. } => {
            if let Lhs::Context(n) = lhs {
                add(n);
            }
        }
    }
}

/// `a _in list` / `a _nin list` as SQL decides them: an empty list is false for `_in` and true
/// for `_nin` whatever `a` is; otherwise a null `a` is unknown.
pub fn in_list(lhs: &Value, negated: bool, list: &[Value]) -> Option<bool> {
    if list.is_empty() {
        return Some(negated);
    }
    if matches!(lhs, Value::Null) {
        return None;
    }
    Some(list.contains(lhs) != negated)
}

/// Columns an expression reads on its own row (for showing visited rows).
fn own_columns(cond: &Condition, out: &mut Vec<String>) {
    match cond {
        Condition::And(parts) | Condition::Or(parts) => {
            for p in parts {
                own_columns(p, out);
            }
        }
        Condition::Not(inner) => own_columns(inner, out),
        Condition::Compare {
            lhs: Lhs::Column(c),
            ..
        }
        | Condition::IsNull {
            lhs: Lhs::Column(c),
            ..
        } if !out.contains(c) => out.push(c.clone()),
        _ => {}
    }
}

impl Eval<'_> {
    /// Whether `column` of `row` (of `ty`) is an assumed value, not one read (trace only).
    fn column_assumed(&self, ty: &str, row: &Row, column: &str) -> bool {
        let key = self.set.types.get(ty).map_or("id", |d| d.key.as_str());
        row.get(key)
            .and_then(|k| self.entities.assumed(ty, k))
            .is_some_and(|c| c.contains(column))
    }

    /// Whether the subject's attribute `name` is an assumed value (trace only).
    fn subject_assumed(&self, name: &str) -> bool {
        self.subject
            .id
            .as_ref()
            .and_then(|k| self.entities.assumed(&self.subject.kind, k))
            .is_some_and(|c| c.contains(name))
    }

    /// `$context.NAME` with its value, or marked missing.
    fn context_operand(&self, name: &str) -> Operand {
        let value = self.subject.context.get(name).cloned();
        Operand::Context {
            name: name.to_string(),
            missing: value.is_none(),
            value,
        }
    }

    /// The left operand `lhs` whose value is `l`, marked when assumed.
    fn seen_lhs(&self, lhs: &Lhs, l: &Value, ty: &str, row: &Row) -> Operand {
        match lhs {
            Lhs::Column(c) => Operand::Column {
                name: c.clone(),
                value: Some(l.clone()),
                assumed: self.column_assumed(ty, row, c),
            },
            Lhs::Subject(a) => Operand::Subject {
                name: a.clone(),
                value: Some(l.clone()),
                assumed: self.subject_assumed(a),
            },
            Lhs::Context(n) => self.context_operand(n),
        }
    }

    /// The right operand `rhs`, a `$subject`/`$context` name with its value.
    fn seen_rhs(&self, rhs: &Rhs) -> Operand {
        match rhs {
            Rhs::Subject(a) => Operand::Subject {
                name: a.clone(),
                value: Some(self.subject.attribute(a)),
                assumed: self.subject_assumed(a),
            },
            Rhs::Context(n) => self.context_operand(n),
            other => rhs_operand(other),
        }
    }

    fn lhs(&self, lhs: &Lhs, row: &Row) -> Value {
        match lhs {
            Lhs::Column(c) => row.get(c).cloned().unwrap_or(Value::Null),
            Lhs::Subject(a) => self.subject.attribute(a),
            Lhs::Context(n) => self.subject.context.scalar(n),
        }
    }

    /// A comparison of a column, subject attribute or context value with a value, an
    /// attribute, a context value or a list.
    fn compare(&self, lhs: &Lhs, op: Op, rhs: &Rhs, ty: &str, row: &Row) -> Evaluated {
        let l = self.lhs(lhs, row);
        let result = compare_operands(self.subject, lhs, &l, op, rhs);
        let n = || {
            let test = Test::Compare {
                left: self.seen_lhs(lhs, &l, ty, row),
                op,
                right: self.seen_rhs(rhs),
            };
            node(test, result, Vec::new())
        };
        (result, self.trace.then(n))
    }

    fn cond(&self, cond: &Condition, ty: &str, row: &Row) -> Result<Evaluated, EntityError> {
        match cond {
            Condition::And(parts) | Condition::Or(parts) => {
                let is_and = matches!(cond, Condition::And(_));
                if parts.is_empty() {
                    return Ok((
                        Some(is_and),
                        self.trace
                            .then(|| node(Test::True, Some(is_and), Vec::new())),
                    ));
                }
                if parts.len() == 1
                    && is_and
                    && let Some(only) = parts.first()
                {
                    return self.cond(only, ty, row);
                }
                // Kleene's logic as the parts come: the dominating value (false for `_and`,
                // true for `_or`) decides; else any unknown leaves the whole unknown.
                let mut dominated = false;
                let mut unknown = false;
                let mut children = Vec::new();
                for part in parts {
                    let (b, n) = self.cond(part, ty, row)?;
                    children.extend(n);
                    match b {
                        Some(v) if v != is_and => dominated = true,
                        None => unknown = true,
                        Some(_) => {}
                    }
                    // Explain evaluates every branch: no short-circuit hides another path.
                    if !self.trace && dominated {
                        break;
                    }
                }
                let result = if dominated {
                    Some(!is_and)
                } else if unknown {
                    None
                } else {
                    Some(is_and)
                };
                let test = if is_and { Test::And } else { Test::Or };
                Ok((result, self.trace.then(|| node(test, result, children))))
            }
            Condition::Not(inner) => {
                let (b, n) = self.cond(inner, ty, row)?;
                let result = b.map(|b| !b);
                Ok((
                    result,
                    self.trace
                        .then(|| node(Test::Not, result, n.into_iter().collect())),
                ))
            }
            Condition::Compare { lhs, op, rhs, .. } => Ok(self.compare(lhs, *op, rhs, ty, row)),
            Condition::IsNull { lhs, is_null, .. } => {
                let l = self.lhs(lhs, row);
                let result = Some(matches!(l, Value::Null) == *is_null);
                let n = || {
                    let test = Test::IsNull {
                        left: self.seen_lhs(lhs, &l, ty, row),
                        is_null: *is_null,
                    };
                    node(test, result, Vec::new())
                };
                Ok((result, self.trace.then(n)))
            }
            Condition::Exists { rel, inner, .. } => self.traverse(ty, rel, inner, row, false),
            Condition::Transitive { rel, inner, .. } => self.traverse(ty, rel, inner, row, true),
        }
    }

    fn traverse(
        &self,
        ty: &str,
        name: &str,
        inner: &Condition,
        row: &Row,
        transitive: bool,
    ) -> Result<Evaluated, EntityError> {
        let rel = self.set.relationship(ty, name).ok_or_else(|| EntityError {
            message: format!("unknown relationship `{ty}.{name}`"),
        })?;
        let limit = transitive.then_some(self.set.settings.traversal_depth);
        let mut shown = Vec::new();
        if self.trace {
            own_columns(inner, &mut shown);
        }
        let mut visits = Vec::new();
        let mut matched_any = false;
        let walked = super::entities::walk(self.entities, rel, row, limit, |related, depth| {
            // A related row counts when `inner` is true on it (SQL's EXISTS): unknown is not
            // a match.
            let (inner_result, _) = Eval {
                trace: false,
                ..*self
            }
            .cond(inner, &rel.target, related)?;
            let matched = inner_result == Some(true);
            if self.trace {
                visits.push(self.visit(&shown, &rel.target, related, depth, matched));
            }
            matched_any |= matched;
            Ok::<_, EntityError>(matched && !self.trace)
        })?;
        // No related row matched, but the walk went on past the depth limit: a row beyond it
        // might have, so the step is unknown rather than false. Inside a deny that keeps the
        // deny (it applies unless its condition is false); read as false, a policy author's
        // `traversal_depth` would have lifted a deny wherever the bracket ran deeper.
        let cut = walked == super::entities::Walked::Cut;
        let result = if matched_any {
            Some(true)
        } else if cut {
            None
        } else {
            Some(false)
        };
        if !self.trace {
            return Ok((result, None));
        }
        let (relationship, condition) = (name.to_string(), self.bound(inner));
        Ok((
            result,
            Some(Node {
                test: if transitive {
                    Test::Transitive {
                        relationship,
                        condition,
                    }
                } else {
                    Test::Exists {
                        relationship,
                        condition,
                    }
                },
                result,
                children: Vec::new(),
                visits,
                depth_limit: limit.filter(|_| cut),
            }),
        ))
    }

    /// What a trace shows of a row a traversal reached: the `shown` columns of `related` (a
    /// row of `target`), which of them are assumed, and whether it matched.
    fn visit(
        &self,
        shown: &[String],
        target: &str,
        related: &Row,
        depth: u32,
        matched: bool,
    ) -> Visit {
        let key = related.get("id").cloned().unwrap_or(Value::Null);
        Visit {
            resource: format!("{target}:{}", key.as_ref_str()),
            depth,
            values: shown
                .iter()
                .map(|c| (c.clone(), related.get(c).cloned().unwrap_or(Value::Null)))
                .collect(),
            matched,
            assumed: shown
                .iter()
                .filter(|c| self.column_assumed(target, related, c))
                .cloned()
                .collect(),
        }
    }

    /// A relationship step's condition as data, `$subject`/`$context` on the right of its
    /// comparisons (outside `_not` and nested steps) with their values.
    fn bound(&self, cond: &Condition) -> Expr {
        match cond {
            Condition::Compare { lhs, op, rhs, .. }
                if matches!(rhs, Rhs::Subject(_) | Rhs::Context(_)) =>
            {
                Expr::Compare {
                    left: lhs_operand(lhs),
                    op: *op,
                    right: self.seen_rhs(rhs),
                }
            }
            Condition::And(parts) if parts.len() > 1 => Expr::And {
                parts: parts.iter().map(|p| self.bound(p)).collect(),
            },
            Condition::Or(parts) => Expr::Or {
                parts: parts.iter().map(|p| self.bound(p)).collect(),
            },
            other => expr(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::entities::MemoryEntities;
    use crate::authz::parse::parse;
    use crate::authz::plan::Planner;
    use crate::authz::residual::{Filter, residual};

    const SHIPPED: &str = include_str!("../../policies.toml");

    fn row(pairs: &[(&str, Value)]) -> Row {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect()
    }

    /// The tutorial's league, as in `seeder.toml`.
    pub(crate) fn league() -> MemoryEntities {
        let mut e = MemoryEntities::new();
        for (id, name, rank) in [
            (1, "Gryffindor", 1),
            (2, "Slytherin", 2),
            (3, "Ravenclaw", 4),
            (4, "Hufflepuff", 3),
        ] {
            e.insert(
                "team",
                row(&[
                    ("id", id.into()),
                    ("name", name.into()),
                    ("rank", rank.into()),
                ]),
            );
        }
        for (id, name, position, year, team) in [
            (1, "Harry Potter", "Seeker", 2, 1),
            (2, "Draco Malfoy", "Seeker", 2, 2),
            (3, "Oliver Wood", "Captain", 4, 1),
            (4, "Vincent Crabbe", "Beater", 2, 2),
            (5, "Cho Chang", "Seeker", 2, 3),
            (6, "Cedric Diggory", "Captain", 4, 4),
            (7, "Roger Davies", "Captain", 3, 3),
            (8, "Gregory Goyle", "Beater", 2, 2),
            (9, "Katie Bell", "Chaser", 4, 1),
            (10, "Zacharias Smith", "Chaser", 3, 4),
        ] {
            e.insert(
                "player",
                row(&[
                    ("id", id.into()),
                    ("name", name.into()),
                    ("position", position.into()),
                    ("year", year.into()),
                    ("team_id", team.into()),
                ]),
            );
        }
        for (id, level, winner, loser, child) in [
            (1, "Practice", 1, 2, Some(7)),
            (2, "Practice", 4, 1, Some(8)),
            (3, "Practice", 1, 3, None),
            (4, "Practice", 2, 4, Some(7)),
            (5, "Practice", 2, 3, None),
            (6, "Practice", 3, 4, Some(8)),
            (7, "First", 1, 2, Some(9)),
            (8, "First", 4, 3, Some(9)),
            (9, "Final", 1, 4, None),
        ] {
            e.insert(
                "game",
                row(&[
                    ("id", id.into()),
                    ("level", level.into()),
                    ("winner_id", winner.into()),
                    ("loser_id", loser.into()),
                    ("child_id", Value::from(child)),
                ]),
            );
        }
        e
    }

    #[test]
    fn field_residuals_keep_only_the_allows_that_grant_the_field() {
        let set = parse("policies.toml", SHIPPED).unwrap();
        let e = league();
        let anonymous = Subject::anonymous();
        let rows = residual(&set, &e, &anonymous, "read", "player").unwrap();
        assert_eq!(rows.filter, Filter::TRUE, "the roster is public");
        assert_eq!(rows.for_field(&set, "name"), Filter::TRUE);
        assert_eq!(
            rows.for_field(&set, "year"),
            Filter::FALSE,
            "no year for anonymous"
        );
        let plan = Planner::new(&set, &e, &anonymous)
            .unwrap()
            .plan("read", "player")
            .unwrap();
        assert_eq!(
            plan.column("year").unwrap().withheld,
            ReadFail::Error {
                message: "You are not authorized to see this.".into()
            }
        );
        // Harry: year of himself and his teammates only, through own-profile and teammates-see-year.
        let harry = player(&e, 1);
        let year = residual(&set, &e, &harry, "read", "player")
            .unwrap()
            .for_field(&set, "year");
        let Filter::Or { parts } = &year else {
            panic!("expected an _or of two grants, got {year:?}");
        };
        assert_eq!(parts.len(), 2);
        // A deny withholds the field wherever it applies.
        let hooch = Subject::from_row(
            "staff",
            row(&[
                ("id", 1.into()),
                ("name", "Madam Hooch".into()),
                ("role", "admin".into()),
            ]),
        );
        assert_eq!(
            residual(&set, &e, &hooch, "read", "game")
                .unwrap()
                .for_field(&set, "level"),
            Filter::TRUE
        );
    }

    fn player(e: &MemoryEntities, id: i64) -> Subject {
        let r = e.get("player", &Value::Int(id)).unwrap().unwrap();
        Subject::from_row("player", r)
    }

    fn decide(set: &PolicySet, e: &dyn Entities, s: &Subject, action: &str, res: &str) -> Response {
        let (resource, _) = resolve_resource(set, e, res).unwrap();
        evaluate(
            set,
            e,
            &Request {
                subject: s.clone(),
                action: action.into(),
                resource,
                field: None,
            },
            Mode::Explain,
        )
        .unwrap()
    }

    #[test]
    fn shipped_policies_give_the_tutorial_outcomes() {
        let set = parse("policies.toml", SHIPPED).unwrap();
        let e = league();
        let cases = [
            (1, "read", "game:8", Decision::Deny),
            (10, "read", "game:8", Decision::Allow),
            (5, "read", "game:8", Decision::Allow),
            (3, "read", "game:2", Decision::Allow),
            (1, "join", "forum:Seeker", Decision::Allow),
            (3, "join", "forum:Seeker", Decision::Deny),
        ];
        for (who, action, res, expected) in cases {
            let r = decide(&set, &e, &player(&e, who), action, res);
            assert_eq!(r.decision, expected, "player {who} {action} {res}\n{r}");
        }
        let harry: Vec<i64> = (1..=9)
            .filter(|g| {
                decide(&set, &e, &player(&e, 1), "read", &format!("game:{g}")).decision
                    == Decision::Allow
            })
            .collect();
        assert_eq!(harry, [1, 3, 7, 9]);
    }

    /// A tiny policy file for table-driven cases: games with a transitive relationship.
    const SMALL: &str = r#"
actions = ["read"]
[settings]
traversal_depth = 3
[types.game]
table = "games"
columns = { id = "int", child_id = "int", winner_id = "int" }
[types.player]
table = "players"
columns = { id = "int", team_id = "int" }
[[relationship]]
type = "game"
name = "feeders"
target = "game"
kind = "array"
mapping = { id = "child_id" }
[roles]
player = {}
[[binding]]
subject = "player"
role = "player"
[[policy]]
id = "won"
effect = "allow"
roles = ["player"]
actions = ["read"]
resource = "game"
condition = { "feeders*" = { winner_id = { _eq = "$subject.team_id" } } }
[[policy]]
id = "odd-denied"
effect = "deny"
roles = ["player"]
actions = ["read"]
resource = "game"
condition = { id = { _in = [13] } }
"#;

    fn chain(links: &[(i64, Option<i64>, i64)]) -> MemoryEntities {
        let mut e = MemoryEntities::new();
        for (id, child, winner) in links {
            e.insert(
                "game",
                row(&[
                    ("id", (*id).into()),
                    ("child_id", Value::from(*child)),
                    ("winner_id", (*winner).into()),
                ]),
            );
        }
        e.insert("player", row(&[("id", 1.into()), ("team_id", 7.into())]));
        e
    }

    /// A line of games ending at the final, game 5, each feeding the next: `winners[i]` won the
    /// `i`-th, the first being game `6 - winners.len()`.
    fn line_to_5(winners: &[i64]) -> MemoryEntities {
        let first = 6 - i64::try_from(winners.len()).unwrap();
        let links: Vec<(i64, Option<i64>, i64)> = (first..)
            .zip(winners)
            .map(|(id, winner)| (id, (id < 5).then_some(id + 1), *winner))
            .collect();
        chain(&links)
    }

    struct Failing;
    impl Entities for Failing {
        fn get(&self, _: &str, id: &Value) -> Result<Option<Row>, EntityError> {
            Ok(Some(row(&[("id", id.clone())])))
        }
        fn find(&self, _: &str, _: &str, _: &Value) -> Result<Vec<Row>, EntityError> {
            Err(EntityError {
                message: "disk on fire".into(),
            })
        }
    }

    #[test]
    fn combining_table() {
        let set = parse("small.toml", SMALL).unwrap();
        let s = Subject::from_row("player", row(&[("id", 1.into()), ("team_id", 7.into())]));
        // (name, games, resource, decision, deciding policies)
        let cases: Vec<(&str, MemoryEntities, &str, Decision, Vec<&str>)> = vec![
            (
                "default deny: nothing feeds game 1",
                chain(&[(1, None, 7)]),
                "game:1",
                Decision::Deny,
                vec![],
            ),
            (
                "transitive: 3 ← 2 ← 1 won by team 7",
                chain(&[(1, Some(2), 7), (2, Some(3), 8), (3, None, 8)]),
                "game:3",
                Decision::Allow,
                vec!["won"],
            ),
            (
                "forbid wins over the allow",
                chain(&[(12, Some(13), 7), (13, None, 8)]),
                "game:13",
                Decision::Deny,
                vec!["odd-denied"],
            ),
            (
                "a cycle ends: 1 ↔ 2, neither won by 7",
                chain(&[(1, Some(2), 8), (2, Some(1), 8)]),
                "game:1",
                Decision::Deny,
                vec![],
            ),
            (
                "a cycle returns to the start: 1 ↔ 2, game 1 won by 7",
                chain(&[(1, Some(2), 7), (2, Some(1), 8)]),
                "game:1",
                Decision::Allow,
                vec!["won"],
            ),
            (
                "depth limit 3: the winner is 4 steps away",
                chain(&[
                    (1, Some(2), 7),
                    (2, Some(3), 8),
                    (3, Some(4), 8),
                    (4, Some(5), 8),
                    (5, None, 8),
                ]),
                "game:5",
                Decision::Deny,
                vec![],
            ),
            (
                "depth limit 3: the winner is 3 steps away",
                chain(&[
                    (2, Some(3), 7),
                    (3, Some(4), 8),
                    (4, Some(5), 8),
                    (5, None, 8),
                ]),
                "game:5",
                Decision::Allow,
                vec!["won"],
            ),
        ];
        for (name, e, res, decision, policies) in cases {
            let r = decide(&set, &e, &s, "read", res);
            assert_eq!(r.decision, decision, "{name}\n{r}");
            assert_eq!(r.policies, policies, "{name}");
            assert_eq!(r.combining, r.decided_by.rule(), "{name}");
            let check = {
                let (resource, _) = resolve_resource(&set, &e, res).unwrap();
                let req = Request {
                    subject: s.clone(),
                    action: "read".into(),
                    resource,
                    field: None,
                };
                evaluate(&set, &e, &req, Mode::Check).unwrap()
            };
            assert_eq!(
                check.decision, decision,
                "{name}: check agrees with explain"
            );
        }
    }

    #[test]
    fn a_transitive_step_cut_at_the_depth_limit_says_so_as_data() {
        let set = parse("small.toml", SMALL).unwrap();
        let s = Subject::from_row("player", row(&[("id", 1.into()), ("team_id", 7.into())]));
        let deep = chain(&[
            (1, Some(2), 7),
            (2, Some(3), 8),
            (3, Some(4), 8),
            (4, Some(5), 8),
            (5, None, 8),
        ]);
        let r = decide(&set, &deep, &s, "read", "game:5");
        assert!(r.to_string().contains("depth limit 3 reached"), "{r}");
        let won = r.trace.iter().find(|t| t.id == "won").unwrap();
        let step = won.condition.as_ref().unwrap();
        assert_eq!(step.depth_limit, Some(3));
        assert_eq!(
            step.test,
            Test::Transitive {
                relationship: "feeders".into(),
                condition: Expr::Compare {
                    left: Operand::Column {
                        name: "winner_id".into(),
                        value: None,
                        assumed: false
                    },
                    op: Op::Eq,
                    right: Operand::Subject {
                        name: "team_id".into(),
                        value: Some(Value::Int(7)),
                        assumed: false
                    }
                }
            }
        );
    }

    /// A deny whose transitive step is cut at the depth limit with nothing matched yet still
    /// applies: a row beyond the limit might match, so the step is unknown, and a deny applies
    /// unless its condition is false. Read as false, `traversal_depth` lifted the deny
    /// wherever the bracket ran deeper than the limit.
    #[test]
    fn a_deny_cut_at_the_depth_limit_still_applies() {
        let source = SMALL.replace(
            r#"condition = { "feeders*" = { winner_id = { _eq = "$subject.team_id" } } }"#,
            "",
        ) + r#"
[[policy]]
id = "fed-by-team-9"
effect = "deny"
roles = ["player"]
actions = ["read"]
resource = "game"
condition = { "feeders*" = { winner_id = { _eq = 9 } } }
"#;
        let set = parse("small.toml", &source).unwrap();
        let s = Subject::from_row("player", row(&[("id", 1.into()), ("team_id", 7.into())]));
        // (name, games, decision): game 5 is read; `traversal_depth` is 3.
        let cases = [
            (
                "team 9 won 4 steps away: past the limit, unknown, the deny applies",
                line_to_5(&[9, 8, 8, 8, 8]),
                Decision::Deny,
            ),
            (
                "team 9 won 3 steps away: true",
                line_to_5(&[9, 8, 8, 8]),
                Decision::Deny,
            ),
            (
                "4 steps, none won by 9, but the limit cuts the walk: unknown",
                line_to_5(&[8, 8, 8, 8, 8]),
                Decision::Deny,
            ),
            (
                "3 steps, none won by 9, the walk ends within the limit: false",
                line_to_5(&[8, 8, 8, 8]),
                Decision::Allow,
            ),
            (
                "a cycle is walked round past the limit: unknown",
                chain(&[(4, Some(5), 8), (5, Some(4), 8)]),
                Decision::Deny,
            ),
        ];
        for (name, e, decision) in cases {
            let r = decide(&set, &e, &s, "read", "game:5");
            assert_eq!(r.decision, decision, "{name}\n{r}");
            let check = {
                let (resource, _) = resolve_resource(&set, &e, "game:5").unwrap();
                let req = Request {
                    subject: s.clone(),
                    action: "read".into(),
                    resource,
                    field: None,
                };
                evaluate(&set, &e, &req, Mode::Check).unwrap()
            };
            assert_eq!(
                check.decision, decision,
                "{name}: check agrees with explain"
            );
        }
        let cut = decide(&set, &line_to_5(&[8, 8, 8, 8, 8]), &s, "read", "game:5");
        assert_eq!(cut.policies, ["fed-by-team-9"], "{cut}");
        assert!(cut.to_string().contains("depth limit 3 reached"), "{cut}");
    }

    #[test]
    fn combining_is_the_rule_in_json_and_words_in_the_trace() {
        let set = parse("policies.toml", SHIPPED).unwrap();
        let e = league();
        let r = decide(&set, &e, &player(&e, 1), "read", "game:8");
        assert_eq!(r.combining, Rule::DefaultDeny);
        assert_eq!(
            serde_json::to_value(&r).unwrap()["combining"],
            "default_deny"
        );
        assert!(
            r.to_string()
                .contains("combining: no allow policy applies: default deny\n"),
            "{r}"
        );
    }

    #[test]
    fn roles_say_which_binding_gave_them_as_data() {
        let set = parse("policies.toml", SHIPPED).unwrap();
        let e = league();
        let wood = roles(&set, &e, &player(&e, 3)).unwrap();
        let via: Vec<(&str, &Via)> = wood.iter().map(|g| (g.role.as_str(), &g.via)).collect();
        assert_eq!(
            via,
            [
                (
                    "player",
                    &Via::Every {
                        binding: 2,
                        subject: "player".into()
                    }
                ),
                (
                    "anonymous",
                    &Via::Inherited {
                        from: "player".into()
                    }
                ),
                (
                    "captain",
                    &Via::Where {
                        binding: 3,
                        subject: "player".into(),
                        when: Expr::Compare {
                            left: Operand::Column {
                                name: "position".into(),
                                value: None,
                                assumed: false
                            },
                            op: Op::Eq,
                            right: Operand::Literal {
                                value: "Captain".into()
                            }
                        }
                    }
                ),
            ]
        );
        assert_eq!(
            wood[2].via.to_string(),
            "binding #3: player where position _eq \"Captain\""
        );
    }

    #[test]
    fn a_policy_that_does_not_apply_says_which_part_of_its_target_missed_as_data() {
        let set = parse("policies.toml", SHIPPED).unwrap();
        let e = league();
        let r = decide(&set, &e, &player(&e, 1), "read", "game:8");
        let reason = |id: &str| r.trace.iter().find(|t| t.id == id).unwrap().reason.clone();
        assert_eq!(
            reason("admin-all"),
            Some(Mismatch::Role {
                needs: vec!["admin".into()],
                has: vec!["player".into(), "anonymous".into()]
            })
        );
        assert_eq!(
            reason("public-teams"),
            Some(Mismatch::Type {
                about: "team".into()
            })
        );
        assert_eq!(reason("winners-read-game"), None);
        let small = SMALL.replacen(r#"actions = ["read"]"#, r#"actions = ["read", "write"]"#, 1);
        let set = parse("small.toml", &small).unwrap();
        let s = Subject::from_row("player", row(&[("id", 1.into()), ("team_id", 7.into())]));
        let r = decide(&set, &chain(&[(1, None, 7)]), &s, "write", "game:1");
        let won = r.trace.iter().find(|t| t.id == "won").unwrap();
        assert_eq!(
            won.reason,
            Some(Mismatch::Action {
                about: vec!["read".into()]
            })
        );
        assert_eq!(
            won.reason.as_ref().unwrap().to_string(),
            "action: it is about read"
        );
    }

    #[test]
    fn why_not_names_the_policy_the_condition_path_and_the_operator_as_data() {
        let set = parse("policies.toml", SHIPPED).unwrap();
        let e = league();
        let r = decide(&set, &e, &player(&e, 1), "read", "game:8");
        let reasons = |id: &str| {
            &r.why_not
                .iter()
                .find(|w| w.policy == id)
                .unwrap_or_else(|| panic!("no why_not for {id}: {r}"))
                .reasons
        };
        let winners = reasons("winners-read-game");
        let [
            Reason::False {
                path: first,
                node: compare,
            },
            Reason::False {
                path: second,
                node: step,
            },
        ] = winners.as_slice()
        else {
            panic!("expected two false branches: {winners:?}");
        };
        assert_eq!((first.as_slice(), second.as_slice()), (&[0][..], &[1][..]));
        assert_eq!(
            compare.test,
            Test::Compare {
                left: Operand::Column {
                    name: "winner_id".into(),
                    value: Some(Value::Int(4)),
                    assumed: false
                },
                op: Op::Eq,
                right: Operand::Subject {
                    name: "team_id".into(),
                    value: Some(Value::Int(1)),
                    assumed: false
                }
            }
        );
        assert!(
            matches!(&step.test, Test::Transitive { relationship, .. } if relationship == "feeders")
        );
        let visited: Vec<&str> = step.visits.iter().map(|v| v.resource.as_str()).collect();
        assert_eq!(visited, ["game:2", "game:6"]);
        assert!(matches!(
            reasons("admin-all").as_slice(),
            [Reason::NotApplicable {
                mismatch: Mismatch::Role { needs, .. }
            }] if needs == &["admin"]
        ));
    }

    #[test]
    fn a_policy_that_cannot_be_evaluated_makes_the_request_an_error() {
        let set = parse("small.toml", SMALL).unwrap();
        let s = Subject::from_row("player", row(&[("id", 1.into()), ("team_id", 7.into())]));
        let (resource, _) = resolve_resource(&set, &Failing, "game:1").unwrap();
        for mode in [Mode::Check, Mode::Explain] {
            let err = evaluate(
                &set,
                &Failing,
                &Request {
                    subject: s.clone(),
                    action: "read".into(),
                    resource: resource.clone(),
                    field: None,
                },
                mode,
            )
            .unwrap_err();
            assert_eq!(
                err.to_string(),
                "policy `won` could not be evaluated: entity source: disk on fire"
            );
        }
    }

    #[test]
    fn residual_substitutes_the_subject() {
        let set = parse("policies.toml", SHIPPED).unwrap();
        let e = league();
        let harry = player(&e, 1);
        let r = residual(&set, &e, &harry, "read", "game").unwrap();
        assert_eq!(
            r.allows
                .iter()
                .map(|(id, _)| id.as_str())
                .collect::<Vec<_>>(),
            ["winners-read-game"]
        );
        let json = serde_json::to_string(&r.filter).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"or","parts":[{"kind":"compare","column":"winner_id","op":"_eq","value":1},{"kind":"transitive","step":{"relationship":"feeders","target":"game","column":"id","target_column":"child_id"},"inner":{"kind":"compare","column":"winner_id","op":"_eq","value":1},"max_depth":32}]}"#
        );
        let anon = residual(&set, &e, &Subject::anonymous(), "read", "game").unwrap();
        assert_eq!(anon.filter, Filter::FALSE);
        let teams = residual(&set, &e, &Subject::anonymous(), "read", "team").unwrap();
        assert_eq!(teams.filter, Filter::TRUE);
    }
}

#[cfg(test)]
mod snapshots {
    use super::tests::league;
    use super::*;
    use crate::authz::parse::parse;

    #[test]
    fn harry_game_8_explain_tree() {
        let set = parse("policies.toml", include_str!("../../policies.toml")).unwrap();
        let e = league();
        let harry = Subject::from_row("player", e.get("player", &Value::Int(1)).unwrap().unwrap());
        let (resource, _) = resolve_resource(&set, &e, "game:8").unwrap();
        let req = Request {
            subject: harry,
            action: "read".into(),
            resource,
            field: None,
        };
        let mut r = evaluate(&set, &e, &req, Mode::Explain).unwrap();
        r.clear_timings();
        insta::assert_snapshot!(r.to_string(), @r#"
        request: player:1 (Harry Potter) read game:8
        subject: player:1 (Harry Potter)
          attributes: id=1 name="Harry Potter" position="Seeker" team_id=1 year=2
          roles:
            player     binding #2: every player
            anonymous  inherited from player
        policies:
          admin-all                 allow  not applicable: role: it needs admin; the subject has player, anonymous
          public-teams              allow  not applicable: type: it is about `team`
          public-roster             allow  not applicable: type: it is about `player`
          own-profile               allow  not applicable: type: it is about `player`
          teammates-see-year        allow  not applicable: type: it is about `player`
          manager-team              allow  not applicable: type: it is about `player`
          manager-team-games        allow  not applicable: role: it needs manager; the subject has player, anonymous
          winners-read-game         allow  condition false (0.0 µs)
              _or → false
              ├─ winner_id (4) _eq $subject.team_id (1) → false
              └─ feeders* { winner_id _eq $subject.team_id (1) } → false
                 ├─ → game:2 (depth 1, winner_id 4) ✗
                 └─ → game:6 (depth 1, winner_id 3) ✗
          captains-read-team-games  allow  not applicable: role: it needs captain; the subject has player, anonymous
          position-forum            allow  not applicable: type: it is about `forum`
          veterans-forum            allow  not applicable: type: it is about `forum`
          results-embargo           deny  (fields winner_id, loser_id)  context missing ($context.now): applies (fail closed) (0.0 µs)
              published_at (null) _gt $context.now (missing) → unknown (NULL)
        combining: no allow policy applies: default deny
        decision: deny
        why not:
          admin-all:
            role: it needs admin; the subject has player, anonymous
          manager-team-games:
            role: it needs manager; the subject has player, anonymous
          winners-read-game:
            winner_id (4) _eq $subject.team_id (1) → false
            feeders* { winner_id _eq $subject.team_id (1) } → false: visited game:2 (winner_id 4), game:6 (winner_id 3), none matched
          captains-read-team-games:
            role: it needs captain; the subject has player, anonymous
        "#);
    }
}
