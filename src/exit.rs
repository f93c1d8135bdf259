//! Process exit codes, documented in `--help` and the README.

/// What a command's outcome means to the shell.
///
/// A deny and a failed policy test are outcomes, not errors: they get their own codes so scripts
/// can tell them apart from a broken input (as cedar's `CedarExitCode` does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: the command did what was asked.
    Success,
    /// 1: an error (bad input, missing file, unreachable server); printed once on stderr.
    Failure,
    /// 2: `authz check` decided `deny`.
    Denied,
    /// 3: `authz test` had at least one failing case.
    TestsFailed,
    /// 64: the command line could not be parsed (an unknown flag, a missing or bad value), as
    /// `sysexits.h`'s `EX_USAGE`: not clap's 2, which a script would read as a deny.
    Usage,
}

impl Exit {
    /// The numeric code the process exits with.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Denied => 2,
            Exit::TestsFailed => 3,
            Exit::Usage => 64,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}
