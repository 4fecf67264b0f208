//! The "102" connection line: application, then valve opening and gas-on,
//! within one working day of acceptance, with no document and no fee.
//!
//! Each function takes the current state and a request and returns the new
//! state with the events that record the change, or an error that changes
//! nothing. Storage writes both in one transaction.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::application::{
    AcceptanceAttempt, Actor, Applicant, Application, BuiltBy, FailureCause, LicenceCheck,
    Readiness, SiteVerification, StaffRef, Status,
};
use crate::deadline::{Calendars, Deadline};
use crate::error::DomainError;
use crate::event::{Event, NewEvent};
use crate::registry::BusinessLicence;
use crate::rulebook::{Rulebook, ServiceLine};
use crate::uscc::Uscc;
use crate::{Channel, Role};

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
}

/// What the rules need from the outside world to open an application.
pub struct Context<'a> {
    pub rulebook: &'a Rulebook,
    pub calendars: &'a Calendars,
    pub now: DateTime<Utc>,
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

    let qualifies = intake.readiness.qualifies_for_102();
    let (line, status) = match (qualifies, intake.channel.is_in_person()) {
        (false, _) => (ServiceLine::OneStop, Status::RoutedOneStop),
        (true, true) => (ServiceLine::Connection102, Status::AwaitingHandover),
        (true, false) => (ServiceLine::Connection102, Status::AwaitingFirstCall),
    };
    // TODO: the one-stop line's own steps (survey, quote, contract,
    // construction) are not executed yet; a routed application gets the
    // one-stop registration limits, stays on the worklists and can be
    // called, assigned, noted or cancelled, so nothing is refused or lost.
    let deadlines = start_deadlines(line, intake.channel, accepted_at, ctx)?;
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
        version: 1,
    };
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
        }),
    };
    Ok((application, event))
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

fn required_text(field: &'static str, value: &str) -> Result<String, DomainError> {
    let value = value.trim();
    let length = value.chars().count();
    let unprintable = |c: char| c.is_control() || invisible(c);
    if length == 0 || length > TEXT_MAX || value.chars().any(unprintable) {
        return Err(DomainError::invalid(field));
    }
    Ok(value.to_string())
}

fn optional_text(
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
    /// The gas supply contract signed.
    SignContract {
        contract_number: String,
    },
    /// A slot on the gas-on plan.
    ScheduleGasOn {
        planned_at: DateTime<Utc>,
    },
    /// Acceptance and ignition, passed or failed.
    RecordAcceptance {
        passed: bool,
        participants: Vec<String>,
        failure_cause: Option<FailureCause>,
        note: Option<String>,
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
        }
    }
}

/// Every action kind, for the pages and the API document.
pub const ACTION_KINDS: [&str; 10] = [
    "hand_over",
    "assign",
    "record_first_call",
    "verify_site",
    "sign_contract",
    "schedule_gas_on",
    "record_acceptance",
    "correct_occurred_at",
    "cancel",
    "add_note",
];

/// The statuses in which an action may be taken.
fn allowed_in(action: &Action, status: Status) -> bool {
    use Status::*;
    match action {
        Action::HandOver { .. } => status == AwaitingHandover,
        Action::Assign { .. } | Action::Cancel { .. } => !status.is_closed(),
        Action::RecordFirstCall { .. } => matches!(status, AwaitingFirstCall | RoutedOneStop),
        Action::VerifySite { .. } => status == AwaitingVerification,
        Action::SignContract { .. } => status == AwaitingContract,
        Action::ScheduleGasOn { .. } | Action::RecordAcceptance { .. } => status == AwaitingGasOn,
        Action::CorrectOccurredAt { .. } | Action::AddNote { .. } => true,
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
    }
}

/// The action that moves the application on from where it stands, which a
/// page offers first.
pub fn next_step(app: &Application) -> Option<&'static str> {
    match app.status {
        Status::AwaitingHandover => Some("hand_over"),
        Status::AwaitingFirstCall => Some("record_first_call"),
        Status::AwaitingVerification => Some("verify_site"),
        Status::AwaitingContract => Some("sign_contract"),
        Status::AwaitingGasOn if app.gas_on_planned_at.is_none() => Some("schedule_gas_on"),
        Status::AwaitingGasOn => Some("record_acceptance"),
        Status::RoutedOneStop if app.assignee.is_none() => Some("record_first_call"),
        Status::GasOn | Status::RoutedOneStop | Status::Cancelled => None,
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
            allowed_in(&probe, app.status)
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
        },
        "schedule_gas_on" => Action::ScheduleGasOn {
            planned_at: DateTime::<Utc>::MIN_UTC,
        },
        "record_acceptance" => Action::RecordAcceptance {
            passed: true,
            participants: Vec::new(),
            failure_cause: None,
            note: None,
        },
        "correct_occurred_at" => Action::CorrectOccurredAt {
            seq: 0,
            occurred_at: DateTime::<Utc>::MIN_UTC,
            reason: String::new(),
        },
        "cancel" => Action::Cancel {
            reason: String::new(),
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
    if !actor.has_role(roles_for(action)) {
        return Err(DomainError::Forbidden);
    }
    if !allowed_in(action, app.status) {
        return Err(DomainError::ActionNotAllowed {
            action: action.kind(),
            status: app.status,
        });
    }
    owner_check(app, action, actor)?;
    let occurred_at = not_in_future(command.occurred_at.unwrap_or(ctx.now), ctx.now)?;
    if occurred_at < app.accepted_at {
        return Err(DomainError::TimeBeforeAcceptance);
    }

    let mut next = app.clone();
    let recalculated = refresh_deadlines(&mut next, ctx)?;
    let mut payload = apply(&mut next, action, history, actor, occurred_at, ctx)?;
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
fn apply(
    app: &mut Application,
    action: &Action,
    history: &[Event],
    actor: &Actor,
    at: DateTime<Utc>,
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
        Action::SignContract { contract_number } => {
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
        } => {
            record_acceptance(app, *passed, participants, *failure_cause, note, at)?;
            if *passed {
                app.status = Status::GasOn;
                meet(app, "gas_on", at, ctx.now);
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

/// Marks a limit met at the time it happened, keeping the time it was
/// entered so that late entry stays visible.
fn meet(app: &mut Application, key: &str, at: DateTime<Utc>, entered_at: DateTime<Utc>) {
    if let Some(d) = app.deadline_mut(key)
        && d.met_at.is_none()
    {
        d.met_at = Some(at);
        d.met_entered_at = Some(entered_at);
    }
}

/// Which deadline an event kind fulfils, so a corrected time moves it.
fn deadlines_met_by(kind: &str) -> &'static [&'static str] {
    match kind {
        "handed_over" => &["handover"],
        "first_call_recorded" => &["first_call", "online_response"],
        "acceptance_recorded" => &["gas_on"],
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
