#!/usr/bin/env python3
"""Writes an emulator dataset folder (`graphsoar emulator --dataset DIR`) for the auto-close benchmark.

    make_tenant.py OUT_DIR [--alerts 10000] [--matching 3000] [--seed 1]

OUT_DIR gets `alerts.json` and `incidents.json` (layout: src/emulator/dataset/README.md). Every alert
has the shape of the Graph docs' "Get alert" example (src/graph/models/testdata/alert_get.json: every
v1.0 property, a device, a file, a process and a registry key as evidence) plus a user, about 6.7 KB
as the emulator serves it. `--matching` of them are EICAR test drops that playbooks/autoclose.yaml
and autoclose.py close: status `new`, title naming EICAR, every fileEvidence with the EICAR SHA-256.
The others are near misses: the same title with another hash (a document carrying the EICAR
string), the EICAR file next to a second unknown file, the EICAR hash under another title, and a
real EICAR drop an analyst already took (`inProgress`, excluded by the `$filter`).

Datetimes are written relative to the dataset anchor 2030-01-01T00:00:00Z, which the emulator moves
to its start time; every alert was last updated 2 to 50 minutes before the anchor, so a playbook
with `since: 1h` sees all of them on a freshly started emulator. Same arguments, same files.
"""
import argparse
import json
import os
import random
from datetime import datetime, timedelta, timezone

ANCHOR = datetime(2030, 1, 1, tzinfo=timezone.utc)
TENANT = "2f7c6a3e-9b1d-4c8e-a5f2-6d0b3e9a1c47"
EICAR = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
EICAR_TITLE = "'EICAR_Test_File' malware was prevented"
HIDDEN_TITLE = "Suspicious execution of hidden file"
MAL_DESC = ("Malware and unwanted software are undesirable applications that perform annoying, disruptive, "
            "or harmful actions on affected machines. Some of these undesirable applications can replicate "
            "and spread from one machine to another. Others are able to receive commands from remote "
            "attackers and perform activities associated with cyber attacks.")
HIDDEN_DESC = ("A hidden file has been launched. This activity could indicate a compromised host. Attackers "
               "often hide files associated with malicious tools to evade file system inspection and defenses.")
# The docs example's recommendedActions, U+FFFD characters included.
RECOMMENDED = ("Collect artifacts and determine scope\n\ufffd\tReview the machine timeline for suspicious "
               "activities that may have occurred before and after the time of the alert, and record additional "
               "related artifacts (files, IPs/URLs) \n\ufffd\tLook for the presence of relevant artifacts on other "
               "systems. Identify commonalities and differences between potentially compromised systems.\n"
               "\ufffd\tBlock communication with relevant URLs or IPs at the organization\ufffds perimeter.")


def iso(t):
    """Graph's 7-digit-fraction UTC form."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}0Z"


def hexs(rng, n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def guid(rng):
    h = hexs(rng, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def file_details(name, path, sha256, rng, size):
    return {"sha1": hexs(rng, 40), "sha256": sha256, "md5": hexs(rng, 32), "sha256Ac": None,
            "fileName": name, "filePath": path, "fileSize": size,
            "filePublisher": None, "signer": None, "issuer": None}


def base(kind, created, verdict="unknown", remediation="none", roles=(), detailed=()):
    """The properties every evidence item carries."""
    return {"@odata.type": f"#microsoft.graph.security.{kind}", "createdDateTime": iso(created),
            "verdict": verdict, "remediationStatus": remediation, "remediationStatusDetails": None,
            "roles": list(roles), "detailedRoles": list(detailed), "tags": []}


def alert(i, incident, kind, rng):
    """Alert number `i` of the given kind: match, other_hash, extra_file, other_title, in_progress."""
    updated = ANCHOR - timedelta(seconds=rng.randint(120, 3000), microseconds=rng.randint(0, 999999))
    created = updated - timedelta(seconds=rng.randint(5, 60))
    first = created - timedelta(seconds=rng.randint(5, 600))
    aid = f"da6{rng.randint(10**16, 10**17 - 1)}_{rng.randint(-2**31, 2**31 - 1)}"
    user = f"user{rng.randint(1, 900):03d}"
    host = f"ws-{rng.randint(1, 4000):04d}"
    device_id = hexs(rng, 40)
    folder = f"C:\\Users\\{user}\\Downloads"
    eicar_title = kind != "other_title"
    files = []
    if kind in ("match", "in_progress", "other_title", "extra_file"):
        files.append(file_details("eicar.com.txt", folder, EICAR, rng, 68))
    if kind == "other_hash":
        files.append(file_details("Q3-results.docx", folder, hexs(rng, 64), rng, 48213))
    if kind == "extra_file":
        files.append(file_details("eicar_com.zip", folder, hexs(rng, 64), rng, 184))
    evidence = [dict(base("deviceEvidence", created, roles=["compromised"], detailed=["Main device"]), **{
        "firstSeenDateTime": iso(created - timedelta(days=rng.randint(30, 900))), "mdeDeviceId": device_id,
        "azureAdDeviceId": guid(rng), "deviceDnsName": f"{host}.corp.contoso.com", "hostName": host,
        "ntDomain": "CORP", "dnsDomain": "corp.contoso.com", "osPlatform": "Windows11", "osBuild": 22631,
        "version": "23H2", "healthStatus": "active", "riskScore": "medium", "rbacGroupId": 12,
        "rbacGroupName": "Workstations", "onboardingStatus": "onboarded", "defenderAvStatus": "updated",
        "ipInterfaces": [f"10.20.{rng.randint(0, 255)}.{rng.randint(1, 254)}", "fe80::4c2f:9a1e:7b3d:12c8",
                         "127.0.0.1", "::1"],
        "lastIpAddress": f"10.20.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        "lastExternalIpAddress": f"203.0.113.{rng.randint(1, 254)}",
        "loggedOnUsers": [{"accountName": user, "domainName": "CONTOSO"}], "resourceAccessEvents": [],
        "vmMetadata": {"vmId": guid(rng), "cloudProvider": "azure", "subscriptionId": guid(rng),
                       "resourceId": f"/subscriptions/{guid(rng)}/resourceGroups/Workstations/providers/"
                                     f"Microsoft.Compute/virtualMachines/{host}"}})]
    for fd in files:
        evidence.append(dict(base("fileEvidence", created, "malicious", "prevented", detailed=["Detected file"]),
                             detectionStatus="prevented", mdeDeviceId=device_id, fileDetails=fd))
    account = {"accountName": user, "domainName": "CONTOSO", "userSid": f"S-1-5-21-1004336348-1177238915-"
               f"682003330-{rng.randint(1000, 99999)}", "azureAdUserId": guid(rng),
               "userPrincipalName": f"{user}@contoso.com", "displayName": f"User {user[4:]}"}
    evidence.append(dict(base("processEvidence", created, detailed=["Created file"]), **{
        "processId": rng.randint(1000, 60000), "parentProcessId": rng.randint(500, 9000),
        "processCommandLine": "\"msedge.exe\" --type=utility --utility-sub-type=network.mojom.NetworkService",
        "processCreationDateTime": iso(first), "parentProcessCreationDateTime": iso(first - timedelta(hours=2)),
        "detectionStatus": "detected", "mdeDeviceId": device_id,
        "imageFile": file_details("msedge.exe", "C:\\Program Files (x86)\\Microsoft\\Edge\\Application",
                                  hexs(rng, 64), rng, 4205936),
        "parentProcessImageFile": file_details("explorer.exe", "C:\\Windows", hexs(rng, 64), rng, 5174120),
        "userAccount": account}))
    evidence.append(dict(base("registryKeyEvidence", created), registryHive="HKEY_LOCAL_MACHINE",
                         registryKey="SOFTWARE\\MICROSOFT\\WINDOWS DEFENDER\\THREATS\\THREATIDDEFAULTACTION"))
    evidence.append(dict(base("userEvidence", created, detailed=["Logged on user"]), stream=None,
                         userAccount=dict(account, activeDirectoryObjectGuid=guid(rng), resourceAccessEvents=[],
                                          tenantId=TENANT)))
    in_progress = kind == "in_progress"
    return {
        "@odata.type": "#microsoft.graph.security.alert", "id": aid, "providerAlertId": aid,
        "incidentId": incident, "status": "inProgress" if in_progress else "new", "severity": "informational",
        "classification": None, "determination": None, "serviceSource": "microsoftDefenderForEndpoint",
        "detectionSource": "antivirus", "productName": "Microsoft Defender for Endpoint",
        "detectorId": "e0da400f-affd-43ef-b1d5-afc2eb6f2756", "tenantId": TENANT,
        "title": EICAR_TITLE if eicar_title else HIDDEN_TITLE,
        "description": MAL_DESC if eicar_title else HIDDEN_DESC, "recommendedActions": RECOMMENDED,
        "category": "Malware" if eicar_title else "DefenseEvasion",
        "categories": ["Malware" if eicar_title else "DefenseEvasion"],
        "assignedTo": f"analyst{rng.randint(1, 9)}@contoso.com" if in_progress else None,
        "alertWebUrl": f"https://security.microsoft.com/alerts/{aid}?tid={TENANT}",
        "incidentWebUrl": f"https://security.microsoft.com/incidents/{incident}?tid={TENANT}",
        "actorDisplayName": None,
        "threatDisplayName": "Virus:DOS/EICAR_Test_File" if eicar_title else None,
        "threatFamilyName": "EICAR_Test_File" if eicar_title else None,
        "mitreTechniques": [] if eicar_title else ["T1564.001"],
        "createdDateTime": iso(created), "lastUpdateDateTime": iso(updated), "resolvedDateTime": None,
        "firstActivityDateTime": iso(first), "lastActivityDateTime": iso(created - timedelta(seconds=3)),
        "investigationState": "queued", "alertPolicyId": None, "additionalData": {}, "customDetails": {},
        "systemTags": ["Defender Experts"], "comments": [], "evidence": evidence,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--alerts", type=int, default=10000)
    ap.add_argument("--matching", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if not 0 <= a.matching <= a.alerts:
        ap.error("--matching must be between 0 and --alerts")
    rng = random.Random(a.seed)
    misses = ["other_hash", "extra_file", "other_title"]
    kinds = ["match"] * a.matching
    rest = a.alerts - a.matching
    kinds += ["in_progress"] * (rest // 20)  # 5% of the near misses: taken by an analyst
    kinds += [misses[k % 3] for k in range(rest - rest // 20)]
    rng.shuffle(kinds)  # matches spread over every page
    alerts, incidents = [], []
    for start in range(0, a.alerts, 5):  # about 5 alerts per incident, as the generator does
        incident = str(50000 + start // 5)
        group = [alert(i, incident, kinds[i], rng) for i in range(start, min(start + 5, a.alerts))]
        alerts += group
        incidents.append({
            "@odata.type": "#microsoft.graph.security.incident", "id": incident, "tenantId": TENANT,
            "displayName": "EICAR_Test_File malware was prevented on multiple endpoints",
            "description": None, "summary": None, "severity": "informational", "status": "active",
            "classification": None, "determination": None, "assignedTo": None,
            "createdDateTime": min(x["createdDateTime"] for x in group),
            "lastUpdateDateTime": max(x["lastUpdateDateTime"] for x in group),
            "lastModifiedBy": "Microsoft 365 Defender-AlertCorrelation",
            "incidentWebUrl": f"https://security.microsoft.com/incidents/{incident}?tid={TENANT}",
            "redirectIncidentId": None, "resolvingComment": None, "priorityScore": 10,
            "customTags": [], "systemTags": [], "comments": []})
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "alerts.json"), "w", encoding="utf-8") as f:
        json.dump(alerts, f, ensure_ascii=False, separators=(",", ":"))
    with open(os.path.join(a.out, "incidents.json"), "w", encoding="utf-8") as f:
        json.dump(incidents, f, ensure_ascii=False, separators=(",", ":"))
    size = sum(len(json.dumps(x, ensure_ascii=False, separators=(",", ":")).encode()) for x in alerts)
    print(f"{a.out}: {a.alerts} alerts ({a.matching} matching, {rest // 20} in progress), "
          f"{len(incidents)} incidents, {size / max(a.alerts, 1) / 1000:.1f} KB per alert (compact JSON)")


if __name__ == "__main__":
    main()
