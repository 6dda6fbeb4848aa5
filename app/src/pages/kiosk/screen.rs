//! What the kiosk screen holds for its shopper, and the calls a tap makes.

use super::words::{tr, Text};
use crate::browser::now;
use crate::i18n::Lang;
use crate::kiosk::{KioskView, ResetReason};
use crate::server_fns::kiosk::kiosk_reset;
use crate::AppError;
use leptos::prelude::*;
use std::{future::Future, pin::Pin};

/// A kiosk call made from a tap.
pub type KioskCall = Pin<Box<dyn Future<Output = Result<KioskView, AppError>>>>;

/// The screen's state; all signals, so it is `Copy` into every view.
#[derive(Clone, Copy)]
pub struct KioskScreen {
    pub state: RwSignal<KioskView>,
    pub lang: RwSignal<Lang>,
    pub problem: RwSignal<Option<AppError>>,
    /// The shopper asked for staff.
    pub help: RwSignal<bool>,
    pub busy: RwSignal<bool>,
    /// The browser clock in Unix ms; `None` during SSR.
    pub clock: RwSignal<Option<f64>>,
    pub last_touch: RwSignal<f64>,
}

impl KioskScreen {
    pub fn new(initial: KioskView) -> KioskScreen {
        KioskScreen {
            state: RwSignal::new(initial),
            lang: RwSignal::new(Lang::En),
            problem: RwSignal::new(None),
            help: RwSignal::new(false),
            busy: RwSignal::new(false),
            clock: RwSignal::new(None),
            last_touch: RwSignal::new(0.0),
        }
    }

    /// Only a newer view replaces the shown one: a late answer never brings
    /// back a shopper the screen has already forgotten.
    pub fn apply(self, view: KioskView) {
        let newer = self.state.with_untracked(|s| view.instance != s.instance || view.revision >= s.revision);
        if newer {
            self.state.set(view);
        }
    }

    /// Calls made from a tap; one at a time, so a double tap asks once.
    pub fn run(self, call: KioskCall) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        leptos::task::spawn_local(async move {
            match call.await {
                Ok(view) => {
                    self.problem.set(None);
                    self.apply(view);
                }
                Err(error) => self.problem.set(Some(error)),
            }
            self.busy.set(false);
        });
    }

    /// Forgets the current shopper.
    pub fn reset(self, reason: ResetReason) {
        let session = self.state.with_untracked(|s| s.session);
        leptos::task::spawn_local(async move {
            match kiosk_reset(session, reason).await {
                Ok(view) => self.apply(view),
                Err(error) => self.problem.set(Some(error)),
            }
        });
    }

    /// The shopper touched the screen (or paid on their phone) just now.
    pub fn touched(self) {
        self.last_touch.set(now().unwrap_or_default());
    }

    /// The shopper's words.
    pub fn t(self, text: Text) -> &'static str {
        tr(self.lang.get(), text)
    }

    /// An amount in the store's currency, in the shopper's language.
    pub fn money(self, amount: domain::MinorUnits) -> String {
        let currency = self.state.with_untracked(|s| s.currency);
        amount.display(currency, self.lang.get().code())
    }
}

/// A main button: it makes its call unless one is already under way.
#[component]
pub fn CallButton(kiosk: KioskScreen, classes: &'static str, text: Text, call: fn() -> KioskCall) -> impl IntoView {
    view! {
        <button class=classes disabled=move || kiosk.busy.get() on:click=move |_| kiosk.run(call())>
            {move || kiosk.t(text)}
        </button>
    }
}
