//! `cargo bench --bench validation`: what validating a document costs, in the library's reduced
//! ("fast") mode, in its strict mode, and in full (strict plus the rules and checks of
//! `graphql::conform`), on the tutorial's example queries.
//!
//! Each request names an operation the document does not have, so async-graphql parses
//! nothing (the parsed document is given), validates, and stops at the unknown name before any
//! resolver runs: the figures are validation alone. The server validates in full each document
//! it has not seen pass (and each that declares variables); a document without variables that
//! passed once is remembered by its text and runs in fast mode (`graphql::documents`).

#![allow(
    clippy::unwrap_used,
    clippy::missing_panics_doc,
    reason = "a benchmark fails loudly on a broken setup"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

#[allow(
    dead_code,
    reason = "shared with the other benchmarks, which use all of it"
)]
mod common;
use common::demo_db;
use quidditch::db::store::Store;
use quidditch::graphql::{QuidditchSchema, build, build_for_valid, conform, type_model};

/// The tutorial's seven example queries, one document.
const TUTORIAL: &str = include_str!("../tests/fixtures/tutorial-queries.graphql");

fn validate(
    runtime: &tokio::runtime::Runtime,
    schema: &QuidditchSchema,
    doc: &async_graphql::parser::types::ExecutableDocument,
    full: bool,
) -> async_graphql::Response {
    let mut request = async_graphql::Request::new(TUTORIAL).operation_name("NotInTheDocument");
    request.set_parsed_query(doc.clone());
    if full {
        let checked = conform::check(type_model(), doc, None, &request.variables);
        request = request.data(checked);
    }
    let response = runtime.block_on(schema.execute(request));
    debug_assert!(response.errors[0].message.starts_with("Unknown operation"));
    response
}

fn validation(c: &mut Criterion) {
    let (_dir, path, _) = demo_db();
    let store = Store::open(&path).unwrap();
    let strict = build(store.clone());
    let fast = build_for_valid(store);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let doc = async_graphql::parser::parse_query(TUTORIAL).unwrap();
    // The full schema validates with the library's strict rules and `conform`'s extension; a
    // request without `conform::check`'s data runs the strict rules alone.
    let mut group = c.benchmark_group("validation/tutorial");
    group.bench_function("fast", |b| {
        b.iter(|| validate(&runtime, &fast, black_box(&doc), false));
    });
    group.bench_function("strict", |b| {
        b.iter(|| validate(&runtime, &strict, black_box(&doc), false));
    });
    group.bench_function("full", |b| {
        b.iter(|| validate(&runtime, &strict, black_box(&doc), true));
    });
    group.finish();
}

criterion_group!(benches, validation);
criterion_main!(benches);
