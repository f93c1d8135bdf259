//! `authz export`: `policies.toml` translated into a Zanzibar model (OpenFGA, SpiceDB), and the
//! relationship tuples that rows of the database imply. Pure: no IO, no SQL; the command streams
//! rows in and writes what [`openfga`] and [`spicedb`] render.
//!
//! The translation, rule by rule:
//! - one object `league:main` holds the roles: role `R` is the relation `league#R`, written for
//!   the subjects a binding gives it (`league:main#player@player:*` for a binding without
//!   `when`; one tuple per subject for a `when` or a `role_column`, decided at export); `has_R`
//!   adds the roles that inherit `R`;
//! - every resource points at the league (`game:8#league@league:main`);
//! - a relationship is a relation (`game:8#winner@team:3`), a transitive one (`feeders*`) a
//!   recursive permission;
//! - a column compared with a subject attribute by `_eq` becomes two relationships through the
//!   value: `game#winner@team` and `team#member@player`;
//! - a comparison with a constant becomes a condition (OpenFGA CEL) / caveat (SpiceDB) on a
//!   tuple that carries the compared value;
//! - a comparison with the request context (`$context.now`) becomes a condition whose other
//!   parameters are the context values, which the caller passes with each check (a time is a
//!   `timestamp`, an address an `ipaddress` tested with `in_cidr`, `scopes` a `list<string>`);
//!   a comparison of context values alone is a wildcard tuple on the league under it;
//! - a policy is its role gate intersected with its condition; an action is the union of its
//!   allows, less (`but not` / `-`) the union of its denies. NULL follows the engine: an allow
//!   needs its condition true, a deny applies unless its condition is false, so a deny's
//!   condition is translated as "not false".
//!
//! Field-level grants, `read_fail` and query limits are not part of a check: they stay with the
//! GraphQL layer.

pub mod openfga;
pub mod spicedb;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::authz::context::ContextType;
use crate::authz::eval::{compare, in_list};
use crate::authz::parse::ANONYMOUS;
use crate::authz::policy::{
    ColumnType, Condition, Effect, Lhs, Op, Policy, PolicySet, Relationship, Rhs, RoleSource,
};
use crate::authz::{Row, Subject, Value};

/// The type of the one object that holds the roles.
pub const LEAGUE: &str = "league";
/// The id of that object.
pub const LEAGUE_ID: &str = "main";
/// The object id of the anonymous subject (`anonymous:anonymous`).
pub const ANONYMOUS_ID: &str = "anonymous";

/// What the header comment of every file says.
pub const HEADER: &[&str] = &[
    "Exported by `quidditch authz export` from policies.toml: do not edit, re-export.",
    "Objects keep quidditch's references (game:8, player:1, forum:Seeker); each action is a",
    "permission of the same name. Field-level grants, `read_fail` and query limits are not",
    "translated: they stay with the GraphQL layer (`quidditch serve`).",
];

/// A type a direct relation accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    pub ty: String,
    /// `TYPE:*`
    pub wildcard: bool,
    /// A condition (caveat) the tuple carries.
    pub condition: Option<String>,
}

impl Allowed {
    pub(crate) fn plain(ty: &str) -> Self {
        Allowed {
            ty: ty.to_string(),
            wildcard: false,
            condition: None,
        }
    }
}

/// How a relation is defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Def {
    /// Tuples written to it.
    Direct(Vec<Allowed>),
    Union(Vec<String>),
    Intersection(Vec<String>),
    /// `base but not subtract` / `base - subtract`.
    Exclusion(String, String),
    /// `relation from tupleset` / `tupleset->relation`.
    Arrow {
        tupleset: String,
        relation: String,
    },
    /// No one.
    Nothing,
}

/// One relation (or permission) of a type.
#[derive(Debug, Clone)]
pub struct Relation {
    pub name: String,
    pub def: Def,
}

/// A parameter's type in both engines' CEL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Int,
    String,
    Bool,
    /// A time: an RFC 3339 text in a tuple's or a request's context.
    Timestamp,
    /// An address, for `in_cidr`.
    IpAddress,
    /// A list of strings (`scopes`).
    ListString,
}

impl ParamType {
    /// The type of a column (or subject attribute) compared in a condition.
    pub fn of_column(t: ColumnType) -> ParamType {
        match t {
            ColumnType::Int => ParamType::Int,
            ColumnType::Text => ParamType::String,
            ColumnType::Bool => ParamType::Bool,
            ColumnType::Time => ParamType::Timestamp,
        }
    }

    /// The type of a request context value.
    pub fn of_context(t: ContextType) -> ParamType {
        match t {
            ContextType::Int => ParamType::Int,
            ContextType::Text => ParamType::String,
            ContextType::Bool => ParamType::Bool,
            ContextType::Time => ParamType::Timestamp,
            ContextType::Ip => ParamType::IpAddress,
            ContextType::List => ParamType::ListString,
        }
    }

    /// The name both engines' schemas write (`int`, `timestamp`, `list<string>`).
    pub fn name(self) -> &'static str {
        match self {
            ParamType::Int => "int",
            ParamType::String => "string",
            ParamType::Bool => "bool",
            ParamType::Timestamp => "timestamp",
            ParamType::IpAddress => "ipaddress",
            ParamType::ListString => "list<string>",
        }
    }
}

/// The parameter a tuple's own value is passed as.
pub const VALUE_PARAM: &str = "value";

/// One side of a condition's comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// The value the tuple carries (the column's or the subject attribute's): `value`.
    Value,
    /// A request context value: the parameter named by [`context_param`].
    Context(String),
    Const(Value),
    List(Vec<Value>),
}

/// A condition (caveat): `lhs OP rhs`, over the tuple's `value` and request context values.
#[derive(Debug, Clone)]
pub struct CondDef {
    pub name: String,
    /// Its parameters in order, `value` first when the tuple carries one.
    pub params: Vec<(String, ParamType)>,
    pub lhs: Term,
    pub op: Op,
    pub rhs: Term,
}

impl CondDef {
    /// The CEL expression, the same for OpenFGA and SpiceDB.
    pub fn expression(&self) -> String {
        let time = self.params.iter().any(|(_, t)| *t == ParamType::Timestamp);
        let scalar = |v: &Value| match v {
            // A time constant compared with a timestamp parameter.
            Value::Text(_) if time => format!("timestamp({})", cel_literal(v)),
            _ => cel_literal(v),
        };
        let term = |t: &Term| match t {
            Term::Value => VALUE_PARAM.to_string(),
            Term::Context(name) => context_param(name),
            Term::Const(v) => scalar(v),
            Term::List(vs) => format!("[{}]", vs.iter().map(scalar).collect::<Vec<_>>().join(", ")),
        };
        let (l, r) = (term(&self.lhs), term(&self.rhs));
        match (&self.rhs, self.op) {
            (Term::List(blocks), Op::InCidr) => {
                if blocks.is_empty() {
                    return "false".to_string();
                }
                let tests: Vec<String> = blocks
                    .iter()
                    .map(|b| format!("{l}.in_cidr({})", cel_literal(&Value::Text(cidr_block(b)))))
                    .collect();
                format!("({})", tests.join(" || "))
            }
            (_, Op::Contains) => format!("{r} in {l}"),
            (Term::List(_), Op::In) => format!("{l} in {r}"),
            (Term::List(_), _) => format!("!({l} in {r})"),
            (_, op) => {
                let sym = match op {
                    Op::Eq | Op::In | Op::InCidr | Op::Contains => "==",
                    Op::Neq | Op::Nin => "!=",
                    Op::Gt => ">",
                    Op::Gte => ">=",
                    Op::Lt => "<",
                    Op::Lte => "<=",
                };
                format!("{l} {sym} {r}")
            }
        }
    }
}

fn cel_literal(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Text(s) => serde_json::Value::String(s.clone()).to_string(),
    }
}

/// An address block with its prefix length, as both engines' `in_cidr` take it: quidditch
/// reads an address alone as its own block (`10.0.0.7` is `10.0.0.7/32`).
fn cidr_block(block: &Value) -> String {
    let text = block.as_ref_str();
    let text = text.trim();
    if text.contains('/') {
        text.to_string()
    } else if text.contains(':') {
        format!("{text}/128")
    } else {
        format!("{text}/32")
    }
}

/// The engine parameter of the request context value `name`: `now`, `ip`, `scopes`; a claim
/// `claims.org_id` is `claims_org_id` (every character but a letter, digit or `_` becomes `_`).
pub fn context_param(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Words CEL reserves, which cannot name a parameter.
const CEL_RESERVED: &[&str] = &[
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// A policy (or part of one) the export leaves out, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Untranslated {
    pub policy: String,
    /// Byte offset in the policy file (the command turns it into `LINE:COL`).
    #[serde(skip)]
    pub at: usize,
    pub reason: String,
}

/// An expected decision, in engine references: `user` `permission` `object` is `allowed`.
#[derive(Debug, Clone)]
pub struct Assertion {
    pub user: String,
    pub permission: String,
    pub object: String,
    pub allowed: bool,
}

/// One relationship tuple: `object#relation@subject`, with a condition's context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tuple {
    pub object: (String, String),
    pub relation: String,
    /// `(type, id)`; id `*` is the wildcard.
    pub subject: (String, String),
    /// A condition's name and the value the tuple carries for it (none when the condition
    /// reads the request context alone).
    pub condition: Option<(String, Option<Value>)>,
}

impl Tuple {
    fn new(object: (&str, String), relation: &str, subject: (&str, String)) -> Self {
        Tuple {
            object: (object.0.to_string(), object.1),
            relation: relation.to_string(),
            subject: (subject.0.to_string(), subject.1),
            condition: None,
        }
    }
}

/// An object id as both engines accept it: letters, digits and `_|-+/` stay, every other byte
/// is written `=XX` (so `forum:Seeker` stays `forum:Seeker`).
pub fn object_id(value: &Value) -> String {
    let text = value.as_ref_str();
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"_|-+/".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "={b:02X}");
        }
    }
    out
}

/// A `TYPE:ID` reference in engine form.
pub fn object_ref(ty: &str, id: &Value) -> String {
    format!("{ty}:{}", object_id(id))
}

/// The engine subject of a quidditch subject: `player:1`, `anonymous:anonymous`.
pub fn subject_ref(subject: &Subject) -> (String, String) {
    match &subject.id {
        Some(id) => (subject.kind.clone(), object_id(id)),
        None => (ANONYMOUS.to_string(), ANONYMOUS_ID.to_string()),
    }
}

/// Which rows a relationship's tuples are written from.
#[derive(Debug, Clone)]
enum RelFrom {
    /// `T:row.key#rel@U:row.column` from rows of `T` (the mapping targets `U`'s key).
    Owner,
    /// `T:row.target_column#rel@U:row.key` from rows of `U` (the mapping starts at `T`'s key).
    Target,
}

/// What writes tuples, row by row.
#[derive(Debug, Clone)]
enum Source {
    /// `T:id#league@league:main` for every row of `ty`.
    League {
        ty: String,
    },
    Rel {
        rel: Relationship,
        from: RelFrom,
    },
    /// `T:id#relation@VALUE_TY:value` for rows of `ty` whose `column` is not null.
    ColumnValue {
        ty: String,
        column: String,
        value_ty: String,
        relation: String,
    },
    /// `T:id#relation@league:main` for rows of `ty` whose `column` is null.
    ColumnNull {
        ty: String,
        column: String,
        relation: String,
    },
    /// `T:id#relation@S:*` (each subject kind), carrying the column's value for `cond`.
    ColumnConst {
        ty: String,
        column: String,
        op: Op,
        rhs: Rhs,
        cond: String,
        relation: String,
        unknown_holds: bool,
    },
    /// `T:id#relation@S:*` when `column _is_null is_null` holds.
    ColumnIsNull {
        ty: String,
        column: String,
        is_null: bool,
        relation: String,
    },
    /// `VALUE_TY:value#relation@S:id` for each subject whose `attr` is not null.
    SubjectValue {
        attr: String,
        value_ty: String,
        relation: String,
    },
    /// `league:main#relation@S:id` for each subject whose `attr` is null.
    SubjectNull {
        attr: String,
        relation: String,
    },
    /// `league:main#relation@S:id`, carrying the attribute's value for `cond`.
    SubjectConst {
        attr: String,
        op: Op,
        rhs: Rhs,
        cond: String,
        relation: String,
        unknown_holds: bool,
    },
    /// `league:main#relation@S:id` when `$subject.attr _is_null is_null` holds.
    SubjectIsNull {
        attr: String,
        is_null: bool,
        relation: String,
    },
    /// `league:main#relation@S:*` (each subject kind) under `cond`, which reads the request
    /// context only.
    ContextOnly {
        cond: String,
        relation: String,
    },
}

/// The translated model: types with their relations, conditions, what was left out, and how
/// rows become tuples.
#[derive(Debug, Clone)]
pub struct Model {
    /// Types in the order they are written, each with its relations.
    pub types: Vec<(String, Vec<Relation>)>,
    pub conditions: Vec<CondDef>,
    pub untranslated: Vec<Untranslated>,
    /// Lines the files' header comments add (what `--partial` left out).
    pub notes: Vec<String>,
    /// `anonymous` and the subject types.
    pub subject_kinds: Vec<String>,
    sources: Vec<Source>,
    /// Roles held by every subject of a kind (bindings without `when`): `(role, kind)`.
    wildcard_roles: Vec<(String, String)>,
    /// The policy set with only the bindings decided per subject (`when`, `role_column`).
    per_subject: PolicySet,
}

/// Why the export cannot go on (a construct that cannot be translated at all).
#[derive(Debug, Clone, thiserror::Error)]
pub enum ExportError {
    #[error("`{name}` cannot be a name in both engines: {reason} (rename it in the policy file)")]
    Name { name: String, reason: String },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    /// The rows and subjects where a condition is true.
    True,
    /// Where it is true or unknown (not false).
    NotFalse,
}

struct Translator<'a> {
    set: &'a PolicySet,
    types: Vec<(String, Vec<Relation>)>,
    conditions: Vec<CondDef>,
    sources: Vec<Source>,
    memo: BTreeMap<String, String>,
    counter: BTreeMap<String, usize>,
    kinds: Vec<String>,
    /// Relations two rules define differently (a relationship named like an action, …).
    conflicts: Vec<String>,
}

/// Placeholder for the membership relation on a value type, named at the end (`member`, or
/// `member_ATTR` where several attributes meet on one type).
const MEMBER: &str = "\u{0}member:";

impl Translator<'_> {
    fn relation(&mut self, ty: &str, name: &str, def: Def) {
        if let Some((_, rels)) = self.types.iter_mut().find(|(t, _)| t == ty) {
            if let Some(r) = rels.iter().find(|r| r.name == name) {
                if r.def != def {
                    self.conflicts.push(format!("{ty}#{name}"));
                }
            } else {
                rels.push(Relation {
                    name: name.to_string(),
                    def,
                });
            }
        } else {
            self.types.push((
                ty.to_string(),
                vec![Relation {
                    name: name.to_string(),
                    def,
                }],
            ));
        }
    }

    fn ensure_type(&mut self, ty: &str) {
        if !self.types.iter().any(|(t, _)| t == ty) {
            self.types.push((ty.to_string(), Vec::new()));
        }
    }

    fn source(&mut self, source: Source) {
        let key = format!("{source:?}");
        if !self.sources.iter().any(|s| format!("{s:?}") == key) {
            self.sources.push(source);
        }
    }

    fn fresh(&mut self, prefix: &str) -> String {
        let n = self.counter.entry(prefix.to_string()).or_insert(0);
        *n += 1;
        format!("{prefix}_{n}")
    }

    fn subject_allowed(&self, wildcard: bool, condition: Option<&str>) -> Vec<Allowed> {
        self.kinds
            .iter()
            .map(|k| Allowed {
                ty: k.clone(),
                wildcard,
                condition: condition.map(str::to_string),
            })
            .collect()
    }

    /// `ty#name`, read through the one `league` object's relation of the same name: how a
    /// subject-side fact (kept on the league) reaches every object of `ty`.
    fn through_league(&mut self, ty: &str, name: &str) {
        self.relation(
            ty,
            name,
            Def::Arrow {
                tupleset: LEAGUE.to_string(),
                relation: name.to_string(),
            },
        );
    }

    /// `anyone` on `ty`: every subject (for `_not` and an empty `_and`).
    fn anyone(&mut self, ty: &str) -> String {
        let allowed = self.subject_allowed(true, None);
        self.relation(LEAGUE, "anyone", Def::Direct(allowed));
        self.through_league(ty, "anyone");
        "anyone".to_string()
    }

    fn condition_def(
        &mut self,
        policy: &str,
        params: Vec<(String, ParamType)>,
        lhs: Term,
        op: Op,
        rhs: Term,
    ) -> String {
        let key = format!("cond|{params:?}|{lhs:?}|{op:?}|{rhs:?}");
        if let Some(name) = self.memo.get(&key) {
            return name.clone();
        }
        let name = self.fresh(&format!("{}_cond", ident(policy)));
        self.conditions.push(CondDef {
            name: name.clone(),
            params,
            lhs,
            op,
            rhs,
        });
        self.memo.insert(key, name.clone());
        name
    }

    /// The request context value `name` as a parameter (added to `params`), or why it cannot
    /// be one.
    fn context_term(
        &self,
        name: &str,
        at: usize,
        params: &mut Vec<(String, ParamType)>,
    ) -> Result<Term, (usize, String)> {
        let Some(declared) = self.set.context.get(name) else {
            return Err((
                at,
                format!("`$context.{name}` is not declared under `[context]`"),
            ));
        };
        let param = context_param(name);
        let why = if param == VALUE_PARAM {
            Some(format!(
                "`{VALUE_PARAM}` is the parameter that carries a tuple's column or attribute"
            ))
        } else if CEL_RESERVED.contains(&param.as_str())
            || !param
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        {
            Some("it is not a name CEL accepts".to_string())
        } else {
            self.set
                .context
                .keys()
                .find(|other| *other != name && context_param(other) == param)
                .map(|other| format!("`$context.{other}` becomes the same parameter"))
        };
        if let Some(why) = why {
            return Err((
                at,
                format!(
                    "`$context.{name}` cannot be a condition parameter (`{param}`): {why} (rename it under `[context]`)"
                ),
            ));
        }
        if !params.iter().any(|(p, _)| *p == param) {
            params.push((param, ParamType::of_context(declared.ty)));
        }
        Ok(Term::Context(name.to_string()))
    }

    /// The right side of a comparison with a constant, a list or the request context.
    fn rhs_term(
        &self,
        rhs: &Rhs,
        at: usize,
        params: &mut Vec<(String, ParamType)>,
    ) -> Result<Term, (usize, String)> {
        match rhs {
            Rhs::Value(v) => Ok(Term::Const(v.clone())),
            Rhs::List(vs) => Ok(Term::List(vs.clone())),
            Rhs::Context(name) => self.context_term(name, at, params),
            Rhs::Subject(attr) => Err((
                at,
                format!("`$subject.{attr}` on the right of a comparison with the request context"),
            )),
        }
    }

    /// A relation on `ty` written per row, `TY:id#REL@S:*` carrying the column's value for
    /// `cond_name` (a null column decided here).
    fn column_const(
        &mut self,
        prefix: &str,
        ty: &str,
        column: &str,
        (op, rhs): (Op, &Rhs),
        cond_name: String,
        flavor: Flavor,
    ) -> String {
        let name = self.fresh(prefix);
        let mut allowed = self.subject_allowed(true, Some(&cond_name));
        allowed.extend(self.subject_allowed(true, None));
        self.relation(ty, &name, Def::Direct(allowed));
        self.source(Source::ColumnConst {
            ty: ty.to_string(),
            column: column.to_string(),
            op,
            rhs: rhs.clone(),
            cond: cond_name,
            relation: name.clone(),
            unknown_holds: flavor == Flavor::NotFalse,
        });
        name
    }

    /// A relation on the league written per subject, `league:main#REL@S:id` carrying the
    /// attribute's value for `cond_name` (a null attribute decided here), read on `ty`.
    fn subject_const(
        &mut self,
        prefix: &str,
        ty: &str,
        attr: &str,
        (op, rhs): (Op, &Rhs),
        cond_name: String,
        flavor: Flavor,
    ) -> String {
        let name = self.fresh(prefix);
        let mut allowed = self.subject_allowed(false, Some(&cond_name));
        allowed.extend(self.subject_allowed(false, None));
        self.relation(LEAGUE, &name, Def::Direct(allowed));
        self.source(Source::SubjectConst {
            attr: attr.to_string(),
            op,
            rhs: rhs.clone(),
            cond: cond_name,
            relation: name.clone(),
            unknown_holds: flavor == Flavor::NotFalse,
        });
        self.through_league(ty, &name);
        name
    }

    fn column_type(&self, ty: &str, column: &str) -> ColumnType {
        self.set
            .types
            .get(ty)
            .and_then(|d| d.columns.get(column))
            .copied()
            .unwrap_or(ColumnType::Text)
    }

    fn attr_type(&self, attr: &str) -> ColumnType {
        if attr == "type" {
            return ColumnType::Text;
        }
        for kind in &self.kinds {
            if let Some(t) = self.set.types.get(kind).and_then(|d| d.columns.get(attr)) {
                return *t;
            }
        }
        ColumnType::Text
    }

    /// The relation on `ty` holding the subjects for which `cond` is true (or not false).
    fn cond(
        &mut self,
        policy: &Policy,
        cond: &Condition,
        ty: &str,
        flavor: Flavor,
    ) -> Result<String, (usize, String)> {
        // Positions differ between equal conditions; memoize on the shape alone.
        let key = format!(
            "{ty}|{}|{:?}",
            if flavor == Flavor::True { "t" } else { "nf" },
            shape(cond)
        );
        if let Some(name) = self.memo.get(&key) {
            return Ok(name.clone());
        }
        let name = self.cond_uncached(policy, cond, ty, flavor)?;
        self.memo.insert(key, name.clone());
        Ok(name)
    }

    #[expect(
        clippy::too_many_lines,
        reason = "one arm per condition form, read top to bottom"
    )]
    fn cond_uncached(
        &mut self,
        policy: &Policy,
        cond: &Condition,
        ty: &str,
        flavor: Flavor,
    ) -> Result<String, (usize, String)> {
        let prefix = ident(&policy.id);
        match cond {
            Condition::And(parts) if parts.is_empty() => Ok(self.anyone(ty)),
            Condition::And(parts) | Condition::Or(parts) => {
                let mut names = Vec::new();
                for p in parts {
                    names.push(self.cond(policy, p, ty, flavor)?);
                }
                if names.len() == 1 {
                    return Ok(names.remove(0));
                }
                let name = self.fresh(&prefix);
                let def = if matches!(cond, Condition::And(_)) {
                    Def::Intersection(names)
                } else {
                    Def::Union(names)
                };
                self.relation(ty, &name, def);
                Ok(name)
            }
            Condition::Not(inner) => {
                let other = match flavor {
                    Flavor::True => Flavor::NotFalse,
                    Flavor::NotFalse => Flavor::True,
                };
                let inner = self.cond(policy, inner, ty, other)?;
                let all = self.anyone(ty);
                let name = self.fresh(&prefix);
                self.relation(ty, &name, Def::Exclusion(all, inner));
                Ok(name)
            }
            Condition::Compare {
                lhs: Lhs::Column(column),
                op,
                rhs: rhs @ (Rhs::Value(_) | Rhs::List(_) | Rhs::Context(_)),
                at,
            } => {
                let mut params = vec![(
                    VALUE_PARAM.to_string(),
                    ParamType::of_column(self.column_type(ty, column)),
                )];
                let r = self.rhs_term(rhs, *at, &mut params)?;
                let cond_name = self.condition_def(&policy.id, params, Term::Value, *op, r);
                Ok(self.column_const(&prefix, ty, column, (*op, rhs), cond_name, flavor))
            }
            Condition::Compare {
                lhs: Lhs::Subject(attr),
                op,
                rhs: rhs @ (Rhs::Value(_) | Rhs::List(_) | Rhs::Context(_)),
                at,
            } => {
                let mut params = vec![(
                    VALUE_PARAM.to_string(),
                    ParamType::of_column(self.attr_type(attr)),
                )];
                let r = self.rhs_term(rhs, *at, &mut params)?;
                let cond_name = self.condition_def(&policy.id, params, Term::Value, *op, r);
                Ok(self.subject_const(&prefix, ty, attr, (*op, rhs), cond_name, flavor))
            }
            Condition::Compare {
                lhs: Lhs::Context(name),
                op,
                rhs: rhs @ Rhs::Subject(attr),
                at,
            } => {
                // `$context.X OP $subject.A`: the subject's tuple carries A.
                let mut params = vec![(
                    VALUE_PARAM.to_string(),
                    ParamType::of_column(self.attr_type(attr)),
                )];
                let l = self.context_term(name, *at, &mut params)?;
                let cond_name = self.condition_def(&policy.id, params, l, *op, Term::Value);
                Ok(self.subject_const(&prefix, ty, attr, (*op, rhs), cond_name, flavor))
            }
            Condition::Compare {
                lhs: Lhs::Context(name),
                op,
                rhs,
                at,
            } => {
                // The request context alone: one wildcard tuple per subject type on the league,
                // with no value of its own.
                let mut params = Vec::new();
                let l = self.context_term(name, *at, &mut params)?;
                let r = self.rhs_term(rhs, *at, &mut params)?;
                let cond_name = self.condition_def(&policy.id, params, l, *op, r);
                let relation = self.fresh(&prefix);
                let allowed = self.subject_allowed(true, Some(&cond_name));
                self.relation(LEAGUE, &relation, Def::Direct(allowed));
                self.source(Source::ContextOnly {
                    cond: cond_name,
                    relation: relation.clone(),
                });
                self.through_league(ty, &relation);
                Ok(relation)
            }
            Condition::Compare {
                lhs: Lhs::Column(column),
                op: Op::Eq,
                rhs: Rhs::Subject(attr),
                ..
            } => self.join(policy, ty, column, attr, flavor),
            Condition::IsNull {
                lhs: Lhs::Context(name),
                at,
                ..
            } => Err((
                *at,
                format!(
                    "tests whether `$context.{name}` is absent: a condition cannot see that a request lacks a parameter (the engines answer conditionally instead)"
                ),
            )),
            Condition::Compare { op, at, .. } => Err((
                *at,
                format!(
                    "`{}` compares a column with a subject attribute, or two subject attributes: only `_eq` between a column and a subject attribute becomes relationships",
                    op.name()
                ),
            )),
            Condition::IsNull {
                lhs: Lhs::Column(column),
                is_null,
                ..
            } => {
                let name = self.fresh(&prefix);
                let allowed = self.subject_allowed(true, None);
                self.relation(ty, &name, Def::Direct(allowed));
                self.source(Source::ColumnIsNull {
                    ty: ty.to_string(),
                    column: column.clone(),
                    is_null: *is_null,
                    relation: name.clone(),
                });
                Ok(name)
            }
            Condition::IsNull {
                lhs: Lhs::Subject(attr),
                is_null,
                ..
            } => {
                let name = self.fresh(&prefix);
                let allowed = self.subject_allowed(false, None);
                self.relation(LEAGUE, &name, Def::Direct(allowed));
                self.source(Source::SubjectIsNull {
                    attr: attr.clone(),
                    is_null: *is_null,
                    relation: name.clone(),
                });
                self.through_league(ty, &name);
                Ok(name)
            }
            Condition::Exists { rel, inner, at } => {
                let relationship = self.relationship(ty, rel, *at)?;
                // A relationship matches only rows where its inner condition is true, so it is
                // never unknown.
                let inner = self.cond(policy, inner, &relationship.target, Flavor::True)?;
                let name = self.fresh(&prefix);
                self.relation(
                    ty,
                    &name,
                    Def::Arrow {
                        tupleset: relationship.name.clone(),
                        relation: inner,
                    },
                );
                Ok(name)
            }
            Condition::Transitive { rel, inner, at } => {
                let relationship = self.relationship(ty, rel, *at)?;
                let inner = self.cond(policy, inner, ty, Flavor::True)?;
                let name = self.fresh(&prefix);
                let step = format!("{name}_step");
                let deeper = format!("{name}_deeper");
                self.relation(
                    ty,
                    &step,
                    Def::Arrow {
                        tupleset: relationship.name.clone(),
                        relation: inner,
                    },
                );
                self.relation(
                    ty,
                    &deeper,
                    Def::Arrow {
                        tupleset: relationship.name.clone(),
                        relation: name.clone(),
                    },
                );
                self.relation(ty, &name, Def::Union(vec![step, deeper]));
                Ok(name)
            }
        }
    }

    /// The relationship `rel` of `ty` as a relation whose tuples the rows write.
    fn relationship(
        &mut self,
        ty: &str,
        rel: &str,
        at: usize,
    ) -> Result<Relationship, (usize, String)> {
        let relationship = self
            .set
            .relationship(ty, rel)
            .cloned()
            .ok_or_else(|| (at, format!("no relationship `{ty}.{rel}`")))?;
        let key_of = |t: &str| {
            self.set
                .types
                .get(t)
                .map_or_else(|| "id".to_string(), |d| d.key.clone())
        };
        let from = if relationship.target_column == key_of(&relationship.target) {
            RelFrom::Owner
        } else if relationship.column == key_of(ty) {
            RelFrom::Target
        } else {
            return Err((
                at,
                format!(
                    "relationship `{ty}.{rel}` maps two columns that are not keys: it has no tuples to write"
                ),
            ));
        };
        let target = relationship.target.clone();
        self.relation(
            ty,
            &relationship.name,
            Def::Direct(vec![Allowed::plain(&target)]),
        );
        self.ensure_type(&target);
        self.source(Source::Rel {
            rel: relationship.clone(),
            from,
        });
        Ok(relationship)
    }

    /// `column _eq $subject.attr`: the row points at the value (`game#winner@team`), subjects
    /// are members of their value (`team#member@player`).
    fn join(
        &mut self,
        policy: &Policy,
        ty: &str,
        column: &str,
        attr: &str,
        flavor: Flavor,
    ) -> Result<String, (usize, String)> {
        let prefix = ident(&policy.id);
        let key = self.set.types.get(ty).map_or("id", |d| d.key.as_str());
        let member = format!("{MEMBER}{attr}");
        let object_rel = self.set.relationships.iter().find(|r| {
            r.ty == ty
                && r.column == column
                && self
                    .set
                    .types
                    .get(&r.target)
                    .is_some_and(|d| d.key == r.target_column)
        });
        let (value_ty, joined) = if column == key {
            (ty.to_string(), None)
        } else if let Some(r) = object_rel.cloned() {
            self.relationship(ty, &r.name, policy.at)?;
            (r.target.clone(), Some(r.name))
        } else {
            let value_ty =
                if self.set.types.contains_key(column) || column == LEAGUE || column == ANONYMOUS {
                    format!("{ty}_{column}")
                } else {
                    column.to_string()
                };
            self.relation(ty, column, Def::Direct(vec![Allowed::plain(&value_ty)]));
            self.source(Source::ColumnValue {
                ty: ty.to_string(),
                column: column.to_string(),
                value_ty: value_ty.clone(),
                relation: column.to_string(),
            });
            (value_ty, Some(column.to_string()))
        };
        let allowed = self.subject_allowed(false, None);
        self.relation(&value_ty, &member, Def::Direct(allowed));
        self.source(Source::SubjectValue {
            attr: attr.to_string(),
            value_ty: value_ty.clone(),
            relation: member.clone(),
        });
        let name = self.fresh(&prefix);
        match joined {
            None => self.relation(ty, &name, Def::Union(vec![member])),
            Some(tupleset) => self.relation(
                ty,
                &name,
                Def::Arrow {
                    tupleset,
                    relation: member,
                },
            ),
        }
        if flavor == Flavor::True {
            return Ok(name);
        }
        // Not false: also where either side is null.
        let column_null = format!("{column}_null");
        self.relation(ty, &column_null, Def::Direct(vec![Allowed::plain(LEAGUE)]));
        self.source(Source::ColumnNull {
            ty: ty.to_string(),
            column: column.to_string(),
            relation: column_null.clone(),
        });
        let anyone = self.anyone(ty);
        let _ = anyone;
        let column_null_any = format!("{column}_null_anyone");
        self.relation(
            ty,
            &column_null_any,
            Def::Arrow {
                tupleset: column_null,
                relation: "anyone".to_string(),
            },
        );
        let attr_null = format!("subject_{attr}_null");
        let allowed = self.subject_allowed(false, None);
        self.relation(LEAGUE, &attr_null, Def::Direct(allowed));
        self.source(Source::SubjectNull {
            attr: attr.to_string(),
            relation: attr_null.clone(),
        });
        self.through_league(ty, &attr_null);
        let nf = self.fresh(&prefix);
        self.relation(ty, &nf, Def::Union(vec![name, column_null_any, attr_null]));
        Ok(nf)
    }
}

/// `cond` with every position zeroed: equal conditions written in two places compare equal.
fn shape(cond: &Condition) -> Condition {
    match cond {
        Condition::And(parts) => Condition::And(parts.iter().map(shape).collect()),
        Condition::Or(parts) => Condition::Or(parts.iter().map(shape).collect()),
        Condition::Not(inner) => Condition::Not(Box::new(shape(inner))),
        Condition::Compare { lhs, op, rhs, .. } => Condition::Compare {
            lhs: lhs.clone(),
            op: *op,
            rhs: rhs.clone(),
            at: 0,
        },
        Condition::IsNull { lhs, is_null, .. } => Condition::IsNull {
            lhs: lhs.clone(),
            is_null: *is_null,
            at: 0,
        },
        Condition::Exists { rel, inner, .. } => Condition::Exists {
            rel: rel.clone(),
            inner: Box::new(shape(inner)),
            at: 0,
        },
        Condition::Transitive { rel, inner, .. } => Condition::Transitive {
            rel: rel.clone(),
            inner: Box::new(shape(inner)),
            at: 0,
        },
    }
}

/// A policy id or name as a relation name: lowercase, `_` for anything else.
pub fn ident(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Whether both engines accept `name` as a type or relation name (SpiceDB's rule is the
/// stricter: `[a-z][a-z0-9_]{1,62}[a-z0-9]`).
fn valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (3..=64).contains(&bytes.len())
        && bytes.first().is_some_and(u8::is_ascii_lowercase)
        && bytes
            .last()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
}

/// The subject kinds: `anonymous`, then the types the bindings name that have a table.
fn subject_kinds(set: &PolicySet) -> Vec<String> {
    let mut out = vec![ANONYMOUS.to_string()];
    for b in &set.bindings {
        if b.subject != ANONYMOUS
            && set.types.get(&b.subject).is_some_and(|d| d.table.is_some())
            && !out.contains(&b.subject)
        {
            out.push(b.subject.clone());
        }
    }
    out
}

/// Translates the policy set. A policy that cannot be translated lands in
/// [`Model::untranslated`] and is left out; the caller decides whether that is an error.
///
/// # Errors
/// A type, role or action whose name neither engine accepts.
#[expect(
    clippy::too_many_lines,
    reason = "roles, policies, permissions and naming in one pass, read top to bottom"
)]
pub fn translate(set: &PolicySet) -> Result<Model, ExportError> {
    let kinds = subject_kinds(set);
    let mut t = Translator {
        set,
        types: Vec::new(),
        conditions: Vec::new(),
        sources: Vec::new(),
        memo: BTreeMap::new(),
        counter: BTreeMap::new(),
        kinds: kinds.clone(),
        conflicts: Vec::new(),
    };
    t.ensure_type(LEAGUE);
    for kind in &kinds {
        t.ensure_type(kind);
    }

    // Roles: `league#R` holds the subjects given R; `league#has_R` those holding R or a role
    // that inherits it.
    let mut wildcard_roles = Vec::new();
    let mut per_subject = set.clone();
    per_subject.bindings.clear();
    for b in &set.bindings {
        match (&b.role, &b.when) {
            (RoleSource::Fixed(role), None) => {
                wildcard_roles.push((role.clone(), b.subject.clone()));
            }
            _ => per_subject.bindings.push(b.clone()),
        }
    }
    for role in set.roles.keys() {
        let mut allowed = t.subject_allowed(false, None);
        allowed.extend(t.subject_allowed(true, None));
        t.relation(LEAGUE, role, Def::Direct(allowed));
    }
    for role in set.roles.keys() {
        let holders: Vec<String> = set
            .roles
            .keys()
            .filter(|r| set.role_closure(r).contains(role))
            .cloned()
            .collect();
        t.relation(LEAGUE, &format!("has_{role}"), Def::Union(holders));
    }

    let mut untranslated = Vec::new();
    // (type, action) → (allows, denies)
    let mut grants: BTreeMap<(String, String), (Vec<String>, Vec<String>)> = BTreeMap::new();
    for ty in set.types.keys() {
        t.ensure_type(ty);
        t.relation(ty, "league", Def::Direct(vec![Allowed::plain(LEAGUE)]));
        t.source(Source::League { ty: ty.clone() });
    }
    for policy in &set.policies {
        if policy.is_field_deny() {
            // Withholds fields only: the GraphQL layer's.
            continue;
        }
        let flavor = if policy.effect == Effect::Deny {
            Flavor::NotFalse
        } else {
            Flavor::True
        };
        let mut translated = Vec::new();
        let mut failed = None;
        for ty in set.types.keys() {
            if !(policy.resource == "*" || &policy.resource == ty) {
                continue;
            }
            let gate_parts: Vec<String> = policy
                .roles
                .iter()
                .map(|role| {
                    let name = format!("has_{role}");
                    t.relation(
                        ty,
                        &format!("role_{role}"),
                        Def::Arrow {
                            tupleset: "league".to_string(),
                            relation: name,
                        },
                    );
                    format!("role_{role}")
                })
                .collect();
            let name = format!("policy_{}", ident(&policy.id));
            let gate = if gate_parts.len() == 1 {
                gate_parts[0].clone()
            } else {
                let gate = format!("{name}_roles");
                t.relation(ty, &gate, Def::Union(gate_parts));
                gate
            };
            let def = match &policy.condition {
                None => Def::Union(vec![gate]),
                Some(cond) => match t.cond(policy, cond, ty, flavor) {
                    Ok(c) => Def::Intersection(vec![gate, c]),
                    Err(problem) => {
                        failed = Some(problem);
                        break;
                    }
                },
            };
            translated.push((ty.clone(), name, def));
        }
        if let Some((at, reason)) = failed {
            untranslated.push(Untranslated {
                policy: policy.id.clone(),
                at,
                reason,
            });
            continue;
        }
        for (ty, name, def) in translated {
            t.relation(&ty, &name, def);
            for action in &set.actions {
                if policy.actions.iter().any(|a| a == "*" || a == action) {
                    let entry = grants.entry((ty.clone(), action.clone())).or_default();
                    if policy.effect == Effect::Deny {
                        entry.1.push(name.clone());
                    } else {
                        entry.0.push(name.clone());
                    }
                }
            }
        }
    }
    for ty in set.types.keys() {
        for action in &set.actions {
            let (allows, denies) = grants
                .remove(&(ty.clone(), action.clone()))
                .unwrap_or_default();
            let def = match (allows.is_empty(), denies.is_empty()) {
                (true, _) => Def::Nothing,
                (false, true) => Def::Union(allows),
                (false, false) => {
                    let allowed_rel = format!("{action}_allowed");
                    let denied_rel = format!("{action}_denied");
                    t.relation(ty, &allowed_rel, Def::Union(allows));
                    t.relation(ty, &denied_rel, Def::Union(denies));
                    Def::Exclusion(allowed_rel, denied_rel)
                }
            };
            t.relation(ty, action, def);
        }
    }

    if let Some(name) = t.conflicts.first() {
        return Err(ExportError::Name {
            name: name.clone(),
            reason: "two parts of the translation need this relation with different meanings (a relationship, action or role named alike)".to_string(),
        });
    }
    let mut model = Model {
        types: t.types,
        conditions: t.conditions,
        untranslated,
        notes: Vec::new(),
        subject_kinds: kinds,
        sources: t.sources,
        wildcard_roles,
        per_subject,
    };
    name_members(&mut model);
    check_names(&model)?;
    Ok(model)
}

/// Names the membership relations: `member` where one attribute meets a value type, else
/// `member_ATTR`.
fn name_members(model: &mut Model) {
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    for (_, rels) in &model.types {
        let placeholders: Vec<&str> = rels
            .iter()
            .filter_map(|r| r.name.strip_prefix(MEMBER))
            .collect();
        for attr in &placeholders {
            let name = if placeholders.len() == 1 {
                "member".to_string()
            } else {
                format!("member_{}", ident(attr))
            };
            renames.insert(format!("{MEMBER}{attr}"), name);
        }
    }
    let rename = |s: &mut String| {
        if let Some(n) = renames.get(s.as_str()) {
            s.clone_from(n);
        }
    };
    for (_, rels) in &mut model.types {
        for r in rels {
            rename(&mut r.name);
            match &mut r.def {
                Def::Union(names) | Def::Intersection(names) => names.iter_mut().for_each(rename),
                Def::Exclusion(a, b) => {
                    rename(a);
                    rename(b);
                }
                Def::Arrow { relation, .. } => rename(relation),
                Def::Direct(_) | Def::Nothing => {}
            }
        }
    }
    for s in &mut model.sources {
        if let Source::SubjectValue { relation, .. } = s {
            rename(relation);
        }
    }
}

fn check_names(model: &Model) -> Result<(), ExportError> {
    for (ty, rels) in &model.types {
        if !valid_name(ty) {
            return Err(ExportError::Name {
                name: ty.clone(),
                reason: "a type name must be 3 to 64 lowercase letters, digits or `_`, starting with a letter".to_string(),
            });
        }
        for r in rels {
            if !valid_name(&r.name) {
                return Err(ExportError::Name {
                    name: r.name.clone(),
                    reason: format!(
                        "a relation name of `{ty}` must be 3 to 64 lowercase letters, digits or `_`, starting with a letter"
                    ),
                });
            }
        }
    }
    Ok(())
}

impl Model {
    /// The header comment's lines: [`HEADER`], then the notes.
    pub fn header(&self) -> Vec<String> {
        let mut context: Vec<String> = Vec::new();
        for c in &self.conditions {
            for (name, ty) in &c.params {
                let param = format!("{name} ({})", ty.name());
                if name != VALUE_PARAM && !context.contains(&param) {
                    context.push(param);
                }
            }
        }
        let context = (!context.is_empty()).then(|| {
            format!(
                "Each check passes the request context as condition parameters: {}.",
                context.join(", ")
            )
        });
        HEADER
            .iter()
            .map(|l| (*l).to_string())
            .chain(context)
            .chain(self.notes.iter().cloned())
            .collect()
    }

    /// The tuples every export holds whatever the rows: roles given to every subject of a kind.
    pub fn static_tuples(&self) -> Vec<Tuple> {
        let mut out: Vec<Tuple> = self
            .wildcard_roles
            .iter()
            .map(|(role, kind)| {
                let id = if kind == ANONYMOUS {
                    ANONYMOUS_ID.to_string()
                } else {
                    "*".to_string()
                };
                Tuple::new((LEAGUE, LEAGUE_ID.to_string()), role, (kind, id))
            })
            .collect();
        for source in &self.sources {
            if let Source::ContextOnly { cond, relation } = source {
                for kind in &self.subject_kinds {
                    out.push(Tuple {
                        condition: Some((cond.clone(), None)),
                        ..Tuple::new(
                            (LEAGUE, LEAGUE_ID.to_string()),
                            relation,
                            (kind, "*".to_string()),
                        )
                    });
                }
            }
        }
        if self
            .types
            .iter()
            .any(|(t, rels)| t == LEAGUE && rels.iter().any(|r| r.name == "anyone"))
        {
            for kind in &self.subject_kinds {
                out.push(Tuple::new(
                    (LEAGUE, LEAGUE_ID.to_string()),
                    "anyone",
                    (kind, "*".to_string()),
                ));
            }
        }
        out
    }

    /// The policy set the per-subject roles are decided with (bindings with `when` or
    /// `role_column` only): the caller evaluates [`crate::authz::roles`] with it for each
    /// subject and passes the roles to [`Model::subject_tuples`].
    pub fn per_subject_bindings(&self) -> &PolicySet {
        &self.per_subject
    }

    /// The tuples a row of `ty` writes as a resource.
    #[expect(
        clippy::too_many_lines,
        reason = "one arm per kind of tuple a row writes"
    )]
    pub fn row_tuples(&self, set: &PolicySet, ty: &str, row: &Row, out: &mut Vec<Tuple>) {
        let key_of = |t: &str| set.types.get(t).map_or("id", |d| d.key.as_str());
        let get = |c: &str| row.get(c).cloned().unwrap_or(Value::Null);
        let id = object_id(&get(key_of(ty)));
        for source in &self.sources {
            match source {
                Source::League { ty: t } if t == ty => out.push(Tuple::new(
                    (ty, id.clone()),
                    "league",
                    (LEAGUE, LEAGUE_ID.to_string()),
                )),
                Source::Rel {
                    rel,
                    from: RelFrom::Owner,
                } if rel.ty == ty => {
                    let v = get(&rel.column);
                    if v != Value::Null {
                        out.push(Tuple::new(
                            (ty, id.clone()),
                            &rel.name,
                            (&rel.target, object_id(&v)),
                        ));
                    }
                }
                Source::Rel {
                    rel,
                    from: RelFrom::Target,
                } if rel.target == ty => {
                    let v = get(&rel.target_column);
                    if v != Value::Null {
                        out.push(Tuple::new(
                            (&rel.ty, object_id(&v)),
                            &rel.name,
                            (ty, id.clone()),
                        ));
                    }
                }
                Source::ColumnValue {
                    ty: t,
                    column,
                    value_ty,
                    relation,
                } if t == ty => {
                    let v = get(column);
                    if v != Value::Null {
                        out.push(Tuple::new(
                            (ty, id.clone()),
                            relation,
                            (value_ty, object_id(&v)),
                        ));
                    }
                }
                Source::ColumnNull {
                    ty: t,
                    column,
                    relation,
                } if t == ty && get(column) == Value::Null => {
                    out.push(Tuple::new(
                        (ty, id.clone()),
                        relation,
                        (LEAGUE, LEAGUE_ID.to_string()),
                    ));
                }
                Source::ColumnConst {
                    ty: t,
                    column,
                    op,
                    rhs,
                    cond,
                    relation,
                    unknown_holds,
                } if t == ty => {
                    let v = get(column);
                    let condition = if v == Value::Null {
                        match decide(&v, *op, rhs) {
                            Some(true) => None,
                            None if *unknown_holds => None,
                            _ => continue,
                        }
                    } else {
                        Some((cond.clone(), Some(v)))
                    };
                    for kind in &self.subject_kinds {
                        out.push(Tuple {
                            condition: condition.clone(),
                            ..Tuple::new((ty, id.clone()), relation, (kind, "*".to_string()))
                        });
                    }
                }
                Source::ColumnIsNull {
                    ty: t,
                    column,
                    is_null,
                    relation,
                } if t == ty && (get(column) == Value::Null) == *is_null => {
                    for kind in &self.subject_kinds {
                        out.push(Tuple::new(
                            (ty, id.clone()),
                            relation,
                            (kind, "*".to_string()),
                        ));
                    }
                }
                _ => {}
            }
        }
    }

    /// The tuples a subject writes: its per-subject `roles`, and its attributes where
    /// conditions compare them.
    pub fn subject_tuples(&self, subject: &Subject, roles: &[String], out: &mut Vec<Tuple>) {
        let me = subject_ref(subject);
        let me = (me.0.as_str(), me.1);
        for role in roles {
            out.push(Tuple::new(
                (LEAGUE, LEAGUE_ID.to_string()),
                role,
                (me.0, me.1.clone()),
            ));
        }
        for source in &self.sources {
            match source {
                Source::SubjectValue {
                    attr,
                    value_ty,
                    relation,
                } => {
                    let v = subject.attribute(attr);
                    if v != Value::Null {
                        out.push(Tuple::new(
                            (value_ty, object_id(&v)),
                            relation,
                            (me.0, me.1.clone()),
                        ));
                    }
                }
                Source::SubjectNull { attr, relation }
                    if subject.attribute(attr) == Value::Null =>
                {
                    out.push(Tuple::new(
                        (LEAGUE, LEAGUE_ID.to_string()),
                        relation,
                        (me.0, me.1.clone()),
                    ));
                }
                Source::SubjectConst {
                    attr,
                    op,
                    rhs,
                    cond,
                    relation,
                    unknown_holds,
                } => {
                    let v = subject.attribute(attr);
                    let condition = if v == Value::Null {
                        match decide(&v, *op, rhs) {
                            Some(true) => None,
                            None if *unknown_holds => None,
                            _ => continue,
                        }
                    } else {
                        Some((cond.clone(), Some(v)))
                    };
                    out.push(Tuple {
                        condition,
                        ..Tuple::new(
                            (LEAGUE, LEAGUE_ID.to_string()),
                            relation,
                            (me.0, me.1.clone()),
                        )
                    });
                }
                Source::SubjectIsNull {
                    attr,
                    is_null,
                    relation,
                } if (subject.attribute(attr) == Value::Null) == *is_null => {
                    out.push(Tuple::new(
                        (LEAGUE, LEAGUE_ID.to_string()),
                        relation,
                        (me.0, me.1.clone()),
                    ));
                }
                _ => {}
            }
        }
    }
}

/// `value op rhs` as the engine decides it (for a null value, where no condition can carry it).
fn decide(value: &Value, op: Op, rhs: &Rhs) -> Option<bool> {
    match rhs {
        Rhs::Value(v) => compare(value, op, v),
        Rhs::List(vs) => in_list(value, op == Op::Nin, vs),
        Rhs::Subject(_) | Rhs::Context(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_keep_plain_references_and_escape_the_rest() {
        assert_eq!(object_ref("forum", &Value::from("Seeker")), "forum:Seeker");
        assert_eq!(object_ref("game", &Value::Int(8)), "game:8");
        assert_eq!(object_id(&Value::from("a b=c")), "a=20b=3Dc");
    }

    #[test]
    fn names_both_engines_accept() {
        assert!(valid_name("winners_read_game_1"));
        assert!(!valid_name("qa"));
        assert!(!valid_name("Team"));
        assert!(!valid_name("x_"));
    }

    #[test]
    fn conditions_on_the_request_context_are_cel_over_its_parameters() {
        let cond = |params: &[(&str, ParamType)], lhs, op, rhs| CondDef {
            name: "c".into(),
            params: params.iter().map(|(n, t)| ((*n).to_string(), *t)).collect(),
            lhs,
            op,
            rhs,
        };
        let time = [
            ("value", ParamType::Timestamp),
            ("now", ParamType::Timestamp),
        ];
        assert_eq!(
            cond(&time, Term::Value, Op::Gt, Term::Context("now".into())).expression(),
            "value > now"
        );
        assert_eq!(
            cond(
                &time[1..],
                Term::Context("now".into()),
                Op::In,
                Term::List(vec![Value::from("2026-01-01T00:00:00Z")])
            )
            .expression(),
            r#"now in [timestamp("2026-01-01T00:00:00Z")]"#
        );
        assert_eq!(
            cond(
                &[("ip", ParamType::IpAddress)],
                Term::Context("ip".into()),
                Op::InCidr,
                Term::List(vec![Value::from("10.0.0.0/8"), Value::from("::1")])
            )
            .expression(),
            r#"(ip.in_cidr("10.0.0.0/8") || ip.in_cidr("::1/128"))"#
        );
        assert_eq!(
            cond(
                &[("scopes", ParamType::ListString)],
                Term::Context("scopes".into()),
                Op::Contains,
                Term::Const(Value::from("games:read"))
            )
            .expression(),
            r#""games:read" in scopes"#
        );
        assert_eq!(
            context_param("claims.x-hasura-org-id"),
            "claims_x_hasura_org_id"
        );
    }

    #[test]
    fn positions_do_not_split_equal_conditions() {
        let compare = |text: &str, at| Condition::Compare {
            lhs: Lhs::Column("id".into()),
            op: Op::Eq,
            rhs: Rhs::Value(Value::from(text)),
            at,
        };
        assert_eq!(shape(&compare("at: 5", 120)), shape(&compare("at: 5", 7)));
        assert_ne!(shape(&compare("at: 5", 1)), shape(&compare("at: 6", 1)));
    }
}
