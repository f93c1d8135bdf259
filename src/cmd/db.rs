//! `quidditch db init|seed|status|reset`: create, migrate, seed, inspect and empty the database.

use std::fmt;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::db::{self, DbUrl, scale, seed};
use crate::exit::Exit;
use crate::output::{self, emit};

mod postgres;

/// Create, migrate, seed, inspect and reset the league database.
///
/// The database is one SQLite file: `--db PATH`, or `QUIDDITCH_DB`, default `./quidditch.db`;
/// or a PostgreSQL database that exists: `--db postgresql://USER@HOST/NAME` (the tables are
/// created in it).
/// `db seed` creates it when needed and loads `seeder.toml` (the tutorial's data): the file is
/// validated whole before anything is written, and written in one transaction. `db status`
/// shows what a file holds, `db reset --yes` empties it.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  quidditch db seed\n  quidditch --db league.db db seed --scale 100000 --rng-seed 7\n  quidditch db status --format json"
)]
pub struct DbArgs {
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Create the database file, or migrate an older one (also one made by the tutorial's server).
    #[command(after_help = "Example:\n  quidditch --db league.db db init")]
    Init,
    /// Load seeder.toml (or a synthetic league) into the database, creating it if needed.
    ///
    /// The whole file is validated before anything is written, and it is written in one
    /// transaction: it lands whole, or the database is left exactly as it was. Seeding the same
    /// file twice leaves the same database. Without --replace, rows are matched by id: new ids are
    /// inserted, changed rows updated, and rows the file does not mention are kept. With
    /// --replace, every row is deleted first, so the database holds exactly the file.
    #[command(
        after_help = "Examples:\n  quidditch db seed\n  quidditch db seed --print-default > my-league.toml\n  quidditch db seed --file my-league.toml --replace\n  quidditch db seed --scale 1000000 --rng-seed 42"
    )]
    Seed(SeedArgs),
    /// Show the path, schema version and row counts per table.
    #[command(after_help = "Example:\n  quidditch db status --format json")]
    Status,
    /// Delete every row of every table (the schema stays).
    #[command(after_help = "Example:\n  quidditch db reset --yes")]
    Reset {
        /// Confirm that every row is to be deleted.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// The seed file [default: ./seeder.toml, else the built-in copy of the tutorial's data].
    #[arg(long, value_name = "PATH", conflicts_with = "scale")]
    pub file: Option<PathBuf>,

    /// Print the built-in seeder.toml (the tutorial's data) instead of seeding.
    #[arg(long, conflicts_with_all = ["file", "scale", "replace"])]
    pub print_default: bool,

    /// Delete every row first, so the database holds exactly the seed (an empty file is
    /// refused: `db reset --yes` empties the database).
    #[arg(long)]
    pub replace: bool,

    /// Generate a deterministic synthetic league of N players instead of reading a file
    /// (replaces every row: a database that has rows needs --replace).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub scale: Option<u64>,

    /// Seed of the synthetic league's random choices; the same N and seed give the same rows.
    #[arg(long, value_name = "S", default_value_t = 1, requires = "scale")]
    pub rng_seed: u64,
}

pub fn run(args: &DbArgs, global: &GlobalArgs) -> anyhow::Result<Exit> {
    let path = match global.db_url()? {
        DbUrl::Sqlite(path) => path.as_path(),
        DbUrl::Postgres(url) => return postgres::run(args, url, global),
    };
    match &args.command {
        DbCommand::Init => {
            let (_, report) = db::init(path).with_context(|| open_context(path))?;
            emit(&InitOutput(report), global.format)?;
        }
        DbCommand::Seed(seed_args) => seed_command(seed_args, path, global)?,
        DbCommand::Status => {
            let conn = GlobalArgs::open_db(path)?;
            let status = db::status(&conn, path).with_context(|| open_context(path))?;
            emit(&StatusOutput(status), global.format)?;
        }
        DbCommand::Reset { yes } => {
            if !yes {
                bail!(
                    "`db reset` deletes every row of `{}`: run it again with `--yes` to confirm",
                    path.display()
                );
            }
            let mut conn = GlobalArgs::open_db(path)?;
            let deleted = db::reset(&mut conn).with_context(|| open_context(path))?;
            emit(
                &ResetOutput {
                    path: path.to_path_buf(),
                    deleted,
                },
                global.format,
            )?;
        }
    }
    Ok(Exit::Success)
}

fn open_context(path: &Path) -> String {
    format!("database `{}`", path.display())
}

fn seed_command(args: &SeedArgs, path: &Path, global: &GlobalArgs) -> anyhow::Result<()> {
    if args.print_default {
        super::defaults::print(super::defaults::SEEDER)?;
        return Ok(());
    }
    if let Some(players) = args.scale {
        let mut conn = db::open_or_init(path).with_context(|| open_context(path))?;
        // Like `db reset`, deleting rows is never implicit.
        let rows: i64 = db::status(&conn, path)
            .with_context(|| open_context(path))?
            .tables
            .iter()
            .filter_map(|t| t.rows)
            .sum();
        if rows > 0 && !args.replace {
            bail!(
                "`db seed --scale` replaces every row of `{}` ({rows} rows now): run it again with \
                 `--replace` to confirm",
                path.display()
            );
        }
        let bar = progress_bar();
        let started = Instant::now();
        let sizes = scale::generate(&mut conn, players, args.rng_seed, &mut |progress| {
            show_progress(&bar, progress);
        })
        .with_context(|| format!("seeding {players} players into {}", open_context(path)))?;
        bar.finish_and_clear();
        emit(
            &ScaleOutput::new(path.to_path_buf(), args.rng_seed, sizes, started),
            global.format,
        )?;
        return Ok(());
    }

    // Validate fully before the database is touched (or created).
    let (file, data) = read_seed(args)?;
    let mut conn = db::open_or_init(path).with_context(|| open_context(path))?;
    let mode = if args.replace {
        seed::Mode::Replace
    } else {
        seed::Mode::Merge
    };
    let tables = seed::apply(&mut conn, &data, mode)
        .with_context(|| format!("seeding {}", open_context(path)))?;
    emit(
        &SeedOutput {
            path: path.to_path_buf(),
            file,
            replace: args.replace,
            tables,
        },
        global.format,
    )?;
    Ok(())
}

/// The seed file of `args` (or the built-in one), read and validated whole: the same for every
/// backend.
fn read_seed(args: &SeedArgs) -> anyhow::Result<(PathBuf, seed::SeedData)> {
    let source = super::defaults::SEED_FILE.read(args.file.as_deref())?;
    let file = source.origin;
    let data = seed::parse(&file.display().to_string(), &source.text).map_err(|err| match err {
        db::Error::Seed { problems } => {
            let n = problems.len();
            anyhow::anyhow!(
                "{}\n{n} problem{} in `{}`, nothing was written",
                problems.join("\n"),
                if n == 1 { "" } else { "s" },
                file.display()
            )
        }
        other => anyhow::Error::new(other),
    })?;
    // With --replace the database holds exactly the file: an empty one (a truncated copy, a
    // wrong path to an empty file) would delete every row, which `db reset --yes` does on
    // purpose.
    if args.replace
        && data.teams.is_empty()
        && data.players.is_empty()
        && data.games.is_empty()
        && data.staff.is_empty()
    {
        anyhow::bail!(
            "`{}` holds no teams, players, games or staff: with --replace it would empty the \
             database (to empty it, run `quidditch db reset --yes`); nothing was written",
            file.display()
        );
    }
    Ok((file, data))
}

fn progress_bar() -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} seeding [{bar:40}] {pos}/{len} rows ({rate}, {eta} left)",
    ) {
        bar.set_style(
            style
                .with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = w.write_str(&rate(state.per_sec()));
                    },
                )
                .progress_chars("=> "),
        );
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// Moves the bar of a synthetic league's seeding.
fn show_progress(bar: &indicatif::ProgressBar, progress: scale::Progress) {
    match progress {
        scale::Progress::Rows { done, total } => {
            bar.set_length(total);
            bar.set_position(done);
        }
        scale::Progress::Indexes => {
            // A phase of its own: at scale it takes a while with every row in.
            bar.set_style(indexes_style());
            bar.set_message("building indexes");
        }
    }
}

/// The spinner shown while the indexes are built, after the rows.
fn indexes_style() -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template("{spinner} seeding: {msg} ({elapsed})")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner())
}

/// A rate for people: whole rows per second, with thousands separators.
fn rate(per_sec: f64) -> String {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a rounded, non-negative rate for display"
    )]
    let whole = per_sec.max(0.0).round() as u64;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out} rows/s")
}

#[derive(Serialize)]
#[serde(transparent)]
struct InitOutput(db::InitReport);

impl fmt::Display for InitOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.0;
        if r.created {
            writeln!(
                f,
                "created {} at schema version {}",
                r.path.display(),
                r.to_version
            )
        } else if r.from_version == r.to_version {
            writeln!(
                f,
                "{} is up to date (schema version {})",
                r.path.display(),
                r.to_version
            )
        } else {
            writeln!(
                f,
                "migrated {} from schema version {} to {}",
                r.path.display(),
                r.from_version,
                r.to_version
            )
        }
    }
}

#[derive(Serialize)]
#[serde(transparent)]
struct StatusOutput(db::Status);

impl fmt::Display for StatusOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.0;
        writeln!(f, "database:       {}", s.path.display())?;
        write!(f, "backend:        {} {}", s.backend, s.server_version)?;
        match &s.journal_mode {
            Some(mode) => writeln!(f, " (journal mode {mode})")?,
            None => writeln!(f)?,
        }
        if let Some(connection) = &s.connection {
            writeln!(f, "connection:     {connection}")?;
        }
        let note = if s.schema_version < s.latest_version {
            " (run `quidditch db init` to migrate)"
        } else {
            ""
        };
        writeln!(
            f,
            "schema version: {} of {}{note}",
            s.schema_version, s.latest_version
        )?;
        let mut table = output::table(["table", "rows"]);
        for t in &s.tables {
            table.add_row([
                t.table.to_string(),
                t.rows
                    .map_or_else(|| "missing".to_string(), |n| n.to_string()),
            ]);
        }
        writeln!(f, "{table}")
    }
}

#[derive(Serialize)]
struct SeedOutput {
    path: PathBuf,
    file: PathBuf,
    replace: bool,
    tables: Vec<seed::TableReport>,
}

impl fmt::Display for SeedOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "seeded {} from {}{}",
            self.path.display(),
            self.file.display(),
            if self.replace {
                " (replaced every row)"
            } else {
                ""
            }
        )?;
        let mut table = output::table([
            "table",
            "in file",
            "inserted",
            "updated",
            "unchanged",
            "deleted",
            "total",
        ]);
        for t in &self.tables {
            table.add_row([
                t.table.to_string(),
                t.seeded.to_string(),
                t.inserted.to_string(),
                t.updated.to_string(),
                t.unchanged.to_string(),
                t.deleted.to_string(),
                t.total.to_string(),
            ]);
        }
        writeln!(f, "{table}")
    }
}

#[derive(Serialize)]
struct ScaleOutput {
    path: PathBuf,
    rng_seed: u64,
    sizes: scale::Sizes,
    rows: u64,
    seconds: f64,
    rows_per_second: f64,
}

impl ScaleOutput {
    fn new(path: PathBuf, rng_seed: u64, sizes: scale::Sizes, started: Instant) -> Self {
        let seconds = started.elapsed().as_secs_f64();
        ScaleOutput {
            path,
            rng_seed,
            sizes,
            rows: sizes.rows(),
            seconds,
            #[expect(clippy::cast_precision_loss, reason = "a rate for people")]
            rows_per_second: sizes.rows() as f64 / seconds.max(1e-9),
        }
    }
}

impl fmt::Display for ScaleOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.sizes;
        writeln!(
            f,
            "seeded {}: {} teams, {} players, {} games, {} staff (rng seed {})",
            self.path.display(),
            s.teams,
            s.players,
            s.games,
            s.staff,
            self.rng_seed
        )?;
        writeln!(
            f,
            "{} rows in {:.2} s ({:.0} rows/s)",
            self.rows, self.seconds, self.rows_per_second
        )
    }
}

#[derive(Serialize)]
struct ResetOutput {
    path: PathBuf,
    deleted: Vec<db::TableCount>,
}

impl fmt::Display for ResetOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .deleted
            .iter()
            .filter_map(|t| t.rows.map(|n| format!("{n} {}", t.table)))
            .collect();
        writeln!(
            f,
            "reset {}: deleted {}",
            self.path.display(),
            parts.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::rate;

    /// See: issue 14, item 7 (the rate had four decimals).
    #[test]
    fn the_rate_is_whole_rows_with_separators() {
        assert_eq!(rate(259_123.456_7), "259,123 rows/s");
        assert_eq!(rate(999.5), "1,000 rows/s");
        assert_eq!(rate(12.0), "12 rows/s");
        assert_eq!(rate(0.0), "0 rows/s");
    }
}
