#!/usr/bin/env bash
# bench/pop3: Moat's POP3 against Dovecot 2.3's on this machine, side by side (not a test).
#   1. download: 10 clients, each its own maildrop of MESSAGES/10 messages (10,000 in all),
#      RETR of every message — a POP3 maildrop is locked to one session (RFC 1939 §8), so ten
#      clients means ten maildrops; Moat vs both Dovecot modes, messages/s and the ratios.
#      Moat's clients log in with client security passwords (a keyed hash, as cheap as the
#      peers' {PLAIN} passwords); a second row logs in with the argon2id main password, whose
#      ten hashes (~25 ms of CPU each) weigh ~25 µs per message at this size.
#   2. session rate: SESSION_CLIENTS clients looping connect, login, STAT, UIDL, RETR 1..5, QUIT
#      for DURATION seconds, against Moat and both Dovecot modes (default 10110, high-performance 20110).
#      With the argon2id main password the peers log in as argonpopN, the same maildrop as
#      testuserN under a password hashed like Moat's (argon2id, 19 MiB, t=2, p=1): like for like.
# Runs are interleaved (Moat, Dovecot, …) ROUNDS times because this machine is shared and noisy.
# Server CPU per message (download) or per session is read from /proc over each server's process tree.
#   MESSAGES=10000 SESSION_CLIENTS=4 DURATION=8 ROUNDS=2 bash bench/pop3/run.sh
# MOAT_ROOT: the checkout whose bin/ and dist/ run Moat (default: this one).
# PERF=/tmp/other PEER_PORT_OFFSET=1000: own peers, when another benchmark uses the default ones.
# MOAT_CPU_PROF=DIR: Moat runs under node --cpu-prof, the profile written to DIR when the run ends.
set -euo pipefail
cd "$(dirname "$0")/../.."
MOAT_ROOT=${MOAT_ROOT:-$PWD}
MESSAGES=${MESSAGES:-10000} SESSION_CLIENTS=${SESSION_CLIENTS:-4} SECONDS_RUN=${DURATION:-8} ROUNDS=${ROUNDS:-2}
export PERF=${PERF:-/tmp/moat-perf} PEER_PORT_OFFSET=${PEER_PORT_OFFSET:-0}
export CLK_TCK; CLK_TCK=$(getconf CLK_TCK)
DOVECOT_PORT=$((10110 + PEER_PORT_OFFSET)) HP_PORT=$((20110 + PEER_PORT_OFFSET))
BENCH=$PWD/bench
PER_USER=$((MESSAGES / 10))
USERS=$(seq 6 15)                      # testuser6..15: bench/imap uses the low numbers
DOVECOT_USERS=$(for n in $USERS; do printf 'testuser%s,' "$n"; done); DOVECOT_USERS=${DOVECOT_USERS%,}
MOAT_USERS=$(for n in $USERS; do printf 'testuser%s@example.com,' "$n"; done); MOAT_USERS=${MOAT_USERS%,}
DOVECOT_ARGON_USERS=$(for n in $USERS; do printf 'argonpop%s,' "$n"; done); DOVECOT_ARGON_USERS=${DOVECOT_ARGON_USERS%,}
first() { echo "$1" | cut -d, -f1-"$SESSION_CLIENTS"; }

bash bench/peers/peers-up.sh >/dev/null
[ -f "$MOAT_ROOT/dist/cli/main.js" ] || (cd "$MOAT_ROOT" && npm run build >/dev/null)

# --- Dovecot maildrops (both modes read their own mail folder).
for d in dovecot dovecot-hp; do
  node "$BENCH/pop3/fill.mjs" maildir "$PER_USER" $(for n in $USERS; do echo "$PERF/$d/mail/testuser$n"; done)
  chown -R vmail:vmail "$PERF/$d/mail"
done
# argonpopN: testuserN's maildrop behind an argon2id password with Moat's parameters.
HASH=$(cd "$MOAT_ROOT" && node -e "require('argon2').hash('testpass',{type:2,memoryCost:19456,timeCost:2,parallelism:1}).then(h=>console.log(h.replace(/m=(\d+),p=(\d+),t=(\d+)/,'m=\$1,t=\$3,p=\$2')))")
for d in dovecot dovecot-hp; do
  for n in $USERS; do
    grep -q "^argonpop$n:" "$PERF/$d/users" || echo "argonpop$n:{ARGON2ID}$HASH:$(id -u vmail):$(id -g vmail)::$PERF/$d/mail/testuser$n::" >> "$PERF/$d/users"
  done
done

# --- Moat on its own data folder, every port free, DNS answered locally (no network here).
M=$PERF/moat-pop3-bench; rm -rf "$M"; mkdir -p "$M"
echo '{"*": "nxdomain"}' > "$M/zone.json"
export MOAT_DATA_DIR=$M/data MOAT_LISTEN_HOST=127.0.0.1 MOAT_LOG_LEVEL=warn MOAT_DNS_ZONE_FILE=$M/zone.json MOAT_HTTP_TLS=off
for l in SMTP SUBMISSION SUBMISSIONS IMAP IMAPS POP3 POP3S MANAGESIEVE HTTP; do export "MOAT_${l}_PORT=0"; done
node "$MOAT_ROOT/bin/moat.js" init --domain example.com >/dev/null
for n in $USERS; do echo testpass | node "$MOAT_ROOT/bin/moat.js" user add "testuser$n@example.com" --password-stdin >/dev/null; done
# The same users with a client security password each (what Moat asks mail clients to use:
# high-entropy, checked with a keyed hash instead of argon2), "user:secret" for load.mjs.
MOAT_APP_USERS=$(for n in $USERS; do
  secret=$(node "$MOAT_ROOT/bin/moat.js" apppass add "testuser$n@example.com" --name bench --protocols pop3 | tail -n 1 | tr -d ' ')
  printf 'testuser%s@example.com:%s,' "$n" "$secret"
done); MOAT_APP_USERS=${MOAT_APP_USERS%,}
echo "filling Moat: $MESSAGES messages" >&2
(cd "$MOAT_ROOT" && MOAT_ROOT=$MOAT_ROOT node "$BENCH/pop3/fill.mjs" moat "$M/data" "$PER_USER" ${MOAT_USERS//,/ })
node ${MOAT_CPU_PROF:+--cpu-prof --cpu-prof-dir "$MOAT_CPU_PROF"} "$MOAT_ROOT/bin/moat.js" start > "$M/moat.log" 2>&1 &
MOAT_PID=$!
trap 'kill -INT $MOAT_PID 2>/dev/null || true; wait $MOAT_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -f "$M/data/ports.json" ] && break; sleep 0.1; done
MOAT_PORT=$(node -e "console.log(require('$M/data/ports.json').pop3)")

master() { cat "$PERF/$1/run/master.pid"; }
load() { node "$BENCH/pop3/load.mjs" "$@" --pass testpass; }
# "rate/cpu": operations per second and server CPU µs per operation.
rate() { node -e "const r = JSON.parse(process.argv[1]); process.stdout.write(r.perSecond.toFixed(0) + '/' + r.cpuUsPerOp)" "$1"; }
moat() { load "$@" --port "$MOAT_PORT" --cpu-pids "$MOAT_PID"; }
dove() { load "$@" --port "$DOVECOT_PORT" --cpu-pids "$(master dovecot)"; }
dovehp() { load "$@" --port "$HP_PORT" --cpu-pids "$(master dovecot-hp)"; }

# Warm-up: Dovecot builds its index and uidlist on the first session, Moat warms its caches.
moat download --users "$MOAT_USERS" >/dev/null
moat download --users "$MOAT_APP_USERS" >/dev/null
dove download --users "$DOVECOT_USERS" >/dev/null
dovehp download --users "$DOVECOT_USERS" >/dev/null

declare -A R
for round in $(seq 1 "$ROUNDS"); do
  R[dl,moat]+="$(rate "$(moat download --users "$MOAT_APP_USERS")") "
  R[dl,dovecot]+="$(rate "$(dove download --users "$DOVECOT_USERS")") "
  R[dl,hp]+="$(rate "$(dovehp download --users "$DOVECOT_USERS")") "
  R[dl,argon]+="$(rate "$(moat download --users "$MOAT_USERS")") "
  R[s,moat]+="$(rate "$(moat sessions --users "$(first "$MOAT_USERS")" --seconds "$SECONDS_RUN")") "
  R[s,app]+="$(rate "$(moat sessions --users "$(first "$MOAT_APP_USERS")" --seconds "$SECONDS_RUN")") "
  R[s,dovecot]+="$(rate "$(dove sessions --users "$(first "$DOVECOT_USERS")" --seconds "$SECONDS_RUN")") "
  R[s,hp]+="$(rate "$(dovehp sessions --users "$(first "$DOVECOT_USERS")" --seconds "$SECONDS_RUN")") "
  R[s,dargon]+="$(rate "$(dove sessions --users "$(first "$DOVECOT_ARGON_USERS")" --seconds "$SECONDS_RUN")") "
  R[s,hpargon]+="$(rate "$(dovehp sessions --users "$(first "$DOVECOT_ARGON_USERS")" --seconds "$SECONDS_RUN")") "
  echo "round $round done" >&2
done

# Medians of the rounds (rate/cpu pairs); ratios of the medians.
med() { echo "$1" | tr ' ' '\n' | grep . | cut -d/ -f"$2" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
row() { # label key…: rate and CPU of each server
  local label=$1; shift
  local cells=""
  for k in "$@"; do if [ -n "${R[$k]:-}" ]; then cells+="$(med "${R[$k]}" 1) | $(med "${R[$k]}" 2) | "; else cells+="- | - | "; fi; done
  echo "| $label | ${cells% | } |"
}
echo
echo "POP3, $(nproc) cores, loopback; medians of $ROUNDS interleaved rounds; rate and server CPU µs per operation"
echo "| load | Moat /s | Moat CPU µs | Dovecot /s | Dovecot CPU µs | Dovecot HP /s | Dovecot HP CPU µs |"
echo "|---|---|---|---|---|---|---|"
row "RETR download, 10 clients, $MESSAGES msgs (per message), Moat: client security passwords" dl,moat dl,dovecot dl,hp
row "the same, Moat: argon2id password" dl,argon dl,dovecot dl,hp
row "session (login, STAT, UIDL, 5 RETR, QUIT), $SESSION_CLIENTS clients, Moat: argon2id password" s,moat s,dovecot s,hp
row "the same, Dovecot too with an argon2id password (like for like)" s,moat s,dargon s,hpargon
row "the same, Moat with client security passwords" s,app s,dovecot s,hp
echo
echo "download Moat/Dovecot: rate $(ratio "$(med "${R[dl,moat]}" 1)" "$(med "${R[dl,dovecot]}" 1)"), CPU $(ratio "$(med "${R[dl,moat]}" 2)" "$(med "${R[dl,dovecot]}" 2)"); Moat/Dovecot HP: rate $(ratio "$(med "${R[dl,moat]}" 1)" "$(med "${R[dl,hp]}" 1)"), CPU $(ratio "$(med "${R[dl,moat]}" 2)" "$(med "${R[dl,hp]}" 2)")"
echo "download (argon2id) Moat/Dovecot: rate $(ratio "$(med "${R[dl,argon]}" 1)" "$(med "${R[dl,dovecot]}" 1)"); Moat/Dovecot HP: rate $(ratio "$(med "${R[dl,argon]}" 1)" "$(med "${R[dl,hp]}" 1)")"
echo "sessions (client security passwords) Moat/Dovecot HP: rate $(ratio "$(med "${R[s,app]}" 1)" "$(med "${R[s,hp]}" 1)"), CPU $(ratio "$(med "${R[s,app]}" 2)" "$(med "${R[s,hp]}" 2)")"
echo "sessions (argon2id) Moat/Dovecot: rate $(ratio "$(med "${R[s,moat]}" 1)" "$(med "${R[s,dovecot]}" 1)"); Moat/Dovecot HP: rate $(ratio "$(med "${R[s,moat]}" 1)" "$(med "${R[s,hp]}" 1)")"
echo "sessions (argon2id on both sides) Moat/Dovecot: rate $(ratio "$(med "${R[s,moat]}" 1)" "$(med "${R[s,dargon]}" 1)"), CPU $(ratio "$(med "${R[s,moat]}" 2)" "$(med "${R[s,dargon]}" 2)"); Moat/Dovecot HP: rate $(ratio "$(med "${R[s,moat]}" 1)" "$(med "${R[s,hpargon]}" 1)"), CPU $(ratio "$(med "${R[s,moat]}" 2)" "$(med "${R[s,hpargon]}" 2)")"
echo "all rounds (rate/cpu): download moat [${R[dl,moat]% }] moat-argon2 [${R[dl,argon]% }] dovecot [${R[dl,dovecot]% }] hp [${R[dl,hp]% }]; sessions moat [${R[s,moat]% }] moat-app [${R[s,app]% }] dovecot [${R[s,dovecot]% }] hp [${R[s,hp]% }] dovecot-argon2 [${R[s,dargon]% }] hp-argon2 [${R[s,hpargon]% }]"
