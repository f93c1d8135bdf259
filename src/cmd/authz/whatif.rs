//! What-if for `authz check|explain|who-can --assume EXPR` and `[[test]]` cases' `assume`: the
//! read-only connection, the overlay of assumed rows, and their errors.

use clap::Args;

use crate::access::Bridge;
use crate::access::assume::Overlay;
use crate::authz;
use crate::authz::test_file::TestReport;
use crate::cli::GlobalArgs;
use crate::cmd::Opened;

/// What-if: changes to assume, none written.
#[derive(Debug, Args, Default)]
pub struct AssumeArgs {
    /// Decide as if a change were made, without writing it (repeatable): `player:1.team_id=4`
    /// sets a column, `game:10 {level="Final", winner_id=1, loser_id=2}` adds a row, `-game:6`
    /// removes one. Values are TOML literals or `null`. The database is opened read-only.
    #[arg(long = "assume", value_name = "EXPR", allow_hyphen_values = true)]
    pub exprs: Vec<String>,
}

impl AssumeArgs {
    /// The database: read-only when anything is assumed, so nothing can be written.
    pub fn open(&self, global: &GlobalArgs) -> anyhow::Result<Opened> {
        global.open_decider(!self.exprs.is_empty())
    }

    /// The rows with every `--assume` on top, checked in order; a bad one is an error naming it.
    pub fn overlay<'a>(&self, bridge: &'a Bridge<'a>) -> anyhow::Result<Overlay<'a>> {
        let mut overlay = Overlay::new(bridge);
        for expr in &self.exprs {
            authz::assume::parse_assumption(bridge.set(), expr)
                .and_then(|a| overlay.assume(&a))
                .map_err(|reason| anyhow::anyhow!("invalid `--assume {expr}`: {reason}"))?;
        }
        Ok(overlay)
    }

    /// [`Self::overlay`], with the tables shadowed for SQL on `conn` when anything is assumed.
    pub fn shadowed<'a>(&self, bridge: &'a Bridge<'a>) -> anyhow::Result<Overlay<'a>> {
        let mut overlay = self.overlay(bridge)?;
        if !overlay.is_empty() {
            overlay.shadow()?;
        }
        Ok(overlay)
    }
}

/// Runs `set`'s test `cases`, each over the database with its own `assume` on top. A case
/// whose assumption the database refuses (a row that does not exist, …) is an error at the
/// assumption's `file:line:col` (`origin`, `source`: the file the cases are written in).
pub fn run_tests(
    bridge: &Bridge<'_>,
    cases: &[authz::policy::TestCase],
    (origin, source): (&str, &str),
) -> anyhow::Result<TestReport> {
    let index = crate::diag::LineIndex::new(source);
    let mut report = TestReport {
        results: Vec::new(),
        passed: 0,
        failed: 0,
        traces: Vec::new(),
    };
    let mut plain: Vec<authz::policy::TestCase> = Vec::new();
    let flush = |plain: &mut Vec<authz::policy::TestCase>, report: &mut TestReport| {
        if plain.is_empty() {
            return;
        }
        let resolve = |user: &str| bridge.resolve_subject(user).map_err(|e| e.to_string());
        append(
            report,
            authz::test_file::run(bridge.set(), bridge.entities(), plain, &resolve),
        );
        plain.clear();
    };
    for case in cases {
        if case.assume.is_empty() {
            plain.push(case.clone());
            continue;
        }
        flush(&mut plain, &mut report);
        let mut overlay = Overlay::new(bridge);
        for (at, a) in &case.assume {
            overlay.assume(a).map_err(|reason| {
                let l = authz::error::Problem {
                    at: *at,
                    message: format!("test `{}`: assume `{a}`: {reason}", case.name),
                }
                .locate(origin, &index);
                anyhow::anyhow!("{l}")
            })?;
        }
        let resolve = |user: &str| {
            bridge
                .resolve_subject_in(&overlay, user)
                .map_err(|e| e.to_string())
        };
        append(
            &mut report,
            authz::test_file::run(bridge.set(), &overlay, std::slice::from_ref(case), &resolve),
        );
    }
    flush(&mut plain, &mut report);
    Ok(report)
}

fn append(to: &mut TestReport, more: TestReport) {
    to.passed += more.passed;
    to.failed += more.failed;
    to.results.extend(more.results);
    to.traces.extend(more.traces);
}
