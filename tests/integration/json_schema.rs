//! `authz explain --json-schema` describes what `authz explain --format json` prints: real
//! outputs (a decision, a profile, a query report) are validated against it, with every object
//! closed to keys the schema does not name, so an output that drifts from its schema fails.
//! See: issue 14, item 7.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::harness::Env;

/// A validator for the part of JSON Schema that `schemars` writes: `$ref` into `$defs`,
/// `anyOf`/`oneOf`/`allOf`, `type`, `enum`, `const`, `properties`/`required`, `items`,
/// `additionalProperties`. Objects with `properties` are closed unless the schema opens them.
struct Validator<'a> {
    root: &'a Value,
}

impl Validator<'_> {
    /// Checks `value` against `schema`. `outer` holds the keys that enclosing schemas of the same
    /// object name (a struct's own fields around a flattened enum's `oneOf`): a key is drift when
    /// neither the schema that finally describes the object nor an enclosing one names it.
    fn check(
        &self,
        schema: &Value,
        value: &Value,
        path: &str,
        outer: &BTreeSet<String>,
    ) -> Result<(), String> {
        let Some(obj) = schema.as_object() else {
            return match schema {
                Value::Bool(true) => Ok(()),
                _ => Err(format!("{path}: rejected by schema {schema}")),
            };
        };
        let props = obj.get("properties").and_then(Value::as_object);
        let mut named = outer.clone();
        named.extend(props.into_iter().flat_map(|p| p.keys().cloned()));
        let mut combined = false;
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            let name = r
                .strip_prefix("#/$defs/")
                .ok_or(format!("unsupported $ref {r}"))?;
            let def = &self.root["$defs"][name];
            assert!(!def.is_null(), "dangling $ref {r}");
            self.check(def, value, path, &named)?;
            combined = true;
        }
        if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
            for s in all {
                self.check(s, value, path, &named)?;
            }
            combined = true;
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(any) = obj.get(key).and_then(Value::as_array) {
                let errors: Vec<String> = any
                    .iter()
                    .filter_map(|s| self.check(s, value, path, &named).err())
                    .collect();
                if errors.len() == any.len() {
                    return Err(format!("{path}: no branch of {key} matches: {errors:?}"));
                }
                combined = true;
            }
        }
        if let Some(ty) = obj.get("type") {
            let types: Vec<&str> = match ty {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => panic!("bad type {ty}"),
            };
            if !types.iter().any(|t| is_type(value, t)) {
                return Err(format!("{path}: {value} is not of type {types:?}"));
            }
        }
        if let Some(options) = obj.get("enum").and_then(Value::as_array)
            && !options.contains(value)
        {
            return Err(format!("{path}: {value} is not one of {options:?}"));
        }
        if let Some(c) = obj.get("const")
            && c != value
        {
            return Err(format!("{path}: {value} is not {c}"));
        }
        if let Some(map) = value.as_object() {
            for req in obj
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let req = req.as_str().unwrap();
                if !map.contains_key(req) {
                    return Err(format!("{path}: missing required key `{req}`"));
                }
            }
            let extra = obj.get("additionalProperties");
            let none = BTreeSet::new();
            for (k, v) in map {
                let sub = format!("{path}.{k}");
                if let Some(s) = props.and_then(|p| p.get(k)) {
                    self.check(s, v, &sub, &none)?;
                } else if let Some(extra) = extra {
                    self.check(extra, v, &sub, &none)?;
                } else if props.is_some() && !combined && !named.contains(k) {
                    return Err(format!("{path}: key `{k}` is not in the schema"));
                }
            }
        }
        if let (Some(items), Some(list)) = (obj.get("items"), value.as_array()) {
            for (i, v) in list.iter().enumerate() {
                self.check(items, v, &format!("{path}[{i}]"), &BTreeSet::new())?;
            }
        }
        Ok(())
    }
}

fn is_type(value: &Value, ty: &str) -> bool {
    match ty {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        other => panic!("unknown JSON type {other}"),
    }
}

fn explain(env: &Env, extra: &[&str]) -> Value {
    let policies = crate::harness::repo().join("policies.toml");
    let mut args = vec![
        "--format",
        "json",
        "authz",
        "explain",
        "--policies",
        policies.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    env.run(args).success().json()
}

#[test]
fn explain_json_validates_against_its_published_schema() {
    let env = Env::seeded();
    let schema: Value = env
        .run(["authz", "explain", "--json-schema"])
        .success()
        .json();
    assert_eq!(schema["title"], "quidditch authz explain --format json");
    let v = Validator { root: &schema };
    let query = env.dir.path().join("q.graphql");
    std::fs::write(
        &query,
        "{ allGames { edges { node { id level winnerId child { id } } } } \
         a: getPlayer(name: \"Harry Potter\") { name year } }",
    )
    .unwrap();
    let q = query.to_str().unwrap();
    let outputs = [
        explain(&env, &["--user", "Harry Potter"]),
        // What-if: the subject, condition nodes and visited rows carry `assumed`.
        explain(
            &env,
            &["--user", "Harry Potter", "--assume", "player:1.team_id=4"],
        ),
        explain(
            &env,
            &[
                "--user",
                "Harry Potter",
                "--action",
                "read",
                "--resource",
                "game:8",
                "--assume",
                "player:1.team_id=4",
                "--assume",
                "game:6.winner_id=1",
            ],
        ),
        explain(&env, &["--user", "anonymous", "--action", "read"]),
        explain(
            &env,
            &[
                "--user",
                "Cho Chang",
                "--action",
                "read",
                "--resource",
                "game:8",
            ],
        ),
        explain(
            &env,
            &[
                "--user",
                "Harry Potter",
                "--action",
                "read",
                "--resource",
                "game:8",
            ],
        ),
        explain(
            &env,
            &[
                "--user",
                "anonymous",
                "--action",
                "read",
                "--resource",
                "player:1",
                "--field",
                "year",
            ],
        ),
        explain(&env, &["--user", "Harry Potter", "--query", q]),
        explain(&env, &["--user", "Madam Hooch", "--query", q]),
    ];
    for out in &outputs {
        v.check(&schema, out, "$", &BTreeSet::new())
            .unwrap_or_else(|e| panic!("{e}\n{out:#}"));
    }
    // The check can fail: a key the schema does not name, or a wrong type, is caught.
    let mut drifted = outputs[2].clone();
    drifted["subject"]["nickname"] = "Cho".into();
    assert!(v.check(&schema, &drifted, "$", &BTreeSet::new()).is_err());
    let mut drifted = outputs[0].clone();
    drifted["scopes"] = 3.into();
    assert!(v.check(&schema, &drifted, "$", &BTreeSet::new()).is_err());
}
