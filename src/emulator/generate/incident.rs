//! One planned incident built whole: its alerts and rows (through its story), then the
//! incident object, whose severity, status and times follow from its alerts.

use serde_json::{Value, json};

use super::rng::SplitMix64;
use super::rows::Out;
use super::story::Kind;
use super::world::World;
use super::{Ctx, HOUR, Plan, TENANT, WEEK};

pub(super) fn sev_rank(s: &str) -> u8 {
    match s {
        "high" => 4,
        "medium" => 3,
        "low" => 2,
        "informational" => 1,
        _ => 0,
    }
}

/// The incident planned as `plans[idx]`: its alerts and rows, then the incident object.
pub(super) fn build_incident(w: &World, seed: u64, idx: usize, plan: &Plan, out: &mut Out) {
    // hash (seed, idx) into the stream's start, so that no two incidents share a stream
    let mut mix = SplitMix64::new(seed ^ (idx as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
    let mut r = SplitMix64::new(mix.next_u64() ^ seed.rotate_left(17));
    // 5% of incidents in the last hour, the rest over the week
    let at = if r.chance(5) {
        r.range(60, HOUR)
    } else {
        r.range(HOUR, WEEK)
    };
    let inc_id = (100_000 + idx).to_string();
    let first = out.alerts.len();
    let mut ctx = Ctx {
        w,
        r,
        out,
        inc_id: inc_id.clone(),
        report: (idx as i64) * 10_000,
    };
    ctx.story(plan.kind, plan.size, at);
    let alerts = &ctx.out.alerts[first..];
    let severity = alerts
        .iter()
        .map(|a| a["severity"].as_str().unwrap_or(""))
        .max_by_key(|s| sev_rank(s))
        .unwrap_or("low")
        .to_string();
    let status = if alerts.iter().all(|a| a["status"] == "resolved") {
        "resolved"
    } else if alerts.iter().any(|a| a["status"] != "new") {
        "inProgress"
    } else {
        "active"
    };
    let last = alerts
        .iter()
        .filter_map(|a| a["lastUpdateDateTime"].as_str())
        .max()
        .unwrap_or("")
        .to_string();
    let created = alerts
        .iter()
        .filter_map(|a| a["createdDateTime"].as_str())
        .min()
        .unwrap_or("")
        .to_string();
    let assigned = alerts.iter().find_map(|a| a["assignedTo"].as_str().map(str::to_string));
    let name = match plan.kind {
        Kind::Phishing => {
            "Multi-stage incident involving Initial access & Lateral movement on one endpoint reported by multiple sources"
        }
        Kind::Ransomware => "Multi-stage incident involving Execution & Impact on one endpoint",
        Kind::OAuth => "Multi-stage incident involving Persistence & Collection involving one user",
        Kind::Dlp => "DLP policy (GDPR - personal data) matched for documents involving one user",
        Kind::ScannerClosable | Kind::ScannerNearMiss => "Discovery incident involving multiple endpoints",
        Kind::AdminClosable | Kind::AdminNearMiss => "Lateral movement incident on multiple endpoints",
        _ => "Malware incident on one endpoint",
    };
    let tags: Vec<&str> = if ctx.r.chance(10) {
        vec![*ctx.r.pick(&["VIP", "Finance", "ransomware-watch", "P1"])]
    } else {
        vec![]
    };
    let score = i64::from(sev_rank(&severity)) * 20 + ctx.r.range(0, 19);
    // Beta-only properties (`/v1.0` leaves them out).
    let (advice, hunt) = match plan.kind {
        Kind::Phishing => (
            "Reset the user's password, revoke their sessions, and purge the message from every mailbox.",
            "EmailEvents | where Timestamp > ago(7d) | where ThreatTypes has 'Phish' | summarize count() by SenderFromAddress",
        ),
        Kind::Ransomware => (
            "Isolate the device, collect an investigation package, and look for lateral movement from it.",
            "DeviceProcessEvents | where Timestamp > ago(7d) | where ProcessCommandLine has 'vssadmin' and ProcessCommandLine has 'delete'",
        ),
        Kind::OAuth => (
            "Revoke the application's consent and review what it read.",
            "CloudAppEvents | where Timestamp > ago(7d) | where ActionType == 'Consent to application.'",
        ),
        _ => (
            "Review the alerts and the related activity on the devices and accounts involved.",
            "AlertEvidence | where Timestamp > ago(7d) | summarize count() by EntityType",
        ),
    };
    let inc = json!({
        "@odata.type": "#microsoft.graph.security.incident", "id": inc_id, "tenantId": TENANT, "displayName": name,
        "description": null, "summary": null, "severity": severity, "status": status,
        "classification": if status == "resolved" { json!("truePositive") } else { Value::Null },
        "determination": if status == "resolved" { json!("malware") } else { Value::Null },
        "assignedTo": assigned.clone(), "createdDateTime": created, "lastUpdateDateTime": last,
        "lastModifiedBy": assigned.unwrap_or_else(|| "Microsoft 365 Defender-AlertCorrelation".into()),
        "incidentWebUrl": format!("https://security.microsoft.com/incidents/{inc_id}?tid={TENANT}"),
        "redirectIncidentId": null, "resolvingComment": null, "priorityScore": score, "customTags": tags,
        "systemTags": [], "comments": [], "recommendedActions": advice,
        "recommendedHuntingQueries": [{"kqlText": hunt}],
    });
    ctx.out.incidents.push(inc);
}
