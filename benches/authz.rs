//! `cargo bench --bench authz`: latency of authorization decisions, in-process.
//!
//! - `check/*`: one decision (RBAC, ABAC, the transitive bracket rule) on the tutorial league,
//!   from memory and from SQLite (and from PostgreSQL with `BENCH_PG=1`: `*_postgres`, the
//!   integration tests' throwaway cluster over a unix socket); `transitive_with_context_memory` is `transitive_memory` asked
//!   with `$context.now` (the results embargo decided rather than unknown);
//! - `load/*`: parsing `policies.toml`, and parsing it and checking it against the database's
//!   schema (what every command and the server do once per load);
//! - `explain/*`: the same transitive decision with the full trace, to compare with a check;
//! - `scale_1m/*`: a transitive check, the reverse lookup (every game one player may read,
//!   through the SQL residual filter) and `who-can` for a final (every subject who may read it,
//!   through the subject-side SQL filter) on 1M players and 1M games in brackets of 31, and
//!   `authz diff` of one subject between the shipped policies and a narrowed copy. The league is
//!   generated once into cargo's bench scratch directory (`CARGO_TARGET_TMPDIR`, under the target
//!   directory, wherever that is), about a minute, when absent;
//! - `scale_10k/*`: `authz diff` of every subject (10,000 players, 1,001 teams, 101 staff) on a
//!   league of 10,000 players generated the same way.

#![allow(
    clippy::unwrap_used,
    clippy::missing_panics_doc,
    reason = "a benchmark fails loudly on a broken setup"
)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};

mod common;
use common::{demo_db, policies, repo};
use quidditch::access::{self, Bridge, SqlEntities};
use quidditch::authz::{self, MemoryEntities, Mode, PolicySet, Request, Row, Subject, Value};
use quidditch::db;
use rusqlite::Connection;

/// Every row of every table of `set`, copied into memory.
fn to_memory(conn: &Connection, set: &PolicySet) -> MemoryEntities {
    let mut mem = MemoryEntities::new();
    let entities = SqlEntities::new(conn, set);
    for (ty, def) in &set.types {
        let Some(table) = &def.table else { continue };
        let mut stmt = conn.prepare(&format!("SELECT id FROM {table}")).unwrap();
        let ids: Vec<i64> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for id in ids {
            let row: Row = authz::Entities::get(&entities, ty, &Value::Int(id))
                .unwrap()
                .unwrap();
            mem.insert(ty, row);
        }
    }
    mem
}

fn request(
    set: &PolicySet,
    e: &dyn authz::Entities,
    who: Subject,
    action: &str,
    res: &str,
) -> Request {
    let (resource, _) = authz::resolve_resource(set, e, res).unwrap();
    Request {
        subject: who,
        action: action.into(),
        resource,
        field: None,
    }
}

fn bench_demo(c: &mut Criterion) {
    let set = policies();
    let (_dir, _, conn) = demo_db();
    let mem = to_memory(&conn, &set);
    let sql = SqlEntities::new(&conn, &set);
    let bridge = Bridge::new(&conn, &set);
    let harry = bridge.resolve_subject("Harry Potter").unwrap();
    let cho = bridge.resolve_subject("Cho Chang").unwrap();

    let rbac = request(&set, &mem, Subject::anonymous(), "read", "team:1");
    let abac = request(&set, &mem, harry.clone(), "join", "forum:Seeker");
    let mut now = authz::Context::new();
    now.insert(
        "now",
        authz::ContextValue::Scalar(Value::Text("2026-07-01T00:00:00Z".into())),
    );
    // The same request with `$context.now`: the results embargo is decided, not unknown.
    let bracket_now = request(&set, &mem, cho.clone().with_context(now), "read", "game:8");
    let bracket = request(&set, &mem, cho, "read", "game:8");
    let bracket_deny = request(&set, &mem, harry, "read", "game:8");

    let mut g = c.benchmark_group("check");
    g.bench_function("rbac_memory", |b| {
        b.iter(|| authz::evaluate(&set, &mem, black_box(&rbac), Mode::Check).unwrap());
    });
    g.bench_function("abac_memory", |b| {
        b.iter(|| authz::evaluate(&set, &mem, black_box(&abac), Mode::Check).unwrap());
    });
    g.bench_function("transitive_memory", |b| {
        b.iter(|| authz::evaluate(&set, &mem, black_box(&bracket), Mode::Check).unwrap());
    });
    g.bench_function("transitive_with_context_memory", |b| {
        b.iter(|| authz::evaluate(&set, &mem, black_box(&bracket_now), Mode::Check).unwrap());
    });
    g.bench_function("transitive_deny_memory", |b| {
        b.iter(|| authz::evaluate(&set, &mem, black_box(&bracket_deny), Mode::Check).unwrap());
    });
    g.bench_function("rbac_sqlite", |b| {
        b.iter(|| authz::evaluate(&set, &sql, black_box(&rbac), Mode::Check).unwrap());
    });
    g.bench_function("transitive_sqlite", |b| {
        b.iter(|| authz::evaluate(&set, &sql, black_box(&bracket), Mode::Check).unwrap());
    });
    // BENCH_PG=1: the same league in PostgreSQL, read over a unix socket.
    let pg = common::demo_pg().map(|url| quidditch::db::pg::open(&url).unwrap());
    let on_pg = pg.as_ref().map(|conn| SqlEntities::new(conn, &set));
    if let Some(on_pg) = &on_pg {
        g.bench_function("rbac_postgres", |b| {
            b.iter(|| authz::evaluate(&set, on_pg, black_box(&rbac), Mode::Check).unwrap());
        });
        g.bench_function("transitive_postgres", |b| {
            b.iter(|| authz::evaluate(&set, on_pg, black_box(&bracket), Mode::Check).unwrap());
        });
    }
    g.finish();

    // What every command that decides does once per run (and the server once at start): read,
    // parse and check policies.toml against the database's real schema.
    let source = std::fs::read_to_string(repo().join("policies.toml")).unwrap();
    let mut g = c.benchmark_group("load");
    g.bench_function("parse", |b| {
        b.iter(|| authz::parse("policies.toml", black_box(&source)).unwrap());
    });
    g.bench_function("parse_and_check_schema", |b| {
        b.iter(|| {
            let set = authz::parse("policies.toml", black_box(&source)).unwrap();
            let problems = Bridge::new(&conn, &set).check_schema().unwrap();
            assert!(problems.is_empty());
            set
        });
    });
    g.finish();

    let mut g = c.benchmark_group("explain");
    g.bench_function("transitive_deny_memory", |b| {
        b.iter(|| authz::evaluate(&set, &mem, black_box(&bracket_deny), Mode::Explain).unwrap());
    });
    g.bench_function("transitive_deny_sqlite", |b| {
        b.iter(|| authz::evaluate(&set, &sql, black_box(&bracket_deny), Mode::Explain).unwrap());
    });
    if let Some(on_pg) = &on_pg {
        g.bench_function("transitive_deny_postgres", |b| {
            b.iter(|| {
                authz::evaluate(&set, on_pg, black_box(&bracket_deny), Mode::Explain).unwrap()
            });
        });
    }
    g.finish();
}

/// A synthetic league of `players` players (`db seed --scale`), generated once into cargo's
/// scratch directory for benches: `CARGO_TARGET_TMPDIR` is under the target directory in use
/// (`CARGO_TARGET_DIR` included), so the file is found again by the next run.
fn league(players: u64, name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    if !path.exists() {
        eprintln!(
            "generating {} ({players} players and games)…",
            path.display()
        );
        let tmp = path.with_extension("tmp");
        let _ = std::fs::remove_file(&tmp);
        let mut conn = db::open_or_init(&tmp).unwrap();
        db::scale::generate(&mut conn, players, 1, &mut |_| {}).unwrap();
        drop(conn);
        std::fs::rename(&tmp, &path).unwrap();
    }
    path
}

fn league_1m() -> PathBuf {
    league(1_000_000, "bench-league-1m.db")
}

/// The shipped policies with the bracket rule narrowed to the games a player's team won (the
/// `feeders*` branch removed): the edit `authz diff` is measured on.
fn narrowed() -> PolicySet {
    let source = std::fs::read_to_string(repo().join("policies.toml")).unwrap();
    let from = r#"condition = { _or = [
  { winner_id = { _eq = "$subject.team_id" } },
  { "feeders*" = { winner_id = { _eq = "$subject.team_id" } } },
] }"#;
    assert!(source.contains(from));
    let text = source.replacen(
        from,
        r#"condition = { winner_id = { _eq = "$subject.team_id" } }"#,
        1,
    );
    authz::parse("narrowed.toml", &text).unwrap()
}

/// `authz diff` of `old` and `new` (for `user`, or everyone): the changes counted, not kept.
fn diff(
    conn: &Connection,
    old: &PolicySet,
    new: &PolicySet,
    user: Option<&str>,
) -> access::diff::Summary {
    let mut changes = 0u64;
    let (old, new) = (Bridge::new(conn, old), Bridge::new(conn, new));
    let summary = access::diff::diff(&old, &new, user, &mut |c| {
        black_box(c);
        changes += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(changes, summary.changes());
    summary
}

fn bench_1m(c: &mut Criterion) {
    let set = policies();
    let conn = db::open(&league_1m()).unwrap();
    let sql = SqlEntities::new(&conn, &set);
    // A final (no child) and a player whose team lost it: the deny path walks the whole bracket.
    let (final_id, team): (i64, i64) = conn
        .query_row(
            "SELECT id, loser_id FROM games WHERE child_id IS NULL ORDER BY id LIMIT 1 OFFSET 1000",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let player: i64 = conn
        .query_row(
            "SELECT id FROM players WHERE team_id = ?1 AND position <> 'Captain' LIMIT 1",
            [team],
            |r| r.get(0),
        )
        .unwrap();
    let bridge = Bridge::new(&conn, &set);
    let who = bridge.resolve_subject(&format!("player:{player}")).unwrap();
    let bracket = request(&set, &sql, who.clone(), "read", &format!("game:{final_id}"));
    let allowed = bridge.allowed_ids(&who, "read", "game").unwrap();
    eprintln!(
        "1M league: player {player} (team {team}) on final {final_id}: may read {} games",
        allowed.len()
    );

    let mut g = c.benchmark_group("scale_1m");
    g.bench_function("transitive_check_sqlite", |b| {
        b.iter(|| authz::evaluate(&set, &sql, black_box(&bracket), Mode::Check).unwrap());
    });
    g.bench_function("transitive_explain_sqlite", |b| {
        b.iter(|| authz::evaluate(&set, &sql, black_box(&bracket), Mode::Explain).unwrap());
    });
    g.sample_size(10);
    g.bench_function("reverse_lookup_games", |b| {
        b.iter(|| bridge.allowed_ids(black_box(&who), "read", "game").unwrap());
    });
    let final_ref = format!("game:{final_id}");
    let allowed = bridge
        .who_can("read", &final_ref, None, false, &authz::Context::new())
        .unwrap();
    eprintln!(
        "1M league: {} subjects may read final {final_id}",
        allowed.subjects.len()
    );
    g.bench_function("who_can_read_a_final", |b| {
        b.iter(|| {
            bridge
                .who_can(
                    "read",
                    black_box(&final_ref),
                    None,
                    false,
                    &authz::Context::new(),
                )
                .unwrap()
        });
    });
    let new = narrowed();
    let user = format!("player:{player}");
    let summary = diff(&conn, &set, &new, Some(&user));
    eprintln!(
        "1M league: diff of player {player}: {} changes",
        summary.changes()
    );
    g.bench_function("diff_one_subject", |b| {
        b.iter(|| diff(&conn, &set, &new, Some(black_box(&user))));
    });
    g.finish();
}

fn bench_10k(c: &mut Criterion) {
    let set = policies();
    let new = narrowed();
    let conn = db::open(&league(10_000, "bench-league-10k.db")).unwrap();
    let summary = diff(&conn, &set, &new, None);
    eprintln!(
        "10k league: diff of every subject: {} subjects, {} changes for {} of them",
        summary.subjects,
        summary.changes(),
        summary.subjects_changed
    );
    let mut g = c.benchmark_group("scale_10k");
    g.sample_size(10);
    g.bench_function("diff_all_subjects", |b| {
        b.iter(|| diff(&conn, &set, black_box(&new), None));
    });
    g.finish();
}

criterion_group!(benches, bench_demo, bench_1m, bench_10k);
criterion_main!(benches);
