//! The Chinese pages for applicants and staff, rendered on the server.
//!
//! Every page goes through the same use cases as the JSON API
//! (`crate::service`), so a page and an API call behave the same. A failure
//! becomes a Chinese page, or the same form again with the message at the
//! top and the field at fault marked; never JSON and never a bare rejection.
//! A staff page without a session sends the browser to the login page.
//! Every page works without JavaScript.

mod admin;
mod applicant;
mod application;
mod catalogue;
mod community_forms;
mod community_intake;
mod community_view;
mod fields;
pub mod parse;
mod plots;
mod public;
mod record;
mod session;
mod staff;
mod view;

use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use gasdesk_domain::{DomainError, Role};

use crate::auth::{MaybeStaff, Staff};
use crate::error::AppError;
use crate::state::AppState;
use crate::text;

/// The roles that take applications at a counter or on the hotline.
const INTAKE_ROLES: [Role; 4] = [
    Role::ServiceStaff,
    Role::CustomerManager,
    Role::Supervisor,
    Role::Admin,
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(public::home))
        .route("/static/app.css", get(stylesheet))
        .route("/apply", get(public::apply_form).post(public::apply))
        .route("/apply/done/{number}", get(public::apply_done))
        .route("/track", get(public::track))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/worklist", get(staff::worklist))
        .route("/intake", get(staff::intake_form).post(staff::intake))
        .route("/applications/{number}", get(application::show))
        .route(
            "/applications/{number}/actions/{kind}",
            post(application::take_action),
        )
        .route("/plots", get(plots::list).post(plots::add))
        .route("/plots/{id}/layout", post(plots::layout))
        .route("/catalogue", get(catalogue::show).post(catalogue::publish))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route(
            "/account/password",
            get(session::password_form).post(session::change_password),
        )
        .fallback(not_found)
}

const STYLESHEET: &str = include_str!("../static/app.css");

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// Unknown addresses: a Chinese page, except under the API, whose clients
/// expect its JSON error body.
async fn not_found(uri: Uri, visitor: Visitor) -> Response {
    if uri.path().starts_with("/api/") {
        return AppError::NotFound.into_response();
    }
    let fault = Fault::new(
        StatusCode::NOT_FOUND,
        "您要打开的页面不存在，请从首页重新进入。",
    );
    fault.seen_by(visitor.0.as_ref()).into_response()
}

/// The roles that publish the price catalogue.
const CATALOGUE_ROLES: [Role; 2] = [Role::BusinessPlanning, Role::Admin];

/// The signed-in person as the page header shows them, and which sections
/// of the navigation they may use.
#[derive(Debug)]
pub struct Badge {
    pub name: String,
    pub role: &'static str,
    pub can_intake: bool,
    /// Keeps the early-involvement ledger of plots.
    pub can_ledger: bool,
    pub keeps_catalogue: bool,
    pub is_admin: bool,
}

impl Badge {
    fn of(staff: &Staff) -> Badge {
        Badge {
            name: staff.0.display_name.clone(),
            role: text::role(staff.0.role),
            can_intake: staff.is(&INTAKE_ROLES),
            can_ledger: staff.is(&crate::service::LEDGER_ROLES),
            keeps_catalogue: staff.is(&CATALOGUE_ROLES),
            is_admin: staff.is(&[Role::Admin]),
        }
    }
}

/// What the shared base layout needs from every page.
pub struct Layout {
    pub title: String,
    pub badge: Option<Badge>,
}

impl Layout {
    pub fn new(title: &str, staff: Option<&Staff>) -> Layout {
        Layout {
            title: title.to_string(),
            badge: staff.map(Badge::of),
        }
    }
}

/// Why a page could not do what was asked, in Chinese, with the field at
/// fault when there is one.
#[derive(Debug)]
pub struct Fault {
    pub status: StatusCode,
    pub message: String,
    pub field: Option<&'static str>,
    /// Not signed in: go to the login page, then back to this address.
    login: Option<String>,
    /// Signed in with a password to change: go and change it first.
    change_password: bool,
    badge: Option<Badge>,
}

impl Fault {
    pub fn new(status: StatusCode, message: &str) -> Fault {
        Fault {
            status,
            message: message.to_string(),
            field: None,
            login: None,
            change_password: false,
            badge: None,
        }
    }

    /// A field the form left empty or filled wrongly.
    pub fn invalid(field: &'static str, message: &str) -> Fault {
        Fault {
            field: Some(field),
            ..Fault::new(StatusCode::UNPROCESSABLE_ENTITY, message)
        }
    }

    /// A date and time that could not be read.
    pub fn bad_time(field: &'static str) -> Fault {
        Fault {
            field: Some(field),
            ..Fault::from(AppError::BadRequest("bad_time"))
        }
    }

    /// A form body that could not be read at all.
    pub fn bad_form() -> Fault {
        Fault::from(AppError::BadRequest("bad_form"))
    }

    pub fn forbidden() -> Fault {
        Fault::from(AppError::Domain(DomainError::Forbidden))
    }

    /// The status a form shown again answers with: input the rules refused
    /// is 422, whether the domain or the page found it.
    pub fn form_status(&self) -> StatusCode {
        if self.status == StatusCode::BAD_REQUEST {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            self.status
        }
    }

    pub fn is_login(&self) -> bool {
        self.login.is_some()
    }

    /// Shows the signed-in person in the header of the error page.
    pub fn seen_by(mut self, staff: Option<&Staff>) -> Fault {
        self.badge = staff.map(Badge::of);
        self
    }

    fn login(next: Option<String>) -> Fault {
        Fault {
            login: Some(next.unwrap_or_default()),
            ..Fault::from(AppError::Unauthorized)
        }
    }
}

impl From<AppError> for Fault {
    fn from(e: AppError) -> Fault {
        if let AppError::Internal(detail) = &e {
            tracing::error!(error = %detail, "page request failed");
        }
        let login = matches!(e, AppError::Unauthorized).then(String::new);
        Fault {
            status: e.status(),
            message: e.message(),
            field: e.field(),
            login,
            change_password: matches!(e, AppError::PasswordChangeRequired),
            badge: None,
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: &'static str,
    message: String,
}

impl IntoResponse for Fault {
    fn into_response(self) -> Response {
        if let Some(next) = self.login {
            return Redirect::to(&login_address(&next)).into_response();
        }
        if self.change_password {
            return Redirect::to("/account/password").into_response();
        }
        let heading = match self.status {
            StatusCode::NOT_FOUND => "未找到",
            StatusCode::FORBIDDEN => "无权进行此操作",
            StatusCode::CONFLICT => "操作未完成",
            s if s.is_server_error() => "系统暂时无法处理",
            _ => "无法完成",
        };
        let page = ErrorPage {
            layout: Layout {
                title: heading.to_string(),
                badge: self.badge,
            },
            heading,
            message: self.message,
        };
        render(self.status, &page)
    }
}

/// `/login`, with the address to come back to when there is one.
fn login_address(next: &str) -> String {
    if next.is_empty() || next == "/worklist" {
        return "/login".to_string();
    }
    format!("/login?next={}", fields::url_encode(next))
}

/// Renders a page with its status. Pages carry personal data: no cache
/// keeps them, and no other site may frame them.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    let html = match page.render() {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(error = %e, "page template failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, Html(RENDER_FAILED)).into_response();
        }
    };
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'none'; object-src 'none'; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

const RENDER_FAILED: &str = "<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\">\
<title>系统暂时无法处理</title><p>系统暂时无法显示此页面，请稍后再试；已保存的内容不受影响。</p>\
<p><a href=\"/\">返回首页</a></p></html>";

/// After a form that changed something: the browser loads the result
/// with GET, so reloading it never submits again.
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A signed-in staff member, for staff pages. Without a session the page
/// answers with a redirect to the login page.
pub struct SignedIn(pub Staff);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Fault;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Fault> {
        match MaybeStaff::from_request_parts(parts, state).await? {
            MaybeStaff(Some(staff)) => Ok(SignedIn(staff)),
            MaybeStaff(None) => {
                // After signing in, come back to the page asked for; a form
                // that was posted is not posted again, so go to its page.
                let next = (parts.method == Method::GET)
                    .then(|| parts.uri.path_and_query().map(|p| p.to_string()))
                    .flatten();
                Err(Fault::login(next))
            }
        }
    }
}

/// Whoever opens a public page: a staff member sees their name in the
/// header, an applicant sees the public navigation. A session that cannot
/// be read only costs the name in the header, never the public page.
pub struct Visitor(pub Option<Staff>);

impl FromRequestParts<AppState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match MaybeStaff::from_request_parts(parts, state).await {
            Ok(MaybeStaff(staff)) => Ok(Visitor(staff)),
            Err(e) => {
                tracing::warn!(error = %e, "session could not be read on a public page");
                Ok(Visitor(None))
            }
        }
    }
}
