//! `authz test --coverage`: which policies, and which branches of their conditions (each `_or`
//! arm, each relationship traversal), the test cases made true and made false, read from the
//! explain traces the cases produced.

use serde::Serialize;

use super::eval::expr;
use super::policy::{Condition, PolicySet};
use super::trace::{Expr, Node, Outcome, Response, Test};

/// One policy's coverage: did some case make its condition true (it applied), and some false?
#[derive(Debug, Clone, Serialize)]
pub struct PolicyCoverage {
    pub policy: String,
    #[serde(skip)]
    pub at: usize,
    pub made_true: bool,
    /// Unconditional policies have nothing to make false: `None`.
    pub made_false: Option<bool>,
}

impl PolicyCoverage {
    pub fn covered(&self) -> bool {
        self.made_true && self.made_false != Some(false)
    }
}

/// One branch of a condition: an `_or` arm or a relationship traversal.
#[derive(Debug, Clone, Serialize)]
pub struct BranchCoverage {
    pub policy: String,
    /// The branch, as data; the human renderer shows it as text
    /// (`feeders* { winner_id _eq $subject.team_id }`).
    pub branch: Expr,
    #[serde(skip)]
    pub at: usize,
    pub made_true: bool,
    pub made_false: bool,
}

impl BranchCoverage {
    pub fn covered(&self) -> bool {
        self.made_true && self.made_false
    }
}

/// The coverage of a set of cases.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub policies: Vec<PolicyCoverage>,
    pub branches: Vec<BranchCoverage>,
}

impl Coverage {
    pub fn policies_covered(&self) -> usize {
        self.policies.iter().filter(|p| p.covered()).count()
    }

    pub fn branches_covered(&self) -> usize {
        self.branches.iter().filter(|b| b.covered()).count()
    }
}

/// The first source offset in `cond` (its first comparison or traversal).
fn first_at(cond: &Condition) -> Option<usize> {
    match cond {
        Condition::And(parts) | Condition::Or(parts) => parts.iter().find_map(first_at),
        Condition::Not(inner) => first_at(inner),
        Condition::Compare { at, .. }
        | Condition::IsNull { at, .. }
        | Condition::Exists { at, .. }
        | Condition::Transitive { at, .. } => Some(*at),
    }
}

/// A relationship traversal is one branch: an `_or` arm that is one is counted once.
fn is_traversal(cond: &Condition) -> bool {
    matches!(
        cond,
        Condition::Exists { .. } | Condition::Transitive { .. }
    )
}

/// The branches of `cond` in preorder, as (offset, expression).
fn branches(cond: &Condition, out: &mut Vec<(usize, Expr)>) {
    match cond {
        Condition::And(parts) => parts.iter().for_each(|p| branches(p, out)),
        Condition::Or(parts) => {
            for p in parts {
                out.push((first_at(p).unwrap_or(0), expr(p)));
                if !is_traversal(p) {
                    branches(p, out);
                }
            }
        }
        Condition::Not(inner) => branches(inner, out),
        Condition::Exists { at, .. } | Condition::Transitive { at, .. } => {
            out.push((*at, expr(cond)));
        }
        Condition::Compare { .. } | Condition::IsNull { .. } => {}
    }
}

/// The results of `cond`'s branches in one explain trace, in the order of [`branches`]. The
/// trace mirrors the condition (every part evaluated; a one-part `_and` is its part).
fn results(cond: &Condition, node: &Node, out: &mut Vec<Option<bool>>) {
    match cond {
        Condition::And(parts) if parts.len() == 1 => {
            if let Some(only) = parts.first() {
                results(only, node, out);
            }
        }
        Condition::And(parts) => {
            for (p, child) in parts.iter().zip(&node.children) {
                results(p, child, out);
            }
        }
        Condition::Or(parts) => {
            for (p, child) in parts.iter().zip(&node.children) {
                out.push(child.result);
                if !is_traversal(p) {
                    results(p, child, out);
                }
            }
        }
        Condition::Not(inner) => {
            if let Some(child) = node.children.first() {
                results(inner, child, out);
            }
        }
        Condition::Exists { .. } | Condition::Transitive { .. } => {
            debug_assert!(matches!(
                node.test,
                Test::Exists { .. } | Test::Transitive { .. }
            ));
            out.push(node.result);
        }
        Condition::Compare { .. } | Condition::IsNull { .. } => {}
    }
}

/// The coverage of the explain `responses` the cases produced.
pub fn coverage(set: &PolicySet, responses: &[&Response]) -> Coverage {
    let mut policies = Vec::new();
    let mut all = Vec::new();
    for (index, policy) in set.policies.iter().enumerate() {
        let traces: Vec<_> = responses
            .iter()
            .filter_map(|r| r.trace.get(index).filter(|t| t.id == policy.id))
            .collect();
        policies.push(PolicyCoverage {
            policy: policy.id.clone(),
            at: policy.at,
            made_true: traces.iter().any(|t| t.outcome == Outcome::Satisfied),
            made_false: policy.condition.as_ref().map(|_| {
                traces
                    .iter()
                    .any(|t| matches!(t.outcome, Outcome::NotSatisfied | Outcome::Unknown))
            }),
        });
        let Some(cond) = &policy.condition else {
            continue;
        };
        let mut found = Vec::new();
        branches(cond, &mut found);
        let mut covered: Vec<BranchCoverage> = found
            .into_iter()
            .map(|(at, branch)| BranchCoverage {
                policy: policy.id.clone(),
                branch,
                at,
                made_true: false,
                made_false: false,
            })
            .collect();
        for t in &traces {
            let Some(node) = &t.condition else {
                continue;
            };
            let mut seen = Vec::new();
            results(cond, node, &mut seen);
            for (b, result) in covered.iter_mut().zip(seen) {
                match result {
                    Some(true) => b.made_true = true,
                    Some(false) | None => b.made_false = true,
                }
            }
        }
        all.extend(covered);
    }
    Coverage {
        policies,
        branches: all,
    }
}
