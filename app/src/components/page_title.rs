use crate::i18n::{tr, use_lang, Word};
use leptos::prelude::*;
use leptos_meta::Title;

/// The page title in the screen's language. The server renders it once
/// (reading the language then: `<Title>` is rendered after this scope may be
/// gone); in the browser it follows language switches.
#[component]
pub fn PageTitle(word: Word) -> impl IntoView {
    let lang = use_lang();
    Effect::new(move |_| {
        let title = tr(lang.get(), word);
        if let Some(document) = web_sys::window().and_then(|window| window.document()) {
            document.set_title(title);
        }
    });
    view! { <Title text=tr(lang.get_untracked(), word)/> }
}
