#!/usr/bin/env bash
# The auto-close benchmark: `graphsoar run --once` with playbooks/autoclose.yaml against
# autoclose.py (the requests script a user would write instead), over the same generated tenant,
# each against its own freshly started emulator (a separate process on a free loopback port).
# Builds nothing. Usage, from anywhere:
#
#   benches/autoclose/run.sh [--alerts 10000] [--matching 3000] [--latency-ms 0] [--seed 1] [--batches 4]
#
# BIN overrides the binary (default target/release/graphsoar), e.g. BIN=target/debug/graphsoar.
# --latency-ms adds that many milliseconds to every request (the emulator's `*=latency:MS` fault).
# --batches sets graphsoar's limits.batches_in_flight ($batch calls at once; its default is 8).
# Rows: each contender doing the work, and each listing and matching only (graphsoar with an
# empty hash list so the condition matches nothing; the script with --no-write). "changed" is
# counted afterwards on the emulator: alerts now resolved as informationalExpectedActivity /
# securityTesting with a comment; the two full runs must have changed the same alerts.
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=$PWD/benches/autoclose
BIN=${BIN:-$PWD/target/release/graphsoar}
ALERTS=10000 MATCHING=3000 LATENCY=0 SEED=1 BATCHES=
while [ $# -gt 0 ]; do
  case "$1" in
  --alerts) ALERTS=$2; shift 2 ;;
  --matching) MATCHING=$2; shift 2 ;;
  --latency-ms) LATENCY=$2; shift 2 ;;
  --seed) SEED=$2; shift 2 ;;
  --batches) BATCHES=$2; shift 2 ;;
  *) echo "usage: $0 [--alerts N] [--matching M] [--latency-ms MS] [--seed S] [--batches B]" >&2; exit 2 ;;
  esac
done
[ -x "$BIN" ] || { echo "$BIN not found: build it first (or set BIN)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/graphsoar-bench-autoclose.XXXXXX)
EMU=
trap '[ -n "$EMU" ] && kill $EMU 2>/dev/null; wait 2>/dev/null || true' EXIT

# The script's interpreter: a plain venv with requests, made once.
VENV=$PWD/target/bench-venv
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import requests' 2>/dev/null; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install -q requests
fi

python3 "$HERE/make_tenant.py" "$WORK/tenant" --alerts "$ALERTS" --matching "$MATCHING" --seed "$SEED"
: >"$WORK/empty.txt"
FAULTS=()
[ "$LATENCY" -gt 0 ] && FAULTS=(--faults "*=latency:$LATENCY")
export GRAPHSOAR_CLIENT_SECRET=local-secret CLIENT_SECRET=local-secret
export GRAPHSOAR_LOG=warn

start_emulator() { # a fresh emulator on a free port; sets URL and EMU
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  URL=http://127.0.0.1:$port
  "$BIN" emulator --dataset "$WORK/tenant" --listen "127.0.0.1:$port" "${FAULTS[@]}" >"$WORK/emulator-$1.out" 2>&1 &
  EMU=$!
  until grep -q "listening on" "$WORK/emulator-$1.out" 2>/dev/null; do
    kill -0 $EMU 2>/dev/null || { cat "$WORK/emulator-$1.out"; exit 1; }
    sleep 0.1
  done
}

settings() { # $1 = list file: graphsoar pointed at the separate emulator, as benches/engine.sh does
  cat <<EOF
tenant_id: local
client_id: graphsoar-local
graph_url: $URL
login_url: $URL
playbooks: $HERE/playbooks
state: $WORK/state-$2.db
outbox: $WORK/outbox
lists: { autoclose_sha256: $1 }
limits: { max_actions_per_run: 1000000, writes_per_minute: 0, hunting_per_minute: 0${BATCHES:+, batches_in_flight: $BATCHES} }
EOF
}

# Reads what the run did from the emulator: writes $WORK/$1.changed (ids of the alerts resolved
# as the benchmark resolves them, with a comment) and prints "changed requests per-route".
inspect() {
  python3 - "$URL" "$WORK/$1" <<'EOF'
import json, sys, urllib.parse, urllib.request
url, out = sys.argv[1], sys.argv[2]
stats = json.load(urllib.request.urlopen(url + "/_emulator/stats"))  # before our own requests
json.dump(stats, open(out + ".stats.json", "w"), indent=1)
body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "graphsoar-local",
                               "client_secret": "local-secret", "scope": "https://graph.microsoft.com/.default"})
token = json.load(urllib.request.urlopen(url + "/local/oauth2/v2.0/token", body.encode()))["access_token"]
ids, next_url = [], url + "/v1.0/security/alerts_v2?" + urllib.parse.urlencode(
    {"$filter": "status eq 'resolved'", "$top": "1000"})
while next_url:
    page = json.load(urllib.request.urlopen(urllib.request.Request(next_url, headers={"Authorization": "Bearer " + token})))
    ids += [a["id"] for a in page["value"] if a.get("classification") == "informationalExpectedActivity"
            and a.get("determination") == "securityTesting" and a.get("comments")]
    next_url = page.get("@odata.nextLink")
open(out + ".changed", "w").write("".join(i + "\n" for i in sorted(ids)))
routes = ", ".join(f"{k.replace('/v1.0/security', '')} {v}" for k, v in stats["byRoute"].items())
status = ",".join(f"{k}:{v}" for k, v in stats["byStatus"].items())
print(f"{len(ids)}\t{stats['total']}\t{routes} [status {status}]")
EOF
}

# run NAME KIND [ARG]: one contender against a fresh emulator; appends a row to $WORK/rows.
# KIND gs: graphsoar run --once, ARG = the hash list file; KIND py: autoclose.py, ARG = its flag.
run() {
  local name=$1 kind=$2 arg=${3:-} cmd
  start_emulator "$name"
  if [ "$kind" = gs ]; then
    settings "$arg" "$name" >"$WORK/$name.yaml"
    cmd=("$BIN" run --once --config "$WORK/$name.yaml")
  else
    cmd=("$VENV/bin/python" "$HERE/autoclose.py" --graph-url "$URL" --login-url "$URL" --tenant local
      --client-id graphsoar-local --list "$HERE/autoclose_sha256.txt" ${arg:+"$arg"})
  fi
  curl -s -X POST "$URL/_emulator/stats/reset" >/dev/null
  local t0 t1 rc=0 rss line changed requests routes
  t0=$(date +%s.%N)
  /usr/bin/time -v -o "$WORK/$name.time" "${cmd[@]}" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
  t1=$(date +%s.%N)
  rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2 / 1024}' "$WORK/$name.time")
  line=$(inspect "$name")
  IFS=$'\t' read -r changed requests routes <<<"$line"
  printf '%s\t%.2f\t%s\t%s\t%s\t%s\t%s\n' "$name" "$(echo "$t1 - $t0" | bc)" "$requests" "$changed" "$rss" \
    "$([ $rc = 0 ] && echo ok || echo "exit $rc")" "$routes" >>"$WORK/rows"
  kill $EMU; wait $EMU 2>/dev/null || true; EMU=
}

echo "$ALERTS alerts, $MATCHING matching, latency $LATENCY ms per request, ${BATCHES:-default} batches in flight; $BIN; load average $(cut -d' ' -f1-3 /proc/loadavg)"
run graphsoar gs "$HERE/autoclose_sha256.txt"
run autoclose.py py
run "graphsoar list+match" gs "$WORK/empty.txt"
run "autoclose.py list+match" py --no-write

# The table, then the ratios and the check that both changed the same alerts.
{
  printf 'contender\tseconds\trequests\tchanged\tmax RSS MB\texit\n'
  cut -f1-6 "$WORK/rows"
} | column -t -s $'\t'
echo
cut -f1,7 "$WORK/rows" | sed 's/\t/: /'
awk -F'\t' '{t[NR] = $2} END {
  printf "\nscript / graphsoar: %.1fx doing the work, %.1fx listing and matching only\n", t[2] / t[1], t[4] / t[3] }' "$WORK/rows"
if cmp -s "$WORK/graphsoar.changed" "$WORK/autoclose.py.changed" && [ "$(wc -l <"$WORK/graphsoar.changed")" -eq "$MATCHING" ]; then
  echo "check: both changed the same $MATCHING alerts"
else
  echo "check FAILED: graphsoar changed $(wc -l <"$WORK/graphsoar.changed"), autoclose.py $(wc -l <"$WORK/autoclose.py.changed"), expected $MATCHING (diff $WORK/graphsoar.changed $WORK/autoclose.py.changed)"
  status=1
fi
echo "logs, stats and outputs in $WORK; load average after $(cut -d' ' -f1-3 /proc/loadavg)"
exit ${status:-0}
