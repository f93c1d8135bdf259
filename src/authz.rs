//! The authorization engine: pure (no IO, no SQL, no printing), importing nothing from the crate.
//!
//! - [`parse`] reads `policies.toml` into a validated [`PolicySet`];
//! - [`evaluate`] decides a [`Request`] against rows an [`Entities`] source provides, and
//!   returns a [`Response`] (decision, deciding policies, fields, errors, and the full trace);
//! - [`residual`] turns the policies for (subject, action, type) into a [`Filter`] over rows,
//!   which `access` compiles to SQL;
//! - [`lint`] finds policies that can never apply and other mistakes a parse accepts;
//! - [`test_file`] runs `[[test]]` cases.
//!
//! Combining: default deny; any satisfied `deny` wins; otherwise any satisfied `allow` allows;
//! the readable fields are the union of the fields the satisfied allows grant.

pub mod entities;
pub mod error;
pub mod eval;
pub mod lint;
pub mod parse;
pub mod policy;
pub mod test_file;
pub mod trace;

pub use entities::{Entities, MemoryEntities, ResourceRef, Row, Subject, Value};
pub use error::{EntityError, EvalError, Located, PolicyError};
pub use eval::{
    Filter, Mode, Request, Residual, Step, evaluate, read_fail, residual, resolve_resource, roles,
};
pub use lint::lint;
pub use parse::{parse, parse_tests};
pub use policy::{PolicySet, ReadFail};
pub use trace::{Decision, Response};

/// The scopes (named grants for access tokens) `subject` holds: each scope whose check allows.
pub fn scopes(set: &PolicySet, entities: &dyn Entities, subject: &Subject) -> Vec<String> {
    set.scopes
        .iter()
        .filter(|scope| {
            resolve_resource(set, entities, &scope.resource).is_ok_and(|(resource, _)| {
                evaluate(
                    set,
                    entities,
                    &Request {
                        subject: subject.clone(),
                        action: scope.action.clone(),
                        resource,
                        field: None,
                    },
                    Mode::Check,
                )
                .is_ok_and(|r| r.decision == Decision::Allow)
            })
        })
        .map(|scope| scope.name.clone())
        .collect()
}
