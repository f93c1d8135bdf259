//! `[[test]]` cases: each names a user, an action, a resource (and optionally a field) and
//! asserts the decision, and optionally the deciding policies and the readable fields. The
//! runner returns a [`TestReport`] (data); the command layer prints it.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

use super::entities::{Entities, Subject};
use super::eval::{Mode, Request, evaluate, resolve_resource};
use super::policy::{PolicySet, TestCase};
use super::trace::{Decision, Response};

/// One case's result.
#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    pub name: String,
    pub passed: bool,
    pub failures: Vec<Failure>,
    /// The decision trace, for failures.
    pub response: Option<Response>,
}

/// How a case failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "check")]
pub enum Failure {
    /// The case could not be decided (an unknown user or resource, …): the error.
    Error {
        message: String,
    },
    Decision {
        expected: Decision,
        got: Decision,
    },
    /// The deciding policies differ (compared as sets).
    Policies {
        expected: Vec<String>,
        got: Vec<String>,
    },
    /// The readable fields differ (compared as sets).
    Fields {
        expected: Vec<String>,
        got: Vec<String>,
    },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Error { message } => f.write_str(message),
            Failure::Decision { expected, got } => write!(f, "expected {expected}, got {got}"),
            Failure::Policies { expected, got } => write!(
                f,
                "expected policies [{}], got [{}]",
                expected.join(", "),
                got.join(", ")
            ),
            Failure::Fields { expected, got } => write!(
                f,
                "expected fields [{}], got [{}]",
                expected.join(", "),
                got.join(", ")
            ),
        }
    }
}

/// Every case's result and the counts.
#[derive(Debug, Clone, Serialize)]
pub struct TestReport {
    pub results: Vec<TestResult>,
    pub passed: usize,
    pub failed: usize,
    /// What the cases exercised: every evaluated case's trace, read by `coverage`.
    #[serde(skip)]
    pub traces: Vec<Response>,
}

fn set_of(list: &[String]) -> BTreeSet<&str> {
    list.iter().map(String::as_str).collect()
}

/// Runs `cases`. `resolve` turns a user reference into a subject (the command layer looks it up
/// in the database); its error becomes the case's failure.
pub fn run(
    set: &PolicySet,
    entities: &dyn Entities,
    cases: &[TestCase],
    resolve: &dyn Fn(&str) -> Result<Subject, String>,
) -> TestReport {
    let mut results = Vec::new();
    let mut traces = Vec::new();
    for case in cases {
        let mut failures = Vec::new();
        let mut response = None;
        let outcome = resolve(&case.user).and_then(|subject| {
            let (resource, _) =
                resolve_resource(set, entities, &case.resource).map_err(|e| e.to_string())?;
            evaluate(
                set,
                entities,
                &Request {
                    subject: subject.with_context(case.context.clone()),
                    action: case.action.clone(),
                    resource,
                    field: case.field.clone(),
                },
                Mode::Explain,
            )
            .map_err(|e| e.to_string())
        });
        match outcome {
            Err(message) => failures.push(Failure::Error { message }),
            Ok(r) => {
                if r.decision != case.decision {
                    failures.push(Failure::Decision {
                        expected: case.decision,
                        got: r.decision,
                    });
                }
                if let Some(expected) = &case.policies
                    && set_of(expected) != set_of(&r.policies)
                {
                    failures.push(Failure::Policies {
                        expected: expected.clone(),
                        got: r.policies.clone(),
                    });
                }
                if let Some(expected) = &case.fields {
                    let got = r.field_names();
                    if set_of(expected) != set_of(&got) {
                        failures.push(Failure::Fields {
                            expected: expected.clone(),
                            got,
                        });
                    }
                }
                traces.push(r.clone());
                response = Some(r);
            }
        }
        let passed = failures.is_empty();
        results.push(TestResult {
            name: case.name.clone(),
            passed,
            failures,
            response: if passed { None } else { response },
        });
    }
    let passed = results.iter().filter(|r| r.passed).count();
    TestReport {
        failed: results.len() - passed,
        passed,
        results,
        traces,
    }
}

impl fmt::Display for TestReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.results {
            if r.passed {
                writeln!(f, "test {} ... ok", r.name)?;
            } else {
                writeln!(f, "test {} ... FAILED", r.name)?;
            }
        }
        let failed: Vec<&TestResult> = self.results.iter().filter(|r| !r.passed).collect();
        if !failed.is_empty() {
            writeln!(f, "\nfailures:")?;
            for r in failed {
                writeln!(f, "\n---- {} ----", r.name)?;
                for failure in &r.failures {
                    writeln!(f, "{failure}")?;
                }
                if let Some(response) = &r.response {
                    write!(f, "{response}")?;
                }
            }
            writeln!(f)?;
        }
        writeln!(f, "{} passed, {} failed", self.passed, self.failed)
    }
}
