//! JSON batching: `POST /$batch` with up to 20 sub-requests. Responses may come back in any
//! order; match them by id (case-insensitively, as Graph does).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

/// The body of `POST /$batch`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BatchRequest {
    /// The sub-requests; at most [`BatchRequest::MAX_REQUESTS`], ids unique ignoring case.
    pub requests: Vec<BatchRequestItem>,
}

impl BatchRequest {
    /// Graph's limit on sub-requests per batch.
    pub const MAX_REQUESTS: usize = 20;
}

/// One sub-request of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchRequestItem {
    /// The id that ties the response to this request (unique within the batch, ignoring case).
    pub id: String,
    /// The HTTP method, e.g. `PATCH`.
    pub method: String,
    /// The URL relative to the version root, e.g. `/security/alerts_v2/{id}`.
    pub url: String,
    /// Request headers; required with a body, and must then include `Content-Type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    /// The JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Ids of sub-requests that must succeed first (else this one gets 424).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<Vec<String>>,
}

impl BatchRequestItem {
    /// A sub-request with a JSON body and the `Content-Type` header Graph requires with it.
    pub fn json(id: impl Into<String>, method: impl Into<String>, url: impl Into<String>, body: Value) -> Self {
        let headers = BTreeMap::from([("Content-Type".to_owned(), "application/json".to_owned())]);
        BatchRequestItem {
            id: id.into(),
            method: method.into(),
            url: url.into(),
            headers: Some(headers),
            body: Some(body),
            depends_on: None,
        }
    }
}

/// The body of a `$batch` response (outer status 200).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BatchResponse {
    /// The sub-responses, in any order.
    pub responses: Vec<BatchResponseItem>,
}

impl BatchResponse {
    /// The response to sub-request `id` (compared ignoring case).
    pub fn get(&self, id: &str) -> Option<&BatchResponseItem> {
        self.responses.iter().find(|item| item.id.eq_ignore_ascii_case(id))
    }
}

/// One sub-response of a batch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchResponseItem {
    /// The id of the sub-request answered.
    pub id: String,
    /// The HTTP status of the sub-request (429 and 424 included).
    pub status: u16,
    /// Response headers, e.g. `Retry-After`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    /// The JSON body (an entity, or Graph's error envelope), kept as text: a batch of 20 PATCH
    /// answers carries 20 whole alerts, which most callers only need the status of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Box<RawValue>>,
}

impl BatchResponseItem {
    /// A header value, by name compared ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .as_ref()?
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (None when absent or not JSON).
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_str(self.body.as_ref()?.get()).ok()
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::models::{AlertUpdate, GraphErrorBody, enums::AlertStatus};
    use serde_json::json;

    #[test]
    fn request_matches_the_documented_shape() {
        let update = AlertUpdate {
            status: Some(AlertStatus::Resolved),
            ..AlertUpdate::default()
        };
        let mut second =
            BatchRequestItem::json("2", "POST", "/security/alerts_v2/a1/comments", json!({"comment": "x"}));
        second.depends_on = Some(vec!["1".into()]);
        let batch = BatchRequest {
            requests: vec![
                BatchRequestItem::json(
                    "1",
                    "PATCH",
                    "/security/alerts_v2/a1",
                    serde_json::to_value(update).unwrap(),
                ),
                second,
                BatchRequestItem {
                    id: "3".into(),
                    method: "GET".into(),
                    url: "/security/incidents/29".into(),
                    headers: None,
                    body: None,
                    depends_on: None,
                },
            ],
        };
        let value = serde_json::to_value(&batch).unwrap();
        assert_eq!(
            value["requests"][0],
            json!({"id": "1", "method": "PATCH", "url": "/security/alerts_v2/a1",
                   "headers": {"Content-Type": "application/json"}, "body": {"status": "resolved"}})
        );
        assert_eq!(value["requests"][1]["dependsOn"], json!(["1"]));
        assert_eq!(
            value["requests"][2],
            json!({"id": "3", "method": "GET", "url": "/security/incidents/29"})
        );
        assert_eq!(serde_json::from_value::<BatchRequest>(value).unwrap(), batch);
    }

    #[test]
    fn response_out_of_order_is_matched_by_id() {
        let response: BatchResponse = serde_json::from_str(include_str!("testdata/batch_response.json")).unwrap();
        let ids: Vec<&str> = response.responses.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["3", "1", "2"]);
        let first = response.get("1").unwrap();
        assert!(first.is_success());
        assert_eq!(first.body_json().unwrap()["status"], "resolved");
        let throttled = response.get("3").unwrap();
        assert_eq!(throttled.status, 429);
        assert_eq!(throttled.header("retry-after"), Some("7"));
        let error: GraphErrorBody = serde_json::from_value(throttled.body_json().unwrap()).unwrap();
        assert_eq!(error.error.code, "TooManyRequests");
        assert_eq!(response.get("2").unwrap().status, 424);
        assert!(response.get("2").unwrap().headers.is_none());
        assert!(response.get("4").is_none());
    }
}
