//! The associate's screens: sign-in, the till (build a cart, start the
//! payment, hand the link to the shopper through the Distribution Module or
//! QR, SMS, e-mail, and watch it get paid) and today's payments.

mod cart;
mod line_fields;
mod list;
mod live;
mod payment;
mod refund;
#[cfg(feature = "ssr")]
mod screen;
#[cfg(feature = "ssr")]
mod sign_in;
mod sign_out;
mod till;

#[cfg(feature = "ssr")]
pub use list::PaymentsPage;
#[cfg(feature = "ssr")]
pub use sign_in::sign_in_document;
#[cfg(feature = "ssr")]
pub use till::SellerPage;

use crate::i18n::{tr, use_lang, Word};
use crate::model::PaymentView;
use crate::server_fns::seller::{cancel_payment, SellerStore};
use crate::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// A live stream was refused: if that is because the session ended (signed
/// out on another tab, a new password, the session expired), go to sign-in
/// rather than show a screen that will never update.
fn sign_in_again_if_signed_out() {
    crate::browser::load_page_if_answered(SellerStore::PATH, 401, "/seller/sign-in");
}

/// Cancels a payment at Klarna (its link stops working). The payment as the
/// server answers goes to `on_cancelled`, a failure to `problem`.
fn cancel_action(
    problem: RwSignal<Option<AppError>>,
    on_cancelled: impl Fn(PaymentView) + Send + Sync + 'static,
) -> Action<String, Result<PaymentView, AppError>> {
    let cancel = Action::new(move |id: &String| {
        let id = id.clone();
        async move { cancel_payment(id).await }
    });
    Effect::new(move |_| match cancel.value().get() {
        Some(Ok(view)) => on_cancelled(view),
        Some(Err(error)) => problem.set(Some(error)),
        None => {}
    });
    cancel
}

/// A payment's Klarna reference and order id, as rows of a `<dl>`.
#[component]
fn ReferenceRows(payment: PaymentView) -> impl IntoView {
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    view! {
        <dt>{move || t(Word::KlarnaReference)}</dt>
        <dd>{payment.klarna_reference.clone().unwrap_or_else(|| "–".into())}</dd>
        <dt>{move || t(Word::OrderId)}</dt>
        <dd>{payment.order_id.clone().unwrap_or_else(|| "–".into())}</dd>
    }
}
