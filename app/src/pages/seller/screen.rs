//! The page around a seller screen's island, rendered on the server only.

use crate::components::Problem;
use crate::i18n::{provide_lang, tr, Lang, Word};
use crate::AppError;
use leptos::prelude::*;
use std::future::Future;

/// A seller screen once `load` has its data, in the associate's language
/// and titled `title` in it.
/// Without a session it goes to sign-in; a failure shows in place of the
/// screen, in `<main class={main_class}>`. Rendered on the server only (the
/// screen's island gets what it needs as props), so the data is loaded
/// there and not also copied into the page for a hydration that never
/// happens outside the island.
pub(super) fn seller_screen<T: Send + 'static>(
    load: impl Future<Output = Result<T, AppError>> + Send + 'static,
    main_class: &'static str,
    title: Word,
    lang_of: fn(&T) -> Lang,
    screen: fn(T) -> AnyView,
) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p>"…"</p> }>
            {Suspend::new(async move {
                match load.await {
                    Ok(data) => {
                        let lang = lang_of(&data);
                        provide_lang(lang);
                        view! {
                            <leptos_meta::Title text=tr(lang, title)/>
                            {screen(data)}
                        }
                            .into_any()
                    }
                    Err(AppError::SignInRequired) => {
                        view! { <leptos_router::components::Redirect path="/seller/sign-in"/> }.into_any()
                    }
                    Err(error) => view! { <main class=main_class><Problem error/></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}
