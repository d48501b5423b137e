//! Dynamic (array and bag) functions: packing, set operations, sorting and slicing arrays,
//! bag keys, merging and zipping, and JSON paths.

use super::*;

/// Dynamic functions on values.
pub(super) fn call(_funcs: &mut Funcs, name: &str, a: Args<'_>) -> F {
    Ok(match name {
        "array_length" => opt(dyn_array(&a.arg(0)).map(|x| Value::Long(x.len() as i64))),
        "pack_array" | "make_list_array" => Value::dynamic(Json::Array(a.iter().map(Value::to_json).collect())),
        "pack" | "bag_pack" | "pack_dictionary" => {
            let mut m = Map::new();
            for pair in a.chunks(2) {
                m.insert(text(&pair[0]), pair.get(1).map_or(Json::Null, Value::to_json));
            }
            Value::dynamic(Json::Object(m))
        }
        "set_has_element" => match dyn_array(&a.arg(0)) {
            Some(arr) => {
                let needle = a.arg(1);
                Value::Bool(
                    arr.iter()
                        .any(|x| Value::dynamic(x.clone()).equals(&needle) == Some(true)),
                )
            }
            None => Value::Null,
        },
        "array_index_of" => match dyn_array(&a.arg(0)) {
            Some(arr) => {
                let needle = a.arg(1);
                Value::Long(
                    arr.iter()
                        .position(|x| Value::dynamic(x.clone()).equals(&needle) == Some(true))
                        .map_or(-1, |i| i as i64),
                )
            }
            None => Value::Null,
        },
        "array_sort_asc" | "array_sort_desc" => match dyn_array(&a.arg(0)) {
            Some(mut arr) => {
                sort_json(&mut arr, name.ends_with("desc"));
                Value::dynamic(Json::Array(arr))
            }
            None => Value::Null,
        },
        "array_concat" => Value::dynamic(Json::Array(a.iter().filter_map(dyn_array).flatten().collect())),
        "array_slice" => match dyn_array(&a.arg(0)) {
            Some(arr) => {
                let n = arr.len() as i64;
                let fix = |i: i64| if i < 0 { (n + i).max(0) } else { i.min(n) };
                let (from, to) = (fix(a.long(1).unwrap_or(0)), fix(a.long(2).unwrap_or(n - 1)) + 1);
                Value::dynamic(Json::Array(if from < to.min(n) {
                    arr[from as usize..to.min(n) as usize].to_vec()
                } else {
                    vec![]
                }))
            }
            None => Value::Null,
        },
        "array_reverse" => opt(dyn_array(&a.arg(0)).map(|mut x| {
            x.reverse();
            Value::dynamic(Json::Array(x))
        })),
        "array_sum" => opt(dyn_array(&a.arg(0)).map(|x| Value::Real(x.iter().filter_map(Json::as_f64).sum()))),
        "set_union" | "set_intersect" | "set_difference" => {
            let arrays: Vec<Vec<Json>> = a.iter().map(|v| dyn_array(v).unwrap_or_default()).collect();
            Value::dynamic(set_op(name, &arrays))
        }
        "bag_keys" => {
            opt(dyn_object(&a.arg(0))
                .map(|m| Value::dynamic(Json::Array(m.keys().cloned().map(Json::String).collect()))))
        }
        "bag_has_key" => opt(dyn_object(&a.arg(0)).map(|m| Value::Bool(m.contains_key(&a.s(1))))),
        "bag_merge" => {
            let mut m = Map::new();
            for v in a.iter() {
                for (k, x) in dyn_object(v).unwrap_or_default() {
                    m.entry(k).or_insert(x);
                }
            }
            Value::dynamic(Json::Object(m))
        }
        "bag_remove_keys" => opt(dyn_object(&a.arg(0)).map(|mut m| {
            for k in dyn_array(&a.arg(1)).unwrap_or_default() {
                if let Some(k) = k.as_str() {
                    m.remove(k);
                }
            }
            Value::dynamic(Json::Object(m))
        })),
        "zip" => {
            let arrays: Vec<Vec<Json>> = a.iter().map(|v| dyn_array(v).unwrap_or_default()).collect();
            let n = arrays.iter().map(Vec::len).max().unwrap_or(0);
            Value::dynamic(Json::Array(
                (0..n)
                    .map(|i| Json::Array(arrays.iter().map(|x| x.get(i).cloned().unwrap_or(Json::Null)).collect()))
                    .collect(),
            ))
        }
        _ => return Err(Fail::Unsupported),
    })
}

/// `extractjson("$.a.b[0]", json)`: a JSONPath of members and indexes.
pub(super) fn json_path<'j>(path: &str, j: &'j Json) -> Option<&'j Json> {
    let mut cur = j;
    let p = path.trim().strip_prefix('$')?;
    let mut rest = p;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            cur = cur.get(&r[..end])?;
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let key = r[..end].trim();
            cur = if let Some(k) = key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')) {
                cur.get(k)?
            } else if let Some(k) = key.strip_prefix('"').and_then(|k| k.strip_suffix('"')) {
                cur.get(k)?
            } else {
                cur.get(key.parse::<usize>().ok()?)?
            };
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(cur)
}

pub(super) fn set_op(name: &str, arrays: &[Vec<Json>]) -> Json {
    let mut out: Vec<Json> = Vec::new();
    match name {
        "set_union" => {
            for a in arrays {
                for x in a {
                    if !out.contains(x) {
                        out.push(x.clone());
                    }
                }
            }
        }
        "set_intersect" => {
            if let Some(first) = arrays.first() {
                for x in first {
                    if arrays[1..].iter().all(|a| a.contains(x)) && !out.contains(x) {
                        out.push(x.clone());
                    }
                }
            }
        }
        _ => {
            if let Some(first) = arrays.first() {
                for x in first {
                    if !arrays[1..].iter().any(|a| a.contains(x)) && !out.contains(x) {
                        out.push(x.clone());
                    }
                }
            }
        }
    }
    Json::Array(out)
}

pub(super) fn sort_json(a: &mut [Json], desc: bool) {
    a.sort_by(|x, y| {
        let (vx, vy) = (Value::dynamic(x.clone()), Value::dynamic(y.clone()));
        let o = match (x, y) {
            (Json::Number(_), Json::Number(_)) => vx
                .as_real()
                .partial_cmp(&vy.as_real())
                .unwrap_or(std::cmp::Ordering::Equal),
            _ => vx.to_text().cmp(&vy.to_text()),
        };
        if desc { o.reverse() } else { o }
    });
}
