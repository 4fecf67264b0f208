//! The applicant's details and the readiness questions, as the online form
//! and the counter intake form both ask them.

use chrono::{DateTime, Utc};
use gasdesk_domain::Channel;
use gasdesk_domain::application::{BuiltBy, Readiness, StaffRef};
use gasdesk_domain::connection::Intake;
use uuid::Uuid;

use super::Fault;
use super::fields::Fields;

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
    /// Sent back with the form so that a double click, or the same form
    /// sent again, finds the application the first submission created.
    pub idempotency_key: String,
    /// The field the last submission was refused for.
    pub error_field: String,
}

impl ApplicantForm {
    pub fn blank() -> ApplicantForm {
        ApplicantForm {
            idempotency_key: Uuid::now_v7().to_string(),
            ..ApplicantForm::default()
        }
    }

    pub fn from_fields(f: &Fields) -> ApplicantForm {
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
            idempotency_key: if key.is_empty() {
                Uuid::now_v7().to_string()
            } else {
                key.to_string()
            },
            error_field: String::new(),
        }
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
            line: None,
            applicant_kind: None,
            materials: Vec::new(),
            plot_id: None,
            build_standard: None,
            developer_appliances: Vec::new(),
        })
    }
}
