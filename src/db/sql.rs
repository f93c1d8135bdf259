//! SQL text that differs between the backends, written once with a [`Dialect`]: the seam through
//! which every statement both backends run is built (the seed's upserts, the typed reads of
//! `db::store` through [`Query`], the compiled filters of `access` through [`Dialect::bind`]).

use std::fmt::Write as _;

use rusqlite::types::Value;

use super::store::SqlFilter;

/// The SQL spoken by a backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// `sql`, a statement of this dialect, with its parameters numbered from `offset + 1`, so
    /// that it can follow `offset` parameters of other parts in one statement: PostgreSQL's `$n`
    /// (outside quoted names and strings) become `$(n + offset)`; SQLite's `?` bind in order
    /// and stay as they are.
    pub fn renumber(self, sql: &str, offset: usize) -> String {
        if self == Dialect::Sqlite || offset == 0 {
            return sql.to_string();
        }
        let mut out = String::with_capacity(sql.len() + 8);
        let mut quote: Option<char> = None;
        let mut chars = sql.char_indices().peekable();
        while let Some((_, c)) = chars.next() {
            out.push(c);
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '$') => {
                    let mut n = String::new();
                    while let Some((_, d)) = chars.next_if(|(_, d)| d.is_ascii_digit()) {
                        n.push(d);
                    }
                    match n.parse::<usize>() {
                        Ok(n) => out.push_str(&(n + offset).to_string()),
                        Err(_) => out.push_str(&n),
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// Writes the `n`th (1-based) parameter, holding `value`: `?` for SQLite (bound in order),
    /// `$n` with the value's type for PostgreSQL (`$1::int8`, `$2::text`; a NULL takes the
    /// type of what it is compared with), so that the value is sent as it is whatever the
    /// column's own type (`INTEGER` is `int4`) and an index on the column stays usable.
    pub fn bind(self, out: &mut String, n: usize, value: &Value) {
        match self {
            Dialect::Sqlite => out.push('?'),
            Dialect::Postgres => {
                let cast = match value {
                    Value::Null => "",
                    Value::Integer(_) => "::int8",
                    Value::Real(_) => "::float8",
                    Value::Text(_) => "::text",
                    Value::Blob(_) => "::bytea",
                };
                let _ = write!(out, "${n}{cast}");
            }
        }
    }

    /// The `n`th (1-based) positional parameter: `?n` or `$n`.
    pub fn param(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}"),
        }
    }
}

/// Inserts a row of `table` by its `id` (the first of `columns`), or updates the row with that
/// id when any other column differs: one row counts as written only when it was inserted or
/// changed, so a seed can tell updated rows from unchanged ones. `IS DISTINCT FROM` compares
/// NULLs as values on both backends.
pub fn upsert(dialect: Dialect, table: &str, columns: &[&str]) -> String {
    let others = columns.get(1..).unwrap_or_default();
    let params: Vec<String> = (1..=columns.len()).map(|n| dialect.param(n)).collect();
    let mut sql = format!(
        "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET ",
        columns.join(", "),
        params.join(", "),
        columns.first().copied().unwrap_or("id"),
    );
    let set: Vec<String> = others
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    sql.push_str(&set.join(", "));
    sql.push_str(" WHERE ");
    let changed: Vec<String> = others
        .iter()
        .map(|c| format!("{table}.{c} IS DISTINCT FROM excluded.{c}"))
        .collect();
    let _ = write!(sql, "{}", changed.join(" OR "));
    sql
}

/// One statement being written in a dialect, with its parameters in placeholder order.
#[derive(Debug)]
pub struct Query {
    dialect: Dialect,
    pub sql: String,
    pub params: Vec<Value>,
    /// Whether a `WHERE` has been written.
    filtered: bool,
}

/// Lists of keys up to this long are bound on SQLite as `IN (?, ?, …)`; longer ones as one JSON
/// array parameter.
const INLINE_LIST: usize = 32;

impl Query {
    pub fn new(dialect: Dialect, capacity: usize) -> Self {
        Query {
            dialect,
            sql: String::with_capacity(capacity),
            params: Vec::new(),
            filtered: false,
        }
    }

    /// Appends SQL text.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a parameter holding `value`.
    pub fn param(&mut self, value: Value) -> &mut Self {
        self.dialect
            .bind(&mut self.sql, self.params.len() + 1, &value);
        self.params.push(value);
        self
    }

    /// Appends ` WHERE ` the first time, ` AND ` after: the next condition narrows the rows.
    pub fn and(&mut self) -> &mut Self {
        self.sql
            .push_str(if self.filtered { " AND " } else { " WHERE " });
        self.filtered = true;
        self
    }

    /// ` AND (filter)`: a compiled row filter, written in this dialect with its own parameters
    /// (renumbered after those before it). In parentheses, it can only narrow the rows.
    pub fn filter(&mut self, filter: Option<&SqlFilter>) -> &mut Self {
        if let Some(filter) = filter {
            self.and().condition(filter);
        }
        self
    }

    /// `(filter)`: a compiled row filter as a condition anywhere in the statement (a `WHERE`, a
    /// `CASE WHEN`), its parameters renumbered after those before it.
    pub fn condition(&mut self, filter: &SqlFilter) -> &mut Self {
        self.sql.push('(');
        match self.dialect {
            Dialect::Sqlite => self.sql.push_str(&filter.sql),
            Dialect::Postgres => {
                let sql = self.dialect.renumber(&filter.sql, self.params.len());
                self.sql.push_str(&sql);
            }
        }
        self.sql.push(')');
        self.params.extend(filter.params.iter().cloned());
        self
    }

    /// Forgets that a `WHERE` was written: the next [`Self::and`] starts the `WHERE` of another
    /// `SELECT` of a compound statement.
    pub fn next_select(&mut self) -> &mut Self {
        self.filtered = false;
        self
    }

    /// `column IN (…)` for `ids`. On SQLite a short list gets one placeholder per id (answered
    /// by index lookups alone), a long one is read from `json_each`, so that the statement text
    /// stays the same whatever the number of ids; on PostgreSQL one id is an equality (no array
    /// for the server to parse, the commonest case: `getGame`), more are `= ANY` of one array.
    pub fn ids(&mut self, column: &str, ids: &[i64]) -> &mut Self {
        self.sql.push_str(column);
        match self.dialect {
            Dialect::Postgres if ids.len() == 1 => {
                self.sql.push_str(" = ");
                self.param(Value::Integer(ids[0]));
            }
            Dialect::Sqlite if ids.len() <= INLINE_LIST => {
                self.sql.push_str(" IN (");
                for (n, id) in ids.iter().enumerate() {
                    self.sql.push_str(if n == 0 { "?" } else { ", ?" });
                    self.params.push(Value::Integer(*id));
                }
                self.sql.push(')');
            }
            Dialect::Sqlite => {
                self.sql.push_str(" IN (SELECT value FROM json_each(?))");
                self.params.push(json_array(ids));
            }
            Dialect::Postgres => {
                self.sql.push_str(" = ANY(");
                self.array(ids);
                self.sql.push(')');
            }
        }
        self
    }

    /// A PostgreSQL `int8[]` parameter holding `values` (sent as the text of an array).
    pub fn array(&mut self, values: &[i64]) -> &mut Self {
        let items: Vec<String> = values.iter().map(i64::to_string).collect();
        let n = self.params.len() + 1;
        let _ = write!(self.sql, "${n}::text::int8[]");
        self.params
            .push(Value::Text(format!("{{{}}}", items.join(","))));
        self
    }
}

/// `[1,2,3]`, a JSON array of `ids` for SQLite's `json_each`.
pub fn json_array(ids: &[i64]) -> Value {
    let items: Vec<String> = ids.iter().map(i64::to_string).collect();
    Value::Text(format!("[{}]", items.join(",")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renumbering_moves_postgres_parameters_past_the_others() {
        let sql = r#"("t"."a$1" = $1::int8) AND (x IN ($2::text, $10)) AND y = '$3'"#;
        assert_eq!(
            Dialect::Postgres.renumber(sql, 4),
            r#"("t"."a$1" = $5::int8) AND (x IN ($6::text, $14)) AND y = '$3'"#
        );
        assert_eq!(
            Dialect::Sqlite.renumber("a = ? AND b = ?", 4),
            "a = ? AND b = ?"
        );
    }

    #[test]
    fn a_query_numbers_its_parts_in_each_dialect() {
        let filter = SqlFilter::new("team_id = $1::int8", vec![Value::Integer(1)]);
        let sqlite_filter = SqlFilter::new("team_id = ?", vec![Value::Integer(1)]);
        let mut pg = Query::new(Dialect::Postgres, 0);
        pg.push("SELECT id FROM players").and().push("name = ");
        pg.param(Value::Text("x".into()))
            .filter(Some(&filter))
            .and()
            .ids("id", &[3, 4]);
        assert_eq!(
            pg.sql,
            "SELECT id FROM players WHERE name = $1::text AND (team_id = $2::int8) AND id = ANY($3::text::int8[])"
        );
        assert_eq!(
            pg.params,
            [
                Value::Text("x".into()),
                Value::Integer(1),
                Value::Text("{3,4}".into())
            ]
        );
        let mut sqlite = Query::new(Dialect::Sqlite, 0);
        sqlite.push("SELECT id FROM players").and().push("name = ");
        sqlite
            .param(Value::Text("x".into()))
            .filter(Some(&sqlite_filter))
            .and()
            .ids("id", &[3, 4]);
        assert_eq!(
            sqlite.sql,
            "SELECT id FROM players WHERE name = ? AND (team_id = ?) AND id IN (?, ?)"
        );
        let mut one = Query::new(Dialect::Postgres, 0);
        one.push("SELECT id FROM games").and().ids("id", &[8]);
        assert_eq!(one.sql, "SELECT id FROM games WHERE id = $1::int8");
        assert_eq!(one.params, [Value::Integer(8)]);
        let long: Vec<i64> = (0..40).collect();
        let mut sqlite = Query::new(Dialect::Sqlite, 0);
        sqlite.ids("id", &long);
        assert_eq!(sqlite.sql, "id IN (SELECT value FROM json_each(?))");
    }

    #[test]
    fn one_upsert_in_two_dialects() {
        assert_eq!(
            upsert(Dialect::Sqlite, "teams", &["id", "name", "rank"]),
            "INSERT INTO teams (id, name, rank) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO UPDATE \
             SET name = excluded.name, rank = excluded.rank WHERE teams.name IS DISTINCT FROM \
             excluded.name OR teams.rank IS DISTINCT FROM excluded.rank"
        );
        assert_eq!(
            upsert(Dialect::Postgres, "teams", &["id", "name", "rank"]),
            "INSERT INTO teams (id, name, rank) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE \
             SET name = excluded.name, rank = excluded.rank WHERE teams.name IS DISTINCT FROM \
             excluded.name OR teams.rank IS DISTINCT FROM excluded.rank"
        );
    }
}
