use serde::{Deserialize, Serialize};

/// Klarna's error body: `{error_code, error_messages, correlation_id}`.
/// Some errors come with no body or a non-JSON one; see `client`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_messages: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Older APIs send a single message under this name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

impl ErrorEnvelope {
    pub fn new(code: &str, message: impl Into<String>, correlation_id: impl Into<String>) -> Self {
        ErrorEnvelope {
            error_code: Some(code.to_string()),
            error_messages: vec![message.into()],
            correlation_id: Some(correlation_id.into()),
            error_message: None,
        }
    }

    /// All messages, the singular legacy one included.
    pub fn messages(&self) -> Vec<String> {
        let mut all = self.error_messages.clone();
        all.extend(self.error_message.clone());
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_envelope() {
        let body = r#"{ "error_code": "BAD_VALUE", "error_messages": ["Bad value: purchase_currency"], "correlation_id": "b78345bf-1" }"#;
        let parsed: ErrorEnvelope = serde_json::from_str(body).unwrap();
        assert_eq!(parsed.error_code.as_deref(), Some("BAD_VALUE"));
        assert_eq!(parsed.messages(), ["Bad value: purchase_currency"]);
        assert_eq!(parsed.correlation_id.as_deref(), Some("b78345bf-1"));
    }

    #[test]
    fn tolerates_partial_envelopes() {
        let parsed: ErrorEnvelope = serde_json::from_str(r#"{"error_message":"x"}"#).unwrap();
        assert_eq!(parsed.error_code, None);
        assert_eq!(parsed.messages(), ["x"]);
    }
}
