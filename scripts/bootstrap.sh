#!/usr/bin/env bash
# Fresh Debian 12 machine -> dependencies installed, doomscope built, and the
# main job run on its embedded default. Usage: scripts/bootstrap.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"

DOOMSCOPE=build/release/runners/doomscope
"$DOOMSCOPE" --version
# The main job: doom-loop detection on the bundled example generations.
mkdir -p out
"$DOOMSCOPE" detect --input examples/generations.jsonl --output out/findings.jsonl --group-by model
echo "Per-sample findings: out/findings.jsonl"
