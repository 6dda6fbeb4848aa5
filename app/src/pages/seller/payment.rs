//! The running payment beside the cart: the Distribution Module, status in
//! words, the countdown, other ways to send the link, cancel, regenerate,
//! and the outcome.

use super::live::{minutes_seconds, parse_time, ticking_clock};
use crate::api::{cancel_payment, regenerate_payment, send_link};
use crate::model::{clock_time, LinkChannel, LinkRecipient, PaymentStatus, PaymentView, StoreSummary};
use crate::AppError;
use domain::{FieldErrors, PHONE_COUNTRIES};
use leptos::prelude::*;

#[component]
pub fn PaymentPanel(
    payment: RwSignal<Option<PaymentView>>,
    store: StoreSummary,
    new_attempt_key: fn() -> String,
    new_sale: impl Fn(leptos::ev::MouseEvent) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    // Separate memos so that a status update never reloads the iframe.
    let module_url = Memo::new(move |_| {
        payment.with(|p| p.as_ref().filter(|p| !p.status.is_final()).and_then(|p| p.distribution_module_url.clone()))
    });
    let status = Memo::new(move |_| payment.with(|p| p.as_ref().map(|p| p.status)));
    let open = move || status.get().is_some_and(|s| !s.is_final() && s != PaymentStatus::Creating);
    let language = store.language.clone();
    let regenerate_problem = RwSignal::new(None::<String>);
    let regenerate = regenerate_action(payment, regenerate_problem);
    view! {
        <section class="payment" aria-label="Payment">
            {move || match status.get() {
                None => {
                    view! {
                        <p class="hint">
                            "Enter the sale and press Start payment. The shopper pays on their own phone."
                        </p>
                    }
                        .into_any()
                }
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
                            <span class="status-label">{status.label()}</span>
                        </div>
                    }
                        .into_any()
                }
            }}
            <Show when=open>
                <Countdown payment/>
            </Show>
            {move || {
                module_url
                    .get()
                    .map(|url| {
                        view! {
                            <iframe class="distribution-module" title="Klarna Distribution Module" src=url></iframe>
                        }
                    })
            }}
            <Show when=open>
                <LinkFallbacks payment store=store.clone()/>
                <div class="payment-actions">
                    <RegenerateControl payment regenerate new_attempt_key/>
                    <CancelControl payment/>
                </div>
            </Show>
            {move || {
                regenerate_problem.get().map(|message| view! { <p class="problem" role="alert">{message}</p> })
            }}
            {move || {
                let language = language.clone();
                payment.get().filter(|p| p.status.is_final()).map(|p| view! { <Outcome payment=p language new_sale/> })
            }}
        </section>
    }
}

/// How long the link stays payable. Display only: the server decides.
#[component]
fn Countdown(payment: RwSignal<Option<PaymentView>>) -> impl IntoView {
    let now = ticking_clock();
    let expires = Memo::new(move |_| payment.with(|p| p.as_ref().and_then(|p| p.expires_at.clone())));
    move || {
        let at = expires.get()?;
        let text = match (now.get(), parse_time(&at)) {
            (Some(now), Some(deadline)) if deadline > now => {
                format!("Link expires in {}", minutes_seconds(deadline - now))
            }
            (Some(_), Some(_)) => "Link expiring now…".to_string(),
            _ => format!("Link valid until {}", clock_time(&at)),
        };
        Some(view! { <p class="expiry" aria-live="off">{text}</p> })
    }
}

/// QR code, SMS and e-mail: other ways to get the link to the shopper.
#[component]
fn LinkFallbacks(payment: RwSignal<Option<PaymentView>>, store: StoreSummary) -> impl IntoView {
    let shown = RwSignal::new(None::<LinkChannel>);
    let channels = store.channels.clone();
    let qr_url = Memo::new(move |_| payment.with(|p| p.as_ref().and_then(|p| p.qr_code_url.clone())));
    let toggle = move |channel: LinkChannel| {
        shown.update(|current| *current = if *current == Some(channel) { None } else { Some(channel) })
    };
    let button = move |channel: LinkChannel, label: &'static str| {
        view! {
            <button
                type="button"
                aria-expanded=move || if shown.get() == Some(channel) { "true" } else { "false" }
                on:click=move |_| toggle(channel)
            >
                {label}
            </button>
        }
    };
    let country = store.country.clone();
    view! {
        <div class="fallbacks">
            <div class="button-row" role="group" aria-label="Other ways to send the link">
                {channels.contains(&LinkChannel::Qr).then(|| button(LinkChannel::Qr, "Show QR code"))}
                {channels.contains(&LinkChannel::Sms).then(|| button(LinkChannel::Sms, "Send by SMS"))}
                {channels.contains(&LinkChannel::Email).then(|| button(LinkChannel::Email, "Send by e-mail"))}
            </div>
            {move || match shown.get() {
                Some(LinkChannel::Qr) => {
                    qr_url
                        .get()
                        .map(|url| {
                            view! {
                                <img class="qr-large" src=url alt="QR code to pay with Klarna" width="320" height="320"/>
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
    let phone_country = RwSignal::new(country);
    let address = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::default());
    let sent_to = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
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
        Some(Err(error)) => problem.set(Some(error.to_string())),
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
    let error = move || errors.with(|e| e.for_field(field).or(e.for_field("country")).map(str::to_string));
    view! {
        <form class="send-form" on:submit=submit novalidate>
            {sms
                .then(|| {
                    view! {
                        <label class="field">
                            <span>"Country"</span>
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
                <span>{if sms { "Phone number" } else { "E-mail address" }}</span>
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
                    (true, _, _) => "Sending…",
                    (false, true, true) => "Send the text again",
                    (false, true, false) => "Send the e-mail again",
                    (false, false, true) => "Send text message",
                    (false, false, false) => "Send e-mail",
                }}
            </button>
            {move || {
                sent_to
                    .get()
                    .map(|to| {
                        view! { <p class="sent" role="status">{format!("Klarna is sending the link to {to}.")}</p> }
                    })
            }}
            {move || problem.get().map(|message| view! { <p class="problem" role="alert">{message}</p> })}
        </form>
    }
}

/// Starts a new link for the same cart. The action lives with the panel,
/// not the button: the old payment's end arrives by push and hides the
/// button before the new payment is back.
fn regenerate_action(payment: RwSignal<Option<PaymentView>>, problem: RwSignal<Option<String>>) -> RegenerateAction {
    let regenerate = Action::new(move |(id, key): &(String, String)| {
        let (id, key) = (id.clone(), key.clone());
        async move { regenerate_payment(id, key).await }
    });
    Effect::new(move |_| match regenerate.value().get() {
        Some(Ok(view)) => {
            problem.set(None);
            payment.set(Some(view));
        }
        Some(Err(error)) => problem.set(Some(error.to_string())),
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
    let click = move |_| {
        if let Some(id) = payment.with_untracked(|p| p.as_ref().map(|p| p.id.clone())) {
            regenerate.dispatch((id, new_attempt_key()));
        }
    };
    view! {
        <button type="button" disabled=move || regenerate.pending().get() on:click=click>
            "New link"
        </button>
    }
}

/// Cancel, with a confirmation: it withdraws the link at Klarna.
#[component]
fn CancelControl(payment: RwSignal<Option<PaymentView>>) -> impl IntoView {
    let problem = RwSignal::new(None::<String>);
    let cancel = Action::new(move |id: &String| {
        let id = id.clone();
        async move { cancel_payment(id).await }
    });
    Effect::new(move |_| match cancel.value().get() {
        Some(Ok(view)) => payment.set(Some(view)),
        Some(Err(error)) => problem.set(Some(error.to_string())),
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
            {move || problem.get().map(|message| view! { <p class="problem" role="alert">{message}</p> })}
        </div>
    }
}

/// "Cancel payment", then "Yes, cancel payment" or "Keep waiting": the one
/// cancel the till and the payments list share.
#[component]
pub fn ConfirmCancel(pending: Signal<bool>, on_confirm: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let confirming = RwSignal::new(false);
    view! {
        <Show
            when=move || confirming.get()
            fallback=move || {
                view! {
                    <button type="button" on:click=move |_| confirming.set(true)>
                        "Cancel payment"
                    </button>
                }
            }
        >
            <p class="confirm-text">"Cancel this payment? The shopper's link will stop working."</p>
            <div class="button-row">
                <button type="button" class="danger" disabled=move || pending.get() on:click=move |_| on_confirm()>
                    "Yes, cancel payment"
                </button>
                <button type="button" on:click=move |_| confirming.set(false)>
                    "Keep waiting"
                </button>
            </div>
        </Show>
    }
}

/// The end of a payment: what Klarna requires the merchant to show when paid,
/// or why it ended, and the way to the next sale.
#[component]
fn Outcome(
    payment: PaymentView,
    language: String,
    new_sale: impl Fn(leptos::ev::MouseEvent) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let amount = payment.order_amount.display(payment.currency, &language);
    let paid = payment.status == PaymentStatus::Completed;
    let problem = payment.problem.clone().filter(|_| !paid);
    view! {
        <div class="outcome">
            {problem.map(|text| view! { <p class="outcome-reason">{text}</p> })}
            {paid
                .then(|| {
                    view! {
                        <dl class="receipt">
                            <dt>"Amount"</dt>
                            <dd>{amount.clone()}</dd>
                            <dt>"Klarna reference"</dt>
                            <dd>{payment.klarna_reference.clone().unwrap_or_else(|| "–".into())}</dd>
                            <dt>"Order id"</dt>
                            <dd>{payment.order_id.clone().unwrap_or_else(|| "–".into())}</dd>
                            <dt>"Time"</dt>
                            <dd>{clock_time(&payment.updated_at)}</dd>
                        </dl>
                    }
                })}
            <button type="button" class="primary" on:click=new_sale>
                {if paid { "New sale" } else { "Start again" }}
            </button>
        </div>
    }
}
