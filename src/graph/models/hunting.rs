//! Advanced hunting: the `POST /security/runHuntingQuery` body and its `huntingQueryResults`.
//!
//! Both casings appear in Microsoft's own examples (`query`/`Query`, `name`/`Name`), so both are
//! read; the CSDL's lowercase names are written.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The body of `runHuntingQuery`: written as `query`/`timespan`, read in either casing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HuntingQueryRequest {
    /// The KQL query.
    #[serde(alias = "Query")]
    pub query: String,
    /// The ISO 8601 window: `start/end`, `duration/end`, `start/duration`, `P30D` or a single
    /// start datetime; Graph's default is 30 days.
    #[serde(default, alias = "Timespan", skip_serializing_if = "Option::is_none")]
    pub timespan: Option<String>,
}

impl HuntingQueryRequest {
    /// A query with Graph's default window.
    pub fn new(query: impl Into<String>) -> Self {
        HuntingQueryRequest {
            query: query.into(),
            timespan: None,
        }
    }
}

/// One column of a hunting result, `{"name", "type"}` (read also as `{"Name", "Type"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HuntingColumn {
    /// The column name, e.g. `Timestamp`.
    #[serde(alias = "Name")]
    pub name: String,
    /// The column type as Graph names it, e.g. `DateTime` or `String` (the reference verifies
    /// only these two; others such as `Int64` or `Boolean` are kept as sent, unverified, §8).
    #[serde(rename = "type", alias = "Type")]
    pub column_type: String,
}

/// `huntingQueryResults`: the column schema and the rows, each an object keyed by column name
/// (datetimes stay ISO strings). `@odata.*` and other keys are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HuntingQueryResults {
    /// The columns, in query order (row objects do not keep column order: use this).
    #[serde(default, alias = "Schema")]
    pub schema: Vec<HuntingColumn>,
    /// The rows.
    #[serde(default, alias = "Results")]
    pub results: Vec<Map<String, Value>>,
    /// `@odata.context` and any other property, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl HuntingQueryResults {
    /// Graph's documented row cap: a result this long was probably truncated.
    pub const MAX_ROWS: usize = 100_000;

    /// Whether the result hit [`Self::MAX_ROWS`] and was probably truncated.
    pub fn is_probably_truncated(&self) -> bool {
        self.results.len() >= Self::MAX_ROWS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_writes_lowercase_and_reads_both_casings() {
        let request = HuntingQueryRequest {
            query: "DeviceProcessEvents".into(),
            timespan: Some("P1D".into()),
        };
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({"query": "DeviceProcessEvents", "timespan": "P1D"})
        );
        assert_eq!(
            serde_json::to_value(HuntingQueryRequest::new("T | take 1")).unwrap(),
            json!({"query": "T | take 1"})
        );
        let docs: HuntingQueryRequest = serde_json::from_str(include_str!("testdata/hunting_request_v1.json")).unwrap();
        assert_eq!(docs.query, "DeviceProcessEvents");
        assert_eq!(docs.timespan.as_deref(), Some("P90D"));
        let beta: HuntingQueryRequest = serde_json::from_value(json!({"query": "X"})).unwrap();
        assert_eq!(beta, HuntingQueryRequest::new("X"));
        assert!(serde_json::from_value::<HuntingQueryRequest>(json!({"timespan": "P1D"})).is_err());
    }

    #[test]
    fn v1_results_with_odata_context() {
        let results: HuntingQueryResults = serde_json::from_str(include_str!("testdata/hunting_v1.json")).unwrap();
        let names: Vec<&str> = results.schema.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Timestamp", "FileName", "InitiatingProcessFileName"]);
        assert_eq!(results.schema[0].column_type, "DateTime");
        assert_eq!(results.results.len(), 2);
        assert_eq!(results.results[0]["Timestamp"], "2024-03-26T09:39:50.7688641Z");
        assert_eq!(
            results.extra["@odata.context"],
            "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults"
        );
        assert!(!results.is_probably_truncated());
    }

    #[test]
    fn pascal_case_schema_reads_and_writes_lowercase() {
        let results: HuntingQueryResults = serde_json::from_str(include_str!("testdata/hunting_pascal.json")).unwrap();
        assert_eq!(
            results.schema[1],
            HuntingColumn {
                name: "FileName".into(),
                column_type: "String".into()
            }
        );
        assert_eq!(results.results[1]["FileName"], "conhost.exe");
        let back = serde_json::to_value(&results).unwrap();
        assert_eq!(back["schema"][0], json!({"name": "Timestamp", "type": "DateTime"}));
        let legacy: HuntingQueryResults =
            serde_json::from_value(json!({"Schema": [{"Name": "A", "Type": "Int64"}], "Results": [{"A": 1}]})).unwrap();
        assert_eq!(legacy.results[0]["A"], 1);
    }
}
