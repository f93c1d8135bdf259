//! Mistakes a valid policy file can still hold: policies that can never apply, roles nobody
//! gets, settings for unknown roles. (Unknown names and type mismatches are already parse
//! errors.) Each problem carries its source offset for `policies.toml:LINE:COL`.

use std::collections::BTreeSet;

use super::error::Problem;
use super::policy::{Condition, Effect, PolicySet, RoleSource};

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

fn never_true(cond: &Condition) -> bool {
    match cond {
        Condition::Or(parts) => parts.iter().all(never_true),
        Condition::And(parts) => parts.iter().any(never_true),
        Condition::Exists { inner, .. } | Condition::Transitive { inner, .. } => never_true(inner),
        _ => false,
    }
}

/// Every lint problem of a parsed set, in file order.
pub fn lint(set: &PolicySet) -> Vec<Problem> {
    let mut out = Vec::new();
    let reachable = reachable_roles(set);
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
        if policy.condition.as_ref().is_some_and(never_true) {
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
        if policy.effect == Effect::Deny && policy.fields.is_some() {
            out.push(Problem {
                at: policy.at,
                message: format!("policy `{id}` is a deny: `fields` has no effect (a deny hides the whole resource)"),
            });
        }
        if let Some(fields) = &policy.fields {
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
