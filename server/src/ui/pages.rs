//! The Leptos pages and server functions, with the app's ports as context.

use super::shop_page::ShopPages;
use super::site::{PageSource, SiteFiles};
use super::Ports;
use crate::state::AppState;
use app::ports::{KioskPortRef, SellerPortRef, ShopPortRef};
use app::response_hints::{PageScripts, ResponseHints};
use app::{shell, App};
use axum::extract::{Form, Path, RawQuery, Request};
use axum::handler::Handler;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeader;

pub fn routes(options: LeptosOptions, state: &AppState, site: &SiteFiles) -> Router {
    let ports = Arc::new(Ports(state.clone()));
    let (seller, shop, kiosk): (SellerPortRef, ShopPortRef, KioskPortRef) = (ports.clone(), ports.clone(), ports);
    let demo_shop = state.payments.config().web_checkout.demo_shop;
    // The sign-in and the shop's pages are the server's own, not the app's (see below).
    let app_routes = generate_route_list(App);
    let shop_pages = ShopPages { shop: shop.clone(), stylesheet: site.page.stylesheet.clone() };
    Router::new()
        .route(
            app::SIGN_IN_PATH,
            get({
                let (seller, stylesheet) = (seller.clone(), site.page.stylesheet.clone());
                move |request: Request| sign_in_page(seller.clone(), stylesheet.clone(), request)
            }),
        )
        // The shop's pages run no script either: a plain form answered here,
        // and the page Klarna sends the shopper back to.
        .route(
            "/shop",
            get({
                let pages = shop_pages.clone();
                move |hints| pages.clone().cart(hints)
            })
            .post({
                let pages = shop_pages.clone();
                move |hints, Form(fields): Form<Vec<(String, String)>>| pages.clone().post_cart(hints, fields)
            }),
        )
        .route(
            "/shop/payments/{id}/{outcome}",
            get(move |hints, Path(address): Path<(String, String)>, RawQuery(query): RawQuery| {
                shop_pages.clone().result(hints, address, query)
            }),
        )
        .leptos_routes_with_context(
            &options,
            app_routes,
            move || {
                provide_context(seller.clone());
                provide_context(shop.clone());
                provide_context(kiosk.clone());
                share_page_scripts();
            },
            {
                let (options, files) = (options.clone(), PageSource::new(&options, site));
                move || shell(options.clone(), files.current())
            },
        )
        // The site's files (the bundle, the favicon), brotli or gzip
        // precompressed when the browser takes it; anything else is the app's
        // "not found" page. Not Leptos's file handler: it gives the file it
        // serves the status and headers of whatever page is rendering on the
        // same thread (a module script answered 302, a page left without its
        // CSP or its redirect's Location).
        //
        // Which file goes out depends on Accept-Encoding, and the bundle is
        // cacheable for a year, so every answer says so (Vary): otherwise a
        // store's caching proxy could keep the brotli bundle and hand it to a
        // browser that never asked for brotli. ServeDir (tower-http 0.6) sets
        // no Vary; the compression layer outside sets it only on what it
        // compresses itself.
        .fallback_service(SetResponseHeader::if_not_present(
            ServeDir::new(options.site_root.as_ref()).precompressed_br().precompressed_gzip().fallback(
                leptos_axum::file_and_error_handler_with_context(share_page_scripts, {
                    let files = PageSource::new(&options, site);
                    move |options| shell(options, files.current())
                })
                .with_state(options.clone()),
            ),
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        ))
        .with_state(options)
        .layer(middleware::from_fn(move |request: Request, next: Next| shop_gate(demo_shop, request, next)))
}

/// A page's Content Security Policy names the nonce Leptos put on this
/// response's inline scripts: hand it to the header layer.
fn share_page_scripts() {
    if let Some(nonce) = leptos::nonce::use_nonce() {
        ResponseHints::set_page_scripts(PageScripts::Nonce(nonce.to_string()));
    }
}

/// The sign-in page: a plain form that works the moment it is painted, so
/// it loads no wasm and runs no script at all (its policy says so). An app
/// page would end with hydration's inline scripts, so it is rendered here,
/// outside Leptos's routes.
async fn sign_in_page(seller: SellerPortRef, stylesheet: String, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    if let Some(hints) = parts.extensions.get::<ResponseHints>() {
        hints.record(PageScripts::None);
    }
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes()).into_owned().collect();
    let owner = Owner::new();
    let html = owner.with(|| {
        provide_context(parts);
        provide_context(seller);
        app::sign_in_document(&stylesheet, &query)
    });
    Html(html).into_response()
}

/// The demo shop's pages exist only when `web_checkout.demo_shop` is on.
async fn shop_gate(enabled: bool, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !enabled && (path == "/shop" || path.starts_with("/shop/")) {
        return StatusCode::NOT_FOUND.into_response();
    }
    next.run(request).await
}
