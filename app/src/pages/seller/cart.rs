//! The cart form: one or more order lines as typed, turned into a cart by
//! the same rules the server and Klarna apply.

use domain::{Cart, CartInput, CartLineInput, Currency, FieldErrors, FieldProblem, MinorUnits};
use leptos::prelude::*;

/// One order line's text, as typed.
#[derive(Clone, Copy)]
pub struct LineForm {
    pub key: usize,
    pub item: RwSignal<String>,
    pub quantity: RwSignal<String>,
    pub unit_price: RwSignal<String>,
    pub tax_rate: RwSignal<String>,
    pub discount: RwSignal<String>,
}

impl LineForm {
    fn new(key: usize, item: &str, tax_rate: u16) -> LineForm {
        LineForm {
            key,
            item: RwSignal::new(item.into()),
            quantity: RwSignal::new("1".into()),
            unit_price: RwSignal::new(String::new()),
            tax_rate: RwSignal::new(tax_rate.to_string()),
            discount: RwSignal::new(String::new()),
        }
    }

    fn text(&self) -> LineText {
        LineText {
            item: self.item.get(),
            quantity: self.quantity.get(),
            unit_price: self.unit_price.get(),
            tax_rate: self.tax_rate.get(),
            discount: self.discount.get(),
        }
    }
}

/// The whole form.
#[derive(Clone, Copy)]
pub struct CartForm {
    pub lines: RwSignal<Vec<LineForm>>,
    next_key: StoredValue<usize>,
    default_tax: u16,
    /// The first line's name, in the store's language ("Sale").
    default_item: &'static str,
}

impl CartForm {
    pub fn new(default_tax: u16, default_item: &'static str) -> CartForm {
        CartForm {
            lines: RwSignal::new(vec![LineForm::new(0, default_item, default_tax)]),
            next_key: StoredValue::new(1),
            default_tax,
            default_item,
        }
    }

    pub fn add_line(&self) {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        self.lines.update(|lines| lines.push(LineForm::new(key, "", self.default_tax)));
    }

    pub fn remove_line(&self, key: usize) {
        self.lines.update(|lines| {
            if lines.len() > 1 {
                lines.retain(|line| line.key != key);
            }
        });
    }

    /// Back to one empty line after a paid sale.
    pub fn clear(&self) {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        self.lines.set(vec![LineForm::new(key, self.default_item, self.default_tax)]);
    }

    /// The position of a line, for its field names (`lines[1].unit_price`).
    pub fn index_of(&self, key: usize) -> Option<usize> {
        self.lines.with(|lines| lines.iter().position(|line| line.key == key))
    }

    pub fn cart(&self, currency: Currency) -> Result<(CartInput, Cart), FieldErrors> {
        let lines: Vec<LineText> = self.lines.with(|lines| lines.iter().map(LineForm::text).collect());
        cart_from_text(&lines, currency)
    }
}

/// One line as text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineText {
    pub item: String,
    pub quantity: String,
    pub unit_price: String,
    pub tax_rate: String,
    pub discount: String,
}

/// Turns typed text into a validated cart; every error names its field as
/// the server would (`lines[0].unit_price`).
pub fn cart_from_text(lines: &[LineText], currency: Currency) -> Result<(CartInput, Cart), FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut input = CartInput::default();
    for (index, line) in lines.iter().enumerate() {
        let path = |field: &str| format!("lines[{index}].{field}");
        let quantity = line.quantity.trim().parse::<i64>().unwrap_or_else(|_| {
            errors.push(path("quantity"), FieldProblem::NotWholeNumber);
            0
        });
        let unit_price = match MinorUnits::parse_major(&line.unit_price, currency) {
            Some(price) => price.get() as i64,
            None => {
                errors.push(path("unit_price"), FieldProblem::NotPrice);
                0
            }
        };
        let discount = if line.discount.trim().is_empty() {
            0
        } else {
            match MinorUnits::parse_major(&line.discount, currency) {
                Some(discount) => discount.get() as i64,
                None => {
                    errors.push(path("discount"), FieldProblem::NotDiscount);
                    0
                }
            }
        };
        input.lines.push(CartLineInput {
            name: line.item.clone(),
            quantity,
            unit_price,
            tax_rate: line.tax_rate.parse::<i64>().unwrap_or(-1),
            discount,
            reference: None,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let cart = Cart::validate(&input, currency)?;
    Ok((input, cart))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sek() -> Currency {
        Currency::parse("SEK").unwrap()
    }

    fn line(item: &str, quantity: &str, price: &str, tax: &str, discount: &str) -> LineText {
        LineText {
            item: item.into(),
            quantity: quantity.into(),
            unit_price: price.into(),
            tax_rate: tax.into(),
            discount: discount.into(),
        }
    }

    #[test]
    fn typed_lines_become_a_klarna_cart() {
        let lines = [line("Shoes", "2", "499,50", "2500", ""), line("Socks", "3", "49", "2500", "20")];
        let (input, cart) = cart_from_text(&lines, sek()).unwrap();
        assert_eq!(input.lines[0].unit_price, 49_950);
        assert_eq!(input.lines[1].discount, 2_000);
        // 999.00 + (147.00 - 20.00) = 1126.00
        assert_eq!(cart.order_amount, MinorUnits(112_600));
        assert_eq!(cart.order_tax_amount, MinorUnits(19_980 + 2_540));
    }

    #[test]
    fn typing_mistakes_name_their_line_and_field() {
        let lines = [line("Shoes", "1", "10", "2500", ""), line("Socks", "two", "4,99 kr", "2500", "x")];
        let errors = cart_from_text(&lines, sek()).unwrap_err();
        assert!(errors.for_field("lines[1].quantity").is_some());
        assert!(errors.for_field("lines[1].unit_price").is_some());
        assert!(errors.for_field("lines[1].discount").is_some());
        assert!(errors.for_field("lines[0].unit_price").is_none());
        let errors = cart_from_text(&[line(" ", "1", "10", "2500", "")], sek()).unwrap_err();
        assert_eq!(errors.for_field("lines[0].name"), Some(&FieldProblem::NameRequired));
        let errors = cart_from_text(&[line("Hat", "1", "10", "2500", "11")], sek()).unwrap_err();
        assert!(errors.for_field("lines[0].discount").is_some());
    }
}
