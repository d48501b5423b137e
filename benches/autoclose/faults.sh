#!/usr/bin/env bash
# Faults and resumes (issue 12): the auto-close playbook of run.sh over a generated tenant, with
# the emulator as a separate process. Builds nothing (BIN, default target/release/graphsoar).
#
#   benches/autoclose/faults.sh [--alerts 4000] [--matching 2000] [--seed 1]
#
# Rows:
#   fresh, no faults       one `run --once` doing every action on a healthy emulator;
#   fresh, fault mix       the same under MIX (30% of list, item, $batch and comment requests
#                          throttled with Retry-After: 0, 5% answered 500): runs until one exits
#                          0 (at most 5), each run's time and exit code;
#   resume, no faults      every action pending from an earlier run (a first run whose $batch
#                          calls all got 503, with limits.request_attempts 1), then the timed run
#                          that resumes them, healthy;
#   resume, fault mix      the same, the resuming run under MIX.
# For each: seconds, HTTP requests to Graph (the $batch calls among them), item GETs (inside
# batches or alone; a resume reads each pending action's item once), alerts changed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=$PWD/benches/autoclose
BIN=${BIN:-$PWD/target/release/graphsoar}
ALERTS=4000 MATCHING=2000 SEED=1
MIX="alerts=429@0:0.3,500:0.05;alert=429@0:0.3,500:0.05;batch=429@0:0.3,500:0.05;comments=429@0:0.3,500:0.05"
while [ $# -gt 0 ]; do
  case "$1" in
  --alerts) ALERTS=$2; shift 2 ;;
  --matching) MATCHING=$2; shift 2 ;;
  --seed) SEED=$2; shift 2 ;;
  *) echo "usage: $0 [--alerts N] [--matching M] [--seed S]" >&2; exit 2 ;;
  esac
done
[ -x "$BIN" ] || { echo "$BIN not found: build it first (or set BIN)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/graphsoar-bench-faults.XXXXXX)
EMU=
trap '[ -n "$EMU" ] && kill $EMU 2>/dev/null; wait 2>/dev/null || true' EXIT
python3 "$HERE/make_tenant.py" "$WORK/tenant" --alerts "$ALERTS" --matching "$MATCHING" --seed "$SEED"
export GRAPHSOAR_CLIENT_SECRET=local-secret GRAPHSOAR_LOG=warn

start_emulator() { # $1 = name: a fresh emulator on a free port; sets URL and EMU
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  URL=http://127.0.0.1:$port
  "$BIN" emulator --dataset "$WORK/tenant" --listen "127.0.0.1:$port" --seed "$SEED" >"$WORK/emulator-$1.out" 2>&1 &
  EMU=$!
  until grep -q "listening on" "$WORK/emulator-$1.out" 2>/dev/null; do
    kill -0 $EMU 2>/dev/null || { cat "$WORK/emulator-$1.out"; exit 1; }
    sleep 0.1
  done
}
faults() { # $1 = spec ("" = none)
  python3 - "$URL" "$1" <<'EOF'
import json, sys, urllib.request
url, spec = sys.argv[1], sys.argv[2]
req = urllib.request.Request(url + "/_emulator/faults", json.dumps({"spec": spec}).encode(),
                             {"Content-Type": "application/json"})
urllib.request.urlopen(req).read()
EOF
}
settings() { # $1 = name, $2 = extra limits
  cat >"$WORK/$1.yaml" <<EOF
tenant_id: local
client_id: graphsoar-local
graph_url: $URL
login_url: $URL
playbooks: $HERE/playbooks
state: $WORK/state-$1.db
outbox: $WORK/outbox
lists: { autoclose_sha256: $HERE/autoclose_sha256.txt }
limits: { max_actions_per_run: 1000000, writes_per_minute: 0, hunting_per_minute: 0$2 }
EOF
}
stats() { # prints "HTTP-requests sub-requests-in-batches item-GETs changed"
  python3 - "$URL" <<'EOF'
import json, sys, urllib.parse, urllib.request
url = sys.argv[1]
stats = json.load(urllib.request.urlopen(url + "/_emulator/stats"))
singles = sum(v for k, v in stats["byRoute"].items() if k.startswith("GET") and "{id}" in k)
batches = sum(v for k, v in stats["byRoute"].items() if k.endswith("/$batch"))
# The emulator counts $batch sub-requests on their routes too: HTTP requests are the rest.
subs = sum(v for k, v in stats["byRoute"].items() if "{id}" in k)
http = stats["total"] - subs
urllib.request.urlopen(urllib.request.Request(url + "/_emulator/faults", json.dumps({"spec": ""}).encode(),
                                              {"Content-Type": "application/json"})).read()
body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "graphsoar-local",
                               "client_secret": "local-secret", "scope": "https://graph.microsoft.com/.default"})
token = json.load(urllib.request.urlopen(url + "/local/oauth2/v2.0/token", body.encode()))["access_token"]
changed, next_url = 0, url + "/v1.0/security/alerts_v2?" + urllib.parse.urlencode({"$filter": "status eq 'resolved'", "$top": "1000"})
while next_url:
    page = json.load(urllib.request.urlopen(urllib.request.Request(next_url, headers={"Authorization": "Bearer " + token})))
    changed += sum(1 for a in page["value"] if a.get("determination") == "securityTesting" and a.get("comments"))
    next_url = page.get("@odata.nextLink")
print(http, batches, singles, changed)
EOF
}
timed() { # $1 = name: one run --once; prints "seconds exit"
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  "$BIN" run --once --config "$WORK/$1.yaml" >"$WORK/$1.out" 2>"$WORK/$1.err" || rc=$?
  t1=$(date +%s.%N)
  printf '%.2f %s' "$(echo "$t1 - $t0" | bc)" "$rc"
}
row() { printf '%-20s %-30s %9s %8s %8s %8s\n' "$@"; }

echo "$ALERTS alerts, $MATCHING matching; $BIN; load average $(cut -d' ' -f1-3 /proc/loadavg)"
row what "runs (seconds:exit)" requests '$batch' 'GET{id}' changed

fresh() { # $1 = name, $2 = fault spec
  start_emulator "$1"
  settings "$1" ""
  [ -n "$2" ] && faults "$2"
  curl -s -X POST "$URL/_emulator/stats/reset" >/dev/null
  local runs="" total=0 i r
  for i in 1 2 3 4 5; do
    r=$(timed "$1")
    runs="$runs ${r% *}s:${r#* }"
    total=$(echo "$total + ${r% *}" | bc)
    [ "${r#* }" = 0 ] && break
  done
  read -r requests batches singles changed <<<"$(stats)"
  row "$1" "total ${total}s;$runs" "$requests" "$batches" "$singles" "$changed"
  kill $EMU; wait $EMU 2>/dev/null || true; EMU=
}

resume() { # $1 = name, $2 = fault spec of the resuming run
  start_emulator "$1"
  settings "$1" ", request_attempts: 1"
  faults "batch=503:1.0"
  timed "$1" >/dev/null
  settings "$1" ""
  faults "$2"
  curl -s -X POST "$URL/_emulator/stats/reset" >/dev/null
  local r
  r=$(timed "$1")
  read -r requests batches singles changed <<<"$(stats)"
  row "$1" "${r% *}s:${r#* }" "$requests" "$batches" "$singles" "$changed"
  kill $EMU; wait $EMU 2>/dev/null || true; EMU=
}

fresh "fresh, no faults" ""
fresh "fresh, fault mix" "$MIX"
resume "resume, no faults" ""
resume "resume, fault mix" "$MIX"
echo "outputs in $WORK; load average after $(cut -d' ' -f1-3 /proc/loadavg)"
