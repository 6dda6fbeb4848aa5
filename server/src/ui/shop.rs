//! The demo web shop's port: web checkouts whose result pages are Kassa's.

use super::{summary, Ports};
use crate::config::{Config, StoreConfig};
use crate::payments::web::returns_to_shop;
use crate::payments::{PaymentError, StartRequest};
use app::model::{PaymentView, StoreSummary};
use app::ports::{BoxFuture, ShopPort};
use app::AppError;
use domain::{CartInput, Door};

impl ShopPort for Ports {
    fn web_shop(&self) -> Option<StoreSummary> {
        let config = self.0.payments.config();
        demo_shop(&config).map(|store| summary(store, "", Vec::new()))
    }

    fn start_shop_payment(&self, attempt_key: String, cart: CartInput) -> BoxFuture<'_, Result<PaymentView, AppError>> {
        Box::pin(async move {
            let config = self.0.payments.config();
            let store = demo_shop(&config).ok_or(AppError::NotFound)?;
            let request = StartRequest::web(&config, store, &attempt_key, None, &cart, None);
            Ok(self.0.payments.start(request).await?.view)
        })
    }

    fn shop_payment(&self, id: String) -> BoxFuture<'_, Result<PaymentView, AppError>> {
        Box::pin(async move {
            let config = self.0.payments.config();
            let store = demo_shop(&config).ok_or(AppError::NotFound)?;
            let stored = self.0.payments.storage().get(&id).await.map_err(PaymentError::from)?;
            // Only the demo shop's own web payments: never a till's, nor an
            // API shop's (those return to the shop's own pages).
            let ours = stored.filter(|p| {
                p.store_id == store.id
                    && p.door == Door::Web
                    && p.return_urls.as_ref().is_some_and(|urls| !returns_to_shop(urls))
            });
            match ours {
                Some(payment) => Ok(self.0.payments.view(&payment)),
                None => Err(AppError::NotFound),
            }
        })
    }
}

/// The store the demo web shop sells for, when the shop is on.
fn demo_shop(config: &Config) -> Option<&StoreConfig> {
    let web = &config.web_checkout;
    config.store(&web.store).filter(|_| web.demo_shop)
}
