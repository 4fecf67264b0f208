//! The "102" connection line: application, then valve opening and gas-on,
//! within one working day of acceptance, with no document and no fee.
//!
//! Each function takes the current state and a request and returns the new
//! state with the events that record the change, or an error that changes
//! nothing. Storage writes both in one transaction.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::application::{
    AcceptanceAttempt, Actor, Applicant, Application, BuiltBy, FailureCause, LicenceCheck,
    Readiness, SiteVerification, StaffRef, Status,
};
use crate::catalogue::{PriceCatalogue, QuoteRequestLine};
use crate::community::{self, BuildStandard, DrawingKind, HouseholdAddress, Plot};
use crate::deadline::{Calendars, Deadline};
use crate::error::DomainError;
use crate::event::{Event, NewEvent};
use crate::one_stop::{Invoice, OneStopCase};
use crate::registry::BusinessLicence;
use crate::rulebook::{ApplicantKind, Rulebook, ServiceLine};
use crate::services::PermitStatus;
use crate::uscc::Uscc;
use crate::workflow::{self, meet};
use crate::{Channel, Role, materials, one_stop, services};

/// How far ahead of the server clock an actor may date an action: clocks on
/// counter PCs drift a little, but nothing is recorded as done in the future.
const CLOCK_SKEW: Duration = Duration::minutes(5);

/// How long after the fact counter or hotline staff may still enter an
/// application; older paper slips are a matter for a supervisor, not intake.
const INTAKE_BACKDATE: Duration = Duration::days(30);

/// How far ahead a gas-on slot may be planned.
const PLAN_AHEAD: Duration = Duration::days(90);

const TEXT_MAX: usize = 200;
const NOTE_MAX: usize = 2000;
const PARTICIPANTS_MAX: usize = 30;

/// An application as taken at intake, before it is checked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Intake {
    pub channel: Channel,
    pub organisation: String,
    pub contact_name: String,
    pub phone: String,
    pub uscc: String,
    pub site_address: String,
    // TODO: a new residential community has no use for the 102 readiness
    // answers, yet every intake carries them (the counter form asks them of
    // a developer too); they should be optional per line.
    pub readiness: Readiness,
    /// When the applicant asked, for counter and hotline intake entered a
    /// little later; the online hall always uses the server's time.
    pub accepted_at: Option<DateTime<Utc>>,
    /// A customer manager to own it from the start (hotline desks often
    /// route at once); otherwise it waits in the pool.
    pub assignee: Option<StaffRef>,
    /// At a counter: staff saw the original business licence. Only used
    /// when the registry does not know the code.
    #[serde(default)]
    pub licence_seen: bool,
    /// The line the applicant asks for. Without it, an applicant whose
    /// source pipeline and facilities are finished and accepted gets the 102
    /// standard, and any other the one-stop service.
    #[serde(default)]
    pub line: Option<ServiceLine>,
    /// One-stop: the kind of applicant (an institution or a military unit
    /// holds no business licence and is never asked for one).
    #[serde(default)]
    pub applicant_kind: Option<ApplicantKind>,
    /// One-stop and new community: the listed materials handed in at
    /// intake, by key; what is missing and waivable makes the application
    /// pre-accepted.
    #[serde(default)]
    pub materials: Vec<String>,
    /// New community: the ledger entry the application starts from.
    #[serde(default)]
    pub plot_id: Option<Uuid>,
    /// New community: shell or fitted.
    #[serde(default)]
    pub build_standard: Option<BuildStandard>,
    /// New community, fitted: the gas appliances the developer supplies
    /// (`stove`, `water_heater`, `floor_heating`).
    #[serde(default)]
    pub developer_appliances: Vec<String>,
}

/// What the rules need from the outside world to open an application.
pub struct Context<'a> {
    pub rulebook: &'a Rulebook,
    pub calendars: &'a Calendars,
    pub now: DateTime<Utc>,
    /// The price catalogue in force, for quotes and fees.
    pub catalogue: Option<&'a PriceCatalogue>,
    /// The ledger entry an intake names, looked up.
    pub plot: Option<&'a Plot>,
}

impl<'a> Context<'a> {
    /// A context with no catalogue and no ledger entry at hand.
    pub fn new(rulebook: &'a Rulebook, calendars: &'a Calendars, now: DateTime<Utc>) -> Self {
        Context {
            rulebook,
            calendars,
            now,
            catalogue: None,
            plot: None,
        }
    }
}

/// Checks an intake and opens the application with its first event.
pub fn open(
    intake: &Intake,
    licence: Option<&BusinessLicence>,
    id: Uuid,
    number: String,
    actor: &Actor,
    ctx: &Context<'_>,
) -> Result<(Application, NewEvent), DomainError> {
    if !intake.channel.is_intake() {
        return Err(DomainError::invalid("channel"));
    }
    if intake.channel != Channel::Online && !actor.has_role(&INTAKE_ROLES) {
        return Err(DomainError::Forbidden);
    }
    let applicant = check_applicant(intake)?;
    let accepted_at = match (intake.channel, intake.accepted_at) {
        (Channel::Online, _) | (_, None) => ctx.now,
        (_, Some(at)) if at < ctx.now - INTAKE_BACKDATE => return Err(DomainError::TimeTooEarly),
        (_, Some(at)) => not_in_future(at, ctx.now)?,
    };
    // Only staff route an application to someone at intake; an applicant
    // online cannot pick who handles their case.
    let assignee = intake.assignee.clone().filter(|_| actor.user_id.is_some());

    if intake.plot_id.is_some() && intake.line != Some(ServiceLine::NewCommunity) {
        // A ledger plot is for a residential community, never another line.
        return Err(DomainError::invalid("plot_id"));
    }
    let qualifies = intake.readiness.qualifies_for_102();
    let line = match intake.line {
        Some(ServiceLine::Connection102) | None if qualifies => ServiceLine::Connection102,
        Some(ServiceLine::NewCommunity) => ServiceLine::NewCommunity,
        _ => ServiceLine::OneStop,
    };
    let status = match (line, intake.channel) {
        (ServiceLine::OneStop, _) => Status::RoutedOneStop,
        (ServiceLine::NewCommunity, _) => Status::AwaitingDesign,
        (_, c) if c.is_in_person() => Status::AwaitingHandover,
        _ => Status::AwaitingFirstCall,
    };
    let deadlines = match line {
        ServiceLine::Connection102 => start_deadlines(line, intake.channel, accepted_at, ctx)?,
        _ => Vec::new(),
    };
    // Counter staff can see the original licence; on the phone nobody can.
    let seen_at_counter = intake.licence_seen && intake.channel.is_in_person();
    let licence_check = match licence {
        Some(l) => LicenceCheck::Found {
            name: l.name.clone(),
            legal_representative: l.legal_representative.clone(),
            registry_status: l.status.as_str().to_string(),
        },
        None if seen_at_counter => LicenceCheck::SeenAtCounter,
        None => LicenceCheck::ToConfirmByPhone,
    };

    let application = Application {
        id,
        number,
        line,
        channel: intake.channel,
        status,
        applicant,
        readiness: intake.readiness,
        licence: licence_check,
        accepted_at,
        assignee: assignee.clone(),
        deadlines,
        verification: None,
        contract_number: None,
        gas_on_planned_at: None,
        acceptance_attempts: Vec::new(),
        cancel_reason: None,
        materials: Vec::new(),
        hand_ins: Vec::new(),
        waiting_on_applicant: None,
        one_stop: None,
        community: None,
        extended_services: Vec::new(),
        permits: Vec::new(),
        version: 1,
    };
    let mut application = application;
    match line {
        ServiceLine::OneStop => one_stop_registration(&mut application, intake, licence, ctx)?,
        ServiceLine::NewCommunity => {
            community_registration(&mut application, intake, licence, actor, ctx)?
        }
        ServiceLine::Connection102 => {}
    }
    let event = NewEvent {
        kind: "submitted".into(),
        actor: actor.clone(),
        channel: intake.channel,
        occurred_at: accepted_at,
        recorded_at: ctx.now,
        payload: serde_json::json!({
            "line": line,
            "status": status,
            "readiness": intake.readiness,
            "licence": application.licence,
            "assignee": assignee,
            "materials": application.materials,
        }),
    };
    Ok((application, event))
}

/// Registers a developer's community: its materials (shareable from the
/// government systems, so waivable), its build standard, and the ledger
/// entry it starts from.
fn community_registration(
    app: &mut Application,
    intake: &Intake,
    licence: Option<&BusinessLicence>,
    actor: &Actor,
    ctx: &Context<'_>,
) -> Result<(), DomainError> {
    let rules = ctx
        .rulebook
        .line(ServiceLine::NewCommunity)
        .ok_or(DomainError::RulebookIncomplete("new_community"))?;
    let kind = intake.applicant_kind.unwrap_or(ApplicantKind::Developer);
    if kind != ApplicantKind::Developer {
        return Err(DomainError::invalid("applicant_kind"));
    }
    let plot = match (intake.plot_id, ctx.plot) {
        (None, _) => None,
        (Some(id), Some(p)) if p.id == id && p.application_number.is_none() => Some(p),
        _ => return Err(DomainError::invalid("plot_id")),
    };
    app.materials = materials::at_intake(rules, kind, &intake.materials, licence)?;
    community::register(
        app,
        plot,
        intake.build_standard,
        &intake.developer_appliances,
        actor,
        ctx,
    )
}

/// Registers a one-stop application: its materials, and its clocks. At a
/// counter or on the hotline registration is done on the spot and the
/// survey-and-design step starts; online, a customer manager responds first.
fn one_stop_registration(
    app: &mut Application,
    intake: &Intake,
    licence: Option<&BusinessLicence>,
    ctx: &Context<'_>,
) -> Result<(), DomainError> {
    let rules = ctx
        .rulebook
        .line(ServiceLine::OneStop)
        .ok_or(DomainError::RulebookIncomplete("one_stop"))?;
    let kind = intake.applicant_kind.unwrap_or(ApplicantKind::Enterprise);
    // A code issued by the market regulator (first character 9) belongs to
    // a registered business, which holds a licence: such an applicant is not
    // an institution or a military unit.
    let registered_business = app.applicant.uscc.starts_with('9');
    let holds_no_licence = matches!(
        kind,
        ApplicantKind::Institution | ApplicantKind::MilitaryUnit
    );
    if kind == ApplicantKind::Developer || (holds_no_licence && registered_business) {
        return Err(DomainError::invalid("applicant_kind"));
    }
    app.materials = materials::at_intake(rules, kind, &intake.materials, licence)?;
    app.one_stop = Some(OneStopCase {
        applicant_kind: Some(kind),
        ..OneStopCase::default()
    });
    let at = app.accepted_at;
    workflow::fire(app, "accepted", at, ctx)?;
    if intake.channel != Channel::Online {
        workflow::complete_step(app, one_stop::REGISTRATION, at, ctx)?;
        app.status = Status::AwaitingSurvey;
    }
    Ok(())
}

const INTAKE_ROLES: [Role; 4] = [
    Role::ServiceStaff,
    Role::CustomerManager,
    Role::Supervisor,
    Role::Admin,
];

fn start_deadlines(
    line: ServiceLine,
    channel: Channel,
    accepted_at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<Vec<Deadline>, DomainError> {
    let rules = ctx
        .rulebook
        .line(line)
        .ok_or(DomainError::RulebookIncomplete(line.as_str()))?;
    rules
        .limits
        .iter()
        .filter(|l| l.starts == "accepted")
        .filter(|l| l.channels.is_empty() || l.channels.contains(&channel))
        .map(|l| Deadline::start(l, accepted_at, ctx.calendars).map_err(DomainError::from))
        .collect()
}

fn check_applicant(intake: &Intake) -> Result<Applicant, DomainError> {
    let uscc = Uscc::parse(&normalise_width(&intake.uscc)).map_err(DomainError::InvalidUscc)?;
    Ok(Applicant {
        organisation: required_text("organisation", &intake.organisation)?,
        contact_name: required_text("contact_name", &intake.contact_name)?,
        phone: check_phone(&intake.phone)?,
        uscc: uscc.as_str().to_string(),
        site_address: required_text("site_address", &intake.site_address)?,
    })
}

pub(crate) fn required_text(field: &'static str, value: &str) -> Result<String, DomainError> {
    let value = value.trim();
    let length = value.chars().count();
    let unprintable = |c: char| c.is_control() || invisible(c);
    if length == 0 || length > TEXT_MAX || value.chars().any(unprintable) {
        return Err(DomainError::invalid(field));
    }
    Ok(value.to_string())
}

/// An optional free text: trimmed, at most 2000 characters, line breaks
/// allowed, no control or invisible characters; empty reads as none.
pub fn optional_text(
    field: &'static str,
    value: &Option<String>,
) -> Result<Option<String>, DomainError> {
    let line_break = |c: char| matches!(c, '\n' | '\r' | '\t');
    let unprintable = |c: char| (c.is_control() && !line_break(c)) || invisible(c);
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) if v.chars().count() > NOTE_MAX || v.chars().any(unprintable) => {
            Err(DomainError::invalid(field))
        }
        Some(v) => Ok(Some(v.to_string())),
    }
}

/// Zero-width and bidirectional format characters: invisible on the page,
/// they make a name look like another or reorder what is shown.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
    )
}

/// Full-width digits, Latin letters and hyphens, as Chinese input methods
/// often type them, read as their ASCII forms.
pub fn normalise_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            '\u{FF0D}' | '\u{2010}'..='\u{2015}' => '-',
            '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

/// A mainland mobile or landline number: digits, optionally an area code
/// joined with a hyphen, 7 to 13 digits in all.
pub fn check_phone(phone: &str) -> Result<String, DomainError> {
    let phone = normalise_width(phone);
    let phone = phone.trim();
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone.chars().all(|c| c.is_ascii_digit() || c == '-');
    let hyphens = phone.matches('-').count();
    let dangling = phone.starts_with('-') || phone.ends_with('-');
    if !allowed || !(7..=13).contains(&digits) || hyphens > 1 || dangling {
        return Err(DomainError::invalid("phone"));
    }
    Ok(phone.to_string())
}

fn not_in_future(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<DateTime<Utc>, DomainError> {
    if at > now + CLOCK_SKEW {
        return Err(DomainError::TimeInFuture);
    }
    Ok(at)
}

/// What the customer manager confirmed on the first call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CallConfirmation {
    pub licence_confirmed: bool,
    pub address_confirmed: bool,
    pub built_by: BuiltBy,
    pub completion_accepted: bool,
}

/// An action on an existing 102 application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// Service staff hand an in-person application to a customer manager.
    HandOver {
        to: StaffRef,
    },
    /// A customer manager takes an order from the pool, or a supervisor
    /// assigns or reassigns it. Deadlines are not touched.
    Assign {
        to: StaffRef,
    },
    /// The customer manager's call to the applicant.
    RecordFirstCall {
        confirmation: CallConfirmation,
        note: Option<String>,
    },
    /// Facilities and source pipe verified on site.
    VerifySite {
        facilities_ok: bool,
        source_pipe_ok: bool,
        rectification_advice: Option<String>,
        tie_in_point: String,
        excavation_approvals: Option<String>,
    },
    /// The gas supply contract signed. On the one-stop line it needs the
    /// applicant's invoicing details and issues the work order to the
    /// construction unit, with any special requests.
    SignContract {
        contract_number: String,
        #[serde(default)]
        invoice: Option<Invoice>,
        #[serde(default)]
        special_requests: Option<String>,
    },
    /// A slot on the gas-on plan.
    ScheduleGasOn {
        planned_at: DateTime<Utc>,
    },
    /// Acceptance and ignition, passed or failed. On the one-stop line a
    /// pass lists the safety-briefing items given.
    RecordAcceptance {
        passed: bool,
        participants: Vec<String>,
        failure_cause: Option<FailureCause>,
        note: Option<String>,
        #[serde(default)]
        safety_briefing: Vec<String>,
    },
    /// A supervisor corrects when an earlier event happened. The original
    /// event stays as it was recorded.
    CorrectOccurredAt {
        seq: i64,
        occurred_at: DateTime<Utc>,
        reason: String,
    },
    /// The applicant withdrew, or the case cannot go on.
    Cancel {
        reason: String,
    },
    AddNote {
        text: String,
    },
    /// The applicant has the next move (e.g. agreeing a survey time): the
    /// company's clocks stop and the applicant's stall clock starts.
    AwaitApplicant {
        reason: String,
    },
    /// The applicant made their move: the company's clocks run again.
    ApplicantResponded {
        note: Option<String>,
    },
    /// The customer manager asked a stalling applicant why, and helped.
    FollowUpApplicant {
        note: String,
    },
    /// One-stop: the survey time agreed with the applicant.
    AgreeSurveyTime {
        survey_at: DateTime<Utc>,
    },
    /// One-stop: the site survey, with who attended.
    RecordSurvey {
        designer_attended: bool,
        construction_unit_attended: bool,
        customer_manager_present: bool,
        gas_use_plan: String,
        appliance_layout: Option<String>,
        leak_alarm_layout: Option<String>,
    },
    /// One-stop: the design plan and its itemised quote, priced from the
    /// price catalogue in force.
    IssueDesign {
        summary: String,
        quote: Vec<QuoteRequestLine>,
    },
    /// One-stop: a new revision of the quote, before the contract.
    ReviseQuote {
        quote: Vec<QuoteRequestLine>,
        reason: String,
    },
    /// One-stop: the design plan reached the applicant.
    DeliverDesign {},
    /// One-stop: the applicant confirmed this quote revision.
    ConfirmQuote {
        revision: u32,
    },
    /// One-stop: a payment against the quote, with its receipt.
    RecordPayment {
        amount_fen: i64,
        receipt_number: String,
        method: String,
    },
    /// The applicant is asked for a listed material they still owe.
    RequestMaterial {
        material: String,
        note: Option<String>,
    },
    /// The applicant handed in a listed material they owe.
    HandInMaterial {
        material: String,
        description: String,
        file_name: Option<String>,
        sha256: Option<String>,
    },
    /// A hand-in checked: accepted, or rejected with the reason.
    ReviewHandIn {
        hand_in: u32,
        accepted: bool,
        reason: Option<String>,
    },
    /// One-stop: the construction unit entered the site.
    EnterSite {},
    /// One-stop: a problem found on site, for designer and customer manager.
    ReportSiteProblem {
        description: String,
    },
    ResolveSiteProblem {
        problem: u32,
        resolution: String,
    },
    /// One-stop: construction is done and gas-on can be planned.
    CompleteConstruction {},
    /// One-stop: the applicant's satisfaction and signature.
    RecordSatisfaction {
        rating: u8,
        signed_by: String,
        comment: Option<String>,
    },
    /// An extended service offered, and the applicant's answer.
    OfferExtendedService {
        service: String,
        accepted: bool,
        note: Option<String>,
    },
    /// The applicant asks the company to obtain a permit, free of charge.
    RequestPermitAgency {
        permit: String,
    },
    /// A permit handled for the applicant moves on.
    UpdatePermit {
        permit: String,
        status: PermitStatus,
        government_fee_fen: Option<i64>,
        note: Option<String>,
    },
    /// New community: the design institute contacted the developer.
    ContactDeveloper {},
    /// New community: the developer's design data arrived.
    ReceiveDesignData {},
    /// New community: a drawing version submitted for review.
    SubmitDrawing {
        kind: DrawingKind,
        summary: String,
    },
    /// New community: the owning unit's review of a drawing version.
    ReviewDrawing {
        drawing: u32,
        passed: bool,
        #[serde(default)]
        reasons: Vec<String>,
    },
    /// New community: the pre-buried pipe contract, its supporting fee
    /// priced from the catalogue, and extended-service contracts alongside.
    SignCommunityContract {
        contract_number: String,
        fee: Vec<QuoteRequestLine>,
        #[serde(default)]
        extended_contracts: Vec<String>,
    },
    /// New community: a milestone of the developer's building schedule.
    AddMilestone {
        building: String,
        description: String,
        planned_at: DateTime<Utc>,
    },
    /// New community: progress and quality noted on a milestone (numbered
    /// from 1), or the milestone reached.
    NoteProgress {
        milestone: usize,
        progress: Option<String>,
        quality: Option<String>,
        #[serde(default)]
        reached: bool,
    },
    /// New community: households entered from the building structure survey.
    RegisterHouseholds {
        households: Vec<HouseholdAddress>,
    },
    /// New community: the developer asks for gas-on.
    RequestGasOn {},
    /// New community, after gas-on: a household opens its account.
    OpenAccount {
        household: u32,
        account_number: String,
    },
}

impl Action {
    pub fn kind(&self) -> &'static str {
        match self {
            Action::HandOver { .. } => "hand_over",
            Action::Assign { .. } => "assign",
            Action::RecordFirstCall { .. } => "record_first_call",
            Action::VerifySite { .. } => "verify_site",
            Action::SignContract { .. } => "sign_contract",
            Action::ScheduleGasOn { .. } => "schedule_gas_on",
            Action::RecordAcceptance { .. } => "record_acceptance",
            Action::CorrectOccurredAt { .. } => "correct_occurred_at",
            Action::Cancel { .. } => "cancel",
            Action::AddNote { .. } => "add_note",
            Action::AwaitApplicant { .. } => "await_applicant",
            Action::ApplicantResponded { .. } => "applicant_responded",
            Action::FollowUpApplicant { .. } => "follow_up_applicant",
            Action::AgreeSurveyTime { .. } => "agree_survey_time",
            Action::RecordSurvey { .. } => "record_survey",
            Action::IssueDesign { .. } => "issue_design",
            Action::ReviseQuote { .. } => "revise_quote",
            Action::DeliverDesign { .. } => "deliver_design",
            Action::ConfirmQuote { .. } => "confirm_quote",
            Action::RecordPayment { .. } => "record_payment",
            Action::RequestMaterial { .. } => "request_material",
            Action::HandInMaterial { .. } => "hand_in_material",
            Action::ReviewHandIn { .. } => "review_hand_in",
            Action::EnterSite { .. } => "enter_site",
            Action::ReportSiteProblem { .. } => "report_site_problem",
            Action::ResolveSiteProblem { .. } => "resolve_site_problem",
            Action::CompleteConstruction { .. } => "complete_construction",
            Action::RecordSatisfaction { .. } => "record_satisfaction",
            Action::OfferExtendedService { .. } => "offer_extended_service",
            Action::RequestPermitAgency { .. } => "request_permit_agency",
            Action::UpdatePermit { .. } => "update_permit",
            Action::ContactDeveloper { .. } => "contact_developer",
            Action::ReceiveDesignData { .. } => "receive_design_data",
            Action::SubmitDrawing { .. } => "submit_drawing",
            Action::ReviewDrawing { .. } => "review_drawing",
            Action::SignCommunityContract { .. } => "sign_community_contract",
            Action::AddMilestone { .. } => "add_milestone",
            Action::NoteProgress { .. } => "note_progress",
            Action::RegisterHouseholds { .. } => "register_households",
            Action::RequestGasOn { .. } => "request_gas_on",
            Action::OpenAccount { .. } => "open_account",
        }
    }

    /// The kind of the event this action records.
    fn event_kind(&self) -> &'static str {
        match self {
            Action::HandOver { .. } => "handed_over",
            Action::Assign { .. } => "assigned",
            Action::RecordFirstCall { .. } => "first_call_recorded",
            Action::VerifySite { .. } => "site_verified",
            Action::SignContract { .. } => "contract_signed",
            Action::ScheduleGasOn { .. } => "gas_on_scheduled",
            Action::RecordAcceptance { .. } => "acceptance_recorded",
            Action::CorrectOccurredAt { .. } => "occurred_at_corrected",
            Action::Cancel { .. } => "cancelled",
            Action::AddNote { .. } => "note_added",
            Action::AwaitApplicant { .. } => "awaiting_applicant",
            Action::ApplicantResponded { .. } => "applicant_responded",
            Action::FollowUpApplicant { .. } => "applicant_followed_up",
            Action::AgreeSurveyTime { .. } => "survey_time_agreed",
            Action::RecordSurvey { .. } => "survey_recorded",
            Action::IssueDesign { .. } => "design_issued",
            Action::ReviseQuote { .. } => "quote_revised",
            Action::DeliverDesign { .. } => "design_delivered",
            Action::ConfirmQuote { .. } => "quote_confirmed",
            Action::RecordPayment { .. } => "payment_recorded",
            Action::RequestMaterial { .. } => "material_requested",
            Action::HandInMaterial { .. } => "material_handed_in",
            Action::ReviewHandIn { .. } => "hand_in_reviewed",
            Action::EnterSite { .. } => "site_entered",
            Action::ReportSiteProblem { .. } => "site_problem_reported",
            Action::ResolveSiteProblem { .. } => "site_problem_resolved",
            Action::CompleteConstruction { .. } => "construction_completed",
            Action::RecordSatisfaction { .. } => "satisfaction_recorded",
            Action::OfferExtendedService { .. } => "extended_service_offered",
            Action::RequestPermitAgency { .. } => "permit_agency_requested",
            Action::UpdatePermit { .. } => "permit_updated",
            Action::ContactDeveloper { .. } => "developer_contacted",
            Action::ReceiveDesignData { .. } => "design_data_received",
            Action::SubmitDrawing { .. } => "drawing_submitted",
            Action::ReviewDrawing { .. } => "drawing_reviewed",
            Action::SignCommunityContract { .. } => "community_contract_signed",
            Action::AddMilestone { .. } => "milestone_added",
            Action::NoteProgress { .. } => "progress_noted",
            Action::RegisterHouseholds { .. } => "households_registered",
            Action::RequestGasOn { .. } => "gas_on_requested",
            Action::OpenAccount { .. } => "account_opened",
        }
    }
}

/// Every action kind, for the pages and the API document, in the order a
/// page offers them.
pub const ACTION_KINDS: [&str; 41] = [
    "hand_over",
    "assign",
    "record_first_call",
    "verify_site",
    "contact_developer",
    "receive_design_data",
    "submit_drawing",
    "review_drawing",
    "sign_community_contract",
    "add_milestone",
    "note_progress",
    "register_households",
    "request_gas_on",
    "open_account",
    "await_applicant",
    "applicant_responded",
    "follow_up_applicant",
    "agree_survey_time",
    "record_survey",
    "issue_design",
    "revise_quote",
    "deliver_design",
    "request_material",
    "hand_in_material",
    "review_hand_in",
    "confirm_quote",
    "sign_contract",
    "record_payment",
    "enter_site",
    "report_site_problem",
    "resolve_site_problem",
    "complete_construction",
    "schedule_gas_on",
    "record_satisfaction",
    "record_acceptance",
    "offer_extended_service",
    "request_permit_agency",
    "update_permit",
    "correct_occurred_at",
    "cancel",
    "add_note",
];

/// Whether the application's line and step allow an action now.
fn allowed_in(action: &Action, app: &Application) -> bool {
    use Status::*;
    let status = app.status;
    let open = !status.is_closed();
    let one_stop = app.line == ServiceLine::OneStop;
    let community = app.line == ServiceLine::NewCommunity;
    let waiting = app.waiting_on_applicant.is_some();
    let case = app.one_stop.as_ref();
    let nc = app.community.as_ref();
    match action {
        Action::HandOver { .. } => status == AwaitingHandover,
        Action::Assign { .. } | Action::Cancel { .. } => open,
        Action::RecordFirstCall { .. } => matches!(status, AwaitingFirstCall | RoutedOneStop),
        Action::VerifySite { .. } => status == AwaitingVerification,
        Action::SignContract { .. } => {
            status == AwaitingContract && !community && !(one_stop && app.contract_number.is_some())
        }
        Action::ScheduleGasOn { .. } | Action::RecordAcceptance { .. } => status == AwaitingGasOn,
        Action::CorrectOccurredAt { .. } | Action::AddNote { .. } => true,
        Action::AwaitApplicant { .. } => {
            open && !waiting
                && !matches!(status, AwaitingHandover | AwaitingFirstCall)
                && status != RoutedOneStop
        }
        Action::ApplicantResponded { .. } | Action::FollowUpApplicant { .. } => open && waiting,
        Action::AgreeSurveyTime { .. } => {
            status == AwaitingSurvey && case.is_some_and(|c| c.survey.is_none())
        }
        Action::RecordSurvey { .. } => {
            status == AwaitingSurvey
                && !waiting
                && case.is_some_and(|c| c.survey_at.is_some())
                && case.is_some_and(|c| c.survey.is_none())
        }
        Action::IssueDesign { .. } => {
            status == AwaitingSurvey
                && case.is_some_and(|c| c.survey.is_some() && c.design.is_none())
        }
        Action::ReviseQuote { .. } => {
            matches!(status, AwaitingSurvey | AwaitingContract)
                && case.is_some_and(|c| c.quote.is_some() && c.invoice.is_none())
        }
        Action::DeliverDesign { .. } => {
            status == AwaitingSurvey && case.is_some_and(|c| c.design.is_some())
        }
        Action::ConfirmQuote { .. } => {
            one_stop
                && status == AwaitingContract
                && case.is_some_and(|c| c.quote.as_ref().is_some_and(|q| q.confirmed_at.is_none()))
        }
        Action::RecordPayment { .. } => {
            (one_stop || community) && status == AwaitingContract && app.contract_number.is_some()
        }
        Action::RequestMaterial { .. } | Action::HandInMaterial { .. } => {
            open && materials::pre_accepted(app)
        }
        Action::ReviewHandIn { .. } => {
            open && app
                .hand_ins
                .iter()
                .any(|h| h.verdict == materials::Verdict::Pending)
        }
        Action::EnterSite { .. } => {
            one_stop
                && status == UnderConstruction
                && case.is_some_and(|c| {
                    c.work_order
                        .as_ref()
                        .is_some_and(|o| o.site_entered_at.is_none())
                })
        }
        Action::ReportSiteProblem { .. } | Action::CompleteConstruction { .. } => {
            one_stop && status == UnderConstruction
        }
        Action::ResolveSiteProblem { .. } => {
            one_stop
                && open
                && case.is_some_and(|c| c.site_problems.iter().any(|p| p.resolved_at.is_none()))
        }
        Action::RecordSatisfaction { .. } => {
            one_stop && status == AwaitingGasOn && case.is_some_and(|c| c.satisfaction.is_none())
        }
        Action::OfferExtendedService { .. } => status != Cancelled && (one_stop || community),
        Action::RequestPermitAgency { .. } => open && one_stop,
        Action::UpdatePermit { .. } => {
            status != Cancelled && app.permits.iter().any(|p| !p.status.is_final())
        }
        Action::ContactDeveloper { .. } => {
            status == AwaitingDesign && nc.is_some_and(|c| c.developer_contacted_at.is_none())
        }
        Action::ReceiveDesignData { .. } => {
            status == AwaitingDesign && nc.is_some_and(|c| c.design_data_received_at.is_none())
        }
        Action::SubmitDrawing { .. } => status == AwaitingDesign,
        Action::ReviewDrawing { .. } => {
            status == AwaitingDesign
                && nc.is_some_and(|c| c.drawings.iter().any(|d| d.review.is_none()))
        }
        Action::SignCommunityContract { .. } => {
            community && status == AwaitingContract && app.contract_number.is_none()
        }
        Action::AddMilestone { .. } | Action::NoteProgress { .. } => {
            community && status == UnderConstruction
        }
        Action::RegisterHouseholds { .. } => {
            community
                && matches!(
                    status,
                    AwaitingDesign | AwaitingContract | UnderConstruction
                )
        }
        Action::RequestGasOn { .. } => community && status == UnderConstruction,
        Action::OpenAccount { .. } => {
            status == GasOn
                && nc.is_some_and(|c| c.households.iter().any(|h| h.account_number.is_none()))
        }
    }
}

/// The roles that may take an action at all; ownership is checked after.
fn roles_for(action: &Action) -> &'static [Role] {
    use Role::*;
    match action {
        Action::HandOver { .. } => &[ServiceStaff, Supervisor, Admin],
        Action::Assign { .. } => &[CustomerManager, Supervisor, Admin],
        Action::RecordFirstCall { .. }
        | Action::VerifySite { .. }
        | Action::SignContract { .. }
        | Action::ScheduleGasOn { .. } => &[CustomerManager, Supervisor],
        Action::RecordAcceptance { .. } => &[CustomerManager, OperationsUnit, Supervisor],
        Action::CorrectOccurredAt { .. } => &[Supervisor, Admin],
        Action::Cancel { .. } => &[ServiceStaff, CustomerManager, Supervisor, Admin],
        Action::AddNote { .. } => &Role::ALL,
        Action::AwaitApplicant { .. }
        | Action::ApplicantResponded { .. }
        | Action::FollowUpApplicant { .. }
        | Action::ConfirmQuote { .. }
        | Action::RecordPayment { .. }
        | Action::RecordSatisfaction { .. }
        | Action::RequestPermitAgency { .. }
        | Action::UpdatePermit { .. } => &[CustomerManager, Supervisor],
        Action::AgreeSurveyTime { .. } | Action::RecordSurvey { .. } => {
            &[CustomerManager, Designer, Supervisor]
        }
        Action::IssueDesign { .. } | Action::ReviseQuote { .. } => &[Designer, Supervisor],
        Action::DeliverDesign { .. } => &[CustomerManager, Designer, Supervisor],
        Action::RequestMaterial { .. }
        | Action::HandInMaterial { .. }
        | Action::ReviewHandIn { .. }
        | Action::OfferExtendedService { .. } => &[ServiceStaff, CustomerManager, Supervisor],
        Action::EnterSite { .. }
        | Action::ReportSiteProblem { .. }
        | Action::CompleteConstruction { .. } => &[ConstructionUnit, CustomerManager, Supervisor],
        Action::ResolveSiteProblem { .. } => &[Designer, CustomerManager, Supervisor],
        Action::ContactDeveloper { .. }
        | Action::ReceiveDesignData { .. }
        | Action::SubmitDrawing { .. } => &[Designer, Supervisor],
        // The owning unit reviews drawings: the supervisor speaks for it.
        Action::ReviewDrawing { .. } => &[Supervisor],
        Action::SignCommunityContract { .. } | Action::RequestGasOn { .. } => {
            &[CustomerManager, Supervisor]
        }
        Action::AddMilestone { .. }
        | Action::NoteProgress { .. }
        | Action::RegisterHouseholds { .. } => &[CustomerManager, ConstructionUnit, Supervisor],
        Action::OpenAccount { .. } => &[ServiceStaff, CustomerManager, Supervisor],
    }
}

/// The action that moves the application on from where it stands, which a
/// page offers first.
pub fn next_step(app: &Application) -> Option<&'static str> {
    if app.waiting_on_applicant.is_some() && !app.status.is_closed() {
        return Some("applicant_responded");
    }
    let case = app.one_stop.clone().unwrap_or_default();
    let one_stop = app.line == ServiceLine::OneStop;
    if app.line == ServiceLine::NewCommunity {
        return community_next_step(app);
    }
    match app.status {
        Status::AwaitingHandover => Some("hand_over"),
        Status::AwaitingFirstCall | Status::RoutedOneStop => Some("record_first_call"),
        Status::AwaitingVerification => Some("verify_site"),
        Status::AwaitingSurvey if case.survey_at.is_none() => Some("agree_survey_time"),
        Status::AwaitingSurvey if case.survey.is_none() => Some("record_survey"),
        Status::AwaitingSurvey if case.design.is_none() => Some("issue_design"),
        Status::AwaitingSurvey => Some("deliver_design"),
        Status::AwaitingContract if one_stop && materials::pre_accepted(app) => {
            Some("hand_in_material")
        }
        Status::AwaitingContract
            if one_stop
                && case
                    .quote
                    .as_ref()
                    .is_some_and(|q| q.confirmed_at.is_none()) =>
        {
            Some("confirm_quote")
        }
        Status::AwaitingContract if app.contract_number.is_none() => Some("sign_contract"),
        Status::AwaitingContract => Some("record_payment"),
        Status::UnderConstruction
            if case
                .work_order
                .as_ref()
                .is_some_and(|o| o.site_entered_at.is_none()) =>
        {
            Some("enter_site")
        }
        Status::UnderConstruction if case.site_problems.iter().any(|p| p.resolved_at.is_none()) => {
            Some("resolve_site_problem")
        }
        Status::UnderConstruction => Some("complete_construction"),
        Status::AwaitingGasOn if app.gas_on_planned_at.is_none() => Some("schedule_gas_on"),
        Status::AwaitingGasOn if one_stop && case.satisfaction.is_none() => {
            Some("record_satisfaction")
        }
        Status::AwaitingGasOn => Some("record_acceptance"),
        Status::AwaitingDesign | Status::GasOn | Status::Cancelled => None,
    }
}

fn community_next_step(app: &Application) -> Option<&'static str> {
    let c = app.community.clone().unwrap_or_default();
    let open_review = c.drawings.iter().any(|d| d.review.is_none());
    match app.status {
        Status::AwaitingDesign if c.developer_contacted_at.is_none() => Some("contact_developer"),
        Status::AwaitingDesign if open_review => Some("review_drawing"),
        Status::AwaitingDesign if c.latest(DrawingKind::SourcePipeline).is_none() => {
            Some("submit_drawing")
        }
        Status::AwaitingDesign if c.design_data_received_at.is_none() => {
            Some("receive_design_data")
        }
        Status::AwaitingDesign => Some("submit_drawing"),
        Status::AwaitingContract if app.contract_number.is_none() => {
            Some("sign_community_contract")
        }
        Status::AwaitingContract => Some("record_payment"),
        Status::UnderConstruction if c.households.is_empty() => Some("register_households"),
        Status::UnderConstruction => Some("request_gas_on"),
        Status::AwaitingGasOn if app.gas_on_planned_at.is_none() => Some("schedule_gas_on"),
        Status::AwaitingGasOn => Some("record_acceptance"),
        Status::GasOn if c.households.iter().any(|h| h.account_number.is_none()) => {
            Some("open_account")
        }
        _ => None,
    }
}

/// The actions a staff member could take on an application now, for the
/// page to offer.
pub fn available_actions(app: &Application, actor: &Actor) -> Vec<&'static str> {
    ACTION_KINDS
        .iter()
        .copied()
        .filter(|kind| {
            let probe = probe_action(kind, actor);
            allowed_in(&probe, app)
                && actor.has_role(roles_for(&probe))
                && owner_check(app, &probe, actor).is_ok()
        })
        .collect()
}

/// A stand-in for an action of `kind`, to ask whether it would be allowed;
/// an assignment names the actor, as taking an order from the pool does.
fn probe_action(kind: &str, actor: &Actor) -> Action {
    let nobody = StaffRef {
        user_id: actor.user_id.unwrap_or_default(),
        name: String::new(),
    };
    match kind {
        "hand_over" => Action::HandOver { to: nobody },
        "assign" => Action::Assign { to: nobody },
        "record_first_call" => Action::RecordFirstCall {
            confirmation: CallConfirmation {
                licence_confirmed: true,
                address_confirmed: true,
                built_by: BuiltBy::SelfBuilt,
                completion_accepted: true,
            },
            note: None,
        },
        "verify_site" => Action::VerifySite {
            facilities_ok: true,
            source_pipe_ok: true,
            rectification_advice: None,
            tie_in_point: String::new(),
            excavation_approvals: None,
        },
        "sign_contract" => Action::SignContract {
            contract_number: String::new(),
            invoice: None,
            special_requests: None,
        },
        "schedule_gas_on" => Action::ScheduleGasOn {
            planned_at: DateTime::<Utc>::MIN_UTC,
        },
        "record_acceptance" => Action::RecordAcceptance {
            passed: true,
            participants: Vec::new(),
            failure_cause: None,
            note: None,
            safety_briefing: Vec::new(),
        },
        "correct_occurred_at" => Action::CorrectOccurredAt {
            seq: 0,
            occurred_at: DateTime::<Utc>::MIN_UTC,
            reason: String::new(),
        },
        "cancel" => Action::Cancel {
            reason: String::new(),
        },
        "await_applicant" => Action::AwaitApplicant {
            reason: String::new(),
        },
        "applicant_responded" => Action::ApplicantResponded { note: None },
        "follow_up_applicant" => Action::FollowUpApplicant {
            note: String::new(),
        },
        "agree_survey_time" => Action::AgreeSurveyTime {
            survey_at: DateTime::<Utc>::MIN_UTC,
        },
        "record_survey" => Action::RecordSurvey {
            designer_attended: true,
            construction_unit_attended: true,
            customer_manager_present: true,
            gas_use_plan: String::new(),
            appliance_layout: None,
            leak_alarm_layout: None,
        },
        "issue_design" => Action::IssueDesign {
            summary: String::new(),
            quote: Vec::new(),
        },
        "revise_quote" => Action::ReviseQuote {
            quote: Vec::new(),
            reason: String::new(),
        },
        "deliver_design" => Action::DeliverDesign {},
        "confirm_quote" => Action::ConfirmQuote { revision: 0 },
        "record_payment" => Action::RecordPayment {
            amount_fen: 0,
            receipt_number: String::new(),
            method: String::new(),
        },
        "request_material" => Action::RequestMaterial {
            material: String::new(),
            note: None,
        },
        "hand_in_material" => Action::HandInMaterial {
            material: String::new(),
            description: String::new(),
            file_name: None,
            sha256: None,
        },
        "review_hand_in" => Action::ReviewHandIn {
            hand_in: 0,
            accepted: true,
            reason: None,
        },
        "enter_site" => Action::EnterSite {},
        "report_site_problem" => Action::ReportSiteProblem {
            description: String::new(),
        },
        "resolve_site_problem" => Action::ResolveSiteProblem {
            problem: 0,
            resolution: String::new(),
        },
        "complete_construction" => Action::CompleteConstruction {},
        "record_satisfaction" => Action::RecordSatisfaction {
            rating: 5,
            signed_by: String::new(),
            comment: None,
        },
        "offer_extended_service" => Action::OfferExtendedService {
            service: String::new(),
            accepted: false,
            note: None,
        },
        "request_permit_agency" => Action::RequestPermitAgency {
            permit: String::new(),
        },
        "update_permit" => Action::UpdatePermit {
            permit: String::new(),
            status: PermitStatus::Submitted,
            government_fee_fen: None,
            note: None,
        },
        "contact_developer" => Action::ContactDeveloper {},
        "receive_design_data" => Action::ReceiveDesignData {},
        "submit_drawing" => Action::SubmitDrawing {
            kind: DrawingKind::SourcePipeline,
            summary: String::new(),
        },
        "review_drawing" => Action::ReviewDrawing {
            drawing: 0,
            passed: true,
            reasons: Vec::new(),
        },
        "sign_community_contract" => Action::SignCommunityContract {
            contract_number: String::new(),
            fee: Vec::new(),
            extended_contracts: Vec::new(),
        },
        "add_milestone" => Action::AddMilestone {
            building: String::new(),
            description: String::new(),
            planned_at: DateTime::<Utc>::MIN_UTC,
        },
        "note_progress" => Action::NoteProgress {
            milestone: 0,
            progress: None,
            quality: None,
            reached: false,
        },
        "register_households" => Action::RegisterHouseholds {
            households: Vec::new(),
        },
        "request_gas_on" => Action::RequestGasOn {},
        "open_account" => Action::OpenAccount {
            household: 0,
            account_number: String::new(),
        },
        _ => Action::AddNote {
            text: String::new(),
        },
    }
}

/// A customer manager works only the applications assigned to them (or an
/// unassigned one, which the first call or taking it assigns); supervisors
/// and the other roles are not bound to an owner.
fn owner_check(app: &Application, action: &Action, actor: &Actor) -> Result<(), DomainError> {
    // The front desk owns an application only until it is handed over.
    if actor.role == Some(Role::ServiceStaff)
        && matches!(action, Action::Cancel { .. })
        && app.status != Status::AwaitingHandover
    {
        return Err(DomainError::NotOwner);
    }
    if actor.role != Some(Role::CustomerManager) {
        return Ok(());
    }
    let mine = |s: &StaffRef| Some(s.user_id) == actor.user_id;
    match (action, &app.assignee) {
        (Action::AddNote { .. }, _) => Ok(()),
        (Action::Assign { to }, None) if mine(to) => Ok(()),
        (Action::Assign { .. }, _) => Err(DomainError::Forbidden),
        (Action::RecordFirstCall { .. }, None) => Ok(()),
        (_, Some(owner)) if mine(owner) => Ok(()),
        _ => Err(DomainError::NotOwner),
    }
}

/// A request to act on an application.
pub struct Command {
    pub action: Action,
    /// When it happened; defaults to now.
    pub occurred_at: Option<DateTime<Utc>>,
    /// The version the actor saw; a different current version is a conflict.
    pub version: i64,
    /// Where it came in (a hand-in at a counter, say); the back office
    /// when not given.
    pub channel: Option<Channel>,
}

/// Decides an action: the new state and the events that record it.
pub fn decide(
    app: &Application,
    history: &[Event],
    command: &Command,
    actor: &Actor,
    channel: Channel,
    ctx: &Context<'_>,
) -> Result<(Application, Vec<NewEvent>), DomainError> {
    let action = &command.action;
    if command.version != app.version {
        return Err(DomainError::VersionConflict {
            current: app.version,
        });
    }
    // Applicants act on their own application in one way only: handing in
    // a material they owe, through the online hall.
    let applicant_hand_in = actor.user_id.is_none()
        && actor.role.is_none()
        && matches!(action, Action::HandInMaterial { .. });
    if !actor.has_role(roles_for(action)) && !applicant_hand_in {
        return Err(DomainError::Forbidden);
    }
    if !allowed_in(action, app) {
        return Err(DomainError::ActionNotAllowed {
            action: action.kind(),
            status: app.status,
        });
    }
    owner_check(app, action, actor)?;
    // Kept at the precision the stores keep, so that a time read back from
    // an event matches the one recorded in the state.
    let occurred_at =
        not_in_future(command.occurred_at.unwrap_or(ctx.now), ctx.now)?.trunc_subsecs(6);
    if occurred_at < app.accepted_at {
        return Err(DomainError::TimeBeforeAcceptance);
    }
    if app.waiting_on_applicant.is_some() && moves_a_step(action) {
        return Err(DomainError::WaitingOnApplicant);
    }
    // The company's clocks stop when the wait is recorded: a wait dated back
    // would erase working time already spent.
    if matches!(action, Action::AwaitApplicant { .. }) && occurred_at < ctx.now - CLOCK_SKEW {
        return Err(DomainError::WaitBackdated);
    }

    let mut next = app.clone();
    let recalculated = refresh_deadlines(&mut next, ctx)?;
    let channel = command.channel.unwrap_or(channel);
    let mut payload = apply(&mut next, action, history, actor, occurred_at, channel, ctx)?;
    if !recalculated.is_empty() {
        payload["deadlines_recalculated"] = serde_json::json!(recalculated);
    }
    next.version += 1;
    let event = NewEvent {
        kind: action.event_kind().into(),
        actor: actor.clone(),
        channel,
        occurred_at,
        recorded_at: ctx.now,
        payload,
    };
    Ok((next, vec![event]))
}

/// Actions that take a step further, which wait while the applicant has
/// the next move. What the applicant's answer itself brings (the survey time
/// agreed, a material handed in) and what runs beside the steps (notes,
/// assignment, offers, permits, corrections, cancellation) does not wait.
fn moves_a_step(action: &Action) -> bool {
    !matches!(
        action,
        Action::Assign { .. }
            | Action::AddNote { .. }
            | Action::Cancel { .. }
            | Action::CorrectOccurredAt { .. }
            | Action::ApplicantResponded { .. }
            | Action::FollowUpApplicant { .. }
            | Action::AgreeSurveyTime { .. }
            | Action::RequestMaterial { .. }
            | Action::HandInMaterial { .. }
            | Action::ReviewHandIn { .. }
            | Action::OfferExtendedService { .. }
            | Action::RequestPermitAgency { .. }
            | Action::UpdatePermit { .. }
            | Action::ReviseQuote { .. }
            | Action::ReportSiteProblem { .. }
            | Action::ResolveSiteProblem { .. }
            | Action::AddMilestone { .. }
            | Action::NoteProgress { .. }
            | Action::RegisterHouseholds { .. }
    )
}

/// Computes due instants again where the calendar changed since they were
/// set (a year imported, a closure added); returns the keys that moved.
pub fn refresh_deadlines(
    app: &mut Application,
    ctx: &Context<'_>,
) -> Result<Vec<String>, DomainError> {
    let mut moved = Vec::new();
    for d in &mut app.deadlines {
        let before = (d.due_at, d.provisional);
        if d.refresh(ctx.calendars)? && before != (d.due_at, d.provisional) {
            moved.push(d.key.clone());
        }
    }
    Ok(moved)
}

/// Changes the state for one action and returns the event payload.
#[allow(clippy::too_many_arguments)]
fn apply(
    app: &mut Application,
    action: &Action,
    history: &[Event],
    actor: &Actor,
    at: DateTime<Utc>,
    channel: Channel,
    ctx: &Context<'_>,
) -> Result<serde_json::Value, DomainError> {
    let mut payload = serde_json::to_value(action).unwrap_or_default();
    match action {
        Action::HandOver { to } => {
            app.assignee = Some(to.clone());
            app.status = Status::AwaitingVerification;
            meet(app, "handover", at, ctx.now);
        }
        Action::Assign { to } => {
            payload["from"] = serde_json::to_value(&app.assignee).unwrap_or_default();
            app.assignee = Some(to.clone());
        }
        Action::RecordFirstCall { confirmation, note } => {
            optional_text("note", note)?;
            if app.assignee.is_none() {
                app.assignee = actor.user_id.map(|user_id| StaffRef {
                    user_id,
                    name: actor.name.clone(),
                });
            }
            if confirmation.licence_confirmed && app.licence == LicenceCheck::ToConfirmByPhone {
                app.licence = LicenceCheck::ConfirmedByPhone;
            }
            app.readiness.built_by = confirmation.built_by;
            if app.status == Status::RoutedOneStop {
                meet(app, "online_response", at, ctx.now);
                workflow::complete_step(app, one_stop::REGISTRATION, at, ctx)?;
                app.status = Status::AwaitingSurvey;
            } else {
                app.status = Status::AwaitingVerification;
                meet(app, "first_call", at, ctx.now);
            }
        }
        Action::VerifySite {
            facilities_ok,
            source_pipe_ok,
            rectification_advice,
            tie_in_point,
            excavation_approvals,
        } => {
            let advice = optional_text("rectification_advice", rectification_advice)?;
            if !(*facilities_ok && *source_pipe_ok) && advice.is_none() {
                return Err(DomainError::invalid("rectification_advice"));
            }
            app.verification = Some(SiteVerification {
                facilities_ok: *facilities_ok,
                source_pipe_ok: *source_pipe_ok,
                rectification_advice: advice,
                tie_in_point: required_text("tie_in_point", tie_in_point)?,
                excavation_approvals: optional_text("excavation_approvals", excavation_approvals)?,
                verified_at: at,
            });
            app.status = Status::AwaitingContract;
        }
        Action::SignContract {
            contract_number,
            invoice,
            special_requests,
        } if app.line == ServiceLine::OneStop => {
            one_stop::sign_contract(app, contract_number, invoice, special_requests, at, ctx)?;
        }
        Action::SignContract {
            contract_number, ..
        } => {
            app.contract_number = Some(required_text("contract_number", contract_number)?);
            app.status = Status::AwaitingGasOn;
        }
        Action::ScheduleGasOn { planned_at } => {
            if *planned_at < app.accepted_at {
                return Err(DomainError::TimeBeforeAcceptance);
            }
            if *planned_at > ctx.now + PLAN_AHEAD {
                return Err(DomainError::invalid("planned_at"));
            }
            app.gas_on_planned_at = Some(*planned_at);
        }
        Action::RecordAcceptance {
            passed,
            participants,
            failure_cause,
            note,
            safety_briefing,
        } => {
            let one_stop = app.line == ServiceLine::OneStop;
            if *passed && one_stop {
                one_stop::check_gas_on(app, safety_briefing, at)?;
            }
            record_acceptance(app, *passed, participants, *failure_cause, note, at)?;
            if *passed {
                app.status = Status::GasOn;
                match app.line {
                    ServiceLine::OneStop => {
                        workflow::complete_step(app, one_stop::CONSTRUCTION_GAS_ON, at, ctx)?
                    }
                    ServiceLine::NewCommunity => {
                        workflow::complete_step(app, community::ACCEPTANCE_GAS_ON, at, ctx)?
                    }
                    ServiceLine::Connection102 => meet(app, "gas_on", at, ctx.now),
                }
            }
        }
        Action::CorrectOccurredAt {
            seq,
            occurred_at,
            reason,
        } => {
            payload["from"] = correct(app, history, *seq, *occurred_at, ctx)?;
            required_text("reason", reason)?;
        }
        Action::Cancel { reason } => {
            app.cancel_reason = Some(required_text("reason", reason)?);
            app.status = Status::Cancelled;
        }
        Action::AddNote { text } => {
            if optional_text("text", &Some(text.clone()))?.is_none() {
                return Err(DomainError::invalid("text"));
            }
        }
        Action::AwaitApplicant { reason } => {
            let reason = required_text("reason", reason)?;
            workflow::await_applicant(app, &reason, at, ctx)?;
        }
        Action::ApplicantResponded { note } => {
            optional_text("note", note)?;
            workflow::applicant_responded(app, at, ctx)?;
        }
        Action::FollowUpApplicant { note } => {
            required_text("note", note)?;
            workflow::follow_up(app, at, ctx)?;
        }
        Action::AgreeSurveyTime { survey_at } => {
            one_stop::agree_survey_time(app, *survey_at, at, ctx)?;
        }
        Action::RecordSurvey {
            designer_attended,
            construction_unit_attended,
            customer_manager_present,
            gas_use_plan,
            appliance_layout,
            leak_alarm_layout,
        } => {
            let record = one_stop::SurveyRecord {
                designer_attended: *designer_attended,
                construction_unit_attended: *construction_unit_attended,
                customer_manager_present: *customer_manager_present,
                gas_use_plan,
                appliance_layout,
                leak_alarm_layout,
            };
            one_stop::record_survey(app, &record, actor, at)?;
        }
        Action::IssueDesign { summary, quote } => {
            let priced = one_stop::issue_design(app, summary, quote, actor, at, ctx)?;
            payload["priced"] = serde_json::to_value(priced).unwrap_or_default();
        }
        Action::ReviseQuote { quote, reason } => {
            let priced = one_stop::revise_quote(app, quote, reason, actor, at, ctx)?;
            payload["priced"] = serde_json::to_value(priced).unwrap_or_default();
        }
        Action::DeliverDesign {} => one_stop::deliver_design(app, at, ctx)?,
        Action::ConfirmQuote { revision } => one_stop::confirm_quote(app, *revision, at)?,
        Action::RecordPayment {
            amount_fen,
            receipt_number,
            method,
        } => {
            let left = if app.line == ServiceLine::NewCommunity {
                community::record_payment(app, *amount_fen, receipt_number, method, at, ctx)?
            } else {
                one_stop::record_payment(app, *amount_fen, receipt_number, method, at, ctx)?
            };
            payload["outstanding_fen"] = serde_json::json!(left);
        }
        Action::RequestMaterial { material, note } => {
            materials::request(app, material, note)?;
        }
        Action::HandInMaterial {
            material,
            description,
            file_name,
            sha256,
        } => {
            let number = materials::hand_in(
                app,
                material,
                description,
                file_name,
                sha256,
                channel,
                actor,
                at,
            )?;
            payload["number"] = serde_json::json!(number);
        }
        Action::ReviewHandIn {
            hand_in,
            accepted,
            reason,
        } => materials::review(app, *hand_in, *accepted, reason, at)?,
        Action::EnterSite {} => one_stop::enter_site(app, at, ctx.now)?,
        Action::ReportSiteProblem { description } => {
            let number = one_stop::report_problem(app, description, actor, at)?;
            payload["number"] = serde_json::json!(number);
        }
        Action::ResolveSiteProblem {
            problem,
            resolution,
        } => one_stop::resolve_problem(app, *problem, resolution, at)?,
        Action::CompleteConstruction {} => one_stop::complete_construction(app, at)?,
        Action::RecordSatisfaction {
            rating,
            signed_by,
            comment,
        } => one_stop::record_satisfaction(app, *rating, signed_by, comment, at)?,
        Action::OfferExtendedService {
            service,
            accepted,
            note,
        } => services::offer(app, service, *accepted, note, actor, at, ctx)?,
        Action::RequestPermitAgency { permit } => services::request_permit(app, permit, at, ctx)?,
        Action::UpdatePermit {
            permit,
            status,
            government_fee_fen,
            note,
        } => services::update_permit(app, permit, *status, *government_fee_fen, note, at)?,
        Action::ContactDeveloper {} => community::contact_developer(app, at, ctx.now)?,
        Action::ReceiveDesignData {} => community::receive_design_data(app, at, ctx)?,
        Action::SubmitDrawing { kind, summary } => {
            let version = community::submit_drawing(app, *kind, summary, actor, at, ctx.now)?;
            payload["version"] = serde_json::json!(version);
        }
        Action::ReviewDrawing {
            drawing,
            passed,
            reasons,
        } => community::review_drawing(app, *drawing, *passed, reasons, actor, at, ctx)?,
        Action::SignCommunityContract {
            contract_number,
            fee,
            extended_contracts,
        } => {
            let priced = community::sign_contract(
                app,
                contract_number,
                fee,
                extended_contracts,
                actor,
                at,
                ctx,
            )?;
            payload["priced"] = serde_json::to_value(priced).unwrap_or_default();
        }
        Action::AddMilestone {
            building,
            description,
            planned_at,
        } => {
            let earliest = app.accepted_at - Duration::days(366);
            if *planned_at < earliest || *planned_at > ctx.now + Duration::days(5 * 366) {
                return Err(DomainError::invalid("planned_at"));
            }
            community::add_milestone(app, building, description, *planned_at)?
        }
        Action::NoteProgress {
            milestone,
            progress,
            quality,
            reached,
        } => community::note_progress(app, *milestone, progress, quality, *reached, actor, at)?,
        Action::RegisterHouseholds { households } => {
            let added = community::register_households(app, households)?;
            payload["added"] = serde_json::json!(added);
        }
        Action::RequestGasOn {} => community::request_gas_on(app, at, ctx)?,
        Action::OpenAccount {
            household,
            account_number,
        } => community::open_account(app, *household, account_number, at)?,
    }
    Ok(payload)
}

fn record_acceptance(
    app: &mut Application,
    passed: bool,
    participants: &[String],
    failure_cause: Option<FailureCause>,
    note: &Option<String>,
    at: DateTime<Utc>,
) -> Result<(), DomainError> {
    if app.gas_on_planned_at.is_none() {
        return Err(DomainError::NotScheduled);
    }
    let participants: Vec<String> = participants
        .iter()
        .map(|p| required_text("participants", p))
        .collect::<Result<_, _>>()?;
    if participants.is_empty() || participants.len() > PARTICIPANTS_MAX {
        return Err(DomainError::invalid("participants"));
    }
    if !passed && failure_cause.is_none() {
        return Err(DomainError::invalid("failure_cause"));
    }
    let number = app.acceptance_attempts.len() as u32 + 1;
    app.acceptance_attempts.push(AcceptanceAttempt {
        number,
        passed,
        participants,
        failure_cause: if passed { None } else { failure_cause },
        note: optional_text("note", note)?,
        occurred_at: at,
    });
    Ok(())
}

/// Which deadline an event kind fulfils, so a corrected time moves it.
fn deadlines_met_by(kind: &str) -> &'static [&'static str] {
    match kind {
        "handed_over" => &["handover"],
        "first_call_recorded" => &["first_call", "online_response"],
        "acceptance_recorded" => &[
            "gas_on",
            one_stop::CONSTRUCTION_GAS_ON,
            community::ACCEPTANCE_GAS_ON,
        ],
        "design_delivered" => &[one_stop::SURVEY_DESIGN],
        "developer_contacted" => &[community::DEVELOPER_CONTACT],
        "site_entered" => &[one_stop::SITE_ENTRY],
        _ => &[],
    }
}

/// Moves the time a recorded event happened; the event itself is never
/// rewritten, the correction is an event of its own.
fn correct(
    app: &mut Application,
    history: &[Event],
    seq: i64,
    occurred_at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<serde_json::Value, DomainError> {
    let target = history
        .iter()
        .find(|e| e.seq == seq)
        .ok_or(DomainError::EventNotFound)?;
    let original = &target.event;
    if original.kind == "submitted" || original.kind == "occurred_at_corrected" {
        return Err(DomainError::NotCorrectable);
    }
    if occurred_at > original.recorded_at || occurred_at > ctx.now {
        return Err(DomainError::TimeInFuture);
    }
    if occurred_at < app.accepted_at {
        return Err(DomainError::TimeBeforeAcceptance);
    }
    let previous = latest_occurred_at(history, seq);
    for key in deadlines_met_by(&original.kind) {
        if let Some(d) = app.deadline_mut(key)
            && d.met_at == Some(previous)
        {
            d.met_at = Some(occurred_at);
        }
    }
    if original.kind == "site_verified"
        && let Some(v) = app.verification.as_mut()
        && v.verified_at == previous
    {
        v.verified_at = occurred_at;
    }
    if original.kind == "site_entered"
        && let Some(order) = app.one_stop.as_mut().and_then(|c| c.work_order.as_mut())
        && order.site_entered_at == Some(previous)
    {
        order.site_entered_at = Some(occurred_at);
    }
    if original.kind == "acceptance_recorded"
        && let Some(a) = app
            .acceptance_attempts
            .iter_mut()
            .find(|a| a.occurred_at == previous)
    {
        a.occurred_at = occurred_at;
    }
    Ok(serde_json::to_value(previous).unwrap_or_default())
}

/// The time an event is taken to have happened, after any corrections.
pub fn latest_occurred_at(history: &[Event], seq: i64) -> DateTime<Utc> {
    let original = history
        .iter()
        .find(|e| e.seq == seq)
        .map(|e| e.event.occurred_at)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    history
        .iter()
        .filter(|e| e.event.kind == "occurred_at_corrected")
        .filter(|e| e.event.payload["seq"].as_i64() == Some(seq))
        .filter_map(|e| {
            serde_json::from_value::<DateTime<Utc>>(e.event.payload["occurred_at"].clone()).ok()
        })
        .next_back()
        .unwrap_or(original)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role) -> Actor {
        Actor::staff(Uuid::from_u128(7), "某人", role)
    }

    fn application(status: Status, assignee: Option<u128>) -> Application {
        Application {
            id: Uuid::nil(),
            number: "BZ20260303-0001".into(),
            line: ServiceLine::Connection102,
            channel: Channel::Online,
            status,
            applicant: Applicant {
                organisation: "甲".into(),
                contact_name: "张".into(),
                phone: "13800138000".into(),
                uscc: "91411224MA0001AA5Y".into(),
                site_address: "城关".into(),
            },
            readiness: Readiness {
                source_pipeline_ready: true,
                facilities_ready: true,
                built_by: BuiltBy::SelfBuilt,
            },
            licence: LicenceCheck::ToConfirmByPhone,
            accepted_at: DateTime::<Utc>::MIN_UTC,
            assignee: assignee.map(|id| StaffRef {
                user_id: Uuid::from_u128(id),
                name: "经理".into(),
            }),
            deadlines: Vec::new(),
            verification: None,
            contract_number: None,
            gas_on_planned_at: None,
            acceptance_attempts: Vec::new(),
            cancel_reason: None,
            materials: Vec::new(),
            hand_ins: Vec::new(),
            waiting_on_applicant: None,
            one_stop: None,
            community: None,
            extended_services: Vec::new(),
            permits: Vec::new(),
            version: 1,
        }
    }

    #[test]
    fn phones_are_digits_with_at_most_one_hyphen() {
        for good in ["13800138000", "0398-3096777", " 3096777 "] {
            assert!(check_phone(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "12345",
            "call me",
            "0398--3096777",
            "-0398309677",
            "+8613800138000",
        ] {
            assert!(check_phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_page_offers_only_what_the_role_and_step_allow() {
        let pool = application(Status::AwaitingFirstCall, None);
        assert_eq!(
            available_actions(&pool, &staff(Role::CustomerManager)),
            ["assign", "record_first_call", "add_note"]
        );
        let someone_elses = application(Status::AwaitingFirstCall, Some(9));
        assert_eq!(
            available_actions(&someone_elses, &staff(Role::CustomerManager)),
            ["add_note"]
        );
        let counter = application(Status::AwaitingHandover, None);
        assert_eq!(
            available_actions(&counter, &staff(Role::ServiceStaff)),
            ["hand_over", "cancel", "add_note"]
        );
        let done = application(Status::GasOn, Some(7));
        assert_eq!(
            available_actions(&done, &staff(Role::Supervisor)),
            ["correct_occurred_at", "add_note"]
        );
        let applicant = Actor::applicant("张");
        assert!(available_actions(&pool, &applicant).is_empty());
    }

    #[test]
    fn the_next_step_follows_the_status() {
        let mut app = application(Status::AwaitingGasOn, Some(7));
        assert_eq!(next_step(&app), Some("schedule_gas_on"));
        app.gas_on_planned_at = Some(DateTime::<Utc>::MIN_UTC);
        assert_eq!(next_step(&app), Some("record_acceptance"));
        let first = application(Status::AwaitingFirstCall, None);
        assert_eq!(next_step(&first), Some("record_first_call"));
        assert_eq!(next_step(&application(Status::GasOn, None)), None);
    }

    #[test]
    fn a_correction_follows_the_latest_one() {
        let at = |h| DateTime::<Utc>::from_timestamp(h * 3600, 0).unwrap();
        let event = |seq, kind: &str, payload| Event {
            application_id: Uuid::nil(),
            seq,
            event: NewEvent {
                kind: kind.into(),
                actor: Actor::applicant("张"),
                channel: Channel::Office,
                occurred_at: at(seq),
                recorded_at: at(seq),
                payload,
            },
        };
        let history = [
            event(1, "submitted", serde_json::Value::Null),
            event(2, "first_call_recorded", serde_json::Value::Null),
            event(
                3,
                "occurred_at_corrected",
                serde_json::json!({"seq": 2, "occurred_at": at(10)}),
            ),
            event(
                4,
                "occurred_at_corrected",
                serde_json::json!({"seq": 2, "occurred_at": at(11)}),
            ),
        ];
        assert_eq!(latest_occurred_at(&history, 2), at(11));
        assert_eq!(latest_occurred_at(&history, 1), at(1));
    }
}
