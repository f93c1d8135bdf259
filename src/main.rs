//! The `quidditch` binary: parse the command line, run it, exit with its code.

use clap::Parser as _;

fn main() -> std::process::ExitCode {
    let cli = quidditch::cli::Cli::parse();
    quidditch::run(cli).into()
}
