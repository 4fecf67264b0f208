//! The price catalogue quotes are priced from: every version as published,
//! and, for the Business Planning Dept, the form that publishes the next.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::fields::Fields;
use super::parse;
use super::record::CatalogueView;
use super::{CATALOGUE_ROLES, Fault, Layout, SignedIn, render, see_other};
use crate::auth::Staff;
use crate::error::AppError;
use crate::service;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CataloguePage {
    layout: Layout,
    notice: String,
    error: String,
    /// The version shown, or none before the first is published.
    shown: Option<CatalogueView>,
    /// The version in force.
    latest: i64,
    /// Every published version, newest first, for the links.
    versions: Vec<VersionLink>,
    can_publish: bool,
    items: String,
    note: String,
    error_field: String,
}

struct VersionLink {
    version: i64,
    shown: bool,
}

impl CataloguePage {
    fn bad(&self, name: &str) -> bool {
        self.error_field == name
    }
}

/// What the publishing form held, to show it again unchanged.
struct Entry {
    items: String,
    note: String,
}

/// `/catalogue`: the version in force, or `?version=N`.
pub async fn show(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let fields = Fields::from_query(query);
    let version = match fields.optional("version") {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(v) if v > 0 => Some(v),
            _ => return not_found(&staff),
        },
    };
    let notice = match fields.text("done") {
        "published" => version
            .map(|v| format!("已发布第{v}版价格清单，新报价按此版本计价。"))
            .unwrap_or_default(),
        _ => String::new(),
    };
    page(&state, &staff, version, notice, None, None).await
}

/// Publishes the next version from the textarea, one item a line.
pub async fn publish(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    body: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    if !staff.is(&CATALOGUE_ROLES) {
        return Fault::forbidden().seen_by(Some(&staff)).into_response();
    }
    let fields = match Fields::from_form(body) {
        Ok(f) => f,
        Err(fault) => return fault.seen_by(Some(&staff)).into_response(),
    };
    let entry = Entry {
        items: fields.text("items").to_string(),
        note: fields.text("note").to_string(),
    };
    let outcome = async {
        let items = parse::catalogue_items(&entry.items)
            .map_err(|message| Fault::invalid("items", &message))?;
        let note = fields.optional("note");
        service::publish_catalogue(&state, &staff, &items, note.as_deref())
            .await
            .map_err(|e| match e.field() {
                // Any item the rules refuse is a line of the textarea.
                Some("note") | None => Fault::from(e),
                Some(_) => Fault {
                    field: Some("items"),
                    ..Fault::from(e)
                },
            })
    };
    match outcome.await {
        Ok(published) => see_other(&format!(
            "/catalogue?version={}&done=published",
            published.version
        )),
        Err(fault) if fault.is_login() => fault.into_response(),
        Err(fault) => {
            page(
                &state,
                &staff,
                None,
                String::new(),
                Some(entry),
                Some(fault),
            )
            .await
        }
    }
}

fn not_found(staff: &Staff) -> Response {
    Fault::new(
        StatusCode::NOT_FOUND,
        "未找到该版本的价格清单，请从价格清单页面选择。",
    )
    .seen_by(Some(staff))
    .into_response()
}

async fn page(
    state: &AppState,
    staff: &Staff,
    version: Option<i64>,
    notice: String,
    entry: Option<Entry>,
    fault: Option<Fault>,
) -> Response {
    let loaded = async {
        let latest = state.store.catalogue(None).await?;
        let shown = match version {
            Some(v) if latest.as_ref().is_some_and(|l| l.version != v) => {
                state.store.catalogue(Some(v)).await?
            }
            _ => latest.clone(),
        };
        Ok::<_, AppError>((latest, shown))
    };
    let (latest, shown) = match loaded.await {
        Ok(loaded) => loaded,
        Err(e) => return Fault::from(e).seen_by(Some(staff)).into_response(),
    };
    if version.is_some() && shown.is_none() {
        return not_found(staff);
    }
    let latest_version = latest.as_ref().map(|c| c.version).unwrap_or(0);
    // The form starts from the version in force, to be edited and published.
    let entry = entry.unwrap_or_else(|| Entry {
        items: latest
            .as_ref()
            .map(|c| parse::catalogue_text(&c.items))
            .unwrap_or_default(),
        note: String::new(),
    });
    let status = fault
        .as_ref()
        .map(|f| f.form_status())
        .unwrap_or(StatusCode::OK);
    let page = CataloguePage {
        layout: Layout::new("价格清单", Some(staff)),
        notice,
        error: fault
            .as_ref()
            .map(|f| f.message.clone())
            .unwrap_or_default(),
        shown: shown.as_ref().map(CatalogueView::of),
        latest: latest_version,
        versions: (1..=latest_version)
            .rev()
            .map(|version| VersionLink {
                version,
                shown: shown.as_ref().is_some_and(|c| c.version == version),
            })
            .collect(),
        can_publish: staff.is(&CATALOGUE_ROLES),
        items: entry.items,
        note: entry.note,
        error_field: fault.and_then(|f| f.field).unwrap_or_default().to_string(),
    };
    render(status, &page)
}
