//! The app's [`PaymentBackend`], served by the payment service. The seller
//! view works for the first configured store until sign-in picks the store.

use crate::payments::{klarna_advice, Origin, PaymentError, PaymentService, StartRequest};
use app::backend::{BoxFuture, PaymentBackend};
use app::model::{PaymentView, StoreSummary};
use app::AppError;
use domain::CartInput;

impl PaymentService {
    pub(crate) fn seller_store_id(&self) -> &str {
        &self.config().stores[0].id
    }
}

impl From<PaymentError> for AppError {
    fn from(error: PaymentError) -> AppError {
        match error {
            PaymentError::Invalid(errors) => AppError::Invalid(errors),
            PaymentError::NotFound => AppError::NotFound,
            PaymentError::Klarna(error) => {
                let (message, retry_later) = klarna_advice(&error);
                AppError::Klarna { message, retry_later }
            }
            PaymentError::KeyReused => {
                AppError::Internal("This cart changed while it was being started. Press Start payment again.".into())
            }
            PaymentError::Conflict(message) => AppError::Conflict(message),
            PaymentError::Storage(error) => {
                tracing::error!(%error, "storage failed");
                AppError::Internal("Kassa could not save the payment. Try again in a moment.".into())
            }
            PaymentError::UnknownStore(store) => {
                tracing::error!(%store, "seller view asked for an unknown store");
                AppError::Internal("This till's store is not configured. Ask an administrator.".into())
            }
        }
    }
}

impl PaymentBackend for PaymentService {
    fn seller_store(&self) -> StoreSummary {
        let store = &self.config().stores[0];
        StoreSummary {
            id: store.id.clone(),
            name: store.name.clone(),
            currency: store.currency,
            language: store.locale.language(),
        }
    }

    fn start_seller_payment(
        &self,
        attempt_key: String,
        cart: CartInput,
    ) -> BoxFuture<'_, Result<PaymentView, AppError>> {
        Box::pin(async move {
            let request = StartRequest {
                store_id: self.seller_store_id(),
                origin: Origin::Seller,
                attempt_key: &attempt_key,
                cart_ref: None,
                cart: &cart,
                return_urls: None,
            };
            Ok(self.start(request).await?.view)
        })
    }

    fn seller_payment(&self, id: String) -> BoxFuture<'_, Result<PaymentView, AppError>> {
        Box::pin(async move { Ok(self.get(self.seller_store_id(), &id).await?) })
    }

    fn cancel_seller_payment(&self, id: String) -> BoxFuture<'_, Result<PaymentView, AppError>> {
        Box::pin(async move { Ok(self.cancel(self.seller_store_id(), &id).await?) })
    }
}
