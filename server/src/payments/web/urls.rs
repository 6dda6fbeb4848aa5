//! The web door's return pages: every result page Klarna sends the shopper
//! to goes through Kassa first (`/checkout/{outcome}?store=..&attempt=..&sid={{session_id}}`),
//! then on to the shop's own page or Kassa's demo shop.

use crate::config::LeaveButton;
use domain::{FieldErrors, PaymentStatus};
use klarna::wire::{encode_query_value, MerchantUrls, PlaceOrderMode};
use serde::Deserialize;

/// Longest shop URL accepted; Klarna allows 2000 characters for the whole
/// merchant URL, and Kassa's wrapper needs some of them.
const MAX_SHOP_URL: usize = 1000;

/// Where Klarna sends the shopper, as Klarna's text names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Authorized: the merchant must show the payment's details.
    Success,
    /// Refused by Klarna.
    Failure,
    /// A technical error in the flow, not a decline.
    Error,
    /// The shopper pressed Back; the session stays payable.
    Back,
    /// The shopper cancelled; on eCommerce Klarna treats it as Back.
    Cancel,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [Outcome::Success, Outcome::Failure, Outcome::Error, Outcome::Back, Outcome::Cancel];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Error => "error",
            Outcome::Back => "back",
            Outcome::Cancel => "cancel",
        }
    }

    pub fn parse(text: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == text)
    }

    fn url(self, urls: &MerchantUrls) -> Option<&String> {
        match self {
            Outcome::Success => urls.success.as_ref(),
            Outcome::Failure => urls.failure.as_ref(),
            Outcome::Error => urls.error.as_ref(),
            Outcome::Back => urls.back.as_ref(),
            Outcome::Cancel => urls.cancel.as_ref(),
        }
    }
}

/// A shop's own result pages (JSON API, channel web). Kassa wraps each one
/// so the shopper passes through Kassa first.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopReturnUrls {
    #[serde(default)]
    pub success: Option<String>,
    #[serde(default)]
    pub failure: Option<String>,
    /// Without it, technical errors go to `failure` (Kassa still records
    /// them as errors).
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub back: Option<String>,
    #[serde(default)]
    pub cancel: Option<String>,
}

impl ShopReturnUrls {
    /// Every URL absolute http(s), success and failure present, and at most
    /// one of back and cancel. Errors name `return_urls.<key>`.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        let fields = [
            ("success", &self.success, true),
            ("failure", &self.failure, true),
            ("error", &self.error, false),
            ("back", &self.back, false),
            ("cancel", &self.cancel, false),
        ];
        for (name, value, required) in fields {
            let field = format!("return_urls.{name}");
            match value {
                None if required => errors.push(&field, "required: where Klarna sends the shopper back to your shop"),
                None => {}
                Some(url) => {
                    if let Err(why) = check_shop_url(url) {
                        errors.push(&field, why);
                    }
                }
            }
        }
        if self.back.is_some() && self.cancel.is_some() {
            errors.push(
                "return_urls.cancel",
                "give back or cancel, not both: Klarna's page shows one of the two buttons (on a web shop a \
                 cancel is treated as back)",
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn leave_button(&self) -> Option<LeaveButton> {
        match (&self.back, &self.cancel) {
            (Some(_), _) => Some(LeaveButton::Back),
            (None, Some(_)) => Some(LeaveButton::Cancel),
            (None, None) => None,
        }
    }

    fn url(&self, outcome: Outcome) -> Option<&String> {
        match outcome {
            Outcome::Success => self.success.as_ref(),
            Outcome::Failure => self.failure.as_ref(),
            Outcome::Error => self.error.as_ref().or(self.failure.as_ref()),
            Outcome::Back => self.back.as_ref(),
            Outcome::Cancel => self.cancel.as_ref(),
        }
    }
}

fn check_shop_url(text: &str) -> Result<(), String> {
    if text.len() > MAX_SHOP_URL {
        return Err(format!("must be at most {MAX_SHOP_URL} characters"));
    }
    // Kassa appends its payment id instead; a placeholder would be expanded
    // by Klarna inside Kassa's own URL, not the shop's.
    if text.contains("{{") || text.to_ascii_lowercase().contains("%7b%7b") {
        return Err("must not contain Klarna placeholders; Kassa appends kassa_payment_id".into());
    }
    let url = url::Url::parse(text).map_err(|e| format!("is not an absolute URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err("must be an absolute http:// or https:// URL".into());
    }
    Ok(())
}

/// The merchant URLs Kassa sends Klarna for a web payment: every result
/// page goes through Kassa (`status_update` is added when the session is
/// created). `leave` picks Back or Cancel for Kassa's own pages; a shop's
/// own URLs decide it for themselves.
///
/// Placeholders: `{{session_id}}` everywhere; `{{order_id}}` on success
/// when Klarna places the order. `{{authorization_token}}` is never asked
/// for: it can place an order, and in a URL it would reach the browser's
/// history, Referer headers and access logs; Kassa reads it from Klarna
/// server to server.
pub fn merchant_urls(
    public_url: &str,
    store_id: &str,
    attempt_key: &str,
    mode: PlaceOrderMode,
    leave: LeaveButton,
    shop: Option<&ShopReturnUrls>,
) -> MerchantUrls {
    let leave = match shop {
        Some(shop) => shop.leave_button(),
        None => Some(leave),
    };
    let url = |outcome: Outcome| {
        let mut url = format!(
            "{public_url}/checkout/{}?store={}&attempt={}&sid={{{{session_id}}}}",
            outcome.as_str(),
            encode_query_value(store_id),
            encode_query_value(attempt_key)
        );
        if outcome == Outcome::Success && mode != PlaceOrderMode::None {
            url.push_str("&oid={{order_id}}");
        }
        if let Some(target) = shop.and_then(|shop| shop.url(outcome)) {
            url.push_str("&to=");
            url.push_str(&encode_query_value(target));
        }
        Some(url)
    };
    MerchantUrls {
        success: url(Outcome::Success),
        failure: url(Outcome::Failure),
        // Always given, so Klarna never sends an error to the failure page.
        error: url(Outcome::Error),
        back: leave.filter(|l| *l == LeaveButton::Back).and_then(|_| url(Outcome::Back)),
        cancel: leave.filter(|l| *l == LeaveButton::Cancel).and_then(|_| url(Outcome::Cancel)),
        status_update: None,
    }
}

/// Which result the server's state stands for. The outcome the browser
/// claims only chooses between results the state allows (back or cancel
/// while the payment is open).
pub fn verified_outcome(status: PaymentStatus, claimed: Outcome) -> Outcome {
    match status {
        PaymentStatus::Completed | PaymentStatus::Authorized => Outcome::Success,
        PaymentStatus::Declined | PaymentStatus::Expired | PaymentStatus::Failed => Outcome::Failure,
        PaymentStatus::Error => Outcome::Error,
        PaymentStatus::Creating
        | PaymentStatus::Waiting
        | PaymentStatus::InProgress
        | PaymentStatus::Back
        | PaymentStatus::Cancelled
        | PaymentStatus::Disabled => match claimed {
            Outcome::Cancel => Outcome::Cancel,
            _ => Outcome::Back,
        },
    }
}

/// The shop page to send the shopper to for an outcome: the one the shop
/// gave, else the nearest it did give (error to failure; back and cancel to
/// each other, then failure).
pub fn shop_target(urls: &MerchantUrls, outcome: Outcome) -> Option<String> {
    let fallbacks: &[Outcome] = match outcome {
        Outcome::Success => &[Outcome::Success],
        Outcome::Failure => &[Outcome::Failure],
        Outcome::Error => &[Outcome::Error, Outcome::Failure],
        Outcome::Back => &[Outcome::Back, Outcome::Cancel, Outcome::Failure],
        Outcome::Cancel => &[Outcome::Cancel, Outcome::Back, Outcome::Failure],
    };
    fallbacks.iter().find_map(|o| o.url(urls)).and_then(|wrapped| {
        let wrapped = url::Url::parse(wrapped).ok()?;
        let target = wrapped.query_pairs().find(|(k, _)| k == "to").map(|(_, v)| v.into_owned());
        target
    })
}

/// Whether a web payment returns to a shop's own pages (the API's web
/// channel) rather than to Kassa's demo shop, decided as the return is.
pub fn returns_to_shop(urls: &MerchantUrls) -> bool {
    shop_target(urls, Outcome::Success).is_some()
}

/// The shop's URL with Kassa's payment id added, so the shop can read the
/// payment through the API.
pub fn with_payment_id(target: &str, payment_id: &str) -> Option<String> {
    let mut url = url::Url::parse(target).ok()?;
    url.query_pairs_mut().append_pair("kassa_payment_id", payment_id);
    Some(url.into())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use klarna::simulator::state::expand_placeholders;

    /// A shop's own pages, as the API's web channel would give them.
    pub(crate) fn shop() -> ShopReturnUrls {
        ShopReturnUrls {
            success: Some("https://shop.example/done?order=17".into()),
            failure: Some("https://shop.example/failed".into()),
            error: None,
            back: Some("https://shop.example/cart#top".into()),
            cancel: None,
        }
    }

    #[test]
    fn kassa_pages_use_session_id_everywhere_and_order_id_only_when_klarna_places_it() {
        let urls = merchant_urls(
            "https://kassa.test",
            "stockholm",
            "key 1",
            PlaceOrderMode::CaptureOrder,
            LeaveButton::Back,
            None,
        );
        assert_eq!(
            urls.success.as_deref(),
            Some("https://kassa.test/checkout/success?store=stockholm&attempt=key%201&sid={{session_id}}&oid={{order_id}}")
        );
        assert_eq!(
            urls.failure.as_deref(),
            Some("https://kassa.test/checkout/failure?store=stockholm&attempt=key%201&sid={{session_id}}")
        );
        assert!(urls.error.as_deref().unwrap().starts_with("https://kassa.test/checkout/error?"));
        assert!(urls.back.as_deref().unwrap().starts_with("https://kassa.test/checkout/back?"));
        assert_eq!(urls.cancel, None, "Klarna allows back or cancel, never both");
        assert_eq!(urls.status_update, None, "the payment service adds its own");

        let none = merchant_urls("https://kassa.test", "s", "k", PlaceOrderMode::None, LeaveButton::Cancel, None);
        assert_eq!(none.back, None);
        assert!(none.cancel.as_deref().unwrap().starts_with("https://kassa.test/checkout/cancel?"));
        for url in [&none.success, &none.failure, &none.error, &none.cancel] {
            let url = url.as_deref().unwrap();
            assert!(url.contains("sid={{session_id}}"), "{url}");
            assert!(!url.contains("authorization_token"), "the token must never travel through a browser: {url}");
            assert!(!url.contains("order_id"), "no order id with place_order_mode NONE: {url}");
        }
    }

    #[test]
    fn shop_urls_are_wrapped_and_found_again_after_klarna_expands_the_placeholders() {
        let urls = merchant_urls(
            "https://kassa.test",
            "s",
            "k",
            PlaceOrderMode::PlaceOrder,
            LeaveButton::Cancel,
            Some(&shop()),
        );
        // The shop's own choice wins: it gave back, so no cancel.
        assert!(urls.back.is_some() && urls.cancel.is_none());
        let expanded = MerchantUrls {
            success: Some(expand_placeholders(urls.success.as_deref().unwrap(), "sid-1", None, Some("ord-1"))),
            ..urls.clone()
        };
        assert_eq!(shop_target(&expanded, Outcome::Success).as_deref(), Some("https://shop.example/done?order=17"));
        assert_eq!(shop_target(&urls, Outcome::Error).as_deref(), Some("https://shop.example/failed"));
        assert!(returns_to_shop(&urls));
        let demo = merchant_urls("https://kassa.test", "s", "k", PlaceOrderMode::None, LeaveButton::Back, None);
        assert!(!returns_to_shop(&demo));
        assert_eq!(shop_target(&urls, Outcome::Cancel).as_deref(), Some("https://shop.example/cart#top"));
        assert_eq!(
            with_payment_id("https://shop.example/done?order=17", "p-1").as_deref(),
            Some("https://shop.example/done?order=17&kassa_payment_id=p-1")
        );
        assert_eq!(
            with_payment_id("https://shop.example/cart#top", "p-1").as_deref(),
            Some("https://shop.example/cart?kassa_payment_id=p-1#top")
        );
    }

    #[test]
    fn shop_urls_are_checked_naming_the_field() {
        assert_eq!(shop().validate(), Ok(()));
        let cases = [
            (ShopReturnUrls { success: None, ..shop() }, "return_urls.success"),
            (ShopReturnUrls { failure: Some("/relative".into()), ..shop() }, "return_urls.failure"),
            (ShopReturnUrls { error: Some("ftp://shop.example/x".into()), ..shop() }, "return_urls.error"),
            (
                ShopReturnUrls { back: Some("https://shop.example/?s={{session_id}}".into()), ..shop() },
                "return_urls.back",
            ),
            (ShopReturnUrls { cancel: Some("https://shop.example/cancel".into()), ..shop() }, "return_urls.cancel"),
            (
                ShopReturnUrls { success: Some(format!("https://shop.example/{}", "x".repeat(1000))), ..shop() },
                "return_urls.success",
            ),
        ];
        for (urls, field) in cases {
            let errors = urls.validate().unwrap_err();
            assert!(errors.for_field(field).is_some(), "{field}: {errors}");
        }
        let both =
            ShopReturnUrls { cancel: Some("https://shop.example/cancel".into()), ..shop() }.validate().unwrap_err();
        assert!(both.for_field("return_urls.cancel").unwrap().to_string().contains("not both"));
    }

    #[test]
    fn only_the_servers_state_decides_success() {
        assert_eq!(verified_outcome(PaymentStatus::Completed, Outcome::Failure), Outcome::Success);
        assert_eq!(verified_outcome(PaymentStatus::Authorized, Outcome::Success), Outcome::Success);
        for open in [PaymentStatus::Waiting, PaymentStatus::InProgress, PaymentStatus::Back] {
            assert_eq!(verified_outcome(open, Outcome::Success), Outcome::Back, "{open:?}");
        }
        assert_eq!(verified_outcome(PaymentStatus::Back, Outcome::Cancel), Outcome::Cancel);
        assert_eq!(verified_outcome(PaymentStatus::Declined, Outcome::Success), Outcome::Failure);
        assert_eq!(verified_outcome(PaymentStatus::Error, Outcome::Failure), Outcome::Error);
    }
}
