//! Storage behind one contract, so that every backend behaves the same.
//!
//! Every write is one transaction: an application's new state and the events
//! that record the change land together or not at all, and a change made
//! against a version that is no longer current is refused as a conflict.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use gasdesk_domain::Role;
use gasdesk_domain::application::{Application, Status};
use gasdesk_domain::catalogue::PriceCatalogue;
use gasdesk_domain::community::Plot;
use gasdesk_domain::event::{Event, NewEvent};
use gasdesk_domain::registry::{BusinessLicence, RegistryUnavailable};
use uuid::Uuid;

mod jobs;
mod pg;
mod records;
mod retry;
pub mod scratch;
mod sqlite;

pub use jobs::{DEADLINE_CHECK, Job, JobSpec, deadline_jobs};
pub use pg::PgStore;
pub use records::{Record, Table};
pub use retry::Retry;
pub use sqlite::SqliteStore;

/// Storage failures. Only `Conflict`, `Duplicate` and `NotFound` are
/// expected in normal use; the rest are faults of the backend.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the record changed meanwhile")]
    Conflict,
    #[error("{0} already exists")]
    Duplicate(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    #[error("unsupported database url (expected sqlite:... or postgres://...)")]
    UnsupportedUrl,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The outcome of creating an application with an idempotency key.
#[derive(Debug, Clone, PartialEq)]
pub enum Created {
    New(Application),
    /// The key was used before: this is the application it created.
    Existing(Application),
}

impl Created {
    pub fn application(&self) -> &Application {
        match self {
            Created::New(a) | Created::Existing(a) => a,
        }
    }
}

/// A staff account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    /// Set by someone else: to be changed at the next sign-in.
    pub password_expired: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// Which open applications a worklist shows.
#[derive(Debug, Clone, Default)]
pub struct WorklistQuery {
    /// Only these statuses; empty means every open status.
    pub statuses: Vec<Status>,
    /// Only those assigned to this user.
    pub assignee: Option<Uuid>,
    /// Also those assigned to nobody (the pool), with `assignee`.
    pub include_unassigned: bool,
    pub limit: i64,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Creates an application and its first event. The store gives it its
    /// number (`application_number` of its local acceptance date and the
    /// day's next running number). With a key seen before, nothing is
    /// written and the earlier application is returned.
    async fn create_application(
        &self,
        application: &Application,
        event: &NewEvent,
        idempotency_key: Option<&str>,
    ) -> Result<Created>;

    /// Saves a changed application with the events that record the change.
    /// `application.version` is the new version; the stored one must be the
    /// one before it, or nothing is written and `Conflict` is returned.
    async fn save_change(
        &self,
        application: &Application,
        events: &[NewEvent],
    ) -> Result<Vec<Event>>;

    async fn application(&self, id: Uuid) -> Result<Option<Application>>;
    async fn application_by_number(&self, number: &str) -> Result<Option<Application>>;
    async fn events(&self, application_id: Uuid) -> Result<Vec<Event>>;
    /// Open applications ordered by their earliest open deadline.
    async fn worklist(&self, query: &WorklistQuery) -> Result<Vec<Application>>;
    /// Applications accepted in `[from, to)`.
    async fn count_accepted(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<i64>;

    async fn create_user(&self, user: &User) -> Result<()>;
    async fn user(&self, id: Uuid) -> Result<Option<User>>;
    async fn user_by_username(&self, username: &str) -> Result<Option<User>>;
    async fn users(&self) -> Result<Vec<User>>;
    /// Replaces a password and ends every session of the user.
    async fn set_password(&self, id: Uuid, password_hash: &str, expired: bool) -> Result<()>;

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: Uuid,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;
    /// The active user of an unexpired session.
    async fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;

    /// Inserts or replaces registry records; returns how many were written.
    async fn import_licences(
        &self,
        licences: &[BusinessLicence],
        now: DateTime<Utc>,
    ) -> Result<usize>;
    async fn licence(&self, uscc: &str) -> Result<Option<BusinessLicence>>;

    /// Publishes the price catalogue as the next version (one more than the
    /// latest; `catalogue.version` is ignored) and returns it as stored. Of
    /// two publishing at once, one gets the version and the other
    /// `Conflict`. Published versions never change.
    async fn publish_catalogue(&self, catalogue: &PriceCatalogue) -> Result<PriceCatalogue>;
    /// A published version, or the latest when `version` is none.
    async fn catalogue(&self, version: Option<i64>) -> Result<Option<PriceCatalogue>>;

    /// Adds a plot to the early-involvement ledger, or replaces its entry
    /// (the link to an application excepted, which only `link_plot` sets).
    async fn save_plot(&self, plot: &Plot) -> Result<()>;
    async fn plot(&self, id: Uuid) -> Result<Option<Plot>>;
    /// The ledger, most recently learned first.
    async fn plots(&self) -> Result<Vec<Plot>>;
    /// Sets the plot's link to an application from `from` to `to` (none
    /// meaning unlinked), only if it still is `from`: an intake claims a
    /// free plot, then names the application it created, or gives the plot
    /// back. False when the plot is unknown or its link is not `from`.
    async fn claim_plot(&self, id: Uuid, from: Option<&str>, to: Option<&str>) -> Result<bool>;

    /// Keeps an imported holiday arrangement (its source JSON).
    async fn save_calendar_year(&self, year: i32, source: &str, now: DateTime<Utc>) -> Result<()>;
    async fn calendar_years(&self) -> Result<Vec<String>>;

    /// Claims up to `limit` jobs due at `now` that nobody holds (or whose
    /// lease ran out), leasing them to `owner` until `now + lease`. Two
    /// claimers never get the same job while its lease runs.
    async fn claim_jobs(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: i64,
    ) -> Result<Vec<Job>>;
    /// Ends a job `owner` holds with nothing more to do. False when the
    /// lease was lost (another server took the job over) or the job is gone.
    async fn finish_job(&self, job: &Job, owner: &str) -> Result<bool>;
    /// Gives a held job back, to run again at `run_at`.
    async fn release_job(&self, job: &Job, owner: &str, run_at: DateTime<Utc>) -> Result<bool>;
    /// Every pending job, held or not, in run order (for operators and tests).
    async fn jobs(&self) -> Result<Vec<Job>>;

    /// Up to `limit` records of `table` after the record keyed `after`, in
    /// key order: the same records, in the same form, on every backend.
    async fn export(&self, table: Table, after: Option<&str>, limit: i64) -> Result<Vec<Record>>;
    /// Writes records exported from another store; a record already present
    /// is left as it is. Returns how many were written.
    async fn import(&self, records: &[Record]) -> Result<u64>;
}

/// The embedded business registry: the `business_licences` table, loaded
/// with `gasdesk registry import`.
pub struct LocalRegistry(pub std::sync::Arc<dyn Store>);

#[async_trait]
impl gasdesk_domain::registry::LicenceRegistry for LocalRegistry {
    async fn lookup(
        &self,
        uscc: &gasdesk_domain::uscc::Uscc,
    ) -> std::result::Result<Option<BusinessLicence>, RegistryUnavailable> {
        self.0
            .licence(uscc.as_str())
            .await
            .map_err(|e| RegistryUnavailable(e.to_string()))
    }
}

/// Opens the store a database URL names, creating and migrating it:
/// `sqlite:` for the embedded default, `postgres://` or `postgresql://` for
/// PostgreSQL (the database itself must exist).
pub async fn connect(url: &str) -> Result<std::sync::Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        return Ok(std::sync::Arc::new(SqliteStore::open(url).await?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(std::sync::Arc::new(PgStore::open(url).await?));
    }
    Err(StoreError::UnsupportedUrl)
}

/// An instant as both backends keep it: PostgreSQL stores microseconds, so
/// every instant is cut to microseconds before it is written anywhere.
pub fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    t.trunc_subsecs(6)
}
