//! Who acts on an application, and through which channel.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where an application or an action came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The county Administrative Service Center counter.
    ServiceCenter,
    /// A company business hall counter.
    BusinessHall,
    /// The online business hall (web portal).
    Online,
    /// The national gas hotline or the company's local number.
    Hotline,
    /// A staff member working the case from the back office (calls, site
    /// visits entered later): not an intake channel.
    Office,
}

impl Channel {
    pub const INTAKE: [Channel; 4] = [
        Channel::ServiceCenter,
        Channel::BusinessHall,
        Channel::Online,
        Channel::Hotline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::ServiceCenter => "service_center",
            Channel::BusinessHall => "business_hall",
            Channel::Online => "online",
            Channel::Hotline => "hotline",
            Channel::Office => "office",
        }
    }

    /// Counters where the applicant stands in front of staff.
    pub fn is_in_person(self) -> bool {
        matches!(self, Channel::ServiceCenter | Channel::BusinessHall)
    }

    pub fn is_intake(self) -> bool {
        self != Channel::Office
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownName {
    pub kind: &'static str,
    pub value: String,
}

impl FromStr for Channel {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Channel::Office]
            .into_iter()
            .chain(Channel::INTAKE)
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownName {
                kind: "channel",
                value: s.to_string(),
            })
    }
}

/// A staff role. Applicants act without an account, through the online
/// business hall or the tracking page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Front desk at the service center or a business hall.
    ServiceStaff,
    /// Owns an application end to end.
    CustomerManager,
    /// Designer or design institute staff.
    Designer,
    /// Construction unit staff.
    ConstructionUnit,
    /// Operations unit staff.
    OperationsUnit,
    /// Leads the one-stop service base: assigns, reassigns and corrects.
    Supervisor,
    /// Business Planning Dept: keeps the price catalogue quotes are priced
    /// from, and supervises.
    BusinessPlanning,
    /// Manages accounts and reference data.
    Admin,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::ServiceStaff,
        Role::CustomerManager,
        Role::Designer,
        Role::ConstructionUnit,
        Role::OperationsUnit,
        Role::Supervisor,
        Role::BusinessPlanning,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::ServiceStaff => "service_staff",
            Role::CustomerManager => "customer_manager",
            Role::Designer => "designer",
            Role::ConstructionUnit => "construction_unit",
            Role::OperationsUnit => "operations_unit",
            Role::Supervisor => "supervisor",
            Role::BusinessPlanning => "business_planning",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownName {
                kind: "role",
                value: s.to_string(),
            })
    }
}
