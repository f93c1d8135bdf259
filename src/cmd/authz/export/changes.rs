//! `authz export --changes-since DIR`: the relationship writes and deletes that take an engine
//! loaded with an earlier export to this one, in bounded memory. Each export's relationship
//! file is read entry by entry and sorted by (relationship, entry) in runs of at most
//! [`RUN_BYTES`] spilled to disk and merged ([`FAN_IN`] runs at a time); the two sorted streams
//! are then compared one relationship at a time. Memory holds a run and a buffer per merged
//! run, whatever the size of the league.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fs::{self, File};
use std::io::{self, BufRead as _, BufReader, BufWriter, Read as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::{Changes, Engine, create};
use crate::export::HEADER;

/// The entries one sorted run holds (their bytes, plus the bookkeeping of each).
const RUN_BYTES: usize = 8 << 20;
/// The runs one merge reads at once (each through its own buffer).
const FAN_IN: usize = 64;
/// The buffer of each run read while merging.
const RUN_BUFFER: usize = 32 << 10;
/// What a held entry costs beyond its bytes (the `String` and the allocator's rounding).
const ENTRY_OVERHEAD: usize = 40;

/// The file of an export that holds its relationships.
fn tuple_file(engine: Engine) -> &'static str {
    match engine {
        Engine::Openfga => "tuples.yaml",
        Engine::Spicedb => "validation.yaml",
    }
}

/// The engine's name with its article.
fn engine_name(engine: Engine) -> &'static str {
    match engine {
        Engine::Openfga => "an OpenFGA",
        Engine::Spicedb => "a SpiceDB",
    }
}

/// A relationship without its condition: what one write replaces.
fn key(engine: Engine, entry: &str) -> &str {
    match engine {
        Engine::Spicedb => entry.split('[').next().unwrap_or(entry),
        Engine::Openfga => entry.split("  condition:").next().unwrap_or(entry),
    }
}

/// The writes and deletes that take an engine loaded with the export in `since` (whose
/// relationship file [`earlier_file`] found at `earlier`) to the one in `out`, written into `out`
/// (`changes.txt` or `changes.yaml`): the deletes, then the writes, each in the order of their
/// relationships.
pub(super) fn changes(
    engine: Engine,
    since: &Path,
    earlier: &Path,
    out: &Path,
) -> anyhow::Result<Changes> {
    let scratch = Scratch::new(out)?;
    let mut old = sort(engine, earlier, &scratch, "old", RUN_BYTES, FAN_IN)?;
    let mut new = sort(
        engine,
        &out.join(tuple_file(engine)),
        &scratch,
        "new",
        RUN_BYTES,
        FAN_IN,
    )?;

    let file = match engine {
        Engine::Openfga => "changes.yaml",
        Engine::Spicedb => "changes.txt",
    };
    let mut changes_file = create(out, file)?;
    match engine {
        Engine::Spicedb => writeln!(
            changes_file,
            "# Relationship changes since {}: apply as WriteRelationships updates (TOUCH replaces a caveat's context).",
            since.display()
        )?,
        Engine::Openfga => writeln!(
            changes_file,
            "# Tuple changes since {}: send the deletes, then the writes (a changed condition is a delete and a write).",
            since.display()
        )?,
    }
    // The writes wait on disk until every delete is written.
    let writes_path = scratch.path("writes");
    let mut writes_file = BufWriter::new(
        File::create(&writes_path)
            .with_context(|| format!("failed to create `{}`", writes_path.display()))?,
    );
    let (mut writes, mut deletes) = (0u64, 0u64);
    let (mut next_old, mut next_new) = (old.next()?, new.next()?);
    let (mut gone, mut came) = (Vec::new(), Vec::new());
    loop {
        // INVARIANT: both streams are sorted by key first, so one relationship's entries are
        // next to each other in each; a group holds the few that differ only in a condition.
        let k = match (&next_old, &next_new) {
            (None, None) => break,
            (Some(o), None) => key(engine, o).to_string(),
            (None, Some(n)) => key(engine, n).to_string(),
            (Some(o), Some(n)) => key(engine, o).min(key(engine, n)).to_string(),
        };
        gone.clear();
        came.clear();
        while let Some(o) = next_old.take_if(|o| key(engine, o) == k) {
            gone.push(o);
            next_old = old.next()?;
        }
        while let Some(n) = next_new.take_if(|n| key(engine, n) == k) {
            came.push(n);
            next_new = new.next()?;
        }
        // The same relationship written twice is one relationship; in a group, equal entries
        // are next to each other.
        gone.dedup();
        came.dedup();
        // Entries both exports hold stay; groups are a handful of entries at most.
        let mut dels: Vec<&String> = gone.iter().filter(|x| !came.contains(x)).collect();
        let puts: Vec<&String> = came.iter().filter(|y| !gone.contains(y)).collect();
        if engine == Engine::Spicedb && !puts.is_empty() {
            // A TOUCH of the same relationship replaces it: no DELETE for those.
            dels.clear();
        }
        for d in dels {
            if deletes == 0 && engine == Engine::Openfga {
                writeln!(changes_file, "deletes:")?;
            }
            deletes += 1;
            match engine {
                Engine::Spicedb => writeln!(changes_file, "DELETE {d}")?,
                Engine::Openfga => changes_file.write_all(d.as_bytes())?,
            }
        }
        for w in puts {
            writes += 1;
            match engine {
                Engine::Spicedb => writeln!(writes_file, "TOUCH {w}")?,
                Engine::Openfga => writes_file.write_all(w.as_bytes())?,
            }
        }
    }
    writes_file.flush()?;
    drop(writes_file);
    if engine == Engine::Openfga {
        if deletes == 0 {
            writeln!(changes_file, "deletes: []")?;
        }
        writeln!(
            changes_file,
            "writes:{}",
            if writes == 0 { " []" } else { "" }
        )?;
    }
    let mut w = File::open(&writes_path)
        .with_context(|| format!("failed to read `{}`", writes_path.display()))?;
    io::copy(&mut w, &mut changes_file)?;
    changes_file.flush()?;
    Ok(Changes {
        since: since.display().to_string(),
        file: file.to_string(),
        writes,
        deletes,
    })
}

/// The relationship file of the earlier export in `dir`, refused when `dir` holds the other
/// engine's export.
pub(super) fn earlier_file(engine: Engine, dir: &Path) -> anyhow::Result<PathBuf> {
    let path = dir.join(tuple_file(engine));
    let other = match engine {
        Engine::Openfga => Engine::Spicedb,
        Engine::Spicedb => Engine::Openfga,
    };
    let theirs = dir.join(tuple_file(other));
    if !path.is_file() && theirs.is_file() {
        anyhow::bail!(
            "`--changes-since {}` is {} export (`{}`), not {} one: name an earlier export of the same engine",
            dir.display(),
            engine_name(other),
            theirs.display(),
            engine_name(engine)
        );
    }
    if !path.is_file() {
        anyhow::bail!(
            "`--changes-since {}` holds no export: `{}` is missing",
            dir.display(),
            path.display()
        );
    }
    Ok(path)
}

/// Calls `each` with every relationship entry of the export file `path`, in file order:
/// SpiceDB's relationship lines (without their indent), OpenFGA's YAML entries (their lines,
/// each ending in `\n`). Anything else where entries are is an error with its `FILE:LINE`:
/// the file is not one `authz export` wrote, or was cut short.
fn read_entries(
    engine: Engine,
    path: &Path,
    each: &mut dyn FnMut(String) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let file = File::open(path).with_context(|| format!("failed to read `{}`", path.display()))?;
    let mut lines = BufReader::with_capacity(1 << 16, file).lines();
    let at = |n: usize| format!("{}:{n}", path.display());
    let not_ours = |n: usize, what: &str| {
        anyhow::anyhow!(
            "`{}`: {what} (not a relationship file of `authz export --to {}`)",
            at(n),
            match engine {
                Engine::Openfga => "openfga",
                Engine::Spicedb => "spicedb",
            }
        )
    };
    let mut numbered = lines.by_ref().zip(1usize..);
    let mut next = || -> anyhow::Result<Option<(String, usize)>> {
        numbered
            .next()
            .map(|(line, n)| {
                let line = line.with_context(|| format!("failed to read `{}`", path.display()))?;
                Ok((line, n))
            })
            .transpose()
    };
    let header = format!("# {}", HEADER[0]);
    if next()?.is_none_or(|(line, _)| line != header) {
        return Err(not_ours(1, "no export header"));
    }
    // The last line read.
    let mut n = 1usize;
    match engine {
        Engine::Spicedb => {
            let mut inside = false;
            loop {
                let Some((line, at)) = next()? else {
                    return Err(if inside {
                        not_ours(n, "ends inside the relationships (an export cut short?)")
                    } else {
                        not_ours(n, "no `relationships: |-` block")
                    });
                };
                n = at;
                if !inside {
                    inside = line == "relationships: |-";
                } else if let Some(rel) = line.strip_prefix("  ") {
                    if !is_relationship(rel) {
                        return Err(not_ours(n, &format!("`{rel}` is not a relationship")));
                    }
                    each(rel.to_string())?;
                } else if line.starts_with("assertions:") {
                    return Ok(());
                } else {
                    return Err(not_ours(
                        n,
                        "a line that is neither a relationship nor `assertions:`",
                    ));
                }
            }
        }
        Engine::Openfga => {
            // The entry being read, and the line it starts on.
            let mut entry: Option<(String, usize)> = None;
            let mut empty = false;
            let mut finish = |entry: Option<(String, usize)>| -> anyhow::Result<()> {
                let Some((text, start)) = entry else {
                    return Ok(());
                };
                let mut l = text.lines().skip(1);
                if !(l.next().is_some_and(|x| x.starts_with("  relation: "))
                    && l.next().is_some_and(|x| x.starts_with("  object: ")))
                {
                    return Err(not_ours(
                        start,
                        "an entry without its `relation` and `object`",
                    ));
                }
                each(text)
            };
            while let Some((line, at)) = next()? {
                n = at;
                if line.starts_with('#') {
                    continue;
                }
                if line == "[]" && entry.is_none() && !empty {
                    empty = true;
                } else if line.starts_with("- user: ") && !empty {
                    finish(entry.take())?;
                    entry = Some((format!("{line}\n"), n));
                } else if let (Some((text, _)), true) = (&mut entry, line.starts_with("  ")) {
                    text.push_str(&line);
                    text.push('\n');
                } else {
                    return Err(not_ours(n, "a line that is not part of a tuple entry"));
                }
            }
            finish(entry)
        }
    }
}

/// `TYPE:ID#RELATION@TYPE:ID`, with an optional `[CAVEAT…]`.
fn is_relationship(rel: &str) -> bool {
    let core = match rel.find('[') {
        Some(i) if rel.ends_with(']') => &rel[..i],
        Some(_) => return false,
        None => rel,
    };
    let reference = |r: &str| {
        r.split_once(':')
            .is_some_and(|(t, id)| !t.is_empty() && !id.is_empty())
    };
    core.split_once('#').is_some_and(|(object, rest)| {
        reference(object)
            && rest
                .split_once('@')
                .is_some_and(|(relation, subject)| !relation.is_empty() && reference(subject))
    })
}

/// A directory in `out` for the sorted runs, removed when dropped (also on an error).
struct Scratch(PathBuf);

impl Scratch {
    fn new(out: &Path) -> anyhow::Result<Scratch> {
        let dir = out.join(format!(".changes-since-{}", std::process::id()));
        fs::create_dir_all(&dir)
            .with_context(|| format!("failed to create `{}`", dir.display()))?;
        Ok(Scratch(dir))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// An entry with the length of its key: ordered by key, then by the whole entry, so that one
/// relationship's entries are next to each other.
#[derive(Debug, PartialEq, Eq)]
struct Keyed {
    entry: String,
    key_len: usize,
}

impl Keyed {
    fn new(engine: Engine, entry: String) -> Keyed {
        let key_len = key(engine, &entry).len();
        Keyed { entry, key_len }
    }
}

impl Ord for Keyed {
    fn cmp(&self, other: &Self) -> Ordering {
        self.entry[..self.key_len]
            .cmp(&other.entry[..other.key_len])
            .then_with(|| self.entry.cmp(&other.entry))
    }
}

impl PartialOrd for Keyed {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A run on disk: each entry as its length (4 bytes, little-endian) and its bytes.
struct Run {
    reader: BufReader<File>,
    path: PathBuf,
}

impl Run {
    fn open(path: PathBuf) -> anyhow::Result<Run> {
        let file =
            File::open(&path).with_context(|| format!("failed to read `{}`", path.display()))?;
        Ok(Run {
            reader: BufReader::with_capacity(RUN_BUFFER, file),
            path,
        })
    }

    fn next(&mut self) -> anyhow::Result<Option<String>> {
        let mut len = [0u8; 4];
        match self.reader.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => {
                return Err(e).with_context(|| format!("failed to read `{}`", self.path.display()));
            }
        }
        let mut bytes = vec![0u8; u32::from_le_bytes(len) as usize];
        self.reader
            .read_exact(&mut bytes)
            .with_context(|| format!("failed to read `{}`", self.path.display()))?;
        Ok(Some(String::from_utf8(bytes).with_context(|| {
            format!("`{}` is not UTF-8", self.path.display())
        })?))
    }
}

/// Writes a run: each entry as its length (4 bytes, little-endian) and its bytes.
struct RunWriter {
    writer: BufWriter<File>,
    path: PathBuf,
}

impl RunWriter {
    fn create(path: PathBuf) -> anyhow::Result<RunWriter> {
        let file = File::create(&path)
            .with_context(|| format!("failed to create `{}`", path.display()))?;
        Ok(RunWriter {
            writer: BufWriter::with_capacity(1 << 16, file),
            path,
        })
    }

    fn push(&mut self, entry: &str) -> anyhow::Result<()> {
        let len = u32::try_from(entry.len()).context("a relationship entry over 4 GB")?;
        self.writer
            .write_all(&len.to_le_bytes())
            .and_then(|()| self.writer.write_all(entry.as_bytes()))
            .with_context(|| format!("failed to write `{}`", self.path.display()))
    }

    fn finish(mut self) -> anyhow::Result<PathBuf> {
        self.writer
            .flush()
            .with_context(|| format!("failed to write `{}`", self.path.display()))?;
        Ok(self.path)
    }
}

/// Runs merged into one sorted stream.
struct Merge {
    engine: Engine,
    runs: Vec<Run>,
    /// The smallest unread entry of each run, as `(entry, run)`, smallest on top.
    heap: BinaryHeap<std::cmp::Reverse<(Keyed, usize)>>,
}

impl Merge {
    fn new(engine: Engine, paths: Vec<PathBuf>) -> anyhow::Result<Merge> {
        let mut runs = paths
            .into_iter()
            .map(Run::open)
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut heap = BinaryHeap::with_capacity(runs.len());
        for (i, run) in runs.iter_mut().enumerate() {
            if let Some(e) = run.next()? {
                heap.push(std::cmp::Reverse((Keyed::new(engine, e), i)));
            }
        }
        Ok(Merge { engine, runs, heap })
    }

    fn next(&mut self) -> anyhow::Result<Option<String>> {
        let Some(std::cmp::Reverse((top, i))) = self.heap.pop() else {
            return Ok(None);
        };
        if let Some(e) = self.runs[i].next()? {
            self.heap
                .push(std::cmp::Reverse((Keyed::new(self.engine, e), i)));
        }
        Ok(Some(top.entry))
    }
}

/// An export's entries in order (an entry written twice comes twice, next to itself).
enum Sorted {
    Memory(std::vec::IntoIter<Keyed>),
    Disk(Merge),
}

impl Sorted {
    fn next(&mut self) -> anyhow::Result<Option<String>> {
        match self {
            Sorted::Memory(it) => Ok(it.next().map(|k| k.entry)),
            Sorted::Disk(merge) => merge.next(),
        }
    }
}

/// The entries of the export file `path`, sorted with at most `budget` bytes of them in
/// memory: runs of that size sorted and written into `scratch` (named after `tag`), merged
/// `fan_in` at a time until one merge remains.
fn sort(
    engine: Engine,
    path: &Path,
    scratch: &Scratch,
    tag: &str,
    budget: usize,
    fan_in: usize,
) -> anyhow::Result<Sorted> {
    let mut buf: Vec<Keyed> = Vec::new();
    let mut held = 0usize;
    let mut runs: Vec<PathBuf> = Vec::new();
    let mut made = 0usize;
    let mut spill = |buf: &mut Vec<Keyed>, runs: &mut Vec<PathBuf>| -> anyhow::Result<()> {
        buf.sort_unstable();
        let mut run = RunWriter::create(scratch.path(&format!("{tag}-{made}")))?;
        made += 1;
        for k in buf.drain(..) {
            run.push(&k.entry)?;
        }
        runs.push(run.finish()?);
        Ok(())
    };
    read_entries(engine, path, &mut |entry| {
        held += entry.len() + ENTRY_OVERHEAD;
        buf.push(Keyed::new(engine, entry));
        if held >= budget {
            spill(&mut buf, &mut runs)?;
            held = 0;
        }
        Ok(())
    })?;
    if runs.is_empty() {
        buf.sort_unstable();
        return Ok(Sorted::Memory(buf.into_iter()));
    }
    if !buf.is_empty() {
        spill(&mut buf, &mut runs)?;
    }
    drop(buf);
    while runs.len() > fan_in {
        let mut merged = Vec::new();
        for group in runs.chunks(fan_in) {
            let mut merge = Merge::new(engine, group.to_vec())?;
            let mut run = RunWriter::create(scratch.path(&format!("{tag}-{made}")))?;
            made += 1;
            while let Some(e) = merge.next()? {
                run.push(&e)?;
            }
            merged.push(run.finish()?);
            for done in group {
                let _ = fs::remove_file(done);
            }
        }
        runs = merged;
    }
    Ok(Sorted::Disk(Merge::new(engine, runs)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spicedb_file(dir: &Path, rels: &[&str]) -> PathBuf {
        let mut text = format!(
            "# {}\nschema: |-\n  definition player {{}}\n\nrelationships: |-\n",
            HEADER[0]
        );
        for r in rels {
            text.push_str("  ");
            text.push_str(r);
            text.push('\n');
        }
        text.push_str("assertions:\n  assertTrue: []\n");
        let path = dir.join("validation.yaml");
        fs::write(&path, text).expect("write");
        path
    }

    fn drain(mut sorted: Sorted) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(e) = sorted.next().expect("next") {
            out.push(e);
        }
        out
    }

    /// Runs of one entry each, merged two at a time: several merge passes, the same order and
    /// the same entries as sorting in memory.
    #[test]
    fn sorted_runs_on_disk_merge_into_the_order_of_an_in_memory_sort() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut rels: Vec<String> = (0..37)
            .map(|i| format!("team:{}#member@player:{}", (i * 7) % 11, (i * 13) % 37))
            .collect();
        // A caveat sorts after its relationship without one, before `player:30`.
        rels.push(r#"league:main#veterans@player:3[cond:{"value":4}]"#.to_string());
        rels.push("league:main#veterans@player:30".to_string());
        rels.push("league:main#veterans@player:3".to_string());
        rels.push("team:1#member@player:1".to_string()); // twice, next to each other
        rels.push("team:1#member@player:1".to_string());
        let lines: Vec<&str> = rels.iter().map(String::as_str).collect();
        let path = spicedb_file(dir.path(), &lines);
        let scratch = Scratch::new(dir.path()).expect("scratch");
        let on_disk = drain(sort(Engine::Spicedb, &path, &scratch, "t", 1, 2).expect("sort"));
        let in_memory =
            drain(sort(Engine::Spicedb, &path, &scratch, "m", usize::MAX, 2).expect("sort"));
        assert_eq!(on_disk, in_memory);
        let mut want: Vec<Keyed> = rels
            .iter()
            .map(|r| Keyed::new(Engine::Spicedb, r.clone()))
            .collect();
        want.sort();
        let want: Vec<String> = want.into_iter().map(|k| k.entry).collect();
        assert_eq!(on_disk, want);
        let at = |e: &str| on_disk.iter().position(|x| x == e).expect("present");
        assert_eq!(
            at(r#"league:main#veterans@player:3[cond:{"value":4}]"#),
            at("league:main#veterans@player:3") + 1,
            "one relationship's entries are next to each other"
        );
        assert!(at("league:main#veterans@player:30") > at("league:main#veterans@player:3") + 1);
        drop(scratch);
        assert_eq!(
            fs::read_dir(dir.path()).expect("dir").count(),
            1,
            "the runs are removed with the scratch directory"
        );
    }

    #[test]
    fn a_file_authz_export_did_not_write_is_refused_with_its_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = spicedb_file(
            dir.path(),
            &["team:1#member@player:1", "team:1 member player:2"],
        );
        let err = read_entries(Engine::Spicedb, &path, &mut |_| Ok(())).expect_err("refused");
        assert_eq!(
            err.to_string(),
            format!(
                "`{}:7`: `team:1 member player:2` is not a relationship (not a relationship file of `authz export --to spicedb`)",
                path.display()
            )
        );
        let path = spicedb_file(dir.path(), &["team:1#member@player:1"]);
        let text = fs::read_to_string(&path).expect("read");
        let cut = text.split("assertions:").next().expect("head");
        fs::write(&path, cut).expect("write");
        let err = read_entries(Engine::Spicedb, &path, &mut |_| Ok(())).expect_err("refused");
        assert!(err.to_string().contains("cut short"), "{err}");
        let fga = dir.path().join("tuples.yaml");
        fs::write(
            &fga,
            format!(
                "# {}\n- user: \"player:1\"\n  object: \"team:1\"\n",
                HEADER[0]
            ),
        )
        .expect("write");
        let err = read_entries(Engine::Openfga, &fga, &mut |_| Ok(())).expect_err("refused");
        assert!(
            err.to_string()
                .starts_with(&format!("`{}:2`: ", fga.display())),
            "{err}"
        );
        fs::write(&fga, "- user: \"player:1\"\n").expect("write");
        let err = read_entries(Engine::Openfga, &fga, &mut |_| Ok(())).expect_err("refused");
        assert!(err.to_string().contains("no export header"), "{err}");
    }
}
