//! The properties of each listable Graph security resource: their kind, and whether Graph
//! documents them as filterable (reference §1, §5 and §6).

use crate::graph::enums;

/// A resource whose list call takes `$filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// `/security/alerts_v2`.
    Alerts,
    /// `/security/incidents`.
    Incidents,
}

impl Resource {
    /// The collection name in the URL: `alerts_v2` or `incidents`.
    pub fn name(self) -> &'static str {
        match self {
            Resource::Alerts => "alerts_v2",
            Resource::Incidents => "incidents",
        }
    }

    /// Every known property of the resource's entity.
    pub fn properties(self) -> &'static [Property] {
        match self {
            Resource::Alerts => ALERT,
            Resource::Incidents => INCIDENT,
        }
    }

    /// The property called exactly `name` (OData names are case-sensitive).
    pub fn property(self, name: &str) -> Option<&'static Property> {
        self.properties().iter().find(|p| p.name == name)
    }

    /// The names of the documented filterable properties, in table order.
    pub fn filterable(self) -> impl Iterator<Item = &'static str> {
        self.properties()
            .iter()
            .filter(|p| p.filter == Filter::Documented)
            .map(|p| p.name)
    }
}

/// What values a property holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `Edm.String`.
    String,
    /// `Edm.DateTimeOffset`.
    DateTime,
    /// A Graph enum: its type name (`alertStatus`) and members (from [`crate::graph::enums`]).
    Enum {
        type_name: &'static str,
        members: &'static [&'static str],
    },
    /// `Edm.Int32`.
    Int,
    /// A collection (of strings, comments, evidence, alerts).
    Collection,
    /// An open complex type (`security.dictionary`).
    Dictionary,
}

/// Whether a property may be used in `$filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// In the documented filterable list.
    Documented,
    /// Used by graphsoar although not documented (`incidentId` for the `$expand` fallback):
    /// a warning, not an error.
    Undocumented,
    /// Graph answers 400.
    No,
}

/// One property of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Property {
    /// The camelCase name.
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Whether `$filter` accepts it.
    pub filter: Filter,
}

/// The enum-valued property called `name` on any resource (enum properties share name and type
/// across alerts and incidents, except `status`, which the first resource that has it decides).
pub fn enum_members(resource: Option<Resource>, name: &str) -> Option<&'static [&'static str]> {
    let resources = match resource {
        Some(r) => vec![r],
        None => vec![Resource::Alerts, Resource::Incidents],
    };
    resources
        .into_iter()
        .find_map(|r| r.property(name))
        .and_then(|p| match p.kind {
            Kind::Enum { members, .. } => Some(members),
            _ => None,
        })
}

const fn p(name: &'static str, kind: Kind, filter: Filter) -> Property {
    Property { name, kind, filter }
}

const STATUS: Kind = Kind::Enum {
    type_name: "alertStatus",
    members: enums::ALERT_STATUS,
};
const INCIDENT_STATUS: Kind = Kind::Enum {
    type_name: "incidentStatus",
    members: enums::INCIDENT_STATUS,
};
const SEVERITY: Kind = Kind::Enum {
    type_name: "alertSeverity",
    members: enums::ALERT_SEVERITY,
};
const CLASSIFICATION: Kind = Kind::Enum {
    type_name: "alertClassification",
    members: enums::ALERT_CLASSIFICATION,
};
const DETERMINATION: Kind = Kind::Enum {
    type_name: "alertDetermination",
    members: enums::ALERT_DETERMINATION,
};
const SERVICE_SOURCE: Kind = Kind::Enum {
    type_name: "serviceSource",
    members: enums::SERVICE_SOURCE,
};
const DETECTION_SOURCE: Kind = Kind::Enum {
    type_name: "detectionSource",
    members: enums::DETECTION_SOURCE,
};
const INVESTIGATION_STATE: Kind = Kind::Enum {
    type_name: "investigationState",
    members: enums::INVESTIGATION_STATE,
};

use Filter::{Documented as DOC, No as NO, Undocumented as UNDOC};
use Kind::{Collection as COLL, DateTime as DATE, Dictionary as DICT, Int as INT, String as STR};

/// `microsoft.graph.security.alert` (reference §1).
const ALERT: &[Property] = &[
    p("id", STR, NO),
    p("actorDisplayName", STR, NO),
    p("additionalData", DICT, NO),
    p("alertPolicyId", STR, NO),
    p("alertWebUrl", STR, NO),
    p("assignedTo", STR, DOC),
    p("categories", COLL, NO),
    p("category", STR, NO),
    p("classification", CLASSIFICATION, DOC),
    p("comments", COLL, NO),
    p("createdDateTime", DATE, DOC),
    p("customDetails", DICT, NO),
    p("description", STR, NO),
    p("detectionSource", DETECTION_SOURCE, NO),
    p("detectorId", STR, NO),
    p("determination", DETERMINATION, DOC),
    p("evidence", COLL, NO),
    p("firstActivityDateTime", DATE, NO),
    p("incidentId", STR, UNDOC),
    p("incidentWebUrl", STR, NO),
    p("investigationState", INVESTIGATION_STATE, NO),
    p("lastActivityDateTime", DATE, NO),
    p("lastUpdateDateTime", DATE, DOC),
    p("mitreTechniques", COLL, NO),
    p("productName", STR, NO),
    p("providerAlertId", STR, NO),
    p("recommendedActions", STR, NO),
    p("resolvedDateTime", DATE, NO),
    p("serviceSource", SERVICE_SOURCE, DOC),
    p("severity", SEVERITY, DOC),
    p("status", STATUS, DOC),
    p("systemTags", COLL, NO),
    p("tenantId", STR, NO),
    p("threatDisplayName", STR, NO),
    p("threatFamilyName", STR, NO),
    p("title", STR, NO),
];

/// `microsoft.graph.security.incident` (reference §5; the beta-only properties too).
const INCIDENT: &[Property] = &[
    p("id", STR, NO),
    p("assignedTo", STR, DOC),
    p("classification", CLASSIFICATION, DOC),
    p("comments", COLL, NO),
    p("createdDateTime", DATE, DOC),
    p("customTags", COLL, NO),
    p("description", STR, NO),
    p("determination", DETERMINATION, DOC),
    p("displayName", STR, NO),
    p("incidentWebUrl", STR, NO),
    p("lastModifiedBy", STR, NO),
    p("lastUpdateDateTime", DATE, DOC),
    p("priorityScore", INT, NO),
    p("redirectIncidentId", STR, NO),
    p("resolvingComment", STR, NO),
    p("severity", SEVERITY, DOC),
    p("status", INCIDENT_STATUS, DOC),
    p("summary", STR, NO),
    p("systemTags", COLL, NO),
    p("tenantId", STR, NO),
    p("alerts", COLL, NO),
    p("recommendedActions", STR, NO),
    p("recommendedHuntingQueries", COLL, NO),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_filterable_lists_match_the_reference() {
        let alerts: Vec<_> = Resource::Alerts.filterable().collect();
        assert_eq!(
            alerts,
            [
                "assignedTo",
                "classification",
                "createdDateTime",
                "determination",
                "lastUpdateDateTime",
                "serviceSource",
                "severity",
                "status"
            ]
        );
        let incidents: Vec<_> = Resource::Incidents.filterable().collect();
        assert_eq!(
            incidents,
            [
                "assignedTo",
                "classification",
                "createdDateTime",
                "determination",
                "lastUpdateDateTime",
                "severity",
                "status"
            ]
        );
        assert_eq!(Resource::Alerts.property("incidentId").map(|p| p.filter), Some(UNDOC));
        assert_eq!(Resource::Incidents.property("incidentId"), None);
    }

    #[test]
    fn names_are_unique_and_case_sensitive() {
        for r in [Resource::Alerts, Resource::Incidents] {
            let props = r.properties();
            for (i, a) in props.iter().enumerate() {
                assert!(!props[i + 1..].iter().any(|b| b.name == a.name), "{}", a.name);
            }
            assert!(r.property("Status").is_none());
        }
        assert_eq!(Resource::Alerts.name(), "alerts_v2");
        assert_eq!(Resource::Incidents.name(), "incidents");
    }

    #[test]
    fn status_differs_between_resources() {
        assert_eq!(
            enum_members(Some(Resource::Alerts), "status"),
            Some(enums::ALERT_STATUS)
        );
        assert_eq!(
            enum_members(Some(Resource::Incidents), "status"),
            Some(enums::INCIDENT_STATUS)
        );
        assert_eq!(enum_members(None, "severity"), Some(enums::ALERT_SEVERITY));
        assert_eq!(enum_members(None, "title"), None);
    }
}
