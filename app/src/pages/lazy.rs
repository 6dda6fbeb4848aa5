//! Each view as a lazily loaded route: with `cargo leptos --split` its code
//! is a wasm chunk of its own, so a page loads what it shows and what every
//! page shares, not the other views. (Without `--split` they are ordinary
//! routes.) Each view's data is loaded by the view itself: on a first load
//! it arrives with the page, so nothing waits on the chunk.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

macro_rules! lazy_view {
    ($(#[$doc:meta])* $route:ident => $view:path) => {
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(this: Self) -> AnyView {
                let _ = this;
                $view().into_any()
            }
        }
    };
}

lazy_view!(
    /// The associate's sign-in.
    SignInRoute => super::seller::SignInPage
);
lazy_view!(
    /// The till.
    TillRoute => super::seller::SellerPage
);
lazy_view!(
    /// Today's payments.
    PaymentsRoute => super::seller::PaymentsPage
);
lazy_view!(
    /// The self-checkout kiosk's screen.
    KioskRoute => super::kiosk::KioskPage
);
lazy_view!(
    /// The demo web shop.
    ShopRoute => super::shop::ShopPage
);
lazy_view!(
    /// The web shop's page after Klarna.
    ShopResultRoute => super::shop::ResultPage
);
