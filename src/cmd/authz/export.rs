//! `quidditch authz export --to openfga|spicedb`: the policies as a Zanzibar model and the
//! database's rows as relationship tuples, written file by file with the tuples streamed (one
//! row at a time, never a table in memory).

use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::PolicyArgs;
use crate::access::Db;
use crate::access::{self, SqlEntities};
use crate::authz::policy::Policy;
use crate::authz::{self, Decision, PolicySet, Subject};
use crate::cli::GlobalArgs;
use crate::exit::Exit;
use crate::export::{self, Assertion, Model, Tuple, openfga, spicedb};
use crate::output::emit;

mod changes;

/// The engine to export to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    /// OpenFGA: model.fga, model.json, tuples.yaml, tests.fga.yaml.
    Openfga,
    /// SpiceDB: schema.zed, validation.yaml.
    Spicedb,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The engine whose files to write.
    #[arg(long, value_enum, value_name = "ENGINE")]
    pub to: Engine,
    /// The directory to write the files into (created if needed).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// Export what can be translated and list the rest in the files' headers, instead of
    /// refusing.
    #[arg(long)]
    pub partial: bool,
    /// Also write the relationship changes from the export in DIR (an earlier `--out` of the
    /// same engine) to this one: `changes.txt` (SpiceDB: `TOUCH`/`DELETE` lines) or
    /// `changes.yaml` (OpenFGA: `deletes`, then `writes`). Both exports' relationships are
    /// sorted on disk and compared in order, in bounded memory.
    #[arg(long, value_name = "DIR")]
    pub changes_since: Option<PathBuf>,
}

/// A policy left out, located.
#[derive(Debug, Serialize)]
struct Left {
    location: String,
    policy: String,
    reason: String,
}

/// What `authz export` prints.
#[derive(Debug, Serialize)]
struct ExportOutput {
    engine: Engine,
    dir: String,
    files: Vec<String>,
    tuples: u64,
    assertions: usize,
    /// With `--changes-since`: the relationships to write and to delete.
    #[serde(skip_serializing_if = "Option::is_none")]
    changes: Option<Changes>,
    untranslated: Vec<Left>,
}

/// The changes `--changes-since` found.
#[derive(Debug, Serialize)]
struct Changes {
    since: String,
    file: String,
    writes: u64,
    deletes: u64,
}

impl fmt::Display for ExportOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "wrote {} in {}: {} tuples, {} assertions",
            self.files.join(", "),
            self.dir,
            self.tuples,
            self.assertions
        )?;
        if let Some(c) = &self.changes {
            writeln!(
                f,
                "changes since {}: {} writes, {} deletes in {}",
                c.since, c.writes, c.deletes, c.file
            )?;
        }
        for l in &self.untranslated {
            writeln!(
                f,
                "left out: {}: policy `{}`: {}",
                l.location, l.policy, l.reason
            )?;
        }
        Ok(())
    }
}

/// A directory in `out` the export is written into, its files moved into `out` only once all
/// were written ([`Staging::publish`]), and removed when dropped: an export that fails midway
/// (a subject the policies cannot judge, a database error) leaves `out` as it was, never a
/// model beside another export's tuples.
struct Staging(PathBuf);

impl Staging {
    fn new(out: &Path) -> anyhow::Result<Staging> {
        let dir = out.join(format!(".export-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("failed to create `{}`", dir.display()))?;
        Ok(Staging(dir))
    }

    /// Moves each of `files` (names in the staging directory) into `out`, replacing what is
    /// there.
    fn publish<'a>(
        self,
        out: &Path,
        files: impl Iterator<Item = &'a String>,
    ) -> anyhow::Result<()> {
        for name in files {
            let (from, to) = (self.0.join(name), out.join(name));
            std::fs::rename(&from, &to).with_context(|| {
                format!("failed to move `{}` to `{}`", from.display(), to.display())
            })?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn create(dir: &Path, name: &str) -> anyhow::Result<BufWriter<File>> {
    let path = dir.join(name);
    let file =
        File::create(&path).with_context(|| format!("failed to create `{}`", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 16, file))
}

pub fn run(args: &ExportArgs, global: &GlobalArgs) -> anyhow::Result<Exit> {
    let opened = global.open_decider(true)?;
    let conn = opened.db();
    let source = args.policy.source()?;
    let origin = source.origin.display().to_string();
    let set = super::parse_checked(conn, &origin, &source.text)?;
    let mut model = export::translate(&set).map_err(|err| anyhow::anyhow!("{err}"))?;
    let index = crate::diag::LineIndex::new(&source.text);
    let left: Vec<Left> = model
        .untranslated
        .iter()
        .map(|u| {
            let (line, column) = index.line_col(u.at);
            Left {
                location: format!("{origin}:{line}:{column}"),
                policy: u.policy.clone(),
                reason: u.reason.clone(),
            }
        })
        .collect();
    if !left.is_empty() && !args.partial {
        anyhow::bail!(
            "{} cannot be translated (`--partial` exports the rest):\n{}",
            if left.len() == 1 {
                "1 policy".to_string()
            } else {
                format!("{} policies", left.len())
            },
            left.iter()
                .map(|l| format!("{}: policy `{}`: {}", l.location, l.policy, l.reason))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    model.notes = left
        .iter()
        .map(|l| {
            format!(
                "LEFT OUT (--partial): {}: policy `{}`: {}",
                l.location, l.policy, l.reason
            )
        })
        .collect();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("failed to create `{}`", args.out.display()))?;
    if let Some(since) = &args.changes_since
        && since.canonicalize().ok() == args.out.canonicalize().ok()
    {
        anyhow::bail!(
            "`--changes-since {}` must name an earlier export, not the `--out` directory",
            since.display()
        );
    }
    // Refused before the export is written, not after.
    let earlier = match &args.changes_since {
        Some(since) => Some((since, changes::earlier_file(args.to, since)?)),
        None => None,
    };
    let assertions = assertions(conn, &set);
    let staging = Staging::new(&args.out)?;
    let (files, tuples) = match args.to {
        Engine::Openfga => write_openfga(conn, &set, &model, &assertions, &staging.0)?,
        Engine::Spicedb => write_spicedb(conn, &set, &model, &assertions, &staging.0)?,
    };
    let changes = match earlier {
        None => None,
        Some((since, earlier)) => Some(changes::changes(args.to, since, &earlier, &staging.0)?),
    };
    staging.publish(
        &args.out,
        files.iter().chain(changes.as_ref().map(|c| &c.file)),
    )?;
    emit(
        &ExportOutput {
            engine: args.to,
            dir: args.out.display().to_string(),
            files,
            tuples,
            assertions: assertions.len(),
            changes,
            untranslated: left,
        },
        global.format,
    )?;
    Ok(Exit::Success)
}

/// The `[[test]]` cases an engine can check (no field, nothing assumed, user and resource in
/// this database), as assertions.
fn assertions(conn: Db<'_>, set: &PolicySet) -> Vec<Assertion> {
    let mut out = Vec::new();
    for case in &set.tests {
        if case.field.is_some() || !case.assume.is_empty() {
            continue;
        }
        let bridge = access::Bridge::new(conn, set);
        let Ok(subject) = bridge.resolve_subject(&case.user) else {
            continue;
        };
        let (ty, id) = export::subject_ref(&subject);
        let entities = SqlEntities::new(conn, set);
        let Ok((resource, _)) = authz::resolve_resource(set, &entities, &case.resource) else {
            continue;
        };
        out.push(Assertion {
            user: format!("{ty}:{id}"),
            permission: case.action.clone(),
            object: export::object_ref(&resource.ty, &resource.id),
            allowed: case.decision == Decision::Allow,
        });
    }
    out
}

/// Every tuple, in order: the static ones, then type by type each row's (as a resource, and as
/// a subject for the subject types), then the anonymous subject's. Returns how many.
fn each_tuple(
    conn: Db<'_>,
    set: &PolicySet,
    model: &Model,
    write: &mut dyn FnMut(&Tuple) -> anyhow::Result<()>,
) -> anyhow::Result<u64> {
    let mut count = 0u64;
    let mut buf = Vec::new();
    for t in model.static_tuples() {
        write(&t)?;
        count += 1;
    }
    let bridge = access::Bridge::new(conn, set);
    let entities = SqlEntities::new(conn, model.per_subject_bindings());
    // A subject a held policy cannot judge (its condition reads an attribute the subject lacks)
    // is an error to `authz check`: no tuple could say so to the engines. Which policies read
    // one is known per subject type, so a row looks only at those (usually none).
    let unjudgeable = |kind: &str| -> Vec<&Policy> {
        set.policies
            .iter()
            .filter(|p| {
                p.condition.as_ref().is_some_and(|c| {
                    authz::eval::absent_attribute(c, &|a| set.subject_type_has(kind, a)).is_some()
                })
            })
            .collect()
    };
    let subject_tuples =
        |subject: &Subject, unjudgeable: &[&Policy], buf: &mut Vec<Tuple>| -> anyhow::Result<()> {
            let roles: Vec<String> =
                authz::roles(model.per_subject_bindings(), &entities, subject)?
                    .into_iter()
                    .map(|g| g.role)
                    .collect();
            for policy in unjudgeable
                .iter()
                .filter(|p| p.roles.iter().any(|r| roles.contains(r)))
            {
                if let Some(message) = policy
                    .condition
                    .as_ref()
                    .and_then(|c| authz::eval::missing_attribute(subject, c))
                {
                    anyhow::bail!("policy `{}`: {message}", policy.id);
                }
            }
            model.subject_tuples(subject, &roles, buf);
            Ok(())
        };
    for ty in set.types.keys() {
        let is_subject = model.subject_kinds.iter().any(|k| k == ty);
        let unjudgeable = unjudgeable(ty);
        bridge.for_each_row(ty, &mut |row| {
            buf.clear();
            model.row_tuples(set, ty, &row, &mut buf);
            if is_subject {
                subject_tuples(&Subject::from_row(ty, row), &unjudgeable, &mut buf)?;
            }
            for t in &buf {
                write(t)?;
                count += 1;
            }
            Ok(())
        })?;
    }
    buf.clear();
    let anonymous = Subject::anonymous();
    subject_tuples(&anonymous, &unjudgeable(&anonymous.kind), &mut buf)?;
    for t in &buf {
        write(t)?;
        count += 1;
    }
    Ok(count)
}

fn write_openfga(
    conn: Db<'_>,
    set: &PolicySet,
    model: &Model,
    assertions: &[Assertion],
    dir: &Path,
) -> anyhow::Result<(Vec<String>, u64)> {
    let mut f = create(dir, "model.fga")?;
    f.write_all(openfga::model_dsl(model).as_bytes())?;
    f.flush()?;
    let mut f = create(dir, "model.json")?;
    serde_json::to_writer_pretty(&mut f, &openfga::model_json(model))?;
    writeln!(f)?;
    f.flush()?;
    let mut f = create(dir, "tuples.yaml")?;
    f.write_all(openfga::tuples_head(model).as_bytes())?;
    let count = each_tuple(conn, set, model, &mut |t| {
        f.write_all(openfga::tuple_yaml(t).as_bytes())?;
        Ok(())
    })?;
    if count == 0 {
        f.write_all(b"[]\n")?;
    }
    f.flush()?;
    let mut f = create(dir, "tests.fga.yaml")?;
    f.write_all(openfga::tests_yaml(model, "policies.toml [[test]] cases", assertions).as_bytes())?;
    f.flush()?;
    Ok((
        ["model.fga", "model.json", "tuples.yaml", "tests.fga.yaml"]
            .map(String::from)
            .to_vec(),
        count,
    ))
}

fn write_spicedb(
    conn: Db<'_>,
    set: &PolicySet,
    model: &Model,
    assertions: &[Assertion],
    dir: &Path,
) -> anyhow::Result<(Vec<String>, u64)> {
    let schema = spicedb::schema(model);
    let mut f = create(dir, "schema.zed")?;
    f.write_all(schema.as_bytes())?;
    f.flush()?;
    let mut f = create(dir, "validation.yaml")?;
    f.write_all(spicedb::validation_head(model, &schema).as_bytes())?;
    let count = each_tuple(conn, set, model, &mut |t| {
        writeln!(f, "  {}", spicedb::relationship(t))?;
        Ok(())
    })?;
    f.write_all(spicedb::validation_tail(assertions).as_bytes())?;
    f.flush()?;
    Ok((
        ["schema.zed", "validation.yaml"].map(String::from).to_vec(),
        count,
    ))
}
