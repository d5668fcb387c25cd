#!/usr/bin/env bash
# Our engine against llama.cpp's llama-bench on the same synth GGUF files, in
# one session, runs alternating (ours, theirs, ours, ...) so a slow spell of a
# shared host hits both alike; ratios are taken round by round and their
# median and range printed.
#
#   benchmarks/perf/compare_llamacpp.sh LLAMA_BUILD_DIR [options]
#     --doomscope PATH   our binary (default build/release/doomscope)
#     --arch A --shape S synth-model architecture and shape (default llama smollm2-135m)
#     --dtypes LIST      comma-separated (default q8_0,bf16,f16)
#     --threads N        threads for both (default 2)
#     --rounds R         alternating rounds per dtype (default 3)
#     --work DIR         where the GGUF files and raw outputs go (default /tmp/doomscope-vs-llamacpp)
#     --llama-args "A"   extra llama-bench arguments, e.g. "--poll 0" on an oversubscribed
#                        host, where its busy-polling threads wait on descheduled ones
#     --no-batch32       skip the batch-32 decode runs (the slowest part)
#
# LLAMA_BUILD_DIR holds bin/llama-bench of a llama.cpp you built yourself
# (nothing of llama.cpp is part of this repository). Per dtype it reports,
# medians over the rounds:
#   pp512: our batch-1 prefill of a 512-token prompt vs llama-bench -p 512
#   tg128: our batch-1 decode of 128 tokens vs llama-bench -n 128, and ours as
#          a share of the read roofline (doomscope bench's probe-paired ratio)
#   b32:   our aggregate decode of 32 sequences, and its ratio to our batch 1
#          (unless --no-batch32)
set -euo pipefail

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[[ $# -ge 1 ]] || usage
LLAMA_DIR=$1; shift
DOOMSCOPE=build/release/doomscope
ARCH=llama
SHAPE=smollm2-135m
DTYPES=q8_0,bf16,f16
THREADS=2
ROUNDS=3
WORK=/tmp/doomscope-vs-llamacpp
LLAMA_ARGS=
BATCH32=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --doomscope) DOOMSCOPE=$2; shift 2 ;;
    --arch) ARCH=$2; shift 2 ;;
    --shape) SHAPE=$2; shift 2 ;;
    --dtypes) DTYPES=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --llama-args) LLAMA_ARGS=$2; shift 2 ;;
    --no-batch32) BATCH32=0; shift ;;
    *) echo "unknown option $1" >&2; usage ;;
  esac
done
LLAMA_BENCH=$LLAMA_DIR/bin/llama-bench
[[ -x $LLAMA_BENCH ]] || { echo "no llama-bench at $LLAMA_BENCH" >&2; exit 2; }
[[ -x $DOOMSCOPE ]] || { echo "no doomscope binary at $DOOMSCOPE" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 is needed to read the JSON outputs" >&2; exit 2; }
mkdir -p "$WORK"

echo "# $SHAPE ($ARCH), $THREADS threads, $ROUNDS alternating rounds, llama-bench args '$LLAMA_ARGS'; $(date -u +%FT%TZ); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
for DTYPE in ${DTYPES//,/ }; do
  MODEL=$WORK/$ARCH-$SHAPE-$DTYPE.gguf
  [[ -f $MODEL ]] || "$DOOMSCOPE" synth-model --arch "$ARCH" --shape "$SHAPE" --dtype "$DTYPE" --seed 1 --out "$MODEL" >&2
  RAW=$WORK/$ARCH-$SHAPE-$DTYPE.raw
  : >"$RAW"
  for ((r = 1; r <= ROUNDS; r++)); do
    # Ours: batch-1 prefill (512-token prompt) and decode; then decode of 1 and
    # 32 sequences from one-token prompts (no 32 x 512-token prefill).
    echo "ours1 $("$DOOMSCOPE" bench --model "$MODEL" --threads "$THREADS" --batch 1 --prompt-tokens 512 \
      --gen-tokens 128 --repeat 1 --json)" >>"$RAW"
    echo "theirs $("$LLAMA_BENCH" -m "$MODEL" -t "$THREADS" -p 512 -n 128 -r 1 $LLAMA_ARGS -o jsonl 2>/dev/null | tr '\n' ' ')" >>"$RAW"
    [[ $BATCH32 == 1 ]] || { echo "ours32 none" >>"$RAW"; continue; }
    echo "ours32 $("$DOOMSCOPE" bench --model "$MODEL" --threads "$THREADS" --batch 1,32 --prompt-tokens 1 \
      --gen-tokens 128 --repeat 1 --json)" >>"$RAW"
  done
  python3 - "$RAW" "$DTYPE" <<'EOF'
import json, statistics, sys
raw, dtype = sys.argv[1], sys.argv[2]
rounds, cur = [], {}
for line in open(raw):
    tag, _, payload = line.partition(' ')
    if tag == 'ours1':
        row = json.loads(payload)['rows'][0]
        cur = {'pp': row['prefill_tok_s'], 'tg': row['decode_tok_s'], 'roof': row['decode_pct_bandwidth'],
               'pk': row['prefill_pct_peak'], 'peak': json.loads(payload)['peak_instruction']}
    elif tag == 'theirs':
        for rec in payload.replace('} {', '}\n{').split('\n'):
            rec = rec.strip()
            if not rec:
                continue
            t = json.loads(rec)
            cur['ll_pp' if t['n_prompt'] > 0 else 'll_tg'] = t['avg_ts']
    elif tag == 'ours32' and payload.strip() == 'none':
        rounds.append(cur)
    elif tag == 'ours32':
        rows = {r['batch']: r for r in json.loads(payload)['rows']}
        cur['b1'], cur['b32'] = rows[1]['decode_tok_s'], rows[32]['decode_tok_s']
        rounds.append(cur)
def med(key):
    return statistics.median(r[key] for r in rounds)
def ratio(a, b):
    v = [r[a] / r[b] for r in rounds]
    return f"{statistics.median(v):.2f}x ({min(v):.2f}-{max(v):.2f})"
print(f"\n## {dtype}: {len(rounds)} rounds (medians; ratios per round: median (min-max))")
print(f"pp512  ours {med('pp'):8.1f} tok/s ({med('pk'):.0f}% of {rounds[0]['peak']} peak)   llama.cpp {med('ll_pp'):8.1f}   {ratio('pp', 'll_pp')}")
print(f"tg128  ours {med('tg'):8.1f} tok/s ({med('roof'):.0f}% of read roofline)   llama.cpp {med('ll_tg'):8.1f}   {ratio('tg', 'll_tg')}")
if 'b32' in rounds[0]:
    print(f"b32    ours {med('b32'):8.1f} tok/s aggregate   {ratio('b32', 'b1')} our batch 1 ({med('b1'):.1f} tok/s)")
EOF
done
