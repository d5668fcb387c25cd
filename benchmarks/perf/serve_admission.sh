#!/usr/bin/env bash
# Latency of a short request sent while a long one decodes, against a
# running `doomscope serve-model`: what step-level admission buys (a request
# joins the running batch at the next decode step instead of waiting for the
# batch to drain).
#
#   doomscope synth-model --shape stories15M --seed 1 --out /tmp/s15m.gguf
#   doomscope serve-model --model /tmp/s15m.gguf --port 8081 --threads 1 --max_batch 4 &
#   benchmarks/perf/serve_admission.sh 8081 [LONG_TOKENS=400] [SHORT_TOKENS=8] [DELAY_S=0.3]
#
# Sends a greedy completion of LONG_TOKENS in the background, waits DELAY_S
# (it is decoding by then), sends one of SHORT_TOKENS and prints the short
# one's latency (curl's time_total, seconds) and token count, then exits; the
# long request's client leaves, which cancels it at the server. Time the
# whole script from outside to compare two servers (the server's start is not
# in it): it takes DELAY_S plus the short request's latency.
set -euo pipefail
port=${1:?usage: serve_admission.sh PORT [LONG_TOKENS] [SHORT_TOKENS] [DELAY_S]}
long_tokens=${2:-400}
short_tokens=${3:-8}
delay=${4:-0.3}
url="http://127.0.0.1:${port}/v1/completions"
curl -sf -o /dev/null "$url" -H 'Content-Type: application/json' \
  -d "{\"prompt\": \"Once upon a time\", \"max_tokens\": ${long_tokens}, \"temperature\": 0}" &
long_pid=$!
trap 'kill "$long_pid" 2>/dev/null || true' EXIT
sleep "$delay"
curl -sf "$url" -H 'Content-Type: application/json' -w '\nshort_latency_s %{time_total}\n' \
  -d "{\"prompt\": \"The dog\", \"max_tokens\": ${short_tokens}, \"temperature\": 0}" |
  sed -n 's/.*"completion_tokens":\([0-9]*\).*/short_tokens \1/p; /^short_latency_s/p'
