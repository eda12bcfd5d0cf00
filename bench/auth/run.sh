#!/usr/bin/env bash
# bench/auth: protocol logins per second and p99 latency, 50 parallel IMAP clients doing
# LOGIN+LOGOUT on fresh connections, against Moat with client security passwords, Moat with
# main passwords (argon2id), and Dovecot 2.3 in both process modes on the same machine, in one
# interleaved run. Not a test. It is bench/imap's harness with only the login rows and users
# without mail (see bench/imap/run.sh for every knob):
#   MOAT_ROOT=/tmp/moat-bench ROUNDS=3 SECS=5 bash bench/auth/run.sh
# Rows: login50 (main passwords; Dovecot's peers store {PLAIN}), login50argon (main passwords;
# Dovecot with Moat's own argon2id hash: like for like), login50app (Moat with client security
# passwords, Dovecot with its plain passwords: what each asks a mail client to use).
set -euo pipefail
cd "$(dirname "$0")/../.."
export ONLY=${ONLY:-login50app,login50,login50argon} MAILBOXES=none IDLE_ROUNDS=0 RESULTS_NAME=auth-results
exec bash bench/imap/run.sh
