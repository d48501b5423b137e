//! A phishing chain: the message, an unfamiliar sign-in, encoded PowerShell, LSASS access,
//! pass-the-hash to a server, and a forwarding inbox rule (now and then as an XDR sequence alert).

use serde_json::{Value, json};

use super::super::Ctx;
use super::super::alert::Alert;
use super::super::evidence::with;
use super::super::rows::s;
use super::Step;

impl Ctx<'_> {
    pub(super) fn phishing(&mut self, step: Step) {
        let Step {
            i,
            d,
            u,
            at,
            created,
            status,
        } = step;
        let attacker = "198.51.100.23";
        let (alert, ev) = match i % 6 {
            0 => {
                let nmid = self.r.guid();
                let url = format!("https://secure-o365-login.net/s/{}", self.r.hex(12));
                let rid = Value::String(self.r.guid());
                self.out.row(
                    "EmailEvents",
                    [
                        ("Timestamp", Value::String(self.w.iso(at + 60, 0))),
                        ("NetworkMessageId", s(&nmid)),
                        ("SenderFromAddress", s("accounts@payments-partner.biz")),
                        ("SenderFromDomain", s("payments-partner.biz")),
                        ("SenderIPv4", s("192.0.2.200")),
                        ("RecipientEmailAddress", s(&u.upn)),
                        ("RecipientObjectId", s(&u.oid)),
                        ("Subject", s("Overdue invoice - action required")),
                        ("EmailDirection", s("Inbound")),
                        ("DeliveryAction", s("Delivered")),
                        ("DeliveryLocation", s("Inbox")),
                        ("ThreatTypes", s("Phish")),
                        ("UrlCount", Value::from(1)),
                        ("AttachmentCount", Value::from(0)),
                        ("ReportId", rid),
                    ],
                );
                let msg = Self::ev(
                    "analyzedMessageEvidence",
                    created,
                    "malicious",
                    &[],
                    &[],
                    json!({
                    "antiSpamDirection": "inbound", "attachmentsCount": 0, "deliveryAction": "delivered", "deliveryLocation": "inbox",
                    "internetMessageId": format!("<{}@payments-partner.biz>", self.r.hex(16)), "language": "en", "networkMessageId": nmid,
                    "p1Sender": {"displayName": "Accounts Payable", "domainName": "payments-partner.biz", "emailAddress": "accounts@payments-partner.biz"},
                    "p2Sender": {"displayName": "Accounts Payable", "domainName": "payments-partner.biz", "emailAddress": "accounts@payments-partner.biz"},
                    "receivedDateTime": self.w.iso(at + 60, 0), "recipientEmailAddress": u.upn, "senderIp": "192.0.2.200",
                    "subject": "Overdue invoice - action required", "threatDetectionMethods": ["URL detonation reputation"],
                    "threats": ["Phish"], "urlCount": 1, "urls": [url], "urn": format!("urn:MailEntity:{}", self.r.hex(32))}),
                );
                let mailbox = Self::ev(
                    "mailboxEvidence",
                    created,
                    "unknown",
                    &[],
                    &["Targeted mailbox"],
                    with(
                        json!({"displayName": u.display, "primaryAddress": u.upn, "upn": u.upn}),
                        "userAccount",
                        self.account(u),
                    ),
                );
                let url_ev = Self::ev("urlEvidence", created, "malicious", &[], &[], json!({"url": url}));
                (
                    Alert {
                        src: "mdo",
                        det: "microsoftDefenderForOffice365",
                        title: "Email messages containing malicious URL removed after delivery",
                        sev: "informational",
                        cat: "InitialAccess",
                        mitre: &["T1566.002"],
                    },
                    vec![msg, mailbox, url_ev, self.e_user(u, created, &[])],
                )
            }
            1 => {
                self.idlogon(u, at + 60, attacker, "Microsoft 365", "LogonSuccess");
                (
                    Alert {
                        src: "aadip",
                        det: "azureAdIdentityProtection",
                        title: "Unfamiliar sign-in properties",
                        sev: "medium",
                        cat: "InitialAccess",
                        mitre: &["T1078.004"],
                    },
                    vec![
                        self.e_user(u, created, &["compromised"]),
                        Self::e_ip(attacker, Some("RU"), created, &["attacker"]),
                    ],
                )
            }
            2 => {
                let fd = self.file(
                    "powershell.exe",
                    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0",
                    None,
                    450_560,
                );
                let cmd = format!(
                    "powershell.exe -nop -w hidden -enc {}",
                    "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA"
                );
                self.proc_row(
                    d,
                    Some(u),
                    &fd,
                    &cmd,
                    at + 30,
                    "winword.exe",
                    "\"WINWORD.EXE\" /n invoice.docm",
                );
                let rid = self.report_id();
                self.out.row(
                    "DeviceNetworkEvents",
                    [
                        ("Timestamp", Value::String(self.w.iso(at + 25, 0))),
                        ("DeviceId", s(&d.id)),
                        ("DeviceName", s(&d.fqdn)),
                        ("ActionType", s("ConnectionSuccess")),
                        ("RemoteIP", s("198.51.100.77")),
                        ("RemotePort", Value::from(443)),
                        ("RemoteUrl", s("cdn-update.azureedge-content.net")),
                        ("LocalIP", s(&d.ip)),
                        ("Protocol", s("Tcp")),
                        ("InitiatingProcessFileName", s("powershell.exe")),
                        ("ReportId", rid),
                    ],
                );
                (
                    Alert {
                        src: "mde",
                        det: "microsoftDefenderForEndpoint",
                        title: "Suspicious PowerShell command line",
                        sev: "medium",
                        cat: "Execution",
                        mitre: &["T1059.001", "T1027"],
                    },
                    vec![
                        self.e_device(d, created, &[]),
                        self.e_process(d, Some(u), &fd, &cmd, created, at + 30, "suspicious"),
                        self.e_user(u, created, &[]),
                        Self::e_ip("198.51.100.77", Some("US"), created, &["commandAndControl"]),
                    ],
                )
            }
            3 => {
                let fd = self.file("rundll32.exe", "C:\\Windows\\System32", None, 71_680);
                let cmd = "rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 812 C:\\Users\\Public\\l.dmp full";
                self.proc_row(
                    d,
                    Some(u),
                    &fd,
                    cmd,
                    at + 15,
                    "powershell.exe",
                    "powershell.exe -nop -w hidden",
                );
                (
                    Alert {
                        src: "mde",
                        det: "microsoftDefenderForEndpoint",
                        title: "Suspicious access to LSASS service",
                        sev: "high",
                        cat: "CredentialAccess",
                        mitre: &["T1003.001"],
                    },
                    vec![
                        self.e_device(d, created, &[]),
                        self.e_process(d, Some(u), &fd, cmd, created, at + 15, "malicious"),
                        self.e_user(u, created, &["compromised"]),
                    ],
                )
            }
            4 => {
                let dst = &self.w.servers[2];
                self.logon_row(dst, u, at + 20, "Network", Some(&d.ip));
                (
                    Alert {
                        src: "mdi",
                        det: "microsoftDefenderForIdentity",
                        title: "Suspected identity theft (pass-the-hash)",
                        sev: "high",
                        cat: "LateralMovement",
                        mitre: &["T1550.002"],
                    },
                    vec![
                        self.e_user(u, created, &["compromised"]),
                        self.e_device(d, created, &["attacker"]),
                        self.e_device(dst, created, &["attacked"]),
                        Self::e_ip(&d.ip, None, created, &["source"]),
                    ],
                )
            }
            _ => {
                let proton = format!("{}.pay@proton.me", u.sam);
                let rid = Value::String(self.r.guid());
                self.out.row(
                    "CloudAppEvents",
                    [
                        ("Timestamp", Value::String(self.w.iso(at + 60, 0))),
                        ("ActionType", s("New-InboxRule")),
                        ("Application", s("Microsoft Exchange Online")),
                        ("ApplicationId", Value::from(20893)),
                        ("AccountObjectId", s(&u.oid)),
                        ("AccountDisplayName", s(&u.display)),
                        ("IPAddress", s(attacker)),
                        ("CountryCode", s("RU")),
                        ("ObjectName", s("..")),
                        ("ObjectType", s("Inbox rule")),
                        ("ReportId", rid),
                        (
                            "RawEventData",
                            json!({"Operation": "New-InboxRule", "UserId": u.upn, "Parameters": [
                        {"Name": "Name", "Value": ".."}, {"Name": "ForwardTo", "Value": proton}]}),
                        ),
                    ],
                );
                let cfg = Self::ev(
                    "mailboxConfigurationEvidence",
                    created,
                    "suspicious",
                    &[],
                    &[],
                    json!({
                    "configurationId": self.r.guid(), "configurationType": "mailForwardingRule", "displayName": "..",
                    "externalDirectoryObjectId": u.oid, "mailboxPrimaryAddress": u.upn, "upn": u.upn}),
                );
                let xdr = i % 12 == 11;
                (
                    if xdr {
                        Alert {
                            src: "xdr",
                            det: "microsoft365Defender",
                            title: "Suspicious activity sequence: phishing followed by mailbox forwarding",
                            sev: "high",
                            cat: "Exfiltration",
                            mitre: &["T1114.003"],
                        }
                    } else {
                        Alert {
                            src: "mdca",
                            det: "cloudAppSecurity",
                            title: "Suspicious inbox forwarding rule",
                            sev: "medium",
                            cat: "Exfiltration",
                            mitre: &["T1114.003", "T1564.008"],
                        }
                    },
                    vec![
                        self.e_user(u, created, &["compromised"]),
                        cfg,
                        Self::e_ip(attacker, Some("RU"), created, &["attacker"]),
                    ],
                )
            }
        };
        let a = self.alert(&alert, at, ev, None);
        self.push(a, status);
    }
}
