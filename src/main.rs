//! The `quidditch` binary: parse the command line, run it, exit with its code.

/// mimalloc instead of glibc's allocator: a GraphQL request allocates and frees a few hundred
/// small blocks (parsed values, futures, response maps), and glibc's malloc and free were a
/// fifth of the server's instructions per request.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    match quidditch::cli::Cli::from_args() {
        Ok(cli) => quidditch::run(cli).into(),
        Err(exit) => exit.into(),
    }
}
