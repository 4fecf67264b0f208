//! Chinese text for what people see: names of statuses, channels, roles,
//! actions and events, and one sentence per error code.

use gasdesk_domain::application::Status;
use gasdesk_domain::deadline::DeadlineState;
use gasdesk_domain::rulebook::ServiceLine;
use gasdesk_domain::{Channel, DomainError, Role};

use crate::error::AppError;

pub fn status(s: Status) -> &'static str {
    match s {
        Status::AwaitingHandover => "待转交客户经理",
        Status::AwaitingFirstCall => "待客户经理电话联系",
        Status::AwaitingVerification => "待现场核实",
        Status::AwaitingContract => "待签订供用气合同",
        Status::AwaitingGasOn => "待验收通气",
        Status::GasOn => "已通气",
        Status::RoutedOneStop => "一站式服务待响应",
        Status::AwaitingSurvey => "待踏勘设计",
        Status::UnderConstruction => "施工中",
        Status::AwaitingDesign => "设计配合中",
        Status::Cancelled => "已撤销",
    }
}

/// A status as the application's line names it: the contract step of the
/// one-stop and community lines includes payment (the quote, or the
/// community's supporting fee).
pub fn status_in(line: ServiceLine, s: Status) -> &'static str {
    match (line, s) {
        (ServiceLine::OneStop | ServiceLine::NewCommunity, Status::AwaitingContract) => {
            "待签约缴费"
        }
        _ => status(s),
    }
}

pub fn channel(c: Channel) -> &'static str {
    match c {
        Channel::ServiceCenter => "县行政服务中心",
        Channel::BusinessHall => "公司营业厅",
        Channel::Online => "网上营业厅",
        Channel::Hotline => "热线电话",
        Channel::Office => "后台办理",
    }
}

pub fn role(r: Role) -> &'static str {
    match r {
        Role::ServiceStaff => "服务人员",
        Role::CustomerManager => "客户经理",
        Role::Designer => "设计人员",
        Role::ConstructionUnit => "施工单位",
        Role::OperationsUnit => "运行管理单位",
        Role::Supervisor => "一站式服务基地主管",
        Role::BusinessPlanning => "经营计划部",
        Role::Admin => "系统管理员",
    }
}

pub fn action(kind: &str) -> &'static str {
    match kind {
        "hand_over" => "转交客户经理",
        "assign" => "接单 / 指派",
        "record_first_call" => "登记首次电话联系",
        "verify_site" => "登记现场核实",
        "sign_contract" => "签订供用气合同",
        "schedule_gas_on" => "列入通气计划",
        "record_acceptance" => "登记验收通气点火",
        "correct_occurred_at" => "更正发生时间",
        "cancel" => "撤销申请",
        "add_note" => "添加备注",
        "await_applicant" => "转入等待用户配合",
        "applicant_responded" => "用户已配合（恢复计时）",
        "follow_up_applicant" => "登记主动跟进",
        "agree_survey_time" => "约定踏勘时间",
        "record_survey" => "登记现场踏勘",
        "issue_design" => "出具设计方案和清单报价",
        "revise_quote" => "修改报价",
        "deliver_design" => "设计方案已送达用户",
        "confirm_quote" => "用户确认报价",
        "record_payment" => "登记缴费",
        "request_material" => "告知用户补交资料",
        "hand_in_material" => "登记补交资料",
        "review_hand_in" => "审核补交资料",
        "enter_site" => "施工单位进场",
        "report_site_problem" => "反馈现场问题",
        "resolve_site_problem" => "处理现场问题",
        "complete_construction" => "施工完成",
        "record_satisfaction" => "用户满意度签字",
        "offer_extended_service" => "推荐延伸服务",
        "request_permit_agency" => "申请代办审批",
        "update_permit" => "更新代办进度",
        "contact_developer" => "设计院联系开发商",
        "receive_design_data" => "收到开发商设计资料",
        "submit_drawing" => "提交图纸审查",
        "review_drawing" => "审查图纸",
        "sign_community_contract" => "签订小区燃气管道预埋合同",
        "add_milestone" => "录入施工节点",
        "note_progress" => "登记进度和质量",
        "register_households" => "录入住户信息",
        "request_gas_on" => "开发商提出通气",
        "open_account" => "住户开户",
        _ => "操作",
    }
}

pub fn event(kind: &str) -> &'static str {
    match kind {
        "submitted" => "受理报装申请",
        "handed_over" => "转交客户经理",
        "assigned" => "接单 / 指派",
        "first_call_recorded" => "首次电话联系",
        "site_verified" => "现场核实",
        "contract_signed" => "签订供用气合同",
        "gas_on_scheduled" => "列入通气计划",
        "acceptance_recorded" => "验收通气点火",
        "occurred_at_corrected" => "更正发生时间",
        "deadline_overdue" => "时限已超（系统提醒）",
        "cancelled" => "撤销申请",
        "note_added" => "备注",
        "awaiting_applicant" => "等待用户配合",
        "applicant_responded" => "用户已配合",
        "applicant_followed_up" => "主动跟进用户",
        "survey_time_agreed" => "约定踏勘时间",
        "survey_recorded" => "现场踏勘",
        "design_issued" => "出具设计方案和清单报价",
        "quote_revised" => "修改报价",
        "design_delivered" => "设计方案送达用户",
        "quote_confirmed" => "用户确认报价",
        "payment_recorded" => "缴费",
        "material_requested" => "告知补交资料",
        "material_handed_in" => "补交资料",
        "hand_in_reviewed" => "审核补交资料",
        "site_entered" => "施工单位进场",
        "site_problem_reported" => "反馈现场问题",
        "site_problem_resolved" => "处理现场问题",
        "construction_completed" => "施工完成",
        "satisfaction_recorded" => "用户满意度签字",
        "extended_service_offered" => "推荐延伸服务",
        "permit_agency_requested" => "申请代办审批",
        "permit_updated" => "代办审批进度",
        "developer_contacted" => "设计院联系开发商",
        "design_data_received" => "收到开发商设计资料",
        "drawing_submitted" => "提交图纸",
        "drawing_reviewed" => "图纸审查",
        "community_contract_signed" => "签订小区燃气管道预埋合同",
        "milestone_added" => "录入施工节点",
        "progress_noted" => "施工进度和质量",
        "households_registered" => "录入住户信息",
        "gas_on_requested" => "开发商提出通气",
        "account_opened" => "住户开户",
        _ => "事件",
    }
}

pub fn deadline_state(s: DeadlineState) -> &'static str {
    match s {
        DeadlineState::OnTime => "正常",
        DeadlineState::DueSoon => "即将到期",
        DeadlineState::Overdue => "已超时",
        DeadlineState::MetOnTime => "按时完成",
        DeadlineState::MetLate => "超时完成",
        DeadlineState::Paused => "暂停（等待用户）",
    }
}

pub fn field(name: &str) -> &'static str {
    match name {
        "organisation" => "单位名称",
        "contact_name" => "联系人",
        "phone" => "联系电话",
        "uscc" => "统一社会信用代码",
        "site_address" => "用气地址",
        "channel" => "受理渠道",
        "tie_in_point" => "碰接点位置",
        "rectification_advice" => "整改建议",
        "excavation_approvals" => "开挖审批要求",
        "contract_number" => "合同编号",
        "participants" => "参加人员",
        "failure_cause" => "不合格原因",
        "reason" => "原因",
        "text" => "备注内容",
        "note" => "备注",
        "occurred_at" => "发生时间",
        "planned_at" => "计划通气时间",
        "to" => "客户经理",
        "username" => "用户名",
        "display_name" => "姓名",
        "password" => "密码",
        "survey_at" => "踏勘时间",
        "attendance" => "设计人员和施工单位到场",
        "customer_manager_present" => "客户经理是否到场",
        "gas_use_plan" => "用气方案",
        "appliance_layout" => "用气设备布置",
        "leak_alarm_layout" => "报警器布置",
        "summary" => "设计方案",
        "quote" => "报价清单",
        "quantity" => "数量",
        "code" => "清单编码",
        "items" => "价格清单",
        "name" => "名称",
        "unit" => "单位",
        "unit_price_fen" => "单价",
        "invoice" => "开票信息",
        "invoice.title" => "发票抬头",
        "invoice.tax_number" => "纳税人识别号",
        "special_requests" => "特殊要求",
        "receipt_number" => "收据编号",
        "method" => "缴费方式",
        "amount_fen" => "缴费金额",
        "description" => "说明",
        "file_name" => "文件名",
        "sha256" => "文件校验值",
        "hand_in" => "补交记录",
        "resolution" => "处理结果",
        "problem" => "现场问题",
        "rating" => "满意度",
        "signed_by" => "签字人",
        "comment" => "意见建议",
        "safety_briefing" => "安全交底事项",
        "government_fee_fen" => "行政规费",
        "status" => "状态",
        "line" => "业务类型",
        "applicant_kind" => "用户类型",
        "plot_id" => "地块台账",
        "build_standard" => "建设标准",
        "developer_appliances" => "开发商配置的燃气设备",
        "reasons" => "退回原因",
        "drawing" => "图纸",
        "fee" => "配套费计费项目",
        "extended_contracts" => "延伸服务合同",
        "building" => "楼栋",
        "floor" => "楼层",
        "door" => "户号",
        "households" => "住户信息",
        "household" => "住户",
        "account_number" => "户号（开户）",
        "milestone" => "施工节点",
        "milestones" => "施工节点",
        "progress" => "进度",
        "quality" => "质量",
        "location" => "位置",
        "developer" => "开发商",
        "source" => "信息来源",
        "source_pipeline_layout" => "气源管线布局",
        "amount" => "缴费金额",
        "government_fee" => "行政规费",
        "revision" => "报价版本",
        "material" => "资料",
        "service" => "延伸服务",
        "permit" => "代办事项",
        _ => "填写内容",
    }
}

/// Working seconds as people read them: "3小时20分".
pub fn working_time(seconds: i64) -> String {
    let sign = if seconds < 0 { "超时" } else { "" };
    let s = seconds.abs();
    let (h, m) = (s / 3600, s % 3600 / 60);
    match (h, m) {
        (0, m) => format!("{sign}{m}分钟"),
        (h, 0) => format!("{sign}{h}小时"),
        (h, m) => format!("{sign}{h}小时{m}分"),
    }
}

pub fn error_message(e: &AppError) -> String {
    match e {
        AppError::Domain(d) => domain_message(d),
        AppError::NotFound => "未找到该记录，请核对编号。".into(),
        AppError::Unauthorized => "请先登录。".into(),
        AppError::BadCredentials => "用户名或密码不正确。".into(),
        AppError::Conflict => "该申请已被他人更新，请刷新页面后重试。".into(),
        AppError::BadRequest(code) => match *code {
            "username_taken" => "用户名已存在。".into(),
            "bad_time" => {
                "时间格式不正确：请用日期时间选择器选择，或按“2026-03-03T10:30”格式填写。".into()
            }
            "bad_form" => "提交的内容不完整或格式不正确，请检查后重试。".into(),
            "unknown_user" => "所选人员不存在或不是客户经理。".into(),
            "weak_password" => "密码至少需要 12 个字符。".into(),
            "bad_json" => "请求内容不是有效的 JSON，或缺少必填项。".into(),
            "same_password" => "新密码不能与当前密码相同。".into(),
            "bad_query" => "查询参数缺失或格式不正确。".into(),
            "bad_month" => "月份格式不正确，应为“2026-03”。".into(),
            "bad_idempotency_key" => "重复提交标识过长。".into(),
            _ => "请求格式不正确。".into(),
        },
        AppError::TooLarge => "提交的内容过大。".into(),
        AppError::MethodNotAllowed => "不支持该请求方式。".into(),
        AppError::CrossSite => "请求来自其他网站，已拒绝。请从本系统页面提交。".into(),
        AppError::PasswordChangeRequired => "首次登录或密码被重置后，请先修改密码。".into(),
        AppError::TooManyAttempts => "尝试次数过多，请 15 分钟后再试。".into(),
        AppError::Internal(_) => "系统暂时无法处理，请稍后再试；已保存的内容不受影响。".into(),
    }
}

fn domain_message(d: &DomainError) -> String {
    match d {
        DomainError::InvalidField {
            field: "rectification_advice",
        } => "设施或气源管未勾选“符合要求”时，须填写整改建议。".into(),
        DomainError::InvalidField {
            field: "households",
        } => "住户信息有误：同一户不能重复录入（含此前已录入的住户），\
             每次最多录入2000户，一个小区最多20000户。"
            .into(),
        DomainError::InvalidField { field: "plot_id" } => {
            "所选地块已有报装申请，或不在地块台账中，请重新选择。".into()
        }
        DomainError::InvalidField {
            field: "attendance",
        } => "设计人员和施工单位必须参加现场踏勘，请确认两者均已到场。".into(),
        DomainError::InvalidField {
            field: "customer_manager_present",
        } => "客户经理缺席的踏勘由到场的设计人员登记并全权负责。".into(),
        DomainError::InvalidField {
            field: "safety_briefing",
        } => "通气时须逐项完成安全用气交底：用气设备使用说明、安全用气注意事项、\
             告知报警电话、告知咨询电话。"
            .into(),
        DomainError::InvalidField { field: f } => format!("“{}”未填写或格式不正确。", field(f)),
        DomainError::InvalidUscc(_) => {
            "统一社会信用代码不正确：应为 18 位数字或大写字母，第 17 位（组织机构代码校验位）\
             和第 18 位（校验码）须符合国家标准 GB 32100，请对照营业执照核对。"
                .into()
        }
        DomainError::Forbidden => "您的岗位无权进行此操作。".into(),
        DomainError::NotOwner => "该申请由其他客户经理负责，请联系主管改派。".into(),
        DomainError::ActionNotAllowed { status: s, .. } => {
            format!("申请当前处于“{}”，不能进行此操作。", status(*s))
        }
        DomainError::VersionConflict { .. } => "该申请已被他人更新，请刷新页面后重试。".into(),
        DomainError::TimeInFuture => "发生时间不能晚于当前时间。".into(),
        DomainError::TimeBeforeAcceptance => "时间不能早于申请受理时间。".into(),
        DomainError::TimeTooEarly => "受理时间过早：只能补录 30 天内受理的申请。".into(),
        DomainError::NotScheduled => "请先将该申请列入通气计划。".into(),
        DomainError::EventNotFound => "未找到要更正的记录。".into(),
        DomainError::NotCorrectable => "该记录的时间不能更正。".into(),
        DomainError::RulebookIncomplete(_) => "服务规则配置不完整，请联系管理员。".into(),
        DomainError::Calendar(gasdesk_calendar::CalendarError::YearNotAvailable(_)) => {
            "工作日历缺少所需年份的放假安排，请管理员导入后重试。".into()
        }
        DomainError::Calendar(_) => "时间超出工作日历可计算的范围，请核对。".into(),
        DomainError::UnknownPriceItem => "报价中有价格清单里没有的项目，请核对清单编码。".into(),
        DomainError::NoCatalogue => "经营计划部尚未发布价格清单，暂不能报价。".into(),
        DomainError::NoQuote => "尚未出具报价。".into(),
        DomainError::QuoteLocked => "报价已签约或已缴费，不能再修改。".into(),
        DomainError::QuoteRevisionChanged => "报价已被修改，请刷新后确认最新版本。".into(),
        DomainError::QuoteInconsistent => {
            "报价金额核对不一致，已停止收费，请联系设计人员重新报价。".into()
        }
        DomainError::QuoteNotConfirmed => "用户尚未确认报价。".into(),
        DomainError::MaterialsOwed => "还有资料待补交，本环节暂不能办理。".into(),
        DomainError::MaterialNotOwed => "该资料无需补交。".into(),
        DomainError::UnknownMaterial => "该资料不在本业务的资料清单内，不能要求用户提供。".into(),
        DomainError::AlreadyReviewed => "该补交资料已审核。".into(),
        DomainError::AlreadyDone => "该事项已登记，无需重复办理。".into(),
        DomainError::AlreadyWaiting => "已在等待用户配合。".into(),
        DomainError::NotWaiting => "当前不在等待用户配合。".into(),
        DomainError::TimeBeforeWait => "时间不能早于开始等待用户的时间。".into(),
        DomainError::WaitingOnApplicant => "正在等待用户配合，请先登记用户已配合。".into(),
        DomainError::SurveyNotAgreed => "尚未与用户约定踏勘时间。".into(),
        DomainError::SurveyNotRecorded => "尚未登记现场踏勘。".into(),
        DomainError::DesignNotIssued => "设计方案尚未出具。".into(),
        DomainError::ContractNotSigned => "尚未签订合同。".into(),
        DomainError::PaymentExceedsQuote => "缴费金额超过报价总额，请核对。".into(),
        DomainError::SiteNotEntered => "施工单位尚未进场。".into(),
        DomainError::ProblemsOpen => "还有现场问题未处理。".into(),
        DomainError::SatisfactionMissing => "请先请用户进行满意度评价并签字。".into(),
        DomainError::UnknownService => "该服务项目不在本业务的服务清单内。".into(),
        DomainError::DrawingNotReady => {
            "该图纸暂不能提交：气源管线设计在先，设计方案需开发商设计资料，施工图需方案审查通过。"
                .into()
        }
        DomainError::DrawingNotReturned => "该图纸最新版本正在审查或已通过，无需重新提交。".into(),
        DomainError::WaitBackdated => {
            "转入等待用户配合应在当时登记，不能补录到过去：已经过去的时间计入公司时限。".into()
        }
        DomainError::TimeBeforeStep => "时间不能早于本环节所依据的上一环节。".into(),
        DomainError::HandInPending => "该资料已有一份补交待审核，请先审核。".into(),
        DomainError::HouseholdsMissing => "请先录入楼栋、单元、楼层、户号信息。".into(),
    }
}

pub fn built_by(b: gasdesk_domain::application::BuiltBy) -> &'static str {
    use gasdesk_domain::application::BuiltBy;
    match b {
        BuiltBy::SelfBuilt => "用户自建",
        BuiltBy::CompanyBuilt => "委托燃气公司代建",
    }
}

pub fn failure_cause(c: gasdesk_domain::application::FailureCause) -> &'static str {
    use gasdesk_domain::application::FailureCause;
    match c {
        FailureCause::ApplicantEquipment => "用户设备原因",
        FailureCause::UnsafeEnvironment => "用气环境不安全",
        FailureCause::CompanyWork => "公司施工原因",
    }
}

pub fn service_line(l: ServiceLine) -> &'static str {
    match l {
        ServiceLine::Connection102 => "燃气报装“102”标准",
        ServiceLine::OneStop => "一站式服务",
        ServiceLine::NewCommunity => "新建住宅小区燃气预埋",
    }
}

pub fn yes_no(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// An amount of fen as people read money: `¥1,234.56`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    let whole = (fen / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}¥{grouped}.{:02}", fen % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_step_reads_as_its_line_has_it() {
        let waiting = Status::AwaitingContract;
        // The 102 line charges nothing: there is no payment to wait for.
        assert_eq!(
            status_in(ServiceLine::Connection102, waiting),
            "待签订供用气合同"
        );
        assert_eq!(status_in(ServiceLine::OneStop, waiting), "待签约缴费");
        assert_eq!(status_in(ServiceLine::NewCommunity, waiting), "待签约缴费");
        assert_eq!(
            status_in(ServiceLine::Connection102, Status::GasOn),
            "已通气"
        );
    }
}
