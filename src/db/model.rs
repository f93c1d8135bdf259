//! Typed rows of the four tables, as the rest of the program sees them.

use serde::Serialize;

/// A row known by its key (`id`), whatever its table.
pub trait Keyed {
    fn key(&self) -> i64;
}

macro_rules! keyed {
    ($($row:ty),*) => {$(
        impl Keyed for $row {
            fn key(&self) -> i64 {
                self.id
            }
        }
    )*};
}

keyed!(Team, Player, Game);

/// A row of `teams`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub rank: i64,
}

/// A row of `players`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Player {
    pub id: i64,
    pub name: String,
    pub position: String,
    pub year: i64,
    pub team_id: i64,
}

/// A row of `games`. `child_id` is the game the winner advances to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Game {
    pub id: i64,
    pub level: String,
    pub child_id: Option<i64>,
    pub winner_id: i64,
    pub loser_id: i64,
}

/// A row of `staff`: accounts that are not players (admins, team managers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Staff {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub team_id: Option<i64>,
}

/// The positions a player may have.
pub const POSITIONS: [&str; 5] = ["Seeker", "Keeper", "Beater", "Chaser", "Captain"];
