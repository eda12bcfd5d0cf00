#!/usr/bin/env bash
# bench/pop3: Moat's POP3 against Dovecot 2.3's on this machine, side by side (not a test).
#   1. download: 10 clients, each its own maildrop of MESSAGES/10 messages (10,000 in all),
#      RETR of every message — a POP3 maildrop is locked to one session (RFC 1939 §8), so ten
#      clients means ten maildrops; Moat vs Dovecot default mode, messages/s and the ratio.
#   2. session rate: SESSION_CLIENTS clients looping connect, login, STAT, UIDL, RETR 1..5, QUIT
#      for DURATION seconds, against Moat and both Dovecot modes (default 10110, high-performance 20110).
# Runs are interleaved (Moat, Dovecot, …) ROUNDS times because this machine is shared and noisy.
#   MESSAGES=10000 SESSION_CLIENTS=4 DURATION=8 ROUNDS=2 bash bench/pop3/run.sh
# MOAT_ROOT: the checkout whose bin/ and dist/ run Moat (default: this one).
set -euo pipefail
cd "$(dirname "$0")/../.."
MOAT_ROOT=${MOAT_ROOT:-$PWD}
MESSAGES=${MESSAGES:-10000} SESSION_CLIENTS=${SESSION_CLIENTS:-4} SECONDS_RUN=${DURATION:-8} ROUNDS=${ROUNDS:-2}
export PERF=${PERF:-/tmp/moat-perf}
BENCH=$PWD/bench
PER_USER=$((MESSAGES / 10))
USERS=$(seq 6 15)                      # testuser6..15: bench/imap uses the low numbers
DOVECOT_USERS=$(for n in $USERS; do printf 'testuser%s,' "$n"; done); DOVECOT_USERS=${DOVECOT_USERS%,}
MOAT_USERS=$(for n in $USERS; do printf 'testuser%s@example.com,' "$n"; done); MOAT_USERS=${MOAT_USERS%,}
first() { echo "$1" | cut -d, -f1-"$SESSION_CLIENTS"; }

bash bench/peers/peers-up.sh >/dev/null
[ -f "$MOAT_ROOT/dist/cli/main.js" ] || (cd "$MOAT_ROOT" && npm run build >/dev/null)

# --- Dovecot maildrops (both modes read their own mail folder).
for d in dovecot dovecot-hp; do
  node "$BENCH/pop3/fill.mjs" maildir "$PER_USER" $(for n in $USERS; do echo "$PERF/$d/mail/testuser$n"; done)
  chown -R vmail:vmail "$PERF/$d/mail"
done

# --- Moat on its own data folder, every port free, DNS answered locally (no network here).
M=$PERF/moat-pop3-bench; rm -rf "$M"; mkdir -p "$M"
echo '{"*": "nxdomain"}' > "$M/zone.json"
export MOAT_DATA_DIR=$M/data MOAT_LISTEN_HOST=127.0.0.1 MOAT_LOG_LEVEL=warn MOAT_DNS_ZONE_FILE=$M/zone.json MOAT_HTTP_TLS=off
for l in SMTP SUBMISSION SUBMISSIONS IMAP IMAPS POP3 POP3S HTTP; do export "MOAT_${l}_PORT=0"; done
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
node "$MOAT_ROOT/bin/moat.js" start > "$M/moat.log" 2>&1 &
MOAT_PID=$!
trap 'kill $MOAT_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -f "$M/data/ports.json" ] && break; sleep 0.1; done
MOAT_PORT=$(node -e "console.log(require('$M/data/ports.json').pop3)")

load() { node "$BENCH/pop3/load.mjs" "$@" --pass testpass; }
rate() { node -e "process.stdout.write(JSON.parse(process.argv[1]).perSecond.toFixed(0))" "$1"; }

# Warm-up: Dovecot builds its index and uidlist on the first session, Moat warms its caches.
load download --port "$MOAT_PORT" --users "$MOAT_USERS" >/dev/null
load download --port 10110 --users "$DOVECOT_USERS" >/dev/null
load download --port 20110 --users "$DOVECOT_USERS" >/dev/null

declare -A R
for round in $(seq 1 "$ROUNDS"); do
  R[dl,moat]+="$(rate "$(load download --port "$MOAT_PORT" --users "$MOAT_USERS")") "
  R[dl,dovecot]+="$(rate "$(load download --port 10110 --users "$DOVECOT_USERS")") "
  R[s,moat]+="$(rate "$(load sessions --port "$MOAT_PORT" --users "$(first "$MOAT_USERS")" --seconds "$SECONDS_RUN")") "
  R[s,app]+="$(rate "$(load sessions --port "$MOAT_PORT" --users "$(first "$MOAT_APP_USERS")" --seconds "$SECONDS_RUN")") "
  R[s,dovecot]+="$(rate "$(load sessions --port 10110 --users "$(first "$DOVECOT_USERS")" --seconds "$SECONDS_RUN")") "
  R[s,hp]+="$(rate "$(load sessions --port 20110 --users "$(first "$DOVECOT_USERS")" --seconds "$SECONDS_RUN")") "
  echo "round $round done" >&2
done

best() { echo "$1" | tr ' ' '\n' | sort -n | tail -1; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
echo
echo "POP3, $(nproc) cores, loopback; best of $ROUNDS interleaved rounds (all rounds in brackets)"
printf '| %-58s | %-18s | %-18s | %-18s |\n' "load" "Moat" "Dovecot default" "Dovecot high-perf"
printf '| %-58s | %-18s | %-18s | %-18s |\n' "RETR download, 10 clients, $MESSAGES msgs (messages/s)" "$(best "${R[dl,moat]}")" "$(best "${R[dl,dovecot]}")" "-"
printf '| %-58s | %-18s | %-18s | %-18s |\n' "session (login,STAT,UIDL,5 RETR,QUIT), $SESSION_CLIENTS clients (/s)" "$(best "${R[s,moat]}")" "$(best "${R[s,dovecot]}")" "$(best "${R[s,hp]}")"
printf '| %-58s | %-18s | %-18s | %-18s |\n' "  the same, Moat with client security passwords (/s)" "$(best "${R[s,app]}")" "" ""
echo
echo "download Moat/Dovecot: $(ratio "$(best "${R[dl,moat]}")" "$(best "${R[dl,dovecot]}")")"
echo "sessions Moat/Dovecot default: $(ratio "$(best "${R[s,moat]}")" "$(best "${R[s,dovecot]}")"); Moat/Dovecot high-perf: $(ratio "$(best "${R[s,moat]}")" "$(best "${R[s,hp]}")")"
echo "sessions, Moat with client security passwords: /Dovecot default $(ratio "$(best "${R[s,app]}")" "$(best "${R[s,dovecot]}")"); /Dovecot high-perf $(ratio "$(best "${R[s,app]}")" "$(best "${R[s,hp]}")")"
echo "all rounds: download moat [${R[dl,moat]% }] dovecot [${R[dl,dovecot]% }]; sessions moat [${R[s,moat]% }] moat-app [${R[s,app]% }] dovecot [${R[s,dovecot]% }] hp [${R[s,hp]% }]"
