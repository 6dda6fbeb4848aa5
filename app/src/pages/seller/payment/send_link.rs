use crate::components::MaybeProblem;
use crate::i18n::{self, fill, tr, use_lang, Word};
use crate::model::{LinkChannel, LinkRecipient, PaymentView, StoreSummary};
use crate::server_fns::seller::send_link;
use crate::AppError;
use domain::{FieldErrors, PHONE_COUNTRIES};
use leptos::prelude::*;

/// QR code, SMS and e-mail: other ways to get the link to the shopper.
#[component]
pub fn LinkFallbacks(payment: RwSignal<Option<PaymentView>>, store: StoreSummary) -> impl IntoView {
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
