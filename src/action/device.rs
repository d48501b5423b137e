//! Device response actions through the Defender for Endpoint API (response-actions-api.md §3):
//! isolate and release, antivirus scan, restrict and unrestrict app execution, collect an
//! investigation package, stop and quarantine a file.
//!
//! One planned action names one or more devices (by device id or computer name). For each the
//! executor reads the machine (which resolves a name to its id), refuses the whole action if any
//! of them is protected, then reads the device's machine actions and asks for a new one only
//! when none of these holds:
//! - one of them carries this ledger entry's marker `[graphsoar <id>]` in its requestor comment:
//!   an earlier attempt whose answer was lost (timeout, crash) did reach the API, and is adopted;
//! - one of the same type is Pending or InProgress: a recorded no-op (the API would answer 400
//!   "Action is already in progress", or start a second one, §8);
//! - what the action would do is already so: the device's newest successful isolation (or
//!   restriction) is graphsoar's own and was not undone since; a release (or unrestrict) of a
//!   device whose newest successful one of the pair is already a release.
//!
//! The API has no idempotency key (§8), so a request is never repeated blindly: the client does
//! not resend a POST after an uncertain outcome, and the next attempt looks for the marker first.
//! Machine actions are asynchronous: the ids and statuses go into the ledger's `result`, and the
//! engine follows them on later runs ([`follow`]).

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Outcome, comment_marker};
use crate::config::Protected;
use crate::graph::defender::Defender;
use crate::graph::models::defender::{
    Machine, MachineAction, MachineActionRequest, MachineActionStatus, MachineActionType,
};
use crate::text_enum::text_enum;

text_enum! {
    /// `isolation_type` of `isolate_device`.
    pub enum IsolationType {
        Full = "Full",
        Selective = "Selective",
    }
}

text_enum! {
    /// `scan_type` of `run_antivirus_scan`.
    pub enum ScanType {
        Quick = "Quick",
        Full = "Full",
    }
}

/// The frozen parameters of a device action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceParams {
    /// Device ids or computer names, as rendered.
    pub devices: Vec<String>,
    /// The rendered comment; the ledger marker is appended when sent.
    pub comment: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolation_type: Option<IsolationType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_type: Option<ScanType>,
    /// `stop_and_quarantine_file`: the file's SHA-1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
}

/// What one device got: kept in the ledger's `result` as `{"devices": [DeviceResult]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceResult {
    /// The device as planned.
    pub device: String,
    pub machine_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub computer_dns_name: Option<String>,
    /// The machine action that does it (new, adopted, or the one already pending).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_action_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<MachineActionStatus>,
    /// Why nothing was requested, for a no-op.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl DeviceResult {
    fn of(device: &str, machine: &Machine) -> DeviceResult {
        DeviceResult {
            device: device.to_owned(),
            machine_id: machine.id.clone(),
            computer_dns_name: machine.computer_dns_name.clone(),
            machine_action_id: None,
            status: None,
            note: None,
        }
    }

    fn with_action(mut self, action: &MachineAction, note: Option<String>) -> DeviceResult {
        self.machine_action_id = Some(action.id.clone());
        self.status = Some(action.status);
        self.note = note;
        self
    }
}

/// The pair an action undoes or is undone by, and which side of it `kind` is: (apply, undo).
fn pair(kind: MachineActionType) -> Option<(MachineActionType, MachineActionType)> {
    use MachineActionType as T;
    match kind {
        T::Isolate | T::Unisolate => Some((T::Isolate, T::Unisolate)),
        T::RestrictCodeExecution | T::UnrestrictCodeExecution => {
            Some((T::RestrictCodeExecution, T::UnrestrictCodeExecution))
        }
        _ => None,
    }
}

/// Whether a machine action was asked for by graphsoar (any ledger entry).
fn is_graphsoars(action: &MachineAction) -> bool {
    action
        .requestor_comment
        .as_deref()
        .is_some_and(|c| c.contains("[graphsoar "))
}

/// Decides, from a device's machine actions (newest first), whether `kind` needs a new request
/// for ledger entry `ledger_id`: `Some((action, note))` when it does not.
fn already(
    kind: MachineActionType,
    ledger_id: i64,
    actions: &[MachineAction],
) -> Option<(MachineAction, Option<String>)> {
    let marker = comment_marker(ledger_id);
    if let Some(ours) = actions
        .iter()
        .find(|a| a.action_type == kind && a.requestor_comment.as_deref().is_some_and(|c| c.contains(&marker)))
    {
        return Some((ours.clone(), None));
    }
    if let Some(open) = actions.iter().find(|a| a.action_type == kind && a.status.is_open()) {
        let note = format!("already {}: machine action {} of the same type", open.status, open.id);
        return Some((open.clone(), Some(note)));
    }
    let (apply, undo) = pair(kind)?;
    let newest = actions
        .iter()
        .find(|a| (a.action_type == apply || a.action_type == undo) && a.status == MachineActionStatus::Succeeded);
    match newest {
        Some(a) if kind == apply && a.action_type == apply && is_graphsoars(a) => Some((
            a.clone(),
            Some(format!(
                "already done by graphsoar (machine action {}), not undone since",
                a.id
            )),
        )),
        Some(a) if kind == undo && a.action_type == undo => {
            Some((a.clone(), Some(format!("already undone (machine action {})", a.id))))
        }
        _ => None,
    }
}

/// The request body of `kind` for entry `ledger_id`.
fn body(params: &DeviceParams, ledger_id: i64) -> MachineActionRequest {
    let marker = comment_marker(ledger_id);
    let comment = match params.comment.trim() {
        "" => marker,
        text => format!("{text} {marker}"),
    };
    MachineActionRequest {
        comment,
        isolation_type: params.isolation_type.map(|t| t.as_str().to_owned()),
        scan_type: params.scan_type.map(|t| t.as_str().to_owned()),
        sha1: params.sha1.clone(),
    }
}

/// Executes a device action of `kind` as ledger entry `ledger_id`.
pub async fn execute(
    defender: &Defender,
    kind: MachineActionType,
    params: &DeviceParams,
    ledger_id: i64,
    protected: &Protected,
) -> Outcome {
    let mut machines = Vec::with_capacity(params.devices.len());
    for device in &params.devices {
        match defender.machine(device).await {
            Ok(machine) => machines.push((device, machine)),
            Err(e) if e.status() == Some(404) => {
                return Outcome::failed(
                    format!("device {device} is not known to Defender for Endpoint (not onboarded, or a wrong id)"),
                    false,
                );
            }
            Err(e) => return Outcome::of_error(&format!("cannot read device {device}"), &e),
        }
    }
    for (device, machine) in &machines {
        let names = [
            device.as_str(),
            machine.id.as_str(),
            machine.computer_dns_name.as_deref().unwrap_or(""),
        ];
        if let Some(entry) = protected.device(&names) {
            return Outcome::Refused(format!(
                "device {device} is protected (settings `protected.devices`: {entry}); nothing was requested"
            ));
        }
    }
    let mut results = Vec::with_capacity(machines.len());
    for (device, machine) in &machines {
        let actions = match defender.machine_actions(&machine.id).await {
            Ok(actions) => actions,
            Err(e) => return Outcome::of_error(&format!("cannot read the machine actions of {device}"), &e),
        };
        let result = DeviceResult::of(device, machine);
        if let Some((action, note)) = already(kind, ledger_id, &actions) {
            results.push(result.with_action(&action, note));
            continue;
        }
        match defender
            .request_action(&machine.id, kind, &body(params, ledger_id))
            .await
        {
            Ok(action) => results.push(result.with_action(&action, None)),
            // Someone asked between the read and the request (§8): theirs does it.
            Err(crate::graph::Error::Api(e)) if e.code == "ActiveRequestAlreadyExists" => {
                let open = defender.machine_actions(&machine.id).await.ok().and_then(|actions| {
                    actions
                        .into_iter()
                        .find(|a| a.action_type == kind && a.status.is_open())
                });
                match open {
                    Some(action) => {
                        let note = format!(
                            "already {}: machine action {} of the same type",
                            action.status, action.id
                        );
                        results.push(result.with_action(&action, Some(note)));
                    }
                    None => return Outcome::failed(format!("{kind} on {device}: {e}"), true),
                }
            }
            Err(e) => return Outcome::of_error(&format!("{kind} on {device}"), &e),
        }
    }
    Outcome::Started(json!({ "devices": results }))
}

/// Reads the machine actions of `result` that may still change and returns the result with
/// their new status, or `None` when nothing changed (or nothing could be read: the next run
/// tries again).
pub async fn follow(defender: &Defender, result: &serde_json::Value) -> Option<serde_json::Value> {
    let mut devices: Vec<DeviceResult> = serde_json::from_value(result.get("devices")?.clone()).ok()?;
    let mut changed = false;
    for d in devices
        .iter_mut()
        .filter(|d| d.status.is_some_and(MachineActionStatus::is_open))
    {
        let Some(id) = &d.machine_action_id else { continue };
        match defender.machine_action(id).await {
            Ok(action) if Some(action.status) != d.status => {
                if !action.status.is_open() && action.status != MachineActionStatus::Succeeded {
                    tracing::warn!(device = %d.device, machine_action = %id, status = %action.status, "A machine action graphsoar requested did not succeed.");
                }
                d.status = Some(action.status);
                changed = true;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(machine_action = %id, error = %e, "Cannot read a machine action's status."),
        }
    }
    changed.then(|| json!({ "devices": devices }))
}

/// Whether a ledger `result` still has machine actions that may change.
pub fn is_open(result: &serde_json::Value) -> bool {
    result.get("devices").and_then(|d| d.as_array()).is_some_and(|devices| {
        devices.iter().any(|d| {
            d.get("status")
                .and_then(|s| s.as_str())
                .and_then(|s| s.parse::<MachineActionStatus>().ok())
                .is_some_and(MachineActionStatus::is_open)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(id: &str, kind: MachineActionType, status: MachineActionStatus, comment: &str) -> MachineAction {
        serde_json::from_value(json!({
            "id": id, "type": kind, "status": status, "machineId": "m", "requestorComment": comment,
        }))
        .unwrap()
    }

    #[test]
    fn a_device_action_is_requested_only_when_nothing_already_does_it() {
        use MachineActionStatus as S;
        use MachineActionType as T;
        assert!(already(T::Isolate, 7, &[]).is_none());
        // Its own earlier attempt, whatever its status: adopted, no note.
        let ours = [action("a", T::Isolate, S::Failed, "x [graphsoar 7]")];
        assert_eq!(
            already(T::Isolate, 7, &ours).map(|(a, n)| (a.id, n)),
            Some(("a".into(), None))
        );
        // Someone's pending isolation: a no-op with a note.
        let pending = [action("b", T::Isolate, S::Pending, "analyst")];
        let (a, note) = already(T::Isolate, 8, &pending).unwrap();
        assert_eq!(a.id, "b");
        assert!(note.unwrap().contains("already Pending"));
        // Isolated by graphsoar and not released since: a no-op; released since: isolate again.
        let isolated = [action("c", T::Isolate, S::Succeeded, "[graphsoar 3]")];
        assert!(already(T::Isolate, 8, &isolated).is_some());
        let released = [
            action("d", T::Unisolate, S::Succeeded, "analyst"),
            action("c", T::Isolate, S::Succeeded, "[graphsoar 3]"),
        ];
        assert!(already(T::Isolate, 8, &released).is_none());
        // An analyst's isolation is not graphsoar's: graphsoar asks for its own.
        let analysts = [action("e", T::Isolate, S::Succeeded, "analyst")];
        assert!(already(T::Isolate, 8, &analysts).is_none());
        // A release of a released device is a no-op; of an isolated one it is requested.
        assert!(already(T::Unisolate, 8, &released).is_some());
        assert!(already(T::Unisolate, 8, &isolated).is_none());
        // Scans have no pair: only a pending one stops a second.
        let scanned = [action("f", T::RunAntiVirusScan, S::Succeeded, "[graphsoar 3]")];
        assert!(already(T::RunAntiVirusScan, 8, &scanned).is_none());
    }

    #[test]
    fn the_comment_carries_the_marker_and_open_results_are_followed() {
        let params = DeviceParams {
            devices: vec!["d".into()],
            comment: "Credential dumping ".into(),
            isolation_type: Some(IsolationType::Selective),
            scan_type: None,
            sha1: None,
        };
        let b = body(&params, 42);
        assert_eq!(b.comment, "Credential dumping [graphsoar 42]");
        assert_eq!(b.isolation_type.as_deref(), Some("Selective"));
        assert!(is_open(
            &json!({"devices": [{"device": "d", "machine_id": "m", "status": "Pending"}]})
        ));
        assert!(!is_open(
            &json!({"devices": [{"device": "d", "machine_id": "m", "status": "Succeeded"}]})
        ));
        assert!(!is_open(&json!({"indicator_id": "1"})));
    }
}
