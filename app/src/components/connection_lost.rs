use crate::i18n::{tr, use_lang, Word};
use leptos::prelude::*;

/// Shown while the live connection to Kassa is down: what is on screen may
/// be out of date until it is back (the browser keeps retrying).
#[component]
pub fn ConnectionLost(connected: RwSignal<bool>, #[prop(optional)] when: Option<Signal<bool>>) -> impl IntoView {
    let lang = use_lang();
    let shown = move || !connected.get() && when.is_none_or(|when| when.get());
    // Always in the page, hidden while connected: a <Show> here broke
    // hydration of the payments list beside its own <Show>.
    view! {
        <p class="connection-lost" role="alert" hidden=move || !shown()>
            {move || tr(lang.get(), Word::ConnectionLost)}
        </p>
    }
}
