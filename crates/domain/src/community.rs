//! The new residential community line: a developer's plot known early from
//! the planning platform, registration, design cooperation with drawings
//! reviewed version by version, the pre-buried pipe contract and its
//! supporting fee, construction following the developer's schedule, and
//! acceptance and gas-on for every household entered beforehand.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::application::{Actor, Application, Status};
use crate::catalogue::{Payment, Quote, QuoteRequestLine};
use crate::connection::{Context, optional_text, required_text};
use crate::error::DomainError;
use crate::workflow;

/// The steps of the line and the limits its actions meet, as the rulebook
/// keys them.
pub const REGISTRATION: &str = "registration";
pub const DESIGN_COOPERATION: &str = "design_cooperation";
pub const CONTRACT: &str = "contract";
pub const CONSTRUCTION: &str = "construction";
pub const ACCEPTANCE_GAS_ON: &str = "acceptance_gas_on";
pub const DEVELOPER_CONTACT: &str = "developer_contact";

/// Most households one entry may add, and on one application.
const HOUSEHOLDS_PER_ENTRY: usize = 2_000;
const HOUSEHOLDS_MAX: usize = 20_000;

/// A plot in the early-involvement ledger (R-NC-0b): learned from the
/// planning platform, or from a department asking for comments, before any
/// application, with the source-pipeline layout designed in advance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Plot {
    pub id: Uuid,
    pub name: String,
    pub location: String,
    pub developer: Option<String>,
    /// Where the company learned of it, e.g. 多规合一平台.
    pub source: String,
    pub learned_at: DateTime<Utc>,
    /// The source-pipeline layout designed ahead of the application.
    pub source_pipeline_layout: Option<String>,
    /// The application that started from this entry, once there is one.
    pub application_number: Option<String>,
    pub recorded_by: String,
    pub updated_at: DateTime<Utc>,
}

/// What a new ledger entry says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewPlot {
    pub name: String,
    pub location: String,
    pub developer: Option<String>,
    pub source: String,
    pub source_pipeline_layout: Option<String>,
}

impl Plot {
    /// A checked ledger entry.
    pub fn new(
        entry: &NewPlot,
        id: Uuid,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Plot, DomainError> {
        Ok(Plot {
            id,
            name: required_text("name", &entry.name)?,
            location: required_text("location", &entry.location)?,
            developer: optional_text("developer", &entry.developer)?,
            source: required_text("source", &entry.source)?,
            learned_at: now,
            source_pipeline_layout: optional_text(
                "source_pipeline_layout",
                &entry.source_pipeline_layout,
            )?,
            application_number: None,
            recorded_by: actor.name.clone(),
            updated_at: now,
        })
    }
}

/// The community's build standard (R-NC-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BuildStandard {
    /// 毛坯: handed over unfitted.
    Shell,
    /// 精装修: fitted, perhaps with gas appliances the developer supplies.
    Fitted,
}

/// Appliances a developer of a fitted community may supply: each one a
/// lead for the extended services.
pub const DEVELOPER_APPLIANCES: [(&str, &str); 3] = [
    ("stove", "燃气灶"),
    ("water_heater", "燃气热水器"),
    ("floor_heating", "燃气地暖"),
];

/// Which drawing a submission is (R-NC-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DrawingKind {
    /// 气源管线接入设计: designed first.
    SourcePipeline,
    /// 设计方案: reviewed by the owning unit before the blueprints.
    DesignPlan,
    /// 户内管施工图.
    Building,
    /// 庭院管施工图.
    Courtyard,
}

impl DrawingKind {
    /// The limit a first submission of this kind meets.
    pub fn limit(self) -> &'static str {
        match self {
            DrawingKind::SourcePipeline => "source_drawings",
            DrawingKind::DesignPlan => "design_plan",
            DrawingKind::Building => "building_drawings",
            DrawingKind::Courtyard => "courtyard_drawings",
        }
    }

    pub const ALL: [DrawingKind; 4] = [
        DrawingKind::SourcePipeline,
        DrawingKind::DesignPlan,
        DrawingKind::Building,
        DrawingKind::Courtyard,
    ];
}

/// The owning unit's review of one drawing version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Review {
    pub passed: bool,
    /// Why it was returned; empty when it passed.
    pub reasons: Vec<String>,
    pub reviewed_by: String,
    pub reviewed_at: DateTime<Utc>,
}

/// One version of one drawing. Versions are kept: a returned drawing stays
/// with its reasons beside the version that replaced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Drawing {
    pub number: u32,
    pub kind: DrawingKind,
    /// 1 for the first version of this kind.
    pub version: u32,
    pub summary: String,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
    pub review: Option<Review>,
}

/// A milestone of the developer's building schedule, with what was noted
/// of progress and quality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Milestone {
    pub building: String,
    pub description: String,
    pub planned_at: DateTime<Utc>,
    pub reached_at: Option<DateTime<Utc>>,
    pub notes: Vec<ProgressNote>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProgressNote {
    pub at: DateTime<Utc>,
    pub by: String,
    pub progress: Option<String>,
    pub quality: Option<String>,
}

/// A household's address inside the community.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub struct HouseholdAddress {
    pub building: String,
    pub unit: String,
    pub floor: String,
    pub door: String,
}

/// A household entered before gas-on; after gas-on it can open an account,
/// and it is one household of the satisfaction survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Household {
    pub number: u32,
    #[serde(flatten)]
    pub address: HouseholdAddress,
    pub account_number: Option<String>,
    pub account_opened_at: Option<DateTime<Utc>>,
}

/// Everything the new-community line records beyond the common application.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct CommunityCase {
    /// The ledger entry the application started from.
    pub plot_id: Option<Uuid>,
    pub plot_name: Option<String>,
    /// The source-pipeline layout designed ahead, copied from the ledger.
    pub source_pipeline_layout: Option<String>,
    pub build_standard: Option<BuildStandard>,
    /// Appliances the developer supplies (fitted communities).
    pub developer_appliances: Vec<String>,
    pub developer_contacted_at: Option<DateTime<Utc>>,
    pub design_data_received_at: Option<DateTime<Utc>>,
    pub drawings: Vec<Drawing>,
    /// The supporting construction fee, priced from the catalogue.
    pub fee: Option<Quote>,
    pub payments: Vec<Payment>,
    /// Extended-service contracts signed with the pre-buried pipe contract.
    pub extended_contracts: Vec<String>,
    pub milestones: Vec<Milestone>,
    pub households: Vec<Household>,
    pub gas_on_requested_at: Option<DateTime<Utc>>,
}

impl CommunityCase {
    /// The latest version of a drawing kind.
    pub fn latest(&self, kind: DrawingKind) -> Option<&Drawing> {
        self.drawings.iter().rev().find(|d| d.kind == kind)
    }

    /// The latest version of `kind` passed review.
    pub fn passed(&self, kind: DrawingKind) -> bool {
        self.latest(kind)
            .and_then(|d| d.review.as_ref())
            .is_some_and(|r| r.passed)
    }
}

fn case(app: &mut Application) -> &mut CommunityCase {
    app.community.get_or_insert_with(CommunityCase::default)
}

/// Registers a community at once, on any channel: the design commission
/// goes to the design institute with it, so design cooperation starts.
pub fn register(
    app: &mut Application,
    plot: Option<&Plot>,
    build_standard: Option<BuildStandard>,
    appliances: &[String],
    actor: &Actor,
    ctx: &Context<'_>,
) -> Result<(), DomainError> {
    let Some(standard) = build_standard else {
        return Err(DomainError::invalid("build_standard"));
    };
    let known = |a: &String| DEVELOPER_APPLIANCES.iter().any(|(k, _)| k == a);
    if !appliances.iter().all(known) {
        return Err(DomainError::invalid("developer_appliances"));
    }
    if standard == BuildStandard::Shell && !appliances.is_empty() {
        return Err(DomainError::invalid("developer_appliances"));
    }
    let mut supplied = appliances.to_vec();
    supplied.sort();
    supplied.dedup();
    app.community = Some(CommunityCase {
        plot_id: plot.map(|p| p.id),
        plot_name: plot.map(|p| p.name.clone()),
        source_pipeline_layout: plot.and_then(|p| p.source_pipeline_layout.clone()),
        build_standard: Some(standard),
        developer_appliances: supplied.clone(),
        ..CommunityCase::default()
    });
    // Each appliance the developer supplies is a lead for the extended
    // service of home gas products.
    if !supplied.is_empty() {
        let names: Vec<&str> = DEVELOPER_APPLIANCES
            .iter()
            .filter(|(k, _)| supplied.iter().any(|s| s == k))
            .map(|(_, n)| *n)
            .collect();
        let note = Some(format!("开发商配置：{}", names.join("、")));
        let at = app.accepted_at;
        crate::services::lead(app, "home_gas_products", &note, actor, at, ctx)?;
    }
    let at = app.accepted_at;
    workflow::fire(app, "accepted", at, ctx)?;
    workflow::complete_step(app, REGISTRATION, at, ctx)?;
    app.status = Status::AwaitingDesign;
    Ok(())
}

/// The design institute contacted the developer.
pub fn contact_developer(
    app: &mut Application,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    workflow::meet_at_or_after_start(app, DEVELOPER_CONTACT, at, now)?;
    let c = case(app);
    if c.developer_contacted_at.is_none() {
        c.developer_contacted_at = Some(at);
    }
    Ok(())
}

/// The developer's design data arrived: the design plan's clock starts.
pub fn receive_design_data(
    app: &mut Application,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<(), DomainError> {
    let c = case(app);
    if c.design_data_received_at.is_some() {
        return Err(DomainError::AlreadyDone);
    }
    c.design_data_received_at = Some(at);
    workflow::fire(app, "design_data_received", at, ctx)
}

/// A drawing submitted for review. The source pipeline comes first; the
/// design plan needs the developer's data; the construction drawings need
/// the plan agreed. A new version replaces one returned, never one passed
/// or still in review.
pub fn submit_drawing(
    app: &mut Application,
    kind: DrawingKind,
    summary: &str,
    actor: &Actor,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<u32, DomainError> {
    let summary = required_text("summary", summary)?;
    let c = case(app);
    let ready = match kind {
        DrawingKind::SourcePipeline => true,
        DrawingKind::DesignPlan => c.design_data_received_at.is_some(),
        DrawingKind::Building | DrawingKind::Courtyard => c.passed(DrawingKind::DesignPlan),
    };
    if !ready {
        return Err(DomainError::DrawingNotReady);
    }
    if let Some(latest) = c.latest(kind)
        && latest.review.as_ref().is_none_or(|r| r.passed)
    {
        return Err(DomainError::DrawingNotReturned);
    }
    if c.drawings.len() >= 200 {
        return Err(DomainError::invalid("summary"));
    }
    let version = c.latest(kind).map_or(1, |d| d.version + 1);
    let number = c.drawings.len() as u32 + 1;
    c.drawings.push(Drawing {
        number,
        kind,
        version,
        summary,
        submitted_by: actor.name.clone(),
        submitted_at: at,
        review: None,
    });
    // The limit is met by the drawing delivered in time; whether it passed
    // the first time is the review's to say.
    workflow::meet_at_or_after_start(app, kind.limit(), at, now)?;
    Ok(version)
}

/// The owning unit reviews a drawing version: passed, or returned with its
/// reasons. The design plan passing starts the construction drawings'
/// clocks; the last construction drawing passing completes design
/// cooperation.
pub fn review_drawing(
    app: &mut Application,
    number: u32,
    passed: bool,
    reasons: &[String],
    actor: &Actor,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<(), DomainError> {
    let reasons: Vec<String> = reasons
        .iter()
        .map(|r| required_text("reasons", r))
        .collect::<Result<_, _>>()?;
    if !passed && reasons.is_empty() {
        return Err(DomainError::invalid("reasons"));
    }
    let c = case(app);
    let Some(drawing) = c.drawings.iter_mut().find(|d| d.number == number) else {
        return Err(DomainError::invalid("drawing"));
    };
    if drawing.review.is_some() {
        return Err(DomainError::AlreadyReviewed);
    }
    if at < drawing.submitted_at {
        return Err(DomainError::invalid("occurred_at"));
    }
    drawing.review = Some(Review {
        passed,
        reasons: if passed { Vec::new() } else { reasons },
        reviewed_by: actor.name.clone(),
        reviewed_at: at,
    });
    let kind = drawing.kind;
    if passed && kind == DrawingKind::DesignPlan {
        workflow::fire(app, "plan_confirmed", at, ctx)?;
    }
    let c = case(app);
    let all = DrawingKind::ALL.iter().all(|k| c.passed(*k));
    if passed && all {
        workflow::complete_step(app, DESIGN_COOPERATION, at, ctx)?;
        app.status = Status::AwaitingContract;
    }
    Ok(())
}

/// Signs the community pre-buried pipe contract, with the supporting fee
/// priced from the catalogue (per household or per area) and the
/// extended-service contracts signed alongside.
pub fn sign_contract(
    app: &mut Application,
    contract_number: &str,
    fee: &[QuoteRequestLine],
    extended_contracts: &[String],
    actor: &Actor,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<Quote, DomainError> {
    let number = required_text("contract_number", contract_number)?;
    if extended_contracts.len() > 20 {
        return Err(DomainError::invalid("extended_contracts"));
    }
    let extended: Vec<String> = extended_contracts
        .iter()
        .map(|c| required_text("extended_contracts", c))
        .collect::<Result<_, _>>()?;
    crate::materials::require(app, true)?;
    let catalogue = ctx.catalogue.ok_or(DomainError::NoCatalogue)?;
    let mut quote = Quote::price(catalogue, fee, 1, at, &actor.name)?;
    // Signing the contract is the developer's confirmation of the fee.
    quote.confirmed_at = Some(at);
    app.contract_number = Some(number);
    let c = case(app);
    c.fee = Some(quote.clone());
    c.extended_contracts = extended;
    if quote.total_fen == 0 {
        workflow::start_construction(app, CONTRACT, at, ctx)?;
    }
    Ok(quote)
}

/// A payment of the supporting fee; paying it in full starts construction.
pub fn record_payment(
    app: &mut Application,
    amount_fen: i64,
    receipt_number: &str,
    method: &str,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<i64, DomainError> {
    let c = case(app);
    let Some(fee) = c.fee.clone() else {
        return Err(DomainError::ContractNotSigned);
    };
    let outstanding = crate::catalogue::pay(
        &fee,
        &mut c.payments,
        amount_fen,
        receipt_number,
        method,
        at,
    )?;
    if outstanding == 0 {
        workflow::start_construction(app, CONTRACT, at, ctx)?;
    }
    Ok(outstanding)
}

/// A milestone of the developer's building schedule.
pub fn add_milestone(
    app: &mut Application,
    building: &str,
    description: &str,
    planned_at: DateTime<Utc>,
) -> Result<(), DomainError> {
    let milestone = Milestone {
        building: short("building", building)?,
        description: required_text("description", description)?,
        planned_at,
        reached_at: None,
        notes: Vec::new(),
    };
    let c = case(app);
    if c.milestones.len() >= 500 {
        return Err(DomainError::invalid("milestones"));
    }
    c.milestones.push(milestone);
    Ok(())
}

/// Progress and quality noted on a milestone, or the milestone reached.
pub fn note_progress(
    app: &mut Application,
    milestone: usize,
    progress: &Option<String>,
    quality: &Option<String>,
    reached: bool,
    actor: &Actor,
    at: DateTime<Utc>,
) -> Result<(), DomainError> {
    let progress = optional_text("progress", progress)?;
    let quality = optional_text("quality", quality)?;
    if progress.is_none() && quality.is_none() && !reached {
        return Err(DomainError::invalid("progress"));
    }
    let m = milestone
        .checked_sub(1)
        .and_then(|i| case(app).milestones.get_mut(i))
        .ok_or(DomainError::invalid("milestone"))?;
    if reached && m.reached_at.is_none() {
        m.reached_at = Some(at);
    }
    if progress.is_some() || quality.is_some() {
        m.notes.push(ProgressNote {
            at,
            by: actor.name.clone(),
            progress,
            quality,
        });
    }
    Ok(())
}

/// Enters households (building, unit, floor, door) from the building
/// structure survey; an address entered before is refused.
pub fn register_households(
    app: &mut Application,
    households: &[HouseholdAddress],
) -> Result<usize, DomainError> {
    if households.is_empty() || households.len() > HOUSEHOLDS_PER_ENTRY {
        return Err(DomainError::invalid("households"));
    }
    let c = case(app);
    if c.households.len() + households.len() > HOUSEHOLDS_MAX {
        return Err(DomainError::invalid("households"));
    }
    let mut seen: std::collections::BTreeSet<HouseholdAddress> =
        c.households.iter().map(|h| h.address.clone()).collect();
    let mut added = Vec::with_capacity(households.len());
    for h in households {
        let address = HouseholdAddress {
            building: short("building", &h.building)?,
            unit: short("unit", &h.unit)?,
            floor: short("floor", &h.floor)?,
            door: short("door", &h.door)?,
        };
        if !seen.insert(address.clone()) {
            return Err(DomainError::invalid("households"));
        }
        added.push(address);
    }
    for address in added {
        let number = c.households.len() as u32 + 1;
        c.households.push(Household {
            number,
            address,
            account_number: None,
            account_opened_at: None,
        });
    }
    Ok(households.len())
}

fn short(field: &'static str, value: &str) -> Result<String, DomainError> {
    // Full-width digits and letters read as their ASCII forms, so that
    // 1号楼 and １号楼 are the same building.
    let v = required_text(field, &crate::connection::normalise_width(value))?;
    if v.chars().count() > 20 {
        return Err(DomainError::invalid(field));
    }
    Ok(v)
}

/// The developer asks for gas-on: the community works are built and the
/// households entered. Acceptance and gas-on are due within 2 days.
pub fn request_gas_on(
    app: &mut Application,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<(), DomainError> {
    let c = case(app);
    if c.households.is_empty() {
        return Err(DomainError::HouseholdsMissing);
    }
    c.gas_on_requested_at = Some(at);
    workflow::complete_step(app, CONSTRUCTION, at, ctx)?;
    workflow::fire(app, "gas_on_requested", at, ctx)?;
    app.status = Status::AwaitingGasOn;
    Ok(())
}

/// A household of a community with gas opens its account.
pub fn open_account(
    app: &mut Application,
    household: u32,
    account_number: &str,
    at: DateTime<Utc>,
) -> Result<(), DomainError> {
    let account = short("account_number", account_number)?.to_ascii_uppercase();
    let c = case(app);
    if c.households
        .iter()
        .any(|h| h.account_number.as_deref() == Some(account.as_str()))
    {
        return Err(DomainError::invalid("account_number"));
    }
    let h = c
        .households
        .iter_mut()
        .find(|h| h.number == household)
        .ok_or(DomainError::invalid("household"))?;
    if h.account_number.is_some() {
        return Err(DomainError::AlreadyDone);
    }
    h.account_number = Some(account);
    h.account_opened_at = Some(at);
    Ok(())
}
