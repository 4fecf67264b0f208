//! Time limits running on an application, counted in working time.

use chrono::{DateTime, Utc};
use gasdesk_calendar::{CalendarError, Pause, WorkCalendar, WorkDuration};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::rulebook::{Clock, TimeLimit};

/// A time limit started on an application.
///
/// The due instant is kept for ordering the worklist and showing the
/// deadline; whether the limit was met is always decided on elapsed working
/// time against the budget, never by comparing clock readings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Deadline {
    /// The rulebook's limit key, e.g. `first_call`.
    pub key: String,
    pub name: String,
    pub clock: Clock,
    pub started_at: DateTime<Utc>,
    /// The budget as the rulebook writes it, e.g. `PT1H` or `P1D`.
    pub budget: String,
    pub budget_seconds: i64,
    pub due_at: DateTime<Utc>,
    /// The due instant rests on a year with no published arrangement.
    pub provisional: bool,
    /// The calendar version the due instant was computed with; a different
    /// current version means it must be computed again.
    pub calendar_version: String,
    /// When the obligation was fulfilled (the time it happened, not the
    /// time it was entered).
    pub met_at: Option<DateTime<Utc>>,
    /// When the fulfilment was entered; far after `met_at` means late entry.
    #[serde(default)]
    pub met_entered_at: Option<DateTime<Utc>>,
    /// When the background check found the limit run out while still open
    /// and noted it on the application (once).
    #[serde(default)]
    pub overdue_noted_at: Option<DateTime<Utc>>,
}

/// The calendars a deadline may run on.
#[derive(Clone)]
pub struct Calendars {
    pub office: WorkCalendar,
    pub always: WorkCalendar,
}

impl Calendars {
    pub fn for_clock(&self, clock: Clock) -> &WorkCalendar {
        match clock {
            Clock::Office => &self.office,
            Clock::TwentyFourSeven => &self.always,
        }
    }
}

/// How a deadline stands at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineState {
    OnTime,
    DueSoon,
    Overdue,
    MetOnTime,
    MetLate,
}

impl DeadlineState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineState::OnTime => "on_time",
            DeadlineState::DueSoon => "due_soon",
            DeadlineState::Overdue => "overdue",
            DeadlineState::MetOnTime => "met_on_time",
            DeadlineState::MetLate => "met_late",
        }
    }
}

/// A deadline with its working time used and left, as of a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeadlineStatus {
    #[serde(flatten)]
    pub deadline: Deadline,
    pub state: DeadlineState,
    pub elapsed_seconds: i64,
    /// Working seconds left; negative once overdue.
    pub remaining_seconds: i64,
}

/// A deadline counts as due soon when less than this share of its budget is
/// left (a quarter), so a one-hour call turns amber with 15 minutes left.
const DUE_SOON_DIVISOR: i64 = 4;

impl Deadline {
    /// Starts a limit at `started_at` on the calendar its clock names.
    pub fn start(
        limit: &TimeLimit,
        started_at: DateTime<Utc>,
        calendars: &Calendars,
    ) -> Result<Deadline, CalendarError> {
        let calendar = calendars.for_clock(limit.clock);
        let due = calendar.add(started_at, limit.budget, &[], true)?;
        Ok(Deadline {
            key: limit.key.clone(),
            name: limit.name.clone(),
            clock: limit.clock,
            started_at,
            budget: limit.budget.to_string(),
            budget_seconds: budget_seconds(limit.budget, calendar),
            due_at: due.value,
            provisional: due.provisional,
            calendar_version: calendar.version(),
            met_at: None,
            met_entered_at: None,
            overdue_noted_at: None,
        })
    }

    /// Computes the due instant again if the calendar changed since.
    pub fn refresh(&mut self, calendars: &Calendars) -> Result<bool, CalendarError> {
        let calendar = calendars.for_clock(self.clock);
        if self.calendar_version == calendar.version() {
            return Ok(false);
        }
        let budget: WorkDuration = self
            .budget
            .parse()
            .unwrap_or(WorkDuration::Seconds(self.budget_seconds));
        let due = calendar.add(self.started_at, budget, &[], true)?;
        self.budget_seconds = budget_seconds(budget, calendar);
        self.due_at = due.value;
        self.provisional = due.provisional;
        self.calendar_version = calendar.version();
        Ok(true)
    }

    /// Working seconds used from the start until it was met, or until `now`.
    pub fn elapsed(&self, now: DateTime<Utc>, cals: &Calendars) -> Result<i64, CalendarError> {
        let end = self.met_at.unwrap_or(now).max(self.started_at);
        let calendar = cals.for_clock(self.clock);
        Ok(calendar
            .elapsed(self.started_at, end, &[] as &[Pause], true)?
            .value)
    }

    /// Met within its budget; `None` while still open.
    pub fn met_on_time(&self, calendars: &Calendars) -> Result<Option<bool>, CalendarError> {
        match self.met_at {
            None => Ok(None),
            Some(at) => Ok(Some(self.elapsed(at, calendars)? <= self.budget_seconds)),
        }
    }

    pub fn status(
        &self,
        now: DateTime<Utc>,
        calendars: &Calendars,
    ) -> Result<DeadlineStatus, CalendarError> {
        let elapsed = self.elapsed(now, calendars)?;
        let remaining = self.budget_seconds - elapsed;
        let state = match (self.met_at.is_some(), remaining) {
            (true, r) if r >= 0 => DeadlineState::MetOnTime,
            (true, _) => DeadlineState::MetLate,
            (false, r) if r < 0 => DeadlineState::Overdue,
            (false, r) if r * DUE_SOON_DIVISOR < self.budget_seconds => DeadlineState::DueSoon,
            (false, _) => DeadlineState::OnTime,
        };
        Ok(DeadlineStatus {
            deadline: self.clone(),
            state,
            elapsed_seconds: elapsed,
            remaining_seconds: remaining,
        })
    }
}

fn budget_seconds(budget: WorkDuration, calendar: &WorkCalendar) -> i64 {
    budget.to_seconds(calendar.standard_day_seconds())
}

/// Notes on the application that its open deadline `key` ran out, if it
/// did and was not noted before: the timeline shows it, and the job that
/// asked for the check ends with the same write. `checked_by` names the
/// server that checked. `None` when there is nothing to note (met,
/// cancelled, already noted, or not run out yet).
pub fn note_overdue(
    app: &crate::application::Application,
    key: &str,
    now: DateTime<Utc>,
    calendars: &Calendars,
    checked_by: &str,
) -> Result<Option<(crate::application::Application, crate::event::NewEvent)>, CalendarError> {
    if app.status.is_closed() {
        return Ok(None);
    }
    let Some(deadline) = app.deadline(key) else {
        return Ok(None);
    };
    if deadline.met_at.is_some() || deadline.overdue_noted_at.is_some() {
        return Ok(None);
    }
    let mut current = deadline.clone();
    current.refresh(calendars)?;
    let status = current.status(now, calendars)?;
    if status.state != DeadlineState::Overdue {
        return Ok(None);
    }
    let mut next = app.clone();
    next.version += 1;
    if let Some(d) = next.deadline_mut(key) {
        *d = current;
        d.overdue_noted_at = Some(now);
    }
    let event = crate::event::NewEvent {
        kind: "deadline_overdue".into(),
        actor: crate::application::Actor::system(),
        channel: crate::Channel::Office,
        occurred_at: status.deadline.due_at.min(now),
        recorded_at: now,
        payload: serde_json::json!({
            "key": key,
            "name": status.deadline.name,
            "due_at": status.deadline.due_at,
            "overdue_seconds": -status.remaining_seconds,
            "checked_by": checked_by,
        }),
    };
    Ok(Some((next, event)))
}
