//! JSON bodies in: errors name the field (`lines[0].quantity`).

use super::error::ApiError;
use serde::Deserialize;

pub fn parse_json<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let field = (path != ".").then_some(path);
        let message = match &field {
            Some(field) => format!("{field}: {}", error.inner()),
            None => format!("the body is not the expected JSON: {}", error.inner()),
        };
        ApiError::BadJson { field, message }
    })
}
