//! The kiosk screen's server functions. Each hands the request's kiosk
//! cookie to the `crate::ports::KioskPort`, which checks it.

use crate::kiosk::{KioskView, ResetReason};
use crate::AppError;
use leptos::prelude::*;

/// Runs one call for the kiosk whose cookie came with the request (a refused
/// one answers 403: see the server's `http::server_fns`).
#[cfg(feature = "ssr")]
async fn for_device<F>(call: F) -> Result<KioskView, AppError>
where
    F: for<'a> FnOnce(
        &'a dyn crate::ports::KioskPort,
        Option<String>,
    ) -> crate::ports::BoxFuture<'a, Result<KioskView, AppError>>,
{
    let port = use_context::<crate::ports::KioskPortRef>()
        .ok_or_else(|| AppError::other("the kiosk port is not available"))?;
    let headers: http::HeaderMap =
        leptos_axum::extract().await.map_err(|e| AppError::other(format!("cannot read the request: {e}")))?;
    let device = crate::cookies::request_cookie(&headers, crate::cookies::KIOSK_COOKIE).map(str::to_string);
    call(&*port, device).await
}

#[server(prefix = "/kiosk/fn")]
pub async fn kiosk_state() -> Result<KioskView, AppError> {
    for_device(|port, device| port.kiosk_state(device)).await
}

#[server(prefix = "/kiosk/fn")]
pub async fn kiosk_demo_basket() -> Result<KioskView, AppError> {
    for_device(|port, device| port.kiosk_demo_basket(device)).await
}

#[server(prefix = "/kiosk/fn")]
pub async fn kiosk_pay() -> Result<KioskView, AppError> {
    for_device(|port, device| port.kiosk_pay(device)).await
}

#[server(prefix = "/kiosk/fn")]
pub async fn kiosk_try_again() -> Result<KioskView, AppError> {
    for_device(|port, device| port.kiosk_try_again(device)).await
}

#[server(prefix = "/kiosk/fn")]
pub async fn kiosk_reset(session: u64, reason: ResetReason) -> Result<KioskView, AppError> {
    for_device(move |port, device| port.kiosk_reset(device, session, reason)).await
}
