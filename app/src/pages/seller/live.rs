//! Live status of the till's payment: it follows server-sent events.

use super::sign_in_again_if_signed_out;
use crate::browser::{Live, LiveStream};
use crate::model::PaymentView;
use leptos::prelude::*;

/// Follows the shown payment over server-sent events until it is final.
/// Only the server's state moves the screen; the server sends the current
/// state first on every connect, so a reconnect needs no fetch of its own.
/// `connected` says whether the stream is up, so the screen can warn that
/// what it shows may be out of date.
pub fn follow_while_open(payment: RwSignal<Option<PaymentView>>, connected: RwSignal<bool>) {
    // The effect keeps the open stream as its own value: effects run only in
    // the browser, so nothing browser-only is ever made during SSR.
    Effect::new(move |previous: Option<Option<(String, Live)>>| {
        let previous = previous.flatten();
        let open = payment.with(|p| p.as_ref().filter(|p| !p.status.is_final()).map(|p| p.id.clone()));
        if previous.as_ref().map(|(id, _)| id) == open.as_ref() {
            return previous;
        }
        // Another payment, or none: close what was open.
        drop(previous);
        open.map(|id| {
            let stream = LiveStream::new(format!("/seller/payments/{id}/events"), connected)
                .on("payment", move |view: PaymentView| {
                    if payment.with_untracked(|p| p.as_ref().is_some_and(|p| p.id == view.id)) {
                        payment.set(Some(view));
                    }
                })
                .on_refused(sign_in_again_if_signed_out);
            (id, stream.open())
        })
    });
}
