//! A connection application: who applied, where it stands, what it owes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::community::CommunityCase;
use crate::deadline::Deadline;
use crate::materials::{HandIn, MaterialState};
use crate::one_stop::OneStopCase;
use crate::rulebook::ServiceLine;
use crate::services::{ExtendedOffer, PermitTask};
use crate::{Channel, Role};

/// Someone who acts on an application: a staff member with an account, or
/// the applicant through the online business hall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Actor {
    /// The staff account, or none for the applicant.
    pub user_id: Option<Uuid>,
    pub name: String,
    pub role: Option<Role>,
}

impl Actor {
    pub fn applicant(name: &str) -> Self {
        Actor {
            user_id: None,
            name: name.to_string(),
            role: None,
        }
    }

    /// The service itself, for what its background checks note.
    pub fn system() -> Self {
        Actor {
            user_id: None,
            name: "系统".to_string(),
            role: None,
        }
    }

    pub fn staff(user_id: Uuid, name: &str, role: Role) -> Self {
        Actor {
            user_id: Some(user_id),
            name: name.to_string(),
            role: Some(role),
        }
    }

    pub fn has_role(&self, roles: &[Role]) -> bool {
        self.role.is_some_and(|r| roles.contains(&r))
    }
}

/// A staff member an application is handed or assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StaffRef {
    pub user_id: Uuid,
    pub name: String,
}

/// Who built the facilities inside the applicant's property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BuiltBy {
    SelfBuilt,
    CompanyBuilt,
}

/// What intake asks to decide whether the 102 standard applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Readiness {
    /// The company's source pipeline to the site is finished and accepted.
    pub source_pipeline_ready: bool,
    /// The in-property facilities are finished and passed completion
    /// acceptance.
    pub facilities_ready: bool,
    pub built_by: BuiltBy,
}

impl Readiness {
    /// The 102 standard's one working day only holds once both the source
    /// pipeline and the in-property facilities are finished and accepted.
    pub fn qualifies_for_102(&self) -> bool {
        self.source_pipeline_ready && self.facilities_ready
    }
}

/// The applicant as given at intake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Applicant {
    /// Company or unit name.
    pub organisation: String,
    pub contact_name: String,
    pub phone: String,
    /// Unified social credit code, already validated.
    pub uscc: String,
    /// Address where gas will be used.
    pub site_address: String,
}

/// Where the business licence stands. Nothing is asked for on paper: the
/// licence is looked up by credit code, or confirmed on the phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LicenceCheck {
    /// Found in the registry at intake.
    Found {
        name: String,
        legal_representative: String,
        registry_status: String,
    },
    /// The registry does not know the code; counter staff saw the original.
    SeenAtCounter,
    /// The registry does not know the code: confirm by phone.
    ToConfirmByPhone,
    /// Confirmed by the customer manager on the first call.
    ConfirmedByPhone,
    /// A copy handed in for a pre-accepted application and accepted.
    CopyAccepted,
}

/// Where an application stands in its service line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In-person intake: service staff hand it to a customer manager.
    AwaitingHandover,
    /// Online or hotline intake: the customer manager calls the applicant.
    AwaitingFirstCall,
    /// Facilities and source pipe to be verified on site.
    AwaitingVerification,
    /// Gas supply contract to be signed.
    AwaitingContract,
    /// Acceptance and ignition to be done, on the gas-on plan.
    AwaitingGasOn,
    /// Gas is on.
    GasOn,
    /// Did not qualify for the 102 standard, or asked for the turnkey
    /// service: registered for the one-stop service; an online registration
    /// waits here for the customer manager's response.
    RoutedOneStop,
    /// One-stop: survey time to agree, site survey, design plan and quote.
    AwaitingSurvey,
    /// One-stop and new community: the works being built after contract and
    /// payment.
    UnderConstruction,
    /// New community: design cooperation, drawings reviewed by the owning
    /// unit.
    AwaitingDesign,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::AwaitingHandover => "awaiting_handover",
            Status::AwaitingFirstCall => "awaiting_first_call",
            Status::AwaitingVerification => "awaiting_verification",
            Status::AwaitingContract => "awaiting_contract",
            Status::AwaitingGasOn => "awaiting_gas_on",
            Status::GasOn => "gas_on",
            Status::RoutedOneStop => "routed_one_stop",
            Status::AwaitingSurvey => "awaiting_survey",
            Status::UnderConstruction => "under_construction",
            Status::AwaitingDesign => "awaiting_design",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub const ALL: [Status; 11] = [
        Status::AwaitingHandover,
        Status::AwaitingFirstCall,
        Status::AwaitingVerification,
        Status::AwaitingContract,
        Status::AwaitingGasOn,
        Status::GasOn,
        Status::RoutedOneStop,
        Status::AwaitingSurvey,
        Status::UnderConstruction,
        Status::AwaitingDesign,
        Status::Cancelled,
    ];

    /// Nothing more is to be done. A routed application is still open: it
    /// waits for the one-stop service.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::GasOn | Status::Cancelled)
    }
}

/// Why an acceptance failed; failures caused by the applicant's equipment
/// or an unsafe environment do not count against the first-time pass rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailureCause {
    ApplicantEquipment,
    UnsafeEnvironment,
    CompanyWork,
}

/// The result of the on-site verification before gas-on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SiteVerification {
    pub facilities_ok: bool,
    pub source_pipe_ok: bool,
    pub rectification_advice: Option<String>,
    pub tie_in_point: String,
    pub excavation_approvals: Option<String>,
    pub verified_at: DateTime<Utc>,
}

/// One acceptance-and-ignition attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AcceptanceAttempt {
    pub number: u32,
    pub passed: bool,
    pub participants: Vec<String>,
    pub failure_cause: Option<FailureCause>,
    pub note: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

/// The current state of an application, projected from its events and
/// stored beside them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Application {
    pub id: Uuid,
    /// Human-facing number, e.g. `BZ20260108-0001`.
    pub number: String,
    pub line: ServiceLine,
    pub channel: Channel,
    pub status: Status,
    pub applicant: Applicant,
    pub readiness: Readiness,
    pub licence: LicenceCheck,
    /// When the company accepted the application: every 102 clock starts here.
    pub accepted_at: DateTime<Utc>,
    pub assignee: Option<StaffRef>,
    pub deadlines: Vec<Deadline>,
    pub verification: Option<SiteVerification>,
    pub contract_number: Option<String>,
    pub gas_on_planned_at: Option<DateTime<Utc>>,
    pub acceptance_attempts: Vec<AcceptanceAttempt>,
    pub cancel_reason: Option<String>,
    /// The listed materials and where each stands (empty on the 102 line,
    /// which asks for none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub materials: Vec<MaterialState>,
    /// Everything handed in for them, rejected ones included.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hand_ins: Vec<HandIn>,
    /// Set while the applicant has the next move and the company's clocks
    /// stand still.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_on_applicant: Option<Wait>,
    /// What the one-stop line records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_stop: Option<OneStopCase>,
    /// What the new-community line records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community: Option<CommunityCase>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extended_services: Vec<ExtendedOffer>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permits: Vec<PermitTask>,
    /// Bumped by every change; a change made against an older version is a
    /// conflict.
    pub version: i64,
}

/// The applicant has the next move (R-SV3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Wait {
    /// What the applicant is to do, e.g. agree a survey time.
    pub reason: String,
    pub since: DateTime<Utc>,
    /// When the customer manager asked a stalling applicant why.
    pub followed_up_at: Vec<DateTime<Utc>>,
}

impl Application {
    pub fn deadline(&self, key: &str) -> Option<&Deadline> {
        self.deadlines.iter().find(|d| d.key == key)
    }

    pub fn deadline_mut(&mut self, key: &str) -> Option<&mut Deadline> {
        self.deadlines.iter_mut().find(|d| d.key == key)
    }

    /// The earliest deadline still open and running, which orders the
    /// worklist.
    pub fn next_due_at(&self) -> Option<DateTime<Utc>> {
        self.deadlines
            .iter()
            .filter(|d| d.met_at.is_none() && !d.is_paused())
            .map(|d| d.due_at)
            .min()
    }
}
