//! The new residential community on the Chinese pages: the plot ledger,
//! the counter intake of a community, and the forms of the application
//! page that read lists typed one item a line (households, fee lines) and
//! money typed in yuan.

mod common;

use axum::http::StatusCode;
use common::{App, Page, USCC};
use gasdesk_domain::Role;
use gasdesk_domain::catalogue::PriceItem;

const PLOT: &str = "卢氏县滨河花园二期";
const DEVELOPER: &str = "卢氏县安居置业有限公司";
const LOCATION: &str = "城关镇滨河路北侧";
const LAYOUT: &str = "滨河路 DN200 中压管，北侧预留接口";

/// Everyone who works a community, signed in on the pages.
struct Team {
    designer: String,
    manager: String,
    owner: String,
    builder: String,
}

async fn team(app: &App) -> Team {
    Team {
        designer: app.sign_in("designer", "孙设计", Role::Designer).await,
        manager: app.sign_in("cm", "李经理", Role::CustomerManager).await,
        owner: app.sign_in("owner", "刘主管", Role::Supervisor).await,
        builder: app
            .sign_in("builder", "周施工", Role::ConstructionUnit)
            .await,
    }
}

/// Adds a plot on the ledger page and returns its id, read from the page.
async fn add_plot(app: &App, cookie: &str) -> String {
    let added = app
        .post(
            "/plots",
            &[
                ("name", PLOT),
                ("location", LOCATION),
                ("developer", DEVELOPER),
                ("source", "“多规合一”平台项目生成阶段"),
                ("source_pipeline_layout", ""),
            ],
            Some(cookie),
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = app.get("/plots", Some(cookie)).await;
    let at = page.body.find("id=\"plot-").expect("a ledger row") + "id=\"plot-".len();
    page.body[at..at + 36].to_string()
}

/// The counter intake of a community, as the form sends it.
fn community_intake<'a>(key: &'a str, manager_id: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("channel", "service_center"),
        ("line", "new_community"),
        ("assignee", manager_id),
        ("organisation", DEVELOPER),
        ("contact_name", "赵经理"),
        ("phone", "0398-3096777"),
        ("uscc", USCC[0]),
        ("site_address", LOCATION),
        ("source_pipeline_ready", "no"),
        ("facilities_ready", "no"),
        ("built_by", "company_built"),
        ("build_standard", "fitted"),
        ("idempotency_key", key),
    ]
}

async fn user_id(app: &App, username: &str) -> String {
    app.state
        .store
        .user_by_username(username)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}

/// Takes an action through its form on the application page, with the
/// version the page shows.
async fn act(app: &App, cookie: &str, number: &str, kind: &str, form: &[(&str, &str)]) -> Page {
    let address = format!("/applications/{number}");
    let page = app.get(&address, Some(cookie)).await;
    assert!(
        page.body.contains(&format!("/actions/{kind}\"")),
        "no form for {kind} on {}",
        page.body
    );
    let version = page.input_value("version").expect("a version");
    let mut fields = vec![("version", version.as_str())];
    fields.extend_from_slice(form);
    app.post(&format!("{address}/actions/{kind}"), &fields, Some(cookie))
        .await
}

async fn done(app: &App, cookie: &str, number: &str, kind: &str, form: &[(&str, &str)]) {
    let page = act(app, cookie, number, kind, form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{kind}: {}", page.body);
}

/// A community registered at the counter from a fresh ledger entry, with
/// `materials` ticked; returns its number.
async fn registered(app: &App, team: &Team, materials: &[&str]) -> String {
    let plot_id = add_plot(app, &team.designer).await;
    let manager_id = user_id(app, "cm").await;
    let mut form = community_intake("key-community", &manager_id);
    form.push(("plot_id", &plot_id));
    form.push(("appliance_stove", "on"));
    form.push(("appliance_water_heater", "on"));
    let ticked: Vec<String> = materials
        .iter()
        .map(|m| format!("community_material_{m}"))
        .collect();
    for name in &ticked {
        form.push((name, "on"));
    }
    let created = app.post("/intake", &form, Some(&team.manager)).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let number = created.location().split('?').next().unwrap();
    number.trim_start_matches("/applications/").to_string()
}

#[tokio::test]
async fn the_ledger_keeps_plots_and_their_layouts() {
    let app = App::start().await;
    let team = team(&app).await;
    let desk = app.sign_in("desk", "王前台", Role::ServiceStaff).await;

    let page = app.get("/plots", Some(&team.designer)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("href=\"/plots\""));
    assert!(page.body.contains("台账中暂无地块"));

    let refused = app
        .post(
            "/plots",
            &[
                ("name", " "),
                ("location", LOCATION),
                ("source", "政府部门征求意见"),
            ],
            Some(&team.designer),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("“名称”未填写或格式不正确"));
    assert_eq!(refused.input_value("location").as_deref(), Some(LOCATION));
    assert!(refused.body.contains("field invalid"));

    let id = add_plot(&app, &team.designer).await;
    let page = app.get("/plots?done=added", Some(&team.designer)).await;
    assert!(page.body.contains("已加入地块台账"));
    for text in [PLOT, LOCATION, DEVELOPER, "“多规合一”平台项目生成阶段"] {
        assert!(page.body.contains(text), "missing {text}");
    }
    // Learned now: Tuesday 3 March 2026, 10:00 Beijing time.
    assert!(page.body.contains("2026-03-03 10:00"));
    assert!(page.body.contains("登记人：孙设计"));
    assert!(page.body.contains("登记气源管线布局"));
    // A designer does not take applications: no link to intake.
    assert!(page.body.contains("尚未报装"));
    assert!(!page.body.contains("/intake?line=new_community"));

    let layout = format!("/plots/{id}/layout");
    let empty = app
        .post(
            &layout,
            &[("source_pipeline_layout", "  ")],
            Some(&team.designer),
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("“气源管线布局”未填写或格式不正确"));
    let saved = app
        .post(
            &layout,
            &[("source_pipeline_layout", LAYOUT)],
            Some(&team.designer),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), format!("/plots?done=layout#plot-{id}"));
    let page = app.get("/plots", Some(&team.manager)).await;
    assert!(page.body.contains(LAYOUT));
    assert!(page.body.contains("修改气源管线布局"));
    // A customer manager takes applications: the link opens intake for it.
    let link = format!("/intake?line=new_community&amp;plot_id={id}");
    assert!(page.body.contains(&link), "{}", page.body);

    let unknown = app
        .post(
            "/plots/00000000-0000-0000-0000-000000000000/layout",
            &[("source_pipeline_layout", LAYOUT)],
            Some(&team.designer),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // Counter staff neither see nor keep the ledger.
    let worklist = app.get("/worklist", Some(&desk)).await;
    assert!(!worklist.body.contains("href=\"/plots\""));
    let refused = app.get("/plots", Some(&desk)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = app
        .post(
            "/plots",
            &[("name", "x"), ("location", "y"), ("source", "z")],
            Some(&desk),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn intake_from_the_ledger_registers_the_community() {
    let app = App::start().await;
    let team = team(&app).await;
    let id = add_plot(&app, &team.designer).await;
    app.post(
        &format!("/plots/{id}/layout"),
        &[("source_pipeline_layout", LAYOUT)],
        Some(&team.designer),
    )
    .await;

    // The ledger's link fills in the line, the plot, the developer and the
    // location.
    let form = app
        .get(
            &format!("/intake?line=new_community&plot_id={id}"),
            Some(&team.manager),
        )
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("value=\"new_community\" selected"));
    assert!(
        form.body
            .contains(&format!("value=\"{id}\" selected>{PLOT}（{LOCATION}）"))
    );
    assert_eq!(form.input_value("organisation").as_deref(), Some(DEVELOPER));
    assert_eq!(form.input_value("site_address").as_deref(), Some(LOCATION));
    for text in ["毛坯", "精装修", "燃气灶", "燃气热水器", "燃气地暖"] {
        assert!(form.body.contains(text), "missing {text}");
    }
    assert!(form.body.contains("开发商营业执照"));
    assert!(form.body.contains("规划许可证及规划附图"));
    let key = form.input_value("idempotency_key").unwrap();
    let manager_id = user_id(&app, "cm").await;

    // A shell community has no appliances of the developer's.
    let mut shell = community_intake(&key, &manager_id);
    shell.retain(|(k, _)| *k != "build_standard");
    shell.push(("build_standard", "shell"));
    shell.push(("plot_id", &id));
    shell.push(("appliance_stove", "on"));
    let refused = app.post("/intake", &shell, Some(&team.manager)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("毛坯交付的小区没有开发商配置的燃气设备")
    );
    assert!(
        refused
            .body
            .contains("name=\"appliance_stove\" value=\"on\" checked")
    );
    assert!(refused.body.contains("value=\"shell\" checked"));
    assert!(refused.body.contains(&format!("value=\"{id}\" selected")));

    let mut unanswered = community_intake(&key, &manager_id);
    unanswered.retain(|(k, _)| *k != "build_standard");
    let refused = app.post("/intake", &unanswered, Some(&team.manager)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("请选择小区建设标准：毛坯或精装修。"));

    let mut fitted = community_intake(&key, &manager_id);
    fitted.push(("plot_id", &id));
    fitted.push(("appliance_water_heater", "on"));
    fitted.push(("appliance_stove", "on"));
    fitted.push(("community_material_developer_licence", "on"));
    let created = app.post("/intake", &fitted, Some(&team.manager)).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let page = app.get(created.location(), Some(&team.manager)).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "新建住宅小区燃气预埋",
        "设计配合中",
        PLOT,
        LAYOUT,
        "精装修",
        "燃气灶、燃气热水器",
        "开发商营业执照：已提供",
        "规划许可证及规划附图：待补交（容缺受理）",
        "延伸服务线索，待推荐",
        "开发商配置：燃气灶、燃气热水器",
        "尚未提交图纸",
        "设计院联系开发商",
    ] {
        assert!(page.body.contains(text), "missing {text}");
    }
    let number = created.location().split('?').next().unwrap();
    let number = number.trim_start_matches("/applications/");

    // The ledger now links the application, and intake no longer offers
    // the plot.
    let ledger = app.get("/plots", Some(&team.manager)).await;
    assert!(
        ledger
            .body
            .contains(&format!("<a href=\"/applications/{number}\">{number}</a>"))
    );
    let form = app.get("/intake", Some(&team.manager)).await;
    assert!(!form.body.contains(&format!("value=\"{id}\"")));
    // A second application from the same plot is refused.
    let mut again = community_intake("key-again", &manager_id);
    again.push(("plot_id", &id));
    let refused = app.post("/intake", &again, Some(&team.manager)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("所选地块已有报装申请"),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn households_are_typed_one_a_line() {
    let app = App::start().await;
    let team = team(&app).await;
    let number = registered(&app, &team, &[]).await;

    let bad = "1号楼,1单元,1,101\n1号楼 1单元 1 102";
    let refused = act(
        &app,
        &team.builder,
        &number,
        "register_households",
        &[("households", bad)],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains(
            "住户信息第2行“1号楼 1单元 1 102”应为“楼栋,单元,楼层,户号”四项，用逗号分隔。"
        ),
        "{}",
        refused.body
    );
    // The form comes back open with what was typed.
    assert!(refused.body.contains(&format!(">{bad}</textarea>")));

    let twice = "1号楼,1单元,1,101\n1号楼，1单元，1，101";
    let refused = act(
        &app,
        &team.builder,
        &number,
        "register_households",
        &[("households", twice)],
    )
    .await;
    assert!(refused.body.contains("住户信息第2行与第1行是同一户。"));
    let refused = act(
        &app,
        &team.builder,
        &number,
        "register_households",
        &[("households", "1号楼,,1,101")],
    )
    .await;
    assert!(refused.body.contains("住户信息第1行缺少单元。"));
    let refused = act(
        &app,
        &team.builder,
        &number,
        "register_households",
        &[("households", "\n \n")],
    )
    .await;
    assert!(refused.body.contains("请填写住户信息"));

    let good = "1号楼,1单元,1,101\r\n\r\n1号楼，1单元，1，102\r\n2号楼\t1单元\t3\t301";
    done(
        &app,
        &team.builder,
        &number,
        "register_households",
        &[("households", good)],
    )
    .await;
    let page = app
        .get(&format!("/applications/{number}"), Some(&team.manager))
        .await;
    assert!(page.body.contains("共3户，已开户0户。"));
    assert!(page.body.contains("<td>2号楼</td>"));
    assert!(page.body.contains("<td>301</td>"));
    assert!(page.body.contains("录入户数：3户"));

    // An address entered before is refused by the rules, in Chinese.
    let refused = act(
        &app,
        &team.builder,
        &number,
        "register_households",
        &[("households", "2号楼,1单元,3,301")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("同一户不能重复录入"));
}

/// Design cooperation through the pages, the design plan returned once.
async fn drawings_passed(app: &App, team: &Team, number: &str) {
    let (designer, owner) = (&team.designer, &team.owner);
    done(app, designer, number, "contact_developer", &[]).await;
    let source = [
        ("drawing_kind", "source_pipeline"),
        ("summary", "气源管线接入设计 DN110"),
    ];
    done(app, designer, number, "submit_drawing", &source).await;
    let pass = |n: &'static str| [("drawing", n), ("passed", "yes"), ("reasons", "")];
    done(app, owner, number, "review_drawing", &pass("1")).await;
    done(app, designer, number, "receive_design_data", &[]).await;
    let plan = [("drawing_kind", "design_plan"), ("summary", "设计方案 v1")];
    done(app, designer, number, "submit_drawing", &plan).await;
    let back = [
        ("drawing", "2"),
        ("passed", "no"),
        ("reasons", "调压箱距外墙不足\n\n庭院管走向与绿化冲突"),
    ];
    done(app, owner, number, "review_drawing", &back).await;
    let plan = [("drawing_kind", "design_plan"), ("summary", "设计方案 v2")];
    done(app, designer, number, "submit_drawing", &plan).await;
    done(app, owner, number, "review_drawing", &pass("3")).await;
    let courtyard = [("drawing_kind", "courtyard"), ("summary", "庭院管施工图")];
    done(app, designer, number, "submit_drawing", &courtyard).await;
    let building = [("drawing_kind", "building"), ("summary", "户内管施工图")];
    done(app, designer, number, "submit_drawing", &building).await;
    done(app, owner, number, "review_drawing", &pass("4")).await;
    done(app, owner, number, "review_drawing", &pass("5")).await;
}

#[tokio::test]
async fn a_returned_drawing_stays_with_its_reasons() {
    let app = App::start().await;
    let team = team(&app).await;
    let number = registered(&app, &team, &["developer_licence", "planning_permit"]).await;
    done(&app, &team.designer, &number, "contact_developer", &[]).await;
    let source = [("drawing_kind", "source_pipeline"), ("summary", "气源管线")];
    done(&app, &team.designer, &number, "submit_drawing", &source).await;

    let unreasoned = act(
        &app,
        &team.owner,
        &number,
        "review_drawing",
        &[("drawing", "1"), ("passed", "no"), ("reasons", " \n ")],
    )
    .await;
    assert_eq!(unreasoned.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unreasoned
            .body
            .contains("退回图纸须填写退回原因，每行一条。")
    );
    let undecided = act(
        &app,
        &team.owner,
        &number,
        "review_drawing",
        &[("drawing", "1"), ("reasons", "")],
    )
    .await;
    assert!(undecided.body.contains("请选择审查结论：通过或退回修改。"));
    let reasons = [
        ("drawing", "1"),
        ("passed", "no"),
        ("reasons", "接口位置待定"),
    ];
    done(&app, &team.owner, &number, "review_drawing", &reasons).await;
    let v2 = [
        ("drawing_kind", "source_pipeline"),
        ("summary", "气源管线 v2"),
    ];
    done(&app, &team.designer, &number, "submit_drawing", &v2).await;

    let page = app
        .get(&format!("/applications/{number}"), Some(&team.owner))
        .await;
    assert!(page.body.contains("已退回"));
    assert!(page.body.contains("<li>接口位置待定</li>"));
    assert!(page.body.contains("第2版"));
    assert!(page.body.contains("待审查"));
    assert!(
        page.body
            .contains("第2号 气源管线接入设计 第2版：气源管线 v2")
    );
}

#[tokio::test]
async fn fee_lines_and_payments_are_read_to_the_fen() {
    let app = App::start().await;
    let team = team(&app).await;
    let items = [
        ("PT-HH", "小区燃气配套建设费（按户）", "户", 300_000),
        ("PT-M2", "小区燃气配套建设费（按面积）", "平方米", 2_500),
    ]
    .map(|(code, name, unit, fen)| PriceItem {
        code: code.into(),
        name: name.into(),
        unit: unit.into(),
        unit_price_fen: fen,
    });
    app.sign_in("planning", "钱经营", Role::BusinessPlanning)
        .await;
    let planner = app.state.store.user_by_username("planning").await.unwrap();
    let planner = gasdesk_web::auth::Staff(planner.unwrap());
    gasdesk_web::service::publish_catalogue(&app.state, &planner, &items, None)
        .await
        .unwrap();
    let number = registered(&app, &team, &["developer_licence", "planning_permit"]).await;
    drawings_passed(&app, &team, &number).await;

    let page = app
        .get(&format!("/applications/{number}"), Some(&team.manager))
        .await;
    assert!(page.body.contains("待签约缴费"));
    assert!(
        page.body
            .contains("PT-HH 小区燃气配套建设费（按户）：¥3,000.00/户")
    );
    assert!(page.body.contains("<li>调压箱距外墙不足</li>"));
    assert!(page.body.contains("<li>庭院管走向与绿化冲突</li>"));

    let contract = |fee: &'static str| {
        [
            ("contract_number", "YM-2026-012"),
            ("fee", fee),
            ("extended_contracts", "燃气灶供货安装合同 YS-2026-08"),
        ]
    };
    for (fee, message) in [
        ("PT-HH 十", "配套费第1行的数量“十”应为正整数。"),
        (
            "PT-HH120",
            "配套费第1行“PT-HH120”应为“编码 数量”，如“PT-HH 120”。",
        ),
        (
            "PT-HH 120\nPT-HH 1",
            "配套费第2行的编码“PT-HH”与第1行重复，请合并为一行。",
        ),
        ("", "请填写配套费计费项目"),
        ("PT-XX 1", "报价中有价格清单里没有的项目"),
    ] {
        let refused = act(
            &app,
            &team.manager,
            &number,
            "sign_community_contract",
            &contract(fee),
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{fee}");
        assert!(refused.body.contains(message), "{fee}: {}", refused.body);
        assert!(
            refused.body.contains(&format!(">{fee}</textarea>")),
            "{fee}"
        );
    }

    // 120 households at 3,000.00 yuan and 8,500 m² at 25.00 yuan.
    let fee = "PT-HH 120\nPT-M2 8500";
    done(
        &app,
        &team.manager,
        &number,
        "sign_community_contract",
        &contract(fee),
    )
    .await;
    let page = app
        .get(&format!("/applications/{number}"), Some(&team.manager))
        .await;
    for text in [
        "¥3,000.00",
        "¥360,000.00",
        "¥25.00",
        "¥212,500.00",
        "<td class=\"num total\">¥572,500.00</td>",
        "<td class=\"num outstanding\">¥572,500.00</td>",
        "燃气灶供货安装合同 YS-2026-08",
        "小区燃气管道预埋合同编号",
    ] {
        assert!(page.body.contains(text), "missing {text}");
    }
    // The payment form starts from what is outstanding.
    assert_eq!(page.input_value("amount").as_deref(), Some("572500.00"));

    for (amount, message) in [
        ("12.345", "缴费金额格式不正确"),
        ("-1", "缴费金额格式不正确"),
        ("0", "缴费金额须大于 0 元。"),
        ("", "请填写缴费金额（元）。"),
        ("572,500.01", "缴费金额超过报价总额"),
    ] {
        let refused = act(
            &app,
            &team.manager,
            &number,
            "record_payment",
            &[
                ("amount", amount),
                ("receipt_number", "PT-1"),
                ("method", "对公转账"),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{amount}");
        assert!(refused.body.contains(message), "{amount}: {}", refused.body);
    }
    done(
        &app,
        &team.manager,
        &number,
        "record_payment",
        &[
            ("amount", "¥100,000.50"),
            ("receipt_number", "PT-1"),
            ("method", "对公转账"),
        ],
    )
    .await;
    let page = app
        .get(&format!("/applications/{number}"), Some(&team.manager))
        .await;
    // 572,500.00 - 100,000.50 = 472,499.50
    assert!(
        page.body
            .contains("<td class=\"num paid\">¥100,000.50</td>")
    );
    assert!(
        page.body
            .contains("<td class=\"num outstanding\">¥472,499.50</td>")
    );
    assert_eq!(page.input_value("amount").as_deref(), Some("472499.50"));
    assert!(page.body.contains("待签约缴费"));

    done(
        &app,
        &team.manager,
        &number,
        "record_payment",
        &[
            ("amount", "472499.5"),
            ("receipt_number", "PT-2"),
            ("method", "对公转账"),
        ],
    )
    .await;
    let page = app
        .get(&format!("/applications/{number}"), Some(&team.manager))
        .await;
    assert!(
        page.body
            .contains("<td class=\"num outstanding\">¥0.00</td>")
    );
    assert!(page.body.contains("已缴清"));
    assert!(page.body.contains("施工中"));
}
