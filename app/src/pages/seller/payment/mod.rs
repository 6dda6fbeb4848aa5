//! The running payment beside the cart: the Distribution Module, status in
//! words, the countdown, other ways to send the link, cancel, regenerate,
//! and the outcome.

mod controls;
mod countdown;
pub mod on_demand;
mod outcome;
mod send_link;

use crate::components::{ConnectionLost, MaybeProblem};
use crate::i18n::{self, tr, use_lang, Word};
use crate::model::{PaymentStatus, PaymentView, StoreSummary};
use crate::AppError;
use controls::{regenerate_action, CancelControl, RegenerateControl};
use countdown::Countdown;
use leptos::prelude::*;
use outcome::Outcome;
use send_link::LinkFallbacks;

#[component]
fn PaymentPanel(
    payment: RwSignal<Option<PaymentView>>,
    store: StoreSummary,
    /// Whether the live status stream is up.
    connected: RwSignal<bool>,
    new_attempt_key: fn() -> String,
    new_sale: impl Fn(leptos::ev::MouseEvent) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    // Separate memos so that a status update never reloads the iframe.
    let module_url = Memo::new(move |_| {
        payment.with(|p| p.as_ref().filter(|p| !p.status.is_final()).and_then(|p| p.distribution_module_url.clone()))
    });
    let status = Memo::new(move |_| payment.with(|p| p.as_ref().map(|p| p.status)));
    let open = move || status.get().is_some_and(|s| !s.is_final() && s != PaymentStatus::Creating);
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    let regenerate_problem = RwSignal::new(None::<AppError>);
    let regenerate = regenerate_action(payment, regenerate_problem);
    let money_language = StoredValue::new(store.money_language.clone());
    // Telesales: the shopper is on the phone, so the send forms come before
    // the Distribution Module.
    let sends_first = store.sends_first();
    let fallbacks_first = store.clone();
    view! {
        <section class="payment" aria-label=move || t(Word::Payment)>
            {move || match status.get() {
                None => view! { <p class="hint">{move || t(Word::Hint)}</p> }.into_any(),
                Some(status) => {
                    let tone = if status == PaymentStatus::Completed {
                        "paid"
                    } else if status.is_final() {
                        "ended"
                    } else {
                        "open"
                    };
                    view! {
                        <div class=format!("status status-{tone}") role="status" aria-live="polite">
                            <span class="status-label">{move || i18n::status(lang.get(), status)}</span>
                        </div>
                    }
                        .into_any()
                }
            }}
            <ConnectionLost connected when=Signal::derive(open)/>
            <Show when=open>
                <Countdown payment/>
            </Show>
            <Show when=move || sends_first && open()>
                <LinkFallbacks payment store=fallbacks_first.clone()/>
            </Show>
            {move || {
                module_url
                    .get()
                    .map(|url| {
                        view! {
                            // Klarna's module runs its scripts and forms; it may open the link in a
                            // new tab, but never navigate the till itself away or learn its address.
                            <iframe
                                class="distribution-module"
                                title=move || t(Word::DistributionModule)
                                sandbox="allow-scripts allow-forms allow-same-origin allow-popups allow-popups-to-escape-sandbox"
                                referrerpolicy="no-referrer"
                                src=url
                            ></iframe>
                        }
                    })
            }}
            <Show when=open>
                {(!sends_first).then(|| view! { <LinkFallbacks payment store=store.clone()/> })}
                <div class="payment-actions">
                    <RegenerateControl payment regenerate new_attempt_key/>
                    <CancelControl payment/>
                </div>
            </Show>
            <MaybeProblem error=regenerate_problem/>
            {move || {
                let money_language = money_language.get_value();
                payment.get().filter(|p| p.status.is_final()).map(|p| view! { <Outcome payment=p money_language new_sale/> })
            }}
        </section>
    }
}
