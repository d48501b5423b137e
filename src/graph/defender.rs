//! The Defender for Endpoint API client (response-actions-api.md §1–§4): machines, machine
//! actions and indicators. It is a [`Client`] of its own — the same credentials, retry policy,
//! token renewal and write pacing as Graph's — pointed at the Defender host with a token for the
//! Defender resource. Its 403s name the Defender permission the call needs.

use reqwest::Method;
use url::Url;

use super::Permission;
use super::client::{Client, ClientOptions, encode, json_body};
use super::error::{Error, Operation};
use super::models::defender::{
    DefenderList, Indicator, Machine, MachineAction, MachineActionRequest, MachineActionType,
};
use crate::clock::Clock;

/// The documented rate limit of each Defender API: 100 calls a minute (§1.4). The client paces
/// its writes to it (one limit for all its action APIs: the stricter reading).
pub const CALLS_PER_MINUTE: u32 = 100;

/// Machine actions read per device: enough to see the newest of each type (§3.4 lists newest
/// first in its example; graphsoar sorts by creation time itself).
const ACTIONS_PER_DEVICE: &str = "100";

/// A client of the Defender for Endpoint API; cheap to clone.
#[derive(Debug, Clone)]
pub struct Defender {
    client: Client,
}

/// The permission a machine action of `kind` needs (§3.2).
pub fn action_permission(kind: MachineActionType) -> Permission {
    match kind {
        MachineActionType::Isolate | MachineActionType::Unisolate => Permission::MachineIsolate,
        MachineActionType::RunAntiVirusScan => Permission::MachineScan,
        MachineActionType::RestrictCodeExecution | MachineActionType::UnrestrictCodeExecution => {
            Permission::MachineRestrictExecution
        }
        MachineActionType::CollectInvestigationPackage => Permission::MachineCollectForensics,
        MachineActionType::StopAndQuarantineFile | MachineActionType::Offboard | MachineActionType::LiveResponse => {
            Permission::MachineStopAndQuarantine
        }
    }
}

/// The OData string literal of `value` (quotes doubled).
fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

impl Defender {
    /// A client for the Defender API at `config.defender_url` (its `/api/` paths), for the
    /// tenant and credentials of `config`, with tokens for `config.defender_resource`.
    pub fn new(mut config: ClientOptions, clock: Clock) -> Result<Defender, Error> {
        let mut base = config.defender_url.clone();
        base.set_path(&format!("{}/api/", base.path().trim_end_matches('/')));
        config.writes_per_minute = match config.writes_per_minute {
            0 => 0,
            n => n.min(CALLS_PER_MINUTE),
        };
        let scope = format!("{}/.default", config.defender_resource.trim_end_matches('/'));
        Ok(Defender {
            client: Client::for_api(config, clock, base, scope)?,
        })
    }

    /// The base URL (`…/api/`).
    pub fn base_url(&self) -> &Url {
        self.client.base_url()
    }

    /// An access token for the Defender API (for `doctor`: its `roles`).
    pub async fn access_token(&self) -> Result<String, Error> {
        self.client.access_token().await
    }

    /// A GET of `path` with `query`, needing `permission`.
    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        permission: Permission,
    ) -> Result<T, Error> {
        self.client
            .request_json(Method::GET, path, query, None, Operation::Needs(permission), true)
            .await
    }

    /// A POST of `body` to `path`, needing `permission`; `idempotent`: may be sent again after
    /// an uncertain outcome.
    async fn post<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        permission: Permission,
        idempotent: bool,
    ) -> Result<T, Error> {
        let body = json_body(body)?;
        self.client
            .request_json(
                Method::POST,
                path,
                &[],
                Some(&body),
                Operation::Needs(permission),
                idempotent,
            )
            .await
    }

    /// `GET /api/machines/{id}`: by device id or computer name (§2.1).
    pub async fn machine(&self, id_or_name: &str) -> Result<Machine, Error> {
        self.get(
            &format!("machines/{}", encode(id_or_name)),
            &[],
            Permission::MachineRead,
        )
        .await
    }

    /// The machine actions of a device, newest first (`$filter=machineId eq '…'`).
    pub async fn machine_actions(&self, machine_id: &str) -> Result<Vec<MachineAction>, Error> {
        let filter = format!("machineId eq {}", literal(machine_id));
        let query = [("$filter", filter.as_str()), ("$top", ACTIONS_PER_DEVICE)];
        let list: DefenderList<MachineAction> = self.get("machineactions", &query, Permission::MachineRead).await?;
        let mut actions = list.value;
        // RFC 3339 UTC strings of one format sort as their instants.
        actions.sort_by(|a, b| b.creation_date_time_utc.cmp(&a.creation_date_time_utc));
        Ok(actions)
    }

    /// `GET /api/machineactions/{id}`.
    pub async fn machine_action(&self, id: &str) -> Result<MachineAction, Error> {
        self.get(&format!("machineactions/{}", encode(id)), &[], Permission::MachineRead)
            .await
    }

    /// `POST /api/machines/{id}/{action}`: 201 and the new machine action. Not repeated after an
    /// uncertain outcome (the API has no idempotency key, §8): the caller looks for its marker
    /// in the device's actions first.
    pub async fn request_action(
        &self,
        machine_id: &str,
        kind: MachineActionType,
        body: &MachineActionRequest,
    ) -> Result<MachineAction, Error> {
        let Some(segment) = kind.path() else {
            return Err(Error::Config(format!("graphsoar does not request {kind} actions")));
        };
        let path = format!("machines/{}/{segment}", encode(machine_id));
        self.post(&path, body, action_permission(kind), false).await
    }

    /// The active indicators whose value is `value` (`$filter=indicatorValue eq '…'`).
    pub async fn indicators(&self, value: &str) -> Result<Vec<Indicator>, Error> {
        let filter = format!("indicatorValue eq {}", literal(value));
        let list: DefenderList<Indicator> = self
            .get("indicators", &[("$filter", filter.as_str())], Permission::TiReadWrite)
            .await?;
        Ok(list.value)
    }

    /// `POST /api/indicators`: submit or update (§4.1, §8: an indicator of the same value, type
    /// and action is updated, so sending it again is safe).
    pub async fn submit_indicator(&self, indicator: &Indicator) -> Result<Indicator, Error> {
        self.post("indicators", indicator, Permission::TiReadWrite, true).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_double_their_quotes_and_every_requested_action_has_its_permission() {
        assert_eq!(literal("o'brien"), "'o''brien'");
        assert_eq!(
            action_permission(MachineActionType::Unisolate),
            Permission::MachineIsolate
        );
        assert_eq!(
            action_permission(MachineActionType::UnrestrictCodeExecution),
            Permission::MachineRestrictExecution
        );
    }
}
