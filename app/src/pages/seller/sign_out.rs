//! Signing out, from the till and the payments list.

use crate::i18n::{fill, tr, use_lang, Word};
use crate::server_fns::seller::SignOut as SignOutFn;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Ends the associate's session on this device. A plain form the browser
/// posts itself, hydrated or not: the server answers with a redirect to
/// sign-in, where the page goes next anyway, so no script (and none of the
/// server-function client's code) is needed.
#[component]
pub fn SignOut(associate: String) -> impl IntoView {
    let lang = use_lang();
    view! {
        <form class="sign-out-form" method="post" action=SignOutFn::PATH>
            <button type="submit" class="sign-out">
                {move || fill(tr(lang.get(), Word::SignOut), &[("name", &associate)])}
            </button>
        </form>
    }
}
