#!/usr/bin/env bash
# bench/smtp: Moat's MX against Postfix (durable queue) → LMTP → Dovecot on this machine, side
# by side in one run, driven by Postfix's own smtp-source. Not a test: prints a table of
# accepted/s, stored/s and server CPU per message, and the ratios. Runs are interleaved
# (Moat, Postfix, Moat, Postfix …) because this machine is shared and noisy.
#   MESSAGES=20000 SESSIONS=20 SIZE=5120 ROUNDS=2 bash bench/smtp/run.sh
# MOAT_ROOT: the checkout whose bin/ and dist/ run Moat (default: this one; a `git worktree`
# keeps other people's half-done edits out of the run).
set -euo pipefail
cd "$(dirname "$0")/../.."
MOAT_ROOT=${MOAT_ROOT:-$PWD}
MESSAGES=${MESSAGES:-20000} SESSIONS=${SESSIONS:-20} SIZE=${SIZE:-5120} ROUNDS=${ROUNDS:-2}
export PERF=${PERF:-/tmp/moat-perf}
TICK=$(getconf CLK_TCK)

bash bench/peers/peers-up.sh >/dev/null
[ -f "$MOAT_ROOT/dist/cli/main.js" ] || (cd "$MOAT_ROOT" && npm run build >/dev/null)
# Dovecot's testuser1 mailbox, emptied before every Postfix run (a mailbox that grows from run to
# run slows delivery into Dovecot, which would flatter Moat); its new/ counts what was stored.
DOVECOT_BOX=$PERF/dovecot/mail/testuser1/Maildir

# --- Moat on its own data folder, every port free, DNS answered locally (no network here).
M=$PERF/moat-bench; rm -rf "$M"; mkdir -p "$M"
echo '{"*": "nxdomain"}' > "$M/zone.json"
export MOAT_DATA_DIR=$M/data MOAT_LISTEN_HOST=127.0.0.1 MOAT_LOG_LEVEL=warn MOAT_DNS_ZONE_FILE=$M/zone.json MOAT_HTTP_TLS=off
for l in SMTP SUBMISSION SUBMISSIONS IMAP IMAPS POP3 POP3S MANAGESIEVE HTTP; do export "MOAT_${l}_PORT=0"; done
node "$MOAT_ROOT/bin/moat.js" init --domain example.com >/dev/null
echo "bench-password-1" | node "$MOAT_ROOT/bin/moat.js" user add testuser1@example.com --password-stdin >/dev/null
node "$MOAT_ROOT/bin/moat.js" start > "$M/moat.log" 2>&1 &
MOAT_PID=$!
trap 'kill $MOAT_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -f "$M/data/ports.json" ] && break; sleep 0.1; done
MOAT_PORT=$(node -e "console.log(require('$M/data/ports.json').smtp)")
MOAT_NODE=$(pgrep -P $MOAT_PID -f "moat.js" || echo $MOAT_PID)

cpu_ticks() { # own + reaped children's CPU of one process, in clock ticks
  awk '{print $14+$15+$16+$17}' "/proc/$1/stat"
}
postfix_ticks() {
  local total=0 pid
  for pid in $(cat "$PERF/postfix/queue/pid/master.pid" 2>/dev/null) $(cat "$PERF/dovecot/run/master.pid" 2>/dev/null); do
    total=$((total + $(cpu_ticks "$pid")))
    for child in $(pgrep -P "$pid"); do total=$((total + $(cpu_ticks "$child"))); done
  done
  echo $total
}
stored_in_moat() {
  (cd "$MOAT_ROOT" && node -e "const D=require('better-sqlite3');const d=new D('$M/data/moat.db',{readonly:true});console.log(d.prepare('select count(*) n from messages').get().n)")
}
stored_in_dovecot() {
  find "$DOVECOT_BOX/new" "$DOVECOT_BOX/cur" -type f 2>/dev/null | wc -l
}
now() { date +%s.%N; }

declare -A RESULT
run_moat() { # mode flag
  local before_n before_cpu t0 t1 after_n after_cpu
  before_n=$(stored_in_moat); before_cpu=$(cpu_ticks $MOAT_NODE)
  t0=$(now)
  smtp-source -s "$SESSIONS" -m "$MESSAGES" -l "$SIZE" $2 -f bench@sender.example -t testuser1@example.com "127.0.0.1:$MOAT_PORT"
  t1=$(now)
  after_n=$(stored_in_moat); after_cpu=$(cpu_ticks $MOAT_NODE)
  local n=$((after_n - before_n)) secs; secs=$(echo "$t1 - $t0" | bc -l)
  # A 250 from Moat means stored in the mailbox: accepted and stored are the same moment.
  RESULT[moat,$1,accept]+="$(echo "$n / $secs" | bc -l) "
  RESULT[moat,$1,store]+="$(echo "$n / $secs" | bc -l) "
  RESULT[moat,$1,cpu]+="$(echo "($after_cpu - $before_cpu) * 1000000 / $TICK / $n" | bc -l) "
  [ "$n" = "$MESSAGES" ] || echo "warning: moat stored $n of $MESSAGES" >&2
}
run_postfix() {
  local before_cpu t0 t1 t2 after_cpu n
  rm -rf "$DOVECOT_BOX"
  before_cpu=$(postfix_ticks)
  t0=$(now)
  smtp-source -s "$SESSIONS" -m "$MESSAGES" -l "$SIZE" $2 -f bench@sender.example -t testuser1@example.com "127.0.0.1:$((10027 + ${PEER_PORT_OFFSET:-0}))"
  t1=$(now)
  bash bench/peers/drain_wait.sh 600 >/dev/null
  t2=$(now)
  after_cpu=$(postfix_ticks)
  n=$(stored_in_dovecot)
  [ "$n" = "$MESSAGES" ] || echo "warning: postfix→dovecot stored $n of $MESSAGES" >&2
  RESULT[postfix,$1,accept]+="$(echo "$MESSAGES / ($t1 - $t0)" | bc -l) "
  RESULT[postfix,$1,store]+="$(echo "$MESSAGES / ($t2 - $t0)" | bc -l) "
  RESULT[postfix,$1,cpu]+="$(echo "($after_cpu - $before_cpu) * 1000000 / $TICK / $MESSAGES" | bc -l) "
}

for round in $(seq 1 "$ROUNDS"); do
  for mode in reuse new; do
    flag=""; [ $mode = reuse ] && flag="-d"
    echo "round $round, $mode connections: moat" >&2; run_moat $mode "$flag"
    echo "round $round, $mode connections: postfix" >&2; run_postfix $mode "$flag"
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
printf '\n%s messages of %s bytes over %s sessions, %s rounds (medians)\n\n' "$MESSAGES" "$SIZE" "$SESSIONS" "$ROUNDS"
printf '| connections | metric | Moat | Postfix→Dovecot | Moat / Postfix |\n|---|---|---|---|---|\n'
for mode in reuse new; do
  for metric in accept store cpu; do
    m=$(echo "${RESULT[moat,$mode,$metric]}" | median); p=$(echo "${RESULT[postfix,$mode,$metric]}" | median)
    case $metric in accept) label="accepted msg/s";; store) label="stored msg/s";; cpu) label="server CPU µs/msg";; esac
    printf '| %s | %s | %.0f | %.0f | %.2f |\n' "$mode" "$label" "$m" "$p" "$(echo "$m / $p" | bc -l)"
  done
done
