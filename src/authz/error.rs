//! Errors of the authorization engine, cedar style: lowercase, one line, user input in
//! backticks, hints (`did you mean …?`) computed where possible.

use std::fmt;

use crate::diag::LineIndex;

/// One problem in a policy file, at a byte offset of its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: usize,
    pub message: String,
}

/// A problem rendered as `origin:LINE:COL: message`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Located {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl Problem {
    /// The problem at its line and column in the file `index` was built from.
    pub fn locate(&self, origin: &str, index: &LineIndex<'_>) -> Located {
        let (line, column) = index.line_col(self.at);
        Located {
            file: origin.to_string(),
            line,
            column,
            message: self.message.clone(),
        }
    }
}

/// A policy file that cannot be used: every problem found, in file order.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", .problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct PolicyError {
    pub problems: Vec<Located>,
}

/// The entity source failed (a database error, say).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("entity source: {message}")]
pub struct EntityError {
    pub message: String,
}

/// A request the engine cannot evaluate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("unknown action `{action}`{}", hint(.suggestion.as_deref()))]
    UnknownAction {
        action: String,
        suggestion: Option<String>,
    },
    #[error("unknown resource type `{ty}`{}", hint(.suggestion.as_deref()))]
    UnknownType {
        ty: String,
        suggestion: Option<String>,
    },
    #[error("malformed resource `{reference}`: expected `TYPE:ID`, such as `game:8`")]
    MalformedResource { reference: String },
    #[error("resource `{reference}` does not exist{}", hint(.suggestion.as_deref()))]
    UnknownResource {
        reference: String,
        suggestion: Option<String>,
    },
    #[error("type `{ty}` has no field `{field}`{}", hint(.suggestion.as_deref()))]
    UnknownField {
        ty: String,
        field: String,
        suggestion: Option<String>,
    },
    #[error(transparent)]
    Entity(#[from] EntityError),
    /// A policy that targets the request could not be evaluated: the request fails closed.
    #[error("policy `{policy}` could not be evaluated: {message}")]
    Policy { policy: String, message: String },
    /// A binding's `when` could not be evaluated: the subject's roles are unknown.
    #[error("binding #{binding} could not be evaluated: {message}")]
    Binding { binding: usize, message: String },
}

/// `: did you mean `x`?` or nothing.
pub(crate) fn hint(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!(": did you mean `{s}`?"))
}

/// The closest known word to `word`, when it is close enough to be a likely typo.
pub fn closest<'a, I>(word: &str, known: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    known
        .into_iter()
        .map(|k| (distance(word, k), k))
        .filter(|(d, k)| *d <= (k.chars().count() / 3).max(1) && *d < word.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.to_string())
}

/// Levenshtein distance over characters, case-insensitive (strsim is not a dependency of the
/// engine).
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let best = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            cur[j + 1] = best;
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_suggests_typos_only() {
        assert_eq!(
            closest("palyer", ["player", "team"]).as_deref(),
            Some("player")
        );
        assert_eq!(closest("xyz", ["player", "team"]), None);
    }
}
