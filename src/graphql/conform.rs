//! Where async-graphql departs from the GraphQL spec, this layer puts its answers right (issue
//! 19), around the library rather than inside it:
//!
//! - validation rules it does not run or gets wrong: a selection on `__typename` (its document
//!   walker never looks inside `__typename`), variables used where their type is not allowed,
//!   variables used only in `@include`/`@skip` on `__typename` (it calls them unused); and the
//!   coercion of variable values, where a non-null variable sent as `null` or not sent is a
//!   request error. These run in the [`Conformance`] extension's validation hook, after the
//!   library's own rules, so errors come in the spec's order (validation, then coercion);
//! - messages that name the wrong thing (a required argument's type, the response key of
//!   conflicting fields), errors reported twice, and request errors that carry a `path`;
//! - the shape of the answer: the library resolves the fields of an object concurrently and
//!   keeps them in the order they finish, and answers an object whose every selection was
//!   skipped as `null`. [`Shape`] puts each object's keys in the order of its selection set, and
//!   a hidden `__typename` (under a response key no document can spell) keeps an object that
//!   selects nothing an object, `{}`, and tells an abstract type's runtime type.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Field, OperationDefinition, Selection,
    SelectionSet, Type, VariableDefinition,
};
use async_graphql::{Name, Pos, Positioned, ServerError, ValidationResult, Value, Variables};
use async_graphql_value::Value as AstValue;
use serde_json::Value as Json;

/// The response key of the hidden `__typename`: a colon cannot appear in a GraphQL name, so no
/// document's own key can be this.
pub const MARKER: &str = "quidditch:type";

/// The types of the schema, as far as these checks need them: each field's type and its
/// arguments' types, and the possible types of each abstract type.
#[derive(Debug, Default)]
pub struct Model {
    types: HashMap<String, TypeModel>,
}

#[derive(Debug, Default)]
struct TypeModel {
    abstract_type: bool,
    fields: HashMap<String, FieldModel>,
    possible: Vec<String>,
}

#[derive(Debug)]
struct FieldModel {
    /// The named type under any list and non-null wrappers.
    named: String,
    /// The whole type, as written in SDL (`[GameObjectEdge]!`).
    sdl: String,
    /// Each argument's type, as written in SDL (`ID!`).
    args: HashMap<String, String>,
}

impl Model {
    /// The model of an answer to [`crate::limits::Introspection::QUERY`].
    pub fn from_answer(data: &Json) -> Model {
        let mut types = HashMap::new();
        let list = data
            .pointer("/__schema/types")
            .and_then(Json::as_array)
            .map_or(&[][..], Vec::as_slice);
        for ty in list {
            let Some(name) = ty.get("name").and_then(Json::as_str) else {
                continue;
            };
            let kind = ty.get("kind").and_then(Json::as_str).unwrap_or_default();
            let fields = ty
                .get("fields")
                .and_then(Json::as_array)
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .filter_map(|f| {
                    let name = f.get("name")?.as_str()?.to_string();
                    let named = named_type(f.get("type")?)?;
                    let sdl = sdl_type(f.get("type")?)?;
                    let args = f
                        .get("args")
                        .and_then(Json::as_array)
                        .map_or(&[][..], Vec::as_slice)
                        .iter()
                        .filter_map(|a| {
                            Some((
                                a.get("name")?.as_str()?.to_string(),
                                sdl_type(a.get("type")?)?,
                            ))
                        })
                        .collect();
                    Some((name, FieldModel { named, sdl, args }))
                })
                .collect();
            let possible = ty
                .get("possibleTypes")
                .and_then(Json::as_array)
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .filter_map(|p| Some(p.get("name")?.as_str()?.to_string()))
                .collect();
            types.insert(
                name.to_string(),
                TypeModel {
                    abstract_type: kind == "INTERFACE" || kind == "UNION",
                    fields,
                    possible,
                },
            );
        }
        Model { types }
    }

    fn field(&self, parent: &str, name: &str) -> Option<&FieldModel> {
        self.types.get(parent)?.fields.get(name)
    }

    /// The named type of `parent.name`; the introspection root fields are not listed on the
    /// query type.
    fn field_type(&self, parent: &str, name: &str) -> Option<&str> {
        match name {
            "__schema" => Some("__Schema"),
            "__type" => Some("__Type"),
            _ => self.field(parent, name).map(|f| f.named.as_str()),
        }
    }

    fn is_abstract(&self, name: &str) -> bool {
        self.types.get(name).is_some_and(|t| t.abstract_type)
    }

    /// Whether an object of type `runtime` matches a fragment on `condition`.
    fn applies(&self, condition: &str, runtime: &str) -> bool {
        condition == runtime
            || self
                .types
                .get(condition)
                .is_some_and(|t| t.possible.iter().any(|p| p == runtime))
    }
}

fn named_type(ty: &Json) -> Option<String> {
    match ty.get("ofType") {
        Some(inner) if !inner.is_null() => named_type(inner),
        _ => Some(ty.get("name")?.as_str()?.to_string()),
    }
}

fn sdl_type(ty: &Json) -> Option<String> {
    let inner = || sdl_type(ty.get("ofType")?);
    match ty.get("kind")?.as_str()? {
        "NON_NULL" => Some(format!("{}!", inner()?)),
        "LIST" => Some(format!("[{}]", inner()?)),
        _ => Some(ty.get("name")?.as_str()?.to_string()),
    }
}

/// The value of `@skip(if:)` / `@include(if:)` on a selection: whether it is left out.
fn skipped(
    directives: &[Positioned<async_graphql::parser::types::Directive>],
    variables: &Variables,
) -> bool {
    directives.iter().any(|d| {
        let Some(value) = d.node.get_argument("if") else {
            return false;
        };
        let truth = match &value.node {
            AstValue::Variable(name) => variables.get(name) == Some(&Value::Boolean(true)),
            other => *other == AstValue::Boolean(true),
        };
        match d.node.name.node.as_str() {
            "skip" => truth,
            "include" => !truth,
            _ => false,
        }
    })
}

/// The operation a request runs: the named one, or the only one.
fn operation<'d>(
    doc: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d Positioned<OperationDefinition>> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

fn root_type(op: &OperationDefinition) -> &'static str {
    match op.ty {
        async_graphql::parser::types::OperationType::Query => "Query",
        async_graphql::parser::types::OperationType::Mutation => "Mutation",
        async_graphql::parser::types::OperationType::Subscription => "Subscription",
    }
}

/// A variable used at a position of a type.
struct Usage {
    name: Name,
    pos: Pos,
    expected: String,
    /// In a directive on `__typename`, which the library does not see.
    on_typename: bool,
}

/// What a walk of every selection set finds.
#[derive(Default)]
struct Found {
    errors: Vec<ServerError>,
    /// Variable usages in each fragment and in each operation (by its position) directly.
    usages: HashMap<Pos, Vec<Usage>>,
    /// The fragments each fragment or operation spreads directly.
    spreads: HashMap<Pos, Vec<Name>>,
}

struct Walker<'a> {
    model: &'a Model,
    doc: &'a ExecutableDocument,
    found: Found,
}

impl<'a> Walker<'a> {
    fn directives(
        &mut self,
        owner: Pos,
        directives: &[Positioned<async_graphql::parser::types::Directive>],
        on_typename: bool,
    ) {
        for directive in directives {
            if !matches!(directive.node.name.node.as_str(), "skip" | "include") {
                continue;
            }
            for (arg, value) in &directive.node.arguments {
                if let AstValue::Variable(name) = &value.node
                    && arg.node == "if"
                {
                    self.found.usages.entry(owner).or_default().push(Usage {
                        name: name.clone(),
                        pos: value.pos,
                        expected: "Boolean!".into(),
                        on_typename,
                    });
                }
            }
        }
    }

    fn set(&mut self, owner: Pos, set: &'a SelectionSet, parent: Option<&str>) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => self.field(owner, field, parent),
                Selection::FragmentSpread(spread) => {
                    self.directives(owner, &spread.node.directives, false);
                    self.found
                        .spreads
                        .entry(owner)
                        .or_default()
                        .push(spread.node.fragment_name.node.clone());
                }
                Selection::InlineFragment(inline) => {
                    self.directives(owner, &inline.node.directives, false);
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map(|c| c.node.on.node.to_string());
                    let parent = on.as_deref().or(parent);
                    self.set(owner, &inline.node.selection_set.node, parent);
                }
            }
        }
    }

    fn field(&mut self, owner: Pos, field: &'a Positioned<Field>, parent: Option<&str>) {
        let node = &field.node;
        if node.name.node == "__typename" {
            self.directives(owner, &node.directives, true);
            self.typename_rules(field, parent);
            if !node.selection_set.node.items.is_empty() {
                self.found.errors.push(ServerError::new(
                    "Field \"__typename\" must not have a selection since type \"String!\" has no subfields",
                    Some(field.pos),
                ));
            }
            return;
        }
        self.directives(owner, &node.directives, false);
        let schema_field = parent.and_then(|p| self.model.field(p, &node.name.node));
        if let Some(schema_field) = schema_field {
            for (arg, value) in &node.arguments {
                let Some(expected) = schema_field.args.get(arg.node.as_str()) else {
                    continue;
                };
                if let AstValue::Variable(name) = &value.node {
                    self.found.usages.entry(owner).or_default().push(Usage {
                        name: name.clone(),
                        pos: value.pos,
                        expected: expected.clone(),
                        on_typename: false,
                    });
                } else if !int_in_range(&value.node, expected) {
                    // The library checks a literal's kind here but an `Int`'s range only when
                    // the field runs, as a field error; the spec makes it a validation error
                    // ("Values of Correct Type"), a request error before anything runs.
                    self.found.errors.push(ServerError::new(
                        format!(
                            "Invalid value for argument \"{}\", expected type \"{expected}\"",
                            arg.node
                        ),
                        Some(value.pos),
                    ));
                }
            }
        }
        let child = parent.and_then(|p| self.model.field_type(p, &node.name.node));
        let child = child.map(str::to_string);
        self.set(owner, &node.selection_set.node, child.as_deref());
    }

    /// The rules the library's walker never applies to `__typename`, which it skips: its
    /// arguments and directives (the selection is checked by the caller).
    fn typename_rules(&mut self, field: &Positioned<Field>, parent: Option<&str>) {
        for (arg, _) in &field.node.arguments {
            self.found.errors.push(ServerError::new(
                format!(
                    "Unknown argument \"{}\" on field \"__typename\" of type \"{}\"",
                    arg.node,
                    parent.unwrap_or_default()
                ),
                Some(arg.pos),
            ));
        }
        let mut seen = HashSet::new();
        for directive in &field.node.directives {
            let name = directive.node.name.node.as_str();
            if !matches!(name, "skip" | "include") {
                self.found.errors.push(ServerError::new(
                    format!("Unknown directive \"{name}\""),
                    Some(directive.pos),
                ));
                continue;
            }
            if !seen.insert(name) {
                self.found.errors.push(ServerError::new(
                    format!("Directive \"@{name}\" must not be repeated"),
                    Some(directive.pos),
                ));
            }
            for (arg, value) in &directive.node.arguments {
                let fits = matches!(value.node, AstValue::Boolean(_) | AstValue::Variable(_));
                if arg.node != "if" {
                    self.found.errors.push(ServerError::new(
                        format!("Unknown argument \"{}\" on directive \"@{name}\"", arg.node),
                        Some(arg.pos),
                    ));
                } else if !fits {
                    self.found.errors.push(ServerError::new(
                        "Invalid value for argument \"if\", expected type \"Boolean!\"",
                        Some(value.pos),
                    ));
                }
            }
            if directive.node.get_argument("if").is_none() {
                self.found.errors.push(ServerError::new(
                    format!(
                        "Directive \"@{name}\" argument \"if\" of type \"Boolean!\" is required but not provided"
                    ),
                    Some(directive.pos),
                ));
            }
        }
    }

    /// Every usage in the operation at `owner`, through the fragments it spreads.
    fn usages_of(&self, owner: Pos) -> Vec<&Usage> {
        let mut out: Vec<&Usage> = self
            .found
            .usages
            .get(&owner)
            .into_iter()
            .flatten()
            .collect();
        let mut seen = HashSet::new();
        let mut stack: Vec<&Name> = self
            .found
            .spreads
            .get(&owner)
            .into_iter()
            .flatten()
            .collect();
        while let Some(name) = stack.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(fragment) = self.doc.fragments.get(name) {
                let pos = fragment.pos;
                out.extend(self.found.usages.get(&pos).into_iter().flatten());
                stack.extend(self.found.spreads.get(&pos).into_iter().flatten());
            }
        }
        out
    }
}

/// Whether the literal `value`, of the input type `expected` (SDL), holds no integer outside
/// `Int`'s 32 bits where an `Int` is expected (other mismatches are the library's to find).
fn int_in_range(value: &AstValue, expected: &str) -> bool {
    let ty = expected.strip_suffix('!').unwrap_or(expected);
    if let Some(item) = ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return match value {
            AstValue::List(items) => items.iter().all(|v| int_in_range(v, item)),
            single => int_in_range(single, item),
        };
    }
    match value {
        AstValue::Number(n) if ty == "Int" => match n.as_i64() {
            Some(n) => i32::try_from(n).is_ok(),
            // Past `i64`, or not an integer (the library refuses a fraction itself).
            None => !n.is_u64(),
        },
        _ => true,
    }
}

/// Whether a variable of type `var` may be used where `expected` is.
fn compatible(var: &Type, expected: &Type) -> bool {
    if !expected.nullable && var.nullable {
        return false;
    }
    match (&var.base, &expected.base) {
        (BaseType::List(a), BaseType::List(b)) => compatible(a, b),
        (BaseType::Named(a), BaseType::Named(b)) => a == b,
        _ => false,
    }
}

fn allowed(def: &VariableDefinition, expected: &str) -> bool {
    let Some(mut expected) = Type::new(expected) else {
        return true;
    };
    let has_default = def
        .default_value
        .as_ref()
        .is_some_and(|v| v.node != Value::Null);
    if !expected.nullable && has_default {
        expected.nullable = true;
    }
    compatible(&def.var_type.node, &expected)
}

/// What this layer adds to the library's validation of one request, computed before it runs
/// (in the request's data, read by the [`Conformance`] extension).
#[derive(Debug, Default)]
pub struct Checked {
    /// Validation errors the library does not report.
    errors: Vec<ServerError>,
    /// Variables the library calls unused that are used (in a directive on `__typename`).
    used: HashSet<String>,
    /// Errors coercing the variable values: request errors, once the document is valid.
    coercion: Vec<ServerError>,
}

/// Checks `doc` for the request's operation and `variables`.
pub fn check(
    model: &Model,
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Checked {
    let mut walker = Walker {
        model,
        doc,
        found: Found::default(),
    };
    for (_, op) in doc.operations.iter() {
        walker.set(
            op.pos,
            &op.node.selection_set.node,
            Some(root_type(&op.node)),
        );
    }
    for fragment in doc.fragments.values() {
        let on = fragment.node.type_condition.node.on.node.to_string();
        walker.set(fragment.pos, &fragment.node.selection_set.node, Some(&on));
    }
    let mut checked = Checked::default();
    let mut positions = Vec::new();
    for (op_name, op) in doc.operations.iter() {
        let defs: HashMap<&str, &Positioned<VariableDefinition>> = op
            .node
            .variable_definitions
            .iter()
            .map(|d| (d.node.name.node.as_str(), d))
            .collect();
        for usage in walker.usages_of(op.pos) {
            let Some(def) = defs.get(usage.name.as_str()) else {
                // The library finds the other undefined variables; not those on `__typename`.
                if usage.on_typename {
                    let message = match &op_name {
                        Some(op_name) => format!(
                            "Variable \"${}\" is not defined by operation \"{op_name}\"",
                            usage.name
                        ),
                        None => format!("Variable \"${}\" is not defined", usage.name),
                    };
                    positions.push(ServerError::new(message, Some(usage.pos)));
                }
                continue;
            };
            if usage.on_typename {
                checked.used.insert(usage.name.to_string());
            }
            if !allowed(&def.node, &usage.expected) {
                positions.push(ServerError {
                    locations: vec![def.pos, usage.pos],
                    ..ServerError::new(
                        format!(
                            "Variable \"${}\" of type \"{}\" used in position expecting type \"{}\"",
                            usage.name, def.node.var_type.node, usage.expected
                        ),
                        None,
                    )
                });
            }
        }
    }
    checked.errors = std::mem::take(&mut walker.found.errors);
    checked.errors.extend(positions);
    if let Some(op) = operation(doc, operation_name) {
        for def in &op.node.variable_definitions {
            let ty = &def.node.var_type.node;
            if let Some(value) = variables.get(&def.node.name.node)
                && !int_in_range(&value.clone().into_value(), &ty.to_string())
            {
                // As a literal's (above): the library finds it only when the field runs.
                checked.coercion.push(ServerError::new(
                    format!(
                        "Variable \"${}\" got invalid value {value}; expected type \"{ty}\"",
                        def.node.name.node
                    ),
                    Some(def.pos),
                ));
            }
            if ty.nullable {
                continue;
            }
            let message = match variables.get(&def.node.name.node) {
                None if def.node.default_value.is_none() => format!(
                    "Variable \"${}\" of required type \"{ty}\" was not provided",
                    def.node.name.node
                ),
                Some(Value::Null) => format!(
                    "Variable \"${}\" of non-null type \"{ty}\" must not be null",
                    def.node.name.node
                ),
                _ => continue,
            };
            checked
                .coercion
                .push(ServerError::new(message, Some(def.pos)));
        }
    }
    checked
}

/// The extension that adds [`Checked`] to the library's validation.
pub struct Conformance;

impl ExtensionFactory for Conformance {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Conformance)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Conformance {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await;
        let Some(checked) = ctx.data_opt::<Checked>() else {
            return result;
        };
        let unused = |e: &ServerError| {
            checked.used.iter().any(|name| {
                e.message
                    .strip_prefix(&format!("Variable \"${name}\" is not used"))
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(" by operation"))
            })
        };
        let mut errors = match &result {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().filter(|e| !unused(e)).cloned().collect(),
        };
        errors.extend(checked.errors.iter().cloned());
        if !errors.is_empty() {
            return Err(errors);
        }
        if !checked.coercion.is_empty() {
            return Err(checked.coercion.clone());
        }
        Ok(result.unwrap_or(ValidationResult {
            cache_control: async_graphql::CacheControl::default(),
            complexity: 0,
            depth: 0,
        }))
    }
}

/// Puts the library's errors right: the type a missing argument wants, the response key of
/// conflicting fields, each error once, and no `path` on a request error (one that leaves no
/// data; every root field is nullable, so only a request error does).
pub fn errors(
    model: &Model,
    doc: Option<&ExecutableDocument>,
    response: &mut async_graphql::Response,
) {
    let request_error = response.data == Value::Null;
    let mut seen: Vec<ServerError> = Vec::with_capacity(response.errors.len());
    for mut error in std::mem::take(&mut response.errors) {
        if request_error {
            error.path.clear();
        }
        if let Some(doc) = doc {
            reword(model, doc, &mut error);
        }
        if !seen.contains(&error) {
            seen.push(error);
        }
    }
    response.errors = seen;
}

fn reword(model: &Model, doc: &ExecutableDocument, error: &mut ServerError) {
    // `Field "node" argument "id" of type "Query" is required but not provided`: the library
    // names the parent type; the argument's own type is meant.
    if let Some(rest) = error.message.strip_prefix("Field \"")
        && let Some((field, rest)) = rest.split_once("\" argument \"")
        && let Some((arg, rest)) = rest.split_once("\" of type \"")
        && let Some((parent, rest)) = rest.split_once('"')
        && rest == " is required but not provided"
        && let Some(ty) = model.field(parent, field).and_then(|f| f.args.get(arg))
    {
        error.message = format!(
            "Field \"{field}\" argument \"{arg}\" of type \"{ty}\" is required but not provided"
        );
    }
    // `Fields "id" conflict because they have differing arguments`: the library names the
    // argument; the fields' response key is meant.
    if let Some(rest) = error.message.strip_prefix("Fields \"")
        && let Some((_, rest)) = rest.split_once('"')
        && rest.starts_with(" conflict because they have differing arguments")
        && let Some(key) = error.locations.first().and_then(|pos| key_at(doc, *pos))
    {
        error.message = format!("Fields \"{key}\"{rest}");
    }
}

/// The response key of the field at `pos`.
fn key_at(doc: &ExecutableDocument, pos: Pos) -> Option<String> {
    fn find(set: &SelectionSet, pos: Pos) -> Option<String> {
        set.items.iter().find_map(|s| match &s.node {
            Selection::Field(f) if f.pos == pos => Some(f.node.response_key().node.to_string()),
            Selection::Field(f) => find(&f.node.selection_set.node, pos),
            Selection::InlineFragment(i) => find(&i.node.selection_set.node, pos),
            Selection::FragmentSpread(_) => None,
        })
    }
    doc.operations
        .iter()
        .find_map(|(_, op)| find(&op.node.selection_set.node, pos))
        .or_else(|| {
            doc.fragments
                .values()
                .find_map(|f| find(&f.node.selection_set.node, pos))
        })
}

/// Orders an answer's keys by the selection sets of the document that produced it, and turns
/// the hidden `__typename` back into nothing.
pub struct Shape<'a> {
    pub model: &'a Model,
    pub doc: &'a ExecutableDocument,
    pub variables: &'a Variables,
}

impl<'a> Shape<'a> {
    /// Whether the request's operation is plain: the document has no fragments, and no
    /// selection set of the operation has a directive, a response key twice, or an abstract
    /// type. A plain operation needs no hidden `__typename` ([`Shape::marked`]), and its answer
    /// is put in order by [`order_plain`], which needs neither the variables nor a map of
    /// response keys per object: the common case, and the cheap one.
    pub fn plain(&self, operation_name: Option<&str>) -> bool {
        let Some(op) = operation(self.doc, operation_name) else {
            return false;
        };
        self.doc.fragments.is_empty()
            && plain_set(self.model, &op.node.selection_set.node, root_type(&op.node))
    }

    /// Adds the hidden `__typename` to every selection set that may select no field for some
    /// object (so the object answers `{}`, not `null`) or whose type is abstract (so the runtime
    /// type is known): `None` when no set needs it, the common case, and the document is used
    /// as it is.
    pub fn marked(&self, operation_name: Option<&str>) -> Option<ExecutableDocument> {
        let op = operation(self.doc, operation_name)?;
        let mut needed = false;
        self.needs(
            &op.node.selection_set.node,
            Some(root_type(&op.node)),
            &mut needed,
        );
        for fragment in self.doc.fragments.values() {
            let on = fragment.node.type_condition.node.on.node.to_string();
            self.needs_inside(&fragment.node.selection_set.node, Some(&on), &mut needed);
        }
        if !needed {
            return None;
        }
        let mut doc = self.doc.clone();
        let root = Some(root_type(&op.node));
        let variables = self.variables;
        let model = self.model;
        match &mut doc.operations {
            DocumentOperations::Single(op) => {
                mark(model, variables, &mut op.node.selection_set.node, root);
            }
            DocumentOperations::Multiple(ops) => {
                for op in ops.values_mut() {
                    let root = Some(root_type(&op.node));
                    mark(model, variables, &mut op.node.selection_set.node, root);
                }
            }
        }
        for fragment in doc.fragments.values_mut() {
            let on = fragment.node.type_condition.node.on.node.to_string();
            mark_inside(
                model,
                variables,
                &mut fragment.node.selection_set.node,
                Some(&on),
            );
        }
        Some(doc)
    }

    fn needs(&self, set: &SelectionSet, ty: Option<&str>, needed: &mut bool) {
        if wants_marker(self.model, self.variables, set, ty) {
            *needed = true;
        }
        self.needs_inside(set, ty, needed);
    }

    fn needs_inside(&self, set: &SelectionSet, ty: Option<&str>, needed: &mut bool) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(f) if !f.node.selection_set.node.items.is_empty() => {
                    let child = ty.and_then(|t| self.model.field_type(t, &f.node.name.node));
                    self.needs(&f.node.selection_set.node, child, needed);
                }
                Selection::InlineFragment(i) => {
                    let on = i
                        .node
                        .type_condition
                        .as_ref()
                        .map(|c| c.node.on.node.as_str());
                    self.needs_inside(&i.node.selection_set.node, on.or(ty), needed);
                }
                Selection::Field(_) | Selection::FragmentSpread(_) => {}
            }
        }
    }

    /// Orders the keys of `data`, the answer to the request's operation.
    pub fn apply(&self, operation_name: Option<&str>, data: &mut Value) {
        let Some(op) = operation(self.doc, operation_name) else {
            return;
        };
        self.value(data, &[&op.node.selection_set.node], root_type(&op.node));
    }

    fn value(&self, value: &mut Value, sets: &[&'a SelectionSet], ty: &str) {
        match value {
            Value::Object(map) => self.object(map, sets, ty),
            Value::List(items) => {
                for item in items {
                    self.value(item, sets, ty);
                }
            }
            _ => {}
        }
    }

    fn object(&self, map: &mut IndexMap<Name, Value>, sets: &[&'a SelectionSet], ty: &str) {
        let runtime = match map.shift_remove(MARKER) {
            Some(Value::String(name)) => name,
            _ => ty.to_string(),
        };
        let mut keys: IndexMap<&'a Name, Vec<&'a Positioned<Field>>> = IndexMap::new();
        for set in sets {
            self.collect(set, &runtime, &mut keys, 0);
        }
        let mut out = IndexMap::with_capacity(map.len());
        for (key, fields) in keys {
            let Some(mut value) = map.shift_remove(key) else {
                continue;
            };
            let subs: Vec<&'a SelectionSet> = fields
                .iter()
                .map(|f| &f.node.selection_set.node)
                .filter(|s| !s.items.is_empty())
                .collect();
            if !subs.is_empty()
                && let Some(child) = fields
                    .first()
                    .and_then(|f| self.model.field_type(&runtime, &f.node.name.node))
            {
                self.value(&mut value, &subs, child);
            }
            out.insert(key.clone(), value);
        }
        out.extend(map.drain(..));
        *map = out;
    }

    /// The spec's CollectFields: the response keys of `set` for an object of type `runtime`,
    /// in order, each with the fields that answer it.
    fn collect(
        &self,
        set: &'a SelectionSet,
        runtime: &str,
        keys: &mut IndexMap<&'a Name, Vec<&'a Positioned<Field>>>,
        level: usize,
    ) {
        // Fragment cycles were refused by validation; this bounds the walk regardless.
        if level > 64 {
            return;
        }
        for selection in &set.items {
            match &selection.node {
                Selection::Field(f) => {
                    if !skipped(&f.node.directives, self.variables) {
                        keys.entry(&f.node.response_key().node).or_default().push(f);
                    }
                }
                Selection::InlineFragment(i) => {
                    let on = i
                        .node
                        .type_condition
                        .as_ref()
                        .map(|c| c.node.on.node.as_str());
                    if !skipped(&i.node.directives, self.variables)
                        && on.is_none_or(|on| self.model.applies(on, runtime))
                    {
                        self.collect(&i.node.selection_set.node, runtime, keys, level + 1);
                    }
                }
                Selection::FragmentSpread(s) => {
                    if skipped(&s.node.directives, self.variables) {
                        continue;
                    }
                    if let Some(fragment) = self.doc.fragments.get(&s.node.fragment_name.node)
                        && self
                            .model
                            .applies(&fragment.node.type_condition.node.on.node, runtime)
                    {
                        self.collect(&fragment.node.selection_set.node, runtime, keys, level + 1);
                    }
                }
            }
        }
    }
}

/// Puts the `null` of each errored field where the spec puts it (section 6.4.4, "Handling
/// Field Errors"). async-graphql leaves an errored field out of its object (and makes an object
/// whose every field errored `null`, the data itself included): the field is `null` when its
/// type is nullable; else the error goes up to the field (or list item) above it, and so on
/// to the first nullable one, the data itself when there is none. An executed request thus
/// keeps its data (every root field is nullable), where a request error has none. An error
/// without a path (a request error), or whose field is already in the answer, moves nothing.
pub fn null_errored(
    model: &Model,
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    response: &mut async_graphql::Response,
) {
    let Some(op) = operation(doc, operation_name) else {
        return;
    };
    let paths: Vec<&[async_graphql::PathSegment]> = response
        .errors
        .iter()
        .map(|e| e.path.as_slice())
        .filter(|p| !p.is_empty())
        .collect();
    if paths.is_empty() {
        return;
    }
    let was_null = response.data == Value::Null;
    if was_null {
        response.data = Value::Object(IndexMap::new());
    }
    for path in paths {
        if present(&response.data, path) {
            continue;
        }
        let Some(nullable) = nullability(model, doc, op, path) else {
            continue;
        };
        // The deepest nullable place at or above the errored field (the data itself if none).
        let Some(at) = (0..path.len()).rev().find(|&i| nullable[i]) else {
            response.data = Value::Null;
            return;
        };
        set_null(&mut response.data, &path[..=at]);
    }
    // Nothing placed (no path could be followed): the data stays as the library left it.
    if was_null && response.data == Value::Object(IndexMap::new()) {
        response.data = Value::Null;
    }
}

/// Whether the value at each step of `path` (a field, or a list's item) may be `null`, by the
/// operation's selections and the schema's types; `None` when a step cannot be followed.
fn nullability(
    model: &Model,
    doc: &ExecutableDocument,
    op: &Positioned<OperationDefinition>,
    path: &[async_graphql::PathSegment],
) -> Option<Vec<bool>> {
    use async_graphql::PathSegment;
    let mut out = Vec::with_capacity(path.len());
    let mut parent = root_type(&op.node).to_string();
    let mut sets: Vec<&SelectionSet> = vec![&op.node.selection_set.node];
    // The type of the value at the current step, with the list wrappers still to unwrap.
    let mut ty = String::new();
    for segment in path {
        match segment {
            PathSegment::Field(key) => {
                let mut fields = Vec::new();
                for set in &sets {
                    fields_by_key(doc, set, key, &mut fields);
                }
                let field = *fields.first()?;
                let found = model.field(&parent, &field.name.node).or_else(|| {
                    // An abstract parent: the field of whichever possible type has it.
                    let possible = &model.types.get(&parent)?.possible;
                    possible
                        .iter()
                        .find_map(|p| model.field(p, &field.name.node))
                })?;
                ty.clone_from(&found.sdl);
                parent.clone_from(&found.named);
                sets = fields.iter().map(|f| &f.selection_set.node).collect();
            }
            PathSegment::Index(_) => {
                let inner = ty.strip_suffix('!').unwrap_or(&ty);
                ty = inner.strip_prefix('[')?.strip_suffix(']')?.to_string();
            }
        }
        out.push(!ty.ends_with('!'));
    }
    Some(out)
}

/// The fields of `set` (through its fragments) whose response key is `key`.
fn fields_by_key<'d>(
    doc: &'d ExecutableDocument,
    set: &'d SelectionSet,
    key: &str,
    out: &mut Vec<&'d Field>,
) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(f) if f.node.response_key().node == key => out.push(&f.node),
            Selection::Field(_) => {}
            Selection::InlineFragment(i) => {
                fields_by_key(doc, &i.node.selection_set.node, key, out);
            }
            Selection::FragmentSpread(s) => {
                if let Some(fragment) = doc.fragments.get(&s.node.fragment_name.node) {
                    fields_by_key(doc, &fragment.node.selection_set.node, key, out);
                }
            }
        }
    }
}

/// Whether `data` holds a value (`null` included) at `path`.
fn present(data: &Value, path: &[async_graphql::PathSegment]) -> bool {
    let mut value = data;
    for segment in path {
        let next = match (value, segment) {
            (Value::Object(map), async_graphql::PathSegment::Field(key)) => map.get(key.as_str()),
            (Value::List(items), async_graphql::PathSegment::Index(i)) => items.get(*i),
            _ => None,
        };
        match next {
            Some(next) => value = next,
            None => return false,
        }
    }
    true
}

/// Makes the value at `path` `null`, if the place above it is still there (an error before
/// may have made a place above it `null` already).
fn set_null(data: &mut Value, path: &[async_graphql::PathSegment]) {
    let Some((last, above)) = path.split_last() else {
        *data = Value::Null;
        return;
    };
    let mut value = data;
    for segment in above {
        let next = match (value, segment) {
            (Value::Object(map), async_graphql::PathSegment::Field(key)) => {
                map.get_mut(key.as_str())
            }
            (Value::List(items), async_graphql::PathSegment::Index(i)) => items.get_mut(*i),
            _ => None,
        };
        match next {
            Some(next) => value = next,
            None => return,
        }
    }
    match (value, last) {
        (Value::Object(map), async_graphql::PathSegment::Field(key)) => {
            map.insert(Name::new(key), Value::Null);
        }
        (Value::List(items), async_graphql::PathSegment::Index(i)) => {
            if let Some(item) = items.get_mut(*i) {
                *item = Value::Null;
            }
        }
        _ => {}
    }
}

/// Orders the keys of `data`, the answer to a plain operation ([`Shape::plain`]), by its
/// selection sets. The library inserts an object's keys as its fields complete, which for
/// fields read through a data loader is not the order they were asked in; most objects are
/// in order already and are only checked.
pub fn order_plain(doc: &ExecutableDocument, operation_name: Option<&str>, data: &mut Value) {
    if let Some(op) = operation(doc, operation_name) {
        order_value(data, &op.node.selection_set.node);
    }
}

fn order_value(value: &mut Value, set: &SelectionSet) {
    match value {
        Value::Object(map) => order_object(map, set),
        Value::List(items) => {
            for item in items {
                order_value(item, set);
            }
        }
        _ => {}
    }
}

fn order_object(map: &mut IndexMap<Name, Value>, set: &SelectionSet) {
    let fields = || {
        set.items.iter().filter_map(|s| match &s.node {
            Selection::Field(f) => Some(&f.node),
            _ => None,
        })
    };
    let in_order = map.len() == set.items.len()
        && map
            .keys()
            .zip(fields())
            .all(|(key, field)| *key == field.response_key().node);
    if !in_order {
        let rank: HashMap<&str, usize> = fields()
            .enumerate()
            .map(|(i, field)| (field.response_key().node.as_str(), i))
            .collect();
        map.sort_by_cached_key(|key, _| rank.get(key.as_str()).copied().unwrap_or(usize::MAX));
    }
    if map.len() == set.items.len() {
        for (field, value) in fields().zip(map.values_mut()) {
            if !field.selection_set.node.items.is_empty() {
                order_value(value, &field.selection_set.node);
            }
        }
    } else {
        for field in fields() {
            if !field.selection_set.node.items.is_empty()
                && let Some(value) = map.get_mut(field.response_key().node.as_str())
            {
                order_value(value, &field.selection_set.node);
            }
        }
    }
}

/// [`Shape::plain`] for one selection set of type `ty` and the sets within it.
fn plain_set(model: &Model, set: &SelectionSet, ty: &str) -> bool {
    if model.is_abstract(ty) {
        return false;
    }
    let mut keys: Vec<&str> = Vec::with_capacity(set.items.len());
    for selection in &set.items {
        let Selection::Field(f) = &selection.node else {
            return false;
        };
        if !f.node.directives.is_empty() {
            return false;
        }
        keys.push(f.node.response_key().node.as_str());
        let children = &f.node.selection_set.node;
        if !children.items.is_empty() {
            let Some(child) = model.field_type(ty, &f.node.name.node) else {
                return false;
            };
            if !plain_set(model, children, child) {
                return false;
            }
        }
    }
    keys.sort_unstable();
    keys.windows(2).all(|pair| pair[0] != pair[1])
}

/// Whether `set` on type `ty` needs the hidden `__typename`: its type is abstract, or no field
/// is selected outside fragments.
fn wants_marker(
    model: &Model,
    variables: &Variables,
    set: &SelectionSet,
    ty: Option<&str>,
) -> bool {
    ty.is_some_and(|t| model.is_abstract(t))
        || !set.items.iter().any(|s| match &s.node {
            Selection::Field(f) => !skipped(&f.node.directives, variables),
            _ => false,
        })
}

fn mark(model: &Model, variables: &Variables, set: &mut SelectionSet, ty: Option<&str>) {
    if wants_marker(model, variables, set, ty) {
        let pos = Pos::default();
        set.items.push(Positioned::new(
            Selection::Field(Positioned::new(
                Field {
                    alias: Some(Positioned::new(Name::new(MARKER), pos)),
                    name: Positioned::new(Name::new("__typename"), pos),
                    arguments: Vec::new(),
                    directives: Vec::new(),
                    selection_set: Positioned::new(SelectionSet::default(), pos),
                },
                pos,
            )),
            pos,
        ));
    }
    mark_inside(model, variables, set, ty);
}

fn mark_inside(model: &Model, variables: &Variables, set: &mut SelectionSet, ty: Option<&str>) {
    for selection in &mut set.items {
        match &mut selection.node {
            Selection::Field(f) if !f.node.selection_set.node.items.is_empty() => {
                let child = ty
                    .and_then(|t| model.field_type(t, &f.node.name.node))
                    .map(str::to_string);
                mark(
                    model,
                    variables,
                    &mut f.node.selection_set.node,
                    child.as_deref(),
                );
            }
            Selection::InlineFragment(i) => {
                let on = i
                    .node
                    .type_condition
                    .as_ref()
                    .map(|c| c.node.on.node.to_string());
                let ty = on.as_deref().or(ty);
                mark_inside(model, variables, &mut i.node.selection_set.node, ty);
            }
            Selection::Field(_) | Selection::FragmentSpread(_) => {}
        }
    }
}

/// Gives each variable of the request's operation that the request does not send its default
/// value, as the spec's CoerceVariableValues does (the library leaves them out, so `@include`
/// and `@skip` read a defaulted variable as absent).
pub fn defaults(doc: &ExecutableDocument, operation_name: Option<&str>, variables: &mut Variables) {
    let Some(op) = operation(doc, operation_name) else {
        return;
    };
    for def in &op.node.variable_definitions {
        if let Some(default) = &def.node.default_value
            && !variables.contains_key(&def.node.name.node)
        {
            variables.insert(def.node.name.node.clone(), default.node.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The data after [`null_errored`], for `query`, the library's `data` and the paths of its
    /// errors.
    fn nulled(query: &str, data: Json, paths: &[Json]) -> Json {
        let doc = async_graphql::parser::parse_query(query).unwrap();
        let mut response = async_graphql::Response::new(Value::from_json(data).unwrap());
        response.errors = paths
            .iter()
            .map(|path| {
                let mut error = ServerError::new("failed", None);
                error.path = serde_json::from_value(path.clone()).unwrap();
                error
            })
            .collect();
        null_errored(crate::graphql::type_model(), &doc, None, &mut response);
        response.data.into_json().unwrap()
    }

    #[test]
    fn an_errored_field_is_null_in_the_first_nullable_place_at_or_above_it() {
        // A nullable root field the library left out, alone or beside another.
        let q = "{ getGame(id: 8) { level } }";
        assert_eq!(
            nulled(q, json!(null), &[json!(["getGame"])]),
            json!({ "getGame": null })
        );
        let q = "{ a: getGame(id: 1) { level } getGame(id: 8) { level } }";
        assert_eq!(
            nulled(q, json!({ "a": { "level": "x" } }), &[json!(["getGame"])]),
            json!({ "a": { "level": "x" }, "getGame": null })
        );
        // A non-null field (`winnerId: Int!`) nulls its game; through an alias and a fragment.
        let q = "{ g: getGame(id: 9) { ...F } } fragment F on GameObject { level w: winnerId }";
        assert_eq!(
            nulled(
                q,
                json!({ "g": { "level": "Final" } }),
                &[json!(["g", "w"])]
            ),
            json!({ "g": null })
        );
        // In a list: the player (`name: String!`) of one edge, the rest kept.
        let q = "{ allPlayers(first: 2) { edges { node { id name } } } }";
        let data = json!({ "allPlayers": { "edges": [
            { "node": { "id": "a" } }, { "node": { "id": "b", "name": "B" } }
        ] } });
        assert_eq!(
            nulled(
                q,
                data,
                &[json!(["allPlayers", "edges", 0, "node", "name"])]
            ),
            json!({ "allPlayers": { "edges": [{ "node": null }, { "node": { "id": "b", "name": "B" } }] } })
        );
        // Already in the answer (a nullable field answered `null` with its error): untouched.
        let q = "{ getGame(id: 8) { level } }";
        assert_eq!(
            nulled(q, json!({ "getGame": null }), &[json!(["getGame"])]),
            json!({ "getGame": null })
        );
        // A path that cannot be followed leaves the data as it was.
        assert_eq!(nulled(q, json!(null), &[json!(["nothing"])]), json!(null));
    }

    fn checked(query: &str, variables: Json) -> Vec<String> {
        let doc = async_graphql::parser::parse_query(query).unwrap();
        let checked = check(
            crate::graphql::type_model(),
            &doc,
            None,
            &Variables::from_json(variables),
        );
        checked
            .errors
            .iter()
            .chain(&checked.coercion)
            .map(|e| e.message.clone())
            .collect()
    }

    #[test]
    fn a_variable_fits_where_its_type_is_a_subtype() {
        let fits = |var: &str, expected: &str| {
            compatible(&Type::new(var).unwrap(), &Type::new(expected).unwrap())
        };
        assert!(fits("Int!", "Int") && fits("Int", "Int") && fits("Int!", "Int!"));
        assert!(!fits("Int", "Int!") && !fits("String", "Int") && !fits("[Int]", "Int"));
        assert!(fits("[Int!]!", "[Int]") && !fits("[Int]", "[Int!]"));
    }

    #[test]
    fn what_the_library_does_not_check_on_typename_is_checked() {
        assert_eq!(
            checked("{ __typename(x: 1) @skip @foo }", json!({})),
            [
                "Unknown argument \"x\" on field \"__typename\" of type \"Query\"",
                "Directive \"@skip\" argument \"if\" of type \"Boolean!\" is required but not provided",
                "Unknown directive \"foo\"",
            ]
        );
        assert_eq!(
            checked("query Q { __typename @include(if: $v) }", json!({})),
            ["Variable \"$v\" is not defined by operation \"Q\""]
        );
        assert!(
            checked(
                "query($v: Boolean!) { __typename @include(if: $v) }",
                json!({"v": true})
            )
            .is_empty()
        );
        assert!(checked("query($v: Int = 8) { getGame(id: $v) { id } }", json!({})).is_empty());
        assert!(checked("query($v: Int! = 8) { getGame(id: $v) { id } }", json!({})).is_empty());
    }
}
