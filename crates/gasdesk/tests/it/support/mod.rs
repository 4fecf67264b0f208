//! A real gasdesk server on a free port, with a fresh database and a clock
//! the test sets, so that deadlines can be checked on exact calendar dates.

#![allow(dead_code)]

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};
use gasdesk_domain::Role;
use gasdesk_domain::rulebook::Rulebook;
use gasdesk_store::scratch::ScratchDb;
use gasdesk_web::AppState;
use gasdesk_web::clock::ManualClock;
use serde_json::{Value, json};

pub struct TestServer {
    pub base: String,
    /// The database the server runs on.
    pub url: String,
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
    /// Last, so that the database goes after the server's connections.
    _db: Option<ScratchDb>,
}

/// Runs each named story, an `async fn(TestServer)`, once on SQLite and
/// once on a fresh PostgreSQL database (skipped when PostgreSQL is
/// unreachable and not required; see `gasdesk_store::scratch`).
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::support::TestServer::start().await).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(server) = $crate::support::TestServer::start_postgres().await
                    else {
                        return;
                    };
                    super::$name(server).await;
                }
            )*
        }
    };
}
pub(crate) use on_both_backends;

/// Valid unified social credit codes (check characters computed by hand
/// from GB 32100-2015) of fictional companies.
pub const USCC: [&str; 8] = [
    "91411224MA0001AA5Y",
    "91411224MA0002BB2K",
    "91411224MA0003CCX5",
    "91411224MA0004DD7Y",
    "91411224MA0005EE4K",
    "91411224MA0006FF18",
    "91411224MA0007GG9Y",
    "91411224MA0008HH6K",
];

/// A valid code of a public institution (registration authority 1, the
/// establishment office; category 2, 事业单位), check characters computed
/// by hand from GB 32100-2015 and GB 11714: such a unit holds no business
/// licence.
pub const INSTITUTION_USCC: &str = "124112244567890119";

/// Reads a Beijing-time instant such as `2026-03-03T10:00`.
pub fn bj(local: &str) -> DateTime<Utc> {
    let with_offset = format!("{local}:00+08:00");
    DateTime::<FixedOffset>::parse_from_rfc3339(&with_offset)
        .unwrap_or_else(|e| panic!("bad test time {local}: {e}"))
        .with_timezone(&Utc)
}

/// The same instant as the API prints it (UTC, RFC 3339).
pub fn bj_json(local: &str) -> Value {
    serde_json::to_value(bj(local)).unwrap()
}

#[derive(Clone)]
pub struct Session {
    pub token: String,
    pub user_id: String,
    pub name: String,
}

impl TestServer {
    /// A server on a fresh SQLite file.
    pub async fn start() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/gasdesk.db", dir.path().display());
        Self::start_on(&url, dir, None).await
    }

    /// A server on a fresh PostgreSQL database, when one can be had.
    pub async fn start_postgres() -> Option<TestServer> {
        let db = ScratchDb::create("it").await?;
        let url = db.url.clone();
        Some(Self::start_on(&url, tempfile::tempdir().unwrap(), Some(db)).await)
    }

    /// A server on a database another test set up (and will drop).
    pub async fn start_on_url(url: &str) -> TestServer {
        Self::start_on(url, tempfile::tempdir().unwrap(), None).await
    }

    async fn start_on(url: &str, dir: tempfile::TempDir, db: Option<ScratchDb>) -> TestServer {
        let store = gasdesk_store::connect(url).await.unwrap();
        let calendars =
            gasdesk_web::calendars::build(&[], gasdesk_web::calendars::DEFAULT_HOURS).unwrap();
        let clock = Arc::new(ManualClock::new(bj("2026-01-05T09:00")));
        // The test clock jumps across months; sessions must outlive the jumps.
        let state = AppState::new(store, Rulebook::county_default(), calendars, clock.clone())
            .with_session_ttl(chrono::Duration::days(3650));
        let app = gasdesk_web::router(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TestServer {
            base: format!("http://{addr}"),
            url: url.to_string(),
            clock,
            state,
            http: reqwest::Client::new(),
            _dir: dir,
            _db: db,
        }
    }

    pub fn at(&self, local: &str) {
        self.clock.set(bj(local));
    }

    /// Creates an account and signs it in through the API.
    pub async fn staff(&self, username: &str, name: &str, role: Role) -> Session {
        self.staff_with_password(username, name, role, "a long test password")
            .await
    }

    /// Creates an account with a password the test chooses, for a test
    /// that also signs in through the pages, and signs it in through the API.
    pub async fn staff_with_password(
        &self,
        username: &str,
        name: &str,
        role: Role,
        password: &str,
    ) -> Session {
        gasdesk_web::service::create_user(&self.state, username, name, role, password)
            .await
            .unwrap();
        self.sign_in(username, password).await
    }

    /// Signs an existing account in through the API.
    pub async fn sign_in(&self, username: &str, password: &str) -> Session {
        let (status, body) = self
            .send(
                "POST",
                "/api/v1/session",
                None,
                Some(json!({"username": username, "password": password})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        Session {
            token: body["token"].as_str().unwrap().to_string(),
            user_id: body["user"]["id"].as_str().unwrap().to_string(),
            name: body["user"]["display_name"].as_str().unwrap().to_string(),
        }
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        session: Option<&Session>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(s) = session {
            request = request.bearer_auth(&s.token);
        }
        if let Some(b) = body {
            request = request.json(&b);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    pub async fn apply(&self, session: Option<&Session>, body: Value) -> (u16, Value) {
        self.send("POST", "/api/v1/applications", session, Some(body))
            .await
    }

    pub async fn act(
        &self,
        session: &Session,
        number: &str,
        version: i64,
        action: Value,
    ) -> (u16, Value) {
        let path = format!("/api/v1/applications/{number}/actions");
        let body = json!({"version": version, "action": action});
        self.send("POST", &path, Some(session), Some(body)).await
    }

    pub async fn detail(&self, session: &Session, number: &str) -> Value {
        let (status, body) = self
            .send(
                "GET",
                &format!("/api/v1/applications/{number}"),
                Some(session),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

/// An intake body for a qualifying applicant on `channel`.
pub fn intake(channel: &str, uscc: &str) -> Value {
    json!({
        "channel": channel,
        "organisation": "卢氏县测试餐饮有限公司",
        "contact_name": "张三",
        "phone": "13800138000",
        "uscc": uscc,
        "site_address": "卢氏县城关镇建设路1号",
        "readiness": {
            "source_pipeline_ready": true,
            "facilities_ready": true,
            "built_by": "self_built"
        }
    })
}

/// The deadline with `key` in an application detail.
pub fn deadline<'a>(detail: &'a Value, key: &str) -> &'a Value {
    detail["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == key)
        .unwrap_or_else(|| panic!("no deadline {key} in {detail}"))
}

/// Takes an action at a Beijing time and expects it to succeed; returns the
/// application and moves `version` on.
pub async fn ok(
    server: &TestServer,
    who: &Session,
    number: &str,
    version: &mut i64,
    at: &str,
    action: Value,
) -> Value {
    server.at(at);
    let (status, body) = server.act(who, number, *version, action).await;
    assert_eq!(status, 200, "{body}");
    *version = body["version"].as_i64().unwrap();
    body
}

/// Takes an action and expects it refused with `code`, changing nothing.
pub async fn refused(
    server: &TestServer,
    who: &Session,
    number: &str,
    version: i64,
    action: Value,
    code: &str,
) {
    let (status, body) = server.act(who, number, version, action).await;
    assert!(
        status == 409 || status == 422 || status == 403,
        "{status} {body}"
    );
    assert_eq!(body["code"], code, "{body}");
    let (_, after) = server
        .send(
            "GET",
            &format!("/api/v1/applications/{number}"),
            Some(who),
            None,
        )
        .await;
    assert_eq!(
        after["application"]["version"], version,
        "a refusal changed it"
    );
}

pub fn due(app: &Value, key: &str) -> Value {
    deadline(app, key)["due_at"].clone()
}
