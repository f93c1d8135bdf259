//! Parameters of PostgreSQL statements, as SQLite's values.

use rusqlite::types::Value;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

/// A parameter of a PostgreSQL statement, holding the value SQLite would bind. The statements
/// write each with the type of its value (`$1::int8`, `$2::text`; a NULL takes the type of what
/// it is compared with), so the value is sent as it is, whatever the column's own type
/// (`INTEGER` is `int4`).
#[derive(Debug)]
pub struct Param<'a>(pub &'a Value);

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(i) if *ty == Type::BOOL => (*i != 0).to_sql(ty, out),
            Value::Integer(i) => i.to_sql(ty, out),
            Value::Real(f) => f.to_sql(ty, out),
            Value::Text(t) => t.as_str().to_sql(ty, out),
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// `values` as parameters, and the references a statement takes.
pub fn bind(values: &[Value]) -> Vec<Param<'_>> {
    values.iter().map(Param).collect()
}

/// The references to `params` that tokio-postgres takes.
pub fn refs<'a>(params: &'a [Param<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}
