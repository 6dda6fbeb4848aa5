//! Screens: live streams that follow payments, and what they show.

use super::*;

/// The last status each payment's live stream showed, by payment id.
pub(super) type Screens = Arc<Mutex<HashMap<String, String>>>;

impl Lane {
    /// A screen that kept watching a payment shows where it ended.
    pub(super) async fn check_screens(
        &self,
        payments: &BTreeMap<String, (String, Store)>,
        screens: &Screens,
    ) -> Vec<String> {
        let mut violations = Vec::new();
        for id in payments.keys() {
            let Ok(Some(stored)) = self.storage.get(id).await else { continue };
            let watched = screens.lock().unwrap().contains_key(id);
            if !watched {
                continue;
            }
            let wanted = stored.status.as_str();
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            loop {
                let shown = screens.lock().unwrap().get(id).cloned().unwrap_or_default();
                if shown == wanted {
                    break;
                }
                if std::time::Instant::now() > deadline {
                    violations.push(format!("the screen watching {id} shows {shown:?}, not {wanted:?}"));
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        violations
    }
}

/// A screen: follows one payment's live stream, reconnecting after any
/// break (Kassa killed, restarted), and notes each status it shows.
pub(super) async fn watch(url: String, api_key: &'static str, id: String, screens: Screens) {
    let http = reqwest::Client::new();
    loop {
        if let Ok(mut response) =
            http.get(format!("{url}/api/v1/payments/{id}/events")).bearer_auth(api_key).send().await
        {
            if response.status().is_success() {
                let mut buffer = String::new();
                while let Ok(Some(chunk)) = response.chunk().await {
                    buffer.push_str(&String::from_utf8_lossy(&chunk));
                    while let Some(end) = buffer.find('\n') {
                        let line: String = buffer.drain(..=end).collect();
                        if let Some(data) = line.trim_end().strip_prefix("data:") {
                            if let Ok(view) = serde_json::from_str::<Value>(data.trim()) {
                                if let Some(status) = view["status"].as_str() {
                                    screens.lock().unwrap().insert(id.clone(), status.to_string());
                                }
                            }
                        }
                    }
                }
                let shown = screens.lock().unwrap().get(&id).cloned().unwrap_or_default();
                if is_final(&shown) {
                    return;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
