//! What the kiosk screen holds for its shopper, and the calls a tap makes.

use super::words::{shopper_words, tr, Text};
use crate::browser::{now, post_form};
use crate::i18n::Lang;
use crate::kiosk::{NextStep, ResetReason, ScreenState};
use crate::model::PaymentStatus;
use leptos::prelude::*;

/// The screen's state; all signals, so it is `Copy` into every view.
#[derive(Clone, Copy)]
pub struct KioskScreen {
    pub state: RwSignal<ScreenState>,
    pub lang: RwSignal<Lang>,
    /// The last tap was refused: what the shopper can do about it.
    pub problem: RwSignal<Option<NextStep>>,
    /// The shopper asked for staff.
    pub help: RwSignal<bool>,
    pub busy: RwSignal<bool>,
    /// The browser clock in Unix ms; `None` during SSR.
    pub clock: RwSignal<Option<f64>>,
    pub last_touch: RwSignal<f64>,
}

impl KioskScreen {
    pub fn new(initial: ScreenState, problem: Option<NextStep>) -> KioskScreen {
        KioskScreen {
            state: RwSignal::new(initial),
            lang: RwSignal::new(Lang::En),
            problem: RwSignal::new(problem),
            help: RwSignal::new(false),
            busy: RwSignal::new(false),
            clock: RwSignal::new(None),
            last_touch: RwSignal::new(0.0),
        }
    }

    /// Only a newer view replaces the shown one: a late answer never brings
    /// back a shopper the screen has already forgotten.
    pub fn apply(self, view: ScreenState) {
        let newer = self.state.with_untracked(|s| view.instance != s.instance || view.revision >= s.revision);
        if newer {
            self.state.set(view);
        }
    }

    /// Posts a tap's form to the server function `action`; one at a time,
    /// so a double tap asks once.
    pub fn run(self, action: &'static str, fields: Vec<(&'static str, String)>) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        leptos::task::spawn_local(async move {
            self.call(action, fields).await;
            self.busy.set(false);
        });
    }

    /// Posts to `action` and shows what came of it: the kiosk's new state
    /// (the live stream brings it too, but may be reconnecting), or what to
    /// do about a refusal, whose detail goes to the console for staff.
    pub async fn call(self, action: &'static str, fields: Vec<(&'static str, String)>) {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(name, value)| (*name, value.as_str())).collect();
        let stage = self.stage();
        let answer = post_form(action, &fields).await;
        if answer.accepted() {
            self.problem.set(None);
            if let Ok(view) = serde_json::from_str::<ScreenState>(&answer.body) {
                self.apply(view);
            }
        } else {
            leptos::logging::error!("kiosk call {action} failed ({}): {}", answer.status, answer.body);
            // No answer, but the stream shows the screen moved on: the tap
            // was taken and only its answer was lost.
            let lost_but_taken = answer.status == 0 && self.stage() != stage;
            if !lost_but_taken {
                self.problem.set(Some(NextStep::after(answer.status)));
            }
        }
    }

    /// Forgets the current shopper (`session`), for `reason`.
    pub fn reset_fields(session: u64, reason: ResetReason) -> Vec<(&'static str, String)> {
        vec![("session", session.to_string()), ("reason", reason.name().to_string())]
    }

    /// Where the shopper is: their session, whether a basket is up, and
    /// the payment's status. A tap that succeeds moves it on.
    pub fn stage(self) -> (u64, bool, Option<PaymentStatus>) {
        self.state.with(|s| (s.session, s.cart.is_some(), s.payment.as_ref().map(|p| p.status)))
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

/// What to do about a refused tap, in the shopper's language, while there is one.
pub fn problem_line(kiosk: KioskScreen) -> impl IntoView {
    move || {
        kiosk.problem.get().map(|next| {
            view! { <p class="problem kiosk-lead" role="alert">{shopper_words(kiosk.lang.get(), next)}</p> }
        })
    }
}

/// Whole seconds left of `total` seconds counted from `since` (Unix ms) at
/// `now`; never negative. Whole numbers only: a float's text would bring
/// float formatting into the bundle.
pub fn seconds_left(total: u32, since: f64, now: f64) -> u32 {
    ((f64::from(total) * 1000.0 - (now - since)) / 1000.0).ceil().max(0.0) as u32
}

/// A tap that asks the server for something: a plain form posting to the
/// server function `action`, so it works before the island has hydrated
/// too (the server answers with a redirect back). Once hydrated, the island
/// posts it itself and stays on the page.
/// `fields` are the hidden fields the server function takes.
pub fn call_form(
    kiosk: KioskScreen,
    action: &'static str,
    classes: &'static str,
    text: Text,
    fields: Vec<(&'static str, String)>,
) -> impl IntoView {
    let hidden = fields
        .iter()
        .map(|(name, value)| view! { <input type="hidden" name=*name value=value.clone()/> })
        .collect_view();
    view! {
        <form
            class="kiosk-call"
            method="post"
            action=action
            on:submit=move |event| {
                event.prevent_default();
                kiosk.run(action, fields.clone());
            }
        >
            {hidden}
            <button type="submit" class=classes disabled=move || kiosk.busy.get()>
                {kiosk.t(text)}
            </button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn seconds_left_count_down_in_whole_seconds_and_stop_at_zero() {
        assert_eq!(super::seconds_left(8, 1_000.0, 1_000.0), 8);
        assert_eq!(super::seconds_left(8, 1_000.0, 1_001.0), 8, "a started second still counts");
        assert_eq!(super::seconds_left(8, 1_000.0, 2_000.0), 7);
        assert_eq!(super::seconds_left(8, 1_000.0, 60_000.0), 0);
    }
}
