//! `cargo bench --bench authz`: latency of authorization decisions, in-process.
//!
//! - `check/*`: one decision (RBAC, ABAC, the transitive bracket rule) on the tutorial league,
//!   from memory and from SQLite;
//! - `load/*`: parsing `policies.toml`, and parsing it and checking it against the database's
//!   schema (what every command and the server do once per load);
//! - `explain/*`: the same transitive decision with the full trace, to compare with a check;
//! - `scale_1m/*`: a transitive check, the reverse lookup (every game one player may read,
//!   through the SQL residual filter) and `who-can` for a final (every subject who may read it,
//!   through the subject-side SQL filter) on 1M players and 1M games in brackets of 31. The league
//!   is generated once into `target/bench-league-1m.db` (about a minute) when absent.

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
use quidditch::access::{self, SqlEntities};
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
    let harry = access::resolve_subject(&conn, &set, "Harry Potter").unwrap();
    let cho = access::resolve_subject(&conn, &set, "Cho Chang").unwrap();

    let rbac = request(&set, &mem, Subject::anonymous(), "read", "team:1");
    let abac = request(&set, &mem, harry.clone(), "join", "forum:Seeker");
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
    g.bench_function("transitive_deny_memory", |b| {
        b.iter(|| authz::evaluate(&set, &mem, black_box(&bracket_deny), Mode::Check).unwrap());
    });
    g.bench_function("rbac_sqlite", |b| {
        b.iter(|| authz::evaluate(&set, &sql, black_box(&rbac), Mode::Check).unwrap());
    });
    g.bench_function("transitive_sqlite", |b| {
        b.iter(|| authz::evaluate(&set, &sql, black_box(&bracket), Mode::Check).unwrap());
    });
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
            let problems = access::check_schema(&conn, &set).unwrap();
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
    g.finish();
}

fn league_1m() -> PathBuf {
    let path = repo().join("target").join("bench-league-1m.db");
    if !path.exists() {
        eprintln!("generating {} (1M players, 1M games)…", path.display());
        let tmp = path.with_extension("tmp");
        let _ = std::fs::remove_file(&tmp);
        let mut conn = db::open_or_init(&tmp).unwrap();
        db::scale::generate(&mut conn, 1_000_000, 1, &mut |_| {}).unwrap();
        drop(conn);
        std::fs::rename(&tmp, &path).unwrap();
    }
    path
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
    let who = access::resolve_subject(&conn, &set, &format!("player:{player}")).unwrap();
    let bracket = request(&set, &sql, who.clone(), "read", &format!("game:{final_id}"));
    let allowed = access::allowed_ids(&conn, &set, &who, "read", "game").unwrap();
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
        b.iter(|| access::allowed_ids(&conn, &set, black_box(&who), "read", "game").unwrap());
    });
    let final_ref = format!("game:{final_id}");
    let allowed = access::who_can(&conn, &set, "read", &final_ref, None, false).unwrap();
    eprintln!(
        "1M league: {} subjects may read final {final_id}",
        allowed.subjects.len()
    );
    g.bench_function("who_can_read_a_final", |b| {
        b.iter(|| {
            access::who_can(&conn, &set, "read", black_box(&final_ref), None, false).unwrap()
        });
    });
    g.finish();
}

criterion_group!(benches, bench_demo, bench_1m);
criterion_main!(benches);
