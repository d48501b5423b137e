//! Declarative helpers that keep the many wire structs uniform: camelCase names, every field
//! defaulted when absent, and an `extra` map so unmodelled properties survive a round trip.

/// A Graph complex type: `#[serde(rename_all = "camelCase")]`, every field `#[serde(default)]`,
/// plus a flattened `extra` map for properties this version does not model.
macro_rules! wire_struct {
    ($(#[$meta:meta])* $name:ident { $($(#[$field_meta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $($(#[$field_meta])* #[serde(default)] pub $field: $ty,)*
            /// Properties this version does not model, kept as received so they survive a round trip.
            #[serde(flatten)]
            pub extra: serde_json::Map<String, serde_json::Value>,
        }
    };
}

/// An `alertEvidence` subtype: like [`wire_struct!`], with the base properties flattened in
/// through `common`. `@odata.type` is handled by [`crate::graph::models::Evidence`].
macro_rules! evidence_struct {
    ($(#[$meta:meta])* $name:ident { $($(#[$field_meta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// The properties every evidence item carries (verdict, roles, remediation status, …).
            #[serde(flatten)]
            pub common: $crate::graph::models::evidence::EvidenceCommon,
            $($(#[$field_meta])* #[serde(default)] pub $field: $ty,)*
            /// Properties this version does not model, kept as received so they survive a round trip.
            #[serde(flatten)]
            pub extra: serde_json::Map<String, serde_json::Value>,
        }
    };
}
