//! The one integration test binary: drives the built `quidditch` on temporary files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::missing_panics_doc,
    unreachable_pub,
    reason = "tests fail loudly, with the value that surprised them"
)]

#[allow(
    dead_code,
    reason = "a shared toolbox: not every test module uses every helper"
)]
mod harness;
// A throwaway PostgreSQL cluster per test run, a fresh database per test.
#[allow(
    dead_code,
    reason = "a shared toolbox: not every test module uses every helper"
)]
mod pg;

// `db init|seed|status|reset`, seeding semantics and validation errors.
mod db;
// `completions`, `--help`, exit codes and the CLI definition itself.
mod cli;
// `authz explain|check|test|lint` with the shipped policies.toml.
mod authz;
// The scenario fixtures `tests/fixtures/{rbac,abac,rebac}/` under `authz test` and `check`.
mod scenarios;
// `authz explain --query`: a whole GraphQL operation explained statically.
mod explain_query;
// `authz explain --json-schema` against real outputs.
mod json_schema;
// `query …`: tutorial queries in-process and over HTTP, relay ids and paging, batching.
mod query;
// The GraphQL spec where async-graphql departs from it: empty objects, validation, key order,
// top-level paging, messages (issue 19).
mod conformance;
// `serve`: HTTP answers and status codes, GraphiQL, body limit, logging, shutdown.
mod serve;
// GraphQL over HTTP: GET, media types, parameter types, and the graphql-http audit.
mod audit;
mod over_http;
// `schema print|pull`: committed SDL and structural equality with the tutorial's schema.
mod schema;
// Problems in big or non-UTF-8 seed and policy files, located in linear time.
mod diagnostics;
// Content type, credential headers, token times, and permissions fresh after a commit.
mod credentials;
// Slow and greedy clients: timeouts, the connection cap, accepting while a request runs.
mod slow_clients;
// The built-in seeder.toml and policies.toml, from a directory without them.
mod defaults;
// The README's console blocks, run as written.
mod readme;
// Enforcement: the server agrees with `authz check`; tokens, impersonation, limits.
mod enforce;
// Fail closed, explain truthfully: policies checked against the database, cycles, deciding
// policies, field-level denies, lint soundness.
mod trust;
// The questions admins ask: `authz who-can` (equal to brute-force `authz check`) and
// `authz test --coverage`.
mod questions;
// `authz diff`: equal to brute-force `authz check` with both files; harmless edits show nothing.
mod diff;
// Query cost before work: hostile documents refused at once, every `[settings]` limit.
mod limits;
// Tokens from an identity provider: a JWKS by `kid`, refreshed; `[identity]` subject mapping.
mod jwks;
// The decision log: withheld rows and fields with their policies, rotation, `authz log`.
mod decision_log;
// Request context in policies: `$context.*` from serve, `--context` and `[[test]] context`.
mod context;
// What-if (`--assume`): equal to the real change on a copy, and nothing written.
mod whatif;

// `authz export` to OpenFGA and SpiceDB, decisions proven equal in the real engines.
mod export;

// PostgreSQL as the database: `db init|seed|status|reset` equal to SQLite's, and every other
// command refusing a PostgreSQL URL in one line.
mod postgres;
