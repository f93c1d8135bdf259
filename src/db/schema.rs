//! DDL and migrations, once for both backends ([`migrations`] takes the [`Dialect`]). On SQLite
//! `PRAGMA user_version` holds the schema version (PostgreSQL: `db::pg::schema`); each migration
//! moves a database one version up inside a transaction, so an older file (including one made by
//! the tutorial's own server, version 0, which lacks `staff`) is upgraded in place without
//! losing rows.

use std::fmt::Write as _;

use super::sql::Dialect;

/// The tables, in dependency order (a table's parents before it).
pub const TABLES: [&str; 4] = ["teams", "players", "games", "staff"];

/// The columns a seed writes, by table (in [`TABLES`] order), `id` first.
pub const TEAM_COLUMNS: [&str; 3] = ["id", "name", "rank"];
pub const PLAYER_COLUMNS: [&str; 5] = ["id", "name", "position", "year", "team_id"];
pub const GAME_COLUMNS: [&str; 6] = [
    "id",
    "level",
    "child_id",
    "winner_id",
    "loser_id",
    "published_at",
];
pub const STAFF_COLUMNS: [&str; 4] = ["id", "name", "role", "team_id"];

/// The tables the tutorial's SQLAlchemy models create; a file without them is not ours.
pub const TUTORIAL_TABLES: [&str; 3] = ["teams", "players", "games"];

/// The tables of migration 0 → 1 as SQLAlchemy creates the tutorial's models (its first three),
/// with `{id}` for the type of the `id` columns, which is where the backends differ: `INTEGER` on
/// SQLite, `SERIAL` on PostgreSQL. SQLite keeps this text as each table's definition, so the
/// tutorial's Flask server runs unchanged on a file we create.
const TABLES_DDL: &str = "
CREATE TABLE IF NOT EXISTS teams (
	id {id} NOT NULL, 
	name VARCHAR(50), 
	rank INTEGER NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE IF NOT EXISTS players (
	id {id} NOT NULL, 
	name VARCHAR(50) NOT NULL, 
	position VARCHAR(50) NOT NULL, 
	year INTEGER NOT NULL, 
	team_id INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(team_id) REFERENCES teams (id)
);
CREATE TABLE IF NOT EXISTS games (
	id {id} NOT NULL, 
	level VARCHAR(30) NOT NULL, 
	child_id INTEGER, 
	winner_id INTEGER NOT NULL, 
	loser_id INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(child_id) REFERENCES games (id), 
	FOREIGN KEY(winner_id) REFERENCES teams (id), 
	FOREIGN KEY(loser_id) REFERENCES teams (id)
);
CREATE TABLE IF NOT EXISTS staff (
	id {id} NOT NULL,
	name TEXT NOT NULL,
	role TEXT NOT NULL,
	team_id INTEGER,
	PRIMARY KEY (id),
	FOREIGN KEY(team_id) REFERENCES teams (id)
);
";

/// The secondary indexes, by name and definition: one on every foreign key, and players' names
/// (looked up by `getPlayer` and `authz --user`). PostgreSQL's bulk load drops and rebuilds them.
pub const INDEXES: [(&str, &str); 6] = [
    ("ix_players_team_id", "players (team_id)"),
    ("ix_players_name", "players (name)"),
    ("ix_games_child_id", "games (child_id)"),
    ("ix_games_winner_id", "games (winner_id)"),
    ("ix_games_loser_id", "games (loser_id)"),
    ("ix_staff_team_id", "staff (team_id)"),
];

/// The version a fully migrated database has: the number of [`migrations`].
pub const LATEST_VERSION: i64 = 2;

/// Migration `i` moves a database from version `i` to `i + 1`, in `dialect`: the same steps on
/// both backends, so an older database (including one made by the tutorial's own models,
/// version 0, which lacks `staff`) is upgraded in place without losing rows.
pub fn migrations(dialect: Dialect) -> [String; 2] {
    let id = match dialect {
        Dialect::Sqlite => "INTEGER",
        Dialect::Postgres => "SERIAL",
    };
    // 0 → 1: the tutorial's tables (kept if present), staff, and the indexes.
    let mut first = TABLES_DDL.replace("{id}", id);
    for (name, on) in INDEXES {
        let _ = writeln!(first, "CREATE INDEX IF NOT EXISTS {name} ON {on};");
    }
    // 1 → 2: when a game's result is published (RFC 3339, UTC, `YYYY-MM-DDTHH:MM:SSZ`, so that
    // times compare as texts on both backends). With a default, so the tutorial's own server,
    // which knows nothing of it, still inserts games; games already there count as long
    // published. A game without one (NULL) has no publication time: a condition comparing it
    // is unknown. SQLite has no `IF NOT EXISTS` here; its version number alone guards the step.
    let guard = match dialect {
        Dialect::Sqlite => "",
        Dialect::Postgres => "IF NOT EXISTS ",
    };
    let second = format!(
        "\nALTER TABLE games ADD COLUMN {guard}published_at TEXT DEFAULT '{PUBLISHED_LONG_AGO}';\n"
    );
    [first, second]
}

/// `games.published_at` of a game whose seed entry gives none.
pub const PUBLISHED_LONG_AGO: &str = "1970-01-01T00:00:00Z";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_take_the_same_steps_differing_only_in_the_id_type() {
        let sqlite = migrations(Dialect::Sqlite);
        let postgres = migrations(Dialect::Postgres);
        assert_eq!(i64::try_from(sqlite.len()), Ok(LATEST_VERSION));
        assert!(sqlite[0].contains("\n\tid INTEGER NOT NULL, \n\tname VARCHAR(50), \n"));
        assert_eq!(
            postgres[0],
            sqlite[0].replace("\tid INTEGER NOT NULL", "\tid SERIAL NOT NULL")
        );
        assert_eq!(sqlite[0].matches("\tid INTEGER NOT NULL").count(), 4);
        for (name, on) in INDEXES {
            let line = format!("\nCREATE INDEX IF NOT EXISTS {name} ON {on};\n");
            assert!(
                sqlite[0].contains(&line) && postgres[0].contains(&line),
                "{line}"
            );
        }
        assert_eq!(
            postgres[1],
            sqlite[1].replace("ADD COLUMN ", "ADD COLUMN IF NOT EXISTS ")
        );
    }
}
