//! What the result page says for each payment state and way back.

use crate::model::PaymentStatus;
use crate::shop::CheckoutOutcome;

/// What the page says for a state, and whether it may still change soon.
pub struct Wording {
    pub heading: &'static str,
    pub text: &'static str,
    /// "Return to payment": the same Klarna page again.
    pub return_to_payment: bool,
    /// Where the other way out goes, and what it is called.
    pub shop_link: &'static str,
}

pub fn wording(status: PaymentStatus, outcome: CheckoutOutcome) -> Wording {
    use CheckoutOutcome as O;
    use PaymentStatus as S;
    let w = |heading, text, return_to_payment, shop_link| Wording { heading, text, return_to_payment, shop_link };
    match (status, outcome) {
        (S::Completed, _) => {
            w("Thank you for your order", "Klarna has confirmed your payment.", false, "Continue shopping")
        }
        (S::Authorized, _) => w(
            "Confirming your payment…",
            "Klarna has approved the payment and we are placing your order. This page updates by itself.",
            false,
            "",
        ),
        (S::Creating | S::Waiting | S::InProgress, O::Success) => w(
            "Payment not confirmed",
            "Klarna has not confirmed a payment for this order. If you have just paid, this page updates by itself.",
            true,
            "Change cart",
        ),
        (S::Declined, _) => w(
            "Klarna declined the payment",
            "Klarna could not approve this purchase, so nothing was charged. You can try another way to pay.",
            false,
            "Try another way",
        ),
        (S::Error, _) => w(
            "A technical error interrupted the payment",
            "This was a technical problem, not a decision about you, and nothing was charged. Please try again.",
            true,
            "Back to the shop",
        ),
        (S::Creating | S::Waiting | S::InProgress | S::Back, O::Cancel) => w(
            "You cancelled the payment",
            "Nothing was charged. On a web shop Klarna keeps the payment open, so you can still return to it.",
            true,
            "Change cart",
        ),
        (S::Creating | S::Waiting | S::InProgress | S::Back, _) => w(
            "You left the payment",
            "Nothing was charged and your payment is still open: return to it, or change your cart.",
            true,
            "Change cart",
        ),
        (S::Cancelled, _) => w(
            "Payment cancelled",
            "This payment was cancelled and can no longer be paid. Nothing was charged.",
            false,
            "Start again",
        ),
        (S::Disabled, _) => w(
            "Payment closed",
            "You left the payment, so it was closed and nothing can be charged. Start again when you are ready.",
            false,
            "Start again",
        ),
        (S::Expired, _) => {
            w("Payment expired", "The payment was not completed in time, so nothing was charged.", false, "Start again")
        }
        (S::Failed, _) => w(
            "The payment could not be started",
            "Something went wrong before you could pay, so nothing was charged.",
            false,
            "Start again",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_completed_payment_reads_as_success() {
        for status in [
            PaymentStatus::Waiting,
            PaymentStatus::InProgress,
            PaymentStatus::Back,
            PaymentStatus::Declined,
            PaymentStatus::Error,
            PaymentStatus::Authorized,
        ] {
            let heading = wording(status, CheckoutOutcome::Success).heading;
            assert_ne!(heading, "Thank you for your order", "{status:?}");
        }
        assert_eq!(wording(PaymentStatus::Completed, CheckoutOutcome::Back).heading, "Thank you for your order");
    }

    #[test]
    fn cancel_on_the_web_reads_as_back_and_keeps_the_way_back() {
        let cancel = wording(PaymentStatus::Back, CheckoutOutcome::Cancel);
        assert!(cancel.return_to_payment);
        assert_eq!(cancel.heading, "You cancelled the payment");
        assert!(!wording(PaymentStatus::Cancelled, CheckoutOutcome::Cancel).return_to_payment);
        assert!(!wording(PaymentStatus::Disabled, CheckoutOutcome::Back).return_to_payment);
    }
}
