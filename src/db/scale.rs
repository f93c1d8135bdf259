//! A synthetic league of any size, for benchmarks and scale tests (`db seed --scale N`).
//!
//! The league is a pure function of `(players, rng_seed)`: the same pair always writes the same
//! rows. Rows are generated and inserted one at a time inside one transaction, so memory does not
//! grow with the size of the league.
//!
//! Shape, scaled from the tutorial's (10 players, 4 teams, 9 games): 10 players a team, one game
//! per player, games grouped in brackets of 31 (16 first-round games, 8, 4, 2, a final) whose
//! `child_id` links form a tree, and a manager for every tenth team plus one admin.

use std::fmt::Write as _;

use rusqlite::{Connection, params};
use serde::Serialize;

use super::model::POSITIONS;
use super::{Result, has_table, schema};

/// Players a team.
pub const TEAM_SIZE: u64 = 10;
/// Games a bracket: a full binary tree of 5 rounds.
pub const BRACKET: u64 = 31;

const FIRST: [&str; 16] = [
    "Harry", "Hermione", "Ron", "Ginny", "Luna", "Neville", "Cho", "Cedric", "Draco", "Katie",
    "Oliver", "Angelina", "Fred", "George", "Dean", "Seamus",
];
const LAST: [&str; 16] = [
    "Potter",
    "Granger",
    "Weasley",
    "Lovegood",
    "Longbottom",
    "Chang",
    "Diggory",
    "Malfoy",
    "Bell",
    "Wood",
    "Johnson",
    "Thomas",
    "Finnigan",
    "Jordan",
    "Spinnet",
    "Smith",
];
const LEVELS: [&str; 5] = ["Practice", "First", "Quarterfinal", "Semifinal", "Final"];

/// `splitmix64`: tiny, fast and good enough for synthetic data; no dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// The sizes of a league of `players` players.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Sizes {
    pub teams: u64,
    pub players: u64,
    pub games: u64,
    pub staff: u64,
}

impl Sizes {
    pub fn for_players(players: u64) -> Self {
        let teams = players.div_ceil(TEAM_SIZE).max(2);
        Sizes {
            teams,
            players,
            games: players,
            staff: teams / 10 + 1,
        }
    }

    pub fn rows(&self) -> u64 {
        self.teams + self.players + self.games + self.staff
    }
}

#[expect(clippy::cast_possible_wrap, reason = "ids stay far below i64::MAX")]
fn id(n: u64) -> i64 {
    n as i64
}

/// How far [`generate`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// `done` of `total` rows inserted (reported every few thousand rows).
    Rows { done: u64, total: u64 },
    /// Every row is in; the indexes are being built (and on PostgreSQL the foreign keys
    /// checked): a phase of its own at scale.
    Indexes,
}

/// One generated row, as [`rows`] hands it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row<'a> {
    Team {
        id: i64,
        name: &'a str,
        rank: i64,
    },
    Player {
        id: i64,
        name: &'a str,
        position: &'static str,
        year: i64,
        team_id: i64,
    },
    Game {
        id: i64,
        level: &'static str,
        child_id: Option<i64>,
        winner_id: i64,
        loser_id: i64,
        published_at: &'a str,
    },
    Staff {
        id: i64,
        name: &'a str,
        role: &'static str,
        team_id: Option<i64>,
    },
}

/// The first second of 2026 (UTC): games are published at one of its hours.
const YEAR_2026: i64 = 1_767_225_600;

/// When game `id`'s result is published: hour `id % 8760` of 2026, as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn published_at(id: i64, out: &mut String) {
    let seconds = YEAR_2026 + id.rem_euclid(8760) * 3600;
    let (days, of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Days since 1970-01-01 to a civil date (Howard Hinnant's `civil_from_days`).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    out.clear();
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    );
}

/// [`rows`], reporting [`Progress::Rows`] every 8,192 rows written and once when all are: the
/// one count of both backends' loads.
pub fn rows_reported(
    players: u64,
    rng_seed: u64,
    progress: &mut dyn FnMut(Progress),
    write: &mut dyn FnMut(Row<'_>) -> Result<()>,
) -> Result<Sizes> {
    let total = Sizes::for_players(players).rows();
    let mut done = 0u64;
    let sizes = rows(players, rng_seed, &mut |row| {
        write(row)?;
        done += 1;
        if done.is_multiple_of(8192) {
            progress(Progress::Rows { done, total });
        }
        Ok(())
    })?;
    progress(Progress::Rows { done: total, total });
    Ok(sizes)
}

/// Every row of the league for `players` and `rng_seed`, handed to `write` one at a time in
/// dependency order: teams, players, games (each bracket's final first, so that a game's child
/// is always written before it), staff. Nothing grows with the league.
pub fn rows(
    players: u64,
    rng_seed: u64,
    write: &mut dyn FnMut(Row<'_>) -> Result<()>,
) -> Result<Sizes> {
    let sizes = Sizes::for_players(players);
    let mut rng = Rng::new(rng_seed);
    let mut name = String::with_capacity(48);
    // Ranks are a permutation of 1..=teams: a stride coprime with the count walks them all.
    let stride = coprime_stride(sizes.teams, rng.below(sizes.teams));
    for t in 0..sizes.teams {
        let rank = (t * stride) % sizes.teams + 1;
        name.clear();
        let _ = write!(name, "Team {}", t + 1);
        write(Row::Team {
            id: id(t + 1),
            name: &name,
            rank: id(rank),
        })?;
    }
    for p in 0..sizes.players {
        name.clear();
        name.push_str(FIRST[usize::try_from(rng.below(16)).unwrap_or(0)]);
        name.push(' ');
        name.push_str(LAST[usize::try_from(rng.below(16)).unwrap_or(0)]);
        name.push(' ');
        let _ = write!(name, "{}", p + 1);
        let slot = usize::try_from(p % TEAM_SIZE).unwrap_or(0);
        // Slot 0 is the captain; the rest cycle through the playing positions.
        let position = if slot == 0 {
            "Captain"
        } else {
            POSITIONS[(slot - 1) % 4]
        };
        let year = rng.below(7) + 1;
        let team = p / TEAM_SIZE + 1;
        write(Row::Player {
            id: id(p + 1),
            name: &name,
            position,
            year: id(year),
            team_id: id(team),
        })?;
    }
    let mut bracket = Bracket::default();
    let mut start = 0;
    while start < sizes.games {
        let len = BRACKET.min(sizes.games - start);
        bracket.fill(&mut rng, sizes.teams, len);
        // Final first: every child game exists before the games that feed it, so no
        // foreign key is ever pending (a pending one makes SQLite scan for its children).
        for (i, game) in bracket.games.iter().enumerate().rev() {
            let i = i as u64;
            let game_id = id(start + i + 1);
            published_at(game_id, &mut name);
            write(Row::Game {
                id: game_id,
                level: game.level,
                child_id: game.child.map(|c| id(start + c + 1)),
                winner_id: id(game.winner),
                loser_id: id(game.loser),
                published_at: &name,
            })?;
        }
        start += len;
    }
    write(Row::Staff {
        id: 1,
        name: "Madam Hooch",
        role: "admin",
        team_id: None,
    })?;
    for s in 1..sizes.staff {
        let team = (s - 1) * 10 + 1;
        name.clear();
        let _ = write!(name, "Manager {team}");
        write(Row::Staff {
            id: id(s + 1),
            name: &name,
            role: "manager",
            team_id: Some(id(team)),
        })?;
    }
    Ok(sizes)
}

/// Writes the league for `players` and `rng_seed`, replacing every row already there, in one
/// transaction, reporting [`Progress`] as it goes.
pub fn generate(
    conn: &mut Connection,
    players: u64,
    rng_seed: u64,
    progress: &mut dyn FnMut(Progress),
) -> Result<Sizes> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Rows are consistent by construction, and child ids point forward within a bracket: check
    // foreign keys once, at commit.
    tx.pragma_update(None, "defer_foreign_keys", "ON")?;
    for table in schema::TABLES.iter().rev() {
        if has_table(&tx, table)? {
            tx.execute(&format!("DELETE FROM {table}"), [])?;
        }
    }
    // Bulk load: drop the indexes, insert, and build them again at the end. Building an index
    // from sorted keys is far cheaper than millions of random inserts into it. All of this is
    // inside the transaction, so a failure leaves the indexes (and rows) as they were.
    let indexes = drop_indexes(&tx)?;
    let sizes = {
        let mut team = tx.prepare("INSERT INTO teams (id, name, rank) VALUES (?1, ?2, ?3)")?;
        let mut player = tx.prepare(
            "INSERT INTO players (id, name, position, year, team_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut game = tx.prepare(
            "INSERT INTO games (id, level, child_id, winner_id, loser_id, published_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut staff =
            tx.prepare("INSERT INTO staff (id, name, role, team_id) VALUES (?1, ?2, ?3, ?4)")?;
        rows_reported(players, rng_seed, progress, &mut |row| {
            match row {
                Row::Team { id, name, rank } => team.execute(params![id, name, rank])?,
                Row::Player {
                    id,
                    name,
                    position,
                    year,
                    team_id,
                } => player.execute(params![id, name, position, year, team_id])?,
                Row::Game {
                    id,
                    level,
                    child_id,
                    winner_id,
                    loser_id,
                    published_at,
                } => game.execute(params![
                    id,
                    level,
                    child_id,
                    winner_id,
                    loser_id,
                    published_at
                ])?,
                Row::Staff {
                    id,
                    name,
                    role,
                    team_id,
                } => staff.execute(params![id, name, role, team_id])?,
            };
            Ok(())
        })?
    };
    progress(Progress::Indexes);
    for sql in &indexes {
        tx.execute_batch(sql)?;
    }
    tx.commit()?;
    Ok(sizes)
}

/// Drops every index of the league's tables and returns the statements that create them again.
fn drop_indexes(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL \
         AND tbl_name IN ('teams', 'players', 'games', 'staff')",
    )?;
    let found: Vec<(String, String)> = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, _) in &found {
        conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
    }
    Ok(found.into_iter().map(|(_, sql)| sql).collect())
}

fn coprime_stride(n: u64, start: u64) -> u64 {
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    let mut s = start.max(1);
    while gcd(s, n) != 1 {
        s += 1;
    }
    s
}

#[derive(Debug, Clone, Default)]
struct BracketGame {
    level: &'static str,
    child: Option<u64>,
    winner: u64,
    loser: u64,
}

/// One bracket's games, reused between brackets so nothing grows with the league.
#[derive(Debug, Default)]
struct Bracket {
    games: Vec<BracketGame>,
}

impl Bracket {
    /// Fills `len` games. A full bracket (31) is a tournament tree stored leaves first: games
    /// 0..16 are the first round, and game `i`'s winner advances to game `16 + i / 2`, and so
    /// on up to the final, 30; the teams of a later game are the winners of the two feeding it.
    /// A short bracket (the league's remainder) is unlinked practice games.
    fn fill(&mut self, rng: &mut Rng, teams: u64, len: u64) {
        self.games.clear();
        let pair = |rng: &mut Rng| {
            let a = rng.below(teams) + 1;
            let mut b = rng.below(teams - 1) + 1;
            if b >= a {
                b += 1;
            }
            (a, b)
        };
        if len < BRACKET {
            for _ in 0..len {
                let (winner, loser) = pair(rng);
                self.games.push(BracketGame {
                    level: LEVELS[0],
                    child: None,
                    winner,
                    loser,
                });
            }
            return;
        }
        // Round r has 16 >> r games starting at index `first`.
        let mut first = 0u64;
        for round in 0..5u32 {
            let count = 16u64 >> round;
            let next_first = first + count;
            for k in 0..count {
                let (winner, loser) = if round == 0 {
                    pair(rng)
                } else {
                    let a = self.games[usize::try_from(first - 2 * (count) + 2 * k).unwrap_or(0)]
                        .winner;
                    let b = self.games
                        [usize::try_from(first - 2 * (count) + 2 * k + 1).unwrap_or(0)]
                    .winner;
                    if a == b {
                        pair(rng)
                    } else if rng.below(2) == 0 {
                        (a, b)
                    } else {
                        (b, a)
                    }
                };
                let child = (round < 4).then_some(next_first + k / 2);
                self.games.push(BracketGame {
                    level: LEVELS[round as usize],
                    child,
                    winner,
                    loser,
                });
            }
            first = next_first;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows are reported up to the total, then the index phase, last.
    /// See: issue 14, item 7 (the bar sat at 100% while the indexes were built).
    #[test]
    fn progress_ends_with_the_index_phase() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, _) = crate::db::init(&dir.path().join("q.db")).unwrap();
        let mut seen = Vec::new();
        let sizes = generate(&mut conn, 50, 1, &mut |p| seen.push(p)).unwrap();
        let total = sizes.rows();
        assert_eq!(
            seen.last_chunk::<2>(),
            Some(&[Progress::Rows { done: total, total }, Progress::Indexes])
        );
    }

    #[test]
    fn a_full_bracket_is_a_tree_whose_winners_advance() {
        let mut bracket = Bracket::default();
        bracket.fill(&mut Rng::new(7), 40, BRACKET);
        assert_eq!(bracket.games.len(), 31);
        assert_eq!(bracket.games[30].level, "Final");
        assert_eq!(bracket.games[30].child, None);
        assert_eq!(bracket.games[0].child, Some(16));
        assert_eq!(bracket.games[15].child, Some(23));
        assert_eq!(bracket.games[28].child, Some(30));
        for g in &bracket.games {
            assert_ne!(g.winner, g.loser);
            assert!(g.child.is_none_or(|c| c < 31));
        }
        // The final's teams won the semifinals (unless both semis had the same winner).
        let (a, b) = (bracket.games[28].winner, bracket.games[29].winner);
        if a != b {
            assert!([a, b].contains(&bracket.games[30].winner));
        }
    }

    /// The publication time computed in Rust (for every backend) is SQLite's `strftime` of the
    /// same hour, for every hour of the year.
    #[test]
    fn published_at_is_sqlites_strftime_of_the_hour() {
        let conn = Connection::open_in_memory().unwrap();
        let mut ours = String::new();
        for id in 0..8760 {
            let sqlite: String = conn
                .query_row(
                    "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 1767225600 + (?1 % 8760) * 3600, \
                     'unixepoch')",
                    [id],
                    |row| row.get(0),
                )
                .unwrap();
            published_at(id, &mut ours);
            assert_eq!(ours, sqlite, "game {id}");
        }
    }

    #[test]
    fn sizes_scale_with_players() {
        let s = Sizes::for_players(1_000_000);
        assert_eq!((s.teams, s.games, s.staff), (100_000, 1_000_000, 10_001));
    }
}
