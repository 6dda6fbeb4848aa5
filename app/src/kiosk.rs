//! What a self-checkout kiosk screen may know and do. The kiosk proves who
//! it is with an HttpOnly cookie set at enrolment; every server function here
//! hands that cookie to the [`KioskBackend`], which checks it.

use crate::model::PaymentView;
use crate::AppError;
use domain::{Cart, Currency};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The cookie holding `{kiosk id}.{device key}` (HttpOnly: page scripts never see it).
pub const KIOSK_COOKIE: &str = "kassa_kiosk";

/// One kiosk's screen state, as the server holds it. Only this kiosk's own
/// cart and payment: nothing of other kiosks or of earlier shoppers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KioskView {
    pub kiosk_id: String,
    pub store_name: String,
    pub currency: Currency,
    /// The current shopper's basket, from the self-checkout system.
    pub cart: Option<Cart>,
    pub payment: Option<PaymentView>,
    pub idle_seconds: u32,
    pub reset_after_paid_seconds: u32,
    /// Offer a demo basket (simulator mode only).
    pub demo_basket: bool,
    /// Bumped at every reset: a new shopper.
    pub session: u64,
    /// Bumped at every change, so a screen ignores an older view.
    pub revision: u64,
    /// New at every server start (revisions start again from 0).
    pub instance: String,
}

/// Why the screen forgets its shopper (for the log).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetReason {
    Cancel,
    Idle,
}

/// What the kiosk screen asks of the server. `device` is the raw cookie.
#[cfg(feature = "ssr")]
pub trait KioskBackend: Send + Sync + 'static {
    fn kiosk_state(&self, device: Option<String>) -> crate::backend::BoxFuture<'_, Result<KioskView, AppError>>;
    /// Fills the cart with a fixed basket; refused unless on the simulator.
    fn kiosk_demo_basket(&self, device: Option<String>) -> crate::backend::BoxFuture<'_, Result<KioskView, AppError>>;
    /// Starts the payment for the current cart, or returns the one it has.
    fn kiosk_pay(&self, device: Option<String>) -> crate::backend::BoxFuture<'_, Result<KioskView, AppError>>;
    /// Disables the current unpaid payment and starts a new one for the cart.
    fn kiosk_try_again(&self, device: Option<String>) -> crate::backend::BoxFuture<'_, Result<KioskView, AppError>>;
    /// Forgets the shopper of `session` (a no-op once a newer session began)
    /// and disables an unpaid payment at Klarna.
    fn kiosk_reset(
        &self,
        device: Option<String>,
        session: u64,
        reason: ResetReason,
    ) -> crate::backend::BoxFuture<'_, Result<KioskView, AppError>>;
}

#[cfg(feature = "ssr")]
pub type KioskBackendRef = std::sync::Arc<dyn KioskBackend>;

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|pair| pair.trim().split_once('=')).find(|(key, _)| *key == name).map(|(_, v)| v)
}

#[cfg(feature = "ssr")]
async fn kiosk() -> Result<(KioskBackendRef, Option<String>), AppError> {
    let backend =
        use_context::<KioskBackendRef>().ok_or_else(|| AppError::other("the kiosk backend is not available"))?;
    let headers: http::HeaderMap =
        leptos_axum::extract().await.map_err(|e| AppError::other(format!("cannot read the request: {e}")))?;
    let device = headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|header| cookie_value(header, KIOSK_COOKIE))
        .map(str::to_string);
    Ok((backend, device))
}

/// A refused kiosk call answers 403, not 500.
#[cfg(feature = "ssr")]
fn forbidden_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(AppError::Forbidden(_)) = &result {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::FORBIDDEN);
        }
    }
    result
}

#[server(prefix = "/kiosk/fn")]
pub async fn kiosk_state() -> Result<KioskView, AppError> {
    let (backend, device) = kiosk().await?;
    forbidden_status(backend.kiosk_state(device).await)
}

#[server(prefix = "/kiosk/fn")]
pub async fn kiosk_demo_basket() -> Result<KioskView, AppError> {
    let (backend, device) = kiosk().await?;
    forbidden_status(backend.kiosk_demo_basket(device).await)
}

#[server(prefix = "/kiosk/fn")]
pub async fn kiosk_pay() -> Result<KioskView, AppError> {
    let (backend, device) = kiosk().await?;
    forbidden_status(backend.kiosk_pay(device).await)
}

#[server(prefix = "/kiosk/fn")]
pub async fn kiosk_try_again() -> Result<KioskView, AppError> {
    let (backend, device) = kiosk().await?;
    forbidden_status(backend.kiosk_try_again(device).await)
}

#[server(prefix = "/kiosk/fn")]
pub async fn kiosk_reset(session: u64, reason: ResetReason) -> Result<KioskView, AppError> {
    let (backend, device) = kiosk().await?;
    forbidden_status(backend.kiosk_reset(device, session, reason).await)
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_a_cookie_among_others() {
        let header = "a=1; kassa_kiosk=kiosk-1.secret-key;b=2";
        assert_eq!(super::cookie_value(header, "kassa_kiosk"), Some("kiosk-1.secret-key"));
        assert_eq!(super::cookie_value(header, "kassa"), None);
        assert_eq!(super::cookie_value("", "kassa_kiosk"), None);
    }
}
