//! Kusto's string predicates (`has`, `contains`, `startswith`, ... and their `_cs` and negated
//! forms), on one string and on a whole dictionary at once.
//!
//! Terms (the `has` family) are maximal runs of ASCII letters and digits. A needle matches
//! where it occurs with each of its edges that is alphanumeric on a term boundary: `has "enc"`
//! matches `-enc x` but not `-encodedcommand`; `has "-enc"` (an edge of punctuation) matches
//! `x-enc` too; `hasprefix` checks the start edge only, `hassuffix` the end edge only. Kusto
//! indexes terms of three characters or more, and scans for shorter needles: the results are
//! the same, only slower, so graphsoar does not distinguish them. Case-insensitive forms fold
//! ASCII letters (and, for needles beyond ASCII, Unicode lower case per string).

use memchr::memmem;
use regex::Regex;

use crate::kql::ast::{StrKind, StrOp};
use crate::kql::data::Dict;

fn is_term(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Whether a match at `start..end` of `hay` sits on the term boundaries `kind` asks for.
fn boundaries_ok(kind: StrKind, hay: &[u8], needle: &[u8], start: usize, end: usize) -> bool {
    let check_start = matches!(kind, StrKind::Has | StrKind::HasPrefix);
    let check_end = matches!(kind, StrKind::Has | StrKind::HasSuffix);
    let start_ok =
        !check_start || !needle.first().copied().is_some_and(is_term) || start == 0 || !is_term(hay[start - 1]);
    let end_ok = !check_end || !needle.last().copied().is_some_and(is_term) || end == hay.len() || !is_term(hay[end]);
    start_ok && end_ok
}

/// One predicate, prepared: the needle folded once, a regex compiled once.
pub struct Matcher {
    op: StrOp,
    needle: Vec<u8>,
    /// Whether case folding needs Unicode (a needle beyond ASCII).
    unicode: bool,
    finder: memmem::Finder<'static>,
    regex: Option<Regex>,
}

impl Matcher {
    pub fn new(op: StrOp, needle: &str) -> Result<Matcher, String> {
        let unicode = !op.cs && !needle.is_ascii();
        let folded = if op.cs {
            needle.to_string()
        } else if unicode {
            needle.to_lowercase()
        } else {
            needle.to_ascii_lowercase()
        };
        let regex = match op.kind {
            StrKind::MatchesRegex => {
                Some(Regex::new(needle).map_err(|e| format!("the regular expression '{needle}' is not valid: {e}"))?)
            }
            _ => None,
        };
        let needle = folded.into_bytes();
        Ok(Matcher {
            op,
            finder: memmem::Finder::new(&needle).into_owned(),
            needle,
            unicode,
            regex,
        })
    }

    /// The predicate on one string (negation applied).
    pub fn test(&self, s: &str) -> bool {
        self.raw(s) != self.op.negated
    }

    fn raw(&self, s: &str) -> bool {
        if let Some(re) = &self.regex {
            return re.is_match(s);
        }
        if self.op.cs {
            self.find(s.as_bytes())
        } else if self.unicode || !s.is_ascii() && !self.needle.is_ascii() {
            self.find(s.to_lowercase().as_bytes())
        } else {
            self.find(&s.as_bytes().to_ascii_lowercase())
        }
    }

    /// On an already folded string.
    fn find(&self, hay: &[u8]) -> bool {
        let n = &self.needle[..];
        match self.op.kind {
            StrKind::StartsWith => hay.starts_with(n),
            StrKind::EndsWith => hay.ends_with(n),
            StrKind::Contains => self.finder.find(hay).is_some(),
            StrKind::Has | StrKind::HasPrefix | StrKind::HasSuffix => {
                if n.is_empty() {
                    return true;
                }
                self.finder
                    .find_iter(hay)
                    .any(|at| boundaries_ok(self.op.kind, hay, n, at, at + n.len()))
            }
            StrKind::MatchesRegex => false,
        }
    }

    /// The predicate on every entry of a dictionary (negation applied). `contains` and the
    /// `has` family search the whole arena at once and map matches back to entries, which is
    /// what makes a rare needle over a million distinct command lines cheap.
    pub fn test_dict(&self, dict: &Dict) -> Vec<bool> {
        let arena_search = matches!(
            self.op.kind,
            StrKind::Contains | StrKind::Has | StrKind::HasPrefix | StrKind::HasSuffix
        ) && !self.unicode
            && !self.needle.is_empty();
        if !arena_search {
            return (0..dict.len() as u32).map(|c| self.test(dict.get(c))).collect();
        }
        let mut out = vec![false; dict.len()];
        let hay = if self.op.cs { dict.bytes() } else { dict.lower() };
        let ends = dict.ends();
        let n = self.needle.len();
        for at in self.finder.find_iter(hay) {
            // The entry holding the match's first byte.
            let entry = ends.partition_point(|&e| e <= at);
            if entry >= ends.len() || out[entry] {
                continue;
            }
            let (start, end) = dict.bounds(entry);
            if at + n > end {
                continue; // spans two entries
            }
            let local = &hay[start..end];
            if boundaries_ok(self.op.kind, local, &self.needle, at - start, at - start + n) {
                out[entry] = true;
            }
        }
        if !self.op.cs {
            // Entries beyond ASCII fold differently in Unicode: decide those one by one.
            for (i, hit) in out.iter_mut().enumerate() {
                let s = dict.get(i as u32);
                if !s.is_ascii() {
                    *hit = self.raw(s);
                }
            }
        }
        if self.op.negated {
            for hit in &mut out {
                *hit = !*hit;
            }
        }
        out
    }
}

/// `a has_any (...)` / `has_all`: term matching of each item.
pub fn has_term(hay: &str, needle: &str) -> bool {
    let op = StrOp {
        kind: StrKind::Has,
        cs: false,
        negated: false,
    };
    Matcher::new(op, needle).is_ok_and(|m| m.test(hay))
}

/// Kusto's terms of a string (for `has_any` over many needles).
pub fn terms(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_ascii_alphanumeric()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kql::data::Interner;

    fn op(kind: StrKind, cs: bool, negated: bool) -> StrOp {
        StrOp { kind, cs, negated }
    }

    fn has(hay: &str, needle: &str) -> bool {
        Matcher::new(op(StrKind::Has, false, false), needle).unwrap().test(hay)
    }

    #[test]
    fn has_matches_whole_terms_and_contains_substrings() {
        // The docs' examples: "North America" has "america"; terms of a GUID-ish string.
        assert!(has("North America", "america"));
        assert!(!has("North America", "amer"));
        let s = "Kusto: ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a;KustoExplorerQueryRun";
        assert!(has(s, "c1db"));
        assert!(has(s, "KustoExplorerQueryRun"));
        assert!(!has(s, "Explorer"));
        let contains = Matcher::new(op(StrKind::Contains, false, false), "Explorer").unwrap();
        assert!(contains.test(s));
        // Short terms are still terms (Kusto scans instead of using its index).
        assert!(has("a b cd", "cd"));
        assert!(!has("abcd", "cd"));
        // Punctuation in the needle: its alphanumeric edges must be term boundaries.
        assert!(has("powershell.exe -enc AAA", "-enc"));
        assert!(has("powershell.exe x-enc AAA", "-enc"));
        assert!(!has("powershell.exe -encodedcommand AAA", "-enc"));
        assert!(has("C:\\Windows\\cmd.exe /c", "cmd.exe"));
        assert!(!has("C:\\Windows\\xcmd.exe /c", "cmd.exe"));
        assert!(has("-EncodedCommand ZQBj", "encodedcommand"));
        let cs = Matcher::new(op(StrKind::Has, true, false), "encodedcommand").unwrap();
        assert!(!cs.test("-EncodedCommand ZQBj"));
        let prefix = Matcher::new(op(StrKind::HasPrefix, false, false), "enc").unwrap();
        assert!(prefix.test("-EncodedCommand"));
        assert!(!prefix.test("xenc"));
        let suffix = Matcher::new(op(StrKind::HasSuffix, false, false), "exe").unwrap();
        assert!(suffix.test("cmd.exe"));
        assert!(suffix.test("cmdexe"));
        assert!(!suffix.test("exes"));
        let not = Matcher::new(op(StrKind::Has, false, true), "x").unwrap();
        assert!(not.test("abc"));
    }

    #[test]
    fn dictionary_search_agrees_with_one_by_one() {
        let mut i = Interner::default();
        for s in [
            "cmd.exe /c -enc",
            "xcmd.exe",
            "ENC",
            "abc-Enc",
            "é -enc",
            "-enc",
            "encx enc",
            "e",
            "-en",
            "c",
        ] {
            i.intern(s);
        }
        let dict = i.finish();
        for kind in [StrKind::Has, StrKind::HasPrefix, StrKind::HasSuffix, StrKind::Contains] {
            for needle in ["enc", "-enc", "cmd.exe", "c", "e"] {
                for cs in [false, true] {
                    let m = Matcher::new(op(kind, cs, false), needle).unwrap();
                    let one: Vec<bool> = (0..dict.len() as u32).map(|c| m.test(dict.get(c))).collect();
                    assert_eq!(m.test_dict(&dict), one, "{kind:?} {needle} cs={cs}");
                }
            }
        }
    }
}
