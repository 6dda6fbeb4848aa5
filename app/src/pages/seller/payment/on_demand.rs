//! The till's code for a sale under way, in wasm chunks of their own: the
//! server-function client that starts a payment, the payment panel and the
//! wording of a refusal. A till opened for the day downloads only the cart
//! form; this code loads once the associate starts typing a cart
//! ([`preload`]), or at the latest on Start payment ([`sale_code`]).
//!
//! One split point hands out all three as plain function pointers: a
//! payment or a refusal is only ever shown after this code started the
//! payment, so neither waits for a load of its own (and each further split
//! point would multiply the small chunks wasm-split makes of the code the
//! islands share; this one already costs the kiosk about 5 KB that way).
//! Split with `fallible`, unlike Leptos's `#[lazy]`: code that fails to
//! arrive over store Wi-Fi is an error the till shows, and the next tap
//! loads it again, not a panic that would stop the whole island.

use super::PaymentPanel;
use crate::browser::new_attempt_key;
use crate::components::MaybeProblem;
use crate::model::{PaymentView, StoreSummary};
use crate::AppError;
use domain::CartInput;
use leptos::prelude::*;
use leptos::wasm_split::{wasm_split, SplitLoaderError};
use std::future::Future;
use std::pin::Pin;

type Starting = Pin<Box<dyn Future<Output = Result<PaymentView, AppError>> + Send>>;
type Panel = fn(RwSignal<Option<PaymentView>>, StoreSummary, RwSignal<bool>, Callback<()>) -> AnyView;

/// The sale's code, once loaded.
#[derive(Clone, Copy)]
pub struct SaleCode {
    start: fn(String, CartInput) -> Starting,
    panel: Panel,
    problem: fn(RwSignal<Option<AppError>>) -> AnyView,
}

impl SaleCode {
    /// Asks the server to start (or, for the same key, return) the cart's payment.
    pub fn start(self, key: String, cart: CartInput) -> Starting {
        (self.start)(key, cart)
    }

    /// The payment beside the cart, following its live status while it is open.
    pub fn panel(
        self,
        payment: RwSignal<Option<PaymentView>>,
        store: StoreSummary,
        connected: RwSignal<bool>,
        new_sale: Callback<()>,
    ) -> AnyView {
        (self.panel)(payment, store, connected, new_sale)
    }

    /// Why the last start failed, while there is a reason, in the screen's language.
    pub fn problem(self, problem: RwSignal<Option<AppError>>) -> AnyView {
        (self.problem)(problem)
    }
}

/// The code did not arrive: to the associate, Kassa could not be reached.
impl From<SplitLoaderError> for AppError {
    fn from(_: SplitLoaderError) -> AppError {
        AppError::Transport("the till's payment code did not load".into())
    }
}

#[wasm_split(till_sale, wasm_split_path = ::leptos::wasm_split, preload(preload_sale), fallible)]
fn load_sale_code() -> Result<SaleCode, AppError> {
    Ok(SaleCode {
        start: |key, cart| Box::pin(crate::server_fns::seller::start_payment(key, cart)),
        panel,
        problem: |problem| view! { <MaybeProblem error=problem/> }.into_any(),
    })
}

/// The sale's code, loaded on the first call (a failed load is tried again
/// on the next).
pub async fn sale_code() -> Result<SaleCode, AppError> {
    load_sale_code().await
}

fn panel(
    payment: RwSignal<Option<PaymentView>>,
    store: StoreSummary,
    connected: RwSignal<bool>,
    new_sale: Callback<()>,
) -> AnyView {
    super::super::live::follow_while_open(payment, connected);
    let new_sale = move |_| new_sale.run(());
    view! { <PaymentPanel payment store connected new_attempt_key new_sale/> }.into_any()
}

/// Starts fetching the code, so it is there by the time the associate taps
/// Start payment. A failure here is only logged: the tap loads it again.
pub fn preload() {
    leptos::task::spawn_local(async {
        if preload_sale().await.is_err() {
            leptos::logging::warn!("the till's payment code did not load yet; Start payment will try again");
        }
    });
}
