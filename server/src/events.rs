//! Live status: every change to a payment is broadcast here, to every open
//! stream and to the kiosks that show it.

use domain::PaymentView;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Fan-out of payment updates to every open stream.
#[derive(Clone)]
pub struct EventHub {
    sender: broadcast::Sender<Arc<PaymentView>>,
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
        let _ = self.sender.send(Arc::new(view));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<PaymentView>> {
        self.sender.subscribe()
    }
}
