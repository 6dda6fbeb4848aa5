//! Kassa's user interface, rendered on the server and hydrated in the
//! browser. Pages call server functions ([`server_fns`]), which check their
//! input and hand over to the ports (`ports`, server build only) the server
//! provides as context, so the app never imports the server crate.

#![recursion_limit = "256"]

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

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, Lazy, SsrMode,
};

pub use document::{shell, PageFiles};
pub use error::AppError;
pub use pages::SIGN_IN_PATH;
#[cfg(feature = "ssr")]
pub use pages::{shop_document, shop_result_document, sign_in_document};

/// The lazily loaded view (by the name its chunks carry) a path of the
/// routes below shows: a page starts fetching that view's code together
/// with the bundle, not once the bundle has found out it needs it.
pub fn lazy_view_at(path: &str) -> Option<&'static str> {
    match path {
        "/seller" => Some("till"),
        "/seller/payments" => Some("payments"),
        "/kiosk" => Some("kiosk"),
        _ => None,
    }
}

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
                <Route path=path!("/seller") view={Lazy::<pages::TillRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/seller/payments") view={Lazy::<pages::PaymentsRoute>::new()} ssr=SsrMode::Async/>
                // Served by the server itself as a page that runs no script
                // (`pages::SignIn`); here for links and redirects in the app.
                <Route path=path!("/seller/sign-in") view=pages::SignIn/>
                <Route path=path!("/kiosk") view={Lazy::<pages::KioskRoute>::new()}/>
            </Routes>
        </Router>
    }
}
