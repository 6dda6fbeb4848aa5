//! Carts: what a till or a shop sends, and the validated cart Klarna gets.
//!
//! Totals and tax follow Klarna's order-line rules, so a cart that passes
//! here is one Klarna accepts: `total_amount = quantity × unit_price −
//! discount`, line tax `total − total × 10000 / (10000 + tax_rate)` rounded,
//! order amount and order tax the sums of the lines.

use crate::field::{FieldErrors, FieldProblem};
use crate::money::{Currency, MinorUnits};
use serde::{Deserialize, Serialize};

/// Klarna's caps on one order line (minor units) and on a cart.
pub const MAX_LINE_AMOUNT: u64 = 200_000_000;
pub const MAX_LINES: usize = 1000;
pub const MAX_QUANTITY: i64 = 1_000_000;
pub const MAX_TEXT_LEN: usize = 255;

/// One order line as a client sends it. Numbers are signed and unchecked so
/// that a bad value becomes an error naming the field, not a parse failure.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartLineInput {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 255, pattern = r"\S"))]
    pub name: String,
    #[serde(deserialize_with = "whole_number")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1_000_000))]
    pub quantity: i64,
    /// Price of one unit in minor units, tax included.
    #[serde(deserialize_with = "whole_number")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 200_000_000))]
    pub unit_price: i64,
    /// Basis points: 2500 is 25 %.
    #[serde(default, deserialize_with = "whole_number")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 10_000))]
    pub tax_rate: i64,
    /// Discount on the whole line in minor units, tax included; at most
    /// the line's total.
    #[serde(default, deserialize_with = "whole_number")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub discount: i64,
    /// The merchant's article number or SKU.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 255))]
    pub reference: Option<String>,
}

/// A whole number as JSON writes it: `5`, or `5.0` (JSON Schema's integers
/// include both). Beyond i64 it saturates, which every range rule refuses,
/// so a huge number is a named range error rather than a parse failure.
pub fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    struct Whole;
    impl serde::de::Visitor<'_> for Whole {
        type Value = i64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number")
        }
        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<i64, E> {
            Ok(n)
        }
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<i64, E> {
            Ok(i64::try_from(n).unwrap_or(i64::MAX))
        }
        fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<i64, E> {
            if n.fract() != 0.0 || !n.is_finite() {
                return Err(E::invalid_value(serde::de::Unexpected::Float(n), &self));
            }
            // `as` saturates at i64's ends.
            Ok(n as i64)
        }
    }
    // As an i64: JSON then hands over whatever number it holds (a float too),
    // and a form (the till's server functions) parses its text as one.
    deserializer.deserialize_i64(Whole)
}

/// [`whole_number`] for an optional field (with `#[serde(default)]`):
/// absent or `null` is `None`.
pub fn optional_whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    struct Whole(#[serde(deserialize_with = "whole_number")] i64);
    Ok(Option::<Whole>::deserialize(deserializer)?.map(|Whole(n)| n))
}

/// A cart as a client sends it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CartInput {
    pub lines: Vec<CartLineInput>,
}

/// A tax rate in basis points, 0 to 10000 (0 % to 100 %).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaxRate(u16);

impl TaxRate {
    pub fn basis_points(self) -> u16 {
        self.0
    }

    /// The tax inside a tax-inclusive amount, rounded half up.
    pub fn tax_included_in(self, amount: MinorUnits) -> MinorUnits {
        let rate = u128::from(self.0);
        let amount = u128::from(amount.get());
        let denominator = 10_000 + rate;
        let tax = (2 * amount * rate + denominator) / (2 * denominator);
        MinorUnits(tax as u64)
    }
}

/// A validated order line with Klarna's computed totals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartLine {
    pub name: String,
    pub reference: Option<String>,
    pub quantity: u32,
    pub unit_price: MinorUnits,
    pub tax_rate: TaxRate,
    pub discount: MinorUnits,
    pub total_amount: MinorUnits,
    pub total_tax_amount: MinorUnits,
}

/// A cart Klarna will accept, in one currency.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cart {
    pub currency: Currency,
    pub lines: Vec<CartLine>,
    pub order_amount: MinorUnits,
    pub order_tax_amount: MinorUnits,
}

impl Cart {
    /// Checks every line and computes Klarna's totals. All problems are
    /// reported at once, each naming its field.
    pub fn validate(input: &CartInput, currency: Currency) -> Result<Cart, FieldErrors> {
        let mut errors = FieldErrors::default();
        if input.lines.is_empty() {
            errors.push("lines", FieldProblem::NoLines);
        }
        if input.lines.len() > MAX_LINES {
            errors.push("lines", FieldProblem::TooManyLines { max: MAX_LINES });
        }
        let lines: Vec<CartLine> = input
            .lines
            .iter()
            .enumerate()
            .filter_map(|(index, line)| validate_line(&format!("lines[{index}]"), line, &mut errors))
            .collect();
        let order_amount: u64 = lines.iter().map(|l| l.total_amount.get()).sum();
        let order_tax_amount: u64 = lines.iter().map(|l| l.total_tax_amount.get()).sum();
        if errors.is_empty() && order_amount == 0 {
            errors.push("lines", FieldProblem::ZeroTotal);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Cart {
            currency,
            lines,
            order_amount: MinorUnits(order_amount),
            order_tax_amount: MinorUnits(order_tax_amount),
        })
    }
}

/// The cart as a client would send it, to start a validated cart again
/// (a new link for the same cart).
impl From<&Cart> for CartInput {
    fn from(cart: &Cart) -> CartInput {
        CartInput {
            lines: cart
                .lines
                .iter()
                .map(|line| CartLineInput {
                    name: line.name.clone(),
                    quantity: i64::from(line.quantity),
                    unit_price: line.unit_price.get() as i64,
                    tax_rate: i64::from(line.tax_rate.basis_points()),
                    discount: line.discount.get() as i64,
                    reference: line.reference.clone(),
                })
                .collect(),
        }
    }
}

fn validate_line(path: &str, line: &CartLineInput, errors: &mut FieldErrors) -> Option<CartLine> {
    let before = errors.0.len();
    let name = line.name.trim();
    if name.is_empty() {
        errors.push(format!("{path}.name"), FieldProblem::NameRequired);
    } else if name.chars().count() > MAX_TEXT_LEN {
        errors.push(format!("{path}.name"), FieldProblem::TooLong { max: MAX_TEXT_LEN });
    }
    let reference = line.reference.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if reference.is_some_and(|r| r.chars().count() > MAX_TEXT_LEN) {
        errors.push(format!("{path}.reference"), FieldProblem::TooLong { max: MAX_TEXT_LEN });
    }
    if !(1..=MAX_QUANTITY).contains(&line.quantity) {
        errors.push(format!("{path}.quantity"), FieldProblem::QuantityRange { max: MAX_QUANTITY });
    }
    if !(0..=MAX_LINE_AMOUNT as i64).contains(&line.unit_price) {
        errors.push(format!("{path}.unit_price"), FieldProblem::UnitPriceRange { max: MAX_LINE_AMOUNT });
    }
    if !(0..=10_000).contains(&line.tax_rate) {
        errors.push(format!("{path}.tax_rate"), FieldProblem::TaxRateRange);
    }
    if line.discount < 0 {
        errors.push(format!("{path}.discount"), FieldProblem::DiscountNegative);
    }
    if errors.0.len() > before {
        return None;
    }
    let gross = line.quantity as u64 * line.unit_price as u64;
    let discount = line.discount as u64;
    if discount > gross {
        errors.push(format!("{path}.discount"), FieldProblem::DiscountAboveLine);
        return None;
    }
    let total_amount = MinorUnits(gross - discount);
    if total_amount.get() > MAX_LINE_AMOUNT {
        errors.push(format!("{path}.unit_price"), FieldProblem::LineTotalTooHigh { max: MAX_LINE_AMOUNT });
        return None;
    }
    let tax_rate = TaxRate(line.tax_rate as u16);
    Some(CartLine {
        name: name.to_string(),
        reference: reference.map(str::to_string),
        quantity: line.quantity as u32,
        unit_price: MinorUnits(line.unit_price as u64),
        tax_rate,
        discount: MinorUnits(discount),
        total_amount,
        total_tax_amount: tax_rate.tax_included_in(total_amount),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sek() -> Currency {
        Currency::parse("SEK").unwrap()
    }

    #[test]
    fn a_validated_cart_validates_again_to_itself() {
        let input = CartInput {
            lines: vec![CartLineInput {
                name: "Shoes".into(),
                quantity: 2,
                unit_price: 49_950,
                tax_rate: 2500,
                discount: 100,
                reference: Some("SKU-1".into()),
            }],
        };
        let cart = Cart::validate(&input, sek()).unwrap();
        assert_eq!(CartInput::from(&cart), input);
        assert_eq!(Cart::validate(&CartInput::from(&cart), sek()).unwrap(), cart);
    }

    #[test]
    fn whole_numbers_may_be_written_as_floats_and_nothing_else_passes_for_one() {
        let read = |json: &str| serde_json::from_str::<CartLineInput>(json);
        let line = read(r#"{"name":"A","quantity":2.0,"unit_price":919.0,"discount":1e3}"#).unwrap();
        assert_eq!((line.quantity, line.unit_price, line.discount), (2, 919, 1000));
        let huge = read(r#"{"name":"A","quantity":18446744073709551615,"unit_price":1e30}"#).unwrap();
        assert_eq!((huge.quantity, huge.unit_price), (i64::MAX, i64::MAX), "saturated: a range rule refuses it");
        for bad in [r#"{"name":"A","quantity":2.5,"unit_price":1}"#, r#"{"name":"A","quantity":"2","unit_price":1}"#] {
            assert!(read(bad).is_err(), "{bad}");
        }
        // The till's server functions send a form, where every number is text.
        let form: CartInput =
            serde_qs::from_str("lines[0][name]=A&lines[0][quantity]=2&lines[0][unit_price]=919").unwrap();
        assert_eq!((form.lines[0].quantity, form.lines[0].unit_price), (2, 919));
    }

    fn line(name: &str, quantity: i64, unit_price: i64, tax_rate: i64) -> CartLineInput {
        CartLineInput { name: name.into(), quantity, unit_price, tax_rate, ..Default::default() }
    }

    #[test]
    fn computes_klarnas_totals() {
        let mut shirt = line("Shirt", 2, 25_000, 2500);
        shirt.discount = 5_000;
        let input = CartInput { lines: vec![shirt, line("Bag", 1, 1_000, 1200)] };
        let cart = Cart::validate(&input, sek()).unwrap();
        assert_eq!(cart.lines[0].total_amount, MinorUnits(45_000));
        // 45000 - 45000*10000/12500 = 9000
        assert_eq!(cart.lines[0].total_tax_amount, MinorUnits(9_000));
        // 1000 - 1000*10000/11200 = 107.14 -> 107
        assert_eq!(cart.lines[1].total_tax_amount, MinorUnits(107));
        assert_eq!(cart.order_amount, MinorUnits(46_000));
        assert_eq!(cart.order_tax_amount, MinorUnits(9_107));
    }

    #[test]
    fn line_tax_stays_within_klarnas_tolerance() {
        // Klarna accepts a line tax within 1 of the exact formula.
        for total in [0u64, 1, 99, 12_345, 199_999_999] {
            for rate in [0u16, 600, 1200, 2500, 10_000] {
                let tax = TaxRate(rate).tax_included_in(MinorUnits(total)).get() as f64;
                let exact = total as f64 - total as f64 * 10_000.0 / (10_000.0 + f64::from(rate));
                assert!((tax - exact).abs() <= 1.0, "total {total} rate {rate}: {tax} vs {exact}");
            }
        }
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut bad = line("  ", 0, -1, 10_001);
        bad.discount = -5;
        let input = CartInput { lines: vec![line("Ok", 1, 100, 0), bad] };
        let errors = Cart::validate(&input, sek()).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["lines[1].name", "lines[1].quantity", "lines[1].unit_price", "lines[1].tax_rate", "lines[1].discount"]
        );
        assert_eq!(errors.for_field("lines[1].tax_rate"), Some(&FieldProblem::TaxRateRange));
    }

    #[test]
    fn refuses_empty_zero_and_oversized_carts() {
        let empty = Cart::validate(&CartInput::default(), sek()).unwrap_err();
        assert_eq!(empty.0[0].field, "lines");
        let free = Cart::validate(&CartInput { lines: vec![line("Gift", 1, 0, 0)] }, sek()).unwrap_err();
        assert_eq!(free.for_field("lines"), Some(&FieldProblem::ZeroTotal));
        let huge = Cart::validate(&CartInput { lines: vec![line("Car", 3, 100_000_000, 0)] }, sek()).unwrap_err();
        assert!(matches!(huge.for_field("lines[0].unit_price"), Some(FieldProblem::LineTotalTooHigh { .. })));
        let mut over = line("Hat", 1, 100, 0);
        over.discount = 101;
        let discount = Cart::validate(&CartInput { lines: vec![over] }, sek()).unwrap_err();
        assert!(discount.for_field("lines[0].discount").is_some());
    }

    #[test]
    fn unknown_fields_are_refused_by_name() {
        let err =
            serde_json::from_str::<CartLineInput>(r#"{"name":"A","quantity":1,"unit_price":1,"price":2}"#).unwrap_err();
        assert!(err.to_string().contains("price"), "{err}");
    }
}
