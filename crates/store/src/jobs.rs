//! Background work, claimed under leases so that several servers on one
//! database each do a job once, and a job whose server died is taken over
//! when its lease runs out.
//!
//! Jobs are written by the store itself, in the same transaction as the
//! application they are about: every open deadline not yet noted as overdue
//! has one `deadline_check` job due at its due instant. Noting the deadline
//! (or meeting it) removes the job in the transaction that records it, so
//! the work and its completion land together.

use chrono::{DateTime, Utc};
use gasdesk_domain::application::Application;
use uuid::Uuid;

/// The job kind that checks an open deadline once it is due.
pub const DEADLINE_CHECK: &str = "deadline_check";

/// A pending job, as claimed or listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    pub application_id: Uuid,
    /// What in the application the job is about, e.g. a deadline key.
    pub key: String,
    pub run_at: DateTime<Utc>,
    /// The server holding the job, while its lease runs.
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    /// How many times the job was claimed.
    pub attempts: i32,
}

/// A job an application calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSpec {
    pub kind: &'static str,
    pub key: String,
    pub run_at: DateTime<Utc>,
}

/// The jobs an application's state calls for: a check of each open
/// deadline not yet noted as overdue, due when the deadline is. A stopped
/// clock (waiting on the applicant) has no check until it runs again.
pub fn deadline_jobs(app: &Application) -> Vec<JobSpec> {
    if app.status.is_closed() {
        return Vec::new();
    }
    app.deadlines
        .iter()
        .filter(|d| d.met_at.is_none() && d.overdue_noted_at.is_none() && !d.is_paused())
        .map(|d| JobSpec {
            kind: DEADLINE_CHECK,
            key: d.key.clone(),
            run_at: crate::micros(d.due_at),
        })
        .collect()
}
