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

/// At most this many valid values are listed when no known word is close to the input.
const LISTED: usize = 16;

/// What an error about an unknown name adds: the likely typo's correction, or, when nothing is
/// close, the valid values (a short list only), or nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Suggestion {
    #[default]
    None,
    Closest(String),
    OneOf(Vec<String>),
}

impl Suggestion {
    /// The closest known word, else the known words (sorted) when there are few of them.
    pub fn for_word<'a, I>(word: &str, known: I) -> Self
    where
        I: IntoIterator<Item = &'a str>,
    {
        let known: Vec<&str> = known.into_iter().collect();
        if let Some(close) = closest(word, known.iter().copied()) {
            return Self::Closest(close);
        }
        if known.is_empty() || known.len() > LISTED {
            return Self::None;
        }
        let mut all: Vec<String> = known.into_iter().map(str::to_string).collect();
        all.sort();
        all.dedup();
        Self::OneOf(all)
    }
}

impl fmt::Display for Suggestion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => Ok(()),
            Self::Closest(s) => write!(f, ": did you mean `{s}`?"),
            Self::OneOf(all) => {
                f.write_str(": expected ")?;
                if let [one] = all.as_slice() {
                    return write!(f, "`{one}`");
                }
                f.write_str("one of ")?;
                for (i, s) in all.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "`{s}`")?;
                }
                Ok(())
            }
        }
    }
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

/// Edit distance over characters, case-insensitive, counting a swap of two neighbours as one
/// edit (optimal string alignment: `raed` is one edit from `read`). strsim is not a dependency
/// of the engine.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        d[i * width] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j - 1] + cost)
                .min(d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
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
        assert_eq!(closest("raed", ["read", "join"]).as_deref(), Some("read"));
    }

    #[test]
    fn suggestion_lists_the_valid_values_when_nothing_is_close() {
        let s = Suggestion::for_word("zzz", ["read", "join"]);
        assert_eq!(s.to_string(), ": expected one of `join`, `read`");
        assert_eq!(
            Suggestion::for_word("raed", ["read", "join"]).to_string(),
            ": did you mean `read`?"
        );
        assert_eq!(
            Suggestion::for_word("x", ["read"]).to_string(),
            ": expected `read`"
        );
        let many: Vec<String> = (0..40).map(|i| format!("w{i}")).collect();
        assert_eq!(
            Suggestion::for_word("zzzzz", many.iter().map(String::as_str)),
            Suggestion::None
        );
    }
}
