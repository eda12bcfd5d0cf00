#!/usr/bin/env bash
# bench/imap: Moat's IMAP server against Dovecot 2.3 in its default (high-security) and its
# high-performance process modes, side by side in one run on this machine, over loopback, with
# the same messages in every mailbox. Not a test: prints a table of rates, p99 latency, server
# CPU per operation and memory per idle connection, with ratios. Workloads run interleaved
# (Moat, Dovecot, Dovecot HP, Moat …) round after round because this machine is shared.
#   MOAT_ROOT=/tmp/moat-bench ROUNDS=3 SECS=5 BIG=10000 IDLE_CONNS=1000 IDLE_ROUNDS=2 bash bench/imap/run.sh
# MOAT_ROOT: the checkout whose bin/ and dist/ run Moat (default: this one; a `git worktree`
# keeps other people's half-done edits out of the run). ONLY=login10,meta200,idle runs a subset.
# PERF=/tmp/moat-perf-imap PEER_PORT_OFFSET=1000: own peers, when another benchmark uses the default ones.
# LOAD_PROCS=2: the login and mixed clients split over that many load processes (see the
# "load generator CPU" row: near 1 core per process, the load generator is the limit).
# login50app and mixed10app: Moat logs in with client security passwords (MOAT_APP_USERS below).
# MAILBOXES=none: users without mail (bench/auth's login rows need nothing else).
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH=$PWD/bench
MOAT_ROOT=${MOAT_ROOT:-$PWD}
export PEER_PORT_OFFSET=${PEER_PORT_OFFSET:-0}
export PERF=${PERF:-/tmp/moat-perf} ROUNDS=${ROUNDS:-2} SECS=${SECS:-5} BIG=${BIG:-10000} IDLE_CONNS=${IDLE_CONNS:-1000} IDLE_ROUNDS=${IDLE_ROUNDS:-2}
export CLK_TCK; CLK_TCK=$(getconf CLK_TCK)
ulimit -n 65536 2>/dev/null || true

bash "$BENCH/peers/peers-up.sh" >/dev/null
[ -f "$MOAT_ROOT/dist/cli/main.js" ] || (cd "$MOAT_ROOT" && npm run build >/dev/null)

MAILBOXES=${MAILBOXES:-all}
# --- the same messages for everyone: gen_mbox.py's realistic mix (1–200 KB, 25% multipart).
[ "$MAILBOXES" = none ] || [ -f "$PERF/test.mbox" ] || python3 "$BENCH/peers/gen_mbox.py" 200 "$PERF/test.mbox" >/dev/null
[ "$MAILBOXES" = none ] || [ -f "$PERF/test$BIG.mbox" ] || python3 "$BENCH/peers/gen_mbox.py" "$BIG" "$PERF/test$BIG.mbox" >/dev/null
# testuser2: 200 messages (FETCH); testuser3: $BIG messages; testuser4..15: 200 each (mixed, idle).
mailbox_of() { [ "$MAILBOXES" = none ] && return; case $1 in 2|[4-9]|1[0-5]) echo "$PERF/test.mbox";; 3) echo "$PERF/test$BIG.mbox";; *) echo "";; esac; }

# --- Dovecot: write the Maildirs directly (as Dovecot stores them), then add argonuser1..15,
# whose password is hashed like Moat's (argon2id, 19 MiB, t=2, p=1), for a like-for-like login row.
HASH=$(cd "$MOAT_ROOT" && node -e "require('argon2').hash('testpass',{type:2,memoryCost:19456,timeCost:2,parallelism:1}).then(h=>console.log(h.replace(/m=(\d+),p=(\d+),t=(\d+)/,'m=\$1,t=\$3,p=\$2')))")
for d in dovecot dovecot-hp; do
  D=$PERF/$d
  for n in $(seq 1 15); do
    rm -rf "$D/mail/testuser$n" "$D/mail/argonuser$n"
    mbox=$(mailbox_of "$n")
    [ -n "$mbox" ] && node "$BENCH/imap/maildir.mjs" "$mbox" "$D/mail/testuser$n/Maildir" >/dev/null
    grep -q "^argonuser$n:" "$D/users" || echo "argonuser$n:{ARGON2ID}$HASH:$(id -u vmail):$(id -g vmail)::$D/mail/argonuser$n::" >> "$D/users"
  done
  chown -R vmail:vmail "$D/mail"
done

# --- Moat on its own data folder, every port free, DNS answered locally (no network here).
M=$PERF/moat-imap; rm -rf "$M"; mkdir -p "$M"
echo '{"*": "nxdomain"}' > "$M/zone.json"
export MOAT_DATA_DIR=$M/data MOAT_LISTEN_HOST=127.0.0.1 MOAT_LOG_LEVEL=warn MOAT_DNS_ZONE_FILE=$M/zone.json MOAT_HTTP_TLS=off
for l in SMTP SUBMISSION SUBMISSIONS IMAP IMAPS POP3 POP3S MANAGESIEVE HTTP; do export "MOAT_${l}_PORT=0"; done
node "$MOAT_ROOT/bin/moat.js" init --domain example.com >/dev/null
for n in $(seq 1 15); do echo testpass | node "$MOAT_ROOT/bin/moat.js" user add "testuser$n@example.com" --password-stdin >/dev/null; done
# A client security password each, "user:secret" for the login50app row.
MOAT_APP_USERS=$(for n in $(seq 1 15); do
  secret=$(node "$MOAT_ROOT/bin/moat.js" apppass add "testuser$n@example.com" --name bench --protocols imap | tail -n 1 | tr -d ' ')
  printf 'testuser%s@example.com:%s,' "$n" "$secret"
done); export MOAT_APP_USERS=${MOAT_APP_USERS%,}
start_moat() {
  rm -f "$M/data/ports.json"
  node "$MOAT_ROOT/bin/moat.js" start >> "$M/moat.log" 2>&1 &
  MOAT_PID=$!
  for _ in $(seq 1 100); do [ -f "$M/data/ports.json" ] && break; sleep 0.1; done
  MOAT_PORT=$(node -e "console.log(require('$M/data/ports.json').imap)")
  export MOAT_PID MOAT_PORT
}
start_moat
trap 'kill $MOAT_PID 2>/dev/null || true' EXIT
for n in $(seq 1 15); do
  mbox=$(mailbox_of "$n"); [ -n "$mbox" ] || continue
  r=$(node "$BENCH/imap/load.mjs" append --port "$MOAT_PORT" --users "testuser$n@example.com" --mbox "$mbox")
  echo "moat testuser$n: $r" >&2
done

# --- warm every server (Dovecot builds its index and cache on first access, as after delivery)
[ "$MAILBOXES" = none ] || for port in "$MOAT_PORT" $((10143 + ${PEER_PORT_OFFSET:-0})) $((20143 + ${PEER_PORT_OFFSET:-0})); do
  for n in 2 3; do
    for what in meta body; do node "$BENCH/imap/load.mjs" fetch --port "$port" --users "testuser$n@example.com" --what $what --seconds 0.1 >/dev/null; done
  done
  for n in $(seq 4 15); do node "$BENCH/imap/load.mjs" fetch --port "$port" --users "testuser$n@example.com" --what meta --seconds 0.1 >/dev/null; done
done

PHASE=work node "$BENCH/imap/rounds.mjs"
# Memory per idle connection, on freshly started servers each round (see rounds.mjs).
for _ in $(seq 1 "$IDLE_ROUNDS"); do
  kill "$MOAT_PID"; wait "$MOAT_PID" 2>/dev/null || true
  start_moat
  for d in dovecot dovecot-hp; do
    doveadm -c "$PERF/$d/dovecot.conf" stop >/dev/null 2>&1 || true
    dovecot -c "$PERF/$d/dovecot.conf" </dev/null >/dev/null 2>&1
  done
  sleep 3
  PHASE=idle node "$BENCH/imap/rounds.mjs"
done
PHASE=report node "$BENCH/imap/rounds.mjs"
echo "(Moat's log: $M/moat.log; peers stay up: bench/peers/peers-down.sh stops them)" >&2
