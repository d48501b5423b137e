//! Machine actions (response-actions-api.md §3): the action POSTs, the machine-action reads and
//! cancel, the actions' progress over time, and the device state they leave.
//!
//! A request is checked in this order: permission (403 naming it, §1.3), body (case-sensitive
//! PascalCase, see [`super::action_body`]: `InvalidRequestBody`, `MissingRequiredParameter`,
//! `InvalidHashValue`, `InvalidInput`), the machine (by id only; 404 `ResourceNotFound` "Machine {id} was not found"), its platform (400
//! `OsPlatformNotSupported` for selective isolation, app restriction and stop-and-quarantine off
//! Windows, §3.2), then duplicates. Success is 201 with the MachineAction, `Pending`.
//!
//! Progress is computed when read, from the creation time (no background task): `Pending` for
//! [`Settings::machine_action_delay`](super::Settings), `InProgress` for as long again, then
//! `Succeeded`. On a device that is offline when the action is requested
//! ([`super::machines::Device::is_offline`]) it stays `Pending` and is `TimeOut` after 10 times the
//! delay (MDE retries for up to three days, §3.5; the final status is unverified). A cancelled
//! action is `Cancelled` from the cancel on. Device state follows the succeeded actions in order:
//! Isolate isolates (with its scope), Unisolate releases, RestrictCodeExecution restricts,
//! UnrestrictCodeExecution lifts it.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use super::action_body::{body_object, parse_body};
use super::error::{MdeError, MdeResult};
use super::query::{Filterable, ListQuery};
use super::{answer, require};
use crate::emulator::Emulator;
use crate::emulator::auth::Caller;
use crate::graph::Permission;
use crate::graph::models::defender::{MachineAction, MachineActionStatus, MachineActionType, RelatedFileInfo};
use crate::time::format_utc;

/// What `$filter` compares on machine actions (§1.6).
const FILTERABLE: Filterable = Filterable {
    entity: "MachineAction",
    scalar: &["id", "status", "machineId", "type", "requestor", "creationDateTimeUtc"],
    collections: &[],
};

/// How many delays an action on an offline device stays `Pending` before its `TimeOut`.
const OFFLINE_TIMEOUT_DELAYS: i32 = 10;

/// The permissions any one of which lets an app cancel an action (§1.3).
const ACTION_PERMISSIONS: &[Permission] = &[
    Permission::MachineIsolate,
    Permission::MachineScan,
    Permission::MachineRestrictExecution,
    Permission::MachineCollectForensics,
    Permission::MachineStopAndQuarantine,
];

/// The permission an action kind needs (§3.2), and what it is for (in 403 messages).
pub fn permission(kind: MachineActionType) -> (Permission, &'static str) {
    match kind {
        MachineActionType::Isolate => (Permission::MachineIsolate, "isolate a machine"),
        MachineActionType::Unisolate => (Permission::MachineIsolate, "release a machine from isolation"),
        MachineActionType::RunAntiVirusScan => (Permission::MachineScan, "run an antivirus scan"),
        MachineActionType::RestrictCodeExecution => (Permission::MachineRestrictExecution, "restrict app execution"),
        MachineActionType::UnrestrictCodeExecution => (
            Permission::MachineRestrictExecution,
            "remove an app execution restriction",
        ),
        MachineActionType::CollectInvestigationPackage => {
            (Permission::MachineCollectForensics, "collect an investigation package")
        }
        MachineActionType::StopAndQuarantineFile => {
            (Permission::MachineStopAndQuarantine, "stop and quarantine a file")
        }
        MachineActionType::Offboard | MachineActionType::LiveResponse => {
            (Permission::MachineReadWrite, "run this action")
        }
    }
}

/// A cancel of an action.
#[derive(Debug, Clone, PartialEq)]
pub struct Cancellation {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (the app's display name).
    pub by: String,
    /// The `Comment` sent.
    pub comment: String,
}

/// One machine action as requested; its status is derived from the time ([`ActionRecord::progress`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRecord {
    /// A v4 GUID.
    pub id: String,
    /// The action.
    pub kind: MachineActionType,
    /// The machine (a DeviceId).
    pub machine_id: String,
    /// Its computer name.
    pub computer_dns_name: Option<String>,
    /// The requesting app's display name.
    pub requestor: String,
    /// The `Comment` sent.
    pub comment: String,
    /// `Full`/`Selective` (isolate), `Quick`/`Full` (scan), else none.
    pub scope: Option<String>,
    /// The file of a stop-and-quarantine.
    pub file: Option<RelatedFileInfo>,
    /// When it was requested.
    pub created: DateTime<Utc>,
    /// The device was offline when it was requested.
    pub offline: bool,
    /// Set by cancel.
    pub cancelled: Option<Cancellation>,
}

impl ActionRecord {
    /// The status at `now` and when it became so (`lastUpdateDateTimeUtc`).
    pub fn progress(&self, now: DateTime<Utc>, delay: std::time::Duration) -> (MachineActionStatus, DateTime<Utc>) {
        if let Some(cancel) = &self.cancelled {
            return (MachineActionStatus::Cancelled, cancel.at);
        }
        let delay = TimeDelta::from_std(delay).unwrap_or(TimeDelta::MAX / 32);
        let elapsed = now - self.created;
        if self.offline {
            let timeout = delay * OFFLINE_TIMEOUT_DELAYS;
            return if elapsed < timeout {
                (MachineActionStatus::Pending, self.created)
            } else {
                (MachineActionStatus::TimeOut, self.created + timeout)
            };
        }
        if elapsed < delay {
            (MachineActionStatus::Pending, self.created)
        } else if elapsed < delay * 2 {
            (MachineActionStatus::InProgress, self.created + delay)
        } else {
            (MachineActionStatus::Succeeded, self.created + delay * 2)
        }
    }

    /// The MachineAction (§3.3) at `now`.
    pub fn wire(&self, now: DateTime<Utc>, delay: std::time::Duration) -> MachineAction {
        let (status, updated) = self.progress(now, delay);
        let name = self.computer_dns_name.as_deref().unwrap_or(&self.machine_id);
        MachineAction {
            id: self.id.clone(),
            action_type: self.kind,
            scope: self.scope.clone(),
            requestor: Some(self.requestor.clone()),
            requestor_comment: Some(self.comment.clone()),
            status,
            machine_id: self.machine_id.clone(),
            computer_dns_name: self.computer_dns_name.clone(),
            creation_date_time_utc: Some(format_utc(&self.created)),
            last_update_date_time_utc: Some(format_utc(&updated)),
            title: Some(format!("{} {name}", title(self.kind))),
            related_file_info: self.file.clone(),
            cancellation_requestor: self.cancelled.as_ref().map(|c| c.by.clone()),
            cancellation_comment: self.cancelled.as_ref().map(|c| c.comment.clone()),
            cancellation_date_time_utc: self.cancelled.as_ref().map(|c| format_utc(&c.at)),
        }
    }

    /// [`ActionRecord::wire`] as JSON.
    pub fn json(&self, now: DateTime<Utc>, delay: std::time::Duration) -> Value {
        serde_json::to_value(self.wire(now, delay)).unwrap_or_default()
    }
}

fn title(kind: MachineActionType) -> &'static str {
    match kind {
        MachineActionType::Isolate => "Isolate",
        MachineActionType::Unisolate => "Release from isolation:",
        MachineActionType::RunAntiVirusScan => "Run antivirus scan on",
        MachineActionType::RestrictCodeExecution => "Restrict app execution on",
        MachineActionType::UnrestrictCodeExecution => "Remove app restriction on",
        MachineActionType::CollectInvestigationPackage => "Collect investigation package from",
        MachineActionType::StopAndQuarantineFile => "Stop and quarantine file on",
        MachineActionType::Offboard => "Offboard",
        MachineActionType::LiveResponse => "Live response on",
    }
}

/// What the machine actions that succeeded by now left a device in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceState {
    /// Isolated.
    pub isolated: bool,
    /// `Full` or `Selective` while isolated.
    pub isolation_type: Option<String>,
    /// App execution restricted.
    pub app_execution_restricted: bool,
}

/// The state `actions` (oldest first) leave `machine_id` in at `now`. Every action takes the
/// same time, so they succeed in the order they were requested.
pub fn device_state(
    actions: &[ActionRecord],
    machine_id: &str,
    now: DateTime<Utc>,
    delay: std::time::Duration,
) -> DeviceState {
    let mut state = DeviceState::default();
    let succeeded = actions
        .iter()
        .filter(|a| a.machine_id == machine_id && a.progress(now, delay).0 == MachineActionStatus::Succeeded);
    for action in succeeded {
        match action.kind {
            MachineActionType::Isolate => {
                state.isolated = true;
                state.isolation_type = action.scope.clone();
            }
            MachineActionType::Unisolate => {
                state.isolated = false;
                state.isolation_type = None;
            }
            MachineActionType::RestrictCodeExecution => state.app_execution_restricted = true,
            MachineActionType::UnrestrictCodeExecution => state.app_execution_restricted = false,
            _ => {}
        }
    }
    state
}

/// Why `kind` (with `scope`) cannot run on `platform`, if it cannot (§3.2: selective isolation,
/// app restriction and stop-and-quarantine are for Windows).
fn unsupported(kind: MachineActionType, scope: Option<&str>, platform: Option<&str>) -> Option<String> {
    let platform = platform?;
    if platform.starts_with("Windows") {
        return None;
    }
    let windows_only = matches!(
        kind,
        MachineActionType::RestrictCodeExecution
            | MachineActionType::UnrestrictCodeExecution
            | MachineActionType::StopAndQuarantineFile
    ) || (kind == MachineActionType::Isolate && scope == Some("Selective"));
    windows_only.then(|| {
        let what = match scope {
            Some("Selective") => "Selective isolation".to_owned(),
            _ => kind.as_str().to_owned(),
        };
        format!("OS Platform {platform} isn't supported for this action ({what} needs Windows).")
    })
}

/// `POST /api/machines/{id}/{action}` (§3.1, §3.2). A second action of the same type on the same
/// machine while one is `Pending` or `InProgress` is refused with 400 `ActiveRequestAlreadyExists`
/// "Action is already in progress": of the two behaviours the docs describe for a repeat (§8:
/// return the pending action, or this 400), the emulator takes the one that makes a client handle
/// the duplicate explicitly, and the code 3P clients check for (§1.5).
pub async fn action_post(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> MdeResult {
    let kind = MachineActionType::from_path(&action).ok_or_else(|| {
        let known: Vec<&str> = MachineActionType::ALL.iter().filter_map(|k| k.path()).collect();
        MdeError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!(
                "'{action}' is not a machine action the emulator serves; the actions are {} (case-sensitive).",
                known.join(", ")
            ),
        )
    })?;
    let (needed, what) = permission(kind);
    require(&caller, needed, what)?;
    let request = parse_body(kind, &body)?;
    let machines = super::machines::current(&emu);
    let device = machines.by_id(&id).ok_or_else(|| MdeError::not_found("Machine", &id))?;
    let scope = request.isolation_type.clone().or(request.scan_type.clone());
    if let Some(why) = unsupported(kind, scope.as_deref(), device.machine.os_platform.as_deref()) {
        return Err(MdeError::bad_request("OsPlatformNotSupported", why));
    }
    let now = emu.now();
    let delay = emu.inner.defender_settings.machine_action_delay;
    let mut state = emu.defender();
    let open = state
        .actions
        .iter()
        .any(|a| a.machine_id == id && a.kind == kind && a.progress(now, delay).0.is_open());
    if open {
        return Err(MdeError::bad_request(
            "ActiveRequestAlreadyExists",
            "Action is already in progress",
        ));
    }
    let record = ActionRecord {
        id: uuid::Uuid::new_v4().to_string(),
        kind,
        machine_id: id,
        computer_dns_name: device.machine.computer_dns_name.clone(),
        requestor: caller.display_name.clone(),
        comment: request.comment,
        scope,
        file: request.sha1.map(|sha1| RelatedFileInfo {
            file_identifier: sha1,
            file_identifier_type: "Sha1".to_owned(),
        }),
        created: now,
        offline: device.is_offline(),
        cancelled: None,
    };
    let json = record.json(now, delay);
    state.actions.push(record);
    tracing::info!(action = %kind, machine = %json["machineId"], id = %json["id"], "Machine action requested.");
    Ok(answer(StatusCode::CREATED, &headers, "MachineActions/$entity", json))
}

/// `GET /api/machineactions` (§3.4): newest first, `$filter` on `id, status, machineId, type,
/// requestor, creationDateTimeUtc`, `$top`, `$skip`.
pub async fn actions_list(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> MdeResult {
    require(&caller, Permission::MachineRead, "list machine actions")?;
    let query = ListQuery::parse(query.as_deref(), FILTERABLE)?;
    let now = emu.now();
    let delay = emu.inner.defender_settings.machine_action_delay;
    let state = emu.defender();
    let value = query.page(state.actions.iter().rev().map(|a| a.json(now, delay)));
    Ok(answer(
        StatusCode::OK,
        &headers,
        "MachineActions",
        json!({ "value": value }),
    ))
}

/// The id of `GET`/`cancel` as a GUID (8-4-4-4-12), else the observed 400 (§1.5).
fn guid(id: &str) -> MdeResult<String> {
    match uuid::Uuid::try_parse(id) {
        Ok(parsed) if id.len() == 36 => Ok(parsed.to_string()),
        _ => Err(MdeError::bad_request(
            "BadRequest",
            format!(
                "The key value ({id}) from request is not valid. The key value should be format of type 'Edm.Guid'."
            ),
        )),
    }
}

/// `GET /api/machineactions/{id}` (§3.4): 400 for a non-GUID id, 404 for an unknown one.
pub async fn action_get(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> MdeResult {
    require(&caller, Permission::MachineRead, "read a machine action")?;
    let key = guid(&id)?;
    let now = emu.now();
    let delay = emu.inner.defender_settings.machine_action_delay;
    let state = emu.defender();
    let action = state
        .actions
        .iter()
        .find(|a| a.id == key)
        .ok_or_else(|| MdeError::not_found("Machine action", &id))?;
    Ok(answer(
        StatusCode::OK,
        &headers,
        "MachineActions/$entity",
        action.json(now, delay),
    ))
}

/// `POST /api/machineactions/{id}/cancel` with `{"Comment"}` (§3.4): any one action permission;
/// 200 with the action `Cancelled` while it is `Pending` or `InProgress`. Cancelling a final action
/// is 400 `BadRequest` (the real answer is unverified).
pub async fn action_cancel(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> MdeResult {
    if !ACTION_PERMISSIONS.iter().any(|p| p.is_granted(&caller.roles)) {
        let names: Vec<&str> = ACTION_PERMISSIONS.iter().map(|p| p.name()).collect();
        return Err(MdeError::forbidden(
            format!("(any one of) {}", names.join(", ")),
            "cancel a machine action",
            &caller.roles,
        ));
    }
    let key = guid(&id)?;
    let (_, comment) = body_object(&body, &["Comment"], "cancel")?;
    let now = emu.now();
    let delay = emu.inner.defender_settings.machine_action_delay;
    let mut state = emu.defender();
    let action = state
        .actions
        .iter_mut()
        .find(|a| a.id == key)
        .ok_or_else(|| MdeError::not_found("Machine action", &id))?;
    let (status, _) = action.progress(now, delay);
    if !status.is_open() {
        return Err(MdeError::bad_request(
            "BadRequest",
            format!(
                "Machine action {id} is {status}, a final state: only a Pending or InProgress action can be cancelled."
            ),
        ));
    }
    action.cancelled = Some(Cancellation {
        at: now,
        by: caller.display_name.clone(),
        comment,
    });
    Ok(answer(
        StatusCode::OK,
        &headers,
        "MachineActions/$entity",
        action.json(now, delay),
    ))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn record(kind: MachineActionType, created: DateTime<Utc>, offline: bool) -> ActionRecord {
        ActionRecord {
            id: uuid::Uuid::new_v4().to_string(),
            kind,
            machine_id: "m".into(),
            computer_dns_name: Some("m.contoso.com".into()),
            requestor: "app".into(),
            comment: "c".into(),
            scope: (kind == MachineActionType::Isolate).then(|| "Selective".to_owned()),
            file: None,
            created,
            offline,
            cancelled: None,
        }
    }

    #[test]
    fn an_action_progresses_with_time_and_times_out_offline() {
        let t0 = Utc::now();
        let delay = Duration::from_secs(2);
        let at = |secs: i64| t0 + TimeDelta::milliseconds(secs);
        let online = record(MachineActionType::Isolate, t0, false);
        assert_eq!(online.progress(at(0), delay), (MachineActionStatus::Pending, t0));
        assert_eq!(online.progress(at(1999), delay).0, MachineActionStatus::Pending);
        assert_eq!(
            online.progress(at(2000), delay),
            (MachineActionStatus::InProgress, at(2000))
        );
        assert_eq!(
            online.progress(at(4000), delay),
            (MachineActionStatus::Succeeded, at(4000))
        );
        let offline = record(MachineActionType::Isolate, t0, true);
        assert_eq!(offline.progress(at(19_999), delay).0, MachineActionStatus::Pending);
        assert_eq!(
            offline.progress(at(20_000), delay),
            (MachineActionStatus::TimeOut, at(20_000))
        );
        let mut cancelled = online.clone();
        cancelled.cancelled = Some(Cancellation {
            at: at(500),
            by: "app".into(),
            comment: "no".into(),
        });
        assert_eq!(
            cancelled.progress(at(9000), delay),
            (MachineActionStatus::Cancelled, at(500))
        );
        let wire = cancelled.wire(at(9000), delay);
        assert_eq!(wire.cancellation_comment.as_deref(), Some("no"));
        assert_eq!(wire.title.as_deref(), Some("Isolate m.contoso.com"));
    }

    #[test]
    fn succeeded_actions_set_and_release_the_device_state() {
        let t0 = Utc::now();
        let delay = Duration::from_secs(1);
        let actions = vec![
            record(MachineActionType::Isolate, t0, false),
            record(MachineActionType::RestrictCodeExecution, t0, false),
            record(MachineActionType::Unisolate, t0 + TimeDelta::seconds(10), false),
        ];
        assert_eq!(device_state(&actions, "m", t0, delay), DeviceState::default());
        let isolated = device_state(&actions, "m", t0 + TimeDelta::seconds(5), delay);
        assert!(isolated.isolated && isolated.app_execution_restricted);
        assert_eq!(isolated.isolation_type.as_deref(), Some("Selective"));
        let released = device_state(&actions, "m", t0 + TimeDelta::seconds(20), delay);
        assert!(!released.isolated && released.isolation_type.is_none() && released.app_execution_restricted);
        assert_eq!(
            device_state(&actions, "other", t0 + TimeDelta::seconds(20), delay),
            DeviceState::default()
        );
    }

    #[test]
    fn windows_only_actions_are_refused_elsewhere() {
        assert!(unsupported(MachineActionType::RestrictCodeExecution, None, Some("macOS")).is_some());
        assert!(unsupported(MachineActionType::Isolate, Some("Selective"), Some("Linux")).is_some());
        assert!(unsupported(MachineActionType::Isolate, Some("Full"), Some("Linux")).is_none());
        assert!(unsupported(MachineActionType::StopAndQuarantineFile, None, Some("Windows11")).is_none());
        assert!(unsupported(MachineActionType::RunAntiVirusScan, Some("Quick"), Some("macOS")).is_none());
        let why = unsupported(MachineActionType::StopAndQuarantineFile, None, Some("macOS")).unwrap();
        assert!(
            why.starts_with("OS Platform macOS isn't supported for this action"),
            "{why}"
        );
    }

    #[test]
    fn ids_must_be_guids() {
        let error = guid("556b").unwrap_err();
        assert_eq!(error.code, "BadRequest");
        assert!(
            error.message.contains("The key value (556b) from request is not valid"),
            "{error}"
        );
        assert!(
            guid("5382f7ea75574ab79782d50480024a4e").is_err(),
            "the hyphenated form only"
        );
        assert_eq!(
            guid("5382F7EA-7557-4AB7-9782-D50480024A4E").unwrap(),
            "5382f7ea-7557-4ab7-9782-d50480024a4e"
        );
    }
}
