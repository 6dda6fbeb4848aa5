//! The app's [`PaymentBackend`], served by the payment service. The seller
//! view works for the first configured store until sign-in picks the store.

use crate::checkout;
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

    fn web_shop(&self) -> Option<StoreSummary> {
        let web = &self.config().web_checkout;
        let store = self.config().store(&web.store).filter(|_| web.demo_shop)?;
        Some(StoreSummary {
            id: store.id.clone(),
            name: store.name.clone(),
            currency: store.currency,
            language: store.locale.language(),
        })
    }

    fn start_shop_payment(&self, attempt_key: String, cart: CartInput) -> BoxFuture<'_, Result<PaymentView, AppError>> {
        Box::pin(async move {
            let config = self.config();
            let store = self.web_shop().and_then(|s| config.store(&s.id)).ok_or(AppError::NotFound)?;
            let return_urls = checkout::merchant_urls(
                &config.public_url,
                &store.id,
                &attempt_key,
                store.place_order_mode,
                config.web_checkout.leave_button,
                None,
            );
            let request = StartRequest {
                store_id: &store.id,
                origin: Origin::Web,
                attempt_key: &attempt_key,
                cart_ref: None,
                cart: &cart,
                return_urls: Some(return_urls),
            };
            Ok(self.start(request).await?.view)
        })
    }

    fn shop_payment(&self, id: String) -> BoxFuture<'_, Result<PaymentView, AppError>> {
        Box::pin(async move {
            let store = self.web_shop().ok_or(AppError::NotFound)?;
            let stored = self.storage().get(&id).await.map_err(PaymentError::from)?;
            // Only the shop's own web payments: never a till's or an API shop's.
            let ours = stored.filter(|p| {
                p.store_id == store.id
                    && p.origin == Origin::Web.as_str()
                    && p.return_urls_json.as_deref().is_some_and(|urls| !urls.contains("&to="))
            });
            match ours {
                Some(payment) => Ok(self.view(&payment)),
                None => Err(AppError::NotFound),
            }
        })
    }
}
