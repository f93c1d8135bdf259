//! The shipped `seeder.toml` (the tutorial's data) and `policies.toml`, embedded in the binary, so
//! that `db seed` and every command that reads policies work from any directory.
//!
//! A file named explicitly (a flag or its environment variable) must exist. With none named,
//! `./NAME` is read when it exists; otherwise the built-in copy is used and one note says so on
//! stderr. `quidditch db seed --print-default` and `quidditch authz init` write the copies out.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;

/// The shipped `seeder.toml`.
pub const SEEDER: &str = include_str!("../../seeder.toml");

/// The shipped `policies.toml`.
pub const POLICIES: &str = include_str!("../../policies.toml");

/// One of the embedded defaults.
pub struct Shipped {
    /// The file name looked for in the current directory.
    pub file: &'static str,
    /// The built-in text.
    pub text: &'static str,
    /// What the file is, in messages: `seed file`, `policy file`.
    pub what: &'static str,
    /// How a user names another file, in messages.
    pub named_by: &'static str,
    /// What the built-in copy holds, in the note.
    pub holds: &'static str,
    /// Whether the note was printed already: once per process.
    noted: &'static AtomicBool,
}

static SEEDER_NOTED: AtomicBool = AtomicBool::new(false);
static POLICIES_NOTED: AtomicBool = AtomicBool::new(false);

/// `seeder.toml`, named by `--file`.
pub static SEED_FILE: Shipped = Shipped {
    file: "seeder.toml",
    text: SEEDER,
    what: "seed file",
    named_by: "--file",
    holds: "the tutorial's data",
    noted: &SEEDER_NOTED,
};

/// `policies.toml`, named by `--policies` or `QUIDDITCH_POLICIES`.
pub static POLICY_FILE: Shipped = Shipped {
    file: "policies.toml",
    text: POLICIES,
    what: "policy file",
    named_by: "--policies or QUIDDITCH_POLICIES",
    holds: "the shipped policies",
    noted: &POLICIES_NOTED,
};

/// An input file's text and the name its messages use.
pub struct Source {
    /// The path as given, `./NAME`'s `NAME`, or `NAME` for the built-in copy.
    pub origin: PathBuf,
    pub text: String,
    /// Whether this is the embedded copy.
    pub built_in: bool,
}

impl Shipped {
    /// Reads the file `named`, or `./NAME`, or falls back to the built-in copy (with the note).
    pub fn read(&self, named: Option<&Path>) -> anyhow::Result<Source> {
        if let Some(path) = named {
            let bytes = std::fs::read(path).with_context(|| {
                format!(
                    "failed to read {} `{}` (named by {})",
                    self.what,
                    path.display(),
                    self.named_by
                )
            })?;
            let text = super::text(path, bytes)?;
            return Ok(Source {
                origin: path.to_path_buf(),
                text,
                built_in: false,
            });
        }
        let local = Path::new(self.file);
        match std::fs::read(local) {
            Ok(bytes) => Ok(Source {
                origin: local.to_path_buf(),
                text: super::text(local, bytes)?,
                built_in: false,
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                if !self.noted.swap(true, Ordering::Relaxed) {
                    eprintln!(
                        "using the built-in {} ({}); {} to use another",
                        self.file, self.holds, self.named_by
                    );
                }
                Ok(Source {
                    origin: local.to_path_buf(),
                    text: self.text.to_string(),
                    built_in: true,
                })
            }
            Err(err) => Err(anyhow::Error::new(err)
                .context(format!("failed to read {} `{}`", self.what, self.file))),
        }
    }
}

/// Writes a built-in file to stdout, whole (a closed pipe ends quietly in `lib::run`).
pub fn print(text: &str) -> anyhow::Result<crate::exit::Exit> {
    std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes())?;
    Ok(crate::exit::Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_files_are_valid() {
        crate::db::seed::parse("seeder.toml", SEEDER).unwrap();
        crate::authz::parse("policies.toml", POLICIES).unwrap();
    }
}
