//! Several `gasdesk serve` processes on one PostgreSQL database: conflicting
//! changes have one winner and lose nothing, and background work held by a
//! server that dies is finished by another. Skipped when PostgreSQL is
//! unreachable and not required (see `gasdesk_store::scratch`).

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gasdesk_domain::application::Actor;
use gasdesk_domain::rulebook::Rulebook;
use gasdesk_domain::{Channel, Role};
use gasdesk_store::Store;
use gasdesk_store::scratch::ScratchDb;
use serde_json::{Value, json};
use sqlx::Connection;

use crate::support::{USCC, bj, intake};

/// A server process, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn serve(url: &str, extra: &[&str]) -> Server {
    let port = free_port();
    let dir = std::env::temp_dir();
    let child = Command::new(env!("CARGO_BIN_EXE_gasdesk"))
        .current_dir(dir)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env("GASDESK_DATABASE_URL", url)
        .env_remove("GASDESK_LISTEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    loop {
        if let Ok(r) = reqwest::get(format!("{}/healthz", server.base)).await
            && r.status() == 200
        {
            return server;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn add_staff(store: &dyn Store, username: &str, role: Role) {
    let user = gasdesk_store::User {
        id: uuid::Uuid::now_v7(),
        username: username.into(),
        display_name: username.into(),
        role,
        password_hash: gasdesk_web::auth::hash_password("a long test password")
            .await
            .unwrap(),
        password_expired: false,
        active: true,
        created_at: chrono::Utc::now(),
    };
    store.create_user(&user).await.unwrap();
}

async fn sign_in(http: &reqwest::Client, base: &str, username: &str) -> String {
    let body = json!({"username": username, "password": "a long test password"});
    let r = http
        .post(format!("{base}/api/v1/session"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Posts an action; returns the HTTP status and body.
async fn act(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    number: &str,
    version: i64,
    text: &str,
) -> (u16, Value) {
    let r = http
        .post(format!("{base}/api/v1/applications/{number}/actions"))
        .bearer_auth(token)
        .json(&json!({"version": version, "action": {"type": "add_note", "text": text}}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_take_200_conflicting_actions_and_lose_nothing() {
    let Some(db) = ScratchDb::create("servers").await else {
        return;
    };
    let store = gasdesk_store::connect(&db.url).await.unwrap();
    add_staff(store.as_ref(), "boss", Role::Supervisor).await;
    let servers = [
        serve(&db.url, &["--work-interval", "0"]).await,
        serve(&db.url, &["--work-interval", "0"]).await,
    ];
    let http = reqwest::Client::new();
    // A session opened on one server is good on the other: both share it.
    let token = sign_in(&http, &servers[0].base, "boss").await;

    let mut numbers = Vec::new();
    for i in 0..20 {
        let base = &servers[i % 2].base;
        let r = http
            .post(format!("{base}/api/v1/applications"))
            .json(&intake("online", USCC[i % USCC.len()]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["version"], 1);
        numbers.push(body["number"].as_str().unwrap().to_string());
    }

    // Round one: ten notes per application, all made against version 1,
    // half through each server, all at once.
    let http = Arc::new(http);
    let mut tasks = Vec::new();
    for (i, number) in numbers.iter().enumerate() {
        for j in 0..10 {
            let (http, token, number) = (http.clone(), token.clone(), number.clone());
            let base = servers[(i + j) % 2].base.clone();
            tasks.push(tokio::spawn(async move {
                let text = format!("note {number} {j}");
                let (status, body) = act(&http, &base, &token, &number, 1, &text).await;
                (number, text, status, body)
            }));
        }
    }
    let mut landed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut refused = Vec::new();
    for task in tasks {
        let (number, text, status, body) = task.await.unwrap();
        match status {
            200 => {
                landed.entry(number).or_default().insert(text);
            }
            409 => {
                assert_eq!(body["code"], "version_conflict", "{body}");
                refused.push((number, text));
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    // Exactly one winner per application.
    assert_eq!(landed.len(), 20);
    assert!(landed.values().all(|notes| notes.len() == 1), "{landed:?}");
    assert_eq!(refused.len(), 180);

    // Round two: each refused note is sent again on the version now
    // current, as a person would after reloading, until it lands.
    let mut tasks = Vec::new();
    for (k, (number, text)) in refused.into_iter().enumerate() {
        let (http, token) = (http.clone(), token.clone());
        let base = servers[k % 2].base.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..200 {
                let detail: Value = http
                    .get(format!("{base}/api/v1/applications/{number}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let version = detail["application"]["version"].as_i64().unwrap();
                let (status, body) = act(&http, &base, &token, &number, version, &text).await;
                match status {
                    200 => return (number, text),
                    409 => tokio::task::yield_now().await,
                    other => panic!("unexpected {other}: {body}"),
                }
            }
            panic!("{text} never landed");
        }));
    }
    for task in tasks {
        let (number, text) = task.await.unwrap();
        assert!(landed.entry(number).or_default().insert(text));
    }

    // The log: per application, sequence numbers 1..=n with no gap, the
    // submission then each of its ten notes exactly once, and a state
    // whose version counts the changes; both servers show the same.
    for number in &numbers {
        let app = store.application_by_number(number).await.unwrap().unwrap();
        let events = store.events(app.id).await.unwrap();
        let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=11).collect::<Vec<i64>>(), "{number}");
        assert_eq!(events[0].event.kind, "submitted");
        let notes: Vec<String> = events[1..]
            .iter()
            .map(|e| {
                assert_eq!(e.event.kind, "note_added");
                e.event.payload["text"].as_str().unwrap().to_string()
            })
            .collect();
        let unique: BTreeSet<String> = notes.iter().cloned().collect();
        assert_eq!(notes.len(), unique.len(), "a note was doubled");
        let expected: BTreeSet<String> = (0..10).map(|j| format!("note {number} {j}")).collect();
        assert_eq!(unique, expected);
        assert_eq!(&unique, &landed[number]);
        assert_eq!(app.version, 11);
        let mut seen = Vec::new();
        for server in &servers {
            let detail: Value = http
                .get(format!("{}/api/v1/applications/{number}", server.base))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            seen.push(detail["application"].clone());
        }
        assert_eq!(seen[0], seen[1]);
        assert_eq!(seen[0]["version"], 11);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_while_holding_a_lease_has_its_work_finished_by_another() {
    let Some(db) = ScratchDb::create("lease").await else {
        return;
    };
    let store = gasdesk_store::connect(&db.url).await.unwrap();

    // An online application from March, whose deadlines all ran out long
    // ago and were never noted.
    let rulebook = Rulebook::county_default();
    let calendars =
        gasdesk_web::calendars::build(&[], gasdesk_web::calendars::DEFAULT_HOURS).unwrap();
    let body = intake("online", USCC[0]);
    let intake: gasdesk_domain::connection::Intake = serde_json::from_value(body).unwrap();
    let ctx = gasdesk_domain::connection::Context {
        rulebook: &rulebook,
        calendars: &calendars,
        now: bj("2026-03-03T10:00"),
        catalogue: None,
        plot: None,
    };
    let (app, event) = gasdesk_domain::connection::open(
        &intake,
        None,
        uuid::Uuid::now_v7(),
        String::new(),
        &Actor::applicant("张三"),
        &ctx,
    )
    .unwrap();
    let app = store
        .create_application(&app, &event, None)
        .await
        .unwrap()
        .application()
        .clone();
    let deadlines: BTreeSet<String> = app.deadlines.iter().map(|d| d.key.clone()).collect();
    assert!(!deadlines.is_empty());
    assert_eq!(event.channel, Channel::Online);

    // Hold the application's row, so that the first server's write waits.
    let mut blocker = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut blocker).await.unwrap();
    sqlx::query("SELECT 1 FROM applications WHERE id = $1 FOR UPDATE")
        .bind(app.id)
        .execute(&mut blocker)
        .await
        .unwrap();

    let lease = ["--work-interval", "1", "--lease-seconds", "3"];
    let first = serve(&db.url, &lease).await;
    // Wait until it holds the jobs and its write is stuck on the row lock.
    let started = Instant::now();
    let first_owner = loop {
        let jobs = store.jobs().await.unwrap();
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = $1 AND application_name = 'gasdesk'
               AND wait_event_type = 'Lock'",
        )
        .bind(&db.name)
        .fetch_one(&mut blocker)
        .await
        .unwrap();
        if waiting > 0
            && let Some(owner) = jobs.iter().find_map(|j| j.lease_owner.clone())
        {
            break owner;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no lease taken"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    drop(first); // killed, lease in hand, its write never committed
    sqlx::query("ROLLBACK").execute(&mut blocker).await.unwrap();
    assert_eq!(store.events(app.id).await.unwrap().len(), 1);

    let second = serve(&db.url, &lease).await;
    let started = Instant::now();
    while !store.jobs().await.unwrap().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the jobs were not taken over: {:?}",
            store.jobs().await.unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(second);

    // Each deadline noted exactly once, by the second server.
    let events = store.events(app.id).await.unwrap();
    let noted: Vec<&Value> = events
        .iter()
        .filter(|e| e.event.kind == "deadline_overdue")
        .map(|e| &e.event.payload)
        .collect();
    let keys: Vec<String> = noted
        .iter()
        .map(|p| p["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys.len(), deadlines.len(), "{keys:?}");
    assert_eq!(keys.iter().cloned().collect::<BTreeSet<_>>(), deadlines);
    for p in &noted {
        let by = p["checked_by"].as_str().unwrap();
        assert_ne!(by, first_owner, "the dead server's write must not land");
    }
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=events.len() as i64).collect::<Vec<_>>());
    let stored = store.application(app.id).await.unwrap().unwrap();
    assert!(
        stored
            .deadlines
            .iter()
            .all(|d| d.overdue_noted_at.is_some())
    );
    assert_eq!(stored.version, 1 + deadlines.len() as i64);
}
