//! The materials a service line lists, where each stands on an
//! application, and what the applicant handed in.
//!
//! Only what the rulebook lists can be owed, asked for or handed in: the
//! product has no way to ask for anything else (the document-compliance
//! indicator). A waivable material missing at intake makes the application
//! pre-accepted; later steps go ahead, and what is owed is tracked with the
//! step that needs it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Channel;
use crate::application::{Actor, Application, LicenceCheck};
use crate::connection::{optional_text, required_text};
use crate::error::DomainError;
use crate::registry::BusinessLicence;
use crate::rulebook::{ApplicantKind, LineRules};

/// The materials the business registry answers for: found there by credit
/// code, they are shared rather than handed in.
pub const LICENCES: [&str; 2] = ["business_licence", "developer_licence"];

/// Hand-ins one application keeps at the most: a few per material, with
/// room for resubmissions.
const HAND_INS_MAX: usize = 30;

/// Where one listed material stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MaterialStatus {
    /// Handed in and accepted.
    Provided,
    /// Found on the government data-sharing platform: nothing to hand in.
    Shared,
    /// This kind of applicant does not have it (an institution's business
    /// licence, say): never asked for.
    NotHeld,
    /// Missing: the application is pre-accepted until it comes.
    Owed,
}

/// One listed material on one application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MaterialState {
    pub key: String,
    pub name: String,
    pub waivable: bool,
    pub status: MaterialStatus,
    /// By when an owed material is needed, once the step that needs it has
    /// a deadline.
    pub owed_until: Option<DateTime<Utc>>,
    /// How often the applicant was asked for it.
    pub requested: u32,
}

/// What became of a hand-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Pending,
    Accepted,
    Rejected { reason: String },
}

/// Something the applicant handed in for a listed material. Hand-ins are
/// never removed: a rejected one stays, marked, beside the one accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HandIn {
    /// 1 for the first hand-in on the application.
    pub number: u32,
    pub material: String,
    pub description: String,
    pub file_name: Option<String>,
    /// SHA-256 of the file, as the channel that received it computed it.
    pub sha256: Option<String>,
    pub channel: Channel,
    pub received_by: String,
    pub received_at: DateTime<Utc>,
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// The materials of `rules` for an applicant of `kind` who handed in
/// `provided` at intake, with the licence the registry found (if any).
pub fn at_intake(
    rules: &LineRules,
    kind: ApplicantKind,
    provided: &[String],
    licence: Option<&BusinessLicence>,
) -> Result<Vec<MaterialState>, DomainError> {
    if provided.iter().any(|k| rules.material(k).is_none()) {
        return Err(DomainError::UnknownMaterial);
    }
    Ok(rules
        .materials
        .iter()
        .map(|m| {
            let status = if provided.contains(&m.key) {
                MaterialStatus::Provided
            } else if !m.needed_from(kind) {
                MaterialStatus::NotHeld
            } else if m.shareable && LICENCES.contains(&m.key.as_str()) && licence.is_some() {
                MaterialStatus::Shared
            } else {
                MaterialStatus::Owed
            };
            MaterialState {
                key: m.key.clone(),
                name: m.name.clone(),
                waivable: m.waivable,
                status,
                owed_until: None,
                requested: 0,
            }
        })
        .collect())
}

/// Whether anything is still owed: the application is pre-accepted.
pub fn pre_accepted(app: &Application) -> bool {
    app.materials
        .iter()
        .any(|m| m.status == MaterialStatus::Owed)
}

/// Refuses to go on while a material of the given kind is owed: the
/// non-waivable ones (needed for the design) or any at all (the contract).
pub fn require(app: &Application, waivable_too: bool) -> Result<(), DomainError> {
    let owed = app
        .materials
        .iter()
        .any(|m| m.status == MaterialStatus::Owed && (waivable_too || !m.waivable));
    if owed {
        return Err(DomainError::MaterialsOwed);
    }
    Ok(())
}

/// Sets by when each owed material is needed.
pub fn owed_until(app: &mut Application, until: DateTime<Utc>) {
    for m in app
        .materials
        .iter_mut()
        .filter(|m| m.status == MaterialStatus::Owed)
    {
        m.owed_until = Some(until);
    }
}

fn owed<'a>(app: &'a mut Application, key: &str) -> Result<&'a mut MaterialState, DomainError> {
    match app.materials.iter_mut().find(|m| m.key == key) {
        Some(m) if m.status == MaterialStatus::Owed => Ok(m),
        Some(_) => Err(DomainError::MaterialNotOwed),
        None => Err(DomainError::UnknownMaterial),
    }
}

/// The applicant is asked for an owed material, never for anything else.
pub fn request(app: &mut Application, key: &str, note: &Option<String>) -> Result<(), DomainError> {
    optional_text("note", note)?;
    owed(app, key)?.requested += 1;
    Ok(())
}

/// Records a hand-in for an owed material, waiting to be checked.
#[allow(clippy::too_many_arguments)]
pub fn hand_in(
    app: &mut Application,
    key: &str,
    description: &str,
    file_name: &Option<String>,
    sha256: &Option<String>,
    channel: Channel,
    actor: &Actor,
    at: DateTime<Utc>,
) -> Result<u32, DomainError> {
    owed(app, key)?;
    if app
        .hand_ins
        .iter()
        .any(|h| h.material == key && h.verdict == Verdict::Pending)
    {
        return Err(DomainError::HandInPending);
    }
    if app.hand_ins.len() >= HAND_INS_MAX {
        return Err(DomainError::invalid("hand_in"));
    }
    let sha256 = match sha256.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(h) if h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()) => {
            Some(h.to_ascii_lowercase())
        }
        Some(_) => return Err(DomainError::invalid("sha256")),
    };
    let file_name = optional_text("file_name", file_name)?;
    if file_name.as_ref().is_some_and(|f| f.chars().count() > 200) {
        return Err(DomainError::invalid("file_name"));
    }
    let number = app.hand_ins.len() as u32 + 1;
    app.hand_ins.push(HandIn {
        number,
        material: key.to_string(),
        description: required_text("description", description)?,
        file_name,
        sha256,
        channel,
        received_by: actor.name.clone(),
        received_at: at,
        verdict: Verdict::Pending,
    });
    Ok(number)
}

/// Accepts or rejects a pending hand-in; accepting it provides the material.
pub fn review(
    app: &mut Application,
    number: u32,
    accepted: bool,
    reason: &Option<String>,
    at: DateTime<Utc>,
) -> Result<(), DomainError> {
    let reason = optional_text("reason", reason)?;
    let hand_in = app
        .hand_ins
        .iter_mut()
        .find(|h| h.number == number)
        .ok_or(DomainError::invalid("hand_in"))?;
    if hand_in.verdict != Verdict::Pending {
        return Err(DomainError::AlreadyReviewed);
    }
    if at < hand_in.received_at {
        return Err(DomainError::TimeBeforeStep);
    }
    hand_in.verdict = match (accepted, reason) {
        (true, _) => Verdict::Accepted,
        (false, Some(reason)) => Verdict::Rejected { reason },
        (false, None) => return Err(DomainError::invalid("reason")),
    };
    if accepted {
        let key = hand_in.material.clone();
        if let Some(m) = app.materials.iter_mut().find(|m| m.key == key) {
            m.status = MaterialStatus::Provided;
            m.owed_until = None;
        }
        // The licence the registry did not know is now on file.
        if LICENCES.contains(&key.as_str()) && app.licence == LicenceCheck::ToConfirmByPhone {
            app.licence = LicenceCheck::CopyAccepted;
        }
    }
    Ok(())
}
