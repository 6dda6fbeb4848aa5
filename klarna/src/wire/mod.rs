//! Request and response bodies exactly as Klarna sends them.
//!
//! Response fields are optional wherever Klarna may leave them out, unknown
//! fields are ignored, and unknown status strings are kept rather than
//! failing the whole response.

pub mod distribution;
pub mod error;
pub mod hpp;
pub mod kp;
pub mod om;
pub mod percent;
#[cfg(test)]
mod testing;

pub use distribution::*;
pub use error::ErrorEnvelope;
pub use hpp::*;
pub use kp::*;
pub use om::*;
pub use percent::*;
