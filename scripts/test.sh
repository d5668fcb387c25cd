#!/usr/bin/env bash
# Builds and runs the whole test suite: the release build, then the ASan+UBSan
# build, both with warnings as errors. Usage: scripts/test.sh
#   SKIP_ASAN=1 for the release build only; FUZZ=1 also builds every fuzz target
#   with clang and runs each for FUZZ_SECONDS (default 10) through scripts/fuzz.sh.
#   Fuzzing is opt-in because its third (clang) build would take CI past 30
#   minutes on 2 cores; run scripts/fuzz.sh alone for longer campaigns.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh
export DOOMSCOPE_SHARED="${DOOMSCOPE_SHARED:-$(cd .. && pwd)/shared}"
if [ ! -d "$DOOMSCOPE_SHARED" ]; then
  echo "error: shared data folder not found at $DOOMSCOPE_SHARED (set DOOMSCOPE_SHARED)" >&2
  exit 1
fi
jobs="$(nproc)"

cmake --preset release -DDOOMSCOPE_WERROR=ON >/dev/null
cmake --build --preset release -j"$jobs"
ctest --preset release -j"$jobs"

if [ "${SKIP_ASAN:-0}" != "1" ]; then
  cmake --preset asan -DDOOMSCOPE_WERROR=ON >/dev/null
  cmake --build --preset asan -j"$jobs"
  # Tests named *NoAsan* (full-size acceptance runs) are release-only: under ASan
  # they take minutes and exercise no code the smaller tests do not.
  ctest --preset asan -j"$jobs" -E NoAsan
fi

if [ "${FUZZ:-0}" = "1" ]; then
  FUZZ_SECONDS="${FUZZ_SECONDS:-10}" scripts/fuzz.sh
fi
