//! What a shopper (or the self-checkout system) does at a kiosk: hand
//! over a basket, pay, try again, and leave (the reset).

use super::{KioskError, Kiosks, Slot};
use crate::config::KioskConfig;
use crate::payments::{PaymentError, StartRequest};
use domain::kiosk::KioskView;
use domain::{Cart, CartInput, CartLineInput};
use domain::{PaymentStatus, PaymentView};

impl Kiosks {
    /// The self-checkout system hands over the basket, replacing the one
    /// shown. Refused while the shopper is paying for the current one.
    pub async fn put_cart(&self, store_id: &str, kiosk_id: &str, input: CartInput) -> Result<KioskView, KioskError> {
        let kiosk = self.config(kiosk_id)?;
        self.sync(&kiosk.id).await;
        let view = self.put_cart_now(store_id, &kiosk, input)?;
        self.saved(&kiosk.id).await;
        Ok(view)
    }

    fn put_cart_now(&self, store_id: &str, kiosk: &KioskConfig, input: CartInput) -> Result<KioskView, KioskError> {
        if kiosk.store != store_id {
            return Err(KioskError::WrongStore(kiosk.id.clone()));
        }
        let config = self.service.config();
        let store = config.store(&kiosk.store).ok_or(KioskError::Forbidden)?;
        let cart = Cart::validate(&input, store.currency).map_err(|e| KioskError::Payment(PaymentError::Invalid(e)))?;
        let mut slots = self.slots();
        let slot = slots.entry(kiosk.id.clone()).or_default();
        if let Some(payment) = &slot.payment {
            if !payment.status.is_final() {
                return Err(KioskError::Conflict(
                    "the shopper is paying for the current basket; cancel it first (DELETE the cart)".into(),
                ));
            }
            // A finished payment on screen: this basket is the next shopper's.
            *slot = Slot { session: slot.session + 1, revision: slot.revision, ..Slot::default() };
        }
        slot.cart = Some((uuid::Uuid::new_v4().to_string(), input, cart));
        slot.attempt = 0;
        Ok(self.changed(kiosk, slot))
    }

    /// Starts the payment for the basket with the store's kiosk profile, or
    /// returns the one it has: the attempt key is the basket's, so a double
    /// tap starts one payment.
    pub async fn pay(&self, kiosk_id: &str) -> Result<KioskView, KioskError> {
        let kiosk = self.config(kiosk_id)?;
        self.sync(&kiosk.id).await;
        let view = self.pay_now(&kiosk).await;
        self.saved(&kiosk.id).await;
        view
    }

    async fn pay_now(&self, kiosk: &KioskConfig) -> Result<KioskView, KioskError> {
        let kiosk = kiosk.clone();
        let (session, cart_id, input, attempt) = {
            let mut slots = self.slots();
            let slot = slots.entry(kiosk.id.clone()).or_default();
            let Some((cart_id, input, _)) = slot.cart.clone() else {
                return Err(KioskError::Conflict("there is nothing to pay yet: scan your items first".into()));
            };
            if slot.payment.is_some() {
                return Ok(self.view(&kiosk, slot));
            }
            (slot.session, cart_id, input, slot.attempt)
        };
        let attempt_key = format!("kiosk-{}-{cart_id}-{attempt}", kiosk.id);
        let cart_ref = format!("kiosk-{}-{cart_id}", kiosk.id);
        let started = self.service.start(StartRequest::kiosk(&kiosk.store, &attempt_key, &cart_ref, &input)).await?;
        let payment = started.view;
        let forgotten = {
            let mut slots = self.slots();
            let slot = slots.entry(kiosk.id.clone()).or_default();
            let same_shopper = slot.session == session && slot.cart.as_ref().is_some_and(|(id, _, _)| *id == cart_id);
            if same_shopper {
                // A racing double tap may answer with the payment still being
                // created; the newer view of the same payment wins.
                let newer = match &slot.payment {
                    None => true,
                    Some(shown) => {
                        shown.id != payment.id
                            || (shown.status == PaymentStatus::Creating && payment.status != PaymentStatus::Creating)
                            || shown.updated_at < payment.updated_at
                    }
                };
                if !newer {
                    return Ok(self.view(&kiosk, slot));
                }
                if slot.payment.as_ref().is_none_or(|p| p.id != payment.id) {
                    slot.watch = (!payment.status.is_final()).then(|| self.service.watch(&payment.id));
                }
                slot.payment = Some(payment.clone());
                return Ok(self.changed(&kiosk, slot));
            }
            self.view(&kiosk, slot)
        };
        // The screen was reset while Klarna answered: that link must not stay payable.
        self.disable(&kiosk.store, &payment).await;
        Ok(forgotten)
    }

    /// After a decline, a technical error or a stopped payment: disables
    /// the old link and starts a new payment for the same basket.
    pub async fn try_again(&self, kiosk_id: &str) -> Result<KioskView, KioskError> {
        let kiosk = self.config(kiosk_id)?;
        self.sync(&kiosk.id).await;
        let old = {
            let mut slots = self.slots();
            let slot = slots.entry(kiosk.id.clone()).or_default();
            match &slot.payment {
                Some(p) if p.status.is_paid() => {
                    return Err(KioskError::Conflict("this basket is already paid".into()));
                }
                Some(_) => {}
                None => return Ok(self.view(&kiosk, slot)),
            }
            slot.attempt += 1;
            slot.watch = None;
            let old = slot.payment.take();
            self.changed(&kiosk, slot);
            old
        };
        if let Some(old) = old {
            self.disable(&kiosk.store, &old).await;
        }
        self.pay(kiosk_id).await
    }

    /// Forgets the shopper (basket, payment, status) and disables an unpaid
    /// payment at Klarna, so the link on their phone stops working. With a
    /// `session`, only that shopper is forgotten: a late reset never clears
    /// the next shopper's basket.
    pub async fn reset(&self, kiosk_id: &str, session: Option<u64>, why: &str) -> Result<KioskView, KioskError> {
        let kiosk = self.config(kiosk_id)?;
        self.sync(&kiosk.id).await;
        let (view, payment) = {
            let mut slots = self.slots();
            let slot = slots.entry(kiosk.id.clone()).or_default();
            if session.is_some_and(|s| s != slot.session) {
                return Ok(self.view(&kiosk, slot));
            }
            let payment = slot.payment.take();
            *slot = Slot {
                session: slot.session + 1,
                revision: slot.revision,
                last_paid: slot.last_paid.take(),
                ..Slot::default()
            };
            (self.changed(&kiosk, slot), payment)
        };
        tracing::info!(kiosk = %kiosk.id, why, "kiosk reset");
        self.saved(&kiosk.id).await;
        if let Some(payment) = payment {
            self.disable(&kiosk.store, &payment).await;
        }
        Ok(view)
    }

    /// Disables an unpaid payment at Klarna; a paid or ended one is left alone.
    async fn disable(&self, store_id: &str, payment: &PaymentView) {
        if payment.status.is_final() {
            return;
        }
        // Not confirmed yet: the service keeps withdrawing in the background.
        if let Err(error) = self.service.cancel_until_withdrawn(store_id, &payment.id).await {
            tracing::warn!(payment = %payment.id, %error, "could not disable the kiosk's payment yet");
        }
    }
}

/// A fixed basket for trying the kiosk without a self-checkout system.
pub fn demo_basket() -> CartInput {
    let line = |name: &str, quantity: i64, unit_price: i64, tax_rate: i64| CartLineInput {
        name: name.into(),
        quantity,
        unit_price,
        tax_rate,
        discount: 0,
        reference: None,
    };
    CartInput {
        lines: vec![
            line("Oat milk 1 l", 2, 2495, 1200),
            line("Coffee 500 g", 1, 8990, 1200),
            line("Tote bag", 1, 2900, 2500),
        ],
    }
}
