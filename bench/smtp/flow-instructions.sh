#!/usr/bin/env bash
# bench/smtp/flow-instructions.sh: instructions per delivery of the mail-flow pipeline in
# process (flow-instructions.mjs), counted by callgrind for the measured deliveries only: Moat
# starts and delivers WARM messages with callgrind's instrumentation off (valgrind runs them
# several times faster so, and V8 has compiled the hot code by then), then N with it on.
#   bash bench/smtp/flow-instructions.sh SETUP_FOLDER plain|policies [N=100] [WARM=1000] [PARALLEL=1]
# SETUP_FOLDER: see flow-instructions.mjs. One at a time by default: with several at once, how
# many deliveries share a group commit depends on timing, and so would the count.
set -euo pipefail
cd "$(dirname "$0")/../.."
SETUP=$1 SIDE=$2 N=${3:-100} WARM=${4:-1000} PARALLEL=${5:-1}
P=$(mktemp -d)
trap 'rm -rf "$P"' EXIT
WARM=$WARM PAUSE_DIR=$P valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$P/cg.out" \
  node --single-threaded --hash-seed=1 --random-seed=1 --expose-gc bench/smtp/flow-instructions.mjs "$SETUP" "$SIDE" "$N" "$PARALLEL" >"$P/log" 2>&1 &
VG=$!
wait_for() { while [ ! -e "$P/$1" ]; do kill -0 $VG 2>/dev/null || { cat "$P/log" >&2; exit 1; }; sleep 0.2; done; }
wait_for ready; callgrind_control -i on $VG >/dev/null 2>&1; touch "$P/go"
wait_for done; callgrind_control -i off $VG >/dev/null 2>&1; touch "$P/stop"
wait $VG
[ -n "${CG_OUT:-}" ] && cp "$P/cg.out" "$CG_OUT" # for callgrind_annotate
# What V8 spends compiling (TurboFan still optimises functions that run once per delivery after
# hundreds of deliveries) and collecting garbage comes in lumps that land in or out of the window
# by chance: printed apart, so that code changes are compared on "rest".
callgrind_annotate --inclusive=yes "$P/cg.out" 2>/dev/null | awk -v n="$N" -v side="$SIDE" -v warm="$WARM" '
  /PROGRAM TOTALS/ { gsub(",", "", $1); total = $1 }
  /Compiler::CompileOptimized\(/ { gsub(",", "", $1); jit = $1 }
  /Heap::CollectGarbage\(/ { gsub(",", "", $1); gc = $1 }
  END { printf "%s: %d deliveries after %d, per delivery: %.0fK instructions = %.0fK JIT compile + %.0fK GC + %.0fK rest\n", side, n, warm, total / n / 1000, jit / n / 1000, gc / n / 1000, (total - jit - gc) / n / 1000 }'
