//! Self-checkout kiosks: each kiosk's current basket (from the
//! self-checkout system) and payment, who may act for a kiosk, and the
//! privacy reset that forgets the shopper and disables an unpaid payment
//! at Klarna. No HTTP here: handlers and the app's ports call this.

mod follow;
mod restore;
mod shopper;
#[cfg(test)]
pub(crate) mod tests;

use crate::config::{Environment, KioskConfig};
use crate::events::Change;
use crate::payments::{PaymentError, PaymentService, WatchGuard};
use domain::kiosk::KioskView;
use domain::PaymentView;
use domain::{Cart, CartInput};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;

pub use shopper::demo_basket;

/// Why a kiosk operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum KioskError {
    #[error("this screen is not an enrolled kiosk; enrol it with its device key")]
    Forbidden,
    #[error("there is no kiosk {0:?}")]
    UnknownKiosk(String),
    #[error("kiosk {0:?} belongs to another store")]
    WrongStore(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Payment(#[from] PaymentError),
}

/// One kiosk's shopper. Every change is saved (`kiosk_screens`), so a
/// restart shows the same screen (see `restore`).
#[derive(Default)]
pub(crate) struct Slot {
    /// The basket and the id its payment attempts are keyed by.
    cart: Option<(String, CartInput, Cart)>,
    attempt: u32,
    payment: Option<PaymentView>,
    /// Fast polling while the shopper pays.
    watch: Option<WatchGuard>,
    session: u64,
    revision: u64,
    /// For the self-checkout system only; never shown on the screen.
    last_paid: Option<PaymentView>,
}

pub struct Kiosks {
    service: Arc<PaymentService>,
    instance: String,
    slots: Mutex<HashMap<String, Slot>>,
    sender: broadcast::Sender<Arc<KioskView>>,
    /// Saves of each kiosk's screen still under way.
    saving: Mutex<HashMap<String, Vec<tokio::task::JoinHandle<()>>>>,
}

impl Kiosks {
    /// The kiosks of the config, following their payments' events.
    pub fn start(service: Arc<PaymentService>) -> Arc<Kiosks> {
        let (sender, _) = broadcast::channel(1024);
        let kiosks = Arc::new(Kiosks {
            service,
            instance: uuid::Uuid::new_v4().to_string(),
            slots: Mutex::default(),
            sender,
            saving: Mutex::default(),
        });
        let mut receiver = kiosks.service.events().subscribe();
        let following = kiosks.clone();
        tokio::spawn(async move {
            loop {
                match receiver.recv().await {
                    Ok(change) => match &*change {
                        Change::Payment(view) => following.on_payment(view),
                        Change::KioskSaved(kiosk_id) => following.show_saved(kiosk_id).await,
                        Change::Resync => following.catch_up().await,
                        Change::Refund { .. } => {}
                    },
                    Err(broadcast::error::RecvError::Lagged(_)) => following.catch_up().await,
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        kiosks
    }

    /// The payment service kiosks start their payments with.
    pub fn service(&self) -> &Arc<PaymentService> {
        &self.service
    }

    pub(crate) fn slots(&self) -> MutexGuard<'_, HashMap<String, Slot>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn config(&self, kiosk_id: &str) -> Result<KioskConfig, KioskError> {
        self.service.config().kiosk(kiosk_id).cloned().ok_or_else(|| KioskError::UnknownKiosk(kiosk_id.into()))
    }

    /// The kiosk whose `{id}.{key}` cookie this is.
    pub fn authenticate(&self, device: Option<&str>) -> Result<KioskConfig, KioskError> {
        let (id, key) = device.and_then(|d| d.split_once('.')).ok_or(KioskError::Forbidden)?;
        let kiosk = self.service.config().kiosk(id).cloned().ok_or(KioskError::Forbidden)?;
        if kiosk.key_sha256.matches(key) {
            Ok(kiosk)
        } else {
            Err(KioskError::Forbidden)
        }
    }

    pub fn demo(&self) -> bool {
        self.service.config().klarna.environment == Environment::Simulator
    }

    fn view(&self, kiosk: &KioskConfig, slot: &Slot) -> KioskView {
        let config = self.service.config();
        let store = config.store(&kiosk.store);
        KioskView {
            kiosk_id: kiosk.id.clone(),
            store_name: store.map(|s| s.name.clone()).unwrap_or_default(),
            currency: store.map(|s| s.currency).unwrap_or_else(|| domain::Currency::parse("EUR").unwrap()),
            cart: slot.cart.as_ref().map(|(_, _, cart)| cart.clone()),
            payment: slot.payment.clone(),
            idle_seconds: kiosk.idle_seconds,
            reset_after_paid_seconds: kiosk.reset_after_paid_seconds,
            demo_basket: self.demo(),
            session: slot.session,
            revision: slot.revision,
            instance: self.instance.clone(),
        }
    }

    /// Records a change: a new revision, saved and told to every stream of
    /// this kiosk.
    fn changed(&self, kiosk: &KioskConfig, slot: &mut Slot) -> KioskView {
        slot.revision += 1;
        self.save(&kiosk.id, slot);
        self.show(kiosk, slot)
    }

    /// Tells every stream of this kiosk what it shows now.
    fn show(&self, kiosk: &KioskConfig, slot: &Slot) -> KioskView {
        let view = self.view(kiosk, slot);
        let _ = self.sender.send(Arc::new(view.clone()));
        view
    }

    /// Every change to any kiosk's screen, for the kiosks' streams.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<KioskView>> {
        self.sender.subscribe()
    }

    /// The last payment this kiosk took (kept after the screen resets).
    pub fn last_paid(&self, kiosk_id: &str) -> Option<PaymentView> {
        self.slots().get(kiosk_id).and_then(|slot| slot.last_paid.clone())
    }

    pub fn state(&self, kiosk_id: &str) -> Result<KioskView, KioskError> {
        let kiosk = self.config(kiosk_id)?;
        let mut slots = self.slots();
        Ok(self.view(&kiosk, slots.entry(kiosk.id.clone()).or_default()))
    }
}
