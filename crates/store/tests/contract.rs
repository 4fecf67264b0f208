//! The storage contract: what every backend must do the same way. Each
//! check takes a fresh store; `backends()` names the stores to run against.

use std::sync::Arc;

use chrono::{DateTime, Duration, FixedOffset, Utc};
use gasdesk_calendar::{CalendarConfig, CalendarKind, OfficialCalendar, WorkCalendar};
use gasdesk_domain::application::{Actor, Application, BuiltBy, Readiness, StaffRef};
use gasdesk_domain::catalogue::{PriceCatalogue, PriceItem};
use gasdesk_domain::connection::{self, Context, Intake};
use gasdesk_domain::deadline::Calendars;
use gasdesk_domain::event::NewEvent;
use gasdesk_domain::registry::BusinessLicence;
use gasdesk_domain::rulebook::Rulebook;
use gasdesk_domain::{Channel, Role};
use gasdesk_store::scratch::ScratchDb;
use gasdesk_store::{Created, Store, StoreError, Table, User, WorklistQuery};
use uuid::Uuid;

struct Backend {
    store: Arc<dyn Store>,
    _dir: Option<tempfile::TempDir>,
    _db: Option<ScratchDb>,
}

async fn sqlite() -> Option<Backend> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/contract.db", dir.path().display());
    Some(Backend {
        store: gasdesk_store::connect(&url).await.unwrap(),
        _dir: Some(dir),
        _db: None,
    })
}

/// A fresh PostgreSQL database, or none when the server is unreachable
/// and not required (see `gasdesk_store::scratch`).
async fn postgres() -> Option<Backend> {
    let db = ScratchDb::create("contract").await?;
    Some(Backend {
        store: gasdesk_store::connect(&db.url).await.unwrap(),
        _dir: None,
        _db: Some(db),
    })
}

fn bj(local: &str) -> DateTime<Utc> {
    DateTime::<FixedOffset>::parse_from_rfc3339(&format!("{local}:00+08:00"))
        .unwrap()
        .with_timezone(&Utc)
}

fn calendars() -> Calendars {
    let official = Arc::new(OfficialCalendar::bundled());
    let always = CalendarConfig {
        kind: CalendarKind::TwentyFourSeven,
        ..CalendarConfig::default()
    };
    Calendars {
        office: WorkCalendar::new(official.clone(), CalendarConfig::default()).unwrap(),
        always: WorkCalendar::new(official, always).unwrap(),
    }
}

/// An online application accepted at `at` (Beijing time), not yet stored.
fn application(at: &str) -> (Application, NewEvent) {
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
    let rulebook = Rulebook::county_default();
    let calendars = calendars();
    let ctx = Context {
        rulebook: &rulebook,
        calendars: &calendars,
        now: bj(at),
        catalogue: None,
        plot: None,
    };
    let actor = Actor::applicant("张三");
    connection::open(&intake, None, Uuid::now_v7(), String::new(), &actor, &ctx).unwrap()
}

fn change(app: &Application, kind: &str, at: &str) -> (Application, NewEvent) {
    let mut next = app.clone();
    next.version += 1;
    let event = NewEvent {
        kind: kind.into(),
        actor: Actor::staff(Uuid::now_v7(), "李经理", Role::CustomerManager),
        channel: Channel::Office,
        occurred_at: bj(at),
        recorded_at: bj(at),
        payload: serde_json::json!({"n": next.version}),
    };
    (next, event)
}

async fn create(store: &dyn Store, at: &str) -> Application {
    let (app, event) = application(at);
    match store.create_application(&app, &event, None).await.unwrap() {
        Created::New(a) => a,
        Created::Existing(_) => panic!("a new application was reported as existing"),
    }
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        contract!(@backend sqlite_backend, sqlite, $($name),*);
        contract!(@backend postgres_backend, postgres, $($name),*);
    };
    (@backend $module:ident, $open:ident, $($name:ident),*) => {
        mod $module {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(backend) = super::$open().await else {
                        return;
                    };
                    super::$name(backend.store.as_ref()).await;
                }
            )*
        }
    };
}

contract!(
    numbers_run_per_beijing_day,
    an_idempotency_key_creates_once,
    a_stale_version_is_a_conflict_and_writes_nothing,
    concurrent_changes_have_one_winner,
    events_come_back_in_order_with_all_fields,
    worklist_orders_by_deadline_and_filters_by_owner,
    accepted_counts_are_half_open,
    users_and_sessions,
    licences_are_upserted,
    calendar_years_are_kept,
    catalogues_are_published_as_new_versions_and_never_change,
    jobs_follow_open_deadlines,
    a_job_is_held_by_one_claimer_until_its_lease_runs_out,
    one_idempotency_key_under_concurrency_creates_one,
    export_pages_through_everything_and_import_keeps_what_is_there,
);

async fn numbers_run_per_beijing_day(store: &dyn Store) {
    let a = create(store, "2026-03-31T23:50").await;
    let b = create(store, "2026-04-01T07:50").await;
    let c = create(store, "2026-04-01T09:00").await;
    assert_eq!(a.number, "BZ20260331-0001");
    assert_eq!(b.number, "BZ20260401-0001");
    assert_eq!(c.number, "BZ20260401-0002");
    let loaded = store
        .application_by_number(&c.number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(loaded, c);
    assert_eq!(store.application(c.id).await.unwrap().unwrap(), c);
    assert!(
        store
            .application_by_number("BZ20990101-0001")
            .await
            .unwrap()
            .is_none()
    );
}

async fn an_idempotency_key_creates_once(store: &dyn Store) {
    let (app, event) = application("2026-01-08T11:30");
    let first = store
        .create_application(&app, &event, Some("k1"))
        .await
        .unwrap();
    let (again, event2) = application("2026-01-08T11:30");
    let second = store
        .create_application(&again, &event2, Some("k1"))
        .await
        .unwrap();
    assert!(matches!(first, Created::New(_)));
    assert!(matches!(second, Created::Existing(_)));
    assert_eq!(first.application(), second.application());
    assert!(store.application(again.id).await.unwrap().is_none());
    assert_eq!(store.events(app.id).await.unwrap().len(), 1);
}

async fn a_stale_version_is_a_conflict_and_writes_nothing(store: &dyn Store) {
    let app = create(store, "2026-03-03T10:00").await;
    let (v2, e2) = change(&app, "assigned", "2026-03-03T10:10");
    store.save_change(&v2, &[e2]).await.unwrap();
    let (stale, e) = change(&app, "handed_over", "2026-03-03T10:20");
    let result = store.save_change(&stale, &[e]).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    assert_eq!(store.events(app.id).await.unwrap().len(), 2);
    assert_eq!(store.application(app.id).await.unwrap().unwrap().version, 2);
}

async fn concurrent_changes_have_one_winner(store: &dyn Store) {
    let app = create(store, "2026-07-15T09:00").await;
    let tries = (0..20).map(|i| {
        let (next, mut event) = change(&app, "acceptance_recorded", "2026-07-15T10:00");
        event.payload = serde_json::json!({"attempt": i});
        async move { store.save_change(&next, &[event]).await }
    });
    let results = futures_util::future::join_all(tries).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::Conflict)))
        .count();
    assert_eq!((won, conflicts), (1, 19));
    let events = store.events(app.id).await.unwrap();
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
}

async fn events_come_back_in_order_with_all_fields(store: &dyn Store) {
    let app = create(store, "2026-03-16T08:20").await;
    let (v2, mut e2) = change(&app, "first_call_recorded", "2026-03-16T09:10");
    e2.recorded_at = bj("2026-03-16T11:40");
    let stored = store.save_change(&v2, &[e2.clone()]).await.unwrap();
    assert_eq!(stored[0].seq, 2);
    let events = store.events(app.id).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].event.kind, "submitted");
    assert_eq!(events[0].event.actor.user_id, None);
    assert_eq!(events[1].event, e2);
    assert_eq!(events[1].event.occurred_at, bj("2026-03-16T09:10"));
    assert_eq!(events[1].event.recorded_at, bj("2026-03-16T11:40"));
}

async fn worklist_orders_by_deadline_and_filters_by_owner(store: &dyn Store) {
    let late = create(store, "2026-03-03T15:00").await;
    let early = create(store, "2026-03-03T09:00").await;
    let mine = create(store, "2026-03-03T10:00").await;
    let me = Uuid::now_v7();
    let (mut v2, e) = change(&mine, "assigned", "2026-03-03T10:05");
    v2.assignee = Some(StaffRef {
        user_id: me,
        name: "李经理".into(),
    });
    store.save_change(&v2, &[e]).await.unwrap();

    let all = store.worklist(&WorklistQuery::default()).await.unwrap();
    let order: Vec<Uuid> = all.iter().map(|a| a.id).collect();
    assert_eq!(order, [early.id, mine.id, late.id]);

    let only_mine = WorklistQuery {
        assignee: Some(me),
        ..Default::default()
    };
    let ids: Vec<Uuid> = store
        .worklist(&only_mine)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids, [mine.id]);
    let with_pool = WorklistQuery {
        assignee: Some(me),
        include_unassigned: true,
        ..Default::default()
    };
    assert_eq!(store.worklist(&with_pool).await.unwrap().len(), 3);
}

async fn accepted_counts_are_half_open(store: &dyn Store) {
    create(store, "2026-03-31T23:50").await;
    create(store, "2026-04-01T00:00").await;
    let count = store
        .count_accepted(bj("2026-03-01T00:00"), bj("2026-04-01T00:00"))
        .await
        .unwrap();
    assert_eq!(count, 1);
    let april = store
        .count_accepted(bj("2026-04-01T00:00"), bj("2026-05-01T00:00"))
        .await
        .unwrap();
    assert_eq!(april, 1);
}

async fn users_and_sessions(store: &dyn Store) {
    let now = bj("2026-03-03T09:00");
    let user = User {
        id: Uuid::now_v7(),
        username: "cm".into(),
        display_name: "李经理".into(),
        role: Role::CustomerManager,
        password_hash: "h1".into(),
        password_expired: true,
        active: true,
        created_at: now,
    };
    store.create_user(&user).await.unwrap();
    let twin = User {
        id: Uuid::now_v7(),
        ..user.clone()
    };
    assert!(matches!(
        store.create_user(&twin).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(store.user_by_username("cm").await.unwrap().unwrap(), user);

    store
        .create_session("t1", user.id, now, now + Duration::hours(12))
        .await
        .unwrap();
    let seen = store
        .session_user("t1", now + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(seen.map(|u| u.id), Some(user.id));
    assert!(
        store
            .session_user("t1", now + Duration::hours(12))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.session_user("t2", now).await.unwrap().is_none());

    store.set_password(user.id, "h2", false).await.unwrap();
    assert!(
        store.session_user("t1", now).await.unwrap().is_none(),
        "sessions end"
    );
    let changed = store.user(user.id).await.unwrap().unwrap();
    assert_eq!(changed.password_hash, "h2");
    assert!(!changed.password_expired);
    store
        .create_session("t3", user.id, now, now + Duration::hours(1))
        .await
        .unwrap();
    store.delete_session("t3").await.unwrap();
    assert!(store.session_user("t3", now).await.unwrap().is_none());
}

async fn licences_are_upserted(store: &dyn Store) {
    let csv = "uscc,name,legal_representative,address,registered_on,status\n\
        91411224MA0001AA5Y,卢氏县甲公司,张三,城关镇1号,2020-05-01,active\n";
    let licences: Vec<BusinessLicence> =
        gasdesk_domain::registry::read_csv(csv.as_bytes()).unwrap();
    let now = bj("2026-03-03T09:00");
    assert_eq!(store.import_licences(&licences, now).await.unwrap(), 1);
    let mut renamed = licences.clone();
    renamed[0].name = "卢氏县甲公司（更名）".into();
    store.import_licences(&renamed, now).await.unwrap();
    let found = store.licence("91411224MA0001AA5Y").await.unwrap().unwrap();
    assert_eq!(found, renamed[0]);
    assert!(store.licence("91411224MA0002BB2K").await.unwrap().is_none());
}

async fn calendar_years_are_kept(store: &dyn Store) {
    let now = bj("2026-12-03T09:00");
    store
        .save_calendar_year(2028, "{\"year\":2028}", now)
        .await
        .unwrap();
    store
        .save_calendar_year(2027, "{\"year\":2027}", now)
        .await
        .unwrap();
    store
        .save_calendar_year(2027, "{\"year\":2027,\"v\":2}", now)
        .await
        .unwrap();
    let years = store.calendar_years().await.unwrap();
    assert_eq!(years, ["{\"year\":2027,\"v\":2}", "{\"year\":2028}"]);
}

fn catalogue(prices: &[(&str, i64)]) -> PriceCatalogue {
    PriceCatalogue {
        version: 0,
        items: prices
            .iter()
            .map(|(code, fen)| PriceItem {
                code: code.to_string(),
                name: format!("项目{code}"),
                unit: "米".into(),
                unit_price_fen: *fen,
            })
            .collect(),
        published_at: bj("2026-03-02T09:00"),
        published_by: "经营计划部".into(),
        note: Some("2026 年价格".into()),
    }
}

async fn catalogues_are_published_as_new_versions_and_never_change(store: &dyn Store) {
    assert!(store.catalogue(None).await.unwrap().is_none());
    let first = store
        .publish_catalogue(&catalogue(&[("GD-DN25", 8_650), ("BJ-01", 48_000)]))
        .await
        .unwrap();
    assert_eq!(first.version, 1);
    let mut second = catalogue(&[("GD-DN25", 9_100)]);
    second.version = 77; // ignored: the store numbers versions
    let second = store.publish_catalogue(&second).await.unwrap();
    assert_eq!(second.version, 2);

    let latest = store.catalogue(None).await.unwrap().unwrap();
    assert_eq!(latest, second);
    let old = store.catalogue(Some(1)).await.unwrap().unwrap();
    assert_eq!(old, first);
    assert_eq!(old.items[0].unit_price_fen, 8_650);
    assert_eq!(old.items.len(), 2);
    assert!(store.catalogue(Some(3)).await.unwrap().is_none());

    let page = store.export(Table::Catalogues, None, 10).await.unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(store.import(&page).await.unwrap(), 0);
}

/// (kind, key, run_at) of every job of one application.
async fn jobs_of(store: &dyn Store, app: &Application) -> Vec<(String, String, DateTime<Utc>)> {
    let mut jobs: Vec<_> = store
        .jobs()
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.application_id == app.id)
        .map(|j| (j.kind, j.key, j.run_at))
        .collect();
    jobs.sort();
    jobs
}

async fn jobs_follow_open_deadlines(store: &dyn Store) {
    let app = create(store, "2026-03-03T10:00").await;
    assert!(!app.deadlines.is_empty());
    let mut expected: Vec<_> = app
        .deadlines
        .iter()
        .map(|d| ("deadline_check".to_string(), d.key.clone(), d.due_at))
        .collect();
    expected.sort();
    assert_eq!(jobs_of(store, &app).await, expected);

    // Meeting the first deadline ends its check in the same write.
    let (mut v2, e) = change(&app, "first_call_recorded", "2026-03-03T10:20");
    let met = v2.deadlines[0].key.clone();
    v2.deadlines[0].met_at = Some(bj("2026-03-03T10:20"));
    store.save_change(&v2, &[e]).await.unwrap();
    expected.retain(|(_, key, _)| *key != met);
    assert_eq!(jobs_of(store, &v2).await, expected);

    // A closed application has nothing left to check.
    let (mut v3, e) = change(&v2, "cancelled", "2026-03-03T10:30");
    v3.status = gasdesk_domain::application::Status::Cancelled;
    store.save_change(&v3, &[e]).await.unwrap();
    assert_eq!(jobs_of(store, &v3).await, []);
}

async fn a_job_is_held_by_one_claimer_until_its_lease_runs_out(store: &dyn Store) {
    let app = create(store, "2026-03-03T10:00").await;
    let due = app.deadlines.iter().map(|d| d.due_at).min().unwrap();
    let due_count = app.deadlines.iter().filter(|d| d.due_at == due).count();
    let lease = Duration::seconds(60);

    let early = store
        .claim_jobs("a", due - Duration::seconds(1), lease, 10)
        .await
        .unwrap();
    assert!(early.is_empty(), "{early:?}");

    // Two servers claim at once: each due job goes to exactly one of them.
    let (a, b) = futures_util::join!(
        store.claim_jobs("a", due, lease, 10),
        store.claim_jobs("b", due, lease, 10)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), due_count, "{a:?} {b:?}");
    let (holder, held) = if a.is_empty() { ("b", b) } else { ("a", a) };
    let job = held[0].clone();
    assert_eq!(job.lease_owner.as_deref(), Some(holder));
    assert_eq!(job.attempts, 1);

    // While the lease runs nobody else gets it, nor can finish it.
    let during = store
        .claim_jobs("c", due + Duration::seconds(59), lease, 10)
        .await
        .unwrap();
    assert!(during.iter().all(|j| j.id != job.id));
    assert!(!store.finish_job(&job, "c").await.unwrap());

    // The holder went quiet: once the lease ran out, another takes over,
    // and the first can no longer finish it.
    let taken = store
        .claim_jobs("c", due + Duration::seconds(61), lease, 10)
        .await
        .unwrap();
    let again = taken.iter().find(|j| j.id == job.id).expect("taken over");
    assert_eq!(again.lease_owner.as_deref(), Some("c"));
    assert_eq!(again.attempts, 2);
    assert!(!store.finish_job(&job, holder).await.unwrap());

    // Given back, it waits for its new time; finished, it is gone.
    let later = due + Duration::hours(2);
    assert!(store.release_job(again, "c", later).await.unwrap());
    let before = store
        .claim_jobs("d", later - Duration::seconds(1), lease, 10)
        .await
        .unwrap();
    assert!(before.iter().all(|j| j.id != job.id));
    let at = store.claim_jobs("d", later, lease, 10).await.unwrap();
    let last = at.iter().find(|j| j.id == job.id).expect("due again");
    assert!(store.finish_job(last, "d").await.unwrap());
    assert!(store.jobs().await.unwrap().iter().all(|j| j.id != job.id));
}

async fn one_idempotency_key_under_concurrency_creates_one(store: &dyn Store) {
    let tries = (0..10).map(|_| async {
        let (app, event) = application("2026-05-06T09:00");
        store
            .create_application(&app, &event, Some("same-key"))
            .await
            .unwrap()
    });
    let results = futures_util::future::join_all(tries).await;
    let new = results
        .iter()
        .filter(|r| matches!(r, Created::New(_)))
        .count();
    assert_eq!(new, 1);
    let id = results[0].application().id;
    assert!(results.iter().all(|r| r.application().id == id));
    let all = store.worklist(&WorklistQuery::default()).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(store.events(id).await.unwrap().len(), 1);
}

async fn export_pages_through_everything_and_import_keeps_what_is_there(store: &dyn Store) {
    let mut apps = Vec::new();
    for at in ["2026-03-03T10:00", "2026-03-03T11:00", "2026-03-04T09:00"] {
        let app = create(store, at).await;
        let (v2, e) = change(&app, "note_added", at);
        store.save_change(&v2, &[e]).await.unwrap();
        apps.push(app);
    }
    // Pages of two, following each page's last key.
    let mut events = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .export(Table::Events, after.as_deref(), 2)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        after = Some(page.last().unwrap().key());
        events.extend(page);
    }
    assert_eq!(events.len(), 6);
    let keys: Vec<String> = events.iter().map(|r| r.key()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(keys, sorted, "in key order, each once");

    let applications = store.export(Table::Applications, None, 100).await.unwrap();
    assert_eq!(applications.len(), 3);
    let counters = store.export(Table::Counters, None, 100).await.unwrap();
    assert_eq!(
        counters.iter().map(|r| r.key()).collect::<Vec<_>>(),
        ["2026-03-03", "2026-03-04"]
    );
    // Importing what is already there writes nothing and changes nothing.
    assert_eq!(store.import(&applications).await.unwrap(), 0);
    assert_eq!(store.import(&events).await.unwrap(), 0);
    assert_eq!(store.import(&counters).await.unwrap(), 0);
    assert_eq!(
        store.export(Table::Events, None, 100).await.unwrap(),
        events
    );
}
