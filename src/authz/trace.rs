//! Decisions are data: [`Response`] is what `evaluate` returns, what `explain`, `check` and
//! `test` render, and what the server will enforce. It derives `Serialize` (the JSON schema of
//! `authz explain --format json`) and implements `Display` (the human tree). The JSON holds
//! data (tags, names, values); every sentence of the human output is written by a `Display`
//! here, from that data.
//!
//! # JSON schema (stable; new keys may be added, none renamed or removed)
//!
//! ```text
//! Response {
//!   context?: {name: value},         // the request's `$context.*` values (absent: none)
//!   decision: "allow" | "deny",
//!   request: { subject: string, action: string, resource: string, field: string | null },
//!   subject: Subject,
//!   policies: [string],              // the policies that decided (allows, or the winning denies)
//!   fields: [{ field: string, granted_by: [string] }],
//!   denied_fields: [{ field: string, yields: "null" | "error", message?: string,
//!                     because: Withheld }],
//!   combining: Rule,                 // the rule of the combining step (`decided_by.rule`)
//!   decided_by: Decided,
//!   trace: [{ id, effect: "allow" | "deny", fields: [string] | null,
//!             outcome: "not_applicable" | "satisfied" | "not_satisfied" | "unknown",
//!             reason: Mismatch | null,            // why not applicable
//!             condition: Node | null,
//!             missing_context?: [string],     // `$context.*` the request lacked (unknown)
//!             micros: number }],
//!   why_not: [{ policy: string, reasons: [Reason] }]
//! }
//! Node { kind: "and" | "or" | "not" | "true", result: bool | null,   // null: unknown (NULL)
//!          children: [Node], visits: [Visit], depth_limit?: number }  // limit reached
//!   | { kind: "compare", left: Operand, op: string, right: Operand, … }  // op: `_eq`, `_in`, …
//!   | { kind: "is_null", left: Operand, is_null: bool, … }
//!   | { kind: "exists" | "transitive", relationship: string, condition: Expr, … }
//! Operand { operand: "column" | "subject", name: string, value?: value,  // value: as seen
//!           assumed?: true }                                             // what-if assumed it
//!   | { operand: "context", name: string, value?: value | [string], missing?: true }
//!   | { operand: "literal", value: value } | { operand: "list", values: [value] }
//! Expr { kind: "and" | "or", parts: [Expr] } | { kind: "not", inner: Expr }
//!   | { kind: "compare", left: Operand, op: string, right: Operand }
//!   | { kind: "is_null", left: Operand, is_null: bool }
//!   | { kind: "exists" | "transitive", relationship: string, inner: Expr }
//! Visit { resource: string, depth: number, values: {column: value}, matched: bool,
//!         assumed?: [string] }                    // columns of `values` what-if assumed
//! Rule: "allowed" | "field_granted" | "deny_wins" | "field_denied" | "field_not_granted"
//!   | "default_deny"
//! Decided { rule: "allowed", policies: [string] }
//!   | { rule: "field_granted", field: string, policies: [string] }
//!   | { rule: "deny_wins", policies: [string], overridden: [string] }   // overridden: the allows
//!   | { rule: "field_denied", field: string, policies: [string] }       // field-level denies
//!   | { rule: "field_not_granted", field: string, applicable: [string] } // allows that applied
//!   | { rule: "default_deny" }
//! Mismatch { mismatch: "type", about: string } | { mismatch: "action", about: [string] }
//!   | { mismatch: "role", needs: [string], has: [string] }    // has: the subject's roles
//! Reason { because: "not_applicable", mismatch: Mismatch }
//!   | { because: "false" | "unknown", path: [number], node: Node }  // path: child indices
//!   | { because: "condition_false" | "condition_unknown" }
//!   | { because: "missing_context", names: [string] }              // `$context.NAME`
//!   | { because: "deny_wins", denies: [string] }
//!   | { because: "field_withheld", field: string, denies: [string] }
//!   | { because: "field_not_granted", field: string }
//! Via { kind: "every", binding: number, subject: string }     // binding: its number, from 1
//!   | { kind: "where", binding: number, subject: string, when: Expr }
//!   | { kind: "column", binding: number, subject: string, column: string, value: string }
//!   | { kind: "inherited", from: string } | { kind: "admin_secret" }
//! Withheld { why: "resource_denied", policies: [string] }
//!   | { why: "denied_by", policies: [string] } | { why: "not_granted", applicable: [string] }
//! Subject { label: string,          // `player:1 (Harry Potter)`, the request's `subject`
//!           kind: string, id: value | null, attributes: {column: value},
//!           roles: [{ role: string, via: Via }],       // the same in a profile and a query report
//!           assumed?: [string] }                     // attributes what-if assumed (`--assume`)
//! Route { by: "roles" } | { by: "held", node: Node }           // `who-can --explain`'s `via`
//!   | { by: "step", relationship: string, transitive: bool, resource: string | null }
//! ```
//! A value is JSON null, a boolean, an integer or a string. A request that cannot be evaluated
//! (a policy whose rows cannot be read) has no response: it is an error.

use std::fmt::{self, Write as _};

use serde::Serialize;

use super::entities::{Row, Value};
use super::policy::{Effect, Op, ReadFail};

/// The decision.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allow,
    Deny,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::Allow => "allow",
            Decision::Deny => "deny",
        })
    }
}

/// The request, as text.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RequestInfo {
    pub subject: String,
    pub action: String,
    pub resource: String,
    pub field: Option<String>,
}

/// A role the subject holds, and the binding (or inheritance) that gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RoleGrant {
    pub role: String,
    pub via: Via,
}

/// How a subject came to hold a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Via {
    /// `[[binding]]` number `binding` (from 1) gives the role to every `subject`.
    Every { binding: usize, subject: String },
    /// The binding gives the role to the `subject` rows its `when` condition holds for.
    Where {
        binding: usize,
        subject: String,
        when: Expr,
    },
    /// The binding gives the role that the subject's `column` names (`value`).
    Column {
        binding: usize,
        subject: String,
        column: String,
        value: String,
    },
    /// Inherited from the role `from`, which the subject holds.
    Inherited { from: String },
    /// The holder of the admin secret.
    AdminSecret,
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Via::Every { binding, subject } => write!(f, "binding #{binding}: every {subject}"),
            Via::Where {
                binding,
                subject,
                when,
            } => write!(f, "binding #{binding}: {subject} where {when}"),
            Via::Column {
                binding,
                subject,
                column,
                value,
            } => write!(f, "binding #{binding}: {subject}.{column} = {value:?}"),
            Via::Inherited { from } => write!(f, "inherited from {from}"),
            Via::AdminSecret => f.write_str("the admin secret"),
        }
    }
}

/// The subject as the policies saw it: the one shape of `subject` in every JSON output of
/// `authz explain` (a decision, a profile, a query report).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SubjectInfo {
    /// `player:1 (Harry Potter)`, `staff:1 (Madam Hooch)`, `anonymous`.
    pub label: String,
    pub kind: String,
    pub id: Option<Value>,
    pub attributes: Row,
    pub roles: Vec<RoleGrant>,
    /// The attributes what-if assumed (`--assume`), not read; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumed: Vec<String>,
}

impl SubjectInfo {
    pub fn new(subject: &super::Subject, roles: Vec<RoleGrant>) -> Self {
        Self {
            label: subject.label(),
            kind: subject.kind.clone(),
            id: subject.id.clone(),
            attributes: subject.attributes.clone(),
            roles,
            assumed: Vec::new(),
        }
    }
}

/// A field the subject may read, and the allow policies granting it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FieldGrant {
    pub field: String,
    pub granted_by: Vec<String>,
}

/// A field the subject may not read, what reading it yields, and why it is withheld.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DeniedField {
    pub field: String,
    #[serde(flatten)]
    pub read_fail: ReadFail,
    pub because: Withheld,
}

/// Why a field is withheld.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "why")]
pub enum Withheld {
    /// A deny of the whole resource applies.
    ResourceDenied { policies: Vec<String> },
    /// Field-level denies withhold it.
    DeniedBy { policies: Vec<String> },
    /// No applicable allow grants it (`applicable`: the allows that did apply).
    NotGranted { applicable: Vec<String> },
}

impl fmt::Display for Withheld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Withheld::ResourceDenied { policies } => {
                write!(f, "the resource is denied by {}", policies.join(", "))
            }
            Withheld::DeniedBy { policies } => write!(f, "denied by {}", policies.join(", ")),
            Withheld::NotGranted { applicable } if applicable.is_empty() => {
                f.write_str("no allow applies")
            }
            Withheld::NotGranted { applicable } => write!(
                f,
                "not granted by any applicable allow; applicable: {}",
                applicable.join(", ")
            ),
        }
    }
}

/// The rule of the combining step that decided a request, without its policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Allowed,
    FieldGranted,
    DenyWins,
    FieldDenied,
    FieldNotGranted,
    DefaultDeny,
}

/// What decided a request: the rule of the combining step and the policies behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum Decided {
    /// Allows applied and no deny did.
    Allowed { policies: Vec<String> },
    /// The asked-for field is granted by these allows and withheld by no deny.
    FieldGranted {
        field: String,
        policies: Vec<String>,
    },
    /// A deny of the resource applied: it wins over every allow (`overridden`).
    DenyWins {
        policies: Vec<String>,
        overridden: Vec<String>,
    },
    /// A field-level deny withholds the asked-for field.
    FieldDenied {
        field: String,
        policies: Vec<String>,
    },
    /// Allows applied, but none grants the asked-for field.
    FieldNotGranted {
        field: String,
        applicable: Vec<String>,
    },
    /// No allow applied.
    DefaultDeny,
}

impl Decided {
    /// The rule, without its policies.
    pub fn rule(&self) -> Rule {
        match self {
            Decided::Allowed { .. } => Rule::Allowed,
            Decided::FieldGranted { .. } => Rule::FieldGranted,
            Decided::DenyWins { .. } => Rule::DenyWins,
            Decided::FieldDenied { .. } => Rule::FieldDenied,
            Decided::FieldNotGranted { .. } => Rule::FieldNotGranted,
            Decided::DefaultDeny => Rule::DefaultDeny,
        }
    }

    pub fn decision(&self) -> Decision {
        match self {
            Decided::Allowed { .. } | Decided::FieldGranted { .. } => Decision::Allow,
            _ => Decision::Deny,
        }
    }

    /// The policies that decided: the allows of an allow, the denies of a deny; none for a
    /// default deny.
    pub fn policies(&self) -> &[String] {
        match self {
            Decided::Allowed { policies }
            | Decided::FieldGranted { policies, .. }
            | Decided::DenyWins { policies, .. }
            | Decided::FieldDenied { policies, .. } => policies,
            Decided::FieldNotGranted { .. } | Decided::DefaultDeny => &[],
        }
    }
}

impl fmt::Display for Decided {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decided::Allowed { policies } => {
                write!(f, "no deny applies; allowed by {}", policies.join(", "))
            }
            Decided::FieldGranted { field, policies } => write!(
                f,
                "no deny applies; field `{field}` is granted by {}",
                policies.join(", ")
            ),
            Decided::DenyWins { policies, .. } => {
                write!(f, "deny wins: {} applies", policies.join(", "))
            }
            Decided::FieldDenied { field, policies } => {
                write!(f, "field `{field}` is denied by {}", policies.join(", "))
            }
            Decided::FieldNotGranted { field, applicable } => write!(
                f,
                "{} allow the resource, but none grants field `{field}`: default deny",
                applicable.join(", ")
            ),
            Decided::DefaultDeny => f.write_str("no allow policy applies: default deny"),
        }
    }
}

/// How a policy came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    NotApplicable,
    Satisfied,
    NotSatisfied,
    /// The condition is unknown (a NULL was compared): a deny applies, an allow does not.
    Unknown,
}

/// Why a policy's target does not cover a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "mismatch")]
pub enum Mismatch {
    /// The policy is about another resource type (`about`).
    Type { about: String },
    /// The policy is about other actions (`about`).
    Action { about: Vec<String> },
    /// The policy needs one of the roles `needs`; the subject holds `has`.
    Role {
        needs: Vec<String>,
        has: Vec<String>,
    },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Type { about } => write!(f, "type: it is about `{about}`"),
            Mismatch::Action { about } => write!(f, "action: it is about {}", about.join(", ")),
            Mismatch::Role { needs, has } if has.is_empty() => {
                write!(
                    f,
                    "role: it needs {}; the subject has no role",
                    needs.join(" or ")
                )
            }
            Mismatch::Role { needs, has } => write!(
                f,
                "role: it needs {}; the subject has {}",
                needs.join(" or "),
                has.join(", ")
            ),
        }
    }
}

/// One policy's evaluation.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PolicyTrace {
    pub id: String,
    pub effect: Effect,
    /// The fields a field-level policy names; `None` for the whole resource.
    pub fields: Option<Vec<String>>,
    pub outcome: Outcome,
    /// Why the policy is not applicable; `None` when it is.
    pub reason: Option<Mismatch>,
    pub condition: Option<Node>,
    /// The `$context.*` values the condition needs and the request lacks, when the condition
    /// came out unknown: an allow needing them does not apply, a deny does. Absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_context: Vec<String>,
    pub micros: f64,
}

/// An operand of a comparison, with the value evaluation saw for it where the trace shows one
/// (always in a node's own comparison; in a relationship step's condition only for `$subject`
/// and `$context` on the right).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "operand")]
pub enum Operand {
    /// A column of the row.
    Column {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<Value>,
        /// What-if assumed the value (`--assume`); absent when read.
        #[serde(default, skip_serializing_if = "is_false")]
        assumed: bool,
    },
    /// `$subject.NAME`.
    Subject {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<Value>,
        #[serde(default, skip_serializing_if = "is_false")]
        assumed: bool,
    },
    /// `$context.NAME`; `missing`: shown, and the request has no value.
    Context {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<super::context::ContextValue>,
        #[serde(default, skip_serializing_if = "is_false")]
        missing: bool,
    },
    /// A constant.
    Literal { value: Value },
    /// A list of constants (`_in`, `_nin`, `_in_cidr`).
    List { values: Vec<Value> },
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde passes a reference"
)]
fn is_false(b: &bool) -> bool {
    !*b
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seen = |f: &mut fmt::Formatter<'_>, value: &Option<Value>, assumed: bool| match value {
            None => Ok(()),
            Some(v) if assumed => write!(f, " ({v}, assumed)"),
            Some(v) => write!(f, " ({v})"),
        };
        match self {
            Operand::Column {
                name,
                value,
                assumed,
            } => {
                f.write_str(name)?;
                seen(f, value, *assumed)
            }
            Operand::Subject {
                name,
                value,
                assumed,
            } => {
                write!(f, "$subject.{name}")?;
                seen(f, value, *assumed)
            }
            Operand::Context {
                name,
                value,
                missing,
            } => {
                write!(f, "$context.{name}")?;
                match value {
                    Some(v) => write!(f, " ({v})"),
                    None if *missing => f.write_str(" (missing)"),
                    None => Ok(()),
                }
            }
            Operand::Literal { value } => write!(f, "{value}"),
            Operand::List { values } => {
                let items: Vec<String> = values.iter().map(ToString::to_string).collect();
                write!(f, "[{}]", items.join(", "))
            }
        }
    }
}

/// A condition as data, as a relationship step's inner condition is shown (without results).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Expr {
    /// Every part (no parts: true).
    And {
        parts: Vec<Expr>,
    },
    Or {
        parts: Vec<Expr>,
    },
    Not {
        inner: Box<Expr>,
    },
    Compare {
        left: Operand,
        op: Op,
        right: Operand,
    },
    IsNull {
        left: Operand,
        is_null: bool,
    },
    /// Some row related through `relationship` satisfies `inner`.
    Exists {
        relationship: String,
        inner: Box<Expr>,
    },
    /// Some row reached through one or more steps of `relationship` satisfies `inner`.
    Transitive {
        relationship: String,
        inner: Box<Expr>,
    },
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |parts: &[Expr], sep: &str| {
            parts
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(sep)
        };
        match self {
            Expr::And { parts } if parts.is_empty() => f.write_str("true"),
            Expr::And { parts } => f.write_str(&join(parts, " _and ")),
            Expr::Or { parts } => write!(f, "({})", join(parts, " _or ")),
            Expr::Not { inner } => write!(f, "_not ({inner})"),
            Expr::Compare { left, op, right } => write!(f, "{left} {} {right}", op.name()),
            Expr::IsNull { left, is_null } => write!(f, "{left} _is_null {is_null}"),
            Expr::Exists {
                relationship,
                inner,
            } => write!(f, "{relationship} {{ {inner} }}"),
            Expr::Transitive {
                relationship,
                inner,
            } => write!(f, "{relationship}* {{ {inner} }}"),
        }
    }
}

/// What a condition node tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Test {
    And,
    Or,
    Not,
    /// An empty condition.
    True,
    Compare {
        left: Operand,
        op: Op,
        right: Operand,
    },
    IsNull {
        left: Operand,
        is_null: bool,
    },
    /// A relationship step: some related row satisfies `condition` (`visits`: the rows).
    Exists {
        relationship: String,
        condition: Expr,
    },
    /// A transitive relationship step (`relationship*`).
    Transitive {
        relationship: String,
        condition: Expr,
    },
}

impl fmt::Display for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Test::And => f.write_str("_and"),
            Test::Or => f.write_str("_or"),
            Test::Not => f.write_str("_not"),
            Test::True => f.write_str("true"),
            Test::Compare { left, op, right } => write!(f, "{left} {} {right}", op.name()),
            Test::IsNull { left, is_null } => write!(f, "{left} _is_null {is_null}"),
            Test::Exists {
                relationship,
                condition,
            } => write!(f, "{relationship} {{ {condition} }}"),
            Test::Transitive {
                relationship,
                condition,
            } => write!(f, "{relationship}* {{ {condition} }}"),
        }
    }
}

/// A condition node with the values it saw.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Node {
    #[serde(flatten)]
    pub test: Test,
    pub result: Option<bool>,
    pub children: Vec<Node>,
    pub visits: Vec<Visit>,
    /// A transitive step that stopped at the depth limit: the limit; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth_limit: Option<u32>,
}

/// The way an allow's condition let a subject through (`who-can --explain`): its first true
/// path.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum Route {
    /// The policy has no condition: the subject's roles suffice.
    Roles,
    /// A relationship step, and the row it matched (`resource`), if one did.
    Step {
        relationship: String,
        transitive: bool,
        resource: Option<String>,
    },
    /// The node of the condition that held: a comparison, or a combination none of whose parts
    /// held on its own.
    Held { node: Node },
}

impl Route {
    /// The first true path of a condition (`None`: the policy has none).
    pub fn of(condition: Option<&Node>) -> Route {
        let Some(node) = condition else {
            return Route::Roles;
        };
        match &node.test {
            Test::Exists { relationship, .. } | Test::Transitive { relationship, .. } => {
                Route::Step {
                    relationship: relationship.clone(),
                    transitive: matches!(node.test, Test::Transitive { .. }),
                    resource: node
                        .visits
                        .iter()
                        .find(|v| v.matched)
                        .map(|v| v.resource.clone()),
                }
            }
            Test::And | Test::Or | Test::Not => {
                match node.children.iter().find(|c| c.result == Some(true)) {
                    Some(child) => Route::of(Some(child)),
                    None => Route::Held { node: node.clone() },
                }
            }
            _ => Route::Held { node: node.clone() },
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Route::Roles => f.write_str("its roles"),
            Route::Step {
                relationship,
                transitive,
                resource,
            } => {
                f.write_str(relationship)?;
                if *transitive {
                    f.write_str("*")?;
                }
                match resource {
                    Some(r) => write!(f, " → {r}"),
                    None => Ok(()),
                }
            }
            Route::Held { node } => write!(f, "{}", node.test),
        }
    }
}

/// A row a relationship step visited.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Visit {
    pub resource: String,
    pub depth: u32,
    pub values: Row,
    pub matched: bool,
    /// The columns of `values` what-if assumed; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumed: Vec<String>,
}

/// A candidate allow policy and why it did not allow.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct WhyNot {
    pub policy: String,
    pub reasons: Vec<Reason>,
}

/// One reason an allow did not allow.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "because")]
pub enum Reason {
    /// Its target does not cover the request.
    NotApplicable { mismatch: Mismatch },
    /// A part of its condition came out false: the node at `path` (child indices from the
    /// condition's root), with the values it saw and the rows a relationship step visited.
    False { path: Vec<usize>, node: Node },
    /// Its condition is false (no trace of which part).
    ConditionFalse,
    /// A comparison of its condition came out unknown (a NULL was compared): the node at `path`.
    Unknown { path: Vec<usize>, node: Node },
    /// Its condition came out unknown, and an allow applies only when its condition is true.
    ConditionUnknown,
    /// The request lacks the context values (`$context.NAME`) its condition needs.
    MissingContext { names: Vec<String> },
    /// It applies, but these denies of the resource win.
    DenyWins { denies: Vec<String> },
    /// It grants `field`, but these field-level denies withhold it.
    FieldWithheld { field: String, denies: Vec<String> },
    /// It applies but does not grant `field`.
    FieldNotGranted { field: String },
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NotApplicable { mismatch } => write!(f, "{mismatch}"),
            Reason::False { node, .. } => match node.test {
                Test::Exists { .. } | Test::Transitive { .. } if node.visits.is_empty() => {
                    write!(f, "{} → false: no related row", node.test)
                }
                Test::Exists { .. } | Test::Transitive { .. } => {
                    let visited: Vec<String> = node
                        .visits
                        .iter()
                        .map(|v| {
                            let vals: Vec<String> =
                                v.values.iter().map(|(k, x)| format!("{k} {x}")).collect();
                            format!("{} ({})", v.resource, vals.join(", "))
                        })
                        .collect();
                    write!(
                        f,
                        "{} → false: visited {}, none matched",
                        node.test,
                        visited.join(", ")
                    )
                }
                _ => write!(f, "{} → false", node.test),
            },
            Reason::ConditionFalse => f.write_str("its condition is false"),
            Reason::Unknown { node, .. } => write!(f, "{} → {}", node.test, outcome(node)),
            Reason::ConditionUnknown => f.write_str(
                "its condition is unknown (a NULL was compared): an allow applies only when its condition is true",
            ),
            Reason::MissingContext { names } => write!(
                f,
                "the request has no {}: an allow that needs it does not apply",
                quoted(names)
            ),
            Reason::DenyWins { denies } => {
                write!(f, "it applies, but deny {} wins", quoted(denies))
            }
            Reason::FieldWithheld { field, denies } => write!(
                f,
                "it grants field `{field}`, but deny {} withholds it",
                quoted(denies)
            ),
            Reason::FieldNotGranted { field } => {
                write!(f, "it applies but does not grant field `{field}`")
            }
        }
    }
}

/// The whole decision.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Response {
    /// The request's context (`$context.*`) as evaluation saw it; absent when empty.
    #[serde(default, skip_serializing_if = "super::context::Context::is_empty")]
    pub context: super::context::Context,
    pub decision: Decision,
    pub request: RequestInfo,
    pub subject: SubjectInfo,
    pub policies: Vec<String>,
    pub fields: Vec<FieldGrant>,
    pub denied_fields: Vec<DeniedField>,
    /// The rule that decided (`decided_by`'s tag); the trace words it from `decided_by`.
    pub combining: Rule,
    pub decided_by: Decided,
    pub trace: Vec<PolicyTrace>,
    pub why_not: Vec<WhyNot>,
}

impl Response {
    /// The names of the readable fields.
    pub fn field_names(&self) -> Vec<String> {
        self.fields.iter().map(|f| f.field.clone()).collect()
    }

    /// Zeroes the timings, for reproducible renderings (snapshots).
    pub fn clear_timings(&mut self) {
        for t in &mut self.trace {
            t.micros = 0.0;
        }
    }
}

fn attributes(row: &Row, assumed: &[String]) -> String {
    row.iter()
        .map(|(k, v)| {
            if assumed.contains(k) {
                format!("{k}={v} (assumed)")
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A node's result in words: an unknown one says why (a NULL compared, or a walk cut at its
/// depth limit before any row matched), a known one whether its walk reached the limit.
fn outcome(node: &Node) -> String {
    match (node.result, node.depth_limit) {
        (None, Some(limit)) => format!("unknown (depth limit {limit} reached before a match)"),
        (None, None) => "unknown (NULL)".to_string(),
        (Some(result), Some(limit)) => format!("{result} (depth limit {limit} reached)"),
        (Some(result), None) => result.to_string(),
    }
}

fn write_node(out: &mut String, node: &Node, prefix: &str, last: bool, root: bool) {
    let (branch, next) = if root {
        ("", prefix.to_string())
    } else if last {
        ("└─ ", format!("{prefix}   "))
    } else {
        ("├─ ", format!("{prefix}│  "))
    };
    let _ = write!(out, "{prefix}{branch}{} → {}", node.test, outcome(node));
    out.push('\n');
    let n = node.children.len() + node.visits.len();
    let mut i = 0;
    for child in &node.children {
        i += 1;
        write_node(out, child, &next, i == n, false);
    }
    for visit in &node.visits {
        i += 1;
        let b = if i == n { "└─ " } else { "├─ " };
        let vals = visit
            .values
            .iter()
            .map(|(k, v)| {
                if visit.assumed.contains(k) {
                    format!("{k} {v} (assumed)")
                } else {
                    format!("{k} {v}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "{next}{b}→ {} (depth {}{}{vals}) {}",
            visit.resource,
            visit.depth,
            if vals.is_empty() { "" } else { ", " },
            if visit.matched { "✓" } else { "✗" }
        );
    }
}

/// A policy's outcome in words.
fn outcome_text(t: &PolicyTrace) -> String {
    let missing = t.missing_context.join(", ");
    match t.outcome {
        Outcome::NotApplicable => "not applicable".to_string(),
        Outcome::Satisfied => "applies".to_string(),
        Outcome::NotSatisfied => "condition false".to_string(),
        Outcome::Unknown if !missing.is_empty() => match t.effect {
            Effect::Allow => format!("context missing ({missing}): does not apply"),
            Effect::Deny => format!("context missing ({missing}): applies (fail closed)"),
        },
        Outcome::Unknown => {
            let why = if t.condition.as_ref().is_some_and(cut_unknown) {
                "depth limit reached"
            } else {
                "NULL"
            };
            match t.effect {
                Effect::Allow => format!("condition unknown ({why}): does not apply"),
                Effect::Deny => format!("condition unknown ({why}): applies (fail closed)"),
            }
        }
    }
}

/// Whether `node` or a node under it is a relationship step left unknown by its depth limit.
fn cut_unknown(node: &Node) -> bool {
    (node.result.is_none() && node.depth_limit.is_some()) || node.children.iter().any(cut_unknown)
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.request;
        let field = r
            .field
            .as_ref()
            .map_or(String::new(), |x| format!(" field {x}"));
        writeln!(
            f,
            "request: {} {} {}{field}",
            r.subject, r.action, r.resource
        )?;
        writeln!(f, "subject: {}", r.subject)?;
        if !self.subject.attributes.is_empty() {
            writeln!(
                f,
                "  attributes: {}",
                attributes(&self.subject.attributes, &self.subject.assumed)
            )?;
        }
        writeln!(f, "  roles:")?;
        for g in &self.subject.roles {
            writeln!(f, "    {:<10} {}", g.role, g.via)?;
        }
        if !self.context.is_empty() {
            let values = self
                .context
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ");
            writeln!(f, "context: {values}")?;
        }
        writeln!(f, "policies:")?;
        let width = self.trace.iter().map(|t| t.id.len()).max().unwrap_or(0);
        for t in &self.trace {
            let effect = match t.effect {
                Effect::Allow => "allow",
                Effect::Deny => "deny ",
            };
            let outcome = outcome_text(t);
            let reason = t
                .reason
                .as_ref()
                .map_or(String::new(), |r| format!(": {r}"));
            let time = if t.outcome == Outcome::NotApplicable {
                String::new()
            } else {
                format!(" ({:.1} µs)", t.micros)
            };
            // A deny's fields change what it does (withhold them, keep the row): shown.
            let fields = match (&t.fields, t.effect) {
                (Some(f), Effect::Deny) => format!(" (fields {})", f.join(", ")),
                _ => String::new(),
            };
            writeln!(
                f,
                "  {:<width$}  {effect}{fields}  {outcome}{reason}{time}",
                t.id
            )?;
            if let Some(node) = &t.condition {
                let mut s = String::new();
                write_node(&mut s, node, "      ", true, true);
                f.write_str(&s)?;
            }
        }
        writeln!(f, "combining: {}", self.decided_by)?;
        if !self.fields.is_empty() {
            let fields = self
                .fields
                .iter()
                .map(|g| format!("{} ({})", g.field, g.granted_by.join(", ")))
                .collect::<Vec<_>>()
                .join(", ");
            writeln!(f, "fields: {fields}")?;
        }
        if self.decision == Decision::Allow && !self.denied_fields.is_empty() {
            writeln!(f, "hidden fields:")?;
            for d in &self.denied_fields {
                let yields = match &d.read_fail {
                    ReadFail::Null => "null".to_string(),
                    ReadFail::Error { message } => format!("error {message:?}"),
                };
                writeln!(f, "  {}: {} (yields {yields})", d.field, d.because)?;
            }
        }
        let deciding = if self.policies.is_empty() {
            String::new()
        } else {
            format!(" by {}", self.policies.join(", "))
        };
        writeln!(f, "decision: {}{deciding}", self.decision)?;
        if !self.why_not.is_empty() {
            writeln!(f, "why not:")?;
            for w in &self.why_not {
                writeln!(f, "  {}:", w.policy)?;
                for reason in &w.reasons {
                    writeln!(f, "    {reason}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::context::ContextValue;

    fn column(name: &str, value: Option<Value>, assumed: bool) -> Operand {
        Operand::Column {
            name: name.into(),
            value,
            assumed,
        }
    }

    #[test]
    fn operands_are_worded_with_the_values_seen() {
        let now = |value: Option<ContextValue>, missing: bool| Operand::Context {
            name: "now".into(),
            value,
            missing,
        };
        let cases = [
            (column("team_id", None, false), "team_id"),
            (
                column("team_id", Some(Value::Null), false),
                "team_id (null)",
            ),
            (
                column("team_id", Some(Value::Int(4)), true),
                "team_id (4, assumed)",
            ),
            (
                Operand::Subject {
                    name: "position".into(),
                    value: Some("Seeker".into()),
                    assumed: false,
                },
                "$subject.position (\"Seeker\")",
            ),
            (now(None, false), "$context.now"),
            (now(None, true), "$context.now (missing)"),
            (
                now(Some(ContextValue::List(vec!["a".into()])), false),
                "$context.now ([\"a\"])",
            ),
            (Operand::Literal { value: 8.into() }, "8"),
            (
                Operand::List {
                    values: vec![1.into(), "x".into()],
                },
                "[1, \"x\"]",
            ),
        ];
        for (operand, text) in cases {
            assert_eq!(operand.to_string(), text, "{operand:?}");
        }
    }

    #[test]
    fn the_json_of_an_operand_and_a_reason_is_tagged_data() {
        let node = Node {
            test: Test::Compare {
                left: column("child_id", Some(Value::Null), false),
                op: Op::Lt,
                right: Operand::Literal { value: 8.into() },
            },
            result: None,
            children: Vec::new(),
            visits: Vec::new(),
            depth_limit: None,
        };
        let reason = Reason::Unknown {
            path: vec![0],
            node,
        };
        assert_eq!(reason.to_string(), "child_id (null) _lt 8 → unknown (NULL)");
        assert_eq!(
            serde_json::to_value(&reason).unwrap(),
            serde_json::json!({
                "because": "unknown",
                "path": [0],
                "node": {
                    "kind": "compare",
                    "left": { "operand": "column", "name": "child_id", "value": null },
                    "op": "_lt",
                    "right": { "operand": "literal", "value": 8 },
                    "result": null,
                    "children": [],
                    "visits": []
                }
            })
        );
        let empty = Expr::And { parts: Vec::new() };
        assert_eq!(empty.to_string(), "true");
        let missing = Reason::MissingContext {
            names: vec!["$context.ip".into()],
        };
        assert_eq!(
            missing.to_string(),
            "the request has no `$context.ip`: an allow that needs it does not apply"
        );
    }
}
