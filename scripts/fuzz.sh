#!/usr/bin/env bash
# Builds every libFuzzer target in tests/fuzz (tests/fuzz/*_fuzz.cc, picked up
# automatically) with clang, ASan and UBSan, and runs each for a bounded time
# from its seeds: tests/fuzz/corpus/NAME/ and the ../shared files listed in
# tests/fuzz/corpus/NAME.shared. A crash, leak or hang fails the script and
# leaves the input under build/fuzz/artifacts/.
# Usage: scripts/fuzz.sh   (FUZZ_SECONDS=N per target, default 20)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-20}"
build=build/fuzz
shared="${DOOMSCOPE_SHARED:-$(cd .. && pwd)/shared}"

cmake -S . -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOOMSCOPE_FUZZ=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target doomscope_fuzz_targets

mkdir -p "$build/artifacts"
status=0
for bin in "$build"/tests/fuzz/*_fuzz; do
  name="$(basename "$bin")"
  corpus="$(mktemp -d)"
  if [ -d "tests/fuzz/corpus/$name" ]; then cp -r "tests/fuzz/corpus/$name/." "$corpus/"; fi
  if [ -f "tests/fuzz/corpus/$name.shared" ]; then
    while read -r rel; do [ -n "$rel" ] && cp "$shared/$rel" "$corpus/"; done < "tests/fuzz/corpus/$name.shared"
  fi
  log="$build/artifacts/$name.log"
  if "$bin" -max_total_time="$seconds" -max_len=1048576 -timeout=10 -rss_limit_mb=3072 \
       -artifact_prefix="$build/artifacts/$name-" -print_final_stats=1 "$corpus" >"$log" 2>&1; then
    echo "fuzz: $name ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') runs in ${seconds}s)"
  else
    echo "fuzz: $name FAILED (input and log under $build/artifacts/)"
    tail -40 "$log"
    status=1
  fi
  rm -rf "$corpus"
done
exit "$status"
