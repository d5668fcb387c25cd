#!/usr/bin/env bash
# Builds and runs the whole test suite: the release build, then the ASan+UBSan
# build. Usage: scripts/test.sh   (SKIP_ASAN=1 for the release build only)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh
export DOOMSCOPE_SHARED="${DOOMSCOPE_SHARED:-$(cd .. && pwd)/shared}"
if [ ! -d "$DOOMSCOPE_SHARED" ]; then
  echo "error: shared data folder not found at $DOOMSCOPE_SHARED (set DOOMSCOPE_SHARED)" >&2
  exit 1
fi
jobs="$(nproc)"

cmake --preset release >/dev/null
cmake --build --preset release -j"$jobs"
ctest --preset release -j"$jobs"

if [ "${SKIP_ASAN:-0}" != "1" ]; then
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j"$jobs"
  # Tests named *NoAsan* (full-size acceptance runs) are release-only: under ASan
  # they take minutes and exercise no code the smaller tests do not.
  ctest --preset asan -j"$jobs" -E NoAsan
fi
