//! The [`Ctx`] builders of evidence: the `alertEvidence` subtypes (device, user, file, IP,
//! process) and the file details and accounts they carry.

use serde_json::{Map, Value, json};

use super::rows::s;
use super::world::{Device, User};
use super::{Ctx, TENANT};

const T: &str = "#microsoft.graph.security.";

impl Ctx<'_> {
    pub(super) fn file(&mut self, name: &str, path: &str, sha256: Option<&str>, size: i64) -> Value {
        let sha = sha256.map_or_else(|| self.r.hex(64), str::to_string);
        json!({"fileName": name, "filePath": path, "filePublisher": null, "fileSize": size, "issuer": null,
               "md5": self.r.hex(32), "sha1": self.r.hex(40), "sha256": sha, "sha256Ac": null, "signer": null})
    }

    pub(super) fn account(&self, u: &User) -> Value {
        json!({"accountName": u.sam, "domainName": "CONTOSO", "userSid": u.sid, "azureAdUserId": u.oid,
               "userPrincipalName": u.upn, "displayName": u.display, "activeDirectoryObjectGuid": null,
               "resourceAccessEvents": [], "tenantId": TENANT})
    }

    /// An evidence item: the base properties of every `alertEvidence` plus the subtype's (`extra`).
    pub(super) fn ev(
        kind: &str,
        created: &str,
        verdict: &str,
        roles: &[&str],
        detailed: &[&str],
        extra: Value,
    ) -> Value {
        let mut m = match extra {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        m.insert("@odata.type".into(), Value::String(format!("{T}{kind}")));
        m.insert("createdDateTime".into(), s(created));
        m.insert("verdict".into(), s(verdict));
        m.insert("remediationStatus".into(), s("none"));
        m.insert("remediationStatusDetails".into(), Value::Null);
        m.insert("roles".into(), roles.iter().map(|x| s(x)).collect());
        m.insert("detailedRoles".into(), detailed.iter().map(|x| s(x)).collect());
        m.insert("tags".into(), Value::Array(vec![]));
        Value::Object(m)
    }

    pub(super) fn e_device(&mut self, d: &Device, created: &str, roles: &[&str]) -> Value {
        let u = &self.w.users[d.user];
        Self::ev(
            "deviceEvidence",
            created,
            "unknown",
            roles,
            &["PrimaryDevice"],
            json!({
            "azureAdDeviceId": d.aad, "defenderAvStatus": "updated", "deviceDnsName": d.fqdn,
            "dnsDomain": "corp.contoso.com", "firstSeenDateTime": self.w.iso(18_287_107, 4_470_000),
            "healthStatus": "active", "hostName": d.host, "ipInterfaces": [d.ip, "127.0.0.1", "::1"],
            "lastExternalIpAddress": "203.0.113.45", "lastIpAddress": d.ip,
            "loggedOnUsers": [{"accountName": u.sam, "domainName": "CONTOSO"}], "mdeDeviceId": d.id,
            "ntDomain": "CONTOSO", "onboardingStatus": "onboarded", "osBuild": d.build, "osPlatform": d.os,
            "rbacGroupId": 2, "rbacGroupName": "Workstations", "resourceAccessEvents": [], "riskScore": "medium",
            "version": "23H2", "vmMetadata": null}),
        )
    }

    pub(super) fn e_user(&self, u: &User, created: &str, roles: &[&str]) -> Value {
        Self::ev(
            "userEvidence",
            created,
            "unknown",
            roles,
            &[],
            with(json!({"stream": null}), "userAccount", self.account(u)),
        )
    }

    pub(super) fn e_file(&self, fd: &Value, d: Option<&Device>, created: &str, verdict: &str) -> Value {
        Self::ev(
            "fileEvidence",
            created,
            verdict,
            &[],
            &["Detected file"],
            with(
                json!({"detectionStatus": "detected", "mdeDeviceId": d.map(|d| d.id.as_str())}),
                "fileDetails",
                fd.clone(),
            ),
        )
    }

    pub(super) fn e_ip(ip: &str, cc: Option<&str>, created: &str, roles: &[&str]) -> Value {
        Self::ev(
            "ipEvidence",
            created,
            "unknown",
            roles,
            &[],
            json!({
            "countryLetterCode": cc, "ipAddress": ip, "location": null, "stream": null}),
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn e_process(
        &mut self,
        d: &Device,
        user: Option<&User>,
        image: &Value,
        cmd: &str,
        created: &str,
        at: i64,
        verdict: &str,
    ) -> Value {
        let parent = self.file("cmd.exe", "C:\\Windows\\System32", None, 323_584);
        let account = user.map_or_else(
            || json!({"accountName": "system", "domainName": "NT AUTHORITY", "userSid": "S-1-5-18"}),
            |u| self.account(u),
        );
        let pid = self.r.range(1000, 20000);
        let ppid = self.r.range(400, 9000);
        let (t0, t1) = (self.r.below(10_000_000) as u32, self.r.below(10_000_000) as u32);
        Self::ev(
            "processEvidence",
            created,
            verdict,
            &[],
            &[],
            with(
                with(
                    with(
                        json!({
                        "detectionStatus": "detected", "mdeDeviceId": d.id,
                        "parentProcessCreationDateTime": self.w.iso(at + 600, t0), "parentProcessId": ppid,
                        "processCommandLine": cmd, "processCreationDateTime": self.w.iso(at, t1), "processId": pid}),
                        "imageFile",
                        image.clone(),
                    ),
                    "parentProcessImageFile",
                    parent,
                ),
                "userAccount",
                account,
            ),
        )
    }
}

/// `v` with `key` set to `x`, moved in (`json!` would copy a `Value` through the serializer).
pub(super) fn with(mut v: Value, key: &str, x: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.insert(key.to_string(), x);
    }
    v
}
