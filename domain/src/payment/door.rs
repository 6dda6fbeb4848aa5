//! Which of Kassa's doors a payment came in by.

use serde::{Deserialize, Serialize};

/// It decides Klarna's acquiring channel (in store or e-commerce) and which
/// Distribution Module profile the link gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Door {
    /// An associate's tablet or a telesales desk.
    Seller,
    /// A self-checkout kiosk.
    Kiosk,
    /// A web shop's checkout (redirect to the payment page).
    Web,
    /// A POS system through the JSON API.
    Api,
}

impl Door {
    pub const ALL: [Door; 4] = [Door::Seller, Door::Kiosk, Door::Web, Door::Api];

    pub fn as_str(self) -> &'static str {
        match self {
            Door::Seller => "seller",
            Door::Kiosk => "kiosk",
            Door::Web => "web",
            Door::Api => "api",
        }
    }

    pub fn parse(text: &str) -> Option<Door> {
        Door::ALL.into_iter().find(|door| door.as_str() == text)
    }

    /// The shopper pays in a shop (Klarna's IN_STORE); otherwise on a website.
    pub fn in_store(self) -> bool {
        !matches!(self, Door::Web)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doors_round_trip_and_only_the_web_is_not_in_store() {
        for door in Door::ALL {
            assert_eq!(Door::parse(door.as_str()), Some(door));
        }
        assert_eq!(Door::parse("till"), None);
        let online: Vec<Door> = Door::ALL.into_iter().filter(|door| !door.in_store()).collect();
        assert_eq!(online, [Door::Web]);
    }
}
