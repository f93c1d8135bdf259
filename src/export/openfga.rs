//! OpenFGA: the model in its DSL (`model.fga`) and JSON (`model.json`, what the API's
//! `WriteAuthorizationModel` takes), tuples as `fga`'s YAML (`tuples.yaml`), and a test file
//! (`tests.fga.yaml`) for `fga model test`.

use std::fmt::Write as _;

use serde_json::{Value as Json, json};

use super::{Allowed, Assertion, CondDef, Def, Model, ParamType, Tuple};
use crate::authz::Value;

fn allowed_dsl(a: &Allowed) -> String {
    let mut s = a.ty.clone();
    if a.wildcard {
        s.push_str(":*");
    }
    if let Some(c) = &a.condition {
        let _ = write!(s, " with {c}");
    }
    s
}

fn def_dsl(def: &Def) -> String {
    match def {
        Def::Direct(allowed) => format!(
            "[{}]",
            allowed
                .iter()
                .map(allowed_dsl)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Def::Union(names) => names.join(" or "),
        Def::Intersection(names) => names.join(" and "),
        Def::Exclusion(base, subtract) => format!("{base} but not {subtract}"),
        Def::Arrow { tupleset, relation } => format!("{relation} from {tupleset}"),
        // Assignable, and never assigned.
        Def::Nothing => format!("[{}]", super::LEAGUE),
    }
}

/// `model.fga`.
pub fn model_dsl(model: &Model) -> String {
    let mut out = String::new();
    for line in model.header() {
        let _ = writeln!(out, "# {line}");
    }
    out.push_str("model\n  schema 1.1\n");
    for (ty, rels) in &model.types {
        let _ = write!(out, "\ntype {ty}\n");
        if !rels.is_empty() {
            out.push_str("  relations\n");
            for r in rels {
                let _ = writeln!(out, "    define {}: {}", r.name, def_dsl(&r.def));
            }
        }
    }
    for c in &model.conditions {
        let params: Vec<String> = c
            .params
            .iter()
            .map(|(name, t)| format!("{name}: {}", t.name()))
            .collect();
        let _ = write!(
            out,
            "\ncondition {}({}) {{\n  {}\n}}\n",
            c.name,
            params.join(", "),
            c.expression()
        );
    }
    out
}

fn rewrite(def: &Def) -> Json {
    let computed = |n: &str| json!({ "computedUserset": { "relation": n } });
    let children = |names: &[String]| names.iter().map(|n| computed(n)).collect::<Vec<_>>();
    match def {
        Def::Direct(_) | Def::Nothing => json!({ "this": {} }),
        Def::Union(names) if names.len() == 1 => computed(&names[0]),
        Def::Union(names) => json!({ "union": { "child": children(names) } }),
        Def::Intersection(names) => json!({ "intersection": { "child": children(names) } }),
        Def::Exclusion(base, subtract) => json!({
            "difference": { "base": computed(base), "subtract": computed(subtract) }
        }),
        Def::Arrow { tupleset, relation } => json!({
            "tupleToUserset": {
                "tupleset": { "relation": tupleset },
                "computedUserset": { "relation": relation }
            }
        }),
    }
}

fn directly_related(def: &Def) -> Vec<Json> {
    let allowed = match def {
        Def::Direct(allowed) => allowed.clone(),
        Def::Nothing => vec![Allowed::plain(super::LEAGUE)],
        _ => return Vec::new(),
    };
    allowed
        .iter()
        .map(|a| {
            let mut o = json!({ "type": a.ty });
            if a.wildcard {
                o["wildcard"] = json!({});
            }
            o["condition"] = json!(a.condition.clone().unwrap_or_default());
            o
        })
        .collect()
}

fn param_json(t: ParamType) -> Json {
    let name = match t {
        ParamType::Int => "TYPE_NAME_INT",
        ParamType::String => "TYPE_NAME_STRING",
        ParamType::Bool => "TYPE_NAME_BOOL",
        ParamType::Timestamp => "TYPE_NAME_TIMESTAMP",
        ParamType::IpAddress => "TYPE_NAME_IPADDRESS",
        ParamType::ListString => {
            return json!({
                "type_name": "TYPE_NAME_LIST",
                "generic_types": [{ "type_name": "TYPE_NAME_STRING" }]
            });
        }
    };
    json!({ "type_name": name })
}

fn condition_json(c: &CondDef) -> Json {
    let parameters: serde_json::Map<String, Json> = c
        .params
        .iter()
        .map(|(name, t)| (name.clone(), param_json(*t)))
        .collect();
    json!({
        "name": c.name,
        "expression": c.expression(),
        "parameters": parameters
    })
}

/// `model.json`: the same model as the API takes it.
pub fn model_json(model: &Model) -> Json {
    let types: Vec<Json> = model
        .types
        .iter()
        .map(|(ty, rels)| {
            let relations: serde_json::Map<String, Json> = rels
                .iter()
                .map(|r| (r.name.clone(), rewrite(&r.def)))
                .collect();
            let metadata: serde_json::Map<String, Json> = rels
                .iter()
                .map(|r| {
                    (
                        r.name.clone(),
                        json!({ "directly_related_user_types": directly_related(&r.def) }),
                    )
                })
                .collect();
            if rels.is_empty() {
                json!({ "type": ty })
            } else {
                json!({
                    "type": ty,
                    "relations": relations,
                    "metadata": { "relations": metadata }
                })
            }
        })
        .collect();
    let conditions: serde_json::Map<String, Json> = model
        .conditions
        .iter()
        .map(|c| (c.name.clone(), condition_json(c)))
        .collect();
    json!({
        "schema_version": "1.1",
        "type_definitions": types,
        "conditions": conditions
    })
}

fn context_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Text(s) => json!(s),
    }
}

/// The head of `tuples.yaml`: the header comment (the tuples follow as a YAML list).
pub fn tuples_head(model: &Model) -> String {
    let mut out = String::new();
    for line in model.header() {
        let _ = writeln!(out, "# {line}");
    }
    out
}

/// One tuple as an entry of `tuples.yaml`.
pub fn tuple_yaml(t: &Tuple) -> String {
    let q = |s: &str| Json::String(s.to_string()).to_string();
    let mut out = format!(
        "- user: {}\n  relation: {}\n  object: {}\n",
        q(&format!("{}:{}", t.subject.0, t.subject.1)),
        q(&t.relation),
        q(&format!("{}:{}", t.object.0, t.object.1)),
    );
    match &t.condition {
        Some((name, Some(value))) => {
            let _ = write!(
                out,
                "  condition:\n    name: {}\n    context:\n      {}: {}\n",
                q(name),
                super::VALUE_PARAM,
                context_json(value)
            );
        }
        Some((name, None)) => {
            let _ = write!(out, "  condition:\n    name: {}\n", q(name));
        }
        None => {}
    }
    out
}

/// `tests.fga.yaml`: the model and tuples files next to it, and `assertions` as checks.
pub fn tests_yaml(model: &Model, name: &str, assertions: &[Assertion]) -> String {
    let q = |s: &str| Json::String(s.to_string()).to_string();
    let mut out = String::new();
    for line in model.header() {
        let _ = writeln!(out, "# {line}");
    }
    let _ = write!(
        out,
        "name: {}\nmodel_file: ./model.fga\ntuple_file: ./tuples.yaml\ntests:\n  - name: {}\n",
        q("quidditch authz export"),
        q(name)
    );
    if assertions.is_empty() {
        out.push_str("    check: []\n");
        return out;
    }
    out.push_str("    check:\n");
    for a in assertions {
        let _ = write!(
            out,
            "      - user: {}\n        object: {}\n        assertions:\n          {}: {}\n",
            q(&a.user),
            q(&a.object),
            a.permission,
            a.allowed
        );
    }
    out
}
