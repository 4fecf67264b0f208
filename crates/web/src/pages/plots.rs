//! The early-involvement ledger of residential plots (R-NC-0b): plots
//! learned from the planning platform before any application, their
//! source-pipeline layout designed ahead, and the application each started.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gasdesk_domain::community::NewPlot;
use uuid::Uuid;

use super::fields::{Fields, local};
use super::{Fault, INTAKE_ROLES, Layout, SignedIn, render, see_other};
use crate::auth::Staff;
use crate::error::AppError;
use crate::service::{self, LEDGER_ROLES};
use crate::state::AppState;

/// Suggestions for where a plot was learned of.
const SOURCES: [&str; 2] = ["“多规合一”平台项目生成阶段", "政府部门征求意见"];

#[derive(Template)]
#[template(path = "plots.html")]
struct PlotsPage {
    layout: Layout,
    notice: &'static str,
    error: String,
    can_intake: bool,
    rows: Vec<PlotRow>,
    sources: [&'static str; 2],
    /// The new-plot form as it was sent, when it was refused.
    entry: HashMap<String, String>,
    /// The field at fault of the refused form.
    error_field: String,
    /// The plot whose layout form was refused.
    refused_layout: String,
}

impl PlotsPage {
    fn v(&self, name: &str) -> &str {
        self.entry.get(name).map(String::as_str).unwrap_or("")
    }

    fn bad(&self, name: &str) -> bool {
        self.refused_layout.is_empty() && self.error_field == name
    }
}

struct PlotRow {
    id: String,
    name: String,
    location: String,
    developer: String,
    source: String,
    learned_at: String,
    recorded_by: String,
    /// The layout recorded, or the text of a refused layout form.
    layout: String,
    has_layout: bool,
    application_number: String,
    layout_refused: bool,
}

/// What went wrong on the page, for it to be shown again.
#[derive(Default)]
struct Refusal {
    fault: Option<Fault>,
    entry: HashMap<String, String>,
    /// The plot whose layout form was refused, and what it held.
    layout: Option<(String, String)>,
}

pub async fn list(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let notice = match Fields::from_query(query).text("done") {
        "added" => "已加入地块台账。",
        "layout" => "已登记气源管线布局。",
        _ => "",
    };
    page(&state, &staff, notice, Refusal::default()).await
}

/// Adds a plot to the ledger.
pub async fn add(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    body: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let fields = match Fields::from_form(body) {
        Ok(f) => f,
        Err(fault) => return fault.seen_by(Some(&staff)).into_response(),
    };
    let entry = NewPlot {
        name: fields.text("name").to_string(),
        location: fields.text("location").to_string(),
        developer: fields.optional("developer"),
        source: fields.text("source").to_string(),
        source_pipeline_layout: fields.optional("source_pipeline_layout"),
    };
    match service::add_plot(&state, &staff, &entry).await {
        Ok(_) => see_other("/plots?done=added"),
        Err(e) => {
            let refusal = Refusal {
                fault: Some(Fault::from(e)),
                entry: fields.into_map(),
                layout: None,
            };
            page(&state, &staff, "", refusal).await
        }
    }
}

/// Records the source-pipeline layout designed for a plot.
pub async fn layout(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    path: Result<Path<String>, PathRejection>,
    body: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let Some(id) = path.ok().and_then(|Path(id)| Uuid::parse_str(&id).ok()) else {
        return Fault::from(AppError::NotFound)
            .seen_by(Some(&staff))
            .into_response();
    };
    let fields = match Fields::from_form(body) {
        Ok(f) => f,
        Err(fault) => return fault.seen_by(Some(&staff)).into_response(),
    };
    let text = fields.text("source_pipeline_layout");
    match service::plot_layout(&state, &staff, id, text).await {
        Ok(_) => see_other(&format!("/plots?done=layout#plot-{id}")),
        Err(AppError::NotFound) => Fault::from(AppError::NotFound)
            .seen_by(Some(&staff))
            .into_response(),
        Err(e) => {
            let refusal = Refusal {
                fault: Some(Fault::from(e)),
                entry: HashMap::new(),
                layout: Some((id.to_string(), text.to_string())),
            };
            page(&state, &staff, "", refusal).await
        }
    }
}

async fn page(state: &AppState, staff: &Staff, notice: &'static str, refusal: Refusal) -> Response {
    if !staff.is(&LEDGER_ROLES) {
        return Fault::forbidden().seen_by(Some(staff)).into_response();
    }
    let plots = match service::plots(state).await {
        Ok(plots) => plots,
        Err(e) => return Fault::from(e).seen_by(Some(staff)).into_response(),
    };
    let (refused_id, refused_text) = refusal.layout.clone().unwrap_or_default();
    let rows = plots
        .into_iter()
        .map(|p| {
            let id = p.id.to_string();
            let layout_refused = !refused_id.is_empty() && id == refused_id;
            let recorded = p.source_pipeline_layout.unwrap_or_default();
            PlotRow {
                has_layout: !recorded.is_empty(),
                layout: if layout_refused {
                    refused_text.clone()
                } else {
                    recorded
                },
                layout_refused,
                id,
                name: p.name,
                location: p.location,
                developer: p.developer.unwrap_or_default(),
                source: p.source,
                learned_at: local(p.learned_at),
                recorded_by: p.recorded_by,
                application_number: p.application_number.unwrap_or_default(),
            }
        })
        .collect();
    let status = refusal
        .fault
        .as_ref()
        .map_or(StatusCode::OK, Fault::form_status);
    let page = PlotsPage {
        layout: Layout::new("地块台账", Some(staff)),
        notice,
        error: refusal
            .fault
            .as_ref()
            .map(|f| f.message.clone())
            .unwrap_or_default(),
        can_intake: staff.is(&INTAKE_ROLES),
        rows,
        sources: SOURCES,
        entry: refusal.entry,
        error_field: refusal
            .fault
            .as_ref()
            .and_then(|f| f.field)
            .unwrap_or_default()
            .to_string(),
        refused_layout: refused_id,
    };
    render(status, &page)
}
