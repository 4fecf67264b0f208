//! The use cases, shared by the JSON API and the pages so that both do
//! exactly the same thing: load, let the rules decide, store state and
//! events together.

use gasdesk_domain::application::{Actor, Application, StaffRef};
use gasdesk_domain::catalogue::PriceCatalogue;
use gasdesk_domain::community::{NewPlot, Plot};
use gasdesk_domain::connection::{self, Action, Command, Context, Intake};
use gasdesk_domain::deadline::DeadlineStatus;
use gasdesk_domain::event::Event;
use gasdesk_domain::uscc::Uscc;
use gasdesk_domain::{Channel, Role};
use gasdesk_store::{Created, WorklistQuery};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Staff;
use crate::error::AppError;
use crate::state::AppState;

/// Takes an application on any channel. A repeated idempotency key returns
/// the application the first request created and writes nothing.
pub async fn submit(
    state: &AppState,
    intake: &Intake,
    actor: &Actor,
    idempotency_key: Option<&str>,
) -> Result<Created, AppError> {
    let idempotency_key = idempotency_key.map(str::trim).filter(|k| !k.is_empty());
    if idempotency_key.is_some_and(|k| k.len() > 100) {
        return Err(AppError::BadRequest("bad_idempotency_key"));
    }
    // A key answers only for the content it was first sent with: the same
    // key with other content is another request, so a guessed or shared key
    // never returns someone else's application.
    let idempotency_key = idempotency_key.map(|k| scoped_key(k, intake));
    let mut intake = intake.clone();
    if let Some(to) = &intake.assignee {
        intake.assignee = Some(customer_manager(state, to.user_id).await?);
    }
    let licence = match Uscc::parse(&connection::normalise_width(&intake.uscc)) {
        Ok(code) => state.registry.lookup(&code).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "licence look-up failed; to be confirmed by phone");
            None
        }),
        Err(_) => None,
    };
    let plot = match intake.plot_id {
        Some(id) => state.store.plot(id).await?,
        None => None,
    };
    let id = Uuid::now_v7();
    let (application, event) = with_rules(state, None, plot.as_ref(), |ctx| {
        connection::open(&intake, licence.as_ref(), id, String::new(), actor, ctx)
    })?;

    // One application per ledger plot: the plot is claimed before the
    // application is written, named once it has its number, and given back
    // if the write fails.
    let claim = format!("claim:{id}");
    let Some(plot) = plot.filter(|_| application.community.is_some()) else {
        return Ok(state
            .store
            .create_application(&application, &event, idempotency_key.as_deref())
            .await?);
    };
    if !state.store.claim_plot(plot.id, None, Some(&claim)).await? {
        return Err(gasdesk_domain::DomainError::invalid("plot_id").into());
    }
    let created = state
        .store
        .create_application(&application, &event, idempotency_key.as_deref())
        .await;
    let named = match &created {
        Ok(Created::New(app)) => Some(app.number.as_str()),
        _ => None,
    };
    if !state.store.claim_plot(plot.id, Some(&claim), named).await? {
        tracing::warn!(plot = %plot.id, "a claimed plot changed meanwhile");
    }
    Ok(created?)
}

fn scoped_key(key: &str, intake: &Intake) -> String {
    use sha2::{Digest, Sha256};
    let content = serde_json::to_string(intake).unwrap_or_default();
    let mut hash = Sha256::new();
    hash.update(key.as_bytes());
    hash.update([0]);
    hash.update(content.as_bytes());
    hex::encode(hash.finalize())
}

/// Runs a decision of the rules with the rulebook, the current calendars,
/// the time now and, for quotes, the price catalogue in force.
fn with_rules<T>(
    state: &AppState,
    catalogue: Option<&PriceCatalogue>,
    plot: Option<&Plot>,
    decide: impl FnOnce(&Context<'_>) -> T,
) -> T {
    let calendars = state.calendars();
    decide(&Context {
        catalogue,
        plot,
        ..Context::new(&state.rulebook, &calendars, state.now())
    })
}

/// A staff member the case can be handed or assigned to: an active
/// customer manager, named as the accounts table names them.
async fn customer_manager(state: &AppState, user_id: Uuid) -> Result<StaffRef, AppError> {
    match state.store.user(user_id).await? {
        Some(u) if u.active && u.role == Role::CustomerManager => Ok(StaffRef {
            user_id: u.id,
            name: u.display_name,
        }),
        _ => Err(AppError::Domain(gasdesk_domain::DomainError::invalid("to"))),
    }
}

/// Takes an action on an application.
pub async fn act(
    state: &AppState,
    number: &str,
    mut command: Command,
    staff: &Staff,
) -> Result<Application, AppError> {
    let application = load(state, number).await?;
    let history = state.store.events(application.id).await?;
    if let Action::HandOver { to } | Action::Assign { to } = &mut command.action {
        *to = customer_manager(state, to.user_id).await?;
    }
    // Only quotes are priced; other actions need no catalogue read.
    let catalogue = match command.action {
        Action::IssueDesign { .. }
        | Action::ReviseQuote { .. }
        | Action::SignCommunityContract { .. } => state.store.catalogue(None).await?,
        _ => None,
    };
    let (next, events) = with_rules(state, catalogue.as_ref(), None, |ctx| {
        let actor = staff.actor();
        connection::decide(
            &application,
            &history,
            &command,
            &actor,
            Channel::Office,
            ctx,
        )
    })?;

    state.store.save_change(&next, &events).await?;
    Ok(next)
}

pub async fn load(state: &AppState, number: &str) -> Result<Application, AppError> {
    state
        .store
        .application_by_number(&number.trim().to_ascii_uppercase())
        .await?
        .ok_or(AppError::NotFound)
}

/// An application with its timeline and how its deadlines stand now.
#[derive(Debug, Serialize, ToSchema)]
pub struct Detail {
    pub application: Application,
    pub deadlines: Vec<DeadlineStatus>,
    pub events: Vec<Event>,
}

pub async fn detail(state: &AppState, number: &str) -> Result<Detail, AppError> {
    let application = load(state, number).await?;
    let events = state.store.events(application.id).await?;
    let deadlines = deadline_statuses(state, &application)?;
    Ok(Detail {
        application,
        deadlines,
        events,
    })
}

pub fn deadline_statuses(
    state: &AppState,
    application: &Application,
) -> Result<Vec<DeadlineStatus>, AppError> {
    let calendars = state.calendars();
    let now = state.now();
    // A deadline set before the calendar changed is shown as it now stands;
    // the next action on the application stores the new due instant.
    application
        .deadlines
        .iter()
        .map(|d| {
            let mut d = d.clone();
            d.refresh(&calendars)?;
            d.status(now, &calendars)
        })
        .collect::<Result<_, _>>()
        .map_err(|e| AppError::Domain(e.into()))
}

/// One line of a worklist: the application and its most pressing deadline.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkItem {
    pub application: Application,
    pub next_deadline: Option<DeadlineStatus>,
}

/// The open applications a staff member should work on, most urgent first.
pub async fn worklist(state: &AppState, staff: &Staff) -> Result<Vec<WorkItem>, AppError> {
    use gasdesk_domain::application::Status;
    let query = match staff.0.role {
        Role::ServiceStaff => WorklistQuery {
            statuses: vec![Status::AwaitingHandover],
            ..Default::default()
        },
        Role::CustomerManager => WorklistQuery {
            assignee: Some(staff.id()),
            include_unassigned: true,
            ..Default::default()
        },
        // Designers survey, design, quote and answer problems found on site.
        Role::Designer => WorklistQuery {
            statuses: vec![
                Status::AwaitingSurvey,
                Status::AwaitingDesign,
                Status::AwaitingContract,
                Status::UnderConstruction,
            ],
            ..Default::default()
        },
        Role::ConstructionUnit => WorklistQuery {
            statuses: vec![Status::UnderConstruction, Status::AwaitingGasOn],
            ..Default::default()
        },
        Role::OperationsUnit => WorklistQuery {
            statuses: vec![Status::AwaitingGasOn],
            ..Default::default()
        },
        Role::Supervisor | Role::BusinessPlanning | Role::Admin => WorklistQuery::default(),
    };
    let applications = state.store.worklist(&query).await?;
    applications
        .into_iter()
        .map(|application| {
            let next_deadline = deadline_statuses(state, &application)?
                .into_iter()
                .filter(|d| d.deadline.met_at.is_none())
                .min_by_key(|d| d.deadline.due_at);
            Ok(WorkItem {
                application,
                next_deadline,
            })
        })
        .collect()
}

/// What the applicant sees of an application: its progress and deadlines,
/// but no staff notes, corrections, staff identities or registry details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Tracking {
    pub number: String,
    pub line: gasdesk_domain::rulebook::ServiceLine,
    pub status: gasdesk_domain::application::Status,
    pub organisation: String,
    pub site_address: String,
    pub accepted_at: chrono::DateTime<chrono::Utc>,
    pub deadlines: Vec<DeadlineStatus>,
    pub events: Vec<PublicEvent>,
}

/// One step of the applicant's timeline, at the time it happened (after
/// any correction).
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicEvent {
    pub kind: String,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    /// For an acceptance: whether it passed.
    pub passed: Option<bool>,
}

/// Events that stay with the staff.
const INTERNAL_EVENTS: [&str; 2] = ["note_added", "occurred_at_corrected"];

/// An application as its applicant may reach it: with the number and the
/// phone given at intake together, so a number alone reveals nothing, and
/// wrong phones for one number are slowed down.
async fn applicants_own(state: &AppState, number: &str, phone: &str) -> Result<Detail, AppError> {
    let key = number.trim().to_ascii_uppercase();
    let now = state.now();
    if state.tracking_attempts.locked(&key, now) {
        return Err(AppError::TooManyAttempts);
    }
    let found = detail(state, number).await?;
    let digits = |s: &str| -> String { s.chars().filter(char::is_ascii_digit).collect() };
    let given = digits(&connection::normalise_width(phone));
    if given.is_empty() || given != digits(&found.application.applicant.phone) {
        state.tracking_attempts.failed(&key, now);
        return Err(AppError::NotFound);
    }
    Ok(found)
}

/// What an applicant hands in through the online hall.
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
pub struct OnlineHandIn {
    pub number: String,
    pub phone: String,
    /// The key of a material the application owes.
    pub material: String,
    pub description: String,
    pub file_name: Option<String>,
    /// SHA-256 of the file, hex.
    pub sha256: Option<String>,
}

/// The applicant hands in an owed material online; staff check it as any
/// other hand-in. Returns the application after it.
pub async fn applicant_hand_in(
    state: &AppState,
    hand_in: &OnlineHandIn,
) -> Result<Application, AppError> {
    let action = Action::HandInMaterial {
        material: hand_in.material.clone(),
        description: hand_in.description.clone(),
        file_name: hand_in.file_name.clone(),
        sha256: hand_in.sha256.clone(),
    };
    // Staff may act on the application meanwhile: a conflict is tried
    // again on the fresh version, a few times.
    for _ in 0..3 {
        let found = applicants_own(state, &hand_in.number, &hand_in.phone).await?;
        let application = found.application;
        let actor = Actor::applicant(&application.applicant.contact_name);
        let command = Command {
            action: action.clone(),
            occurred_at: None,
            version: application.version,
            channel: Some(Channel::Online),
        };
        let (next, events) = with_rules(state, None, None, |ctx| {
            connection::decide(
                &application,
                &found.events,
                &command,
                &actor,
                Channel::Online,
                ctx,
            )
        })?;
        match state.store.save_change(&next, &events).await {
            Ok(_) => return Ok(next),
            Err(gasdesk_store::StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Conflict)
}

/// The applicant's view: found only with the number and the phone given at
/// intake together, so a number alone reveals nothing.
pub async fn track(state: &AppState, number: &str, phone: &str) -> Result<Tracking, AppError> {
    let Detail {
        application: a,
        deadlines,
        events,
    } = applicants_own(state, number, phone).await?;
    let public = events
        .iter()
        .filter(|e| !INTERNAL_EVENTS.contains(&e.event.kind.as_str()))
        .map(|e| PublicEvent {
            kind: e.event.kind.clone(),
            occurred_at: connection::latest_occurred_at(&events, e.seq),
            passed: (e.event.kind == "acceptance_recorded")
                .then(|| e.event.payload["passed"].as_bool())
                .flatten(),
        })
        .collect();
    Ok(Tracking {
        number: a.number,
        line: a.line,
        status: a.status,
        organisation: a.applicant.organisation,
        site_address: a.applicant.site_address,
        accepted_at: a.accepted_at,
        deadlines,
        events: public,
    })
}

pub async fn customer_managers(state: &AppState) -> Result<Vec<crate::api::StaffView>, AppError> {
    Ok(state
        .store
        .users()
        .await?
        .iter()
        .filter(|u| u.active && u.role == Role::CustomerManager)
        .map(crate::api::StaffView::from)
        .collect())
}

/// Checks a new account: a short ASCII username, kept in lower case so that
/// `Li` and `li` are one account; a printable display name; a password of
/// at least twelve characters that is not just spaces.
pub fn check_new_user(
    username: &str,
    display_name: &str,
    password: &str,
) -> Result<(String, String), AppError> {
    let invalid = |field| AppError::Domain(gasdesk_domain::DomainError::invalid(field));
    let username = username.trim().to_ascii_lowercase();
    let valid_name = (2..=32).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !valid_name {
        return Err(invalid("username"));
    }
    let display_name = display_name.trim();
    let unprintable = |c: char| c.is_control() || (c.is_whitespace() && c != ' ');
    let length = display_name.chars().count();
    if length == 0 || length > 50 || display_name.chars().any(unprintable) {
        return Err(invalid("display_name"));
    }
    if password.trim().chars().count() < crate::auth::MIN_PASSWORD_CHARS {
        return Err(AppError::BadRequest("weak_password"));
    }
    Ok((username, display_name.to_string()))
}

/// Every staff account, for administrators.
pub async fn users(state: &AppState, staff: &Staff) -> Result<Vec<gasdesk_store::User>, AppError> {
    if !staff.is(&[Role::Admin]) {
        return Err(AppError::Domain(gasdesk_domain::DomainError::Forbidden));
    }
    Ok(state.store.users().await?)
}

/// Creates a staff account whose first password an administrator hands
/// over: it must be changed at the first sign-in.
pub async fn create_user_with_initial_password(
    state: &AppState,
    username: &str,
    display_name: &str,
    role: Role,
    password: &str,
) -> Result<gasdesk_store::User, AppError> {
    add_user(state, username, display_name, role, password, true).await
}

/// Creates a staff account with a password its holder chose. Usernames are
/// short ASCII names; passwords are at least twelve characters and stored
/// only as a memory-hard hash.
pub async fn create_user(
    state: &AppState,
    username: &str,
    display_name: &str,
    role: Role,
    password: &str,
) -> Result<gasdesk_store::User, AppError> {
    add_user(state, username, display_name, role, password, false).await
}

async fn add_user(
    state: &AppState,
    username: &str,
    display_name: &str,
    role: Role,
    password: &str,
    password_expired: bool,
) -> Result<gasdesk_store::User, AppError> {
    let (username, display_name) = check_new_user(username, display_name, password)?;
    let user = gasdesk_store::User {
        id: Uuid::now_v7(),
        username,
        display_name,
        role,
        password_hash: crate::auth::hash_password(password).await?,
        password_expired,
        active: true,
        created_at: state.now(),
    };
    state.store.create_user(&user).await?;
    Ok(user)
}

/// Replaces the signed-in user's own password after checking the current
/// one; every session of the user ends, and a new one is returned.
pub async fn change_password(
    state: &AppState,
    user: &gasdesk_store::User,
    current: &str,
    new: &str,
) -> Result<String, AppError> {
    if !crate::auth::verify_password_async(current, user.password_hash.clone()).await {
        return Err(AppError::BadCredentials);
    }
    check_new_user(&user.username, &user.display_name, new)?;
    if new == current {
        return Err(AppError::BadRequest("same_password"));
    }
    let hash = crate::auth::hash_password(new).await?;
    state.store.set_password(user.id, &hash, false).await?;
    crate::auth::open_session(state, user).await
}

/// Applications accepted in a calendar month, cut on Asia/Shanghai dates.
pub async fn received_in_month(state: &AppState, month: &str) -> Result<i64, AppError> {
    let bad = || AppError::BadRequest("bad_month");
    let (y, m) = month.split_once('-').ok_or_else(bad)?;
    let (year, month): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    let first = chrono::NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(bad)?;
    let start = |d: chrono::NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(chrono_tz::Asia::Shanghai).single())
            .map(|t| t.with_timezone(&chrono::Utc))
            .ok_or_else(bad)
    };
    Ok(state
        .store
        .count_accepted(start(first)?, start(next)?)
        .await?)
}

/// A published catalogue version, or the one in force.
pub async fn catalogue(state: &AppState, version: Option<i64>) -> Result<PriceCatalogue, AppError> {
    state
        .store
        .catalogue(version)
        .await?
        .ok_or(AppError::NotFound)
}

/// Publishes the next catalogue version: the Business Planning Dept's
/// work (administrators too, for the first set-up).
pub async fn publish_catalogue(
    state: &AppState,
    staff: &Staff,
    items: &[gasdesk_domain::catalogue::PriceItem],
    note: Option<&str>,
) -> Result<PriceCatalogue, AppError> {
    if !staff.is(&[Role::BusinessPlanning, Role::Admin]) {
        return Err(AppError::Domain(gasdesk_domain::DomainError::Forbidden));
    }
    let items = gasdesk_domain::catalogue::check_items(items)?;
    let note = connection::optional_text("note", &note.map(str::to_string))?;
    if note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        return Err(gasdesk_domain::DomainError::invalid("note").into());
    }
    let catalogue = PriceCatalogue {
        version: 0,
        items,
        published_at: state.now(),
        published_by: staff.actor().name,
        note,
    };
    Ok(state.store.publish_catalogue(&catalogue).await?)
}

/// Who keeps the early-involvement ledger.
pub const LEDGER_ROLES: [Role; 4] = [
    Role::CustomerManager,
    Role::Designer,
    Role::Supervisor,
    Role::Admin,
];

/// The ledger of plots, most recently learned first.
pub async fn plots(state: &AppState) -> Result<Vec<Plot>, AppError> {
    Ok(state.store.plots().await?)
}

/// Adds a plot learned from the planning platform to the ledger.
pub async fn add_plot(state: &AppState, staff: &Staff, entry: &NewPlot) -> Result<Plot, AppError> {
    if !staff.is(&LEDGER_ROLES) {
        return Err(AppError::Domain(gasdesk_domain::DomainError::Forbidden));
    }
    let plot = Plot::new(entry, Uuid::now_v7(), &staff.actor(), state.now())?;
    state.store.save_plot(&plot).await?;
    Ok(plot)
}

/// Records the source-pipeline layout designed in advance for a plot.
pub async fn plot_layout(
    state: &AppState,
    staff: &Staff,
    id: Uuid,
    layout: &str,
) -> Result<Plot, AppError> {
    if !staff.is(&LEDGER_ROLES) {
        return Err(AppError::Domain(gasdesk_domain::DomainError::Forbidden));
    }
    let mut plot = state.store.plot(id).await?.ok_or(AppError::NotFound)?;
    let layout = connection::optional_text("source_pipeline_layout", &Some(layout.to_string()))?
        .ok_or(gasdesk_domain::DomainError::invalid(
            "source_pipeline_layout",
        ))?;
    plot.source_pipeline_layout = Some(layout);
    plot.updated_at = state.now();
    state.store.save_plot(&plot).await?;
    Ok(plot)
}
