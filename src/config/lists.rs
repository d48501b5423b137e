//! List files (one value per line) and the lists embedded for the shipped playbooks.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::Settings;

/// Named lists: name → values, as conditions see them (`lists.NAME`).
pub type Lists = BTreeMap<String, Vec<String>>;

/// Parses a list file: one value per line, trimmed; blank lines and `#` comments ignored.
pub fn parse_list(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Reads a list file; the error says which file and why.
pub(super) fn read_list(path: &Path) -> Result<Vec<String>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read list file {}: {e}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("list file {} is not UTF-8", path.display()))?;
    Ok(parse_list(&text))
}

impl Settings {
    /// The lists with every list file read again (for a hot reload): the settings' other lists
    /// as they are. An error names the list and its file.
    pub fn reread_lists(&self) -> Result<Arc<Lists>, String> {
        let mut lists = (*self.lists).clone();
        for (name, path) in &self.list_files {
            let values = read_list(path).map_err(|e| format!("lists.{name}: {e}"))?;
            lists.insert(name.clone(), values);
        }
        Ok(Arc::new(lists))
    }
}

/// The lists the shipped playbooks use, as the embedded default settings define them. A
/// settings file replaces any of them by naming a list of the same name.
const EMBEDDED: &[(&str, &str)] = &[
    ("admin_accounts", include_str!("../../lists/admin_accounts.txt")),
    (
        "approved_admin_tool_sha256",
        include_str!("../../lists/approved_admin_tool_sha256.txt"),
    ),
    (
        "approved_admin_tools",
        include_str!("../../lists/approved_admin_tools.txt"),
    ),
    ("eicar_sha256", include_str!("../../lists/eicar_sha256.txt")),
    ("internal_domains", include_str!("../../lists/internal_domains.txt")),
    ("scanner_ips", include_str!("../../lists/scanner_ips.txt")),
    (
        "security_lab_devices",
        include_str!("../../lists/security_lab_devices.txt"),
    ),
];

pub(super) fn embedded() -> Lists {
    EMBEDDED
        .iter()
        .map(|(name, text)| (name.to_string(), parse_list(text)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_comments_blanks_and_spaces() {
        assert_eq!(parse_list("# header\n\n a \nb\n  # note\n"), vec!["a", "b"]);
    }

    #[test]
    fn every_shipped_list_file_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/lists");
        let lists = embedded();
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let name = name.strip_suffix(".txt").expect("lists/ holds only .txt files");
            assert!(
                lists.contains_key(name),
                "lists/{name}.txt is not embedded in the default settings"
            );
        }
        assert!(
            lists["eicar_sha256"]
                .contains(&"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f".to_string())
        );
    }
}
