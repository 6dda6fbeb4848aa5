//! The demo web shop's server function: its result pages read the payment.
//! (The cart page is a plain form the server answers itself.)

#[cfg(feature = "ssr")]
use super::request::shop_port;
use crate::shop::ShopPaymentView;
use crate::AppError;
use leptos::prelude::*;

/// A demo shop payment as the server knows it now.
#[server]
pub async fn shop_payment(id: String) -> Result<ShopPaymentView, AppError> {
    let port = shop_port()?;
    let store = port.web_shop().ok_or(AppError::NotFound)?;
    let payment = port.shop_payment(id).await?;
    Ok(ShopPaymentView { payment, language: store.money_language })
}
