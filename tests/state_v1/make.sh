#!/usr/bin/env bash
# Makes tests/state_v1/state.db: a state file written by graphsoar with state schema version 1
# (the release before the typed ledger, commit 5c35505), holding pending, done and skipped
# ledger entries of every action kind. Kept as a fixture: the typed-ledger migration test
# (tests/engine_service.rs) opens it with the current code and resumes its pending actions.
#
#   BIN=/path/to/graphsoar-at-5c35505 tests/state_v1/make.sh
#
# Everything that would complete an action fails in a retryable way, so the entries stay
# pending: every `$batch` answers 503 (PATCHes and comments), SMTP and the webhook point at a
# closed loopback port.
set -euo pipefail
cd "$(dirname "$0")"
BIN=${BIN:?set BIN to a graphsoar binary of state schema version 1}
PORT=${PORT:-18593}
WORK=$(mktemp -d /tmp/graphsoar-state-v1.XXXXXX)
trap 'kill $EMU 2>/dev/null || true; wait $EMU 2>/dev/null || true' EXIT
GRAPHSOAR_LOG=warn "$BIN" emulator --listen "127.0.0.1:$PORT" --faults 'batch=503:1' >"$WORK/emulator.out" 2>&1 &
EMU=$!
until grep -q "listening on" "$WORK/emulator.out" 2>/dev/null; do
  kill -0 $EMU || { cat "$WORK/emulator.out"; exit 1; }
  sleep 0.2
done
cat >"$WORK/graphsoar.yaml" <<YAML
tenant_id: local
client_id: graphsoar-local
graph_url: http://127.0.0.1:$PORT
login_url: http://127.0.0.1:$PORT
playbooks: $PWD/playbooks
state: $WORK/state.db
smtp: { host: 127.0.0.1, port: 1, tls: none, from: soar@example.com }
limits: { max_attempts: 2 }
YAML
export GRAPHSOAR_CLIENT_SECRET=local-secret GRAPHSOAR_TEAMS_WEBHOOK=http://127.0.0.1:1/teams
"$BIN" run --once --config "$WORK/graphsoar.yaml" >"$WORK/run.out" 2>"$WORK/run.err" || true
cat "$WORK/run.out"
cp "$WORK/state.db" state.db
echo "wrote $PWD/state.db"
