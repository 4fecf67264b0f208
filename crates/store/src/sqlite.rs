//! The embedded default: one SQLite file, set up for a server.
//!
//! WAL lets readers go on while one writer writes; every write transaction
//! starts with `BEGIN IMMEDIATE` so that it queues on the busy timeout
//! instead of failing when it first writes.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;
use gasdesk_domain::application::{Actor, Application, Status};
use gasdesk_domain::catalogue::PriceCatalogue;
use gasdesk_domain::community::Plot;
use gasdesk_domain::event::{Event, NewEvent};
use gasdesk_domain::registry::{BusinessLicence, LicenceStatus};
use gasdesk_domain::uscc::Uscc;
use gasdesk_domain::{Channel, Role, application_number};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use uuid::Uuid;

use crate::records::{UserRecord, parse_event_key};
use crate::{
    Created, Job, Record, Result, Store, StoreError, Table, User, WorklistQuery, deadline_jobs,
    micros,
};

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) and migrates the database at `url`.
    pub async fn open(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    async fn write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

fn application_from_row(row: &SqliteRow) -> Result<Application> {
    let state: String = row.try_get("state")?;
    let mut app: Application = serde_json::from_str(&state).map_err(corrupt)?;
    app.version = row.try_get("version")?;
    Ok(app)
}

fn event_from_row(row: &SqliteRow) -> Result<Event> {
    let parse_uuid = |s: Option<String>| s.map(|s| Uuid::parse_str(&s)).transpose();
    let role: Option<String> = row.try_get("actor_role")?;
    let channel: String = row.try_get("channel")?;
    let payload: String = row.try_get("payload")?;
    Ok(Event {
        application_id: Uuid::parse_str(&row.try_get::<String, _>("application_id")?)
            .map_err(corrupt)?,
        seq: row.try_get("seq")?,
        event: NewEvent {
            kind: row.try_get("kind")?,
            actor: Actor {
                user_id: parse_uuid(row.try_get("actor_id")?).map_err(corrupt)?,
                name: row.try_get("actor_name")?,
                role: role
                    .map(|r| Role::from_str(&r))
                    .transpose()
                    .map_err(corrupt)?,
            },
            channel: Channel::from_str(&channel).map_err(corrupt)?,
            occurred_at: row.try_get("occurred_at")?,
            recorded_at: row.try_get("recorded_at")?,
            payload: serde_json::from_str(&payload).map_err(corrupt)?,
        },
    })
}

fn user_from_row(row: &SqliteRow) -> Result<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: Uuid::parse_str(&row.try_get::<String, _>("id")?).map_err(corrupt)?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: Role::from_str(&role).map_err(corrupt)?,
        password_hash: row.try_get("password_hash")?,
        password_expired: row.try_get("password_expired")?,
        active: row.try_get("active")?,
        created_at: row.try_get("created_at")?,
    })
}

fn licence_from_row(row: &SqliteRow) -> Result<BusinessLicence> {
    let uscc: String = row.try_get("uscc")?;
    let status: String = row.try_get("status")?;
    let registered_on: Option<String> = row.try_get("registered_on")?;
    Ok(BusinessLicence {
        uscc: Uscc::parse(&uscc).map_err(corrupt)?,
        name: row.try_get("name")?,
        legal_representative: row.try_get("legal_representative")?,
        address: row.try_get("address")?,
        registered_on: registered_on
            .map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d"))
            .transpose()
            .map_err(corrupt)?,
        status: LicenceStatus::from_str(&status).map_err(corrupt)?,
    })
}

async fn insert_events(
    tx: &mut Transaction<'static, Sqlite>,
    application_id: Uuid,
    first_seq: i64,
    events: &[NewEvent],
) -> Result<Vec<Event>> {
    let mut stored = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        let seq = first_seq + i as i64;
        sqlx::query(
            "INSERT INTO events (application_id, seq, kind, actor_id, actor_name, actor_role,
                channel, occurred_at, recorded_at, payload)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(application_id.to_string())
        .bind(seq)
        .bind(&e.kind)
        .bind(e.actor.user_id.map(|u| u.to_string()))
        .bind(&e.actor.name)
        .bind(e.actor.role.map(|r| r.as_str()))
        .bind(e.channel.as_str())
        .bind(micros(e.occurred_at))
        .bind(micros(e.recorded_at))
        .bind(e.payload.to_string())
        .execute(&mut **tx)
        .await?;
        let mut event = e.clone();
        event.occurred_at = micros(e.occurred_at);
        event.recorded_at = micros(e.recorded_at);
        stored.push(Event {
            application_id,
            seq,
            event,
        });
    }
    Ok(stored)
}

fn state_json(app: &Application) -> Result<String> {
    serde_json::to_string(app).map_err(corrupt)
}

/// Makes the application's jobs what its state calls for: new ones added,
/// moved ones rescheduled (a lease already held stays held), and those no
/// longer called for removed.
async fn sync_jobs(tx: &mut Transaction<'static, Sqlite>, app: &Application) -> Result<()> {
    let wanted = deadline_jobs(app);
    let mut keep = QueryBuilder::<Sqlite>::new("DELETE FROM jobs WHERE application_id = ");
    keep.push_bind(app.id.to_string());
    if !wanted.is_empty() {
        keep.push(" AND (kind || '/' || key) NOT IN (");
        let mut list = keep.separated(", ");
        for job in &wanted {
            list.push_bind(format!("{}/{}", job.kind, job.key));
        }
        keep.push(")");
    }
    keep.build().execute(&mut **tx).await?;
    for job in wanted {
        sqlx::query(
            "INSERT INTO jobs (id, kind, application_id, key, run_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (kind, application_id, key) DO UPDATE SET run_at = excluded.run_at
             WHERE jobs.run_at <> excluded.run_at",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(job.kind)
        .bind(app.id.to_string())
        .bind(&job.key)
        .bind(job.run_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn job_from_row(row: &SqliteRow) -> Result<Job> {
    Ok(Job {
        id: Uuid::parse_str(&row.try_get::<String, _>("id")?).map_err(corrupt)?,
        kind: row.try_get("kind")?,
        application_id: Uuid::parse_str(&row.try_get::<String, _>("application_id")?)
            .map_err(corrupt)?,
        key: row.try_get("key")?,
        run_at: row.try_get("run_at")?,
        lease_owner: row.try_get("lease_owner")?,
        lease_until: row.try_get("lease_until")?,
        attempts: row.try_get("attempts")?,
    })
}

/// Inserts an application row as given (number and version included).
async fn insert_application(
    tx: &mut Transaction<'static, Sqlite>,
    app: &Application,
    idempotency_key: Option<&str>,
    updated_at: DateTime<Utc>,
    if_absent: bool,
) -> std::result::Result<u64, sqlx::Error> {
    let sql = if if_absent {
        "INSERT INTO applications (id, number, line, channel, status, assignee_id, phone,
            accepted_at, next_due_at, idempotency_key, version, state, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
    } else {
        "INSERT INTO applications (id, number, line, channel, status, assignee_id, phone,
            accepted_at, next_due_at, idempotency_key, version, state, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    };
    let state = serde_json::to_string(app).map_err(|e| sqlx::Error::Encode(e.into()))?;
    Ok(sqlx::query(sql)
        .bind(app.id.to_string())
        .bind(&app.number)
        .bind(app.line.as_str())
        .bind(app.channel.as_str())
        .bind(app.status.as_str())
        .bind(app.assignee.as_ref().map(|a| a.user_id.to_string()))
        .bind(&app.applicant.phone)
        .bind(micros(app.accepted_at))
        .bind(app.next_due_at().map(micros))
        .bind(idempotency_key)
        .bind(app.version)
        .bind(state)
        .bind(micros(updated_at))
        .execute(&mut **tx)
        .await?
        .rows_affected())
}
#[async_trait]
impl Store for SqliteStore {
    async fn create_application(
        &self,
        application: &Application,
        event: &NewEvent,
        idempotency_key: Option<&str>,
    ) -> Result<Created> {
        let mut tx = self.write().await?;

        if let Some(key) = idempotency_key {
            let existing =
                sqlx::query("SELECT state, version FROM applications WHERE idempotency_key = ?")
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(row) = existing {
                return Ok(Created::Existing(application_from_row(&row)?));
            }
        }

        let day = application
            .accepted_at
            .with_timezone(&Shanghai)
            .date_naive();
        let running: i64 = sqlx::query(
            "INSERT INTO application_counters (day, last) VALUES (?, 1)
             ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last",
        )
        .bind(day.to_string())
        .fetch_one(&mut *tx)
        .await?
        .try_get("last")?;
        let mut app = application.clone();
        app.number = application_number(day, running);
        app.version = 1;

        insert_application(&mut tx, &app, idempotency_key, event.recorded_at, false)
            .await
            .map_err(|e| match is_unique_violation(&e) {
                true => StoreError::Duplicate("application"),
                false => e.into(),
            })?;
        insert_events(&mut tx, app.id, 1, std::slice::from_ref(event)).await?;
        sync_jobs(&mut tx, &app).await?;

        tx.commit().await?;
        Ok(Created::New(app))
    }

    async fn save_change(
        &self,
        application: &Application,
        events: &[NewEvent],
    ) -> Result<Vec<Event>> {
        let app = application;
        let recorded_at = events
            .first()
            .map(|e| e.recorded_at)
            .unwrap_or_else(Utc::now);
        let mut tx = self.write().await?;

        let updated = sqlx::query(
            "UPDATE applications SET status = ?, line = ?, assignee_id = ?, next_due_at = ?,
                version = ?, state = ?, updated_at = ?
             WHERE id = ? AND version = ?",
        )
        .bind(app.status.as_str())
        .bind(app.line.as_str())
        .bind(app.assignee.as_ref().map(|a| a.user_id.to_string()))
        .bind(app.next_due_at().map(micros))
        .bind(app.version)
        .bind(state_json(app)?)
        .bind(micros(recorded_at))
        .bind(app.id.to_string())
        .bind(app.version - 1)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        let last: i64 = sqlx::query(
            "SELECT COALESCE(MAX(seq), 0) AS last FROM events WHERE application_id = ?",
        )
        .bind(app.id.to_string())
        .fetch_one(&mut *tx)
        .await?
        .try_get("last")?;
        let stored = insert_events(&mut tx, app.id, last + 1, events).await?;
        sync_jobs(&mut tx, app).await?;

        tx.commit().await?;
        Ok(stored)
    }

    async fn application(&self, id: Uuid) -> Result<Option<Application>> {
        sqlx::query("SELECT state, version FROM applications WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(application_from_row)
            .transpose()
    }

    async fn application_by_number(&self, number: &str) -> Result<Option<Application>> {
        sqlx::query("SELECT state, version FROM applications WHERE number = ?")
            .bind(number)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(application_from_row)
            .transpose()
    }

    async fn events(&self, application_id: Uuid) -> Result<Vec<Event>> {
        sqlx::query("SELECT * FROM events WHERE application_id = ? ORDER BY seq")
            .bind(application_id.to_string())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(event_from_row)
            .collect()
    }

    async fn worklist(&self, query: &WorklistQuery) -> Result<Vec<Application>> {
        let statuses: Vec<Status> = if query.statuses.is_empty() {
            Status::ALL.into_iter().filter(|s| !s.is_closed()).collect()
        } else {
            query.statuses.clone()
        };
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT state, version FROM applications WHERE status IN (",
        );
        let mut list = q.separated(", ");
        for s in &statuses {
            list.push_bind(s.as_str());
        }
        q.push(")");
        if let Some(assignee) = query.assignee {
            q.push(" AND (assignee_id = ");
            q.push_bind(assignee.to_string());
            if query.include_unassigned {
                q.push(" OR assignee_id IS NULL");
            }
            q.push(")");
        }
        q.push(" ORDER BY next_due_at IS NULL, next_due_at, accepted_at LIMIT ");
        q.push_bind(if query.limit > 0 { query.limit } else { 500 });
        q.build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(application_from_row)
            .collect()
    }

    async fn count_accepted(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<i64> {
        Ok(sqlx::query(
            "SELECT COUNT(*) AS n FROM applications WHERE accepted_at >= ? AND accepted_at < ?",
        )
        .bind(from)
        .bind(to)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?)
    }

    async fn create_user(&self, user: &User) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO users (id, username, display_name, role, password_hash,
                password_expired, active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(user.id.to_string())
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(user.role.as_str())
        .bind(&user.password_hash)
        .bind(user.password_expired)
        .bind(user.active)
        .bind(micros(user.created_at))
        .execute(&mut *tx)
        .await
        .map_err(|e| match is_unique_violation(&e) {
            true => StoreError::Duplicate("user"),
            false => e.into(),
        })?;
        tx.commit().await?;
        Ok(())
    }

    async fn user(&self, id: Uuid) -> Result<Option<User>> {
        sqlx::query("SELECT * FROM users WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        sqlx::query("SELECT * FROM users WHERE username = ?")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn users(&self) -> Result<Vec<User>> {
        sqlx::query("SELECT * FROM users ORDER BY role, username")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(user_from_row)
            .collect()
    }

    async fn set_password(&self, id: Uuid, password_hash: &str, expired: bool) -> Result<()> {
        let mut tx = self.write().await?;
        let done =
            sqlx::query("UPDATE users SET password_hash = ?, password_expired = ? WHERE id = ?")
                .bind(password_hash)
                .bind(expired)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        // A new password ends every session opened with the old one.
        sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: Uuid,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(created_at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
             VALUES (?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(user_id.to_string())
        .bind(micros(created_at))
        .bind(micros(expires_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>> {
        sqlx::query(
            "SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ? AND s.expires_at > ? AND u.active = 1",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(user_from_row)
        .transpose()
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn import_licences(
        &self,
        licences: &[BusinessLicence],
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let mut tx = self.write().await?;
        for l in licences {
            sqlx::query(
                "INSERT INTO business_licences (uscc, name, legal_representative, address,
                    registered_on, status, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (uscc) DO UPDATE SET name = excluded.name,
                    legal_representative = excluded.legal_representative,
                    address = excluded.address, registered_on = excluded.registered_on,
                    status = excluded.status, imported_at = excluded.imported_at",
            )
            .bind(l.uscc.as_str())
            .bind(&l.name)
            .bind(&l.legal_representative)
            .bind(&l.address)
            .bind(l.registered_on.map(|d| d.to_string()))
            .bind(l.status.as_str())
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(licences.len())
    }

    async fn licence(&self, uscc: &str) -> Result<Option<BusinessLicence>> {
        sqlx::query("SELECT * FROM business_licences WHERE uscc = ?")
            .bind(uscc)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(licence_from_row)
            .transpose()
    }

    async fn publish_catalogue(&self, catalogue: &PriceCatalogue) -> Result<PriceCatalogue> {
        let mut tx = self.write().await?;
        let latest: i64 =
            sqlx::query("SELECT COALESCE(MAX(version), 0) AS latest FROM price_catalogues")
                .fetch_one(&mut *tx)
                .await?
                .try_get("latest")?;
        let stored = PriceCatalogue {
            version: latest + 1,
            published_at: micros(catalogue.published_at),
            ..catalogue.clone()
        };
        insert_catalogue(&mut tx, &stored).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn catalogue(&self, version: Option<i64>) -> Result<Option<PriceCatalogue>> {
        let row = match version {
            Some(v) => {
                sqlx::query("SELECT * FROM price_catalogues WHERE version = ?")
                    .bind(v)
                    .fetch_optional(&self.pool)
                    .await?
            }
            None => {
                sqlx::query("SELECT * FROM price_catalogues ORDER BY version DESC LIMIT 1")
                    .fetch_optional(&self.pool)
                    .await?
            }
        };
        row.as_ref().map(catalogue_from_row).transpose()
    }

    async fn save_plot(&self, plot: &Plot) -> Result<()> {
        let mut tx = self.write().await?;
        insert_plot(&mut tx, plot, false).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn plot(&self, id: Uuid) -> Result<Option<Plot>> {
        sqlx::query("SELECT * FROM plots WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(plot_from_row)
            .transpose()
    }

    async fn plots(&self) -> Result<Vec<Plot>> {
        let rows = sqlx::query("SELECT * FROM plots ORDER BY learned_at DESC, id LIMIT 1000")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(plot_from_row).collect()
    }

    async fn claim_plot(&self, id: Uuid, from: Option<&str>, to: Option<&str>) -> Result<bool> {
        let mut tx = self.write().await?;
        let linked = sqlx::query(
            "UPDATE plots SET application_number = ? WHERE id = ? AND application_number IS ?",
        )
        .bind(to)
        .bind(id.to_string())
        .bind(from)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(linked == 1)
    }

    async fn save_calendar_year(&self, year: i32, source: &str, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO calendar_years (year, source, imported_at) VALUES (?, ?, ?)
             ON CONFLICT (year) DO UPDATE SET source = excluded.source,
                imported_at = excluded.imported_at",
        )
        .bind(year)
        .bind(source)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn calendar_years(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT source FROM calendar_years ORDER BY year")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| r.try_get("source").map_err(StoreError::from))
            .collect()
    }

    async fn claim_jobs(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: i64,
    ) -> Result<Vec<Job>> {
        let now = micros(now);
        let mut tx = self.write().await?;
        let rows = sqlx::query(
            "UPDATE jobs SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
             WHERE id IN (SELECT id FROM jobs WHERE run_at <= ?
                            AND (lease_until IS NULL OR lease_until < ?)
                          ORDER BY run_at LIMIT ?)
               AND (lease_until IS NULL OR lease_until < ?)
             RETURNING *",
        )
        .bind(owner)
        .bind(micros(now + lease))
        .bind(now)
        .bind(now)
        .bind(limit)
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut jobs = rows.iter().map(job_from_row).collect::<Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| j.run_at);
        Ok(jobs)
    }

    async fn finish_job(&self, job: &Job, owner: &str) -> Result<bool> {
        let mut tx = self.write().await?;
        let done = sqlx::query("DELETE FROM jobs WHERE id = ? AND lease_owner = ?")
            .bind(job.id.to_string())
            .bind(owner)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn release_job(&self, job: &Job, owner: &str, run_at: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "UPDATE jobs SET run_at = ?, lease_owner = NULL, lease_until = NULL
             WHERE id = ? AND lease_owner = ?",
        )
        .bind(micros(run_at))
        .bind(job.id.to_string())
        .bind(owner)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn jobs(&self) -> Result<Vec<Job>> {
        sqlx::query("SELECT * FROM jobs ORDER BY run_at, id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(job_from_row)
            .collect()
    }

    async fn export(&self, table: Table, after: Option<&str>, limit: i64) -> Result<Vec<Record>> {
        let after = after.unwrap_or("");
        match table {
            Table::Users => {
                let rows = sqlx::query("SELECT * FROM users WHERE id > ? ORDER BY id LIMIT ?")
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        let mut user = UserRecord::from(&user_from_row(r)?);
                        user.created_at = micros(user.created_at);
                        Ok(Record::User { user })
                    })
                    .collect()
            }
            Table::Licences => {
                let rows = sqlx::query(
                    "SELECT * FROM business_licences WHERE uscc > ? ORDER BY uscc LIMIT ?",
                )
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Record::Licence {
                            licence: licence_from_row(r)?,
                            imported_at: micros(r.try_get("imported_at")?),
                        })
                    })
                    .collect()
            }
            Table::CalendarYears => {
                let after: i32 = after.parse().unwrap_or(i32::MIN);
                let rows = sqlx::query(
                    "SELECT * FROM calendar_years WHERE year > ? ORDER BY year LIMIT ?",
                )
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Record::CalendarYear {
                            year: r.try_get("year")?,
                            source: r.try_get("source")?,
                            imported_at: micros(r.try_get("imported_at")?),
                        })
                    })
                    .collect()
            }
            Table::Counters => {
                let rows = sqlx::query(
                    "SELECT * FROM application_counters WHERE day > ? ORDER BY day LIMIT ?",
                )
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Record::Counter {
                            day: r.try_get("day")?,
                            last: r.try_get("last")?,
                        })
                    })
                    .collect()
            }
            Table::Applications => {
                let rows = sqlx::query(
                    "SELECT state, version, idempotency_key, updated_at FROM applications
                     WHERE id > ? ORDER BY id LIMIT ?",
                )
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Record::Application {
                            application: Box::new(application_from_row(r)?),
                            idempotency_key: r.try_get("idempotency_key")?,
                            updated_at: micros(r.try_get("updated_at")?),
                        })
                    })
                    .collect()
            }
            Table::Catalogues => {
                let after: i64 = after.parse().unwrap_or(i64::MIN);
                let rows = sqlx::query(
                    "SELECT * FROM price_catalogues WHERE version > ? ORDER BY version LIMIT ?",
                )
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Record::Catalogue {
                            catalogue: catalogue_from_row(r)?,
                        })
                    })
                    .collect()
            }
            Table::Plots => {
                let rows = sqlx::query("SELECT * FROM plots WHERE id > ? ORDER BY id LIMIT ?")
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Record::Plot {
                            plot: plot_from_row(r)?,
                        })
                    })
                    .collect()
            }
            Table::Events => {
                let (app, seq) = parse_event_key(after).unwrap_or((Uuid::nil(), 0));
                let rows = sqlx::query(
                    "SELECT * FROM events
                     WHERE application_id > ? OR (application_id = ? AND seq > ?)
                     ORDER BY application_id, seq LIMIT ?",
                )
                .bind(app.to_string())
                .bind(app.to_string())
                .bind(seq)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let mut event = event_from_row(r)?;
                        event.event.occurred_at = micros(event.event.occurred_at);
                        event.event.recorded_at = micros(event.event.recorded_at);
                        Ok(Record::Event {
                            event: Box::new(event),
                        })
                    })
                    .collect()
            }
        }
    }

    async fn import(&self, records: &[Record]) -> Result<u64> {
        let mut tx = self.write().await?;
        let mut written = 0;
        for record in records {
            written += match record {
                Record::User { user } => sqlx::query(
                    "INSERT INTO users (id, username, display_name, role, password_hash,
                            password_expired, active, created_at)
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                )
                .bind(user.id.to_string())
                .bind(&user.username)
                .bind(&user.display_name)
                .bind(&user.role)
                .bind(&user.password_hash)
                .bind(user.password_expired)
                .bind(user.active)
                .bind(micros(user.created_at))
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                Record::Licence {
                    licence: l,
                    imported_at,
                } => sqlx::query(
                    "INSERT INTO business_licences (uscc, name, legal_representative,
                            address, registered_on, status, imported_at)
                         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                )
                .bind(l.uscc.as_str())
                .bind(&l.name)
                .bind(&l.legal_representative)
                .bind(&l.address)
                .bind(l.registered_on.map(|d| d.to_string()))
                .bind(l.status.as_str())
                .bind(micros(*imported_at))
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                Record::CalendarYear {
                    year,
                    source,
                    imported_at,
                } => sqlx::query(
                    "INSERT INTO calendar_years (year, source, imported_at)
                         VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                )
                .bind(year)
                .bind(source)
                .bind(micros(*imported_at))
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                Record::Counter { day, last } => sqlx::query(
                    "INSERT INTO application_counters (day, last) VALUES (?, ?)
                         ON CONFLICT DO NOTHING",
                )
                .bind(day)
                .bind(last)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                Record::Application {
                    application,
                    idempotency_key,
                    updated_at,
                } => {
                    let n = insert_application(
                        &mut tx,
                        application,
                        idempotency_key.as_deref(),
                        *updated_at,
                        true,
                    )
                    .await?;
                    if n == 1 {
                        sync_jobs(&mut tx, application).await?;
                    }
                    n
                }
                Record::Catalogue { catalogue } => {
                    let exists = sqlx::query("SELECT 1 FROM price_catalogues WHERE version = ?")
                        .bind(catalogue.version)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if exists.is_some() {
                        0
                    } else {
                        insert_catalogue(&mut tx, catalogue).await?;
                        1
                    }
                }
                Record::Plot { plot } => insert_plot(&mut tx, plot, true).await?,
                Record::Event { event } => {
                    let exists =
                        sqlx::query("SELECT 1 FROM events WHERE application_id = ? AND seq = ?")
                            .bind(event.application_id.to_string())
                            .bind(event.seq)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if exists.is_some() {
                        0
                    } else {
                        let events = std::slice::from_ref(&event.event);
                        insert_events(&mut tx, event.application_id, event.seq, events).await?;
                        1
                    }
                }
            };
        }
        tx.commit().await?;
        Ok(written)
    }
}

async fn insert_catalogue(
    tx: &mut Transaction<'static, Sqlite>,
    catalogue: &PriceCatalogue,
) -> Result<()> {
    let items = serde_json::to_string(&catalogue.items).map_err(corrupt)?;
    let inserted = sqlx::query(
        "INSERT INTO price_catalogues (version, published_at, published_by, note, items)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(catalogue.version)
    .bind(micros(catalogue.published_at))
    .bind(&catalogue.published_by)
    .bind(&catalogue.note)
    .bind(items)
    .execute(&mut **tx)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => Err(StoreError::Conflict),
        Err(e) => Err(e.into()),
    }
}

fn catalogue_from_row(row: &SqliteRow) -> Result<PriceCatalogue> {
    let items: String = row.try_get("items")?;
    Ok(PriceCatalogue {
        version: row.try_get("version")?,
        published_at: micros(row.try_get("published_at")?),
        published_by: row.try_get("published_by")?,
        note: row.try_get("note")?,
        items: serde_json::from_str(&items).map_err(corrupt)?,
    })
}

/// Writes a ledger entry: new, or replacing the entry (never its link to
/// an application); with `if_absent`, an entry already there is left as it
/// is. Returns how many rows were written.
async fn insert_plot(
    tx: &mut Transaction<'static, Sqlite>,
    plot: &Plot,
    if_absent: bool,
) -> Result<u64> {
    let doc = serde_json::to_string(plot).map_err(corrupt)?;
    let sql = if if_absent {
        "INSERT INTO plots (id, learned_at, application_number, doc) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING"
    } else {
        "INSERT INTO plots (id, learned_at, application_number, doc) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET learned_at = excluded.learned_at, doc = excluded.doc"
    };
    Ok(sqlx::query(sql)
        .bind(plot.id.to_string())
        .bind(micros(plot.learned_at))
        .bind(&plot.application_number)
        .bind(doc)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

fn plot_from_row(row: &SqliteRow) -> Result<Plot> {
    let doc: String = row.try_get("doc")?;
    let mut plot: Plot = serde_json::from_str(&doc).map_err(corrupt)?;
    plot.application_number = row.try_get("application_number")?;
    plot.learned_at = micros(plot.learned_at);
    plot.updated_at = micros(plot.updated_at);
    Ok(plot)
}
