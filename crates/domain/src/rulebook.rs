//! The service standard as data: service lines, their steps, time limits,
//! materials and fees, loaded from a commented TOML rulebook.
//!
//! The county's own rulebook ships as `rules/county-default.toml`. A company
//! that changes a limit edits a copy of that file rather than the code, so
//! the loader checks everything the workflow relies on and reports every
//! problem with its line and column.

mod load;
mod reader;
#[cfg(test)]
mod tests;

use crate::actor::UnknownName;
use crate::{Channel, Role};
use chrono::NaiveDate;
use gasdesk_calendar::WorkDuration;
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;
use utoipa::ToSchema;

/// The rulebook shipped with gasdesk, as text (for `rules show` and exports).
pub const COUNTY_DEFAULT_TOML: &str = include_str!("../rules/county-default.toml");

/// Clock-start events a rulebook may name besides `<step>.started` and
/// `<step>.completed`, with what they mean. The workflow records these.
pub const EVENTS: [(&str, &str); 7] = [
    (
        "accepted",
        "受理报装申请（柜台受理，或网上营业厅、热线登记）",
    ),
    ("awaiting_applicant", "环节转入等待用户配合"),
    ("design_data_received", "设计院收到开发商提供的设计资料"),
    ("plan_confirmed", "设计资料齐全、方案确认"),
    ("gas_on_requested", "开发商提出通气"),
    ("gas_on", "开阀通气完成"),
    ("work_order_issued", "向施工单位下达任务单"),
];

/// Limits the 102 workflow looks up by key; a rulebook without them is
/// refused rather than failing later in the middle of an application.
pub const REQUIRED_102_LIMITS: [&str; 4] = ["handover", "first_call", "gas_on", "stall_follow_up"];

/// Steps the one-stop workflow looks up by key, in order (R-OS).
pub const REQUIRED_ONE_STOP_STEPS: [&str; 4] = [
    "registration",
    "survey_design",
    "contract_payment",
    "construction_gas_on",
];

/// Steps of the 102 line, in order (R-102-3).
pub const REQUIRED_102_STEPS: [&str; 2] = ["application", "gas_on"];

/// One of the regulation's three service lines.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
pub enum ServiceLine {
    /// Connection under the 102 standard.
    #[serde(rename = "connection_102")]
    Connection102,
    /// One-stop turnkey service (R-OS).
    #[serde(rename = "one_stop")]
    OneStop,
    /// New residential community, pre-buried gas (R-NC).
    #[serde(rename = "new_community")]
    NewCommunity,
}

impl ServiceLine {
    pub const ALL: [ServiceLine; 3] = [
        ServiceLine::Connection102,
        ServiceLine::OneStop,
        ServiceLine::NewCommunity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceLine::Connection102 => "connection_102",
            ServiceLine::OneStop => "one_stop",
            ServiceLine::NewCommunity => "new_community",
        }
    }

    /// The name used in the user interface when no rulebook is at hand.
    pub fn name_zh(self) -> &'static str {
        match self {
            ServiceLine::Connection102 => "燃气报装“102”标准",
            ServiceLine::OneStop => "一站式服务",
            ServiceLine::NewCommunity => "新建住宅小区燃气预埋",
        }
    }
}

impl fmt::Display for ServiceLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ServiceLine {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ServiceLine::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| UnknownName {
                kind: "service line",
                value: s.to_string(),
            })
    }
}

/// How elapsed time is counted against a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Clock {
    /// Working time on the official calendar, make-up working days included.
    #[serde(rename = "office")]
    Office,
    /// Wall-clock time, nights and holidays included.
    #[serde(rename = "24x7")]
    TwentyFourSeven,
}

impl Clock {
    pub const ALL: [Clock; 2] = [Clock::Office, Clock::TwentyFourSeven];

    pub fn as_str(self) -> &'static str {
        match self {
            Clock::Office => "office",
            Clock::TwentyFourSeven => "24x7",
        }
    }
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Clock {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Clock::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownName {
                kind: "clock",
                value: s.to_string(),
            })
    }
}

/// How the regulation labels a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Handling {
    /// 即时办理: handled at once (a limit may still apply).
    Immediate,
    /// 限时办理: bounded by the step's minimum and maximum.
    Limited,
    /// 配合办理: follows someone else's schedule; sub-limits may apply.
    Cooperative,
}

impl Handling {
    pub const ALL: [Handling; 3] = [
        Handling::Immediate,
        Handling::Limited,
        Handling::Cooperative,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Handling::Immediate => "immediate",
            Handling::Limited => "limited",
            Handling::Cooperative => "cooperative",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Handling::Immediate => "即时办理",
            Handling::Limited => "限时办理",
            Handling::Cooperative => "配合办理",
        }
    }
}

/// Kinds of applicant a material rule can single out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    /// A registered business (企业、个体工商户).
    Enterprise,
    /// A public institution (事业单位) or government body.
    Institution,
    /// A military unit (部队).
    MilitaryUnit,
    /// A property developer.
    Developer,
}

impl ApplicantKind {
    pub const ALL: [ApplicantKind; 4] = [
        ApplicantKind::Enterprise,
        ApplicantKind::Institution,
        ApplicantKind::MilitaryUnit,
        ApplicantKind::Developer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApplicantKind::Enterprise => "enterprise",
            ApplicantKind::Institution => "institution",
            ApplicantKind::MilitaryUnit => "military_unit",
            ApplicantKind::Developer => "developer",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            ApplicantKind::Enterprise => "企业",
            ApplicantKind::Institution => "事业单位",
            ApplicantKind::MilitaryUnit => "部队",
            ApplicantKind::Developer => "房地产开发商",
        }
    }
}

/// What an after-gas-on obligation is counted per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    Application,
    /// One per household (一户一调查); a non-residential applicant is one.
    Household,
}

impl Per {
    pub const ALL: [Per; 2] = [Per::Application, Per::Household];

    pub fn as_str(self) -> &'static str {
        match self {
            Per::Application => "application",
            Per::Household => "household",
        }
    }
}

/// A timed promise: `budget` of `clock` time from the `starts` event. It is
/// met when the action it names (its key) is recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeLimit {
    pub key: String,
    pub name: String,
    #[serde(serialize_with = "ser_duration")]
    pub budget: WorkDuration,
    /// Finishing earlier than this is not expected (the regulation's 最短).
    #[serde(serialize_with = "ser_opt_duration")]
    pub minimum: Option<WorkDuration>,
    pub clock: Clock,
    /// An event of [`EVENTS`] or `<step>.started` / `<step>.completed`.
    pub starts: String,
    /// Channels of intake the limit applies to; empty means every channel.
    pub channels: Vec<Channel>,
    /// The step the limit belongs to, when it is part of one.
    pub step: Option<String>,
    pub rule: String,
}

impl TimeLimit {
    pub fn applies_to(&self, channel: Channel) -> bool {
        self.channels.is_empty() || self.channels.contains(&channel)
    }
}

/// One step of a service line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepRules {
    pub key: String,
    pub name: String,
    /// Position in the line, from 1; steps are kept sorted by it.
    pub order: u32,
    pub handling: Handling,
    #[serde(serialize_with = "ser_opt_duration")]
    pub minimum: Option<WorkDuration>,
    /// The committed duration of the step (R-KPI2), when the rule gives one.
    #[serde(serialize_with = "ser_opt_duration")]
    pub maximum: Option<WorkDuration>,
    pub clock: Clock,
    /// An event of [`EVENTS`] or `<earlier step>.started|completed`.
    pub starts: String,
    pub roles: Vec<Role>,
    pub rule: String,
    pub description: String,
}

/// A document the applicant may be asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Material {
    pub key: String,
    pub name: String,
    /// May be handed in later (容缺): the application goes ahead without it.
    pub waivable: bool,
    /// Can be fetched from a government data-sharing system instead.
    pub shareable: bool,
    /// Applicants that do not have this document at all, so it is never
    /// asked of them.
    pub not_held_by: Vec<ApplicantKind>,
    pub note: String,
    pub rule: String,
}

impl Material {
    /// Whether the applicant must eventually hand it in.
    pub fn needed_from(&self, kind: ApplicantKind) -> bool {
        !self.not_held_by.contains(&kind)
    }
}

/// Something the applicant pays for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fee {
    pub key: String,
    pub name: String,
    pub note: String,
    pub rule: String,
}

/// An extended service or a permit obtained on the applicant's behalf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    pub key: String,
    pub name: String,
    /// Offered without charge (government fees may still apply).
    pub free: bool,
    pub note: String,
    pub rule: String,
}

/// The rules of one service line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineRules {
    pub line: ServiceLine,
    pub name: String,
    pub rule: String,
    /// Where applications for this line are taken in.
    pub channels: Vec<Channel>,
    pub roles: Vec<Role>,
    /// Sorted by `order`.
    pub steps: Vec<StepRules>,
    pub limits: Vec<TimeLimit>,
    pub materials: Vec<Material>,
    pub fees: Vec<Fee>,
    pub extended_services: Vec<Service>,
    pub agency_services: Vec<Service>,
}

impl LineRules {
    pub fn step(&self, key: &str) -> Option<&StepRules> {
        self.steps.iter().find(|s| s.key == key)
    }

    pub fn limit(&self, key: &str) -> Option<&TimeLimit> {
        self.limits.iter().find(|l| l.key == key)
    }

    pub fn material(&self, key: &str) -> Option<&Material> {
        self.materials.iter().find(|m| m.key == key)
    }

    /// Materials that must be in hand before the application is accepted.
    pub fn required_materials(&self) -> impl Iterator<Item = &Material> {
        self.materials.iter().filter(|m| !m.waivable)
    }
}

/// Something owed to the applicant after gas-on (survey, inspection, training).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Obligation {
    pub key: String,
    pub name: String,
    pub per: Per,
    /// Unset where the regulation names no time.
    #[serde(serialize_with = "ser_opt_duration")]
    pub budget: Option<WorkDuration>,
    pub clock: Clock,
    pub note: String,
    pub rule: String,
}

/// Rules that hold across the service lines (R-SV).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceRules {
    /// Any counter may pre-accept an application and owns it until handed over.
    pub first_contact_responsibility: bool,
    pub rule: String,
    pub after_gas_on: Vec<Obligation>,
}

/// An internal control indicator (R-KPI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kpi {
    pub key: String,
    pub name: String,
    pub target_percent: u32,
    pub note: String,
    pub rule: String,
}

/// A complete, checked rulebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rulebook {
    name: String,
    issuer: String,
    published: Option<NaiveDate>,
    /// One per [`ServiceLine`], in [`ServiceLine::ALL`] order.
    lines: Vec<LineRules>,
    service: ServiceRules,
    kpis: Vec<Kpi>,
}

impl Rulebook {
    /// The rulebook shipped with gasdesk.
    ///
    /// # Panics
    ///
    /// Only if the shipped file is broken, which the test suite rules out.
    pub fn county_default() -> Rulebook {
        static DEFAULT: OnceLock<Rulebook> = OnceLock::new();
        DEFAULT
            .get_or_init(|| match Rulebook::parse(COUNTY_DEFAULT_TOML) {
                Ok(book) => book,
                Err(errors) => panic!("rules/county-default.toml is invalid:\n{errors}"),
            })
            .clone()
    }

    /// Parses and checks a rulebook, reporting every problem found.
    pub fn parse(source: &str) -> Result<Rulebook, RulebookErrors> {
        load::parse(source)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn published(&self) -> Option<NaiveDate> {
        self.published
    }

    pub fn lines(&self) -> &[LineRules] {
        &self.lines
    }

    pub fn line(&self, line: ServiceLine) -> Option<&LineRules> {
        self.lines.iter().find(|l| l.line == line)
    }

    pub fn step(&self, line: ServiceLine, key: &str) -> Option<&StepRules> {
        self.line(line)?.step(key)
    }

    pub fn limit(&self, line: ServiceLine, key: &str) -> Option<&TimeLimit> {
        self.line(line)?.limit(key)
    }

    pub fn service(&self) -> &ServiceRules {
        &self.service
    }

    pub fn kpis(&self) -> &[Kpi] {
        &self.kpis
    }
}

/// One problem in a rulebook file, at the place it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleError {
    /// 1-based line of the offending value (or of its table header).
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Where in the rulebook, such as `one_stop.limits[2].budget`; empty for
    /// TOML syntax errors.
    pub path: String,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found in a rulebook, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RulebookErrors(pub Vec<RuleError>);

impl fmt::Display for RulebookErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RulebookErrors {}

fn ser_duration<S: Serializer>(d: &WorkDuration, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

fn ser_opt_duration<S: Serializer>(d: &Option<WorkDuration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.collect_str(d),
        None => s.serialize_none(),
    }
}
