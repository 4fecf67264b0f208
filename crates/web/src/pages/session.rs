//! Signing staff in and out of the pages.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;

use super::fields::{Fields, safe_next};
use super::{Layout, Visitor, render};
use crate::auth::{self, SESSION_COOKIE};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    username: String,
    /// Where to go once signed in.
    next: String,
    /// Someone is signed in already on this browser.
    signed_in_as: String,
    error: String,
}

pub async fn login_form(
    Visitor(staff): Visitor,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let fields = Fields::from_query(query);
    let page = LoginPage {
        layout: Layout::new("工作人员登录", staff.as_ref()),
        username: String::new(),
        next: safe_next(fields.text("next")).to_string(),
        signed_in_as: staff
            .as_ref()
            .map(|s| s.0.display_name.clone())
            .unwrap_or_default(),
        error: String::new(),
    };
    render(StatusCode::OK, &page)
}

pub async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    body: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let fields = match Fields::from_form(body) {
        Ok(f) => f,
        Err(fault) => return fault.into_response(),
    };
    let username = fields.text("username").trim().to_string();
    let next = safe_next(fields.text("next")).to_string();

    match auth::login(&state, &username, fields.text("password")).await {
        Ok((_, token)) => {
            let jar = jar.add(auth::session_cookie(token, &state));
            (jar, Redirect::to(&next)).into_response()
        }
        Err(e) => {
            let page = LoginPage {
                layout: Layout::new("工作人员登录", None),
                username,
                next,
                signed_in_as: String::new(),
                error: e.message(),
            };
            render(e.status(), &page)
        }
    }
}

/// Ends the session on the server and clears the cookie.
pub async fn logout(State(state): State<AppState>, jar: CookieJar) -> Response {
    if let Some(cookie) = jar.get(SESSION_COOKIE)
        && let Err(e) = state
            .store
            .delete_session(&auth::token_hash(cookie.value()))
            .await
    {
        // The cookie is cleared all the same; the session expires on its own.
        tracing::error!(error = %e, "session could not be deleted on logout");
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    (jar, Redirect::to("/")).into_response()
}

#[derive(Template)]
#[template(path = "account_password.html")]
struct PasswordPage {
    layout: Layout,
    name: String,
    must_change: bool,
    error: String,
}

fn password_page(user: &gasdesk_store::User, error: String) -> PasswordPage {
    PasswordPage {
        layout: Layout::new("修改密码", None),
        name: user.display_name.clone(),
        must_change: user.password_expired,
        error,
    }
}

/// The form to change one's own password; the only page open to someone
/// whose password must be changed.
pub async fn password_form(
    user: Result<auth::StaffWithExpiredPassword, crate::error::AppError>,
) -> Response {
    match user {
        Ok(auth::StaffWithExpiredPassword(user)) => {
            render(StatusCode::OK, &password_page(&user, String::new()))
        }
        Err(e) => super::Fault::from(e).into_response(),
    }
}

pub async fn change_password(
    State(state): State<AppState>,
    jar: CookieJar,
    user: Result<auth::StaffWithExpiredPassword, crate::error::AppError>,
    body: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let user = match user {
        Ok(auth::StaffWithExpiredPassword(user)) => user,
        Err(e) => return super::Fault::from(e).into_response(),
    };
    let fields = match Fields::from_form(body) {
        Ok(f) => f,
        Err(fault) => return fault.into_response(),
    };
    let new = fields.text("new_password");
    if new != fields.text("confirm_password") {
        let page = password_page(&user, "两次输入的新密码不一致。".to_string());
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let changed =
        crate::service::change_password(&state, &user, fields.text("current_password"), new);
    match changed.await {
        Ok(token) => {
            let jar = jar.add(auth::session_cookie(token, &state));
            (jar, Redirect::to("/worklist")).into_response()
        }
        Err(e) => {
            let status = match e.status() {
                StatusCode::BAD_REQUEST => StatusCode::UNPROCESSABLE_ENTITY,
                s => s,
            };
            render(status, &password_page(&user, e.message()))
        }
    }
}
