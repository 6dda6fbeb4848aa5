//! Live status: every change to a payment or to one of its refunds is
//! broadcast here, to every open stream and to the kiosks that show it.

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
}

impl Change {
    pub fn store_id(&self) -> &str {
        match self {
            Change::Payment(view) => &view.store_id,
            Change::Refund { store_id, .. } => store_id,
        }
    }

    pub fn payment(&self) -> Option<&PaymentView> {
        match self {
            Change::Payment(view) => Some(view),
            Change::Refund { .. } => None,
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

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.sender.subscribe()
    }
}
