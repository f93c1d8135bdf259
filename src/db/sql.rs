//! SQL text that differs between the backends, written once with a [`Dialect`]: the seam through
//! which every statement both backends run is to be built (so far the seed's upserts).

use std::fmt::Write as _;

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
