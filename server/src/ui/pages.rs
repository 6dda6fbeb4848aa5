//! The Leptos pages and server functions, with the app's ports as context.

use super::Ports;
use crate::state::AppState;
use app::ports::{KioskPortRef, SellerPortRef, ShopPortRef};
use app::response_hints::ResponseHints;
use app::{shell, App};
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use tower_http::services::ServeDir;

pub fn routes(options: LeptosOptions, state: &AppState) -> Router {
    let ports = Arc::new(Ports(state.clone()));
    let (seller, shop, kiosk): (SellerPortRef, ShopPortRef, KioskPortRef) = (ports.clone(), ports.clone(), ports);
    let demo_shop = state.payments.config().web_checkout.demo_shop;
    Router::new()
        .leptos_routes_with_context(
            &options,
            generate_route_list(App),
            move || {
                provide_context(seller.clone());
                provide_context(shop.clone());
                provide_context(kiosk.clone());
                share_nonce();
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        // The site's files (the bundle, the favicon), brotli or gzip
        // precompressed when the browser takes it; anything else is the app's
        // "not found" page. Not Leptos's file handler: it gives the file it
        // serves the status and headers of whatever page is rendering on the
        // same thread (a module script answered 302, a page left without its
        // CSP or its redirect's Location).
        .fallback_service(
            ServeDir::new(options.site_root.as_ref()).precompressed_br().precompressed_gzip().fallback(
                leptos_axum::file_and_error_handler_with_context(share_nonce, shell).with_state(options.clone()),
            ),
        )
        .with_state(options)
        .layer(middleware::from_fn(move |request: Request, next: Next| shop_gate(demo_shop, request, next)))
}

/// A page's Content Security Policy names the nonce Leptos put on this
/// response's inline scripts: hand it to the header layer.
fn share_nonce() {
    if let Some(nonce) = leptos::nonce::use_nonce() {
        ResponseHints::set_nonce(&nonce);
    }
}

/// The demo shop's pages exist only when `web_checkout.demo_shop` is on.
async fn shop_gate(enabled: bool, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !enabled && (path == "/shop" || path.starts_with("/shop/")) {
        return StatusCode::NOT_FOUND.into_response();
    }
    next.run(request).await
}
