//! `cargo bench --bench whatif`: what `--assume` adds to a check, in-process on the tutorial
//! league from SQLite, in the same run (issue 12: at most 20%); with `BENCH_PG=1` the same three
//! from PostgreSQL too (`*_postgres`).
//!
//! - `whatif/check`: `authz check` as the command runs it after loading the policies: resolve the
//!   user and the resource, evaluate;
//! - `whatif/check_assume_1`: the same request with one assumption on a row the decision reads
//!   (`game:6.winner_id=3`, game 6's real winner: same decision, same path): parse it, check it
//!   against the database, decide through the overlay;
//! - `whatif/check_assume_3`: with three, one of each kind (set, add, remove).

#![allow(
    clippy::unwrap_used,
    clippy::missing_panics_doc,
    reason = "a benchmark fails loudly on a broken setup"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

mod common;
use common::{demo_db, policies};
use quidditch::access::{Bridge, assume::Overlay};
use quidditch::authz::{self, Decision, Mode, PolicySet};
use quidditch::db::Db;

fn decide<'a>(conn: impl Into<Db<'a>>, set: &'a PolicySet, assume: &[&str]) -> Decision {
    let bridge = Bridge::new(conn, set);
    let mut overlay = Overlay::new(&bridge);
    for text in assume {
        let a = authz::assume::parse_assumption(set, text).unwrap();
        overlay.assume(&a).unwrap();
    }
    bridge
        .decide(
            &overlay,
            ("Cho Chang", "read", "game:8", None),
            Mode::Check,
            &authz::Context::new(),
        )
        .unwrap()
        .decision
}

fn bench_whatif(c: &mut Criterion) {
    let set = policies();
    let (_dir, _, conn) = demo_db();
    let one = ["game:6.winner_id=3"];
    let three = [
        "game:6.winner_id=3",
        r#"game:10 {level="Final", winner_id=1, loser_id=2}"#,
        "-game:3",
    ];
    assert_eq!(decide(&conn, &set, &[]), Decision::Allow);
    assert_eq!(decide(&conn, &set, &one), Decision::Allow);
    assert_eq!(decide(&conn, &set, &three), Decision::Allow);

    // BENCH_PG=1: the same three on the league in PostgreSQL (`*_postgres`).
    let pg = common::demo_pg().map(|url| quidditch::db::pg::open(&url).unwrap());
    let mut on: Vec<(&str, Db<'_>)> = vec![("", Db::from(&conn))];
    on.extend(pg.as_ref().map(|pg| ("_postgres", Db::from(pg))));
    let mut g = c.benchmark_group("whatif");
    for (suffix, db) in on {
        g.bench_function(format!("check{suffix}"), |b| {
            b.iter(|| {
                let bridge = Bridge::new(db, &set);
                bridge
                    .decide(
                        bridge.entities(),
                        ("Cho Chang", "read", black_box("game:8"), None),
                        Mode::Check,
                        &authz::Context::new(),
                    )
                    .unwrap()
            });
        });
        g.bench_function(format!("check_assume_1{suffix}"), |b| {
            b.iter(|| decide(db, &set, black_box(&one)));
        });
        g.bench_function(format!("check_assume_3{suffix}"), |b| {
            b.iter(|| decide(db, &set, black_box(&three)));
        });
    }
    g.finish();
}

criterion_group!(benches, bench_whatif);
criterion_main!(benches);
