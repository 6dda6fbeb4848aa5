use crate::i18n::{tr, use_lang, Word};
use leptos::prelude::*;

/// "Cancel payment", then "Yes, cancel payment" or "Keep waiting": the one
/// cancel the till and the payments list share.
#[component]
pub fn ConfirmCancel(pending: Signal<bool>, on_confirm: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    let confirming = RwSignal::new(false);
    view! {
        <Show
            when=move || confirming.get()
            fallback=move || {
                view! {
                    <button type="button" on:click=move |_| confirming.set(true)>
                        {move || t(Word::CancelPayment)}
                    </button>
                }
            }
        >
            <p class="confirm-text">{move || t(Word::ConfirmCancel)}</p>
            <div class="button-row">
                <button type="button" class="danger" disabled=move || pending.get() on:click=move |_| on_confirm()>
                    {move || t(Word::YesCancel)}
                </button>
                <button type="button" on:click=move |_| confirming.set(false)>
                    {move || t(Word::KeepWaiting)}
                </button>
            </div>
        </Show>
    }
}
