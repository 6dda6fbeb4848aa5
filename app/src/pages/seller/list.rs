//! Today's payments of the store, live: open ones first, each with its
//! details, a cancel for those still payable and a refund for paid ones;
//! older payments are found by Klarna reference or amount.

use super::refund::RefundPanel;
use super::sign_out::SignOut;
use super::{cancel_action, sign_in_again_if_signed_out, ReferenceRows};
use crate::browser::{Live, LiveStream};
use crate::components::{follow_page_title, ConfirmCancel, ConnectionLost, LanguagePicker, MaybeProblem};
use crate::i18n::{self, fill, provide_lang, tr, use_lang, Word};
use crate::model::{clock_time, PaymentStatus, PaymentView, StoreSummary, TodaysList, FOUND_LIMIT, TODAYS_LIST_LIMIT};
use crate::server_fns::seller::{find_payments, todays_payments};
use crate::AppError;
use domain::{CaptureStatus, MinorUnits, RefundView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
#[component]
pub fn PaymentsPage() -> impl IntoView {
    let load = async move {
        let store = crate::server_fns::seller::seller_store().await?;
        Ok::<_, AppError>((store, todays_payments().await?))
    };
    super::screen::seller_screen(
        load,
        "seller",
        Word::TitlePayments,
        |(store, _)| store.lang,
        |(store, today)| view! { <TodaysPayments store today/> }.into_any(),
    )
}

/// Today's payments as an island, live as a whole; like the till's, it
/// provides its own language (an island sees no server-side context).
#[island(lazy)]
fn TodaysPayments(store: StoreSummary, today: TodaysList) -> impl IntoView {
    provide_lang(store.lang);
    follow_page_title(Word::TitlePayments);
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    view! {
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
    let found = RwSignal::new(None::<Vec<PaymentView>>);
    let refund_seen = RwSignal::new(None::<RefundView>);
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
                    found.update(|found| {
                        if let Some(list) = found.as_mut() {
                            *list = replace_newer(std::mem::take(list), &view);
                        }
                    });
                    payments.update(|list| *list = merge_newest(std::mem::take(list), vec![view]))
                })
                .on("refund", move |refund: RefundView| refund_seen.set(Some(refund)))
                .on_signal("resync", list_again)
                .on_open(list_again)
                .on_refused(sign_in_again_if_signed_out);
            Some(stream.open())
        })
    });
    let sorted = move || {
        let mut list = payments.get();
        list.sort_by_key(|p| p.status.is_final());
        list.into_iter().map(|p| p.id).collect::<Vec<_>>()
    };
    view! {
        <FindPayment found money_language refund_seen/>
        <section class="payment-list" aria-label=move || tr(lang.get(), Word::Payments)>
            <ConnectionLost connected/>
            <Show
                when=move || payments.with(|p| !p.is_empty())
                fallback=move || view! { <p class="hint">{move || tr(lang.get(), Word::NoPaymentsYet)}</p> }
            >
                <ul class="rows">
                    <For each=sorted key=|id| id.clone() let:id>
                        <PaymentRow id rows=payments money_language refund_seen/>
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

/// `list` with `view` in place of an older state of the same payment.
fn replace_newer(mut list: Vec<PaymentView>, view: &PaymentView) -> Vec<PaymentView> {
    for existing in list.iter_mut().filter(|p| p.id == view.id && p.updated_at <= view.updated_at) {
        *existing = view.clone();
    }
    list
}

/// Older payments by Klarna reference (or Kassa's id) or amount, of any
/// day: each shown as in the list, live, with its refund.
#[component]
fn FindPayment(
    found: RwSignal<Option<Vec<PaymentView>>>,
    money_language: StoredValue<String>,
    refund_seen: RwSignal<Option<RefundView>>,
) -> impl IntoView {
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    let text = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<AppError>);
    let find = Action::new(move |text: &String| {
        let text = text.clone();
        async move { find_payments(text).await }
    });
    Effect::new(move |_| match find.value().get() {
        Some(Ok(list)) => {
            problem.set(None);
            found.set(Some(list));
        }
        Some(Err(error)) => problem.set(Some(error)),
        None => {}
    });
    let rows = RwSignal::new(Vec::<PaymentView>::new());
    Effect::new(move |_| rows.set(found.get().unwrap_or_default()));
    let ids = move || rows.with(|list| list.iter().map(|p| p.id.clone()).collect::<Vec<_>>());
    view! {
        <section class="find-payment" aria-label=move || t(Word::FindPayment)>
            <form
                class="find-form"
                role="search"
                on:submit=move |ev| {
                    ev.prevent_default();
                    find.dispatch(text.get_untracked());
                }
            >
                <label class="field">
                    <span>{move || t(Word::FindLabel)}</span>
                    <input
                        type="search"
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                    />
                </label>
                <button type="submit" disabled=move || find.pending().get()>
                    {move || if find.pending().get() { t(Word::Finding) } else { t(Word::Find) }}
                </button>
            </form>
            <MaybeProblem error=problem/>
            {move || {
                found
                    .with(|list| list.as_ref().map(Vec::len))
                    .map(|count| {
                        if count == 0 {
                            view! { <p class="hint" role="status">{move || t(Word::NothingFound)}</p> }.into_any()
                        } else {
                            let newest = (count >= FOUND_LIMIT as usize)
                                .then(|| fill(t(Word::FoundNewest), &[("count", &FOUND_LIMIT.to_string())]));
                            view! {
                                <ul class="rows" aria-label=move || t(Word::FoundPayments)>
                                    <For each=ids key=|id| id.clone() let:id>
                                        <PaymentRow id rows money_language refund_seen/>
                                    </For>
                                </ul>
                                {newest.map(|text| view! { <p class="hint">{text}</p> })}
                            }
                                .into_any()
                        }
                    })
            }}
        </section>
    }
}

/// One payment of `rows`, kept up to date as the row list changes; its
/// refund stays open while the payment changes under it.
#[component]
fn PaymentRow(
    id: String,
    rows: RwSignal<Vec<PaymentView>>,
    money_language: StoredValue<String>,
    refund_seen: RwSignal<Option<RefundView>>,
) -> impl IntoView {
    let current = Memo::new(move |_| rows.with(|list| list.iter().find(|p| p.id == id).cloned()));
    let refundable = Memo::new(move |_| {
        current.with(|p| {
            p.as_ref()
                .is_some_and(|p| p.status == PaymentStatus::Completed && p.capture == Some(CaptureStatus::Captured))
        })
    });
    let open = move || {
        current.with(|p| {
            p.as_ref().is_some_and(|p| {
                !p.status.is_final() && !matches!(p.status, PaymentStatus::Creating | PaymentStatus::Authorized)
            })
        })
    };
    view! {
        <li class=move || if open() { "row row-open" } else { "row" }>
            {move || {
                let money_language = money_language.get_value();
                current.get().map(|payment| view! { <PaymentDetails payment rows money_language/> })
            }}
            <Show when=move || refundable.get()>
                <RefundPanel payment=current money_language refund_seen/>
            </Show>
        </li>
    }
}

#[component]
fn PaymentDetails(payment: PaymentView, rows: RwSignal<Vec<PaymentView>>, money_language: String) -> impl IntoView {
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    let open =
        !payment.status.is_final() && !matches!(payment.status, PaymentStatus::Creating | PaymentStatus::Authorized);
    let id = payment.id.clone();
    let problem = RwSignal::new(None::<AppError>);
    let cancel = cancel_action(problem, move |view| {
        rows.update(|list| {
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
    let refunded = (payment.refunded_amount > MinorUnits::ZERO)
        .then(|| payment.refunded_amount.display(payment.currency, &money_language));
    let summary = move || {
        let mut text = format!("{created} · {amount} · {}", i18n::status(lang.get(), status));
        if let Some(refunded) = &refunded {
            text.push_str(" · ");
            text.push_str(&fill(tr(lang.get(), Word::RefundedSoFar), &[("amount", refunded)]));
        }
        text
    };
    let note = payment.problem.clone();
    let capture = payment.capture.map(|capture| match capture {
        CaptureStatus::Pending => Word::CapturePending,
        CaptureStatus::Captured => Word::CaptureDone,
        CaptureStatus::Refused => Word::CaptureRefused,
    });
    view! {
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
