//! Extended services offered alongside a connection, and permits the
//! company obtains for the applicant free of charge (R-SV4).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::application::{Actor, Application};
use crate::connection::{Context, optional_text};
use crate::error::DomainError;

/// An extended service offered to the applicant, and their answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExtendedOffer {
    pub service: String,
    pub name: String,
    pub accepted: bool,
    pub note: Option<String>,
    pub offered_by: String,
    pub offered_at: DateTime<Utc>,
    /// Not offered yet: a lead found at registration (a fitted community
    /// whose developer supplies appliances), for the service to follow.
    #[serde(default)]
    pub lead: bool,
}

/// Where a permit handled for the applicant stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PermitStatus {
    /// The applicant asked the company to handle it.
    Requested,
    /// Filed with the authority.
    Submitted,
    Approved,
    Refused,
}

impl PermitStatus {
    pub fn is_final(self) -> bool {
        matches!(self, PermitStatus::Approved | PermitStatus::Refused)
    }
}

/// A permit the company handles on the applicant's behalf: a sub-task with
/// its own status. The agency is free; government fees are the applicant's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PermitTask {
    pub permit: String,
    pub name: String,
    pub status: PermitStatus,
    /// What the company charges for handling it: always nothing.
    pub agency_fee_fen: i64,
    /// The authority's own fee, paid by the applicant, once known.
    pub government_fee_fen: Option<i64>,
    pub note: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Government fees above a million yuan are a typing error.
const GOVERNMENT_FEE_MAX_FEN: i64 = 100_000_000;

/// Records an offer of one of the line's extended services; offering it
/// again records the newer answer.
pub fn offer(
    app: &mut Application,
    service: &str,
    accepted: bool,
    note: &Option<String>,
    actor: &Actor,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<(), DomainError> {
    let rules = crate::workflow::line_rules(app, ctx)?;
    let known = rules
        .extended_services
        .iter()
        .find(|s| s.key == service)
        .ok_or(DomainError::UnknownService)?;
    let offer = ExtendedOffer {
        service: known.key.clone(),
        name: known.name.clone(),
        accepted,
        note: optional_text("note", note)?,
        offered_by: actor.name.clone(),
        offered_at: at,
        lead: false,
    };
    app.extended_services.retain(|o| o.service != offer.service);
    app.extended_services.push(offer);
    Ok(())
}

/// Records a lead for one of the line's extended services.
pub fn lead(
    app: &mut Application,
    service: &str,
    note: &Option<String>,
    actor: &Actor,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<(), DomainError> {
    offer(app, service, false, note, actor, at, ctx)?;
    if let Some(o) = app
        .extended_services
        .iter_mut()
        .find(|o| o.service == service)
    {
        o.lead = true;
    }
    Ok(())
}

/// The applicant asks the company to handle a permit of the line's list.
pub fn request_permit(
    app: &mut Application,
    permit: &str,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<(), DomainError> {
    let rules = crate::workflow::line_rules(app, ctx)?;
    let known = rules
        .agency_services
        .iter()
        .find(|s| s.key == permit)
        .ok_or(DomainError::UnknownService)?;
    if app.permits.iter().any(|p| p.permit == permit) {
        return Err(DomainError::AlreadyDone);
    }
    app.permits.push(PermitTask {
        permit: known.key.clone(),
        name: known.name.clone(),
        status: PermitStatus::Requested,
        agency_fee_fen: 0,
        government_fee_fen: None,
        note: None,
        requested_at: at,
        updated_at: at,
    });
    Ok(())
}

/// Moves a permit on; a final answer is final.
pub fn update_permit(
    app: &mut Application,
    permit: &str,
    status: PermitStatus,
    government_fee_fen: Option<i64>,
    note: &Option<String>,
    at: DateTime<Utc>,
) -> Result<(), DomainError> {
    let note = optional_text("note", note)?;
    if government_fee_fen.is_some_and(|f| !(0..=GOVERNMENT_FEE_MAX_FEN).contains(&f)) {
        return Err(DomainError::invalid("government_fee_fen"));
    }
    let task = app
        .permits
        .iter_mut()
        .find(|p| p.permit == permit)
        .ok_or(DomainError::UnknownService)?;
    if task.status.is_final() || status == PermitStatus::Requested {
        return Err(DomainError::invalid("status"));
    }
    task.status = status;
    if government_fee_fen.is_some() {
        task.government_fee_fen = government_fee_fen;
    }
    if note.is_some() {
        task.note = note;
    }
    task.updated_at = at;
    Ok(())
}
