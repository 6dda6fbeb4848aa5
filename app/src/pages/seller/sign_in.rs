//! Associates sign in to their store before the till opens.

use super::seller_screen;
use crate::browser::load_page;
use crate::components::{LanguagePicker, MaybeProblem, PageTitle};
use crate::i18n::{tr, use_lang, Word};
use crate::model::StoreChoice;
use crate::server_fns::seller::{sign_in, sign_in_stores, SignIn};
use crate::AppError;
use leptos::prelude::*;
use leptos::server_fn::error::ServerFnUrlError;
use leptos::server_fn::ServerFn;

#[component]
pub fn SignInPage() -> impl IntoView {
    // Blocking, so the page is rendered in its language from the start.
    let choices = Resource::new_blocking(|| (), |_| sign_in_stores());
    seller_screen(
        move || choices.get(),
        "sign-in",
        |choices| choices.lang,
        |choices| view! { <SignInScreen stores=choices.stores/> }.into_any(),
    )
}

#[component]
fn SignInScreen(stores: Vec<StoreChoice>) -> impl IntoView {
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    view! {
        <PageTitle word=Word::TitleSignIn/>
        <main class="sign-in" lang=move || lang.get().code()>
            <h1>{move || t(Word::SignInHeading)}</h1>
            <SignInForm stores/>
            <LanguagePicker/>
        </main>
    }
}

#[component]
fn SignInForm(stores: Vec<StoreChoice>) -> impl IntoView {
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    let store = RwSignal::new(stores.first().map(|s| s.id.clone()).unwrap_or_default());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    // A sign-in posted before the page hydrated (or without JavaScript) comes
    // back here with its error in the address, as Leptos encodes it.
    let problem = RwSignal::new(error_in_address());
    let submit = Action::new(move |(store, name, password): &(String, String, String)| {
        let (store, name, password) = (store.clone(), name.clone(), password.clone());
        async move { sign_in(store, name, password).await }
    });
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(_)) => {
            // A full load, so the till starts with the new cookie.
            load_page("/seller");
        }
        Some(Err(error)) => {
            password.set(String::new());
            problem.set(Some(error));
        }
        None => {}
    });
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        problem.set(None);
        submit.dispatch((store.get_untracked(), name.get_untracked(), password.get_untracked()));
    };
    let several = stores.len() > 1;
    view! {
        // A real form: a tap before the page hydrates posts it to the server
        // function directly (which answers with a redirect); after hydration
        // `on_submit` calls it without leaving the page.
        <form class="sign-in-form" method="post" action=SignIn::url() on:submit=on_submit>
            {if several {
                view! {
                    <label class="field">
                        <span>{move || t(Word::Store)}</span>
                        <select
                            name="store"
                            on:change=move |ev| store.set(event_target_value(&ev))
                            prop:value=move || store.get()
                        >
                            {stores
                                .iter()
                                .map(|s| view! { <option value=s.id.clone()>{s.name.clone()}</option> })
                                .collect_view()}
                        </select>
                    </label>
                }
                    .into_any()
            } else {
                view! { <input type="hidden" name="store" value=store.get_untracked()/> }.into_any()
            }}
            <CredentialField
                label=Word::Name
                field="name"
                kind="text"
                autocomplete="username"
                max=domain::sign_in::MAX_NAME_CHARS
                value=name
            />
            <CredentialField
                label=Word::Password
                field="password"
                kind="password"
                autocomplete="current-password"
                max=domain::sign_in::MAX_PASSWORD_BYTES
                value=password
            />
            <button type="submit" class="primary" disabled=move || submit.pending().get()>
                {move || t(Word::SignIn)}
            </button>
            <MaybeProblem error=problem/>
        </form>
    }
}

/// One labelled sign-in input (name or password).
#[component]
fn CredentialField(
    label: Word,
    /// The form field's name, as the server function takes it.
    field: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    /// The server's bound, so the field stops where the server would refuse.
    max: usize,
    value: RwSignal<String>,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <label class="field">
            <span>{move || tr(lang.get(), label)}</span>
            <input
                type=kind
                name=field
                autocomplete=autocomplete
                maxlength=max
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}

/// The sign-in's error that a plain form post brought back in the address
/// (`?__path=…&__err=…`), if this page is its answer.
fn error_in_address() -> Option<AppError> {
    let query = leptos_router::hooks::use_query_map();
    query.with_untracked(|query| {
        let ours = query.get_str("__path").is_some_and(|path| path == SignIn::PATH);
        query.get_str("__err").filter(|_| ours).map(ServerFnUrlError::<AppError>::decode_err)
    })
}
