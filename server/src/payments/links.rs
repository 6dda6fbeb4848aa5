//! Getting the link to the shopper by SMS or e-mail, through Klarna.

use super::{requests, PaymentError, PaymentService};
use domain::{LinkTarget, Problem};

impl PaymentService {
    /// Has Klarna send the link by SMS or e-mail (resending is fine).
    pub async fn send_link(&self, store_id: &str, id: &str, to: &LinkTarget) -> Result<(), PaymentError> {
        let payment = self.stored(store_id, id).await?;
        let session_id = match (&payment.hpp_session_id, payment.status.is_final()) {
            (Some(session), false) => session.clone(),
            _ => return Err(PaymentError::Conflict(Problem::PaymentEnded)),
        };
        let request = requests::distribution(to);
        self.klarna.distribute(&session_id, &request).await?;
        tracing::info!(payment = %id, method = ?request.method, "payment link sent");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::StartRequest;
    use crate::testing::{cart_of, service_on_simulator};
    use domain::Email;

    #[tokio::test]
    async fn a_link_goes_out_while_the_payment_is_open_only() {
        let (service, _klarna) = service_on_simulator().await;
        let cart = cart_of("Tea", 1, 100);
        let started = service.start(StartRequest::seller("stockholm", "k-send", &cart)).await.unwrap().view;
        let to = LinkTarget::Email(Email::parse("shopper@example.com").unwrap());
        service.send_link("stockholm", &started.id, &to).await.unwrap();
        service.cancel("stockholm", &started.id).await.unwrap();
        let ended = service.send_link("stockholm", &started.id, &to).await;
        assert!(matches!(ended, Err(PaymentError::Conflict(Problem::PaymentEnded))), "{ended:?}");
    }
}
