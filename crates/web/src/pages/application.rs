//! One application as staff work it: who applied, where it stands, its
//! deadlines, what its line records, its full timeline, and a form for each
//! action the signed-in person may take now.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gasdesk_domain::application::{Applicant, Application, BuiltBy, FailureCause, StaffRef};
use gasdesk_domain::connection::{self, ACTION_KINDS, Action, CallConfirmation, Command};
use gasdesk_domain::materials::{MaterialStatus, Verdict};
use gasdesk_domain::one_stop::{Invoice, SAFETY_BRIEFING, TRAINING};
use gasdesk_domain::rulebook::{LineRules, ServiceLine};
use gasdesk_domain::services::PermitStatus;
use gasdesk_domain::{Channel, Role};
use uuid::Uuid;

use super::community_forms::{self, Extras};
use super::community_view::CommunityView;
use super::fields::{Fields, local, url_encode};
use super::parse;
use super::record::{self, CatalogueView, Record};
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
    /// The one-stop line: its forms ask for more, its record shows more.
    one_stop: bool,
    channel_text: &'static str,
    accepted_at: String,
    applicant: Applicant,
    licence: String,
    readiness: Vec<(&'static str, &'static str)>,
    assignee: String,
    progress: Vec<(String, String)>,
    deadlines: Vec<DeadlineRow>,
    record: Record,
    /// What a new residential community records.
    community: Option<CommunityView>,
    /// The price catalogue in force, beside the forms that price a quote.
    catalogue: Option<CatalogueView>,
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
    /// The choices of each of the action's selects, by field name.
    selects: Vec<(&'static str, Vec<Opt>)>,
    /// The checkboxes of a list the form asks for item by item.
    checks: Vec<Check>,
    /// What the person acting needs to see in the form, as label and value.
    facts: Vec<(String, String)>,
}

/// One checkbox of a list.
struct Check {
    name: String,
    label: &'static str,
    checked: bool,
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

    /// The choices of the select named `name`.
    fn opts(&self, name: &str) -> &[Opt] {
        self.selects
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, o)| o.as_slice())
            .unwrap_or(&[])
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
    // A hand-in records where it came in; everything else is back office.
    let channel = match kind {
        "hand_in_material" => Some(hand_in_channel(f.text("channel"))?),
        _ => None,
    };
    Ok(Command {
        action: action(kind, f)?,
        occurred_at,
        version,
        channel,
    })
}

/// Where a hand-in may come in.
const HAND_IN_CHANNELS: [Channel; 4] = [
    Channel::Online,
    Channel::BusinessHall,
    Channel::ServiceCenter,
    Channel::Office,
];

fn hand_in_channel(value: &str) -> Result<Channel, Fault> {
    HAND_IN_CHANNELS
        .into_iter()
        .find(|c| c.as_str() == value)
        .ok_or_else(|| Fault::invalid("channel", "请选择资料的接收渠道。"))
}

/// Events whose time cannot be corrected.
const NOT_CORRECTABLE: [&str; 2] = ["submitted", "occurred_at_corrected"];

/// How payments are usually made at the halls.
const PAYMENT_METHODS: [&str; 5] = ["银行转账", "现金", "POS机刷卡", "微信支付", "支付宝"];

/// How a developer pays a community's supporting fee, offered first.
const COMMUNITY_PAYMENT_METHOD: &str = "对公转账";

/// The permit states a permit moves on to.
const PERMIT_STEPS: [(PermitStatus, &str); 3] = [
    (PermitStatus::Submitted, "submitted"),
    (PermitStatus::Approved, "approved"),
    (PermitStatus::Refused, "refused"),
];

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
            // Only the one-stop line's form asks for invoicing details.
            invoice: (f.has("invoice.title") || f.has("invoice.tax_number")).then(|| Invoice {
                title: f.text("invoice.title").to_string(),
                tax_number: f.text("invoice.tax_number").to_string(),
            }),
            special_requests: f.optional("special_requests"),
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
            safety_briefing: SAFETY_BRIEFING
                .iter()
                .chain(std::iter::once(&TRAINING))
                .filter(|(key, _)| f.ticked(&briefing_field(key)))
                .map(|(key, _)| key.to_string())
                .collect(),
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
        "await_applicant" => Action::AwaitApplicant {
            reason: f.text("reason").to_string(),
        },
        "applicant_responded" => Action::ApplicantResponded {
            note: f.optional("note"),
        },
        "follow_up_applicant" => Action::FollowUpApplicant {
            note: f.text("note").to_string(),
        },
        "agree_survey_time" => Action::AgreeSurveyTime {
            survey_at: f.required_time("survey_at", "请填写与用户约定的踏勘时间。")?,
        },
        "record_survey" => Action::RecordSurvey {
            designer_attended: f.ticked("designer_attended"),
            construction_unit_attended: f.ticked("construction_unit_attended"),
            customer_manager_present: f
                .yes_no("customer_manager_present", "请选择客户经理是否到场。")?,
            gas_use_plan: f.text("gas_use_plan").to_string(),
            appliance_layout: f.optional("appliance_layout"),
            leak_alarm_layout: f.optional("leak_alarm_layout"),
        },
        "issue_design" => Action::IssueDesign {
            summary: f.text("summary").to_string(),
            quote: f.quote("quote")?,
        },
        "revise_quote" => Action::ReviseQuote {
            quote: f.quote("quote")?,
            reason: f.text("reason").to_string(),
        },
        "deliver_design" => Action::DeliverDesign {},
        "confirm_quote" => Action::ConfirmQuote {
            revision: f
                .text("revision")
                .trim()
                .parse()
                .map_err(|_| Fault::invalid("revision", "请刷新页面后确认当前版本的报价。"))?,
        },
        "record_payment" => Action::RecordPayment {
            amount_fen: payment_amount(f.text("amount"))?,
            receipt_number: f.text("receipt_number").to_string(),
            method: f.text("method").to_string(),
        },
        "request_material" => Action::RequestMaterial {
            material: f.choice("material", "请选择要补交的资料。")?,
            note: f.optional("note"),
        },
        "hand_in_material" => Action::HandInMaterial {
            material: f.choice("material", "请选择补交的资料。")?,
            description: f.text("description").to_string(),
            file_name: f.optional("file_name"),
            sha256: f.optional("sha256"),
        },
        "review_hand_in" => Action::ReviewHandIn {
            hand_in: f
                .text("hand_in")
                .trim()
                .parse()
                .map_err(|_| Fault::invalid("hand_in", "请选择要审核的补交资料。"))?,
            accepted: f.yes_no("accepted", "请选择审核结果：接收或退回。")?,
            reason: f.optional("reason"),
        },
        "enter_site" => Action::EnterSite {},
        "report_site_problem" => Action::ReportSiteProblem {
            description: f.text("description").to_string(),
        },
        "resolve_site_problem" => Action::ResolveSiteProblem {
            problem: f
                .text("problem")
                .trim()
                .parse()
                .map_err(|_| Fault::invalid("problem", "请选择要处理的现场问题。"))?,
            resolution: f.text("resolution").to_string(),
        },
        "complete_construction" => Action::CompleteConstruction {},
        "record_satisfaction" => Action::RecordSatisfaction {
            rating: match f.text("rating").trim().parse::<u8>() {
                Ok(r) if (1..=5).contains(&r) => r,
                _ => return Err(Fault::invalid("rating", "请选择用户的满意度评价。")),
            },
            signed_by: f.text("signed_by").to_string(),
            comment: f.optional("comment"),
        },
        "offer_extended_service" => Action::OfferExtendedService {
            service: f.choice("service", "请选择推荐的延伸服务。")?,
            accepted: f.yes_no("accepted", "请选择用户是否需要该服务。")?,
            note: f.optional("note"),
        },
        "request_permit_agency" => Action::RequestPermitAgency {
            permit: f.choice("permit", "请选择需要代办的审批事项。")?,
        },
        "update_permit" => Action::UpdatePermit {
            permit: f.choice("permit", "请选择代办的审批事项。")?,
            status: PERMIT_STEPS
                .into_iter()
                .find(|(_, value)| *value == f.text("status"))
                .map(|(status, _)| status)
                .ok_or_else(|| Fault::invalid("status", "请选择办理进度。"))?,
            government_fee_fen: match f.optional("government_fee") {
                None => None,
                Some(_) => Some(f.yuan("government_fee")?),
            },
            note: f.optional("note"),
        },
        _ => Action::AddNote {
            text: f.text("text").to_string(),
        },
    };
    Ok(action)
}

/// A payment typed in yuan: something above nothing, to the fen.
fn payment_amount(text: &str) -> Result<i64, Fault> {
    let refuse = |message: &str| Err(Fault::invalid("amount", message));
    match parse::read_yuan(text) {
        Ok(fen) if fen > 0 => Ok(fen),
        Ok(_) => refuse("缴费金额须大于 0 元。"),
        Err(parse::YuanRefusal::Empty) => refuse("请填写缴费金额（元）。"),
        Err(parse::YuanRefusal::TooLarge) => refuse("缴费金额过大，请核对。"),
        Err(why) => refuse(&format!("缴费金额格式不正确：{}", why.detail())),
    }
}

/// The checkbox of a safety-briefing item.
fn briefing_field(key: &str) -> String {
    format!("briefing_{key}")
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
        let kinds = connection::available_actions(&detail.application, &staff.actor());
        // The designer prices a quote, and the customer manager a
        // community's supporting fee, from codes: show the catalogue by it.
        let prices = kinds.iter().any(|k| {
            matches!(
                *k,
                "issue_design" | "revise_quote" | "sign_community_contract"
            )
        });
        let catalogue = if prices {
            state.store.catalogue(None).await?
        } else {
            None
        };
        Ok::<_, AppError>((detail, managers, kinds, catalogue))
    };
    let (detail, managers, kinds, catalogue) = match loaded.await {
        Ok(loaded) => loaded,
        Err(e) => return Fault::from(e).seen_by(Some(staff)).into_response(),
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
    let context = FormContext {
        detail: &detail,
        staff,
        managers: &managers,
        rules: state.rulebook.line(a.line),
        extras: Extras {
            catalogue: catalogue.as_ref(),
        },
    };
    let page = ApplicationPage {
        layout: Layout::new(&format!("申请 {}", a.number), Some(staff)),
        notice,
        error,
        number: a.number.clone(),
        version: a.version,
        status_text: text::status_in(a.line, a.status),
        status_class: view::status_class(a),
        line_text: text::service_line(a.line),
        one_stop: a.line == ServiceLine::OneStop,
        channel_text: text::channel(a.channel),
        accepted_at: local(a.accepted_at),
        applicant: a.applicant.clone(),
        licence: view::licence(&a.licence),
        readiness: view::readiness(&a.readiness),
        assignee: view::assignee(&a.assignee),
        progress: view::progress(a),
        deadlines: view::deadline_rows(&detail.deadlines),
        record: Record::of(a),
        community: CommunityView::of(a),
        catalogue: catalogue.as_ref().map(CatalogueView::of),
        actions: action_forms(&context, kinds, refused),
        events: view::event_rows(&detail.events, a, context.rules),
    };
    render(status, &page)
}

/// What the forms are built from.
struct FormContext<'a> {
    detail: &'a Detail,
    staff: &'a Staff,
    managers: &'a [StaffView],
    /// The rules of the application's line: its services and permits.
    rules: Option<&'a LineRules>,
    /// What the new residential community's forms need besides.
    extras: Extras<'a>,
}

impl FormContext<'_> {
    fn app(&self) -> &Application {
        &self.detail.application
    }

    fn one_stop(&self) -> bool {
        self.app().line == ServiceLine::OneStop
    }

    fn community(&self) -> bool {
        self.app().line == ServiceLine::NewCommunity
    }
}

/// A form for each action the signed-in person may take now. The next step
/// of the line opens by itself; a refused one opens with what was entered.
fn action_forms(
    cx: &FormContext<'_>,
    kinds: Vec<&'static str>,
    refused: Option<Refused>,
) -> Vec<ActionForm> {
    let next_step = connection::next_step(cx.app()).filter(|k| kinds.contains(k));
    let opened_by_refusal = refused.as_ref().map(|r| r.kind.clone());

    kinds
        .into_iter()
        .map(|kind| {
            let (values, error_field) = match &refused {
                Some(r) if r.kind == kind => (
                    r.values.clone(),
                    r.fault.field.unwrap_or_default().to_string(),
                ),
                _ => (defaults(kind, cx), String::new()),
            };
            let open = match &opened_by_refusal {
                Some(k) => k == kind,
                None => next_step == Some(kind),
            };
            let selects = community_forms::selects(kind, cx.app(), &cx.extras, &values)
                .unwrap_or_else(|| selects(kind, cx, &values));
            let checks = checks(kind, cx, &values);
            ActionForm {
                kind,
                title: match (kind, cx.staff.0.role) {
                    ("assign", Role::CustomerManager) => "接单",
                    _ => text::action(kind),
                },
                hint: community_forms::hint(kind).unwrap_or_else(|| hint(kind, cx)),
                open,
                danger: kind == "cancel",
                values,
                error_field,
                selects,
                checks,
                facts: form_facts(kind, cx),
            }
        })
        .collect()
}

fn defaults(kind: &str, cx: &FormContext<'_>) -> HashMap<String, String> {
    let app = cx.app();
    let case = app.one_stop.as_ref();
    let mut values = HashMap::new();
    let mut set = |name: &str, value: String| {
        values.insert(name.to_string(), value);
    };
    // Where only one thing can be meant, it is chosen already.
    let only = |keys: Vec<String>| (keys.len() == 1).then(|| keys[0].clone());
    match kind {
        "record_first_call" => {
            let built_by = match app.readiness.built_by {
                BuiltBy::SelfBuilt => "self_built",
                BuiltBy::CompanyBuilt => "company_built",
            };
            set("built_by", built_by.to_string());
        }
        "assign" if cx.staff.0.role == Role::CustomerManager => {
            set("to", cx.staff.id().to_string());
        }
        "sign_contract" if cx.one_stop() => {
            set("invoice.title", app.applicant.organisation.clone());
            set("invoice.tax_number", app.applicant.uscc.clone());
        }
        "revise_quote" => {
            if let Some(q) = case.and_then(|c| c.quote.as_ref()) {
                let lines: Vec<_> = q
                    .lines
                    .iter()
                    .map(|l| gasdesk_domain::catalogue::QuoteRequestLine {
                        code: l.code.clone(),
                        quantity: l.quantity,
                    })
                    .collect();
                set("quote", parse::quote_text(&lines));
            }
        }
        "confirm_quote" => {
            if let Some(q) = case.and_then(|c| c.quote.as_ref()) {
                set("revision", q.revision.to_string());
            }
        }
        // A community pays its supporting fee, by corporate transfer as a
        // rule; a one-stop application pays its quote.
        "record_payment" if cx.community() => {
            set("method", COMMUNITY_PAYMENT_METHOD.to_string());
            if let Some(left) = community_forms::fee_outstanding(app) {
                set("amount", parse::plain_yuan(left));
            }
        }
        "record_payment" => {
            if let Some((total, paid)) = case.and_then(|c| Some((c.quote.as_ref()?, c.paid_fen())))
            {
                let left = total.total_fen.saturating_sub(paid).max(0);
                set("amount", parse::plain_yuan(left));
            }
        }
        "record_satisfaction" => set("signed_by", app.applicant.contact_name.clone()),
        "request_material" | "hand_in_material" => {
            if let Some(key) = only(owed(app).map(|(k, _)| k.to_string()).collect()) {
                set("material", key);
            }
        }
        "review_hand_in" => {
            if let Some(n) = only(pending(app).map(|h| h.number.to_string()).collect()) {
                set("hand_in", n);
            }
        }
        "resolve_site_problem" => {
            let open = case
                .map(|c| {
                    c.site_problems
                        .iter()
                        .filter(|p| p.resolved_at.is_none())
                        .map(|p| p.number.to_string())
                        .collect()
                })
                .unwrap_or_default();
            if let Some(n) = only(open) {
                set("problem", n);
            }
        }
        "update_permit" => {
            let open = app
                .permits
                .iter()
                .filter(|p| !p.status.is_final())
                .map(|p| p.permit.clone())
                .collect();
            if let Some(p) = only(open) {
                set("permit", p);
            }
        }
        _ => {}
    }
    values.extend(community_forms::defaults(kind, app));
    values
}

/// The materials still owed, as key and name.
fn owed(app: &Application) -> impl Iterator<Item = (&str, &str)> {
    app.materials
        .iter()
        .filter(|m| m.status == MaterialStatus::Owed)
        .map(|m| (m.key.as_str(), m.name.as_str()))
}

fn pending(app: &Application) -> impl Iterator<Item = &gasdesk_domain::materials::HandIn> {
    app.hand_ins
        .iter()
        .filter(|h| h.verdict == Verdict::Pending)
}

fn selects(
    kind: &str,
    cx: &FormContext<'_>,
    values: &HashMap<String, String>,
) -> Vec<(&'static str, Vec<Opt>)> {
    let app = cx.app();
    let current = |name: &str| values.get(name).cloned().unwrap_or_default();
    let select = |name: &'static str, choices: Vec<(String, String)>| {
        let chosen = current(name);
        let opts = choices
            .iter()
            .map(|(value, label)| Opt::new(value, label, &chosen))
            .collect();
        (name, opts)
    };
    let pairs = |items: &[(&str, &str)]| -> Vec<(String, String)> {
        items
            .iter()
            .map(|(v, l)| (v.to_string(), l.to_string()))
            .collect()
    };
    match kind {
        // A customer manager takes an order only for themselves.
        "assign" if cx.staff.0.role == Role::CustomerManager => {
            let me = cx.staff.id().to_string();
            let label = format!("{}（本人接单）", cx.staff.0.display_name);
            vec![select("to", vec![(me, label)])]
        }
        "hand_over" | "assign" => {
            let managers = cx
                .managers
                .iter()
                .map(|m| (m.id.to_string(), m.display_name.clone()))
                .collect();
            vec![select("to", managers)]
        }
        "record_first_call" => vec![select(
            "built_by",
            [BuiltBy::SelfBuilt, BuiltBy::CompanyBuilt]
                .into_iter()
                .zip(["self_built", "company_built"])
                .map(|(b, value)| (value.to_string(), text::built_by(b).to_string()))
                .collect(),
        )],
        "record_acceptance" => vec![select(
            "failure_cause",
            [
                FailureCause::ApplicantEquipment,
                FailureCause::UnsafeEnvironment,
                FailureCause::CompanyWork,
            ]
            .into_iter()
            .zip(["applicant_equipment", "unsafe_environment", "company_work"])
            .map(|(c, value)| (value.to_string(), text::failure_cause(c).to_string()))
            .collect(),
        )],
        "correct_occurred_at" => {
            let events = &cx.detail.events;
            let choices = events
                .iter()
                .filter(|e| !NOT_CORRECTABLE.contains(&e.event.kind.as_str()))
                .map(|e| {
                    let at = connection::latest_occurred_at(events, e.seq);
                    let label = format!(
                        "第{}条 {}（{}）",
                        e.seq,
                        text::event(&e.event.kind),
                        local(at)
                    );
                    (e.seq.to_string(), label)
                })
                .collect();
            vec![select("seq", choices)]
        }
        "request_material" => vec![select("material", pairs(&owed(app).collect::<Vec<_>>()))],
        "hand_in_material" => {
            let channels = HAND_IN_CHANNELS
                .iter()
                .map(|c| (c.as_str().to_string(), text::channel(*c).to_string()))
                .collect();
            vec![
                select("material", pairs(&owed(app).collect::<Vec<_>>())),
                select("channel", channels),
            ]
        }
        "review_hand_in" => {
            let choices = pending(app)
                .map(|h| {
                    let name = record::material_name(app, &h.material);
                    let label = format!("第{}份 {name}：{}", h.number, h.description);
                    (h.number.to_string(), label)
                })
                .collect();
            vec![select("hand_in", choices)]
        }
        "record_payment" => {
            let community = cx.community().then_some(COMMUNITY_PAYMENT_METHOD);
            let methods: Vec<_> = community
                .into_iter()
                .chain(PAYMENT_METHODS)
                .map(|m| (m, m))
                .collect();
            vec![select("method", pairs(&methods))]
        }
        "resolve_site_problem" => {
            let problems = app.one_stop.iter().flat_map(|c| &c.site_problems);
            let choices = problems
                .filter(|p| p.resolved_at.is_none())
                .map(|p| {
                    let label = format!("第{}项：{}", p.number, p.description);
                    (p.number.to_string(), label)
                })
                .collect();
            vec![select("problem", choices)]
        }
        "record_satisfaction" => {
            let ratings = (1..=5u8)
                .rev()
                .map(|r| (r.to_string(), format!("{r}分 {}", record::rating_text(r))))
                .collect();
            vec![select("rating", ratings)]
        }
        "offer_extended_service" => {
            let services = cx.rules.map(|r| r.extended_services.as_slice());
            let choices = services
                .unwrap_or_default()
                .iter()
                .map(|s| (s.key.clone(), s.name.clone()))
                .collect();
            vec![select("service", choices)]
        }
        "request_permit_agency" => {
            let permits = cx.rules.map(|r| r.agency_services.as_slice());
            let choices = permits
                .unwrap_or_default()
                .iter()
                .filter(|s| !app.permits.iter().any(|p| p.permit == s.key))
                .map(|s| (s.key.clone(), s.name.clone()))
                .collect();
            vec![select("permit", choices)]
        }
        "update_permit" => {
            let permits = app
                .permits
                .iter()
                .filter(|p| !p.status.is_final())
                .map(|p| (p.permit.clone(), p.name.clone()))
                .collect();
            let steps = PERMIT_STEPS
                .iter()
                .map(|(s, value)| (value.to_string(), record::permit_status(*s).to_string()))
                .collect();
            vec![select("permit", permits), select("status", steps)]
        }
        _ => Vec::new(),
    }
}

/// The safety briefing at a one-stop gas-on, item by item.
fn checks(kind: &str, cx: &FormContext<'_>, values: &HashMap<String, String>) -> Vec<Check> {
    if kind != "record_acceptance" || !cx.one_stop() {
        return Vec::new();
    }
    let ticked = |name: &str| {
        values
            .get(name)
            .is_some_and(|v| !matches!(v.as_str(), "" | "off" | "false" | "0"))
    };
    SAFETY_BRIEFING
        .iter()
        .chain(std::iter::once(&TRAINING))
        .map(|(key, label)| {
            let name = briefing_field(key);
            Check {
                checked: ticked(&name),
                name,
                label,
            }
        })
        .collect()
}

/// What a form shows the person acting before they confirm it.
fn form_facts(kind: &str, cx: &FormContext<'_>) -> Vec<(String, String)> {
    if cx.community() {
        return community_forms::form_facts(kind, cx.app());
    }
    let case = cx.app().one_stop.as_ref();
    let quote = case.and_then(|c| c.quote.as_ref());
    match (kind, quote) {
        ("confirm_quote", Some(q)) => vec![
            ("报价版本".into(), format!("第{}版", q.revision)),
            ("报价合计".into(), text::yuan(q.total_fen)),
        ],
        ("record_payment", Some(q)) => {
            let paid = case.map(|c| c.paid_fen()).unwrap_or_default();
            vec![
                ("报价合计".into(), text::yuan(q.total_fen)),
                ("已缴".into(), text::yuan(paid)),
                (
                    "待缴".into(),
                    text::yuan(q.total_fen.saturating_sub(paid).max(0)),
                ),
            ]
        }
        _ => Vec::new(),
    }
}

fn hint(kind: &str, cx: &FormContext<'_>) -> &'static str {
    let one_stop = cx.one_stop();
    match kind {
        "hand_over" => "线下受理的申请，应在受理后2个工作小时内转交客户经理。",
        "assign" if cx.staff.0.role == Role::CustomerManager => "接单后由您负责此申请。",
        "assign" => "指派或改派负责的客户经理；已在计的时限不受影响。",
        "record_first_call" if one_stop => {
            "网上登记的一站式服务申请，客户经理须在2个工作小时内响应，\
             联系用户并安排后续事宜；响应后即进入踏勘设计。"
        }
        "record_first_call" => {
            "网上营业厅、热线登记的申请，客户经理须在受理后1个工作小时内电话联系申请人，\
             确认营业执照、用气地址、自建或代建、竣工验收情况。"
        }
        "verify_site" => {
            "组织施工、设计人员核实用户产权范围内燃气设施和外部气源管；\
             有不符合要求的，须填写整改建议。"
        }
        "sign_contract" if one_stop => {
            "用户确认报价、资料齐全后签订《供用气合同》并登记开票信息；\
             签约同时向施工单位下达任务单，有特殊要求的请注明\
             （无特殊要求的，施工单位次日前进场）。"
        }
        "sign_contract" => "与申请人签订《供用气合同》。",
        "schedule_gas_on" => "按通气计划安排验收通气时间。",
        "record_acceptance" if one_stop => {
            "组织验收并通气点火。合格的，须逐项讲解并勾选：用气设备使用说明、\
             安全用气注意事项、告知报警电话和咨询电话；需要时现场培训。\
             未通过的请选择原因。"
        }
        "record_acceptance" => {
            "组织建设、运行、施工单位验收并通气点火。未通过的请选择原因；\
             用户设备原因、用气环境不安全的不计入一次交验通气合格率。"
        }
        "correct_occurred_at" => "更正某条记录的实际发生时间；原记录保留不变，更正另行记录。",
        "cancel" => "申请人撤回或无法继续办理时撤销；撤销后不能恢复。",
        "await_applicant" => {
            "需要用户配合（如约定踏勘时间、提供设计资料）时登记；等待期间各环节计时暂停，\
             用户搁置超过2个工作日的须主动跟进。"
        }
        "applicant_responded" => "用户已完成需要配合的事项，各环节恢复计时。",
        "follow_up_applicant" => "用户搁置超过2个工作日的，主动询问原因并提供帮助。",
        "agree_survey_time" => {
            "与用户约定踏勘时间和用气方案，请用户准备设计资料；正在等待用户的，登记后恢复计时。"
        }
        "record_survey" => {
            "设计人员、施工单位必须参加现场踏勘；客户经理缺席时由设计人员全权负责并登记。\
             用户选用推荐的用气设备或报警器的，现场确定布置。"
        }
        "issue_design" => {
            "依据价格清单逐项报价，每行填写“编码 数量”，如 GD-DN25 25。\
             设计方案当天报给客户经理并转给用户。"
        }
        "revise_quote" => {
            "签约前可修改报价，按现行价格清单重新计价，用户须重新确认；签约或缴费后不能修改。"
        }
        "deliver_design" => "设计方案和报价已送达用户：踏勘设计环节完成，签约缴费环节开始计时。",
        "confirm_quote" => "用户确认当前版本的工程报价后方可签约。",
        "record_payment" if cx.community() => {
            "按收据登记配套费缴费金额（元，最多两位小数）；缴清后开始施工。"
        }
        "record_payment" => {
            "按报价收费并登记收据编号；缴清后进入施工。金额以元为单位，最多两位小数，如 1000.50。"
        }
        "request_material" => "只能请用户补交资料清单内尚欠的资料，不得索要清单以外的材料。",
        "hand_in_material" => "登记用户补交的资料及接收渠道，随后审核。",
        "review_hand_in" => "接收后该资料视为已提供；退回的须说明原因，退回记录保留可查。",
        "enter_site" => "施工单位进场，核对用气设备与设计、设计与现场；有问题立即反馈。",
        "report_site_problem" => "设备与设计不符、设计与现场不符的，立即反馈设计人员和客户经理。",
        "resolve_site_problem" => "登记现场问题的处理结果。",
        "complete_construction" => "施工完成、具备通气条件；现场问题须全部处理完毕。",
        "record_satisfaction" => "完工具备通气条件后，征求用户满意度并由用户签字确认。",
        "offer_extended_service" => {
            "推荐延伸服务，由用户自愿选择；同一服务再次登记的，以最新答复为准。"
        }
        "request_permit_agency" => {
            "用户需要时，免费代办道路开挖、交通组织、消防等审批；行政类规费由用户承担。"
        }
        "update_permit" => "登记代办审批的进度和行政规费（由用户承担；代办本身不收费）。",
        _ => "备注仅工作人员可见。",
    }
}
