//! The forms of the new residential community line on the application
//! page: reading them into an action, their defaults, selects and hints.
//! The shared steps it goes through (materials, payment, extended
//! services, waiting on the applicant) have the application page's forms;
//! this module gives them what they need of a community: the supporting
//! fee, paid and still to pay.
//!
//! Lists are typed one item a line: households as `楼栋,单元,楼层,户号`,
//! fee lines as `编码 数量`, reasons and contracts one a line. Payments
//! are typed in yuan and read by `parse`, like every amount.

use std::collections::HashMap;

use gasdesk_domain::application::Application;
use gasdesk_domain::catalogue::{PriceCatalogue, QuoteRequestLine};
use gasdesk_domain::community::{CommunityCase, DrawingKind, HouseholdAddress};
use gasdesk_domain::connection::{Action, normalise_width};

use super::Fault;
use super::community_view::drawing_kind_name;
use super::fields::{Fields, local};
use super::view::Opt;
use crate::text::yuan;

/// The action kinds whose forms this module reads.
const KINDS: [&str; 10] = [
    "contact_developer",
    "receive_design_data",
    "submit_drawing",
    "review_drawing",
    "sign_community_contract",
    "add_milestone",
    "note_progress",
    "register_households",
    "request_gas_on",
    "open_account",
];

/// The most households one entry may add; the rules refuse more, and the
/// form says so before it gets there.
const HOUSEHOLDS_PER_ENTRY: usize = 2_000;
/// The most lines a fee may have.
const FEE_LINES_MAX: usize = 200;
/// Each part of a household's address is short.
const ADDRESS_PART_MAX: usize = 20;

/// Reads the form of `kind` into an action, or nothing when `kind` is not
/// one of this module's forms.
pub(super) fn action(kind: &str, f: &Fields) -> Option<Result<Action, Fault>> {
    KINDS.contains(&kind).then(|| parse(kind, f))
}

fn parse(kind: &str, f: &Fields) -> Result<Action, Fault> {
    let action = match kind {
        "contact_developer" => Action::ContactDeveloper {},
        "receive_design_data" => Action::ReceiveDesignData {},
        "submit_drawing" => Action::SubmitDrawing {
            kind: drawing_kind(f.text("drawing_kind"))?,
            summary: f.text("summary").to_string(),
        },
        "review_drawing" => {
            let passed = f.yes_no("passed", "请选择审查结论：通过或退回修改。")?;
            let reasons = lines(f.text("reasons"));
            if !passed && reasons.is_empty() {
                return Err(Fault::invalid(
                    "reasons",
                    "退回图纸须填写退回原因，每行一条。",
                ));
            }
            Action::ReviewDrawing {
                drawing: number(f, "drawing", "请选择要审查的图纸。")?,
                passed,
                reasons,
            }
        }
        "sign_community_contract" => Action::SignCommunityContract {
            contract_number: f.text("contract_number").to_string(),
            fee: fee_lines(f.text("fee"))?,
            extended_contracts: lines(f.text("extended_contracts")),
        },
        "add_milestone" => Action::AddMilestone {
            building: f.text("building").to_string(),
            description: f.text("description").to_string(),
            planned_at: f.required_time("planned_at", "请填写计划完成时间。")?,
        },
        "note_progress" => Action::NoteProgress {
            milestone: number(f, "milestone", "请选择施工节点。")? as usize,
            progress: f.optional("progress"),
            quality: f.optional("quality"),
            reached: f.ticked("reached"),
        },
        "register_households" => Action::RegisterHouseholds {
            households: households(f.text("households"))?,
        },
        "request_gas_on" => Action::RequestGasOn {},
        "open_account" => Action::OpenAccount {
            household: number(f, "household", "请选择开户的住户。")?,
            account_number: f.text("account_number").to_string(),
        },
        _ => return Err(Fault::bad_form()),
    };
    Ok(action)
}

/// The non-empty lines of a textarea, trimmed.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A numbered item chosen in a select (a drawing, a household).
fn number(f: &Fields, name: &'static str, message: &str) -> Result<u32, Fault> {
    f.text(name)
        .trim()
        .parse()
        .map_err(|_| Fault::invalid(name, message))
}

fn drawing_kind(value: &str) -> Result<DrawingKind, Fault> {
    DrawingKind::ALL
        .into_iter()
        .find(|k| drawing_kind_value(*k) == value)
        .ok_or_else(|| Fault::invalid("drawing_kind", "请选择图纸类型。"))
}

/// How a drawing kind is sent by the form.
pub(super) fn drawing_kind_value(kind: DrawingKind) -> &'static str {
    match kind {
        DrawingKind::SourcePipeline => "source_pipeline",
        DrawingKind::DesignPlan => "design_plan",
        DrawingKind::Building => "building",
        DrawingKind::Courtyard => "courtyard",
    }
}

/// Reads the households typed one a line, `楼栋,单元,楼层,户号`, with
/// ASCII or Chinese commas (or tabs, as a spreadsheet copies them).
pub fn households(text: &str) -> Result<Vec<HouseholdAddress>, Fault> {
    const PARTS: [&str; 4] = ["楼栋", "单元", "楼层", "户号"];
    let bad = |message: String| Fault::invalid("households", &message);
    let mut seen: HashMap<HouseholdAddress, usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = normalise_width(line);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split([',', '，', '\t']).map(str::trim).collect();
        if parts.len() != PARTS.len() {
            return Err(bad(format!(
                "住户信息第{n}行“{}”应为“楼栋,单元,楼层,户号”四项，用逗号分隔。",
                shortened(line)
            )));
        }
        for (part, label) in parts.iter().zip(PARTS) {
            if part.is_empty() {
                return Err(bad(format!("住户信息第{n}行缺少{label}。")));
            }
            if part.chars().count() > ADDRESS_PART_MAX {
                return Err(bad(format!(
                    "住户信息第{n}行的{label}超过{ADDRESS_PART_MAX}个字。"
                )));
            }
        }
        let address = HouseholdAddress {
            building: parts[0].to_string(),
            unit: parts[1].to_string(),
            floor: parts[2].to_string(),
            door: parts[3].to_string(),
        };
        if let Some(first) = seen.insert(address.clone(), n) {
            return Err(bad(format!("住户信息第{n}行与第{first}行是同一户。")));
        }
        out.push(address);
    }
    if out.is_empty() {
        return Err(bad(
            "请填写住户信息：每行一户，格式为“楼栋,单元,楼层,户号”。".to_string(),
        ));
    }
    if out.len() > HOUSEHOLDS_PER_ENTRY {
        return Err(bad(format!(
            "一次最多录入{HOUSEHOLDS_PER_ENTRY}户，本次填写了{}户，请分批录入。",
            out.len()
        )));
    }
    Ok(out)
}

/// Reads the supporting fee typed one item a line, `编码 数量`.
pub fn fee_lines(text: &str) -> Result<Vec<QuoteRequestLine>, Fault> {
    let bad = |message: String| Fault::invalid("fee", &message);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = normalise_width(line);
        let tokens: Vec<&str> = line.split_whitespace().collect();
        match tokens.as_slice() {
            [] => continue,
            [code, quantity] => {
                let positive = quantity.bytes().all(|b| b.is_ascii_digit());
                let quantity = match quantity.parse::<i64>() {
                    Ok(q) if positive && q > 0 => q,
                    _ => {
                        return Err(bad(format!(
                            "配套费第{n}行的数量“{}”应为正整数。",
                            shortened(quantity)
                        )));
                    }
                };
                if let Some(first) = seen.insert(code.to_string(), n) {
                    return Err(bad(format!(
                        "配套费第{n}行的编码“{}”与第{first}行重复，请合并为一行。",
                        shortened(code)
                    )));
                }
                out.push(QuoteRequestLine {
                    code: code.to_string(),
                    quantity,
                });
            }
            _ => {
                return Err(bad(format!(
                    "配套费第{n}行“{}”应为“编码 数量”，如“PT-HH 120”。",
                    shortened(line.trim())
                )));
            }
        }
    }
    if out.is_empty() {
        return Err(bad(
            "请填写配套费计费项目：每行“编码 数量”，如“PT-HH 120”。".to_string(),
        ));
    }
    if out.len() > FEE_LINES_MAX {
        return Err(bad(format!("配套费计费项目最多{FEE_LINES_MAX}行。")));
    }
    Ok(out)
}

/// What a message quotes of a line typed: enough to find it.
fn shortened(text: &str) -> String {
    const SHOWN: usize = 30;
    if text.chars().count() <= SHOWN {
        text.to_string()
    } else {
        let head: String = text.chars().take(SHOWN).collect();
        format!("{head}…")
    }
}

/// What the forms need beyond the application: the price catalogue in
/// force, for the codes a fee line names.
pub(super) struct Extras<'a> {
    pub catalogue: Option<&'a PriceCatalogue>,
}

/// What a form of this module holds before anyone typed in it.
pub(super) fn defaults(kind: &str, app: &Application) -> HashMap<String, String> {
    let mut values = HashMap::new();
    if !KINDS.contains(&kind) {
        return values;
    }
    let mut set = |name: &str, value: String| {
        values.insert(name.to_string(), value);
    };
    let empty = CommunityCase::default();
    let c = app.community.as_ref().unwrap_or(&empty);
    match kind {
        "submit_drawing" => {
            if let Some(k) = next_drawing(c) {
                set("drawing_kind", drawing_kind_value(k).to_string());
            }
        }
        "note_progress" => {
            if let Some(i) = c.milestones.iter().position(|m| m.reached_at.is_none()) {
                set("milestone", (i + 1).to_string());
            }
        }
        "open_account" => {
            if let Some(h) = c.households.iter().find(|h| h.account_number.is_none()) {
                set("household", h.number.to_string());
            }
        }
        _ => {}
    }
    values
}

/// The supporting fee still to pay, once the contract priced it.
pub(super) fn fee_outstanding(app: &Application) -> Option<i64> {
    let c = app.community.as_ref()?;
    let fee = c.fee.as_ref()?;
    fee.total_fen.checked_sub(paid(c)?).filter(|left| *left > 0)
}

/// What the payments so far add up to.
fn paid(c: &CommunityCase) -> Option<i64> {
    gasdesk_domain::catalogue::sum(c.payments.iter().map(|p| p.amount_fen))
}

/// What a shared form shows of a community before it is confirmed: the
/// payment form, the supporting fee and what is left of it.
pub(super) fn form_facts(kind: &str, app: &Application) -> Vec<(String, String)> {
    let Some(c) = app.community.as_ref() else {
        return Vec::new();
    };
    match (kind, c.fee.as_ref(), paid(c)) {
        ("record_payment", Some(fee), Some(paid)) => vec![
            ("配套费合计".into(), yuan(fee.total_fen)),
            ("已缴".into(), yuan(paid)),
            (
                "待缴".into(),
                yuan(fee.total_fen.saturating_sub(paid).max(0)),
            ),
        ],
        _ => Vec::new(),
    }
}

/// The drawing the designer most likely submits next.
fn next_drawing(c: &CommunityCase) -> Option<DrawingKind> {
    let open = |k: DrawingKind| {
        c.latest(k)
            .is_none_or(|d| d.review.as_ref().is_some_and(|r| !r.passed))
    };
    let ready = |k: DrawingKind| match k {
        DrawingKind::SourcePipeline => true,
        DrawingKind::DesignPlan => c.design_data_received_at.is_some(),
        _ => c.passed(DrawingKind::DesignPlan),
    };
    DrawingKind::ALL.into_iter().find(|k| ready(*k) && open(*k))
}

/// The selects of a form of this module by field name, or nothing for
/// other forms.
pub(super) fn selects(
    kind: &str,
    app: &Application,
    extras: &Extras<'_>,
    values: &HashMap<String, String>,
) -> Option<Vec<(&'static str, Vec<Opt>)>> {
    let current = |name: &str| values.get(name).cloned().unwrap_or_default();
    if !KINDS.contains(&kind) {
        return None;
    }
    let empty = CommunityCase::default();
    let c = app.community.as_ref().unwrap_or(&empty);
    let selects = match kind {
        "submit_drawing" => {
            let chosen = current("drawing_kind");
            let kinds = DrawingKind::ALL
                .into_iter()
                .map(|k| Opt::new(drawing_kind_value(k), drawing_kind_name(k), &chosen))
                .collect();
            vec![("drawing_kind", kinds)]
        }
        "review_drawing" => {
            let chosen = current("drawing");
            let drawings = c
                .drawings
                .iter()
                .filter(|d| d.review.is_none())
                .map(|d| {
                    let label = format!(
                        "第{}号 {} 第{}版：{}（{} 提交）",
                        d.number,
                        drawing_kind_name(d.kind),
                        d.version,
                        d.summary,
                        local(d.submitted_at)
                    );
                    Opt::new(&d.number.to_string(), &label, &chosen)
                })
                .collect();
            vec![("drawing", drawings)]
        }
        "note_progress" => {
            let chosen = current("milestone");
            let milestones = c
                .milestones
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let label = format!(
                        "{} {}（计划 {}）",
                        m.building,
                        m.description,
                        local(m.planned_at)
                    );
                    Opt::new(&(i + 1).to_string(), &label, &chosen)
                })
                .collect();
            vec![("milestone", milestones)]
        }
        "open_account" => {
            let chosen = current("household");
            let households = c
                .households
                .iter()
                .filter(|h| h.account_number.is_none())
                .map(|h| {
                    let a = &h.address;
                    let label = format!("{} / {} / {} / {}", a.building, a.unit, a.floor, a.door);
                    Opt::new(&h.number.to_string(), &label, &chosen)
                })
                .collect();
            vec![("household", households)]
        }
        // The catalogue's items, for the codes a fee line names.
        "sign_community_contract" => {
            let items = extras
                .catalogue
                .map(|cat| cat.items.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|i| {
                    let label = format!(
                        "{} {}：{}/{}",
                        i.code,
                        i.name,
                        yuan(i.unit_price_fen),
                        i.unit
                    );
                    Opt::new(&i.code, &label, "")
                })
                .collect();
            vec![("fee", items)]
        }
        _ => Vec::new(),
    };
    Some(selects)
}

/// What a form of this module asks for, in a sentence.
pub(super) fn hint(kind: &str) -> Option<&'static str> {
    let hint = match kind {
        "contact_developer" => "设计院接到设计委托后0.5个工作日内主动联系开发商，沟通或踏勘现场。",
        "receive_design_data" => "开发商的设计资料已收到：自此起2个工作日内出设计方案。",
        "submit_drawing" => {
            "先行提交气源管线接入设计；收到开发商资料后提交设计方案；设计方案审查通过后，\
             户内管施工图2个工作日内、庭院管施工图1个工作日内出图。被退回的图纸提交新版本。"
        }
        "review_drawing" => "建设管理单位审查图纸：通过，或退回修改并写明原因（每行一条）。",
        "sign_community_contract" => {
            "施工图出图后签订《新建住宅小区燃气管道预埋合同》，按价格清单计收配套费；\
             提供延伸服务的，同步签订服务合同。"
        }
        "add_milestone" => "按开发商主体施工进度录入配合施工的节点。",
        "note_progress" => "登记施工节点的进度和质量情况；节点完成的请勾选。",
        "register_households" => {
            "按楼栋结构测绘结果录入住户，每行一户：楼栋,单元,楼层,户号（可用中文逗号，\
             或从表格直接粘贴）。"
        }
        "request_gas_on" => {
            "气源管线和小区工程已建成、楼栋结构测绘已录入后，开发商提出通气：\
             自此起2个工作日内完成验收通气。"
        }
        "open_account" => "通气后住户即可开户：选择住户，填写燃气户号。",
        _ => return None,
    };
    Some(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn households_are_read_one_a_line() {
        let read =
            households("1号楼,1单元,1,101\r\n\n 1号楼，1单元，1，102 \n2号楼\t2单元\t3\t301")
                .unwrap();
        let doors: Vec<(&str, &str)> = read
            .iter()
            .map(|h| (h.building.as_str(), h.door.as_str()))
            .collect();
        assert_eq!(
            doors,
            [("1号楼", "101"), ("1号楼", "102"), ("2号楼", "301")]
        );
        assert_eq!(read[2].unit, "2单元");
        assert_eq!(read[2].floor, "3");
    }

    #[test]
    fn a_bad_household_line_is_named_by_its_number() {
        let message = |text: &str| households(text).unwrap_err().message;
        assert_eq!(
            message("1号楼,1单元,1,101\n1号楼,1单元,102"),
            "住户信息第2行“1号楼,1单元,102”应为“楼栋,单元,楼层,户号”四项，用逗号分隔。"
        );
        assert_eq!(message("1号楼,,1,101"), "住户信息第1行缺少单元。");
        assert_eq!(
            message("1号楼,1单元,1,101\n\n1号楼,1单元,1,101"),
            "住户信息第3行与第1行是同一户。"
        );
        assert_eq!(
            message(&format!("1号楼,1单元,1,{}", "1".repeat(21))),
            "住户信息第1行的户号超过20个字。"
        );
        assert_eq!(
            message(" \n"),
            "请填写住户信息：每行一户，格式为“楼栋,单元,楼层,户号”。"
        );
        let many: String = (1..=2001).map(|i| format!("1号楼,1单元,1,{i}\n")).collect();
        assert_eq!(
            message(&many),
            "一次最多录入2000户，本次填写了2001户，请分批录入。"
        );
        assert_eq!(households("a,b,c").unwrap_err().field, Some("households"));
    }

    #[test]
    fn fee_lines_are_code_and_quantity() {
        let read = fee_lines("PT-HH 120\n\n  PT-M2\t８５００ ").unwrap();
        assert_eq!(
            read,
            [
                QuoteRequestLine {
                    code: "PT-HH".into(),
                    quantity: 120
                },
                QuoteRequestLine {
                    code: "PT-M2".into(),
                    quantity: 8_500
                },
            ]
        );
        let message = |text: &str| fee_lines(text).unwrap_err().message;
        assert_eq!(
            message("PT-HH"),
            "配套费第1行“PT-HH”应为“编码 数量”，如“PT-HH 120”。"
        );
        assert_eq!(
            message("PT-HH 120\nPT-M2 1.5"),
            "配套费第2行的数量“1.5”应为正整数。"
        );
        assert_eq!(message("PT-HH 0"), "配套费第1行的数量“0”应为正整数。");
        assert_eq!(message("PT-HH -3"), "配套费第1行的数量“-3”应为正整数。");
        assert_eq!(
            message("PT-HH 99999999999999999999"),
            "配套费第1行的数量“99999999999999999999”应为正整数。"
        );
        assert_eq!(
            message("PT-HH 1\nPT-HH 2"),
            "配套费第2行的编码“PT-HH”与第1行重复，请合并为一行。"
        );
        assert_eq!(
            message(""),
            "请填写配套费计费项目：每行“编码 数量”，如“PT-HH 120”。"
        );
        assert_eq!(fee_lines("x").unwrap_err().field, Some("fee"));
    }
}
