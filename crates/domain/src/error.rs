//! Why the rules refused a request. Each variant has a stable code that the
//! API returns and the pages translate; no user-facing sentence is built here.

use gasdesk_calendar::CalendarError;

use crate::application::Status;
use crate::uscc::UsccError;

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("field {field} is missing or not valid")]
    InvalidField { field: &'static str },
    #[error("unified social credit code: {0}")]
    InvalidUscc(UsccError),
    #[error("this role may not take this action")]
    Forbidden,
    #[error("the application is assigned to another customer manager")]
    NotOwner,
    #[error("action {action} is not allowed while the application is {status:?}")]
    ActionNotAllowed {
        action: &'static str,
        status: Status,
    },
    #[error("the application changed meanwhile (now version {current}); reload it")]
    VersionConflict { current: i64 },
    #[error("the time given is in the future")]
    TimeInFuture,
    #[error("the time given is too long ago to be entered at intake")]
    TimeTooEarly,
    #[error("the time given is before the application was accepted")]
    TimeBeforeAcceptance,
    #[error("gas-on has not been put on the gas-on plan")]
    NotScheduled,
    #[error("no such event on this application")]
    EventNotFound,
    #[error("this event's time cannot be corrected")]
    NotCorrectable,
    #[error("the rulebook has no {0} line")]
    RulebookIncomplete(&'static str),
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

impl DomainError {
    pub fn invalid(field: &'static str) -> Self {
        DomainError::InvalidField { field }
    }

    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::InvalidField { .. } => "invalid_field",
            DomainError::InvalidUscc(_) => "invalid_uscc",
            DomainError::Forbidden => "forbidden",
            DomainError::NotOwner => "not_owner",
            DomainError::ActionNotAllowed { .. } => "action_not_allowed",
            DomainError::VersionConflict { .. } => "version_conflict",
            DomainError::TimeInFuture => "time_in_future",
            DomainError::TimeTooEarly => "time_too_early",
            DomainError::TimeBeforeAcceptance => "time_before_acceptance",
            DomainError::NotScheduled => "not_scheduled",
            DomainError::EventNotFound => "event_not_found",
            DomainError::NotCorrectable => "not_correctable",
            DomainError::RulebookIncomplete(_) => "rulebook_incomplete",
            DomainError::Calendar(CalendarError::YearNotAvailable(_)) => "calendar_unavailable",
            DomainError::Calendar(_) => "time_out_of_range",
        }
    }
}
