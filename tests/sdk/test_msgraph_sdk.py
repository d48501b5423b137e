#!/usr/bin/env python3
"""Drives the graphsoar emulator with Microsoft's own Python SDK (msgraph-sdk, pinned in
requirements.txt), unchanged: its fluent API, its models, its request adapter and middleware.

Usage: test_msgraph_sdk.py http://127.0.0.1:PORT

Checks listing with paging (every alert, through @odata.nextLink), $expand=alerts on incidents,
PATCH (status and classification, read back), comments (the SDK posts a JSON array of comment
objects without @odata.type), and a recorded hunting query. Every model object the SDK returns is
walked recursively: a property the SDK's models do not know lands in `additional_data`, which
fails the test, and so does evidence that comes back as the base `AlertEvidence` (an
`@odata.type` the SDK cannot map). Every alert and incident is also compared with the
emulator's raw JSON: a non-null value the SDK reads as None (an enum member it does not know, a
wrong JSON type) fails too. Exits 0 with a one-line summary, else 1 with every failure.

The only code of the test's own on the SDK's path is the token credential (client credentials
against the emulator's token endpoint); the rest is the SDK's GraphRequestAdapter with its
default middleware, pointed at the emulator by its base URL and allowed hosts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import json
import sys
import time
import uuid
from typing import Any

import httpx
from azure.core.credentials import AccessToken
from azure.core.credentials_async import AsyncTokenCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.serialization import Parsable
from kiota_serialization_json.json_serialization_writer import JsonSerializationWriter
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.dictionary import Dictionary
from msgraph.generated.models.security.dictionary import Dictionary as SecurityDictionary
from msgraph.generated.models.security.alert import Alert
from msgraph.generated.models.security.alert_classification import AlertClassification
from msgraph.generated.models.security.alert_comment import AlertComment
from msgraph.generated.models.security.alert_determination import AlertDetermination
from msgraph.generated.models.security.alert_evidence import AlertEvidence
from msgraph.generated.models.security.alert_status import AlertStatus
from msgraph.generated.models.security.hunting_row_result import HuntingRowResult
from msgraph.generated.models.security.incident import Incident
from msgraph.generated.security.alerts_v2.alerts_v2_request_builder import Alerts_v2RequestBuilder
from msgraph.generated.security.incidents.incidents_request_builder import IncidentsRequestBuilder
from msgraph.generated.security.microsoft_graph_security_run_hunting_query.run_hunting_query_post_request_body import (  # noqa: E501
    RunHuntingQueryPostRequestBody,
)

TENANT = "local"
CLIENT_ID = "graphsoar-local"
CLIENT_SECRET = "local-secret"
SCOPE = "https://graph.microsoft.com/.default"
# Recorded in src/emulator/dataset/hunting.json (10 rows).
HUNTING_QUERY = "DeviceInfo | take 10"

# Open types of Graph's schema (CSDL `OpenType="true"`): their properties are dynamic by design,
# so the SDK keeps all of them in `additional_data`. Only these classes may carry additional data.
# - microsoft.graph.security.dictionary: alert.additionalData and alert.customDetails (and
#   microsoft.graph.Dictionary, the same idea outside the security namespace).
# - microsoft.graph.security.huntingRowResult: one row of runHuntingQuery, a column per property
#   (checked separately against the answer's schema).
OPEN_TYPES = (SecurityDictionary, Dictionary, HuntingRowResult)

# OData control information Graph puts on the root of every response. The SDK's response models
# have no field for it (it reads only @odata.nextLink / @odata.count / @odata.type), so on the
# root object, and only there, it lands in `additional_data` against real Graph too.
ROOT_CONTROL_INFO = {"@odata.context"}


class EmulatorCredential(AsyncTokenCredential):
    """Client credentials against `{base}/{tenant}/oauth2/v2.0/token`; caches the token."""

    def __init__(self, base: str) -> None:
        self._url = f"{base}/{TENANT}/oauth2/v2.0/token"
        self._http = httpx.AsyncClient(timeout=30)
        self._token: AccessToken | None = None
        self.requests = 0

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        if self._token is not None and self._token.expires_on - 60 > time.time():
            return self._token
        self.requests += 1
        response = await self._http.post(
            self._url,
            data={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "scope": " ".join(scopes) or SCOPE,
            },
        )
        if response.status_code != 200:
            raise RuntimeError(f"token endpoint answered {response.status_code}: {response.text}")
        body = response.json()
        self._token = AccessToken(body["access_token"], int(time.time()) + int(body["expires_in"]))
        return self._token

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> "EmulatorCredential":
        return self

    async def __aexit__(self, *args: Any) -> None:
        await self.close()


class Failures:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.objects = 0
        self.evidence = 0

    def fail(self, message: str) -> None:
        self.items.append(message)

    def check(self, condition: bool, message: str) -> None:
        if not condition:
            self.fail(message)

    def walk(self, value: Any, path: str, root: bool = True) -> None:
        """Every model object under `value`: no additional data (but on open types and the
        root's control information), no untyped evidence."""
        if isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                self.walk(item, f"{path}[{i}]", root=False)
            return
        if isinstance(value, dict):
            for key, item in value.items():
                self.walk(item, f"{path}[{key!r}]", root=False)
            return
        if not isinstance(value, Parsable):
            return
        self.objects += 1
        kind = type(value).__name__
        if isinstance(value, AlertEvidence):
            self.evidence += 1
            if type(value) is AlertEvidence:
                self.fail(
                    f"{path}: untyped evidence (base AlertEvidence, @odata.type "
                    f"{value.odata_type!r} unknown to the SDK)"
                )
        extra = dict(getattr(value, "additional_data", None) or {})
        if root:
            for key in ROOT_CONTROL_INFO:
                extra.pop(key, None)
        if extra and not isinstance(value, OPEN_TYPES):
            self.fail(f"{path} ({kind}): properties unknown to the SDK in additional_data: {extra!r}")
        if dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                if f.name in ("additional_data", "backing_store"):
                    continue
                self.walk(getattr(value, f.name), f"{path}.{f.name}", root=False)


# Control information, not properties: the SDK reads @odata.nextLink and @odata.count into
# fields of the page and keeps @odata.context out of the items.
CONTROL_INFO = {"@odata.context", "@odata.nextLink", "@odata.count"}


def serialized(model: Parsable) -> Any:
    """The SDK's own JSON of `model` (what it would send back)."""
    writer = JsonSerializationWriter()
    writer.write_object_value(None, model)
    return json.loads(writer.get_serialized_content())


def lost(raw: Any, sdk: Any, path: str, failures: "Failures") -> None:
    """Every non-null property of the emulator's JSON survives the SDK's parse: a value the
    SDK cannot read (an enum member it does not know, a wrong JSON type) comes back as None and is
    missing from its serialization, where additional_data would not show it."""
    if isinstance(raw, dict):
        if not isinstance(sdk, dict):
            failures.fail(f"{path}: object read as {type(sdk).__name__}")
            return
        for key, value in raw.items():
            if value is None or key in CONTROL_INFO:
                continue
            if key not in sdk:
                failures.fail(f"{path}.{key}: {value!r} lost by the SDK (read as None)")
            else:
                lost(value, sdk[key], f"{path}.{key}", failures)
    elif isinstance(raw, list):
        if not isinstance(sdk, list) or len(sdk) != len(raw):
            failures.fail(f"{path}: {len(raw)} items read as {sdk!r:.80}")
            return
        for i, (r, m) in enumerate(zip(raw, sdk)):
            lost(r, m, f"{path}[{i}]", failures)


async def raw_pages(http: httpx.AsyncClient, url: str, token: str) -> list[dict]:
    """Every item of a listing, as the emulator's JSON."""
    items: list[dict] = []
    while url:
        response = await http.get(url, headers={"Authorization": f"Bearer {token}"})
        response.raise_for_status()
        body = response.json()
        items.extend(body["value"])
        url = body.get("@odata.nextLink")
    return items


def request_config(builder_cls: type, **params: Any) -> RequestConfiguration:
    return RequestConfiguration(query_parameters=builder_cls(**params))


async def run(base: str) -> int:
    failures = Failures()
    started = time.monotonic()
    async with EmulatorCredential(base) as credential:
        auth = AzureIdentityAuthenticationProvider(
            credential, scopes=[SCOPE], allowed_hosts=["127.0.0.1"]
        )
        adapter = GraphRequestAdapter(auth)
        adapter.base_url = f"{base}/v1.0"
        client = GraphServiceClient(request_adapter=adapter)

        # 1. Every alert, 50 a page, following @odata.nextLink with the SDK.
        page = await client.security.alerts_v2.get(
            request_config(
                Alerts_v2RequestBuilder.Alerts_v2RequestBuilderGetQueryParameters, top=50, count=True
            )
        )
        alerts: list[Alert] = []
        pages = 0
        total = page.odata_count if page else None
        while page is not None:
            failures.walk(page, f"alerts page {pages}")
            pages += 1
            values = page.value or []
            failures.check(len(values) <= 50, f"alerts page {pages} has {len(values)} items (> $top=50)")
            alerts.extend(values)
            if not page.odata_next_link:
                break
            page = await client.security.alerts_v2.with_url(page.odata_next_link).get()
        ids = [a.id for a in alerts]
        failures.check(all(isinstance(a, Alert) for a in alerts), "an alert is not an SDK Alert")
        failures.check(len(set(ids)) == len(ids), f"alert ids repeat across pages ({len(ids) - len(set(ids))})")
        failures.check(total == len(ids), f"@odata.count is {total}, paging gave {len(ids)} alerts")
        failures.check(len(ids) >= 200, f"only {len(ids)} alerts listed (the bundled dataset has more)")
        failures.check(pages >= 2, f"only {pages} page(s): paging was not exercised")
        with_evidence = sum(1 for a in alerts if a.evidence)
        failures.check(with_evidence > 0, "no alert has evidence")

        # 2. Incidents with $expand=alerts.
        incidents_page = await client.security.incidents.get(
            request_config(
                IncidentsRequestBuilder.IncidentsRequestBuilderGetQueryParameters, expand=["alerts"], top=50
            )
        )
        incidents: list[Incident] = []
        ipages = 0
        while incidents_page is not None:
            failures.walk(incidents_page, f"incidents page {ipages}")
            ipages += 1
            incidents.extend(incidents_page.value or [])
            if not incidents_page.odata_next_link:
                break
            incidents_page = await client.security.incidents.with_url(incidents_page.odata_next_link).get()
        expanded = [i for i in incidents if i.alerts]
        failures.check(bool(incidents), "no incidents listed")
        failures.check(bool(expanded), "no incident came back with its alerts ($expand=alerts)")
        for inc in expanded:
            for alert in inc.alerts or []:
                if not isinstance(alert, Alert):
                    failures.fail(f"incident {inc.id}: expanded alert is {type(alert).__name__}, not Alert")
                elif alert.incident_id != inc.id:
                    failures.fail(f"incident {inc.id}: expanded alert {alert.id} has incidentId {alert.incident_id}")

        # Nothing the emulator sent was lost on the way into the SDK's models.
        async with httpx.AsyncClient(timeout=60) as http:
            token = (await credential.get_token(SCOPE)).token
            raw_alerts = await raw_pages(http, f"{base}/v1.0/security/alerts_v2?$top=1000", token)
            raw_incidents = await raw_pages(http, f"{base}/v1.0/security/incidents?$expand=alerts", token)
        by_id = {a.id: a for a in alerts}
        failures.check(len(raw_alerts) == len(alerts), f"{len(raw_alerts)} raw alerts, {len(alerts)} by the SDK")
        for raw_alert in raw_alerts:
            model = by_id.get(raw_alert["id"])
            if model is not None:
                lost(raw_alert, serialized(model), f"alert {raw_alert['id']}", failures)
        by_id_inc = {i.id: i for i in incidents}
        failures.check(
            len(raw_incidents) == len(incidents), f"{len(raw_incidents)} raw incidents, {len(incidents)} by the SDK"
        )
        for raw_incident in raw_incidents:
            model = by_id_inc.get(raw_incident["id"])
            if model is not None:
                lost(raw_incident, serialized(model), f"incident {raw_incident['id']}", failures)

        # 3. PATCH an alert's status and classification, then read it back.
        target = next((a for a in alerts if a.status != AlertStatus.Resolved), alerts[0] if alerts else None)
        comment_text = f"graphsoar sdk test {uuid.uuid4()}"
        if target is None:
            failures.fail("no alert to PATCH")
        else:
            item = client.security.alerts_v2.by_alert_id(target.id)
            patched = await item.patch(
                Alert(
                    status=AlertStatus.Resolved,
                    classification=AlertClassification.FalsePositive,
                    determination=AlertDetermination.Other,
                )
            )
            failures.walk(patched, "PATCH response")
            failures.check(
                patched is not None and patched.status == AlertStatus.Resolved,
                f"PATCH answered status {getattr(patched, 'status', None)}",
            )
            again = await item.get()
            failures.walk(again, "GET after PATCH")
            failures.check(
                again is not None
                and again.status == AlertStatus.Resolved
                and again.classification == AlertClassification.FalsePositive
                and again.determination == AlertDetermination.Other,
                f"read back status={getattr(again, 'status', None)} "
                f"classification={getattr(again, 'classification', None)} "
                f"determination={getattr(again, 'determination', None)}",
            )

            # 4. A comment, as the SDK posts it: a JSON array of comment objects, no @odata.type.
            # Graph answers 200 {"@odata.context", "value": [every comment]}; the SDK's
            # send_collection_async parses only a top-level JSON array, so against Graph (and the
            # emulator) its return value is an empty list: the comment is checked by reading the
            # alert back.
            returned = await item.comments.post([AlertComment(comment=comment_text)])
            failures.walk(returned, "comments POST response")
            failures.check(isinstance(returned, list), f"comments POST returned {type(returned).__name__}")
            after = await item.get()
            failures.walk(after, "GET after comment")
            texts = [c.comment for c in (after.comments or [])] if after else []
            failures.check(comment_text in texts, f"posted comment not on the alert; its comments: {texts!r}")
            mine = [c for c in (after.comments or []) if c.comment == comment_text] if after else []
            failures.check(
                all(isinstance(c.created_date_time, datetime.datetime) and c.created_by_display_name for c in mine),
                "the posted comment lacks createdDateTime or createdByDisplayName",
            )

        # 5. A recorded hunting query.
        hunt = await client.security.microsoft_graph_security_run_hunting_query.post(
            RunHuntingQueryPostRequestBody(query=HUNTING_QUERY, timespan="P1D")
        )
        failures.walk(hunt, "runHuntingQuery response")
        columns = [s.name for s in (hunt.schema or [])] if hunt else []
        rows = (hunt.results or []) if hunt else []
        failures.check(bool(columns) and all(s.type for s in hunt.schema), f"hunting schema: {columns!r}")
        failures.check(len(rows) == 10, f"hunting returned {len(rows)} rows, expected 10")
        for i, row in enumerate(rows):
            keys = sorted((row.additional_data or {}).keys())
            failures.check(keys == sorted(columns), f"hunting row {i} columns {keys} != schema {sorted(columns)}")
    elapsed = time.monotonic() - started

    if failures.items:
        print(f"msgraph-sdk against the emulator: {len(failures.items)} failure(s):", file=sys.stderr)
        for message in failures.items[:200]:
            print(f"  - {message}", file=sys.stderr)
        if len(failures.items) > 200:
            print(f"  ... and {len(failures.items) - 200} more", file=sys.stderr)
        return 1
    print(
        f"msgraph-sdk OK: {len(ids)} alerts in {pages} pages, {len(incidents)} incidents "
        f"({len(expanded)} with alerts), PATCH + comment read back, hunting {len(rows)} rows; "
        f"{failures.objects} model objects ({failures.evidence} evidence) with no additional_data; "
        f"{credential.requests} token request(s); {elapsed:.1f}s"
    )
    return 0


def main() -> int:
    if len(sys.argv) != 2 or not sys.argv[1].startswith("http"):
        print("usage: test_msgraph_sdk.py http://127.0.0.1:PORT", file=sys.stderr)
        return 2
    return asyncio.run(run(sys.argv[1].rstrip("/")))


if __name__ == "__main__":
    sys.exit(main())
