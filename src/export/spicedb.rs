//! SpiceDB: the schema (`schema.zed`) and a validation file (`validation.yaml`: the schema, the
//! relationships in `zed import` form, and assertions), as `zed validate` and the playground
//! read them.

use std::fmt::Write as _;

use super::{Allowed, Assertion, Def, Model, Tuple};
use crate::authz::Value;

fn allowed_zed(a: &Allowed) -> String {
    let mut s = a.ty.clone();
    if a.wildcard {
        s.push_str(":*");
    }
    if let Some(c) = &a.condition {
        let _ = write!(s, " with {c}");
    }
    s
}

/// `schema.zed`.
pub fn schema(model: &Model) -> String {
    let mut out = String::new();
    for line in model.header() {
        let _ = writeln!(out, "// {line}");
    }
    for c in &model.conditions {
        let params: Vec<String> = c
            .params
            .iter()
            .map(|(name, t)| format!("{name} {}", t.name()))
            .collect();
        let _ = write!(
            out,
            "\ncaveat {}({}) {{\n    {}\n}}\n",
            c.name,
            params.join(", "),
            c.expression()
        );
    }
    for (ty, rels) in &model.types {
        let _ = write!(out, "\ndefinition {ty} {{\n");
        for r in rels {
            let line = match &r.def {
                Def::Direct(allowed) => format!(
                    "relation {}: {}",
                    r.name,
                    allowed
                        .iter()
                        .map(allowed_zed)
                        .collect::<Vec<_>>()
                        .join(" | ")
                ),
                Def::Union(names) => format!("permission {} = {}", r.name, names.join(" + ")),
                Def::Intersection(names) => {
                    format!("permission {} = {}", r.name, names.join(" & "))
                }
                Def::Exclusion(base, subtract) => {
                    format!("permission {} = {base} - {subtract}", r.name)
                }
                Def::Arrow { tupleset, relation } => {
                    format!("permission {} = {tupleset}->{relation}", r.name)
                }
                Def::Nothing => format!("permission {} = nil", r.name),
            };
            let _ = writeln!(out, "    {line}");
        }
        out.push_str("}\n");
    }
    out
}

fn context_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::json!(b),
        Value::Int(i) => serde_json::json!(i),
        Value::Text(s) => serde_json::json!(s),
    }
}

/// One relationship: `game:8#winner@team:3`, a caveat as `[name:{"value":4}]`.
pub fn relationship(t: &Tuple) -> String {
    let mut s = format!(
        "{}:{}#{}@{}:{}",
        t.object.0, t.object.1, t.relation, t.subject.0, t.subject.1
    );
    match &t.condition {
        Some((name, Some(value))) => {
            let mut context = serde_json::Map::new();
            context.insert(super::VALUE_PARAM.to_string(), context_json(value));
            let _ = write!(s, "[{name}:{}]", serde_json::Value::Object(context));
        }
        Some((name, None)) => {
            let _ = write!(s, "[{name}]");
        }
        None => {}
    }
    s
}

/// The head of `validation.yaml`: the header, the schema, and the start of the relationships
/// block (one relationship per line follows, indented two spaces).
pub fn validation_head(model: &Model, schema: &str) -> String {
    let mut out = String::new();
    for line in model.header() {
        let _ = writeln!(out, "# {line}");
    }
    out.push_str("schema: |-\n");
    for line in schema.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "  {line}");
        }
    }
    out.push_str("relationships: |-\n");
    out
}

/// The assertions that end `validation.yaml`.
pub fn validation_tail(assertions: &[Assertion]) -> String {
    let mut out = String::from("assertions:\n");
    for (key, want) in [("assertTrue", true), ("assertFalse", false)] {
        let lines: Vec<String> = assertions
            .iter()
            .filter(|a| a.allowed == want)
            .map(|a| {
                format!(
                    "    - {}",
                    serde_json::Value::String(format!("{}#{}@{}", a.object, a.permission, a.user))
                )
            })
            .collect();
        if lines.is_empty() {
            let _ = writeln!(out, "  {key}: []");
        } else {
            let _ = writeln!(out, "  {key}:");
            for l in lines {
                let _ = writeln!(out, "{l}");
            }
        }
    }
    out
}
