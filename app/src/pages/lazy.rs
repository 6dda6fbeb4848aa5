//! Each view as a lazily loaded route: built with `cargo leptos --split`
//! (which every build needs), its code is a wasm chunk of its own, so a page
//! loads what it shows and what the views share, not the other views. Each
//! view loads its own data: on a first load it arrives with the page, so
//! nothing waits on the chunk.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

macro_rules! lazy_views {
    ($($(#[$doc:meta])* $route:ident => $view:path;)*) => {$(
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
    )*};
}

lazy_views! {
    /// The till.
    TillRoute => super::seller::SellerPage;
    /// Today's payments.
    PaymentsRoute => super::seller::PaymentsPage;
    /// The self-checkout kiosk's screen.
    KioskRoute => super::kiosk::KioskPage;
}
