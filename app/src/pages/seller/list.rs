//! Today's payments of the store, live: open ones first, each with its
//! details and a cancel for those still payable.

use super::sign_out::SignOut;
use super::{cancel_action, seller_screen, ReferenceRows};
use crate::browser::Stream;
use crate::components::{ConfirmCancel, ConnectionLost, LanguagePicker, MaybeProblem, PageTitle};
use crate::i18n::{self, tr, use_lang, Word};
use crate::model::{clock_time, PaymentStatus, PaymentView, StoreSummary};
use crate::server_fns::seller::{seller_store, todays_payments};
use crate::AppError;
use leptos::prelude::*;

#[component]
pub fn PaymentsPage() -> impl IntoView {
    let loaded = Resource::new_blocking(
        || (),
        |_| async move {
            let store = seller_store().await?;
            Ok::<_, AppError>((store, todays_payments().await?))
        },
    );
    seller_screen(
        move || loaded.get(),
        "seller",
        |(store, _)| store.lang,
        |(store, payments)| view! { <TodaysPayments store payments/> }.into_any(),
    )
}

#[component]
fn TodaysPayments(store: StoreSummary, payments: Vec<PaymentView>) -> impl IntoView {
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    view! {
        <PageTitle word=Word::TitlePayments/>
        <main class="seller" lang=move || lang.get().code()>
            <header class="store-bar">
                <h1>{move || t(Word::TodaysPayments)}</h1>
                <nav class="store-nav" aria-label=move || t(Word::SellerNav)>
                    <a href="/seller">{move || t(Word::BackToTill)}</a>
                    <LanguagePicker/>
                </nav>
            </header>
            <nav class="store-nav list-nav" aria-label=move || t(Word::AccountNav)>
                <SignOut associate=store.associate/>
            </nav>
            <PaymentList initial=payments money_language=store.money_language/>
        </main>
    }
}

#[component]
fn PaymentList(initial: Vec<PaymentView>, money_language: String) -> impl IntoView {
    let lang = use_lang();
    let connected = RwSignal::new(true);
    let money_language = StoredValue::new(money_language);
    let payments = RwSignal::new(initial);
    // Every change in the store arrives by push; new payments are added.
    Effect::new(move |previous: Option<Option<Stream>>| {
        if let Some(stream) = previous.flatten() {
            return Some(stream);
        }
        Stream::open(
            "/seller/events",
            String::new(),
            move |view| {
                payments.update(|list| match list.iter_mut().find(|p| p.id == view.id) {
                    Some(existing) => *existing = view,
                    None => list.insert(0, view),
                });
            },
            connected,
        )
    });
    let sorted = move || {
        let mut list = payments.get();
        list.sort_by_key(|p| p.status.is_final());
        list
    };
    view! {
        <section class="payment-list" aria-label=move || tr(lang.get(), Word::Payments)>
            <ConnectionLost connected/>
            <Show
                when=move || payments.with(|p| !p.is_empty())
                fallback=move || view! { <p class="hint">{move || tr(lang.get(), Word::NoPaymentsYet)}</p> }
            >
                <ul class="rows">
                    <For each=sorted key=|p| (p.id.clone(), p.updated_at.clone(), p.status as u8) let:payment>
                        <PaymentRow payment payments money_language=money_language.get_value()/>
                    </For>
                </ul>
            </Show>
        </section>
    }
}

#[component]
fn PaymentRow(payment: PaymentView, payments: RwSignal<Vec<PaymentView>>, money_language: String) -> impl IntoView {
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    let open =
        !payment.status.is_final() && !matches!(payment.status, PaymentStatus::Creating | PaymentStatus::Authorized);
    let id = payment.id.clone();
    let problem = RwSignal::new(None::<AppError>);
    let cancel = cancel_action(problem, move |view| {
        payments.update(|list| {
            if let Some(existing) = list.iter_mut().find(|p| p.id == view.id) {
                *existing = view;
            }
        })
    });
    let (created, amount, status) = (
        clock_time(&payment.created_at),
        payment.order_amount.display(payment.currency, &money_language),
        payment.status,
    );
    let summary = move || format!("{created} · {amount} · {}", i18n::status(lang.get(), status));
    let note = payment.problem.clone();
    view! {
        <li class=if open { "row row-open" } else { "row" }>
            <details>
                <summary>{summary}</summary>
                <dl class="receipt">
                    <dt>{move || t(Word::Payment)}</dt>
                    <dd>{payment.id.clone()}</dd>
                    <ReferenceRows payment=payment.clone()/>
                    <dt>{move || t(Word::LastChange)}</dt>
                    <dd>{clock_time(&payment.updated_at)}</dd>
                    {note
                        .map(|found| {
                            view! {
                                <dt>{move || t(Word::Note)}</dt>
                                <dd>{move || i18n::problem(lang.get(), &found)}</dd>
                            }
                        })}
                </dl>
            </details>
            {open
                .then(|| {
                    let id = StoredValue::new(id.clone());
                    view! {
                        <ConfirmCancel
                            pending=cancel.pending().into()
                            on_confirm=move || {
                                cancel.dispatch(id.get_value());
                            }
                        />
                    }
                })}
            <MaybeProblem error=problem/>
        </li>
    }
}
