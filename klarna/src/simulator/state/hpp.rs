//! An HPP session and its state machine (klarna-hpp.md §4): what each
//! shopper action does, and where the shopper is sent next.

use crate::wire::{AcquiringChannel, MerchantUrls, PlaceOrderMode, SessionResponse, SessionStatus};
use time::{Duration, OffsetDateTime};

/// An HPP session ends one hour before its KP session (48 h).
pub const HPP_LIFETIME: Duration = Duration::hours(47);

#[derive(Clone, Debug)]
pub struct HppSession {
    pub id: String,
    pub kp_session_id: String,
    pub distribution_id: String,
    pub profile_id: Option<String>,
    pub merchant_urls: MerchantUrls,
    pub place_order_mode: PlaceOrderMode,
    pub channel: AcquiringChannel,
    pub status: SessionStatus,
    pub updated_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub authorization_token: Option<String>,
    pub order_id: Option<String>,
    pub klarna_reference: Option<String>,
}

/// What the shopper (or a test, through the control API) does on the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsumerAction {
    Open,
    Authorize,
    Decline,
    Back,
    Cancel,
    Error,
}

impl ConsumerAction {
    pub fn parse(text: &str) -> Option<ConsumerAction> {
        Some(match text {
            "open" => ConsumerAction::Open,
            "authorize" => ConsumerAction::Authorize,
            "decline" => ConsumerAction::Decline,
            "back" => ConsumerAction::Back,
            "cancel" => ConsumerAction::Cancel,
            "error" => ConsumerAction::Error,
            _ => return None,
        })
    }
}

/// Which merchant URL the shopper is sent to after an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destination {
    Success,
    Failure,
    Back,
    Cancel,
    Error,
}

impl HppSession {
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        now >= self.expires_at
    }

    /// Moves the session as the action demands, or says why it cannot.
    /// Returns where the shopper goes next (none for `Open`).
    pub fn apply(&mut self, action: ConsumerAction, now: OffsetDateTime) -> Result<Option<Destination>, String> {
        if self.status.is_final() {
            return Err(format!("the session is {} and can no longer change", self.status));
        }
        let open = matches!(self.status, SessionStatus::InProgress);
        if action != ConsumerAction::Open && !open {
            return Err(format!("the session is {}; the shopper must open the payment page first", self.status));
        }
        let (status, destination) = match action {
            ConsumerAction::Open => (SessionStatus::InProgress, None),
            ConsumerAction::Authorize => {
                self.complete(now);
                (SessionStatus::Completed, Some(Destination::Success))
            }
            ConsumerAction::Decline => (SessionStatus::Failed, Some(Destination::Failure)),
            ConsumerAction::Back => (SessionStatus::Back, Some(Destination::Back)),
            // On eCommerce a cancel is a back: the page stays payable.
            ConsumerAction::Cancel if self.channel == AcquiringChannel::Ecommerce => {
                (SessionStatus::Back, Some(Destination::Back))
            }
            ConsumerAction::Cancel => (SessionStatus::Cancelled, Some(Destination::Cancel)),
            ConsumerAction::Error => (SessionStatus::Error, Some(Destination::Error)),
        };
        if self.status != status {
            self.status = status;
            self.updated_at = now;
        }
        Ok(destination)
    }

    fn complete(&mut self, now: OffsetDateTime) {
        match self.place_order_mode {
            PlaceOrderMode::None => {
                self.authorization_token = Some(uuid::Uuid::new_v4().to_string());
            }
            PlaceOrderMode::PlaceOrder | PlaceOrderMode::CaptureOrder => {
                self.order_id = Some(uuid::Uuid::new_v4().to_string());
                self.klarna_reference = Some(klarna_reference(now));
            }
        }
    }

    /// Disables the session (merchant DELETE).
    pub fn disable(&mut self, now: OffsetDateTime) -> Result<(), String> {
        match self.status {
            SessionStatus::Completed => Err("HPP session has already been successfully completed.".into()),
            ref status if status.is_final() => Err(format!("HPP session is already {status}.")),
            _ => {
                self.status = SessionStatus::Disabled;
                self.updated_at = now;
                Ok(())
            }
        }
    }

    /// The read-session body: extra fields only where Klarna sends them.
    pub fn to_response(&self) -> SessionResponse {
        let completed = self.status == SessionStatus::Completed;
        SessionResponse {
            session_id: self.id.clone(),
            status: self.status.clone(),
            updated_at: Some(self.updated_at),
            expires_at: Some(self.expires_at),
            authorization_token: self.authorization_token.clone().filter(|_| completed),
            order_id: self.order_id.clone().filter(|_| completed),
            klarna_reference: self.klarna_reference.clone().filter(|_| completed),
            customer: None,
            manual_identification: None,
        }
    }

    /// The merchant URL for a destination with placeholders expanded, or
    /// `None` when the merchant gave none (Klarna then shows its own page).
    pub fn merchant_url(&self, destination: Destination) -> Option<String> {
        let urls = &self.merchant_urls;
        let url = match destination {
            Destination::Success => urls.success.as_ref(),
            Destination::Failure => urls.failure.as_ref(),
            Destination::Back => urls.back.as_ref().or(urls.cancel.as_ref()),
            Destination::Cancel => urls.cancel.as_ref(),
            // Without an error URL Klarna falls back to the failure URL.
            Destination::Error => urls.error.as_ref().or(urls.failure.as_ref()),
        }?;
        let token = if destination == Destination::Success { self.authorization_token.as_deref() } else { None };
        Some(expand_placeholders(url, &self.id, token, self.order_id.as_deref()))
    }
}

/// Replaces `{{session_id}}`, `{{authorization_token}}` and `{{order_id}}`,
/// also when a client URL-encoded the braces.
pub fn expand_placeholders(
    url: &str,
    session_id: &str,
    authorization_token: Option<&str>,
    order_id: Option<&str>,
) -> String {
    let mut out = url.to_string();
    for (name, value) in
        [("session_id", Some(session_id)), ("authorization_token", authorization_token), ("order_id", order_id)]
    {
        let Some(value) = value else { continue };
        out = out.replace(&format!("{{{{{name}}}}}"), value);
        for encoded in [format!("%7B%7B{name}%7D%7D"), format!("%7b%7b{name}%7d%7d")] {
            out = out.replace(&encoded, value);
        }
    }
    out
}

/// An 8-character reference like Klarna's `X438HG0Q`.
fn klarna_reference(now: OffsetDateTime) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let random = uuid::Uuid::new_v4().as_u128() ^ now.unix_timestamp_nanos() as u128;
    (0..8).map(|i| ALPHABET[((random >> (i * 5)) & 31) as usize] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(mode: PlaceOrderMode, channel: AcquiringChannel) -> HppSession {
        let now = OffsetDateTime::now_utc();
        HppSession {
            id: "hpp-1".into(),
            kp_session_id: "kp-1".into(),
            distribution_id: "d-1".into(),
            profile_id: None,
            merchant_urls: MerchantUrls {
                success: Some(
                    "https://shop.test/ok?sid={{session_id}}&token={{authorization_token}}&order=%7B%7Border_id%7D%7D"
                        .into(),
                ),
                failure: Some("https://shop.test/failed".into()),
                cancel: Some("https://shop.test/cancel".into()),
                ..Default::default()
            },
            place_order_mode: mode,
            channel,
            status: SessionStatus::Waiting,
            updated_at: now,
            expires_at: now + HPP_LIFETIME,
            authorization_token: None,
            order_id: None,
            klarna_reference: None,
        }
    }

    #[test]
    fn happy_path_gives_a_token_in_mode_none() {
        let now = OffsetDateTime::now_utc();
        let mut s = session(PlaceOrderMode::None, AcquiringChannel::InStore);
        assert!(s.apply(ConsumerAction::Authorize, now).is_err(), "must open first");
        assert_eq!(s.apply(ConsumerAction::Open, now), Ok(None));
        assert_eq!(s.apply(ConsumerAction::Authorize, now), Ok(Some(Destination::Success)));
        let body = s.to_response();
        assert_eq!(body.status, SessionStatus::Completed);
        let token = body.authorization_token.unwrap();
        assert_eq!(body.order_id, None);
        let url = s.merchant_url(Destination::Success).unwrap();
        assert_eq!(url, format!("https://shop.test/ok?sid=hpp-1&token={token}&order=%7B%7Border_id%7D%7D"));
        assert!(s.apply(ConsumerAction::Open, now).is_err(), "final");
        assert!(s.disable(now).unwrap_err().contains("completed"));
    }

    #[test]
    fn capture_order_mode_gives_order_and_reference() {
        let now = OffsetDateTime::now_utc();
        let mut s = session(PlaceOrderMode::CaptureOrder, AcquiringChannel::InStore);
        s.apply(ConsumerAction::Open, now).unwrap();
        s.apply(ConsumerAction::Authorize, now).unwrap();
        let body = s.to_response();
        assert_eq!(body.authorization_token, None);
        assert_eq!(body.klarna_reference.unwrap().len(), 8);
        assert!(s.merchant_url(Destination::Success).unwrap().contains(&body.order_id.unwrap()));
    }

    #[test]
    fn decline_back_and_error_allow_a_retry() {
        let now = OffsetDateTime::now_utc();
        let mut s = session(PlaceOrderMode::None, AcquiringChannel::InStore);
        for (action, status) in [
            (ConsumerAction::Decline, SessionStatus::Failed),
            (ConsumerAction::Back, SessionStatus::Back),
            (ConsumerAction::Error, SessionStatus::Error),
        ] {
            s.apply(ConsumerAction::Open, now).unwrap();
            s.apply(action, now).unwrap();
            assert_eq!(s.status, status);
        }
        assert_eq!(s.merchant_url(Destination::Error).as_deref(), Some("https://shop.test/failed"));
        s.apply(ConsumerAction::Open, now).unwrap();
        assert_eq!(s.apply(ConsumerAction::Cancel, now), Ok(Some(Destination::Cancel)));
        assert_eq!(s.status, SessionStatus::Cancelled);
    }

    #[test]
    fn cancel_on_ecommerce_is_back() {
        let now = OffsetDateTime::now_utc();
        let mut s = session(PlaceOrderMode::None, AcquiringChannel::Ecommerce);
        s.apply(ConsumerAction::Open, now).unwrap();
        assert_eq!(s.apply(ConsumerAction::Cancel, now), Ok(Some(Destination::Back)));
        assert_eq!(s.status, SessionStatus::Back);
        assert_eq!(s.merchant_url(Destination::Back).as_deref(), Some("https://shop.test/cancel"));
    }

    #[test]
    fn disable_is_final() {
        let now = OffsetDateTime::now_utc();
        let mut s = session(PlaceOrderMode::None, AcquiringChannel::InStore);
        s.disable(now).unwrap();
        assert_eq!(s.status, SessionStatus::Disabled);
        assert!(s.disable(now).is_err());
        assert!(s.apply(ConsumerAction::Open, now).is_err());
    }
}
