pub mod kiosk;
mod lazy;
pub mod seller;
pub mod shop;

pub use lazy::{KioskRoute, PaymentsRoute, TillRoute};
#[cfg(feature = "ssr")]
pub use seller::sign_in_document;
#[cfg(feature = "ssr")]
pub use shop::{shop_document, shop_result_document};

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Home() -> impl IntoView {
    view! {
        <Title text="Kassa"/>
        <main class="home">
            <h1>"Kassa"</h1>
            <p>"Take a Klarna payment on the shopper's own phone."</p>
            <nav aria-label="Views">
                <ul class="view-list">
                    <li>
                        <a href="/seller">"Seller view"</a>
                        " for store associates and telesales"
                    </li>
                </ul>
            </nav>
        </main>
    }
}

/// Where the associate signs in. The server answers this path itself with a
/// whole document that runs no script ([`seller::sign_in_document`]), so
/// the sign-in's code is not in the bundle; reached inside the app (a
/// redirect once a session ended), the page is loaded from the server.
pub const SIGN_IN_PATH: &str = "/seller/sign-in";

#[component]
pub fn SignIn() -> impl IntoView {
    #[cfg(not(feature = "ssr"))]
    crate::browser::replace_page(SIGN_IN_PATH);
    view! { <p>"…"</p> }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · Kassa"/>
        <main class="home">
            <h1>"Page not found"</h1>
            <p><a href="/">"Back to Kassa"</a></p>
        </main>
    }
}
