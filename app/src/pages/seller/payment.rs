//! The running payment beside the cart: the Distribution Module, status in
//! words, the countdown, other ways to send the link, cancel, regenerate,
//! and the outcome.

use super::live::minutes_seconds;
use crate::browser::{parse_time, ticking_clock};
use crate::components::{ConfirmCancel, ConnectionLost, MaybeProblem};
use crate::i18n::{self, fill, tr, use_lang, Word};
use crate::model::{clock_time, LinkChannel, LinkRecipient, PaymentStatus, PaymentView, StoreSummary};
use crate::server_fns::seller::{cancel_payment, regenerate_payment, send_link};
use crate::AppError;
use domain::{FieldErrors, PHONE_COUNTRIES};
use leptos::prelude::*;

#[component]
pub fn PaymentPanel(
    payment: RwSignal<Option<PaymentView>>,
    store: StoreSummary,
    /// Whether the live status stream is up.
    connected: RwSignal<bool>,
    new_attempt_key: fn() -> String,
    new_sale: impl Fn(leptos::ev::MouseEvent) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    // Separate memos so that a status update never reloads the iframe.
    let module_url = Memo::new(move |_| {
        payment.with(|p| p.as_ref().filter(|p| !p.status.is_final()).and_then(|p| p.distribution_module_url.clone()))
    });
    let status = Memo::new(move |_| payment.with(|p| p.as_ref().map(|p| p.status)));
    let open = move || status.get().is_some_and(|s| !s.is_final() && s != PaymentStatus::Creating);
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    let regenerate_problem = RwSignal::new(None::<AppError>);
    let regenerate = regenerate_action(payment, regenerate_problem);
    let money_language = StoredValue::new(store.money_language.clone());
    // Telesales: the shopper is on the phone, so the send forms come before
    // the Distribution Module.
    let sends_first = store.sends_first();
    let fallbacks_first = store.clone();
    view! {
        <section class="payment" aria-label=move || t(Word::Payment)>
            {move || match status.get() {
                None => view! { <p class="hint">{move || t(Word::Hint)}</p> }.into_any(),
                Some(status) => {
                    let tone = if status == PaymentStatus::Completed {
                        "paid"
                    } else if status.is_final() {
                        "ended"
                    } else {
                        "open"
                    };
                    view! {
                        <div class=format!("status status-{tone}") role="status" aria-live="polite">
                            <span class="status-label">{move || i18n::status(lang.get(), status)}</span>
                        </div>
                    }
                        .into_any()
                }
            }}
            <ConnectionLost connected when=Signal::derive(open)/>
            <Show when=open>
                <Countdown payment/>
            </Show>
            <Show when=move || sends_first && open()>
                <LinkFallbacks payment store=fallbacks_first.clone()/>
            </Show>
            {move || {
                module_url
                    .get()
                    .map(|url| {
                        view! {
                            <iframe class="distribution-module" title=move || t(Word::DistributionModule) src=url></iframe>
                        }
                    })
            }}
            <Show when=open>
                {(!sends_first).then(|| view! { <LinkFallbacks payment store=store.clone()/> })}
                <div class="payment-actions">
                    <RegenerateControl payment regenerate new_attempt_key/>
                    <CancelControl payment/>
                </div>
            </Show>
            <MaybeProblem error=regenerate_problem/>
            {move || {
                let money_language = money_language.get_value();
                payment.get().filter(|p| p.status.is_final()).map(|p| view! { <Outcome payment=p money_language new_sale/> })
            }}
        </section>
    }
}

/// How long the link stays payable. Display only: the server decides.
#[component]
fn Countdown(payment: RwSignal<Option<PaymentView>>) -> impl IntoView {
    let lang = use_lang();
    let now = ticking_clock();
    let expires = Memo::new(move |_| payment.with(|p| p.as_ref().and_then(|p| p.expires_at.clone())));
    move || {
        let at = expires.get()?;
        let text = match (now.get(), parse_time(&at)) {
            (Some(now), Some(deadline)) if deadline > now => {
                fill(tr(lang.get(), Word::LinkExpiresIn), &[("time", &minutes_seconds(deadline - now))])
            }
            (Some(_), Some(_)) => tr(lang.get(), Word::LinkExpiring).to_string(),
            _ => fill(tr(lang.get(), Word::LinkValidUntil), &[("time", &clock_time(&at))]),
        };
        Some(view! { <p class="expiry" aria-live="off">{text}</p> })
    }
}

/// QR code, SMS and e-mail: other ways to get the link to the shopper.
#[component]
fn LinkFallbacks(payment: RwSignal<Option<PaymentView>>, store: StoreSummary) -> impl IntoView {
    let lang = use_lang();
    // Sending first: the first channel's form is open at once.
    let shown = RwSignal::new(store.channels.first().copied().filter(|_| store.sends_first()));
    let channels = store.channels.clone();
    let qr_url = Memo::new(move |_| payment.with(|p| p.as_ref().and_then(|p| p.qr_code_url.clone())));
    let toggle = move |channel: LinkChannel| {
        shown.update(|current| *current = if *current == Some(channel) { None } else { Some(channel) })
    };
    let button = move |channel: LinkChannel, label: Word| {
        view! {
            <button
                type="button"
                aria-expanded=move || if shown.get() == Some(channel) { "true" } else { "false" }
                on:click=move |_| toggle(channel)
            >
                {move || tr(lang.get(), label)}
            </button>
        }
    };
    let country = store.country.clone();
    view! {
        <div class="fallbacks">
            <div class="button-row" role="group" aria-label=move || tr(lang.get(), Word::OtherWays)>
                {channels.contains(&LinkChannel::Qr).then(|| button(LinkChannel::Qr, Word::ShowQr))}
                {channels.contains(&LinkChannel::Sms).then(|| button(LinkChannel::Sms, Word::SendBySms))}
                {channels.contains(&LinkChannel::Email).then(|| button(LinkChannel::Email, Word::SendByEmail))}
            </div>
            {move || match shown.get() {
                Some(LinkChannel::Qr) => {
                    qr_url
                        .get()
                        .map(|url| {
                            view! {
                                <img
                                    class="qr-large"
                                    src=url
                                    alt=move || tr(lang.get(), Word::QrAlt)
                                    width="320"
                                    height="320"
                                />
                            }
                                .into_any()
                        })
                }
                Some(LinkChannel::Sms) => Some(view! { <SendForm payment sms=true country=country.clone()/> }.into_any()),
                Some(LinkChannel::Email) => {
                    Some(view! { <SendForm payment sms=false country=country.clone()/> }.into_any())
                }
                None => None,
            }}
        </div>
    }
}

/// Sends the link by SMS (phone and country) or e-mail through Klarna.
#[component]
fn SendForm(payment: RwSignal<Option<PaymentView>>, sms: bool, country: String) -> impl IntoView {
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    let phone_country = RwSignal::new(country);
    let address = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::default());
    let sent_to = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<AppError>);
    let send = Action::new(move |(id, to): &(String, LinkRecipient)| {
        let (id, to) = (id.clone(), to.clone());
        async move { send_link(id, to).await }
    });
    Effect::new(move |_| match send.value().get() {
        Some(Ok(())) => {
            problem.set(None);
            sent_to.set(Some(address.get_untracked()));
        }
        Some(Err(AppError::Invalid(found))) => errors.set(found),
        Some(Err(error)) => problem.set(Some(error)),
        None => {}
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(id) = payment.with_untracked(|p| p.as_ref().map(|p| p.id.clone())) else { return };
        let to = if sms {
            LinkRecipient::Sms { country: phone_country.get_untracked(), phone: address.get_untracked() }
        } else {
            LinkRecipient::Email { email: address.get_untracked() }
        };
        errors.set(FieldErrors::default());
        sent_to.set(None);
        problem.set(None);
        send.dispatch((id, to));
    };
    let field = if sms { "phone" } else { "email" };
    let error = move || {
        errors
            .with(|e| e.for_field(field).or(e.for_field("country")).map(|found| i18n::field_problem(lang.get(), found)))
    };
    view! {
        <form class="send-form" on:submit=submit novalidate>
            {sms
                .then(|| {
                    view! {
                        <label class="field">
                            <span>{move || t(Word::Country)}</span>
                            <select
                                on:change=move |ev| phone_country.set(event_target_value(&ev))
                                prop:value=move || phone_country.get()
                            >
                                {PHONE_COUNTRIES
                                    .iter()
                                    .map(|(code, calling)| {
                                        view! { <option value=*code>{format!("{code} ({calling})")}</option> }
                                    })
                                    .collect_view()}
                            </select>
                        </label>
                    }
                })}
            <label class="field">
                <span>{move || if sms { t(Word::PhoneNumber) } else { t(Word::EmailAddress) }}</span>
                <input
                    type=if sms { "tel" } else { "email" }
                    autocomplete="off"
                    prop:value=move || address.get()
                    on:input=move |ev| address.set(event_target_value(&ev))
                    aria-invalid=move || if error().is_some() { "true" } else { "false" }
                />
                {move || error().map(|m| view! { <span class="field-error">{m}</span> })}
            </label>
            <button type="submit" class="primary" disabled=move || send.pending().get()>
                {move || match (send.pending().get(), sent_to.get().is_some(), sms) {
                    (true, _, _) => t(Word::Sending),
                    (false, true, true) => t(Word::SendTextAgain),
                    (false, true, false) => t(Word::SendEmailAgain),
                    (false, false, true) => t(Word::SendText),
                    (false, false, false) => t(Word::SendEmail),
                }}
            </button>
            {move || {
                sent_to
                    .get()
                    .map(|to| {
                        view! { <p class="sent" role="status">{move || fill(t(Word::SendingTo), &[("to", &to)])}</p> }
                    })
            }}
            <MaybeProblem error=problem/>
        </form>
    }
}

/// Starts a new link for the same cart. The action lives with the panel,
/// not the button: the old payment's end arrives by push and hides the
/// button before the new payment is back.
fn regenerate_action(payment: RwSignal<Option<PaymentView>>, problem: RwSignal<Option<AppError>>) -> RegenerateAction {
    let regenerate = Action::new(move |(id, key): &(String, String)| {
        let (id, key) = (id.clone(), key.clone());
        async move { regenerate_payment(id, key).await }
    });
    Effect::new(move |_| match regenerate.value().get() {
        Some(Ok(view)) => {
            problem.set(None);
            payment.set(Some(view));
        }
        Some(Err(error)) => problem.set(Some(error)),
        None => {}
    });
    regenerate
}

type RegenerateAction = Action<(String, String), Result<PaymentView, AppError>>;

/// One tap: the old link stops working and a new one is made for the same cart.
#[component]
fn RegenerateControl(
    payment: RwSignal<Option<PaymentView>>,
    regenerate: RegenerateAction,
    new_attempt_key: fn() -> String,
) -> impl IntoView {
    let lang = use_lang();
    let click = move |_| {
        if let Some(id) = payment.with_untracked(|p| p.as_ref().map(|p| p.id.clone())) {
            regenerate.dispatch((id, new_attempt_key()));
        }
    };
    view! {
        <button type="button" disabled=move || regenerate.pending().get() on:click=click>
            {move || tr(lang.get(), Word::NewLink)}
        </button>
    }
}

/// Cancel, with a confirmation: it withdraws the link at Klarna.
#[component]
fn CancelControl(payment: RwSignal<Option<PaymentView>>) -> impl IntoView {
    let problem = RwSignal::new(None::<AppError>);
    let cancel = Action::new(move |id: &String| {
        let id = id.clone();
        async move { cancel_payment(id).await }
    });
    Effect::new(move |_| match cancel.value().get() {
        Some(Ok(view)) => payment.set(Some(view)),
        Some(Err(error)) => problem.set(Some(error)),
        None => {}
    });
    let confirm = move || {
        if let Some(id) = payment.with_untracked(|p| p.as_ref().map(|p| p.id.clone())) {
            problem.set(None);
            cancel.dispatch(id);
        }
    };
    view! {
        <div class="cancel-control">
            <ConfirmCancel pending=cancel.pending().into() on_confirm=confirm/>
            <MaybeProblem error=problem/>
        </div>
    }
}

/// The end of a payment: what Klarna requires the merchant to show when paid,
/// or why it ended, and the way to the next sale.
#[component]
fn Outcome(
    payment: PaymentView,
    money_language: String,
    new_sale: impl Fn(leptos::ev::MouseEvent) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    let paid = payment.status == PaymentStatus::Completed;
    let problem = payment.problem.clone().filter(|_| !paid);
    view! {
        <div class="outcome">
            {problem.map(|found| view! { <p class="outcome-reason">{move || i18n::problem(lang.get(), &found)}</p> })}
            {paid.then(|| view! { <Receipt payment=payment.clone() money_language/> })}
            <button type="button" class="primary" on:click=new_sale>
                {move || if paid { t(Word::NewSale) } else { t(Word::StartAgain) }}
            </button>
        </div>
    }
}

/// The payment information Klarna requires the merchant to show.
#[component]
fn Receipt(payment: PaymentView, money_language: String) -> impl IntoView {
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    let amount = payment.order_amount.display(payment.currency, &money_language);
    view! {
        <dl class="receipt">
            <dt>{move || t(Word::Amount)}</dt>
            <dd>{amount}</dd>
            <dt>{move || t(Word::KlarnaReference)}</dt>
            <dd>{payment.klarna_reference.clone().unwrap_or_else(|| "–".into())}</dd>
            <dt>{move || t(Word::OrderId)}</dt>
            <dd>{payment.order_id.clone().unwrap_or_else(|| "–".into())}</dd>
            <dt>{move || t(Word::Time)}</dt>
            <dd>{clock_time(&payment.updated_at)}</dd>
        </dl>
    }
}
