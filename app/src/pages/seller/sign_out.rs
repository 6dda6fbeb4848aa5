//! Signing out, from the till and the payments list.

use crate::browser::load_page;
use crate::i18n::{fill, tr, use_lang, Word};
use crate::server_fns::seller::{sign_out, SignOut as SignOutFn};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

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
    // A real form, like sign-in: a tap before the page hydrates still signs
    // out (the server function answers a plain post with a redirect).
    view! {
        <form class="sign-out-form" method="post" action=SignOutFn::url() on:submit=move |event| {
            event.prevent_default();
            leave.dispatch(());
        }>
            <button type="submit" class="sign-out">
                {move || fill(tr(lang.get(), Word::SignOut), &[("name", &associate)])}
            </button>
        </form>
    }
}
