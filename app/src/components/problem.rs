use crate::i18n::{self, use_lang};
use crate::AppError;
use leptos::prelude::*;

/// A failed call, in the screen's language.
#[component]
pub fn Problem(#[prop(into)] error: Signal<AppError>) -> impl IntoView {
    let lang = use_lang();
    view! { <p class="problem" role="alert">{move || i18n::app_error(lang.get(), &error.get())}</p> }
}

/// An optional failure shown while there is one.
#[component]
pub fn MaybeProblem(error: RwSignal<Option<AppError>>) -> impl IntoView {
    move || error.get().map(|error| view! { <Problem error/> })
}
