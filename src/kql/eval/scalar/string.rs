//! String functions: concatenation, case, length, search (`indexof`, `countof`, `extract`),
//! replacement, trimming, splitting, base64 and URL encoding, hashing, and the parsers of URLs,
//! paths and command lines.

use super::*;

/// String functions on values.
pub(super) fn call(funcs: &mut Funcs, name: &str, a: Args<'_>) -> F {
    Ok(match name {
        "strcat" => Value::str(a.iter().map(text).collect::<String>()),
        "strcat_delim" => Value::str(a[1.min(a.len())..].iter().map(text).collect::<Vec<_>>().join(&a.s(0))),
        "strcat_array" => opt(dyn_array(&a.arg(0)).map(|arr| {
            Value::str(
                arr.iter()
                    .map(|x| Value::dynamic(x.clone()).to_text())
                    .collect::<Vec<_>>()
                    .join(&a.s(1)),
            )
        })),
        "tolower" => Value::str(a.s(0).to_lowercase()),
        "toupper" => Value::str(a.s(0).to_uppercase()),
        "strlen" => Value::Long(a.s(0).chars().count() as i64),
        "string_size" => Value::Long(a.s(0).len() as i64),
        "reverse" => Value::str(a.s(0).chars().rev().collect::<String>()),
        "substring" => Value::str(chars_substring(&a.s(0), a.long(1).unwrap_or(0), a.long(2))),
        "strrep" => {
            let n = a.long(1).unwrap_or(0).clamp(0, functions::MAX_REPEAT as i64) as usize;
            Value::str(vec![a.s(0); n].join(&a.s(2)))
        }
        "strcmp" => Value::Long(match a.s(0).cmp(&a.s(1)) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        }),
        "indexof" | "indexof_regex" => {
            let hay: Vec<char> = a.s(0).chars().collect();
            let start = a.long(2).unwrap_or(0).max(0) as usize;
            let occurrence = a.long(4).unwrap_or(1).max(1) as usize;
            let limit = a
                .long(3)
                .filter(|l| *l >= 0)
                .map_or(hay.len(), |l| (start + l as usize).min(hay.len()));
            if start > hay.len() {
                return Ok(Value::Long(-1));
            }
            let window: String = hay[start..limit].iter().collect();
            let positions: Vec<usize> = if name == "indexof" {
                window.match_indices(&a.s(1)).map(|(i, _)| i).collect()
            } else {
                funcs.regex(&a.s(1))?.find_iter(&window).map(|m| m.start()).collect()
            };
            match positions.get(occurrence - 1) {
                Some(&byte) => Value::Long((start + window[..byte].chars().count()) as i64),
                None => Value::Long(-1),
            }
        }
        "countof" => {
            let (hay, needle) = (a.s(0), a.s(1));
            if a.s(2) == "regex" {
                Value::Long(funcs.regex(&needle)?.find_iter(&hay).count() as i64)
            } else if needle.is_empty() {
                Value::Long(0)
            } else {
                // Overlapping matches, as Kusto counts them.
                let mut n = 0;
                let mut from = 0;
                while let Some(i) = hay[from..].find(&needle) {
                    n += 1;
                    from += i + needle.chars().next().map_or(1, char::len_utf8);
                }
                Value::Long(n)
            }
        }
        "split" => {
            let parts: Vec<Json> = if a.s(1).is_empty() {
                vec![Json::String(a.s(0))]
            } else {
                a.s(0).split(&a.s(1)).map(|p| Json::String(p.to_string())).collect()
            };
            match a.long(2) {
                Some(i) => Value::dynamic(Json::Array(
                    usize::try_from(i)
                        .ok()
                        .and_then(|i| parts.get(i))
                        .cloned()
                        .into_iter()
                        .collect(),
                )),
                None => Value::dynamic(Json::Array(parts)),
            }
        }
        "replace_string" => {
            let lookup = a.s(1);
            if lookup.is_empty() {
                Value::str(a.s(0))
            } else {
                Value::str(a.s(0).replace(&lookup, &a.s(2)))
            }
        }
        "replace" => Value::str(
            funcs
                .regex(&a.s(0))?
                .replace_all(&a.s(2), rewrite(&a.s(1)).as_str())
                .into_owned(),
        ),
        "replace_regex" => Value::str(
            funcs
                .regex(&a.s(1))?
                .replace_all(&a.s(0), rewrite(&a.s(2)).as_str())
                .into_owned(),
        ),
        "trim" | "trim_start" | "trim_end" => {
            let p = a.s(0);
            let mut out = a.s(1);
            if name != "trim_end" {
                out = funcs.regex(&format!("^(?:{p})+"))?.replace(&out, "").into_owned();
            }
            if name != "trim_start" {
                out = funcs.regex(&format!("(?:{p})+$"))?.replace(&out, "").into_owned();
            }
            Value::str(out)
        }
        "extract" => {
            let re = funcs.regex(&a.s(0))?;
            let group = a.long(1).unwrap_or(0).max(0) as usize;
            match re.captures(&a.s(2)).and_then(|c| c.get(group)) {
                Some(m) => Value::str(m.as_str()),
                // No match: the empty string (null once a type is asked for, by the cast).
                None if a.len() > 3 => Value::Null,
                None => Value::str(""),
            }
        }
        "extract_all" => {
            let re = funcs.regex(&a.s(0))?;
            let (groups, hay) = if a.len() > 2 {
                (dyn_array(&a.arg(1)), a.s(2))
            } else {
                (None, a.s(1))
            };
            let groups: Vec<usize> = match groups {
                Some(g) => g.iter().filter_map(Json::as_u64).map(|g| g as usize).collect(),
                None => (1..re.captures_len()).collect(),
            };
            let mut out = Vec::new();
            for c in re.captures_iter(&hay) {
                if groups.is_empty() {
                    out.push(Json::String(c.get(0).map_or("", |m| m.as_str()).to_string()));
                } else if groups.len() == 1 && a.len() <= 2 {
                    out.push(Json::String(c.get(groups[0]).map_or("", |m| m.as_str()).to_string()));
                } else {
                    out.push(Json::Array(
                        groups
                            .iter()
                            .map(|&g| Json::String(c.get(g).map_or("", |m| m.as_str()).to_string()))
                            .collect(),
                    ));
                }
            }
            if out.is_empty() {
                Value::Null
            } else {
                Value::dynamic(Json::Array(out))
            }
        }
        "extractjson" => match parse_json(&a.arg(1)) {
            Value::Dynamic(j) => opt(json_path(&a.s(0), &j).cloned().map(|x| match x {
                Json::String(st) => Value::str(st),
                other => Value::dynamic(other),
            })),
            _ => Value::Null,
        },
        "base64_decode_tostring" | "base64_decodestring" => {
            let t = a.s(0);
            let engine = base64::engine::general_purpose::STANDARD;
            match engine.decode(t.trim()) {
                Ok(bytes) => Value::str(String::from_utf8_lossy(&bytes).into_owned()),
                Err(_) => Value::str(""),
            }
        }
        "base64_encode_tostring" | "base64_encodestring" => {
            Value::str(base64::engine::general_purpose::STANDARD.encode(a.s(0).as_bytes()))
        }
        "url_decode" => {
            let t = a.s(0);
            let bytes = t.as_bytes();
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                match bytes[i] {
                    b'%' if i + 2 < bytes.len() => {
                        match std::str::from_utf8(&bytes[i + 1..i + 3])
                            .ok()
                            .and_then(|h| u8::from_str_radix(h, 16).ok())
                        {
                            Some(b) => {
                                out.push(b);
                                i += 3;
                                continue;
                            }
                            None => out.push(b'%'),
                        }
                    }
                    b'+' => out.push(b' '),
                    b => out.push(b),
                }
                i += 1;
            }
            Value::str(String::from_utf8_lossy(&out).into_owned())
        }
        "url_encode" | "url_encode_component" => Value::str(
            a.s(0)
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>(),
        ),
        "hash_sha256" => {
            use sha2::Digest;
            Value::str(hex(&sha2::Sha256::digest(a.s(0).as_bytes())))
        }
        "parse_url" | "parseurl" => Value::dynamic(parse_url(&a.s(0))),
        "parse_path" => Value::dynamic(parse_path(&a.s(0))),
        "parse_command_line" => Value::dynamic(Json::Array(
            parse_command_line(&a.s(0)).into_iter().map(Json::String).collect(),
        )),
        "new_guid" => Value::str(uuid::Uuid::new_v4().to_string()),
        _ => return Err(Fail::Unsupported),
    })
}

/// A Kusto regex rewrite (`\1`) in Rust's syntax (`${1}`).
pub(super) fn rewrite(r: &str) -> String {
    let mut out = String::new();
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(char::is_ascii_digit) => {
                let d = chars.next().unwrap_or('0');
                out.push_str(&format!("${{{d}}}"));
            }
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn chars_substring(s: &str, start: i64, len: Option<i64>) -> String {
    let n = s.chars().count() as i64;
    let start = if start < 0 { (n + start).max(0) } else { start.min(n) };
    let len = len.unwrap_or(n - start).max(0);
    s.chars().skip(start as usize).take(len as usize).collect()
}

/// `parse_url`: Kusto's bag of URL parts.
pub(super) fn parse_url(s: &str) -> Json {
    let Some((scheme, rest)) = s.split_once("://") else {
        return json!({});
    };
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (u, h),
        None => ("", authority),
    };
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p))
            if p.chars().all(|c| c.is_ascii_digit()) && !h.ends_with(']')
                || hostport.starts_with('[') && hostport.contains("]:") =>
        {
            (h, p)
        }
        _ => (hostport, ""),
    };
    let mut params = Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        params.insert(k.to_string(), Json::String(v.to_string()));
    }
    json!({
        "Scheme": scheme, "Host": host, "Port": port, "Path": path, "Username": user,
        "Password": password, "Query Parameters": params, "Fragment": fragment,
    })
}

/// `parse_path`: a file path's parts.
pub(super) fn parse_path(s: &str) -> Json {
    let (scheme, rest) = match s.split_once("://") {
        Some((a, b)) => (a, b),
        None => ("", s),
    };
    let sep = |c: char| c == '\\' || c == '/';
    let (dir, file) = match rest.rfind(sep) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => ("", rest),
    };
    let (file, stream) = match file.split_once(':') {
        Some((f, st)) => (f, st),
        None => (file, ""),
    };
    let root = if rest.len() >= 2 && rest.as_bytes()[1] == b':' {
        &rest[..2]
    } else {
        ""
    };
    let dir_name = dir.rsplit(sep).next().unwrap_or("");
    let ext = file.rsplit_once('.').map_or("", |(_, e)| e);
    json!({
        "Scheme": scheme, "RootPath": root, "DirectoryPath": dir, "DirectoryName": dir_name,
        "Filename": file, "Extension": ext, "AlternateDataStreamName": stream,
    })
}

/// `parse_command_line(cmd, "windows")`: arguments as CommandLineToArgvW splits them.
pub(super) fn parse_command_line(s: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut has = false;
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let mut n = 0;
                while i < chars.len() && chars[i] == '\\' {
                    n += 1;
                    i += 1;
                }
                if i < chars.len() && chars[i] == '"' {
                    cur.extend(std::iter::repeat_n('\\', n / 2));
                    if n % 2 == 1 {
                        cur.push('"');
                        i += 1;
                    }
                } else {
                    cur.extend(std::iter::repeat_n('\\', n));
                }
                has = true;
                continue;
            }
            '"' => {
                in_quotes = !in_quotes;
                has = true;
            }
            c if c.is_whitespace() && !in_quotes => {
                if has {
                    args.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            c => {
                cur.push(c);
                has = true;
            }
        }
        i += 1;
    }
    if has {
        args.push(cur);
    }
    args
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
