//! PostgreSQL, for several servers on one database.
//!
//! Transactions run at READ COMMITTED: every write that could race is a
//! single conditional statement (an update guarded by the version it read,
//! an upsert, a lease taken only if free), so a losing writer changes
//! nothing and is told so. Transactions the database aborts anyway
//! (serialization failures on distributed engines, deadlocks, dropped
//! connections) are tried again a bounded number of times.

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
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::types::Json;
use sqlx::{Postgres, QueryBuilder, Row, Transaction};
use uuid::Uuid;

use crate::records::{UserRecord, parse_event_key};
use crate::{
    Created, Job, Record, Result, Retry, Store, StoreError, Table, User, WorklistQuery,
    deadline_jobs, micros,
};

pub struct PgStore {
    pool: PgPool,
    retry: Retry,
}

/// How long a server may hold the schema lease while it migrates.
const SCHEMA_LEASE_SECONDS: i64 = 120;

impl PgStore {
    /// Connects to an existing database and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?.application_name("gasdesk");
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        let store = PgStore {
            pool,
            retry: Retry::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Runs the migrations under a lease row instead of an advisory lock,
    /// which CockroachDB lacks and YugabyteDB limits: servers starting
    /// together take turns, and a lease left by a server that died while
    /// migrating runs out. Each migration is one transaction.
    async fn migrate(&self) -> Result<()> {
        let holder = Uuid::now_v7().to_string();
        self.retry
            .run(|| async {
                sqlx::query(
                    "CREATE TABLE IF NOT EXISTS gasdesk_schema_lease (
                        id integer PRIMARY KEY, holder text NOT NULL,
                        until timestamptz NOT NULL)",
                )
                .execute(&self.pool)
                .await
                .map(|_| ())
                .map_err(StoreError::from)
            })
            .await
            .or_else(|e| match &e {
                // Two servers creating the table at once: one wins.
                StoreError::Database(sqlx::Error::Database(d))
                    if d.is_unique_violation() || d.code().as_deref() == Some("42P07") =>
                {
                    Ok(())
                }
                _ => Err(e),
            })?;
        let deadline = std::time::Instant::now() + Duration::from_secs(300);
        loop {
            let taken = sqlx::query(
                "INSERT INTO gasdesk_schema_lease (id, holder, until)
                 VALUES (1, $1, now() + make_interval(secs => $2))
                 ON CONFLICT (id) DO UPDATE SET holder = excluded.holder,
                    until = excluded.until
                 WHERE gasdesk_schema_lease.until < now()
                 RETURNING holder",
            )
            .bind(&holder)
            .bind(SCHEMA_LEASE_SECONDS as f64)
            .fetch_optional(&self.pool)
            .await;
            match taken {
                Ok(Some(_)) => break,
                Ok(None) => {}
                Err(e) if crate::retry::is_transient_sqlx(&e) => {}
                Err(e) if is_unique_violation(&e) => {}
                Err(e) => return Err(e.into()),
            }
            if std::time::Instant::now() > deadline {
                return Err(StoreError::Corrupt(
                    "the schema lease stayed taken for five minutes".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let mut migrator = sqlx::migrate!("migrations/postgres");
        migrator.set_locking(false);
        let result = migrator.run(&self.pool).await;
        let released = sqlx::query("DELETE FROM gasdesk_schema_lease WHERE holder = $1")
            .bind(&holder)
            .execute(&self.pool)
            .await;
        result?;
        released?;
        Ok(())
    }

    async fn begin(&self) -> Result<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    async fn create_once(
        &self,
        application: &Application,
        event: &NewEvent,
        idempotency_key: Option<&str>,
    ) -> Result<Created> {
        if let Some(key) = idempotency_key
            && let Some(existing) = self.by_idempotency_key(key).await?
        {
            return Ok(Created::Existing(existing));
        }
        let mut tx = self.begin().await?;
        let day = application
            .accepted_at
            .with_timezone(&Shanghai)
            .date_naive();
        let running: i64 = sqlx::query(
            "INSERT INTO application_counters (day, last) VALUES ($1, 1)
             ON CONFLICT (day) DO UPDATE SET last = application_counters.last + 1
             RETURNING last",
        )
        .bind(day)
        .fetch_one(&mut *tx)
        .await?
        .try_get("last")?;
        let mut app = application.clone();
        app.number = application_number(day, running);
        app.version = 1;

        let inserted =
            insert_application(&mut tx, &app, idempotency_key, event.recorded_at, false).await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                drop(tx);
                // Another server took the same key a moment ago.
                if let Some(key) = idempotency_key
                    && let Some(existing) = self.by_idempotency_key(key).await?
                {
                    return Ok(Created::Existing(existing));
                }
                return Err(StoreError::Duplicate("application"));
            }
            Err(e) => return Err(e.into()),
        }
        insert_events(&mut tx, app.id, 1, std::slice::from_ref(event)).await?;
        sync_jobs(&mut tx, &app).await?;
        tx.commit().await?;
        Ok(Created::New(app))
    }

    async fn by_idempotency_key(&self, key: &str) -> Result<Option<Application>> {
        sqlx::query("SELECT state, version FROM applications WHERE idempotency_key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(application_from_row)
            .transpose()
    }

    async fn save_once(&self, app: &Application, events: &[NewEvent]) -> Result<Vec<Event>> {
        let recorded_at = events
            .first()
            .map(|e| e.recorded_at)
            .unwrap_or_else(Utc::now);
        let mut tx = self.begin().await?;
        // The version guard makes a concurrent writer wait for this row and
        // then find it changed: exactly one of them updates it.
        let updated = sqlx::query(
            "UPDATE applications SET status = $1, line = $2, assignee_id = $3,
                next_due_at = $4, version = $5, state = $6, updated_at = $7
             WHERE id = $8 AND version = $9",
        )
        .bind(app.status.as_str())
        .bind(app.line.as_str())
        .bind(app.assignee.as_ref().map(|a| a.user_id))
        .bind(app.next_due_at().map(micros))
        .bind(app.version)
        .bind(Json(app))
        .bind(micros(recorded_at))
        .bind(app.id)
        .bind(app.version - 1)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        let last: i64 = sqlx::query(
            "SELECT COALESCE(MAX(seq), 0) AS last FROM events WHERE application_id = $1",
        )
        .bind(app.id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("last")?;
        let stored = insert_events(&mut tx, app.id, last + 1, events).await?;
        sync_jobs(&mut tx, app).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn import_once(&self, records: &[Record]) -> Result<u64> {
        let mut tx = self.begin().await?;
        let mut written = 0;
        for record in records {
            written += match record {
                Record::User { user } => sqlx::query(
                    "INSERT INTO users (id, username, display_name, role, password_hash,
                        password_expired, active, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                )
                .bind(user.id)
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
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                )
                .bind(l.uscc.as_str())
                .bind(&l.name)
                .bind(&l.legal_representative)
                .bind(&l.address)
                .bind(l.registered_on)
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
                     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(year)
                .bind(source)
                .bind(micros(*imported_at))
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                Record::Counter { day, last } => {
                    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(corrupt)?;
                    sqlx::query(
                        "INSERT INTO application_counters (day, last) VALUES ($1, $2)
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(day)
                    .bind(last)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                }
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
                    let exists = sqlx::query("SELECT 1 FROM price_catalogues WHERE version = $1")
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
                        sqlx::query("SELECT 1 FROM events WHERE application_id = $1 AND seq = $2")
                            .bind(event.application_id)
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

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

fn application_from_row(row: &PgRow) -> Result<Application> {
    let Json(mut app): Json<Application> = row.try_get("state")?;
    app.version = row.try_get("version")?;
    Ok(app)
}

fn event_from_row(row: &PgRow) -> Result<Event> {
    let role: Option<String> = row.try_get("actor_role")?;
    let channel: String = row.try_get("channel")?;
    let Json(payload): Json<serde_json::Value> = row.try_get("payload")?;
    Ok(Event {
        application_id: row.try_get("application_id")?,
        seq: row.try_get("seq")?,
        event: NewEvent {
            kind: row.try_get("kind")?,
            actor: Actor {
                user_id: row.try_get("actor_id")?,
                name: row.try_get("actor_name")?,
                role: role
                    .map(|r| Role::from_str(&r))
                    .transpose()
                    .map_err(corrupt)?,
            },
            channel: Channel::from_str(&channel).map_err(corrupt)?,
            occurred_at: row.try_get("occurred_at")?,
            recorded_at: row.try_get("recorded_at")?,
            payload,
        },
    })
}

fn user_from_row(row: &PgRow) -> Result<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: Role::from_str(&role).map_err(corrupt)?,
        password_hash: row.try_get("password_hash")?,
        password_expired: row.try_get("password_expired")?,
        active: row.try_get("active")?,
        created_at: row.try_get("created_at")?,
    })
}

fn licence_from_row(row: &PgRow) -> Result<BusinessLicence> {
    let uscc: String = row.try_get("uscc")?;
    let status: String = row.try_get("status")?;
    Ok(BusinessLicence {
        uscc: Uscc::parse(&uscc).map_err(corrupt)?,
        name: row.try_get("name")?,
        legal_representative: row.try_get("legal_representative")?,
        address: row.try_get("address")?,
        registered_on: row.try_get("registered_on")?,
        status: LicenceStatus::from_str(&status).map_err(corrupt)?,
    })
}

fn job_from_row(row: &PgRow) -> Result<Job> {
    Ok(Job {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        application_id: row.try_get("application_id")?,
        key: row.try_get("key")?,
        run_at: row.try_get("run_at")?,
        lease_owner: row.try_get("lease_owner")?,
        lease_until: row.try_get("lease_until")?,
        attempts: row.try_get("attempts")?,
    })
}

async fn insert_events(
    tx: &mut Transaction<'static, Postgres>,
    application_id: Uuid,
    first_seq: i64,
    events: &[NewEvent],
) -> Result<Vec<Event>> {
    let mut stored = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        let seq = first_seq + i as i64;
        let mut event = e.clone();
        event.occurred_at = micros(e.occurred_at);
        event.recorded_at = micros(e.recorded_at);
        sqlx::query(
            "INSERT INTO events (application_id, seq, kind, actor_id, actor_name, actor_role,
                channel, occurred_at, recorded_at, payload)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(application_id)
        .bind(seq)
        .bind(&event.kind)
        .bind(event.actor.user_id)
        .bind(&event.actor.name)
        .bind(event.actor.role.map(|r| r.as_str()))
        .bind(event.channel.as_str())
        .bind(event.occurred_at)
        .bind(event.recorded_at)
        .bind(Json(&event.payload))
        .execute(&mut **tx)
        .await?;
        stored.push(Event {
            application_id,
            seq,
            event,
        });
    }
    Ok(stored)
}

/// Inserts an application row as given (number and version included).
async fn insert_application(
    tx: &mut Transaction<'static, Postgres>,
    app: &Application,
    idempotency_key: Option<&str>,
    updated_at: DateTime<Utc>,
    if_absent: bool,
) -> std::result::Result<u64, sqlx::Error> {
    let sql = if if_absent {
        "INSERT INTO applications (id, number, line, channel, status, assignee_id, phone,
            accepted_at, next_due_at, idempotency_key, version, state, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT DO NOTHING"
    } else {
        "INSERT INTO applications (id, number, line, channel, status, assignee_id, phone,
            accepted_at, next_due_at, idempotency_key, version, state, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    };
    Ok(sqlx::query(sql)
        .bind(app.id)
        .bind(&app.number)
        .bind(app.line.as_str())
        .bind(app.channel.as_str())
        .bind(app.status.as_str())
        .bind(app.assignee.as_ref().map(|a| a.user_id))
        .bind(&app.applicant.phone)
        .bind(micros(app.accepted_at))
        .bind(app.next_due_at().map(micros))
        .bind(idempotency_key)
        .bind(app.version)
        .bind(Json(app))
        .bind(micros(updated_at))
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

/// Makes the application's jobs what its state calls for (see the jobs
/// module); a lease already held stays held.
async fn sync_jobs(tx: &mut Transaction<'static, Postgres>, app: &Application) -> Result<()> {
    let wanted = deadline_jobs(app);
    let names: Vec<String> = wanted
        .iter()
        .map(|j| format!("{}/{}", j.kind, j.key))
        .collect();
    sqlx::query(
        "DELETE FROM jobs WHERE application_id = $1 AND NOT (kind || '/' || key = ANY($2))",
    )
    .bind(app.id)
    .bind(&names)
    .execute(&mut **tx)
    .await?;
    for job in wanted {
        sqlx::query(
            "INSERT INTO jobs (id, kind, application_id, key, run_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (kind, application_id, key) DO UPDATE SET run_at = excluded.run_at
             WHERE jobs.run_at <> excluded.run_at",
        )
        .bind(Uuid::now_v7())
        .bind(job.kind)
        .bind(app.id)
        .bind(&job.key)
        .bind(job.run_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[async_trait]
impl Store for PgStore {
    async fn create_application(
        &self,
        application: &Application,
        event: &NewEvent,
        idempotency_key: Option<&str>,
    ) -> Result<Created> {
        self.retry
            .run(|| self.create_once(application, event, idempotency_key))
            .await
    }

    async fn save_change(
        &self,
        application: &Application,
        events: &[NewEvent],
    ) -> Result<Vec<Event>> {
        self.retry.run(|| self.save_once(application, events)).await
    }

    async fn application(&self, id: Uuid) -> Result<Option<Application>> {
        sqlx::query("SELECT state, version FROM applications WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(application_from_row)
            .transpose()
    }

    async fn application_by_number(&self, number: &str) -> Result<Option<Application>> {
        sqlx::query("SELECT state, version FROM applications WHERE number = $1")
            .bind(number)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(application_from_row)
            .transpose()
    }

    async fn events(&self, application_id: Uuid) -> Result<Vec<Event>> {
        sqlx::query("SELECT * FROM events WHERE application_id = $1 ORDER BY seq")
            .bind(application_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(event_from_row)
            .collect()
    }

    async fn worklist(&self, query: &WorklistQuery) -> Result<Vec<Application>> {
        let statuses: Vec<String> = if query.statuses.is_empty() {
            Status::ALL
                .into_iter()
                .filter(|s| !s.is_closed())
                .map(|s| s.as_str().to_string())
                .collect()
        } else {
            query
                .statuses
                .iter()
                .map(|s| s.as_str().to_string())
                .collect()
        };
        let mut q = QueryBuilder::<Postgres>::new(
            "SELECT state, version FROM applications WHERE status = ANY(",
        );
        q.push_bind(statuses);
        q.push(")");
        if let Some(assignee) = query.assignee {
            q.push(" AND (assignee_id = ");
            q.push_bind(assignee);
            if query.include_unassigned {
                q.push(" OR assignee_id IS NULL");
            }
            q.push(")");
        }
        q.push(" ORDER BY next_due_at ASC NULLS LAST, accepted_at LIMIT ");
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
            "SELECT COUNT(*) AS n FROM applications WHERE accepted_at >= $1 AND accepted_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?)
    }

    async fn create_user(&self, user: &User) -> Result<()> {
        self.retry
            .run(|| async {
                sqlx::query(
                    "INSERT INTO users (id, username, display_name, role, password_hash,
                        password_expired, active, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(user.id)
                .bind(&user.username)
                .bind(&user.display_name)
                .bind(user.role.as_str())
                .bind(&user.password_hash)
                .bind(user.password_expired)
                .bind(user.active)
                .bind(micros(user.created_at))
                .execute(&self.pool)
                .await
                .map_err(|e| match is_unique_violation(&e) {
                    true => StoreError::Duplicate("user"),
                    false => e.into(),
                })
                .map(|_| ())
            })
            .await
    }

    async fn user(&self, id: Uuid) -> Result<Option<User>> {
        sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        sqlx::query("SELECT * FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn users(&self) -> Result<Vec<User>> {
        sqlx::query("SELECT * FROM users ORDER BY role COLLATE \"C\", username COLLATE \"C\"")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(user_from_row)
            .collect()
    }

    async fn set_password(&self, id: Uuid, password_hash: &str, expired: bool) -> Result<()> {
        self.retry
            .run(|| async {
                let mut tx = self.begin().await?;
                let done = sqlx::query(
                    "UPDATE users SET password_hash = $1, password_expired = $2 WHERE id = $3",
                )
                .bind(password_hash)
                .bind(expired)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("user"));
                }
                // A new password ends every session opened with the old one.
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            })
            .await
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: Uuid,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        self.retry
            .run(|| async {
                let mut tx = self.begin().await?;
                sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                    .bind(created_at)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(token_hash)
                .bind(user_id)
                .bind(micros(created_at))
                .bind(micros(expires_at))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            })
            .await
    }

    async fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>> {
        sqlx::query(
            "SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active",
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
        self.retry
            .run(|| async {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            })
            .await
    }

    async fn import_licences(
        &self,
        licences: &[BusinessLicence],
        now: DateTime<Utc>,
    ) -> Result<usize> {
        self.retry
            .run(|| async {
                let mut tx = self.begin().await?;
                for l in licences {
                    sqlx::query(
                        "INSERT INTO business_licences (uscc, name, legal_representative,
                            address, registered_on, status, imported_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7)
                         ON CONFLICT (uscc) DO UPDATE SET name = excluded.name,
                            legal_representative = excluded.legal_representative,
                            address = excluded.address,
                            registered_on = excluded.registered_on,
                            status = excluded.status, imported_at = excluded.imported_at",
                    )
                    .bind(l.uscc.as_str())
                    .bind(&l.name)
                    .bind(&l.legal_representative)
                    .bind(&l.address)
                    .bind(l.registered_on)
                    .bind(l.status.as_str())
                    .bind(micros(now))
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(licences.len())
            })
            .await
    }

    async fn licence(&self, uscc: &str) -> Result<Option<BusinessLicence>> {
        sqlx::query("SELECT * FROM business_licences WHERE uscc = $1")
            .bind(uscc)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(licence_from_row)
            .transpose()
    }

    async fn publish_catalogue(&self, catalogue: &PriceCatalogue) -> Result<PriceCatalogue> {
        self.retry
            .run(|| async {
                let mut tx = self.begin().await?;
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
            })
            .await
    }

    async fn catalogue(&self, version: Option<i64>) -> Result<Option<PriceCatalogue>> {
        let row = match version {
            Some(v) => {
                sqlx::query("SELECT * FROM price_catalogues WHERE version = $1")
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
        self.retry
            .run(|| async {
                let mut tx = self.begin().await?;
                insert_plot(&mut tx, plot, false).await?;
                tx.commit().await?;
                Ok(())
            })
            .await
    }

    async fn plot(&self, id: Uuid) -> Result<Option<Plot>> {
        sqlx::query("SELECT * FROM plots WHERE id = $1")
            .bind(id)
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
        self.retry
            .run(|| async {
                let linked = sqlx::query(
                    "UPDATE plots SET application_number = $1
                     WHERE id = $2 AND application_number IS NOT DISTINCT FROM $3",
                )
                .bind(to)
                .bind(id)
                .bind(from)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(linked == 1)
            })
            .await
    }

    async fn save_calendar_year(&self, year: i32, source: &str, now: DateTime<Utc>) -> Result<()> {
        self.retry
            .run(|| async {
                sqlx::query(
                    "INSERT INTO calendar_years (year, source, imported_at) VALUES ($1, $2, $3)
                     ON CONFLICT (year) DO UPDATE SET source = excluded.source,
                        imported_at = excluded.imported_at",
                )
                .bind(year)
                .bind(source)
                .bind(micros(now))
                .execute(&self.pool)
                .await?;
                Ok(())
            })
            .await
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
        // The lease condition is repeated outside the sub-select: a claimer
        // that waited on a row another just leased sees the new lease and
        // takes nothing (no SKIP LOCKED needed, which not every engine has).
        let rows = self
            .retry
            .run(|| async {
                Ok(sqlx::query(
                    "UPDATE jobs SET lease_owner = $1, lease_until = $2,
                        attempts = attempts + 1
                     WHERE id IN (SELECT id FROM jobs WHERE run_at <= $3
                                    AND (lease_until IS NULL OR lease_until < $3)
                                  ORDER BY run_at LIMIT $4)
                       AND (lease_until IS NULL OR lease_until < $3)
                     RETURNING *",
                )
                .bind(owner)
                .bind(micros(now + lease))
                .bind(now)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            })
            .await?;
        let mut jobs = rows.iter().map(job_from_row).collect::<Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| j.run_at);
        Ok(jobs)
    }

    async fn finish_job(&self, job: &Job, owner: &str) -> Result<bool> {
        self.retry
            .run(|| async {
                let done = sqlx::query("DELETE FROM jobs WHERE id = $1 AND lease_owner = $2")
                    .bind(job.id)
                    .bind(owner)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            })
            .await
    }

    async fn release_job(&self, job: &Job, owner: &str, run_at: DateTime<Utc>) -> Result<bool> {
        self.retry
            .run(|| async {
                let done = sqlx::query(
                    "UPDATE jobs SET run_at = $1, lease_owner = NULL, lease_until = NULL
                     WHERE id = $2 AND lease_owner = $3",
                )
                .bind(micros(run_at))
                .bind(job.id)
                .bind(owner)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            })
            .await
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
        let after_id = || Uuid::parse_str(after).unwrap_or(Uuid::nil());
        match table {
            Table::Users => {
                let rows =
                    sqlx::query("SELECT * FROM users WHERE id > $1 OR $2 ORDER BY id LIMIT $3")
                        .bind(after_id())
                        .bind(after.is_empty())
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Record::User {
                            user: UserRecord::from(&user_from_row(r)?),
                        })
                    })
                    .collect()
            }
            Table::Licences => {
                let rows = sqlx::query(
                    "SELECT * FROM business_licences WHERE uscc COLLATE \"C\" > $1
                     ORDER BY uscc COLLATE \"C\" LIMIT $2",
                )
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Record::Licence {
                            licence: licence_from_row(r)?,
                            imported_at: r.try_get("imported_at")?,
                        })
                    })
                    .collect()
            }
            Table::CalendarYears => {
                let after: i32 = after.parse().unwrap_or(i32::MIN);
                let rows = sqlx::query(
                    "SELECT * FROM calendar_years WHERE year > $1 ORDER BY year LIMIT $2",
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
                            imported_at: r.try_get("imported_at")?,
                        })
                    })
                    .collect()
            }
            Table::Counters => {
                let after = NaiveDate::parse_from_str(after, "%Y-%m-%d")
                    .unwrap_or(NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default());
                let rows = sqlx::query(
                    "SELECT * FROM application_counters WHERE day > $1 ORDER BY day LIMIT $2",
                )
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let day: NaiveDate = r.try_get("day")?;
                        Ok(Record::Counter {
                            day: day.to_string(),
                            last: r.try_get("last")?,
                        })
                    })
                    .collect()
            }
            Table::Applications => {
                let rows = sqlx::query(
                    "SELECT state, version, idempotency_key, updated_at FROM applications
                     WHERE id > $1 OR $2 ORDER BY id LIMIT $3",
                )
                .bind(after_id())
                .bind(after.is_empty())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Record::Application {
                            application: Box::new(application_from_row(r)?),
                            idempotency_key: r.try_get("idempotency_key")?,
                            updated_at: r.try_get("updated_at")?,
                        })
                    })
                    .collect()
            }
            Table::Catalogues => {
                let after: i64 = after.parse().unwrap_or(i64::MIN);
                let rows = sqlx::query(
                    "SELECT * FROM price_catalogues WHERE version > $1 ORDER BY version LIMIT $2",
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
                let after = Uuid::parse_str(after).unwrap_or(Uuid::nil());
                let rows = sqlx::query("SELECT * FROM plots WHERE id > $1 ORDER BY id LIMIT $2")
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
                let (app, seq) = parse_event_key(after).unwrap_or((Uuid::nil(), -1));
                let rows = sqlx::query(
                    "SELECT * FROM events WHERE (application_id, seq) > ($1, $2)
                     ORDER BY application_id, seq LIMIT $3",
                )
                .bind(app)
                .bind(seq)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Record::Event {
                            event: Box::new(event_from_row(r)?),
                        })
                    })
                    .collect()
            }
        }
    }

    async fn import(&self, records: &[Record]) -> Result<u64> {
        self.retry.run(|| self.import_once(records)).await
    }
}

async fn insert_catalogue(
    tx: &mut Transaction<'static, Postgres>,
    catalogue: &PriceCatalogue,
) -> Result<()> {
    let inserted = sqlx::query(
        "INSERT INTO price_catalogues (version, published_at, published_by, note, items)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(catalogue.version)
    .bind(micros(catalogue.published_at))
    .bind(&catalogue.published_by)
    .bind(&catalogue.note)
    .bind(Json(&catalogue.items))
    .execute(&mut **tx)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict),
        Err(e) => Err(e.into()),
    }
}

fn catalogue_from_row(row: &PgRow) -> Result<PriceCatalogue> {
    let items: Json<Vec<gasdesk_domain::catalogue::PriceItem>> = row.try_get("items")?;
    Ok(PriceCatalogue {
        version: row.try_get("version")?,
        published_at: row.try_get("published_at")?,
        published_by: row.try_get("published_by")?,
        note: row.try_get("note")?,
        items: items.0,
    })
}

/// Writes a ledger entry: new, or replacing the entry (never its link to
/// an application); with `if_absent`, an entry already there is left as it
/// is. Returns how many rows were written.
async fn insert_plot(
    tx: &mut Transaction<'static, Postgres>,
    plot: &Plot,
    if_absent: bool,
) -> Result<u64> {
    let sql = if if_absent {
        "INSERT INTO plots (id, learned_at, application_number, doc) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO NOTHING"
    } else {
        "INSERT INTO plots (id, learned_at, application_number, doc) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET learned_at = excluded.learned_at, doc = excluded.doc"
    };
    Ok(sqlx::query(sql)
        .bind(plot.id)
        .bind(micros(plot.learned_at))
        .bind(&plot.application_number)
        .bind(Json(plot))
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

fn plot_from_row(row: &PgRow) -> Result<Plot> {
    let doc: Json<Plot> = row.try_get("doc")?;
    let mut plot = doc.0;
    plot.application_number = row.try_get("application_number")?;
    plot.learned_at = micros(plot.learned_at);
    plot.updated_at = micros(plot.updated_at);
    Ok(plot)
}
