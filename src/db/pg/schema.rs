//! The PostgreSQL schema is SQLite's (`db::schema::migrations` in the Postgres dialect: the
//! same tables, columns, indexes and foreign keys, written as SQLAlchemy creates the tutorial's
//! models on PostgreSQL, `SERIAL` ids, `VARCHAR(50)`, `INTEGER`). `quidditch_version` holds the
//! schema version, in place of SQLite's `PRAGMA user_version`; a database without it (also one
//! made by the tutorial's own models) is at version 0 and migrated in place, keeping its rows.

/// The table holding the schema version: one row, one column.
pub const VERSION_TABLE: &str = "quidditch_version";
