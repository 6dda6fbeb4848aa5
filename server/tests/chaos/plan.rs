//! A run's scenario, drawn from the seed and the run's number alone, so
//! the same seed replays the same steps and faults (the timing of Kassa's
//! own tasks is the one thing a replay cannot pin down).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use std::fmt;

/// Which configured store a cart is sold in, and so who places the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    /// `stockholm`: CAPTURE_ORDER, Klarna places the order itself.
    KlarnaPlaces,
    /// `telesales`, run with place_order_mode NONE: Kassa places it.
    KassaPlaces,
}

impl Store {
    pub fn api_key(self) -> &'static str {
        match self {
            Store::KlarnaPlaces => "kassa-dev-key",
            Store::KassaPlaces => "kassa-dev-key-telesales",
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Store::KlarnaPlaces => "stockholm",
            Store::KassaPlaces => "telesales",
        }
    }
}

/// How the cart reaches Kassa: an associate's seller view, a POS at a till
/// (the JSON API), a website whose shopper
/// comes back through Kassa's return pages, or a self-checkout kiosk
/// (`kiosk-1` or `kiosk-2`) whose basket comes from the self-checkout system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Door {
    Seller,
    Till,
    Web,
    Kiosk(u8),
}

#[derive(Clone, Debug)]
pub struct CartPlan {
    pub store: Store,
    pub door: Door,
    pub unit_price: i64,
    pub quantity: i64,
}

/// What the shopper does on Klarna's page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shopper {
    Open,
    /// Opens the page if needed, then approves.
    Pay,
    Decline,
    Back,
    Cancel,
    Error,
}

impl Shopper {
    pub fn action(self) -> &'static str {
        match self {
            Shopper::Open => "open",
            Shopper::Pay => "authorize",
            Shopper::Decline => "decline",
            Shopper::Back => "back",
            Shopper::Cancel => "cancel",
            Shopper::Error => "error",
        }
    }
}

#[derive(Clone, Debug)]
pub enum Step {
    /// The till starts (or starts again) the cart's payment; a double tap
    /// sends two at once, a retry repeats the request with its key.
    Start {
        cart: usize,
        double_tap: bool,
        retry: bool,
    },
    Cancel {
        cart: usize,
    },
    /// Cancel, and once that is done a new payment under a new key.
    NewLink {
        cart: usize,
    },
    Shopper {
        cart: usize,
        action: Shopper,
        web_return: bool,
    },
    /// The POS refunds the cart's payment: all that is left, or one item's
    /// price; a double tap sends two at once, a retry repeats it with its key.
    Refund {
        cart: usize,
        whole: bool,
        double_tap: bool,
        retry: bool,
    },
    /// Replaces the simulator's faults (empty: none).
    Faults(Value),
    Pause {
        ms: u64,
    },
    /// SIGKILL and restart between steps.
    Kill,
}

/// A step, and whether Kassa is killed while it runs (that many ms in).
#[derive(Clone, Debug)]
pub struct Planned {
    pub step: Step,
    pub kill_after_ms: Option<u64>,
}

impl fmt::Display for Planned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.step {
            Step::Faults(faults) => write!(f, "Faults({faults})")?,
            other => write!(f, "{other:?}")?,
        }
        if let Some(ms) = self.kill_after_ms {
            write!(f, " + SIGKILL after {ms} ms")?;
        }
        Ok(())
    }
}

#[derive(Clone, Debug)]
pub struct RunPlan {
    pub run: u64,
    /// Prefix of the run's attempt keys and cart references: its own, so
    /// runs (and reruns while shrinking) never meet in Kassa's database.
    pub label: String,
    pub carts: Vec<CartPlan>,
    pub steps: Vec<Planned>,
}

impl RunPlan {
    /// The same run with only the steps at `keep` (indexes into `steps`),
    /// under another label.
    pub fn only(&self, keep: &[usize], label: String) -> RunPlan {
        let steps = keep.iter().map(|&i| self.steps[i].clone()).collect();
        RunPlan { run: self.run, label, carts: self.carts.clone(), steps }
    }
}

const ENDPOINTS: [&str; 9] = [
    "kp_create",
    "hpp_create",
    "hpp_read",
    "hpp_disable",
    "place_order",
    "cancel_authorization",
    "capture",
    "refund",
    "all",
];

/// The scenario of run `run` under `seed`.
pub fn plan(seed: u64, run: u64) -> RunPlan {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ run.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut kiosks = 0;
    let carts = (0..rng.random_range(1..=3))
        .map(|_| {
            let door = match rng.random_range(0..10) {
                0..2 => Door::Web,
                // The two kiosks of the dev config, both in stockholm.
                2..4 if kiosks < 2 => {
                    kiosks += 1;
                    Door::Kiosk(kiosks)
                }
                4..7 => Door::Seller,
                _ => Door::Till,
            };
            let store = match door {
                Door::Kiosk(_) => Store::KlarnaPlaces,
                _ if rng.random_bool(0.5) => Store::KlarnaPlaces,
                _ => Store::KassaPlaces,
            };
            CartPlan { store, door, unit_price: rng.random_range(1..=500) * 100, quantity: rng.random_range(1..=3) }
        })
        .collect::<Vec<_>>();
    let mut steps: Vec<Planned> = (0..carts.len())
        .map(|cart| Planned { step: Step::Start { cart, double_tap: false, retry: false }, kill_after_ms: None })
        .collect();
    for _ in 0..rng.random_range(6..=16) {
        let cart = rng.random_range(0..carts.len());
        let step = match rng.random_range(0..100) {
            0..20 => Step::Start { cart, double_tap: rng.random_bool(0.4), retry: rng.random_bool(0.3) },
            20..50 => {
                let action = match rng.random_range(0..10) {
                    0..2 => Shopper::Open,
                    2..6 => Shopper::Pay,
                    6 => Shopper::Decline,
                    7 => Shopper::Back,
                    8 => Shopper::Cancel,
                    _ => Shopper::Error,
                };
                Step::Shopper { cart, action, web_return: rng.random_bool(0.7) }
            }
            50..58 => Step::Cancel { cart },
            58..66 => Step::NewLink { cart },
            66..84 => Step::Faults(faults(&mut rng)),
            84..90 => Step::Pause { ms: rng.random_range(10..=400) },
            90..96 => Step::Refund {
                cart,
                whole: rng.random_bool(0.4),
                double_tap: rng.random_bool(0.3),
                retry: rng.random_bool(0.3),
            },
            _ => Step::Kill,
        };
        let kill_after_ms = rng.random_bool(0.04).then(|| rng.random_range(0..=300));
        steps.push(Planned { step, kill_after_ms });
    }
    // A return at the end of the day too, when more of the carts are paid
    // (the faults of the run may still be on).
    for cart in 0..carts.len() {
        if rng.random_bool(0.5) {
            if rng.random_bool(0.5) {
                // Klarna refunds, but its answers are lost: more of them
                // than one ask's own retries outlast.
                let lost = rng.random_range(1..=5);
                let faults = json!({"timeout_ms": 1300, "endpoints": {"refund": {"timeout_next": lost}}});
                steps.push(Planned { step: Step::Faults(faults), kill_after_ms: None });
            }
            let (whole, double_tap) = (rng.random_bool(0.5), rng.random_bool(0.3));
            let step = Step::Refund { cart, whole, double_tap, retry: true };
            steps.push(Planned { step, kill_after_ms: rng.random_bool(0.2).then(|| rng.random_range(0..=1500)) });
        }
    }
    RunPlan { run, label: format!("chaos-{seed}-{run}"), carts, steps }
}

/// A fault configuration for the simulator: one or two endpoints failing
/// their next calls in one way, sometimes latency, sometimes callbacks lost,
/// repeated, late or out of order; now and then none at all.
fn faults(rng: &mut ChaCha8Rng) -> Value {
    if rng.random_bool(0.15) {
        return json!({});
    }
    let mut endpoints = serde_json::Map::new();
    for _ in 0..rng.random_range(1..=2) {
        let endpoint = ENDPOINTS[rng.random_range(0..ENDPOINTS.len())];
        let count = rng.random_range(1..=3);
        let fault = match rng.random_range(0..10) {
            0..3 => {
                let status = [500, 502, 503][rng.random_range(0..3)];
                json!({"fail_next": count, "status": status})
            }
            3..5 => json!({"fail_next": count, "status": 429, "retry_after_s": rng.random_range(0..=1)}),
            5 => json!({"fail_next": count, "status": 409}),
            6 => json!({"fail_next": 1, "status": 400}),
            // Up to three in a row: every try of one call can lose its answer.
            _ => json!({"timeout_next": rng.random_range(1..=3)}),
        };
        endpoints.insert(endpoint.to_string(), fault);
    }
    let callbacks = json!({
        "drop_next": if rng.random_bool(0.3) { rng.random_range(1..=2) } else { 0 },
        "duplicate": rng.random_bool(0.2),
        "delay_ms": if rng.random_bool(0.2) { rng.random_range(50..=500) } else { 0 },
        "reorder": rng.random_bool(0.15),
    });
    let latency_ms = if rng.random_bool(0.2) { rng.random_range(10..=150) } else { 0 };
    // A held answer outlasts Kassa's one-second Klarna timeout.
    json!({"latency_ms": latency_ms, "timeout_ms": 1300, "endpoints": endpoints, "callbacks": callbacks})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_and_run_give_the_same_plan() {
        let (a, b) = (plan(7, 3), plan(7, 3));
        assert_eq!(format!("{:?}", a.steps), format!("{:?}", b.steps));
        assert_ne!(format!("{:?}", plan(7, 4).steps), format!("{:?}", a.steps));
    }
}
