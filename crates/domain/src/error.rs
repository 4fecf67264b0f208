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
    #[error("the quote names an item that is not in the price catalogue")]
    UnknownPriceItem,
    #[error("no price catalogue has been published yet")]
    NoCatalogue,
    #[error("no quote has been issued")]
    NoQuote,
    #[error("the quote is paid or the contract is signed on it; it cannot change")]
    QuoteLocked,
    #[error("the quote was revised meanwhile; confirm the current revision")]
    QuoteRevisionChanged,
    #[error("the stored quote's amounts do not add up; it is not charged")]
    QuoteInconsistent,
    #[error("the applicant has not confirmed the quote")]
    QuoteNotConfirmed,
    #[error("a material this step needs is still owed")]
    MaterialsOwed,
    #[error("that material is not owed by this applicant")]
    MaterialNotOwed,
    #[error("that material is not on the line's list")]
    UnknownMaterial,
    #[error("that hand-in was already checked")]
    AlreadyReviewed,
    #[error("this was already recorded")]
    AlreadyDone,
    #[error("the application is already waiting on the applicant")]
    AlreadyWaiting,
    #[error("the application is not waiting on the applicant")]
    NotWaiting,
    #[error("the time given is before the wait began")]
    TimeBeforeWait,
    #[error("the applicant has the next move; record their answer first")]
    WaitingOnApplicant,
    #[error("no survey time has been agreed with the applicant")]
    SurveyNotAgreed,
    #[error("the site survey has not been recorded")]
    SurveyNotRecorded,
    #[error("the design plan has not been issued")]
    DesignNotIssued,
    #[error("the contract has not been signed")]
    ContractNotSigned,
    #[error("the payments would exceed the quote")]
    PaymentExceedsQuote,
    #[error("the construction unit has not entered the site")]
    SiteNotEntered,
    #[error("a problem found on site is still open")]
    ProblemsOpen,
    #[error("the applicant's satisfaction and signature are not recorded")]
    SatisfactionMissing,
    #[error("that service is not offered on this line")]
    UnknownService,
    #[error("that drawing cannot be submitted yet: what it rests on is not there")]
    DrawingNotReady,
    #[error("the latest version of that drawing is in review or passed")]
    DrawingNotReturned,
    #[error("no household has been entered for the community")]
    HouseholdsMissing,
    #[error("a wait on the applicant starts when it is recorded and cannot be dated back")]
    WaitBackdated,
    #[error("the time given is before what this step rests on was recorded")]
    TimeBeforeStep,
    #[error("a hand-in of this material is still waiting to be checked")]
    HandInPending,
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
            DomainError::UnknownPriceItem => "unknown_price_item",
            DomainError::NoCatalogue => "no_catalogue",
            DomainError::NoQuote => "no_quote",
            DomainError::QuoteLocked => "quote_locked",
            DomainError::QuoteRevisionChanged => "quote_revision_changed",
            DomainError::QuoteInconsistent => "quote_inconsistent",
            DomainError::QuoteNotConfirmed => "quote_not_confirmed",
            DomainError::MaterialsOwed => "materials_owed",
            DomainError::MaterialNotOwed => "material_not_owed",
            DomainError::UnknownMaterial => "unknown_material",
            DomainError::AlreadyReviewed => "already_reviewed",
            DomainError::AlreadyDone => "already_done",
            DomainError::AlreadyWaiting => "already_waiting",
            DomainError::NotWaiting => "not_waiting",
            DomainError::TimeBeforeWait => "time_before_wait",
            DomainError::WaitingOnApplicant => "waiting_on_applicant",
            DomainError::SurveyNotAgreed => "survey_not_agreed",
            DomainError::SurveyNotRecorded => "survey_not_recorded",
            DomainError::DesignNotIssued => "design_not_issued",
            DomainError::ContractNotSigned => "contract_not_signed",
            DomainError::PaymentExceedsQuote => "payment_exceeds_quote",
            DomainError::SiteNotEntered => "site_not_entered",
            DomainError::ProblemsOpen => "problems_open",
            DomainError::SatisfactionMissing => "satisfaction_missing",
            DomainError::UnknownService => "unknown_service",
            DomainError::DrawingNotReady => "drawing_not_ready",
            DomainError::DrawingNotReturned => "drawing_not_returned",
            DomainError::HouseholdsMissing => "households_missing",
            DomainError::WaitBackdated => "wait_backdated",
            DomainError::TimeBeforeStep => "time_before_step",
            DomainError::HandInPending => "hand_in_pending",
            DomainError::RulebookIncomplete(_) => "rulebook_incomplete",
            DomainError::Calendar(CalendarError::YearNotAvailable(_)) => "calendar_unavailable",
            DomainError::Calendar(_) => "time_out_of_range",
        }
    }
}
