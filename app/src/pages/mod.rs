#[cfg(any(feature = "ssr", feature = "kiosk"))]
pub mod kiosk;
#[cfg(any(feature = "ssr", feature = "seller"))]
pub mod seller;
pub mod shop;

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

/// Where the associate signs in: a whole document the server renders
/// itself ([`seller::sign_in_document`]), which runs no script.
pub const SIGN_IN_PATH: &str = "/seller/sign-in";

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
