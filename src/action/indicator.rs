//! `submit_indicator`: a custom indicator (file hash, IP, domain or URL) through the Defender
//! for Endpoint API (response-actions-api.md §4). The API submits or updates (§8): an
//! indicator of the same value, type and action is updated, not duplicated. graphsoar reads the
//! value's indicators first and sends nothing when one already says exactly what it would
//! send, so repeated runs and retries change nothing and spend none of the 100 calls a minute.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Outcome;
use crate::graph::defender::Defender;
use crate::graph::models::defender::{Indicator, IndicatorAction, IndicatorType};

/// The frozen parameters of `submit_indicator`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorParams {
    pub value: String,
    pub indicator_type: IndicatorType,
    pub action: IndicatorAction,
    pub title: String,
    pub description: String,
    /// `Informational`, `Low`, `Medium` or `High`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// When it expires (RFC 3339, fixed at plan time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommended_actions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate_alert: Option<bool>,
}

impl IndicatorParams {
    fn indicator(&self) -> Indicator {
        Indicator {
            id: None,
            indicator_value: self.value.clone(),
            indicator_type: self.indicator_type,
            action: self.action,
            title: self.title.clone(),
            description: self.description.clone(),
            application: Some("graphsoar".into()),
            expiration_time: self.expiration.clone(),
            severity: self.severity.clone(),
            recommended_actions: self.recommended_actions.clone(),
            generate_alert: self.generate_alert,
            rbac_group_names: Vec::new(),
            created_by: None,
            created_by_display_name: None,
            creation_time_date_time_utc: None,
            last_update_time: None,
            last_updated_by: None,
        }
    }

    /// Whether `existing` already says what this would send.
    fn is_same(&self, existing: &Indicator) -> bool {
        let same_time = match (&self.expiration, &existing.expiration_time) {
            (Some(a), Some(b)) => crate::time::parse_utc(a) == crate::time::parse_utc(b),
            (None, None) => true,
            _ => false,
        };
        existing.indicator_value.eq_ignore_ascii_case(&self.value)
            && existing.indicator_type == self.indicator_type
            && existing.action == self.action
            && existing.title == self.title
            && existing.description == self.description
            && existing.severity.as_deref().map(str::to_lowercase) == self.severity.as_deref().map(str::to_lowercase)
            && existing.recommended_actions == self.recommended_actions
            && same_time
    }
}

/// The indicator type of `value`: a hash by its length, an IP address, a URL (with a scheme),
/// else a domain name; `None` when it is none of them (refused at plan time).
pub fn infer_type(value: &str) -> Option<IndicatorType> {
    let hex = !value.is_empty() && value.chars().all(|c| c.is_ascii_hexdigit());
    match value.len() {
        64 if hex => return Some(IndicatorType::FileSha256),
        40 if hex => return Some(IndicatorType::FileSha1),
        32 if hex => return Some(IndicatorType::FileMd5),
        _ => {}
    }
    if value.parse::<std::net::IpAddr>().is_ok() {
        return Some(IndicatorType::IpAddress);
    }
    if value.contains("://") {
        return url::Url::parse(value).ok().map(|_| IndicatorType::Url);
    }
    let domain = value.len() <= 253
        && value.contains('.')
        && value
            .split('.')
            .all(|l| !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    domain.then_some(IndicatorType::DomainName)
}

/// Submits the indicator unless an identical one exists.
pub async fn execute(defender: &Defender, params: &IndicatorParams) -> Outcome {
    let existing = match defender.indicators(&params.value).await {
        Ok(list) => list,
        Err(e) => return Outcome::of_error(&format!("cannot read the indicators of {}", params.value), &e),
    };
    if let Some(same) = existing.iter().find(|i| params.is_same(i)) {
        return Outcome::Started(json!({
            "indicator_id": same.id, "note": "an identical indicator exists: nothing sent",
        }));
    }
    match defender.submit_indicator(&params.indicator()).await {
        Ok(indicator) => Outcome::Started(json!({ "indicator_id": indicator.id })),
        Err(e) => Outcome::of_error(&format!("submitting indicator {}", params.value), &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicator_types_are_inferred_from_the_value() {
        assert_eq!(infer_type(&"a".repeat(64)), Some(IndicatorType::FileSha256));
        assert_eq!(infer_type(&"B".repeat(40)), Some(IndicatorType::FileSha1));
        assert_eq!(infer_type(&"0".repeat(32)), Some(IndicatorType::FileMd5));
        assert_eq!(infer_type("203.0.113.5"), Some(IndicatorType::IpAddress));
        assert_eq!(infer_type("2001:db8::1"), Some(IndicatorType::IpAddress));
        assert_eq!(infer_type("https://evil.example/x"), Some(IndicatorType::Url));
        assert_eq!(infer_type("evil.example.com"), Some(IndicatorType::DomainName));
        assert_eq!(infer_type("not a value"), None);
        assert_eq!(infer_type("10.0.0.0/8"), None);
        assert_eq!(infer_type(""), None);
    }
}
