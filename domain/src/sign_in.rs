//! What an associate types to sign in, bounded before any work is done:
//! a name or password of any length would cost memory and hashing time
//! to anyone who sends one.

use crate::field::{FieldErrors, FieldProblem};

/// Longest associate name, in characters (config names are held to it too).
pub const MAX_NAME_CHARS: usize = 64;
/// Longest password, in bytes: argon2's work grows with its input.
pub const MAX_PASSWORD_BYTES: usize = 256;
/// Longest store id (store ids are at most 64 characters).
pub const MAX_STORE_ID_BYTES: usize = 64;

/// Checks the sizes only; whether the name and password are right is the
/// server's business. Errors name the sign-in form's fields.
pub fn check_sign_in(store: &str, name: &str, password: &str) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    if store.len() > MAX_STORE_ID_BYTES {
        errors.push("store", FieldProblem::TooLong { max: MAX_STORE_ID_BYTES });
    }
    if name.chars().count() > MAX_NAME_CHARS {
        errors.push("name", FieldProblem::TooLong { max: MAX_NAME_CHARS });
    }
    if password.len() > MAX_PASSWORD_BYTES {
        errors.push("password", FieldProblem::TooLong { max: MAX_PASSWORD_BYTES });
    }
    if errors.0.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(result: Result<(), FieldErrors>) -> Vec<String> {
        result.err().map(|e| e.0.into_iter().map(|e| e.field).collect()).unwrap_or_default()
    }

    #[test]
    fn sizes_are_bounded_and_the_field_is_named() {
        assert!(check_sign_in("stockholm", "Anna", "correct horse").is_ok());
        assert!(check_sign_in("s", &"å".repeat(MAX_NAME_CHARS), &"x".repeat(MAX_PASSWORD_BYTES)).is_ok());
        assert_eq!(fields(check_sign_in("s", &"å".repeat(MAX_NAME_CHARS + 1), "p")), ["name"]);
        assert_eq!(fields(check_sign_in("s", "a", &"x".repeat(MAX_PASSWORD_BYTES + 1))), ["password"]);
        assert_eq!(fields(check_sign_in(&"s".repeat(65), "a", "p")), ["store"]);
    }
}
