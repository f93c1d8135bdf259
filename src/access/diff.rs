//! `authz diff`: every decision that differs between two policy files on one database.
//!
//! Per subject (anonymous, then each row of each subject type, streamed in key order) and per
//! action and table type, each file's access plan (`authz::Planner`, the one the server
//! enforces) is compiled to SQL as the profile compiles it: the row filter and each column's
//! filter. Where the two files compile to the same SQL nothing can differ and nothing runs;
//! otherwise one statement selects the rows where the row decision or a field's decision differs
//! (`IFNULL(old, 0) <> IFNULL(new, 0)`, in the database's dialect), with, per file, whether each of its policies applies to
//! the row, so the plan can say which policies decide on each side. Virtual types (resources
//! declared in the file) are few: their resources are checked one by one, as the profile does.
//!
//! Memory stays bounded: subjects and changed rows are streamed to the caller one at a time;
//! only a small cache of recent statements' results (subjects with the same filters, such as
//! teammates, run the same statement) is kept, and only for small results.

use std::collections::{BTreeSet, HashMap};

use crate::authz::policy::ColumnType;
use rusqlite::types::Value as SqlValue;
use serde::Serialize;

use super::{
    AccessError, Bridge, Db, Result, SqlEntities, SqlFilter, bind, compile_filter, ident, if_null,
    subject_types, table_of, to_sql, truth,
};
use crate::authz::{
    self, AccessPlan, Decision, Entities as _, Filter, Mode, Planner, PolicySet, Request,
    ResourceRef, RowDecision, Subject, Value,
};
use crate::db::sql::Dialect;

/// How one decision changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Denied by the old file, allowed by the new one.
    Gained,
    /// Allowed by the old file, denied by the new one.
    Lost,
    /// Allowed by both, with different readable fields.
    Fields,
}

/// One decision that differs: a subject, an action and a resource.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// `player:5`, `staff:1`, `anonymous`.
    pub subject: String,
    pub name: Option<String>,
    pub action: String,
    /// `game:8`.
    pub resource: String,
    pub change: ChangeKind,
    /// Readable under the new file and not under the old one.
    pub fields_gained: Vec<String>,
    /// Readable under the old file and not under the new one.
    pub fields_lost: Vec<String>,
    /// What `authz check` decides with the old file.
    pub old: RowDecision,
    /// What `authz check` decides with the new file.
    pub new: RowDecision,
}

/// The counts of a diff.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Subjects compared.
    pub subjects: u64,
    /// Subjects with at least one change.
    pub subjects_changed: u64,
    pub gained: u64,
    pub lost: u64,
    pub fields_changed: u64,
}

impl Summary {
    pub fn changes(&self) -> u64 {
        self.gained + self.lost + self.fields_changed
    }
}

/// Results of statements kept for reuse: at most this many statements …
const CACHED_STATEMENTS: usize = 256;
/// … of at most this many rows each.
const CACHED_ROWS: usize = 1024;

/// The rows one statement returned: each row's key and, per policy column, whether it applies.
type Rows = Vec<(Value, Vec<bool>)>;

struct Diff<'a, 's> {
    db: Db<'a>,
    old: &'a PolicySet,
    new: &'a PolicySet,
    old_entities: &'a SqlEntities<'a>,
    new_entities: &'a SqlEntities<'a>,
    actions: Vec<String>,
    types: Vec<String>,
    cache: HashMap<String, Rows>,
    sink: &'s mut dyn FnMut(&Change) -> std::io::Result<()>,
    summary: Summary,
}

/// Compares the policies of `old` and `new` (two sessions on the same database: `new`'s is
/// read), for every subject or only `user`, handing each change to `sink` as it is found
/// (subjects in order, anonymous first).
pub fn diff(
    old_bridge: &Bridge<'_>,
    new_bridge: &Bridge<'_>,
    user: Option<&str>,
    sink: &mut dyn FnMut(&Change) -> std::io::Result<()>,
) -> Result<Summary> {
    let (db, old, new) = (new_bridge.db, old_bridge.set, new_bridge.set);
    let mut actions = old.actions.clone();
    actions.extend(
        new.actions
            .iter()
            .filter(|a| !old.actions.contains(a))
            .cloned(),
    );
    let types: BTreeSet<String> = old.types.keys().chain(new.types.keys()).cloned().collect();
    for ty in &types {
        if let (Some(a), Some(b)) = (old.types.get(ty), new.types.get(ty))
            && a.table != b.table
        {
            return Err(AccessError::Diff {
                message: format!(
                    "type `{ty}` is backed by {} in the old file and by {} in the new one: a diff compares the same rows",
                    table_text(a.table.as_deref()),
                    table_text(b.table.as_deref())
                ),
            });
        }
    }
    let mut d = Diff {
        db,
        old,
        new,
        old_entities: &old_bridge.entities,
        new_entities: &new_bridge.entities,
        actions,
        types: types.into_iter().collect(),
        cache: HashMap::new(),
        sink,
        summary: Summary::default(),
    };
    if let Some(user) = user {
        let subject = match new_bridge.resolve_subject(user) {
            Ok(s) => s,
            Err(err) => old_bridge.resolve_subject(user).map_err(|_| err)?,
        };
        match &subject.id {
            None => d.subject(&Subject::anonymous(), &Subject::anonymous())?,
            Some(id) => d.row_subject(&subject.kind, id)?,
        }
        return Ok(d.summary);
    }
    d.subject(&Subject::anonymous(), &Subject::anonymous())?;
    let mut subject_tys: Vec<&str> = subject_types(old);
    for ty in subject_types(new) {
        if !subject_tys.contains(&ty) {
            subject_tys.push(ty);
        }
    }
    for ty in subject_tys {
        let set = if new.types.get(ty).is_some_and(|t| t.table.is_some()) {
            new
        } else {
            old
        };
        let (def, table) = table_of(set, ty)?;
        let key_type = def.key_type();
        // In pages of keys, each read whole before its subjects are compared: every comparison
        // runs statements of its own on the one connection, which PostgreSQL's cannot
        // interleave with an unfinished read.
        let (key, table) = (ident(&def.key), ident(table));
        let mut last: Option<Value> = None;
        loop {
            let (sql, params) = match &last {
                None => (
                    format!("SELECT {key} FROM {table} ORDER BY {key} LIMIT {SUBJECT_PAGE}"),
                    Vec::new(),
                ),
                Some(after) => {
                    let after = to_sql(after);
                    let param = bind(db.dialect(), 1, &after);
                    (
                        format!(
                            "SELECT {key} FROM {table} WHERE {key} > {param} ORDER BY {key} \
                             LIMIT {SUBJECT_PAGE}"
                        ),
                        vec![after],
                    )
                }
            };
            let mut page = Vec::new();
            db.rows::<AccessError>(&sql, &params, &[key_type], &mut |row| {
                page.extend(row);
                Ok(())
            })?;
            for id in &page {
                d.row_subject(ty, id)?;
            }
            match page.pop() {
                Some(id) if page.len() + 1 == SUBJECT_PAGE => last = Some(id),
                _ => break,
            }
        }
    }
    Ok(d.summary)
}

fn table_text(table: Option<&str>) -> String {
    table.map_or_else(|| "no table".to_string(), |t| format!("table `{t}`"))
}

/// Whether `set` can plan `action` on `ty` (a file lacking either denies everything).
fn knows(set: &PolicySet, action: &str, ty: &str) -> bool {
    set.actions.iter().any(|a| a == action) && set.types.contains_key(ty)
}

/// One file's compiled filters for (subject, action, type).
struct Compiled {
    row: SqlFilter,
    /// Per column of the union of both files' columns.
    columns: Vec<SqlFilter>,
    /// Per policy of the plan (allows, denies, field-level denies): where it applies.
    policies: Vec<SqlFilter>,
    /// Each allow's filter: a row either file allows (or lets a field be read) is true in one.
    allows: Vec<SqlFilter>,
    /// Whether no allow is true everywhere (then the allows narrow the rows to look at).
    selective: bool,
}

/// Subjects read per page.
const SUBJECT_PAGE: usize = 10_000;

fn never(dialect: Dialect) -> SqlFilter {
    SqlFilter {
        sql: truth(dialect, false).to_string(),
        params: Vec::new(),
    }
}

fn compile(
    dialect: Dialect,
    set: &PolicySet,
    ty: &str,
    plan: Option<&AccessPlan>,
    columns: &[String],
) -> Result<Compiled> {
    let Some(plan) = plan else {
        return Ok(Compiled {
            row: never(dialect),
            columns: columns.iter().map(|_| never(dialect)).collect(),
            policies: Vec::new(),
            allows: Vec::new(),
            selective: true,
        });
    };
    let one = |f: &Filter| compile_filter(dialect, set, ty, f);
    // An allow applies where it is true, a deny where it is not false.
    let applies = |f: &Filter, default: bool| -> Result<SqlFilter> {
        let c = one(f)?;
        Ok(SqlFilter {
            sql: if_null(dialect, &c.sql, default),
            params: c.params,
        })
    };
    let r = &plan.residual;
    let mut policies = Vec::new();
    let mut allows = Vec::new();
    for (_, f) in &r.allows {
        policies.push(applies(f, false)?);
        allows.push(one(f)?);
    }
    for (_, f) in &r.denies {
        policies.push(applies(f, true)?);
    }
    for (_, _, f) in &r.field_denies {
        policies.push(applies(f, true)?);
    }
    Ok(Compiled {
        row: one(plan.rows())?,
        columns: columns
            .iter()
            .map(|c| one(&plan.column_rows(c)))
            .collect::<Result<_>>()?,
        policies,
        allows,
        selective: r.allows.iter().all(|(_, f)| *f != Filter::TRUE),
    })
}

/// The statement selecting, in key order, the rows of `table` where a pair of `differ` differs,
/// with per file whether each policy applies; its parameters in order.
fn statement(
    dialect: Dialect,
    table: &str,
    key: &str,
    old: &Compiled,
    new: &Compiled,
    differ: &[(&SqlFilter, &SqlFilter)],
) -> (String, Vec<SqlValue>) {
    let mut params: Vec<SqlValue> = Vec::new();
    // Each part's SQL, its parameters numbered after those before it.
    let part = |f: &SqlFilter, params: &mut Vec<SqlValue>| {
        let sql = dialect.renumber(&f.sql, params.len());
        params.extend(f.params.iter().cloned());
        sql
    };
    let mut select = vec![ident(key)];
    for p in old.policies.iter().chain(&new.policies) {
        select.push(part(p, &mut params));
    }
    let mut wheres = Vec::new();
    // A row whose decision differs is allowed by one file: when no allow is true everywhere,
    // the rows some allow selects (each through its indexes: `winner_id = ?`, a key `IN` a
    // recursive CTE) are the only ones to compare, rather than every row of the table.
    let mut prefilter = Vec::new();
    if old.selective && new.selective {
        for a in old.allows.iter().chain(&new.allows) {
            prefilter.push(format!(
                "SELECT {k} FROM {t} WHERE {}",
                part(a, &mut params),
                k = ident(key),
                t = ident(table)
            ));
        }
        if prefilter.is_empty() {
            // No row: a typed one on PostgreSQL, where a bare NULL would be text.
            prefilter.push(format!(
                "SELECT {k} FROM {t} WHERE {}",
                truth(dialect, false),
                k = ident(key),
                t = ident(table)
            ));
        }
    }
    for (before, after) in differ {
        let before = if_null(dialect, &part(before, &mut params), false);
        let after = if_null(dialect, &part(after, &mut params), false);
        wheres.push(format!("{before} <> {after}"));
    }
    let only = if prefilter.is_empty() {
        String::new()
    } else {
        format!("{} IN ({}) AND ", ident(key), prefilter.join(" UNION "))
    };
    let sql = format!(
        "SELECT {} FROM {} WHERE {only}({}) ORDER BY {}",
        select.join(", "),
        ident(table),
        wheres.join(" OR "),
        ident(key)
    );
    (sql, params)
}

/// A plan's row filter and each column's filter (a file without the plan: nothing).
fn filters(plan: Option<&AccessPlan>, columns: &[String]) -> (Filter, Vec<Filter>) {
    match plan {
        None => (Filter::FALSE, vec![Filter::FALSE; columns.len()]),
        Some(p) => (
            p.rows().clone(),
            columns.iter().map(|c| p.column_rows(c)).collect(),
        ),
    }
}

/// `plan`'s decision on a row from the applicability of its policies, in `compile`'s order.
fn decide(plan: Option<&AccessPlan>, applies: &[bool]) -> RowDecision {
    let Some(plan) = plan else {
        return RowDecision::default_deny();
    };
    let r = &plan.residual;
    let (allows, rest) = applies.split_at(r.allows.len().min(applies.len()));
    let (denies, field_denies) = rest.split_at(r.denies.len().min(rest.len()));
    plan.decide_row(allows, denies, field_denies)
}

fn change(
    subject: &Subject,
    action: &str,
    resource: String,
    old: RowDecision,
    new: RowDecision,
) -> Option<Change> {
    if old.decision == new.decision && old.fields == new.fields {
        return None;
    }
    let kind = match (old.decision, new.decision) {
        (Decision::Deny, Decision::Allow) => ChangeKind::Gained,
        (Decision::Allow, Decision::Deny) => ChangeKind::Lost,
        _ => ChangeKind::Fields,
    };
    let minus = |a: &[String], b: &[String]| -> Vec<String> {
        a.iter().filter(|f| !b.contains(f)).cloned().collect()
    };
    Some(Change {
        subject: match &subject.id {
            Some(id) => format!("{}:{}", subject.kind, id.as_ref_str()),
            None => subject.kind.clone(),
        },
        name: match subject.attributes.get("name") {
            Some(Value::Text(n)) => Some(n.clone()),
            _ => None,
        },
        action: action.to_string(),
        resource,
        change: kind,
        fields_gained: minus(&new.fields, &old.fields),
        fields_lost: minus(&old.fields, &new.fields),
        old,
        new,
    })
}

impl Diff<'_, '_> {
    /// The subject `ty:id`, its row read through each file's type (or the other file's, where
    /// one file does not know the type).
    fn row_subject(&mut self, ty: &str, id: &Value) -> Result<()> {
        let read = |set: &PolicySet, entities: &SqlEntities<'_>| -> Result<Option<Subject>> {
            if set.types.get(ty).is_none_or(|t| t.table.is_none()) {
                return Ok(None);
            }
            let row = entities
                .get(ty, id)
                .map_err(|e| AccessError::Diff { message: e.message })?;
            Ok(row.map(|row| Subject::from_row(ty, row)))
        };
        let old = read(self.old, self.old_entities)?;
        let new = read(self.new, self.new_entities)?;
        match (old, new) {
            (Some(o), Some(n)) => self.subject(&o, &n),
            (Some(s), None) | (None, Some(s)) => self.subject(&s, &s),
            (None, None) => Ok(()),
        }
    }

    fn emit(&mut self, c: &Change) -> Result<()> {
        match c.change {
            ChangeKind::Gained => self.summary.gained += 1,
            ChangeKind::Lost => self.summary.lost += 1,
            ChangeKind::Fields => self.summary.fields_changed += 1,
        }
        (self.sink)(c)?;
        Ok(())
    }

    /// Every change for one subject, read as `old` under the old file and `new` under the new.
    fn subject(&mut self, old: &Subject, new: &Subject) -> Result<()> {
        let before = self.summary.changes();
        self.summary.subjects += 1;
        let old_planner = Planner::new(self.old, self.old_entities, old)?;
        let new_planner = Planner::new(self.new, self.new_entities, new)?;
        for action in self.actions.clone() {
            for ty in self.types.clone() {
                let table = self
                    .old
                    .types
                    .get(&ty)
                    .or_else(|| self.new.types.get(&ty))
                    .and_then(|d| d.table.clone());
                match table {
                    Some(table) => {
                        self.table(new, &old_planner, &new_planner, &action, &ty, &table)?;
                    }
                    None => self.declared(old, new, &action, &ty)?,
                }
            }
        }
        if self.summary.changes() > before {
            self.summary.subjects_changed += 1;
        }
        Ok(())
    }

    /// A table type: both files' filters compiled, the rows where they differ selected.
    fn table(
        &mut self,
        subject: &Subject,
        old_planner: &Planner<'_>,
        new_planner: &Planner<'_>,
        action: &str,
        ty: &str,
        table: &str,
    ) -> Result<()> {
        let plan = |set: &PolicySet, planner: &Planner<'_>| -> Result<Option<AccessPlan>> {
            if knows(set, action, ty) {
                Ok(Some(planner.plan(action, ty)?))
            } else {
                Ok(None)
            }
        };
        let old_plan = plan(self.old, old_planner)?;
        let new_plan = plan(self.new, new_planner)?;
        let columns: Vec<String> = [self.old, self.new]
            .iter()
            .filter_map(|s| s.types.get(ty))
            .flat_map(|d| d.columns.keys().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        // Equal filters compile to the same SQL (`diff` refused files that back a type with
        // different tables): nothing to compile or run.
        if filters(old_plan.as_ref(), &columns) == filters(new_plan.as_ref(), &columns) {
            return Ok(());
        }
        let dialect = self.db.dialect();
        let old_sql = compile(dialect, self.old, ty, old_plan.as_ref(), &columns)?;
        let new_sql = compile(dialect, self.new, ty, new_plan.as_ref(), &columns)?;
        // The same SQL selects the same rows: nothing to run.
        let mut differ: Vec<(&SqlFilter, &SqlFilter)> = Vec::new();
        if old_sql.row != new_sql.row {
            differ.push((&old_sql.row, &new_sql.row));
        }
        for (before, after) in old_sql.columns.iter().zip(&new_sql.columns) {
            if before != after {
                differ.push((before, after));
            }
        }
        if differ.is_empty() {
            return Ok(());
        }
        let (key, key_type) = {
            let set = if old_plan.is_some() {
                self.old
            } else {
                self.new
            };
            let (def, _) = table_of(set, ty)?;
            (def.key.clone(), def.key_type())
        };
        let (sql, params) = statement(dialect, table, &key, &old_sql, &new_sql, &differ);
        let split = old_sql.policies.len();
        let total = split + new_sql.policies.len();
        let decide_both = |applies: &[bool]| {
            (
                decide(old_plan.as_ref(), &applies[..split]),
                decide(new_plan.as_ref(), &applies[split..]),
            )
        };
        let cache_key = format!("{sql}\u{0}{params:?}");
        if let Some(rows) = self.cache.get(&cache_key).cloned() {
            for (id, applies) in rows {
                let (a, b) = decide_both(&applies);
                if let Some(c) = change(subject, action, format!("{ty}:{}", id.as_ref_str()), a, b)
                {
                    self.emit(&c)?;
                }
            }
            return Ok(());
        }
        let mut types = vec![key_type];
        types.resize(total + 1, ColumnType::Bool);
        let mut kept: Option<Rows> = Some(Vec::new());
        let db = self.db;
        db.rows::<AccessError>(&sql, &params, &types, &mut |row| {
            let mut row = row.into_iter();
            let id = row.next().unwrap_or(Value::Null);
            let applies: Vec<bool> = row.map(|v| v == Value::Bool(true)).collect();
            let (before, after) = decide_both(&applies);
            let resource = format!("{ty}:{}", id.as_ref_str());
            if let Some(c) = change(subject, action, resource, before, after) {
                self.emit(&c)?;
            }
            kept = match kept.take() {
                Some(mut list) if list.len() < CACHED_ROWS => {
                    list.push((id, applies));
                    Some(list)
                }
                _ => None,
            };
            Ok(())
        })?;
        if let Some(list) = kept {
            if self.cache.len() >= CACHED_STATEMENTS {
                self.cache.clear();
            }
            self.cache.insert(cache_key, list);
        }
        Ok(())
    }

    /// A virtual type: the resources either file declares, checked one by one.
    fn declared(&mut self, old: &Subject, new: &Subject, action: &str, ty: &str) -> Result<()> {
        let mut ids: Vec<Value> = Vec::new();
        for set in [self.old, self.new] {
            if let Some(def) = set.types.get(ty) {
                for r in &def.resources {
                    if let Some(id) = r.get(&def.key)
                        && !ids.contains(id)
                    {
                        ids.push(id.clone());
                    }
                }
            }
        }
        for id in ids {
            let resource = ResourceRef {
                ty: ty.to_string(),
                id: id.clone(),
            };
            let check = |set: &PolicySet,
                         entities: &SqlEntities<'_>,
                         subject: &Subject|
             -> Result<RowDecision> {
                let declared = set.types.get(ty).is_some_and(|d| {
                    d.resources
                        .iter()
                        .any(|r| r.get(&d.key).is_some_and(|v| *v == id))
                });
                if !declared || !knows(set, action, ty) {
                    return Ok(RowDecision::default_deny());
                }
                let r = authz::evaluate(
                    set,
                    entities,
                    &Request {
                        subject: subject.clone(),
                        action: action.to_string(),
                        resource: resource.clone(),
                        field: None,
                    },
                    Mode::Check,
                )?;
                Ok(RowDecision {
                    decision: r.decision,
                    fields: r.field_names(),
                    policies: r.policies,
                })
            };
            let a = check(self.old, self.old_entities, old)?;
            let b = check(self.new, self.new_entities, new)?;
            if let Some(c) = change(new, action, resource.to_string(), a, b) {
                self.emit(&c)?;
            }
        }
        Ok(())
    }
}
