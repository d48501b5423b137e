//! The tenant side of the preflight: the token and its roles against what the playbooks need,
//! a one-item list of each resource, and the clock against Graph's `Date`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};

use super::{Check, MAX_CLOCK_SKEW, Tenant};
use crate::graph::{Collection, Permission, Resource};
use crate::playbook::{self, Playbook};

/// Gets a token; its `roles` claim, when it could be read.
pub(super) async fn check_token(tenant: &Tenant, checks: &mut Vec<Check>) -> Option<Vec<String>> {
    let credentials_fix = format!(
        "check tenant_id, client_id ({}) and the client secret (GRAPHSOAR_CLIENT_SECRET or client_secret_file) or client_certificate",
        tenant.client_id
    );
    let client = match &tenant.client {
        Ok(client) => client,
        Err(why) => {
            checks.push(Check::fail("token", why.clone(), credentials_fix));
            return None;
        }
    };
    let token = match client.access_token().await {
        Ok(token) => token,
        Err(e) => {
            checks.push(Check::fail("token", e.to_string(), credentials_fix));
            return None;
        }
    };
    match token_roles(&token) {
        Ok(claims) => {
            let expires = claims
                .expires
                .map(|exp| format!(", expires {}", exp.format("%Y-%m-%d %H:%M:%SZ")))
                .unwrap_or_default();
            checks.push(Check::ok(
                "token",
                format!(
                    "{} signed in to {}{expires}; roles (read from the token, not verified): {}",
                    tenant.client_id,
                    tenant.graph_url,
                    roles_text(&claims.roles)
                ),
            ));
            Some(claims.roles)
        }
        Err(why) => {
            checks.push(Check::warn(
                "token",
                format!("obtained, but its roles cannot be read: {why}"),
                "the permissions are not checked; Graph's 403s will name a missing one",
            ));
            None
        }
    }
}

/// When a playbook needs a Defender for Endpoint permission: a token for that API and its
/// roles (they are not in the Graph token).
pub(super) async fn check_defender_token(
    playbooks: &[Playbook],
    tenant: &Tenant,
    checks: &mut Vec<Check>,
) -> Option<Vec<String>> {
    let needed = playbooks
        .iter()
        .flat_map(playbook::required_permissions)
        .any(|r| r.permission.resource() == Resource::Defender);
    if !needed {
        return None;
    }
    let name = "token: defender";
    let Some(defender) = &tenant.defender else {
        checks.push(Check::skip(name, "no Defender for Endpoint client"));
        return None;
    };
    let fix = "add the WindowsDefenderATP API's application permissions to the app registration (APIs my organization uses) and grant admin consent";
    match defender
        .access_token()
        .await
        .map_err(|e| e.to_string())
        .and_then(|t| token_roles(&t))
    {
        Ok(claims) => {
            checks.push(Check::ok(
                name,
                format!(
                    "signed in to the Defender for Endpoint API at {}; roles (read from the token, not verified): {}",
                    defender.base_url(),
                    roles_text(&claims.roles)
                ),
            ));
            Some(claims.roles)
        }
        Err(why) => {
            checks.push(Check::fail(name, why, fix));
            None
        }
    }
}

/// A token's roles for the report: listed, or `none`.
fn roles_text(roles: &[String]) -> String {
    if roles.is_empty() {
        "none".to_owned()
    } else {
        roles.join(", ")
    }
}

/// What [`token_roles`] read from a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    /// The `roles` claim (absent: none).
    pub roles: Vec<String>,
    /// The `exp` claim.
    pub expires: Option<DateTime<Utc>>,
}

/// The `roles` and `exp` claims of a JWT access token, decoded from its payload and **not
/// verified** (only Entra can verify it; this only reads what it says).
pub fn token_roles(token: &str) -> Result<TokenClaims, String> {
    let payload = token
        .split('.')
        .nth(1)
        .filter(|_| token.split('.').count() == 3)
        .ok_or("the token is not a JWT (three dot-separated parts)")?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| format!("the token's payload is not base64url: {e}"))?;
    let claims: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("the token's payload is not JSON: {e}"))?;
    let roles = match &claims["roles"] {
        serde_json::Value::Null => Vec::new(),
        serde_json::Value::Array(roles) => roles.iter().filter_map(|r| r.as_str().map(str::to_owned)).collect(),
        other => return Err(format!("the token's roles claim is not a list: {other}")),
    };
    let expires = claims["exp"].as_i64().and_then(|exp| DateTime::from_timestamp(exp, 0));
    Ok(TokenClaims { roles, expires })
}

/// One line per enabled playbook: the token holds every permission it needs, or which are
/// missing and who needs them.
pub(super) fn check_permissions(
    playbooks: &[Playbook],
    roles: Option<&[String]>,
    client_id: &str,
    checks: &mut Vec<Check>,
) {
    for playbook in playbooks {
        let name = format!("permissions: {}", playbook.name);
        let required = playbook::required_permissions(playbook);
        let Some(roles) = roles else {
            checks.push(Check::skip(name, "no token roles to compare with"));
            continue;
        };
        let missing: Vec<String> = required
            .iter()
            .filter(|r| !r.permission.is_granted(roles))
            .map(|r| format!("missing {} (needed by {})", r.permission, r.needed_by.join(", ")))
            .collect();
        let names: Vec<&str> = required
            .iter()
            .filter(|r| !r.permission.is_granted(roles))
            .map(|r| r.permission.name())
            .collect();
        checks.push(if missing.is_empty() {
            let held: Vec<&str> = required.iter().map(|r| r.permission.name()).collect();
            Check::ok(name, format!("has {}", held.join(", ")))
        } else {
            Check::fail(
                name,
                format!("{}: {}", playbook.source.display(), missing.join("; ")),
                format!(
                    "add the application permission {} to the app registration {client_id} (API permissions: Microsoft Graph, or WindowsDefenderATP for Machine.* and Ti.*), grant admin consent, and run doctor again (a new token carries it)",
                    names.join(" and ")
                ),
            )
        });
    }
}

/// A one-item list of each resource the enabled playbooks use; the `Date` of the first answer.
pub(super) async fn check_graph(
    playbooks: &[Playbook],
    tenant: &Tenant,
    checks: &mut Vec<Check>,
) -> Option<DateTime<Utc>> {
    let used: Vec<Permission> = playbooks
        .iter()
        .flat_map(playbook::required_permissions)
        .map(|r| r.permission)
        .collect();
    let uses = |ps: &[Permission]| used.iter().any(|p| ps.contains(p));
    let mut date = None;
    let resources = [
        (
            Collection::Alerts,
            "graph: alerts_v2",
            [Permission::SecurityAlertRead, Permission::SecurityAlertReadWrite],
        ),
        (
            Collection::Incidents,
            "graph: incidents",
            [Permission::SecurityIncidentRead, Permission::SecurityIncidentReadWrite],
        ),
    ];
    for (collection, name, permissions) in resources {
        if !uses(&permissions) {
            continue;
        }
        let Ok(client) = &tenant.client else {
            checks.push(Check::skip(name, "no Graph client"));
            continue;
        };
        checks.push(match client.probe(collection).await {
            Ok(probe) => {
                date = date.or(probe.date);
                Check::ok(name, format!("listed $top=1: {} item(s)", probe.items))
            }
            Err(e) => Check::fail(
                name,
                e.to_string(),
                match e.status() {
                    Some(403) => {
                        "add the permission named above to the app registration and grant admin consent".to_owned()
                    }
                    Some(401) => {
                        "the token was refused: check tenant_id and that the app registration is in that tenant"
                            .to_owned()
                    }
                    _ => format!("check graph_url ({}) and the network path to it", tenant.graph_url),
                },
            ),
        });
    }
    if uses(&[Permission::ThreatHuntingRead]) {
        checks.push(Check::skip(
            "graph: runHuntingQuery",
            "not called: a query spends the tenant's hunting quota; the ThreatHunting.Read.All role is checked above",
        ));
    }
    date
}

/// The local clock against Graph's `Date` (from a list answer, else from any answer to a plain
/// GET of the Graph URL).
pub(super) async fn check_clock(tenant: &Tenant, date: Option<DateTime<Utc>>) -> Check {
    let name = "clock";
    let (server, local) = match date {
        Some(d) => (d, Utc::now()),
        None => match graph_date(&tenant.graph_url).await {
            Ok(pair) => pair,
            Err(why) => return Check::skip(name, format!("cannot read Graph's Date: {why}")),
        },
    };
    // `Date` has whole seconds: Graph's time is within the second after it.
    let skew = local - (server + TimeDelta::milliseconds(500));
    let detail = format!(
        "this machine {} Graph's Date ({}) by {:.1}s",
        if skew >= TimeDelta::zero() {
            "is ahead of"
        } else {
            "is behind"
        },
        server.format("%H:%M:%SZ"),
        skew.num_milliseconds().abs() as f64 / 1000.0
    );
    if skew.abs() > MAX_CLOCK_SKEW {
        Check::fail(
            name,
            detail,
            "set the clock right (NTP: systemd-timesyncd or chrony); a wrong clock breaks tokens, cursors and schedules",
        )
    } else {
        Check::ok(name, detail)
    }
}

/// Graph's `Date` from an unauthenticated GET (every answer, a 401 too, has one) and the local
/// time half-way through the request.
async fn graph_date(graph_url: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    let http = crate::http::client_builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let before = Utc::now();
    let response = http.get(graph_url).send().await.map_err(|e| e.to_string())?;
    let after = Utc::now();
    let date = response
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .ok_or("the answer has no valid Date header")?;
    Ok((date.with_timezone(&Utc), before + (after - before) / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &serde_json::Value) -> String {
        format!(
            "e30.{}.c2ln",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(payload).unwrap())
        )
    }

    #[test]
    fn roles_are_read_from_the_payload() {
        let claims = token_roles(&jwt(
            &serde_json::json!({"roles": ["A.Read.All", "B"], "exp": 1_700_000_000}),
        ))
        .unwrap();
        assert_eq!(claims.roles, ["A.Read.All", "B"]);
        assert_eq!(claims.expires, DateTime::from_timestamp(1_700_000_000, 0));
        assert!(token_roles(&jwt(&serde_json::json!({}))).unwrap().roles.is_empty());
        assert!(token_roles("opaque").unwrap_err().contains("not a JWT"));
        assert!(token_roles(&jwt(&serde_json::json!({"roles": "x"}))).is_err());
    }
}
