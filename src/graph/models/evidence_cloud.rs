//! The cloud and identity `alertEvidence` subtypes: cloud apps and sessions, OAuth apps,
//! service principals, security groups, and AWS, Azure and Google Cloud resources.

use crate::graph::models::evidence_parts::Stream;
use crate::graph::models::evidence_types::UserEvidence;
use crate::graph::models::wire;
use chrono::{DateTime, Utc};

evidence_struct! {
    /// `cloudApplicationEvidence`: a cloud app (Defender for Cloud Apps catalogue entry).
    CloudApplicationEvidence {
        /// The Defender for Cloud Apps app id (a number).
        app_id: Option<i64>,
        /// The app name.
        display_name: Option<String>,
        /// The app instance id.
        instance_id: Option<i64>,
        /// The app instance name.
        instance_name: Option<String>,
        /// The SaaS app id.
        saas_app_id: Option<i64>,
        /// The data stream.
        #[serde(deserialize_with = "wire::lenient")]
        stream: Option<Stream>,
    }
}

evidence_struct! {
    /// `cloudLogonSessionEvidence`: a cloud sign-in session.
    CloudLogonSessionEvidence {
        /// The account of the session (itself evidence).
        #[serde(deserialize_with = "wire::lenient")]
        account: Option<Box<UserEvidence>>,
        /// The browser.
        browser: Option<String>,
        /// The device name.
        device_name: Option<String>,
        /// The operating system.
        operating_system: Option<String>,
        /// The account's previous sign-in.
        #[serde(with = "wire::datetime")]
        previous_logon_date_time: Option<DateTime<Utc>>,
        /// The authentication protocol.
        protocol: Option<String>,
        /// The session id.
        session_id: Option<String>,
        /// When the session started.
        #[serde(with = "wire::datetime")]
        start_utc_date_time: Option<DateTime<Utc>>,
        /// The user agent.
        user_agent: Option<String>,
    }
}

evidence_struct! {
    /// `oauthApplicationEvidence`: an OAuth (Entra) application.
    OauthApplicationEvidence {
        /// The application (client) id, a GUID string.
        app_id: Option<String>,
        /// The app name.
        display_name: Option<String>,
        /// The application object id.
        object_id: Option<String>,
        /// The publisher.
        publisher: Option<String>,
    }
}

evidence_struct! {
    /// `amazonResourceEvidence`: an AWS resource.
    AmazonResourceEvidence {
        /// The AWS account id.
        amazon_account_id: Option<String>,
        /// The resource id (ARN).
        amazon_resource_id: Option<String>,
        /// The resource name.
        resource_name: Option<String>,
        /// The resource type.
        resource_type: Option<String>,
    }
}

evidence_struct! {
    /// `azureResourceEvidence`: an Azure resource.
    AzureResourceEvidence {
        /// The Azure resource id.
        resource_id: Option<String>,
        /// The resource name.
        resource_name: Option<String>,
        /// The resource type.
        resource_type: Option<String>,
    }
}

evidence_struct! {
    /// `googleCloudResourceEvidence`: a Google Cloud resource.
    GoogleCloudResourceEvidence {
        /// The full resource name.
        full_resource_name: Option<String>,
        /// The zone or region.
        location: Option<String>,
        /// The location type (`regional`, `zonal`, `global`), as sent.
        location_type: Option<String>,
        /// The project id.
        project_id: Option<String>,
        /// The project number.
        project_number: Option<i64>,
        /// The resource name.
        resource_name: Option<String>,
        /// The resource type.
        resource_type: Option<String>,
    }
}

evidence_struct! {
    /// `securityGroupEvidence`: an Active Directory or Entra security group.
    SecurityGroupEvidence {
        /// The Active Directory object GUID.
        active_directory_object_guid: Option<String>,
        /// The display name.
        display_name: Option<String>,
        /// The distinguished name.
        distinguished_name: Option<String>,
        /// The friendly name.
        friendly_name: Option<String>,
        /// The group id.
        security_group_id: Option<String>,
        /// The security identifier.
        sid: Option<String>,
    }
}

evidence_struct! {
    /// `servicePrincipalEvidence`: an Entra service principal.
    ServicePrincipalEvidence {
        /// The application id.
        app_id: Option<String>,
        /// The tenant owning the application.
        app_owner_tenant_id: Option<String>,
        /// The service principal name.
        service_principal_name: Option<String>,
        /// The service principal object id.
        service_principal_object_id: Option<String>,
        /// The type (`application`, `managedIdentity`, `legacy`), as sent.
        service_principal_type: Option<String>,
        /// The tenant of the service principal.
        tenant_id: Option<String>,
    }
}
