//! Associates sign in to their store before the till opens. The page is
//! rendered on the server only and runs no script: a plain form posting to
//! the sign-in server function, which answers with a redirect (to the till,
//! or back here with the error in the address). So it works the moment it
//! is painted, on any network, and nothing but the server's own HTML runs
//! where a password is typed.

use crate::components::{LanguageForm, Problem};
use crate::document::scriptless_document;
use crate::i18n::{provide_lang, tr, Lang, Word};
use crate::model::StoreChoice;
use crate::server_fns::refused_form_post;
use crate::server_fns::seller::{sign_in_choices, SignIn};
use crate::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The sign-in page as a whole document. Not a route of the app: an app
/// page ends with the scripts that hand its data to hydration, and this one
/// must run nothing. `stylesheet` is the site's stylesheet's address;
/// `query` is the address's query, which brings back the error of a refused
/// sign-in.
pub fn sign_in_document(stylesheet: &str, query: &[(String, String)]) -> String {
    let (lang, body) = match sign_in_choices() {
        Ok(choices) => {
            provide_lang(choices.lang);
            let problem = refused_sign_in(query);
            (choices.lang, view! { <SignInScreen stores=choices.stores lang=choices.lang problem/> }.into_any())
        }
        Err(error) => (Lang::default(), view! { <main class="sign-in"><Problem error/></main> }.into_any()),
    };
    scriptless_document(lang.code(), tr(lang, Word::TitleSignIn).to_string(), stylesheet, None, body)
}

#[component]
fn SignInScreen(stores: Vec<StoreChoice>, lang: Lang, problem: Option<AppError>) -> impl IntoView {
    let t = move |word: Word| tr(lang, word);
    let several = stores.len() > 1;
    let first_store = stores.first().map(|s| s.id.clone()).unwrap_or_default();
    view! {
        <main class="sign-in" lang=lang.code()>
            <h1>{t(Word::SignInHeading)}</h1>
            <form method="post" action=SignIn::url() class="sign-in-form">
                {if several {
                    view! {
                        <label class="field">
                            <span>{t(Word::Store)}</span>
                            <select name="store">
                                {stores
                                    .into_iter()
                                    .map(|s| view! { <option value=s.id>{s.name}</option> })
                                    .collect_view()}
                            </select>
                        </label>
                    }
                        .into_any()
                } else {
                    view! { <input type="hidden" name="store" value=first_store/> }.into_any()
                }}
                <CredentialField
                    label=t(Word::Name)
                    field="name"
                    kind="text"
                    autocomplete="username"
                    max=domain::sign_in::MAX_NAME_CHARS
                />
                <CredentialField
                    label=t(Word::Password)
                    field="password"
                    kind="password"
                    autocomplete="current-password"
                    max=domain::sign_in::MAX_PASSWORD_BYTES
                />
                <button type="submit" class="primary">{t(Word::SignIn)}</button>
                {problem.map(|error| view! { <Problem error/> })}
            </form>
            <LanguageForm lang/>
        </main>
    }
}

/// One labelled sign-in input (name or password).
#[component]
fn CredentialField(
    label: &'static str,
    /// The form field's name, as the server function takes it.
    field: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    /// The server's bound, so the field stops where the server would refuse.
    max: usize,
) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label}</span>
            <input type=kind name=field autocomplete=autocomplete maxlength=max/>
        </label>
    }
}

/// The error a refused sign-in brought back in the address.
fn refused_sign_in(query: &[(String, String)]) -> Option<AppError> {
    let value = |key: &str| query.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    refused_form_post(value, |path| path == SignIn::PATH)
}
