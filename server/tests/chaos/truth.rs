//! The invariants, checked after a run has quieted down against the
//! simulator's own record (the truth) and Kassa's database.

use crate::plan::Store;
use domain::Problem;
use klarna::simulator::state::HppSession;
use klarna::simulator::PlacedOrder;
use klarna::wire::SessionStatus;
use server::storage::{Storage, StoredPayment, StoredRefund};
use server::testing::TestKlarna;
use std::collections::{BTreeMap, HashMap};

pub struct PaymentTruth {
    id: String,
    cart_ref: String,
    kassa: Option<StoredPayment>,
    sessions: Vec<HppSession>,
    payable: usize,
    orders: Vec<PlacedOrder>,
    refunds: Vec<StoredRefund>,
}

pub struct Truth {
    payments: Vec<PaymentTruth>,
}

impl Truth {
    pub async fn gather(klarna: &TestKlarna, storage: &Storage, payments: &BTreeMap<String, (String, Store)>) -> Truth {
        let sim = klarna.sim();
        let all_sessions = sim.hpp_sessions_by_reference();
        let orders = sim.orders();
        let mut found = Vec::new();
        for (id, (cart_ref, _)) in payments {
            let sessions: Vec<HppSession> = all_sessions
                .iter()
                .filter(|(reference, _)| reference.as_deref() == Some(id.as_str()))
                .map(|(_, session)| session.clone())
                .collect();
            let orders = orders
                .iter()
                .filter(|order| {
                    sessions.iter().any(|s| {
                        order.hpp_session_id.as_deref() == Some(s.id.as_str()) || order.kp_session_id == s.kp_session_id
                    })
                })
                .cloned()
                .collect();
            found.push(PaymentTruth {
                id: id.clone(),
                cart_ref: cart_ref.clone(),
                kassa: storage.get(id).await.ok().flatten(),
                refunds: storage.refunds_of(id).await.unwrap_or_default(),
                payable: sessions.iter().filter(|s| sim.is_payable(s)).count(),
                sessions,
                orders,
            });
        }
        Truth { payments: found }
    }
}

/// Every broken promise, in words.
pub fn check(truth: &Truth) -> Vec<String> {
    let mut violations = Vec::new();
    let mut orders_per_cart: HashMap<&str, usize> = HashMap::new();
    for payment in &truth.payments {
        let id = &payment.id;
        *orders_per_cart.entry(&payment.cart_ref).or_default() += payment.orders.len();
        if payment.orders.len() > 1 {
            violations.push(format!("payment {id} has {} orders at Klarna", payment.orders.len()));
        }
        let Some(kassa) = &payment.kassa else {
            violations.push(format!("payment {id} is gone from Kassa's database"));
            continue;
        };
        let status = kassa.status;
        if !status.is_final() {
            violations.push(format!("payment {id} is still {} after the run quieted down", status.as_str()));
        }
        let paid = status == domain::PaymentStatus::Completed;
        match (paid, payment.orders.first()) {
            (true, None) => violations.push(format!("payment {id} shows completed but Klarna has no order")),
            (false, Some(order)) => violations.push(format!(
                "payment {id} shows {} but Klarna holds order {}",
                status.as_str(),
                order.order_id
            )),
            (true, Some(order)) if kassa.order_id.as_deref() != Some(order.order_id.as_str()) => {
                violations.push(format!("payment {id} records order {:?}, Klarna {}", kassa.order_id, order.order_id))
            }
            _ => {}
        }
        // A shopper who approved is charged, unless Klarna refused the order
        // itself (a 400): being busy (429) or mid-placement (409) is no refusal.
        let approved = payment.sessions.iter().any(|s| s.status == SessionStatus::Completed);
        if approved && status.is_final() && !paid {
            let refused =
                matches!(&kassa.problem, Some(Problem::OrderRefused { klarna_code }) if klarna_code == "BAD_VALUE");
            if !refused {
                violations.push(format!(
                    "payment {id} was approved at Klarna but ended {} ({:?})",
                    status.as_str(),
                    kassa.problem
                ));
            }
        }
        violations.extend(money_back(payment, kassa));
        if status.is_final() && !paid && payment.payable > 0 {
            let shown: Vec<String> = payment.sessions.iter().map(|s| format!("{} {}", s.id, s.status)).collect();
            violations.push(format!("payment {id} ended as {} but its link still pays: {shown:?}", status.as_str()));
        }
    }
    for (cart, orders) in orders_per_cart {
        if orders > 1 {
            violations.push(format!("cart {cart} was paid {orders} times"));
        }
    }
    violations
}

/// Captures and refunds: Klarna captured once at most, Kassa says captured
/// only when Klarna did, nothing is left pending, and Klarna made exactly
/// the refunds Kassa recorded as refunded (one per key, however often it
/// was asked), adding up to the payment's refunded total.
fn money_back(payment: &PaymentTruth, kassa: &StoredPayment) -> Vec<String> {
    let id = &payment.id;
    let mut violations = Vec::new();
    for order in &payment.orders {
        if order.captures.len() > 1 {
            violations.push(format!(
                "order {} of payment {id} was captured {} times",
                order.order_id,
                order.captures.len()
            ));
        }
        let captured_by_kassa = kassa.capture == Some(domain::CaptureStatus::Captured);
        if captured_by_kassa && order.captured_amount() != order.order_amount {
            violations.push(format!("payment {id} shows captured but Klarna captured {}", order.captured_amount()));
        }
    }
    if kassa.capture == Some(domain::CaptureStatus::Pending) {
        violations.push(format!("payment {id}'s capture is still pending after the run quieted down"));
    }
    let at_klarna: Vec<_> = payment.orders.iter().flat_map(|order| &order.refunds).collect();
    let refunded: Vec<&StoredRefund> =
        payment.refunds.iter().filter(|r| r.status == domain::RefundStatus::Refunded).collect();
    if let Some(pending) = payment.refunds.iter().find(|r| r.status == domain::RefundStatus::Pending) {
        violations.push(format!("payment {id}'s refund {} is still pending after the run quieted down", pending.id));
    }
    if at_klarna.len() != refunded.len() {
        violations.push(format!(
            "payment {id}: Klarna made {} refunds, Kassa recorded {} refunded",
            at_klarna.len(),
            refunded.len()
        ));
    }
    let klarna_total: i64 = at_klarna.iter().map(|r| r.amount).sum();
    if klarna_total != kassa.refunded_amount {
        violations.push(format!("payment {id}: Klarna refunded {klarna_total}, Kassa says {}", kassa.refunded_amount));
    }
    for refund in refunded {
        let known =
            refund.klarna_refund_id.as_deref().is_none_or(|klarna_id| at_klarna.iter().any(|r| r.id == klarna_id));
        if !known {
            violations.push(format!("refund {} of payment {id} names a refund Klarna never made", refund.id));
        }
    }
    violations
}
