//! The seller view's port. Calls after sign-in work for the store the
//! associate signed in to, never one the page names.

use super::{summary, Ports};
use crate::http::client::ClientAddress;
use crate::payments::RefundAsk;
use crate::payments::{distribution_advice, LinkTarget, PaymentError, StartRequest};
use crate::sellers::{AuthError, SESSION_HOURS};
use app::cookies::{CookieChange, SELLER_COOKIE};
use app::i18n::Lang;
use app::model::{LinkRecipient, PaymentView, RefundSheet, SellerSession, StoreChoice, StoreSummary, TodaysList};
use app::model::{RefundInput, FOUND_LIMIT, TODAYS_LIST_LIMIT};
use app::ports::{BoxFuture, SellerPort};
use app::AppError;
use domain::{CartInput, Door, FieldErrors, FieldProblem, MinorUnits, Problem, RefundView};

impl SellerPort for Ports {
    fn sign_in_stores(&self) -> Vec<StoreChoice> {
        self.0
            .payments
            .config()
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
    ) -> BoxFuture<'_, Result<(SellerSession, CookieChange), AppError>> {
        Box::pin(async move {
            // The address the request came from, put there by `http::client`.
            let client = leptos::prelude::use_context::<axum::http::request::Parts>()
                .map_or(std::net::Ipv4Addr::UNSPECIFIED.into(), |parts| ClientAddress::of(&parts.extensions));
            match self.0.sellers.sign_in(&store_id, &name, &password, client).await {
                Ok((token, session)) => {
                    tracing::info!(store = %session.store_id, associate = %session.associate, "associate signed in");
                    let session = SellerSession { store_id: session.store_id, associate: session.associate };
                    Ok((session, CookieChange::set(SELLER_COOKIE, &token, SESSION_HOURS * 3600, self.0.https())))
                }
                Err(AuthError::WrongCredentials) => {
                    tracing::warn!(store = %store_id, "failed sign-in");
                    Err(AppError::WrongCredentials)
                }
                Err(AuthError::TooManyAttempts { wait_seconds }) => {
                    tracing::warn!(store = %store_id, %client, wait_seconds, "sign-in refused: too many failed attempts");
                    Err(AppError::Failed(Problem::TooManySignIns { wait_seconds }))
                }
                Err(AuthError::Invalid(errors)) => Err(AppError::Invalid(errors)),
                Err(AuthError::Busy) => {
                    tracing::warn!(store = %store_id, "sign-in refused: every turn at password hashing is taken");
                    Err(AppError::Failed(Problem::SignInBusy))
                }
                Err(AuthError::Storage(error)) => Err(PaymentError::Storage(error).into()),
            }
        })
    }

    fn sign_out(&self, token: Option<String>) -> BoxFuture<'_, Result<CookieChange, AppError>> {
        Box::pin(async move {
            if let Some(token) = token {
                self.0.sellers.sign_out(&token).await.map_err(PaymentError::from)?;
            }
            Ok(CookieChange::clear(SELLER_COOKIE, self.0.https()))
        })
    }

    fn seller_session(&self, token: Option<String>) -> BoxFuture<'_, Result<SellerSession, AppError>> {
        Box::pin(async move {
            let Some(token) = token else { return Err(AppError::SignInRequired) };
            let session = self.0.sellers.session(&token).await.map_err(PaymentError::from)?;
            session
                .map(|s| SellerSession { store_id: s.store_id, associate: s.associate })
                .ok_or(AppError::SignInRequired)
        })
    }

    fn seller_store(&self, session: &SellerSession) -> Result<StoreSummary, AppError> {
        let config = self.0.payments.config();
        let store = config.store(&session.store_id).ok_or(AppError::SignInRequired)?;
        Ok(summary(store, &session.associate, store.seller.channels.clone()))
    }

    fn start_seller_payment(
        &self,
        session: SellerSession,
        attempt_key: String,
        cart: CartInput,
    ) -> BoxFuture<'_, Result<PaymentView, AppError>> {
        Box::pin(async move {
            let request = StartRequest::seller(&session.store_id, &attempt_key, &cart);
            Ok(self.0.payments.start(request).await?.view)
        })
    }

    fn seller_payment(&self, session: SellerSession, id: String) -> BoxFuture<'_, Result<PaymentView, AppError>> {
        Box::pin(async move { Ok(self.0.payments.get(&session.store_id, &id).await?) })
    }

    fn cancel_seller_payment(
        &self,
        session: SellerSession,
        id: String,
    ) -> BoxFuture<'_, Result<PaymentView, AppError>> {
        Box::pin(async move { Ok(self.0.payments.cancel(&session.store_id, &id).await?) })
    }

    fn todays_payments(&self, session: SellerSession) -> BoxFuture<'_, Result<TodaysList, AppError>> {
        Box::pin(async move {
            let page = self.0.payments.list_today(&session.store_id, TODAYS_LIST_LIMIT).await?;
            let mut payments = page.payments;
            // Open payments need the associate's attention first.
            payments.sort_by_key(|p| p.status.is_final());
            Ok(TodaysList { payments, older_left_out: page.has_more })
        })
    }

    fn send_link(&self, session: SellerSession, id: String, to: LinkRecipient) -> BoxFuture<'_, Result<(), AppError>> {
        Box::pin(async move {
            let target = link_target(&to).map_err(AppError::Invalid)?;
            self.0.payments.send_link(&session.store_id, &id, &target).await.map_err(|error| match error {
                PaymentError::Klarna(error) => AppError::Failed(distribution_advice(&error, &target)),
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
        Box::pin(async move {
            Ok(self.0.payments.regenerate(&session.store_id, &id, Door::Seller, &attempt_key).await?.view)
        })
    }

    fn find_payments(&self, session: SellerSession, text: String) -> BoxFuture<'_, Result<Vec<PaymentView>, AppError>> {
        Box::pin(async move {
            let text = text.trim();
            if text.is_empty() || text.chars().count() > domain::cart::MAX_TEXT_LEN {
                let mut errors = FieldErrors::default();
                errors.push("text", "enter a Klarna reference or an amount");
                return Err(AppError::Invalid(errors));
            }
            let config = self.0.payments.config();
            let store = config.store(&session.store_id).ok_or(AppError::SignInRequired)?;
            let amount = MinorUnits::parse_major(text, store.currency);
            Ok(self.0.payments.find(&session.store_id, text, amount, FOUND_LIMIT).await?)
        })
    }

    fn refund_sheet(&self, session: SellerSession, id: String) -> BoxFuture<'_, Result<RefundSheet, AppError>> {
        Box::pin(async move {
            let (refundable, refunds) = self.0.payments.refundable(&session.store_id, &id).await?;
            Ok(RefundSheet { refundable, refunds })
        })
    }

    fn refund_payment(
        &self,
        session: SellerSession,
        id: String,
        ask: RefundInput,
    ) -> BoxFuture<'_, Result<RefundView, AppError>> {
        Box::pin(async move {
            let ask = RefundAsk {
                store_id: &session.store_id,
                payment_id: &id,
                key: &ask.key,
                amount: ask.amount,
                lines: ask.lines.filter(|lines| !lines.is_empty()),
                reference: ask.reference,
                requested_by: &session.associate,
            };
            let refunded = self.0.payments.refund(ask).await?;
            tracing::info!(payment = %id, refund = %refunded.refund.id, associate = %session.associate, "refund asked for");
            Ok(refunded.refund)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{service_with, TestKlarna};

    #[tokio::test]
    async fn repeated_wrong_passwords_make_the_associate_wait() {
        let klarna = TestKlarna::start().await;
        let service = Ports(crate::state::AppState::new(service_with(&klarna, &[]).await));
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

    #[tokio::test]
    async fn a_database_failure_reaches_the_till_as_a_reference_not_its_text() {
        let klarna = TestKlarna::start().await;
        let payments = service_with(&klarna, &[]).await;
        let trigger =
            "CREATE TRIGGER no_payments BEFORE INSERT ON payments BEGIN SELECT RAISE(ABORT, 'table detail'); END";
        payments.storage().execute_for_test(trigger).await.unwrap();
        let service = Ports(crate::state::AppState::new(payments));
        let session = SellerSession { store_id: "stockholm".into(), associate: "demo".into() };
        let cart = crate::testing::cart_of("Scarf", 1, 19_900);
        match service.start_seller_payment(session, "attempt-1".into(), cart).await.unwrap_err() {
            AppError::Internal { error_id } => assert_eq!(error_id.len(), 16),
            other => panic!("expected an internal error with a reference, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn an_associate_finds_an_older_payment_and_refunds_it_in_their_own_name() {
        use crate::payments::{Source, StartRequest};
        let (state, klarna) = crate::kiosks::tests::state_with_second_store().await;
        let payments = state.payments.clone();
        let cart = crate::testing::cart_of("Tea", 2, 4_550);
        let started = payments.start(StartRequest::api("stockholm", "older-1", None, &cart)).await.unwrap().view;
        let session_id = payments.storage().get(&started.id).await.unwrap().unwrap().hpp_session_id.unwrap();
        klarna.act(&session_id, "open").await;
        klarna.act(&session_id, "authorize").await;
        payments.refresh(&started.id, Source::Callback).await.unwrap();
        let paid = payments.get("stockholm", &started.id).await.unwrap();
        let service = Ports(state);
        let demo = || SellerSession { store_id: "stockholm".into(), associate: "demo".into() };
        let other_store = SellerSession { store_id: "malmo".into(), associate: "demo".into() };

        let reference = paid.klarna_reference.clone().expect("a paid payment has Klarna's reference");
        for typed in [reference.as_str(), " 91,00 ", "91", started.id.as_str()] {
            let found = service.find_payments(demo(), typed.into()).await.unwrap();
            assert_eq!(found.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), [started.id.as_str()], "{typed:?}");
        }
        assert!(service.find_payments(other_store, reference.clone()).await.unwrap().is_empty(), "another store's");
        assert!(service.find_payments(demo(), "92".into()).await.unwrap().is_empty());
        assert!(matches!(service.find_payments(demo(), "  ".into()).await, Err(AppError::Invalid(_))));

        let ask = |key: &str| RefundInput {
            key: key.into(),
            amount: None,
            lines: Some(vec![domain::ReturnedItems { line: 0, quantity: 1 }]),
            reference: None,
        };
        let malmo = SellerSession { store_id: "malmo".into(), associate: "demo".into() };
        let elsewhere = service.refund_payment(malmo, started.id.clone(), ask("tablet-tap-0")).await;
        assert_eq!(elsewhere.unwrap_err(), AppError::NotFound, "another store's associate cannot refund it");
        let refund = service.refund_payment(demo(), started.id.clone(), ask("tablet-tap-1")).await.unwrap();
        assert_eq!((refund.requested_by.as_str(), refund.amount), ("demo", MinorUnits(4_550)));
        let sheet = service.refund_sheet(demo(), started.id.clone()).await.unwrap();
        assert_eq!((sheet.refundable.left, sheet.refunds.len()), (MinorUnits(4_550), 1));
        assert_eq!(sheet.refundable.lines[0].quantity_left, 1);
    }
}
