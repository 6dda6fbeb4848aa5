//! The app's [`PaymentBackend`], served by the payment service. Seller calls
//! work for the store the associate signed in to.

use crate::auth;
use crate::checkout;
use crate::payments::{klarna_advice, LinkTarget, Origin, PaymentError, PaymentService, StartRequest};
use app::backend::{BoxFuture, PaymentBackend};
use app::i18n::Lang;
use app::model::{LinkRecipient, PaymentView, SellerSession, StoreChoice, StoreSummary};
use app::problem::Problem;
use app::AppError;
use axum::http;
use domain::{CartInput, FieldErrors, FieldProblem};

impl PaymentService {
    /// The store summary a screen shows, for the signed-in associate.
    fn summary(&self, store: &crate::config::StoreConfig, associate: &str) -> StoreSummary {
        StoreSummary {
            id: store.id.clone(),
            name: store.name.clone(),
            associate: associate.to_string(),
            currency: store.currency,
            money_language: store.locale.language(),
            lang: Lang::from_code(store.locale.as_str()).unwrap_or_default(),
            channels: store.seller.channels.clone(),
            country: store.country.code().to_string(),
        }
    }

    /// Whether Kassa is reached over https (cookies then get `Secure`).
    fn https(&self) -> bool {
        self.config().public_url.starts_with("https://")
    }
}

impl From<PaymentError> for AppError {
    fn from(error: PaymentError) -> AppError {
        match error {
            PaymentError::Invalid(errors) => AppError::Invalid(errors),
            PaymentError::NotFound => AppError::NotFound,
            PaymentError::Klarna(error) => AppError::Failed(klarna_advice(&error)),
            PaymentError::KeyReused => AppError::Failed(Problem::CartChanged),
            PaymentError::Conflict(problem) => AppError::Failed(problem),
            PaymentError::Storage(error) => {
                tracing::error!(%error, "storage failed");
                AppError::Failed(Problem::StorageFailed)
            }
            PaymentError::UnknownStore(store) => {
                tracing::error!(%store, "seller view asked for an unknown store");
                AppError::Failed(Problem::StoreNotConfigured)
            }
        }
    }
}

impl PaymentBackend for PaymentService {
    fn sign_in_stores(&self) -> Vec<StoreChoice> {
        self.config()
            .stores
            .iter()
            .map(|s| StoreChoice {
                id: s.id.clone(),
                name: s.name.clone(),
                lang: Lang::from_code(s.locale.as_str()).unwrap_or_default(),
            })
            .collect()
    }

    fn sign_in(
        &self,
        store_id: String,
        name: String,
        password: String,
    ) -> BoxFuture<'_, Result<(SellerSession, String), AppError>> {
        Box::pin(async move {
            let config = self.config();
            let store = config.store(&store_id).ok_or(AppError::WrongCredentials)?;
            match auth::sign_in(self.storage(), self.sign_in_throttle(), store, &name, &password).await {
                Ok((token, session)) => {
                    tracing::info!(store = %session.store_id, associate = %session.associate, "associate signed in");
                    let session = SellerSession { store_id: session.store_id, associate: session.associate };
                    Ok((session, auth::set_cookie(Some(&token), self.https())))
                }
                Err(auth::AuthError::WrongCredentials) => {
                    tracing::warn!(store = %store_id, "failed sign-in");
                    Err(AppError::WrongCredentials)
                }
                Err(auth::AuthError::TooManyAttempts { wait_seconds }) => {
                    tracing::warn!(store = %store_id, wait_seconds, "sign-in refused: too many failed attempts");
                    Err(AppError::Failed(Problem::TooManySignIns { wait_seconds }))
                }
                Err(auth::AuthError::Storage(error)) => Err(PaymentError::Storage(error).into()),
            }
        })
    }

    fn sign_out<'a>(&'a self, headers: &'a http::HeaderMap) -> BoxFuture<'a, Result<String, AppError>> {
        Box::pin(async move {
            auth::sign_out(self.storage(), headers).await.map_err(PaymentError::from)?;
            Ok(auth::set_cookie(None, self.https()))
        })
    }

    fn seller_session<'a>(&'a self, headers: &'a http::HeaderMap) -> BoxFuture<'a, Result<SellerSession, AppError>> {
        Box::pin(async move {
            let session = auth::session(self.storage(), headers).await.map_err(PaymentError::from)?;
            // A store removed from the config ends its sessions.
            let session = session.filter(|s| self.config().store(&s.store_id).is_some());
            session
                .map(|s| SellerSession { store_id: s.store_id, associate: s.associate })
                .ok_or(AppError::SignInRequired)
        })
    }

    fn seller_store(&self, session: &SellerSession) -> Result<StoreSummary, AppError> {
        let config = self.config();
        let store = config.store(&session.store_id).ok_or(AppError::SignInRequired)?;
        Ok(self.summary(store, &session.associate))
    }

    fn start_seller_payment(
        &self,
        session: SellerSession,
        attempt_key: String,
        cart: CartInput,
    ) -> BoxFuture<'_, Result<PaymentView, AppError>> {
        Box::pin(async move {
            let request = StartRequest {
                store_id: &session.store_id,
                origin: Origin::Seller,
                attempt_key: &attempt_key,
                cart_ref: None,
                cart: &cart,
                return_urls: None,
            };
            Ok(self.start(request).await?.view)
        })
    }

    fn seller_payment(&self, session: SellerSession, id: String) -> BoxFuture<'_, Result<PaymentView, AppError>> {
        Box::pin(async move { Ok(self.get(&session.store_id, &id).await?) })
    }

    fn cancel_seller_payment(
        &self,
        session: SellerSession,
        id: String,
    ) -> BoxFuture<'_, Result<PaymentView, AppError>> {
        Box::pin(async move { Ok(self.cancel(&session.store_id, &id).await?) })
    }

    fn todays_payments(&self, session: SellerSession) -> BoxFuture<'_, Result<Vec<PaymentView>, AppError>> {
        Box::pin(async move {
            let midnight = time::OffsetDateTime::now_utc().replace_time(time::Time::MIDNIGHT);
            let since = (midnight.unix_timestamp_nanos() / 1_000_000) as i64;
            let mut payments = self.list(&session.store_id, since).await?;
            // Open payments need the associate's attention first.
            payments.sort_by_key(|p| p.status.is_final());
            Ok(payments)
        })
    }

    fn send_link(&self, session: SellerSession, id: String, to: LinkRecipient) -> BoxFuture<'_, Result<(), AppError>> {
        Box::pin(async move {
            let target = link_target(&to).map_err(AppError::Invalid)?;
            self.send_link(&session.store_id, &id, &target).await.map_err(|error| match error {
                PaymentError::Klarna(error) => AppError::Failed(distribution_advice(&error, &to)),
                other => other.into(),
            })
        })
    }

    fn regenerate_payment(
        &self,
        session: SellerSession,
        id: String,
        attempt_key: String,
    ) -> BoxFuture<'_, Result<PaymentView, AppError>> {
        Box::pin(async move { Ok(self.regenerate(&session.store_id, &id, Origin::Seller, &attempt_key).await?.view) })
    }

    fn web_shop(&self) -> Option<StoreSummary> {
        let web = &self.config().web_checkout;
        let config = self.config();
        let store = config.store(&web.store).filter(|_| web.demo_shop)?;
        Some(StoreSummary {
            id: store.id.clone(),
            name: store.name.clone(),
            associate: String::new(),
            currency: store.currency,
            money_language: store.locale.language(),
            lang: Lang::from_code(store.locale.as_str()).unwrap_or_default(),
            channels: Vec::new(),
            country: store.country.code().to_string(),
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

/// Checks what the associate typed; errors name the form's fields.
fn link_target(to: &LinkRecipient) -> Result<LinkTarget, FieldErrors> {
    let mut errors = FieldErrors::default();
    match to {
        LinkRecipient::Sms { country, phone } => match domain::Country::parse(country) {
            Ok(country) => match domain::PhoneNumber::parse(country, phone) {
                Ok(phone) => return Ok(LinkTarget::Sms(phone)),
                Err(problem) => errors.push("phone", problem),
            },
            Err(_) => errors.push("country", FieldProblem::CountryInvalid),
        },
        LinkRecipient::Email { email } => match domain::Email::parse(email) {
            Ok(email) => return Ok(LinkTarget::Email(email)),
            Err(problem) => errors.push("email", problem),
        },
    }
    Err(errors)
}

/// Klarna's distribution errors as something the associate can do.
fn distribution_advice(error: &klarna::KlarnaError, to: &LinkRecipient) -> Problem {
    match error.error_code() {
        Some("UNSUPPORTED_COUNTRY") => Problem::SmsCountryUnsupported,
        Some("MISSING_CONTACT_DATA") | Some("CONSTRAINT_VIOLATION") => {
            Problem::RecipientRefused { sms: matches!(to, LinkRecipient::Sms { .. }) }
        }
        _ => match error {
            klarna::KlarnaError::NotFound(_) => Problem::LinkExpired,
            other if other.is_transient() => Problem::LinkNotSent,
            other => klarna_advice(other),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{service_with, TestKlarna};

    #[tokio::test]
    async fn repeated_wrong_passwords_make_the_associate_wait() {
        let klarna = TestKlarna::start().await;
        let service = service_with(&klarna, &[]).await;
        let sign_in = |password: &str| service.sign_in("stockholm".into(), "demo".into(), password.into());
        for _ in 0..5 {
            assert_eq!(sign_in("guess").await.unwrap_err(), AppError::WrongCredentials);
        }
        // Now even the right password waits: guessing gets slow, typos are free.
        match sign_in("kassa-demo").await.unwrap_err() {
            AppError::Failed(Problem::TooManySignIns { wait_seconds }) => assert!((1..=30).contains(&wait_seconds)),
            other => panic!("expected a wait, got {other:?}"),
        }
        // Another associate of the store is not held up.
        assert_eq!(
            service.sign_in("stockholm".into(), "someone".into(), "guess".into()).await.unwrap_err(),
            AppError::WrongCredentials
        );
    }
}
