//! Machines (response-actions-api.md §2): one per distinct `DeviceId` of the advanced-hunting
//! `DeviceInfo` table, from its newest row, so `machine.id == DeviceInfo.DeviceId ==
//! deviceEvidence.mdeDeviceId` (§2.3) by construction, and a `DeviceInfo` row loaded with
//! `POST /_emulator/load` is a machine at once. The table's times are already moved to the
//! emulator's start (see `shift.rs`), so `lastSeen` is the newest row's `Timestamp` as shifted.
//!
//! Mapping (§2.2): `id` = DeviceId, `computerDnsName` = DeviceName, `firstSeen`/`lastSeen` = the
//! oldest/newest row's Timestamp, `osPlatform`, `osBuild`, `osArchitecture`, `aadDeviceId`,
//! `isAadJoined` (IsAzureADJoined), `lastExternalIpAddress` = PublicIP, `healthStatus` =
//! SensorHealthState (none: `NoSensorData`, as for a device that can be onboarded),
//! `onboardingStatus` = OnboardingStatus without spaces (`CanBeOnboarded`), `rbacGroupName` =
//! MachineGroup, `exposureLevel`, `deviceValue` (AssetValue), `machineTags` = the manual and dynamic
//! tags; `lastIpAddress` is the LocalIP of the device's newest `DeviceNetworkEvents` row (DeviceInfo
//! has no internal address). Undocumented fields the live API returns and the table has
//! (`osVersion`, `agentVersion`, `isExcluded`, `exclusionReason`, `mergedIntoMachineId`) are added.
//!
//! `GET /api/machines` answers 200 with an empty `value` when nothing matches (the docs' 404 for
//! "no recent machines" is unverified, §11 question 13).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::error::{MdeError, MdeResult};
use super::query::{Filterable, ListQuery};
use super::{answer, require};
use crate::emulator::Emulator;
use crate::emulator::auth::Caller;
use crate::graph::Permission;
use crate::graph::models::defender::Machine;
use crate::kql::data::Table;
use crate::time::parse_utc;

/// What `$filter` compares on machines (§1.6).
const FILTERABLE: Filterable = Filterable {
    entity: "Machine",
    scalar: &[
        "computerDnsName",
        "id",
        "version",
        "deviceValue",
        "aadDeviceId",
        "lastSeen",
        "exposureLevel",
        "onboardingStatus",
        "lastIpAddress",
        "healthStatus",
        "osPlatform",
        "riskScore",
        "rbacGroupId",
    ],
    collections: &["machineTags"],
};

/// One machine: the shared wire type, and the undocumented fields added to its JSON.
#[derive(Debug, Clone)]
pub struct Device {
    /// The documented properties.
    pub machine: Machine,
    extra: Map<String, Value>,
}

impl Device {
    /// The machine id (the DeviceId).
    pub fn id(&self) -> &str {
        &self.machine.id
    }

    /// Whether the device does not report (health neither `Active` nor `ImpairedCommunication`):
    /// its machine actions stay `Pending` and time out.
    pub fn is_offline(&self) -> bool {
        !matches!(
            self.machine.health_status.as_deref(),
            Some("Active" | "ImpairedCommunication")
        )
    }

    /// The machine as the API answers it.
    pub fn json(&self) -> Value {
        let mut value = serde_json::to_value(&self.machine).unwrap_or_default();
        if let Value::Object(object) = &mut value {
            object.extend(self.extra.clone());
        }
        value
    }
}

/// The machines of the tenant, sorted by computer name.
#[derive(Debug, Default)]
pub struct Machines {
    devices: Vec<Device>,
    by_id: HashMap<String, usize>,
}

impl Machines {
    /// Every machine.
    pub fn iter(&self) -> impl Iterator<Item = &Device> {
        self.devices.iter()
    }

    /// The machine with this id (exactly), or this computer name (the FQDN or the host name,
    /// case-insensitively), as `GET /api/machines/{id}` takes it (§2.1).
    pub fn find(&self, id_or_name: &str) -> Option<&Device> {
        self.by_id(id_or_name).or_else(|| {
            self.devices.iter().find(|d| {
                d.machine.computer_dns_name.as_deref().is_some_and(|name| {
                    name.eq_ignore_ascii_case(id_or_name)
                        || name
                            .split('.')
                            .next()
                            .is_some_and(|host| host.eq_ignore_ascii_case(id_or_name))
                })
            })
        })
    }

    /// The machine with this id.
    pub fn by_id(&self, id: &str) -> Option<&Device> {
        self.by_id.get(id).map(|&i| &self.devices[i])
    }

    /// How many machines there are.
    pub fn len(&self) -> usize {
        self.devices.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.devices.is_empty()
    }

    /// The machines of a `DeviceInfo` table (and the `DeviceNetworkEvents` table, for
    /// `lastIpAddress`); see the module documentation.
    pub fn from_tables(info: Option<&Table>, network: Option<&Table>) -> Machines {
        // Per device: its newest row, and its oldest Timestamp.
        let mut newest: HashMap<String, Dated<Map<String, Value>>> = HashMap::new();
        let mut oldest: HashMap<String, Dated<Option<String>>> = HashMap::new();
        for row in info.into_iter().flat_map(Table::objects) {
            let Some(id) = row.get("DeviceId").and_then(Value::as_str).map(str::to_owned) else {
                continue;
            };
            let stamp = row.get("Timestamp").and_then(Value::as_str).map(str::to_owned);
            let at = stamp.as_deref().and_then(parse_utc);
            let first = oldest.entry(id.clone()).or_insert((at, stamp.clone()));
            if at.is_some() && (first.0.is_none() || at < first.0) {
                *first = (at, stamp);
            }
            match newest.get(&id) {
                Some((kept, _)) if *kept > at => {}
                _ => {
                    newest.insert(id, (at, row));
                }
            }
        }
        let local_ips = network.map(newest_local_ips).unwrap_or_default();
        let mut devices: Vec<Device> = newest
            .into_iter()
            .map(|(id, (_, row))| {
                let first = oldest.remove(&id).and_then(|(_, stamp)| stamp);
                let ip = local_ips.get(&id).cloned();
                device(id, &row, first, ip)
            })
            .collect();
        devices.sort_by(|a, b| {
            (&a.machine.computer_dns_name, &a.machine.id).cmp(&(&b.machine.computer_dns_name, &b.machine.id))
        });
        let by_id = devices
            .iter()
            .enumerate()
            .map(|(i, d)| (d.machine.id.clone(), i))
            .collect();
        Machines { devices, by_id }
    }
}

/// A value and the time of the row it is from.
type Dated<T> = (Option<DateTime<Utc>>, T);

/// The LocalIP of each device's newest `DeviceNetworkEvents` row.
fn newest_local_ips(table: &Table) -> HashMap<String, String> {
    let (Some(ids), Some(ips), Some(times)) = (
        table.column("DeviceId"),
        table.column("LocalIP"),
        table.column("Timestamp"),
    ) else {
        return HashMap::new();
    };
    let mut newest: HashMap<String, Dated<String>> = HashMap::new();
    for row in 0..table.len {
        let (id, ip) = (ids.get(row).to_json(), ips.get(row).to_json());
        let (Some(id), Some(ip)) = (
            id.as_str().filter(|s| !s.is_empty()),
            ip.as_str().filter(|s| !s.is_empty()),
        ) else {
            continue;
        };
        let at = times.get(row).to_json().as_str().and_then(parse_utc);
        let entry = newest.entry(id.to_owned()).or_insert((at, ip.to_owned()));
        if at >= entry.0 {
            *entry = (at, ip.to_owned());
        }
    }
    newest.into_iter().map(|(id, (_, ip))| (id, ip)).collect()
}

fn device(id: String, row: &Map<String, Value>, first_seen: Option<String>, local_ip: Option<String>) -> Device {
    let text = |name: &str| {
        row.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let tags = ["DeviceManualTags", "DeviceDynamicTags"]
        .iter()
        .flat_map(|name| match row.get(*name) {
            Some(Value::Array(items)) => items.clone(),
            Some(Value::String(text)) => serde_json::from_str::<Vec<Value>>(text).unwrap_or_default(),
            _ => Vec::new(),
        })
        .filter_map(|tag| tag.as_str().map(str::to_owned))
        .collect();
    let machine = Machine {
        id,
        computer_dns_name: text("DeviceName"),
        first_seen: first_seen.or_else(|| text("Timestamp")),
        last_seen: text("Timestamp"),
        os_platform: text("OSPlatform"),
        version: None,
        os_build: row.get("OSBuild").and_then(Value::as_i64),
        last_ip_address: local_ip,
        last_external_ip_address: text("PublicIP"),
        health_status: Some(text("SensorHealthState").unwrap_or_else(|| "NoSensorData".to_owned())),
        onboarding_status: text("OnboardingStatus").map(|s| s.replace(' ', "")),
        rbac_group_name: text("MachineGroup"),
        risk_score: None,
        exposure_level: text("ExposureLevel"),
        aad_device_id: text("AadDeviceId"),
        is_aad_joined: row.get("IsAzureADJoined").and_then(Value::as_bool),
        machine_tags: tags,
        os_architecture: text("OSArchitecture"),
    };
    let mut extra = Map::new();
    for (key, column) in [
        ("deviceValue", "AssetValue"),
        ("osVersion", "OSVersion"),
        ("agentVersion", "ClientVersion"),
        ("exclusionReason", "ExclusionReason"),
        ("mergedIntoMachineId", "MergedToDeviceId"),
    ] {
        extra.insert(key.into(), text(column).map_or(Value::Null, Value::String));
    }
    extra.insert(
        "isExcluded".into(),
        Value::Bool(row.get("IsExcluded").and_then(Value::as_bool).unwrap_or(false)),
    );
    Device { machine, extra }
}

/// The machines derived last, and the tables they came from.
#[derive(Debug)]
pub struct Cache {
    info: Option<Arc<Table>>,
    network: Option<Arc<Table>>,
    machines: Arc<Machines>,
}

fn same(a: &Option<Arc<Table>>, b: &Option<Arc<Table>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// The tenant's machines now: derived again only when the store's `DeviceInfo` or
/// `DeviceNetworkEvents` table changed (a load or a reset).
pub fn current(emu: &Emulator) -> Arc<Machines> {
    let (info, network) = {
        let store = emu.read();
        (
            store.tables.get("DeviceInfo").cloned(),
            store.tables.get("DeviceNetworkEvents").cloned(),
        )
    };
    let mut state = emu.defender();
    if let Some(cache) = &state.machines
        && same(&cache.info, &info)
        && same(&cache.network, &network)
    {
        return cache.machines.clone();
    }
    let machines = Arc::new(Machines::from_tables(info.as_deref(), network.as_deref()));
    state.machines = Some(Cache {
        info,
        network,
        machines: machines.clone(),
    });
    machines
}

/// `GET /api/machines` (§2.1): Machine.Read.All or Machine.ReadWrite.All.
pub async fn machines_list(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> MdeResult {
    require(&caller, Permission::MachineRead, "list machines")?;
    let query = ListQuery::parse(query.as_deref(), FILTERABLE)?;
    let machines = current(&emu);
    let value = query.page(machines.iter().map(Device::json));
    Ok(answer(
        StatusCode::OK,
        &headers,
        "Machines",
        serde_json::json!({ "value": value }),
    ))
}

/// `GET /api/machines/{id}` (§2.1): by machine id or computer name; 404 `ResourceNotFound`.
pub async fn machine_get(
    State(emu): State<Emulator>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> MdeResult {
    require(&caller, Permission::MachineRead, "read a machine")?;
    let machines = current(&emu);
    let device = machines.find(&id).ok_or_else(|| MdeError::not_found("Machine", &id))?;
    Ok(answer(StatusCode::OK, &headers, "Machines/$entity", device.json()))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use serde_json::json;

    use super::*;
    use crate::emulator::dataset::Dataset;

    fn table(name: &str, rows: Vec<Value>) -> Table {
        crate::emulator::table::columnar(name, rows.into_iter().filter_map(|r| r.as_object().cloned()))
    }

    #[test]
    fn a_machine_is_the_newest_row_of_its_device() {
        let info = table(
            "DeviceInfo",
            vec![
                json!({"Timestamp": "2030-01-01T10:00:00Z", "DeviceId": "d1", "DeviceName": "ws-1.contoso.com",
                       "SensorHealthState": "Inactive", "OnboardingStatus": "Can be onboarded",
                       "DeviceManualTags": "[\"vip\"]", "PublicIP": "203.0.113.5"}),
                json!({"Timestamp": "2030-01-01T12:00:00Z", "DeviceId": "d1", "DeviceName": "ws-1.contoso.com",
                       "SensorHealthState": "Active", "OnboardingStatus": "Onboarded", "OSPlatform": "Windows11"}),
                json!({"Timestamp": "2030-01-01T11:00:00Z", "DeviceId": "d2", "DeviceName": "mac-2.contoso.com"}),
            ],
        );
        let network = table(
            "DeviceNetworkEvents",
            vec![
                json!({"Timestamp": "2030-01-01T09:00:00Z", "DeviceId": "d1", "LocalIP": "10.0.0.1"}),
                json!({"Timestamp": "2030-01-01T11:00:00Z", "DeviceId": "d1", "LocalIP": "10.0.0.2"}),
            ],
        );
        let machines = Machines::from_tables(Some(&info), Some(&network));
        assert_eq!(machines.len(), 2);
        let d1 = machines.by_id("d1").unwrap();
        assert_eq!(d1.machine.health_status.as_deref(), Some("Active"));
        assert_eq!(d1.machine.onboarding_status.as_deref(), Some("Onboarded"));
        assert_eq!(
            d1.machine.last_seen.as_deref().and_then(parse_utc),
            parse_utc("2030-01-01T12:00:00Z")
        );
        assert_eq!(
            d1.machine.first_seen.as_deref().and_then(parse_utc),
            parse_utc("2030-01-01T10:00:00Z")
        );
        assert_eq!(d1.machine.last_ip_address.as_deref(), Some("10.0.0.2"));
        assert!(!d1.is_offline());
        let d2 = machines.find("MAC-2").unwrap();
        assert_eq!(d2.id(), "d2");
        assert_eq!(d2.machine.health_status.as_deref(), Some("NoSensorData"));
        assert!(d2.is_offline());
        assert_eq!(machines.find("mac-2.contoso.com").unwrap().id(), "d2");
        assert!(machines.find("D1").is_none(), "ids are exact");
        let json = d1.json();
        assert_eq!(json["computerDnsName"], "ws-1.contoso.com");
        assert_eq!(json["isExcluded"], false);
        assert!(Machines::from_tables(None, None).is_empty());
    }

    /// Every device of alert evidence (`mdeDeviceId`) is a machine of the same name.
    fn assert_evidence_devices_are_machines(dataset: &Dataset) -> usize {
        let info = table(
            "DeviceInfo",
            dataset.tables.get("DeviceInfo").cloned().unwrap_or_default(),
        );
        let machines = Machines::from_tables(Some(&info), None);
        let mut seen = HashSet::new();
        let mut stack: Vec<&Value> = dataset.alerts.iter().collect();
        while let Some(value) = stack.pop() {
            match value {
                Value::Object(object) => {
                    if let Some(Value::String(id)) = object.get("mdeDeviceId") {
                        let device = machines.by_id(id).unwrap_or_else(|| panic!("no machine {id}"));
                        if let Some(Value::String(name)) = object.get("deviceDnsName") {
                            assert_eq!(device.machine.computer_dns_name.as_deref(), Some(name.as_str()));
                        }
                        seen.insert(id.clone());
                    }
                    stack.extend(object.values());
                }
                Value::Array(items) => stack.extend(items),
                _ => {}
            }
        }
        seen.len()
    }

    #[test]
    fn machine_ids_are_the_device_ids_of_alert_evidence() {
        let bundled = crate::emulator::dataset::bundled().unwrap();
        assert!(assert_evidence_devices_are_machines(&bundled) > 10);
        let generated = crate::emulator::generate::generate(300, 11);
        assert!(assert_evidence_devices_are_machines(&generated) > 10);
    }
}
