//! The associate's till: build a cart, start the payment, hand the link to
//! the shopper through the Distribution Module (or QR, SMS, e-mail), and
//! watch it get paid.

mod cart;
mod list;
mod live;
pub(crate) mod payment;
mod sign_in;

pub use list::PaymentsPage;
pub use sign_in::SignInPage;

use crate::browser::{load_page, new_attempt_key};
use crate::components::{LanguagePicker, MaybeProblem, PageTitle, Problem};
use crate::i18n::{self, fill, provide_lang, tr, use_lang, Word};
use crate::model::{PaymentStatus, PaymentView, StoreSummary};
use crate::server_fns::seller::{seller_store, sign_out, start_payment};
use crate::AppError;
use cart::{CartForm, LineForm};
use domain::{Currency, FieldErrors};
use leptos::prelude::*;
use payment::PaymentPanel;

/// Tax rates the till offers, in basis points, by the store's country.
fn tax_rates(country: &str) -> &'static [u16] {
    match country {
        "SE" => &[2500, 1200, 600, 0],
        "NO" => &[2500, 1500, 1200, 0],
        "DK" => &[2500, 0],
        "FI" => &[2550, 1400, 1000, 0],
        "DE" => &[1900, 700, 0],
        "AT" => &[2000, 1300, 1000, 0],
        "NL" => &[2100, 900, 0],
        "GB" => &[2000, 500, 0],
        _ => &[2500, 1200, 600, 0],
    }
}

fn percent(basis_points: u16) -> String {
    if basis_points.is_multiple_of(100) {
        format!("{} %", basis_points / 100)
    } else {
        format!("{}.{} %", basis_points / 100, (basis_points % 100) / 10)
    }
}

#[component]
pub fn SellerPage() -> impl IntoView {
    // Blocking, so that SSR can answer "sign in first" with a redirect and
    // renders the page in the associate's language.
    let store = Resource::new_blocking(|| (), |_| seller_store());
    view! {
        <Suspense fallback=|| view! { <p>"…"</p> }>
            {move || {
                store
                    .get()
                    .map(|result| match result {
                        Ok(store) => {
                            provide_lang(store.lang);
                            view! { <Till store/> }.into_any()
                        }
                        Err(AppError::SignInRequired) => {
                            view! { <leptos_router::components::Redirect path="/seller/sign-in"/> }.into_any()
                        }
                        Err(error) => view! { <main class="seller"><Problem error/></main> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

#[component]
fn Till(store: StoreSummary) -> impl IntoView {
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    let currency = store.currency;
    let rates = tax_rates(&store.country);
    let form = CartForm::new(rates[0], tr(store.lang, Word::DefaultItem));
    let errors = RwSignal::new(FieldErrors::default());
    let problem = RwSignal::new(None::<AppError>);
    let payment = RwSignal::new(None::<PaymentView>);
    // One key per cart attempt: a double tap or a retry reuses it, so the
    // server never starts a second payment for the same attempt.
    let attempt_key = StoredValue::new(None::<String>);

    let start = Action::new(move |(key, cart): &(String, domain::CartInput)| {
        let (key, cart) = (key.clone(), cart.clone());
        async move { start_payment(key, cart).await }
    });
    Effect::new(move |_| match start.value().get() {
        Some(Ok(view)) => {
            problem.set(None);
            payment.set(Some(view));
        }
        Some(Err(AppError::Invalid(found))) => errors.set(found),
        Some(Err(error)) => problem.set(Some(error)),
        None => {}
    });

    // Effects run only in the browser: until hydration the form cannot work,
    // so the button stays disabled instead of submitting a plain GET.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let status = Memo::new(move |_| payment.with(|p| p.as_ref().map(|p| p.status)));
    // While a payment is shown the cart is locked; New sale or Start again
    // unlocks it.
    let busy = move || start.pending().get() || status.get().is_some();
    let connected = RwSignal::new(true);
    live::follow_while_open(payment, connected);

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if busy() {
            return;
        }
        match form.cart(currency) {
            Ok((input, _)) => {
                errors.set(FieldErrors::default());
                let key = attempt_key.get_value().unwrap_or_else(new_attempt_key);
                attempt_key.set_value(Some(key.clone()));
                start.dispatch((key, input));
            }
            Err(found) => errors.set(found),
        }
    };
    // Editing the cart makes it a new attempt.
    let edited = move || {
        attempt_key.set_value(None);
        errors.set(FieldErrors::default());
    };
    let new_sale = move |_| {
        // After a paid sale the cart is done; after a failed one it is kept
        // so the associate can start again at once.
        if status.get_untracked() == Some(PaymentStatus::Completed) {
            form.clear();
        }
        payment.set(None);
        problem.set(None);
        attempt_key.set_value(None);
        start.value().set(None);
    };

    let money = store.money_language.clone();
    let total = move || {
        form.cart(currency).ok().map(|(_, cart)| {
            fill(
                t(Word::Total),
                &[
                    ("amount", &cart.order_amount.display(currency, &money)),
                    ("tax", &cart.order_tax_amount.display(currency, &money)),
                ],
            )
        })
    };

    view! {
        <PageTitle word=Word::TitleTill/>
        <main class="seller" lang=move || lang.get().code()>
            <header class="store-bar">
                <h1>{store.name.clone()}</h1>
                <nav class="store-nav" aria-label=move || t(Word::SellerNav)>
                    <a href="/seller/payments">{move || t(Word::TodaysPayments)}</a>
                    <LanguagePicker/>
                    <SignOut associate=store.associate.clone()/>
                </nav>
            </header>
            <div class="till">
                <form class="cart" on:submit=submit novalidate>
                    <h2>{move || t(Word::Cart)}</h2>
                    <fieldset prop:disabled=busy>
                        <For each=move || form.lines.get() key=|line| line.key let:line>
                            <LineFields line form currency rates errors on_edit=edited/>
                        </For>
                        <button
                            type="button"
                            class="add-line"
                            on:click=move |_| {
                                form.add_line();
                                edited();
                            }
                        >
                            {move || t(Word::AddItem)}
                        </button>
                        <p class="total" aria-live="polite">{total}</p>
                        {move || {
                            errors
                                .with(|e| e.for_field("lines").cloned())
                                .map(|found| {
                                    view! {
                                        <p class="field-error" role="alert">
                                            {move || i18n::field_problem(lang.get(), &found)}
                                        </p>
                                    }
                                })
                        }}
                        <button type="submit" class="primary" disabled=move || !hydrated.get() || busy()>
                            {move || if start.pending().get() { t(Word::Starting) } else { t(Word::StartPayment) }}
                        </button>
                    </fieldset>
                    <MaybeProblem error=problem/>
                </form>
                <PaymentPanel payment store=store.clone() connected new_attempt_key new_sale/>
            </div>
        </main>
    }
}

/// Ends the associate's session on this device.
#[component]
pub fn SignOut(associate: String) -> impl IntoView {
    let lang = use_lang();
    let leave = Action::new(|_: &()| sign_out());
    Effect::new(move |_| {
        if leave.value().get().is_some() {
            load_page("/seller/sign-in");
        }
    });
    view! {
        <button type="button" class="sign-out" on:click=move |_| {
            leave.dispatch(());
        }>{move || fill(tr(lang.get(), Word::SignOut), &[("name", &associate)])}</button>
    }
}

/// One order line's inputs; labels carry the line number when there are
/// several, so every control has a unique accessible name.
#[component]
fn LineFields(
    line: LineForm,
    form: CartForm,
    currency: Currency,
    rates: &'static [u16],
    errors: RwSignal<FieldErrors>,
    on_edit: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let index = Memo::new(move |_| form.index_of(line.key).unwrap_or(0));
    let several = Memo::new(move |_| form.lines.with(Vec::len) > 1);
    let number = move || (index.get() + 1).to_string();
    let label = move |word: Word| {
        move || {
            let text = tr(lang.get(), word);
            if several.get() {
                fill(tr(lang.get(), Word::NumberedLabel), &[("label", text), ("n", &number())])
            } else {
                text.to_string()
            }
        }
    };
    let error = move |field: &'static str| {
        Signal::derive(move || {
            errors.with(|e| {
                e.for_field(&format!("lines[{}].{field}", index.get()))
                    .map(|found| i18n::field_problem(lang.get(), found))
            })
        })
    };
    view! {
        <div
            class="line"
            role="group"
            aria-label=move || fill(tr(lang.get(), Word::ItemGroup), &[("n", &number())])
        >
            <TextField label=Signal::derive(label(Word::Item)) value=line.item error=error("name") on_edit/>
            <div class="line-numbers">
                <TextField
                    label=Signal::derive(label(Word::Quantity))
                    value=line.quantity
                    error=error("quantity")
                    on_edit
                    input_mode="numeric"
                />
                <TextField
                    label=Signal::derive(move || format!("{} ({})", label(Word::UnitPrice)(), currency.code()))
                    value=line.unit_price
                    error=error("unit_price")
                    on_edit
                    input_mode="decimal"
                />
            </div>
            <div class="line-numbers">
                <label class="field">
                    <span>{label(Word::TaxRate)}</span>
                    <select
                        on:change=move |ev| {
                            line.tax_rate.set(event_target_value(&ev));
                            on_edit();
                        }
                        prop:value=move || line.tax_rate.get()
                    >
                        {rates
                            .iter()
                            .map(|rate| view! { <option value=rate.to_string()>{percent(*rate)}</option> })
                            .collect_view()}
                    </select>
                </label>
                <TextField
                    label=Signal::derive(move || format!("{} ({})", label(Word::Discount)(), currency.code()))
                    value=line.discount
                    error=error("discount")
                    on_edit
                    input_mode="decimal"
                />
            </div>
            <Show when=move || several.get()>
                <button
                    type="button"
                    class="remove-line"
                    on:click=move |_| {
                        form.remove_line(line.key);
                        on_edit();
                    }
                >
                    {move || fill(tr(lang.get(), Word::RemoveItem), &[("n", &number())])}
                </button>
            </Show>
        </div>
    }
}

#[component]
fn TextField(
    label: Signal<String>,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    on_edit: impl Fn() + Copy + Send + Sync + 'static,
    #[prop(optional)] input_mode: &'static str,
) -> impl IntoView {
    view! {
        <label class="field">
            <span>{move || label.get()}</span>
            <input
                type="text"
                inputmode=if input_mode.is_empty() { "text" } else { input_mode }
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    on_edit();
                }
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
            />
            {move || error.get().map(|m| view! { <span class="field-error">{m}</span> })}
        </label>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tax_rates_read_as_percent() {
        assert_eq!(super::percent(2500), "25 %");
        assert_eq!(super::percent(2550), "25.5 %");
        assert_eq!(super::tax_rates("DE")[0], 1900);
    }
}
