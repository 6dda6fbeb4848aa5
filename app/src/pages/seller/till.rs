//! The till: build a cart, start the payment, and hand over to the payment
//! panel beside it.

use super::cart::CartForm;
use super::line_fields::{tax_rates, LineFields};
use super::payment::on_demand::{self, SaleCode};
use super::sign_out::SignOut;
use crate::browser::new_attempt_key;
use crate::components::{follow_page_title, LanguagePicker};
use crate::i18n::{self, fill, provide_lang, tr, use_lang, Word};
use crate::model::{PaymentStatus, PaymentView, StoreSummary};
use crate::AppError;
use domain::FieldErrors;
use leptos::either::Either;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
#[component]
pub fn SellerPage() -> impl IntoView {
    // The route renders whole before its first byte (`SsrMode::Async`), so
    // SSR can answer "sign in first" with a redirect, in the associate's language.
    super::screen::seller_screen(
        crate::server_fns::seller::seller_store(),
        "seller",
        Word::TitleTill,
        |store| store.lang,
        |store| view! { <Till store/> }.into_any(),
    )
}

/// The till's island: all of it is live. Its props come to the browser in
/// the page (serialized), and the language is provided here because an
/// island sees no context from the server-rendered page around it. Starting
/// a payment and the panel that follows it come from chunks loaded on demand
/// ([`on_demand`]).
///
/// Not lazy: the till is the seller's first screen, so its code is the
/// seller bundle's main module, one file that compresses as a whole. As a
/// lazy island it came in four chunks shared with the sale and today's
/// payments (brotli: till 169.2 -> 139.5 KB; the till with its sale's code
/// 288.1 -> 268.8 KB; today's payments opened first 300.0 -> 317.6 KB,
/// which loads the till's code too, as every seller screen loads the main
/// module).
#[island]
fn Till(store: StoreSummary) -> impl IntoView {
    provide_lang(store.lang);
    follow_page_title(Word::TitleTill);
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

    // The sale's code (`on_demand`), once it has loaded.
    let sale = RwSignal::new(None::<SaleCode>);
    let start = Action::new(move |(key, cart): &(String, domain::CartInput)| {
        let (key, cart) = (key.clone(), cart.clone());
        async move {
            let code = on_demand::sale_code().await?;
            // Once: each set would rebuild what is built from it.
            if sale.with_untracked(Option::is_none) {
                sale.set(Some(code));
            }
            code.start(key, cart).await
        }
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
    // Editing the cart makes it a new attempt; the first edit also fetches
    // the code that starting a payment needs.
    let preloaded = StoredValue::new(false);
    let edited = move || {
        if !preloaded.get_value() {
            preloaded.set_value(true);
            on_demand::preload();
        }
        attempt_key.set_value(None);
        errors.set(FieldErrors::default());
    };
    let new_sale = Callback::new(move |()| {
        // After a paid sale the cart is done; after a failed one it is kept
        // so the associate can start again at once.
        if status.get_untracked() == Some(PaymentStatus::Completed) {
            form.clear();
        }
        payment.set(None);
        problem.set(None);
        attempt_key.set_value(None);
        start.value().set(None);
    });
    let panel = panel_beside_cart(sale, payment, store.clone(), connected, new_sale);

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
                    {start_problem(sale, problem)}
                </form>
                {panel}
            </div>
        </main>
    }
}

/// Beside the cart: a hint until a payment starts, then the payment panel.
/// A payment is only ever there once the sale's code started it, so the
/// panel is built at once, from that code.
fn panel_beside_cart(
    sale: RwSignal<Option<SaleCode>>,
    payment: RwSignal<Option<PaymentView>>,
    store: StoreSummary,
    connected: RwSignal<bool>,
    new_sale: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    // Only whether there is a payment: its updates must not rebuild the panel.
    let shown = Memo::new(move |_| payment.with(Option::is_some));
    let store = StoredValue::new(store);
    move || match sale.get().filter(|_| shown.get()) {
        Some(code) => Either::Right(untrack(|| code.panel(payment, store.get_value(), connected, new_sale))),
        None => Either::Left(view! {
            <section class="payment" aria-label=move || t(Word::Payment)>
                <p class="hint">{move || t(Word::Hint)}</p>
            </section>
        }),
    }
}

/// Why starting the payment failed. Worded by the sale's code once it has
/// loaded (any refusal comes from it); until then the only failure there can
/// be is that the code itself did not arrive.
fn start_problem(sale: RwSignal<Option<SaleCode>>, problem: RwSignal<Option<AppError>>) -> impl IntoView {
    let lang = use_lang();
    move || match sale.get() {
        Some(code) => Either::Left(untrack(|| code.problem(problem))),
        None => Either::Right(move || {
            problem.with(Option::is_some).then(|| {
                view! { <p class="problem" role="alert">{move || i18n::unreachable(lang.get())}</p> }
            })
        }),
    }
}
