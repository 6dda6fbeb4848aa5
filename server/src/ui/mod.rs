//! The app's ports, implemented over the services: the seller view's, the
//! demo shop's and the kiosk screen's. Here domain
//! types become view models and service errors become [`AppError`].

mod kiosk;
pub mod pages;
mod seller;
mod shop;
mod shop_page;
mod shop_result;
pub mod site;

use crate::config::StoreConfig;
use crate::kiosks::KioskError;
use crate::payments::{klarna_advice, PaymentError};
use crate::state::AppState;
use app::i18n::Lang;
use app::model::StoreSummary;
use app::AppError;
use domain::Problem;

/// What the Leptos server functions reach: Kassa's services.
#[derive(Clone)]
pub struct Ports(pub AppState);

/// A store as a screen shows it; `associate` is empty where nobody signs in.
fn summary(store: &StoreConfig, associate: &str, channels: Vec<domain::LinkChannel>) -> StoreSummary {
    StoreSummary {
        id: store.id.clone(),
        name: store.name.clone(),
        associate: associate.to_string(),
        currency: store.currency,
        money_language: store.locale.language(),
        lang: Lang::from_code(store.locale.as_str()).unwrap_or_default(),
        channels,
        country: store.country.code().to_string(),
    }
}

impl From<PaymentError> for AppError {
    fn from(error: PaymentError) -> AppError {
        match error {
            PaymentError::Invalid(errors) => AppError::Invalid(errors),
            PaymentError::NotFound => AppError::NotFound,
            PaymentError::Klarna(error) => AppError::Failed(klarna_advice(&error)),
            PaymentError::KeyReused | PaymentError::CartRefInUse => AppError::Failed(Problem::CartChanged),
            PaymentError::Conflict(problem) => AppError::Failed(problem),
            PaymentError::NotWithdrawn(_) => AppError::Failed(Problem::LinkStillLive),
            PaymentError::Storage(error) => AppError::Internal { error_id: crate::incident::log_internal(&error) },
            PaymentError::UnknownStore(store) => {
                tracing::error!(%store, "seller view asked for an unknown store");
                AppError::Failed(Problem::StoreNotConfigured)
            }
        }
    }
}

impl From<KioskError> for AppError {
    fn from(error: KioskError) -> AppError {
        match error {
            KioskError::Forbidden | KioskError::WrongStore(_) | KioskError::UnknownKiosk(_) => {
                AppError::Forbidden(KioskError::Forbidden.to_string())
            }
            KioskError::Conflict(message) => AppError::other(message),
            KioskError::Payment(error) => error.into(),
        }
    }
}
