//! The tenant's identities and known messages, derived from the store (response-actions-api.md
//! §5.1, §6.2); pure data, no HTTP.
//!
//! Identities: one per distinct user of the alerts' `userEvidence.userAccount` (`userSid`,
//! `azureAdUserId`, `userPrincipalName`, `accountName`, `domainName`, `displayName`), the
//! machine's own accounts (`S-1-5-18`, `-19`, `-20`) left out. Evidence of one user is merged
//! by SID, then Entra object id, then UPN (case-insensitively), unless two SIDs or two object ids
//! differ. Each identity's `id` is a stable GUID from its SID (else UPN, else object id); it
//! has an `activeDirectory` account when it has a SID (identifier: the AD object GUID of the
//! evidence, else a stable GUID from the SID) and an `entraID` account when it has an object id
//! (identifier: the object id). `cloudSecurityIdentifier` is the Entra object id as a SID
//! (`S-1-12-1-` and the GUID's four little-endian words, as Entra writes it).
//!
//! Messages: the `(networkMessageId, recipientEmailAddress)` pairs of `analyzedMessageEvidence`
//! and of the `EmailEvents` table (`NetworkMessageId`, `RecipientEmailAddress`), case-insensitive.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::Digest as _;

use crate::emulator::store::Store;
use crate::graph::models::identity::{IdentityAccount, ProviderAccount};

/// The SIDs of a machine's own accounts (SYSTEM, LOCAL SERVICE, NETWORK SERVICE): no identity.
const MACHINE_SIDS: &[&str] = &["S-1-5-18", "S-1-5-19", "S-1-5-20"];

/// `security.identityProvider` members for an account (§5.2).
pub const ACTIVE_DIRECTORY: &str = "activeDirectory";
/// The Entra ID provider.
pub const ENTRA_ID: &str = "entraID";

/// The actions of an `activeDirectory` account (§5.2, invokeAction page).
pub const AD_ACTIONS: &[&str] = &["disable", "enable", "forcePasswordReset"];
/// The actions of an `entraID` account (§5.2, account resource page).
pub const ENTRA_ACTIONS: &[&str] = &[
    "disable",
    "enable",
    "revokeAllSessions",
    "requireUserToSignInAgain",
    "markUserAsCompromised",
];

/// One identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The stable id.
    pub id: String,
    /// The display name (else the account name, else the UPN).
    pub display_name: Option<String>,
    /// The AD domain (`domainName`).
    pub domain: Option<String>,
    /// The on-premises SID.
    pub sid: Option<String>,
    /// The Entra object id (`azureAdUserId`).
    pub object_id: Option<String>,
    /// The user principal name.
    pub upn: Option<String>,
    /// The identifier of its `activeDirectory` account.
    pub ad_account: Option<String>,
}

impl Identity {
    /// Its provider accounts: `activeDirectory` with a SID, `entraID` with an object id.
    pub fn accounts(&self) -> Vec<ProviderAccount> {
        let account = |identifier: &String, provider: &str, actions: &[&str]| ProviderAccount {
            identifier: identifier.clone(),
            identity_provider: provider.to_owned(),
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
        };
        self.ad_account
            .iter()
            .map(|id| account(id, ACTIVE_DIRECTORY, AD_ACTIONS))
            .chain(self.object_id.iter().map(|id| account(id, ENTRA_ID, ENTRA_ACTIONS)))
            .collect()
    }

    /// The account of `provider`.
    pub fn account(&self, provider: &str) -> Option<ProviderAccount> {
        self.accounts().into_iter().find(|a| a.identity_provider == provider)
    }

    /// The wire entity, `isEnabled` as given.
    pub fn wire(&self, enabled: bool) -> IdentityAccount {
        IdentityAccount {
            id: self.id.clone(),
            display_name: self.display_name.clone(),
            domain: self.domain.clone(),
            is_enabled: Some(enabled),
            on_premises_security_identifier: self.sid.clone(),
            cloud_security_identifier: self.object_id.as_deref().and_then(cloud_sid),
            accounts: self.accounts(),
            user_principal_name: self.upn.clone(),
        }
    }

    /// The entity as Graph serves it: `@odata.type` (`security.user`) first, then
    /// [`Identity::wire`]'s properties.
    pub fn json(&self, enabled: bool) -> Value {
        let mut object = Map::new();
        object.insert(
            "@odata.type".into(),
            Value::String("#microsoft.graph.security.user".into()),
        );
        if let Ok(Value::Object(fields)) = serde_json::to_value(self.wire(enabled)) {
            object.extend(fields);
        }
        Value::Object(object)
    }

    /// Whether `key` names this user for the Entra APIs: its object id or UPN (any case).
    pub fn is_user(&self, key: &str) -> bool {
        [&self.object_id, &self.upn]
            .into_iter()
            .flatten()
            .any(|k| k.eq_ignore_ascii_case(key))
    }
}

/// The identities (by id) and the known messages.
#[derive(Debug, Default)]
pub struct Directory {
    identities: Vec<Identity>,
    by_id: HashMap<String, usize>,
    messages: HashSet<(String, String)>,
}

impl Directory {
    /// Every identity, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Identity> {
        self.identities.iter()
    }

    /// How many identities there are.
    pub fn len(&self) -> usize {
        self.identities.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.identities.is_empty()
    }

    /// The identity with this id (exactly).
    pub fn get(&self, id: &str) -> Option<&Identity> {
        self.by_id.get(id).map(|&i| &self.identities[i])
    }

    /// The user with this object id or UPN (any case), for the Entra APIs.
    pub fn user(&self, key: &str) -> Option<&Identity> {
        self.identities.iter().find(|i| i.is_user(key))
    }

    /// The user with this Entra object id (any case).
    pub fn by_object_id(&self, id: &str) -> Option<&Identity> {
        self.identities
            .iter()
            .find(|i| i.object_id.as_deref().is_some_and(|o| o.eq_ignore_ascii_case(id)))
    }

    /// Whether the tenant has the message `network_message_id` delivered to `recipient`.
    pub fn has_message(&self, network_message_id: &str, recipient: &str) -> bool {
        self.messages.contains(&message_key(network_message_id, recipient))
    }

    /// The directory of `store`: its alerts' evidence and its `EmailEvents` table.
    pub fn from_store(store: &Store) -> Directory {
        let mut users = Users::default();
        let mut messages = HashSet::new();
        for alert in store.alerts.values() {
            let Ok(alert) = serde_json::from_slice::<AlertEvidence>(&alert.json) else {
                continue;
            };
            for evidence in alert.evidence.into_iter().flatten() {
                let Some(kind) = evidence.odata_type.as_deref() else {
                    continue;
                };
                if kind.ends_with("userEvidence")
                    && let Some(account) = evidence.user_account
                {
                    users.add(account);
                } else if kind.ends_with("analyzedMessageEvidence")
                    && let (Some(id), Some(recipient)) = (evidence.network_message_id, evidence.recipient_email_address)
                {
                    messages.insert(message_key(&id, &recipient));
                }
            }
        }
        if let Some(table) = store.tables.get("EmailEvents")
            && let (Some(ids), Some(recipients)) =
                (table.column("NetworkMessageId"), table.column("RecipientEmailAddress"))
        {
            for row in 0..table.len {
                let (id, recipient) = (ids.get(row).to_json(), recipients.get(row).to_json());
                if let (Some(id), Some(recipient)) = (id.as_str(), recipient.as_str()) {
                    messages.insert(message_key(id, recipient));
                }
            }
        }
        let mut identities = users.into_identities();
        identities.sort_by(|a, b| a.id.cmp(&b.id));
        let by_id = identities.iter().enumerate().map(|(i, d)| (d.id.clone(), i)).collect();
        Directory {
            identities,
            by_id,
            messages,
        }
    }
}

/// The lookup key of a message.
pub fn message_key(network_message_id: &str, recipient: &str) -> (String, String) {
    (
        network_message_id.trim().to_ascii_lowercase(),
        recipient.trim().to_ascii_lowercase(),
    )
}

/// What an alert's evidence is read for (everything else is skipped unparsed).
#[derive(Deserialize)]
struct AlertEvidence {
    #[serde(default)]
    evidence: Option<Vec<EvidenceItem>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EvidenceItem {
    #[serde(default, rename = "@odata.type")]
    odata_type: Option<String>,
    #[serde(default)]
    user_account: Option<UserAccount>,
    #[serde(default)]
    network_message_id: Option<String>,
    #[serde(default)]
    recipient_email_address: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserAccount {
    #[serde(default)]
    user_sid: Option<String>,
    #[serde(default)]
    azure_ad_user_id: Option<String>,
    #[serde(default)]
    user_principal_name: Option<String>,
    #[serde(default)]
    account_name: Option<String>,
    #[serde(default)]
    domain_name: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    active_directory_object_guid: Option<String>,
}

/// The users seen so far, merged.
#[derive(Default)]
struct Users(Vec<UserAccount>);

fn filled(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn same(a: &Option<String>, b: &Option<String>) -> Option<bool> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.eq_ignore_ascii_case(b)),
        _ => None,
    }
}

impl Users {
    fn add(&mut self, account: UserAccount) {
        let account = UserAccount {
            user_sid: filled(account.user_sid),
            azure_ad_user_id: filled(account.azure_ad_user_id),
            user_principal_name: filled(account.user_principal_name),
            account_name: filled(account.account_name),
            domain_name: filled(account.domain_name),
            display_name: filled(account.display_name),
            active_directory_object_guid: filled(account.active_directory_object_guid),
        };
        if account.user_sid.as_deref().is_some_and(|s| MACHINE_SIDS.contains(&s)) {
            return;
        }
        if account.user_sid.is_none() && account.azure_ad_user_id.is_none() && account.user_principal_name.is_none() {
            return;
        }
        let conflicts = |kept: &UserAccount| {
            same(&kept.user_sid, &account.user_sid) == Some(false)
                || same(&kept.azure_ad_user_id, &account.azure_ad_user_id) == Some(false)
        };
        let matches = |kept: &UserAccount| {
            !conflicts(kept)
                && [
                    same(&kept.user_sid, &account.user_sid),
                    same(&kept.azure_ad_user_id, &account.azure_ad_user_id),
                    same(&kept.user_principal_name, &account.user_principal_name),
                ]
                .contains(&Some(true))
        };
        let Some(kept) = self.0.iter_mut().find(|kept| matches(kept)) else {
            self.0.push(account);
            return;
        };
        let fill = |slot: &mut Option<String>, value: Option<String>| {
            if slot.is_none() {
                *slot = value;
            }
        };
        fill(&mut kept.user_sid, account.user_sid);
        fill(&mut kept.azure_ad_user_id, account.azure_ad_user_id);
        fill(&mut kept.user_principal_name, account.user_principal_name);
        fill(&mut kept.account_name, account.account_name);
        fill(&mut kept.domain_name, account.domain_name);
        fill(&mut kept.display_name, account.display_name);
        fill(
            &mut kept.active_directory_object_guid,
            account.active_directory_object_guid,
        );
    }

    fn into_identities(self) -> Vec<Identity> {
        self.0
            .into_iter()
            .filter_map(|u| {
                let key = match (&u.user_sid, &u.user_principal_name, &u.azure_ad_user_id) {
                    (Some(sid), _, _) => format!("sid:{}", sid.to_ascii_uppercase()),
                    (None, Some(upn), _) => format!("upn:{}", upn.to_ascii_lowercase()),
                    (None, None, Some(oid)) => format!("oid:{}", oid.to_ascii_lowercase()),
                    (None, None, None) => return None,
                };
                let ad_account = u.user_sid.as_ref().map(|sid| {
                    u.active_directory_object_guid
                        .clone()
                        .unwrap_or_else(|| stable_guid("ad-account", &sid.to_ascii_uppercase()))
                });
                Some(Identity {
                    id: stable_guid("identity", &key),
                    display_name: u
                        .display_name
                        .or_else(|| u.account_name.clone())
                        .or_else(|| u.user_principal_name.clone()),
                    domain: u.domain_name,
                    sid: u.user_sid,
                    object_id: u.azure_ad_user_id,
                    upn: u.user_principal_name,
                    ad_account,
                })
            })
            .collect()
    }
}

/// A stable GUID for `key` in `space` (the first 16 bytes of a SHA-256).
fn stable_guid(space: &str, key: &str) -> String {
    let digest = sha2::Sha256::digest(format!("graphsoar-emulator-{space}:{key}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Uuid::from_bytes(bytes).to_string()
}

/// An Entra object id as a SID: `S-1-12-1-` and the GUID's bytes (in Windows' order) as four
/// little-endian 32-bit words.
fn cloud_sid(object_id: &str) -> Option<String> {
    let bytes = uuid::Uuid::parse_str(object_id).ok()?.to_bytes_le();
    let words: Vec<String> = bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]).to_string())
        .collect();
    Some(format!("S-1-12-1-{}", words.join("-")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn account(value: Value) -> UserAccount {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn evidence_of_one_user_merges_and_machine_accounts_are_left_out() {
        let mut users = Users::default();
        users.add(account(
            json!({"userPrincipalName": "Jane@contoso.com", "displayName": "Jane"}),
        ));
        users.add(account(
            json!({"userSid": "S-1-5-21-1-2-3-500", "userPrincipalName": "jane@contoso.com", "domainName": "CONTOSO"}),
        ));
        users.add(account(
            json!({"userSid": "S-1-5-21-1-2-3-500", "azureAdUserId": "7c6a9004-4bfb-43b1-95d6-b358c1085633"}),
        ));
        users.add(account(json!({"userSid": "S-1-5-18", "accountName": "system"})));
        users.add(account(json!({"accountName": "nobody"})));
        // Another SID with the same UPN is another identity.
        users.add(account(
            json!({"userSid": "S-1-5-21-1-2-3-501", "userPrincipalName": "jane@contoso.com"}),
        ));
        let identities = users.into_identities();
        assert_eq!(identities.len(), 2, "{identities:#?}");
        let jane = &identities[0];
        assert_eq!(jane.sid.as_deref(), Some("S-1-5-21-1-2-3-500"));
        assert_eq!(jane.display_name.as_deref(), Some("Jane"));
        assert_eq!(jane.domain.as_deref(), Some("CONTOSO"));
        assert_eq!(jane.id, stable_guid("identity", "sid:S-1-5-21-1-2-3-500"));
        let accounts = jane.accounts();
        assert_eq!(accounts.len(), 2);
        assert_eq!(
            (accounts[0].identity_provider.as_str(), accounts[1].identifier.as_str()),
            (ACTIVE_DIRECTORY, "7c6a9004-4bfb-43b1-95d6-b358c1085633")
        );
        assert!(jane.is_user("JANE@contoso.com") && jane.is_user("7C6A9004-4BFB-43B1-95D6-B358C1085633"));
        let json = jane.json(true);
        assert_eq!(json["@odata.type"], "#microsoft.graph.security.user");
        assert_eq!(json["accounts"][0]["identityProvider"], "activeDirectory");
        assert_eq!(json["accounts"][1]["actions"][4], "markUserAsCompromised");
        assert!(
            json["cloudSecurityIdentifier"]
                .as_str()
                .unwrap()
                .starts_with("S-1-12-1-")
        );
    }

    #[test]
    fn a_cloud_sid_is_the_guid_in_little_endian_words() {
        // 00000001-0000-0000-0000-000000000000: the first word is Data1 (1).
        assert_eq!(
            cloud_sid("00000001-0000-0000-0000-000000000000").as_deref(),
            Some("S-1-12-1-1-0-0-0")
        );
        assert_eq!(cloud_sid("not-a-guid"), None);
    }

    #[test]
    fn the_bundled_dataset_has_identities_and_messages() {
        let dataset = crate::emulator::dataset::bundled().unwrap();
        let store = Store::from_dataset(dataset).unwrap();
        let directory = Directory::from_store(&store);
        assert_eq!(directory.len(), 42);
        let john = directory.user("john.doe@contoso.com").unwrap();
        assert_eq!(
            john.sid.as_deref(),
            Some("S-1-5-21-1004336348-1177238915-682003330-1106")
        );
        assert_eq!(directory.get(&john.id), Some(john));
        assert_eq!(john.ad_account.as_deref(), Some("9ba1b051-553d-4ad9-a868-31f8b6e168a0"));
        assert!(directory.has_message("0188E0AE-42E1-49DA-9BAA-A92FD0A8DF41", "Isabella.Hendriks@contoso.com"));
        assert!(directory.has_message("439b9394-ea77-4fbc-8f79-2c6910816ced", "yuki.keller@contoso.com"));
        assert!(!directory.has_message("439b9394-ea77-4fbc-8f79-2c6910816ced", "someone@contoso.com"));
    }
}
