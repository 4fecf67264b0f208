//! The pages in a real browser, with the forms, labels and buttons people
//! use:
//!
//! - the 102 line: an applicant applies online, a customer manager signs in
//!   and takes the application to gas-on;
//! - the one-stop line: the Business Planning Dept publishes the price
//!   catalogue, the counter registers a pre-accepted application, and the
//!   customer manager, the designer, the construction unit and the
//!   operations unit each sign in and do their part, up to gas-on.
//!
//! It drives Debian's headless Chromium through `chromedriver`, both started
//! here and stopped again however the test ends. Without them the test says
//! so and passes, unless `GASDESK_REQUIRE_BROWSER` is set (as in CI), when it
//! fails. Times are Beijing time on the server's test clock; the browser's
//! own clock plays no part.

use std::future::Future;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::*;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use gasdesk_domain::Role;
use serde_json::{Value, json};

/// The longest any single wait may take: a page, an element, the driver.
const WAIT: Duration = Duration::from_secs(30);
/// The longest the 102 story may take in the browser.
const STORY_LIMIT: Duration = Duration::from_secs(180);
/// The one-stop story has five people and sixteen steps.
const ONE_STOP_LIMIT: Duration = Duration::from_secs(420);

const MANAGER: &str = "li";
const MANAGER_NAME: &str = "李经理";
const MANAGER_PASSWORD: &str = "browser test password";

/// One browser at a time: two Chromiums on a small machine make each
/// other's waits run out.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn online_application_goes_from_the_form_to_gas_on_in_a_browser() {
    let Some(browser) = Browser::installed() else {
        return;
    };
    let server = Arc::new(TestServer::start().await);
    server.at("2026-03-03T10:00");
    let manager = server
        .staff_with_password(
            MANAGER,
            MANAGER_NAME,
            Role::CustomerManager,
            MANAGER_PASSWORD,
        )
        .await;

    let on_server = server.clone();
    let number = in_browser(&browser, "gasdesk-browser-test", STORY_LIMIT, |client| {
        story(client, on_server)
    })
    .await;
    check_the_record(&server, &manager, &number).await;
}

/// Runs a story in a fresh Chromium and returns what it returns. The story
/// runs as its own task, so that a failed assertion still leaves the
/// screenshot and the closed session behind it.
async fn in_browser<T, F, Fut>(browser: &Browser, name: &str, limit: Duration, story: F) -> T
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let _alone = ONE_BROWSER.lock().await;
    let driver = Chromedriver::start(browser).await;
    let client = driver.connect(browser).await;

    let mut story = tokio::spawn(story(client.clone()));
    let outcome = tokio::time::timeout(limit, &mut story).await;
    if outcome.is_err() {
        story.abort();
    }
    screenshot(&client, name).await;
    let _ = tokio::time::timeout(WAIT, client.close()).await;
    drop(driver);
    match outcome {
        Ok(Ok(value)) => value,
        Ok(Err(failed)) => std::panic::resume_unwind(failed.into_panic()),
        Err(_) => panic!("the browser story {name} took longer than {limit:?}"),
    }
}

/// Everything done in the browser; returns the application number.
async fn story(client: Client, server: Arc<TestServer>) -> String {
    let c = &client;
    c.set_window_size(1280, 1600).await.expect("window size");

    let number = apply_online(c, &server).await;
    open_from_worklist(c, &server, &number).await;
    take_to_gas_on(c, &server, &number).await;

    assert_eq!(text(c, ".badge").await, "已通气");
    let gas_on = deadline_row(c, "受理至通气").await;
    assert_eq!(
        gas_on,
        [
            "受理至通气",
            "2026-03-04 10:00",
            // 10:00-12:00 and 14:30-18:00 on Tuesday, 08:30-09:30 on Wednesday.
            "2026-03-04 09:30 完成，用时6小时30分",
            "按时完成",
        ]
    );
    let call = deadline_row(c, "客户经理电话联系用户").await;
    assert_eq!(call[1], "2026-03-03 11:00");
    assert_eq!(call[3], "按时完成");
    number
}

/// The applicant, in a browser without a session, fills the online form.
async fn apply_online(c: &Client, server: &TestServer) -> String {
    server.at("2026-03-03T10:00");
    goto(c, server, "/apply").await;
    assert_eq!(text(c, "h1").await, "网上申请燃气报装");

    fill(c, "#organisation", "卢氏县浏览器测试餐饮有限公司").await;
    fill(c, "#uscc", USCC[0]).await;
    fill(c, "#contact_name", "张三").await;
    fill(c, "#phone", "13800138000").await;
    fill(c, "#site_address", "卢氏县城关镇建设路1号").await;
    click(c, "input[name='source_pipeline_ready'][value='yes']").await;
    click(c, "input[name='facilities_ready'][value='yes']").await;
    click(c, "input[name='built_by'][value='self_built']").await;
    press(c, "form[action='/apply']", "提交申请").await;
    wait_for_page(c, "the confirmation page", |path, _| {
        path.starts_with("/apply/done/")
    })
    .await;

    assert_eq!(text(c, "h1").await, "申请已提交");
    let number = text(c, ".number-box strong").await;
    assert!(number.starts_with("BZ20260303-"), "number {number}");
    assert_eq!(text(c, ".status").await, "待客户经理电话联系");
    // The first call within 1 working hour, gas-on within 1 working day:
    // 5.5 h on Tuesday and 1.5 h from 08:30 on Wednesday.
    let steps = texts(c, "ol.steps strong").await;
    assert_eq!(steps, ["2026-03-03 11:00", "2026-03-04 10:00"]);
    let first = text(c, "ol.steps li").await;
    assert!(first.contains("1个工作小时内致电您"), "{first}");
    number
}

/// The customer manager signs in and finds the application on the
/// worklist, where the first call is the pressing limit.
async fn open_from_worklist(c: &Client, server: &TestServer, number: &str) {
    server.at("2026-03-03T10:20");
    goto(c, server, "/login").await;
    fill(c, "#username", MANAGER).await;
    fill(c, "#password", MANAGER_PASSWORD).await;
    press(c, "form[action='/login']", "登录").await;
    wait_for_page(c, "the worklist", |path, _| path == "/worklist").await;

    // The header shows who is signed in: the name, then the role.
    let who = format!("{MANAGER_NAME} 客户经理");
    assert_eq!(text(c, ".who").await, who);
    let link = format!("table.worklist a[href='/applications/{number}']");
    let row = find(c, &link).await;
    let cells = texts(c, "table.worklist tbody tr td").await;
    assert_eq!(
        cells,
        [
            number,
            "卢氏县浏览器测试餐饮有限公司",
            "网上营业厅",
            "待客户经理电话联系",
            "尚未指派",
            "客户经理电话联系用户",
            "2026-03-03 11:00",
            "40分钟 正常",
        ]
    );
    row.click().await.expect("open the application");
    let expected = format!("/applications/{number}");
    wait_for_page(c, "the application page", |path, _| path == expected).await;
    assert_eq!(text(c, "h1").await, format!("申请 {number}"));
    assert_eq!(text(c, ".badge").await, "待客户经理电话联系");
}

/// Every step of the 102 line, each through its form on the application
/// page, at the times given on the server's clock.
async fn take_to_gas_on(c: &Client, server: &TestServer, number: &str) {
    server.at("2026-03-03T10:30");
    let form = open_action(c, "record_first_call").await;
    for name in [
        "licence_confirmed",
        "address_confirmed",
        "completion_accepted",
    ] {
        click(c, &format!("{form} input[name='{name}']")).await;
    }
    let built_by = find(c, &format!("{form} select[name='built_by']")).await;
    assert_eq!(prop(&built_by, "value").await, "self_built");
    fill(
        c,
        &format!("{form} textarea[name='note']"),
        "已电话确认，用户随时可通气",
    )
    .await;
    finish_action(c, number, "record_first_call", "登记首次电话联系").await;
    assert_eq!(text(c, ".badge").await, "待现场核实");

    server.at("2026-03-03T14:40");
    let form = open_action(c, "verify_site").await;
    click(c, &format!("{form} input[name='facilities_ok']")).await;
    click(c, &format!("{form} input[name='source_pipe_ok']")).await;
    fill(c, "#verify-tie-in", "建设路东侧阀井").await;
    finish_action(c, number, "verify_site", "登记现场核实").await;
    assert_eq!(text(c, ".badge").await, "待签订供用气合同");

    server.at("2026-03-03T15:00");
    open_action(c, "sign_contract").await;
    fill(c, "#contract-number", "GY-2026-0001").await;
    finish_action(c, number, "sign_contract", "签订供用气合同").await;
    assert_eq!(text(c, ".badge").await, "待验收通气");

    server.at("2026-03-03T15:30");
    open_action(c, "schedule_gas_on").await;
    set_local_time(c, "#planned-at", "2026-03-04T09:00").await;
    finish_action(c, number, "schedule_gas_on", "列入通气计划").await;
    assert_eq!(text(c, ".badge").await, "待验收通气");

    server.at("2026-03-04T09:30");
    let form = open_action(c, "record_acceptance").await;
    click(c, &format!("{form} input[name='passed'][value='yes']")).await;
    fill(
        c,
        "#acceptance-participants",
        "李经理\n运行部 陈工\n施工队 周工",
    )
    .await;
    finish_action(c, number, "record_acceptance", "登记验收通气点火").await;

    let progress = texts(c, "dl.facts dt").await;
    for label in [
        "现场核实",
        "供用气合同编号",
        "计划通气时间",
        "第1次验收通气",
    ] {
        assert!(
            progress.iter().any(|l| l == label),
            "no {label} in {progress:?}"
        );
    }
    let facts = texts(c, "dl.facts dd").await;
    let passed = "2026-03-04 09:30 合格，已通气点火；参加人员：李经理、运行部 陈工、施工队 周工";
    assert!(facts.iter().any(|f| f == passed), "{facts:?}");
}

/// What the browser did, as the API records it.
async fn check_the_record(server: &TestServer, manager: &Session, number: &str) {
    let detail = server.detail(manager, number).await;
    let app = &detail["application"];
    assert_eq!(app["status"], "gas_on");
    assert_eq!(app["channel"], "online");
    assert_eq!(app["line"], "connection_102");
    assert_eq!(app["assignee"]["name"], MANAGER_NAME);
    assert_eq!(app["contract_number"], "GY-2026-0001");
    assert_eq!(app["gas_on_planned_at"], bj_json("2026-03-04T09:00"));
    assert_eq!(deadline(&detail, "gas_on")["state"], "met_on_time");
    assert_eq!(deadline(&detail, "first_call")["state"], "met_on_time");

    let events = detail["events"].as_array().unwrap();
    let seen: Vec<(i64, &str, Value)> = events
        .iter()
        .map(|e| {
            let kind = e["kind"].as_str().unwrap();
            (e["seq"].as_i64().unwrap(), kind, e["occurred_at"].clone())
        })
        .collect();
    let expected = [
        (1, "submitted", "2026-03-03T10:00"),
        (2, "first_call_recorded", "2026-03-03T10:30"),
        (3, "site_verified", "2026-03-03T14:40"),
        (4, "contract_signed", "2026-03-03T15:00"),
        (5, "gas_on_scheduled", "2026-03-03T15:30"),
        (6, "acceptance_recorded", "2026-03-04T09:30"),
    ]
    .map(|(seq, kind, at)| (seq, kind, bj_json(at)));
    assert_eq!(seen, expected);
    assert_eq!(events[0]["actor"]["name"], "张三");
    for e in &events[1..] {
        assert_eq!(e["actor"]["name"], MANAGER_NAME, "{e}");
        assert_eq!(e["occurred_at"], e["recorded_at"], "{e}");
    }
}

// The one-stop line, person by person.

/// Someone who signs in to the pages.
#[derive(Clone, Copy)]
struct Person {
    username: &'static str,
    name: &'static str,
    role: Role,
    /// The role as the page header shows it.
    role_text: &'static str,
}

const PLANNER: Person = Person {
    username: "qian",
    name: "钱经营",
    role: Role::BusinessPlanning,
    role_text: "经营计划部",
};
const DESK: Person = Person {
    username: "wang",
    name: "王前台",
    role: Role::ServiceStaff,
    role_text: "服务人员",
};
const CUSTOMER_MANAGER: Person = Person {
    username: MANAGER,
    name: MANAGER_NAME,
    role: Role::CustomerManager,
    role_text: "客户经理",
};
const DESIGNER: Person = Person {
    username: "sun",
    name: "孙设计",
    role: Role::Designer,
    role_text: "设计人员",
};
const BUILDER: Person = Person {
    username: "zhou",
    name: "周施工",
    role: Role::ConstructionUnit,
    role_text: "施工单位",
};
const OPERATOR: Person = Person {
    username: "chen",
    name: "陈运行",
    role: Role::OperationsUnit,
    role_text: "运行管理单位",
};

const ORGANISATION: &str = "卢氏县一站式测试酒店有限公司";

/// Prices in yuan as the planner types them; the quote below is worked out
/// by hand from them.
const CATALOGUE: &str = "GD-DN25,DN25 镀锌钢管安装,米,86.50\n\
                         FM-DN25,DN25 球阀,个,120\n\
                         BJ-01,可燃气体报警器,台,480.00";

#[tokio::test]
async fn one_stop_application_goes_from_the_counter_to_gas_on_in_a_browser() {
    let Some(browser) = Browser::installed() else {
        return;
    };
    let server = Arc::new(TestServer::start().await);
    server.at("2026-03-09T08:00");
    let mut manager = None;
    for person in [PLANNER, DESK, CUSTOMER_MANAGER, DESIGNER, BUILDER, OPERATOR] {
        let session = server
            .staff_with_password(person.username, person.name, person.role, MANAGER_PASSWORD)
            .await;
        if person.role == Role::CustomerManager {
            manager = Some(session);
        }
    }
    let manager = manager.expect("a customer manager");

    let on_server = server.clone();
    let manager_id = manager.user_id.clone();
    let number = in_browser(&browser, "gasdesk-browser-one-stop", ONE_STOP_LIMIT, |c| {
        one_stop_story(c, on_server, manager_id)
    })
    .await;
    check_the_one_stop_record(&server, &manager, &number).await;
}

/// Everything done in the browser; returns the application number. The
/// week of 2026-03-09 has no holiday or make-up day: every working day is
/// 08:30-12:00 and 14:30-18:00, 7 h.
async fn one_stop_story(client: Client, server: Arc<TestServer>, manager_id: String) -> String {
    let c = &client;
    c.set_window_size(1280, 1600).await.expect("window size");

    publish_the_catalogue(c, &server).await;
    let number = register_at_the_counter(c, &server, &manager_id).await;
    survey_and_design(c, &server, &number).await;
    contract_and_payment(c, &server, &number).await;
    construction_and_gas_on(c, &server, &number).await;
    number
}

/// Mon 08:40: the Business Planning Dept publishes the first catalogue.
async fn publish_the_catalogue(c: &Client, server: &TestServer) {
    server.at("2026-03-09T08:40");
    sign_in_as(c, server, PLANNER).await;
    click(c, "header nav a[href='/catalogue']").await;
    wait_for_page(c, "the catalogue", |path, _| path == "/catalogue").await;
    assert_eq!(text(c, "h1").await, "价格清单");
    assert_eq!(
        text(c, "p.empty").await,
        "尚未发布价格清单。发布前，设计人员不能出具报价。"
    );
    fill(c, "#catalogue-items", CATALOGUE).await;
    fill(c, "#catalogue-note", "2026 年一站式服务价格").await;
    press(c, "form[action='/catalogue']", "发布新版本").await;
    wait_for_page(c, "the published catalogue", |path, query| {
        path == "/catalogue" && query == "version=1&done=published"
    })
    .await;
    assert_eq!(
        text(c, ".notice").await,
        "已发布第1版价格清单，新报价按此版本计价。"
    );
    assert_eq!(text(c, "h2").await, "第1版（现行）");
    assert_eq!(
        rows(c, "table.catalogue").await,
        [
            ["GD-DN25", "DN25 镀锌钢管安装", "米", "¥86.50"],
            ["FM-DN25", "DN25 球阀", "个", "¥120.00"],
            ["BJ-01", "可燃气体报警器", "台", "¥480.00"],
        ]
    );
}

/// Mon 09:00 at a business hall: a hotel asks for the turnkey service. The
/// appliance list and the floor plan are handed in, the licence is not (and
/// the registry does not know the code): pre-accepted, survey and design
/// start at once.
async fn register_at_the_counter(c: &Client, server: &TestServer, manager_id: &str) -> String {
    server.at("2026-03-09T09:00");
    sign_in_as(c, server, DESK).await;
    click(c, "header nav a[href='/intake']").await;
    wait_for_page(c, "the intake form", |path, _| path == "/intake").await;

    choose(c, "#channel", "公司营业厅").await;
    choose(c, "#assignee", MANAGER_NAME).await;
    let assignee = find(c, "#assignee").await;
    assert_eq!(prop(&assignee, "value").await, manager_id);
    fill(c, "#organisation", ORGANISATION).await;
    fill(c, "#uscc", USCC[3]).await;
    fill(c, "#contact_name", "张三").await;
    fill(c, "#phone", "13800138000").await;
    fill(c, "#site_address", "卢氏县城关镇建设路8号").await;
    click(c, "input[name='source_pipeline_ready'][value='yes']").await;
    click(c, "input[name='facilities_ready'][value='no']").await;
    click(c, "input[name='built_by'][value='company_built']").await;
    // The counter's line is a select: it also takes new communities.
    choose(c, "#line", "一站式服务（燃气公司设计、施工、通气）").await;
    choose(c, "#applicant_kind", "企业").await;
    click(c, "input[name='material_appliance_list']").await;
    click(c, "input[name='material_floor_plan']").await;
    press(c, "form[action='/intake']", "受理").await;
    wait_for_page(c, "the new application", |path, query| {
        path.starts_with("/applications/") && query == "done=submitted"
    })
    .await;

    let url = c.current_url().await.expect("current address");
    let number = url.path().trim_start_matches("/applications/").to_string();
    assert!(number.starts_with("BZ20260309-"), "number {number}");
    assert_eq!(text(c, ".notice").await, "申请已受理。");
    assert_eq!(text(c, ".badge").await, "待踏勘设计");
    assert_eq!(
        text(c, ".meta").await,
        "一站式服务 · 公司营业厅 · 受理于 2026-03-09 09:00"
    );
    assert_eq!(
        rows(c, "table.materials").await,
        [
            ["营业执照", "待补交", "签约前补交；可容缺，预受理"],
            ["用气设备清单", "已提供", ""],
            ["供用气区域平面布置图", "已提供", ""],
        ]
    );
    // Survey and design, 1 working day from 09:00: 6.5 h on Monday and
    // 0.5 h on Tuesday.
    let survey = deadline_row(c, "踏勘设计").await;
    assert_eq!(survey[1], "2026-03-10 09:00");
    assert_eq!(survey[3], "正常");
    number
}

/// The survey time waits on the applicant, the designer surveys without
/// the customer manager, prices the design, and the plan reaches the
/// applicant the same day.
async fn survey_and_design(c: &Client, server: &TestServer, number: &str) {
    // Mon 09:30: the applicant is to name a survey time; the clock stops.
    server.at("2026-03-09T09:30");
    sign_in_as(c, server, CUSTOMER_MANAGER).await;
    open_from_the_worklist(c, number).await;
    open_action(c, "await_applicant").await;
    fill(c, "#await-reason", "请用户确认踏勘时间").await;
    finish_action(c, number, "await_applicant", "转入等待用户配合").await;
    let waiting = text(c, ".note.waiting").await;
    assert_eq!(
        waiting,
        "等待用户配合：请用户确认踏勘时间（2026-03-09 09:30 起，各环节计时暂停）"
    );
    let survey = deadline_row(c, "踏勘设计").await;
    assert_eq!(
        survey,
        [
            "踏勘设计",
            "2026-03-10 09:00\n恢复计时后顺延",
            // 30 minutes of 7 h used before the stop.
            "剩余6小时30分",
            "暂停（等待用户）",
        ]
    );
    // The applicant has 2 working days before the customer manager asks
    // why: Mon 6 h, Tue 7 h, Wed 1 h.
    let stall = deadline_row(c, "用户搁置主动跟进").await;
    assert_eq!(stall[1], "2026-03-11 09:30");

    // Mon 10:30: a survey at 14:30 today. The clock runs again; the due
    // time moves by the hour it stood still.
    server.at("2026-03-09T10:30");
    open_action(c, "agree_survey_time").await;
    set_local_time(c, "#survey-at", "2026-03-09T14:30").await;
    finish_action(c, number, "agree_survey_time", "约定踏勘时间").await;
    let survey = deadline_row(c, "踏勘设计").await;
    assert_eq!(
        survey,
        ["踏勘设计", "2026-03-10 10:00", "6小时30分", "正常"]
    );
    let stall = deadline_row(c, "用户搁置主动跟进").await;
    assert_eq!(stall[2], "2026-03-09 10:30 完成，用时1小时");
    assert_eq!(fact(c, "约定踏勘时间").await, "2026-03-09 14:30");

    // Mon 14:30: designer and construction unit on site, the customer
    // manager absent, so the designer is in charge.
    server.at("2026-03-09T14:30");
    sign_in_as(c, server, DESIGNER).await;
    open_from_the_worklist(c, number).await;
    let form = open_action(c, "record_survey").await;
    click(c, &format!("{form} input[name='designer_attended']")).await;
    click(
        c,
        &format!("{form} input[name='construction_unit_attended']"),
    )
    .await;
    click(
        c,
        &format!("{form} input[name='customer_manager_present'][value='no']"),
    )
    .await;
    fill(c, "#survey-plan", "后厨两台中餐灶，一台热水器").await;
    fill(c, "#survey-alarm", "灶台上方 0.3 米").await;
    finish_action(c, number, "record_survey", "登记现场踏勘").await;
    assert_eq!(
        fact(c, "踏勘负责人").await,
        "孙设计（客户经理缺席，由设计人员全权负责）"
    );

    // Mon 16:00: the design plan with its itemised quote, the codes read
    // off the catalogue shown beside the form.
    server.at("2026-03-09T16:00");
    open_action(c, "issue_design").await;
    let codes = texts(c, "details#action-issue_design table.catalogue td.code").await;
    assert_eq!(codes, ["GD-DN25", "FM-DN25", "BJ-01"]);
    fill(
        c,
        "#design-summary",
        "DN25 明管入户，灶前设球阀，加装报警器",
    )
    .await;
    fill(c, "#issue_design-quote", "GD-DN25 25\nFM-DN25 2\nBJ-01 1").await;
    finish_action(c, number, "issue_design", "出具设计方案和清单报价").await;
    // 25 x 86.50 = 2162.50; 2 x 120.00 = 240.00; 1 x 480.00 = 480.00.
    assert_eq!(
        rows(c, "table.quote").await,
        [
            [
                "GD-DN25",
                "DN25 镀锌钢管安装",
                "米",
                "¥86.50",
                "25",
                "¥2,162.50"
            ],
            ["FM-DN25", "DN25 球阀", "个", "¥120.00", "2", "¥240.00"],
            ["BJ-01", "可燃气体报警器", "台", "¥480.00", "1", "¥480.00"],
        ]
    );
    assert_eq!(text(c, ".quote-total").await, "¥2,882.50");
    let meta = text(c, ".quote-meta").await;
    assert!(
        meta.starts_with("报价版本：第1版 · 价格清单版本：第1版 · 出具 2026-03-09 16:00 孙设计"),
        "{meta}"
    );
    assert_eq!(text(c, ".quote-confirmed").await, "待用户确认");

    // Mon 16:30: the plan reaches the applicant. Survey and design used
    // 09:00-09:30, 10:30-12:00 and 14:30-16:30: 4 h of 7 h.
    server.at("2026-03-09T16:30");
    sign_in_as(c, server, CUSTOMER_MANAGER).await;
    open_from_the_worklist(c, number).await;
    open_action(c, "deliver_design").await;
    finish_action(c, number, "deliver_design", "设计方案已送达用户").await;
    assert_eq!(text(c, ".badge").await, "待签约缴费");
    assert_eq!(
        deadline_row(c, "踏勘设计").await,
        [
            "踏勘设计",
            "2026-03-10 10:00",
            "2026-03-09 16:30 完成，用时4小时",
            "按时完成",
        ]
    );
    assert_eq!(
        fact(c, "设计方案送达用户").await,
        "2026-03-09 16:30，当天送达"
    );
    // Contract and payment, half a day from 16:30: 1.5 h today, 2 h on
    // Tuesday. The licence is owed by then.
    assert_eq!(deadline_row(c, "签约缴费").await[1], "2026-03-10 10:30");
    assert_eq!(
        rows(c, "table.materials").await[0],
        [
            "营业执照",
            "待补交",
            "补交期限 2026-03-10 10:30；可容缺，预受理"
        ]
    );
}

/// The licence handed in and accepted, the quote confirmed, the contract
/// signed with the invoicing details, and the quote paid in full.
async fn contract_and_payment(c: &Client, server: &TestServer, number: &str) {
    server.at("2026-03-09T17:00");
    // The page opens the step that moves the case on: the owed licence.
    let form = "details#action-hand_in_material";
    assert!(
        find(c, form)
            .await
            .attr("open")
            .await
            .expect("open")
            .is_some(),
        "the hand-in opens first"
    );
    open_action(c, "hand_in_material").await;
    choose(c, "#hand_in_material-material", "营业执照").await;
    choose(c, "#hand-in-channel", "公司营业厅").await;
    fill(c, "#hand-in-description", "营业执照副本复印件（加盖公章）").await;
    finish_action(c, number, "hand_in_material", "登记补交资料").await;

    server.at("2026-03-09T17:05");
    let form = open_action(c, "review_hand_in").await;
    choose(
        c,
        "#review-hand-in",
        "第1份 营业执照：营业执照副本复印件（加盖公章）",
    )
    .await;
    click(c, &format!("{form} input[name='accepted'][value='yes']")).await;
    finish_action(c, number, "review_hand_in", "审核补交资料").await;
    assert_eq!(
        rows(c, "table.materials").await[0],
        ["营业执照", "已提供", ""]
    );
    assert_eq!(
        rows(c, "table.hand-ins").await,
        [[
            "1",
            "营业执照",
            "营业执照副本复印件（加盖公章）",
            "公司营业厅",
            "2026-03-09 17:00 李经理",
            "已接收",
        ]]
    );

    server.at("2026-03-09T17:10");
    open_action(c, "confirm_quote").await;
    let shown = texts(c, "details#action-confirm_quote dl.form-facts dd").await;
    assert_eq!(shown, ["第1版", "¥2,882.50"]);
    finish_action(c, number, "confirm_quote", "用户确认报价").await;
    assert_eq!(
        text(c, ".quote-confirmed").await,
        "用户已确认（2026-03-09 17:10）"
    );

    // The contract, with the invoicing details the form starts from.
    server.at("2026-03-09T17:20");
    open_action(c, "sign_contract").await;
    fill(c, "#contract-number", "YZ-2026-0309").await;
    let title = find(c, "#invoice-title").await;
    assert_eq!(prop(&title, "value").await, ORGANISATION);
    let tax = find(c, "#invoice-tax-number").await;
    assert_eq!(prop(&tax, "value").await, USCC[3]);
    finish_action(c, number, "sign_contract", "签订供用气合同").await;
    assert_eq!(text(c, ".badge").await, "待签约缴费");
    assert_eq!(fact(c, "发票抬头").await, ORGANISATION);
    assert_eq!(
        fact(c, "施工任务单").await,
        "2026-03-09 17:20 下达；无特殊要求"
    );
    // With no special requests the site is entered within a working day:
    // 40 min today, 6 h 20 min on Tuesday.
    assert_eq!(deadline_row(c, "施工单位进场").await[1], "2026-03-10 17:20");

    // Paid in full, in yuan as the receipt reads.
    server.at("2026-03-09T17:30");
    open_action(c, "record_payment").await;
    let shown = texts(c, "details#action-record_payment dl.form-facts dd").await;
    assert_eq!(shown, ["¥2,882.50", "¥0.00", "¥2,882.50"]);
    fill(c, "#payment-amount", "2882.50").await;
    fill(c, "#payment-receipt", "SJ-20260309-01").await;
    choose(c, "#payment-method", "银行转账").await;
    finish_action(c, number, "record_payment", "登记缴费").await;
    assert_eq!(text(c, ".badge").await, "施工中");
    assert_eq!(
        rows(c, "table.payments").await,
        [[
            "2026-03-09 17:30",
            "¥2,882.50",
            "SJ-20260309-01",
            "银行转账",
            "第1版",
        ]]
    );
    assert_eq!(text(c, ".payment-summary").await, "已缴 ¥2,882.50 · 已缴清");
    // Contract and payment used 16:30-17:30. Construction and gas-on (2
    // working days) starts: Mon 0.5 h, Tue 7 h, Wed 6.5 h.
    assert_eq!(
        deadline_row(c, "签约缴费").await[2..],
        ["2026-03-09 17:30 完成，用时1小时", "按时完成"]
    );
    assert_eq!(deadline_row(c, "施工通气").await[1], "2026-03-11 17:30");
}

/// Tuesday: the construction unit enters the site and finishes, the
/// applicant signs their satisfaction, the operations unit lights the gas
/// with the full safety briefing.
async fn construction_and_gas_on(c: &Client, server: &TestServer, number: &str) {
    server.at("2026-03-10T09:00");
    sign_in_as(c, server, BUILDER).await;
    open_from_the_worklist(c, number).await;
    open_action(c, "enter_site").await;
    finish_action(c, number, "enter_site", "施工单位进场").await;
    // 17:20-18:00 on Monday and 08:30-09:00 on Tuesday.
    assert_eq!(
        deadline_row(c, "施工单位进场").await[2..],
        ["2026-03-10 09:00 完成，用时1小时10分", "按时完成"]
    );

    server.at("2026-03-10T15:00");
    open_action(c, "complete_construction").await;
    finish_action(c, number, "complete_construction", "施工完成").await;
    assert_eq!(text(c, ".badge").await, "待验收通气");

    server.at("2026-03-10T15:10");
    sign_in_as(c, server, CUSTOMER_MANAGER).await;
    open_from_the_worklist(c, number).await;
    open_action(c, "schedule_gas_on").await;
    set_local_time(c, "#planned-at", "2026-03-10T16:00").await;
    finish_action(c, number, "schedule_gas_on", "列入通气计划").await;

    server.at("2026-03-10T15:20");
    open_action(c, "record_satisfaction").await;
    choose(c, "#satisfaction-rating", "5分 非常满意").await;
    fill(c, "#satisfaction-signed-by", "张三").await;
    fill(c, "#satisfaction-comment", "踏勘及时，施工整洁").await;
    finish_action(c, number, "record_satisfaction", "用户满意度签字").await;
    assert_eq!(
        fact(c, "用户满意度").await,
        "2026-03-10 15:20 5分（非常满意）；签字：张三；意见：踏勘及时，施工整洁"
    );

    server.at("2026-03-10T16:00");
    sign_in_as(c, server, OPERATOR).await;
    open_from_the_worklist(c, number).await;
    let form = open_action(c, "record_acceptance").await;
    click(c, &format!("{form} input[name='passed'][value='yes']")).await;
    let briefing = texts(c, &format!("{form} fieldset label.check")).await;
    assert_eq!(
        briefing,
        [
            "用气设备使用说明",
            "安全用气注意事项",
            "告知报警电话",
            "告知咨询电话",
            "现场安全培训",
        ]
    );
    for item in [
        "appliance_use",
        "safe_use",
        "alarm_number",
        "consultation_number",
        "training",
    ] {
        click(c, &format!("{form} input[name='briefing_{item}']")).await;
    }
    fill(
        c,
        "#acceptance-participants",
        "李经理\n运行管理单位 陈运行\n施工单位 周施工",
    )
    .await;
    finish_action(c, number, "record_acceptance", "登记验收通气点火").await;

    assert_eq!(text(c, ".badge").await, "已通气");
    // Construction and gas-on used Mon 17:30-18:00, Tue 08:30-12:00 and
    // 14:30-16:00: 5.5 h of 14 h.
    assert_eq!(
        deadline_row(c, "施工通气").await,
        [
            "施工通气",
            "2026-03-11 17:30",
            "2026-03-10 16:00 完成，用时5小时30分",
            "按时完成",
        ]
    );
    assert_eq!(
        fact(c, "安全用气交底").await,
        "用气设备使用说明、安全用气注意事项、告知报警电话、告知咨询电话、现场安全培训"
    );
    assert_eq!(
        fact(c, "第1次验收通气").await,
        "2026-03-10 16:00 合格，已通气点火；参加人员：李经理、运行管理单位 陈运行、施工单位 周施工"
    );
    assert_eq!(text(c, ".quote-total").await, "¥2,882.50");
}

/// What the browser did, as the API records it.
async fn check_the_one_stop_record(server: &TestServer, manager: &Session, number: &str) {
    let detail = server.detail(manager, number).await;
    let app = &detail["application"];
    assert_eq!(app["status"], "gas_on");
    assert_eq!(app["line"], "one_stop");
    assert_eq!(app["channel"], "business_hall");
    assert_eq!(app["assignee"]["name"], MANAGER_NAME);
    assert_eq!(app["contract_number"], "YZ-2026-0309");
    let case = &app["one_stop"];
    assert_eq!(case["applicant_kind"], "enterprise");
    assert_eq!(case["survey"]["in_charge"], "孙设计");
    assert_eq!(case["quote"]["catalogue_version"], 1);
    assert_eq!(case["quote"]["total_fen"], 216_250 + 24_000 + 48_000);
    assert_eq!(case["payments"][0]["amount_fen"], 288_250);
    assert_eq!(case["invoice"]["title"], ORGANISATION);
    assert_eq!(case["invoice"]["tax_number"], USCC[3]);
    assert_eq!(case["satisfaction"]["rating"], 5);
    assert_eq!(
        case["safety_briefing"],
        json!([
            "alarm_number",
            "appliance_use",
            "consultation_number",
            "safe_use",
            "training"
        ])
    );
    assert_eq!(app["hand_ins"][0]["channel"], "business_hall");
    assert_eq!(app["materials"][0]["status"], "provided");
    for key in [
        "survey_design",
        "contract_payment",
        "site_entry",
        "construction_gas_on",
        "stall_follow_up",
    ] {
        assert_eq!(deadline(&detail, key)["state"], "met_on_time", "{key}");
    }

    let events = detail["events"].as_array().unwrap();
    let seen: Vec<(i64, &str, &str, Value)> = events
        .iter()
        .map(|e| {
            (
                e["seq"].as_i64().unwrap(),
                e["kind"].as_str().unwrap(),
                e["actor"]["name"].as_str().unwrap(),
                e["occurred_at"].clone(),
            )
        })
        .collect();
    let expected = [
        (1, "submitted", DESK.name, "2026-03-09T09:00"),
        (2, "awaiting_applicant", MANAGER_NAME, "2026-03-09T09:30"),
        (3, "survey_time_agreed", MANAGER_NAME, "2026-03-09T10:30"),
        (4, "survey_recorded", DESIGNER.name, "2026-03-09T14:30"),
        (5, "design_issued", DESIGNER.name, "2026-03-09T16:00"),
        (6, "design_delivered", MANAGER_NAME, "2026-03-09T16:30"),
        (7, "material_handed_in", MANAGER_NAME, "2026-03-09T17:00"),
        (8, "hand_in_reviewed", MANAGER_NAME, "2026-03-09T17:05"),
        (9, "quote_confirmed", MANAGER_NAME, "2026-03-09T17:10"),
        (10, "contract_signed", MANAGER_NAME, "2026-03-09T17:20"),
        (11, "payment_recorded", MANAGER_NAME, "2026-03-09T17:30"),
        (12, "site_entered", BUILDER.name, "2026-03-10T09:00"),
        (
            13,
            "construction_completed",
            BUILDER.name,
            "2026-03-10T15:00",
        ),
        (14, "gas_on_scheduled", MANAGER_NAME, "2026-03-10T15:10"),
        (
            15,
            "satisfaction_recorded",
            MANAGER_NAME,
            "2026-03-10T15:20",
        ),
        (16, "acceptance_recorded", OPERATOR.name, "2026-03-10T16:00"),
    ]
    .map(|(seq, kind, who, at)| (seq, kind, who, bj_json(at)));
    assert_eq!(seen, expected);
    assert_eq!(events[6]["channel"], "business_hall");
    for e in events {
        assert_eq!(e["occurred_at"], e["recorded_at"], "{e}");
    }
}

/// Signs out whoever is signed in, then signs `person` in through the
/// login page and checks the header names them.
async fn sign_in_as(c: &Client, server: &TestServer, person: Person) {
    let signed_in = c
        .find_all(Locator::Css("header form.logout"))
        .await
        .expect("the header");
    if !signed_in.is_empty() {
        press(c, "header form.logout", "退出登录").await;
        wait_for_page(c, "the home page", |path, _| path == "/").await;
    }
    goto(c, server, "/login").await;
    fill(c, "#username", person.username).await;
    fill(c, "#password", MANAGER_PASSWORD).await;
    press(c, "form[action='/login']", "登录").await;
    wait_for_page(c, "the worklist", |path, _| path == "/worklist").await;
    let who = format!("{} {}", person.name, person.role_text);
    assert_eq!(text(c, ".who").await, who);
}

async fn open_from_the_worklist(c: &Client, number: &str) {
    click(
        c,
        &format!("table.worklist a[href='/applications/{number}']"),
    )
    .await;
    let expected = format!("/applications/{number}");
    wait_for_page(c, "the application page", |path, _| path == expected).await;
    assert_eq!(text(c, "h1").await, format!("申请 {number}"));
}

/// Picks the option of a select that reads `label`, as a person does.
async fn choose(c: &Client, css: &str, label: &str) {
    let select = find(c, css).await;
    select
        .select_by_label(label)
        .await
        .unwrap_or_else(|e| panic!("no option {label} in {css}: {e}"));
    let chosen = find(c, &format!("{css} option:checked")).await;
    assert_eq!(chosen.text().await.expect("option text").trim(), label);
}

/// The cells of every body row of the table at `css`.
async fn rows(c: &Client, css: &str) -> Vec<Vec<String>> {
    find(c, css).await;
    let mut out = Vec::new();
    let body_rows = c
        .find_all(Locator::Css(&format!("{css} tbody tr")))
        .await
        .expect("rows");
    for row in body_rows {
        let mut cells = Vec::new();
        for cell in row.find_all(Locator::Css("td")).await.expect("cells") {
            cells.push(cell.text().await.expect("cell text").trim().to_string());
        }
        out.push(cells);
    }
    out
}

/// The value of the record's fact labelled `label`.
async fn fact(c: &Client, label: &str) -> String {
    find(c, "dl.facts").await;
    let facts = c
        .find_all(Locator::Css("dl.facts div"))
        .await
        .expect("facts");
    for f in facts {
        let dt = f.find(Locator::Css("dt")).await.expect("a label");
        if dt.text().await.expect("label text").trim() == label {
            let dd = f.find(Locator::Css("dd")).await.expect("a value");
            return dd.text().await.expect("value text").trim().to_string();
        }
    }
    panic!("no {label} on {}", here(c).await)
}

// The browser and its driver.

/// Where Chromium and chromedriver are installed.
struct Browser {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

impl Browser {
    /// Both programs, or `None` when the test is to be skipped; with
    /// `GASDESK_REQUIRE_BROWSER` set, a missing program fails the test.
    fn installed() -> Option<Browser> {
        let chromium = on_path("chromium");
        let chromedriver = on_path("chromedriver");
        if let (Some(chromium), Some(chromedriver)) = (&chromium, &chromedriver) {
            return Some(Browser {
                chromium: chromium.clone(),
                chromedriver: chromedriver.clone(),
            });
        }
        let missing: Vec<&str> = [("chromium", &chromium), ("chromedriver", &chromedriver)]
            .into_iter()
            .filter(|(_, path)| path.is_none())
            .map(|(name, _)| name)
            .collect();
        if std::env::var_os("GASDESK_REQUIRE_BROWSER").is_some() {
            panic!(
                "GASDESK_REQUIRE_BROWSER is set, but not installed: {} \
                 (apt-get install chromium chromium-driver)",
                missing.join(", ")
            );
        }
        println!("browser test skipped: chromedriver/chromium not installed");
        None
    }
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A chromedriver of this test, in a process group of its own with the
/// Chromium it starts: dropping it kills the whole group, so no browser
/// outlives the test, whether it passed, failed or timed out.
struct Chromedriver {
    child: Child,
    port: u16,
    /// Chromium's profile, fresh for every run.
    profile: tempfile::TempDir,
}

impl Chromedriver {
    /// Starts chromedriver on a free port; another process may take the
    /// port between the look and the start, so a driver that exits at once
    /// is tried again on another port.
    async fn start(browser: &Browser) -> Chromedriver {
        let mut attempts = 0;
        loop {
            let mut driver = Chromedriver::spawn(browser);
            match driver.wait_until_ready().await {
                Ok(()) => return driver,
                Err(exit) if attempts < 2 => {
                    println!(
                        "chromedriver on port {} exited ({exit}), trying again",
                        driver.port
                    );
                    attempts += 1;
                }
                Err(exit) => panic!("chromedriver exited before it answered: {exit}"),
            }
        }
    }

    fn spawn(browser: &Browser) -> Chromedriver {
        use std::os::unix::process::CommandExt;

        let port = free_port();
        let child = Command::new(&browser.chromedriver)
            .arg(format!("--port={port}"))
            // Chromium, started by chromedriver, takes its locale from here.
            .env("LANGUAGE", "en_US")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("chromedriver could not be started: {e}"));
        Chromedriver {
            child,
            port,
            profile: tempfile::tempdir().expect("a profile directory"),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Waits until the driver answers that it is ready; an error when it
    /// exited first.
    async fn wait_until_ready(&mut self) -> Result<(), std::process::ExitStatus> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let status = format!("{}/status", self.url());
        let start = Instant::now();
        loop {
            if let Ok(Some(exit)) = self.child.try_wait() {
                return Err(exit);
            }
            if let Ok(response) = http.get(&status).send().await
                && let Ok(body) = response.json::<Value>().await
                && body["value"]["ready"] == true
            {
                return Ok(());
            }
            assert!(
                start.elapsed() < WAIT,
                "chromedriver did not answer on {status} within {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn connect(&self, browser: &Browser) -> Client {
        let profile = format!("--user-data-dir={}", self.profile.path().display());
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            // Date fields take keys in the order of the browser's locale.
            "--lang=en-US",
            profile.as_str(),
        ];
        let capabilities = json!({
            "browserName": "chrome",
            "timeouts": {"pageLoad": WAIT.as_millis() as u64, "script": 10_000, "implicit": 0},
            "goog:chromeOptions": {"binary": browser.chromium, "args": args},
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut builder = ClientBuilder::new(connector);
        builder.capabilities(capabilities);
        let url = self.url();
        let session = builder.connect(&url);
        match tokio::time::timeout(WAIT, session).await {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => panic!("Chromium could not be started by chromedriver: {e}"),
            Err(_) => panic!("Chromium did not start within {WAIT:?}"),
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // The group is chromedriver's own, created above: its id is the pid.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().unwrap().port()
}

/// The last page the browser showed, for whoever debugs a failure; it is
/// not part of what the test checks.
async fn screenshot(c: &Client, name: &str) {
    let path = std::env::temp_dir().join(format!("{name}.png"));
    match tokio::time::timeout(WAIT, c.screenshot()).await {
        Ok(Ok(png)) => match std::fs::write(&path, png) {
            Ok(()) => println!("screenshot: {}", path.display()),
            Err(e) => println!("screenshot not written to {}: {e}", path.display()),
        },
        Ok(Err(e)) => println!("screenshot not taken: {e}"),
        Err(_) => println!("screenshot not taken within {WAIT:?}"),
    }
}

// Working the pages.

async fn goto(c: &Client, server: &TestServer, path: &str) {
    let url = format!("{}{path}", server.base);
    c.goto(&url)
        .await
        .unwrap_or_else(|e| panic!("could not open {url}: {e}"));
}

async fn find(c: &Client, css: &str) -> Element {
    let found = c.wait().at_most(WAIT).for_element(Locator::Css(css)).await;
    match found {
        Ok(element) => element,
        Err(e) => panic!("no {css} on {}: {e}", here(c).await),
    }
}

async fn text(c: &Client, css: &str) -> String {
    let element = find(c, css).await;
    element
        .text()
        .await
        .expect("element text")
        .trim()
        .to_string()
}

/// The texts of every element matching `css`, in page order.
async fn texts(c: &Client, css: &str) -> Vec<String> {
    find(c, css).await;
    let mut out = Vec::new();
    for element in c.find_all(Locator::Css(css)).await.expect("elements") {
        out.push(
            element
                .text()
                .await
                .expect("element text")
                .trim()
                .to_string(),
        );
    }
    out
}

async fn prop(element: &Element, name: &str) -> String {
    element
        .prop(name)
        .await
        .expect("element property")
        .unwrap_or_default()
}

async fn fill(c: &Client, css: &str, value: &str) {
    let field = find(c, css).await;
    field.clear().await.expect("clear a field");
    field.send_keys(value).await.expect("type into a field");
    assert_eq!(prop(&field, "value").await, value, "{css} after typing");
}

async fn click(c: &Client, css: &str) {
    let element = find(c, css).await;
    element
        .click()
        .await
        .unwrap_or_else(|e| panic!("could not click {css}: {e}"));
}

/// Presses the button of the form at `form` that reads `label`.
async fn press(c: &Client, form: &str, label: &str) {
    let button = format!("{form} button[type='submit']");
    let element = find(c, &button).await;
    assert_eq!(element.text().await.expect("button text").trim(), label);
    element
        .click()
        .await
        .unwrap_or_else(|e| panic!("could not press {label}: {e}"));
}

/// Types a date and time (`2026-03-04T09:00`) into a `datetime-local`
/// field as a person does: Chromium's en-US field takes month, day and
/// year, then hour, minute and AM or PM. Then checks the value the form
/// will send.
async fn set_local_time(c: &Client, css: &str, value: &str) {
    let (date, time) = value.split_once('T').expect("a date and time");
    let [year, month, day] = split::<3>(date, '-');
    let [hour, minute] = split::<2>(time, ':');
    let hour: u32 = hour.parse().expect("an hour");
    let (hour12, half) = match hour {
        0 => (12, "AM"),
        1..=11 => (hour, "AM"),
        12 => (12, "PM"),
        _ => (hour - 12, "PM"),
    };
    let keys = format!("{month}{day}{year}\t{hour12:02}{minute}{half}");

    let field = find(c, css).await;
    field.send_keys(&keys).await.expect("type a date and time");
    assert_eq!(
        prop(&field, "value").await,
        value,
        "{css} after typing {keys:?}: is Chromium's locale en-US?"
    );
}

fn split<const N: usize>(text: &str, separator: char) -> [&str; N] {
    let parts: Vec<&str> = text.split(separator).collect();
    parts
        .try_into()
        .unwrap_or_else(|_| panic!("{text} does not have {N} parts"))
}

/// Opens the form of an action on the application page and returns the
/// selector of that form.
async fn open_action(c: &Client, kind: &str) -> String {
    let details = format!("details#action-{kind}");
    let element = find(c, &details).await;
    if element
        .attr("open")
        .await
        .expect("open attribute")
        .is_none()
    {
        click(c, &format!("{details} > summary")).await;
    }
    format!("{details} form")
}

/// Presses an action's button and waits for the application page to come
/// back saying it was done.
async fn finish_action(c: &Client, number: &str, kind: &str, label: &str) {
    press(c, &format!("details#action-{kind} form"), label).await;
    let path = format!("/applications/{number}");
    let query = format!("done={kind}");
    wait_for_page(c, &format!("the page after {label}"), |p, q| {
        p == path && q == query
    })
    .await;
    assert_eq!(text(c, ".notice").await, format!("已完成：{label}。"));
}

/// Waits until the browser shows a page whose path and query satisfy
/// `arrived`; a page with an error message fails at once with it.
async fn wait_for_page(c: &Client, what: &str, arrived: impl Fn(&str, &str) -> bool) {
    let start = Instant::now();
    loop {
        let url = c.current_url().await.expect("current address");
        if arrived(url.path(), url.query().unwrap_or("")) {
            return;
        }
        let alerts = c.find_all(Locator::Css(".alert")).await.expect("alerts");
        if let Some(alert) = alerts.first() {
            let message = alert.text().await.unwrap_or_default();
            panic!("waiting for {what}, {url} said: {message}");
        }
        assert!(
            start.elapsed() < WAIT,
            "waiting for {what}: still on {url} after {WAIT:?} \
             (a required field left empty keeps the browser on the form)"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The cells of the deadlines table's row for the limit named `name`.
async fn deadline_row(c: &Client, name: &str) -> Vec<String> {
    find(c, "table.deadlines").await;
    let rows = c
        .find_all(Locator::Css("table.deadlines tbody tr"))
        .await
        .expect("deadline rows");
    for row in rows {
        let mut cells = Vec::new();
        for cell in row.find_all(Locator::Css("td")).await.expect("cells") {
            cells.push(cell.text().await.expect("cell text").trim().to_string());
        }
        if cells.first().is_some_and(|first| first == name) {
            return cells;
        }
    }
    panic!("no deadline {name} on {}", here(c).await)
}

async fn here(c: &Client) -> String {
    match c.current_url().await {
        Ok(url) => url.to_string(),
        Err(_) => "the current page".to_string(),
    }
}
