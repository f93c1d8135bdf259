//! What-if over the database (`--assume`, a `[[test]]`'s `assume`): the decision computed as if
//! some rows were changed, added or removed, and nothing written.
//!
//! - For the engine, [`Overlay`] is an [`Entities`] over a [`Bridge`]'s rows that answers with the
//!   assumed rows, in memory, and tells the trace which values are assumed.
//! - For compiled SQL (`who-can`, the profile's lists), [`Overlay::shadow`] creates one TEMP view
//!   per changed table, named as the table: unqualified names resolve to the temp schema first,
//!   so every query on the connection reads the assumed rows. The caller opens the connection
//!   read-only, so nothing can reach the database file.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use super::{Bridge, Db, DbColumn, ident, table_columns, table_of};
use crate::authz::assume::{Assumption, Change};
use crate::authz::policy::ColumnType;
use crate::authz::{Entities, EntityError, PolicySet, Row, Value};
use crate::db::sql::Dialect;

/// A row as the assumptions leave it.
#[derive(Debug, Clone)]
enum State {
    Removed,
    /// An existing row with some columns assumed.
    Changed {
        row: Row,
        columns: BTreeSet<String>,
    },
    /// A row the database does not hold.
    Added {
        row: Row,
        columns: BTreeSet<String>,
    },
}

/// The database's rows with assumptions on top (see the module docs).
pub struct Overlay<'a> {
    base: &'a Bridge<'a>,
    db: Db<'a>,
    set: &'a PolicySet,
    rows: HashMap<String, BTreeMap<Value, State>>,
    columns: HashMap<String, Vec<DbColumn>>,
}

impl<'a> Overlay<'a> {
    /// The rows of `bridge`'s database, with nothing assumed yet.
    pub fn new(bridge: &'a Bridge<'a>) -> Self {
        Overlay {
            base: bridge,
            db: bridge.db,
            set: bridge.set,
            rows: HashMap::new(),
            columns: HashMap::new(),
        }
    }

    /// Whether nothing is assumed.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The database's columns of `ty`'s table.
    fn db_columns(&mut self, ty: &str) -> Result<&[DbColumn], String> {
        if !self.columns.contains_key(ty) {
            let (_, table) = table_of(self.set, ty).map_err(|e| e.to_string())?;
            let columns = table_columns(self.db, table)
                .map_err(|e| format!("{e:#}"))?
                .unwrap_or_default();
            self.columns.insert(ty.to_string(), columns);
        }
        Ok(self.columns.get(ty).map_or(&[][..], Vec::as_slice))
    }

    /// The row of `ty` keyed `key` as the assumptions so far leave it.
    fn current(&self, ty: &str, key: &Value) -> Result<Option<Row>, String> {
        match self.rows.get(ty).and_then(|r| r.get(key)) {
            Some(State::Removed) => Ok(None),
            Some(State::Changed { row, .. } | State::Added { row, .. }) => Ok(Some(row.clone())),
            None => self.base.entities.get(ty, key).map_err(|e| e.message),
        }
    }

    /// Whether the row of `ty` keyed `key` exists as the assumptions so far leave it.
    fn exists(&self, ty: &str, key: &Value) -> Result<bool, String> {
        match self.rows.get(ty).and_then(|r| r.get(key)) {
            Some(State::Removed) => Ok(false),
            Some(State::Changed { .. } | State::Added { .. }) => Ok(true),
            None => self
                .base
                .entities
                .exists(ty, key)
                .map_err(|e| format!("{e:#}")),
        }
    }

    /// Adds one assumption, checked as the database would check the change: the row must exist
    /// to be set or removed and must not to be added, and a `NOT NULL` column gets a value.
    /// The error is the reason alone.
    pub fn assume(&mut self, a: &Assumption) -> Result<(), String> {
        let reference = format!("{}:{}", a.ty, a.key.as_ref_str());
        // Only a set needs the row itself; to add or remove one, that it exists is enough.
        let existing = match a.change {
            Change::Set { .. } => self.current(&a.ty, &a.key)?,
            Change::Add { .. } | Change::Remove => self.exists(&a.ty, &a.key)?.then(Row::new),
        };
        let previous = self.rows.get(&a.ty).and_then(|r| r.get(&a.key)).cloned();
        let state = match (&a.change, existing) {
            (Change::Set { .. } | Change::Remove, None) => {
                return Err(format!("`{reference}` does not exist"));
            }
            (Change::Add { .. }, Some(_)) => {
                return Err(format!(
                    "`{reference}` already exists: set its columns with `{reference}.COLUMN=VALUE`"
                ));
            }
            (Change::Set { column, value }, Some(mut row)) => {
                self.not_null(&a.ty, column, value)?;
                row.insert(column.clone(), value.clone());
                match previous {
                    Some(State::Added { mut columns, .. }) => {
                        columns.insert(column.clone());
                        State::Added { row, columns }
                    }
                    Some(State::Changed { mut columns, .. }) => {
                        columns.insert(column.clone());
                        State::Changed { row, columns }
                    }
                    _ => State::Changed {
                        row,
                        columns: BTreeSet::from([column.clone()]),
                    },
                }
            }
            (Change::Add { values }, None) => {
                let key_column = self
                    .set
                    .types
                    .get(&a.ty)
                    .map_or("id", |d| d.key.as_str())
                    .to_string();
                let declared: Vec<String> = values.keys().cloned().collect();
                let missing: Vec<String> = self
                    .db_columns(&a.ty)?
                    .iter()
                    .filter(|c| !c.nullable && c.name != key_column)
                    .filter(|c| values.get(&c.name).is_none_or(|v| *v == Value::Null))
                    .map(|c| c.name.clone())
                    .collect();
                if let Some(column) = missing.first() {
                    return Err(if declared.contains(column) {
                        format!("`{reference}` needs a value for `{column}` (NOT NULL)")
                    } else {
                        format!(
                            "`{reference}` needs a value for `{column}` (NOT NULL), which the policy file does not declare"
                        )
                    });
                }
                State::Added {
                    row: values.clone(),
                    columns: values.keys().cloned().collect(),
                }
            }
            (Change::Remove, Some(_)) => State::Removed,
        };
        self.rows
            .entry(a.ty.clone())
            .or_default()
            .insert(a.key.clone(), state);
        Ok(())
    }

    fn not_null(&mut self, ty: &str, column: &str, value: &Value) -> Result<(), String> {
        if *value == Value::Null
            && self
                .db_columns(ty)?
                .iter()
                .any(|c| c.name == column && !c.nullable)
        {
            return Err(format!("`{ty}.{column}` cannot be null (NOT NULL)"));
        }
        Ok(())
    }

    /// Shadows every changed table with a TEMP view of the same name holding the assumed rows,
    /// so SQL on the connection (opened read-only by the caller) reads them. The views live as
    /// long as the connection. On PostgreSQL temporary relations come first in the search path
    /// as on SQLite; the views are made in a transaction of their own (`READ WRITE`: they write
    /// only the session's own catalogue entries, never a row), and the statements prepared
    /// before are forgotten, so that every later one reads through the views.
    pub fn shadow(&mut self) -> super::Result<()> {
        let dialect = self.db.dialect();
        let mut script = String::new();
        let types: Vec<String> = self.rows.keys().cloned().collect();
        for ty in types {
            let (_, table) = table_of(self.set, &ty)?;
            let table = table.to_string();
            let columns: Vec<String> = table_columns(self.db, &table)?
                .unwrap_or_default()
                .into_iter()
                .map(|c| c.name)
                .collect();
            let key = self
                .set
                .types
                .get(&ty)
                .map_or("id", |d| d.key.as_str())
                .to_string();
            let Some(rows) = self.rows.get(&ty) else {
                continue;
            };
            let literal = |v: &Value| literal(dialect, v);
            let list: Vec<String> = columns.iter().map(|c| ident(c)).collect();
            let keys: Vec<String> = rows.keys().map(literal).collect();
            // The table itself, past the view that takes its name.
            let real = match self.db {
                Db::Sqlite(_) => format!("main.{}", ident(&table)),
                Db::Postgres(_) => format!("{}.{}", ident(&self.schema_of(&table)?), ident(&table)),
            };
            let mut sql = format!(
                "CREATE TEMP VIEW {name} AS SELECT {} FROM {real} WHERE {} NOT IN ({})",
                list.join(", "),
                ident(&key),
                keys.join(", "),
                name = ident(&table),
            );
            for (k, state) in rows {
                match state {
                    State::Removed => {}
                    State::Changed { row, columns: set } => {
                        let values: Vec<String> = columns
                            .iter()
                            .map(|c| match row.get(c) {
                                Some(v) if set.contains(c) => literal(v),
                                _ => ident(c),
                            })
                            .collect();
                        let _ = write!(
                            sql,
                            " UNION ALL SELECT {} FROM {real} WHERE {} = {}",
                            values.join(", "),
                            ident(&key),
                            literal(k)
                        );
                    }
                    State::Added { row, .. } => {
                        let values: Vec<String> = columns
                            .iter()
                            .map(|c| row.get(c).map_or_else(|| "NULL".to_string(), literal))
                            .collect();
                        let _ = write!(sql, " UNION ALL SELECT {}", values.join(", "));
                    }
                }
            }
            script.push_str(&sql);
            script.push_str(";\n");
        }
        match self.db {
            Db::Sqlite(conn) => conn.execute_batch(&script)?,
            Db::Postgres(conn) => {
                conn.batch_execute(&format!("BEGIN READ WRITE;\n{script}COMMIT;"))?;
                conn.forget_statements();
            }
        }
        Ok(())
    }

    /// The schema holding `table` on PostgreSQL (where unqualified names find it).
    fn schema_of(&self, table: &str) -> super::Result<String> {
        let mut schema = None;
        self.db.rows::<super::AccessError>(
            "SELECT n.nspname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.oid = to_regclass(quote_ident($1::text))",
            &[rusqlite::types::Value::Text(table.to_string())],
            &[ColumnType::Text],
            &mut |v| {
                if let Some(Value::Text(name)) = v.into_iter().next() {
                    schema = Some(name);
                }
                Ok(())
            },
        )?;
        schema.ok_or_else(|| {
            super::AccessError::Db(crate::db::Error::Postgres {
                message: format!("no table `{table}`"),
            })
        })
    }
}

/// A value as a SQL literal of `dialect`; text as hex bytes, so no quoting can go wrong.
fn literal(dialect: Dialect, value: &Value) -> String {
    match (value, dialect) {
        (Value::Null, _) => "NULL".to_string(),
        (Value::Bool(b), Dialect::Sqlite) => i64::from(*b).to_string(),
        (Value::Bool(b), Dialect::Postgres) => super::truth(dialect, *b).to_string(),
        (Value::Int(i), _) => i.to_string(),
        (Value::Text(s), _) => {
            let mut hex = String::with_capacity(s.len() * 2);
            for b in s.bytes() {
                let _ = write!(hex, "{b:02X}");
            }
            match dialect {
                Dialect::Sqlite => format!("CAST(X'{hex}' AS TEXT)"),
                Dialect::Postgres => format!("convert_from('\\x{hex}'::bytea, 'UTF8')"),
            }
        }
    }
}

impl Entities for Overlay<'_> {
    fn get(&self, ty: &str, id: &Value) -> Result<Option<Row>, EntityError> {
        self.current(ty, id)
            .map_err(|message| EntityError { message })
    }

    fn find_each(
        &self,
        ty: &str,
        column: &str,
        values: &[Value],
    ) -> Result<Vec<Vec<Row>>, EntityError> {
        if self.rows.contains_key(ty) {
            crate::authz::entities::one_by_one(self, ty, column, values)
        } else {
            self.base.entities.find_each(ty, column, values)
        }
    }

    fn find(&self, ty: &str, column: &str, value: &Value) -> Result<Vec<Row>, EntityError> {
        let Some(touched) = self.rows.get(ty) else {
            return self.base.entities.find(ty, column, value);
        };
        let key = self.set.types.get(ty).map_or("id", |d| d.key.as_str());
        let mut out: Vec<Row> = self
            .base
            .entities
            .find(ty, column, value)?
            .into_iter()
            .filter(|r| r.get(key).is_none_or(|k| !touched.contains_key(k)))
            .collect();
        // As `WHERE column = ?`: NULL equals nothing.
        if *value != Value::Null {
            for state in touched.values() {
                if let State::Changed { row, .. } | State::Added { row, .. } = state
                    && row.get(column) == Some(value)
                {
                    out.push(row.clone());
                }
            }
        }
        // The order SQLite returns equal values in through an index: by key.
        out.sort_by(|a, b| a.get(key).cmp(&b.get(key)));
        Ok(out)
    }

    fn assumed(&self, ty: &str, key: &Value) -> Option<&BTreeSet<String>> {
        match self.rows.get(ty)?.get(key)? {
            State::Changed { columns, .. } | State::Added { columns, .. } => Some(columns),
            State::Removed => None,
        }
    }
}
