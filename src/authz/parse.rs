//! `policies.toml` → [`PolicySet`]: strict (unknown keys are errors), fully validated (every
//! role, action, type, column, relationship and session variable resolved), every problem
//! reported as `file:LINE:COL: message` before anything is used (of a TOML syntax error, the
//! one where the parser stopped).
//!
//! Plain sections go through serde (`deny_unknown_fields`); conditions are free-form Hasura
//! boolean expressions, so they are walked by hand over the spanned TOML tree.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::Decision;
use super::context::{self, BUILTINS, CLAIMS, Context, ContextType, ContextValue, Declared};
use super::entities::{Row, Value};
use super::error::{PolicyError, Problem, Suggestion, closest, hint};
use super::policy::{
    Binding, ColumnType, Condition, Effect, Identity, Lhs, Limits, Op, Policy, PolicySet,
    QueryLimits, ReadFail, RelKind, Relationship, Rhs, RoleDef, RoleSource, Scope, Settings,
    SubjectMap, TestCase, TypeDef,
};

const SECTIONS: [&str; 11] = [
    "settings",
    "identity",
    "context",
    "actions",
    "types",
    "relationship",
    "roles",
    "binding",
    "policy",
    "scope",
    "test",
];

/// The subject kind with no identity.
pub const ANONYMOUS: &str = "anonymous";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsEntry {
    default: Option<Spanned<String>>,
    traversal_depth: Option<Spanned<u32>>,
    role_limits: Option<Spanned<BTreeMap<String, Spanned<LimitsEntry>>>>,
    // The limits of every subject: `LimitsEntry`'s keys (serde cannot flatten a struct into
    // one that denies unknown fields).
    max_depth: Option<Spanned<u32>>,
    max_complexity: Option<Spanned<u32>>,
    max_document_bytes: Option<Spanned<u32>>,
    max_aliases: Option<Spanned<u32>>,
    max_root_fields: Option<Spanned<u32>>,
    max_fragments: Option<Spanned<u32>>,
    max_response_bytes: Option<Spanned<u32>>,
    default_page_size: Option<Spanned<u32>>,
    introspection: Option<Spanned<String>>,
}

/// The query limits, in `[settings]` and in each `[settings.role_limits.ROLE]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsEntry {
    max_depth: Option<Spanned<u32>>,
    max_complexity: Option<Spanned<u32>>,
    max_document_bytes: Option<Spanned<u32>>,
    max_aliases: Option<Spanned<u32>>,
    max_root_fields: Option<Spanned<u32>>,
    max_fragments: Option<Spanned<u32>>,
    max_response_bytes: Option<Spanned<u32>>,
    default_page_size: Option<Spanned<u32>>,
    introspection: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentityEntry {
    subject_claim: Option<Spanned<String>>,
    namespace: Option<Spanned<String>>,
    map: Option<Spanned<String>>,
    issuer: Option<Spanned<String>>,
    audience: Option<Spanned<String>>,
    clock_skew: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TypeEntry {
    table: Option<Spanned<String>>,
    columns: BTreeMap<String, Spanned<String>>,
    resources: Option<Vec<Spanned<ResourceEntry>>>,
}

/// A virtual resource: column → value.
type ResourceEntry = BTreeMap<String, Spanned<Value>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RelationshipEntry {
    #[serde(rename = "type")]
    ty: Spanned<String>,
    name: Spanned<String>,
    target: Spanned<String>,
    kind: Spanned<String>,
    mapping: Spanned<BTreeMap<String, Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleEntry {
    #[serde(default)]
    inherits: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BindingEntry {
    subject: Spanned<String>,
    role: Option<Spanned<String>>,
    role_column: Option<Spanned<String>>,
    #[expect(dead_code, reason = "parsed by hand, with spans, from the raw table")]
    when: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ReadFailEntry {
    Word(String),
    Error { error: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyEntry {
    id: Spanned<String>,
    #[serde(default)]
    description: String,
    effect: Spanned<String>,
    roles: Vec<Spanned<String>>,
    actions: Vec<Spanned<String>>,
    resource: Spanned<String>,
    #[expect(dead_code, reason = "parsed by hand, with spans, from the raw table")]
    condition: Option<IgnoredAny>,
    fields: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    read_fail: BTreeMap<String, Spanned<ReadFailEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeEntry {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    action: Spanned<String>,
    resource: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestEntry {
    name: String,
    user: String,
    action: Spanned<String>,
    resource: Spanned<String>,
    field: Option<Spanned<String>>,
    decision: Spanned<String>,
    policies: Option<Vec<Spanned<String>>>,
    fields: Option<Vec<Spanned<String>>>,
    assume: Option<Vec<Spanned<String>>>,
    #[expect(dead_code, reason = "parsed by hand, with spans, from the raw table")]
    context: Option<IgnoredAny>,
}

/// Collects problems while a file is parsed.
#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, span: &Range<usize>, message: impl Into<String>) {
        self.0.push(Problem {
            at: span.start,
            message: message.into(),
        });
    }
}

fn finish<T>(
    origin: &str,
    source: &str,
    mut problems: Problems,
    value: T,
) -> Result<T, PolicyError> {
    if problems.0.is_empty() {
        return Ok(value);
    }
    problems.0.sort_by_key(|p| p.at);
    Err(PolicyError::located(origin, source, &problems.0))
}

/// Parses and validates a whole policy file.
pub fn parse(origin: &str, source: &str) -> Result<PolicySet, PolicyError> {
    let mut problems = Problems::default();
    let Some(doc) = syntax(&mut problems, source) else {
        return finish(origin, source, problems, PolicySet::default());
    };
    let doc = doc.get_ref();
    let mut set = PolicySet::default();

    // Known keys first: types, relationships and roles are what the rest is resolved against.
    for (key, _) in doc {
        let name: &str = key.get_ref();
        if !SECTIONS.contains(&name) {
            let message = match closest(name, SECTIONS) {
                Some(close) => format!("unknown key `{name}`: did you mean `{close}`?"),
                None => format!(
                    "unknown key `{name}`, expected one of {}",
                    SECTIONS.map(|s| format!("`{s}`")).join(", ")
                ),
            };
            problems.add(&key.span(), message);
        }
    }
    if let Some(value) = section(doc, "settings") {
        set.settings = settings(&mut problems, value);
    }
    if let Some(value) = section(doc, "actions")
        && let Some(list) = one::<Vec<Spanned<String>>>(&mut problems, "actions", value)
    {
        set.actions = list.into_iter().map(Spanned::into_inner).collect();
    }
    if let Some(value) = section(doc, "types") {
        types(&mut problems, &mut set, value);
    }
    for (value, entry) in many::<RelationshipEntry>(&mut problems, doc, "relationship") {
        relationship(&mut problems, &mut set, &value, &entry);
    }
    if let Some(value) = section(doc, "roles") {
        roles(&mut problems, &mut set, value);
    }
    if let Some(value) = section(doc, "identity") {
        set.identity = identity(&mut problems, &set, value);
    }
    if let Some(value) = section(doc, "context") {
        set.context = context_section(&mut problems, value);
    }
    let session = session_attributes(&set, doc);
    let ctx = Ctx {
        set: &set,
        session: &session,
        in_binding: true,
    };
    let mut bindings = Vec::new();
    for (value, entry) in many::<BindingEntry>(&mut problems, doc, "binding") {
        if let Some(b) = binding(&mut problems, &ctx, &value, entry) {
            bindings.push(b);
        }
    }
    let ctx = Ctx {
        in_binding: false,
        ..ctx
    };
    let mut policies: Vec<Policy> = Vec::new();
    for (value, entry) in many::<PolicyEntry>(&mut problems, doc, "policy") {
        if let Some(p) = policy(&mut problems, &ctx, &value, entry) {
            if policies.iter().any(|q| q.id == p.id) {
                problems.add(&(p.at..p.at), format!("duplicate policy id `{}`", p.id));
            }
            policies.push(p);
        }
    }
    let mut scopes = Vec::new();
    for (value, entry) in many::<ScopeEntry>(&mut problems, doc, "scope") {
        check_action(&mut problems, &set, &entry.action);
        check_resource(&mut problems, &set, &entry.resource);
        scopes.push(Scope {
            name: entry.name.get_ref().clone(),
            description: entry.description,
            action: entry.action.into_inner(),
            resource: entry.resource.into_inner(),
            at: value.span().start,
        });
    }
    let tests = tests_of(&mut problems, &set, &policies, doc);
    set.bindings = bindings;
    set.policies = policies;
    set.scopes = scopes;
    set.tests = tests;
    finish(origin, source, problems, set)
}

/// Parses a file of `[[test]]` cases against an already parsed policy set.
pub fn parse_tests(
    origin: &str,
    source: &str,
    set: &PolicySet,
) -> Result<Vec<TestCase>, PolicyError> {
    let mut problems = Problems::default();
    let Some(doc) = syntax(&mut problems, source) else {
        return finish(origin, source, problems, Vec::new());
    };
    let doc = doc.get_ref();
    for (key, _) in doc {
        if key.get_ref() != "test" {
            problems.add(
                &key.span(),
                format!("unknown key `{}`, expected `[[test]]`", key.get_ref()),
            );
        }
    }
    let tests = tests_of(&mut problems, set, &set.policies, doc);
    finish(origin, source, problems, tests)
}

/// The TOML document of `source`, or `None` with its syntax error added to `problems`: the
/// first one only, where the parser stopped. Its recovery reads on from a guess, and what it
/// finds after one missing `}` is noise: hundreds of errors (`duplicate key` on every line
/// to the end of the file), none of them at the brace.
fn syntax<'i>(problems: &mut Problems, source: &'i str) -> Option<Spanned<DeTable<'i>>> {
    DeTable::parse(source)
        .map_err(|err| problems.add(&err.span().unwrap_or(0..0), err.message().to_lowercase()))
        .ok()
}

fn section<'a, 'i>(doc: &'a DeTable<'i>, name: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    doc.iter()
        .find(|(k, _)| k.get_ref() == name)
        .map(|(_, v)| v)
}

fn key_of<'a, 'i>(table: &'a DeTable<'i>, name: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    section(table, name)
}

/// Deserializes one value, recording the error.
fn one<T: for<'de> Deserialize<'de>>(
    problems: &mut Problems,
    what: &str,
    value: &Spanned<DeValue<'_>>,
) -> Option<T> {
    match T::deserialize(ValueDeserializer::from(value.clone())) {
        Ok(v) => Some(v),
        Err(err) => {
            let span = err.span().unwrap_or_else(|| value.span());
            problems.add(&span, format!("in `{what}`: {}", err.message()));
            None
        }
    }
}

/// Deserializes each entry of an array of tables, recording every entry's error.
fn many<'i, T: for<'de> Deserialize<'de>>(
    problems: &mut Problems,
    doc: &DeTable<'i>,
    name: &str,
) -> Vec<(Spanned<DeValue<'i>>, T)> {
    let Some(value) = section(doc, name) else {
        return Vec::new();
    };
    let Some(array) = value.get_ref().as_array() else {
        problems.add(
            &value.span(),
            format!("`{name}` must be an array of tables, written `[[{name}]]`"),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in array {
        if item.get_ref().as_table().is_none() {
            problems.add(&item.span(), format!("each `{name}` entry must be a table"));
            continue;
        }
        if let Some(entry) = one(problems, &format!("[[{name}]]"), item) {
            out.push((item.clone(), entry));
        }
    }
    out
}

fn settings(problems: &mut Problems, value: &Spanned<DeValue<'_>>) -> Settings {
    let mut out = Settings::default();
    let Some(entry) = one::<SettingsEntry>(problems, "settings", value) else {
        return out;
    };
    if let Some(default) = entry.default
        && default.get_ref() != "deny"
    {
        problems.add(
            &default.span(),
            format!(
                "`default` must be `deny`, not `{}`: access is allowed only by a policy",
                default.get_ref()
            ),
        );
    }
    let global = LimitsEntry {
        max_depth: entry.max_depth,
        max_complexity: entry.max_complexity,
        max_document_bytes: entry.max_document_bytes,
        max_aliases: entry.max_aliases,
        max_root_fields: entry.max_root_fields,
        max_fragments: entry.max_fragments,
        max_response_bytes: entry.max_response_bytes,
        default_page_size: entry.default_page_size,
        introspection: entry.introspection,
    };
    out.limits = limits(problems, "settings", global);
    if let Some(depth) = entry.traversal_depth {
        if *depth.get_ref() == 0 {
            problems.add(&depth.span(), "`traversal_depth` must be at least 1");
        }
        out.traversal_depth = depth.into_inner();
    }
    if let Some(roles) = entry.role_limits {
        out.role_limits = roles
            .into_inner()
            .into_iter()
            .map(|(role, l)| {
                let at = format!("settings.role_limits.{role}");
                let l = limits(problems, &at, l.into_inner());
                (role, l)
            })
            .collect();
    }
    out
}

/// `[identity]`: every value non-empty, `map` either `ref` or `TYPE.COLUMN` of a declared type.
fn identity(problems: &mut Problems, set: &PolicySet, value: &Spanned<DeValue<'_>>) -> Identity {
    let mut out = Identity {
        at: Some(value.span().start),
        ..Identity::default()
    };
    let Some(entry) = one::<IdentityEntry>(problems, "identity", value) else {
        return out;
    };
    let mut text = |field: Option<Spanned<String>>, name: &str| {
        let field = field?;
        if field.get_ref().trim().is_empty() {
            problems.add(
                &field.span(),
                format!("`identity.{name}` must not be empty"),
            );
            return None;
        }
        Some(field.into_inner())
    };
    if let Some(claim) = text(entry.subject_claim, "subject_claim") {
        out.subject_claim = claim;
    }
    out.namespace = text(entry.namespace, "namespace");
    out.issuer = text(entry.issuer, "issuer");
    out.audience = text(entry.audience, "audience");
    out.clock_skew = entry.clock_skew.map(|s| u64::from(s.into_inner()));
    if let Some(map) = entry.map {
        match map.get_ref().split_once('.') {
            None if map.get_ref() == "ref" => {}
            Some((ty, column)) => match set.types.get(ty) {
                Some(def) if def.columns.contains_key(column) => {
                    out.map = SubjectMap::Column {
                        ty: ty.to_string(),
                        column: column.to_string(),
                    };
                }
                Some(def) => problems.add(
                    &map.span(),
                    format!(
                        "`identity.map`: type `{ty}` has no column `{column}`{}",
                        hint(closest(column, def.columns.keys().map(String::as_str)).as_deref())
                    ),
                ),
                None => problems.add(
                    &map.span(),
                    format!(
                        "`identity.map`: unknown type `{ty}`{}",
                        hint(closest(ty, set.types.keys().map(String::as_str)).as_deref())
                    ),
                ),
            },
            None => problems.add(
                &map.span(),
                format!(
                    "`identity.map` must be `ref` (the claim is `TYPE:ID`) or `TYPE.COLUMN` (e.g. `player.name`), not `{}`",
                    map.get_ref()
                ),
            ),
        }
    }
    out
}

/// `[context]`: `NAME = "TYPE"` for the built-ins (`now = "time"`, `ip = "ip"`,
/// `scopes = "list"`, each with its own type only) and `claims = { NAME = "TYPE" }` for the
/// token's claims.
fn context_section(
    problems: &mut Problems,
    value: &Spanned<DeValue<'_>>,
) -> BTreeMap<String, Declared> {
    let mut out = BTreeMap::new();
    let Some(table) = value.get_ref().as_table() else {
        problems.add(
            &value.span(),
            "`context` must be a table, such as `[context]` with `now = \"time\"`",
        );
        return out;
    };
    let type_of = |problems: &mut Problems, v: &Spanned<DeValue<'_>>| -> Option<ContextType> {
        let Some(text) = v.get_ref().as_str() else {
            problems.add(&v.span(), "a context type is a string, such as `\"int\"`");
            return None;
        };
        let found = ContextType::ALL
            .iter()
            .find(|(n, _)| *n == text)
            .map(|(_, t)| *t);
        if found.is_none() {
            problems.add(
                &v.span(),
                format!(
                    "unknown context type `{text}`{}",
                    Suggestion::for_word(text, ContextType::ALL.iter().map(|(n, _)| *n))
                ),
            );
        }
        found
    };
    for (key, v) in table {
        let name: &str = key.get_ref();
        if name == "claims" {
            let Some(claims) = v.get_ref().as_table() else {
                problems.add(
                    &v.span(),
                    "`context.claims` is a table of claim names and types, such as `{ org_id = \"int\" }`",
                );
                continue;
            };
            for (claim, t) in claims {
                if let Some(ty) = type_of(problems, t) {
                    if ty == ContextType::Ip {
                        problems.add(
                            &t.span(),
                            "a claim is `text`, `int`, `bool`, `time` or `list`",
                        );
                        continue;
                    }
                    out.insert(
                        format!("{CLAIMS}{}", claim.get_ref()),
                        Declared {
                            ty,
                            at: claim.span().start,
                        },
                    );
                }
            }
            continue;
        }
        let Some((_, builtin)) = BUILTINS.iter().find(|(n, _)| *n == name) else {
            let known = BUILTINS.iter().map(|(n, _)| *n).chain(["claims"]);
            problems.add(
                &key.span(),
                match closest(name, known) {
                    Some(close) => format!("unknown context `{name}`: did you mean `{close}`?"),
                    None => format!(
                        "unknown context `{name}`: the context holds `now`, `ip`, `scopes` and `claims`"
                    ),
                },
            );
            continue;
        };
        if let Some(ty) = type_of(problems, v) {
            if ty != *builtin {
                problems.add(
                    &v.span(),
                    format!(
                        "`context.{name}` is `{}`, not `{}`",
                        builtin.name(),
                        ty.name()
                    ),
                );
                continue;
            }
            out.insert(
                name.to_string(),
                Declared {
                    ty,
                    at: key.span().start,
                },
            );
        }
    }
    out
}

/// Query limits, each checked against [`QueryLimits::FLOOR`] and [`QueryLimits::CEILING`].
fn limits(problems: &mut Problems, at: &str, entry: LimitsEntry) -> Limits {
    let floor = QueryLimits::FLOOR;
    let ceiling = QueryLimits::CEILING;
    let bounds: BTreeMap<&str, (u32, u32)> = floor
        .numbers()
        .into_iter()
        .zip(ceiling.numbers())
        .map(|((key, low), (_, high))| (key, (low, high)))
        .collect();
    let mut number = |key: &str, value: Option<Spanned<u32>>| {
        let value = value?;
        let (low, high) = bounds.get(key).copied().unwrap_or((0, u32::MAX));
        let n = *value.get_ref();
        if n < low || n > high {
            problems.add(
                &value.span(),
                format!("in `{at}`: `{key}` must be between {low} and {high}, not {n}"),
            );
        }
        Some(n)
    };
    Limits {
        max_depth: number("max_depth", entry.max_depth),
        max_complexity: number("max_complexity", entry.max_complexity),
        max_document_bytes: number("max_document_bytes", entry.max_document_bytes),
        max_aliases: number("max_aliases", entry.max_aliases),
        max_root_fields: number("max_root_fields", entry.max_root_fields),
        max_fragments: number("max_fragments", entry.max_fragments),
        max_response_bytes: number("max_response_bytes", entry.max_response_bytes),
        default_page_size: number("default_page_size", entry.default_page_size),
        introspection: entry
            .introspection
            .and_then(|value| match value.get_ref().as_str() {
                "on" => Some(true),
                "off" => Some(false),
                other => {
                    problems.add(
                        &value.span(),
                        format!("in `{at}`: `introspection` must be `on` or `off`, not `{other}`"),
                    );
                    None
                }
            }),
    }
}

fn types(problems: &mut Problems, set: &mut PolicySet, value: &Spanned<DeValue<'_>>) {
    let Some(table) = value.get_ref().as_table() else {
        problems.add(&value.span(), "`types` must be a table of types");
        return;
    };
    for (key, value) in table {
        let name = key.get_ref().to_string();
        let Some(entry) = one::<TypeEntry>(problems, &format!("types.{name}"), value) else {
            continue;
        };
        let mut columns = BTreeMap::new();
        let column_at = entry
            .columns
            .iter()
            .map(|(column, ty)| (column.clone(), ty.span().start))
            .collect();
        for (column, ty) in &entry.columns {
            let parsed = match ty.get_ref().as_str() {
                "int" => ColumnType::Int,
                "text" => ColumnType::Text,
                "bool" => ColumnType::Bool,
                "time" => ColumnType::Time,
                other => {
                    problems.add(
                        &ty.span(),
                        format!(
                            "unknown column type `{other}`, expected `int`, `text`, `bool` or `time`"
                        ),
                    );
                    continue;
                }
            };
            columns.insert(column.clone(), parsed);
        }
        if !entry.columns.contains_key("id") {
            problems.add(&key.span(), format!("type `{name}` has no `id` column"));
        }
        let mut resources = Vec::new();
        if let Some(list) = entry.resources {
            if entry.table.is_some() {
                problems.add(
                    &key.span(),
                    format!("type `{name}` has both a `table` and `resources`"),
                );
            }
            for resource in list {
                let mut row = Row::new();
                for (column, v) in resource.get_ref() {
                    match columns.get(column) {
                        None => problems.add(
                            &v.span(),
                            format!(
                                "type `{name}` has no column `{column}`{}",
                                Suggestion::for_word(column, columns.keys().map(String::as_str))
                            ),
                        ),
                        Some(ty) if !ty.accepts(v.get_ref()) => problems.add(
                            &v.span(),
                            format!(
                                "column `{name}.{column}` is {}, not {}",
                                ty.name(),
                                v.get_ref()
                            ),
                        ),
                        Some(_) => {
                            row.insert(column.clone(), v.get_ref().clone());
                        }
                    }
                }
                if !row.contains_key("id") {
                    problems.add(
                        &resource.span(),
                        format!("a `{name}` resource needs an `id`"),
                    );
                }
                resources.push(row);
            }
        }
        set.types.insert(
            name.clone(),
            TypeDef {
                name,
                table_at: entry
                    .table
                    .as_ref()
                    .map_or(key.span().start, |t| t.span().start),
                table: entry.table.map(Spanned::into_inner),
                key: "id".to_string(),
                columns,
                resources,
                at: key.span().start,
                column_at,
            },
        );
    }
}

fn relationship(
    problems: &mut Problems,
    set: &mut PolicySet,
    value: &Spanned<DeValue<'_>>,
    entry: &RelationshipEntry,
) {
    let ok_from = check_type(problems, set, &entry.ty);
    let ok_to = check_type(problems, set, &entry.target);
    let kind = match entry.kind.get_ref().as_str() {
        "object" => RelKind::Object,
        "array" => RelKind::Array,
        other => {
            problems.add(
                &entry.kind.span(),
                format!("unknown relationship kind `{other}`, expected `object` or `array`"),
            );
            return;
        }
    };
    let mapping = entry.mapping.get_ref();
    let mut pairs = mapping.iter();
    let (Some((column, target_column)), None) = (pairs.next(), pairs.next()) else {
        problems.add(
            &entry.mapping.span(),
            "`mapping` must map exactly one column to one column, such as `{ team_id = \"id\" }`",
        );
        return;
    };
    if !(ok_from && ok_to) {
        return;
    }
    let (ty, target) = (entry.ty.get_ref(), entry.target.get_ref());
    for (t, c, span) in [
        (ty, column, entry.mapping.span()),
        (target, target_column.get_ref(), target_column.span()),
    ] {
        if let Some(def) = set.types.get(t)
            && !def.columns.contains_key(c)
        {
            problems.add(
                &span,
                format!(
                    "dangling relationship `{ty}.{}`: type `{t}` has no column `{c}`{}",
                    entry.name.get_ref(),
                    Suggestion::for_word(c, def.columns.keys().map(String::as_str))
                ),
            );
            return;
        }
    }
    if set.relationship(ty, entry.name.get_ref()).is_some() {
        problems.add(
            &entry.name.span(),
            format!("duplicate relationship `{ty}.{}`", entry.name.get_ref()),
        );
    }
    set.relationships.push(Relationship {
        ty: ty.clone(),
        name: entry.name.get_ref().clone(),
        target: target.clone(),
        kind,
        column: column.clone(),
        target_column: target_column.get_ref().clone(),
        at: value.span().start,
        mapping_at: entry.mapping.span().start,
    });
}

fn roles(problems: &mut Problems, set: &mut PolicySet, value: &Spanned<DeValue<'_>>) {
    let Some(table) = value.get_ref().as_table() else {
        problems.add(&value.span(), "`roles` must be a table of roles");
        return;
    };
    let mut spans: BTreeMap<String, Vec<(String, Range<usize>)>> = BTreeMap::new();
    let names: Vec<String> = table.iter().map(|(k, _)| k.get_ref().to_string()).collect();
    for (key, value) in table {
        let name = key.get_ref().to_string();
        let Some(entry) = one::<RoleEntry>(problems, &format!("roles.{name}"), value) else {
            continue;
        };
        for parent in &entry.inherits {
            spans
                .entry(name.clone())
                .or_default()
                .push((parent.get_ref().clone(), parent.span()));
            if !names.contains(parent.get_ref()) {
                problems.add(
                    &parent.span(),
                    format!(
                        "role `{name}` inherits unknown role `{}`{}",
                        parent.get_ref(),
                        Suggestion::for_word(parent.get_ref(), names.iter().map(String::as_str))
                    ),
                );
            }
        }
        set.roles.insert(
            name.clone(),
            RoleDef {
                name,
                inherits: entry
                    .inherits
                    .into_iter()
                    .map(Spanned::into_inner)
                    .collect(),
                at: key.span().start,
            },
        );
    }
    // A cycle would make every role on it hold every other: reported once, at the inheritance
    // written by the cycle's first role (by name).
    for (name, parents) in &spans {
        for (parent, span) in parents {
            let Some(path) = inheritance_path(set, parent, name) else {
                continue;
            };
            if path.iter().any(|r| r < name) {
                continue;
            }
            problems.add(
                span,
                format!(
                    "role inheritance cycle: {name} → {}",
                    path.iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(" → ")
                ),
            );
        }
    }
}

/// The roles from `from` to `to` following `inherits` (both ends included), if `to` is reached.
fn inheritance_path(set: &PolicySet, from: &str, to: &str) -> Option<Vec<String>> {
    let mut came_from: BTreeMap<String, Option<String>> = BTreeMap::new();
    came_from.insert(from.to_string(), None);
    let mut queue = std::collections::VecDeque::from([from.to_string()]);
    while let Some(role) = queue.pop_front() {
        if role == to {
            let mut path = vec![role.clone()];
            let mut at = role;
            while let Some(Some(prev)) = came_from.get(&at) {
                path.push(prev.clone());
                at = prev.clone();
            }
            path.reverse();
            return Some(path);
        }
        for parent in set.roles.get(&role).map_or(&[][..], |d| &d.inherits[..]) {
            if !came_from.contains_key(parent) {
                came_from.insert(parent.clone(), Some(role.clone()));
                queue.push_back(parent.clone());
            }
        }
    }
    None
}

/// The attributes `$subject.NAME` may name: `type`, `id`, and the columns of every subject type,
/// with their types (`None` when subject types disagree).
fn session_attributes(set: &PolicySet, doc: &DeTable<'_>) -> BTreeMap<String, Option<ColumnType>> {
    let mut kinds = BTreeSet::new();
    if let Some(array) = section(doc, "binding").and_then(|v| v.get_ref().as_array()) {
        for item in array {
            if let Some(subject) = item
                .get_ref()
                .as_table()
                .and_then(|t| key_of(t, "subject"))
                .and_then(|v| v.get_ref().as_str())
            {
                kinds.insert(subject.to_string());
            }
        }
    }
    let mut out: BTreeMap<String, Option<ColumnType>> = BTreeMap::new();
    out.insert("type".to_string(), Some(ColumnType::Text));
    for kind in &kinds {
        if let Some(def) = set.types.get(kind) {
            for (column, ty) in &def.columns {
                match out.get(column) {
                    Some(Some(existing)) if existing != ty => {
                        out.insert(column.clone(), None);
                    }
                    Some(_) => {}
                    None => {
                        out.insert(column.clone(), Some(*ty));
                    }
                }
            }
        }
    }
    out.entry("id".to_string()).or_insert(Some(ColumnType::Int));
    out
}

struct Ctx<'a> {
    set: &'a PolicySet,
    session: &'a BTreeMap<String, Option<ColumnType>>,
    /// A binding's `when`: roles do not depend on the request's context.
    in_binding: bool,
}

fn binding(
    problems: &mut Problems,
    ctx: &Ctx<'_>,
    value: &Spanned<DeValue<'_>>,
    entry: BindingEntry,
) -> Option<Binding> {
    let subject = entry.subject.get_ref().clone();
    let subject_def = ctx.set.types.get(&subject);
    if subject != ANONYMOUS && subject_def.is_none_or(|d| d.table.is_none()) {
        problems.add(
            &entry.subject.span(),
            format!(
                "unknown subject type `{subject}`: expected `anonymous` or a table type{}",
                Suggestion::for_word(&subject, ctx.set.types.keys().map(String::as_str))
            ),
        );
        return None;
    }
    let role = match (entry.role, entry.role_column) {
        (Some(role), None) => {
            check_role(problems, ctx.set, &role);
            RoleSource::Fixed(role.into_inner())
        }
        (None, Some(column)) => {
            if subject_def.is_none_or(|d| !d.columns.contains_key(column.get_ref())) {
                problems.add(
                    &column.span(),
                    format!(
                        "subject type `{subject}` has no column `{}`",
                        column.get_ref()
                    ),
                );
            }
            RoleSource::Column(column.into_inner())
        }
        _ => {
            problems.add(
                &value.span(),
                "a binding needs exactly one of `role` and `role_column`",
            );
            return None;
        }
    };
    let table = value.get_ref().as_table()?;
    let when = key_of(table, "when").map(|w| {
        let ty = if subject == ANONYMOUS {
            None
        } else {
            Some(subject.as_str())
        };
        condition(problems, ctx, ty, w)
    });
    Some(Binding {
        subject,
        role,
        when,
        at: value.span().start,
    })
}

fn check_type(problems: &mut Problems, set: &PolicySet, name: &Spanned<String>) -> bool {
    if set.types.contains_key(name.get_ref()) {
        return true;
    }
    problems.add(
        &name.span(),
        format!(
            "unknown type `{}`{}",
            name.get_ref(),
            Suggestion::for_word(name.get_ref(), set.types.keys().map(String::as_str))
        ),
    );
    false
}

fn check_role(problems: &mut Problems, set: &PolicySet, role: &Spanned<String>) {
    if !set.roles.contains_key(role.get_ref()) {
        problems.add(
            &role.span(),
            format!(
                "unknown role `{}`{}",
                role.get_ref(),
                Suggestion::for_word(role.get_ref(), set.roles.keys().map(String::as_str))
            ),
        );
    }
}

fn check_action(problems: &mut Problems, set: &PolicySet, action: &Spanned<String>) {
    if !set.actions.contains(action.get_ref()) {
        problems.add(
            &action.span(),
            format!(
                "unknown action `{}`{}",
                action.get_ref(),
                Suggestion::for_word(action.get_ref(), set.actions.iter().map(String::as_str))
            ),
        );
    }
}

/// Checks a `TYPE:ID` reference; virtual resources must be declared.
fn check_resource(problems: &mut Problems, set: &PolicySet, resource: &Spanned<String>) {
    let Some((ty, id)) = resource.get_ref().split_once(':') else {
        problems.add(
            &resource.span(),
            format!(
                "malformed resource `{}`: expected `TYPE:ID`, such as `game:8`",
                resource.get_ref()
            ),
        );
        return;
    };
    let Some(def) = set.types.get(ty) else {
        problems.add(
            &resource.span(),
            format!(
                "unknown type `{ty}`{}",
                Suggestion::for_word(ty, set.types.keys().map(String::as_str))
            ),
        );
        return;
    };
    if def.table.is_none()
        && !def
            .resources
            .iter()
            .any(|r| r.get("id").is_some_and(|v| v.as_ref_str() == id))
    {
        let ids: Vec<String> = def
            .resources
            .iter()
            .filter_map(|r| r.get("id").map(Value::as_ref_str))
            .collect();
        problems.add(
            &resource.span(),
            format!(
                "unknown resource `{ty}:{id}`{}",
                hint(
                    closest(id, ids.iter().map(String::as_str))
                        .map(|s| format!("{ty}:{s}"))
                        .as_deref()
                )
            ),
        );
    }
}

fn check_field(problems: &mut Problems, def: &TypeDef, field: &Spanned<String>) -> bool {
    if def.columns.contains_key(field.get_ref()) {
        return true;
    }
    problems.add(
        &field.span(),
        format!(
            "type `{}` has no field `{}`{}",
            def.name,
            field.get_ref(),
            Suggestion::for_word(field.get_ref(), def.columns.keys().map(String::as_str))
        ),
    );
    false
}

fn policy(
    problems: &mut Problems,
    ctx: &Ctx<'_>,
    value: &Spanned<DeValue<'_>>,
    entry: PolicyEntry,
) -> Option<Policy> {
    let set = ctx.set;
    let effect = match entry.effect.get_ref().as_str() {
        "allow" => Effect::Allow,
        "deny" => Effect::Deny,
        other => {
            problems.add(
                &entry.effect.span(),
                format!("unknown effect `{other}`, expected `allow` or `deny`"),
            );
            Effect::Deny
        }
    };
    for role in &entry.roles {
        check_role(problems, set, role);
    }
    for action in &entry.actions {
        if action.get_ref() != "*" {
            check_action(problems, set, action);
        }
    }
    let resource = entry.resource.get_ref().clone();
    let def = if resource == "*" {
        None
    } else if check_type(problems, set, &entry.resource) {
        set.types.get(&resource)
    } else {
        return None;
    };
    let mut fields = None;
    if let Some(list) = entry.fields {
        match def {
            None => problems.add(
                &entry.resource.span(),
                "a policy on every type (`*`) grants every field: remove `fields`",
            ),
            Some(def) => {
                for f in &list {
                    check_field(problems, def, f);
                }
            }
        }
        fields = Some(list.into_iter().map(Spanned::into_inner).collect());
    }
    let mut read_fail = BTreeMap::new();
    for (field, fail) in entry.read_fail {
        if let Some(def) = def {
            check_field(problems, def, &Spanned::new(fail.span(), field.clone()));
        }
        let parsed = match fail.get_ref() {
            ReadFailEntry::Word(w) if w == "null" => ReadFail::Null,
            ReadFailEntry::Word(w) => {
                problems.add(
                    &fail.span(),
                    format!("unknown read failure `{w}`, expected `\"null\"` or `{{ error = \"message\" }}`"),
                );
                continue;
            }
            ReadFailEntry::Error { error } => ReadFail::Error {
                message: error.clone(),
            },
        };
        read_fail.insert(field, parsed);
    }
    let table = value.get_ref().as_table()?;
    let condition = key_of(table, "condition")
        .map(|c| condition(problems, ctx, def.map(|d| d.name.as_str()), c));
    Some(Policy {
        id: entry.id.get_ref().clone(),
        description: entry.description,
        effect,
        roles: entry.roles.into_iter().map(Spanned::into_inner).collect(),
        actions: entry.actions.into_iter().map(Spanned::into_inner).collect(),
        resource,
        condition,
        fields,
        read_fail,
        at: entry.id.span().start,
    })
}

fn tests_of(
    problems: &mut Problems,
    set: &PolicySet,
    policies: &[Policy],
    doc: &DeTable<'_>,
) -> Vec<TestCase> {
    let mut out = Vec::new();
    for (value, entry) in many::<TestEntry>(problems, doc, "test") {
        check_action(problems, set, &entry.action);
        check_resource(problems, set, &entry.resource);
        let def = entry
            .resource
            .get_ref()
            .split_once(':')
            .and_then(|(ty, _)| set.types.get(ty));
        let decision = match entry.decision.get_ref().as_str() {
            "allow" => Decision::Allow,
            "deny" => Decision::Deny,
            other => {
                problems.add(
                    &entry.decision.span(),
                    format!("unknown decision `{other}`, expected `allow` or `deny`"),
                );
                continue;
            }
        };
        for id in entry.policies.iter().flatten() {
            if !policies.iter().any(|p| &p.id == id.get_ref()) {
                problems.add(
                    &id.span(),
                    format!(
                        "unknown policy `{}`{}",
                        id.get_ref(),
                        hint(
                            closest(id.get_ref(), policies.iter().map(|p| p.id.as_str()))
                                .as_deref()
                        )
                    ),
                );
            }
        }
        if let Some(def) = def {
            for f in entry.fields.iter().flatten().chain(entry.field.iter()) {
                check_field(problems, def, f);
            }
        }
        let mut assume = Vec::new();
        for text in entry.assume.iter().flatten() {
            match super::assume::parse_assumption(set, text.get_ref()) {
                Ok(a) => assume.push((text.span().start, a)),
                Err(reason) => problems.add(
                    &text.span(),
                    format!("assume `{}`: {reason}", text.get_ref()),
                ),
            }
        }
        let context = value
            .get_ref()
            .as_table()
            .and_then(|t| key_of(t, "context"))
            .map(|c| test_context(problems, set, c))
            .unwrap_or_default();
        out.push(TestCase {
            context,
            name: entry.name,
            user: entry.user,
            action: entry.action.into_inner(),
            resource: entry.resource.into_inner(),
            field: entry.field.map(Spanned::into_inner),
            decision,
            policies: entry
                .policies
                .map(|l| l.into_iter().map(Spanned::into_inner).collect()),
            fields: entry
                .fields
                .map(|l| l.into_iter().map(Spanned::into_inner).collect()),
            assume,
            at: value.span().start,
        });
    }
    out
}

/// A `[[test]]` case's `context = { now = "…", ip = "…", scopes = […], claims = { … } }`,
/// each name declared in `[context]` and each value of its type.
fn test_context(problems: &mut Problems, set: &PolicySet, value: &Spanned<DeValue<'_>>) -> Context {
    let mut out = Context::new();
    let Some(table) = value.get_ref().as_table() else {
        problems.add(
            &value.span(),
            "`context` is a table, such as `{ now = \"2026-01-01T00:00:00Z\" }`",
        );
        return out;
    };
    let mut entries: Vec<(String, &Spanned<DeValue<'_>>, Range<usize>)> = Vec::new();
    for (key, v) in table {
        match (key.get_ref().as_ref(), v.get_ref().as_table()) {
            ("claims", Some(claims)) => {
                for (claim, cv) in claims {
                    entries.push((format!("{CLAIMS}{}", claim.get_ref()), cv, claim.span()));
                }
            }
            (name, _) => entries.push((name.to_string(), v, key.span())),
        }
    }
    for (name, v, span) in entries {
        let Some(declared) = set.context.get(&name) else {
            problems.add(
                &span,
                format!(
                    "undeclared context `{name}`{}",
                    hint(closest(&name, set.context.keys().map(String::as_str)).as_deref())
                ),
            );
            continue;
        };
        let json = match v.get_ref() {
            DeValue::String(text) => serde_json::Value::String(text.to_string()),
            DeValue::Boolean(b) => serde_json::Value::Bool(*b),
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .map_or(serde_json::Value::Null, serde_json::Value::from),
            DeValue::Array(items) => serde_json::Value::Array(
                items
                    .iter()
                    .map(|i| {
                        i.get_ref().as_str().map_or(serde_json::Value::Null, |t| {
                            serde_json::Value::String(t.to_string())
                        })
                    })
                    .collect(),
            ),
            _ => serde_json::Value::Null,
        };
        match ContextValue::from_json(declared.ty, &json) {
            Some(parsed) => out.insert(name, parsed),
            None => problems.add(
                &v.span(),
                format!("context `{name}` is {}: not {}", declared.ty.name(), json),
            ),
        }
    }
    out
}

const OPERATORS: [&str; 14] = [
    "_and",
    "_or",
    "_not",
    "_eq",
    "_neq",
    "_gt",
    "_gte",
    "_lt",
    "_lte",
    "_in",
    "_nin",
    "_is_null",
    "_in_cidr",
    "_contains",
];

#[expect(
    clippy::too_many_lines,
    reason = "one match over the key kinds of a Hasura expression"
)]
/// Parses a boolean expression on rows of type `ty` (`None`: no row, only `$subject.*`).
fn condition(
    problems: &mut Problems,
    ctx: &Ctx<'_>,
    ty: Option<&str>,
    value: &Spanned<DeValue<'_>>,
) -> Condition {
    let Some(table) = value.get_ref().as_table() else {
        problems.add(
            &value.span(),
            format!("a condition must be a table, such as `{{ id = {{ _eq = \"$subject.id\" }} }}`, not a {}", value.get_ref().type_str()),
        );
        return Condition::And(Vec::new());
    };
    let def = ty.and_then(|t| ctx.set.types.get(t));
    let mut parts = Vec::new();
    for (key, value) in table {
        let name: &str = key.get_ref();
        let span = key.span();
        match name {
            "_and" | "_or" => {
                let Some(items) = value.get_ref().as_array() else {
                    problems.add(
                        &value.span(),
                        format!("`{name}` takes an array of conditions"),
                    );
                    continue;
                };
                let inner = items
                    .iter()
                    .map(|i| condition(problems, ctx, ty, i))
                    .collect();
                parts.push(if name == "_and" {
                    Condition::And(inner)
                } else {
                    Condition::Or(inner)
                });
            }
            "_not" => parts.push(Condition::Not(Box::new(condition(
                problems, ctx, ty, value,
            )))),
            _ if name.starts_with(CONTEXT) => {
                if let Some((var, ty)) = context_var(problems, ctx, name, &span) {
                    comparisons(
                        problems,
                        ctx,
                        &Lhs::Context(var),
                        Operand::Context(ty),
                        value,
                        &mut parts,
                    );
                }
            }
            _ if name.starts_with('$') => {
                if let Some(attr) = session_var(problems, ctx, name, &span) {
                    let lhs_ty = ctx.session.get(&attr).copied().flatten();
                    comparisons(
                        problems,
                        ctx,
                        &Lhs::Subject(attr),
                        Operand::Column(lhs_ty),
                        value,
                        &mut parts,
                    );
                }
            }
            _ if name.starts_with('_') => {
                problems.add(
                    &span,
                    format!(
                        "unknown operator `{name}`{}",
                        Suggestion::for_word(name, OPERATORS)
                    ),
                );
            }
            _ => {
                let Some(def) = def else {
                    problems.add(
                        &span,
                        format!("`{name}`: this condition has no row to test (only `$subject.*` and `_and`/`_or`/`_not`)"),
                    );
                    continue;
                };
                if let Some(column_ty) = def.columns.get(name) {
                    comparisons(
                        problems,
                        ctx,
                        &Lhs::Column(name.to_string()),
                        Operand::Column(Some(*column_ty)),
                        value,
                        &mut parts,
                    );
                    continue;
                }
                let (rel_name, transitive) = match name.strip_suffix('*') {
                    Some(base) => (base, true),
                    None => (name, false),
                };
                let Some(rel) = ctx.set.relationship(&def.name, rel_name) else {
                    let known: Vec<String> = def
                        .columns
                        .keys()
                        .cloned()
                        .chain(
                            ctx.set
                                .relationships
                                .iter()
                                .filter(|r| r.ty == def.name)
                                .map(|r| r.name.clone()),
                        )
                        .collect();
                    problems.add(
                        &span,
                        format!(
                            "type `{}` has no column or relationship `{name}`{}",
                            def.name,
                            Suggestion::for_word(name, known.iter().map(String::as_str))
                        ),
                    );
                    continue;
                };
                if transitive && rel.target != rel.ty {
                    problems.add(
                        &span,
                        format!(
                            "`{name}`: only a relationship from a type to itself can be followed transitively, and `{}.{}` leads to `{}`",
                            rel.ty, rel.name, rel.target
                        ),
                    );
                    continue;
                }
                let inner = Box::new(condition(problems, ctx, Some(&rel.target), value));
                parts.push(if transitive {
                    Condition::Transitive {
                        rel: rel.name.clone(),
                        inner,
                        at: span.start,
                    }
                } else {
                    Condition::Exists {
                        rel: rel.name.clone(),
                        inner,
                        at: span.start,
                    }
                });
            }
        }
    }
    if parts.len() == 1 {
        parts.pop().unwrap_or(Condition::And(Vec::new()))
    } else {
        Condition::And(parts)
    }
}

/// `$subject.NAME` → `NAME`, checked against the subject attributes.
fn session_var(
    problems: &mut Problems,
    ctx: &Ctx<'_>,
    text: &str,
    span: &Range<usize>,
) -> Option<String> {
    let Some(attr) = text.strip_prefix("$subject.") else {
        problems.add(
            span,
            format!(
                "unknown session variable `{text}`: session variables are written `$subject.NAME`"
            ),
        );
        return None;
    };
    if ctx.session.contains_key(attr) {
        return Some(attr.to_string());
    }
    problems.add(
        span,
        format!(
            "unknown session variable `{text}`{}",
            hint(
                closest(attr, ctx.session.keys().map(String::as_str))
                    .map(|s| format!("$subject.{s}"))
                    .as_deref()
            )
        ),
    );
    None
}

/// How `$context.` variables are written.
const CONTEXT: &str = "$context.";

/// The type of a comparison's left operand: a column's or subject attribute's (`None` when
/// subject types disagree), or a context value's.
#[derive(Clone, Copy)]
enum Operand {
    Column(Option<ColumnType>),
    Context(ContextType),
}

impl Operand {
    /// The column type a scalar operand compares as; `None` for an address or a list.
    fn column_type(self) -> Option<ColumnType> {
        match self {
            Operand::Column(ty) => ty,
            Operand::Context(ty) => context_column_type(ty),
        }
    }
}

fn context_column_type(ty: ContextType) -> Option<ColumnType> {
    match ty {
        ContextType::Text => Some(ColumnType::Text),
        ContextType::Int => Some(ColumnType::Int),
        ContextType::Bool => Some(ColumnType::Bool),
        ContextType::Time => Some(ColumnType::Time),
        ContextType::Ip | ContextType::List => None,
    }
}

/// `$context.NAME` → `NAME` and its type, checked against `[context]`.
fn context_var(
    problems: &mut Problems,
    ctx: &Ctx<'_>,
    text: &str,
    span: &Range<usize>,
) -> Option<(String, ContextType)> {
    let name = text.strip_prefix(CONTEXT)?;
    if ctx.in_binding {
        problems.add(
            span,
            format!("`{text}`: a role does not depend on the request's context; test it in a policy's condition"),
        );
        return None;
    }
    if let Some(declared) = ctx.set.context.get(name) {
        return Some((name.to_string(), declared.ty));
    }
    let close = closest(name, ctx.set.context.keys().map(String::as_str));
    problems.add(
        span,
        match close {
            Some(close) => format!("undeclared context `{text}`: did you mean `{CONTEXT}{close}`?"),
            None => format!(
                "undeclared context `{text}`: declare it under `[context]`, such as `now = \"time\"` or `claims = {{ org_id = \"int\" }}`"
            ),
        },
    );
    None
}

#[expect(
    clippy::too_many_lines,
    reason = "one match over the operators, each with its type rule"
)]
/// `{ _eq = …, _gt = … }` on one operand.
fn comparisons(
    problems: &mut Problems,
    ctx: &Ctx<'_>,
    lhs: &Lhs,
    lhs_ty: Operand,
    value: &Spanned<DeValue<'_>>,
    out: &mut Vec<Condition>,
) {
    let Some(table) = value.get_ref().as_table() else {
        problems.add(
            &value.span(),
            "expected a table of operators, such as `{ _eq = 1 }`",
        );
        return;
    };
    if table.is_empty() {
        problems.add(
            &value.span(),
            "expected at least one operator, such as `{ _eq = 1 }`",
        );
    }
    let lhs_name = match lhs {
        Lhs::Context(name) => format!("{CONTEXT}{name}"),
        Lhs::Subject(name) => format!("$subject.{name}"),
        Lhs::Column(name) => format!("`{name}`"),
    };
    for (key, v) in table {
        let name: &str = key.get_ref();
        let at = key.span().start;
        if name == "_is_null" {
            if let Lhs::Context(_) = lhs {
                problems.add(
                    &key.span(),
                    format!("`_is_null` does not apply to `{lhs_name}`: a request without it fails closed"),
                );
                continue;
            }
            match v.get_ref().as_bool() {
                Some(is_null) => out.push(Condition::IsNull {
                    lhs: lhs.clone(),
                    is_null,
                    at,
                }),
                None => problems.add(&v.span(), "`_is_null` takes `true` or `false`"),
            }
            continue;
        }
        let Some(op) = Op::ALL.iter().find(|(n, _)| *n == name).map(|(_, op)| *op) else {
            problems.add(
                &key.span(),
                format!(
                    "unknown operator `{name}`{}",
                    Suggestion::for_word(name, OPERATORS)
                ),
            );
            continue;
        };
        // The operators of addresses and lists, and only theirs.
        let special = match lhs_ty {
            Operand::Context(ContextType::Ip) => Some((Op::InCidr, "ip")),
            Operand::Context(ContextType::List) => Some((Op::Contains, "list")),
            _ => None,
        };
        match (special, op) {
            (Some((only, _)), op) if op == only => {}
            (Some((only, ty)), _) => {
                problems.add(
                    &key.span(),
                    format!(
                        "`{lhs_name}` is {ty}: it takes `{}`, not `{name}`",
                        only.name()
                    ),
                );
                continue;
            }
            (None, Op::InCidr) => {
                problems.add(
                    &key.span(),
                    format!(
                        "`_in_cidr` takes an ip from `[context]` (`$context.ip`), not {lhs_name}"
                    ),
                );
                continue;
            }
            (None, Op::Contains) => {
                problems.add(
                    &key.span(),
                    format!("`_contains` takes a list from `[context]` (`$context.scopes`), not {lhs_name}"),
                );
                continue;
            }
            (None, _) => {}
        }
        let lhs_col = lhs_ty.column_type();
        let rhs = if op == Op::InCidr {
            let Some(items) = v.get_ref().as_array() else {
                problems.add(
                    &v.span(),
                    "`_in_cidr` takes an array of address blocks, such as `[\"10.0.0.0/8\"]`",
                );
                continue;
            };
            let mut values = Vec::new();
            for item in items {
                match item.get_ref().as_str() {
                    Some(text) if context::parse_cidr(text).is_some() => {
                        values.push(Value::Text(text.to_string()));
                    }
                    _ => problems.add(
                        &item.span(),
                        "not an address block: write `10.0.0.0/8`, `192.168.1.7` or `fd00::/8`",
                    ),
                }
            }
            Rhs::List(values)
        } else if op == Op::Contains {
            match v.get_ref().as_str() {
                Some(text) if !text.starts_with('$') => Rhs::Value(Value::Text(text.to_string())),
                _ => {
                    problems.add(
                        &v.span(),
                        "`_contains` takes a string, such as `\"games:read\"`",
                    );
                    continue;
                }
            }
        } else if matches!(op, Op::In | Op::Nin) {
            let Some(items) = v.get_ref().as_array() else {
                problems.add(&v.span(), format!("`{name}` takes an array of values"));
                continue;
            };
            let mut values = Vec::new();
            for item in items {
                // `_eq`'s `$…` is a variable, never a value; a list takes values only, so a
                // `$…` in one would be compared as the text it is.
                if let Some(text) = item.get_ref().as_str().filter(|s| s.starts_with('$')) {
                    problems.add(
                        &item.span(),
                        format!(
                            "`{name}` takes a list of values, and `{text}` would be compared as \
                             text, not read as a variable: compare with `_eq` (several under \
                             `_or`)"
                        ),
                    );
                    continue;
                }
                if let Some(value) = literal(problems, item) {
                    let value = timed(problems, lhs_col, value, &item.span());
                    check_type_of(problems, lhs_col, &value, &item.span());
                    values.push(value);
                }
            }
            Rhs::List(values)
        } else if let Some(text) = v.get_ref().as_str().filter(|s| s.starts_with(CONTEXT)) {
            let Some((var, ty)) = context_var(problems, ctx, text, &v.span()) else {
                continue;
            };
            let Some(rhs_ty) = context_column_type(ty) else {
                problems.add(
                    &v.span(),
                    format!(
                        "`{text}` is {}: it takes `{}`, and cannot be compared with `{name}`",
                        ty.name(),
                        if ty == ContextType::Ip {
                            "_in_cidr"
                        } else {
                            "_contains"
                        }
                    ),
                );
                continue;
            };
            if let Some(l) = lhs_col
                && l != rhs_ty
            {
                problems.add(
                    &v.span(),
                    format!(
                        "type mismatch: `{text}` is {}, compared with {}",
                        rhs_ty.name(),
                        l.name()
                    ),
                );
            }
            Rhs::Context(var)
        } else if let Some(text) = v.get_ref().as_str().filter(|s| s.starts_with('$')) {
            let Some(attr) = session_var(problems, ctx, text, &v.span()) else {
                continue;
            };
            let rhs_ty = ctx.session.get(&attr).copied().flatten();
            if let (Some(l), Some(r)) = (lhs_col, rhs_ty)
                && l != r
            {
                problems.add(
                    &v.span(),
                    format!(
                        "type mismatch: `{text}` is {}, compared with {}",
                        r.name(),
                        l.name()
                    ),
                );
            }
            Rhs::Subject(attr)
        } else {
            let Some(value) = literal(problems, v) else {
                continue;
            };
            let value = timed(problems, lhs_col, value, &v.span());
            check_type_of(problems, lhs_col, &value, &v.span());
            Rhs::Value(value)
        };
        out.push(Condition::Compare {
            lhs: lhs.clone(),
            op,
            rhs,
            at,
        });
    }
}

/// A literal compared with a time: its canonical form (`YYYY-MM-DDTHH:MM:SSZ`), which compares
/// as text the way the times compare. Anything else is returned as it is.
fn timed(
    problems: &mut Problems,
    ty: Option<ColumnType>,
    value: Value,
    span: &Range<usize>,
) -> Value {
    let (Some(ColumnType::Time), Value::Text(text)) = (ty, &value) else {
        return value;
    };
    if let Some(canonical) = context::canonical_time(text) {
        return Value::Text(canonical);
    }
    problems.add(
        span,
        format!("`{text}` is not an RFC 3339 time, such as `2026-01-01T00:00:00Z`"),
    );
    Value::Null
}

fn check_type_of(
    problems: &mut Problems,
    ty: Option<ColumnType>,
    value: &Value,
    span: &Range<usize>,
) {
    if let Some(ty) = ty
        && !ty.accepts(value)
    {
        problems.add(
            span,
            format!("type mismatch: {value} compared with {}", ty.name()),
        );
    }
}

fn literal(problems: &mut Problems, value: &Spanned<DeValue<'_>>) -> Option<Value> {
    match value.get_ref() {
        DeValue::String(s) => Some(Value::Text(s.to_string())),
        DeValue::Boolean(b) => Some(Value::Bool(*b)),
        DeValue::Integer(i) => {
            // `as_str` is already the digits `from_str_radix` takes (the parser removed the
            // radix prefix and the underscores): trimming a prefix again misread `0x0b1` as 1.
            let parsed = i64::from_str_radix(i.as_str(), i.radix()).ok();
            if parsed.is_none() {
                problems.add(&value.span(), format!("integer `{i}` is out of range"));
            }
            parsed.map(Value::Int)
        }
        other => {
            problems.add(
                &value.span(),
                format!(
                    "expected a string, integer or boolean, not a {}",
                    other.type_str()
                ),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"actions = ["read"]
[types.player]
table = "players"
columns = { id = "int", team_id = "int", name = "text" }
[types.team]
table = "teams"
columns = { id = "int" }
[roles]
player = {}
[[binding]]
subject = "player"
role = "player"
"#;

    /// The first problem of BASE + `extra`, as `file:line:col: message`.
    fn first_problem(extra: &str) -> String {
        let source = format!("{BASE}{extra}");
        match parse("p.toml", &source) {
            Ok(_) => panic!("expected a problem in:\n{extra}"),
            Err(err) => err.problems[0].to_string(),
        }
    }

    fn policy(condition: &str) -> String {
        format!(
            "[[policy]]\nid = \"x\"\neffect = \"allow\"\nroles = [\"player\"]\nactions = [\"read\"]\nresource = \"player\"\ncondition = {condition}\n"
        )
    }

    #[test]
    fn integer_literals_keep_their_radix_and_digits() {
        for (literal, value) in [
            ("0x0b1", 0xb1),
            ("0x0b", 0x0b),
            ("0xb", 0xb),
            ("0o017", 0o17),
            ("0b0101", 0b101),
            ("1_000", 1000),
            ("-17", -17),
            ("0x7fff_ffff_ffff_ffff", i64::MAX),
        ] {
            let source = format!(
                "{BASE}{}",
                policy(&format!("{{ team_id = {{ _lt = {literal} }} }}"))
            );
            let set = parse("p.toml", &source).unwrap_or_else(|e| panic!("{literal}: {e}"));
            let Some(Condition::Compare {
                rhs: Rhs::Value(Value::Int(n)),
                ..
            }) = &set.policies[0].condition
            else {
                panic!("{literal}: not an integer comparison");
            };
            assert_eq!(*n, value, "{literal}");
        }
        let err = first_problem(&policy("{ team_id = { _lt = 0xffff_ffff_ffff_ffff } }"));
        assert!(
            err.contains("integer `0xffffffffffffffff` is out of range"),
            "{err}"
        );
    }

    #[test]
    fn the_shipped_file_parses() {
        let set = parse("policies.toml", include_str!("../../policies.toml")).unwrap();
        assert_eq!(set.policies.len(), 12);
        assert!(set.tests.len() >= 20);
        assert_eq!(set.settings.limits.max_depth, Some(10));
        assert!(crate::authz::lint(&set).is_empty());
    }

    #[test]
    fn each_bad_input_is_located() {
        let cases = [
            (
                "[[policy]\n",
                "p.toml:13:10: unclosed array table, expected `]`",
            ),
            (
                "colour = 1\n",
                "p.toml:13:1: in `[[binding]]`: unknown field `colour`",
            ),
            (
                "[[relationship]]\ntype = \"player\"\nname = \"team\"\ntarget = \"team\"\nkind = \"object\"\nmapping = { team = \"id\" }\n",
                "p.toml:18:11: dangling relationship `player.team`: type `player` has no column `team`",
            ),
            (
                &policy("{ id = { _eqq = 1 } }"),
                "p.toml:19:22: unknown operator `_eqq`: did you mean `_eq`?",
            ),
            (
                &policy("{ id = { _eq = \"$subject.teamid\" } }"),
                "p.toml:19:28: unknown session variable `$subject.teamid`: did you mean `$subject.team_id`?",
            ),
            (
                &policy("{ name = { _nin = [\"Harry Potter\", \"$subject.name\"] } }"),
                "p.toml:19:48: `_nin` takes a list of values, and `$subject.name` would be compared as text, not read as a variable: compare with `_eq` (several under `_or`)",
            ),
            (
                &policy("{ id = { _eq = \"$user.id\" } }"),
                "p.toml:19:28: unknown session variable `$user.id`: session variables are written `$subject.NAME`",
            ),
            (
                &policy("{ tema = { id = { _eq = 1 } } }"),
                "p.toml:19:15: type `player` has no column or relationship `tema`",
            ),
            (
                &policy("{ id = { _eq = \"one\" } }"),
                "p.toml:19:28: type mismatch: \"one\" compared with int",
            ),
            (
                "[[policy]]\nid = \"x\"\neffect = \"allow\"\nroles = [\"palyer\"]\nactions = [\"read\"]\nresource = \"player\"\n",
                "p.toml:16:10: unknown role `palyer`: did you mean `player`?",
            ),
            (
                "[[policy]]\nid = \"x\"\neffect = \"allow\"\nroles = [\"player\"]\nactions = [\"read\"]\nresource = \"player\"\nfeilds = [\"id\"]\n",
                "p.toml:19:1: in `[[policy]]`: unknown field `feilds`",
            ),
        ];
        let mut wrong = Vec::new();
        for (extra, expected) in cases {
            let got = first_problem(extra);
            if !got.starts_with(expected) {
                wrong.push(format!(" got: {got}\nwant: {expected}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn context_is_declared_and_each_use_type_checked() {
        let head = "[types.player]\ntable = \"players\"\ncolumns = { id = \"int\", team_id = \"int\", name = \"text\", joined = \"time\" }\n[context]\nnow = \"time\"\nip = \"ip\"\nscopes = \"list\"\nclaims = { org_id = \"int\" }\n";
        let base = format!(
            "actions = [\"read\"]\n{head}[roles]\nplayer = {{}}\n[[binding]]\nsubject = \"player\"\nrole = \"player\"\n"
        );
        let with = |extra: &str| format!("{base}{extra}");
        let ok = parse(
            "p.toml",
            &with(&policy(
                "{ _and = [{ joined = { _lt = \"$context.now\" } }, { team_id = { _eq = \"$context.claims.org_id\" } }, { \"$context.ip\" = { _in_cidr = [\"10.0.0.0/8\"] } }, { \"$context.scopes\" = { _contains = \"games:read\" } }, { joined = { _gt = \"2026-01-01T01:00:00+01:00\" } }] }",
            )),
        )
        .unwrap();
        assert_eq!(ok.context.len(), 4);
        // A time literal is kept in the one form times compare in.
        let Some(Condition::And(parts)) = &ok.policies[0].condition else {
            panic!("an _and");
        };
        assert!(matches!(
            &parts[4],
            Condition::Compare { rhs: Rhs::Value(Value::Text(t)), .. } if t == "2026-01-01T00:00:00Z"
        ));
        let cases = [
            (
                policy("{ id = { _eq = \"$context.claims.orgid\" } }"),
                "p.toml:21:28: undeclared context `$context.claims.orgid`: did you mean `$context.claims.org_id`?",
            ),
            (
                policy("{ name = { _eq = \"$context.claims.org_id\" } }"),
                "p.toml:21:30: type mismatch: `$context.claims.org_id` is int, compared with text",
            ),
            (
                policy("{ name = { _lt = \"$context.now\" } }"),
                "p.toml:21:30: type mismatch: `$context.now` is time, compared with text",
            ),
            (
                policy("{ \"$context.ip\" = { _eq = \"10.0.0.1\" } }"),
                "p.toml:21:33: `$context.ip` is ip: it takes `_in_cidr`, not `_eq`",
            ),
            (
                policy("{ \"$context.scopes\" = { _in_cidr = [\"10.0.0.0/8\"] } }"),
                "p.toml:21:37: `$context.scopes` is list: it takes `_contains`, not `_in_cidr`",
            ),
            (
                policy("{ name = { _contains = \"x\" } }"),
                "p.toml:21:24: `_contains` takes a list from `[context]`",
            ),
            (
                policy("{ \"$context.ip\" = { _in_cidr = [\"10.0.0/8\"] } }"),
                "p.toml:21:45: not an address block",
            ),
            (
                policy("{ joined = { _lt = \"yesterday\" } }"),
                "p.toml:21:32: `yesterday` is not an RFC 3339 time",
            ),
            (
                policy("{ \"$context.now\" = { _is_null = true } }"),
                "p.toml:21:34: `_is_null` does not apply to `$context.now`",
            ),
        ];
        let mut wrong = Vec::new();
        for (extra, expected) in &cases {
            let got = match parse("p.toml", &with(extra)) {
                Ok(_) => "parsed".to_string(),
                Err(err) => err.problems[0].to_string(),
            };
            if !got.starts_with(expected) {
                wrong.push(format!(" got: {got}\nwant: {expected}"));
            }
        }
        // Undeclared context, and a declaration of the wrong type.
        let undeclared = format!("{BASE}{}", policy("{ id = { _eq = \"$context.now\" } }"));
        let got = parse("p.toml", &undeclared).unwrap_err().problems[0].to_string();
        if !got.starts_with(
            "p.toml:19:28: undeclared context `$context.now`: declare it under `[context]`",
        ) {
            wrong.push(format!(" got: {got}"));
        }
        let got = parse(
            "p.toml",
            &format!("{BASE}[context]\nnow = \"text\"\nnwo = \"time\"\n"),
        )
        .unwrap_err()
        .to_string();
        for want in [
            "p.toml:14:7: `context.now` is `time`, not `text`",
            "p.toml:15:1: unknown context `nwo`: did you mean `now`?",
        ] {
            if !got.contains(want) {
                wrong.push(format!(" got: {got}\nwant: {want}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn identity_is_parsed_and_each_problem_located() {
        let source = format!(
            "{BASE}[identity]\nsubject_claim = \"x-hasura-user-id\"\nnamespace = \"https://hasura.io/jwt/claims\"\nmap = \"player.name\"\nissuer = \"https://idp.test/\"\naudience = \"quidditch\"\nclock_skew = 30\n"
        );
        let identity = parse("p.toml", &source).unwrap().identity;
        assert_eq!(identity.subject_claim, "x-hasura-user-id");
        assert_eq!(
            identity.namespace.as_deref(),
            Some("https://hasura.io/jwt/claims")
        );
        assert_eq!(
            identity.map,
            SubjectMap::Column {
                ty: "player".into(),
                column: "name".into()
            }
        );
        assert_eq!(identity.issuer.as_deref(), Some("https://idp.test/"));
        assert_eq!(identity.audience.as_deref(), Some("quidditch"));
        assert_eq!(identity.clock_skew, Some(30));
        // Without `[identity]`: `sub` names a `TYPE:ID` reference, as `authz token` mints.
        let plain = parse("p.toml", BASE).unwrap().identity;
        assert_eq!(plain.subject_claim, "sub");
        assert_eq!(plain.map, SubjectMap::Ref);

        let cases = [
            (
                "[identity]\nmap = \"player.nam\"\n",
                "p.toml:14:7: `identity.map`: type `player` has no column `nam`: did you mean `name`?",
            ),
            (
                "[identity]\nmap = \"playr.name\"\n",
                "p.toml:14:7: `identity.map`: unknown type `playr`: did you mean `player`?",
            ),
            (
                "[identity]\nmap = \"name\"\n",
                "p.toml:14:7: `identity.map` must be `ref`",
            ),
            (
                "[identity]\nsubject_claim = \"\"\n",
                "p.toml:14:17: `identity.subject_claim` must not be empty",
            ),
            (
                "[identity]\nissuer = \"a\"\nclockskew = 3\n",
                "p.toml:15:1: in `identity`: unknown field `clockskew`",
            ),
            (
                "[identity]\nclock_skew = \"30s\"\n",
                "p.toml:14:14: in `identity`: invalid type",
            ),
            (
                "[identitiy]\n",
                "p.toml:13:2: unknown key `identitiy`: did you mean `identity`?",
            ),
        ];
        let mut wrong = Vec::new();
        for (extra, expected) in cases {
            let got = first_problem(extra);
            if !got.starts_with(expected) {
                wrong.push(format!(" got: {got}\nwant: {expected}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
