//! The associate's server functions: sign-in, the till and today's payments.
//! All but sign-in act for the session of the request's cookie.

#[cfg(feature = "ssr")]
use super::{
    check_attempt_key,
    language::chosen_lang,
    request::{continue_to, seller, seller_port, session_token, set_cookie},
};
#[cfg(feature = "ssr")]
use crate::model::SignInChoices;
use crate::model::{LinkRecipient, PaymentView, RefundInput, RefundSheet, SellerSession, StoreSummary, TodaysList};
use crate::AppError;
use domain::{CartInput, RefundView};
use leptos::prelude::*;

/// The stores, in this device's language or else the first store's. Not a
/// server function: only the server renders the sign-in page.
#[cfg(feature = "ssr")]
pub fn sign_in_choices() -> Result<SignInChoices, AppError> {
    let stores = seller_port()?.sign_in_stores();
    let lang = chosen_lang().or(stores.first().map(|s| s.lang)).unwrap_or_default();
    Ok(SignInChoices { stores, lang })
}

#[server]
pub async fn sign_in(store: String, name: String, password: String) -> Result<SellerSession, AppError> {
    let (session, cookie) = seller_port()?.sign_in(store, name, password).await?;
    set_cookie(&cookie);
    // Signed in by a plain form post: on to the till.
    continue_to("/seller");
    Ok(session)
}

#[server]
pub async fn sign_out() -> Result<(), AppError> {
    let cookie = seller_port()?.sign_out(session_token()).await?;
    set_cookie(&cookie);
    // Signed out by a plain form post: on to the sign-in.
    continue_to("/seller/sign-in");
    Ok(())
}

#[server]
pub async fn seller_store() -> Result<StoreSummary, AppError> {
    let (port, session) = seller().await?;
    let mut store = port.seller_store(&session)?;
    store.lang = chosen_lang().unwrap_or(store.lang);
    Ok(store)
}

#[server]
pub async fn start_payment(attempt_key: String, cart: CartInput) -> Result<PaymentView, AppError> {
    check_attempt_key(&attempt_key)?;
    let (port, session) = seller().await?;
    port.start_seller_payment(session, attempt_key, cart).await
}

#[server]
pub async fn get_payment(id: String) -> Result<PaymentView, AppError> {
    let (port, session) = seller().await?;
    port.seller_payment(session, id).await
}

#[server]
pub async fn cancel_payment(id: String) -> Result<PaymentView, AppError> {
    let (port, session) = seller().await?;
    port.cancel_seller_payment(session, id).await
}

#[server]
pub async fn todays_payments() -> Result<TodaysList, AppError> {
    let (port, session) = seller().await?;
    port.todays_payments(session).await
}

#[server]
pub async fn send_link(id: String, to: LinkRecipient) -> Result<(), AppError> {
    let (port, session) = seller().await?;
    port.send_link(session, id, to).await
}

#[server]
pub async fn regenerate_payment(id: String, attempt_key: String) -> Result<PaymentView, AppError> {
    check_attempt_key(&attempt_key)?;
    let (port, session) = seller().await?;
    port.regenerate_payment(session, id, attempt_key).await
}

#[server]
pub async fn find_payments(text: String) -> Result<Vec<PaymentView>, AppError> {
    let (port, session) = seller().await?;
    port.find_payments(session, text).await
}

#[server]
pub async fn payment_refunds(id: String) -> Result<RefundSheet, AppError> {
    let (port, session) = seller().await?;
    port.refund_sheet(session, id).await
}

#[server]
pub async fn refund_payment(id: String, ask: RefundInput) -> Result<RefundView, AppError> {
    check_attempt_key(&ask.key)?;
    let (port, session) = seller().await?;
    port.refund_payment(session, id, ask).await
}
