//! Refunding a paid payment from the payments list: what is left to give
//! back, the refunds so far with their live status, and a form (everything
//! left, items, or an amount) with a confirm step in the store's money.
//! The form is checked with the very rules the server applies again.

use super::line_fields::TextField;
use crate::browser::new_attempt_key;
use crate::components::MaybeProblem;
use crate::i18n::{self, fill, tr, use_lang, Lang, Word};
use crate::model::{clock_time, PaymentView, RefundInput, RefundSheet};
use crate::server_fns::seller::{payment_refunds, refund_payment};
use crate::AppError;
use domain::{plan_from, Currency, FieldErrors, FieldProblem, MinorUnits, Problem};
use domain::{RefundLine, RefundStatus, RefundView, ReturnedItems};
use leptos::prelude::*;

/// What the associate gives back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GiveBack {
    Everything,
    Items,
    Amount,
}

/// A refund checked and waiting for the associate's yes: its key is made
/// once, so a second tap (or a retry after a lost answer) is the same refund.
#[derive(Clone, Debug, PartialEq)]
struct Confirming {
    amount: MinorUnits,
    input: RefundInput,
}

/// The payment's money and the steps of asking for a refund, kept by the
/// panel so that reading the refunds again (at every refund event) never
/// loses an answer.
#[derive(Clone, Copy)]
struct RefundFlow {
    payment_id: StoredValue<String>,
    currency: Currency,
    /// The store's way of writing money, whatever language the screen speaks.
    money_language: StoredValue<String>,
    problem: RwSignal<Option<AppError>>,
    confirming: RwSignal<Option<Confirming>>,
    errors: RwSignal<FieldErrors>,
    /// The refund asked for from this screen, followed in the list.
    latest: RwSignal<Option<String>>,
    refund: Action<RefundInput, Result<RefundView, AppError>>,
}

impl RefundFlow {
    fn money(self, amount: MinorUnits) -> String {
        self.money_language.with_value(|language| amount.display(self.currency, language))
    }
}

/// The refund section of a paid payment whose money is captured.
/// `refund_seen` is the store stream's latest refund event.
#[component]
pub fn RefundPanel(
    payment: Memo<Option<PaymentView>>,
    money_language: StoredValue<String>,
    refund_seen: RwSignal<Option<RefundView>>,
) -> impl IntoView {
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    let Some(first) = payment.get_untracked() else { return ().into_any() };
    let (id, currency, paid) = (StoredValue::new(first.id.clone()), first.currency, first.order_amount);
    let open = RwSignal::new(false);
    let sheet = RwSignal::new(None::<RefundSheet>);
    let problem = RwSignal::new(None::<AppError>);
    let load = move || {
        leptos::task::spawn_local(async move {
            match payment_refunds(id.get_value()).await {
                Ok(found) => sheet.set(Some(found)),
                Err(error) => problem.set(Some(error)),
            }
        })
    };
    let flow = RefundFlow {
        payment_id: id,
        currency,
        money_language,
        problem,
        confirming: RwSignal::new(None),
        errors: RwSignal::new(FieldErrors::default()),
        latest: RwSignal::new(None),
        refund: Action::new(move |input: &RefundInput| {
            let input = input.clone();
            async move { refund_payment(id.get_value(), input).await }
        }),
    };
    Effect::new(move |_| match flow.refund.value().get() {
        Some(Ok(made)) => {
            flow.confirming.set(None);
            flow.latest.set(Some(made.id));
            load();
        }
        Some(Err(AppError::Invalid(found))) => {
            flow.confirming.set(None);
            flow.errors.set(found);
        }
        Some(Err(error)) => problem.set(Some(error)),
        None => {}
    });
    // Read again when opened, at each of this payment's refund events, and
    // when its refunded total changes (a refund made from another screen).
    let refunded = Memo::new(move |_| payment.with(|p| p.as_ref().map(|p| p.refunded_amount)));
    Effect::new(move |_| {
        refunded.track();
        let ours = refund_seen.with(|seen| seen.as_ref().is_none_or(|r| r.payment_id == id.get_value()));
        if open.get() && ours {
            load();
        }
    });
    view! {
        <section class="refund" aria-label=move || t(Word::RefundHeading)>
            <button
                type="button"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {move || t(Word::OpenRefund)}
            </button>
            <Show when=move || open.get()>
                {move || match sheet.get() {
                    None => view! { <p class="hint">{move || t(Word::Loading)}</p> }.into_any(),
                    Some(found) => {
                        view! { <RefundSheetView found paid flow/> }.into_any()
                    }
                }}
            </Show>
            <MaybeProblem error=problem/>
        </section>
    }
    .into_any()
}

/// What is left, the refunds so far, and the form while something is left.
#[component]
fn RefundSheetView(found: RefundSheet, paid: MinorUnits, flow: RefundFlow) -> impl IntoView {
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    let left = found.refundable.left;
    let left_text = move || fill(t(Word::LeftToRefund), &[("left", &flow.money(left)), ("paid", &flow.money(paid))]);
    let refunds = found.refunds.clone();
    let latest = flow.latest.get_untracked().and_then(|id| refunds.iter().find(|r| r.id == id).cloned());
    view! {
        {latest.map(|made| view! { <LatestRefund made flow/> })}
        <p class="refund-left">{left_text}</p>
        {(!refunds.is_empty())
            .then(|| {
                view! {
                    <ul class="refunds" aria-label=move || t(Word::Refunds)>
                        {refunds
                            .into_iter()
                            .map(|refund| view! { <RefundRow refund flow/> })
                            .collect_view()}
                    </ul>
                }
            })}
        {if left == MinorUnits::ZERO {
            view! { <p class="hint">{move || t(Word::AllRefunded)}</p> }.into_any()
        } else {
            view! { <RefundForm found flow/> }.into_any()
        }}
    }
}

/// One refund: when, how much, what, by whom, and where it stands.
#[component]
fn RefundRow(refund: RefundView, flow: RefundFlow) -> impl IntoView {
    let lang = use_lang();
    let items = move || items_text(lang.get(), &refund.lines);
    let (time, amount, by, status) =
        (clock_time(&refund.created_at_local), flow.money(refund.amount), refund.requested_by.clone(), refund.status);
    let reference = refund.reference.clone().map(|r| format!(" · {r}")).unwrap_or_default();
    let why = refund.problem.clone();
    view! {
        <li class=format!("refund-{}", status.as_str())>
            {move || format!("{time} · {amount} · {} · {by}{reference}", status_words(lang.get(), status))}
            {move || {
                let items = items();
                (!items.is_empty()).then(|| view! { <span class="refund-items">{items}</span> })
            }}
            {why.map(|found| view! { <span class="problem">{move || i18n::problem(lang.get(), &found)}</span> })}
        </li>
    }
}

fn status_words(lang: Lang, status: RefundStatus) -> &'static str {
    tr(
        lang,
        match status {
            RefundStatus::Pending => Word::RefundPending,
            RefundStatus::Refunded => Word::RefundDone,
            RefundStatus::Refused => Word::RefundRefused,
        },
    )
}

fn items_text(lang: Lang, lines: &[RefundLine]) -> String {
    let each = lines.iter().map(|line| {
        fill(tr(lang, Word::ItemsCount), &[("quantity", &line.quantity.to_string()), ("name", &line.name)])
    });
    each.collect::<Vec<_>>().join(", ")
}

/// The form: what to give back, a return number, then the confirm step.
#[component]
fn RefundForm(found: RefundSheet, flow: RefundFlow) -> impl IntoView {
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    let refundable = StoredValue::new(found.refundable);
    let RefundFlow { confirming, errors, refund, currency, problem, .. } = flow;
    let money = move |amount| flow.money(amount);
    let radio_group = format!("give-back-{}", flow.payment_id.get_value());
    let mode = RwSignal::new(GiveBack::Everything);
    let counts: Vec<RwSignal<String>> =
        refundable.with_value(|r| r.lines.iter().map(|_| RwSignal::new(String::new())).collect());
    let counts = StoredValue::new(counts);
    let amount_text = RwSignal::new(String::new());
    let reference = RwSignal::new(String::new());
    let chosen = move || -> Result<(Option<i64>, Option<Vec<ReturnedItems>>), FieldErrors> {
        match mode.get() {
            GiveBack::Everything => Ok((None, None)),
            GiveBack::Items => {
                let mut items = Vec::new();
                let mut errors = FieldErrors::default();
                for (line, count) in counts.get_value().iter().enumerate() {
                    let text = count.get();
                    match text.trim() {
                        "" | "0" => {}
                        typed => match typed.parse::<i64>() {
                            Ok(quantity) => items.push(ReturnedItems { line: line as i64, quantity }),
                            Err(_) => errors.push(format!("count[{line}]"), FieldProblem::NotWholeNumber),
                        },
                    }
                }
                if errors.is_empty() {
                    Ok((None, Some(items)))
                } else {
                    Err(errors)
                }
            }
            GiveBack::Amount => match MinorUnits::parse_major(&amount_text.get(), currency) {
                Some(amount) => Ok((Some(amount.get() as i64), None)),
                None => {
                    let mut errors = FieldErrors::default();
                    errors.push("amount", FieldProblem::NotPrice);
                    Err(errors)
                }
            },
        }
    };
    // The refund the form describes now, as the server would plan it.
    let planned = move || {
        let (amount, items) = chosen()?;
        refundable.with_value(|now| plan_from(now, amount, items.as_deref())).map(|(total, _)| (total, amount, items))
    };
    let go_on = move || {
        problem.set(None);
        match planned() {
            Ok((total, amount, lines)) => {
                errors.set(FieldErrors::default());
                let reference = Some(reference.get_untracked().trim().to_string()).filter(|r| !r.is_empty());
                let input = RefundInput { key: new_attempt_key(), amount, lines, reference };
                confirming.set(Some(Confirming { amount: total, input }));
            }
            Err(found) => errors.set(found),
        }
    };
    let field_error = move |field: String| {
        Signal::derive(move || errors.with(|e| e.for_field(&field).map(|found| i18n::field_problem(lang.get(), found))))
    };
    let items_total = move || match planned() {
        Ok((total, _, Some(_))) => Some(fill(t(Word::ItemsRefund), &[("amount", &money(total))])),
        _ => None,
    };
    let everything = refundable.with_value(|r| r.left);
    let choice = move |value: GiveBack, word: Word| {
        view! {
            <label class="choice">
                <input
                    type="radio"
                    name=radio_group.clone()
                    checked=move || mode.get() == value
                    on:change=move |_| {
                        mode.set(value);
                        errors.set(FieldErrors::default());
                    }
                />
                <span>
                    {move || if value == GiveBack::Everything {
                        fill(t(word), &[("amount", &money(everything))])
                    } else {
                        t(word).to_string()
                    }}
                </span>
            </label>
        }
    };
    // An edit takes the old verdict away; the next Continue gives a new one.
    let on_edit = move || errors.set(FieldErrors::default());
    view! {
        <Show
            when=move || confirming.with(Option::is_some)
            fallback=move || {
                view! {
                    <form
                        class="refund-form"
                        on:submit=move |ev| {
                            ev.prevent_default();
                            go_on();
                        }
                    >
                        <fieldset>
                            <legend>{move || t(Word::RefundWhat)}</legend>
                            <div class="choices">
                                {choice(GiveBack::Everything, Word::RefundEverything)}
                                {choice(GiveBack::Items, Word::RefundItems)}
                                {choice(GiveBack::Amount, Word::RefundAnAmount)}
                            </div>
                        </fieldset>
                        <Show when=move || mode.get() == GiveBack::Items>
                            {refundable
                                .with_value(|r| r.lines.clone())
                                .into_iter()
                                .zip(counts.get_value())
                                .filter(|(line, _)| line.quantity_left > 0)
                                .map(|(line, count)| {
                                    let at = line.line;
                                    let label = Signal::derive(move || {
                                        let left = line.quantity_left.to_string();
                                        fill(t(Word::ItemsBack), &[("name", &line.name), ("left", &left)])
                                    });
                                    let error = field_error(format!("lines[{at}].quantity"));
                                    view! { <TextField label value=count error on_edit input_mode="numeric"/> }
                                })
                                .collect_view()}
                            <p class="hint" role="status">{items_total}</p>
                        </Show>
                        <Show when=move || mode.get() == GiveBack::Amount>
                            <TextField
                                label=Signal::derive(move || format!("{} ({})", t(Word::Amount), currency.code()))
                                value=amount_text
                                error=field_error("amount".into())
                                on_edit
                                input_mode="decimal"
                            />
                        </Show>
                        <TextField
                            label=Signal::derive(move || t(Word::RefundReference).to_string())
                            value=reference
                            error=field_error("reference".into())
                            on_edit
                        />
                        {move || {
                            // Problems not beside an input: nothing left, or items not chosen.
                            errors
                                .with(|e| {
                                    e.0
                                        .iter()
                                        .filter(|e| {
                                            e.field == "lines" || (e.field == "amount" && mode.get() != GiveBack::Amount)
                                        })
                                        .map(|e| i18n::field_problem(lang.get(), &e.problem))
                                        .collect::<Vec<_>>()
                                })
                                .into_iter()
                                .map(|text| view! { <p class="field-error" role="alert">{text}</p> })
                                .collect_view()
                        }}
                        <button type="submit">{move || t(Word::ContinueRefund)}</button>
                    </form>
                }
            }
        >
            {move || {
                confirming
                    .get()
                    .map(|asked| {
                        let amount = money(asked.amount);
                        let (question, yes) = (amount.clone(), amount);
                        let input = StoredValue::new(asked.input);
                        view! {
                            <p class="confirm-text">{move || fill(t(Word::ConfirmRefund), &[("amount", &question)])}</p>
                            <div class="button-row">
                                <button
                                    type="button"
                                    class="danger"
                                    disabled=move || refund.pending().get()
                                    on:click=move |_| {
                                        problem.set(None);
                                        refund.dispatch(input.get_value());
                                    }
                                >
                                    {move || fill(t(Word::YesRefund), &[("amount", &yes)])}
                                </button>
                                <button
                                    type="button"
                                    disabled=move || refund.pending().get()
                                    on:click=move |_| confirming.set(None)
                                >
                                    {move || t(Word::Back)}
                                </button>
                            </div>
                        }
                    })
            }}
        </Show>
    }
}

/// The refund just asked for from this screen, as it stands now (the
/// refunds are read again at each of its events).
#[component]
fn LatestRefund(made: RefundView, flow: RefundFlow) -> impl IntoView {
    let lang = use_lang();
    let amount = flow.money(made.amount);
    let refused = made.problem.clone().filter(|_| made.status == RefundStatus::Refused);
    let status = made.status;
    view! {
        <p class="refund-result" role="status">
            {move || {
                let status = status_words(lang.get(), status);
                fill(tr(lang.get(), Word::RefundResult), &[("amount", &amount), ("status", status)])
            }}
        </p>
        {refused
            .map(|found: Problem| {
                view! { <p class="problem" role="alert">{move || i18n::problem(lang.get(), &found)}</p> }
            })}
    }
}
