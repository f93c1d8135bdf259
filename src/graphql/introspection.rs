//! A server's schema from its introspection answer, printed as SDL (`quidditch schema pull`).

use std::fmt::Write as _;

use serde_json::Value;

use super::Error;

/// The standard introspection query (types, fields, arguments, interfaces, enums, inputs).
pub const QUERY: &str = "query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types {
      kind name description
      fields(includeDeprecated: true) {
        name description
        args { name description type { ...TypeRef } defaultValue }
        type { ...TypeRef }
      }
      inputFields { name description type { ...TypeRef } defaultValue }
      interfaces { name }
      enumValues(includeDeprecated: true) { name description }
      possibleTypes { name }
    }
    directives {
      name description locations
      args { name description type { ...TypeRef } defaultValue }
    }
  }
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}";

const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

/// SDL for the `data` of an introspection answer; built-in types and directives are left out,
/// as `schema print` leaves them out.
pub fn to_sdl(data: &Value) -> Result<String, Error> {
    let schema = data.get("__schema").ok_or_else(|| Error::Introspection {
        message: "the answer has no `__schema`".into(),
    })?;
    let types = schema
        .get("types")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::Introspection {
            message: "`__schema` has no `types`".into(),
        })?;
    let mut out = String::new();
    let mut sorted: Vec<&Value> = types.iter().collect();
    sorted.sort_by_key(|t| str_of(t, "name"));
    for ty in sorted {
        let name = str_of(ty, "name");
        if name.starts_with("__") || BUILT_IN_SCALARS.contains(&name) {
            continue;
        }
        description(&mut out, ty, "");
        match str_of(ty, "kind") {
            "SCALAR" => {
                let _ = writeln!(out, "scalar {name}\n");
            }
            "OBJECT" | "INTERFACE" => {
                let keyword = if str_of(ty, "kind") == "OBJECT" {
                    "type"
                } else {
                    "interface"
                };
                let interfaces: Vec<&str> = list(ty, "interfaces")
                    .iter()
                    .map(|i| str_of(i, "name"))
                    .collect();
                let implements = if interfaces.is_empty() {
                    String::new()
                } else {
                    format!(" implements {}", interfaces.join(" & "))
                };
                let _ = writeln!(out, "{keyword} {name}{implements} {{");
                for field in list(ty, "fields") {
                    description(&mut out, field, "\t");
                    let args: Vec<String> = list(field, "args").iter().map(input_value).collect();
                    let args = if args.is_empty() {
                        String::new()
                    } else {
                        format!("({})", args.join(", "))
                    };
                    let _ = writeln!(
                        out,
                        "\t{}{args}: {}",
                        str_of(field, "name"),
                        type_ref(field.get("type"))
                    );
                }
                out.push_str("}\n\n");
            }
            "UNION" => {
                let members: Vec<&str> = list(ty, "possibleTypes")
                    .iter()
                    .map(|t| str_of(t, "name"))
                    .collect();
                let _ = writeln!(out, "union {name} = {}\n", members.join(" | "));
            }
            "ENUM" => {
                let _ = writeln!(out, "enum {name} {{");
                for value in list(ty, "enumValues") {
                    let _ = writeln!(out, "\t{}", str_of(value, "name"));
                }
                out.push_str("}\n\n");
            }
            "INPUT_OBJECT" => {
                let _ = writeln!(out, "input {name} {{");
                for field in list(ty, "inputFields") {
                    let _ = writeln!(out, "\t{}", input_value(field));
                }
                out.push_str("}\n\n");
            }
            other => {
                return Err(Error::Introspection {
                    message: format!("type `{name}` has unknown kind `{other}`"),
                });
            }
        }
    }
    directives(&mut out, schema);
    out.push_str("schema {\n");
    for (op, key) in [
        ("query", "queryType"),
        ("mutation", "mutationType"),
        ("subscription", "subscriptionType"),
    ] {
        if let Some(name) = schema
            .get(key)
            .and_then(|t| t.get("name"))
            .and_then(Value::as_str)
        {
            let _ = writeln!(out, "\t{op}: {name}");
        }
    }
    out.push_str("}\n");
    Ok(out)
}

/// The definitions of the schema's directives other than the built-in ones.
fn directives(out: &mut String, schema: &Value) {
    let mut directives: Vec<&Value> = list(schema, "directives").iter().collect();
    directives.sort_by_key(|d| str_of(d, "name"));
    for directive in directives {
        let name = str_of(directive, "name");
        if super::schema::BUILT_IN_DIRECTIVES.contains(&name) {
            continue;
        }
        description(out, directive, "");
        let args: Vec<String> = list(directive, "args").iter().map(input_value).collect();
        let args = if args.is_empty() {
            String::new()
        } else {
            format!("({})", args.join(", "))
        };
        let locations: Vec<&str> = list(directive, "locations")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let _ = writeln!(out, "directive @{name}{args} on {}", locations.join(" | "));
    }
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn description(out: &mut String, value: &Value, indent: &str) {
    if let Some(text) = value.get("description").and_then(Value::as_str)
        && !text.is_empty()
    {
        let text = text.replace("\"\"\"", "\\\"\"\"");
        let _ = writeln!(out, "{indent}\"\"\"");
        // Every line indented, blank ones too, as `schema print` writes a block description.
        for line in text.lines() {
            let _ = writeln!(out, "{indent}{line}");
        }
        let _ = writeln!(out, "{indent}\"\"\"");
    }
}

fn input_value(value: &Value) -> String {
    let mut text = format!("{}: {}", str_of(value, "name"), type_ref(value.get("type")));
    if let Some(default) = value.get("defaultValue").and_then(Value::as_str) {
        let _ = write!(text, " = {default}");
    }
    text
}

fn type_ref(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "?".into();
    };
    match str_of(value, "kind") {
        "NON_NULL" => format!("{}!", type_ref(value.get("ofType"))),
        "LIST" => format!("[{}]", type_ref(value.get("ofType"))),
        _ => str_of(value, "name").to_string(),
    }
}
