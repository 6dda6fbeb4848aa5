use crate::i18n::{tr, Lang, Word};
use crate::server_fns::language::SetLanguage;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The language picker: switches at once and is remembered on this device.
/// The choice is posted as the plain form below would post it: only whether
/// the cookie was set matters, which needs none of the server-function
/// client's code in the island.
#[component]
pub fn LanguagePicker() -> impl IntoView {
    let lang = use_context::<RwSignal<Lang>>().unwrap_or_else(|| RwSignal::new(Lang::En));
    let remember = move |chosen: Lang| {
        leptos::task::spawn_local(async move {
            let answer = crate::browser::post_form(SetLanguage::PATH, &[("lang", chosen.code())]).await;
            if !answer.accepted() {
                // The screen has switched; only the next visit forgets it.
                leptos::logging::warn!("the language was not remembered ({}): {}", answer.status, answer.body);
            }
        });
    };
    view! {
        <label class="field lang-picker">
            <span>{move || tr(lang.get(), Word::Language)}</span>
            <select
                on:change=move |ev| {
                    if let Some(chosen) = Lang::from_code(&event_target_value(&ev)) {
                        lang.set(chosen);
                        remember(chosen);
                    }
                }
                prop:value=move || lang.get().code()
            >
                {Lang::ALL
                    .into_iter()
                    .map(|choice| {
                        view! {
                            <option value=choice.code() lang=choice.code() selected=move || lang.get() == choice>
                                {choice.name()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// The language picker of a page that runs no script: a plain form posting
/// the choice, answered with a redirect back to the page, now in that
/// language. Other languages name themselves, so a reader finds their own.
#[cfg(feature = "ssr")]
#[component]
pub fn LanguageForm(lang: Lang) -> impl IntoView {
    view! {
        <form method="post" action=SetLanguage::url() class="lang-form">
            <label class="field lang-picker">
                <span>{tr(lang, Word::Language)}</span>
                <select name="lang">
                    {Lang::ALL
                        .into_iter()
                        .map(|choice| {
                            view! {
                                <option value=choice.code() lang=choice.code() selected=lang == choice>
                                    {choice.name()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <button type="submit">{tr(lang, Word::UseLanguage)}</button>
        </form>
    }
}
