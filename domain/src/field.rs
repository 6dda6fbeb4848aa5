//! Errors that name the field they are about, with a code a screen can put
//! in its own language. `Display` is English, for logs and the JSON API.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What is wrong with a value. Serialized with a `code` tag, so clients can
/// react to the kind of problem without reading English.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum FieldProblem {
    /// A cart without order lines.
    NoLines,
    TooManyLines {
        max: usize,
    },
    /// Every line is free.
    ZeroTotal,
    NameRequired,
    TooLong {
        max: usize,
    },
    QuantityRange {
        max: i64,
    },
    UnitPriceRange {
        max: u64,
    },
    TaxRateRange,
    DiscountNegative,
    DiscountAboveLine,
    LineTotalTooHigh {
        max: u64,
    },
    /// Typed text that is not a whole number.
    NotWholeNumber,
    /// Typed text that is not a price in the store's currency.
    NotPrice,
    /// Typed text that is not an amount (the field may be left empty).
    NotDiscount,
    EmailInvalid,
    PhoneNotDigits,
    PhoneLength,
    /// An international number whose calling code is not the chosen country's.
    PhoneOtherCountry {
        country: String,
    },
    CountryInvalid,
    /// A refund names a cart line the cart does not have.
    NoSuchLine {
        lines: usize,
    },
    /// A refund names the same cart line twice.
    LineTwice,
    /// More items than are left to give back of a line.
    ReturnAboveLeft {
        left: u32,
    },
    /// A refund's amount is not the total of the items it gives back.
    AmountNotLines {
        total: u64,
    },
    /// A refund of more than is left (or of nothing); `left` in minor units.
    RefundAboveLeft {
        left: u64,
    },
    /// Everything captured has been refunded.
    NothingLeftToRefund,
    /// Checks only API clients meet; English is all they need.
    Other {
        message: String,
    },
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldProblem::NoLines => f.write_str("add at least one order line"),
            FieldProblem::TooManyLines { max } => write!(f, "at most {max} order lines"),
            FieldProblem::ZeroTotal => f.write_str("the cart total must be more than zero"),
            FieldProblem::NameRequired => f.write_str("enter a name for the item"),
            FieldProblem::TooLong { max } => write!(f, "at most {max} characters"),
            FieldProblem::QuantityRange { max } => write!(f, "must be a whole number from 1 to {max}"),
            FieldProblem::UnitPriceRange { max } => write!(f, "must be from 0 to {max} in minor units"),
            FieldProblem::TaxRateRange => f.write_str("must be from 0 to 10000 basis points (2500 is 25 %)"),
            FieldProblem::DiscountNegative => f.write_str("cannot be negative"),
            FieldProblem::DiscountAboveLine => f.write_str("cannot be more than quantity × unit price"),
            FieldProblem::LineTotalTooHigh { max } => {
                write!(f, "the line total may be at most {max} in minor units")
            }
            FieldProblem::NotWholeNumber => f.write_str("enter a whole number, such as 1"),
            FieldProblem::NotPrice => f.write_str("enter a price such as 199.00"),
            FieldProblem::NotDiscount => f.write_str("enter an amount such as 20.00, or leave it empty"),
            FieldProblem::EmailInvalid => f.write_str("enter an e-mail address such as name@example.com"),
            FieldProblem::PhoneNotDigits => f.write_str("use digits only, such as 070 123 45 67"),
            FieldProblem::PhoneLength => f.write_str("a phone number has 6 to 15 digits"),
            FieldProblem::PhoneOtherCountry { country } => {
                write!(f, "this number does not belong to the chosen country ({country})")
            }
            FieldProblem::CountryInvalid => f.write_str("choose a two-letter country code such as SE"),
            FieldProblem::NoSuchLine { lines } => write!(f, "no such line: the cart has {lines} (from 0)"),
            FieldProblem::LineTwice => f.write_str("this line is already named above"),
            FieldProblem::ReturnAboveLeft { left } => write!(f, "at most {left} of this line is left to give back"),
            FieldProblem::AmountNotLines { total } => {
                write!(f, "must be the chosen items' total, {total} (minor units), or left out")
            }
            FieldProblem::RefundAboveLeft { left } => {
                write!(f, "must be from 1 to {left} (minor units), what is left to refund")
            }
            FieldProblem::NothingLeftToRefund => f.write_str("nothing is left to refund"),
            FieldProblem::Other { message } => f.write_str(message),
        }
    }
}

impl From<&str> for FieldProblem {
    fn from(message: &str) -> FieldProblem {
        FieldProblem::Other { message: message.to_string() }
    }
}

impl From<String> for FieldProblem {
    fn from(message: String) -> FieldProblem {
        FieldProblem::Other { message }
    }
}

/// One problem with one field, by its path in the request
/// (`lines[0].unit_price`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    #[serde(flatten)]
    pub problem: FieldProblem,
}

/// Every problem found in one input, in field order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, field: impl Into<String>, problem: impl Into<FieldProblem>) {
        self.0.push(FieldError { field: field.into(), problem: problem.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first problem with a field, for showing beside its input.
    pub fn for_field(&self, field: &str) -> Option<&FieldProblem> {
        self.0.iter().find(|e| e.field == field).map(|e| &e.problem)
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|e| format!("{}: {}", e.field, e.problem)).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for FieldErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_a_code_and_their_parameters_on_the_wire() {
        let mut errors = FieldErrors::default();
        errors.push("lines[0].name", FieldProblem::TooLong { max: 255 });
        errors.push("cart_ref", "must be 1 to 255 characters");
        let json = serde_json::to_value(&errors).unwrap();
        assert_eq!(json[0], serde_json::json!({"field": "lines[0].name", "code": "too_long", "max": 255}));
        assert_eq!(json[1]["code"], "other");
        let back: FieldErrors = serde_json::from_value(json).unwrap();
        assert_eq!(back, errors);
        assert_eq!(errors.to_string(), "lines[0].name: at most 255 characters; cart_ref: must be 1 to 255 characters");
    }
}
