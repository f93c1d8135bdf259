//! What-if: the changes `--assume EXPR` (and a `[[test]]`'s `assume = [...]`) state, parsed and
//! checked against the policy file's types. Pure: whether the row exists is the caller's
//! question (`access::assume` asks the database), the change itself is plain data.
//!
//! ```text
//! player:1.team_id=4                              set a column of an existing row
//! game:10 {level="Final", winner_id=1, loser_id=2}  add a row (key before the braces)
//! -game:6                                          remove a row
//! ```
//! Values are TOML literals (`4`, `"Final"`, `true`) or `null`; each is type-checked against the
//! column's declared type, as the schema check does.

use std::fmt;

use super::entities::{Row, Value};
use super::error::closest;
use super::policy::{ColumnType, PolicySet, TypeDef};

/// One assumed change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assumption {
    /// The type, as the policy file names it (`player`).
    pub ty: String,
    /// The row's key.
    pub key: Value,
    pub change: Change,
}

/// What happens to the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// One column of an existing row takes a value.
    Set { column: String, value: Value },
    /// A new row with these columns (the key included; columns not named are null).
    Add { values: Row },
    /// An existing row is gone.
    Remove,
}

impl fmt::Display for Assumption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = self.key.as_ref_str();
        match &self.change {
            Change::Set { column, value } => write!(f, "{}:{key}.{column}={value}", self.ty),
            Change::Add { values } => {
                let parts: Vec<String> = values.iter().map(|(c, v)| format!("{c}={v}")).collect();
                write!(f, "{}:{key} {{{}}}", self.ty, parts.join(", "))
            }
            Change::Remove => write!(f, "-{}:{key}", self.ty),
        }
    }
}

/// Parses and type-checks one EXPR against `set`. The error is the reason alone, lowercase; the
/// caller says which argument (or `file:line:col`) it is about.
pub fn parse_assumption(set: &PolicySet, text: &str) -> Result<Assumption, String> {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix('-') {
        let (ty, _, key) = reference(set, rest.trim())?;
        return Ok(Assumption {
            ty,
            key,
            change: Change::Remove,
        });
    }
    if let Some(open) = text.find('{') {
        let (ty, def, key) = reference(set, text[..open].trim())?;
        let values = table(&text[open..])?;
        let mut row = Row::new();
        for (column, value) in values {
            if column == def.key {
                return Err(format!(
                    "the key `{column}` is given before the braces (`{ty}:{}`), not inside them",
                    key.as_ref_str()
                ));
            }
            let value = typed(&ty, def, &column, value)?;
            row.insert(column, value);
        }
        for column in def.columns.keys() {
            row.entry(column.clone()).or_insert(Value::Null);
        }
        row.insert(def.key.clone(), key.clone());
        return Ok(Assumption {
            ty,
            key,
            change: Change::Add { values: row },
        });
    }
    let Some((target, value)) = text.split_once('=') else {
        return Err(
            "expected `TYPE:KEY.COLUMN=VALUE`, `TYPE:KEY {COLUMN=VALUE, …}` or `-TYPE:KEY`"
                .to_string(),
        );
    };
    let target = target.trim();
    let Some(colon) = target.find(':') else {
        return Err(format!(
            "expected `TYPE:KEY.COLUMN` before `=`, found `{target}`"
        ));
    };
    let Some(dot) = target[colon..].rfind('.').map(|d| d + colon) else {
        return Err(format!(
            "expected `TYPE:KEY.COLUMN` before `=`, found `{target}`: no column named"
        ));
    };
    let (ty, def, key) = reference(set, &target[..dot])?;
    let column = target[dot + 1..].trim().to_string();
    if column == def.key {
        return Err(format!(
            "the key `{column}` cannot be set: remove `-{ty}:{}` and add the row under its new key",
            key.as_ref_str()
        ));
    }
    let value = typed(&ty, def, &column, literal(value.trim())?)?;
    Ok(Assumption {
        ty,
        key,
        change: Change::Set { column, value },
    })
}

/// `TYPE:KEY` → the type (one with a table) and the key, typed as the key column.
fn reference<'s>(set: &'s PolicySet, text: &str) -> Result<(String, &'s TypeDef, Value), String> {
    let Some((ty, key)) = text.split_once(':') else {
        return Err(format!("expected `TYPE:KEY`, found `{text}`"));
    };
    let (ty, key) = (ty.trim(), key.trim());
    let Some(def) = set.types.get(ty) else {
        let hint = closest(ty, set.types.keys().map(String::as_str))
            .map_or_else(String::new, |c| format!(": did you mean `{c}`?"));
        return Err(format!("unknown type `{ty}`{hint}"));
    };
    if def.table.is_none() {
        return Err(format!(
            "type `{ty}` has no table: its resources are declared in the policy file"
        ));
    }
    let key = match def.key_type() {
        ColumnType::Int => Value::Int(
            key.parse::<i64>()
                .map_err(|_| format!("`{ty}` keys are integers, found `{key}`"))?,
        ),
        ColumnType::Text => Value::Text(key.to_string()),
        ColumnType::Bool => return Err(format!("type `{ty}` has a bool key")),
        ColumnType::Time => return Err(format!("type `{ty}` has a time key")),
    };
    Ok((ty.to_string(), def, key))
}

/// `value` as a value of `column`, which `def` must declare with a matching type.
fn typed(ty: &str, def: &TypeDef, column: &str, value: Value) -> Result<Value, String> {
    let Some(declared) = def.columns.get(column) else {
        let hint = closest(column, def.columns.keys().map(String::as_str))
            .map_or_else(String::new, |c| format!(": did you mean `{c}`?"));
        return Err(format!("type `{ty}` has no column `{column}`{hint}"));
    };
    if declared.accepts(&value) {
        Ok(value)
    } else {
        Err(format!(
            "`{ty}.{column}` is `{}`, but `{value}` is not",
            declared.name()
        ))
    }
}

/// A value literal: TOML's (`4`, `"text"`, `true`) or `null`.
fn literal(text: &str) -> Result<Value, String> {
    if text == "null" {
        return Ok(Value::Null);
    }
    if let Some(value) = plain_literal(text) {
        return Ok(value);
    }
    let doc: toml::Table = format!("v = {text}")
        .parse()
        .map_err(|_| format!("`{text}` is not a value: write `4`, `\"text\"`, `true` or `null`"))?;
    doc.get("v").map_or_else(
        || Err(format!("`{text}` is not a value")),
        |v| from_toml(text, v),
    )
}

/// The common literals read without a TOML parser (about a tenth of a check each time): a
/// decimal integer in plain digits, `true`/`false`, a basic string with no escapes or control
/// characters. Each means exactly what TOML reads it as; anything else is `None`, for TOML.
fn plain_literal(text: &str) -> Option<Value> {
    match text {
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        _ => {}
    }
    if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        let plain = text.len() >= 2
            && !inner
                .chars()
                .any(|c| c == '"' || c == '\\' || c.is_control());
        return plain.then(|| Value::Text(inner.to_string()));
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    // TOML: no leading zeros, no sign but `-` here, no `_`, no base prefixes.
    let decimal = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if decimal {
        return text.parse::<i64>().ok().map(Value::Int);
    }
    None
}

fn from_toml(text: &str, value: &toml::Value) -> Result<Value, String> {
    match value {
        toml::Value::Integer(i) => Ok(Value::Int(*i)),
        toml::Value::String(s) => Ok(Value::Text(s.clone())),
        toml::Value::Boolean(b) => Ok(Value::Bool(*b)),
        _ => Err(format!(
            "`{text}` is not a value: write `4`, `\"text\"`, `true` or `null`"
        )),
    }
}

/// `{a = 1, b = "x", c = null}` → its pairs, in order.
fn table(text: &str) -> Result<Vec<(String, Value)>, String> {
    let Some(inner) = text
        .trim()
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
    else {
        return Err(format!("expected `{{COLUMN=VALUE, …}}`, found `{text}`"));
    };
    let mut out: Vec<(String, Value)> = Vec::new();
    for part in split_top(inner) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let Some((column, value)) = part.split_once('=') else {
            return Err(format!("expected `COLUMN=VALUE`, found `{part}`"));
        };
        let column = column.trim().to_string();
        if out.iter().any(|(c, _)| *c == column) {
            return Err(format!("column `{column}` is given twice"));
        }
        out.push((column, literal(value.trim())?));
    }
    Ok(out)
}

/// Splits at commas outside double-quoted strings.
fn split_top(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> PolicySet {
        crate::authz::parse("policies.toml", include_str!("../../policies.toml")).unwrap()
    }

    #[test]
    fn the_three_forms_parse() {
        let set = set();
        let a = parse_assumption(&set, "player:1.team_id=4").unwrap();
        assert_eq!(
            a.change,
            Change::Set {
                column: "team_id".into(),
                value: Value::Int(4)
            }
        );
        let a = parse_assumption(
            &set,
            r#"game:10 {level="Final, or not", winner_id=1, loser_id=2}"#,
        )
        .unwrap();
        let Change::Add { values } = &a.change else {
            panic!("{a:?}")
        };
        assert_eq!(values["level"], Value::Text("Final, or not".into()));
        assert_eq!(values["child_id"], Value::Null);
        assert_eq!(values["id"], Value::Int(10));
        assert_eq!(
            parse_assumption(&set, "-game:6").unwrap().change,
            Change::Remove
        );
        assert_eq!(
            parse_assumption(&set, "staff:2.team_id=null")
                .unwrap()
                .change,
            Change::Set {
                column: "team_id".into(),
                value: Value::Null
            }
        );
    }

    /// The literals read without TOML read as TOML reads them, and everything else still goes
    /// to TOML.
    #[test]
    fn plain_literals_read_as_toml_does() {
        for text in [
            "0",
            "-0",
            "7",
            "-42",
            "9223372036854775807",
            "-9223372036854775808",
            "true",
            "false",
            "\"\"",
            "\"Final\"",
            "\"Cho Chang\"",
            "\"é, ünï\"",
        ] {
            let doc: toml::Table = format!("v = {text}").parse().unwrap();
            let by_toml = from_toml(text, &doc["v"]).unwrap();
            assert_eq!(plain_literal(text), Some(by_toml), "{text}");
        }
        for text in [
            "",
            "-",
            "01",
            "-01",
            "+1",
            "1_000",
            "0x1F",
            "1.5",
            "1e3",
            "9223372036854775808",
            "\"a\\\"b\"",
            "\"tab\there\"",
            "'single'",
            "\"",
            "True",
            "inf",
        ] {
            assert_eq!(plain_literal(text), None, "{text}");
        }
        assert_eq!(literal("1_000"), Ok(Value::Int(1000)));
        assert_eq!(literal("\"a\\\"b\""), Ok(Value::Text("a\"b".into())));
        assert_eq!(literal("'single'"), Ok(Value::Text("single".into())));
        assert!(literal("01").is_err());
        assert!(literal("9223372036854775808").is_err());
    }

    #[test]
    fn bad_expressions_say_why() {
        let set = set();
        let err = |t: &str| parse_assumption(&set, t).unwrap_err();
        assert_eq!(err("wizard:1.team_id=4"), "unknown type `wizard`");
        assert_eq!(
            err("player:1.taem_id=4"),
            "type `player` has no column `taem_id`: did you mean `team_id`?"
        );
        assert_eq!(
            err("player:1.team_id=\"four\""),
            "`player.team_id` is `int`, but `\"four\"` is not"
        );
        assert_eq!(
            err("player:x.year=4"),
            "`player` keys are integers, found `x`"
        );
        assert!(err("forum:Seeker.position=\"Keeper\"").contains("has no table"));
        assert!(err("player:1.id=4").contains("cannot be set"));
        assert!(err("player:1").starts_with("expected"));
        assert!(err("player:1.year=four").contains("is not a value"));
    }
}
