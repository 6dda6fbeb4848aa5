//! The kiosk screen's port: every call proves the kiosk by its device cookie.

use super::Ports;
use crate::kiosks::demo_basket;
use app::kiosk::{KioskView, ResetReason};
use app::ports::BoxFuture;
use app::ports::KioskPort;
use app::AppError;

impl KioskPort for Ports {
    fn kiosk_state(&self, device: Option<String>) -> BoxFuture<'_, Result<KioskView, AppError>> {
        Box::pin(async move {
            let kiosk = self.0.kiosks.authenticate(device.as_deref())?;
            Ok(self.0.kiosks.state(&kiosk.id)?)
        })
    }

    fn kiosk_demo_basket(&self, device: Option<String>) -> BoxFuture<'_, Result<KioskView, AppError>> {
        Box::pin(async move {
            let kiosk = self.0.kiosks.authenticate(device.as_deref())?;
            if !self.0.kiosks.demo() {
                return Err(AppError::Forbidden("the demo basket exists only on the simulator".into()));
            }
            Ok(self.0.kiosks.put_cart(&kiosk.store, &kiosk.id, demo_basket()).await?)
        })
    }

    fn kiosk_pay(&self, device: Option<String>) -> BoxFuture<'_, Result<KioskView, AppError>> {
        Box::pin(async move {
            let kiosk = self.0.kiosks.authenticate(device.as_deref())?;
            Ok(self.0.kiosks.pay(&kiosk.id).await?)
        })
    }

    fn kiosk_try_again(&self, device: Option<String>) -> BoxFuture<'_, Result<KioskView, AppError>> {
        Box::pin(async move {
            let kiosk = self.0.kiosks.authenticate(device.as_deref())?;
            Ok(self.0.kiosks.try_again(&kiosk.id).await?)
        })
    }

    fn kiosk_reset(
        &self,
        device: Option<String>,
        session: u64,
        reason: ResetReason,
    ) -> BoxFuture<'_, Result<KioskView, AppError>> {
        Box::pin(async move {
            let kiosk = self.0.kiosks.authenticate(device.as_deref())?;
            let why = match reason {
                ResetReason::Cancel => "cancel",
                ResetReason::Idle => "idle",
            };
            Ok(self.0.kiosks.reset(&kiosk.id, Some(session), why).await?)
        })
    }
}
