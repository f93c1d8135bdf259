//! Output: one model, two renderers. Commands compute a value and call [`emit`]; humans get its
//! `Display`, scripts get its serde JSON. Results go to stdout only.

use std::fmt::Display;
use std::io::{self, IsTerminal, Write as _};

use serde::Serialize;

/// The global `--format` choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Tables and trees for people.
    #[default]
    Human,
    /// One JSON document for scripts, with stable keys: snake_case, except that `query` prints
    /// the GraphQL response's own (camelCase) keys.
    Json,
}

/// Writes `value` to stdout in `format`.
pub fn emit<T: Serialize + Display + ?Sized>(value: &T, format: Format) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match format {
        Format::Human => write!(out, "{value}")?,
        Format::Json => {
            // `io::Error::from` hands back serde_json's own io error (a broken pipe stays one).
            serde_json::to_writer_pretty(&mut out, value).map_err(io::Error::from)?;
            writeln!(out)?;
        }
    }
    out.flush()
}

/// Whether colour may be used on stdout: only on a terminal, and never with `NO_COLOR` set.
pub fn use_color() -> bool {
    color_on(&io::stdout())
}

/// Whether colour may be used on `stream` (stdout, stderr): only on a terminal, and never with
/// `NO_COLOR` set to a non-empty value (no-color.org).
pub fn color_on(stream: &impl IsTerminal) -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && stream.is_terminal()
}

/// A comfy-table with the house look: UTF-8 borders on a terminal, plain ASCII otherwise.
pub fn table<I, S>(header: I) -> comfy_table::Table
where
    I: IntoIterator<Item = S>,
    S: Into<comfy_table::Cell>,
{
    let mut table = comfy_table::Table::new();
    if io::stdout().is_terminal() {
        table.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    } else {
        table.load_style(comfy_table::presets::ASCII_MARKDOWN);
    }
    if !use_color() {
        table.force_no_tty();
    }
    table.set_header(header);
    table
}
