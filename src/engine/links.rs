//! Signed approve and deny links: one pair per emailed recipient of an approval request.
//!
//! A link names the approval, the decision, the recipient and the approval's expiry, and
//! carries an HMAC-SHA256 of them under the settings' signing key (RFC 2104, computed here from
//! `sha2`), so it cannot be made for another approval, decision, recipient or time. Signatures
//! are compared in constant time. A link works once because a decision does: the state takes
//! the first decision of an approval in one transaction and refuses every later one.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sha2::{Digest as _, Sha256};
use url::Url;

/// What a link decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkDecision {
    Approve,
    Deny,
}

impl LinkDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkDecision::Approve => "approve",
            LinkDecision::Deny => "deny",
        }
    }

    pub fn parse(text: &str) -> Option<LinkDecision> {
        match text {
            "approve" => Some(LinkDecision::Approve),
            "deny" => Some(LinkDecision::Deny),
            _ => None,
        }
    }
}

/// The parts of a link, as signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub approval: String,
    pub decision: LinkDecision,
    pub recipient: String,
    /// The approval's expiry (Unix seconds).
    pub expires: i64,
}

impl Link {
    /// The signed text: versioned, one field per line (no field holds a line break).
    fn message(&self) -> String {
        format!(
            "graphsoar-approval-link-v1\n{}\n{}\n{}\n{}",
            self.approval,
            self.decision.as_str(),
            self.recipient,
            self.expires
        )
    }
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| -> [u8; BLOCK] { std::array::from_fn(|i| block[i] ^ byte) };
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// Whether two byte strings are equal, in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Signs and checks links with one key.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
    public_url: Url,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("public_url", &self.public_url.as_str())
            .finish_non_exhaustive()
    }
}

impl Signer {
    pub fn new(key: Vec<u8>, public_url: Url) -> Signer {
        Signer { key, public_url }
    }

    /// The signer of the settings' `approvals`.
    pub fn from_settings(links: &crate::config::ApprovalLinks) -> Signer {
        Signer::new(links.key.clone(), links.public_url.clone())
    }

    /// The signature of `link`, base64url.
    pub fn sign(&self, link: &Link) -> String {
        URL_SAFE_NO_PAD.encode(hmac_sha256(&self.key, link.message().as_bytes()))
    }

    /// Whether `signature` is `link`'s.
    pub fn verify(&self, link: &Link, signature: &str) -> bool {
        let Ok(given) = URL_SAFE_NO_PAD.decode(signature) else {
            return false;
        };
        constant_time_eq(&given, &hmac_sha256(&self.key, link.message().as_bytes()))
    }

    /// The URL of `link`: `{public_url}/approvals/{id}/{decision}?r=…&e=…&s=…`.
    pub fn url(&self, link: &Link) -> String {
        let mut url = self.public_url.clone();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!(
            "{base}/approvals/{}/{}",
            link.approval,
            link.decision.as_str()
        ));
        url.query_pairs_mut()
            .clear()
            .append_pair("r", &link.recipient)
            .append_pair("e", &link.expires.to_string())
            .append_pair("s", &self.sign(link));
        url.to_string()
    }

    /// The approve and deny URLs of approval `id` for `recipient`.
    pub fn pair(&self, id: &str, recipient: &str, expires: DateTime<Utc>) -> (String, String) {
        let link = |decision| Link {
            approval: id.to_owned(),
            decision,
            recipient: recipient.to_owned(),
            expires: expires.timestamp(),
        };
        (
            self.url(&link(LinkDecision::Approve)),
            self.url(&link(LinkDecision::Deny)),
        )
    }

    /// A token binding a form to its link (the page's CSRF token, checked against the cookie
    /// the page set).
    pub fn form_token(&self, nonce: &str, link: &Link) -> String {
        let message = format!("graphsoar-approval-form-v1\n{nonce}\n{}", link.message());
        URL_SAFE_NO_PAD.encode(hmac_sha256(&self.key, message.as_bytes()))
    }

    /// Whether the page is served over https (cookies are then `Secure`).
    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hmac_matches_the_rfc_4231_vectors() {
        // Test cases 1, 2 and 6 (a key longer than the block).
        assert_eq!(
            hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn a_link_verifies_only_with_its_own_parts_and_key() {
        let signer = Signer::new(vec![7; 32], Url::parse("https://soar.example.com/base/").unwrap());
        let link = Link {
            approval: "ap-0123456789".into(),
            decision: LinkDecision::Approve,
            recipient: "alice@contoso.com".into(),
            expires: 1_900_000_000,
        };
        let s = signer.sign(&link);
        assert!(signer.verify(&link, &s));
        for other in [
            Link {
                decision: LinkDecision::Deny,
                ..link.clone()
            },
            Link {
                recipient: "mallory@contoso.com".into(),
                ..link.clone()
            },
            Link {
                expires: link.expires + 1,
                ..link.clone()
            },
            Link {
                approval: "ap-0123456780".into(),
                ..link.clone()
            },
        ] {
            assert!(!signer.verify(&other, &s), "{other:?}");
        }
        assert!(!Signer::new(vec![8; 32], signer.public_url.clone()).verify(&link, &s));
        assert!(!signer.verify(&link, "not base64!"));
        assert!(!signer.verify(&link, &s[..s.len() - 2]));
        let url = signer.url(&link);
        assert!(
            url.starts_with(
                "https://soar.example.com/base/approvals/ap-0123456789/approve?r=alice%40contoso.com&e=1900000000&s="
            ),
            "{url}"
        );
        assert!(
            constant_time_eq(b"abc", b"abc") && !constant_time_eq(b"abc", b"abd") && !constant_time_eq(b"ab", b"abc")
        );
    }
}
