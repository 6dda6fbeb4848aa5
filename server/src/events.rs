//! Live status: every change to a payment or to one of its refunds is
//! broadcast here, to every open stream and to the kiosks that show it.
//! Changes made by another instance arrive here too (see
//! `payments::relay`), and `Resync` when some may have been missed.

use domain::{PaymentView, RefundView};
use std::sync::Arc;
use tokio::sync::broadcast;

/// One change, as streams and kiosks receive it.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Payment(PaymentView),
    /// A refund of one of the store's payments was asked for or ended.
    Refund {
        store_id: String,
        refund: RefundView,
    },
    /// Another instance saved a kiosk's screen.
    KioskSaved(String),
    /// Changes may have been missed (the link to the other instances was
    /// lost for a while): whoever shows state reads it again.
    Resync,
}

impl Change {
    /// The store whose payment changed (`None`: no one store's).
    pub fn store_id(&self) -> Option<&str> {
        match self {
            Change::Payment(view) => Some(&view.store_id),
            Change::Refund { store_id, .. } => Some(store_id),
            Change::KioskSaved(_) | Change::Resync => None,
        }
    }

    pub fn payment(&self) -> Option<&PaymentView> {
        match self {
            Change::Payment(view) => Some(view),
            _ => None,
        }
    }
}

/// Fan-out of changes to every open stream.
#[derive(Clone)]
pub struct EventHub {
    sender: broadcast::Sender<Arc<Change>>,
}

impl Default for EventHub {
    fn default() -> Self {
        // A slow stream that falls this far behind re-reads the current state.
        let (sender, _) = broadcast::channel(4096);
        EventHub { sender }
    }
}

impl EventHub {
    pub fn publish(&self, view: PaymentView) {
        // No subscribers is fine: nobody is watching.
        let _ = self.sender.send(Arc::new(Change::Payment(view)));
    }

    pub fn publish_refund(&self, store_id: &str, refund: RefundView) {
        let _ = self.sender.send(Arc::new(Change::Refund { store_id: store_id.to_string(), refund }));
    }

    pub fn publish_change(&self, change: Change) {
        let _ = self.sender.send(Arc::new(change));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.sender.subscribe()
    }
}
