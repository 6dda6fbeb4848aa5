//! The associate's till: build a cart, start the payment, hand the link to
//! the shopper through the Distribution Module, and watch it get paid.

use crate::api::{cancel_payment, seller_store, start_payment};
use crate::model::{clock_time, PaymentStatus, PaymentView, StoreSummary};
use crate::AppError;
use domain::{Cart, CartInput, CartLineInput, Currency, FieldErrors, MinorUnits};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SellerPage() -> impl IntoView {
    let store = Resource::new(|| (), |_| seller_store());
    view! {
        <Title text="Seller · Kassa"/>
        <main class="seller">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    store
                        .get()
                        .map(|result| match result {
                            Ok(store) => view! { <Till store/> }.into_any(),
                            Err(error) => {
                                view! { <p class="problem" role="alert">{error.to_string()}</p> }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </main>
    }
}

/// The form's raw text, as typed.
#[derive(Clone, Copy)]
struct CartForm {
    item: RwSignal<String>,
    quantity: RwSignal<String>,
    unit_price: RwSignal<String>,
    tax_rate: RwSignal<String>,
}

impl CartForm {
    fn new() -> Self {
        CartForm {
            item: RwSignal::new("Sale".into()),
            quantity: RwSignal::new("1".into()),
            unit_price: RwSignal::new(String::new()),
            tax_rate: RwSignal::new("2500".into()),
        }
    }

    fn clear(&self) {
        let fresh = CartForm::new();
        self.item.set(fresh.item.get_untracked());
        self.quantity.set(fresh.quantity.get_untracked());
        self.unit_price.set(String::new());
        self.tax_rate.set(fresh.tax_rate.get_untracked());
    }

    /// The cart the form describes, or what is wrong with it by field.
    fn cart(&self, currency: Currency) -> Result<(CartInput, Cart), FieldErrors> {
        cart_from_text(&self.item.get(), &self.quantity.get(), &self.unit_price.get(), &self.tax_rate.get(), currency)
    }
}

/// Turns typed text into a validated one-line cart; every error names its
/// field as the server would (`lines[0].unit_price`).
fn cart_from_text(
    item: &str,
    quantity: &str,
    unit_price: &str,
    tax_rate: &str,
    currency: Currency,
) -> Result<(CartInput, Cart), FieldErrors> {
    let mut errors = FieldErrors::default();
    let quantity = quantity.trim().parse::<i64>().unwrap_or_else(|_| {
        errors.push("lines[0].quantity", "enter a whole number, such as 1");
        0
    });
    let unit_price = match MinorUnits::parse_major(unit_price, currency) {
        Some(price) => price.get() as i64,
        None => {
            errors.push("lines[0].unit_price", "enter a price such as 199.00");
            0
        }
    };
    let tax_rate = tax_rate.parse::<i64>().unwrap_or(-1);
    if !errors.is_empty() {
        return Err(errors);
    }
    let input = CartInput {
        lines: vec![CartLineInput { name: item.to_string(), quantity, unit_price, tax_rate, ..Default::default() }],
    };
    let cart = Cart::validate(&input, currency)?;
    Ok((input, cart))
}

/// A fresh idempotency key for one cart attempt.
fn new_attempt_key() -> String {
    web_sys::window().and_then(|window| window.crypto().ok()).map(|crypto| crypto.random_uuid()).unwrap_or_default()
}

#[component]
fn Till(store: StoreSummary) -> impl IntoView {
    let currency = store.currency;
    let language = store.language.clone();
    let form = CartForm::new();
    let errors = RwSignal::new(FieldErrors::default());
    let problem = RwSignal::new(None::<String>);
    let payment = RwSignal::new(None::<PaymentView>);
    // One key per cart attempt: a double tap or a retry reuses it, so the
    // server never starts a second payment for the same attempt.
    let attempt_key = StoredValue::new(None::<String>);

    let start = Action::new(move |(key, cart): &(String, CartInput)| {
        let (key, cart) = (key.clone(), cart.clone());
        async move { start_payment(key, cart).await }
    });
    Effect::new(move |_| match start.value().get() {
        Some(Ok(view)) => {
            problem.set(None);
            payment.set(Some(view));
        }
        Some(Err(AppError::Invalid(found))) => errors.set(found),
        Some(Err(error)) => problem.set(Some(error.to_string())),
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
    follow_while_open(payment);

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

    let total_language = language.clone();
    let total = move || {
        form.cart(currency).ok().map(|(_, cart)| {
            format!(
                "{} (tax {})",
                cart.order_amount.display(currency, &total_language),
                cart.order_tax_amount.display(currency, &total_language)
            )
        })
    };
    let field_error = move |field: &'static str| move || errors.with(|e| e.for_field(field).map(str::to_string));

    view! {
        <header class="store-bar">
            <h1>{store.name.clone()}</h1>
            <span class="view-name">"Seller"</span>
        </header>
        <div class="till">
            <form class="cart" on:submit=submit novalidate>
                <h2>"Cart"</h2>
                <fieldset prop:disabled=busy>
                    <TextField
                        label="Item"
                        value=form.item
                        error=Signal::derive(field_error("lines[0].name"))
                        on_edit=edited
                    />
                    <TextField
                        label="Quantity"
                        value=form.quantity
                        error=Signal::derive(field_error("lines[0].quantity"))
                        on_edit=edited
                        input_mode="numeric"
                    />
                    <TextField
                        label=format!("Unit price ({})", currency.code())
                        value=form.unit_price
                        error=Signal::derive(field_error("lines[0].unit_price"))
                        on_edit=edited
                        input_mode="decimal"
                    />
                    <label class="field">
                        <span>"Tax rate"</span>
                        <select
                            on:change=move |ev| {
                                form.tax_rate.set(event_target_value(&ev));
                                edited();
                            }
                            prop:value=move || form.tax_rate.get()
                        >
                            <option value="2500">"25 %"</option>
                            <option value="1200">"12 %"</option>
                            <option value="600">"6 %"</option>
                            <option value="0">"0 %"</option>
                        </select>
                    </label>
                    <p class="total" aria-live="polite">
                        {move || total().map(|t| format!("Total {t}"))}
                    </p>
                    {move || {
                        errors.with(|e| e.for_field("lines").map(|m| view! { <p class="field-error" role="alert">{m.to_string()}</p> }))
                    }}
                    <button type="submit" class="primary" disabled=move || !hydrated.get() || busy()>
                        {move || if start.pending().get() { "Starting…" } else { "Start payment" }}
                    </button>
                </fieldset>
                {move || problem.get().map(|message| view! { <p class="problem" role="alert">{message}</p> })}
            </form>
            <PaymentPanel payment language new_sale/>
        </div>
    }
}

#[component]
fn TextField(
    #[prop(into)] label: String,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    on_edit: impl Fn() + Copy + 'static,
    #[prop(optional)] input_mode: &'static str,
) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label}</span>
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

/// Follows the shown payment over server-sent events until it is final.
/// Only the server's state moves the screen; the browser reconnects by
/// itself and the server sends the current state first on every connect.
fn follow_while_open(payment: RwSignal<Option<PaymentView>>) {
    // The effect keeps the open stream as its own value: effects run only in
    // the browser, so nothing browser-only is ever made during SSR.
    Effect::new(move |previous: Option<Option<live::Stream>>| {
        let previous = previous.flatten();
        let open = payment.with(|p| p.as_ref().filter(|p| !p.status.is_final()).map(|p| p.id.clone()));
        if previous.as_ref().map(|s| &s.payment_id) == open.as_ref() {
            return previous;
        }
        // Another payment, or none: close what was open.
        drop(previous);
        open.and_then(|id| {
            live::Stream::open(&id, move |view| {
                if payment.with_untracked(|p| p.as_ref().is_some_and(|p| p.id == view.id)) {
                    payment.set(Some(view));
                }
            })
        })
    });
}

/// The browser side of `/seller/payments/{id}/events`.
mod live {
    use crate::model::PaymentView;
    use wasm_bindgen::{closure::Closure, JsCast};

    pub struct Stream {
        pub payment_id: String,
        source: web_sys::EventSource,
        _on_payment: Closure<dyn FnMut(web_sys::MessageEvent)>,
    }

    impl Stream {
        pub fn open(payment_id: &str, on_update: impl Fn(PaymentView) + 'static) -> Option<Stream> {
            let source = web_sys::EventSource::new(&format!("/seller/payments/{payment_id}/events")).ok()?;
            let on_payment = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                let view = event.data().as_string().and_then(|text| serde_json::from_str::<PaymentView>(&text).ok());
                if let Some(view) = view {
                    on_update(view);
                }
            });
            source.add_event_listener_with_callback("payment", on_payment.as_ref().unchecked_ref()).ok()?;
            Some(Stream { payment_id: payment_id.to_string(), source, _on_payment: on_payment })
        }
    }

    impl Drop for Stream {
        fn drop(&mut self) {
            self.source.close();
        }
    }
}

#[component]
fn PaymentPanel(
    payment: RwSignal<Option<PaymentView>>,
    language: String,
    new_sale: impl Fn(leptos::ev::MouseEvent) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    // Separate memos so that a status update never reloads the iframe.
    let module_url = Memo::new(move |_| {
        payment.with(|p| p.as_ref().filter(|p| !p.status.is_final()).and_then(|p| p.distribution_module_url.clone()))
    });
    let status = Memo::new(move |_| payment.with(|p| p.as_ref().map(|p| p.status)));
    view! {
        <section class="payment" aria-label="Payment">
            {move || match status.get() {
                None => view! {
                    <p class="hint">"Enter the sale and press Start payment. The shopper pays on their own phone."</p>
                }.into_any(),
                Some(status) => view! {
                    <div class=move || format!("status status-{}", if status == PaymentStatus::Completed { "paid" } else if status.is_final() { "ended" } else { "open" }) role="status" aria-live="polite">
                        <span class="status-label">{status.label()}</span>
                    </div>
                }.into_any(),
            }}
            {move || module_url.get().map(|url| view! {
                <iframe class="distribution-module" title="Klarna Distribution Module" src=url></iframe>
            })}
            <CancelControl payment/>
            {move || {
                let language = language.clone();
                payment.get().filter(|p| p.status.is_final()).map(|p| view! { <Outcome payment=p language new_sale/> })
            }}
            {move || payment.with(|p| p.as_ref().filter(|p| !p.status.is_final()).and_then(|p| p.expires_at.clone())).map(|at| view! {
                <p class="expiry">"Link valid until " {clock_time(&at)}</p>
            })}
        </section>
    }
}

/// Cancel, with a confirmation: it withdraws the link at Klarna.
#[component]
fn CancelControl(payment: RwSignal<Option<PaymentView>>) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let cancel = Action::new(move |id: &String| {
        let id = id.clone();
        async move { cancel_payment(id).await }
    });
    Effect::new(move |_| match cancel.value().get() {
        Some(Ok(view)) => {
            confirming.set(false);
            payment.set(Some(view));
        }
        Some(Err(error)) => problem.set(Some(error.to_string())),
        None => {}
    });
    let cancellable = move || {
        payment.with(|p| {
            p.as_ref().is_some_and(|p| {
                !p.status.is_final() && !matches!(p.status, PaymentStatus::Creating | PaymentStatus::Authorized)
            })
        })
    };
    let confirm = move |_| {
        if let Some(id) = payment.with_untracked(|p| p.as_ref().map(|p| p.id.clone())) {
            problem.set(None);
            cancel.dispatch(id);
        }
    };
    view! {
        <Show when=cancellable>
            <div class="cancel-control">
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
                        <button type="button" class="danger" disabled=move || cancel.pending().get() on:click=confirm>
                            "Yes, cancel payment"
                        </button>
                        <button type="button" on:click=move |_| confirming.set(false)>
                            "Keep waiting"
                        </button>
                    </div>
                </Show>
                {move || problem.get().map(|message| view! { <p class="problem" role="alert">{message}</p> })}
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
            {paid.then(|| view! {
                <dl class="receipt">
                    <dt>"Amount"</dt><dd>{amount.clone()}</dd>
                    <dt>"Klarna reference"</dt><dd>{payment.klarna_reference.clone().unwrap_or_else(|| "–".into())}</dd>
                    <dt>"Order id"</dt><dd>{payment.order_id.clone().unwrap_or_else(|| "–".into())}</dd>
                    <dt>"Time"</dt><dd>{clock_time(&payment.updated_at)}</dd>
                </dl>
            })}
            <button type="button" class="primary" on:click=new_sale>
                {if paid { "New sale" } else { "Start again" }}
            </button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sek() -> Currency {
        Currency::parse("SEK").unwrap()
    }

    #[test]
    fn typed_text_becomes_a_klarna_cart() {
        let (input, cart) = cart_from_text("Shoes", "2", "499,50", "2500", sek()).unwrap();
        assert_eq!(input.lines[0].unit_price, 49_950);
        assert_eq!(cart.order_amount, MinorUnits(99_900));
        assert_eq!(cart.order_tax_amount, MinorUnits(19_980));
    }

    #[test]
    fn typing_mistakes_name_their_field() {
        let errors = cart_from_text("Shoes", "two", "4,99 kr", "2500", sek()).unwrap_err();
        assert!(errors.for_field("lines[0].quantity").is_some());
        assert!(errors.for_field("lines[0].unit_price").is_some());
        let errors = cart_from_text(" ", "1", "10", "2500", sek()).unwrap_err();
        assert_eq!(errors.for_field("lines[0].name"), Some("enter a name for the item"));
    }
}
