//! The one-stop (turnkey) line: registration, site survey and design with
//! an itemised quote, contract and payment, construction and gas-on.
//!
//! The steps' clocks come from the rulebook (see `workflow`); this module
//! decides what each action needs and changes. Money is integer fen; a
//! quote is checked whenever it is relied on and cannot change once paid.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::application::{Actor, Application, Status};
pub use crate::catalogue::Payment;
use crate::catalogue::{Quote, QuoteRequestLine, sum};
use crate::connection::{Context, optional_text, required_text};
use crate::error::DomainError;
use crate::rulebook::ApplicantKind;
use crate::workflow;
use crate::{Role, materials};

/// The steps of the line, as the rulebook keys them.
pub const REGISTRATION: &str = "registration";
pub const SURVEY_DESIGN: &str = "survey_design";
pub const CONTRACT_PAYMENT: &str = "contract_payment";
pub const CONSTRUCTION_GAS_ON: &str = "construction_gas_on";
/// The limit on the construction unit entering the site (R-OS-4).
pub const SITE_ENTRY: &str = "site_entry";

/// What staff go through with the applicant at gas-on, item by item
/// (R-OS-4). Training is given where needed and is not on this list.
pub const SAFETY_BRIEFING: [(&str, &str); 4] = [
    ("appliance_use", "用气设备使用说明"),
    ("safe_use", "安全用气注意事项"),
    ("alarm_number", "告知报警电话"),
    ("consultation_number", "告知咨询电话"),
];

/// The optional briefing item: training the applicant on site.
pub const TRAINING: (&str, &str) = ("training", "现场安全培训");

/// The site survey as recorded (R-OS-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Survey {
    pub surveyed_at: DateTime<Utc>,
    pub designer_attended: bool,
    pub construction_unit_attended: bool,
    pub customer_manager_present: bool,
    /// Who was in charge on site: the customer manager, or the designer
    /// when the customer manager was absent.
    pub in_charge: String,
    pub gas_use_plan: String,
    /// Layout of the recommended appliances, when the applicant takes them.
    pub appliance_layout: Option<String>,
    /// Layout of the leak alarm, when the applicant takes one.
    pub leak_alarm_layout: Option<String>,
}

/// The design plan the designer hands to the customer manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DesignPlan {
    pub summary: String,
    pub issued_at: DateTime<Utc>,
    pub issued_by: String,
    /// When it reached the applicant.
    pub delivered_at: Option<DateTime<Utc>>,
    /// It reached the applicant on the Beijing day it was issued.
    pub delivered_same_day: Option<bool>,
}

/// Invoicing details the applicant gives at contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Invoice {
    /// 发票抬头: the name on the invoice.
    pub title: String,
    /// 纳税人识别号: usually the credit code.
    pub tax_number: String,
}

/// The work order to the construction unit, issued with the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkOrder {
    pub issued_at: DateTime<Utc>,
    pub special_requests: Option<String>,
    pub site_entered_at: Option<DateTime<Utc>>,
}

/// A problem the construction unit found on site: an appliance not as
/// designed, or a design not fitting the site. It goes to the designer and
/// the customer manager at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SiteProblem {
    pub number: u32,
    pub description: String,
    pub reported_by: String,
    pub reported_at: DateTime<Utc>,
    pub resolution: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// The applicant's satisfaction and signature once gas-on is possible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Satisfaction {
    /// 1 (very dissatisfied) to 5 (very satisfied).
    pub rating: u8,
    pub signed_by: String,
    pub comment: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// Everything the one-stop line records beyond the common application.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct OneStopCase {
    pub applicant_kind: Option<ApplicantKind>,
    /// The survey time agreed with the applicant.
    pub survey_at: Option<DateTime<Utc>>,
    /// When it was agreed.
    #[serde(default)]
    pub survey_agreed_at: Option<DateTime<Utc>>,
    pub survey: Option<Survey>,
    pub design: Option<DesignPlan>,
    pub quote: Option<Quote>,
    pub invoice: Option<Invoice>,
    pub payments: Vec<Payment>,
    pub work_order: Option<WorkOrder>,
    pub site_problems: Vec<SiteProblem>,
    pub construction_completed_at: Option<DateTime<Utc>>,
    pub satisfaction: Option<Satisfaction>,
    /// The briefing items given at gas-on.
    pub safety_briefing: Vec<String>,
}

impl OneStopCase {
    pub fn paid_fen(&self) -> i64 {
        sum(self.payments.iter().map(|p| p.amount_fen)).unwrap_or(i64::MAX)
    }
}

fn case(app: &mut Application) -> &mut OneStopCase {
    app.one_stop.get_or_insert_with(OneStopCase::default)
}

/// A step is recorded no earlier than what it rests on.
fn not_before(at: DateTime<Utc>, earlier: Option<DateTime<Utc>>) -> Result<(), DomainError> {
    match earlier {
        Some(t) if at < t => Err(DomainError::TimeBeforeStep),
        _ => Ok(()),
    }
}

/// The applicant agreed a survey time. If the company was waiting on them,
/// its clocks run again from now.
pub fn agree_survey_time(
    app: &mut Application,
    survey_at: DateTime<Utc>,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<(), DomainError> {
    if survey_at < app.accepted_at || survey_at > ctx.now + chrono::Duration::days(90) {
        return Err(DomainError::invalid("survey_at"));
    }
    workflow::applicant_responded(app, at, ctx)?;
    let c = case(app);
    c.survey_at = Some(survey_at);
    c.survey_agreed_at = Some(at);
    Ok(())
}

/// What a survey record says happened on site.
pub struct SurveyRecord<'a> {
    pub designer_attended: bool,
    pub construction_unit_attended: bool,
    pub customer_manager_present: bool,
    pub gas_use_plan: &'a str,
    pub appliance_layout: &'a Option<String>,
    pub leak_alarm_layout: &'a Option<String>,
}

/// Records the survey: the designer and the construction unit must both
/// have attended; without the customer manager the designer is in charge.
pub fn record_survey(
    app: &mut Application,
    record: &SurveyRecord<'_>,
    actor: &Actor,
    at: DateTime<Utc>,
) -> Result<(), DomainError> {
    if app.waiting_on_applicant.is_some() {
        return Err(DomainError::WaitingOnApplicant);
    }
    if case(app).survey_at.is_none() {
        return Err(DomainError::SurveyNotAgreed);
    }
    if case(app).survey.is_some() {
        return Err(DomainError::AlreadyDone);
    }
    not_before(at, case(app).survey_agreed_at)?;
    if !(record.designer_attended && record.construction_unit_attended) {
        return Err(DomainError::invalid("attendance"));
    }
    let in_charge = if record.customer_manager_present {
        app.assignee
            .as_ref()
            .map(|a| a.name.clone())
            .unwrap_or_else(|| actor.name.clone())
    } else if actor.role == Some(Role::Designer) {
        actor.name.clone()
    } else {
        // Absent customer managers do not record surveys they missed.
        return Err(DomainError::invalid("customer_manager_present"));
    };
    case(app).survey = Some(Survey {
        surveyed_at: at,
        designer_attended: true,
        construction_unit_attended: true,
        customer_manager_present: record.customer_manager_present,
        in_charge,
        gas_use_plan: required_text("gas_use_plan", record.gas_use_plan)?,
        appliance_layout: optional_text("appliance_layout", record.appliance_layout)?,
        leak_alarm_layout: optional_text("leak_alarm_layout", record.leak_alarm_layout)?,
    });
    Ok(())
}

/// The designer issues the design plan with its itemised quote, priced
/// from the current catalogue. The design needs the non-waivable materials.
pub fn issue_design(
    app: &mut Application,
    summary: &str,
    request: &[QuoteRequestLine],
    actor: &Actor,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<Quote, DomainError> {
    if case(app).survey.is_none() {
        return Err(DomainError::SurveyNotRecorded);
    }
    if case(app).design.is_some() {
        return Err(DomainError::AlreadyDone);
    }
    not_before(at, case(app).survey.as_ref().map(|s| s.surveyed_at))?;
    materials::require(app, false)?;
    let catalogue = ctx.catalogue.ok_or(DomainError::NoCatalogue)?;
    let quote = Quote::price(catalogue, request, 1, at, &actor.name)?;
    let c = case(app);
    c.design = Some(DesignPlan {
        summary: required_text("summary", summary)?,
        issued_at: at,
        issued_by: actor.name.clone(),
        delivered_at: None,
        delivered_same_day: None,
    });
    c.quote = Some(quote.clone());
    Ok(quote)
}

/// A new revision of the quote, priced from the current catalogue; the
/// applicant confirms again. Refused once anything was paid.
pub fn revise_quote(
    app: &mut Application,
    request: &[QuoteRequestLine],
    reason: &str,
    actor: &Actor,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<Quote, DomainError> {
    required_text("reason", reason)?;
    let c = case(app);
    let Some(current) = &c.quote else {
        return Err(DomainError::NoQuote);
    };
    // Paid, or the contract signed on it: the quote stands as it is.
    if !c.payments.is_empty() || c.invoice.is_some() {
        return Err(DomainError::QuoteLocked);
    }
    let catalogue = ctx.catalogue.ok_or(DomainError::NoCatalogue)?;
    let quote = Quote::price(catalogue, request, current.revision + 1, at, &actor.name)?;
    c.quote = Some(quote.clone());
    Ok(quote)
}

/// The design plan reaches the applicant: the survey-and-design step is
/// complete, and the contract step's clock starts.
pub fn deliver_design(
    app: &mut Application,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<(), DomainError> {
    let Some(design) = case(app).design.as_mut() else {
        return Err(DomainError::DesignNotIssued);
    };
    if design.delivered_at.is_some() {
        return Err(DomainError::AlreadyDone);
    }
    if at < design.issued_at {
        return Err(DomainError::invalid("occurred_at"));
    }
    let day = gasdesk_calendar::shanghai::date_of;
    design.delivered_at = Some(at);
    design.delivered_same_day = Some(day(at) == day(design.issued_at));
    workflow::complete_step(app, SURVEY_DESIGN, at, ctx)?;
    app.status = Status::AwaitingContract;
    if let Some(until) = app.deadline(CONTRACT_PAYMENT).map(|d| d.due_at) {
        materials::owed_until(app, until);
    }
    Ok(())
}

/// The applicant confirms the quote revision they were shown.
pub fn confirm_quote(
    app: &mut Application,
    revision: u32,
    at: DateTime<Utc>,
) -> Result<(), DomainError> {
    let Some(quote) = case(app).quote.as_mut() else {
        return Err(DomainError::NoQuote);
    };
    if quote.revision != revision {
        return Err(DomainError::QuoteRevisionChanged);
    }
    if !quote.is_consistent() {
        return Err(DomainError::QuoteInconsistent);
    }
    if quote.confirmed_at.is_some() {
        return Err(DomainError::AlreadyDone);
    }
    not_before(at, Some(quote.issued_at))?;
    quote.confirmed_at = Some(at);
    Ok(())
}

/// Signs the gas supply contract: the quote confirmed, nothing owed, the
/// invoicing details given. The work order goes to the construction unit
/// at the same time; without special requests its site-entry clock starts.
pub fn sign_contract(
    app: &mut Application,
    contract_number: &str,
    invoice: &Option<Invoice>,
    special_requests: &Option<String>,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<(), DomainError> {
    let number = required_text("contract_number", contract_number)?;
    let Some(quote) = case(app).quote.clone() else {
        return Err(DomainError::NoQuote);
    };
    if quote.confirmed_at.is_none() {
        return Err(DomainError::QuoteNotConfirmed);
    }
    not_before(at, quote.confirmed_at)?;
    if !quote.is_consistent() {
        return Err(DomainError::QuoteInconsistent);
    }
    materials::require(app, true)?;
    let Some(invoice) = invoice else {
        return Err(DomainError::invalid("invoice"));
    };
    let invoice = Invoice {
        title: required_text("invoice.title", &invoice.title)?,
        tax_number: required_text("invoice.tax_number", &invoice.tax_number)?,
    };
    let special_requests = optional_text("special_requests", special_requests)?;
    app.contract_number = Some(number);
    let c = case(app);
    c.invoice = Some(invoice);
    c.work_order = Some(WorkOrder {
        issued_at: at,
        special_requests: special_requests.clone(),
        site_entered_at: None,
    });
    if special_requests.is_none() {
        workflow::fire(app, "work_order_issued", at, ctx)?;
    }
    if quote.total_fen == 0 {
        workflow::start_construction(app, CONTRACT_PAYMENT, at, ctx)?;
    }
    Ok(())
}

/// Records a payment with its receipt. Paying the whole quote completes the
/// contract-and-payment step; more than the quote is refused.
pub fn record_payment(
    app: &mut Application,
    amount_fen: i64,
    receipt_number: &str,
    method: &str,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<i64, DomainError> {
    if app.contract_number.is_none() {
        return Err(DomainError::ContractNotSigned);
    }
    let c = case(app);
    let Some(quote) = c.quote.clone() else {
        return Err(DomainError::NoQuote);
    };
    not_before(at, c.work_order.as_ref().map(|o| o.issued_at))?;
    let outstanding = crate::catalogue::pay(
        &quote,
        &mut c.payments,
        amount_fen,
        receipt_number,
        method,
        at,
    )?;
    if outstanding == 0 {
        workflow::start_construction(app, CONTRACT_PAYMENT, at, ctx)?;
    }
    Ok(outstanding)
}

/// The construction unit entered the site.
pub fn enter_site(
    app: &mut Application,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let Some(order) = case(app).work_order.as_mut() else {
        return Err(DomainError::ContractNotSigned);
    };
    if order.site_entered_at.is_some() {
        return Err(DomainError::AlreadyDone);
    }
    not_before(at, Some(order.issued_at))?;
    order.site_entered_at = Some(at);
    workflow::meet(app, SITE_ENTRY, at, now);
    Ok(())
}

/// A problem found on site, for the designer and the customer manager.
pub fn report_problem(
    app: &mut Application,
    description: &str,
    actor: &Actor,
    at: DateTime<Utc>,
) -> Result<u32, DomainError> {
    let description = required_text("description", description)?;
    let c = case(app);
    not_before(at, c.work_order.as_ref().map(|o| o.issued_at))?;
    if c.site_problems.len() >= 200 {
        return Err(DomainError::invalid("description"));
    }
    let number = c.site_problems.len() as u32 + 1;
    c.site_problems.push(SiteProblem {
        number,
        description,
        reported_by: actor.name.clone(),
        reported_at: at,
        resolution: None,
        resolved_at: None,
    });
    Ok(number)
}

pub fn resolve_problem(
    app: &mut Application,
    number: u32,
    resolution: &str,
    at: DateTime<Utc>,
) -> Result<(), DomainError> {
    let resolution = required_text("resolution", resolution)?;
    let problem = case(app)
        .site_problems
        .iter_mut()
        .find(|p| p.number == number)
        .ok_or(DomainError::invalid("problem"))?;
    if problem.resolved_at.is_some() {
        return Err(DomainError::AlreadyDone);
    }
    not_before(at, Some(problem.reported_at))?;
    problem.resolution = Some(resolution);
    problem.resolved_at = Some(at);
    Ok(())
}

/// Construction is done: gas-on can be planned. The site must have been
/// entered and every problem found there resolved.
pub fn complete_construction(app: &mut Application, at: DateTime<Utc>) -> Result<(), DomainError> {
    let c = case(app);
    if c.work_order
        .as_ref()
        .and_then(|o| o.site_entered_at)
        .is_none()
    {
        return Err(DomainError::SiteNotEntered);
    }
    if c.site_problems.iter().any(|p| p.resolved_at.is_none()) {
        return Err(DomainError::ProblemsOpen);
    }
    not_before(at, c.work_order.as_ref().and_then(|o| o.site_entered_at))?;
    not_before(
        at,
        c.site_problems.iter().filter_map(|p| p.resolved_at).max(),
    )?;
    c.construction_completed_at = Some(at);
    app.status = Status::AwaitingGasOn;
    Ok(())
}

pub fn record_satisfaction(
    app: &mut Application,
    rating: u8,
    signed_by: &str,
    comment: &Option<String>,
    at: DateTime<Utc>,
) -> Result<(), DomainError> {
    if !(1..=5).contains(&rating) {
        return Err(DomainError::invalid("rating"));
    }
    if case(app).satisfaction.is_some() {
        return Err(DomainError::AlreadyDone);
    }
    not_before(at, case(app).construction_completed_at)?;
    let satisfaction = Satisfaction {
        rating,
        signed_by: required_text("signed_by", signed_by)?,
        comment: optional_text("comment", comment)?,
        recorded_at: at,
    };
    case(app).satisfaction = Some(satisfaction);
    Ok(())
}

/// Before a passed acceptance on this line is recorded: the applicant
/// signed their satisfaction, and the briefing covers every item.
pub fn check_gas_on(
    app: &mut Application,
    briefing: &[String],
    at: DateTime<Utc>,
) -> Result<(), DomainError> {
    let c = case(app);
    not_before(at, c.construction_completed_at)?;
    if briefing.len() > 2 * (SAFETY_BRIEFING.len() + 1) {
        return Err(DomainError::invalid("safety_briefing"));
    }
    if c.satisfaction.is_none() {
        return Err(DomainError::SatisfactionMissing);
    }
    let known = |k: &String| SAFETY_BRIEFING.iter().any(|(key, _)| key == k) || k == TRAINING.0;
    if !briefing.iter().all(known) {
        return Err(DomainError::invalid("safety_briefing"));
    }
    let covered = SAFETY_BRIEFING
        .iter()
        .all(|(key, _)| briefing.iter().any(|b| b == key));
    if !covered {
        return Err(DomainError::invalid("safety_briefing"));
    }
    let mut items: Vec<String> = briefing.to_vec();
    items.sort();
    items.dedup();
    c.safety_briefing = items;
    Ok(())
}
