//! How a new residential community reads on its application page: the
//! plot and its layout, the build standard, the materials, the drawings
//! version by version, the supporting fee and its payments, the
//! construction milestones and the households with their accounts.

use chrono::{DateTime, Utc};
use gasdesk_domain::application::Application;
use gasdesk_domain::catalogue::sum;
use gasdesk_domain::community::{BuildStandard, DEVELOPER_APPLIANCES, Drawing, DrawingKind};
use gasdesk_domain::materials::{MaterialStatus, Verdict};
use gasdesk_domain::rulebook::ServiceLine;
use serde_json::Value;

use super::fields::local;
use crate::text::yuan;

pub fn drawing_kind_name(kind: DrawingKind) -> &'static str {
    match kind {
        DrawingKind::SourcePipeline => "气源管线接入设计",
        DrawingKind::DesignPlan => "设计方案",
        DrawingKind::Building => "户内管施工图",
        DrawingKind::Courtyard => "庭院管施工图",
    }
}

pub fn build_standard_name(standard: BuildStandard) -> &'static str {
    match standard {
        BuildStandard::Shell => "毛坯",
        BuildStandard::Fitted => "精装修",
    }
}

/// The appliance names of their keys, in the rulebook's order.
pub fn appliance_names(keys: &[String]) -> String {
    let names: Vec<&str> = DEVELOPER_APPLIANCES
        .iter()
        .filter(|(k, _)| keys.iter().any(|s| s == k))
        .map(|(_, n)| *n)
        .collect();
    if names.is_empty() {
        "无".to_string()
    } else {
        names.join("、")
    }
}

/// The community part of an application page.
pub struct CommunityView {
    pub facts: Vec<(String, String)>,
    pub layout: String,
    pub materials: Vec<MaterialRow>,
    pub hand_ins: Vec<HandInRow>,
    pub offers: Vec<OfferRow>,
    pub drawings: Vec<DrawingRow>,
    pub fee: Option<FeeView>,
    pub extended_contracts: Vec<String>,
    pub milestones: Vec<MilestoneRow>,
    pub households: Vec<HouseholdRow>,
    pub accounts_opened: usize,
}

pub struct MaterialRow {
    pub name: String,
    pub status: &'static str,
    pub owed: bool,
    pub note: String,
}

pub struct HandInRow {
    pub number: u32,
    pub material: String,
    pub description: String,
    pub received: String,
    pub verdict: String,
}

pub struct OfferRow {
    pub name: String,
    pub answer: &'static str,
    pub note: String,
    pub by: String,
}

pub struct DrawingRow {
    pub number: u32,
    pub kind: &'static str,
    pub version: u32,
    pub summary: String,
    pub submitted: String,
    /// `pending`, `passed` or `returned`, for the colour.
    pub state: &'static str,
    pub state_text: &'static str,
    pub reviewed: String,
    pub reasons: Vec<String>,
}

pub struct FeeView {
    pub contract_number: String,
    pub catalogue_version: i64,
    pub lines: Vec<FeeLineRow>,
    pub total: String,
    pub paid: String,
    pub outstanding: String,
    pub settled: bool,
    /// The stored amounts no longer add up: nothing is charged on them.
    pub inconsistent: bool,
    pub payments: Vec<PaymentRow>,
}

pub struct FeeLineRow {
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
}

pub struct MilestoneRow {
    pub number: usize,
    pub building: String,
    pub description: String,
    pub planned: String,
    pub reached: String,
    pub notes: Vec<String>,
}

pub struct HouseholdRow {
    pub number: u32,
    pub building: String,
    pub unit: String,
    pub floor: String,
    pub door: String,
    pub account_number: String,
    pub opened: String,
}

fn when(at: Option<DateTime<Utc>>) -> String {
    at.map(local).unwrap_or_default()
}

impl CommunityView {
    /// The community record of an application on the new-community line.
    pub fn of(app: &Application) -> Option<CommunityView> {
        if app.line != ServiceLine::NewCommunity {
            return None;
        }
        let c = app.community.clone().unwrap_or_default();
        let mut facts: Vec<(String, String)> = Vec::new();
        let mut fact = |label: &str, value: String| {
            if !value.is_empty() {
                facts.push((label.to_string(), value));
            }
        };
        fact(
            "关联地块",
            c.plot_name.clone().unwrap_or_else(|| "未关联台账".into()),
        );
        fact(
            "建设标准",
            c.build_standard
                .map(build_standard_name)
                .unwrap_or("未登记")
                .to_string(),
        );
        if c.build_standard == Some(BuildStandard::Fitted) {
            fact(
                "开发商配置的燃气设备",
                appliance_names(&c.developer_appliances),
            );
        }
        fact("设计院联系开发商", when(c.developer_contacted_at));
        fact("收到开发商设计资料", when(c.design_data_received_at));
        fact("开发商提出通气", when(c.gas_on_requested_at));

        let material_name = |key: &str| {
            app.materials
                .iter()
                .find(|m| m.key == key)
                .map_or(key.to_string(), |m| m.name.clone())
        };
        let materials = app
            .materials
            .iter()
            .map(|m| MaterialRow {
                name: m.name.clone(),
                status: match m.status {
                    MaterialStatus::Provided => "已提供",
                    MaterialStatus::Shared => "政务数据平台共享",
                    MaterialStatus::NotHeld => "无需提供",
                    MaterialStatus::Owed if m.waivable => "待补交（容缺受理）",
                    MaterialStatus::Owed => "待补交",
                },
                owed: m.status == MaterialStatus::Owed,
                note: match (m.owed_until, m.requested) {
                    (Some(at), _) => format!("须于 {} 前补交", local(at)),
                    (None, 0) => String::new(),
                    (None, n) => format!("已告知补交{n}次"),
                },
            })
            .collect();
        let hand_ins = app
            .hand_ins
            .iter()
            .map(|h| HandInRow {
                number: h.number,
                material: material_name(&h.material),
                description: match &h.file_name {
                    Some(f) => format!("{}（{f}）", h.description),
                    None => h.description.clone(),
                },
                received: format!("{} {}", local(h.received_at), h.received_by),
                verdict: match &h.verdict {
                    Verdict::Pending => "待审核".to_string(),
                    Verdict::Accepted => "已接收".to_string(),
                    Verdict::Rejected { reason } => format!("已退回：{reason}"),
                },
            })
            .collect();
        let offers = app
            .extended_services
            .iter()
            .map(|o| OfferRow {
                name: o.name.clone(),
                answer: match (o.lead, o.accepted) {
                    (true, _) => "延伸服务线索，待推荐",
                    (false, true) => "用户接受",
                    (false, false) => "用户暂不需要",
                },
                note: o.note.clone().unwrap_or_default(),
                by: format!("{} {}", local(o.offered_at), o.offered_by),
            })
            .collect();

        let mut drawings: Vec<&Drawing> = c.drawings.iter().collect();
        let order = |k: DrawingKind| DrawingKind::ALL.iter().position(|x| *x == k);
        drawings.sort_by_key(|d| (order(d.kind), d.version));
        let drawings = drawings.into_iter().map(drawing_row).collect();

        let fee = c.fee.as_ref().map(|q| {
            let paid = sum(c.payments.iter().map(|p| p.amount_fen));
            let outstanding = paid.and_then(|p| q.total_fen.checked_sub(p));
            FeeView {
                contract_number: app.contract_number.clone().unwrap_or_default(),
                catalogue_version: q.catalogue_version,
                lines: q
                    .lines
                    .iter()
                    .map(|l| FeeLineRow {
                        code: l.code.clone(),
                        name: l.name.clone(),
                        unit: l.unit.clone(),
                        unit_price: yuan(l.unit_price_fen),
                        quantity: l.quantity,
                        amount: yuan(l.amount_fen),
                    })
                    .collect(),
                total: yuan(q.total_fen),
                paid: paid.map(yuan).unwrap_or_default(),
                outstanding: outstanding.map(yuan).unwrap_or_default(),
                settled: outstanding == Some(0),
                inconsistent: !q.is_consistent(),
                payments: c
                    .payments
                    .iter()
                    .map(|p| PaymentRow {
                        paid_at: local(p.paid_at),
                        amount: yuan(p.amount_fen),
                        receipt_number: p.receipt_number.clone(),
                        method: p.method.clone(),
                    })
                    .collect(),
            }
        });

        let milestones = c
            .milestones
            .iter()
            .enumerate()
            .map(|(i, m)| MilestoneRow {
                number: i + 1,
                building: m.building.clone(),
                description: m.description.clone(),
                planned: local(m.planned_at),
                reached: m
                    .reached_at
                    .map(|at| format!("{} 已完成", local(at)))
                    .unwrap_or_else(|| "未完成".to_string()),
                notes: m
                    .notes
                    .iter()
                    .map(|n| {
                        let mut parts = Vec::new();
                        if let Some(p) = &n.progress {
                            parts.push(format!("进度：{p}"));
                        }
                        if let Some(q) = &n.quality {
                            parts.push(format!("质量：{q}"));
                        }
                        format!("{} {}：{}", local(n.at), n.by, parts.join("；"))
                    })
                    .collect(),
            })
            .collect();

        let households = c
            .households
            .iter()
            .map(|h| HouseholdRow {
                number: h.number,
                building: h.address.building.clone(),
                unit: h.address.unit.clone(),
                floor: h.address.floor.clone(),
                door: h.address.door.clone(),
                account_number: h.account_number.clone().unwrap_or_default(),
                opened: when(h.account_opened_at),
            })
            .collect();

        Some(CommunityView {
            facts,
            layout: c.source_pipeline_layout.clone().unwrap_or_default(),
            materials,
            hand_ins,
            offers,
            drawings,
            fee,
            extended_contracts: c.extended_contracts.clone(),
            milestones,
            households,
            accounts_opened: c
                .households
                .iter()
                .filter(|h| h.account_number.is_some())
                .count(),
        })
    }
}

fn drawing_row(d: &Drawing) -> DrawingRow {
    let (state, state_text) = match &d.review {
        None => ("pending", "待审查"),
        Some(r) if r.passed => ("passed", "通过"),
        Some(_) => ("returned", "已退回"),
    };
    DrawingRow {
        number: d.number,
        kind: drawing_kind_name(d.kind),
        version: d.version,
        summary: d.summary.clone(),
        submitted: format!("{} {}", local(d.submitted_at), d.submitted_by),
        state,
        state_text,
        reviewed: d
            .review
            .as_ref()
            .map(|r| format!("{} {}", local(r.reviewed_at), r.reviewed_by))
            .unwrap_or_default(),
        reasons: d
            .review
            .as_ref()
            .map(|r| r.reasons.clone())
            .unwrap_or_default(),
    }
}

/// The key facts of a community event, for the timeline.
pub fn facts(kind: &str, p: &Value) -> Vec<String> {
    let text = |v: &Value| v.as_str().map(str::to_string).filter(|s| !s.is_empty());
    let mut out = Vec::new();
    let mut push = |label: &str, value: Option<String>| {
        if let Some(v) = value {
            out.push(format!("{label}：{v}"));
        }
    };
    match kind {
        "drawing_submitted" => {
            let kind = serde_json::from_value::<DrawingKind>(p["kind"].clone()).ok();
            push("图纸", kind.map(|k| drawing_kind_name(k).to_string()));
            push("版本", p["version"].as_u64().map(|v| format!("第{v}版")));
            push("内容", text(&p["summary"]));
        }
        "drawing_reviewed" => {
            push("图纸", p["drawing"].as_u64().map(|n| format!("第{n}号")));
            let passed = p["passed"].as_bool();
            push(
                "结论",
                passed.map(|b| if b { "通过" } else { "退回修改" }.to_string()),
            );
            let reasons: Vec<&str> = p["reasons"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if !reasons.is_empty() {
                push("退回原因", Some(reasons.join("；")));
            }
        }
        "community_contract_signed" => {
            push("合同编号", text(&p["contract_number"]));
            push("配套费", p["priced"]["total_fen"].as_i64().map(yuan));
        }
        "milestone_added" => {
            push("楼栋", text(&p["building"]));
            push("节点", text(&p["description"]));
        }
        "progress_noted" => {
            push("进度", text(&p["progress"]));
            push("质量", text(&p["quality"]));
            if p["reached"].as_bool() == Some(true) {
                push("节点", Some("已完成".to_string()));
            }
        }
        "households_registered" => {
            push("录入户数", p["added"].as_u64().map(|n| format!("{n}户")));
        }
        "account_opened" => {
            push("住户", p["household"].as_u64().map(|n| format!("第{n}户")));
            push("燃气户号", text(&p["account_number"]));
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_in_yuan_with_separators() {
        assert_eq!(yuan(0), "¥0.00");
        assert_eq!(yuan(5), "¥0.05");
        assert_eq!(yuan(123_456), "¥1,234.56");
        assert_eq!(yuan(36_000_000), "¥360,000.00");
        assert_eq!(yuan(100_000_000_000), "¥1,000,000,000.00");
        assert_eq!(yuan(-150), "-¥1.50");
        assert_eq!(yuan(i64::MIN), "-¥92,233,720,368,547,758.08");
    }
}
