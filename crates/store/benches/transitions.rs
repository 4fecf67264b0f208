//! Durable step transitions per second on SQLite and on PostgreSQL, each
//! next to a floor measured in the same run, and their ratio (the target
//! is at least 0.6 of the floor on each backend).
//!
//! A transition is what the product does for one action on an existing
//! application: the domain decides the change (`connection::decide`, here a
//! supervisor assigning the application to one customer manager and then
//! the other) and `Store::save_change` writes the new state, its event and
//! the application's jobs in one durable transaction. The application is
//! kept in memory between its transitions, so the loads a use case does
//! before deciding are not counted: what is measured is the durable write.
//!
//! The floor is a bare loop on its own connection with the same durability
//! settings (SQLite: WAL, `synchronous = FULL`, `BEGIN IMMEDIATE`;
//! PostgreSQL: the server's default `synchronous_commit`) that writes the
//! same rows per transaction: the applications row under its version
//! guard, the event row and the store's job statements. What it writes
//! (state JSON, payloads, event numbers) is computed before its clock
//! starts, so it is as fast as the database lets these rows be written.
//!
//! Each round gives each side a fresh database holding the same seeded
//! applications, the two made in alternating order. Within a round the
//! sides take turns every few dozen transitions, the one going first
//! alternating, so that both see the same load on the machine (a disk busy
//! with something else slows both) and neither gains from its place. The
//! rates are over all rounds; the spread of the rounds' ratios is printed
//! beside them.
//!
//! Environment: `GASDESK_BENCH_TRANSITIONS` (transitions per side and
//! round, default 2000), `GASDESK_BENCH_ROUNDS` (default 4), and for
//! PostgreSQL `GASDESK_TEST_POSTGRES` and `GASDESK_REQUIRE_POSTGRES` as in
//! `gasdesk_store::scratch`.

use std::ops::Range;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use gasdesk_calendar::{CalendarConfig, CalendarKind, OfficialCalendar, WorkCalendar};
use gasdesk_domain::application::{Actor, Application, BuiltBy, Readiness, StaffRef};
use gasdesk_domain::connection::{self, Action, Command, Context, Intake};
use gasdesk_domain::deadline::Calendars;
use gasdesk_domain::event::NewEvent;
use gasdesk_domain::rulebook::Rulebook;
use gasdesk_domain::{Channel, Role};
use gasdesk_store::scratch::ScratchDb;
use gasdesk_store::{Created, JobSpec, Store, deadline_jobs, micros};
use serde_json::value::RawValue;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Connection};
use uuid::Uuid;

/// The share of the floor each backend is meant to reach.
const TARGET: f64 = 0.6;

/// How many applications the transitions go round, one after the other.
const APPLICATIONS: usize = 50;

/// Transitions per turn: the two sides take turns chunk by chunk.
const CHUNK: usize = 50;

const DEFAULT_TRANSITIONS: usize = 2000;
const DEFAULT_ROUNDS: usize = 4;
const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The rules, calendars and people every transition is decided with.
struct Domain {
    rulebook: Rulebook,
    calendars: Calendars,
    supervisor: Actor,
    managers: [StaffRef; 2],
}

impl Domain {
    fn new() -> Domain {
        let official = Arc::new(OfficialCalendar::bundled());
        let always = CalendarConfig {
            kind: CalendarKind::TwentyFourSeven,
            ..CalendarConfig::default()
        };
        let calendars = Calendars {
            office: WorkCalendar::new(official.clone(), CalendarConfig::default())
                .expect("the default office calendar is valid"),
            always: WorkCalendar::new(official, always).expect("the 24/7 calendar is valid"),
        };
        let manager = |name: &str| StaffRef {
            user_id: Uuid::now_v7(),
            name: name.into(),
        };
        Domain {
            rulebook: Rulebook::county_default(),
            calendars,
            supervisor: Actor::staff(Uuid::now_v7(), "王主管", Role::Supervisor),
            managers: [manager("李经理"), manager("赵经理")],
        }
    }

    fn context(&self) -> Context<'_> {
        Context::new(&self.rulebook, &self.calendars, Utc::now())
    }

    /// A new online application of the 102 line, as the form opens it.
    fn open(&self) -> (Application, NewEvent) {
        let intake = Intake {
            channel: Channel::Online,
            organisation: "卢氏县测试有限公司".into(),
            contact_name: "张三".into(),
            phone: "13800138000".into(),
            uscc: "91411224MA0001AA5Y".into(),
            site_address: "城关镇1号".into(),
            readiness: Readiness {
                source_pipeline_ready: true,
                facilities_ready: true,
                built_by: BuiltBy::SelfBuilt,
            },
            accepted_at: None,
            assignee: None,
            licence_seen: false,
            line: None,
            applicant_kind: None,
            materials: Vec::new(),
            plot_id: None,
            build_standard: None,
            developer_appliances: Vec::new(),
        };
        let applicant = Actor::applicant("张三");
        let (id, ctx) = (Uuid::now_v7(), self.context());
        connection::open(&intake, None, id, String::new(), &applicant, &ctx)
            .expect("the benchmark intake is valid")
    }

    /// One step: the supervisor assigns `app` to the manager whose turn it
    /// is, decided as the service decides every action.
    fn assign(&self, app: &Application, turn: usize) -> (Application, Vec<NewEvent>) {
        let command = Command {
            action: Action::Assign {
                to: self.managers[turn % 2].clone(),
            },
            occurred_at: None,
            version: app.version,
            channel: None,
        };
        let actor = &self.supervisor;
        connection::decide(app, &[], &command, actor, Channel::Office, &self.context())
            .expect("a supervisor may assign an open application")
    }
}

/// Which database a measurement runs on.
#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A fresh, migrated database and what keeps it alive: a temporary
/// directory or a scratch PostgreSQL database, removed when this goes.
struct Fresh {
    url: String,
    _dir: Option<tempfile::TempDir>,
    _db: Option<ScratchDb>,
}

impl Fresh {
    /// `None` when PostgreSQL is unreachable and not required.
    async fn create(backend: Backend) -> Option<Fresh> {
        match backend {
            Backend::Sqlite => {
                // Under the target directory rather than the system's
                // temporary one, which may be in memory and make every
                // sync free.
                let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR"))
                    .expect("a temporary directory");
                Some(Fresh {
                    url: format!("sqlite://{}/bench.db", dir.path().display()),
                    _dir: Some(dir),
                    _db: None,
                })
            }
            Backend::Postgres => {
                let db = ScratchDb::create("bench_transitions").await?;
                Some(Fresh {
                    url: db.url.clone(),
                    _dir: None,
                    _db: Some(db),
                })
            }
        }
    }

    /// Opens the product's store on the database (running its migrations)
    /// and creates the applications the transitions will work on.
    async fn seeded_store(&self, domain: &Domain) -> (Arc<dyn Store>, Vec<Application>) {
        let store = gasdesk_store::connect(&self.url)
            .await
            .expect("the store opens");
        let mut apps = Vec::with_capacity(APPLICATIONS);
        for _ in 0..APPLICATIONS {
            let (app, event) = domain.open();
            match store.create_application(&app, &event, None).await {
                Ok(Created::New(app)) => apps.push(app),
                other => panic!("seeding an application failed: {other:?}"),
            }
        }
        (store, apps)
    }
}

/// The store's side: the product's store on its own fresh database.
struct StoreSide {
    store: Arc<dyn Store>,
    apps: Vec<Application>,
    /// Transitions made so far, which pick the next application and turn.
    done: usize,
    _fresh: Fresh,
}

impl StoreSide {
    async fn new(backend: Backend, domain: &Domain) -> Option<StoreSide> {
        let fresh = Fresh::create(backend).await?;
        let (store, apps) = fresh.seeded_store(domain).await;
        Some(StoreSide {
            store,
            apps,
            done: 0,
            _fresh: fresh,
        })
    }

    /// Times the next `count` transitions: decided, then saved.
    async fn run(&mut self, domain: &Domain, count: usize) -> Duration {
        let start = Instant::now();
        for i in self.done..self.done + count {
            let k = i % self.apps.len();
            let (next, events) = domain.assign(&self.apps[k], i / self.apps.len());
            self.store
                .save_change(&next, &events)
                .await
                .expect("a transition is saved");
            self.apps[k] = next;
        }
        self.done += count;
        start.elapsed()
    }
}

/// One of the two alternating changes of an application, as the floor
/// writes it: every value computed in advance.
struct Step {
    status: &'static str,
    line: &'static str,
    assignee: Option<Uuid>,
    assignee_text: Option<String>,
    next_due_at: Option<DateTime<Utc>>,
    state: Box<RawValue>,
    updated_at: DateTime<Utc>,
    kind: String,
    actor_id: Option<Uuid>,
    actor_id_text: Option<String>,
    actor_name: String,
    actor_role: Option<&'static str>,
    channel: &'static str,
    occurred_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
    payload: Box<RawValue>,
}

/// An application as the floor works on it.
struct Row {
    id: Uuid,
    id_text: String,
    /// The version now stored.
    version: i64,
    steps: [Step; 2],
    jobs: Vec<JobSpec>,
    /// `kind/key` of each job, as the store's job statements compare them.
    job_names: Vec<String>,
    /// The store's SQLite job deletion for this many jobs.
    sqlite_delete: Arc<str>,
}

fn raw(json: String) -> Box<RawValue> {
    RawValue::from_string(json).expect("serde_json writes valid JSON")
}

fn step(app: &Application, event: &NewEvent) -> Step {
    Step {
        status: app.status.as_str(),
        line: app.line.as_str(),
        assignee: app.assignee.as_ref().map(|a| a.user_id),
        assignee_text: app.assignee.as_ref().map(|a| a.user_id.to_string()),
        next_due_at: app.next_due_at().map(micros),
        state: raw(serde_json::to_string(app).expect("an application serialises")),
        updated_at: micros(event.recorded_at),
        kind: event.kind.clone(),
        actor_id: event.actor.user_id,
        actor_id_text: event.actor.user_id.map(|u| u.to_string()),
        actor_name: event.actor.name.clone(),
        actor_role: event.actor.role.map(|r| r.as_str()),
        channel: event.channel.as_str(),
        occurred_at: micros(event.occurred_at),
        recorded_at: micros(event.recorded_at),
        payload: raw(event.payload.to_string()),
    }
}

/// Precomputes the floor's rows from the seeded applications, with the
/// same decisions the store side makes.
fn rows(domain: &Domain, apps: &[Application]) -> Vec<Row> {
    apps.iter()
        .map(|app| {
            let mut decided = [0, 1].map(|turn| {
                let (next, events) = domain.assign(app, turn);
                (step(&next, &events[0]), deadline_jobs(&next))
            });
            let jobs = std::mem::take(&mut decided[0].1);
            let job_names: Vec<String> = jobs
                .iter()
                .map(|j| format!("{}/{}", j.kind, j.key))
                .collect();
            let mut sqlite_delete = String::from("DELETE FROM jobs WHERE application_id = ?");
            if !job_names.is_empty() {
                let marks = vec!["?"; job_names.len()].join(", ");
                sqlite_delete.push_str(&format!(" AND (kind || '/' || key) NOT IN ({marks})"));
            }
            Row {
                id: app.id,
                id_text: app.id.to_string(),
                version: app.version,
                steps: decided.map(|(step, _)| step),
                jobs,
                job_names,
                sqlite_delete: sqlite_delete.into(),
            }
        })
        .collect()
}

/// The connection the floor writes on.
enum FloorConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// The floor's side: a bare loop on its own fresh database, seeded by the
/// store exactly as the store's side is.
struct FloorSide {
    conn: FloorConnection,
    rows: Vec<Row>,
    done: usize,
    _fresh: Fresh,
}

impl FloorSide {
    async fn new(backend: Backend, domain: &Domain) -> Option<FloorSide> {
        let fresh = Fresh::create(backend).await?;
        let (store, apps) = fresh.seeded_store(domain).await;
        drop(store);
        let conn = match backend {
            Backend::Sqlite => {
                // The store's open settings, on one connection.
                let options = SqliteConnectOptions::from_str(&fresh.url)
                    .expect("a SQLite url")
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true);
                let conn = SqliteConnection::connect_with(&options).await;
                FloorConnection::Sqlite(conn.expect("the floor connects"))
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(&fresh.url)
                    .expect("a PostgreSQL url")
                    .application_name("gasdesk");
                let conn = PgConnection::connect_with(&options).await;
                FloorConnection::Postgres(conn.expect("the floor connects"))
            }
        };
        Some(FloorSide {
            conn,
            rows: rows(domain, &apps),
            done: 0,
            _fresh: fresh,
        })
    }

    /// Times the next `count` floor transactions.
    async fn run(&mut self, count: usize) -> Duration {
        let range = self.done..self.done + count;
        let elapsed = match &mut self.conn {
            FloorConnection::Sqlite(conn) => sqlite_floor(conn, &mut self.rows, range).await,
            FloorConnection::Postgres(conn) => postgres_floor(conn, &mut self.rows, range).await,
        };
        self.done += count;
        elapsed.expect("the floor writes its rows")
    }
}

/// Floor transactions `range` on SQLite, each begun `IMMEDIATE` as the
/// store begins its writes.
async fn sqlite_floor(
    conn: &mut SqliteConnection,
    rows: &mut [Row],
    range: Range<usize>,
) -> sqlx::Result<Duration> {
    let count = rows.len();
    let start = Instant::now();
    for i in range {
        let row = &mut rows[i % count];
        let step = &row.steps[(i / count) % 2];
        let version = row.version + 1;
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        let updated = sqlx::query(
            "UPDATE applications SET status = ?, line = ?, assignee_id = ?, next_due_at = ?,
                version = ?, state = ?, updated_at = ?
             WHERE id = ? AND version = ?",
        )
        .bind(step.status)
        .bind(step.line)
        .bind(step.assignee_text.as_deref())
        .bind(step.next_due_at)
        .bind(version)
        .bind(step.state.get())
        .bind(step.updated_at)
        .bind(&row.id_text)
        .bind(version - 1)
        .execute(&mut *tx)
        .await?;
        assert_eq!(updated.rows_affected(), 1, "the floor's version guard held");
        sqlx::query(
            "INSERT INTO events (application_id, seq, kind, actor_id, actor_name, actor_role,
                channel, occurred_at, recorded_at, payload)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&row.id_text)
        .bind(version)
        .bind(&step.kind)
        .bind(step.actor_id_text.as_deref())
        .bind(&step.actor_name)
        .bind(step.actor_role)
        .bind(step.channel)
        .bind(step.occurred_at)
        .bind(step.recorded_at)
        .bind(step.payload.get())
        .execute(&mut *tx)
        .await?;
        let mut delete = sqlx::query(AssertSqlSafe(row.sqlite_delete.clone())).bind(&row.id_text);
        for name in &row.job_names {
            delete = delete.bind(name);
        }
        delete.execute(&mut *tx).await?;
        for job in &row.jobs {
            sqlx::query(
                "INSERT INTO jobs (id, kind, application_id, key, run_at) VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (kind, application_id, key) DO UPDATE SET run_at = excluded.run_at
                 WHERE jobs.run_at <> excluded.run_at",
            )
            .bind(Uuid::now_v7().to_string())
            .bind(job.kind)
            .bind(&row.id_text)
            .bind(&job.key)
            .bind(job.run_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        row.version = version;
    }
    Ok(start.elapsed())
}

/// Floor transactions `range` on PostgreSQL, at the server's durability.
async fn postgres_floor(
    conn: &mut PgConnection,
    rows: &mut [Row],
    range: Range<usize>,
) -> sqlx::Result<Duration> {
    let count = rows.len();
    let start = Instant::now();
    for i in range {
        let row = &mut rows[i % count];
        let step = &row.steps[(i / count) % 2];
        let version = row.version + 1;
        let mut tx = conn.begin().await?;
        let updated = sqlx::query(
            "UPDATE applications SET status = $1, line = $2, assignee_id = $3,
                next_due_at = $4, version = $5, state = $6, updated_at = $7
             WHERE id = $8 AND version = $9",
        )
        .bind(step.status)
        .bind(step.line)
        .bind(step.assignee)
        .bind(step.next_due_at)
        .bind(version)
        .bind(Json(&*step.state))
        .bind(step.updated_at)
        .bind(row.id)
        .bind(version - 1)
        .execute(&mut *tx)
        .await?;
        assert_eq!(updated.rows_affected(), 1, "the floor's version guard held");
        sqlx::query(
            "INSERT INTO events (application_id, seq, kind, actor_id, actor_name, actor_role,
                channel, occurred_at, recorded_at, payload)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(row.id)
        .bind(version)
        .bind(&step.kind)
        .bind(step.actor_id)
        .bind(&step.actor_name)
        .bind(step.actor_role)
        .bind(step.channel)
        .bind(step.occurred_at)
        .bind(step.recorded_at)
        .bind(Json(&*step.payload))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM jobs WHERE application_id = $1 AND NOT (kind || '/' || key = ANY($2))",
        )
        .bind(row.id)
        .bind(&row.job_names)
        .execute(&mut *tx)
        .await?;
        for job in &row.jobs {
            sqlx::query(
                "INSERT INTO jobs (id, kind, application_id, key, run_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (kind, application_id, key) DO UPDATE SET run_at = excluded.run_at
                 WHERE jobs.run_at <> excluded.run_at",
            )
            .bind(Uuid::now_v7())
            .bind(job.kind)
            .bind(row.id)
            .bind(&job.key)
            .bind(job.run_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        row.version = version;
    }
    Ok(start.elapsed())
}

fn rate(n: usize, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64()
}

/// What one backend measured over every round.
struct Measured {
    store: f64,
    floor: f64,
    /// The lowest and highest ratio of a single round.
    rounds: (f64, f64),
}

/// Runs `rounds` rounds of `n` transitions a side, each round on two fresh
/// databases; the sides take turns chunk by chunk, the one going first
/// alternating, so both see the same load on the machine. `None` when the
/// backend is unavailable.
async fn measure(backend: Backend, domain: &Domain, n: usize, rounds: usize) -> Option<Measured> {
    let mut total = [Duration::ZERO; 2];
    let mut range = (f64::INFINITY, 0.0f64);
    for r in 0..rounds {
        // Which database is made first alternates too.
        let (mut store, mut floor) = if r % 2 == 0 {
            let store = StoreSide::new(backend, domain).await?;
            (store, FloorSide::new(backend, domain).await?)
        } else {
            let floor = FloorSide::new(backend, domain).await?;
            (StoreSide::new(backend, domain).await?, floor)
        };
        let mut round = [Duration::ZERO; 2];
        let (mut done, mut store_first) = (0, true);
        while done < n {
            let count = CHUNK.min(n - done);
            if store_first {
                round[0] += store.run(domain, count).await;
                round[1] += floor.run(count).await;
            } else {
                round[1] += floor.run(count).await;
                round[0] += store.run(domain, count).await;
            }
            done += count;
            store_first = !store_first;
        }
        let ratio = round[1].as_secs_f64() / round[0].as_secs_f64();
        range = (range.0.min(ratio), range.1.max(ratio));
        total[0] += round[0];
        total[1] += round[1];
    }
    Some(Measured {
        store: rate(n * rounds, total[0]),
        floor: rate(n * rounds, total[1]),
        rounds: range,
    })
}

fn env_count(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .unwrap_or_else(|| panic!("{name} must be a positive whole number, not {v:?}")),
        Err(_) => default,
    }
}

#[tokio::main]
async fn main() {
    let n = env_count("GASDESK_BENCH_TRANSITIONS", DEFAULT_TRANSITIONS);
    let rounds = env_count("GASDESK_BENCH_ROUNDS", DEFAULT_ROUNDS);
    let domain = Domain::new();
    println!(
        "durable step transitions: {rounds} rounds of {n} a side over {APPLICATIONS} \
         applications, the sides taking turns every {CHUNK}"
    );
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let name = backend.name();
        // Only PostgreSQL can be missing; `ScratchDb` fails by itself when
        // it is required.
        let Some(m) = measure(backend, &domain, n, rounds).await else {
            let server = std::env::var("GASDESK_TEST_POSTGRES")
                .unwrap_or_else(|_| DEFAULT_POSTGRES.to_string());
            println!(
                "{name:<8} skipped: PostgreSQL unreachable at {server} \
                 (GASDESK_REQUIRE_POSTGRES=1 makes this a failure)"
            );
            continue;
        };
        let (store, floor) = (m.store, m.floor);
        let ratio = store / floor;
        let (low, high) = m.rounds;
        let verdict = if ratio < TARGET { "  BELOW TARGET" } else { "" };
        println!(
            "{name:<8} store {store:>7.0} transitions/s   floor {floor:>7.0} rows-tx/s   \
             ratio {ratio:.2} (target >= {TARGET:.2}; rounds {low:.2}..{high:.2}){verdict}"
        );
    }
}
