//! The applicant's details, the readiness questions and the service line
//! with its materials, as the online form and the counter intake form both
//! ask them. Only the counter takes a new residential community, whose own
//! fields `community_intake` reads.

use chrono::{DateTime, Utc};
use gasdesk_domain::Channel;
use gasdesk_domain::application::{BuiltBy, Readiness, StaffRef};
use gasdesk_domain::connection::Intake;
use gasdesk_domain::rulebook::{ApplicantKind, Rulebook, ServiceLine};
use uuid::Uuid;

use super::Fault;
use super::fields::Fields;
use super::view::Opt;

/// What the form holds, as typed, so a refused form comes back unchanged.
#[derive(Debug, Default, Clone)]
pub struct ApplicantForm {
    pub organisation: String,
    pub contact_name: String,
    pub phone: String,
    pub uscc: String,
    pub site_address: String,
    /// `yes`, `no` or empty while unanswered.
    pub source_pipeline_ready: String,
    pub facilities_ready: String,
    /// `self_built`, `company_built` or empty.
    pub built_by: String,
    /// `connection_102`, `one_stop`, at the counter `new_community`, or
    /// empty for the line the readiness answers give.
    pub line: String,
    /// Entered at a counter or on the hotline, where the line is a select
    /// that also offers the new residential community.
    pub at_counter: bool,
    /// `enterprise`, `institution`, `military_unit`, or empty.
    pub applicant_kind: String,
    /// The one-stop line's materials, each ticked when handed in.
    pub materials: Vec<MaterialChoice>,
    /// Sent back with the form so that a double click, or the same form
    /// sent again, finds the application the first submission created.
    pub idempotency_key: String,
    /// The field the last submission was refused for.
    pub error_field: String,
}

/// One listed material of the one-stop line, as a checkbox.
#[derive(Debug, Clone)]
pub struct MaterialChoice {
    pub key: String,
    pub name: String,
    /// `material_<key>`, the checkbox's name.
    pub field: String,
    pub waivable: bool,
    pub checked: bool,
}

/// The lines an applicant may ask for, as the form offers them; the last
/// only at the counter.
const LINES: [(ServiceLine, &str); 3] = [
    (ServiceLine::Connection102, "燃气报装（“102”标准）"),
    (
        ServiceLine::OneStop,
        "一站式服务（燃气公司设计、施工、通气）",
    ),
    (ServiceLine::NewCommunity, "新建住宅小区燃气预埋"),
];

/// The kinds of applicant the one-stop line takes; developers apply for
/// new communities.
const APPLICANT_KINDS: [ApplicantKind; 3] = [
    ApplicantKind::Enterprise,
    ApplicantKind::Institution,
    ApplicantKind::MilitaryUnit,
];

fn material_choices(rulebook: &Rulebook, ticked: impl Fn(&str) -> bool) -> Vec<MaterialChoice> {
    let Some(rules) = rulebook.line(ServiceLine::OneStop) else {
        return Vec::new();
    };
    rules
        .materials
        .iter()
        .map(|m| {
            let field = format!("material_{}", m.key);
            MaterialChoice {
                checked: ticked(&field),
                key: m.key.clone(),
                name: m.name.clone(),
                waivable: m.waivable,
                field,
            }
        })
        .collect()
}

impl ApplicantForm {
    pub fn blank(rulebook: &Rulebook) -> ApplicantForm {
        ApplicantForm {
            idempotency_key: Uuid::now_v7().to_string(),
            line: ServiceLine::Connection102.as_str().to_string(),
            applicant_kind: ApplicantKind::Enterprise.as_str().to_string(),
            materials: material_choices(rulebook, |_| false),
            ..ApplicantForm::default()
        }
    }

    pub fn from_fields(f: &Fields, rulebook: &Rulebook) -> ApplicantForm {
        let key = f.text("idempotency_key").trim();
        ApplicantForm {
            organisation: f.text("organisation").to_string(),
            contact_name: f.text("contact_name").to_string(),
            phone: f.text("phone").to_string(),
            uscc: f.text("uscc").to_string(),
            site_address: f.text("site_address").to_string(),
            source_pipeline_ready: f.text("source_pipeline_ready").to_string(),
            facilities_ready: f.text("facilities_ready").to_string(),
            built_by: f.text("built_by").to_string(),
            line: f.text("line").to_string(),
            at_counter: false,
            applicant_kind: f.text("applicant_kind").to_string(),
            materials: material_choices(rulebook, |name| f.ticked(name)),
            idempotency_key: if key.is_empty() {
                Uuid::now_v7().to_string()
            } else {
                key.to_string()
            },
            error_field: String::new(),
        }
    }

    /// The same form as the counter and the hotline fill it in.
    pub fn at_counter(mut self) -> ApplicantForm {
        self.at_counter = true;
        self
    }

    /// The lines this form offers, with the one chosen.
    pub fn lines(&self) -> Vec<Opt> {
        self.offered_lines()
            .map(|(l, label)| Opt::new(l.as_str(), label, &self.line))
            .collect()
    }

    fn offered_lines(&self) -> impl Iterator<Item = (ServiceLine, &'static str)> {
        let counter = self.at_counter;
        LINES
            .into_iter()
            .filter(move |(l, _)| counter || *l != ServiceLine::NewCommunity)
    }

    /// Marks the field a refusal names.
    pub fn refused(mut self, fault: &Fault) -> ApplicantForm {
        self.error_field = fault.field.unwrap_or_default().to_string();
        self
    }

    /// Whether the last submission was refused for this field.
    pub fn bad(&self, name: &str) -> bool {
        self.error_field == name
    }

    /// The three readiness questions; none has a default, since a wrong
    /// guess would route the application to the wrong service line.
    pub fn readiness(&self) -> Result<Readiness, Fault> {
        let answer = |value: &str, field: &'static str, question: &str| match value {
            "yes" => Ok(true),
            "no" => Ok(false),
            _ => Err(Fault::invalid(field, &format!("请回答：{question}"))),
        };
        let source_pipeline_ready = answer(
            &self.source_pipeline_ready,
            "source_pipeline_ready",
            "气源管线是否已建成并验收？",
        )?;
        let facilities_ready = answer(
            &self.facilities_ready,
            "facilities_ready",
            "用户产权范围内燃气设施是否已施工完成并竣工验收？",
        )?;
        let built_by = match self.built_by.as_str() {
            "self_built" => BuiltBy::SelfBuilt,
            "company_built" => BuiltBy::CompanyBuilt,
            _ => {
                return Err(Fault::invalid(
                    "built_by",
                    "请选择产权范围内燃气设施是自建还是委托燃气公司代建。",
                ));
            }
        };
        Ok(Readiness {
            source_pipeline_ready,
            facilities_ready,
            built_by,
        })
    }

    pub fn intake(
        &self,
        channel: Channel,
        accepted_at: Option<DateTime<Utc>>,
        assignee: Option<StaffRef>,
    ) -> Result<Intake, Fault> {
        Ok(Intake {
            channel,
            organisation: self.organisation.clone(),
            contact_name: self.contact_name.clone(),
            phone: self.phone.clone(),
            uscc: self.uscc.clone(),
            site_address: self.site_address.clone(),
            readiness: self.readiness()?,
            accepted_at,
            assignee,
            licence_seen: false,
            line: self.line()?,
            applicant_kind: self.applicant_kind()?,
            materials: self
                .materials
                .iter()
                .filter(|m| m.checked)
                .map(|m| m.key.clone())
                .collect(),
            plot_id: None,
            build_standard: None,
            developer_appliances: Vec::new(),
        })
    }

    /// The line asked for; none leaves it to the readiness answers.
    fn line(&self) -> Result<Option<ServiceLine>, Fault> {
        if self.line.is_empty() {
            return Ok(None);
        }
        self.offered_lines()
            .find(|(l, _)| l.as_str() == self.line)
            .map(|(l, _)| Some(l))
            .ok_or_else(|| Fault::invalid("line", "请选择业务类型。"))
    }

    fn applicant_kind(&self) -> Result<Option<ApplicantKind>, Fault> {
        if self.applicant_kind.is_empty() {
            return Ok(None);
        }
        APPLICANT_KINDS
            .into_iter()
            .find(|k| k.as_str() == self.applicant_kind)
            .map(Some)
            .ok_or_else(|| Fault::invalid("applicant_kind", "请选择用户类型。"))
    }

    /// The applicant kind choices with the one chosen.
    pub fn kinds(&self) -> Vec<super::view::Opt> {
        APPLICANT_KINDS
            .iter()
            .map(|k| super::view::Opt::new(k.as_str(), k.name_zh(), &self.applicant_kind))
            .collect()
    }
}
