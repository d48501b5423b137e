//! The endpoint, network and email `alertEvidence` subtypes graphsoar models (the cloud and
//! identity ones are in `evidence_cloud`), each with its own properties, the common base
//! (`common`) and an `extra` map. Enum-like properties outside the eleven typed enums
//! (`detectionStatus`, `healthStatus`, `riskScore`, …) are kept as strings.

use crate::graph::models::evidence_parts::*;
use crate::graph::models::wire;
use chrono::{DateTime, Utc};

evidence_struct! {
    /// `deviceEvidence`: a device (MDE machine) involved in the alert.
    DeviceEvidence {
        /// The Entra device id.
        azure_ad_device_id: Option<String>,
        /// The antivirus status (`defenderAvStatus`), as sent.
        defender_av_status: Option<String>,
        /// The fully qualified DNS name.
        device_dns_name: Option<String>,
        /// The DNS domain.
        dns_domain: Option<String>,
        /// When the device was first seen.
        #[serde(with = "wire::datetime")]
        first_seen_date_time: Option<DateTime<Utc>>,
        /// The sensor health (`deviceHealthStatus`), as sent.
        health_status: Option<String>,
        /// The host name without domain.
        host_name: Option<String>,
        /// The IP addresses of the device's interfaces.
        #[serde(deserialize_with = "wire::null_as_default")]
        ip_interfaces: Vec<String>,
        /// The last external IP address.
        last_external_ip_address: Option<String>,
        /// The last internal IP address.
        last_ip_address: Option<String>,
        /// The accounts logged on.
        #[serde(deserialize_with = "wire::null_as_default")]
        logged_on_users: Vec<LoggedOnUser>,
        /// The MDE machine id, used by the MDE response APIs.
        mde_device_id: Option<String>,
        /// The NetBIOS domain.
        nt_domain: Option<String>,
        /// The onboarding status (`onboardingStatus`), as sent.
        onboarding_status: Option<String>,
        /// The OS build number.
        os_build: Option<i64>,
        /// The OS platform, e.g. `Windows11`.
        os_platform: Option<String>,
        /// The RBAC group id.
        rbac_group_id: Option<i64>,
        /// The RBAC group name.
        rbac_group_name: Option<String>,
        /// Recent resource accesses from the device.
        #[serde(deserialize_with = "wire::null_as_default")]
        resource_access_events: Vec<ResourceAccessEvent>,
        /// The risk score (`deviceRiskScore`), as sent.
        risk_score: Option<String>,
        /// The OS version, e.g. `25H2`.
        version: Option<String>,
        /// The cloud VM behind the device.
        #[serde(deserialize_with = "wire::lenient")]
        vm_metadata: Option<VmMetadata>,
    }
}

evidence_struct! {
    /// `fileEvidence`: a file involved in the alert.
    FileEvidence {
        /// The detection status (`detectionStatus`: detected, blocked, prevented), as sent.
        detection_status: Option<String>,
        /// The file's name, path and hashes.
        #[serde(deserialize_with = "wire::lenient")]
        file_details: Option<FileDetails>,
        /// The MDE machine id of the device the file was seen on.
        mde_device_id: Option<String>,
    }
}

evidence_struct! {
    /// `processEvidence`: a process involved in the alert.
    ProcessEvidence {
        /// The detection status, as sent.
        detection_status: Option<String>,
        /// The process image.
        #[serde(deserialize_with = "wire::lenient")]
        image_file: Option<FileDetails>,
        /// The MDE machine id.
        mde_device_id: Option<String>,
        /// When the parent process started.
        #[serde(with = "wire::datetime")]
        parent_process_creation_date_time: Option<DateTime<Utc>>,
        /// The parent process id.
        parent_process_id: Option<i64>,
        /// The parent process image.
        #[serde(deserialize_with = "wire::lenient")]
        parent_process_image_file: Option<FileDetails>,
        /// The command line.
        process_command_line: Option<String>,
        /// When the process started.
        #[serde(with = "wire::datetime")]
        process_creation_date_time: Option<DateTime<Utc>>,
        /// The process id.
        process_id: Option<i64>,
        /// The account the process ran as.
        #[serde(deserialize_with = "wire::lenient")]
        user_account: Option<UserAccount>,
    }
}

evidence_struct! {
    /// `userEvidence`: a user account involved in the alert.
    UserEvidence {
        /// The data stream.
        #[serde(deserialize_with = "wire::lenient")]
        stream: Option<Stream>,
        /// The account.
        #[serde(deserialize_with = "wire::lenient")]
        user_account: Option<UserAccount>,
    }
}

evidence_struct! {
    /// `ipEvidence`: an IP address involved in the alert.
    IpEvidence {
        /// The two-letter country code.
        country_letter_code: Option<String>,
        /// The IPv4 or IPv6 address.
        ip_address: Option<String>,
        /// Where the address is.
        #[serde(deserialize_with = "wire::lenient")]
        location: Option<GeoLocation>,
        /// The data stream.
        #[serde(deserialize_with = "wire::lenient")]
        stream: Option<Stream>,
    }
}

evidence_struct! {
    /// `urlEvidence`: a URL involved in the alert.
    UrlEvidence {
        /// The URL.
        url: Option<String>,
    }
}

evidence_struct! {
    /// `analyzedMessageEvidence`: an email message analysed by Defender for Office 365.
    AnalyzedMessageEvidence {
        /// The direction (`inbound`, `outbound`, `intraorg`), free text.
        anti_spam_direction: Option<String>,
        /// The number of attachments.
        attachments_count: Option<i64>,
        /// The delivery action (`delivered`, `junked`, …), free text.
        delivery_action: Option<String>,
        /// The delivery location (`inbox`, `quarantine`, …), free text.
        delivery_location: Option<String>,
        /// The `Message-ID` header.
        internet_message_id: Option<String>,
        /// The detected language.
        language: Option<String>,
        /// The Exchange network message id (joins EmailEvents.NetworkMessageId).
        network_message_id: Option<String>,
        /// The envelope (P1) sender.
        #[serde(deserialize_with = "wire::lenient")]
        p1_sender: Option<EmailSender>,
        /// The header (P2) sender.
        #[serde(deserialize_with = "wire::lenient")]
        p2_sender: Option<EmailSender>,
        /// When the message was received.
        #[serde(with = "wire::datetime")]
        received_date_time: Option<DateTime<Utc>>,
        /// The recipient address.
        recipient_email_address: Option<String>,
        /// The sending server's IP address.
        sender_ip: Option<String>,
        /// The subject (attacker-controlled text).
        subject: Option<String>,
        /// How threats were detected.
        #[serde(deserialize_with = "wire::null_as_default")]
        threat_detection_methods: Vec<String>,
        /// The threats found.
        #[serde(deserialize_with = "wire::null_as_default")]
        threats: Vec<String>,
        /// The number of URLs.
        url_count: Option<i64>,
        /// The URLs in the message.
        #[serde(deserialize_with = "wire::null_as_default")]
        urls: Vec<String>,
        /// The URN of the message.
        urn: Option<String>,
    }
}

evidence_struct! {
    /// `mailboxEvidence`: a mailbox involved in the alert.
    MailboxEvidence {
        /// The display name.
        display_name: Option<String>,
        /// The primary SMTP address.
        primary_address: Option<String>,
        /// The user principal name.
        upn: Option<String>,
        /// The mailbox owner's account.
        #[serde(deserialize_with = "wire::lenient")]
        user_account: Option<UserAccount>,
    }
}

evidence_struct! {
    /// `mailClusterEvidence`: a cluster of similar messages.
    MailClusterEvidence {
        /// The clustering criteria.
        cluster_by: Option<String>,
        /// The values of the clustering criteria.
        cluster_by_value: Option<String>,
        /// The number of messages.
        email_count: Option<i64>,
        /// The network message ids of the messages.
        #[serde(deserialize_with = "wire::null_as_default")]
        network_message_ids: Vec<String>,
        /// The query that selects the cluster.
        query: Option<String>,
        /// The URN of the cluster.
        urn: Option<String>,
    }
}

evidence_struct! {
    /// `registryKeyEvidence`: a registry key.
    RegistryKeyEvidence {
        /// The hive, e.g. `HKEY_LOCAL_MACHINE`.
        registry_hive: Option<String>,
        /// The key path below the hive.
        registry_key: Option<String>,
    }
}

evidence_struct! {
    /// `registryValueEvidence`: a registry value.
    RegistryValueEvidence {
        /// The MDE machine id.
        mde_device_id: Option<String>,
        /// The hive.
        registry_hive: Option<String>,
        /// The key path below the hive.
        registry_key: Option<String>,
        /// The value data.
        registry_value: Option<String>,
        /// The value name.
        registry_value_name: Option<String>,
        /// The value type, e.g. `String`.
        registry_value_type: Option<String>,
    }
}

evidence_struct! {
    /// `fileHashEvidence`: a bare file hash.
    FileHashEvidence {
        /// The algorithm (`md5`, `sha1`, `sha256`, `sha256ac`), as sent.
        algorithm: Option<String>,
        /// The hash value.
        value: Option<String>,
    }
}

evidence_struct! {
    /// `networkConnectionEvidence`: a network connection.
    NetworkConnectionEvidence {
        /// The destination address (itself evidence).
        #[serde(deserialize_with = "wire::lenient")]
        destination_address: Option<Box<IpEvidence>>,
        /// The destination port.
        destination_port: Option<i64>,
        /// The protocol (`tcp`, `udp`), as sent.
        protocol: Option<String>,
        /// The source address (itself evidence).
        #[serde(deserialize_with = "wire::lenient")]
        source_address: Option<Box<IpEvidence>>,
        /// The source port.
        source_port: Option<i64>,
    }
}

evidence_struct! {
    /// `submissionMailEvidence`: a message a user or admin submitted for analysis.
    SubmissionMailEvidence {
        /// The network message id.
        network_message_id: Option<String>,
        /// The recipient.
        recipient: Option<String>,
        /// The report type.
        report_type: Option<String>,
        /// The sender.
        sender: Option<String>,
        /// The sending server's IP address.
        sender_ip: Option<String>,
        /// The subject.
        subject: Option<String>,
        /// When it was submitted.
        #[serde(with = "wire::datetime")]
        submission_date_time: Option<DateTime<Utc>>,
        /// The submission id.
        submission_id: Option<String>,
        /// Who submitted it.
        submitter: Option<String>,
    }
}
