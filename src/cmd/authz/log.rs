//! `quidditch authz log PATH`: a summary of a decision log (`serve --decision-log`): requests and
//! denials by subject, withheld rows and fields by policy, withheld fields, refusals.

use std::collections::BTreeMap;
use std::fmt;
use std::io::BufRead as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::decision_log::Line;
use crate::exit::Exit;
use crate::output::{emit, table};

#[derive(Debug, Args)]
pub struct LogArgs {
    /// The decision log (JSON lines, as `serve --decision-log` writes them).
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Only the requests of this subject: `player:1`, or the name, `Harry Potter`.
    #[arg(long, value_name = "REF")]
    pub user: Option<String>,
    /// Only requests that had something withheld or were refused.
    #[arg(long)]
    pub denied: bool,
}

/// Requests and denials of one subject.
#[derive(Debug, Default, Serialize)]
struct SubjectCount {
    subject: String,
    requests: usize,
    denied: usize,
}

/// What one policy withheld.
#[derive(Debug, Default, Serialize)]
struct PolicyCount {
    policy: String,
    rows: usize,
    fields: usize,
}

/// How often a field, or a code, came up.
#[derive(Debug, Default, Serialize)]
struct Count {
    name: String,
    count: usize,
}

/// The summary `authz log` prints.
#[derive(Debug, Default, Serialize)]
struct Summary {
    file: String,
    requests: usize,
    denied: usize,
    by_subject: Vec<SubjectCount>,
    by_policy: Vec<PolicyCount>,
    by_field: Vec<Count>,
    refused: Vec<Count>,
    limits: Vec<Count>,
}

/// Whether `subject` (`player:1 (Harry Potter)`) is the one `user` names.
fn is_user(subject: Option<&str>, user: &str) -> bool {
    let Some(subject) = subject else {
        return false;
    };
    let (reference, name) = match subject.split_once(" (") {
        Some((reference, rest)) => (reference, rest.strip_suffix(')').unwrap_or(rest)),
        None => (subject, ""),
    };
    subject == user || reference == user || name == user
}

fn summarize(file: String, lines: &[Line]) -> Summary {
    let mut subjects: BTreeMap<String, SubjectCount> = BTreeMap::new();
    let mut policies: BTreeMap<String, PolicyCount> = BTreeMap::new();
    let mut fields: BTreeMap<String, usize> = BTreeMap::new();
    let mut refused: BTreeMap<String, usize> = BTreeMap::new();
    let mut limits: BTreeMap<String, usize> = BTreeMap::new();
    let mut summary = Summary {
        file,
        ..Summary::default()
    };
    for line in lines {
        summary.requests += 1;
        let denied = line.denied();
        summary.denied += usize::from(denied);
        let name = line
            .subject
            .clone()
            .unwrap_or_else(|| "(refused)".to_string());
        let entry = subjects.entry(name.clone()).or_default();
        entry.subject = name;
        entry.requests += 1;
        entry.denied += usize::from(denied);
        for row in &line.rows_withheld {
            for policy in row.deciders.allows.iter().chain(&row.deciders.denies) {
                let entry = policies.entry(policy.clone()).or_default();
                entry.policy.clone_from(policy);
                entry.rows += 1;
            }
        }
        for field in &line.fields_withheld {
            for policy in field.deciders.allows.iter().chain(&field.deciders.denies) {
                let entry = policies.entry(policy.clone()).or_default();
                entry.policy.clone_from(policy);
                entry.fields += 1;
            }
            let column = field.field.as_deref().unwrap_or("?");
            *fields.entry(format!("{}.{column}", field.ty)).or_default() += 1;
        }
        if let Some(code) = &line.refused {
            *refused.entry(code.clone()).or_default() += 1;
        }
        for limit in &line.limits {
            *limits.entry(limit.code.clone()).or_default() += 1;
        }
    }
    let counts = |map: BTreeMap<String, usize>| {
        let mut out: Vec<Count> = map
            .into_iter()
            .map(|(name, count)| Count { name, count })
            .collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
        out
    };
    summary.by_subject = subjects.into_values().collect();
    summary
        .by_subject
        .sort_by(|a, b| b.requests.cmp(&a.requests).then(a.subject.cmp(&b.subject)));
    summary.by_policy = policies.into_values().collect();
    summary.by_policy.sort_by(|a, b| {
        (b.rows + b.fields)
            .cmp(&(a.rows + a.fields))
            .then(a.policy.cmp(&b.policy))
    });
    summary.by_field = counts(fields);
    summary.refused = counts(refused);
    summary.limits = counts(limits);
    summary
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} request{}, {} with something withheld or refused",
            self.file,
            self.requests,
            if self.requests == 1 { "" } else { "s" },
            self.denied
        )?;
        if !self.by_subject.is_empty() {
            let mut t = table(["subject", "requests", "denied"]);
            for s in &self.by_subject {
                t.add_row(vec![
                    s.subject.clone(),
                    s.requests.to_string(),
                    s.denied.to_string(),
                ]);
            }
            writeln!(f, "\n{t}")?;
        }
        if !self.by_policy.is_empty() {
            let mut t = table(["policy", "rows withheld", "fields withheld"]);
            for p in &self.by_policy {
                t.add_row(vec![
                    p.policy.clone(),
                    p.rows.to_string(),
                    p.fields.to_string(),
                ]);
            }
            writeln!(f, "\n{t}")?;
        }
        for (title, counts) in [
            ("field", &self.by_field),
            ("refused", &self.refused),
            ("limit", &self.limits),
        ] {
            if counts.is_empty() {
                continue;
            }
            let mut t = table([title, "count"]);
            for c in counts {
                t.add_row(vec![c.name.clone(), c.count.to_string()]);
            }
            writeln!(f, "\n{t}")?;
        }
        Ok(())
    }
}

pub fn run(args: &LogArgs, global: &GlobalArgs) -> anyhow::Result<Exit> {
    let file = std::fs::File::open(&args.path)
        .with_context(|| format!("failed to read the decision log `{}`", args.path.display()))?;
    let mut lines = Vec::new();
    for (n, text) in std::io::BufReader::new(file).lines().enumerate() {
        let text = text.with_context(|| {
            format!("failed to read the decision log `{}`", args.path.display())
        })?;
        if text.trim().is_empty() {
            continue;
        }
        let line: Line = serde_json::from_str(&text).map_err(|err| {
            anyhow::anyhow!(
                "{}:{}:{}: not a decision log line: {err}",
                args.path.display(),
                n + 1,
                err.column()
            )
        })?;
        if args
            .user
            .as_deref()
            .is_some_and(|user| !is_user(line.subject.as_deref(), user))
        {
            continue;
        }
        if args.denied && !line.denied() {
            continue;
        }
        lines.push(line);
    }
    emit(
        &summarize(args.path.display().to_string(), &lines),
        global.format,
    )?;
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_match_by_reference_name_or_label() {
        let label = Some("player:1 (Harry Potter)");
        assert!(is_user(label, "player:1"));
        assert!(is_user(label, "Harry Potter"));
        assert!(is_user(label, "player:1 (Harry Potter)"));
        assert!(!is_user(label, "player:11"));
        assert!(!is_user(None, "player:1"));
        assert!(is_user(Some("anonymous"), "anonymous"));
    }
}
