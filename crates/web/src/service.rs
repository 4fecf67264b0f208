//! The use cases, shared by the JSON API and the pages so that both do
//! exactly the same thing: load, let the rules decide, store state and
//! events together.

use gasdesk_domain::application::{Actor, Application, StaffRef};
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
    let mut intake = intake.clone();
    if let Some(to) = &intake.assignee {
        intake.assignee = Some(customer_manager(state, to.user_id).await?);
    }
    let licence = match Uscc::parse(&intake.uscc) {
        Ok(code) => state.registry.lookup(&code).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "licence look-up failed; to be confirmed by phone");
            None
        }),
        Err(_) => None,
    };
    let calendars = state.calendars();
    let ctx = Context {
        rulebook: &state.rulebook,
        calendars: &calendars,
        now: state.now(),
    };

    let (application, event) = connection::open(
        &intake,
        licence.as_ref(),
        Uuid::now_v7(),
        String::new(),
        actor,
        &ctx,
    )?;

    Ok(state
        .store
        .create_application(&application, &event, idempotency_key)
        .await?)
}

/// A staff member the case can be handed or assigned to: an active
/// customer manager, named as the accounts table names them.
async fn customer_manager(state: &AppState, user_id: Uuid) -> Result<StaffRef, AppError> {
    match state.store.user(user_id).await? {
        Some(u) if u.active && u.role == Role::CustomerManager => Ok(StaffRef {
            user_id: u.id,
            name: u.display_name,
        }),
        _ => Err(AppError::BadRequest("unknown_user")),
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
    let calendars = state.calendars();
    let ctx = Context {
        rulebook: &state.rulebook,
        calendars: &calendars,
        now: state.now(),
    };

    let (next, events) = connection::decide(
        &application,
        &history,
        &command,
        &staff.actor(),
        Channel::Office,
        &ctx,
    )?;

    state.store.save_change(&next, &events).await?;
    Ok(next)
}

pub async fn load(state: &AppState, number: &str) -> Result<Application, AppError> {
    state
        .store
        .application_by_number(number.trim())
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
        _ => WorklistQuery::default(),
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

/// The applicant's view: found only with the number and the phone given at
/// intake together, so a number alone reveals nothing.
pub async fn track(state: &AppState, number: &str, phone: &str) -> Result<Detail, AppError> {
    let detail = detail(state, number).await?;
    let given: String = phone.chars().filter(char::is_ascii_digit).collect();
    let known: String = detail
        .application
        .applicant
        .phone
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if given.is_empty() || given != known {
        return Err(AppError::NotFound);
    }
    Ok(detail)
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

/// Every staff account, for administrators.
pub async fn users(state: &AppState, staff: &Staff) -> Result<Vec<gasdesk_store::User>, AppError> {
    if !staff.is(&[Role::Admin]) {
        return Err(AppError::Domain(gasdesk_domain::DomainError::Forbidden));
    }
    Ok(state.store.users().await?)
}

/// Creates a staff account. Usernames are short ASCII names; passwords are
/// at least twelve characters and stored only as a memory-hard hash.
pub async fn create_user(
    state: &AppState,
    username: &str,
    display_name: &str,
    role: Role,
    password: &str,
) -> Result<gasdesk_store::User, AppError> {
    let username = username.trim();
    let valid_name = (2..=32).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !valid_name {
        return Err(AppError::Domain(gasdesk_domain::DomainError::invalid(
            "username",
        )));
    }
    let display_name = display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 50 {
        return Err(AppError::Domain(gasdesk_domain::DomainError::invalid(
            "display_name",
        )));
    }
    if password.chars().count() < crate::auth::MIN_PASSWORD_CHARS {
        return Err(AppError::BadRequest("weak_password"));
    }
    let user = gasdesk_store::User {
        id: Uuid::now_v7(),
        username: username.to_string(),
        display_name: display_name.to_string(),
        role,
        password_hash: crate::auth::hash_password(password)?,
        active: true,
        created_at: state.now(),
    };
    state.store.create_user(&user).await?;
    Ok(user)
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
