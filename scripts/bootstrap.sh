#!/usr/bin/env bash
# Fresh Debian 12 machine -> dependencies installed, doomscope built, and the
# main job run on its embedded default. Usage: scripts/bootstrap.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"

DOOMSCOPE=build/release/doomscope
"$DOOMSCOPE" --version
# The main job on its embedded default: the four stage checkpoints of
# ../shared/models/stages-a (pretrain -> SFT -> DPO -> RL), 2048 samples through
# the bundled engine and the detectors, then the stage table as a dashboard.
# Rerunning resumes: samples already in out/stages-a are not generated again.
"$DOOMSCOPE" run --out out/stages-a
"$DOOMSCOPE" report out/stages-a --html out/stages-a/report.html
echo "Dashboard: out/stages-a/report.html   (live: $DOOMSCOPE serve out/stages-a)"
