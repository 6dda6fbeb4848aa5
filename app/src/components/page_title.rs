use crate::i18n::{tr, use_lang, Word};
use leptos::prelude::*;

/// Keeps the document's title in the screen's language as the associate
/// switches it. The server renders the first title, outside the island
/// (`seller_screen`), so the island carries no `leptos_meta` code.
pub fn follow_page_title(word: Word) {
    let lang = use_lang();
    Effect::new(move |_| {
        let title = tr(lang.get(), word);
        if let Some(document) = web_sys::window().and_then(|window| window.document()) {
            document.set_title(title);
        }
    });
}
