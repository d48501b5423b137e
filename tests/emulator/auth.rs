//! Token endpoint (secret, Basic, JWT assertions and every invalid_client case), bearer token
//! checks and roles.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use graphsoar::emulator::{Client, EmulatorOptions};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha1::Digest as _;

use super::support::{Answer, Tenant, small, small_dataset, start};

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// An RSA certificate and its key.
struct Cert {
    pem: String,
    key: EncodingKey,
    der: Vec<u8>,
}

fn cert() -> Cert {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["graphsoar-test".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    Cert {
        pem: cert.pem(),
        key: EncodingKey::from_rsa_pem(key.serialize_pem().as_bytes()).unwrap(),
        der: cert.der().to_vec(),
    }
}

fn assertion(cert: &Cert, algorithm: Algorithm, thumbprint_of: &[u8], claims: &Value) -> String {
    let mut header = Header::new(algorithm);
    match algorithm {
        Algorithm::PS256 => header.x5t_s256 = Some(URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(thumbprint_of))),
        _ => header.x5t = Some(URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(thumbprint_of))),
    }
    jsonwebtoken::encode(&header, claims, &cert.key).unwrap()
}

fn claims(tenant: &Tenant, client_id: &str, expires_in: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"aud": tenant.running.token_url(), "iss": client_id, "sub": client_id,
           "jti": uuid::Uuid::new_v4().to_string(), "nbf": now - 10, "iat": now - 10, "exp": now + expires_in})
}

async fn with_cert_client(cert: &Cert) -> Tenant {
    let mut config = EmulatorOptions::new(small_dataset(3));
    config.clients.push(Client {
        client_id: "cert-app".into(),
        display_name: "Cert App".into(),
        secret: None,
        certificates: vec![cert.pem.clone()],
        assertion_algorithms: Vec::new(),
        roles: vec!["SecurityAlert.Read.All".into()],
    });
    start(config).await
}

async fn assert_with_assertion(tenant: &Tenant, jwt: &str) -> Answer {
    tenant
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "cert-app"),
            ("scope", "https://graph.microsoft.com/.default"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", jwt),
        ])
        .await
}

fn assert_entra_error(answer: &Answer, status: u16, error: &str, aadsts: u64) {
    assert_eq!(answer.status.as_u16(), status, "{:#}", answer.body);
    assert_eq!(answer.body["error"], error, "{:#}", answer.body);
    let description = answer.body["error_description"].as_str().unwrap();
    assert!(description.starts_with(&format!("AADSTS{aadsts}:")), "{description}");
    assert_eq!(answer.body["error_codes"], json!([aadsts]));
    for key in ["timestamp", "trace_id", "correlation_id"] {
        assert!(answer.body[key].is_string(), "{key}: {:#}", answer.body);
    }
}

#[tokio::test]
async fn secret_token_has_the_entra_shape_and_works() {
    let tenant = small(3).await;
    let answer = tenant
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "graphsoar-local"),
            ("client_secret", "local-secret"),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .await;
    assert_eq!(answer.status.as_u16(), 200);
    assert_eq!(answer.body["token_type"], "Bearer");
    assert_eq!(answer.body["expires_in"], 3600);
    assert_eq!(answer.body["ext_expires_in"], 3600);
    let token = answer.body["access_token"].as_str().unwrap();
    assert_eq!(tenant.get(token, "/v1.0/security/alerts_v2").await.status.as_u16(), 200);
    // The scope graphsoar's client sends for an overridden graph_url is the emulator's own.
    let own = format!("{}/.default", tenant.running.base_url);
    let answer = tenant
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "graphsoar-reader"),
            ("client_secret", "reader-secret"),
            ("scope", &own),
        ])
        .await;
    assert_eq!(answer.status.as_u16(), 200, "{:#}", answer.body);
}

#[tokio::test]
async fn basic_auth_secret_is_accepted() {
    let tenant = small(1).await;
    let response = tenant
        .http
        .post(tenant.running.token_url())
        .basic_auth("graphsoar-local", Some("local-secret"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn token_errors_are_entra_shaped() {
    let tenant = small(1).await;
    let base = |client: &'static str, secret: &'static str| {
        vec![
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("client_secret", secret),
            ("scope", "https://graph.microsoft.com/.default"),
        ]
    };
    let wrong_secret = tenant.token_form(&base("graphsoar-local", "nope")).await;
    assert_entra_error(&wrong_secret, 401, "invalid_client", 7000215);
    let unknown = tenant.token_form(&base("who", "x")).await;
    assert_entra_error(&unknown, 401, "invalid_client", 700016);
    let mut grant = base("graphsoar-local", "local-secret");
    grant[0].1 = "password";
    assert_entra_error(&tenant.token_form(&grant).await, 400, "unsupported_grant_type", 70003);
    let mut scope = base("graphsoar-local", "local-secret");
    scope[3].1 = "https://graph.microsoft.com/SecurityAlert.Read.All";
    assert_entra_error(&tenant.token_form(&scope).await, 400, "invalid_scope", 70011);
    let no_secret = tenant
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "graphsoar-local"),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .await;
    assert_entra_error(&no_secret, 401, "invalid_client", 7000218);
    let response = tenant
        .http
        .post(tenant.url("/contoso/oauth2/v2.0/token"))
        .form(&base("graphsoar-local", "local-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
}

#[tokio::test]
async fn jwt_assertions_rs256_x5t_and_ps256_x5t_s256() {
    let cert = cert();
    let tenant = with_cert_client(&cert).await;
    for algorithm in [Algorithm::RS256, Algorithm::PS256] {
        let jwt = assertion(&cert, algorithm, &cert.der, &claims(&tenant, "cert-app", 600));
        let answer = assert_with_assertion(&tenant, &jwt).await;
        assert_eq!(answer.status.as_u16(), 200, "{algorithm:?}: {:#}", answer.body);
        let token = answer.body["access_token"].as_str().unwrap();
        assert_eq!(tenant.get(token, "/v1.0/security/alerts_v2").await.status.as_u16(), 200);
    }
}

#[tokio::test]
async fn jwt_assertion_failures_are_invalid_client() {
    let cert = cert();
    let other = self::cert();
    let tenant = with_cert_client(&cert).await;
    let good = claims(&tenant, "cert-app", 600);
    let mut wrong_aud = good.clone();
    wrong_aud["aud"] = json!("https://login.microsoftonline.com/local/oauth2/v2.0/token");
    let expired = claims(&tenant, "cert-app", -3600);
    let mut wrong_iss = good.clone();
    wrong_iss["iss"] = json!("graphsoar-local");
    let mut wrong_sub = good.clone();
    wrong_sub["sub"] = json!("someone");
    let cases = [
        (
            "wrong key",
            assertion(&other, Algorithm::RS256, &cert.der, &good),
            7000274,
        ),
        (
            "wrong thumbprint",
            assertion(&other, Algorithm::PS256, &other.der, &good),
            700027,
        ),
        (
            "wrong aud",
            assertion(&cert, Algorithm::RS256, &cert.der, &wrong_aud),
            700212,
        ),
        (
            "expired",
            assertion(&cert, Algorithm::PS256, &cert.der, &expired),
            700024,
        ),
        (
            "wrong iss",
            assertion(&cert, Algorithm::RS256, &cert.der, &wrong_iss),
            700021,
        ),
        (
            "wrong sub",
            assertion(&cert, Algorithm::RS256, &cert.der, &wrong_sub),
            700021,
        ),
        ("garbage", "not.a.jwt".to_owned(), 50027),
    ];
    for (name, jwt, code) in cases {
        let answer = assert_with_assertion(&tenant, &jwt).await;
        assert_eq!(answer.body["error"], "invalid_client", "{name}: {:#}", answer.body);
        assert_entra_error(&answer, 401, "invalid_client", code);
    }
    // A client without certificates cannot use an assertion.
    let jwt = assertion(
        &cert,
        Algorithm::RS256,
        &cert.der,
        &claims(&tenant, "graphsoar-local", 600),
    );
    let answer = tenant
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "graphsoar-local"),
            ("scope", "https://graph.microsoft.com/.default"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", &jwt),
        ])
        .await;
    assert_entra_error(&answer, 401, "invalid_client", 700027);
}

#[tokio::test]
async fn expired_forged_and_missing_tokens_are_401() {
    let mut config = EmulatorOptions::new(small_dataset(1));
    config.token_lifetime = Duration::from_millis(300);
    let tenant = start(config).await;
    let token = tenant.admin().await;
    assert_eq!(
        tenant.get(&token, "/v1.0/security/alerts_v2").await.status.as_u16(),
        200
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let expired = tenant.get(&token, "/v1.0/security/alerts_v2").await;
    expired.assert_error(401, "InvalidAuthenticationToken");
    assert!(expired.message().contains("expired"), "{}", expired.message());
    let forged = tenant.get("gse.forged", "/beta/security/incidents").await;
    forged.assert_error(401, "InvalidAuthenticationToken");
    let response = tenant
        .http
        .get(tenant.url("/v1.0/security/alerts_v2"))
        .send()
        .await
        .unwrap();
    let missing = super::support::answer(response).await;
    missing.assert_error(401, "InvalidAuthenticationToken");
    assert_eq!(missing.message(), "Access token is empty.");
}

#[tokio::test]
async fn reader_is_forbidden_to_write_and_told_which_role() {
    let tenant = small(3).await;
    let reader = tenant.reader().await;
    assert_eq!(
        tenant
            .get(&reader, "/v1.0/security/alerts_v2/a00")
            .await
            .status
            .as_u16(),
        200
    );
    let patch = tenant
        .patch(&reader, "/v1.0/security/alerts_v2/a00", &json!({"status": "resolved"}))
        .await;
    patch.assert_error(403, "Forbidden");
    assert!(
        patch.message().contains("SecurityAlert.ReadWrite.All"),
        "{}",
        patch.message()
    );
    let comment = tenant
        .post(&reader, "/beta/security/incidents/1/comments", &json!({"comment": "x"}))
        .await;
    comment.assert_error(403, "Forbidden");
    assert!(
        comment.message().contains("SecurityIncident.ReadWrite.All"),
        "{}",
        comment.message()
    );
    // Nothing changed.
    let admin = tenant.admin().await;
    let alert = tenant.get(&admin, "/v1.0/security/alerts_v2/a00").await;
    assert_eq!(alert.body["status"], "new");
}

/// A dataset's `clients.json` adds clients (and may replace a built-in one) with their roles.
#[tokio::test]
async fn clients_of_the_dataset_get_tokens_with_their_roles() {
    let mut dataset = small_dataset(2);
    dataset.clients = serde_json::from_value(json!([
        {"clientId": "incident-bot", "secret": "bot-secret", "roles": ["SecurityIncident.ReadWrite.All"]},
        {"clientId": "graphsoar-reader", "secret": "rotated", "roles": ["SecurityAlert.Read.All"]}
    ]))
    .unwrap();
    let tenant = start(EmulatorOptions::new(dataset)).await;
    let bot = tenant.token("incident-bot", "bot-secret").await;
    let patched = tenant
        .patch(&bot, "/v1.0/security/incidents/1", &json!({"status": "inProgress"}))
        .await;
    assert_eq!(patched.status.as_u16(), 200, "{:#}", patched.body);
    tenant
        .get(&bot, "/v1.0/security/alerts_v2")
        .await
        .assert_error(403, "Forbidden");
    let old = tenant
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "graphsoar-reader"),
            ("client_secret", "reader-secret"),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .await;
    assert_entra_error(&old, 401, "invalid_client", 7000215);
    let reader = tenant.token("graphsoar-reader", "rotated").await;
    assert_eq!(
        tenant.get(&reader, "/v1.0/security/alerts_v2").await.status.as_u16(),
        200
    );
}
