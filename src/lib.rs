//! `quidditch`: the admin tool of a GraphQL-backed quidditch league.
//!
//! The crate is a library with a thin binary (`main.rs`). See `ARCHITECTURE.md` for the codemap:
//! `cli` and `cmd` are the command layer (clap, anyhow, printing); `db`, `graphql` and `authz` are
//! library modules with typed errors that never print.

pub mod access;
pub mod authz;
pub mod cli;
pub mod client;
pub mod cmd;
pub mod db;
pub mod decision_log;
pub mod diag;
pub mod enforce;
pub mod exit;
pub mod explain_query;
pub mod export;
pub mod graphql;
pub mod identity;
pub mod jwks;
pub mod limits;
pub mod output;
pub mod server;

/// The tests' throwaway PostgreSQL cluster, shared with the integration tests (one file).
#[cfg(test)]
#[path = "../tests/integration/pg.rs"]
#[expect(
    dead_code,
    unreachable_pub,
    reason = "written for the integration tests, which use all of it"
)]
pub(crate) mod test_cluster;

use std::io;

use exit::Exit;

/// Runs a parsed command line and turns its outcome into an exit code.
///
/// Errors are printed here, once, as `quidditch: error: …` with their cause chain. A broken pipe
/// (`quidditch … | head`) ends quietly, as ripgrep and fd do: a command whose outcome is more
/// than success (lint's problems, a deny, failed tests) returns it anyway
/// ([`cmd::outcome`]), so one reaching here had nothing else to say and exits 0.
#[expect(
    clippy::needless_pass_by_value,
    reason = "main hands over the parsed command line"
)]
pub fn run(cli: cli::Cli) -> Exit {
    init_logging(cli.global.verbose);
    match cmd::run(&cli) {
        Ok(exit) => exit,
        Err(err) if is_broken_pipe(&err) => Exit::Success,
        Err(err) => {
            // Nothing useful can be done if stderr itself is gone.
            let _ = io::Write::write_fmt(
                &mut io::stderr().lock(),
                format_args!("quidditch: error: {err:#}\n"),
            );
            Exit::Failure
        }
    }
}

/// Whether `err` comes from writing to a closed pipe, wherever the io error sits: serde_json
/// wraps it (its `source` skips the io error itself), an `io::Error::other` may wrap that, and
/// `access::AccessError::Io` (a streamed result's writer) is transparent, so its `source` skips
/// the io error too.
pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
    fn broken(cause: &(dyn std::error::Error + 'static)) -> bool {
        if let Some(e) = cause.downcast_ref::<serde_json::Error>() {
            return e.io_error_kind() == Some(io::ErrorKind::BrokenPipe);
        }
        if let Some(access::AccessError::Io(e)) = cause.downcast_ref() {
            return broken(e);
        }
        cause.downcast_ref::<io::Error>().is_some_and(|e| {
            e.kind() == io::ErrorKind::BrokenPipe || e.get_ref().is_some_and(|inner| broken(inner))
        })
    }
    err.chain().any(broken)
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("QUIDDITCH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        // Escape codes only on a terminal: logs piped to a file or a test stay plain text.
        .with_ansi(output::color_on(&io::stderr()))
        .with_target(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::is_broken_pipe;

    /// A pipe whose reader is gone.
    struct Closed;

    impl io::Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn serde_broken_pipe() -> serde_json::Error {
        serde_json::to_writer(Closed, &[1, 2, 3]).unwrap_err()
    }

    #[test]
    fn a_broken_pipe_is_found_however_it_is_wrapped() {
        let plain = anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(is_broken_pipe(&plain));
        assert!(is_broken_pipe(&anyhow::Error::new(serde_broken_pipe())));
        let wrapped = anyhow::Error::new(io::Error::other(serde_broken_pipe()));
        assert!(is_broken_pipe(&wrapped.context("writing the answer")));
        let streamed = crate::access::AccessError::Io(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(is_broken_pipe(&anyhow::Error::new(streamed)));
        let other = anyhow::Error::new(io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(!is_broken_pipe(&other));
    }
}
