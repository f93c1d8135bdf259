//! Relay global ids and array-connection paging, exactly as graphene 2 / graphql-relay 2 do them.
//!
//! A global id is base64 of `TypeName:id`; a cursor is base64 of `arrayconnection:N` with N the
//! row's position in the whole list, counted from 0. [`Window::new`] reproduces graphql-relay's
//! `connection_from_list_slice`, including its quirks: with `first`/`after`, `hasPreviousPage` is
//! always false, with `last`/`before`, `hasNextPage` is always false, and a negative `first`
//! slices like Python does (`rows[0:-1]`), because that is what the tutorial's server answers.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

const CURSOR_PREFIX: &str = "arrayconnection:";

/// `base64("{type_name}:{id}")`.
pub fn global_id(type_name: &str, id: i64) -> String {
    encode_pair(type_name, ":", id)
}

/// base64 of `{prefix}{separator}{n}`, through a buffer on the stack: ids and cursors are made
/// for every row of every page, and this is called more than any resolver. (The digits are
/// written by hand: `write!` costs more than the rest together.)
fn encode_pair(prefix: &str, separator: &str, n: i64) -> String {
    const DIGITS: usize = 20; // i64::MIN: a sign and 19 digits
    let mut buf = [0u8; 64];
    let head = prefix.len() + separator.len();
    if head > buf.len() - DIGITS {
        return STANDARD.encode(format!("{prefix}{separator}{n}"));
    }
    buf[..prefix.len()].copy_from_slice(prefix.as_bytes());
    buf[prefix.len()..head].copy_from_slice(separator.as_bytes());
    let mut digits = [0u8; DIGITS];
    let mut start = DIGITS;
    let mut rest = n.unsigned_abs();
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        start -= 1;
        digits[start] = b'-';
    }
    let len = head + DIGITS - start;
    buf[head..len].copy_from_slice(&digits[start..]);
    STANDARD.encode(&buf[..len])
}

/// The type name and row id of a global id; `None` when it does not decode.
pub fn parse_global_id(global: &str) -> Option<(String, i64)> {
    let bytes = STANDARD.decode(global.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (type_name, id) = text.split_once(':')?;
    Some((type_name.to_string(), id.trim().parse().ok()?))
}

/// `base64("arrayconnection:{offset}")`.
pub fn cursor(offset: i64) -> String {
    encode_pair(CURSOR_PREFIX, "", offset)
}

/// The offset in a cursor; like graphql-relay, the prefix is skipped without being checked,
/// and the rest is read as Python's `int()` reads it ([`python_int`]).
pub fn parse_cursor(cursor: &str) -> Option<i64> {
    let bytes = STANDARD.decode(cursor.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    python_int(text.get(CURSOR_PREFIX.len()..)?)
}

/// `text` as Python's `int(text)` reads it: surrounding whitespace, a sign, ASCII digits with
/// single `_` between them. Python's integers have no bound, so a number beyond `i64` is held
/// at `i64::MIN` or `i64::MAX` rather than refused: no list is that long, so an offset there
/// is as far before the start or past the end as the number itself (graphql-relay reads
/// `arrayconnection:99999999999999999999999` as past the end, not as no cursor).
fn python_int(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let mut n: i64 = 0;
    let mut after_digit = false;
    for byte in digits.bytes() {
        match byte {
            b'0'..=b'9' => {
                let digit = i64::from(byte - b'0');
                n = n.saturating_mul(10);
                // Counted towards the sign, so that `i64::MIN` itself is exact.
                n = if negative {
                    n.saturating_sub(digit)
                } else {
                    n.saturating_add(digit)
                };
                after_digit = true;
            }
            b'_' if after_digit => after_digit = false,
            _ => return None,
        }
    }
    after_digit.then_some(n)
}

/// The paging arguments every connection field takes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub before: Option<String>,
    pub after: Option<String>,
    pub first: Option<i64>,
    pub last: Option<i64>,
    /// The most rows a window holds when neither `first` nor `last` bounds it (a negative one
    /// slices like Python, over nearly the whole list); 0: no cap.
    pub page_size: i64,
}

/// Which rows of a list of `len` rows a connection returns, and its page info.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Rows `rows_start..rows_end` of the id-ordered list are the edges.
    pub rows_start: i64,
    pub rows_end: i64,
    /// The cursor offset of the first edge.
    pub first_offset: i64,
    /// The offset the slice ends at, before Python's rules apply (negative: from the back).
    pub end_offset: i64,
    pub has_previous_page: bool,
    pub has_next_page: bool,
}

impl Window {
    /// graphql-relay 2's `connection_from_list_slice(list, args)` with `slice_start = 0`.
    pub fn new(args: &PageArgs, len: i64) -> Self {
        // Python truthiness: an empty cursor string counts as absent for the bounds.
        let before = args.before.as_deref().filter(|c| !c.is_empty());
        let after = args.after.as_deref().filter(|c| !c.is_empty());
        let before_offset = args.before.as_deref().and_then(parse_cursor).unwrap_or(len);
        let after_offset = args.after.as_deref().and_then(parse_cursor).unwrap_or(-1);

        // Saturating: a cursor may hold any i64 (`i64::MAX` is past every end, not before 0).
        let mut start = after_offset.max(-1).saturating_add(1);
        let mut end = before_offset.min(len);
        if let Some(first) = args.first {
            end = end.min(start.saturating_add(first));
        }
        if let Some(last) = args.last {
            start = start.max(end.saturating_sub(last));
        }
        let lower = if after.is_some() {
            after_offset.saturating_add(1)
        } else {
            0
        };
        let upper = if before.is_some() { before_offset } else { len };

        // `list[start:end]` with Python's rules: negative bounds count from the end, then clamp.
        let python = |i: i64| {
            if i < 0 { (i + len).max(0) } else { i.min(len) }
        };
        let rows_start = python(start.max(0));
        let mut rows_end = python(end).max(rows_start);
        let mut has_next_page = args.first.is_some() && end < upper;
        let bounded = args.first.is_some_and(|f| f >= 0) || args.last.is_some_and(|l| l >= 0);
        if !bounded && args.page_size > 0 && rows_end - rows_start > args.page_size {
            rows_end = rows_start + args.page_size;
            has_next_page = true;
        }
        Window {
            rows_start,
            rows_end,
            first_offset: start,
            end_offset: end,
            has_previous_page: args.last.is_some() && start > lower,
            has_next_page,
        }
    }

    /// The window of a top-level list (`allPlayers`, `allTeams`, `allGames`). graphene-sqlalchemy
    /// slices those as a SQLAlchemy `Query`, not a Python list, and `Query.__getitem__` answers
    /// a slice whose end is not past its start with no rows: `first: -2` or a `before` cursor at
    /// offset -1 select nothing there, where a list (a team's `players`) counts a negative end
    /// from the back. The page info is graphql-relay's either way.
    pub fn of_query(args: &PageArgs, len: i64) -> Self {
        let mut window = Self::new(args, len);
        if window.end_offset <= window.first_offset {
            window.rows_end = window.rows_start;
        }
        window
    }

    /// How many rows the window holds.
    pub fn len(&self) -> i64 {
        self.rows_end - self.rows_start
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(
        first: Option<i64>,
        after: Option<i64>,
        last: Option<i64>,
        before: Option<i64>,
    ) -> Window {
        Window::new(
            &PageArgs {
                first,
                last,
                after: after.map(cursor),
                before: before.map(cursor),
                page_size: 0,
            },
            10,
        )
    }

    #[test]
    fn ids_and_cursors_match_graphene() {
        assert_eq!(global_id("GameObject", 8), "R2FtZU9iamVjdDo4");
        assert_eq!(cursor(0), "YXJyYXljb25uZWN0aW9uOjA=");
        assert_eq!(
            parse_global_id("R2FtZU9iamVjdDo4"),
            Some(("GameObject".into(), 8))
        );
        assert_eq!(parse_global_id("not base64!"), None);
        assert_eq!(parse_cursor("YXJyYXljb25uZWN0aW9uOjA="), Some(0));
    }

    #[test]
    fn ids_and_cursors_of_any_length_and_sign_decode_to_their_text() {
        let long = "T".repeat(70);
        for (name, id) in [
            (long.as_str(), i64::MIN),
            ("GameObject", i64::MIN),
            ("GameObject", i64::MAX),
            ("GameObject", 0),
            ("", -1),
        ] {
            let id_text = STANDARD.decode(global_id(name, id)).unwrap();
            assert_eq!(String::from_utf8(id_text).unwrap(), format!("{name}:{id}"));
        }
        assert_eq!(parse_cursor(&cursor(i64::MIN)), Some(i64::MIN));
    }

    #[test]
    fn paging_follows_graphql_relay() {
        // No arguments: everything, no pages either way.
        let w = window(None, None, None, None);
        assert_eq!(
            (
                w.rows_start,
                w.rows_end,
                w.has_previous_page,
                w.has_next_page
            ),
            (0, 10, false, false)
        );
        // first/after: never a previous page.
        let w = window(Some(3), Some(2), None, None);
        assert_eq!((w.rows_start, w.rows_end, w.first_offset), (3, 6, 3));
        assert!(!w.has_previous_page && w.has_next_page);
        let w = window(Some(3), Some(8), None, None);
        assert_eq!((w.rows_start, w.rows_end), (9, 10));
        assert!(!w.has_next_page);
        // last/before: never a next page.
        let w = window(None, None, Some(3), Some(5));
        assert_eq!((w.rows_start, w.rows_end), (2, 5));
        assert!(w.has_previous_page && !w.has_next_page);
        // Python slicing of a negative first: rows[0:-1].
        let w = window(Some(-1), None, None, None);
        assert_eq!((w.rows_start, w.rows_end, w.has_next_page), (0, 9, true));
        // A cursor past the end gives an empty page.
        assert!(window(Some(2), Some(20), None, None).is_empty());
    }

    /// See: issue 18, finding 8: a cursor at `i64::MAX` wrapped around to before the start.
    #[test]
    fn a_cursor_at_the_largest_offset_is_past_the_end() {
        for first in [Some(2), None] {
            let w = window(first, Some(i64::MAX), None, None);
            assert!(w.is_empty());
            assert!(!w.has_next_page && !w.has_previous_page, "{w:?}");
        }
        let w = window(None, None, Some(2), Some(i64::MAX));
        assert_eq!((w.rows_start, w.rows_end), (8, 10));
    }

    #[test]
    fn a_cursor_offset_is_read_as_python_reads_an_int() {
        let parse =
            |offset: &str| parse_cursor(&STANDARD.encode(format!("{CURSOR_PREFIX}{offset}")));
        for (text, expected) in [
            ("7", Some(7)),
            (" +7 ", Some(7)),
            ("-1", Some(-1)),
            ("007", Some(7)),
            ("1_000", Some(1000)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("99999999999999999999999", Some(i64::MAX)),
            ("-99999999999999999999999", Some(i64::MIN)),
            ("", None),
            ("-", None),
            ("_1", None),
            ("1_", None),
            ("1__0", None),
            ("- 1", None),
            ("1.0", None),
            ("0x10", None),
        ] {
            assert_eq!(parse(text), expected, "{text:?}");
        }
    }

    /// A well-formed cursor whose offset is beyond `i64` is past the end (`after`) or before the
    /// start (`before`), as graphql-relay, whose integers have no bound, reads it; it used to be
    /// ignored, as if no cursor had been given.
    /// See: adversarial review, item 1.
    #[test]
    fn a_cursor_beyond_i64_is_past_the_end_or_before_the_start() {
        let huge = STANDARD.encode(format!("{CURSOR_PREFIX}99999999999999999999999"));
        let tiny = STANDARD.encode(format!("{CURSOR_PREFIX}-99999999999999999999999"));
        let paged = |first, after: Option<&str>, last, before: Option<&str>| {
            let args = PageArgs {
                first,
                last,
                after: after.map(str::to_string),
                before: before.map(str::to_string),
                page_size: 0,
            };
            let w = Window::new(&args, 10);
            (
                w.rows_start,
                w.rows_end,
                w.has_previous_page,
                w.has_next_page,
            )
        };
        // After a huge offset: nothing, and nothing follows.
        assert_eq!(paged(None, Some(&huge), None, None), (10, 10, false, false));
        assert_eq!(
            paged(Some(2), Some(&huge), None, None),
            (10, 10, false, false)
        );
        // Before a huge offset: everything, cut by `first`/`last` as without the cursor.
        assert_eq!(paged(None, None, None, Some(&huge)), (0, 10, false, false));
        assert_eq!(paged(Some(2), None, None, Some(&huge)), (0, 2, false, true));
        assert_eq!(
            paged(None, None, Some(2), Some(&huge)),
            (8, 10, true, false)
        );
        // After a hugely negative offset: from the start; before one: nothing.
        assert_eq!(paged(Some(2), Some(&tiny), None, None), (0, 2, false, true));
        assert!(
            Window::of_query(
                &PageArgs {
                    before: Some(tiny.clone()),
                    ..PageArgs::default()
                },
                10
            )
            .is_empty()
        );
        assert_eq!(
            paged(None, None, Some(2), Some(&tiny)),
            (0, 0, false, false)
        );
    }

    /// See: issue 19, item 4: the top-level lists slice like a SQLAlchemy `Query`.
    #[test]
    fn a_query_slice_ending_before_its_start_is_empty() {
        let query = |first: Option<i64>, before: Option<i64>| {
            let args = PageArgs {
                first,
                before: before.map(cursor),
                ..PageArgs::default()
            };
            (Window::of_query(&args, 10), Window::new(&args, 10))
        };
        let (top, nested) = query(Some(-2), None);
        assert!(top.is_empty() && top.has_next_page, "{top:?}");
        assert_eq!((nested.rows_start, nested.rows_end), (0, 8));
        let (top, nested) = query(None, Some(-1));
        assert!(top.is_empty(), "{top:?}");
        assert_eq!((nested.rows_start, nested.rows_end), (0, 9));
        let (top, nested) = query(Some(3), Some(5));
        assert_eq!(top, nested);
        assert_eq!((top.rows_start, top.rows_end), (0, 3));
    }

    #[test]
    fn a_negative_first_returns_at_most_a_page() {
        let args = PageArgs {
            first: Some(-1),
            page_size: 4,
            ..PageArgs::default()
        };
        let w = Window::new(&args, 10);
        assert_eq!((w.rows_start, w.rows_end, w.has_next_page), (0, 4, true));
    }
}
