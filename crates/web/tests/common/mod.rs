//! The whole router in-process over a fresh SQLite file, a clock the test
//! sets, and small helpers to drive it as a browser would.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::{DateTime, FixedOffset, Utc};
use gasdesk_domain::Role;
use gasdesk_domain::rulebook::Rulebook;
use gasdesk_store::SqliteStore;
use gasdesk_web::AppState;
use gasdesk_web::clock::ManualClock;
use tower::ServiceExt;

/// Valid unified social credit codes of fictional companies.
pub const USCC: [&str; 3] = [
    "91411224MA0001AA5Y",
    "91411224MA0002BB2K",
    "91411224MA0003CCX5",
];

/// A valid code of a public institution (registration authority 1,
/// category 2), check characters computed by hand from GB 32100-2015 and
/// GB 11714: such a unit holds no business licence.
pub const INSTITUTION_USCC: &str = "124112244567890119";

pub const PASSWORD: &str = "correct-horse-battery";

/// Reads a Beijing-time instant such as `2026-03-03T10:00`.
pub fn bj(local: &str) -> DateTime<Utc> {
    DateTime::<FixedOffset>::parse_from_rfc3339(&format!("{local}:00+08:00"))
        .unwrap_or_else(|e| panic!("bad test time {local}: {e}"))
        .with_timezone(&Utc)
}

pub struct App {
    pub router: Router,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    dir: PathBuf,
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A response as a test reads it.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the first input with this name.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let at = self.body.find(&format!("name=\"{name}\""))?;
        let rest = &self.body[at..];
        let start = rest.find("value=\"")? + "value=\"".len();
        let end = rest[start..].find('"')?;
        Some(rest[start..start + end].to_string())
    }
}

impl App {
    /// Opens on Tuesday 3 March 2026, 10:00 Beijing time: a working day.
    pub async fn start() -> App {
        let dir = std::env::temp_dir().join(format!("gasdesk-pages-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}/t.db", dir.display());
        let store = SqliteStore::open(&url).await.unwrap();
        let calendars =
            gasdesk_web::calendars::build(&[], gasdesk_web::calendars::DEFAULT_HOURS).unwrap();
        let clock = Arc::new(ManualClock::new(bj("2026-03-03T10:00")));
        let state = AppState::new(
            Arc::new(store),
            Rulebook::county_default(),
            calendars,
            clock.clone(),
        );
        App {
            router: gasdesk_web::router(state.clone()),
            state,
            clock,
            dir,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Page {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 4 << 20)
            .await
            .unwrap();
        Page {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    pub async fn get(&self, uri: &str, cookie: Option<&str>) -> Page {
        let mut request = Request::get(uri);
        if let Some(c) = cookie {
            request = request.header(header::COOKIE, c);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    pub async fn post(&self, uri: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Page {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut request =
            Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            request = request.header(header::COOKIE, c);
        }
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    /// Creates an account and signs it in through the login page; returns
    /// the cookie to send.
    pub async fn sign_in(&self, username: &str, name: &str, role: Role) -> String {
        gasdesk_web::service::create_user(&self.state, username, name, role, PASSWORD)
            .await
            .unwrap();
        let page = self
            .post(
                "/login",
                &[("username", username), ("password", PASSWORD), ("next", "")],
                None,
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let set_cookie = page
            .headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .expect("a session cookie");
        set_cookie.split(';').next().unwrap().to_string()
    }
}

/// Percent-encodes a form value.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An online application's form, ready for the 102 line.
pub fn application_form<'a>(uscc: &'a str, key: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("organisation", "卢氏县示例餐饮有限公司"),
        ("contact_name", "李女士"),
        ("phone", "13800000001"),
        ("uscc", uscc),
        ("site_address", "卢氏县城关镇示例路1号"),
        ("source_pipeline_ready", "yes"),
        ("facilities_ready", "yes"),
        ("built_by", "self_built"),
        ("idempotency_key", key),
    ]
}
