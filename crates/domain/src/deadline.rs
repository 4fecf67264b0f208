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
    /// Stretches during which this clock stood still because the applicant
    /// had the next move (agreeing a survey time, say). The due instant moves
    /// by the working time they cover.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pauses: Vec<PauseSpan>,
}

/// A stretch of waiting on the applicant; `to` is none while it lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PauseSpan {
    pub from: DateTime<Utc>,
    pub to: Option<DateTime<Utc>>,
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
    /// The clock stands still: the applicant has the next move.
    Paused,
}

impl DeadlineState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineState::OnTime => "on_time",
            DeadlineState::DueSoon => "due_soon",
            DeadlineState::Overdue => "overdue",
            DeadlineState::MetOnTime => "met_on_time",
            DeadlineState::MetLate => "met_late",
            DeadlineState::Paused => "paused",
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
            pauses: Vec::new(),
        })
    }

    /// The clock stands still now.
    pub fn is_paused(&self) -> bool {
        self.met_at.is_none() && self.pauses.last().is_some_and(|p| p.to.is_none())
    }

    /// Stops the clock at `at` (the applicant has the next move). Nothing
    /// happens to a limit already met or already stopped.
    pub fn pause(&mut self, at: DateTime<Utc>) {
        if self.met_at.is_none() && !self.is_paused() {
            self.pauses.push(PauseSpan {
                from: at.max(self.started_at),
                to: None,
            });
        }
    }

    /// Starts the clock again at `at` and moves the due instant by the
    /// working time the stop covered. Returns whether it was stopped.
    pub fn resume(
        &mut self,
        at: DateTime<Utc>,
        calendars: &Calendars,
    ) -> Result<bool, CalendarError> {
        if !self.is_paused() {
            return Ok(false);
        }
        if let Some(open) = self.pauses.last_mut() {
            open.to = Some(at.max(open.from));
        }
        let calendar = calendars.for_clock(self.clock);
        let due = calendar.add(
            self.started_at,
            self.parsed_budget(),
            &self.closed(at),
            true,
        )?;
        self.due_at = due.value;
        self.provisional = due.provisional;
        self.calendar_version = calendar.version();
        Ok(true)
    }

    /// The stops as the calendar takes them, a running one ending at `end`.
    fn closed(&self, end: DateTime<Utc>) -> Vec<Pause> {
        self.pauses
            .iter()
            .map(|p| Pause {
                from: p.from,
                to: p.to.unwrap_or(end).max(p.from),
            })
            .collect()
    }

    fn parsed_budget(&self) -> WorkDuration {
        self.budget
            .parse()
            .unwrap_or(WorkDuration::Seconds(self.budget_seconds))
    }

    /// Computes the due instant again if the calendar changed since.
    pub fn refresh(&mut self, calendars: &Calendars) -> Result<bool, CalendarError> {
        let calendar = calendars.for_clock(self.clock);
        if self.calendar_version == calendar.version() {
            return Ok(false);
        }
        let budget = self.parsed_budget();
        // A running stop counts up to its start; resuming moves the instant.
        let stops: Vec<Pause> = self
            .pauses
            .iter()
            .filter_map(|p| p.to.map(|to| Pause { from: p.from, to }))
            .collect();
        let due = calendar.add(self.started_at, budget, &stops, true)?;
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
        let stops: Vec<Pause> = self
            .closed(end)
            .into_iter()
            .filter(|p| p.from < end)
            .map(|p| Pause {
                from: p.from,
                to: p.to.min(end),
            })
            .collect();
        Ok(calendar.elapsed(self.started_at, end, &stops, true)?.value)
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
            (false, _) if self.is_paused() => DeadlineState::Paused,
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
    if deadline.met_at.is_some() || deadline.overdue_noted_at.is_some() || deadline.is_paused() {
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
