//! How applications, deadlines and events read on a page: plain strings
//! made here, so the templates only lay them out.

use chrono::{DateTime, Utc};
use gasdesk_domain::application::{
    Application, BuiltBy, FailureCause, LicenceCheck, Readiness, StaffRef,
};
use gasdesk_domain::connection;
use gasdesk_domain::deadline::{DeadlineState, DeadlineStatus};
use gasdesk_domain::event::Event;
use gasdesk_domain::rulebook::LineRules;
use gasdesk_domain::services::PermitStatus;
use serde_json::Value;

use super::fields::local;
use crate::text;

/// One line of a deadlines table.
pub struct DeadlineRow {
    pub name: String,
    pub due: String,
    /// The due time rests on a year whose holiday arrangement is not
    /// published yet.
    pub provisional: bool,
    /// `on_time`, `due_soon`, `overdue`, `met_on_time`, `met_late` or
    /// `paused`, for the colour.
    pub state: &'static str,
    /// The clock stands still while the applicant has the next move; the
    /// due time moves on by the wait once it runs again.
    pub paused: bool,
    pub state_text: &'static str,
    /// Working time left, or how long it took once met.
    pub left: String,
}

/// An entry made this long after the fact is shown as entered late, so a
/// back-dated completion cannot pass for a timely one.
const LATE_ENTRY_MINUTES: i64 = 30;

pub fn deadline_row(d: &DeadlineStatus) -> DeadlineRow {
    let late_entry = match (d.deadline.met_at, d.deadline.met_entered_at) {
        (Some(at), Some(entered)) if (entered - at).num_minutes() > LATE_ENTRY_MINUTES => {
            format!("（{} 补录）", local(entered))
        }
        _ => String::new(),
    };
    let left = match d.deadline.met_at {
        Some(at) => format!(
            "{} 完成，用时{}{late_entry}",
            local(at),
            text::working_time(d.elapsed_seconds)
        ),
        None if d.state == DeadlineState::Paused => {
            format!("剩余{}", text::working_time(d.remaining_seconds))
        }
        None => text::working_time(d.remaining_seconds),
    };
    DeadlineRow {
        name: d.deadline.name.clone(),
        due: local(d.deadline.due_at),
        provisional: d.deadline.provisional,
        state: d.state.as_str(),
        paused: d.state == DeadlineState::Paused,
        state_text: text::deadline_state(d.state),
        left,
    }
}

pub fn deadline_rows(deadlines: &[DeadlineStatus]) -> Vec<DeadlineRow> {
    deadlines.iter().map(deadline_row).collect()
}

/// The colour class of a status badge.
pub fn status_class(app: &Application) -> &'static str {
    status_class_of(app.status)
}

pub fn status_class_of(status: gasdesk_domain::application::Status) -> &'static str {
    use gasdesk_domain::application::Status;
    match status {
        Status::GasOn => "done",
        Status::Cancelled => "closed",
        Status::RoutedOneStop => "routed",
        _ => "open",
    }
}

pub fn licence(check: &LicenceCheck) -> String {
    match check {
        LicenceCheck::Found {
            name,
            legal_representative,
            registry_status,
        } => {
            let status = registry_status_text(registry_status);
            format!("政务数据平台已查到：{name}（法定代表人：{legal_representative}；{status}）")
        }
        LicenceCheck::SeenAtCounter => {
            "柜台已现场查验营业执照（登记信息中未查到该代码）".to_string()
        }
        LicenceCheck::ToConfirmByPhone => "待电话确认（登记信息中未查到该代码）".to_string(),
        LicenceCheck::ConfirmedByPhone => "已电话确认".to_string(),
        LicenceCheck::CopyAccepted => "已补交执照复印件并审核通过".to_string(),
    }
}

fn registry_status_text(code: &str) -> String {
    use gasdesk_domain::registry::LicenceStatus;
    match LicenceStatus::ALL.into_iter().find(|s| s.as_str() == code) {
        Some(s) if s.is_active() => format!("登记状态：{}", s.name_zh()),
        // Only a licence in force proves the business exists: say so.
        Some(s) => format!("登记状态：{}，请向申请人核实", s.name_zh()),
        None => format!("登记状态：{code}"),
    }
}

/// The readiness answers as question and answer.
pub fn readiness(r: &Readiness) -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "气源管线已建成并验收",
            text::yes_no(r.source_pipeline_ready),
        ),
        (
            "产权范围内燃气设施已施工完成并竣工验收",
            text::yes_no(r.facilities_ready),
        ),
        ("产权范围内燃气设施", text::built_by(r.built_by)),
    ]
}

pub fn assignee(a: &Option<StaffRef>) -> String {
    match a {
        Some(s) if !s.name.is_empty() => s.name.clone(),
        Some(_) => "已指派".to_string(),
        None => "尚未指派".to_string(),
    }
}

/// The progress the application records beyond its intake, as label and
/// value.
pub fn progress(app: &Application) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    if let Some(v) = &app.verification {
        rows.push(("现场核实".into(), local(v.verified_at)));
        rows.push(("用户燃气设施".into(), ok_text(v.facilities_ok)));
        rows.push(("外部气源管".into(), ok_text(v.source_pipe_ok)));
        rows.push(("碰接点位置".into(), v.tie_in_point.clone()));
        if let Some(a) = &v.rectification_advice {
            rows.push(("整改建议".into(), a.clone()));
        }
        if let Some(a) = &v.excavation_approvals {
            rows.push(("开挖审批要求".into(), a.clone()));
        }
    }
    if let Some(n) = &app.contract_number {
        let label = match app.line {
            gasdesk_domain::rulebook::ServiceLine::NewCommunity => "小区燃气管道预埋合同编号",
            _ => "供用气合同编号",
        };
        rows.push((label.into(), n.clone()));
    }
    if let Some(at) = app.gas_on_planned_at {
        rows.push(("计划通气时间".into(), local(at)));
    }
    for a in &app.acceptance_attempts {
        rows.push((format!("第{}次验收通气", a.number), attempt_text(a)));
    }
    if let Some(r) = &app.cancel_reason {
        rows.push(("撤销原因".into(), r.clone()));
    }
    rows
}

fn attempt_text(a: &gasdesk_domain::application::AcceptanceAttempt) -> String {
    let mut s = format!("{} {}", local(a.occurred_at), passed_text(a.passed));
    if let Some(c) = a.failure_cause {
        s.push_str(&format!("（{}）", text::failure_cause(c)));
    }
    s.push_str(&format!("；参加人员：{}", a.participants.join("、")));
    if let Some(n) = &a.note {
        s.push_str(&format!("；{n}"));
    }
    s
}

fn ok_text(ok: bool) -> String {
    if ok { "符合要求" } else { "需整改" }.to_string()
}

fn passed_text(passed: bool) -> &'static str {
    if passed {
        "合格，已通气点火"
    } else {
        "未通过"
    }
}

/// One line of the full timeline, for staff.
pub struct EventRow {
    pub seq: i64,
    pub name: &'static str,
    pub actor: String,
    pub channel: &'static str,
    /// When it happened, after any correction.
    pub occurred: String,
    /// When it was first said to have happened, if corrected since.
    pub corrected_from: String,
    pub recorded: String,
    pub facts: Vec<String>,
}

/// The timeline; keys of materials, services and permits read as the
/// application and its line's rules name them.
pub fn event_rows(events: &[Event], app: &Application, rules: Option<&LineRules>) -> Vec<EventRow> {
    let names = Names { app, rules };
    events
        .iter()
        .map(|e| {
            let effective = connection::latest_occurred_at(events, e.seq);
            let corrected_from = if effective != e.event.occurred_at {
                local(e.event.occurred_at)
            } else {
                String::new()
            };
            let actor = match e.event.actor.role {
                Some(role) => format!("{}（{}）", e.event.actor.name, text::role(role)),
                None => format!("{}（申请人）", e.event.actor.name),
            };
            EventRow {
                seq: e.seq,
                name: text::event(&e.event.kind),
                actor,
                channel: text::channel(e.event.channel),
                occurred: local(effective),
                corrected_from,
                recorded: local(e.event.recorded_at),
                facts: facts(&e.event.kind, &e.event.payload, &names),
            }
        })
        .collect()
}

/// One line of the applicant's timeline: what happened and when. Internal
/// notes and corrections stay with the staff; corrected times show as
/// corrected.
pub struct PublicEventRow {
    pub name: &'static str,
    /// The result, where the applicant needs it: an acceptance passed or not.
    pub detail: &'static str,
    pub occurred: String,
}

pub fn public_event_rows(events: &[crate::service::PublicEvent]) -> Vec<PublicEventRow> {
    events
        .iter()
        .map(|e| PublicEventRow {
            name: text::event(&e.kind),
            detail: e.passed.map(passed_text).unwrap_or(""),
            occurred: local(e.occurred_at),
        })
        .collect()
}

/// What the keys in an event's payload are called.
struct Names<'a> {
    app: &'a Application,
    rules: Option<&'a LineRules>,
}

impl Names<'_> {
    fn material(&self, v: &Value) -> Option<String> {
        v.as_str()
            .map(|k| super::record::material_name(self.app, k))
    }

    fn service(&self, v: &Value) -> Option<String> {
        let key = v.as_str()?;
        let rules = self.rules?;
        let found = rules
            .extended_services
            .iter()
            .chain(&rules.agency_services)
            .find(|s| s.key == key);
        Some(found.map_or_else(|| key.to_string(), |s| s.name.clone()))
    }
}

/// The key facts of an event's payload, where they read easily.
fn facts(kind: &str, p: &Value, names: &Names<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |label: &str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            out.push(format!("{label}：{v}"));
        }
    };
    match kind {
        "submitted" => {
            if let Some(s) = status_of(&p["status"]) {
                push("受理结果", Some(s.to_string()));
            }
            push("指派客户经理", staff_name(&p["assignee"]));
        }
        "handed_over" => push("转交给", staff_name(&p["to"])),
        "assigned" => {
            push("原负责人", staff_name(&p["from"]));
            push("现负责人", staff_name(&p["to"]));
        }
        "first_call_recorded" => {
            let c = &p["confirmation"];
            push("营业执照已确认", flag(&c["licence_confirmed"]));
            push("用气地址已确认", flag(&c["address_confirmed"]));
            push("竣工验收已确认", flag(&c["completion_accepted"]));
            push("产权范围内设施", built_by(&c["built_by"]));
            push("备注", string(&p["note"]));
        }
        "site_verified" => {
            push("用户燃气设施符合要求", flag(&p["facilities_ok"]));
            push("外部气源管符合要求", flag(&p["source_pipe_ok"]));
            push("碰接点位置", string(&p["tie_in_point"]));
            push("整改建议", string(&p["rectification_advice"]));
            push("开挖审批要求", string(&p["excavation_approvals"]));
        }
        "contract_signed" => {
            push("合同编号", string(&p["contract_number"]));
            push("发票抬头", string(&p["invoice"]["title"]));
            push("纳税人识别号", string(&p["invoice"]["tax_number"]));
            push("特殊要求", string(&p["special_requests"]));
        }
        "gas_on_scheduled" => push("计划通气时间", time(&p["planned_at"])),
        "acceptance_recorded" => {
            push(
                "结果",
                p["passed"].as_bool().map(|b| passed_text(b).to_string()),
            );
            push("不合格原因", failure_cause(&p["failure_cause"]));
            push("参加人员", participants(&p["participants"]));
            push("安全用气交底", briefing(&p["safety_briefing"]));
            push("备注", string(&p["note"]));
        }
        "occurred_at_corrected" => {
            push("更正记录", p["seq"].as_i64().map(|s| format!("第{s}条")));
            push("原发生时间", time(&p["from"]));
            push("更正为", time(&p["occurred_at"]));
            push("原因", string(&p["reason"]));
        }
        "cancelled" => push("原因", string(&p["reason"])),
        "note_added" => push("内容", string(&p["text"])),
        "awaiting_applicant" => push("需用户配合", string(&p["reason"])),
        "applicant_responded" | "applicant_followed_up" => push("说明", string(&p["note"])),
        "survey_time_agreed" => push("踏勘时间", time(&p["survey_at"])),
        "survey_recorded" => {
            let present = p["customer_manager_present"].as_bool();
            push("客户经理到场", present.map(|b| text::yes_no(b).to_string()));
            push("用气方案", string(&p["gas_use_plan"]));
            push("用气设备布置", string(&p["appliance_layout"]));
            push("报警器布置", string(&p["leak_alarm_layout"]));
        }
        "design_issued" | "quote_revised" => {
            push("设计方案", string(&p["summary"]));
            push("修改原因", string(&p["reason"]));
            let priced = &p["priced"];
            push(
                "报价版本",
                priced["revision"].as_u64().map(|r| format!("第{r}版")),
            );
            push("报价合计", money(&priced["total_fen"]));
            push(
                "价格清单",
                priced["catalogue_version"]
                    .as_i64()
                    .map(|v| format!("第{v}版")),
            );
        }
        "quote_confirmed" => push(
            "确认报价",
            p["revision"].as_u64().map(|r| format!("第{r}版")),
        ),
        "payment_recorded" => {
            push("缴费金额", money(&p["amount_fen"]));
            push("收据编号", string(&p["receipt_number"]));
            push("缴费方式", string(&p["method"]));
            push("待缴", money(&p["outstanding_fen"]));
        }
        "material_requested" => {
            push("资料", names.material(&p["material"]));
            push("说明", string(&p["note"]));
        }
        "material_handed_in" => {
            push("补交记录", p["number"].as_u64().map(|n| format!("第{n}份")));
            push("资料", names.material(&p["material"]));
            push("说明", string(&p["description"]));
            push("文件", string(&p["file_name"]));
        }
        "hand_in_reviewed" => {
            push(
                "补交记录",
                p["hand_in"].as_u64().map(|n| format!("第{n}份")),
            );
            let verdict = p["accepted"]
                .as_bool()
                .map(|a| if a { "接收" } else { "退回" });
            push("审核结果", verdict.map(str::to_string));
            push("原因", string(&p["reason"]));
        }
        "site_problem_reported" => {
            push("问题", p["number"].as_u64().map(|n| format!("第{n}项")));
            push("说明", string(&p["description"]));
        }
        "site_problem_resolved" => {
            push("问题", p["problem"].as_u64().map(|n| format!("第{n}项")));
            push("处理结果", string(&p["resolution"]));
        }
        "satisfaction_recorded" => {
            let rating = p["rating"].as_u64().and_then(|r| u8::try_from(r).ok());
            push(
                "满意度",
                rating.map(|r| format!("{r}分（{}）", super::record::rating_text(r))),
            );
            push("签字人", string(&p["signed_by"]));
            push("意见建议", string(&p["comment"]));
        }
        "extended_service_offered" => {
            push("服务", names.service(&p["service"]));
            let answer = p["accepted"]
                .as_bool()
                .map(|a| if a { "需要" } else { "暂不需要" });
            push("用户答复", answer.map(str::to_string));
            push("备注", string(&p["note"]));
        }
        "permit_agency_requested" => push("代办事项", names.service(&p["permit"])),
        "permit_updated" => {
            push("代办事项", names.service(&p["permit"]));
            let status = serde_json::from_value::<PermitStatus>(p["status"].clone()).ok();
            push(
                "进度",
                status.map(|s| super::record::permit_status(s).to_string()),
            );
            push("行政规费（用户承担）", money(&p["government_fee_fen"]));
            push("备注", string(&p["note"]));
        }
        _ => {}
    }
    out.extend(super::community_view::facts(kind, p));
    out
}

fn string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn flag(v: &Value) -> Option<String> {
    v.as_bool().map(|b| text::yes_no(b).to_string())
}

fn time(v: &Value) -> Option<String> {
    serde_json::from_value::<DateTime<Utc>>(v.clone())
        .ok()
        .map(local)
}

fn staff_name(v: &Value) -> Option<String> {
    serde_json::from_value::<StaffRef>(v.clone())
        .ok()
        .map(|s| s.name)
}

fn built_by(v: &Value) -> Option<String> {
    serde_json::from_value::<BuiltBy>(v.clone())
        .ok()
        .map(|b| text::built_by(b).to_string())
}

fn failure_cause(v: &Value) -> Option<String> {
    serde_json::from_value::<FailureCause>(v.clone())
        .ok()
        .map(|c| text::failure_cause(c).to_string())
}

fn status_of(v: &Value) -> Option<&'static str> {
    v.as_str()
        .and_then(gasdesk_domain::application::Status::parse)
        .map(text::status)
}

fn money(v: &Value) -> Option<String> {
    v.as_i64().map(text::yuan)
}

fn briefing(v: &Value) -> Option<String> {
    let given: Vec<&str> = v.as_array()?.iter().filter_map(Value::as_str).collect();
    Some(super::record::briefing_text(&given))
}

fn participants(v: &Value) -> Option<String> {
    let names: Vec<&str> = v.as_array()?.iter().filter_map(Value::as_str).collect();
    Some(names.join("、"))
}

/// One choice of a select.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Opt {
    pub fn new(value: &str, label: &str, current: &str) -> Opt {
        Opt {
            value: value.to_string(),
            label: label.to_string(),
            selected: value == current,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gasdesk_domain::deadline::{Deadline, PauseSpan};
    use gasdesk_domain::rulebook::Clock;

    fn met(at: &str, entered: &str) -> DeadlineStatus {
        let t = |s: &str| format!("{s}:00+08:00").parse::<DateTime<Utc>>().unwrap();
        DeadlineStatus {
            deadline: Deadline {
                key: "first_call".into(),
                name: "客户经理电话联系用户".into(),
                clock: Clock::Office,
                started_at: t("2026-03-16T08:20"),
                budget: "PT1H".into(),
                budget_seconds: 3600,
                due_at: t("2026-03-16T09:30"),
                provisional: false,
                calendar_version: String::new(),
                met_at: Some(t(at)),
                met_entered_at: Some(t(entered)),
                overdue_noted_at: None,
                pauses: Vec::new(),
            },
            state: DeadlineState::MetOnTime,
            elapsed_seconds: 40 * 60,
            remaining_seconds: 20 * 60,
        }
    }

    #[test]
    fn a_completion_entered_late_says_so() {
        let late = deadline_row(&met("2026-03-16T09:10", "2026-03-16T11:40"));
        assert_eq!(
            late.left,
            "2026-03-16 09:10 完成，用时40分钟（2026-03-16 11:40 补录）"
        );
        let prompt = deadline_row(&met("2026-03-16T09:10", "2026-03-16T09:25"));
        assert_eq!(prompt.left, "2026-03-16 09:10 完成，用时40分钟");
    }

    #[test]
    fn a_paused_deadline_says_it_waits_and_what_is_left() {
        let mut waiting = met("2026-03-16T09:10", "2026-03-16T09:10");
        waiting.deadline.met_at = None;
        waiting.deadline.met_entered_at = None;
        waiting.deadline.pauses = vec![PauseSpan {
            from: waiting.deadline.started_at,
            to: None,
        }];
        waiting.state = DeadlineState::Paused;
        let row = deadline_row(&waiting);
        assert_eq!(row.state_text, "暂停（等待用户）");
        assert_eq!(row.left, "剩余20分钟");
        assert!(row.paused);
    }
}
