//! Associates sign in to their store before the till opens.

use super::seller_screen;
use crate::browser::load_page;
use crate::components::{LanguagePicker, MaybeProblem, PageTitle};
use crate::i18n::{tr, use_lang, Word};
use crate::model::StoreChoice;
use crate::server_fns::seller::{sign_in_stores, SignIn};
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
    let first_store = stores.first().map(|s| s.id.clone()).unwrap_or_default();
    let password = NodeRef::<leptos::html::Input>::new();
    // A sign-in posted before the page hydrated (or without JavaScript) comes
    // back here with its error in the address, as Leptos encodes it.
    let problem = RwSignal::new(error_in_address());
    let submit = ServerAction::<SignIn>::new();
    Effect::new(move |_| {
        if submit.pending().get() {
            problem.set(None);
        }
    });
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(_)) => {
            // A full load, so the till starts with the new cookie.
            load_page("/seller");
        }
        Some(Err(error)) => {
            if let Some(input) = password.get_untracked() {
                input.set_value("");
            }
            problem.set(Some(error));
        }
        None => {}
    });
    let several = stores.len() > 1;
    // `ActionForm` is a real form posting to the server function: a tap
    // before the page hydrates (or without JavaScript) posts it directly, and
    // the server answers with a redirect; after hydration it calls the
    // function without leaving the page. The fields are the browser's own
    // (no values bound), so what was typed before hydration stays.
    view! {
        <ActionForm action=submit attr:class="sign-in-form">
            {if several {
                view! {
                    <label class="field">
                        <span>{move || t(Word::Store)}</span>
                        <select name="store">
                            {stores
                                .iter()
                                .map(|s| view! { <option value=s.id.clone()>{s.name.clone()}</option> })
                                .collect_view()}
                        </select>
                    </label>
                }
                    .into_any()
            } else {
                view! { <input type="hidden" name="store" value=first_store/> }.into_any()
            }}
            <CredentialField
                label=Word::Name
                field="name"
                kind="text"
                autocomplete="username"
                max=domain::sign_in::MAX_NAME_CHARS
            />
            <CredentialField
                label=Word::Password
                field="password"
                kind="password"
                autocomplete="current-password"
                max=domain::sign_in::MAX_PASSWORD_BYTES
                node_ref=password
            />
            <button type="submit" class="primary" disabled=move || submit.pending().get()>
                {move || t(Word::SignIn)}
            </button>
            <MaybeProblem error=problem/>
        </ActionForm>
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
    #[prop(optional)] node_ref: NodeRef<leptos::html::Input>,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <label class="field">
            <span>{move || tr(lang.get(), label)}</span>
            <input type=kind name=field autocomplete=autocomplete maxlength=max node_ref=node_ref/>
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
