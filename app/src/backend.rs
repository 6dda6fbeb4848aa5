//! The seam between the UI and the server: the server implements
//! [`PaymentBackend`] and provides it as context, so the app never imports
//! the server crate.

use crate::model::{LinkRecipient, PaymentView, StoreSummary};
use crate::AppError;
use domain::CartInput;
use std::{future::Future, pin::Pin, sync::Arc};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the seller view asks of the server.
pub trait PaymentBackend: Send + Sync + 'static {
    /// The store this seller screen works for.
    fn seller_store(&self) -> StoreSummary;

    /// Starts a payment for the cart, or returns the one this `attempt_key`
    /// already started.
    fn start_seller_payment(
        &self,
        attempt_key: String,
        cart: CartInput,
    ) -> BoxFuture<'_, Result<PaymentView, AppError>>;

    /// The payment as the server knows it now.
    fn seller_payment(&self, id: String) -> BoxFuture<'_, Result<PaymentView, AppError>>;

    /// Withdraws the payment at Klarna (its link stops working), then marks
    /// it so. Refused when the shopper has already paid.
    fn cancel_seller_payment(&self, id: String) -> BoxFuture<'_, Result<PaymentView, AppError>>;

    /// Today's payments of the seller's store: open ones first, then newest.
    fn todays_payments(&self) -> BoxFuture<'_, Result<Vec<PaymentView>, AppError>>;

    /// Has Klarna send the payment link by SMS or e-mail.
    fn send_link(&self, id: String, to: LinkRecipient) -> BoxFuture<'_, Result<(), AppError>>;

    /// Withdraws the payment's link and starts a new payment for the same
    /// cart under `attempt_key`.
    fn regenerate_payment(&self, id: String, attempt_key: String) -> BoxFuture<'_, Result<PaymentView, AppError>>;
    /// The store the demo web shop sells for, or `None` when the shop is off.
    fn web_shop(&self) -> Option<StoreSummary>;

    /// Starts a web checkout (Klarna's ECOMMERCE channel) whose result pages
    /// are Kassa's, or returns the one this `attempt_key` already started.
    fn start_shop_payment(&self, attempt_key: String, cart: CartInput) -> BoxFuture<'_, Result<PaymentView, AppError>>;

    /// A demo shop payment as the server knows it now; `NotFound` for any
    /// other kind of payment.
    fn shop_payment(&self, id: String) -> BoxFuture<'_, Result<PaymentView, AppError>>;
}

/// The context value server functions read.
pub type Backend = Arc<dyn PaymentBackend>;

/// The backend provided by the server; a missing one is a wiring bug.
pub fn backend() -> Result<Backend, AppError> {
    leptos::prelude::use_context::<Backend>()
        .ok_or_else(|| AppError::Internal("the payment backend is not available".into()))
}
