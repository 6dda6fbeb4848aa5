//! Klarna's failures turned into problems an associate or API client can
//! act on; [`Problem::retry_later`] says whether trying again may help.

use super::LinkTarget;
use domain::Problem;
use klarna::KlarnaError;

pub fn klarna_advice(error: &KlarnaError) -> Problem {
    match error {
        KlarnaError::Transport(_) | KlarnaError::Timeout | KlarnaError::Server { .. } => Problem::KlarnaUnreachable,
        KlarnaError::RateLimited { .. } => Problem::KlarnaBusy,
        KlarnaError::Credentials { .. } => Problem::KlarnaCredentials,
        KlarnaError::NotFound(_) => Problem::KlarnaSessionEnded,
        KlarnaError::Conflict(details) | KlarnaError::Rejected { details, .. } => Problem::KlarnaRefused {
            reason: if details.messages.is_empty() {
                "no reason given".to_string()
            } else {
                details.messages.join("; ")
            },
        },
        KlarnaError::InvalidResponse(_) => Problem::KlarnaUnexpected,
    }
}

/// Klarna's distribution errors as something the associate can do.
pub fn distribution_advice(error: &KlarnaError, to: &LinkTarget) -> Problem {
    match error.error_code() {
        Some("UNSUPPORTED_COUNTRY") => Problem::SmsCountryUnsupported,
        Some("MISSING_CONTACT_DATA") | Some("CONSTRAINT_VIOLATION") => {
            Problem::RecipientRefused { sms: matches!(to, LinkTarget::Sms(_)) }
        }
        _ => match error {
            KlarnaError::NotFound(_) => Problem::LinkExpired,
            other if other.is_transient() => Problem::LinkNotSent,
            other => klarna_advice(other),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_is_worth_a_retry_and_a_refusal_is_not() {
        assert_eq!(klarna_advice(&KlarnaError::Timeout), Problem::KlarnaUnreachable);
        assert!(klarna_advice(&KlarnaError::Timeout).retry_later());
        let email = LinkTarget::Email(domain::Email::parse("a@b.se").unwrap());
        assert_eq!(distribution_advice(&KlarnaError::Timeout, &email), Problem::LinkNotSent);
        assert_eq!(distribution_advice(&KlarnaError::NotFound(Default::default()), &email), Problem::LinkExpired);
    }

    #[test]
    fn a_429_tells_the_associate_to_wait_not_that_the_cart_was_refused() {
        let limited = KlarnaError::RateLimited { retry_after: None, details: Default::default() };
        assert_eq!(klarna_advice(&limited), Problem::KlarnaBusy);
        assert!(klarna_advice(&limited).retry_later());
    }
}
