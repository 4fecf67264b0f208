//! One application as staff work it: who applied, where it stands, its
//! deadlines, its full timeline, and a form for each action the signed-in
//! person may take now.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gasdesk_domain::Role;
use gasdesk_domain::application::{Applicant, BuiltBy, FailureCause, StaffRef};
use gasdesk_domain::connection::{self, ACTION_KINDS, Action, CallConfirmation, Command};
use uuid::Uuid;

use super::community_forms::{self, Extras};
use super::community_view::CommunityView;
use super::fields::{Fields, local, url_encode};
use super::view::{self, DeadlineRow, EventRow, Opt};
use super::{Fault, Layout, SignedIn, render, see_other};
use crate::api::StaffView;
use crate::auth::Staff;
use crate::error::AppError;
use crate::service::{self, Detail};
use crate::state::AppState;
use crate::text;

#[derive(Template)]
#[template(path = "application.html")]
struct ApplicationPage {
    layout: Layout,
    /// What the last action did, after its redirect.
    notice: String,
    error: String,
    number: String,
    /// Sent back with every action: a change made meanwhile is a conflict.
    version: i64,
    status_text: &'static str,
    status_class: &'static str,
    line_text: &'static str,
    channel_text: &'static str,
    accepted_at: String,
    applicant: Applicant,
    licence: String,
    readiness: Vec<(&'static str, &'static str)>,
    assignee: String,
    progress: Vec<(String, String)>,
    deadlines: Vec<DeadlineRow>,
    /// What a new residential community records.
    community: Option<CommunityView>,
    actions: Vec<ActionForm>,
    events: Vec<EventRow>,
}

/// The form of one action, with what it held when it was refused.
struct ActionForm {
    kind: &'static str,
    title: &'static str,
    hint: &'static str,
    open: bool,
    danger: bool,
    values: HashMap<String, String>,
    error_field: String,
    /// The choices of the action's select, where it has one.
    options: Vec<Opt>,
}

impl ActionForm {
    /// The value a field holds.
    fn v(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    /// A checkbox that was ticked.
    fn on(&self, name: &str) -> bool {
        !matches!(self.v(name), "" | "off" | "false" | "0")
    }

    /// A radio button holding this value.
    fn is(&self, name: &str, value: &str) -> bool {
        self.v(name) == value
    }

    fn bad(&self, name: &str) -> bool {
        self.error_field == name
    }
}

/// The action that was refused, to show its form open and unchanged.
struct Refused {
    kind: String,
    values: HashMap<String, String>,
    fault: Fault,
}

pub async fn show(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    number: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let Ok(Path(number)) = number else {
        return Fault::from(AppError::NotFound)
            .seen_by(Some(&staff))
            .into_response();
    };
    let done = Fields::from_query(query).text("done").to_string();
    let notice = match done.as_str() {
        "" => String::new(),
        "submitted" => "申请已受理。".to_string(),
        kind if ACTION_KINDS.contains(&kind) => format!("已完成：{}。", text::action(kind)),
        _ => String::new(),
    };
    page(&state, &staff, &number, notice, None).await
}

/// Takes one action and comes back to the application; a refused action
/// shows the page again with the message and the form as it was filled.
pub async fn take_action(
    State(state): State<AppState>,
    SignedIn(staff): SignedIn,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let (number, kind) = match path {
        Ok(Path((number, kind))) if ACTION_KINDS.contains(&kind.as_str()) => (number, kind),
        _ => {
            return Fault::from(AppError::NotFound)
                .seen_by(Some(&staff))
                .into_response();
        }
    };
    let fields = match Fields::from_form(body) {
        Ok(f) => f,
        Err(fault) => return fault.seen_by(Some(&staff)).into_response(),
    };

    let outcome = match command(&kind, &fields) {
        Ok(command) => service::act(&state, &number, command, &staff)
            .await
            .map_err(Fault::from),
        Err(fault) => Err(fault),
    };

    match outcome {
        Ok(application) => see_other(&format!(
            "/applications/{}?done={kind}",
            url_encode(&application.number)
        )),
        Err(fault) if fault.is_login() => fault.into_response(),
        Err(fault) => {
            let refused = Refused {
                kind,
                values: fields.into_map(),
                fault,
            };
            page(&state, &staff, &number, String::new(), Some(refused)).await
        }
    }
}

/// Reads an action from its form.
fn command(kind: &str, f: &Fields) -> Result<Command, Fault> {
    let version = f
        .text("version")
        .trim()
        .parse()
        .map_err(|_| Fault::bad_form())?;
    // A correction has its own time field: the time it puts right.
    let occurred_at = match kind {
        "correct_occurred_at" => None,
        _ => f.time("occurred_at")?,
    };
    Ok(Command {
        action: action(kind, f)?,
        occurred_at,
        version,
        channel: None,
    })
}

fn action(kind: &str, f: &Fields) -> Result<Action, Fault> {
    if let Some(parsed) = community_forms::action(kind, f) {
        return parsed;
    }
    let action = match kind {
        "hand_over" => Action::HandOver { to: staff_ref(f)? },
        "assign" => Action::Assign { to: staff_ref(f)? },
        "record_first_call" => Action::RecordFirstCall {
            confirmation: CallConfirmation {
                licence_confirmed: f.ticked("licence_confirmed"),
                address_confirmed: f.ticked("address_confirmed"),
                built_by: built_by(f.text("built_by"))?,
                completion_accepted: f.ticked("completion_accepted"),
            },
            note: f.optional("note"),
        },
        "verify_site" => Action::VerifySite {
            facilities_ok: f.ticked("facilities_ok"),
            source_pipe_ok: f.ticked("source_pipe_ok"),
            rectification_advice: f.optional("rectification_advice"),
            tie_in_point: f.text("tie_in_point").to_string(),
            excavation_approvals: f.optional("excavation_approvals"),
        },
        "sign_contract" => Action::SignContract {
            contract_number: f.text("contract_number").to_string(),
            invoice: None,
            special_requests: None,
        },
        "schedule_gas_on" => Action::ScheduleGasOn {
            planned_at: f.required_time("planned_at", "请填写计划通气时间。")?,
        },
        "record_acceptance" => Action::RecordAcceptance {
            passed: f.yes_no("passed", "请选择验收结果：合格或未通过。")?,
            participants: f
                .text("participants")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            failure_cause: failure_cause(f.text("failure_cause"))?,
            note: f.optional("note"),
            safety_briefing: Vec::new(),
        },
        "correct_occurred_at" => Action::CorrectOccurredAt {
            seq: f
                .text("seq")
                .trim()
                .parse()
                .map_err(|_| Fault::invalid("seq", "请选择要更正的记录。"))?,
            occurred_at: f.required_time("new_occurred_at", "请填写更正后的发生时间。")?,
            reason: f.text("reason").to_string(),
        },
        "cancel" => Action::Cancel {
            reason: f.text("reason").to_string(),
        },
        _ => Action::AddNote {
            text: f.text("text").to_string(),
        },
    };
    Ok(action)
}

/// The customer manager chosen; the use case fills in the name the
/// accounts table gives.
fn staff_ref(f: &Fields) -> Result<StaffRef, Fault> {
    let user_id = Uuid::parse_str(f.text("to").trim())
        .map_err(|_| Fault::invalid("to", "请选择客户经理。"))?;
    Ok(StaffRef {
        user_id,
        name: String::new(),
    })
}

fn built_by(value: &str) -> Result<BuiltBy, Fault> {
    match value {
        "self_built" => Ok(BuiltBy::SelfBuilt),
        "company_built" => Ok(BuiltBy::CompanyBuilt),
        _ => Err(Fault::invalid(
            "built_by",
            "请选择自建还是委托燃气公司代建。",
        )),
    }
}

fn failure_cause(value: &str) -> Result<Option<FailureCause>, Fault> {
    match value {
        "" => Ok(None),
        "applicant_equipment" => Ok(Some(FailureCause::ApplicantEquipment)),
        "unsafe_environment" => Ok(Some(FailureCause::UnsafeEnvironment)),
        "company_work" => Ok(Some(FailureCause::CompanyWork)),
        _ => Err(Fault::invalid("failure_cause", "请选择不合格原因。")),
    }
}

/// The application page, freshly loaded, with a refused action's message
/// and form when there is one.
async fn page(
    state: &AppState,
    staff: &Staff,
    number: &str,
    notice: String,
    refused: Option<Refused>,
) -> Response {
    let loaded = async {
        let detail = service::detail(state, number).await?;
        let managers = service::customer_managers(state).await?;
        Ok::<_, AppError>((detail, managers))
    };
    let (detail, managers) = match loaded.await {
        Ok(loaded) => loaded,
        Err(e) => return Fault::from(e).seen_by(Some(staff)).into_response(),
    };
    let catalogue = if community_forms::needs_catalogue(&detail.application) {
        state.store.catalogue(None).await
    } else {
        Ok(None)
    };
    let extras = Extras {
        rules: state.rulebook.line(detail.application.line),
        catalogue: catalogue.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "price catalogue could not be read for the page");
            None
        }),
    };
    let status = refused
        .as_ref()
        .map(|r| r.fault.form_status())
        .unwrap_or(StatusCode::OK);
    let error = refused
        .as_ref()
        .map(|r| r.fault.message.clone())
        .unwrap_or_default();

    let a = &detail.application;
    let page = ApplicationPage {
        layout: Layout::new(&format!("申请 {}", a.number), Some(staff)),
        notice,
        error,
        number: a.number.clone(),
        version: a.version,
        status_text: text::status(a.status),
        status_class: view::status_class(a),
        line_text: text::service_line(a.line),
        channel_text: text::channel(a.channel),
        accepted_at: local(a.accepted_at),
        applicant: a.applicant.clone(),
        licence: view::licence(&a.licence),
        readiness: view::readiness(&a.readiness),
        assignee: view::assignee(&a.assignee),
        progress: view::progress(a),
        deadlines: view::deadline_rows(&detail.deadlines),
        community: CommunityView::of(a),
        actions: action_forms(&detail, staff, &managers, &extras, refused),
        events: view::event_rows(&detail.events),
    };
    render(status, &page)
}

/// A form for each action the signed-in person may take now. The next step
/// of the line opens by itself; a refused one opens with what was entered.
fn action_forms(
    detail: &Detail,
    staff: &Staff,
    managers: &[StaffView],
    extras: &Extras<'_>,
    refused: Option<Refused>,
) -> Vec<ActionForm> {
    let kinds = connection::available_actions(&detail.application, &staff.actor());
    let next_step = connection::next_step(&detail.application).filter(|k| kinds.contains(k));
    let opened_by_refusal = refused.as_ref().map(|r| r.kind.clone());

    kinds
        .into_iter()
        .map(|kind| {
            let (values, error_field) = match &refused {
                Some(r) if r.kind == kind => (
                    r.values.clone(),
                    r.fault.field.unwrap_or_default().to_string(),
                ),
                _ => (defaults(kind, detail, staff), String::new()),
            };
            let open = match &opened_by_refusal {
                Some(k) => k == kind,
                None => next_step == Some(kind),
            };
            let options = community_forms::options(kind, &detail.application, extras, &values)
                .unwrap_or_else(|| options(kind, detail, staff, managers, &values));
            ActionForm {
                kind,
                title: match (kind, staff.0.role) {
                    ("assign", gasdesk_domain::Role::CustomerManager) => "接单",
                    _ => text::action(kind),
                },
                hint: community_forms::hint(kind).unwrap_or_else(|| hint(kind, staff)),
                open,
                danger: kind == "cancel",
                values,
                error_field,
                options,
            }
        })
        .collect()
}

fn defaults(kind: &str, detail: &Detail, staff: &Staff) -> HashMap<String, String> {
    let mut values = HashMap::new();
    match kind {
        "record_first_call" => {
            let built_by = match detail.application.readiness.built_by {
                BuiltBy::SelfBuilt => "self_built",
                BuiltBy::CompanyBuilt => "company_built",
            };
            values.insert("built_by".to_string(), built_by.to_string());
        }
        "assign" if staff.0.role == Role::CustomerManager => {
            values.insert("to".to_string(), staff.id().to_string());
        }
        _ => values = community_forms::defaults(kind, &detail.application),
    }
    values
}

fn options(
    kind: &str,
    detail: &Detail,
    staff: &Staff,
    managers: &[StaffView],
    values: &HashMap<String, String>,
) -> Vec<Opt> {
    let current = |name: &str| values.get(name).cloned().unwrap_or_default();
    match kind {
        // A customer manager takes an order only for themselves.
        "assign" if staff.0.role == Role::CustomerManager => {
            vec![Opt::new(
                &staff.id().to_string(),
                &format!("{}（本人接单）", staff.0.display_name),
                &current("to"),
            )]
        }
        "hand_over" | "assign" => managers
            .iter()
            .map(|m| Opt::new(&m.id.to_string(), &m.display_name, &current("to")))
            .collect(),
        "record_first_call" => [BuiltBy::SelfBuilt, BuiltBy::CompanyBuilt]
            .into_iter()
            .zip(["self_built", "company_built"])
            .map(|(b, value)| Opt::new(value, text::built_by(b), &current("built_by")))
            .collect(),
        "record_acceptance" => [
            FailureCause::ApplicantEquipment,
            FailureCause::UnsafeEnvironment,
            FailureCause::CompanyWork,
        ]
        .into_iter()
        .zip(["applicant_equipment", "unsafe_environment", "company_work"])
        .map(|(c, value)| Opt::new(value, text::failure_cause(c), &current("failure_cause")))
        .collect(),
        "correct_occurred_at" => detail
            .events
            .iter()
            .filter(|e| !matches!(e.event.kind.as_str(), "submitted" | "occurred_at_corrected"))
            .map(|e| {
                let at = connection::latest_occurred_at(&detail.events, e.seq);
                let label = format!(
                    "第{}条 {}（{}）",
                    e.seq,
                    text::event(&e.event.kind),
                    local(at)
                );
                Opt::new(&e.seq.to_string(), &label, &current("seq"))
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn hint(kind: &str, staff: &Staff) -> &'static str {
    match kind {
        "hand_over" => "线下受理的申请，应在受理后2个工作小时内转交客户经理。",
        "assign" if staff.0.role == Role::CustomerManager => "接单后由您负责此申请。",
        "assign" => "指派或改派负责的客户经理；已在计的时限不受影响。",
        "record_first_call" => {
            "网上营业厅、热线登记的申请，客户经理须在受理后1个工作小时内电话联系申请人，\
             确认营业执照、用气地址、自建或代建、竣工验收情况。"
        }
        "verify_site" => {
            "组织施工、设计人员核实用户产权范围内燃气设施和外部气源管；\
             有不符合要求的，须填写整改建议。"
        }
        "sign_contract" => "与申请人签订《供用气合同》。",
        "schedule_gas_on" => "按通气计划安排验收通气时间。",
        "record_acceptance" => {
            "组织建设、运行、施工单位验收并通气点火。未通过的请选择原因；\
             用户设备原因、用气环境不安全的不计入一次交验通气合格率。"
        }
        "correct_occurred_at" => "更正某条记录的实际发生时间；原记录保留不变，更正另行记录。",
        "cancel" => "申请人撤回或无法继续办理时撤销；撤销后不能恢复。",
        _ => "备注仅工作人员可见。",
    }
}
