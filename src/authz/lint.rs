//! Mistakes a valid policy file can still hold: policies that can never apply, policies that
//! cannot be evaluated for some of the subjects they are for, roles nobody gets, settings for
//! unknown roles. (Unknown names and type mismatches are already parse errors.) Each problem
//! carries its source offset for `policies.toml:LINE:COL`.

use std::collections::{BTreeMap, BTreeSet};

use super::entities::Value;
use super::error::Problem;
use super::policy::{Condition, Effect, Lhs, Op, Policy, PolicySet, Rhs, RoleSource};

/// The roles some subject can hold: bound directly, or inherited from a bound role.
fn reachable_roles(set: &PolicySet) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for binding in &set.bindings {
        match &binding.role {
            RoleSource::Fixed(role) => out.extend(set.role_closure(role)),
            // Any role may come from a column: every role counts as reachable.
            RoleSource::Column(_) => out.extend(set.roles.keys().cloned()),
        }
    }
    out
}

/// Each kind of subject a binding names (a type, or `anonymous`), with the roles bindings give
/// it by name (where the binding's `when` holds) and those they inherit. A role read from a
/// column (staff `role`) is the data's to say, and is not counted.
fn roles_by_kind(set: &PolicySet) -> BTreeMap<&str, BTreeSet<String>> {
    let mut out: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for binding in &set.bindings {
        let held = out.entry(binding.subject.as_str()).or_default();
        if let RoleSource::Fixed(role) = &binding.role {
            held.extend(set.role_closure(role));
        }
    }
    out
}

/// A policy that reads a `$subject.NAME` some kind of subject that can hold one of its roles
/// does not have (`anonymous` has no attribute but `type`, a player no `role`): it
/// cannot be evaluated for such a subject, so each of their requests it is judged for fails
/// (fail closed, as Hasura refuses a request without a session variable a permission reads).
fn unevaluable_for(
    set: &PolicySet,
    roles_by_kind: &BTreeMap<&str, BTreeSet<String>>,
    policy: &Policy,
) -> Option<Problem> {
    let condition = policy.condition.as_ref()?;
    roles_by_kind.iter().find_map(|(&kind, held)| {
        let role = policy.roles.iter().find(|r| held.contains(*r))?;
        let name = super::eval::absent_attribute(condition, &|a| set.subject_type_has(kind, a))?;
        let subjects = if kind == "anonymous" {
            "an anonymous subject".to_string()
        } else {
            format!("a `{kind}` subject")
        };
        Some(Problem {
            at: policy.at,
            message: format!(
                "policy `{}` cannot be evaluated for {subjects} holding role `{role}`: \
                 `$subject.{name}` is not one of its attributes, so each request of such a subject \
                 that it is judged for fails",
                policy.id
            ),
        })
    })
}

/// Whether every subject holding one of `narrow` also holds one of `broad` (roles inherit).
fn roles_covered(set: &PolicySet, narrow: &[String], broad: &[String]) -> bool {
    !narrow.is_empty()
        && narrow
            .iter()
            .all(|r| set.role_closure(r).iter().any(|held| broad.contains(held)))
}

/// Whether `broad` is about every action and the type that `narrow` is about.
fn target_covered(broad: &Policy, narrow: &Policy) -> bool {
    (broad.resource == "*" || broad.resource == narrow.resource)
        && narrow
            .actions
            .iter()
            .all(|a| broad.actions.iter().any(|b| b == "*" || b == a))
}

/// Whether the unconditional allow `broad` makes the allow `narrow` redundant: it applies to
/// every subject, action and row `narrow` applies to, and grants every field `narrow` grants.
/// Of two identical unconditional allows, the later one is reported.
fn shadows(set: &PolicySet, broad: &Policy, narrow: &Policy) -> bool {
    broad.effect == Effect::Allow
        && broad.condition.is_none()
        && narrow.read_fail.is_empty()
        && roles_covered(set, &narrow.roles, &broad.roles)
        && target_covered(broad, narrow)
        && match (&broad.fields, &narrow.fields) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(b), Some(n)) => n.iter().all(|f| b.contains(f)),
        }
        && !(narrow.condition.is_none()
            && broad.fields == narrow.fields
            && roles_covered(set, &broad.roles, &narrow.roles)
            && target_covered(narrow, broad)
            && broad.at > narrow.at)
}

/// Whether `deny` is an unconditional deny of the whole resource that applies wherever the
/// allow `allow` does.
fn overrides(set: &PolicySet, deny: &Policy, allow: &Policy) -> bool {
    deny.effect == Effect::Deny
        && deny.condition.is_none()
        && deny.fields.is_none()
        && roles_covered(set, &allow.roles, &deny.roles)
        && target_covered(deny, allow)
}

/// A reason why `cond` can never be true, at the comparison that makes it so: `_in []`, or
/// under one `_and` the same column `_eq` two different constants, or an empty range of
/// integers.
fn contradiction(cond: &Condition) -> Option<(usize, String)> {
    match cond {
        Condition::Compare {
            lhs: Lhs::Column(c),
            op: Op::In,
            rhs: Rhs::List(values),
            at,
        } if values.is_empty() => Some((*at, format!("`{c} _in []` matches nothing"))),
        Condition::And(parts) => parts
            .iter()
            .find_map(contradiction)
            .or_else(|| conjunction(parts)),
        Condition::Or(parts) => {
            // Only when every branch is impossible: report the first.
            let all: Option<Vec<_>> = parts.iter().map(contradiction).collect();
            all.and_then(|mut v| (!v.is_empty()).then(|| v.remove(0)))
        }
        Condition::Exists { inner, .. } | Condition::Transitive { inner, .. } => {
            contradiction(inner)
        }
        _ => None,
    }
}

/// Contradictions among the comparisons of one `_and` on the same column.
fn conjunction(parts: &[Condition]) -> Option<(usize, String)> {
    // column → (lowest allowed, highest allowed) integers, and the `_eq` constant seen.
    let mut eqs: BTreeMap<&str, &Value> = BTreeMap::new();
    let mut low: BTreeMap<&str, i64> = BTreeMap::new();
    let mut high: BTreeMap<&str, i64> = BTreeMap::new();
    for part in parts {
        let Condition::Compare {
            lhs: Lhs::Column(c),
            op,
            rhs: Rhs::Value(v),
            at,
        } = part
        else {
            continue;
        };
        let c = c.as_str();
        if *op == Op::Eq {
            if let Some(first) = eqs.get(c)
                && *first != v
            {
                return Some((
                    *at,
                    format!("`{c}` cannot `_eq` both {first} and {v} under `_and`"),
                ));
            }
            eqs.insert(c, v);
        }
        if let Value::Int(n) = v {
            let (lo, hi) = match op {
                Op::Eq => (Some(*n), Some(*n)),
                Op::Gt => (n.checked_add(1), None),
                Op::Gte => (Some(*n), None),
                Op::Lt => (None, n.checked_sub(1)),
                Op::Lte => (None, Some(*n)),
                _ => (None, None),
            };
            let (gt_max, lt_min) = (
                matches!(op, Op::Gt) && *n == i64::MAX,
                matches!(op, Op::Lt) && *n == i64::MIN,
            );
            if gt_max || lt_min {
                return Some((*at, format!("no integer is `{c} {} {n}`", op.name())));
            }
            if let Some(lo) = lo {
                let e = low.entry(c).or_insert(lo);
                *e = (*e).max(lo);
            }
            if let Some(hi) = hi {
                let e = high.entry(c).or_insert(hi);
                *e = (*e).min(hi);
            }
            if let (Some(lo), Some(hi)) = (low.get(c), high.get(c))
                && lo > hi
            {
                return Some((
                    *at,
                    format!("the range of `{c}` under `_and` is empty (from {lo} to {hi})"),
                ));
            }
        }
    }
    None
}

/// Whether `cond` can never make its policy apply: never true, for an allow (which needs
/// true); for a deny (`unknown_applies`: it applies unless its condition is false), also never
/// unknown, so a transitive step does not count, being unknown where its walk is cut at the
/// depth limit. What a relationship step reads only counts where true (EXISTS), either way.
fn never_applies(cond: &Condition, unknown_applies: bool) -> bool {
    match cond {
        Condition::Or(parts) => parts.iter().all(|p| never_applies(p, unknown_applies)),
        Condition::And(parts) => parts.iter().any(|p| never_applies(p, unknown_applies)),
        Condition::Exists { inner, .. } => never_applies(inner, false),
        Condition::Transitive { inner, .. } => !unknown_applies && never_applies(inner, false),
        _ => false,
    }
}

/// Every lint problem of a parsed set, in file order.
pub fn lint(set: &PolicySet) -> Vec<Problem> {
    let mut out = Vec::new();
    let reachable = reachable_roles(set);
    let roles_by_kind = roles_by_kind(set);
    for (name, role) in &set.roles {
        if !reachable.contains(name) {
            out.push(Problem {
                at: role.at,
                message: format!(
                    "role `{name}` is given by no binding and inherited by no bound role"
                ),
            });
        }
    }
    for role in set.settings.role_limits.keys() {
        if !set.roles.contains_key(role) {
            out.push(Problem {
                at: 0,
                message: format!("`settings.role_limits` names unknown role `{role}`"),
            });
        }
    }
    for policy in &set.policies {
        let id = &policy.id;
        let mut never = Vec::new();
        if policy.roles.is_empty() {
            never.push("it names no role".to_string());
        } else if !policy.roles.iter().any(|r| reachable.contains(r)) {
            never.push(format!("no subject can hold {}", policy.roles.join(" or ")));
        }
        if policy.actions.is_empty() {
            never.push("it names no action".to_string());
        }
        let deny = policy.effect == Effect::Deny;
        if policy
            .condition
            .as_ref()
            .is_some_and(|c| never_applies(c, deny))
        {
            never.push("its condition can never be true".to_string());
        }
        if policy.fields.as_ref().is_some_and(Vec::is_empty) && policy.effect == Effect::Allow {
            never.push("it grants no field".to_string());
        }
        for reason in never {
            out.push(Problem {
                at: policy.at,
                message: format!("policy `{id}` can never apply: {reason}"),
            });
        }
        out.extend(unevaluable_for(set, &roles_by_kind, policy));
        if let Some((at, reason)) = policy.condition.as_ref().and_then(contradiction) {
            out.push(Problem {
                at,
                message: format!("policy `{id}`: its condition can never be true: {reason}"),
            });
        }
        if policy.effect == Effect::Allow {
            if let Some(broader) = set
                .policies
                .iter()
                .find(|other| other.at != policy.at && shadows(set, other, policy))
            {
                out.push(Problem {
                    at: policy.at,
                    message: format!(
                        "policy `{id}` is redundant: `{}` allows the same roles, actions, type and fields without a condition",
                        broader.id
                    ),
                });
            }
            if let Some(deny) = set
                .policies
                .iter()
                .find(|other| overrides(set, other, policy))
            {
                out.push(Problem {
                    at: policy.at,
                    message: format!(
                        "policy `{id}` is dead: the unconditional deny `{}` always overrides it",
                        deny.id
                    ),
                });
            }
        }
        if let (Some(fields), Effect::Allow) = (&policy.fields, policy.effect) {
            for field in policy.read_fail.keys() {
                if fields.contains(field) {
                    out.push(Problem {
                        at: policy.at,
                        message: format!("policy `{id}` grants `{field}` and also says what a denied read of it yields"),
                    });
                }
            }
        }
    }
    out.sort_by_key(|p| p.at);
    out
}
