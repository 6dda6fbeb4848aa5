//! The demo web shop's catalogue and what its pages are shown. The browser
//! sends only quantities; prices come from this catalogue on the server.

use crate::model::PaymentView;
use domain::{CartInput, CartLineInput, FieldErrors};
use serde::{Deserialize, Serialize};

/// One thing the demo shop sells. Prices are in the store currency's minor
/// units, tax included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShopItem {
    pub sku: &'static str,
    pub name: &'static str,
    pub unit_price: u64,
    /// Basis points: 2500 is 25 %.
    pub tax_rate: u16,
}

pub const CATALOG: [ShopItem; 3] = [
    ShopItem { sku: "KS-TEE", name: "Kassa T-shirt", unit_price: 19_900, tax_rate: 2500 },
    ShopItem { sku: "KS-MUG", name: "Coffee mug", unit_price: 12_900, tax_rate: 2500 },
    ShopItem { sku: "KS-BOOK", name: "Pocket guide", unit_price: 7_900, tax_rate: 600 },
];

/// The most of one item a cart may hold.
pub const MAX_QUANTITY: u32 = 20;

/// The cart for the catalogue's quantities (in catalogue order); items with
/// quantity 0 are left out. Errors name `quantities[i]` or `quantities`.
pub fn cart_for(quantities: &[u32]) -> Result<CartInput, FieldErrors> {
    let mut errors = FieldErrors::default();
    if quantities.len() != CATALOG.len() {
        errors.push("quantities", format!("give one quantity per item ({})", CATALOG.len()));
        return Err(errors);
    }
    for (index, quantity) in quantities.iter().enumerate() {
        if *quantity > MAX_QUANTITY {
            errors.push(format!("quantities[{index}]"), format!("at most {MAX_QUANTITY}"));
        }
    }
    if quantities.iter().all(|q| *q == 0) {
        errors.push("quantities", "the cart is empty; add at least one item");
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let lines = CATALOG
        .iter()
        .zip(quantities)
        .filter(|(_, quantity)| **quantity > 0)
        .map(|(item, quantity)| CartLineInput {
            name: item.name.into(),
            quantity: i64::from(*quantity),
            unit_price: item.unit_price as i64,
            tax_rate: i64::from(item.tax_rate),
            reference: Some(item.sku.into()),
            ..Default::default()
        })
        .collect();
    Ok(CartInput { lines })
}

/// Which result page Klarna sent the shopper to. Only a label: what the page
/// says comes from the payment's state on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckoutOutcome {
    Success,
    Failure,
    Error,
    Back,
    Cancel,
}

impl CheckoutOutcome {
    pub fn parse(text: &str) -> Option<CheckoutOutcome> {
        Some(match text {
            "success" => CheckoutOutcome::Success,
            "failure" => CheckoutOutcome::Failure,
            "error" => CheckoutOutcome::Error,
            "back" => CheckoutOutcome::Back,
            "cancel" => CheckoutOutcome::Cancel,
            _ => return None,
        })
    }
}

/// A demo shop payment and the language to show its amounts in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShopPaymentView {
    pub payment: PaymentView,
    pub language: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{Cart, Currency, MinorUnits};

    #[test]
    fn quantities_become_a_cart_from_the_catalogue() {
        let cart = cart_for(&[2, 0, 1]).unwrap();
        assert_eq!(cart.lines.len(), 2);
        assert_eq!((cart.lines[0].name.as_str(), cart.lines[0].quantity), ("Kassa T-shirt", 2));
        assert_eq!(cart.lines[1].reference.as_deref(), Some("KS-BOOK"));
        let valid = Cart::validate(&cart, Currency::parse("SEK").unwrap()).unwrap();
        assert_eq!(valid.order_amount, MinorUnits(2 * 19_900 + 7_900));
    }

    #[test]
    fn bad_quantities_name_their_field() {
        assert!(cart_for(&[0, 0, 0]).unwrap_err().for_field("quantities").is_some());
        assert!(cart_for(&[1, 2]).unwrap_err().for_field("quantities").is_some());
        assert!(cart_for(&[1, 21, 0]).unwrap_err().for_field("quantities[1]").is_some());
    }

    #[test]
    fn outcomes_parse_from_the_path() {
        assert_eq!(CheckoutOutcome::parse("cancel"), Some(CheckoutOutcome::Cancel));
        assert_eq!(CheckoutOutcome::parse("paid"), None);
    }
}
