//! The seller view's live streams, for the signed-in associate's store.

use super::auth::seller_store;
use super::sse;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new().route("/seller/payments/{id}/events", get(payment_events)).route("/seller/events", get(store_events))
}

/// One payment of the associate's store.
async fn payment_events(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let store_id = match seller_store(&state.sellers, &headers).await {
        Ok(store_id) => store_id,
        Err(response) => return response,
    };
    match sse::payment_stream(state.payments, store_id, id).await {
        Ok(response) => response,
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Every change to the associate's store's payments, for the payments list.
async fn store_events(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match seller_store(&state.sellers, &headers).await {
        Ok(store_id) => sse::store_stream(store_id, state.payments.events().subscribe(), sse::resumed(&headers)),
        Err(response) => response,
    }
}
