use crate::i18n::{tr, Lang, Word};
use crate::server_fns::language::set_language;
use leptos::prelude::*;

/// The language picker: switches at once and is remembered on this device.
#[component]
pub fn LanguagePicker() -> impl IntoView {
    let lang = use_context::<RwSignal<Lang>>().unwrap_or_else(|| RwSignal::new(Lang::En));
    let remember = Action::new(|lang: &Lang| set_language(*lang));
    view! {
        <label class="field lang-picker">
            <span>{move || tr(lang.get(), Word::Language)}</span>
            <select
                on:change=move |ev| {
                    if let Some(chosen) = Lang::from_code(&event_target_value(&ev)) {
                        lang.set(chosen);
                        remember.dispatch(chosen);
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
