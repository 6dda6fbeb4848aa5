//! Today's payments of the store, live: open ones first, each with its
//! details and a cancel for those still payable.

use super::sign_out::SignOut;
use super::{cancel_action, seller_screen, sign_in_again_if_signed_out, ReferenceRows};
use crate::browser::{Live, LiveStream};
use crate::components::{ConfirmCancel, ConnectionLost, LanguagePicker, MaybeProblem, PageTitle};
use crate::i18n::{self, fill, tr, use_lang, Word};
use crate::model::{clock_time, PaymentStatus, PaymentView, StoreSummary, TodaysList, TODAYS_LIST_LIMIT};
use crate::server_fns::seller::{seller_store, todays_payments};
use crate::AppError;
use domain::CaptureStatus;
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
        |(store, today)| view! { <TodaysPaymentsScreen store today/> }.into_any(),
    )
}

#[component]
fn TodaysPaymentsScreen(store: StoreSummary, today: TodaysList) -> impl IntoView {
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
            <PaymentList initial=today money_language=store.money_language/>
        </main>
    }
}

#[component]
fn PaymentList(initial: TodaysList, money_language: String) -> impl IntoView {
    let lang = use_lang();
    let connected = RwSignal::new(true);
    let money_language = StoredValue::new(money_language);
    let payments = RwSignal::new(initial.payments);
    let older_left_out = RwSignal::new(initial.older_left_out);
    // The whole list again at every connect (the page may have been rendered
    // a while before; a reconnect missed what happened meanwhile) and at
    // `resync`; in between, every change arrives by push.
    let list_again = move || {
        leptos::task::spawn_local(async move {
            if let Ok(fetched) = todays_payments().await {
                payments.update(|list| *list = merge_newest(std::mem::take(list), fetched.payments));
                older_left_out.set(fetched.older_left_out);
            }
        })
    };
    // The effect keeps the open stream as its own value: effects run only in
    // the browser, so nothing browser-only is ever made during SSR.
    Effect::new(move |previous: Option<Option<Live>>| {
        previous.flatten().or_else(|| {
            let stream = LiveStream::new("/seller/events", connected)
                .on("payment", move |view: PaymentView| {
                    payments.update(|list| *list = merge_newest(std::mem::take(list), vec![view]))
                })
                .on_signal("resync", list_again)
                .on_open(list_again)
                .on_refused(sign_in_again_if_signed_out);
            Some(stream.open())
        })
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
            <Show when=move || older_left_out.get()>
                <p class="hint">
                    {move || fill(tr(lang.get(), Word::OlderPaymentsLeftOut), &[("count", &TODAYS_LIST_LIMIT.to_string())])}
                </p>
            </Show>
        </section>
    }
}

/// `known` with `arrived` folded in: per payment the later state wins (an
/// answer to a list fetched before a pushed change must not undo it), and
/// payments new to the list come first.
fn merge_newest(mut known: Vec<PaymentView>, arrived: Vec<PaymentView>) -> Vec<PaymentView> {
    let mut new = Vec::new();
    for payment in arrived {
        match known.iter_mut().find(|p| p.id == payment.id) {
            Some(existing) if existing.updated_at <= payment.updated_at => *existing = payment,
            Some(_) => {}
            None => new.push(payment),
        }
    }
    new.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    new.extend(known);
    new
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
        clock_time(&payment.created_at_local),
        payment.order_amount.display(payment.currency, &money_language),
        payment.status,
    );
    let summary = move || format!("{created} · {amount} · {}", i18n::status(lang.get(), status));
    let note = payment.problem.clone();
    let capture = payment.capture.map(|capture| match capture {
        CaptureStatus::Pending => Word::CapturePending,
        CaptureStatus::Captured => Word::CaptureDone,
        CaptureStatus::Refused => Word::CaptureRefused,
    });
    view! {
        <li class=if open { "row row-open" } else { "row" }>
            <details>
                <summary>{summary}</summary>
                <dl class="receipt">
                    <dt>{move || t(Word::Payment)}</dt>
                    <dd>{payment.id.clone()}</dd>
                    <ReferenceRows payment=payment.clone()/>
                    <dt>{move || t(Word::LastChange)}</dt>
                    <dd>{clock_time(&payment.updated_at_local)}</dd>
                    {capture
                        .map(|words| {
                            view! {
                                <dt>{move || t(Word::Capture)}</dt>
                                <dd class="capture">{move || t(words)}</dd>
                            }
                        })}
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

#[cfg(test)]
mod tests {
    use super::*;

    fn payment(id: &str, created_at: &str, updated_at: &str, status: PaymentStatus) -> PaymentView {
        serde_json::from_value(serde_json::json!({
            "id": id, "store_id": "stockholm", "status": status, "currency": "SEK",
            "order_amount": 100, "order_tax_amount": 0, "distribution_module_url": null,
            "redirect_url": null, "qr_code_url": null, "expires_at": null, "order_id": null,
            "klarna_reference": null, "created_at": created_at, "updated_at": updated_at, "problem": null
        }))
        .unwrap()
    }

    #[test]
    fn a_list_fetched_before_a_pushed_change_does_not_undo_it() {
        let pushed = payment("a", "2026-11-30T08:00:00.000Z", "2026-11-30T08:00:05.100Z", PaymentStatus::Completed);
        let stale = payment("a", "2026-11-30T08:00:00.000Z", "2026-11-30T08:00:01.000Z", PaymentStatus::Waiting);
        let newer = payment("b", "2026-11-30T08:00:03.000Z", "2026-11-30T08:00:03.000Z", PaymentStatus::Waiting);
        let merged = merge_newest(vec![pushed.clone()], vec![stale, newer.clone()]);
        assert_eq!(merged, vec![newer.clone(), pushed.clone()], "the later state wins; the new payment comes first");

        let paid = payment("b", "2026-11-30T08:00:03.000Z", "2026-11-30T08:00:09.000Z", PaymentStatus::Completed);
        let merged = merge_newest(merged, vec![paid.clone()]);
        assert_eq!(merged, vec![paid, pushed], "a newer state replaces the row in place");
    }
}
