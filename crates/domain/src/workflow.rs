//! Steps and their clocks as the rulebook describes them, for the lines
//! whose steps follow one another (one-stop, new community).
//!
//! A step with a `maximum` gets a deadline keyed by the step when it
//! starts; every limit whose `starts` names an event that just happened
//! (`accepted`, `awaiting_applicant`, `<step>.started`, `<step>.completed`,
//! ...) starts then too. Completing a step meets its deadline and starts
//! the steps that begin on its completion, so the rulebook, not the code,
//! says which clock runs when.

use chrono::{DateTime, Utc};

use crate::application::Application;
use crate::connection::Context;
use crate::deadline::Deadline;
use crate::error::DomainError;
use crate::rulebook::{LineRules, TimeLimit};

/// The limit that follows up on an applicant who stalls (R-SV3).
pub const STALL_FOLLOW_UP: &str = "stall_follow_up";

/// The rules of the application's line.
pub fn line_rules<'a>(
    app: &Application,
    ctx: &'a Context<'_>,
) -> Result<&'a LineRules, DomainError> {
    ctx.rulebook
        .line(app.line)
        .ok_or(DomainError::RulebookIncomplete(app.line.as_str()))
}

/// Records that `event` happened at `at`: starts every step and limit the
/// rulebook starts on it. A deadline already running under the same key is
/// left as it is (a clock never restarts by accident).
pub fn fire(
    app: &mut Application,
    event: &str,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<(), DomainError> {
    let rules = line_rules(app, ctx)?;
    let mut started: Vec<Deadline> = Vec::new();
    let mut chained: Vec<String> = Vec::new();
    for step in rules.steps.iter().filter(|s| s.starts == event) {
        if let Some(maximum) = step.maximum {
            let limit = TimeLimit {
                key: step.key.clone(),
                name: step.name.clone(),
                budget: maximum,
                minimum: step.minimum,
                clock: step.clock,
                starts: step.starts.clone(),
                channels: Vec::new(),
                step: Some(step.key.clone()),
                rule: step.rule.clone(),
            };
            started.push(Deadline::start(&limit, at, ctx.calendars)?);
        }
        chained.push(format!("{}.started", step.key));
    }
    for limit in rules
        .limits
        .iter()
        .filter(|l| l.starts == event && l.applies_to(app.channel))
    {
        started.push(Deadline::start(limit, at, ctx.calendars)?);
    }
    for d in started {
        if app.deadline(&d.key).is_none() {
            app.deadlines.push(d);
        }
    }
    for next in chained {
        fire(app, &next, at, ctx)?;
    }
    Ok(())
}

/// Completes a step at `at`: its deadline is met (keeping when it was
/// entered), and what starts on its completion starts.
pub fn complete_step(
    app: &mut Application,
    step: &str,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<(), DomainError> {
    if app.deadline(step).is_some_and(|d| at < d.started_at) {
        return Err(DomainError::TimeBeforeStep);
    }
    meet(app, step, at, ctx.now);
    fire(app, &format!("{step}.completed"), at, ctx)
}

/// The contract step is done (signed, and paid in full where there is a
/// fee): construction starts.
pub fn start_construction(
    app: &mut Application,
    contract_step: &str,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<(), DomainError> {
    complete_step(app, contract_step, at, ctx)?;
    app.status = crate::application::Status::UnderConstruction;
    Ok(())
}

/// Marks a limit met at the time it happened, keeping the time it was
/// entered so that late entry stays visible.
pub fn meet(app: &mut Application, key: &str, at: DateTime<Utc>, entered_at: DateTime<Utc>) {
    if let Some(d) = app.deadline_mut(key)
        && d.met_at.is_none()
    {
        d.met_at = Some(at);
        d.met_entered_at = Some(entered_at);
    }
}

/// Marks a limit met, refusing a time before the limit started.
pub fn meet_at_or_after_start(
    app: &mut Application,
    key: &str,
    at: DateTime<Utc>,
    entered_at: DateTime<Utc>,
) -> Result<(), DomainError> {
    if app.deadline(key).is_some_and(|d| at < d.started_at) {
        return Err(DomainError::TimeBeforeStep);
    }
    meet(app, key, at, entered_at);
    Ok(())
}

/// The applicant has the next move: the company's open clocks stop, and
/// the applicant's stall clock starts (R-SV3).
pub fn await_applicant(
    app: &mut Application,
    reason: &str,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<(), DomainError> {
    if app.waiting_on_applicant.is_some() {
        return Err(DomainError::AlreadyWaiting);
    }
    for d in app
        .deadlines
        .iter_mut()
        .filter(|d| d.key != STALL_FOLLOW_UP)
    {
        d.pause(at);
    }
    // A stall clock from an earlier wait makes way for this one.
    app.deadlines.retain(|d| d.key != STALL_FOLLOW_UP);
    fire(app, "awaiting_applicant", at, ctx)?;
    app.waiting_on_applicant = Some(crate::application::Wait {
        reason: reason.to_string(),
        since: at,
        followed_up_at: Vec::new(),
    });
    Ok(())
}

/// The applicant made their move: the company's clocks run again from
/// `at`, their due instants moved by the wait, and the stall clock ends.
pub fn applicant_responded(
    app: &mut Application,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<bool, DomainError> {
    let Some(wait) = app.waiting_on_applicant.take() else {
        return Ok(false);
    };
    if at < wait.since {
        app.waiting_on_applicant = Some(wait);
        return Err(DomainError::TimeBeforeWait);
    }
    for d in &mut app.deadlines {
        d.resume(at, ctx.calendars)?;
    }
    // A stop left open on a limit met meanwhile ends here too.
    for p in app.deadlines.iter_mut().flat_map(|d| d.pauses.iter_mut()) {
        if p.to.is_none() {
            p.to = Some(at.max(p.from));
        }
    }
    meet(app, STALL_FOLLOW_UP, at, ctx.now);
    Ok(true)
}

/// The customer manager asked a stalling applicant why and offered help:
/// recorded on the wait, and the stall clock starts again from then.
pub fn follow_up(
    app: &mut Application,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<(), DomainError> {
    let Some(wait) = app.waiting_on_applicant.as_mut() else {
        return Err(DomainError::NotWaiting);
    };
    if at < wait.since {
        return Err(DomainError::TimeBeforeWait);
    }
    wait.followed_up_at.push(at);
    app.deadlines.retain(|d| d.key != STALL_FOLLOW_UP);
    fire(app, "awaiting_applicant", at, ctx)
}
