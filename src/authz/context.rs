//! Request context: what a request carries besides its subject (`$context.*` in conditions).
//!
//! `[context]` in `policies.toml` declares every name conditions may use, with its type:
//! the built-ins `now` (`time`), `ip` (`ip`) and `scopes` (`list`), and the token's claims,
//! `claims = { org_id = "int" }` (`$context.claims.org_id`). A [`Context`] is an input to
//! evaluation like the subject is: `serve` fills it per request, `authz` commands from
//! `--context key=value`, `[[test]]` cases from `context = { … }`.
//!
//! Absent context fails closed: a comparison with a value the request lacks is unknown, so an
//! allow that needs it does not apply and a deny that needs it applies.
//!
//! Times are kept as text in one form, `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds), so that the
//! evaluator's comparison of two times and SQLite's comparison of two texts agree.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

use super::entities::Value;

/// The built-in context names and their types.
pub const BUILTINS: [(&str, ContextType); 3] = [
    ("now", ContextType::Time),
    ("ip", ContextType::Ip),
    ("scopes", ContextType::List),
];

/// The prefix of a claim's context name: `claims.org_id`.
pub const CLAIMS: &str = "claims.";

/// The type of a context value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContextType {
    Text,
    Int,
    Bool,
    /// An RFC 3339 time.
    Time,
    /// An IPv4 or IPv6 address.
    Ip,
    /// A list of strings.
    List,
}

impl ContextType {
    pub const ALL: [(&'static str, ContextType); 6] = [
        ("text", ContextType::Text),
        ("int", ContextType::Int),
        ("bool", ContextType::Bool),
        ("time", ContextType::Time),
        ("ip", ContextType::Ip),
        ("list", ContextType::List),
    ];

    pub fn name(self) -> &'static str {
        ContextType::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("text", |(name, _)| name)
    }

    /// Whether a value of this type is a scalar a column may be compared with.
    pub fn is_scalar(self) -> bool {
        matches!(
            self,
            ContextType::Text | ContextType::Int | ContextType::Bool | ContextType::Time
        )
    }
}

/// A context name declared in `[context]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    pub ty: ContextType,
    pub at: usize,
}

/// One context value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum ContextValue {
    /// Text, int, bool, or a time as `YYYY-MM-DDTHH:MM:SSZ` text.
    Scalar(Value),
    Ip(#[schemars(with = "String")] IpAddr),
    List(Vec<String>),
}

impl fmt::Display for ContextValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContextValue::Scalar(v) => write!(f, "{v}"),
            ContextValue::Ip(ip) => write!(f, "{ip}"),
            ContextValue::List(items) => write!(f, "{items:?}"),
        }
    }
}

impl ContextValue {
    /// The value of `ty` written as `text` (`--context key=value`): a list is comma-separated.
    pub fn parse(ty: ContextType, text: &str) -> Result<ContextValue, String> {
        Ok(match ty {
            ContextType::Text => ContextValue::Scalar(Value::Text(text.to_string())),
            ContextType::Int => ContextValue::Scalar(Value::Int(
                text.trim()
                    .parse()
                    .map_err(|_| format!("`{text}` is not an integer"))?,
            )),
            ContextType::Bool => ContextValue::Scalar(Value::Bool(match text.trim() {
                "true" => true,
                "false" => false,
                _ => return Err(format!("`{text}` is not `true` or `false`")),
            })),
            ContextType::Time => {
                ContextValue::Scalar(Value::Text(canonical_time(text).ok_or_else(|| {
                    format!("`{text}` is not an RFC 3339 time, such as `2026-01-01T00:00:00Z`")
                })?))
            }
            ContextType::Ip => ContextValue::Ip(
                text.trim()
                    .parse()
                    .map_err(|_| format!("`{text}` is not an IP address"))?,
            ),
            ContextType::List => ContextValue::List(
                text.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
        })
    }

    /// The value of `ty` a JSON value holds (a token's claim, a `[[test]]` case's `context`), or
    /// `None` when it holds none: a number or a string of digits for an int (identity providers
    /// send both), a string or an array of strings for a list (`scope` is space-separated).
    pub fn from_json(ty: ContextType, json: &serde_json::Value) -> Option<ContextValue> {
        use serde_json::Value as J;
        Some(match (ty, json) {
            (ContextType::Text, J::String(s)) => ContextValue::Scalar(Value::Text(s.clone())),
            (ContextType::Int, J::Number(n)) => ContextValue::Scalar(Value::Int(n.as_i64()?)),
            (ContextType::Int, J::String(s)) => ContextValue::Scalar(Value::Int(s.parse().ok()?)),
            (ContextType::Bool, J::Bool(b)) => ContextValue::Scalar(Value::Bool(*b)),
            (ContextType::Time, J::String(s)) => {
                ContextValue::Scalar(Value::Text(canonical_time(s)?))
            }
            (ContextType::Time, J::Number(n)) => {
                ContextValue::Scalar(Value::Text(format_time(n.as_i64()?)))
            }
            (ContextType::Ip, J::String(s)) => ContextValue::Ip(s.trim().parse().ok()?),
            (ContextType::List, J::String(s)) => {
                ContextValue::List(s.split_whitespace().map(str::to_string).collect())
            }
            (ContextType::List, J::Array(items)) => ContextValue::List(
                items
                    .iter()
                    .map(|i| i.as_str().map(str::to_string))
                    .collect::<Option<_>>()?,
            ),
            _ => return None,
        })
    }

    /// The scalar, or `None` for an address or a list.
    pub fn scalar(&self) -> Option<&Value> {
        match self {
            ContextValue::Scalar(v) => Some(v),
            _ => None,
        }
    }
}

/// The context of one request: name (`now`, `claims.org_id`) → value. A name without a value
/// is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct Context {
    values: BTreeMap<String, ContextValue>,
}

impl Context {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn insert(&mut self, name: impl Into<String>, value: ContextValue) {
        self.values.insert(name.into(), value);
    }

    pub fn get(&self, name: &str) -> Option<&ContextValue> {
        self.values.get(name)
    }

    /// A scalar context value; null when absent (a comparison with it is unknown).
    pub fn scalar(&self, name: &str) -> Value {
        self.get(name)
            .and_then(ContextValue::scalar)
            .cloned()
            .unwrap_or(Value::Null)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &ContextValue)> {
        self.values.iter()
    }

    /// `name`'s value as text, `missing` when absent: for traces.
    pub fn shown(&self, name: &str) -> String {
        self.get(name)
            .map_or_else(|| "missing".to_string(), ToString::to_string)
    }
}

/// `KEY=VALUE` (`--context now=2026-01-01T00:00:00Z`) as a declared name and a value of its
/// type; the error says what is wrong, without the flag.
pub fn assignment(
    declared: &BTreeMap<String, Declared>,
    text: &str,
) -> Result<(String, ContextValue), String> {
    let Some((name, value)) = text.split_once('=') else {
        return Err("expected `KEY=VALUE`, such as `now=2026-01-01T00:00:00Z`".to_string());
    };
    let name = name.trim();
    let Some(d) = declared.get(name) else {
        return Err(if declared.is_empty() {
            format!("the policies declare no context (`[context]`), so `{name}` is unknown")
        } else {
            format!(
                "`{name}` is not declared under `[context]`{}",
                super::error::hint(
                    super::error::closest(name, declared.keys().map(String::as_str)).as_deref()
                )
            )
        });
    };
    ContextValue::parse(d.ty, value)
        .map(|v| (name.to_string(), v))
        .map_err(|reason| format!("`{name}` is {}: {reason}", d.ty.name()))
}

impl Context {
    /// `self` with every value of `over` on top.
    #[must_use]
    pub fn merged(&self, over: &Context) -> Context {
        let mut out = self.clone();
        for (k, v) in over.iter() {
            out.insert(k.clone(), v.clone());
        }
        out
    }
}

/// `$context.ip _in_cidr [cidrs]`: unknown when the address is absent.
pub fn in_cidr(ip: Option<&ContextValue>, cidrs: &[Value]) -> Option<bool> {
    let Some(ContextValue::Ip(ip)) = ip else {
        return None;
    };
    Some(cidrs.iter().any(|c| match c {
        Value::Text(text) => parse_cidr(text).is_some_and(|net| net.contains(*ip)),
        _ => false,
    }))
}

/// `$context.scopes _contains value`: unknown when the list is absent.
pub fn contains(list: Option<&ContextValue>, item: &Value) -> Option<bool> {
    let Some(ContextValue::List(items)) = list else {
        return None;
    };
    match item {
        Value::Text(text) => Some(items.iter().any(|i| i == text)),
        Value::Null => None,
        _ => Some(false),
    }
}

/// An address block, `10.0.0.0/8` or `::1/128` (an address alone is its own block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    base: IpAddr,
    bits: u8,
}

impl Cidr {
    fn contains(self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 @ IpAddr::V4(_) => v4,
        };
        match (self.base, ip) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.bits)).unwrap_or(0);
                u32::from(base) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.bits))
                    .unwrap_or(0);
                u128::from(base) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Parses `ADDRESS/BITS`; `None` when malformed or the bits exceed the address's width.
pub fn parse_cidr(text: &str) -> Option<Cidr> {
    let (addr, bits) = match text.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (text, None),
    };
    let base: IpAddr = addr.trim().parse().ok()?;
    let width = if base.is_ipv4() { 32 } else { 128 };
    let bits = match bits {
        Some(b) => b.trim().parse::<u8>().ok()?,
        None => width,
    };
    (bits <= width).then_some(Cidr { base, bits })
}

/// `text` as `YYYY-MM-DDTHH:MM:SSZ` in UTC, or `None` when it is not an RFC 3339 time.
/// Fractions of a second are dropped (times compare to the second).
pub fn canonical_time(text: &str) -> Option<String> {
    parse_time(text.trim()).map(format_time)
}

/// Seconds since the Unix epoch of an RFC 3339 time.
pub fn parse_time(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        if part.is_empty() || !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    if b.len() < 20 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' '))
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = text.get(19..)?;
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(fraction.len());
        if end == 0 {
            return None;
        }
        rest = fraction.get(end..)?;
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes().get(3) != Some(&b':') {
                return None;
            }
            let (h, m) = (digits_of(rest, 1..3)?, digits_of(rest, 4..6)?);
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset)
}

fn digits_of(text: &str, range: std::ops::Range<usize>) -> Option<i64> {
    let part = text.get(range)?;
    if !part.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_time(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's `civil_from_days`.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_canonical_utc_seconds() {
        for (text, want) in [
            ("2026-01-01T00:00:00Z", Some("2026-01-01T00:00:00Z")),
            ("2026-01-01T01:30:00+01:30", Some("2026-01-01T00:00:00Z")),
            (
                "2025-12-31T23:00:00.999-01:00",
                Some("2026-01-01T00:00:00Z"),
            ),
            ("2024-02-29T12:00:00Z", Some("2024-02-29T12:00:00Z")),
            ("1969-12-31T23:59:59Z", Some("1969-12-31T23:59:59Z")),
            ("2023-02-29T12:00:00Z", None),
            ("2026-01-01", None),
            ("2026-01-01T00:00:00", None),
            ("2026-13-01T00:00:00Z", None),
            ("yesterday", None),
        ] {
            assert_eq!(canonical_time(text).as_deref(), want, "{text}");
        }
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(parse_time("2026-12-02T17:26:09Z"), Some(1_796_232_369));
        for secs in [-1, 0, 951_782_400, 1_796_232_369, 4_102_444_800] {
            assert_eq!(parse_time(&format_time(secs)), Some(secs));
        }
    }

    #[test]
    fn cidr_blocks() {
        let ip = |s: &str| ContextValue::Ip(s.parse().unwrap());
        let nets = |list: &[&str]| list.iter().map(|s| Value::from(*s)).collect::<Vec<_>>();
        assert_eq!(
            in_cidr(Some(&ip("10.1.2.3")), &nets(&["10.0.0.0/8"])),
            Some(true)
        );
        assert_eq!(
            in_cidr(Some(&ip("11.1.2.3")), &nets(&["10.0.0.0/8"])),
            Some(false)
        );
        assert_eq!(
            in_cidr(Some(&ip("127.0.0.1")), &nets(&["0.0.0.0/0"])),
            Some(true)
        );
        assert_eq!(
            in_cidr(Some(&ip("::ffff:127.0.0.1")), &nets(&["127.0.0.0/8"])),
            Some(true)
        );
        assert_eq!(
            in_cidr(Some(&ip("::1")), &nets(&["::1/128", "10.0.0.0/8"])),
            Some(true)
        );
        assert_eq!(in_cidr(None, &nets(&["0.0.0.0/0"])), None);
        assert!(parse_cidr("10.0.0.0/33").is_none());
        assert!(parse_cidr("10.0.0/8").is_none());
    }
}
