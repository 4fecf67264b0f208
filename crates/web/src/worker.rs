//! Background work: every server claims due jobs under a lease and does
//! them, so that with several servers on one database each job is done once
//! and a job whose server died is taken over when its lease runs out.
//!
//! The one kind of job today checks deadlines: once an open deadline's
//! working time has run out, the application gets a `deadline_overdue`
//! event (once), which the timeline shows and supervisors follow up.

use std::time::Duration;

use gasdesk_domain::deadline;
use gasdesk_store::{DEADLINE_CHECK, Job, StoreError};

use crate::error::AppError;
use crate::state::AppState;

/// How a server takes part in background work.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Names this server in leases and in what it notes.
    pub owner: String,
    /// How long a claimed job stays this server's.
    pub lease: chrono::Duration,
    /// Pause between looks for due jobs.
    pub interval: Duration,
    /// Most jobs claimed at one look.
    pub batch: i64,
}

impl WorkerConfig {
    /// A config with a fresh owner name for this process.
    pub fn new(lease: chrono::Duration, interval: Duration) -> Self {
        let id = uuid::Uuid::now_v7().simple().to_string();
        WorkerConfig {
            owner: format!("gasdesk-{}-{}", std::process::id(), &id[id.len() - 8..]),
            lease,
            interval,
            batch: 50,
        }
    }
}

/// Looks for due jobs for ever, pausing `interval` between looks.
pub async fn run(state: AppState, config: WorkerConfig) {
    tracing::info!(owner = %config.owner, "background work started");
    loop {
        match run_once(&state, &config).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(owner = %config.owner, jobs = n, "background jobs done"),
            Err(e) => tracing::warn!(owner = %config.owner, error = %e, "background work failed"),
        }
        tokio::time::sleep(config.interval).await;
    }
}

/// Claims the jobs due now and does them; returns how many were claimed.
pub async fn run_once(state: &AppState, config: &WorkerConfig) -> Result<usize, AppError> {
    let jobs = state
        .store
        .claim_jobs(&config.owner, state.now(), config.lease, config.batch)
        .await?;
    for job in &jobs {
        if let Err(e) = work(state, config, job).await {
            // The lease runs out and the job is tried again later.
            tracing::warn!(job = %job.id, kind = %job.kind, error = %e, "job failed");
        }
    }
    Ok(jobs.len())
}

async fn work(state: &AppState, config: &WorkerConfig, job: &Job) -> Result<(), AppError> {
    match job.kind.as_str() {
        DEADLINE_CHECK => check_deadline(state, config, job).await,
        other => {
            tracing::warn!(kind = other, "a job of an unknown kind is left alone");
            Ok(())
        }
    }
}

/// Notes an open deadline that ran out. Noting it removes the job in the
/// same write; a deadline not run out yet (its due instant moved with the
/// calendar) is checked again at its new due instant.
async fn check_deadline(
    state: &AppState,
    config: &WorkerConfig,
    job: &Job,
) -> Result<(), AppError> {
    const TRIES: usize = 3;
    for _ in 0..TRIES {
        let Some(app) = state.store.application(job.application_id).await? else {
            state.store.finish_job(job, &config.owner).await?;
            return Ok(());
        };
        let calendars = state.calendars();
        let now = state.now();
        let noted = deadline::note_overdue(&app, &job.key, now, &calendars, &config.owner)
            .map_err(|e| AppError::Domain(e.into()))?;
        let Some((next, event)) = noted else {
            let open = app
                .deadline(&job.key)
                .filter(|d| d.met_at.is_none() && d.overdue_noted_at.is_none())
                .filter(|_| !app.status.is_closed());
            match open {
                Some(d) => {
                    let mut d = d.clone();
                    d.refresh(&calendars)
                        .map_err(|e| AppError::Domain(e.into()))?;
                    let again = d.due_at.max(now + chrono::Duration::minutes(1));
                    state.store.release_job(job, &config.owner, again).await?;
                }
                None => {
                    state.store.finish_job(job, &config.owner).await?;
                }
            }
            return Ok(());
        };
        match state.store.save_change(&next, &[event]).await {
            Ok(_) => {
                tracing::info!(
                    application = %app.number, deadline = %job.key, "deadline noted as overdue"
                );
                return Ok(());
            }
            // Someone acted on the application meanwhile: look again.
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
