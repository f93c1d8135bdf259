//! Errors of the authorization engine, cedar style: lowercase, one line, user input in
//! backticks, hints (`did you mean …?`) computed where possible.

use std::fmt;

pub use crate::diag::{Suggestion, closest, distance};

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

impl PolicyError {
    /// `problems` of the file `origin` whose text is `text`, each at its line and column.
    pub fn located(origin: &str, text: &str, problems: &[Problem]) -> Self {
        let index = LineIndex::new(text);
        PolicyError {
            problems: problems.iter().map(|p| p.locate(origin, &index)).collect(),
        }
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
    #[error("unknown action `{action}`{suggestion}")]
    UnknownAction {
        action: String,
        suggestion: Suggestion,
    },
    #[error("unknown resource type `{ty}`{suggestion}")]
    UnknownType { ty: String, suggestion: Suggestion },
    #[error("malformed resource `{reference}`: expected `TYPE:ID`, such as `game:8`")]
    MalformedResource { reference: String },
    #[error("resource `{reference}` does not exist{}", hint(.suggestion.as_deref()))]
    UnknownResource {
        reference: String,
        suggestion: Option<String>,
    },
    #[error("type `{ty}` has no field `{field}`{suggestion}")]
    UnknownField {
        ty: String,
        field: String,
        suggestion: Suggestion,
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
