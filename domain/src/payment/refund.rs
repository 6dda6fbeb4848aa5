//! Refunds: money given back on a paid, captured order, in parts that add
//! up to at most what was captured. A refund gives back an amount, or items
//! of the cart's lines, each line's share worked out so that returning a
//! line in parts adds up to exactly its total.

use super::Problem;
use crate::cart::{whole_number, Cart, CartLine};
use crate::field::{FieldErrors, FieldProblem};
use crate::MinorUnits;
use serde::{Deserialize, Serialize};

/// Where a refund stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RefundStatus {
    /// Asked of Klarna, not confirmed yet (Kassa keeps asking with the
    /// refund's own idempotency key, so Klarna refunds once).
    Pending,
    /// Klarna refunded it.
    Refunded,
    /// Klarna refused; `problem` says why.
    Refused,
}

impl RefundStatus {
    pub const ALL: [RefundStatus; 3] = [RefundStatus::Pending, RefundStatus::Refunded, RefundStatus::Refused];

    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Pending => "pending",
            RefundStatus::Refunded => "refunded",
            RefundStatus::Refused => "refused",
        }
    }

    pub fn parse(text: &str) -> Option<RefundStatus> {
        RefundStatus::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// Whether its amount counts against what may still be refunded.
    pub fn holds_amount(self) -> bool {
        self != RefundStatus::Refused
    }
}

/// Items a client gives back: a cart line by its place in the cart (from
/// 0) and how many of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnedItems {
    #[serde(deserialize_with = "whole_number")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 999))]
    pub line: i64,
    #[serde(deserialize_with = "whole_number")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1_000_000))]
    pub quantity: i64,
}

/// What a refund gave back of one cart line: how many, and that part's
/// share of the line's total (discount and tax included).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundLine {
    /// The line's place in the cart, from 0.
    pub line: u32,
    pub name: String,
    pub quantity: u32,
    pub amount: MinorUnits,
}

/// A refund as the API and screens show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundView {
    pub id: String,
    pub payment_id: String,
    pub amount: MinorUnits,
    /// The items given back; empty for a refund of an amount.
    #[serde(default)]
    pub lines: Vec<RefundLine>,
    /// The merchant's own reference (a return's number), if given.
    pub reference: Option<String>,
    pub status: RefundStatus,
    /// Who asked: an associate's name, or `api`.
    pub requested_by: String,
    /// RFC 3339 (UTC, milliseconds).
    pub created_at: String,
    pub updated_at: String,
    /// `created_at` in the store's time zone, for showing.
    #[serde(default)]
    pub created_at_local: String,
    /// Why Klarna refused it.
    pub problem: Option<Problem>,
}

/// A cart line as a refund sees it: how many may still be given back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnableLine {
    pub line: u32,
    pub name: String,
    pub quantity: u32,
    pub quantity_left: u32,
    /// The line's total (discount included), as paid.
    pub total_amount: MinorUnits,
}

/// What a paid payment may still give back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refundable {
    /// What was captured less every refund not refused.
    pub left: MinorUnits,
    pub lines: Vec<ReturnableLine>,
}

/// What may still be refunded: what was captured less every refund that
/// is not refused (a pending one may still go through).
pub fn refundable(captured: MinorUnits, held_by_refunds: MinorUnits) -> MinorUnits {
    MinorUnits(captured.get().saturating_sub(held_by_refunds.get()))
}

/// What `earlier` refunds of a captured `cart` leave to give back, in
/// money and per line.
pub fn refundable_now(cart: &Cart, earlier: &[RefundView]) -> Refundable {
    let holding = || earlier.iter().filter(|refund| refund.status.holds_amount());
    let held = MinorUnits(holding().map(|refund| refund.amount.get()).sum());
    let lines = cart
        .lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            let returned = returned_of(holding(), index as u32);
            ReturnableLine {
                line: index as u32,
                name: line.name.clone(),
                quantity: line.quantity,
                quantity_left: line.quantity.saturating_sub(returned),
                total_amount: line.total_amount,
            }
        })
        .collect();
    Refundable { left: refundable(cart.order_amount, held), lines }
}

fn returned_of<'a>(refunds: impl Iterator<Item = &'a RefundView>, line: u32) -> u32 {
    refunds.flat_map(|refund| &refund.lines).filter(|l| l.line == line).map(|l| l.quantity).sum()
}

impl ReturnableLine {
    /// What giving back `quantity` more of this line refunds: the
    /// difference of two shares rounded down, so that a line given back
    /// bit by bit adds up to exactly its total.
    pub fn refund_for(&self, quantity: u32) -> MinorUnits {
        let share = |items: u32| {
            let total = u128::from(self.total_amount.get()) * u128::from(items.min(self.quantity));
            total.checked_div(u128::from(self.quantity)).unwrap_or(0) as u64
        };
        let before = self.quantity - self.quantity_left;
        MinorUnits(share(before + quantity) - share(before))
    }
}

/// The refund a client asks for, checked against the cart and `earlier`
/// refunds: see [`plan_from`].
pub fn plan_refund(
    cart: &Cart,
    earlier: &[RefundView],
    amount: Option<i64>,
    items: Option<&[ReturnedItems]>,
) -> Result<(MinorUnits, Vec<RefundLine>), FieldErrors> {
    plan_from(&refundable_now(cart, earlier), amount, items)
}

/// The refund a client asks for, given what is left (`now`): an amount,
/// items (the amount is then theirs; a given amount must match it), or
/// neither for all that is left. Every problem names its field. The
/// browser checks a form with it; the server checks again under its lock.
pub fn plan_from(
    now: &Refundable,
    amount: Option<i64>,
    items: Option<&[ReturnedItems]>,
) -> Result<(MinorUnits, Vec<RefundLine>), FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut lines: Vec<RefundLine> = Vec::new();
    if let Some(items) = items {
        if items.is_empty() {
            errors.push("lines", FieldProblem::NoLines);
        }
        for (index, item) in items.iter().enumerate() {
            let path = format!("lines[{index}]");
            let Some(returnable) = usize::try_from(item.line).ok().and_then(|at| now.lines.get(at)) else {
                errors.push(format!("{path}.line"), FieldProblem::NoSuchLine { lines: now.lines.len() });
                continue;
            };
            if lines.iter().any(|l| l.line == returnable.line) {
                errors.push(format!("{path}.line"), FieldProblem::LineTwice);
                continue;
            }
            if item.quantity < 1 || item.quantity > i64::from(returnable.quantity_left) {
                errors
                    .push(format!("{path}.quantity"), FieldProblem::ReturnAboveLeft { left: returnable.quantity_left });
                continue;
            }
            let quantity = item.quantity as u32;
            let amount = returnable.refund_for(quantity);
            lines.push(RefundLine { line: returnable.line, name: returnable.name.clone(), quantity, amount });
        }
    }
    let of_lines = MinorUnits(lines.iter().map(|line| line.amount.get()).sum());
    let refunded = match (amount, items.is_some()) {
        (Some(asked), true) if asked < 0 || asked as u64 != of_lines.get() => {
            errors.push("amount", FieldProblem::AmountNotLines { total: of_lines.get() });
            of_lines
        }
        (_, true) => of_lines,
        (Some(asked), false) if asked < 1 => {
            errors.push("amount", FieldProblem::RefundAboveLeft { left: now.left.get() });
            MinorUnits::ZERO
        }
        (Some(asked), false) => MinorUnits(asked as u64),
        (None, false) => now.left,
    };
    if errors.is_empty() && now.left == MinorUnits::ZERO {
        errors.push("amount", FieldProblem::NothingLeftToRefund);
    } else if errors.is_empty() && (refunded > now.left || refunded == MinorUnits::ZERO) {
        errors.push("amount", FieldProblem::RefundAboveLeft { left: now.left.get() });
    }
    if errors.is_empty() {
        Ok((refunded, lines))
    } else {
        Err(errors)
    }
}

/// Klarna's order line for what a refund gives back of a cart line: the
/// share is the total, the rest of the items' price is discount.
pub fn refund_order_line(cart: &Cart, returned: &RefundLine) -> Option<CartLine> {
    let line = cart.lines.get(returned.line as usize)?;
    let gross = line.unit_price.get() * u64::from(returned.quantity);
    Some(CartLine {
        quantity: returned.quantity,
        discount: MinorUnits(gross.saturating_sub(returned.amount.get())),
        total_amount: returned.amount,
        total_tax_amount: line.tax_rate.tax_included_in(returned.amount),
        ..line.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cart::CartLineInput;
    use crate::{CartInput, Currency};

    #[test]
    fn partial_refunds_add_up_to_what_was_captured() {
        assert_eq!(refundable(MinorUnits(10_000), MinorUnits(0)), MinorUnits(10_000));
        assert_eq!(refundable(MinorUnits(10_000), MinorUnits(7_500)), MinorUnits(2_500));
        assert_eq!(refundable(MinorUnits(10_000), MinorUnits(12_000)), MinorUnits(0));
        assert!(!RefundStatus::Refused.holds_amount() && RefundStatus::Pending.holds_amount());
        for status in RefundStatus::ALL {
            assert_eq!(RefundStatus::parse(status.as_str()), Some(status));
        }
    }

    /// Three shirts at 100,00 with 0,01 off the line (29 999 in all), and a bag.
    fn cart() -> Cart {
        let shirt = CartLineInput {
            name: "Shirt".into(),
            quantity: 3,
            unit_price: 10_000,
            tax_rate: 2500,
            discount: 1,
            reference: None,
        };
        let bag = CartLineInput { name: "Bag".into(), quantity: 1, unit_price: 5_000, ..Default::default() };
        Cart::validate(&CartInput { lines: vec![shirt, bag] }, Currency::parse("SEK").unwrap()).unwrap()
    }

    fn made(status: RefundStatus, amount: MinorUnits, lines: Vec<RefundLine>) -> RefundView {
        RefundView {
            id: "r".into(),
            payment_id: "p".into(),
            amount,
            lines,
            reference: None,
            status,
            requested_by: "anna".into(),
            created_at: String::new(),
            updated_at: String::new(),
            created_at_local: String::new(),
            problem: None,
        }
    }

    fn items(line: i64, quantity: i64) -> Vec<ReturnedItems> {
        vec![ReturnedItems { line, quantity }]
    }

    #[test]
    fn a_line_returned_item_by_item_adds_up_to_its_total() {
        let cart = cart();
        let mut earlier = Vec::new();
        for _ in 0..3 {
            let (amount, lines) = plan_refund(&cart, &earlier, None, Some(&items(0, 1))).unwrap();
            let order_line = refund_order_line(&cart, &lines[0]).unwrap();
            // Klarna's rule: total = quantity × unit price − discount.
            assert_eq!(order_line.total_amount.get(), 10_000 - order_line.discount.get());
            earlier.push(made(RefundStatus::Refunded, amount, lines));
        }
        let amounts: Vec<u64> = earlier.iter().map(|r| r.amount.get()).collect();
        assert_eq!(amounts, [9_999, 10_000, 10_000]);
        let now = refundable_now(&cart, &earlier);
        assert_eq!((now.left, now.lines[0].quantity_left, now.lines[1].quantity_left), (MinorUnits(5_000), 0, 1));
        let over = plan_refund(&cart, &earlier, None, Some(&items(0, 1))).unwrap_err();
        assert_eq!(over.for_field("lines[0].quantity"), Some(&FieldProblem::ReturnAboveLeft { left: 0 }));
    }

    #[test]
    fn a_refused_refund_gives_its_amount_and_items_back() {
        let cart = cart();
        let (amount, lines) = plan_refund(&cart, &[], None, Some(&items(1, 1))).unwrap();
        let refused = made(RefundStatus::Refused, amount, lines);
        assert_eq!(refundable_now(&cart, &[refused]).lines[1].quantity_left, 1);
        let pending = made(RefundStatus::Pending, MinorUnits(100), vec![]);
        assert_eq!(refundable_now(&cart, &[pending]).left, MinorUnits(34_899));
    }

    #[test]
    fn every_wrong_ask_names_its_field() {
        let cart = cart();
        let problem = |amount, asked: Option<&[ReturnedItems]>| plan_refund(&cart, &[], amount, asked).unwrap_err();
        assert_eq!(problem(Some(0), None).0[0].field, "amount");
        assert_eq!(
            problem(Some(35_000), None).for_field("amount"),
            Some(&FieldProblem::RefundAboveLeft { left: 34_999 })
        );
        assert_eq!(
            problem(None, Some(&items(2, 1))).for_field("lines[0].line"),
            Some(&FieldProblem::NoSuchLine { lines: 2 })
        );
        assert_eq!(problem(None, Some(&items(-1, 1))).0[0].field, "lines[0].line");
        assert_eq!(problem(None, Some(&items(0, 4))).0[0].field, "lines[0].quantity");
        let twice = [ReturnedItems { line: 1, quantity: 1 }, ReturnedItems { line: 1, quantity: 1 }];
        assert_eq!(problem(None, Some(&twice)).for_field("lines[1].line"), Some(&FieldProblem::LineTwice));
        assert_eq!(
            problem(Some(1), Some(&items(1, 1))).for_field("amount"),
            Some(&FieldProblem::AmountNotLines { total: 5_000 })
        );
        assert_eq!(problem(None, Some(&[])).0[0].field, "lines");
        assert_eq!(plan_refund(&cart, &[], Some(5_000), Some(&items(1, 1))).unwrap().0, MinorUnits(5_000));
        let all = made(RefundStatus::Refunded, cart.order_amount, vec![]);
        let nothing = plan_refund(&cart, &[all], None, None).unwrap_err();
        assert_eq!(nothing.for_field("amount"), Some(&FieldProblem::NothingLeftToRefund));
    }
}
