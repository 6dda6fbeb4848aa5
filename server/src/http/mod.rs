//! The HTTP surface: one module per route group, sharing only `error`,
//! `json`, `cookies`, `sse` and `auth`; handlers never call each other.

pub mod api;
pub mod auth;
pub mod callbacks;
pub mod checkout;
pub mod cookies;
pub mod error;
pub mod json;
pub mod kiosks;
pub mod pages;
pub mod seller;
pub mod sse;

use crate::state::AppState;
use axum::Router;
use klarna::simulator::Simulator;
use leptos::prelude::LeptosOptions;

/// Where the embedded simulator is mounted.
pub const SIMULATOR_PREFIX: &str = "/klarna-sim";

/// Every route Kassa serves, behind the kiosk gate.
pub fn router(options: LeptosOptions, state: AppState, simulator: Option<&Simulator>) -> Router {
    let mut router = Router::new()
        .merge(api::routes())
        .merge(callbacks::routes())
        .merge(checkout::routes())
        .merge(seller::routes())
        .merge(kiosks::routes())
        .with_state(state.clone())
        .merge(pages::routes(options, &state));
    if let Some(simulator) = simulator {
        router = router.nest(SIMULATOR_PREFIX, simulator.router());
    }
    router.layer(axum::middleware::from_fn_with_state(state.kiosks.clone(), kiosks::gate))
}
