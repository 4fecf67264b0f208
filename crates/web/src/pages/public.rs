//! The pages anyone may open: the home page, the online application and
//! progress tracking.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gasdesk_domain::Channel;
use gasdesk_domain::application::{Actor, Application, Status};
use gasdesk_domain::deadline::Deadline;
use sha2::{Digest, Sha256};

use super::applicant::ApplicantForm;
use super::fields::{Fields, local, url_encode};
use super::view::{self, DeadlineRow, PublicEventRow};
use super::{Fault, Layout, Visitor, render, see_other};
use crate::error::AppError;
use crate::service;
use crate::state::AppState;
use crate::text;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
}

pub async fn home(Visitor(staff): Visitor) -> Response {
    let page = HomePage {
        layout: Layout::new("首页", staff.as_ref()),
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage {
    layout: Layout,
    form: ApplicantForm,
    error: String,
}

pub async fn apply_form(State(state): State<AppState>, Visitor(staff): Visitor) -> Response {
    let page = ApplyPage {
        layout: Layout::new("网上申请", staff.as_ref()),
        form: ApplicantForm::blank(&state.rulebook),
        error: String::new(),
    };
    render(StatusCode::OK, &page)
}

/// The online business hall's application: no account, no document.
pub async fn apply(
    State(state): State<AppState>,
    Visitor(staff): Visitor,
    body: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let (form, outcome) = match Fields::from_form(body) {
        Ok(fields) => {
            let form = ApplicantForm::from_fields(&fields, &state.rulebook);
            let outcome = submit_online(&state, &form).await;
            (form, outcome)
        }
        Err(fault) => (ApplicantForm::blank(&state.rulebook), Err(fault)),
    };

    match outcome {
        Ok(application) => see_other(&done_address(&application)),
        Err(fault) => {
            let page = ApplyPage {
                layout: Layout::new("网上申请", staff.as_ref()),
                form: form.refused(&fault),
                error: fault.message.clone(),
            };
            render(fault.form_status(), &page)
        }
    }
}

async fn submit_online(state: &AppState, form: &ApplicantForm) -> Result<Application, Fault> {
    // The online hall always takes the server's time and never assigns.
    let intake = form.intake(Channel::Online, None, None)?;
    let actor = Actor::applicant(intake.contact_name.trim());
    let created = service::submit(state, &intake, &actor, Some(&form.idempotency_key)).await?;
    Ok(created.application().clone())
}

/// The confirmation page's address. Application numbers run in sequence,
/// so the page also wants a token only the submitter was given: a number
/// alone must not reveal anyone's application.
fn done_address(application: &Application) -> String {
    format!(
        "/apply/done/{}?token={}",
        url_encode(&application.number),
        done_token(application)
    )
}

fn done_token(application: &Application) -> String {
    let digest = Sha256::digest(format!("apply-done:{}", application.id).as_bytes());
    hex::encode(&digest[..12])
}

#[derive(Template)]
#[template(path = "apply_done.html")]
struct DonePage {
    layout: Layout,
    number: String,
    status_text: &'static str,
    one_stop: bool,
    /// "1个工作小时", from the first-call limit; empty without one.
    call_within: String,
    call_due: Option<DueTime>,
    gas_on_due: Option<DueTime>,
    /// Some due time rests on a year whose holidays are not published yet.
    provisional: bool,
}

struct DueTime {
    at: String,
    provisional: bool,
}

impl DueTime {
    fn of(deadline: &Deadline) -> DueTime {
        DueTime {
            at: local(deadline.due_at),
            provisional: deadline.provisional,
        }
    }
}

pub async fn apply_done(
    State(state): State<AppState>,
    Visitor(staff): Visitor,
    number: Result<Path<String>, axum::extract::rejection::PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let token = Fields::from_query(query).text("token").to_string();
    let found = match number {
        Ok(Path(number)) => service::load(&state, &number).await.map_err(Fault::from),
        Err(_) => Err(Fault::from(AppError::NotFound)),
    };
    let application = match found {
        Ok(a) if constant_time_eq(&done_token(&a), &token) => a,
        Err(fault) if fault.status != StatusCode::NOT_FOUND => {
            return fault.seen_by(staff.as_ref()).into_response();
        }
        _ => {
            let fault = Fault::new(
                StatusCode::NOT_FOUND,
                "未找到该申请。如需查看办理进度，请使用“进度查询”，凭申请编号和联系电话查询。",
            );
            return fault.seen_by(staff.as_ref()).into_response();
        }
    };

    // A 102 application is called within the first-call limit; one routed
    // to the one-stop service gets its online-response limit instead.
    let first_call = application
        .deadline("first_call")
        .or_else(|| application.deadline("online_response"));
    let page = DonePage {
        layout: Layout::new("申请已提交", staff.as_ref()),
        number: application.number.clone(),
        status_text: text::status_in(application.line, application.status),
        one_stop: application.status == Status::RoutedOneStop,
        call_within: first_call
            .map(|d| budget_text(d.budget_seconds))
            .unwrap_or_default(),
        call_due: first_call.map(DueTime::of),
        gas_on_due: application.deadline("gas_on").map(DueTime::of),
        provisional: application.deadlines.iter().any(|d| d.provisional),
    };
    render(StatusCode::OK, &page)
}

/// A budget as a promise reads: "1个工作小时", "30分钟工作时间".
fn budget_text(seconds: i64) -> String {
    if seconds > 0 && seconds % 3600 == 0 {
        format!("{}个工作小时", seconds / 3600)
    } else {
        format!("{}工作时间", text::working_time(seconds))
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    layout: Layout,
    number: String,
    phone: String,
    error: String,
    result: Option<TrackResult>,
}

struct TrackResult {
    number: String,
    organisation: String,
    site_address: String,
    status_text: &'static str,
    status_class: &'static str,
    one_stop: bool,
    accepted_at: String,
    deadlines: Vec<DeadlineRow>,
    events: Vec<PublicEventRow>,
}

/// Progress by application number and the phone given at intake.
pub async fn track(
    State(state): State<AppState>,
    Visitor(staff): Visitor,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let fields = Fields::from_query(query);
    let number = fields.text("number").trim().to_string();
    let phone = fields.text("phone").trim().to_string();
    let mut page = TrackPage {
        layout: Layout::new("进度查询", staff.as_ref()),
        number,
        phone,
        error: String::new(),
        result: None,
    };
    // The confirmation page links here with the number filled in: show the
    // form waiting for the phone, not an error.
    if page.phone.is_empty() {
        return render(StatusCode::OK, &page);
    }
    if page.number.is_empty() || page.phone.is_empty() {
        page.error = "请同时填写申请编号和联系电话。".to_string();
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }

    match service::track(&state, &page.number, &page.phone).await {
        Ok(t) => {
            page.result = Some(TrackResult {
                number: t.number.clone(),
                organisation: t.organisation.clone(),
                site_address: t.site_address.clone(),
                status_text: text::status_in(t.line, t.status),
                status_class: view::status_class_of(t.status),
                one_stop: t.status == Status::RoutedOneStop,
                accepted_at: local(t.accepted_at),
                deadlines: view::deadline_rows(&t.deadlines),
                events: view::public_event_rows(&t.events),
            });
            render(StatusCode::OK, &page)
        }
        Err(AppError::NotFound) => {
            page.error = "未找到该申请，请核对申请编号和联系电话。".to_string();
            render(StatusCode::NOT_FOUND, &page)
        }
        Err(e) => {
            let fault = Fault::from(e);
            page.error = fault.message.clone();
            render(fault.status, &page)
        }
    }
}
