//! The access plan: what a subject may do to the rows of one type, as data, computed once here
//! and then compiled (`access`), enforced (`enforce`, the server's viewer) and rendered
//! (`authz explain --user` and `--query`) by the others. Nothing else derives it.

use serde::Serialize;

use super::entities::{Entities, Subject};
use super::error::EvalError;
use super::eval::{read_fail_for_roles, roles};
use super::policy::{PolicySet, QueryLimits, ReadFail};
use super::residual::{Filter, Residual, residual_for_roles};
use super::trace::{Decision, RoleGrant, Via};

/// Where a column may be read, relative to the rows the plan lets through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "on")]
pub enum ColumnAccess {
    /// On every row that may be read.
    Always,
    /// Only on the rows matching `filter` (a subset of the readable rows).
    Rows { filter: Filter },
    /// On no row.
    Never,
}

/// One column's rule, with the policies behind it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ColumnRule {
    pub column: String,
    #[serde(flatten)]
    pub access: ColumnAccess,
    /// The applicable allows that grant the column.
    pub granted_by: Vec<String>,
    /// The applicable field-level denies that withhold it.
    pub denied_by: Vec<String>,
    /// What reading it yields where it is withheld.
    pub withheld: ReadFail,
}

/// What `subject` may `action` on rows of `ty`: the row filter and each column's rule.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AccessPlan {
    #[serde(rename = "type")]
    pub ty: String,
    pub action: String,
    /// The rows (`residual.filter`: any allow and no deny of the resource), and the filter of
    /// each policy behind them.
    pub residual: Residual,
    /// Every column of the type, in name order.
    pub columns: Vec<ColumnRule>,
    /// What reading a withheld row yields (the `read_fail` of its key column).
    pub row_withheld: ReadFail,
}

impl AccessPlan {
    /// The rows the plan lets through: (any allow) AND NOT (any deny of the resource).
    pub fn rows(&self) -> &Filter {
        &self.residual.filter
    }

    /// The rule of `column`, if the type has it.
    pub fn column(&self, column: &str) -> Option<&ColumnRule> {
        self.columns.iter().find(|c| c.column == column)
    }

    /// The policies that let rows through (the applicable allows).
    pub fn allows(&self) -> Vec<String> {
        self.residual
            .allows
            .iter()
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The denies of the resource that can withhold rows.
    pub fn denies(&self) -> Vec<String> {
        self.residual
            .denies
            .iter()
            .map(|(id, _)| id.clone())
            .collect()
    }
}

/// What a check of one row decides (`authz check`'s decision, deciding policies and readable
/// fields), from which of a plan's policies apply to the row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowDecision {
    pub decision: Decision,
    /// The applicable denies of the resource when one applies, else the applicable allows.
    pub policies: Vec<String>,
    /// The readable fields, in name order; empty on a deny.
    pub fields: Vec<String>,
}

impl RowDecision {
    /// A deny with no policy applicable (what a type or action the policies lack decides).
    pub fn default_deny() -> Self {
        RowDecision {
            decision: Decision::Deny,
            policies: Vec::new(),
            fields: Vec::new(),
        }
    }
}

impl AccessPlan {
    /// The decision on one row, combined as `evaluate` combines it, given which of the
    /// residual's allows, denies of the resource and field-level denies apply to the row (in
    /// their order; an allow applies where its filter is true, a deny where it is not false).
    pub fn decide_row(
        &self,
        allows: &[bool],
        denies: &[bool],
        field_denies: &[bool],
    ) -> RowDecision {
        let picked = |list: &[(String, Filter)], applies: &[bool]| -> Vec<String> {
            list.iter()
                .zip(applies)
                .filter(|(_, a)| **a)
                .map(|((id, _), _)| id.clone())
                .collect()
        };
        let denying = picked(&self.residual.denies, denies);
        let allowing = picked(&self.residual.allows, allows);
        if !denying.is_empty() || allowing.is_empty() {
            return RowDecision {
                decision: Decision::Deny,
                policies: denying,
                fields: Vec::new(),
            };
        }
        let field_denying: Vec<&str> = self
            .residual
            .field_denies
            .iter()
            .zip(field_denies)
            .filter(|(_, a)| **a)
            .map(|((id, _, _), _)| id.as_str())
            .collect();
        let fields = self
            .columns
            .iter()
            .filter(|c| {
                c.granted_by.iter().any(|p| allowing.contains(p))
                    && !c
                        .denied_by
                        .iter()
                        .any(|p| field_denying.contains(&p.as_str()))
            })
            .map(|c| c.column.clone())
            .collect();
        RowDecision {
            decision: Decision::Allow,
            policies: allowing,
            fields,
        }
    }

    /// The filter of the rows whose `column` may be read (`FALSE` for a column the type lacks).
    pub fn column_rows(&self, column: &str) -> Filter {
        match self.column(column).map(|c| &c.access) {
            Some(ColumnAccess::Always) => self.rows().clone(),
            Some(ColumnAccess::Rows { filter }) => filter.clone(),
            Some(ColumnAccess::Never) | None => Filter::FALSE,
        }
    }
}

/// A subject's plans and limits: roles resolved once.
#[derive(Debug, Clone)]
pub struct Planner<'a> {
    set: &'a PolicySet,
    subject: Subject,
    roles: Vec<RoleGrant>,
}

impl<'a> Planner<'a> {
    /// The planner for `subject`, whose roles come from the bindings.
    pub fn new(
        set: &'a PolicySet,
        entities: &dyn Entities,
        subject: &Subject,
    ) -> Result<Self, EvalError> {
        Ok(Planner {
            set,
            subject: subject.clone(),
            roles: roles(set, entities, subject)?,
        })
    }

    /// The planner for a principal that holds `role` (and what it inherits) without being a
    /// row of the league: the holder of the admin secret. Its `$subject` attributes are null.
    pub fn for_role(set: &'a PolicySet, role: &str) -> Self {
        let roles = set
            .role_closure(role)
            .into_iter()
            .enumerate()
            .map(|(depth, r)| RoleGrant {
                via: if depth == 0 {
                    Via::AdminSecret
                } else {
                    Via::Inherited {
                        from: role.to_string(),
                    }
                },
                role: r,
            })
            .collect();
        Planner {
            set,
            subject: Subject::anonymous(),
            roles,
        }
    }

    pub fn roles(&self) -> &[RoleGrant] {
        &self.roles
    }

    pub fn role_names(&self) -> Vec<String> {
        self.roles.iter().map(|g| g.role.clone()).collect()
    }

    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    /// The query limits of the subject's roles.
    pub fn limits(&self) -> QueryLimits {
        self.set.limits_for(&self.role_names())
    }

    /// The plan for `action` on rows of `ty`.
    pub fn plan(&self, action: &str, ty: &str) -> Result<AccessPlan, EvalError> {
        let set = self.set;
        let residual = residual_for_roles(set, &self.subject, &self.roles, action, ty)?;
        let rows = &residual.filter;
        let withheld = |column: &str| read_fail_for_roles(set, &self.roles, action, ty, column);
        let mut columns = Vec::new();
        if let Some(def) = set.types.get(ty) {
            for column in def.columns.keys() {
                let readable = residual.for_field(set, column);
                let access = if readable == Filter::FALSE || *rows == Filter::FALSE {
                    ColumnAccess::Never
                } else if readable == Filter::TRUE || readable == *rows {
                    ColumnAccess::Always
                } else {
                    ColumnAccess::Rows { filter: readable }
                };
                columns.push(ColumnRule {
                    column: column.clone(),
                    access,
                    granted_by: residual
                        .allows
                        .iter()
                        .filter(|(id, _)| set.policy(id).is_some_and(|p| p.names_field(column)))
                        .map(|(id, _)| id.clone())
                        .collect(),
                    denied_by: residual
                        .field_denies
                        .iter()
                        .filter(|(_, fields, _)| fields.iter().any(|f| f == column))
                        .map(|(id, _, _)| id.clone())
                        .collect(),
                    withheld: withheld(column),
                });
            }
        }
        let key = set.types.get(ty).map_or("id", |d| d.key.as_str());
        Ok(AccessPlan {
            ty: ty.to_string(),
            action: action.to_string(),
            row_withheld: withheld(key),
            residual,
            columns,
        })
    }
}
