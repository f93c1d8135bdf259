//! The authorization engine: pure (no IO, no SQL, no printing), importing nothing from the crate.
//!
//! - [`parse`] reads `policies.toml` into a validated [`PolicySet`];
//! - [`evaluate`] decides a [`Request`] against rows an [`Entities`] source provides, and
//!   returns a [`Response`] (decision, deciding policy and rule, fields, and the full trace);
//! - [`residual`] turns the policies for (subject, action, type) into a [`Filter`] over rows,
//!   which `access` compiles to SQL;
//! - [`plan`] is the [`AccessPlan`] of (subject, action, type): the row filter and every
//!   column's rule with the policies behind them, the one computation the server enforces and
//!   `authz explain` renders;
//! - [`lint`] finds policies that can never apply and other mistakes a parse accepts;
//! - [`test_file`] runs `[[test]]` cases.
//!
//! Combining: default deny; any applicable `deny` of the resource wins; otherwise any applicable
//! `allow` allows; the readable fields are the union of the fields the applicable allows grant,
//! less those an applicable field-level deny withholds. Fail closed: a policy that cannot be
//! evaluated makes the request an error, never a silent allow or deny.

pub mod assume;
pub mod context;
pub mod coverage;
pub mod entities;
pub mod error;
pub mod eval;
pub mod lint;
pub mod parse;
pub mod plan;
pub mod policy;
pub mod residual;
pub mod test_file;
pub mod trace;
pub mod who;

pub use context::{Context, ContextType, ContextValue};
pub use entities::{Entities, MemoryEntities, ResourceRef, Row, Subject, Value};
pub use error::{EntityError, EvalError, Located, PolicyError};
pub use eval::{Mode, Request, evaluate, resolve_resource, roles};
pub use lint::lint;
pub use parse::{parse, parse_tests};
pub use plan::{AccessPlan, ColumnAccess, ColumnRule, Planner, RowDecision};
pub use policy::{PolicySet, QueryLimits, ReadFail};
pub use residual::{Filter, Residual, Step, residual};
pub use trace::{Decision, Response};

/// The scopes (named grants for access tokens) `subject` holds: each scope whose check allows.
/// A scope whose check cannot be evaluated is an error, not a scope silently withheld.
pub fn scopes(
    set: &PolicySet,
    entities: &dyn Entities,
    subject: &Subject,
) -> Result<Vec<String>, EvalError> {
    let mut out = Vec::new();
    for scope in &set.scopes {
        let (resource, _) = resolve_resource(set, entities, &scope.resource)?;
        let response = evaluate(
            set,
            entities,
            &Request {
                subject: subject.clone(),
                action: scope.action.clone(),
                resource,
                field: None,
            },
            Mode::Check,
        )?;
        if response.decision == Decision::Allow {
            out.push(scope.name.clone());
        }
    }
    Ok(out)
}
