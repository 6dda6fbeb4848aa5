//! The associate's screens: sign-in, the till (build a cart, start the
//! payment, hand the link to the shopper through the Distribution Module or
//! QR, SMS, e-mail, and watch it get paid) and today's payments.

mod cart;
mod line_fields;
mod list;
mod live;
mod payment;
mod sign_in;
mod sign_out;
mod till;

pub use list::PaymentsPage;
pub use sign_in::SignInPage;
pub use till::SellerPage;
