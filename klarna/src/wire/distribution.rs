//! Getting the payment link to the shopper: the Distribution Module an HPP
//! session offers, and `POST /hpp/v1/sessions/{id}/distribution`.

use super::percent::encode_query_value;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DistributionModule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Carries the literal placeholders `{{profile_id}}` and `{{view_id}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standalone_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation_url: Option<String>,
}

impl DistributionModule {
    /// The standalone URL with the profile and view filled in (URL-encoded).
    pub fn standalone_url_for(&self, profile_id: &str, view_id: &str) -> Option<String> {
        let url = self.standalone_url.as_deref()?;
        Some(
            url.replace("{{profile_id}}", &encode_query_value(profile_id))
                .replace("{{view_id}}", &encode_query_value(view_id)),
        )
    }
}

/// Answer of `POST {distribution_module.generation_url}`: a fresh token for
/// the Distribution Module (shape inferred; Klarna does not document it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DistributionModuleToken {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// `POST /hpp/v1/sessions/{id}/distribution`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DistributionRequest {
    pub method: DistributionMethod,
    pub contact_information: ContactInformation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DistributionMethod {
    Sms,
    Email,
    Token,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactInformation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// ISO 3166-1 alpha-2, required with `phone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::testing::round_trip;

    #[test]
    fn documented_distribution_bodies_round_trip() {
        let sms: DistributionRequest = round_trip(
            r#"{"method":"sms","contact_information":{"phone":"07000212345","phone_country":"SE"},"template":"INSTORE_PURCHASE"}"#,
        );
        assert_eq!(sms.method, DistributionMethod::Sms);
        let email: DistributionRequest =
            round_trip(r#"{"method":"email","contact_information":{"email":"user@example.com"}}"#);
        assert_eq!(email.contact_information.email.as_deref(), Some("user@example.com"));
    }
}
