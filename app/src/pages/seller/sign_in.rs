//! Associates sign in to their store before the till opens.

use crate::api::{sign_in, sign_in_stores};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SignInPage() -> impl IntoView {
    let stores = Resource::new(|| (), |_| sign_in_stores());
    view! {
        <Title text="Sign in · Kassa"/>
        <main class="sign-in">
            <h1>"Sign in to your store"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    stores
                        .get()
                        .map(|result| match result {
                            Ok(stores) => view! { <SignInForm stores/> }.into_any(),
                            Err(error) => {
                                view! { <p class="problem" role="alert">{error.to_string()}</p> }.into_any()
                            }
                        })
                }}
            </Suspense>
        </main>
    }
}

#[component]
fn SignInForm(stores: Vec<crate::model::StoreChoice>) -> impl IntoView {
    let store = RwSignal::new(stores.first().map(|s| s.id.clone()).unwrap_or_default());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let submit = Action::new(move |(store, name, password): &(String, String, String)| {
        let (store, name, password) = (store.clone(), name.clone(), password.clone());
        async move { sign_in(store, name, password).await }
    });
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(_)) => {
            // A full load, so the till starts with the new cookie.
            if let Some(window) = web_sys::window() {
                let _ = window.location().assign("/seller");
            }
        }
        Some(Err(error)) => {
            password.set(String::new());
            problem.set(Some(error.to_string()));
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
        <form class="sign-in-form" on:submit=on_submit>
            {several
                .then(|| {
                    view! {
                        <label class="field">
                            <span>"Store"</span>
                            <select on:change=move |ev| store.set(event_target_value(&ev)) prop:value=move || store.get()>
                                {stores
                                    .iter()
                                    .map(|s| view! { <option value=s.id.clone()>{s.name.clone()}</option> })
                                    .collect_view()}
                            </select>
                        </label>
                    }
                })}
            <label class="field">
                <span>"Name"</span>
                <input
                    type="text"
                    autocomplete="username"
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
            </label>
            <label class="field">
                <span>"Password"</span>
                <input
                    type="password"
                    autocomplete="current-password"
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev))
                />
            </label>
            <button type="submit" class="primary" disabled=move || !hydrated.get() || submit.pending().get()>
                "Sign in"
            </button>
            {move || problem.get().map(|message| view! { <p class="problem" role="alert">{message}</p> })}
        </form>
    }
}
