//! The PostgreSQL schema: the same tables, columns, indexes and foreign keys as the SQLite one
//! (`db::schema`), written as SQLAlchemy creates the tutorial's models on PostgreSQL (`SERIAL`
//! ids, `VARCHAR(50)`, `INTEGER`). `quidditch_version` holds the schema version, in place of
//! SQLite's `PRAGMA user_version`; a database without it (also one made by the tutorial's own
//! models) is at version 0 and migrated in place, keeping its rows.

/// The table holding the schema version: one row, one column.
pub const VERSION_TABLE: &str = "quidditch_version";

/// Migration `i` moves a database from version `i` to `i + 1`; the same steps as SQLite's.
pub const MIGRATIONS: &[&str] = &[
    // 0 → 1: the tutorial's tables (kept if present), staff, and an index on every foreign key.
    "
CREATE TABLE IF NOT EXISTS teams (
	id SERIAL NOT NULL, 
	name VARCHAR(50), 
	rank INTEGER NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE IF NOT EXISTS players (
	id SERIAL NOT NULL, 
	name VARCHAR(50) NOT NULL, 
	position VARCHAR(50) NOT NULL, 
	year INTEGER NOT NULL, 
	team_id INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(team_id) REFERENCES teams (id)
);
CREATE TABLE IF NOT EXISTS games (
	id SERIAL NOT NULL, 
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
	id SERIAL NOT NULL,
	name TEXT NOT NULL,
	role TEXT NOT NULL,
	team_id INTEGER,
	PRIMARY KEY (id),
	FOREIGN KEY(team_id) REFERENCES teams (id)
);
CREATE INDEX IF NOT EXISTS ix_players_team_id ON players (team_id);
CREATE INDEX IF NOT EXISTS ix_players_name ON players (name);
CREATE INDEX IF NOT EXISTS ix_games_child_id ON games (child_id);
CREATE INDEX IF NOT EXISTS ix_games_winner_id ON games (winner_id);
CREATE INDEX IF NOT EXISTS ix_games_loser_id ON games (loser_id);
CREATE INDEX IF NOT EXISTS ix_staff_team_id ON staff (team_id);
",
    // 1 → 2: when a game's result is published, as on SQLite: RFC 3339 text in UTC, so that
    // times compare as texts on both backends.
    "
ALTER TABLE games ADD COLUMN IF NOT EXISTS published_at TEXT DEFAULT '1970-01-01T00:00:00Z';
",
];

/// The indexes of [`MIGRATIONS`], by name and definition: dropped before a bulk load and built
/// again after it.
pub const INDEXES: [(&str, &str); 6] = [
    ("ix_players_team_id", "players (team_id)"),
    ("ix_players_name", "players (name)"),
    ("ix_games_child_id", "games (child_id)"),
    ("ix_games_winner_id", "games (winner_id)"),
    ("ix_games_loser_id", "games (loser_id)"),
    ("ix_staff_team_id", "staff (team_id)"),
];

// Both backends reach the same version by the same steps.
const _: () = assert!(MIGRATIONS.len() == super::super::schema::MIGRATIONS.len());
