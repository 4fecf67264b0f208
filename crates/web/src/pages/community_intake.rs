//! The counter intake of a new residential community: the ledger entry it
//! starts from, the build standard, the appliances a fitted community's
//! developer supplies and the materials handed in. The line itself is the
//! applicant form's select, which the counter offers all three lines in.

use gasdesk_domain::community::{BuildStandard, DEVELOPER_APPLIANCES};
use gasdesk_domain::connection::Intake;
use gasdesk_domain::rulebook::{LineRules, Rulebook, ServiceLine};
use uuid::Uuid;

use super::Fault;
use super::applicant::ApplicantForm;
use super::fields::Fields;
use super::view::Opt;
use crate::error::AppError;
use crate::service;
use crate::state::AppState;

/// What the intake form held of the line and the community, as sent.
#[derive(Debug, Default, Clone)]
pub struct CommunityEntry {
    pub line: String,
    pub plot_id: String,
    pub build_standard: String,
    /// Appliance keys ticked.
    pub appliances: Vec<String>,
    /// Material keys ticked.
    pub materials: Vec<String>,
}

/// A checkbox of the fieldset.
pub struct Check {
    pub name: String,
    pub label: String,
    pub checked: bool,
}

/// What the intake page shows of the community.
pub struct CommunityIntake {
    /// Ledger entries no application started from yet.
    pub plots: Vec<Opt>,
    pub build_standard: String,
    pub appliances: Vec<Check>,
    pub materials: Vec<Check>,
}

fn appliance_field(key: &str) -> String {
    format!("appliance_{key}")
}

fn material_field(key: &str) -> String {
    format!("community_material_{key}")
}

fn community_rules(rulebook: &Rulebook) -> Option<&LineRules> {
    rulebook.line(ServiceLine::NewCommunity)
}

impl CommunityEntry {
    /// Reads what the form sent (or what a link asks for, as the ledger's
    /// link to intake does).
    pub fn from_fields(f: &Fields, rulebook: &Rulebook) -> CommunityEntry {
        CommunityEntry {
            line: f.text("line").trim().to_string(),
            plot_id: f.text("plot_id").trim().to_string(),
            build_standard: f.text("build_standard").trim().to_string(),
            appliances: DEVELOPER_APPLIANCES
                .iter()
                .map(|(k, _)| k.to_string())
                .filter(|k| f.ticked(&appliance_field(k)))
                .collect(),
            materials: community_rules(rulebook)
                .map(|r| r.materials.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|m| m.key.clone())
                .filter(|k| f.ticked(&material_field(k)))
                .collect(),
        }
    }

    /// A link to intake naming a line chooses it; one naming a ledger
    /// entry fills in the developer and the plot's location, where the form
    /// is still blank.
    pub async fn prefill(&self, state: &AppState, form: &mut ApplicantForm) {
        if !self.line.is_empty() {
            form.line = self.line.clone();
        }
        let Ok(id) = Uuid::parse_str(&self.plot_id) else {
            return;
        };
        let plot = match state.store.plot(id).await {
            Ok(Some(plot)) => plot,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "ledger entry could not be read for intake");
                return;
            }
        };
        if form.organisation.is_empty() {
            form.organisation = plot.developer.unwrap_or_default();
        }
        if form.site_address.is_empty() {
            form.site_address = plot.location;
        }
    }
}

/// Reads a new community's fields into the intake, in place of the
/// one-stop line's materials and applicant kind; other lines have none.
pub fn read(f: &Fields, rulebook: &Rulebook, intake: &mut Intake) -> Result<(), Fault> {
    if intake.line != Some(ServiceLine::NewCommunity) {
        return Ok(());
    }
    let entry = CommunityEntry::from_fields(f, rulebook);
    // The applicant is the developer.
    intake.applicant_kind = None;
    intake.plot_id = match entry.plot_id.as_str() {
        "" => None,
        id => Some(
            Uuid::parse_str(id)
                .map_err(|_| Fault::invalid("plot_id", "所选地块不在台账中，请重新选择。"))?,
        ),
    };
    let standard = match entry.build_standard.as_str() {
        "shell" => BuildStandard::Shell,
        "fitted" => BuildStandard::Fitted,
        _ => {
            return Err(Fault::invalid(
                "build_standard",
                "请选择小区建设标准：毛坯或精装修。",
            ));
        }
    };
    if standard == BuildStandard::Shell && !entry.appliances.is_empty() {
        return Err(Fault::invalid(
            "developer_appliances",
            "毛坯交付的小区没有开发商配置的燃气设备：请取消勾选，或将建设标准改为精装修。",
        ));
    }
    intake.build_standard = Some(standard);
    intake.developer_appliances = entry.appliances;
    intake.materials = entry.materials;
    Ok(())
}

/// The community fieldset, with what was entered.
pub async fn view(state: &AppState, entry: &CommunityEntry) -> Result<CommunityIntake, AppError> {
    let plots = service::plots(state)
        .await?
        .into_iter()
        .filter(|p| p.application_number.is_none())
        .map(|p| {
            let label = format!("{}（{}）", p.name, p.location);
            Opt::new(&p.id.to_string(), &label, &entry.plot_id)
        })
        .collect();
    let appliances = DEVELOPER_APPLIANCES
        .iter()
        .map(|(key, name)| Check {
            name: appliance_field(key),
            label: name.to_string(),
            checked: entry.appliances.iter().any(|a| a == key),
        })
        .collect();
    let materials = community_rules(&state.rulebook)
        .map(|r| r.materials.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|m| Check {
            name: material_field(&m.key),
            label: m.name.clone(),
            checked: entry.materials.contains(&m.key),
        })
        .collect();
    Ok(CommunityIntake {
        plots,
        build_standard: entry.build_standard.clone(),
        appliances,
        materials,
    })
}
