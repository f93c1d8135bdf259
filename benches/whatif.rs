//! `cargo bench --bench whatif`: what `--assume` adds to a check, in-process on the tutorial
//! league from SQLite, in the same run (issue 12: at most 20%).
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
use rusqlite::Connection;

fn decide(conn: &Connection, set: &PolicySet, assume: &[&str]) -> Decision {
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

    let mut g = c.benchmark_group("whatif");
    g.bench_function("check", |b| {
        b.iter(|| {
            let bridge = Bridge::new(&conn, &set);
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
    g.bench_function("check_assume_1", |b| {
        b.iter(|| decide(&conn, &set, black_box(&one)));
    });
    g.bench_function("check_assume_3", |b| {
        b.iter(|| decide(&conn, &set, black_box(&three)));
    });
    g.finish();
}

criterion_group!(benches, bench_whatif);
criterion_main!(benches);
