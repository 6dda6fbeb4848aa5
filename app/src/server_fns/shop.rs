//! The demo web shop's server functions. The browser sends only quantities;
//! prices come from the catalogue on the server.

#[cfg(feature = "ssr")]
use super::{check_attempt_key, request::shop_port};
use crate::model::{PaymentView, StoreSummary};
use crate::shop::ShopPaymentView;
use crate::AppError;
use leptos::prelude::*;

/// The store the demo shop sells for; `NotFound` when the shop is off.
#[server]
pub async fn shop_store() -> Result<StoreSummary, AppError> {
    shop_port()?.web_shop().ok_or(AppError::NotFound)
}

/// Starts (or returns, for the same attempt key) the payment for a cart and
/// answers with its `redirect_url`.
#[server]
pub async fn start_shop_payment(attempt_key: String, quantities: Vec<u32>) -> Result<PaymentView, AppError> {
    check_attempt_key(&attempt_key)?;
    let cart = crate::shop::cart_for(&quantities).map_err(AppError::Invalid)?;
    shop_port()?.start_shop_payment(attempt_key, cart).await
}

/// A demo shop payment as the server knows it now.
#[server]
pub async fn shop_payment(id: String) -> Result<ShopPaymentView, AppError> {
    let port = shop_port()?;
    let store = port.web_shop().ok_or(AppError::NotFound)?;
    let payment = port.shop_payment(id).await?;
    Ok(ShopPaymentView { payment, language: store.money_language })
}
