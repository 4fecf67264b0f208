//! Staff accounts, for administrators.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gasdesk_domain::Role;

use super::fields::{Fields, local};
use super::view::Opt;
use super::{Fault, Layout, SignedIn, render};
use crate::auth::{self, Staff};
use crate::service;
use crate::state::AppState;
use crate::text;

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<UserRow>,
    roles: Vec<Opt>,
    username: String,
    display_name: String,
    password: String,
    error_field: String,
    error: String,
    /// The account just created, with its first password to hand over.
    created: Option<Created>,
}

struct UserRow {
    username: String,
    display_name: String,
    role: &'static str,
    active: bool,
    created_at: String,
}

struct Created {
    username: String,
    display_name: String,
    role: &'static str,
    password: String,
}

/// What the form held, to show it again.
#[derive(Default)]
struct Entry {
    username: String,
    display_name: String,
    role: String,
    password: String,
}

pub async fn users(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    if !staff.is(&[Role::Admin]) {
        return Fault::forbidden().seen_by(Some(&staff)).into_response();
    }
    let entry = Entry {
        password: auth::generate_password(),
        ..Entry::default()
    };
    users_page(&state, &staff, entry, None, None).await
}

pub async fn create_user(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    body: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    if !staff.is(&[Role::Admin]) {
        return Fault::forbidden().seen_by(Some(&staff)).into_response();
    }
    let fields = match Fields::from_form(body) {
        Ok(f) => f,
        Err(fault) => return fault.seen_by(Some(&staff)).into_response(),
    };
    let entry = Entry {
        username: fields.text("username").trim().to_string(),
        display_name: fields.text("display_name").trim().to_string(),
        role: fields.text("role").to_string(),
        password: fields.text("password").to_string(),
    };

    let outcome = async {
        let role: Role = entry
            .role
            .parse()
            .map_err(|_| Fault::invalid("role", "请选择岗位。"))?;
        let user = service::create_user_with_initial_password(
            &state,
            &entry.username,
            &entry.display_name,
            role,
            &entry.password,
        )
        .await
        .map_err(|e| match e.code() {
            "weak_password" => Fault {
                field: Some("password"),
                ..Fault::from(e)
            },
            "username_taken" => Fault {
                field: Some("username"),
                ..Fault::from(e)
            },
            _ => match e.field() {
                Some("username") => Fault::invalid(
                    "username",
                    "用户名须为2–32个字符，只用英文字母、数字、下划线、点或连字符。",
                ),
                Some("display_name") => {
                    Fault::invalid("display_name", "请填写姓名，不超过50个字。")
                }
                _ => Fault::from(e),
            },
        })?;
        Ok::<_, Fault>(user)
    };

    match outcome.await {
        Ok(user) => {
            let created = Created {
                username: user.username,
                display_name: user.display_name,
                role: text::role(user.role),
                password: entry.password,
            };
            let fresh = Entry {
                password: auth::generate_password(),
                ..Entry::default()
            };
            users_page(&state, &staff, fresh, Some(created), None).await
        }
        Err(fault) => users_page(&state, &staff, entry, None, Some(fault)).await,
    }
}

async fn users_page(
    state: &AppState,
    staff: &Staff,
    entry: Entry,
    created: Option<Created>,
    fault: Option<Fault>,
) -> Response {
    let users = match service::users(state, staff).await {
        Ok(users) => users,
        Err(e) => return Fault::from(e).seen_by(Some(staff)).into_response(),
    };
    let status = fault
        .as_ref()
        .map(|f| f.form_status())
        .unwrap_or(StatusCode::OK);
    let page = UsersPage {
        layout: Layout::new("账号管理", Some(staff)),
        users: users
            .iter()
            .map(|u| UserRow {
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                role: text::role(u.role),
                active: u.active,
                created_at: local(u.created_at),
            })
            .collect(),
        roles: Role::ALL
            .iter()
            .map(|r| Opt::new(r.as_str(), text::role(*r), &entry.role))
            .collect(),
        username: entry.username,
        display_name: entry.display_name,
        password: entry.password,
        error_field: fault
            .as_ref()
            .and_then(|f| f.field)
            .unwrap_or_default()
            .to_string(),
        error: fault.map(|f| f.message).unwrap_or_default(),
        created,
    };
    render(status, &page)
}
