//! Positions in input files, for error messages: byte offsets turned into `LINE:COL`, and the
//! position of the first byte that is not UTF-8.
//!
//! A leaf utility: it imports nothing from the crate, so `db` (seed files) and `authz` (policy
//! files) may both use it and stay independent of each other and of everything else.

use std::cell::Cell;

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
}
