//! Today's payments of the store, live: open ones first, each with its
//! details and a cancel for those still payable.

use super::live::Stream;
use crate::api::{cancel_payment, seller_store, todays_payments};
use crate::model::{clock_time, PaymentStatus, PaymentView};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn PaymentsPage() -> impl IntoView {
    let loaded = Resource::new_blocking(
        || (),
        |_| async move {
            let store = seller_store().await?;
            Ok::<_, crate::AppError>((store, todays_payments().await?))
        },
    );
    view! {
        <Title text="Today's payments · Kassa"/>
        <main class="seller">
            <header class="store-bar">
                <h1>"Today's payments"</h1>
                <nav class="store-nav" aria-label="Seller">
                    <a href="/seller">"Back to the till"</a>
                </nav>
            </header>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    loaded
                        .get()
                        .map(|result| match result {
                            Ok((store, payments)) => {
                                view! {
                                    <nav class="store-nav list-nav" aria-label="Account">
                                        <super::SignOut associate=store.associate/>
                                    </nav>
                                    <PaymentList initial=payments language=store.language/>
                                }
                                    .into_any()
                            }
                            Err(crate::AppError::SignInRequired) => {
                                view! { <leptos_router::components::Redirect path="/seller/sign-in"/> }.into_any()
                            }
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
fn PaymentList(initial: Vec<PaymentView>, language: String) -> impl IntoView {
    let payments = RwSignal::new(initial);
    let language = StoredValue::new(language);
    // Every change in the store arrives by push; new payments are added.
    Effect::new(move |previous: Option<Option<Stream>>| {
        if let Some(stream) = previous.flatten() {
            return Some(stream);
        }
        Stream::open("/seller/events", String::new(), move |view| {
            payments.update(|list| match list.iter_mut().find(|p| p.id == view.id) {
                Some(existing) => *existing = view,
                None => list.insert(0, view),
            });
        })
    });
    let sorted = move || {
        let mut list = payments.get();
        list.sort_by_key(|p| p.status.is_final());
        list
    };
    view! {
        <section class="payment-list" aria-label="Payments">
            <Show when=move || payments.with(|p| !p.is_empty()) fallback=|| view! { <p class="hint">"No payments yet today."</p> }>
                <ul class="rows">
                    <For each=sorted key=|p| (p.id.clone(), p.updated_at.clone(), p.status as u8) let:payment>
                        <PaymentRow payment payments language=language.get_value()/>
                    </For>
                </ul>
            </Show>
        </section>
    }
}

#[component]
fn PaymentRow(payment: PaymentView, payments: RwSignal<Vec<PaymentView>>, language: String) -> impl IntoView {
    let open =
        !payment.status.is_final() && !matches!(payment.status, PaymentStatus::Creating | PaymentStatus::Authorized);
    let amount = payment.order_amount.display(payment.currency, &language);
    let id = payment.id.clone();
    let problem = RwSignal::new(None::<String>);
    let cancel = Action::new(move |id: &String| {
        let id = id.clone();
        async move { cancel_payment(id).await }
    });
    Effect::new(move |_| match cancel.value().get() {
        Some(Ok(view)) => payments.update(|list| {
            if let Some(existing) = list.iter_mut().find(|p| p.id == view.id) {
                *existing = view;
            }
        }),
        Some(Err(error)) => problem.set(Some(error.to_string())),
        None => {}
    });
    let summary = format!("{} · {} · {}", clock_time(&payment.created_at), amount, payment.status.label());
    view! {
        <li class=if open { "row row-open" } else { "row" }>
            <details>
                <summary>{summary}</summary>
                <dl class="receipt">
                    <dt>"Payment"</dt>
                    <dd>{payment.id.clone()}</dd>
                    <dt>"Klarna reference"</dt>
                    <dd>{payment.klarna_reference.clone().unwrap_or_else(|| "–".into())}</dd>
                    <dt>"Order id"</dt>
                    <dd>{payment.order_id.clone().unwrap_or_else(|| "–".into())}</dd>
                    <dt>"Last change"</dt>
                    <dd>{clock_time(&payment.updated_at)}</dd>
                    {payment.problem.clone().map(|text| view! { <dt>"Note"</dt><dd>{text}</dd> })}
                </dl>
            </details>
            {open
                .then(|| {
                    let id = StoredValue::new(id.clone());
                    view! {
                        <super::payment::ConfirmCancel
                            pending=cancel.pending().into()
                            on_confirm=move || {
                                cancel.dispatch(id.get_value());
                            }
                        />
                    }
                })}
            {move || problem.get().map(|message| view! { <p class="problem" role="alert">{message}</p> })}
        </li>
    }
}
