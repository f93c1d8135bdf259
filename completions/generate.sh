#!/usr/bin/env bash
# Regenerates the committed completion scripts from the clap definition.
# A test (tests/integration/cli.rs) fails when these files are stale.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin="${CARGO_TARGET_DIR:-target}/debug/quidditch"
"$bin" completions bash > completions/quidditch.bash
"$bin" completions zsh > completions/_quidditch
"$bin" completions fish > completions/quidditch.fish
"$bin" completions powershell > completions/_quidditch.ps1
"$bin" completions elvish > completions/quidditch.elv
echo "completions regenerated"
