//! Request counters for `GET /_emulator/stats`: requests by method, route template and status
//! since the emulator started (or since the last `POST /_emulator/stats/reset`), with totals.
//! `$batch` sub-requests are counted on their own routes as well as the batch itself; a dropped
//! connection counts under the status `dropped`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::time::format_utc;

/// The status recorded for a dropped connection.
pub const DROPPED: u16 = 0;

/// The status recorded for a response cut halfway through its body.
pub const CUT: u16 = 1;

/// The counters.
#[derive(Debug)]
pub struct Stats {
    since: DateTime<Utc>,
    counts: BTreeMap<(String, String, u16), u64>,
}

impl Stats {
    /// Empty counters starting at `since`.
    pub fn new(since: DateTime<Utc>) -> Self {
        Stats {
            since,
            counts: BTreeMap::new(),
        }
    }

    /// Counts one request.
    pub fn record(&mut self, method: &str, route: &str, status: u16) {
        *self
            .counts
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
    }

    /// The counters as JSON: `since`, `total`, `byStatus`, `byRoute` and `requests` (one entry per
    /// method, route and status).
    pub fn to_json(&self) -> Value {
        let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
        let mut by_route: BTreeMap<String, u64> = BTreeMap::new();
        let mut requests = Vec::with_capacity(self.counts.len());
        let mut total = 0;
        for ((method, route, status), count) in &self.counts {
            let status = status_name(*status);
            *by_status.entry(status.clone()).or_default() += count;
            *by_route.entry(format!("{method} {route}")).or_default() += count;
            total += count;
            requests.push(json!({"method": method, "route": route, "status": status, "count": count}));
        }
        json!({
            "since": format_utc(&self.since),
            "total": total,
            "byStatus": by_status,
            "byRoute": by_route,
            "requests": requests,
        })
    }
}

fn status_name(status: u16) -> String {
    if status == DROPPED {
        "dropped".to_owned()
    } else if status == CUT {
        "cut".to_owned()
    } else {
        status.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_group_by_method_route_and_status() {
        let mut stats = Stats::new(Utc::now());
        stats.record("GET", "/v1.0/security/alerts_v2", 200);
        stats.record("GET", "/v1.0/security/alerts_v2", 200);
        stats.record("GET", "/v1.0/security/alerts_v2", 429);
        stats.record("PATCH", "/v1.0/security/alerts_v2/{id}", DROPPED);
        let json = stats.to_json();
        assert_eq!(json["total"], 4);
        assert_eq!(json["byStatus"]["200"], 2);
        assert_eq!(json["byStatus"]["dropped"], 1);
        assert_eq!(json["byRoute"]["GET /v1.0/security/alerts_v2"], 3);
        assert_eq!(json["requests"].as_array().unwrap().len(), 3);
    }
}
