//! OAuth consent phishing: a user consents to a malicious app.

use serde_json::{Value, json};

use super::super::Ctx;
use super::super::alert::Alert;
use super::super::rows::s;
use super::Step;

impl Ctx<'_> {
    pub(super) fn oauth(&mut self, step: Step) {
        let Step {
            i,
            u,
            at,
            created,
            status,
            ..
        } = step;
        let app = self.r.guid();
        let app_ev = Self::ev(
            "oauthApplicationEvidence",
            created,
            "malicious",
            &[],
            &["OAuth application"],
            json!({
            "appId": app, "displayName": "DocuSign Secure Viewer", "objectId": self.r.guid(), "publisher": "docuviewer-secure.app"}),
        );
        let rid = Value::String(self.r.guid());
        self.out.row(
            "CloudAppEvents",
            [
                ("Timestamp", Value::String(self.w.iso(at + 30, 0))),
                ("ActionType", s("Consent to application.")),
                ("Application", s("Microsoft Azure")),
                ("ApplicationId", Value::from(12260)),
                ("AccountObjectId", s(&u.oid)),
                ("AccountDisplayName", s(&u.display)),
                ("IPAddress", s("203.0.113.45")),
                ("CountryCode", s("NL")),
                ("ObjectName", s("DocuSign Secure Viewer")),
                ("OAuthAppId", Value::String(app)),
                ("ReportId", rid),
                (
                    "RawEventData",
                    json!({"Operation": "Consent to application.", "UserId": u.upn}),
                ),
            ],
        );
        let ev = vec![
            app_ev,
            self.e_user(u, created, &["compromised"]),
            Self::ev(
                "cloudApplicationEvidence",
                created,
                "unknown",
                &[],
                &[],
                json!({"appId": 12260, "displayName": "Microsoft Azure", "instanceId": 0, "instanceName": "Microsoft Azure", "saasAppId": 12260, "stream": null}),
            ),
        ];
        let a = if i % 2 == 0 {
            Alert {
                src: "appgov",
                det: "appGovernanceDetection",
                title: "App with suspicious OAuth scope made Graph calls to read email",
                sev: "high",
                cat: "Collection",
                mitre: &["T1114.002"],
            }
        } else {
            Alert {
                src: "mdca",
                det: "cloudAppSecurity",
                title: "Unusual addition of credentials to an OAuth app",
                sev: "medium",
                cat: "Persistence",
                mitre: &["T1098.001"],
            }
        };
        let alert = self.alert(&a, at, ev, None);
        self.push(alert, status);
    }
}
