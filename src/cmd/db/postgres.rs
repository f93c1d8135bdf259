//! `db init|seed|status|reset` on a PostgreSQL `--db`: the same flags, validation and reports as
//! on SQLite, through `db::pg`.

use anyhow::{Context as _, bail};

use std::time::Instant;

use super::{
    DbArgs, DbCommand, InitOutput, ResetOutput, ScaleOutput, SeedArgs, SeedOutput, StatusOutput,
    progress_bar, read_seed, show_progress,
};
use crate::cli::GlobalArgs;
use crate::db::url::PgUrl;
use crate::db::{pg, seed};
use crate::exit::Exit;
use crate::output::emit;

pub(super) fn run(args: &DbArgs, url: &PgUrl, global: &GlobalArgs) -> anyhow::Result<Exit> {
    let context = || format!("database `{url}`");
    match &args.command {
        DbCommand::Init => {
            let (_, report) = pg::init(url).with_context(context)?;
            emit(&InitOutput(report), global.format)?;
        }
        DbCommand::Seed(seed_args) => seed_command(seed_args, url, global)?,
        DbCommand::Status => {
            let conn = crate::cmd::open_postgres(url)?;
            let status = pg::status(&conn).with_context(context)?;
            emit(&StatusOutput(status), global.format)?;
        }
        DbCommand::Reset { yes } => {
            if !yes {
                bail!(
                    "`db reset` deletes every row of `{url}`: run it again with `--yes` to confirm"
                );
            }
            let mut conn = crate::cmd::open_postgres(url)?;
            let deleted = pg::reset(&mut conn).with_context(context)?;
            emit(
                &ResetOutput {
                    path: conn.name(),
                    deleted,
                },
                global.format,
            )?;
        }
    }
    Ok(Exit::Success)
}

fn seed_command(args: &SeedArgs, url: &PgUrl, global: &GlobalArgs) -> anyhow::Result<()> {
    if args.print_default {
        crate::cmd::defaults::print(crate::cmd::defaults::SEEDER)?;
        return Ok(());
    }
    if let Some(players) = args.scale {
        return scale_command(args, players, url, global);
    }
    // Validated whole before the database is touched, exactly as for SQLite.
    let (file, data) = read_seed(args)?;
    let mut conn = pg::open_or_init(url).with_context(|| format!("database `{url}`"))?;
    let mode = if args.replace {
        seed::Mode::Replace
    } else {
        seed::Mode::Merge
    };
    let tables = pg::seed::apply(&mut conn, &data, mode)
        .with_context(|| format!("seeding database `{url}`"))?;
    emit(
        &SeedOutput {
            path: conn.name(),
            file,
            replace: args.replace,
            tables,
        },
        global.format,
    )?;
    Ok(())
}

fn scale_command(
    args: &SeedArgs,
    players: u64,
    url: &PgUrl,
    global: &GlobalArgs,
) -> anyhow::Result<()> {
    let mut conn = pg::open_or_init(url).with_context(|| format!("database `{url}`"))?;
    // Like `db reset`, deleting rows is never implicit.
    let rows: i64 = pg::status(&conn)
        .with_context(|| format!("database `{url}`"))?
        .tables
        .iter()
        .filter_map(|t| t.rows)
        .sum();
    if rows > 0 && !args.replace {
        bail!(
            "`db seed --scale` replaces every row of `{url}` ({rows} rows now): run it again with \
             `--replace` to confirm"
        );
    }
    let bar = progress_bar();
    let started = Instant::now();
    let sizes = pg::scale::generate(&mut conn, players, args.rng_seed, &mut |progress| {
        show_progress(&bar, progress);
    })
    .with_context(|| format!("seeding {players} players into database `{url}`"))?;
    bar.finish_and_clear();
    emit(
        &ScaleOutput::new(conn.name(), args.rng_seed, sizes, started),
        global.format,
    )?;
    Ok(())
}
