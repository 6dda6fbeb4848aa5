//! One order line's inputs in the till's cart form.

use super::cart::{CartForm, LineForm};
use crate::browser::bind_value;
use crate::i18n::{self, fill, tr, use_lang, Word};
use domain::{Currency, FieldErrors};
use leptos::prelude::*;

/// Tax rates the till offers, in basis points, by the store's country.
pub fn tax_rates(country: &str) -> &'static [u16] {
    domain::Country::parse(country).map(|c| c.tax_rates()).unwrap_or(domain::region::DEFAULT_TAX_RATES)
}

fn percent(basis_points: u16) -> String {
    if basis_points.is_multiple_of(100) {
        format!("{} %", basis_points / 100)
    } else {
        format!("{}.{} %", basis_points / 100, (basis_points % 100) / 10)
    }
}

/// One order line's inputs; labels carry the line number when there are
/// several, so every control has a unique accessible name.
#[component]
pub fn LineFields(
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
    // Price and discount: amounts in the store's currency.
    let money_field = move |word: Word, value: RwSignal<String>, field: &'static str| {
        view! {
            <TextField
                label=Signal::derive(move || format!("{} ({})", label(word)(), currency.code()))
                value
                error=error(field)
                on_edit
                input_mode="decimal"
            />
        }
    };
    let tax_rate = NodeRef::<leptos::html::Select>::new();
    bind_value(tax_rate, line.tax_rate);
    let first_tax_rate = line.tax_rate.get_untracked();
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
                {money_field(Word::UnitPrice, line.unit_price, "unit_price")}
            </div>
            <div class="line-numbers">
                <label class="field">
                    <span>{label(Word::TaxRate)}</span>
                    <select
                        node_ref=tax_rate
                        on:change=move |ev| {
                            line.tax_rate.set(event_target_value(&ev));
                            on_edit();
                        }
                    >
                        {rates
                            .iter()
                            .map(|rate| {
                                let value = rate.to_string();
                                let selected = value == first_tax_rate;
                                view! { <option value=value selected=selected>{percent(*rate)}</option> }
                            })
                            .collect_view()}
                    </select>
                </label>
                {money_field(Word::Discount, line.discount, "discount")}
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
pub(super) fn TextField(
    label: Signal<String>,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    on_edit: impl Fn() + Copy + Send + Sync + 'static,
    #[prop(optional)] input_mode: &'static str,
) -> impl IntoView {
    let control = NodeRef::<leptos::html::Input>::new();
    bind_value(control, value);
    view! {
        <label class="field">
            <span>{move || label.get()}</span>
            <input
                type="text"
                node_ref=control
                inputmode=if input_mode.is_empty() { "text" } else { input_mode }
                value=value.get_untracked()
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
