//! Kassa's user interface, rendered on the server. Only each screen's live
//! part is an island (the till, today's payments, the kiosk) that the
//! browser hydrates, from the bundle of its screens (features `seller`,
//! `kiosk`); the rest (the route table, the page around an island, its data
//! loading) never reaches the browser. Pages call server functions ([`server_fns`]), which check their
//! input and hand over to the ports (`ports`, server build only) the server
//! provides as context, so the app never imports the server crate.

#![recursion_limit = "256"]
// A browser bundle of some screens (features `seller`, `kiosk`) leaves the
// helpers only the other screens use idle. The server build has every
// screen, and so does the wasm check of both bundles at once: those still
// report real dead code.
#![cfg_attr(not(any(feature = "ssr", all(feature = "seller", feature = "kiosk"))), allow(dead_code, unused_imports))]

mod browser;
mod components;
pub mod cookies;
mod document;
pub mod error;
pub mod i18n;
pub mod kiosk;
pub mod model;
mod pages;
#[cfg(feature = "ssr")]
pub mod ports;
#[cfg(feature = "ssr")]
pub mod response_hints;
pub mod server_fns;
pub mod shop;

#[cfg(feature = "ssr")]
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos_meta::{provide_meta_context, Title};
#[cfg(feature = "ssr")]
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

#[cfg(feature = "ssr")]
pub use document::shell;
pub use document::{Bundle, PageFiles};
pub use error::AppError;
pub use pages::SIGN_IN_PATH;
#[cfg(feature = "ssr")]
pub use pages::{shop_document, shop_result_document, sign_in_document};

/// The routes, rendered on the server only: a browser bundle carries
/// islands, not pages.
#[cfg(feature = "ssr")]
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Kassa"/>
        <Router>
            <Routes fallback=pages::NotFound>
                <Route path=path!("/") view=pages::Home/>
                // Async: the whole page is rendered before the first byte, so
                // "sign in first" can be a real 302, not only a client redirect.
                <Route path=path!("/seller") view=pages::seller::SellerPage ssr=SsrMode::Async/>
                <Route path=path!("/seller/payments") view=pages::seller::PaymentsPage ssr=SsrMode::Async/>
                // Async too: an island streamed in after the page's first paint would
                // be missed by the start script, which hydrates the islands it finds then.
                <Route path=path!("/kiosk") view=pages::kiosk::KioskPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}

/// A bundle's start: the page's start script calls it, then each island's
/// own function. Exported from here for both bundles (`frontend`,
/// `kiosk-frontend`), which only link this crate.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
