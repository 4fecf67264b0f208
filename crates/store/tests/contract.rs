//! The storage contract: what every backend must do the same way. Each
//! check takes a fresh store; `backends()` names the stores to run against.

use std::sync::Arc;

use chrono::{DateTime, Duration, FixedOffset, Utc};
use gasdesk_calendar::{CalendarConfig, CalendarKind, OfficialCalendar, WorkCalendar};
use gasdesk_domain::application::{Actor, Application, BuiltBy, Readiness, StaffRef};
use gasdesk_domain::connection::{self, Context, Intake};
use gasdesk_domain::deadline::Calendars;
use gasdesk_domain::event::NewEvent;
use gasdesk_domain::registry::BusinessLicence;
use gasdesk_domain::rulebook::Rulebook;
use gasdesk_domain::{Channel, Role};
use gasdesk_store::{Created, Store, StoreError, User, WorklistQuery};
use uuid::Uuid;

struct Backend {
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

async fn sqlite() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/contract.db", dir.path().display());
    Backend {
        store: gasdesk_store::connect(&url).await.unwrap(),
        _dir: dir,
    }
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
    };
    let rulebook = Rulebook::county_default();
    let calendars = calendars();
    let ctx = Context {
        rulebook: &rulebook,
        calendars: &calendars,
        now: bj(at),
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
        mod sqlite_backend {
            $(
                #[tokio::test]
                async fn $name() {
                    let backend = super::sqlite().await;
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
