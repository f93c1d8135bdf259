//! `quidditch authz diff OLD [NEW]`: every decision that differs between two policy files on
//! the database, streamed as `access::diff` finds it (one renderer per format, each written
//! item by item so memory does not grow with the league).

use std::fmt;
use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::{PolicyArgs, parse_checked, read};
use crate::access::Bridge;
use crate::access::diff::{self, Change, ChangeKind, Summary};
use crate::authz::{Decision, RowDecision};
use crate::cli::GlobalArgs;
use crate::exit::Exit;
use crate::output::Format;

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The policy file before the change.
    #[arg(value_name = "OLD_POLICIES")]
    pub old: PathBuf,
    /// The policy file after the change [default: --policies, else ./policies.toml, else the
    /// built-in one].
    #[arg(value_name = "NEW_POLICIES")]
    pub new: Option<PathBuf>,
    /// Compare the decisions of one subject only: `"Harry Potter"`, `player:1`, `staff:2` or
    /// `anonymous`.
    #[arg(long, value_name = "REF")]
    pub user: Option<String>,
    /// Exit 2 when any decision differs, 0 when none does (as `git diff --exit-code`).
    #[arg(long)]
    pub exit_code: bool,
}

/// One side of a change in words: `allow (winners-read-game)`, `deny (no allow applies)`.
struct SideText<'a>(&'a RowDecision);

impl fmt::Display for SideText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        match (d.decision, d.policies.is_empty()) {
            (Decision::Deny, true) => write!(f, "deny (no allow applies)"),
            (Decision::Deny, false) => write!(f, "deny (by {})", d.policies.join(", ")),
            (Decision::Allow, _) => write!(f, "allow ({})", d.policies.join(", ")),
        }
    }
}

/// A change as one line under its subject.
struct ChangeLine<'a>(&'a Change);

impl fmt::Display for ChangeLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
        let sign = match c.change {
            ChangeKind::Gained => '+',
            ChangeKind::Lost => '-',
            ChangeKind::Fields => '~',
        };
        write!(f, "  {sign} {} {}", c.action, c.resource)?;
        if c.change == ChangeKind::Fields {
            let mut parts: Vec<String> = c.fields_gained.iter().map(|x| format!("+{x}")).collect();
            parts.extend(c.fields_lost.iter().map(|x| format!("-{x}")));
            write!(f, " fields {}", parts.join(" "))?;
        }
        writeln!(f, ": {} → {}", SideText(&c.old), SideText(&c.new))
    }
}

/// The JSON document's head; `changes` and `summary` are written after it, as they come.
#[derive(Serialize)]
struct Head<'a> {
    old: &'a str,
    new: &'a str,
}

fn summary_line(s: &Summary) -> String {
    if s.changes() == 0 {
        return format!(
            "no differences ({} subject{} compared)\n",
            s.subjects,
            if s.subjects == 1 { "" } else { "s" }
        );
    }
    format!(
        "{} subject{} compared, {} with differences: {} gained, {} lost, {} with other fields\n",
        s.subjects,
        if s.subjects == 1 { "" } else { "s" },
        s.subjects_changed,
        s.gained,
        s.lost,
        s.fields_changed
    )
}

pub(super) fn run(args: &DiffArgs, global: &GlobalArgs) -> anyhow::Result<Exit> {
    let conn = global.open_decider(false)?;
    let old_origin = args.old.display().to_string();
    let old = parse_checked(conn.db(), &old_origin, &read(&args.old)?)?;
    let named = PolicyArgs {
        policies: args.new.clone().or_else(|| args.policy.policies.clone()),
    };
    let source = named.source()?;
    let new_origin = source.origin.display().to_string();
    let new = parse_checked(conn.db(), &new_origin, &source.text)?;
    let (old_bridge, new_bridge) = (Bridge::new(conn.db(), &old), Bridge::new(conn.db(), &new));

    // Set before a change is written: a closed pipe ends the printing quietly, not the outcome
    // (`--exit-code`: 2 once anything differs).
    let mut changed = false;
    let printed = print(
        args,
        global.format,
        (&old_origin, &new_origin),
        (&old_bridge, &new_bridge),
        &mut changed,
    );
    let exit = if args.exit_code && changed {
        Exit::Denied
    } else {
        Exit::Success
    };
    crate::cmd::outcome(printed, exit)
}

/// Prints the differences between the two files as they are found; `changed` once one is.
fn print(
    args: &DiffArgs,
    format: Format,
    (old_origin, new_origin): (&str, &str),
    (old_bridge, new_bridge): (&Bridge<'_>, &Bridge<'_>),
    changed: &mut bool,
) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut current: Option<String> = None;
    match format {
        Format::Human => {
            writeln!(out, "--- {old_origin}\n+++ {new_origin}")?;
            let summary = diff::diff(old_bridge, new_bridge, args.user.as_deref(), &mut |c| {
                *changed = true;
                if current.as_deref() != Some(c.subject.as_str()) {
                    match &c.name {
                        Some(name) => writeln!(out, "{name} ({}):", c.subject)?,
                        None => writeln!(out, "{}:", c.subject)?,
                    }
                    current = Some(c.subject.clone());
                }
                write!(out, "{}", ChangeLine(c))
            })?;
            write!(out, "{}", summary_line(&summary))?;
        }
        Format::Json => {
            // One JSON document, written as it is found: the head's fields, then `changes`
            // item by item, then `summary`.
            let head = serde_json::to_string(&Head {
                old: old_origin,
                new: new_origin,
            })?;
            write!(out, "{},\"changes\":[", head.trim_end_matches('}'))?;
            let mut first = true;
            let summary = diff::diff(old_bridge, new_bridge, args.user.as_deref(), &mut |c| {
                *changed = true;
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                out.write_all(b"\n")?;
                serde_json::to_writer(&mut out, c).map_err(std::io::Error::from)
            })?;
            write!(out, "\n],\"summary\":")?;
            serde_json::to_writer(&mut out, &summary).map_err(std::io::Error::from)?;
            writeln!(out, "}}")?;
        }
    }
    Ok(out.flush()?)
}
