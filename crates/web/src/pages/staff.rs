//! The staff's worklist and the counter and hotline intake.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gasdesk_domain::application::StaffRef;
use gasdesk_domain::{Channel, Role};
use uuid::Uuid;

use super::applicant::ApplicantForm;
use super::community_intake::{self, CommunityEntry, CommunityIntake};
use super::fields::{Fields, local, url_encode};
use super::view::{self, Opt};
use super::{Fault, INTAKE_ROLES, Layout, SignedIn, render, see_other};
use crate::auth::Staff;
use crate::service;
use crate::state::AppState;
use crate::text;

#[derive(Template)]
#[template(path = "worklist.html")]
struct WorklistPage {
    layout: Layout,
    scope: &'static str,
    now: String,
    can_intake: bool,
    rows: Vec<WorkRow>,
}

struct WorkRow {
    number: String,
    organisation: String,
    channel: &'static str,
    status_text: &'static str,
    assignee: String,
    /// The most pressing open deadline; empty when none runs.
    deadline: String,
    due: String,
    provisional: bool,
    left: String,
    state: &'static str,
    state_text: &'static str,
}

/// Open applications, the most pressing deadline first.
pub async fn worklist(State(state): State<AppState>, SignedIn(staff): SignedIn) -> Response {
    let items = match service::worklist(&state, &staff).await {
        Ok(items) => items,
        Err(e) => return Fault::from(e).seen_by(Some(&staff)).into_response(),
    };
    let rows = items
        .iter()
        .map(|item| {
            let a = &item.application;
            let d = item.next_deadline.as_ref().map(view::deadline_row);
            WorkRow {
                number: a.number.clone(),
                organisation: a.applicant.organisation.clone(),
                channel: text::channel(a.channel),
                status_text: text::status_in(a.line, a.status),
                assignee: view::assignee(&a.assignee),
                deadline: d.as_ref().map(|d| d.name.clone()).unwrap_or_default(),
                due: d.as_ref().map(|d| d.due.clone()).unwrap_or_default(),
                provisional: d.as_ref().is_some_and(|d| d.provisional),
                left: d.as_ref().map(|d| d.left.clone()).unwrap_or_default(),
                state: d.as_ref().map(|d| d.state).unwrap_or("none"),
                state_text: d.as_ref().map(|d| d.state_text).unwrap_or(""),
            }
        })
        .collect();
    let scope = match staff.0.role {
        Role::ServiceStaff => "待转交客户经理的申请",
        Role::CustomerManager => "由我负责的申请，以及待接单的申请",
        _ => "全部在办申请",
    };
    let page = WorklistPage {
        layout: Layout::new("工作台", Some(&staff)),
        scope,
        now: local(state.now()),
        can_intake: staff.is(&INTAKE_ROLES),
        rows,
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "intake.html")]
struct IntakePage {
    layout: Layout,
    form: ApplicantForm,
    channels: Vec<Opt>,
    accepted_at: String,
    managers: Vec<Opt>,
    licence_seen: bool,
    community: CommunityIntake,
    error: String,
}

/// The channels a counter or the hotline takes applications on.
const COUNTER_CHANNELS: [Channel; 3] = [
    Channel::ServiceCenter,
    Channel::BusinessHall,
    Channel::Hotline,
];

pub async fn intake_form(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    if !staff.is(&INTAKE_ROLES) {
        return Fault::forbidden().seen_by(Some(&staff)).into_response();
    }
    let community = CommunityEntry::from_fields(&Fields::from_query(query), &state.rulebook);
    let mut form = ApplicantForm::blank(&state.rulebook).at_counter();
    community.prefill(&state, &mut form).await;
    let entered = IntakeEntry {
        form,
        channel: String::new(),
        accepted_at: String::new(),
        assignee: String::new(),
        licence_seen: false,
        community,
    };
    intake_page(&state, &staff, entered, None).await
}

/// What the intake form held, to show it again unchanged.
struct IntakeEntry {
    form: ApplicantForm,
    channel: String,
    accepted_at: String,
    assignee: String,
    licence_seen: bool,
    community: CommunityEntry,
}

/// Counter or hotline intake, entered by staff.
pub async fn intake(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    body: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    if !staff.is(&INTAKE_ROLES) {
        return Fault::forbidden().seen_by(Some(&staff)).into_response();
    }
    let fields = match Fields::from_form(body) {
        Ok(f) => f,
        Err(fault) => return fault.seen_by(Some(&staff)).into_response(),
    };
    let entered = IntakeEntry {
        form: ApplicantForm::from_fields(&fields, &state.rulebook).at_counter(),
        channel: fields.text("channel").to_string(),
        accepted_at: fields.text("accepted_at").to_string(),
        assignee: fields.text("assignee").to_string(),
        licence_seen: fields.text("licence_seen") == "yes",
        community: CommunityEntry::from_fields(&fields, &state.rulebook),
    };

    match submit_at_counter(&state, &staff, &fields, &entered.form).await {
        Ok(number) => see_other(&format!(
            "/applications/{}?done=submitted",
            url_encode(&number)
        )),
        Err(fault) if fault.is_login() => fault.into_response(),
        Err(fault) => intake_page(&state, &staff, entered, Some(fault)).await,
    }
}

async fn submit_at_counter(
    state: &AppState,
    staff: &Staff,
    fields: &Fields,
    form: &ApplicantForm,
) -> Result<String, Fault> {
    let channel = COUNTER_CHANNELS
        .into_iter()
        .find(|c| c.as_str() == fields.text("channel"))
        .ok_or_else(|| Fault::invalid("channel", "请选择受理渠道。"))?;
    let accepted_at = fields.time("accepted_at")?;
    let assignee = match fields.optional("assignee") {
        None => None,
        Some(id) => Some(StaffRef {
            user_id: Uuid::parse_str(&id)
                .map_err(|_| Fault::invalid("assignee", "所选客户经理不存在，请重新选择。"))?,
            // The use case fills in the name the accounts table gives.
            name: String::new(),
        }),
    };
    let mut intake = form.intake(channel, accepted_at, assignee)?;
    intake.licence_seen = fields.text("licence_seen") == "yes";
    community_intake::read(fields, &state.rulebook, &mut intake)?;

    let created =
        service::submit(state, &intake, &staff.actor(), Some(&form.idempotency_key)).await?;
    Ok(created.application().number.clone())
}

async fn intake_page(
    state: &AppState,
    staff: &Staff,
    entered: IntakeEntry,
    fault: Option<Fault>,
) -> Response {
    let managers = match service::customer_managers(state).await {
        Ok(m) => m,
        Err(e) => return Fault::from(e).seen_by(Some(staff)).into_response(),
    };
    let community = match community_intake::view(state, &entered.community).await {
        Ok(c) => c,
        Err(e) => return Fault::from(e).seen_by(Some(staff)).into_response(),
    };
    let (status, error) = match &fault {
        Some(f) => (f.form_status(), f.message.clone()),
        None => (StatusCode::OK, String::new()),
    };
    let form = match &fault {
        Some(f) => entered.form.refused(f),
        None => entered.form,
    };
    let page = IntakePage {
        layout: Layout::new("受理新申请", Some(staff)),
        form,
        channels: COUNTER_CHANNELS
            .iter()
            .map(|c| Opt::new(c.as_str(), text::channel(*c), &entered.channel))
            .collect(),
        accepted_at: entered.accepted_at,
        licence_seen: entered.licence_seen,
        managers: managers
            .iter()
            .map(|m| Opt::new(&m.id.to_string(), &m.display_name, &entered.assignee))
            .collect(),
        community,
        error,
    };
    render(status, &page)
}
