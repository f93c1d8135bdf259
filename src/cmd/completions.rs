//! `quidditch completions SHELL`: print a completion script generated from the clap definition.

use clap::{Args, CommandFactory as _};
use clap_complete::Shell;

use crate::cli::Cli;
use crate::exit::Exit;

/// Print a shell completion script.
///
/// The script is written on stdout, for the shell given; the same scripts are committed under
/// `completions/`. The examples below install one for the current user (for zsh, `~/.zfunc`
/// must be on `fpath` before `compinit` runs: `fpath=(~/.zfunc $fpath)` in `~/.zshrc`).
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  mkdir -p ~/.local/share/bash-completion/completions
  quidditch completions bash \\
    > ~/.local/share/bash-completion/completions/quidditch
  mkdir -p ~/.zfunc
  quidditch completions zsh > ~/.zfunc/_quidditch
  mkdir -p ~/.config/fish/completions
  quidditch completions fish > ~/.config/fish/completions/quidditch.fish")]
pub struct CompletionsArgs {
    /// The shell to generate for.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: &CompletionsArgs) -> anyhow::Result<Exit> {
    // Generate into memory first: clap_complete panics on a failed write, and a closed pipe
    // (`quidditch completions bash | head`) must end quietly.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "quidditch", &mut script);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &script)?;
    Ok(Exit::Success)
}
