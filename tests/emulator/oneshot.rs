//! Pure router tests with `oneshot`, no socket: fallbacks, method errors, the token endpoint's
//! content-type check, and a drop fault without a connection.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use graphsoar::emulator::{Emulator, EmulatorOptions, TENANT_ID, router};
use serde_json::Value;
use tower::ServiceExt as _;

use super::support::small_dataset;
use crate::support::{LOCAL_CLIENT, token_form};

fn emulator() -> Emulator {
    Emulator::new(EmulatorOptions::new(small_dataset(2))).unwrap()
}

async fn call(emulator: &Emulator, request: Request<Body>) -> (StatusCode, Value) {
    let response = router(emulator.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// A token through the router: the shared form of `tests/support`, without its HTTP.
async fn token(emulator: &Emulator) -> String {
    let (client_id, secret) = LOCAL_CLIENT;
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(token_form(client_id, secret))
        .finish();
    let request = Request::post(format!("/{TENANT_ID}/oauth2/v2.0/token"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let (status, body) = call(emulator, request).await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn unknown_routes_and_methods_get_graph_errors() {
    let emulator = emulator();
    let (status, body) = call(
        &emulator,
        Request::get("/v1.0/security/frobs").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "BadRequest");
    assert!(body["error"]["message"].as_str().unwrap().contains("'frobs'"));
    assert!(body["error"]["innerError"]["request-id"].is_string());
    let (status, body) = call(&emulator, Request::get("/nowhere").body(Body::empty()).unwrap()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("NotFound"))
    );
    let (status, body) = call(
        &emulator,
        Request::delete("/v1.0/security/alerts_v2/a00")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body:#}");
    assert!(body["error"]["message"].as_str().unwrap().contains("DELETE"));
}

#[tokio::test]
async fn token_endpoint_wants_a_form() {
    let emulator = emulator();
    let request = Request::post("/local/oauth2/v2.0/token")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let (status, body) = call(&emulator, request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn drop_fault_without_a_connection_answers_normally() {
    let emulator = emulator();
    emulator.set_faults("*=drop:1".parse().unwrap());
    let token = token(&emulator).await;
    let request = Request::get("/v1.0/security/alerts_v2/a00")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let (status, body) = call(&emulator, request).await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(
        body["@odata.context"],
        "http://localhost/v1.0/$metadata#security/alerts_v2/$entity"
    );
}
