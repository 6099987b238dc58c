//! A ready web handler for Buildium's signed webhooks (feature `webhook-server`): an axum
//! `Router` with `POST /webhooks/buildium`, which hands the two headers and the raw body to
//! [`Concierge::receive_buildium_webhook`] and answers Buildium at once. Any other framework
//! calls that method the same way.
//!
//! Answers: `200` with the receipt (JSON) when accepted, and for a delivery already received (so
//! Buildium stops retrying it: 20 failures in a row suspend the subscription); `401` for a bad
//! signature or a missing header; `400` for a stale or unreadable delivery; `503` when the
//! store cannot record it (Buildium retries); `500` otherwise. Error bodies carry the code and
//! reason, never the secret.

use crate::{Concierge, Error, WebhookRejection};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use concierge_buildium::webhook::{SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// The path Buildium posts to.
pub const PATH: &str = "/webhooks/buildium";

/// A router serving [`PATH`] for `concierge`.
pub fn buildium_webhook_router(concierge: Concierge) -> axum::Router {
    axum::Router::new()
        .route(PATH, post(receive))
        .with_state(concierge)
}

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn receive(State(concierge): State<Concierge>, headers: HeaderMap, body: Bytes) -> Response {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let answer = concierge
        .receive_buildium_webhook(value(TIMESTAMP_HEADER), value(SIGNATURE_HEADER), &body)
        .await;
    match answer {
        Ok(receipt) => json(
            StatusCode::OK,
            serde_json::to_value(&receipt).unwrap_or_default(),
        ),
        Err(Error::WebhookRejected { reason }) => {
            let status = match reason {
                WebhookRejection::Replayed => StatusCode::OK,
                WebhookRejection::BadSignature | WebhookRejection::MissingHeader => {
                    StatusCode::UNAUTHORIZED
                }
                _ => StatusCode::BAD_REQUEST,
            };
            json(
                status,
                serde_json::json!({ "code": "WEBHOOK_REJECTED", "reason": reason }),
            )
        }
        Err(e) => {
            let status = if e.is_retryable() {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            json(status, serde_json::json!({ "code": e.code().as_str() }))
        }
    }
}
