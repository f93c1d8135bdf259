#!/usr/bin/env bash
# Regenerates the committed man pages from the clap definition (with clap_mangen, in the test
# that checks them). A test (tests/integration/cli.rs) fails when these files are stale.
set -euo pipefail
cd "$(dirname "$0")/.."
QUIDDITCH_BLESS=1 cargo test --quiet --locked --test integration committed_man_pages_are_current
echo "man pages regenerated"
