//! What an application records beyond its intake and the 102 steps, as the
//! application page shows it: materials and hand-ins, the wait on the
//! applicant, and the one-stop line's survey, design, quote, payments,
//! construction and gas-on, extended services and permits. A new
//! residential community's own record is `community_view`'s.

use gasdesk_domain::application::Application;
use gasdesk_domain::catalogue::{PriceCatalogue, Quote};
use gasdesk_domain::materials::{MaterialStatus, Verdict};
use gasdesk_domain::one_stop::{SAFETY_BRIEFING, TRAINING};
use gasdesk_domain::rulebook::ServiceLine;
use gasdesk_domain::services::PermitStatus;

use super::fields::local;
use crate::text;

/// Everything of the record the page lays out; empty parts are not shown.
#[derive(Default)]
pub struct Record {
    pub applicant_kind: String,
    pub materials: Vec<MaterialRow>,
    pub hand_ins: Vec<HandInRow>,
    pub wait: Option<WaitView>,
    /// Survey, design, invoice, work order, satisfaction and briefing, as
    /// label and value, in the order they happen.
    pub facts: Vec<(String, String)>,
    pub quote: Option<QuoteView>,
    pub payments: Vec<PaymentRow>,
    /// Paid so far and still to pay against the quote, when there is one.
    pub paid: String,
    pub outstanding: String,
    pub paid_in_full: bool,
    pub problems: Vec<ProblemRow>,
    pub offers: Vec<OfferRow>,
    pub permits: Vec<PermitRow>,
}

pub struct MaterialRow {
    pub name: String,
    /// `provided`, `shared`, `not_held` or `owed`, for the colour.
    pub status: &'static str,
    pub status_text: &'static str,
    pub detail: String,
}

pub struct HandInRow {
    pub number: u32,
    pub material: String,
    pub description: String,
    pub file: String,
    pub channel: &'static str,
    pub received: String,
    pub verdict_text: &'static str,
    pub rejected: bool,
    pub reason: String,
}

pub struct WaitView {
    pub reason: String,
    pub since: String,
    pub follow_ups: String,
}

pub struct QuoteView {
    pub revision: u32,
    pub catalogue_version: i64,
    pub issued: String,
    pub confirmed: String,
    pub is_confirmed: bool,
    /// The stored amounts add up; a quote that does not is not charged.
    pub consistent: bool,
    pub lines: Vec<QuoteLineRow>,
    pub total: String,
}

pub struct QuoteLineRow {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub unit_price: String,
    pub quantity: i64,
    pub amount: String,
}

pub struct PaymentRow {
    pub paid_at: String,
    pub amount: String,
    pub receipt_number: String,
    pub method: String,
    pub quote_revision: u32,
}

pub struct ProblemRow {
    pub number: u32,
    pub description: String,
    pub reported: String,
    pub resolution: String,
    pub open: bool,
}

pub struct OfferRow {
    pub name: String,
    pub answer: &'static str,
    pub note: String,
    pub offered: String,
}

pub struct PermitRow {
    pub name: String,
    pub status_text: &'static str,
    pub agency_fee: String,
    pub government_fee: String,
    pub note: String,
    pub updated: String,
}

impl Record {
    pub fn of(app: &Application) -> Record {
        let case = app.one_stop.as_ref();
        let mut record = Record {
            applicant_kind: case
                .and_then(|c| c.applicant_kind)
                .map(|k| k.name_zh().to_string())
                .unwrap_or_default(),
            materials: app.materials.iter().map(material_row).collect(),
            hand_ins: app
                .hand_ins
                .iter()
                .map(|h| HandInRow {
                    number: h.number,
                    material: material_name(app, &h.material),
                    description: h.description.clone(),
                    file: file_text(&h.file_name, &h.sha256),
                    channel: text::channel(h.channel),
                    received: format!("{} {}", local(h.received_at), h.received_by),
                    verdict_text: verdict_text(&h.verdict),
                    rejected: matches!(h.verdict, Verdict::Rejected { .. }),
                    reason: match &h.verdict {
                        Verdict::Rejected { reason } => reason.clone(),
                        _ => String::new(),
                    },
                })
                .collect(),
            wait: app.waiting_on_applicant.as_ref().map(|w| WaitView {
                reason: w.reason.clone(),
                since: local(w.since),
                follow_ups: w
                    .followed_up_at
                    .iter()
                    .map(|at| local(*at))
                    .collect::<Vec<_>>()
                    .join("、"),
            }),
            offers: app
                .extended_services
                .iter()
                .map(|o| OfferRow {
                    name: o.name.clone(),
                    answer: if o.accepted {
                        "用户需要"
                    } else {
                        "用户暂不需要"
                    },
                    note: o.note.clone().unwrap_or_default(),
                    offered: format!("{} {}", local(o.offered_at), o.offered_by),
                })
                .collect(),
            permits: app
                .permits
                .iter()
                .map(|p| PermitRow {
                    name: p.name.clone(),
                    status_text: permit_status(p.status),
                    agency_fee: format!("{}（免费代办）", text::yuan(p.agency_fee_fen)),
                    government_fee: match p.government_fee_fen {
                        Some(fee) => format!("{}（由用户承担）", text::yuan(fee)),
                        None => "待定（由用户承担）".to_string(),
                    },
                    note: p.note.clone().unwrap_or_default(),
                    updated: local(p.updated_at),
                })
                .collect(),
            ..Record::default()
        };
        if app.line == ServiceLine::NewCommunity {
            // The community's own section lists its materials, hand-ins and
            // extended services beside its drawings and fee.
            record.materials.clear();
            record.hand_ins.clear();
            record.offers.clear();
        }
        let Some(case) = case else {
            return record;
        };

        let facts = &mut record.facts;
        if let Some(at) = case.survey_at {
            facts.push(("约定踏勘时间".into(), local(at)));
        }
        if let Some(s) = &case.survey {
            facts.push(("现场踏勘".into(), local(s.surveyed_at)));
            let charge = if s.customer_manager_present {
                format!("{}（客户经理到场）", s.in_charge)
            } else {
                format!("{}（客户经理缺席，由设计人员全权负责）", s.in_charge)
            };
            facts.push(("踏勘负责人".into(), charge));
            facts.push(("踏勘到场".into(), "设计人员、施工单位".into()));
            facts.push(("用气方案".into(), s.gas_use_plan.clone()));
            if let Some(l) = &s.appliance_layout {
                facts.push(("用气设备布置".into(), l.clone()));
            }
            if let Some(l) = &s.leak_alarm_layout {
                facts.push(("报警器布置".into(), l.clone()));
            }
        }
        if let Some(d) = &case.design {
            facts.push(("设计方案".into(), d.summary.clone()));
            facts.push((
                "设计方案出具".into(),
                format!("{} {}", local(d.issued_at), d.issued_by),
            ));
            let delivered = match (d.delivered_at, d.delivered_same_day) {
                (Some(at), Some(true)) => format!("{}，当天送达", local(at)),
                (Some(at), _) => format!("{}，未在出具当天送达", local(at)),
                (None, _) => "尚未送达用户".to_string(),
            };
            facts.push(("设计方案送达用户".into(), delivered));
        }
        if let Some(i) = &case.invoice {
            facts.push(("发票抬头".into(), i.title.clone()));
            facts.push(("纳税人识别号".into(), i.tax_number.clone()));
        }
        if let Some(o) = &case.work_order {
            let requests = match &o.special_requests {
                Some(r) => format!("特殊要求：{r}"),
                None => "无特殊要求".to_string(),
            };
            facts.push((
                "施工任务单".into(),
                format!("{} 下达；{requests}", local(o.issued_at)),
            ));
            let entered = o
                .site_entered_at
                .map(local)
                .unwrap_or_else(|| "尚未进场".to_string());
            facts.push(("施工单位进场".into(), entered));
        }
        if let Some(at) = case.construction_completed_at {
            facts.push(("施工完成".into(), local(at)));
        }
        if let Some(s) = &case.satisfaction {
            let mut value = format!(
                "{} {}分（{}）；签字：{}",
                local(s.recorded_at),
                s.rating,
                rating_text(s.rating),
                s.signed_by
            );
            if let Some(c) = &s.comment {
                value.push_str(&format!("；意见：{c}"));
            }
            facts.push(("用户满意度".into(), value));
        }
        if !case.safety_briefing.is_empty() {
            facts.push(("安全用气交底".into(), briefing_text(&case.safety_briefing)));
        }

        if let Some(q) = &case.quote {
            let total = q.total_fen;
            let paid = case.paid_fen();
            record.quote = Some(quote_view(q));
            record.paid = text::yuan(paid);
            record.outstanding = text::yuan(total.saturating_sub(paid));
            record.paid_in_full = paid >= total;
        }
        record.payments = case
            .payments
            .iter()
            .map(|p| PaymentRow {
                paid_at: local(p.paid_at),
                amount: text::yuan(p.amount_fen),
                receipt_number: p.receipt_number.clone(),
                method: p.method.clone(),
                quote_revision: p.quote_revision,
            })
            .collect();
        record.problems = case
            .site_problems
            .iter()
            .map(|p| ProblemRow {
                number: p.number,
                description: p.description.clone(),
                reported: format!("{} {}", local(p.reported_at), p.reported_by),
                resolution: match (&p.resolution, p.resolved_at) {
                    (Some(r), Some(at)) => format!("{} 已处理：{r}", local(at)),
                    _ => "待处理".to_string(),
                },
                open: p.resolved_at.is_none(),
            })
            .collect();
        record
    }

    /// Nothing beyond the common application to show.
    pub fn is_empty(&self) -> bool {
        self.materials.is_empty()
            && self.hand_ins.is_empty()
            && self.facts.is_empty()
            && self.quote.is_none()
            && self.problems.is_empty()
            && self.offers.is_empty()
            && self.permits.is_empty()
    }
}

fn material_row(m: &gasdesk_domain::materials::MaterialState) -> MaterialRow {
    let mut detail = Vec::new();
    if m.status == MaterialStatus::Owed {
        match m.owed_until {
            Some(until) => detail.push(format!("补交期限 {}", local(until))),
            None => detail.push("签约前补交".to_string()),
        }
        if m.waivable {
            detail.push("可容缺，预受理".to_string());
        }
    }
    if m.requested > 0 {
        detail.push(format!("已告知补交{}次", m.requested));
    }
    let (status, status_text) = match m.status {
        MaterialStatus::Provided => ("provided", "已提供"),
        MaterialStatus::Shared => ("shared", "政务共享"),
        MaterialStatus::NotHeld => ("not_held", "无需提供"),
        MaterialStatus::Owed => ("owed", "待补交"),
    };
    MaterialRow {
        name: m.name.clone(),
        status,
        status_text,
        detail: detail.join("；"),
    }
}

/// A material's name as the application lists it.
pub fn material_name(app: &Application, key: &str) -> String {
    app.materials
        .iter()
        .find(|m| m.key == key)
        .map(|m| m.name.clone())
        .unwrap_or_else(|| key.to_string())
}

fn file_text(file_name: &Option<String>, sha256: &Option<String>) -> String {
    let short = |h: &String| h.chars().take(12).collect::<String>();
    match (file_name, sha256) {
        (Some(f), Some(h)) => format!("{f}（SHA-256 {}…）", short(h)),
        (Some(f), None) => f.clone(),
        (None, Some(h)) => format!("SHA-256 {}…", short(h)),
        (None, None) => String::new(),
    }
}

fn verdict_text(v: &Verdict) -> &'static str {
    match v {
        Verdict::Pending => "待审核",
        Verdict::Accepted => "已接收",
        Verdict::Rejected { .. } => "已退回",
    }
}

pub fn permit_status(s: PermitStatus) -> &'static str {
    match s {
        PermitStatus::Requested => "已申请代办",
        PermitStatus::Submitted => "已报送审批部门",
        PermitStatus::Approved => "已批准",
        PermitStatus::Refused => "未获批准",
    }
}

pub fn rating_text(rating: u8) -> &'static str {
    match rating {
        5 => "非常满意",
        4 => "满意",
        3 => "一般",
        2 => "不满意",
        1 => "非常不满意",
        _ => "—",
    }
}

/// The safety-briefing items given, by name, in the order they are given.
pub fn briefing_text<S: AsRef<str>>(given: &[S]) -> String {
    SAFETY_BRIEFING
        .iter()
        .chain(std::iter::once(&TRAINING))
        .filter(|(key, _)| given.iter().any(|g| g.as_ref() == *key))
        .map(|(_, name)| *name)
        .collect::<Vec<_>>()
        .join("、")
}

fn quote_view(q: &Quote) -> QuoteView {
    QuoteView {
        revision: q.revision,
        catalogue_version: q.catalogue_version,
        issued: format!("{} {}", local(q.issued_at), q.issued_by),
        confirmed: match q.confirmed_at {
            Some(at) => format!("用户已确认（{}）", local(at)),
            None => "待用户确认".to_string(),
        },
        is_confirmed: q.confirmed_at.is_some(),
        consistent: q.is_consistent(),
        lines: q
            .lines
            .iter()
            .map(|l| QuoteLineRow {
                code: l.code.clone(),
                name: l.name.clone(),
                unit: l.unit.clone(),
                unit_price: text::yuan(l.unit_price_fen),
                quantity: l.quantity,
                amount: text::yuan(l.amount_fen),
            })
            .collect(),
        total: text::yuan(q.total_fen),
    }
}

/// A published price catalogue as a table.
pub struct CatalogueView {
    pub version: i64,
    pub published: String,
    pub note: String,
    pub items: Vec<PriceRow>,
}

pub struct PriceRow {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub price: String,
}

impl CatalogueView {
    pub fn of(c: &PriceCatalogue) -> CatalogueView {
        CatalogueView {
            version: c.version,
            published: format!("{} {}", local(c.published_at), c.published_by),
            note: c.note.clone().unwrap_or_default(),
            items: c
                .items
                .iter()
                .map(|i| PriceRow {
                    code: i.code.clone(),
                    name: i.name.clone(),
                    unit: i.unit.clone(),
                    price: text::yuan(i.unit_price_fen),
                })
                .collect(),
        }
    }
}
