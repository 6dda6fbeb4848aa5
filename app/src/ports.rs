//! The seams between the UI and the server: the server implements these
//! traits and provides them as context, so the app never imports the server
//! crate. Server functions check their input, then call one of these. No
//! HTTP types cross: a session comes in as its token, and a cookie to set
//! goes out as a [`CookieChange`].

use crate::cookies::CookieChange;
use crate::kiosk::{KioskView, ResetReason};
use crate::model::{
    LinkRecipient, PaymentView, RefundInput, RefundSheet, SellerSession, StoreChoice, StoreSummary, TodaysList,
};
use crate::AppError;
use domain::{CartInput, RefundView};
use std::{future::Future, pin::Pin, sync::Arc};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the seller views ask of the server. Calls after sign-in carry the
/// session of the request's cookie; the store comes from it, never from
/// the page.
pub trait SellerPort: Send + Sync + 'static {
    /// The stores an associate can sign in to.
    fn sign_in_stores(&self) -> Vec<StoreChoice>;

    /// Checks the associate's password; returns the session and the cookie
    /// that keeps it in this browser.
    fn sign_in(
        &self,
        store_id: String,
        name: String,
        password: String,
    ) -> BoxFuture<'_, Result<(SellerSession, CookieChange), AppError>>;

    /// Ends the session of `token` (the request's session cookie, if any);
    /// returns the cookie change that clears it.
    fn sign_out(&self, token: Option<String>) -> BoxFuture<'_, Result<CookieChange, AppError>>;

    /// The session `token` belongs to, or `SignInRequired`.
    fn seller_session(&self, token: Option<String>) -> BoxFuture<'_, Result<SellerSession, AppError>>;

    /// The store this seller screen works for.
    fn seller_store(&self, session: &SellerSession) -> Result<StoreSummary, AppError>;

    /// Starts a payment for the cart, or returns the one this `attempt_key`
    /// already started.
    fn start_seller_payment(
        &self,
        session: SellerSession,
        attempt_key: String,
        cart: CartInput,
    ) -> BoxFuture<'_, Result<PaymentView, AppError>>;

    /// The payment as the server knows it now.
    fn seller_payment(&self, session: SellerSession, id: String) -> BoxFuture<'_, Result<PaymentView, AppError>>;

    /// Withdraws the payment at Klarna (its link stops working), then marks
    /// it so. Refused when the shopper has already paid.
    fn cancel_seller_payment(&self, session: SellerSession, id: String)
        -> BoxFuture<'_, Result<PaymentView, AppError>>;

    /// Today's payments of the seller's store: open ones first, then newest.
    fn todays_payments(&self, session: SellerSession) -> BoxFuture<'_, Result<TodaysList, AppError>>;

    /// Has Klarna send the payment link by SMS or e-mail.
    fn send_link(&self, session: SellerSession, id: String, to: LinkRecipient) -> BoxFuture<'_, Result<(), AppError>>;

    /// Withdraws the payment's link and starts a new payment for the same
    /// cart under `attempt_key`.
    fn regenerate_payment(
        &self,
        session: SellerSession,
        id: String,
        attempt_key: String,
    ) -> BoxFuture<'_, Result<PaymentView, AppError>>;

    /// The store's payments of any day with this Klarna reference or id,
    /// or this amount as typed in the store's money: newest first.
    fn find_payments(&self, session: SellerSession, text: String) -> BoxFuture<'_, Result<Vec<PaymentView>, AppError>>;

    /// What a paid payment may still give back, and its refunds so far.
    fn refund_sheet(&self, session: SellerSession, id: String) -> BoxFuture<'_, Result<RefundSheet, AppError>>;

    /// Refunds an amount (minor units) or items of a paid payment, or
    /// answers the refund `key` already made; asked for by the associate.
    fn refund_payment(
        &self,
        session: SellerSession,
        id: String,
        ask: RefundInput,
    ) -> BoxFuture<'_, Result<RefundView, AppError>>;
}

/// What the demo web shop asks of the server.
pub trait ShopPort: Send + Sync + 'static {
    /// The store the demo web shop sells for, or `None` when the shop is off.
    fn web_shop(&self) -> Option<StoreSummary>;

    /// Starts a web checkout (Klarna's ECOMMERCE channel) whose result pages
    /// are Kassa's, or returns the one this `attempt_key` already started.
    fn start_shop_payment(&self, attempt_key: String, cart: CartInput) -> BoxFuture<'_, Result<PaymentView, AppError>>;

    /// A demo shop payment as the server knows it now; `NotFound` for any
    /// other kind of payment.
    fn shop_payment(&self, id: String) -> BoxFuture<'_, Result<PaymentView, AppError>>;
}

/// What the kiosk screen asks of the server. `device` is the kiosk cookie's
/// value as sent; the server checks it.
pub trait KioskPort: Send + Sync + 'static {
    fn kiosk_state(&self, device: Option<String>) -> BoxFuture<'_, Result<KioskView, AppError>>;
    /// Fills the cart with a fixed basket; refused unless on the simulator.
    fn kiosk_demo_basket(&self, device: Option<String>) -> BoxFuture<'_, Result<KioskView, AppError>>;
    /// Starts the payment for the current cart, or returns the one it has.
    fn kiosk_pay(&self, device: Option<String>) -> BoxFuture<'_, Result<KioskView, AppError>>;
    /// Disables the current unpaid payment and starts a new one for the cart.
    fn kiosk_try_again(&self, device: Option<String>) -> BoxFuture<'_, Result<KioskView, AppError>>;
    /// Forgets the shopper of `session` (a no-op once a newer session began)
    /// and disables an unpaid payment at Klarna.
    fn kiosk_reset(
        &self,
        device: Option<String>,
        session: u64,
        reason: ResetReason,
    ) -> BoxFuture<'_, Result<KioskView, AppError>>;
}

/// The context values server functions read.
pub type SellerPortRef = Arc<dyn SellerPort>;
pub type ShopPortRef = Arc<dyn ShopPort>;
pub type KioskPortRef = Arc<dyn KioskPort>;
