//! Diagnostics for input files: byte offsets turned into `LINE:COL`, the position of the first
//! byte that is not UTF-8, and the did-you-mean of an unknown name ([`closest`], [`Suggestion`]);
//! and an error with its causes on one line ([`causes`]), for a log or a message.
//!
//! A leaf utility: it imports nothing from the crate, so `db` (seed files) and `authz` (policy
//! files) may both use it and stay independent of each other and of everything else.

use std::cell::Cell;
use std::fmt;

/// An error and its causes, on one line, each after `: ` (as `quidditch: error:` prints a
/// command's): for a message or a log line that would otherwise show the outermost error only.
pub fn causes(err: &dyn std::error::Error) -> String {
    let mut line = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        line.push_str(": ");
        line.push_str(&inner.to_string());
        cause = inner.source();
    }
    line
}

/// A text's line starts, computed once, so that locating each of many problems costs a binary
/// search instead of a scan from the start of the text (20,000 problems took 15 s that way).
#[derive(Debug)]
pub struct LineIndex<'a> {
    source: &'a str,
    /// Byte offset of each line's first byte; the first line starts at 0.
    starts: Vec<usize>,
    /// The last position located, as (offset, column): a next one later on the same line counts
    /// its column from there, so problems in file order on one long line stay linear too.
    last: Cell<(usize, usize)>,
}

impl<'a> LineIndex<'a> {
    pub fn new(source: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(
                source
                    .bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        LineIndex {
            source,
            starts,
            last: Cell::new((0, 1)),
        }
    }

    /// 1-based line and column (in characters) of byte offset `at`. An offset past the end is
    /// the end; one inside a character is that character.
    pub fn line_col(&self, at: usize) -> (usize, usize) {
        let mut at = at.min(self.source.len());
        while !self.source.is_char_boundary(at) {
            at -= 1;
        }
        // The number of line starts at or before `at`: the 1-based line.
        let line = self.starts.partition_point(|&start| start <= at);
        let line_start = self
            .starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        let (last_at, last_col) = self.last.get();
        let (from, col) = if line_start <= last_at && last_at <= at {
            (last_at, last_col)
        } else {
            (line_start, 1)
        };
        let col = col + self.source.get(from..at).map_or(0, |s| s.chars().count());
        self.last.set((at, col));
        (line, col)
    }
}

/// 1-based line and column (in characters) of byte offset `at` in `source`, for a single
/// position (several: build a [`LineIndex`] once).
pub fn line_col(source: &str, at: usize) -> (usize, usize) {
    LineIndex::new(source).line_col(at)
}

/// Where a file stops being UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: invalid UTF-8 (byte 0x{byte:02x}): the file must be UTF-8 text")]
pub struct NotUtf8 {
    pub line: usize,
    pub column: usize,
    pub byte: u8,
}

/// `bytes` as text, or the line and column of its first byte that is not UTF-8.
pub fn utf8(bytes: &[u8]) -> Result<&str, NotUtf8> {
    std::str::from_utf8(bytes).map_err(|err| {
        let at = err.valid_up_to();
        let valid = bytes
            .get(..at)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or_default();
        let (line, column) = line_col(valid, at);
        NotUtf8 {
            line,
            column,
            byte: bytes.get(at).copied().unwrap_or_default(),
        }
    })
}

/// At most this many valid values are listed when no known word is close to the input.
const LISTED: usize = 16;

/// What an error about an unknown name adds: the likely typo's correction, or, when nothing is
/// close, the valid values (a short list only), or nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Suggestion {
    #[default]
    None,
    Closest(String),
    OneOf(Vec<String>),
}

impl Suggestion {
    /// The closest known word, else the known words (sorted) when there are few of them.
    pub fn for_word<'a, I>(word: &str, known: I) -> Self
    where
        I: IntoIterator<Item = &'a str>,
    {
        let known: Vec<&str> = known.into_iter().collect();
        if let Some(close) = closest(word, known.iter().copied()) {
            return Self::Closest(close);
        }
        if known.is_empty() || known.len() > LISTED {
            return Self::None;
        }
        let mut all: Vec<String> = known.into_iter().map(str::to_string).collect();
        all.sort();
        all.dedup();
        Self::OneOf(all)
    }
}

impl fmt::Display for Suggestion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => Ok(()),
            Self::Closest(s) => write!(f, ": did you mean `{s}`?"),
            Self::OneOf(all) => {
                f.write_str(": expected ")?;
                if let [one] = all.as_slice() {
                    return write!(f, "`{one}`");
                }
                f.write_str("one of ")?;
                for (i, s) in all.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "`{s}`")?;
                }
                Ok(())
            }
        }
    }
}

/// The closest known word to `word`, when it is close enough to be a likely typo.
pub fn closest<'a, I>(word: &str, known: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    known
        .into_iter()
        .map(|k| (distance(word, k), k))
        .filter(|(d, k)| *d <= (k.chars().count() / 3).max(1) && *d < word.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.to_string())
}

/// Edit distance over characters, case-insensitive, counting a swap of two neighbours as one
/// edit (optimal string alignment: `raed` is one edit from `read`). strsim is not a dependency
/// of the engine.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        d[i * width] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j - 1] + cost)
                .min(d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
        assert_eq!(line_col("", 0), (1, 1));
        assert_eq!(line_col("a\nbc", 3), (2, 2));
        assert_eq!(line_col("a\n", 2), (2, 1));
        assert_eq!(line_col("ab", 99), (1, 3));
        // Inside `é`: the character itself.
        assert_eq!(line_col("é", 1), (1, 1));
    }

    #[test]
    fn an_index_agrees_with_a_scan_in_any_order() {
        let source = "ab\ncé d\n\nxyz é\n";
        let scan = |at: usize| {
            let before = &source[..at];
            let line = before.matches('\n').count() + 1;
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            (line, before[start..].chars().count() + 1)
        };
        let index = LineIndex::new(source);
        let offsets: Vec<usize> = (0..=source.len())
            .filter(|&i| source.is_char_boundary(i))
            .collect();
        for &at in offsets.iter().chain(offsets.iter().rev()) {
            assert_eq!(index.line_col(at), scan(at), "at {at}");
        }
    }

    #[test]
    fn the_first_bad_byte_is_located() {
        assert_eq!(utf8(b"ok"), Ok("ok"));
        assert_eq!(
            utf8(b"a = 1\nb = \"\xc3\xa9\xff\"\n\xfe"),
            Err(NotUtf8 {
                line: 2,
                column: 7,
                byte: 0xff
            })
        );
        assert_eq!(
            utf8(b"\xff"),
            Err(NotUtf8 {
                line: 1,
                column: 1,
                byte: 0xff
            })
        );
    }

    #[test]
    fn closest_suggests_typos_only() {
        assert_eq!(
            closest("palyer", ["player", "team"]).as_deref(),
            Some("player")
        );
        assert_eq!(closest("xyz", ["player", "team"]), None);
        assert_eq!(closest("raed", ["read", "join"]).as_deref(), Some("read"));
    }

    #[test]
    fn suggestion_lists_the_valid_values_when_nothing_is_close() {
        let s = Suggestion::for_word("zzz", ["read", "join"]);
        assert_eq!(s.to_string(), ": expected one of `join`, `read`");
        assert_eq!(
            Suggestion::for_word("raed", ["read", "join"]).to_string(),
            ": did you mean `read`?"
        );
        assert_eq!(
            Suggestion::for_word("x", ["read"]).to_string(),
            ": expected `read`"
        );
        let many: Vec<String> = (0..40).map(|i| format!("w{i}")).collect();
        assert_eq!(
            Suggestion::for_word("zzzzz", many.iter().map(String::as_str)),
            Suggestion::None
        );
    }
}
