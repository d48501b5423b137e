//! What one unit of a playbook's work is: an alert, an incident, a hunting row, or a digest of
//! them. One kind, used by the compiled playbook (which variable its condition and templates
//! read), the planner, the ledger (the `item_kind` column) and `history`.

use crate::text_enum::text_enum;

text_enum! {
    /// What a planned action's item is, and what the ledger's `item_id` names.
    pub enum ItemKind {
        /// An alert (`alerts` trigger): the variable `alert`; the id is the alert's.
        Alert = "alert",
        /// An incident (`incidents` trigger): the variable `incident`; the id is the incident's.
        Incident = "incident",
        /// A hunting result row (`hunting` trigger): the variable `row`; the id is its dedup key.
        Row = "row",
        /// A `group: all` digest: templates see `items`; the id is `digest`.
        Digest = "digest",
    }
}

impl ItemKind {
    /// The name of the item variable in conditions and templates (`items` for a digest).
    pub fn var_name(self) -> &'static str {
        match self {
            Self::Alert => "alert",
            Self::Incident => "incident",
            Self::Row => "row",
            Self::Digest => "items",
        }
    }
}
