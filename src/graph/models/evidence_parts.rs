//! The complex types nested inside evidence: file details, user accounts, VM metadata, senders,
//! locations. Every field is optional; `""` for an object reads as absent.

use crate::graph::models::wire;
use chrono::{DateTime, Utc};

wire_struct! {
    /// `fileDetails`: a file's name, path, size, hashes and signature.
    FileDetails {
        /// The file name, e.g. `MsSense.exe`.
        file_name: Option<String>,
        /// The folder holding the file, e.g. `C:\Program Files\temp`.
        file_path: Option<String>,
        /// The publisher from the file's version information.
        file_publisher: Option<String>,
        /// The size in bytes.
        file_size: Option<i64>,
        /// The certificate issuer of a signed file.
        issuer: Option<String>,
        /// The MD5 hash, hex.
        md5: Option<String>,
        /// The SHA-1 hash, hex.
        sha1: Option<String>,
        /// The SHA-256 hash, hex.
        sha256: Option<String>,
        /// The Authenticode SHA-256 hash, hex.
        sha256_ac: Option<String>,
        /// The signer of a signed file.
        signer: Option<String>,
    }
}

wire_struct! {
    /// `resourceAccessEvent`: an access to a resource by an account.
    ResourceAccessEvent {
        /// When the access happened.
        #[serde(with = "wire::datetime")]
        access_date_time: Option<DateTime<Utc>>,
        /// The account that accessed the resource.
        account_id: Option<String>,
        /// The IP address the access came from.
        ip_address: Option<String>,
        /// The resource accessed.
        resource_identifier: Option<String>,
    }
}

wire_struct! {
    /// `userAccount`: an on-premises or Entra account.
    UserAccount {
        /// The account name (`SYSTEM`, `alice`).
        account_name: Option<String>,
        /// The Active Directory object GUID.
        active_directory_object_guid: Option<String>,
        /// The Entra (Azure AD) user object id.
        azure_ad_user_id: Option<String>,
        /// The display name.
        display_name: Option<String>,
        /// The NetBIOS or DNS domain (`NT AUTHORITY`, `CONTOSO`).
        domain_name: Option<String>,
        /// Recent resource accesses by this account.
        #[serde(deserialize_with = "wire::null_as_default")]
        resource_access_events: Vec<ResourceAccessEvent>,
        /// The account's tenant.
        tenant_id: Option<String>,
        /// The user principal name (`alice@contoso.com`).
        user_principal_name: Option<String>,
        /// The security identifier (`S-1-5-18`).
        user_sid: Option<String>,
    }
}

wire_struct! {
    /// `loggedOnUser`: an account logged on to a device.
    LoggedOnUser {
        /// The account name.
        account_name: Option<String>,
        /// The account's domain.
        domain_name: Option<String>,
    }
}

wire_struct! {
    /// `vmMetadata`: the cloud VM behind a device.
    VmMetadata {
        /// The cloud provider (`vmCloudProvider`: `unknown`, `azure`, …), as sent.
        cloud_provider: Option<String>,
        /// The Azure resource id of the VM.
        resource_id: Option<String>,
        /// The Azure subscription id.
        subscription_id: Option<String>,
        /// The VM id.
        vm_id: Option<String>,
    }
}

wire_struct! {
    /// `emailSender`: the P1 (envelope) or P2 (header) sender of a message.
    EmailSender {
        /// The sender's display name.
        display_name: Option<String>,
        /// The sender's domain.
        domain_name: Option<String>,
        /// The sender's address.
        email_address: Option<String>,
    }
}

wire_struct! {
    /// `geoLocation`: where an IP address is.
    GeoLocation {
        /// The city.
        city: Option<String>,
        /// The country name.
        country_name: Option<String>,
        /// The latitude.
        latitude: Option<f64>,
        /// The longitude.
        longitude: Option<f64>,
        /// The state or province.
        state: Option<String>,
    }
}

wire_struct! {
    /// `stream`: the data stream an entity was seen in.
    Stream {
        /// The stream name.
        name: Option<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_account_keeps_unknown_keys_and_reads_null_lists() {
        let account: UserAccount = serde_json::from_value(json!({
            "accountName": "adminlocal",
            "userSid": "S-1-5-21-1",
            "resourceAccessEvents": null,
            "riskLevel": "high"
        }))
        .unwrap();
        assert_eq!(account.account_name.as_deref(), Some("adminlocal"));
        assert!(account.resource_access_events.is_empty());
        assert_eq!(account.extra["riskLevel"], "high");
        let back = serde_json::to_value(&account).unwrap();
        assert_eq!(back["riskLevel"], "high");
        assert_eq!(back["userSid"], "S-1-5-21-1");
    }

    #[test]
    fn file_details_reads_sha256_ac() {
        let file: FileDetails =
            serde_json::from_value(json!({"sha256Ac": "ab", "fileSize": 454656, "signer": null})).unwrap();
        assert_eq!(file.sha256_ac.as_deref(), Some("ab"));
        assert_eq!(file.file_size, Some(454_656));
        assert!(file.signer.is_none());
    }
}
