//! DDL and migrations. `PRAGMA user_version` holds the schema version; each migration moves a file
//! one version up inside a transaction, so an older file (including one made by the tutorial's
//! own server, version 0, which lacks `staff`) is upgraded in place without losing rows.

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

/// Migration `i` moves a database from version `i` to `i + 1`.
///
/// The first three tables are written exactly as SQLAlchemy emits them for the tutorial's models,
/// so the tutorial's Flask server runs unchanged on a file we create.
pub const MIGRATIONS: &[&str] = &[
    // 0 → 1: the tutorial's tables (kept if present), staff, and an index on every foreign key.
    "
CREATE TABLE IF NOT EXISTS teams (
	id INTEGER NOT NULL, 
	name VARCHAR(50), 
	rank INTEGER NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE IF NOT EXISTS players (
	id INTEGER NOT NULL, 
	name VARCHAR(50) NOT NULL, 
	position VARCHAR(50) NOT NULL, 
	year INTEGER NOT NULL, 
	team_id INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(team_id) REFERENCES teams (id)
);
CREATE TABLE IF NOT EXISTS games (
	id INTEGER NOT NULL, 
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
	id INTEGER NOT NULL,
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
    // 1 → 2: when a game's result is published (RFC 3339, UTC, `YYYY-MM-DDTHH:MM:SSZ`, so that
    // times compare as texts). With a default, so the tutorial's own server, which knows
    // nothing of it, still inserts games; games already there count as long published. A game
    // without one (NULL) has no publication time: a condition comparing it is unknown.
    "
ALTER TABLE games ADD COLUMN published_at TEXT DEFAULT '1970-01-01T00:00:00Z';
",
];

/// `games.published_at` of a game whose seed entry gives none.
pub const PUBLISHED_LONG_AGO: &str = "1970-01-01T00:00:00Z";

/// The version a fully migrated database has.
#[expect(
    clippy::cast_possible_wrap,
    reason = "the migration list is a handful of entries"
)]
pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;
