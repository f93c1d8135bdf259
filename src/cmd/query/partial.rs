//! Partial answers. A GraphQL response with both `data` and `errors` is a partial success: a
//! policy withheld some fields (each `null` with a `FORBIDDEN` error at its path) and the rest is
//! the answer. The rows are shown, then one warning per distinct message on stderr; only a
//! response without usable data is an error.

use std::collections::HashSet;
use std::fmt::Write as _;

use anyhow::bail;
use graphql_client::{Error, PathFragment};

use crate::client::{describe_errors, error_path};

/// The errors that came with a typed answer.
pub(super) struct Partial {
    errors: Vec<Error>,
    /// Every error's path, joined with `.` (`allPlayers.edges.1.node.year`).
    withheld: HashSet<String>,
}

impl Partial {
    pub(super) fn new(errors: Vec<Error>) -> Self {
        let withheld = errors.iter().filter_map(error_path).collect();
        Partial { errors, withheld }
    }

    /// Whether the field at `path` (joined with `.`) came back as an error.
    pub(super) fn withheld(&self, path: &str) -> bool {
        self.withheld.contains(path)
    }

    /// `value` when the answer has it; otherwise the errors that took it away, or `missing`.
    pub(super) fn require<'a, T>(
        &self,
        value: Option<&'a T>,
        missing: impl FnOnce() -> String,
    ) -> anyhow::Result<&'a T> {
        match value {
            Some(value) => Ok(value),
            None if !self.errors.is_empty() => bail!("{}", describe_errors(&self.errors)),
            None => bail!("{}", missing()),
        }
    }

    /// One line per distinct message and field: `year withheld on 9 rows
    /// (allPlayers.edges.1.node.year): You are not authorized to see this.`
    pub(super) fn warnings(&self) -> Vec<String> {
        let mut groups: Vec<Group<'_>> = Vec::new();
        for error in &self.errors {
            let field = field_name(error);
            let forbidden = is_forbidden(error);
            match groups.iter_mut().find(|g| {
                g.field == field && g.message == error.message && g.forbidden == forbidden
            }) {
                Some(group) => group.count += 1,
                None => groups.push(Group {
                    field,
                    message: &error.message,
                    forbidden,
                    count: 1,
                    first_path: error_path(error),
                }),
            }
        }
        groups.iter().map(Group::warning).collect()
    }

    /// Prints [`Partial::warnings`] on stderr.
    pub(super) fn warn(&self) {
        for line in self.warnings() {
            eprintln!("{line}");
        }
    }
}

/// Errors with the same field and message, in order of first appearance.
struct Group<'a> {
    field: Option<String>,
    message: &'a str,
    forbidden: bool,
    count: usize,
    first_path: Option<String>,
}

impl Group<'_> {
    fn warning(&self) -> String {
        let mut line = String::from("warning: ");
        match (&self.field, &self.first_path) {
            (Some(field), Some(path)) => {
                let verb = if self.forbidden { "withheld" } else { "failed" };
                let rows = if self.count == 1 { "row" } else { "rows" };
                let _ = write!(line, "{field} {verb} on {} {rows} ({path}): ", self.count);
            }
            _ if self.count > 1 => {
                let _ = write!(line, "{} times: ", self.count);
            }
            _ => {}
        }
        line.push_str(self.message);
        line
    }
}

fn is_forbidden(error: &Error) -> bool {
    error
        .extensions
        .as_ref()
        .and_then(|e| e.get("code"))
        .and_then(serde_json::Value::as_str)
        == Some("FORBIDDEN")
}

/// The field an error is about: the last name in its path.
fn field_name(error: &Error) -> Option<String> {
    error.path.as_ref()?.iter().rev().find_map(|f| match f {
        PathFragment::Key(key) => Some(key.clone()),
        PathFragment::Index(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(message: &str, path: &str, code: Option<&str>) -> Error {
        let value = serde_json::json!({
            "message": message,
            "path": path.split('.').filter(|p| !p.is_empty()).map(|p| p.parse::<i64>().map_or_else(|_| serde_json::json!(p), |i| serde_json::json!(i))).collect::<Vec<_>>(),
            "extensions": code.map(|c| serde_json::json!({ "code": c })),
        });
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn one_warning_per_distinct_message_and_field() {
        let denied = "You are not authorized to see this.";
        let partial = Partial::new(vec![
            error(denied, "allPlayers.edges.1.node.year", Some("FORBIDDEN")),
            error(denied, "allPlayers.edges.2.node.year", Some("FORBIDDEN")),
            error(
                denied,
                "allPlayers.edges.2.node.teamName",
                Some("FORBIDDEN"),
            ),
            error("database is locked", "allPlayers.edges.3.node.year", None),
        ]);
        assert_eq!(
            partial.warnings(),
            [
                "warning: year withheld on 2 rows (allPlayers.edges.1.node.year): You are not authorized to see this.",
                "warning: teamName withheld on 1 row (allPlayers.edges.2.node.teamName): You are not authorized to see this.",
                "warning: year failed on 1 row (allPlayers.edges.3.node.year): database is locked",
            ]
        );
        assert!(partial.withheld("allPlayers.edges.2.node.teamName"));
        assert!(!partial.withheld("allPlayers.edges.0.node.year"));
    }

    #[test]
    fn missing_data_is_an_error_naming_the_errors() {
        let partial = Partial::new(vec![error("no", "getGame", Some("FORBIDDEN"))]);
        let err = partial
            .require::<u8>(None, || "no game".into())
            .unwrap_err();
        assert_eq!(err.to_string(), "graphql: getGame: no");
        // A non-null field's error nulls its parent: the path says which field it was.
        let partial = Partial::new(vec![
            error("withheld", "getGame.winnerId", Some("FORBIDDEN")),
            error("withheld", "getGame.loserId", Some("FORBIDDEN")),
        ]);
        let err = partial
            .require::<u8>(None, || "no game".into())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "graphql: getGame.winnerId: withheld\ngraphql: getGame.loserId: withheld"
        );
        let empty = Partial::new(Vec::new());
        let err = empty.require::<u8>(None, || "no game".into()).unwrap_err();
        assert_eq!(err.to_string(), "no game");
    }
}
