//! The HTTP surface: one module per route group, sharing only `error`,
//! `json`, `cookies`, `sse` and `auth`; handlers never call each other.

pub mod api;
pub mod auth;
pub mod callbacks;
pub mod checkout;
pub mod client;
pub mod cookies;
pub mod error;
pub mod headers;
pub mod json;
pub mod kiosks;
pub mod openapi;
pub mod ops;
pub mod origin;
pub mod refunds;
pub mod seller;
pub mod server_fns;
pub mod sse;
pub mod trace;

use crate::state::AppState;
use axum::Router;

/// Where the embedded simulator is mounted.
pub const SIMULATOR_PREFIX: &str = "/klarna-sim";

/// Kassa's own HTTP routes (the pages are the app's, see `ui::pages`).
pub fn routes(state: &AppState) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(callbacks::routes())
        .merge(checkout::routes())
        .merge(seller::routes())
        .merge(kiosks::routes())
        .merge(refunds::routes())
        .merge(ops::routes())
        .merge(openapi::routes())
        .with_state(state.clone())
}
