//! What a shopper sees: the payment page at `redirect_url`, the QR image at
//! `qr_code_url`, and the Distribution Module at `standalone_url`; and, for
//! a person at the simulator, an overview of sessions and sent messages.

mod distribution_module;
mod layout;
mod overview;
mod payment;

use super::Simulator;
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<Simulator> {
    Router::new()
        .route("/pay/{id}", get(payment::payment_page))
        .route("/pay/{id}/qr", get(payment::qr_image))
        // The confirmation's own form posts here too; this route would
        // otherwise shadow `/pay/{id}/{action}` for POST.
        .route("/pay/{id}/cancel", get(payment::confirm_cancel).post(payment::submit_cancel))
        .route("/pay/{id}/{action}", post(payment::submit_action))
        .route("/distributions/{distribution_id}", get(distribution_module::show).post(distribution_module::send))
        .route("/", get(overview::index))
        .route("/_sim/outbox.html", get(overview::outbox_page))
}
