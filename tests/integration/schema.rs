//! `quidditch schema print|pull`: the embedded SDL matches the committed `schema.graphql` and,
//! structurally, the tutorial's published schema.

use std::collections::BTreeMap;

use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

use crate::harness::{Env, Server, fixture, repo};

/// The tutorial's schema, as CI finds it beside the repository (`../shared/reference`).
const REFERENCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/reference/tutorial-schema.graphql"
);

/// A type's shape: kind, interfaces, and per field its type and arguments (name → type).
#[derive(Debug, PartialEq)]
struct Shape {
    kind: &'static str,
    interfaces: Vec<String>,
    fields: BTreeMap<String, (String, BTreeMap<String, String>)>,
}

fn shapes(sdl: &str) -> BTreeMap<String, Shape> {
    let doc = async_graphql::parser::parse_schema(sdl).expect("valid SDL");
    let mut out = BTreeMap::new();
    for def in doc.definitions {
        let TypeSystemDefinition::Type(ty) = def else {
            continue;
        };
        let ty = ty.node;
        let (kind, interfaces, fields) = match ty.kind {
            TypeKind::Object(o) => ("type", o.implements, o.fields),
            TypeKind::Interface(i) => ("interface", i.implements, i.fields),
            TypeKind::Scalar => ("scalar", Vec::new(), Vec::new()),
            other => panic!("unexpected kind {other:?}"),
        };
        let mut interfaces: Vec<String> = interfaces.iter().map(|i| i.node.to_string()).collect();
        interfaces.sort();
        let fields = fields
            .into_iter()
            .map(|f| {
                let f = f.node;
                let args = f
                    .arguments
                    .into_iter()
                    .map(|a| (a.node.name.node.to_string(), a.node.ty.node.to_string()))
                    .collect();
                (f.name.node.to_string(), (f.ty.node.to_string(), args))
            })
            .collect();
        out.insert(
            ty.name.node.to_string(),
            Shape {
                kind,
                interfaces,
                fields,
            },
        );
    }
    out
}

/// The one deliberate difference from the tutorial's schema: a field that a policy can withhold
/// is nullable, so a withheld `year` does not null its whole player.
const NULLABLE_BY_POLICY: &[(&str, &str)] = &[("PlayerObject", "year")];

/// Every type, field and argument of `reference` is in `ours` with the same type and
/// nullability (but for [`NULLABLE_BY_POLICY`], which must be exactly the reference's type made
/// nullable); `ours` may add fields, types and nullable arguments, nothing else.
fn assert_tutorial_superset(reference: &str, ours: &str) {
    assert_superset_except(reference, ours, NULLABLE_BY_POLICY);
}

/// Like [`assert_tutorial_superset`] with no exception: the same types exactly.
fn assert_superset(reference: &str, ours: &str) {
    assert_superset_except(reference, ours, &[]);
}

fn assert_superset_except(reference: &str, ours: &str, nullable: &[(&str, &str)]) {
    let reference = shapes(reference);
    let ours = shapes(ours);
    for (name, want) in &reference {
        let got = ours
            .get(name)
            .unwrap_or_else(|| panic!("type `{name}` is missing"));
        assert_eq!(got.kind, want.kind, "kind of `{name}`");
        assert_eq!(got.interfaces, want.interfaces, "interfaces of `{name}`");
        for (field, (ty, args)) in &want.fields {
            let (got_ty, got_args) = got
                .fields
                .get(field)
                .unwrap_or_else(|| panic!("field `{name}.{field}` is missing"));
            if nullable.contains(&(name.as_str(), field.as_str())) {
                assert_eq!(
                    Some(got_ty.as_str()),
                    ty.strip_suffix('!'),
                    "`{name}.{field}` must be the tutorial's type made nullable"
                );
            } else {
                assert_eq!(got_ty, ty, "type of `{name}.{field}`");
            }
            for (arg, arg_ty) in args {
                assert_eq!(
                    got_args.get(arg),
                    Some(arg_ty),
                    "argument `{name}.{field}({arg})`"
                );
            }
            for (arg, arg_ty) in got_args {
                assert!(
                    args.contains_key(arg) || !arg_ty.ends_with('!'),
                    "extra required argument `{name}.{field}({arg}: {arg_ty})`"
                );
            }
        }
    }
}

fn embedded_sdl() -> String {
    Env::new().run(["schema", "print"]).success().stdout()
}

#[test]
fn the_committed_schema_is_the_embedded_one() {
    let committed = std::fs::read_to_string(repo().join("schema.graphql")).unwrap();
    assert!(
        embedded_sdl() == committed,
        "schema.graphql is stale: run `quidditch schema print > schema.graphql` and commit"
    );
}

#[test]
fn the_embedded_schema_matches_the_tutorials_structurally() {
    let reference = std::fs::read_to_string(fixture("tutorial-schema.graphql")).unwrap();
    assert_tutorial_superset(&reference, &embedded_sdl());
}

/// The fixture is a copy of the shared reference, which CI lays beside the repository: they
/// agree. A missing reference fails the test (it never passes having compared nothing).
#[test]
fn the_fixture_is_a_faithful_copy_of_the_reference() {
    let reference = std::fs::read_to_string(REFERENCE).unwrap_or_else(|err| {
        panic!("the tutorial's reference schema `{REFERENCE}` cannot be read ({err}): the tests expect `../shared/reference/` beside the repository")
    });
    let copy = std::fs::read_to_string(fixture("tutorial-schema.graphql")).unwrap();
    assert_eq!(
        copy, reference,
        "update tests/fixtures/tutorial-schema.graphql"
    );
}

/// The comparison itself catches a changed nullability and a missing field.
#[test]
fn the_structural_comparison_notices_differences() {
    let reference = std::fs::read_to_string(fixture("tutorial-schema.graphql")).unwrap();
    for broken in [
        reference.replace("year: Int!", "year: Int"),
        reference.replace("  rank: Int!\n", ""),
        reference.replace("getGame(id: Int)", "getGame(id: Int!)"),
    ] {
        assert_ne!(broken, reference);
        let result = std::panic::catch_unwind(|| assert_superset(&reference, &broken));
        assert!(result.is_err(), "a difference went unnoticed");
    }
    // The one allowed difference is allowed, and nothing else with it.
    let year = reference.replace("year: Int!", "year: Int");
    assert_tutorial_superset(&reference, &year);
    let more = year.replace("position: String!", "position: String");
    let result = std::panic::catch_unwind(|| assert_tutorial_superset(&reference, &more));
    assert!(result.is_err(), "a second nullable field went unnoticed");
}

#[test]
fn pull_reads_a_servers_schema_by_introspection() {
    let env = Env::seeded();
    let server = Server::start(&env, &[]);
    let pulled = env
        .run(["schema", "pull", "--endpoint", &server.url()])
        .success()
        .stdout();
    let embedded = embedded_sdl();
    assert_superset(&embedded, &pulled);
    assert_superset(&pulled, &embedded);
    // Not only the same shapes: the same text, descriptions and directives included, so two
    // servers can be compared with `diff`. See: issue 14, item 7.
    assert_eq!(pulled, embedded);
    assert!(!embedded.contains("directive @include"), "{embedded}");
}

#[test]
fn a_closed_pipe_ends_schema_print_quietly() {
    let mut child = std::process::Command::new(crate::harness::bin())
        .args(["schema", "print"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `schema` prints SDL only: `--format json` is refused, not ignored. See: issue 14, item 7.
#[test]
fn schema_refuses_format_json() {
    let env = crate::harness::Env::new();
    env.run(["--format", "json", "schema", "print"])
        .status(1)
        .stderr_has("`schema` prints SDL only: drop `--format json`");
}
