//! `cargo bench --bench api`: the GraphQL API executed in-process, without HTTP.
//!
//! What one request costs the server apart from the network: parsing (or the remembered
//! document), validation, the SQL reads and serializing the answer. `bench/serve.sh` measures
//! the same queries over HTTP under load; this isolates the part the code controls.
//!
//! - `get_game/admin`: the tutorial's `getGame(id: 8) { … child { … } }` as the admin;
//! - `get_game/player`: the same as a player whose row filters and field rules apply;
//! - `all_players/admin`: `allPlayers` with each player's team (two batched reads);
//! - with `BENCH_PG=1`, each again on the league in PostgreSQL (`*_postgres`: the integration
//!   tests' throwaway cluster over a unix socket, through the server's pool).

#![allow(
    clippy::unwrap_used,
    clippy::missing_panics_doc,
    reason = "a benchmark fails loudly on a broken setup"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

mod common;
use common::{demo_db, policies};
use quidditch::db::store::Store;
use quidditch::enforce;
use quidditch::graphql::{Api, Viewer};

const GET_GAME: &str =
    r#"{"query":"{ getGame(id: 8) { level winnerId loserId child { id level } } }"}"#;
const ALL_PLAYERS: &str =
    r#"{"query":"{ allPlayers { edges { node { name position teamName { name rank } } } } }"}"#;

/// The tutorial league in a fresh SQLite file, and the API over it.
fn api() -> (tempfile::TempDir, Api) {
    let (dir, path, _) = demo_db();
    (dir, Api::new(Store::open(&path).unwrap()))
}

/// Zacharias Smith's viewer (his team won game 8): filtered rows, guarded fields.
fn player(api: &Api) -> Viewer {
    let set = policies();
    api.store()
        .lend(|conn| {
            let bridge = quidditch::access::Bridge::new(conn, &set);
            let subject = bridge.resolve_subject("Zacharias Smith").unwrap();
            enforce::viewer(&bridge, &subject).unwrap()
        })
        .unwrap()
}

fn requests(c: &mut Criterion) {
    let (_dir, api) = api();
    // BENCH_PG=1: the same requests on the league in PostgreSQL (`*_postgres`), through the
    // server's own pool (one connection).
    let on_pg = common::demo_pg().map(|url| Api::new(Store::open_postgres(&url, 1, None).unwrap()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut apis = vec![("", &api)];
    apis.extend(on_pg.as_ref().map(|api| ("_postgres", api)));
    for (suffix, api) in apis {
        let player = player(api);
        let mut group = c.benchmark_group("get_game");
        group.bench_function(format!("admin{suffix}"), |b| {
            b.iter(|| {
                runtime.block_on(api.execute_json(black_box(GET_GAME.as_bytes()), Viewer::admin()))
            });
        });
        group.bench_function(format!("player{suffix}"), |b| {
            b.iter(|| {
                runtime.block_on(api.execute_json(black_box(GET_GAME.as_bytes()), player.clone()))
            });
        });
        group.finish();
        c.bench_function(&format!("all_players/admin{suffix}"), |b| {
            b.iter(|| {
                runtime
                    .block_on(api.execute_json(black_box(ALL_PLAYERS.as_bytes()), Viewer::admin()))
            });
        });
    }
}

criterion_group!(benches, requests);
criterion_main!(benches);
