//! Whole-history records, the same on every backend, for copying a county
//! from one store to another and checking that the copy is faithful.

use chrono::{DateTime, Utc};
use gasdesk_domain::application::Application;
use gasdesk_domain::catalogue::PriceCatalogue;
use gasdesk_domain::community::Plot;
use gasdesk_domain::event::Event;
use gasdesk_domain::registry::BusinessLicence;
use serde::Serialize;

use crate::User;

/// The tables a county's history lives in, in the order they are copied
/// (each after those it refers to). Sessions are not history and are not
/// copied: staff sign in again. Jobs follow from the applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Users,
    Licences,
    CalendarYears,
    Counters,
    Catalogues,
    Plots,
    Applications,
    Events,
}

impl Table {
    pub const ALL: [Table; 8] = [
        Table::Users,
        Table::Licences,
        Table::CalendarYears,
        Table::Counters,
        Table::Catalogues,
        Table::Plots,
        Table::Applications,
        Table::Events,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Table::Users => "users",
            Table::Licences => "business_licences",
            Table::CalendarYears => "calendar_years",
            Table::Counters => "application_counters",
            Table::Catalogues => "price_catalogues",
            Table::Plots => "plots",
            Table::Applications => "applications",
            Table::Events => "events",
        }
    }
}

/// One row of one table, in a form both backends read and write alike.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "table", rename_all = "snake_case")]
pub enum Record {
    User {
        #[serde(flatten)]
        user: UserRecord,
    },
    Licence {
        licence: BusinessLicence,
        imported_at: DateTime<Utc>,
    },
    CalendarYear {
        year: i32,
        source: String,
        imported_at: DateTime<Utc>,
    },
    Counter {
        /// Asia/Shanghai date, `YYYY-MM-DD`.
        day: String,
        last: i64,
    },
    Catalogue {
        catalogue: PriceCatalogue,
    },
    Plot {
        plot: Plot,
    },
    Application {
        application: Box<Application>,
        idempotency_key: Option<String>,
        updated_at: DateTime<Utc>,
    },
    Event {
        event: Box<Event>,
    },
}

/// A staff account as copied, password hash included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRecord {
    pub id: uuid::Uuid,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub password_expired: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&User> for UserRecord {
    fn from(u: &User) -> Self {
        UserRecord {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.as_str().to_string(),
            password_hash: u.password_hash.clone(),
            password_expired: u.password_expired,
            active: u.active,
            created_at: u.created_at,
        }
    }
}

impl Record {
    pub fn table(&self) -> Table {
        match self {
            Record::User { .. } => Table::Users,
            Record::Licence { .. } => Table::Licences,
            Record::CalendarYear { .. } => Table::CalendarYears,
            Record::Counter { .. } => Table::Counters,
            Record::Catalogue { .. } => Table::Catalogues,
            Record::Plot { .. } => Table::Plots,
            Record::Application { .. } => Table::Applications,
            Record::Event { .. } => Table::Events,
        }
    }

    /// The record's key within its table; export pages run in this order.
    pub fn key(&self) -> String {
        match self {
            Record::User { user } => user.id.to_string(),
            Record::Licence { licence, .. } => licence.uscc.as_str().to_string(),
            Record::CalendarYear { year, .. } => format!("{year:06}"),
            Record::Counter { day, .. } => day.clone(),
            Record::Catalogue { catalogue } => catalogue_key(catalogue.version),
            Record::Plot { plot } => plot.id.to_string(),
            Record::Application { application, .. } => application.id.to_string(),
            Record::Event { event } => event_key(event.application_id, event.seq),
        }
    }

    /// The canonical bytes that checksums are taken over.
    pub fn canonical(&self) -> Vec<u8> {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// The export key of a catalogue version: zero-padded, so that keys sort
/// as the versions do.
pub fn catalogue_key(version: i64) -> String {
    format!("{version:020}")
}

/// The export key of an event: its application, then its number there.
pub fn event_key(application_id: uuid::Uuid, seq: i64) -> String {
    format!("{application_id}/{seq:020}")
}

/// Reads an event key back into its parts.
pub fn parse_event_key(key: &str) -> Option<(uuid::Uuid, i64)> {
    let (id, seq) = key.split_once('/')?;
    Some((uuid::Uuid::parse_str(id).ok()?, seq.parse().ok()?))
}
