//! The item as a condition sees it: a view over its JSON that converts only what the condition
//! reads. `alert.title` converts one string; `alert.evidence` converts the array, each object in
//! it again a view; nothing else of the alert is touched. A view behaves as the object map the
//! JSON would convert to (`type_of` is `"map"`, missing properties are `()`, `keys`, `values`,
//! `len`, `is_empty`, `in`, `==`); an assignment to a property is kept beside the JSON, in the
//! condition's own copy, as it would be in a map.

use std::sync::{Arc, OnceLock};

use rhai::{Array, Dynamic, Engine, ImmutableString};
use serde_json::Value;
use serde_json::value::RawValue;

/// The rest of an item whose condition was handed a part of it (the properties it reads, less
/// the large ones): the item's text, parsed whole the first time the condition reads one of the
/// properties left out. A condition that fails on the title so never builds the evidence, and
/// one that reads the evidence parses the item once, for the condition and the plan together.
pub struct Rest {
    text: Box<RawValue>,
    /// The properties read from the whole, not from the part.
    deferred: Vec<String>,
    /// How the item's text becomes the item (parsed and normalised).
    parse: fn(&str) -> serde_json::Result<Value>,
    /// The whole item, once parsed (None: it does not parse; the condition sees the property
    /// as absent, and the item fails its page if it matches).
    whole: OnceLock<Option<Arc<Value>>>,
}

impl std::fmt::Debug for Rest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rest")
            .field("bytes", &self.text.get().len())
            .field("deferred", &self.deferred)
            .finish_non_exhaustive()
    }
}

impl Rest {
    pub fn new(text: Box<RawValue>, deferred: Vec<String>, parse: fn(&str) -> serde_json::Result<Value>) -> Rest {
        Rest {
            text,
            deferred,
            parse,
            whole: OnceLock::new(),
        }
    }

    fn whole(&self) -> Option<&Arc<Value>> {
        self.whole
            .get_or_init(|| (self.parse)(self.text.get()).ok().map(Arc::new))
            .as_ref()
    }

    /// The whole item: the one parsed for the condition, or parsed now.
    pub fn into_whole(self: Arc<Self>) -> serde_json::Result<Value> {
        let Some(whole) = self.whole.get().cloned().flatten() else {
            return (self.parse)(self.text.get());
        };
        // Once the condition's views and this rest are gone, the parse is not copied.
        drop(self);
        Ok(Arc::try_unwrap(whole).unwrap_or_else(|shared| (*shared).clone()))
    }
}

/// One step from the item's root to an object inside it.
#[derive(Debug, Clone)]
enum Step {
    Key(Arc<str>),
    Index(usize),
}

/// An object inside an item's JSON (the item itself at the root).
#[derive(Debug, Clone)]
pub struct JsonView {
    root: Arc<Value>,
    path: Arc<[Step]>,
    /// Properties the condition assigned (they win over the JSON's).
    assigned: Vec<(String, Dynamic)>,
    /// At the root of a part of an item: the rest of it.
    rest: Option<Arc<Rest>>,
}

impl JsonView {
    /// A view of the whole item.
    pub fn new(root: Arc<Value>) -> JsonView {
        JsonView {
            root,
            path: Arc::from(Vec::new()),
            assigned: Vec::new(),
            rest: None,
        }
    }

    /// A view of the item `part` is a part of, the rest of it read from `rest` when needed.
    pub fn partial(part: Arc<Value>, rest: Arc<Rest>) -> JsonView {
        JsonView {
            rest: Some(rest),
            ..JsonView::new(part)
        }
    }

    /// The JSON this view stands for.
    pub fn json(&self) -> &Value {
        self.path.iter().fold(&*self.root, |v, step| {
            match step {
                Step::Key(k) => v.get(&**k),
                Step::Index(i) => v.get(*i),
            }
            .unwrap_or(&Value::Null)
        })
    }

    /// The view one step further in.
    fn at(&self, step: Step) -> JsonView {
        let mut path = self.path.to_vec();
        path.push(step);
        JsonView {
            root: self.root.clone(),
            path: Arc::from(path),
            assigned: Vec::new(),
            rest: None,
        }
    }

    /// `value` (the JSON at `step` from this view) as a script value: objects as views, arrays
    /// as arrays of converted elements, scalars converted.
    fn child(&self, step: Step, value: &Value) -> Dynamic {
        match value {
            Value::Object(_) => Dynamic::from(self.at(step)),
            Value::Array(items) => {
                let array = self.at(step);
                Dynamic::from_array(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| array.child(Step::Index(i), v))
                        .collect(),
                )
            }
            scalar => scalar_dynamic(scalar),
        }
    }

    /// `view.name` and `view["name"]`: the property, converted; `()` when absent.
    fn get(&mut self, key: &str) -> Dynamic {
        if let Some((_, value)) = self.assigned.iter().find(|(k, _)| k == key) {
            return value.clone();
        }
        if let Some(rest) = &self.rest
            && rest.deferred.iter().any(|k| k == key)
        {
            return match rest.whole() {
                Some(whole) => JsonView::new(whole.clone()).get(key),
                None => Dynamic::UNIT,
            };
        }
        match self.json().get(key) {
            Some(value) => self.child(Step::Key(Arc::from(key)), value),
            None => Dynamic::UNIT,
        }
    }

    /// `view.name = value`: kept in this copy of the view only.
    fn set(&mut self, key: &str, value: Dynamic) {
        match self.assigned.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.assigned.push((key.to_string(), value)),
        }
    }

    fn object(&self) -> Option<&serde_json::Map<String, Value>> {
        self.json().as_object()
    }
}

/// A JSON scalar as the value a full conversion gives (`null` is `()`).
fn scalar_dynamic(value: &Value) -> Dynamic {
    match value {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => Dynamic::from_bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Dynamic::from_int(i),
            None => Dynamic::from_float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Dynamic::from(ImmutableString::from(s.as_str())),
        // Not reached: `child` handles containers.
        other => rhai::serde::to_dynamic(other).unwrap_or(Dynamic::UNIT),
    }
}

/// Registers the view and the map functions it answers.
pub(super) fn register(engine: &mut Engine) {
    engine
        .register_type_with_name::<JsonView>("map")
        .register_indexer_get_set(JsonView::get, JsonView::set)
        .register_fn("keys", |v: &mut JsonView| -> Array {
            v.object()
                .map(|o| {
                    o.keys()
                        .map(|k| Dynamic::from(ImmutableString::from(k.as_str())))
                        .collect()
                })
                .unwrap_or_default()
        })
        .register_fn("values", |v: &mut JsonView| -> Array {
            let view = v.clone();
            v.object()
                .map(|o| {
                    o.iter()
                        .map(|(k, value)| view.child(Step::Key(Arc::from(k.as_str())), value))
                        .collect()
                })
                .unwrap_or_default()
        })
        .register_fn("len", |v: &mut JsonView| -> i64 {
            v.object().map_or(0, |o| i64::try_from(o.len()).unwrap_or(i64::MAX))
        })
        .register_fn("is_empty", |v: &mut JsonView| v.object().is_none_or(|o| o.is_empty()))
        .register_fn("contains", |v: &mut JsonView, key: &str| {
            v.object().is_some_and(|o| o.contains_key(key))
        })
        .register_fn("==", |a: &mut JsonView, b: JsonView| a.json() == b.json())
        .register_fn("!=", |a: &mut JsonView, b: JsonView| a.json() != b.json())
        .register_fn("to_string", |v: &mut JsonView| v.json().to_string())
        .register_fn("to_debug", |v: &mut JsonView| v.json().to_string());
}
