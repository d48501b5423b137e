//! Certificate credentials: parsing a client's PEM certificates (RSA public key, SHA-1 and
//! SHA-256 thumbprints) and verifying a JWT client assertion against them, as Entra does.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde_json::Value;
use sha1::Digest as _;

use super::auth::Client;

/// A registered certificate: thumbprints (base64url) and public key.
pub struct CertKey {
    sha1: String,
    sha256: String,
    key: DecodingKey,
}

/// The certificates of `client`.
pub fn parse_certificates(client: &Client) -> Result<Vec<CertKey>, String> {
    let mut certs = Vec::new();
    for (i, pem_text) in client.certificates.iter().enumerate() {
        let what = format!("client `{}` certificate #{i}", client.client_id);
        let mut found = false;
        for pem in x509_parser::pem::Pem::iter_from_buffer(pem_text.as_bytes()) {
            let pem = pem.map_err(|e| format!("{what}: invalid PEM: {e}"))?;
            if pem.label != "CERTIFICATE" {
                continue;
            }
            let (_, cert) = x509_parser::parse_x509_certificate(&pem.contents)
                .map_err(|e| format!("{what}: invalid certificate: {e}"))?;
            let key = match cert.public_key().parsed() {
                // The subject public key of an RSA certificate is the PKCS#1 RSAPublicKey.
                Ok(x509_parser::public_key::PublicKey::RSA(_)) => {
                    DecodingKey::from_rsa_der(&cert.public_key().subject_public_key.data)
                }
                _ => return Err(format!("{what}: the key is not RSA")),
            };
            certs.push(CertKey {
                sha1: URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(&pem.contents)),
                sha256: URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&pem.contents)),
                key,
            });
            found = true;
        }
        if !found {
            return Err(format!("{what}: no CERTIFICATE block in the PEM"));
        }
    }
    Ok(certs)
}

/// Checks a client assertion; the error is an AADSTS code and description.
pub fn verify(client: &Client, certs: &[CertKey], assertion: &str, audience: &str) -> Result<(), (u32, String)> {
    let client_id = client.client_id.as_str();
    let malformed = || (50027, "JWT token is invalid or malformed.".to_owned());
    let header = jsonwebtoken::decode_header(assertion).map_err(|_| malformed())?;
    let accepted =
        |name: &str| client.assertion_algorithms.is_empty() || client.assertion_algorithms.iter().any(|a| a == name);
    let allowed = match header.alg {
        Algorithm::RS256 => accepted("RS256"),
        Algorithm::PS256 => accepted("PS256"),
        _ => false,
    };
    if !allowed {
        return Err((
            5002738,
            format!(
                "The client assertion algorithm {:?} is not supported by this tenant.",
                header.alg
            ),
        ));
    }
    let cert = match (&header.x5t_s256, &header.x5t) {
        (Some(thumbprint), _) => certs.iter().find(|c| &c.sha256 == thumbprint),
        (None, Some(thumbprint)) => certs.iter().find(|c| &c.sha1 == thumbprint),
        (None, None) => {
            return Err((
                700027,
                "The client assertion has no x5t or x5t#S256 header naming its certificate.".to_owned(),
            ));
        }
    };
    let Some(cert) = cert else {
        return Err((
            700027,
            format!(
                "The certificate with identifier used to sign the client assertion is not registered on application \
                 '{client_id}'."
            ),
        ));
    };
    let mut validation = Validation::new(header.alg);
    validation.validate_aud = false;
    validation.validate_nbf = true;
    validation.leeway = 60;
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    let claims = jsonwebtoken::decode::<Value>(assertion, &cert.key, &validation).map_err(|e| match e.kind() {
        ErrorKind::ExpiredSignature | ErrorKind::ImmatureSignature => (
            700024,
            "Client assertion is not within its valid time range.".to_owned(),
        ),
        ErrorKind::InvalidSignature => (7000274, "Client assertion failed signature validation.".to_owned()),
        ErrorKind::MissingRequiredClaim(claim) => (50027, format!("JWT token is missing the '{claim}' claim.")),
        _ => malformed(),
    })?;
    let claims = claims.claims;
    let aud_ok = match &claims["aud"] {
        Value::String(aud) => aud == audience,
        Value::Array(auds) => auds.iter().any(|a| a.as_str() == Some(audience)),
        _ => false,
    };
    if !aud_ok {
        return Err((
            700212,
            format!(
                "The client assertion audience {} is not this token endpoint, {audience}.",
                claims["aud"]
            ),
        ));
    }
    let id = client_id;
    if claims["iss"].as_str() != Some(id) || claims["sub"].as_str() != Some(id) {
        return Err((
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.".to_owned(),
        ));
    }
    Ok(())
}
