//! Request and response bodies exactly as Klarna sends them.
//!
//! Response fields are optional wherever Klarna may leave them out, unknown
//! fields are ignored, and unknown status strings are kept rather than
//! failing the whole response.

pub mod error;
pub mod hpp;
pub mod kp;

pub use error::ErrorEnvelope;
pub use hpp::*;
pub use kp::*;
