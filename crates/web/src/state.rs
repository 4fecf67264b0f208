//! What every request handler shares.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};
use gasdesk_domain::deadline::Calendars;
use gasdesk_domain::registry::LicenceRegistry;
use gasdesk_domain::rulebook::Rulebook;
use gasdesk_store::{LocalRegistry, Store};

use crate::clock::Clock;

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub store: Arc<dyn Store>,
    pub registry: Arc<dyn LicenceRegistry>,
    pub rulebook: Arc<Rulebook>,
    /// Replaced whole when an administrator imports a year's arrangement.
    calendars: RwLock<Arc<Calendars>>,
    pub clock: Arc<dyn Clock>,
    pub session_ttl: Duration,
    /// Set the `Secure` flag on the session cookie (behind HTTPS).
    pub secure_cookies: bool,
    pub sign_in_attempts: crate::auth::AttemptLimiter,
    pub tracking_attempts: crate::auth::AttemptLimiter,
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        rulebook: Rulebook,
        calendars: Calendars,
        clock: Arc<dyn Clock>,
    ) -> Self {
        AppState(Arc::new(Shared {
            registry: Arc::new(LocalRegistry(store.clone())),
            store,
            rulebook: Arc::new(rulebook),
            calendars: RwLock::new(Arc::new(calendars)),
            clock,
            session_ttl: Duration::hours(12),
            secure_cookies: false,
            sign_in_attempts: Default::default(),
            tracking_attempts: Default::default(),
        }))
    }

    /// Looks licences up somewhere else than the local table.
    pub fn with_registry(mut self, registry: Arc<dyn LicenceRegistry>) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.0) {
            shared.registry = registry;
        }
        self
    }

    /// Sets how long a session lasts; for use while building the state.
    pub fn with_session_ttl(mut self, ttl: Duration) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.0) {
            shared.session_ttl = ttl;
        }
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }

    pub fn calendars(&self) -> Arc<Calendars> {
        self.0
            .calendars
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_calendars(&self, calendars: Calendars) {
        *self.0.calendars.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(calendars);
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}
