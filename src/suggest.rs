//! "Did you mean" hints: the nearest of a set of valid names to a misspelt one.
//!
//! Used by every diagnostic that names a wrong key, enum value, action or property.

/// The candidate nearest to `word` by edit distance (case-insensitive), if it is close enough
/// to be a plausible typo: at most a third of the word's length, and at least 1 edit.
pub fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = word.to_lowercase();
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `", did you mean `x`?"`, or nothing: appended to messages.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    closest(word, candidates)
        .map(|c| format!(", did you mean `{c}`?"))
        .unwrap_or_default()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_ignores_strangers() {
        let names = ["update_alert", "update_incident", "email", "webhook", "log"];
        assert_eq!(closest("updte_alert", names), Some("update_alert"));
        assert_eq!(closest("emial", names), Some("email"));
        assert_eq!(closest("frobnicate", names), None);
        assert_eq!(closest("Resolved", ["resolved", "new"]), Some("resolved"));
    }
}
