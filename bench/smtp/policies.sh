#!/usr/bin/env bash
# bench/smtp/policies.sh: what the mail-flow policies of issue 7 cost. One Moat, two domains:
# plain.example has no policy at all; example.com has every stage on — 20 admin filter rules,
# the external-mail warning, a monitoring rule copying the recipient's mail to a supervisor,
# and a Sieve script on the recipient. smtp-source sends the same messages over MX to each in
# turn, interleaved (plain, policies, plain, …) because this machine is shared and noisy, and
# the table gives messages/s and server CPU per message for both, and the cost in percent.
#   MESSAGES=10000 SESSIONS=20 SIZE=5120 ROUNDS=3 bash bench/smtp/policies.sh
# MONITOR=0 leaves the monitoring rule out: what the other stages cost without a second
# stored copy of every message.
# MOAT_ROOT: the checkout whose bin/ and dist/ run Moat (see bench/smtp/RESULTS.md).
# SETUP_ONLY=1 makes the data folder ($PERF/moat-policies/data) and stops there, for
# bench/smtp/flow-instructions.mjs (the same pipeline in process, under callgrind).
set -euo pipefail
cd "$(dirname "$0")/../.."
MOAT_ROOT=${MOAT_ROOT:-$PWD}
MESSAGES=${MESSAGES:-10000} SESSIONS=${SESSIONS:-20} SIZE=${SIZE:-5120} ROUNDS=${ROUNDS:-3} MONITOR=${MONITOR:-1}
export PERF=${PERF:-/tmp/moat-perf}
TICK=$(getconf CLK_TCK)
if ! command -v smtp-source >/dev/null; then
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postfix bc >/dev/null
fi
[ -f "$MOAT_ROOT/dist/cli/main.js" ] || (cd "$MOAT_ROOT" && npm run build >/dev/null)

M=$PERF/moat-policies; rm -rf "$M"; mkdir -p "$M"
echo '{"*": "nxdomain"}' > "$M/zone.json"
export MOAT_DATA_DIR=$M/data MOAT_LISTEN_HOST=127.0.0.1 MOAT_LOG_LEVEL=warn MOAT_DNS_ZONE_FILE=$M/zone.json MOAT_HTTP_TLS=off
for l in SMTP SUBMISSION SUBMISSIONS IMAP IMAPS POP3 POP3S HTTP MANAGESIEVE; do export "MOAT_${l}_PORT=0"; done
moat() { node "$MOAT_ROOT/bin/moat.js" "$@"; }
moat init --domain example.com >/dev/null
moat domain add plain.example >/dev/null
for u in testuser1@example.com boss@example.com testuser1@plain.example; do
  echo "bench-password-1" | moat user add "$u" --password-stdin >/dev/null
done

# --- Every stage on for example.com. The rules are the kind an admin writes: most look at
# the sender, subject, headers or size and do not match this mail; two match and add a header.
moat domain set example.com external-warning=advanced >/dev/null
[ "$MONITOR" = 1 ] && moat monitor add testuser1@example.com --supervisor boss@example.com --direction both >/dev/null
add_rule() { moat rule add example.com "$@" >/dev/null; }
for i in $(seq 1 6); do add_rule "block-$i" --if "from-domain is spam$i.example" --then delete; done
for i in $(seq 1 4); do add_rule "subject-$i" --if "subject contains lottery winner $i" --then junk; done
for i in $(seq 1 3); do add_rule "mailer-$i" --if "header:X-Mailer contains massmailer$i" --then junk; done
add_rule big --if "size over 20M" --then quarantine
add_rule exe --if "attachment-name matches *.exe" --then quarantine
add_rule macro --if "attachment-type is application/vnd.ms-excel.sheet.macroEnabled.12" --then quarantine
add_rule dmarc --if "dmarc is fail" --then junk
add_rule invoice --match all --if "subject contains invoice" --if "body contains bank details" --then "tag [Check]"
add_rule tag-bench --if "from-domain is sender.example" --then "header X-Bench: seen"
add_rule tag-all --if "size over 1" --then "header X-Policy: checked"
[ "$(moat --json rule list example.com | wc -l)" = 20 ] || { echo "expected 20 rules" >&2; exit 1; }
cat > "$M/filter.sieve" <<'SIEVE'
require ["fileinto", "imap4flags"];
if header :contains "subject" "newsletter" { fileinto "News"; stop; }
if address :domain :is "from" "spam.example" { discard; stop; }
if size :over 10M { addflag "\\Flagged"; }
SIEVE
moat sieve put testuser1@example.com "$M/filter.sieve" --activate >/dev/null
[ "${SETUP_ONLY:-0}" = 1 ] && { echo "$M/data"; exit 0; }

node "$MOAT_ROOT/bin/moat.js" start > "$M/moat.log" 2>&1 &
MOAT_PID=$!
trap 'kill $MOAT_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -f "$M/data/ports.json" ] && break; sleep 0.1; done
MOAT_PORT=$(node -e "console.log(require('$M/data/ports.json').smtp)")
MOAT_NODE=$(pgrep -P $MOAT_PID -f "moat.js" || echo $MOAT_PID)

cpu_ticks() { awk '{print $14+$15+$16+$17}' "/proc/$1/stat"; }
stored() { # rows in one user's mailboxes
  (cd "$MOAT_ROOT" && node -e "const D=require('better-sqlite3');const d=new D('$M/data/moat.db',{readonly:true});console.log(d.prepare('select count(*) n from messages m join mailboxes b on b.id=m.mailbox_id join users u on u.id=b.user_id where u.address=?').get('$1').n)")
}
now() { date +%s.%N; }

declare -A RESULT
run() { # label recipient
  local before before_cpu t0 t1 after after_cpu n secs
  before=$(stored "$2"); before_cpu=$(cpu_ticks $MOAT_NODE)
  t0=$(now)
  smtp-source -s "$SESSIONS" -m "$MESSAGES" -l "$SIZE" -d -f bench@sender.example -t "$2" "127.0.0.1:$MOAT_PORT"
  t1=$(now)
  after=$(stored "$2"); after_cpu=$(cpu_ticks $MOAT_NODE)
  n=$((after - before)); secs=$(echo "$t1 - $t0" | bc -l)
  [ "$n" = "$MESSAGES" ] || echo "warning: $1 stored $n of $MESSAGES" >&2
  RESULT[$1,rate]+="$(echo "$n / $secs" | bc -l) "
  RESULT[$1,cpu]+="$(echo "($after_cpu - $before_cpu) * 1000000 / $TICK / $n" | bc -l) "
}

for round in $(seq 1 "$ROUNDS"); do
  echo "round $round: no policies" >&2; run plain testuser1@plain.example
  echo "round $round: every stage" >&2; run policies testuser1@example.com
done
copies=$(stored boss@example.com)
[ "$copies" = $((MESSAGES * ROUNDS * MONITOR)) ] || echo "warning: the supervisor has $copies monitoring copies, expected $((MESSAGES * ROUNDS))" >&2

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
pr=$(echo "${RESULT[plain,rate]}" | median); qr=$(echo "${RESULT[policies,rate]}" | median)
pc=$(echo "${RESULT[plain,cpu]}" | median); qc=$(echo "${RESULT[policies,cpu]}" | median)
printf '\n%s messages of %s bytes over %s reused sessions, %s rounds (medians), monitoring %s\n\n' "$MESSAGES" "$SIZE" "$SESSIONS" "$ROUNDS" "$([ "$MONITOR" = 1 ] && echo on || echo off)"
printf '| metric | no policies | every stage | cost |\n|---|---|---|---|\n'
printf '| accepted msg/s | %.0f | %.0f | %.1f%% |\n' "$pr" "$qr" "$(echo "(1 - $qr / $pr) * 100" | bc -l)"
printf '| server CPU µs/msg | %.0f | %.0f | %.1f%% |\n' "$pc" "$qc" "$(echo "($qc / $pc - 1) * 100" | bc -l)"
