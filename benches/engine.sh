#!/usr/bin/env bash
# Benchmarks of whole processes (issue 5a and 5c), against an emulator running as a separate
# process. Builds nothing: run `cargo build --release` first. Usage, from the repository root:
#
#   benches/engine.sh once    # 5a: one `graphsoar run --once` of the EICAR auto-close playbook
#                             #     over a generated tenant of 100,000 alerts (10,000 closable)
#   benches/engine.sh idle    # 5c: an idle scheduler with 1,000 playbooks, CPU% over 60 s and RSS
#
# Environment: ALERTS (default 100000), PORT (default 18472), IDLE_SECONDS (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/target/release/graphsoar
ALERTS=${ALERTS:-100000}
PORT=${PORT:-18472}
URL=http://127.0.0.1:$PORT
WORK=$(mktemp -d /tmp/graphsoar-bench-engine.XXXXXX)
trap 'kill $EMU 2>/dev/null || true; wait $EMU 2>/dev/null || true' EXIT

start=$(date +%s.%N)
GRAPHSOAR_LOG=warn "$BIN" emulator --generate "$ALERTS" --listen "127.0.0.1:$PORT" >"$WORK/emulator.out" 2>&1 &
EMU=$!
until grep -q "listening on" "$WORK/emulator.out" 2>/dev/null; do
  kill -0 $EMU || { cat "$WORK/emulator.out"; exit 1; }
  sleep 0.2
done
echo "emulator pid $EMU listening after $(echo "$(date +%s.%N) - $start" | bc) s ($ALERTS alerts); load average $(cut -d' ' -f1-3 /proc/loadavg)"

settings() { # $1 = playbooks folder
  cat <<EOF
tenant_id: local
client_id: graphsoar-local
graph_url: $URL
login_url: $URL
playbooks: $1
state: $WORK/state-$(basename "$1").db
outbox: $WORK/outbox
limits: { max_actions_per_run: 20000, writes_per_minute: 0, hunting_per_minute: 0 }
EOF
}
export GRAPHSOAR_CLIENT_SECRET=local-secret

case "${1:-once}" in
once)
  # The shipped playbook as is (since: 1h), read only: how many alerts its window sees.
  mkdir -p "$WORK/shipped"
  cp playbooks/close-eicar-test-alerts.yaml "$WORK/shipped/"
  cp -r playbooks/tests "$WORK/shipped/"
  settings "$WORK/shipped" >"$WORK/shipped.yaml"
  "$BIN" run --once --dry-run --config "$WORK/shipped.yaml" >"$WORK/dry.out" 2>"$WORK/dry.err" || true
  echo "--- shipped playbook (since: 1h), --dry-run summary:"
  tail -5 "$WORK/dry.out"
  # The benchmark copy: since 30d, so the whole generated week is in the window.
  mkdir -p "$WORK/bench"
  sed 's/^    since: 1h$/    since: 30d/' playbooks/close-eicar-test-alerts.yaml >"$WORK/bench/close-eicar-test-alerts.yaml"
  grep -q "since: 30d" "$WORK/bench/close-eicar-test-alerts.yaml"
  cp -r playbooks/tests "$WORK/bench/"
  settings "$WORK/bench" >"$WORK/bench.yaml"
  curl -s -X POST "$URL/_emulator/stats/reset" >/dev/null
  echo "--- benchmark copy (since: 30d): graphsoar run --once; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -v "$BIN" run --once --config "$WORK/bench.yaml" >"$WORK/run.out" 2>"$WORK/run.err" || echo "(exit $?)"
  tail -5 "$WORK/run.out"
  grep -E "Elapsed|Maximum resident|Percent of CPU" "$WORK/run.err"
  echo "--- Graph requests by route (GET /_emulator/stats):"
  curl -s "$URL/_emulator/stats" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(json.dumps(s["byRoute"], indent=1)); print("total", s["total"], "by status", s["byStatus"])'
  curl -s "$URL/v1.0/security/alerts_v2?\$top=1&\$count=true&\$filter=status%20eq%20'resolved'%20and%20classification%20eq%20'informationalExpectedActivity'" \
    -H "Authorization: Bearer $(curl -s -X POST "$URL/local/oauth2/v2.0/token" -d grant_type=client_credentials -d client_id=graphsoar-local -d client_secret=local-secret -d scope=https://graph.microsoft.com/.default | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')" |
    python3 -c 'import json,sys; print("alerts now resolved as informationalExpectedActivity:", json.load(sys.stdin).get("@odata.count"))'
  echo "--- load average after: $(cut -d' ' -f1-3 /proc/loadavg); logs in $WORK"
  ;;
idle)
  SECONDS_IDLE=${IDLE_SECONDS:-60}
  mkdir -p "$WORK/idle"
  cp -r playbooks/tests "$WORK/idle/"
  for i in $(seq 1 1000); do
    sed -e "s/^name: close-eicar-test-alerts$/name: idle-$i/" -e 's/^schedule: .*$/schedule: "0 0 1 1 *"/' \
      playbooks/close-eicar-test-alerts.yaml >"$WORK/idle/idle-$i.yaml"
  done
  settings "$WORK/idle" >"$WORK/idle.yaml"
  "$BIN" run --config "$WORK/idle.yaml" >"$WORK/idle.out" 2>"$WORK/idle.err" &
  RUN=$!
  sleep 10 # let it start (load and compile 1,000 playbooks)
  kill -0 $RUN || { tail "$WORK/idle.err"; exit 1; }
  tick=$(getconf CLK_TCK)
  cpu() { awk '{print $14 + $15}' "/proc/$RUN/stat"; }
  c0=$(cpu); t0=$(date +%s.%N)
  sleep "$SECONDS_IDLE"
  c1=$(cpu); t1=$(date +%s.%N)
  echo "idle scheduler, 1000 playbooks (pid $RUN): CPU $(echo "scale=3; 100 * ($c1 - $c0) / $tick / ($t1 - $t0)" | bc) % over $(echo "$t1 - $t0" | bc | cut -c1-5) s ($((c1 - c0)) ticks of 1/$tick s); $(grep -E 'VmRSS' /proc/$RUN/status | tr -s ' \t' ' '); $(grep -E 'VmHWM' /proc/$RUN/status | tr -s ' \t' ' '); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  kill -TERM $RUN
  wait $RUN || echo "(graphsoar run exited $?)"
  tail -3 "$WORK/idle.err"
  ;;
esac
