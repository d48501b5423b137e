//! A stored item's JSON object read one level deep: its properties in order, each value left as
//! the bytes it is stored as. A PATCH, a comment or a `$select` touches a few properties of an
//! alert whose evidence is most of its bytes; reading the object this way (a scan, no value
//! trees) and writing the untouched values back byte for byte gives the same JSON as parsing and
//! re-serialising the whole object, at a fraction of the cost.

use std::fmt;

use serde::Deserializer as _;
use serde::de::{MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The properties of one JSON object, in order, values unparsed.
#[derive(Debug)]
pub struct RawObject<'a> {
    entries: Vec<(String, &'a RawValue)>,
}

impl<'a> RawObject<'a> {
    /// The object in `json`, or None when `json` is not one.
    pub fn parse(json: &'a [u8]) -> Option<RawObject<'a>> {
        let mut de = serde_json::Deserializer::from_slice(json);
        let entries = de.deserialize_map(EntriesVisitor).ok()?;
        de.end().ok()?;
        Some(RawObject { entries })
    }

    /// Whether the object has `key`.
    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k == key)
    }

    /// The value of `key`, parsed.
    pub fn value(&self, key: &str) -> Option<Value> {
        let (_, raw) = self.entries.iter().find(|(k, _)| k == key)?;
        serde_json::from_str(raw.get()).ok()
    }

    /// `keys` (those present) parsed into a map, in the order of `keys`.
    pub fn values(&self, keys: &[&str]) -> Map<String, Value> {
        keys.iter()
            .filter_map(|k| Some(((*k).to_owned(), self.value(k)?)))
            .collect()
    }

    /// The object again, with the properties `changed` holds replaced by its values (a
    /// `Value::Null` stays a null), those it names in `removed` left out, and the new ones it
    /// holds appended in its order: what parsing the whole object, changing it as a
    /// [`Map`] and serialising it would give.
    pub fn write(&self, changed: &Map<String, Value>, removed: &[&str]) -> Vec<u8> {
        let size = self
            .entries
            .iter()
            .map(|(k, v)| k.len() + v.get().len() + 4)
            .sum::<usize>();
        let mut out = Vec::with_capacity(size + 64);
        out.push(b'{');
        let mut first = true;
        let mut field = |out: &mut Vec<u8>, key: &str, value: &[u8]| {
            if !std::mem::take(&mut first) {
                out.push(b',');
            }
            // A `String` always serialises.
            let _ = serde_json::to_writer(&mut *out, key);
            out.push(b':');
            out.extend_from_slice(value);
        };
        for (key, raw) in &self.entries {
            if removed.contains(&key.as_str()) {
                continue;
            }
            match changed.get(key) {
                Some(value) => field(&mut out, key, &serde_json::to_vec(value).unwrap_or_default()),
                None => field(&mut out, key, raw.get().as_bytes()),
            }
        }
        for (key, value) in changed {
            if !self.entries.iter().any(|(k, _)| k == key) {
                field(&mut out, key, &serde_json::to_vec(value).unwrap_or_default());
            }
        }
        out.push(b'}');
        out
    }

    /// Only the properties named in `keys` that are present, in the order of `keys` (a key
    /// named twice once).
    pub fn select<'k>(&self, keys: impl IntoIterator<Item = &'k str>) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.push(b'{');
        let mut written: Vec<&str> = Vec::new();
        for key in keys {
            if written.contains(&key) {
                continue;
            }
            written.push(key);
            let Some((key, raw)) = self.entries.iter().find(|(k, _)| k == key) else {
                continue;
            };
            if out.len() > 1 {
                out.push(b',');
            }
            let _ = serde_json::to_writer(&mut out, key);
            out.push(b':');
            out.extend_from_slice(raw.get().as_bytes());
        }
        out.push(b'}');
        out
    }
}

struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Vec<(String, &'de RawValue)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries: Vec<(String, &'de RawValue)> = Vec::with_capacity(map.size_hint().unwrap_or(32));
        while let Some((key, value)) = map.next_entry::<String, &'de RawValue>()? {
            // A repeated key: the last one wins, in the first one's place, as a `Map` parses it.
            match entries.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => entries.push((key, value)),
            }
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// What the old way gives: parse all, change, serialise.
    fn by_value(json: &[u8], changed: &Map<String, Value>, removed: &[&str]) -> Vec<u8> {
        let mut object: Map<String, Value> = serde_json::from_slice(json).unwrap();
        for key in removed {
            object.shift_remove(*key);
        }
        for (k, v) in changed {
            object.insert(k.clone(), v.clone());
        }
        serde_json::to_vec(&object).unwrap()
    }

    #[test]
    fn writing_back_matches_a_whole_parse_and_serialise() {
        let item = json!({
            "@odata.type": "#microsoft.graph.security.alert", "id": "a\"1", "status": "new",
            "evidence": [{"a": 1.5, "b": [null, true, "x\u{1}y"]}], "comments": [], "n": -3,
            "weird \"key\"": {"k": "é"}
        });
        let json = serde_json::to_vec(&item).unwrap();
        let raw = RawObject::parse(&json).unwrap();
        let mut changed = raw.values(&["status", "comments", "missing"]);
        assert_eq!(changed.len(), 2);
        changed.insert("status".into(), json!("resolved"));
        changed.insert("resolvedDateTime".into(), json!("2026-01-01T00:00:00Z"));
        changed.insert("comments".into(), json!([{"comment": "c"}]));
        changed.insert("classification".into(), Value::Null);
        for removed in [&[][..], &["n", "evidence"][..]] {
            assert_eq!(raw.write(&changed, removed), by_value(&json, &changed, removed));
        }
        assert_eq!(raw.write(&Map::new(), &[]), json);
        assert_eq!(raw.value("n"), Some(json!(-3)));
    }

    #[test]
    fn selecting_keeps_the_named_properties_in_their_order() {
        let json = br#"{"id":"1","title":"t","evidence":[{"x":1}],"status":"new"}"#;
        let raw = RawObject::parse(json).unwrap();
        assert_eq!(
            raw.select(["status", "nope", "id", "evidence", "id"]),
            br#"{"status":"new","id":"1","evidence":[{"x":1}]}"#
        );
        assert_eq!(raw.select([]), b"{}");
    }

    #[test]
    fn only_objects_parse() {
        for bad in [&b"[1]"[..], b"\"x\"", b"{\"a\":1", b"{\"a\":1} x", b""] {
            assert!(RawObject::parse(bad).is_none(), "{}", String::from_utf8_lossy(bad));
        }
        let repeated = RawObject::parse(br#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(repeated.write(&Map::new(), &[]), br#"{"a":3,"b":2}"#);
    }
}
