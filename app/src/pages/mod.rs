pub mod kiosk;
mod lazy;
pub mod seller;
pub mod shop;

pub use lazy::{KioskRoute, PaymentsRoute, ShopResultRoute, ShopRoute, SignInRoute, TillRoute};

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
