//! The decision log of `serve --decision-log`: one JSON line per request saying who asked, what,
//! and what was withheld by which policies; and its reading by `quidditch authz log`.
//!
//! A line is made of what the request's viewer noted while it ran ([`Record`]) and of the
//! policies behind the viewer's filters and field rules ([`Audit`]), both from the access plans
//! `enforce` compiles the viewer from: nothing is decided a second time here. A line never holds
//! a credential: no token, no admin secret, no header value; the subject is the row the
//! credentials resolved to.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::db::store::Table;
use crate::graphql::{Audit, Deciders, Principal, Record, Viewer};

/// One line of the log. The README documents this schema; `authz log` reads it back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// When the request was answered, RFC 3339 UTC with milliseconds.
    pub time: String,
    /// The subject (`player:1 (Harry Potter)`, `anonymous`, `admin`); `null` when the
    /// credentials were refused.
    pub subject: Option<String>,
    /// The subject's roles.
    #[serde(default)]
    pub roles: Vec<String>,
    /// The request's `operationName`.
    pub operation: Option<String>,
    /// SHA-256 of the document text, hex; `null` when there was no document to read.
    pub document: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
    /// Why the request was refused before running (`UNAUTHENTICATED`, `REQUEST_TIMEOUT`, …).
    pub refused: Option<String>,
    /// Single rows answered `null` with `FORBIDDEN`, with the policies behind the type's filter.
    #[serde(default)]
    pub rows_withheld: Vec<Withheld>,
    /// Fields withheld, with the row and the policies behind the field's rule.
    #[serde(default)]
    pub fields_withheld: Vec<Withheld>,
    /// Types whose lists were read through a row filter, with the policies behind it.
    #[serde(default)]
    pub lists_filtered: Vec<Withheld>,
    /// Query limits that refused the request.
    #[serde(default)]
    pub limits: Vec<LimitRejection>,
    /// Time from the request's arrival to its answer, in milliseconds.
    pub latency_ms: f64,
}

/// A withheld row, field or filtered list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withheld {
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(flatten)]
    pub deciders: Deciders,
}

/// A query limit's refusal: its code and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitRejection {
    pub code: String,
    pub message: String,
}

impl Line {
    /// Whether anything was withheld or refused.
    pub fn denied(&self) -> bool {
        self.refused.is_some()
            || !self.rows_withheld.is_empty()
            || !self.fields_withheld.is_empty()
            || !self.limits.is_empty()
    }
}

/// The policy type of a table.
fn type_of(table: Table) -> &'static str {
    match table {
        Table::Teams => "team",
        Table::Players => "player",
        Table::Games => "game",
    }
}

/// The line of a request that ran as `viewer`: what `record` noted, `codes` the answer's error
/// codes and messages (the limits among them are kept).
pub fn line(
    viewer: &Viewer,
    record: &Record,
    status: u16,
    codes: &[(String, String)],
    latency: Duration,
) -> Line {
    let audit: &Audit = &viewer.audit;
    let deciders = |table: Table| audit.rows.get(&table).cloned().unwrap_or_default();
    let mut lists = record.lists.clone();
    lists.sort_by_key(|t| type_of(*t));
    lists.dedup();
    Line {
        time: rfc3339(SystemTime::now()),
        subject: Some(match &viewer.principal {
            Principal::Admin => "admin".to_string(),
            Principal::Subject { id } => id.clone(),
        }),
        roles: audit.roles.clone(),
        operation: record.operation.clone(),
        document: record.document.clone(),
        status,
        refused: None,
        rows_withheld: record
            .rows
            .iter()
            .map(|table| Withheld {
                ty: type_of(*table).to_string(),
                field: None,
                id: None,
                deciders: deciders(*table),
            })
            .collect(),
        fields_withheld: record
            .fields
            .iter()
            .map(|(table, column, id)| Withheld {
                ty: type_of(*table).to_string(),
                field: Some(column.clone()),
                id: Some(*id),
                deciders: audit
                    .fields
                    .get(&(*table, column.clone()))
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect(),
        lists_filtered: lists
            .into_iter()
            .map(|table| Withheld {
                ty: type_of(table).to_string(),
                field: None,
                id: None,
                deciders: deciders(table),
            })
            .collect(),
        limits: codes
            .iter()
            .filter(|(code, _)| crate::limits::LIMIT_CODES.contains(&code.as_str()))
            .map(|(code, message)| LimitRejection {
                code: code.clone(),
                message: message.clone(),
            })
            .collect(),
        latency_ms: latency.as_secs_f64() * 1000.0,
    }
}

/// The line of a request refused before it ran (`code`: `UNAUTHENTICATED`, …), as `viewer`
/// when it had one.
pub fn refused(viewer: Option<&Viewer>, status: u16, code: &str, latency: Duration) -> Line {
    let mut line = match viewer {
        Some(viewer) => line(viewer, &Record::default(), status, &[], latency),
        None => line(&Viewer::default(), &Record::default(), status, &[], latency),
    };
    if viewer.is_none() {
        line.subject = None;
    }
    line.refused = Some(code.to_string());
    line
}

/// `2026-12-02T15:04:05.123Z`.
pub fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Digit by digit: `format!` with padding costs as much as the rest of the line.
    let rem = i64::try_from(rem).unwrap_or(0);
    let mut text = String::with_capacity(24);
    for (n, width, then) in [
        (year, 4, '-'),
        (month, 2, '-'),
        (day, 2, 'T'),
        (rem / 3600, 2, ':'),
        (rem % 3600 / 60, 2, ':'),
        (rem % 60, 2, '.'),
        (i64::from(since.subsec_millis()), 3, 'Z'),
    ] {
        for place in (0..width).rev() {
            let digit = n.div_euclid(10_i64.pow(place)).rem_euclid(10);
            text.push(char::from(b'0' + u8::try_from(digit).unwrap_or(0)));
        }
        text.push(then);
    }
    text
}

/// Where lines go: stderr, or a file rotated by size.
enum Target {
    Stderr,
    File {
        path: PathBuf,
        file: File,
        /// Bytes in the file, counting the buffered ones.
        size: u64,
    },
}

/// The target and the lines not yet written to it.
struct Sink {
    target: Target,
    buffer: Vec<u8>,
}

/// Buffered lines are written once they reach this many bytes, whatever the flush interval.
const BUFFER: usize = 64 * 1024;

impl Sink {
    /// Writes the buffered lines with one `write` call. A failure is logged as a warning and
    /// the lines are dropped: the requests were answered.
    fn flush(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        let written = match &mut self.target {
            Target::Stderr => std::io::stderr().lock().write_all(&self.buffer),
            Target::File { file, .. } => file.write_all(&self.buffer),
        };
        if let Err(err) = written {
            tracing::warn!("decision log lines could not be written: {err}");
        }
        self.buffer.clear();
    }
}

/// The decision log: lines appended whole, one writer at a time.
///
/// Lines are buffered and written together: every `flush` interval (by a thread of the log's
/// own), when the buffer holds [`BUFFER`] bytes, before the file rotates, and when the log is
/// dropped (the server's shutdown). A process killed outright loses the lines of its last
/// interval. A zero interval writes each line at once, with one `write` call per request.
pub struct DecisionLog {
    sink: Arc<Mutex<Sink>>,
    /// Past this many bytes the file is rotated.
    max_bytes: u64,
    /// Rotated files kept: `PATH.1` (the newest) to `PATH.KEEP`.
    keep: usize,
    /// Zero: no buffering.
    flush: Duration,
}

/// Why the log cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open the decision log `{path}`")]
    Open {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the decision log's flushing thread")]
    Thread(#[source] std::io::Error),
}

impl DecisionLog {
    /// Opens `path` for appending (`-`: stderr), its lines written every `flush` (zero: at
    /// once).
    pub fn open(
        path: &Path,
        max_bytes: u64,
        keep: usize,
        flush: Duration,
    ) -> Result<Self, OpenError> {
        let target = if path == Path::new("-") {
            Target::Stderr
        } else {
            let file = append(path).map_err(|source| OpenError::Open {
                path: path.display().to_string(),
                source,
            })?;
            let size = file.metadata().map_or(0, |m| m.len());
            Target::File {
                path: path.to_path_buf(),
                file,
                size,
            }
        };
        let sink = Arc::new(Mutex::new(Sink {
            target,
            buffer: Vec::new(),
        }));
        if !flush.is_zero() {
            // The thread holds the sink weakly: it ends at its first tick after the log is
            // dropped (which flushes).
            let weak = Arc::downgrade(&sink);
            std::thread::Builder::new()
                .name("decision-log".to_string())
                .spawn(move || {
                    loop {
                        std::thread::sleep(flush);
                        let Some(sink) = weak.upgrade() else { break };
                        sink.lock().unwrap_or_else(PoisonError::into_inner).flush();
                    }
                })
                .map_err(OpenError::Thread)?;
        }
        Ok(DecisionLog {
            sink,
            max_bytes,
            keep,
            flush,
        })
    }

    /// Appends `line`. A write that fails is logged as a warning: the request was answered.
    pub fn write(&self, line: &Line) {
        let mut sink = self.sink.lock().unwrap_or_else(PoisonError::into_inner);
        let before = sink.buffer.len();
        if let Err(err) = serde_json::to_writer(&mut sink.buffer, line) {
            sink.buffer.truncate(before);
            tracing::warn!("a decision log line could not be written: {err}");
            return;
        }
        sink.buffer.push(b'\n');
        let added = (sink.buffer.len() - before) as u64;
        let full = match &mut sink.target {
            Target::Stderr => false,
            Target::File { size, .. } => {
                *size = size.saturating_add(added);
                *size >= self.max_bytes
            }
        };
        if full || self.flush.is_zero() || sink.buffer.len() >= BUFFER {
            sink.flush();
        }
        if !full {
            return;
        }
        if let Target::File { path, file, size } = &mut sink.target {
            match rotate(path, self.keep) {
                Ok(fresh) => {
                    *file = fresh;
                    *size = 0;
                }
                Err(err) => tracing::warn!(
                    "the decision log `{}` could not be rotated: {err}",
                    path.display()
                ),
            }
        }
    }

    /// Writes the buffered lines now.
    pub fn flush(&self) {
        self.sink
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .flush();
    }
}

impl Drop for DecisionLog {
    fn drop(&mut self) {
        self.flush();
    }
}

fn append(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// `PATH.i` → `PATH.i+1` (the oldest, `PATH.keep`, dropped), `PATH` → `PATH.1`; a new `PATH`.
fn rotate(path: &Path, keep: usize) -> std::io::Result<File> {
    let numbered = |i: usize| {
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".{i}"));
        PathBuf::from(name)
    };
    if keep == 0 {
        std::fs::remove_file(path)?;
        return append(path);
    }
    match std::fs::remove_file(numbered(keep)) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(err),
        _ => {}
    }
    for i in (1..keep).rev() {
        match std::fs::rename(numbered(i), numbered(i + 1)) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(err),
            _ => {}
        }
    }
    std::fs::rename(path, numbered(1))?;
    append(path)
}

/// Parses a size such as `100MB`, `64KB`, `1GB` or a number of bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size: write e.g. `100MB`, `64KB` or `4096`"))?;
    let factor: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "KB" | "K" => 1 << 10,
        "MB" | "M" => 1 << 20,
        "GB" | "G" => 1 << 30,
        other => {
            return Err(format!(
                "`{text}` has an unknown unit `{other}`: use B, KB, MB or GB"
            ));
        }
    };
    match n.checked_mul(factor) {
        Some(0) => Err(format!("`{text}` is zero: the log needs room for a line")),
        Some(bytes) => Ok(bytes),
        None => Err(format!("`{text}` is too large")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc() {
        let at = UNIX_EPOCH + Duration::from_millis(1_764_687_845_123);
        assert_eq!(rfc3339(at), "2025-12-02T15:04:05.123Z");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00.000Z"
        );
    }

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("100MB"), Ok(100 << 20));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("2kb"), Ok(2048));
        assert!(parse_size("0").is_err());
        assert!(parse_size("1TB").is_err());
        assert!(parse_size("MB").is_err());
    }

    #[test]
    fn the_file_rotates_past_its_size_keeping_n_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.jsonl");
        let log = DecisionLog::open(&path, 600, 2, Duration::from_secs(3600)).unwrap();
        let line = refused(None, 401, "UNAUTHENTICATED", Duration::from_millis(1));
        for _ in 0..40 {
            log.write(&line);
        }
        drop(log);
        let exists = |name: &str| dir.path().join(name).exists();
        assert!(exists("decisions.jsonl"));
        assert!(exists("decisions.jsonl.1"));
        assert!(exists("decisions.jsonl.2"));
        assert!(!exists("decisions.jsonl.3"));
        for name in ["decisions.jsonl", "decisions.jsonl.1", "decisions.jsonl.2"] {
            let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
            assert!(text.len() < 600 + 300, "{name}: {} bytes", text.len());
            for l in text.lines() {
                let back: Line = serde_json::from_str(l).unwrap();
                assert_eq!(back, line);
            }
        }
    }

    #[test]
    fn lines_are_buffered_until_a_flush_and_written_at_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.jsonl");
        let count = || std::fs::read_to_string(&path).unwrap().lines().count();
        let line = refused(None, 401, "UNAUTHENTICATED", Duration::from_millis(1));
        let log = DecisionLog::open(&path, 1 << 20, 2, Duration::from_secs(3600)).unwrap();
        log.write(&line);
        assert_eq!(count(), 0, "buffered");
        log.flush();
        assert_eq!(count(), 1);
        log.write(&line);
        drop(log);
        assert_eq!(count(), 2, "the drop writes what is buffered");
    }

    #[test]
    fn the_flushing_thread_writes_lines_within_its_interval() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.jsonl");
        let line = refused(None, 401, "UNAUTHENTICATED", Duration::from_millis(1));
        let log = DecisionLog::open(&path, 1 << 20, 2, Duration::from_millis(20)).unwrap();
        log.write(&line);
        let started = std::time::Instant::now();
        while std::fs::read_to_string(&path).unwrap().is_empty() {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the line was never flushed"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(serde_json::from_str::<Line>(text.trim()).unwrap(), line);
    }

    #[test]
    fn a_zero_interval_writes_each_line_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.jsonl");
        let line = refused(None, 401, "UNAUTHENTICATED", Duration::from_millis(1));
        let log = DecisionLog::open(&path, 1 << 20, 2, Duration::ZERO).unwrap();
        log.write(&line);
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 1);
    }
}
