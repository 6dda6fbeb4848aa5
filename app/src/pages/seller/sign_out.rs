//! Signing out, from the till and the payments list.

use crate::browser::load_page;
use crate::i18n::{fill, tr, use_lang, Word};
use crate::server_fns::seller::sign_out;
use leptos::prelude::*;

/// Ends the associate's session on this device.
#[component]
pub fn SignOut(associate: String) -> impl IntoView {
    let lang = use_lang();
    let leave = Action::new(|_: &()| sign_out());
    Effect::new(move |_| {
        if leave.value().get().is_some() {
            load_page("/seller/sign-in");
        }
    });
    view! {
        <button type="button" class="sign-out" on:click=move |_| {
            leave.dispatch(());
        }>{move || fill(tr(lang.get(), Word::SignOut), &[("name", &associate)])}</button>
    }
}
