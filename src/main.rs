//! The `quidditch` binary: parse the command line, run it, exit with its code.

use clap::Parser as _;

/// mimalloc instead of glibc's allocator: a GraphQL request allocates and frees a few hundred
/// small blocks (parsed values, futures, response maps), and glibc's malloc and free were a
/// fifth of the server's instructions per request.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = quidditch::cli::Cli::parse();
    quidditch::run(cli).into()
}
