//! The demo web shop's catalogue and what its pages are shown. The browser
//! sends only quantities; prices come from this catalogue on the server.

use domain::{CartInput, CartLineInput, FieldErrors};

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

/// The demo shop's cart form as the shopper last posted it: the quantities
/// as typed (so a refused form comes back as it was) and the id of the form
/// the server rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShopForm {
    /// Made by the server for each new form. With the cart it makes the
    /// payment's attempt key: a double click or a post sent again with the
    /// same cart starts one payment, a changed cart a new one.
    pub form_id: String,
    /// One per catalogue item, in catalogue order.
    pub quantities: Vec<String>,
}

/// What a posted shop form asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShopIntent {
    /// Show the total of the quantities typed.
    UpdateTotal,
    /// Go to Klarna's payment page.
    Pay,
}

/// The longest a quantity field's text may be: "20" fits, any longer text is
/// refused (and not kept) without being parsed.
const MAX_QUANTITY_TEXT: usize = 8;

impl ShopForm {
    /// A new form with the shop's starting cart.
    pub fn new(form_id: String) -> ShopForm {
        ShopForm { form_id, quantities: vec!["1".into(), "1".into(), "0".into()] }
    }

    /// Reads a posted form (`form_id`, `quantities[i]`, `intent`); fields it
    /// does not know are ignored.
    pub fn from_fields(fields: &[(String, String)]) -> (ShopForm, ShopIntent) {
        let value = |name: &str| fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
        let quantities = (0..CATALOG.len())
            .map(|index| {
                let text = value(&format!("quantities[{index}]")).unwrap_or_default().trim();
                if text.len() > MAX_QUANTITY_TEXT {
                    String::new()
                } else {
                    text.to_string()
                }
            })
            .collect();
        let intent = if value("intent") == Some("total") { ShopIntent::UpdateTotal } else { ShopIntent::Pay };
        (ShopForm { form_id: value("form_id").unwrap_or_default().to_string(), quantities }, intent)
    }

    /// The quantities as numbers; errors name `quantities[i]` or `form_id`.
    pub fn parse(&self) -> Result<Vec<u32>, FieldErrors> {
        let mut errors = FieldErrors::default();
        let id_ok = (8..=40).contains(&self.form_id.len()) && self.form_id.chars().all(|c| c.is_ascii_alphanumeric());
        if !id_ok {
            errors.push(
                "form_id",
                "this form was not the shop's own (8 to 40 letters or digits): check the cart and try again",
            );
        }
        let values = self
            .quantities
            .iter()
            .enumerate()
            .map(|(index, text)| match text.parse::<u32>() {
                Ok(quantity) if quantity <= MAX_QUANTITY => quantity,
                _ => {
                    errors.push(format!("quantities[{index}]"), format!("enter 0 to {MAX_QUANTITY}"));
                    0
                }
            })
            .collect();
        if errors.is_empty() {
            Ok(values)
        } else {
            Err(errors)
        }
    }

    /// The attempt key for this form and cart (letters, digits and '-',
    /// at most 55 characters).
    pub fn attempt_key(&self, quantities: &[u32]) -> String {
        let cart: Vec<String> = quantities.iter().map(u32::to_string).collect();
        format!("shop-{}-{}", self.form_id, cart.join("-"))
    }
}

/// What the catalogue's quantities cost, tax included.
pub fn total(quantities: &[u32]) -> domain::MinorUnits {
    domain::MinorUnits(CATALOG.iter().zip(quantities).map(|(item, q)| item.unit_price * u64::from(*q)).sum())
}

/// Which result page Klarna sent the shopper to. Only a label: what the page
/// says comes from the payment's state on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    fn totals_follow_the_catalogue() {
        assert_eq!(total(&[1, 1, 0]), domain::MinorUnits(19_900 + 12_900));
    }

    fn posted(fields: &[(&str, &str)]) -> (ShopForm, ShopIntent) {
        let fields: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        ShopForm::from_fields(&fields)
    }

    #[test]
    fn a_posted_form_keeps_what_was_typed_and_names_each_bad_field() {
        let (form, intent) = posted(&[
            ("form_id", "abcdef0123456789"),
            ("quantities[0]", " 2 "),
            ("quantities[1]", "two"),
            ("quantities[2]", "21"),
        ]);
        assert_eq!(intent, ShopIntent::Pay);
        assert_eq!(form.quantities, ["2", "two", "21"]);
        let errors = form.parse().unwrap_err();
        assert!(errors.for_field("quantities[0]").is_none());
        assert!(errors.for_field("quantities[1]").is_some() && errors.for_field("quantities[2]").is_some());

        let (huge, _) = posted(&[("form_id", "abcdef0123456789"), ("quantities[0]", &"9".repeat(5000))]);
        assert_eq!(huge.quantities[0], "", "an oversized value is dropped, not kept");
        assert!(huge.parse().unwrap_err().for_field("quantities[0]").is_some());
    }

    #[test]
    fn a_form_id_that_is_not_the_servers_is_refused_by_name() {
        for id in ["", "short", "has spaces in it", "<script>alert(1)</script>", &"a".repeat(41)] {
            let (form, _) =
                posted(&[("form_id", id), ("quantities[0]", "1"), ("quantities[1]", "0"), ("quantities[2]", "0")]);
            assert!(form.parse().unwrap_err().for_field("form_id").is_some(), "{id:?}");
        }
    }

    #[test]
    fn the_attempt_key_is_one_per_form_and_cart() {
        let form = ShopForm::new("abcdef0123456789abcdef0123456789".into());
        let key = form.attempt_key(&[1, 1, 0]);
        assert_eq!(key, form.attempt_key(&[1, 1, 0]), "the same cart again: the same payment");
        assert_ne!(key, form.attempt_key(&[1, 2, 0]), "a changed cart: a new payment");
        assert_ne!(key, ShopForm::new("0123456789abcdef0123456789abcdef".into()).attempt_key(&[1, 1, 0]));
        let longest = ShopForm::new("a".repeat(40)).attempt_key(&[20, 20, 20]);
        assert!(longest.len() <= 100 && longest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{longest}");
    }

    #[test]
    fn update_total_is_asked_by_name_and_anything_else_pays() {
        assert_eq!(posted(&[("intent", "total")]).1, ShopIntent::UpdateTotal);
        assert_eq!(posted(&[("intent", "pay")]).1, ShopIntent::Pay);
        assert_eq!(posted(&[]).1, ShopIntent::Pay);
    }

    #[test]
    fn outcomes_parse_from_the_path() {
        assert_eq!(CheckoutOutcome::parse("cancel"), Some(CheckoutOutcome::Cancel));
        assert_eq!(CheckoutOutcome::parse("paid"), None);
    }
}
