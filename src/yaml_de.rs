//! Deserialising one part of a YAML document at a time, so a file with several problems reports
//! them all, each at its own place, with "did you mean" hints for unknown keys and variants.

use serde::de::DeserializeOwned;

use crate::diag::{Diagnostic, Pos};
use crate::suggest::did_you_mean;
use crate::yaml::PositionIndex;

/// A shape error: the field path it is at, and a message for people.
#[derive(Debug, Clone)]
pub struct ShapeError {
    pub path: String,
    pub message: String,
    /// True when the path names a key (unknown key or variant), so the key's position is best.
    pub at_key: bool,
}

/// Deserialises `value` (found at `base`) as `T`; playbook enums are singleton maps when
/// `singleton` is set.
pub fn from_value<T: DeserializeOwned>(value: serde_yaml::Value, base: &str, singleton: bool) -> Result<T, ShapeError> {
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(value, &mut track);
    let result = if singleton {
        serde_yaml::with::singleton_map_recursive::deserialize(de)
    } else {
        T::deserialize(de)
    };
    result.map_err(|err| {
        let inner = track.path().to_string();
        let path = match (base.is_empty(), inner.as_str()) {
            (_, ".") => base.to_string(),
            (true, p) => p.to_string(),
            (false, p) if p.starts_with('[') => format!("{base}{p}"),
            (false, p) => format!("{base}.{p}"),
        };
        let (message, at_key) = humanize(&err.to_string(), &path);
        ShapeError { path, message, at_key }
    })
}

impl ShapeError {
    /// The diagnostic for this error in `file`.
    pub fn diagnostic(&self, file: &std::path::Path, index: &PositionIndex) -> Diagnostic {
        let pos = if self.at_key { index.key(&self.path) } else { None };
        let pos: Pos = pos.unwrap_or_else(|| index.locate(&self.path));
        Diagnostic::error(file, pos, self.path.clone(), self.message.clone())
    }
}

/// The backticked names in a serde message, such as the expected fields or variants.
fn backticked(s: &str) -> Vec<&str> {
    s.split('`').skip(1).step_by(2).collect()
}

/// What kind of name the last segment of `path` is: an action, a trigger, or a plain value.
fn what(path: &str) -> &'static str {
    let parent = path.rfind('.').map_or("", |i| &path[..i]);
    let is_item_of = |list: &str| {
        parent
            .strip_suffix(']')
            .and_then(|p| p.rsplit_once('['))
            .is_some_and(|(head, n)| {
                n.bytes().all(|b| b.is_ascii_digit()) && (head == list || head.ends_with(&format!(".{list}")))
            })
    };
    if is_item_of("actions") || is_item_of("expect") {
        "action"
    } else if parent == "trigger" {
        "trigger"
    } else {
        "value"
    }
}

/// Rewrites serde's messages into ones that say what to do.
fn humanize(msg: &str, path: &str) -> (String, bool) {
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let names = backticked(rest);
        if let Some((field, expected)) = names.split_first() {
            let hint = did_you_mean(field, expected.iter().copied());
            let valid = if expected.is_empty() {
                "none".to_string()
            } else {
                expected.join(", ")
            };
            return (format!("unknown key `{field}`{hint} (valid keys here: {valid})"), true);
        }
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        let names = backticked(rest);
        if let Some((variant, expected)) = names.split_first() {
            let hint = did_you_mean(variant, expected.iter().copied());
            let kind = what(path);
            return (
                format!(
                    "unknown {kind} `{variant}`{hint} (expected one of: {})",
                    expected.join(", ")
                ),
                true,
            );
        }
    }
    if msg.contains("expected map with a single key") {
        let text = if path.starts_with("trigger") {
            "a playbook has exactly one trigger: keep one of `alerts`, `incidents`, `hunting`".to_string()
        } else {
            "each list entry is one action: a map with a single key, the action's name (`- email: {…}`); put each action in its own entry".to_string()
        };
        return (text, false);
    }
    if msg.contains("expected newtype variant") || msg.contains("expected struct variant") {
        return ("this needs its fields as a map: write `name: { … }`".into(), false);
    }
    if let Some(missing) = msg.strip_prefix("missing field ") {
        let field = backticked(missing).first().copied().unwrap_or(missing).to_string();
        return (format!("missing required key `{field}`"), false);
    }
    if let Some(head) = msg.strip_suffix("expected u32") {
        return (format!("{head}expected a whole number"), false);
    }
    if msg.starts_with("invalid type:") && msg.ends_with("expected a sequence") {
        return (
            format!("{msg}: write a list, such as `[a, b]` or one `- item` per line"),
            false,
        );
    }
    if msg.starts_with("invalid type: map, expected a string")
        || msg.starts_with("invalid type: sequence, expected a string")
    {
        return (format!("{msg}: quote the value if it is meant as text"), false);
    }
    (msg.to_string(), false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::schema::ActionConfig;

    fn err(yaml: &str) -> ShapeError {
        let v: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
        from_value::<ActionConfig>(v, "actions[2]", true).unwrap_err()
    }

    #[test]
    fn unknown_action_gets_a_hint_and_its_path() {
        let e = err("updte_alert: {}");
        assert_eq!(e.path, "actions[2].updte_alert");
        assert!(
            e.message
                .starts_with("unknown action `updte_alert`, did you mean `update_alert`?"),
            "{}",
            e.message
        );
        assert!(e.at_key);
    }

    #[test]
    fn unknown_key_gets_a_hint() {
        let e = err("update_alert: { statuss: resolved }");
        assert_eq!(e.path, "actions[2].update_alert.statuss");
        assert!(
            e.message.starts_with("unknown key `statuss`, did you mean `status`?"),
            "{}",
            e.message
        );
    }

    #[test]
    fn two_actions_in_one_entry() {
        let e = err("{ log: { message: x }, email: { subject: y } }");
        assert_eq!(e.path, "actions[2]");
        assert!(e.message.contains("its own entry"));
    }
}
