//! The configuration in force, swapped whole on a reload: readers keep the
//! snapshot they took, so one request never sees half of two configs.

use crate::config::Config;
use std::sync::{Arc, RwLock};

#[derive(Clone)]
pub struct LiveConfig(Arc<RwLock<Arc<Config>>>);

impl LiveConfig {
    pub fn new(config: Arc<Config>) -> LiveConfig {
        LiveConfig(Arc::new(RwLock::new(config)))
    }

    /// The configuration in force now.
    pub fn get(&self) -> Arc<Config> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn replace(&self, new: Config) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(new);
    }
}
