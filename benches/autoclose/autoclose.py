#!/usr/bin/env python3
"""The script a user would write instead of graphsoar's auto-close playbook (benchmark contender).

    CLIENT_SECRET=... autoclose.py --graph-url URL --login-url URL --tenant T --client-id C \
        --list autoclose_sha256.txt [--no-write]

The same work as playbooks/autoclose.yaml: list new alerts updated in the last hour (`$filter`,
`$top=1000`, following `@odata.nextLink`), keep those whose title names EICAR and whose every
fileEvidence has a SHA-256 from the list, then for each one PATCH status/classification/determination
and POST a comment, one request after the other on one `requests.Session`. Matches are collected
before writing, so paging never runs over alerts it is changing. `--no-write` lists and matches
only. Prints one line: listed, matched, changed.
"""
import argparse
import os
import sys
import time
from datetime import datetime, timedelta, timezone

import requests

FILE_EVIDENCE = "#microsoft.graph.security.fileEvidence"
COMMENT = ("Closed by autoclose.py: the only file in this alert is the EICAR anti-virus test file "
           "(SHA-256 in list autoclose_sha256).")


def call(session, method, url, **kw):
    """One request; waits out 429/503 with Retry-After, as Graph asks; raises on other errors."""
    for _ in range(5):
        r = session.request(method, url, timeout=60, **kw)
        if r.status_code in (429, 503):
            time.sleep(float(r.headers.get("Retry-After", "1")))
            continue
        r.raise_for_status()
        return r.json()
    r.raise_for_status()


def matches(alert, hashes):
    """The playbook's condition: title names EICAR, at least one file, every file's hash listed."""
    if "eicar" not in (alert.get("title") or "").lower():
        return False
    files = [e for e in alert.get("evidence") or [] if e.get("@odata.type") == FILE_EVIDENCE]
    return len(files) > 0 and all(((f.get("fileDetails") or {}).get("sha256") or "").lower() in hashes for f in files)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--graph-url", required=True)
    ap.add_argument("--login-url", required=True)
    ap.add_argument("--tenant", required=True)
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--list", required=True, help="SHA-256 list, one a line (# comments)")
    ap.add_argument("--no-write", action="store_true", help="list and match only")
    a = ap.parse_args()
    with open(a.list, encoding="utf-8") as f:
        hashes = {line.strip().lower() for line in f if line.strip() and not line.startswith("#")}

    s = requests.Session()
    token = s.post(f"{a.login_url}/{a.tenant}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": a.client_id,
        "client_secret": os.environ["CLIENT_SECRET"], "scope": "https://graph.microsoft.com/.default",
    }, timeout=60)
    token.raise_for_status()
    s.headers["Authorization"] = "Bearer " + token.json()["access_token"]

    since = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    url = f"{a.graph_url}/v1.0/security/alerts_v2"
    params = {"$filter": f"status eq 'new' and lastUpdateDateTime ge {since}", "$top": "1000"}
    listed, todo = 0, []
    while url:
        page = call(s, "GET", url, params=params)
        params = None  # the nextLink carries the query
        listed += len(page["value"])
        todo += [x["id"] for x in page["value"] if matches(x, hashes)]
        url = page.get("@odata.nextLink")

    changed = 0
    for aid in [] if a.no_write else todo:
        item = f"{a.graph_url}/v1.0/security/alerts_v2/{aid}"
        call(s, "PATCH", item, json={"status": "resolved", "classification": "informationalExpectedActivity",
                                     "determination": "securityTesting"})
        call(s, "POST", item + "/comments",
             json={"@odata.type": "microsoft.graph.security.alertComment", "comment": COMMENT})
        changed += 1
    print(f"listed {listed}, matched {len(todo)}, changed {changed}")


if __name__ == "__main__":
    sys.exit(main())
