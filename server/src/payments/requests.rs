//! What Kassa sends Klarna for a payment, built from the stored record and
//! the store's config, in one place per request.

use crate::config::{StoreConfig, ViewProfile};
use crate::storage::StoredPayment;
use domain::{Door, LinkTarget};
use klarna::wire::{
    AcquiringChannel, ContactInformation, CreateOrderRequest, CreateSessionRequest, DistributionMethod,
    DistributionRequest, MerchantUrls, OrderLine, PaymentSessionRequest, SessionOptions,
};

/// Klarna's acquiring channel for a door.
pub fn channel(door: Door) -> AcquiringChannel {
    if door.in_store() {
        AcquiringChannel::InStore
    } else {
        AcquiringChannel::Ecommerce
    }
}

/// The Distribution Module profile for a door; a web checkout redirects
/// and has none. Kiosks fall back to the seller profile.
pub fn profile(door: Door, store: &StoreConfig) -> Option<&ViewProfile> {
    match door {
        Door::Seller | Door::Api => Some(&store.seller),
        Door::Kiosk => Some(store.kiosk.as_ref().unwrap_or(&store.seller)),
        Door::Web => None,
    }
}

/// Klarna's order line for a cart line.
pub fn order_line(line: &domain::CartLine) -> OrderLine {
    OrderLine {
        line_type: Some("physical".into()),
        reference: line.reference.clone(),
        name: line.name.clone(),
        quantity: i64::from(line.quantity),
        unit_price: line.unit_price.get() as i64,
        tax_rate: i64::from(line.tax_rate.basis_points()),
        total_amount: line.total_amount.get() as i64,
        total_discount_amount: line.discount.get() as i64,
        total_tax_amount: line.total_tax_amount.get() as i64,
    }
}

/// The KP session for a cart: Klarna's order lines and the door's channel.
pub fn kp_session(payment: &StoredPayment, store: &StoreConfig) -> PaymentSessionRequest {
    let cart = &payment.cart;
    let order_lines = cart.lines.iter().map(order_line).collect();
    PaymentSessionRequest {
        purchase_country: store.country.code().to_string(),
        purchase_currency: cart.currency.code().to_string(),
        locale: Some(store.locale.as_str().to_string()),
        order_amount: cart.order_amount.get() as i64,
        order_tax_amount: Some(cart.order_tax_amount.get() as i64),
        order_lines,
        acquiring_channel: Some(channel(payment.door)),
        merchant_reference1: Some(payment.id.clone()),
        // Klarna's in-store checklist: "{store_id} - {instance_id}".
        merchant_reference2: Some(format!("{} - {}", store.id, payment.door.as_str())),
    }
}

/// The HPP session around a KP session: Kassa's callback added to the
/// door's return pages, the store's order mode, and the door's profile.
pub fn hpp_session(
    payment: &StoredPayment,
    store: &StoreConfig,
    payment_session_url: String,
    status_update: String,
) -> CreateSessionRequest {
    CreateSessionRequest {
        payment_session_url,
        merchant_urls: Some(MerchantUrls {
            status_update: Some(status_update),
            ..payment.return_urls.clone().unwrap_or_default()
        }),
        options: Some(SessionOptions { place_order_mode: Some(store.place_order_mode), ..Default::default() }),
        profile_id: profile(payment.door, store).map(|p| p.profile_id.clone()),
    }
}

/// The order for an authorization: the same cart and references as its
/// KP session.
pub fn order(payment: &StoredPayment, store: &StoreConfig) -> CreateOrderRequest {
    let kp = kp_session(payment, store);
    CreateOrderRequest {
        purchase_country: kp.purchase_country,
        purchase_currency: kp.purchase_currency,
        locale: kp.locale,
        order_amount: kp.order_amount,
        order_tax_amount: kp.order_tax_amount,
        order_lines: kp.order_lines,
        merchant_reference1: kp.merchant_reference1,
        merchant_reference2: kp.merchant_reference2,
        auto_capture: None,
    }
}

/// Klarna sends the link by SMS or e-mail with its in-store template.
pub fn distribution(to: &LinkTarget) -> DistributionRequest {
    let (method, contact_information) = match to {
        LinkTarget::Sms(phone) => (
            DistributionMethod::Sms,
            ContactInformation {
                phone: Some(phone.number().to_string()),
                phone_country: Some(phone.country.code().to_string()),
                ..Default::default()
            },
        ),
        LinkTarget::Email(email) => (
            DistributionMethod::Email,
            ContactInformation { email: Some(email.as_str().to_string()), ..Default::default() },
        ),
    };
    DistributionRequest { method, contact_information, template: Some("INSTORE_PURCHASE".into()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::tests::payment;

    fn store() -> StoreConfig {
        let config =
            crate::config::Config::parse(include_str!("../../../kassa.toml"), &[]).expect("the shipped config");
        config.stores[0].clone()
    }

    #[test]
    fn each_door_gets_its_channel_and_profile() {
        let store = store();
        assert_eq!(channel(Door::Web), AcquiringChannel::Ecommerce);
        for door in [Door::Seller, Door::Kiosk, Door::Api] {
            assert_eq!(channel(door), AcquiringChannel::InStore);
        }
        assert_eq!(profile(Door::Seller, &store).unwrap().profile_id, store.seller.profile_id);
        assert_eq!(profile(Door::Kiosk, &store).unwrap().profile_id, store.kiosk.as_ref().unwrap().profile_id);
        assert!(profile(Door::Web, &store).is_none());
    }

    #[test]
    fn the_order_repeats_the_sessions_cart_and_references() {
        let (store, mut record) = (store(), payment("p-1"));
        record.door = Door::Kiosk;
        let kp = kp_session(&record, &store);
        assert_eq!(kp.merchant_reference1.as_deref(), Some("p-1"));
        assert_eq!(kp.merchant_reference2, Some(format!("{} - kiosk", store.id)));
        assert_eq!(kp.order_amount, record.cart.order_amount.get() as i64);
        let order = order(&record, &store);
        assert_eq!((order.order_amount, order.order_lines.len()), (kp.order_amount, kp.order_lines.len()));
        assert_eq!(order.merchant_reference1, kp.merchant_reference1);
    }

    #[test]
    fn the_callback_joins_the_doors_return_pages() {
        let (store, mut record) = (store(), payment("p-1"));
        record.door = Door::Web;
        record.return_urls = Some(MerchantUrls { success: Some("https://k/ok".into()), ..Default::default() });
        let hpp = hpp_session(&record, &store, "kp-url".into(), "https://k/klarna/status/p-1/s".into());
        let urls = hpp.merchant_urls.unwrap();
        assert_eq!(urls.success.as_deref(), Some("https://k/ok"));
        assert_eq!(urls.status_update.as_deref(), Some("https://k/klarna/status/p-1/s"));
        assert!(hpp.profile_id.is_none(), "a redirect has no Distribution Module profile");
    }
}
