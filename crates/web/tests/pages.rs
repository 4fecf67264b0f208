//! The Chinese pages, driven in-process as a browser would.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{App, INSTITUTION_USCC, USCC, application_form};
use gasdesk_domain::Role;
use gasdesk_domain::uscc::Uscc;

#[test]
fn the_test_codes_are_valid() {
    for code in USCC {
        assert!(Uscc::parse(code).is_ok(), "{code}");
    }
}

#[tokio::test]
async fn the_home_page_explains_the_102_standard() {
    let app = App::start().await;

    let page = app.get("/", None).await;

    assert_eq!(page.status, StatusCode::OK);
    assert!(page.content_type().starts_with("text/html"));
    for text in [
        "1个工作日通气",
        "0份材料",
        "2个环节",
        "不收费",
        "/apply",
        "/track",
        "/login",
    ] {
        assert!(page.body.contains(text), "missing {text}");
    }
    let css = app.get("/static/app.css", None).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.content_type().starts_with("text/css"));
}

#[tokio::test]
async fn the_application_form_renders_with_a_fresh_key() {
    let app = App::start().await;

    let first = app.get("/apply", None).await;
    let second = app.get("/apply", None).await;

    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.contains("统一社会信用代码"));
    assert!(first.body.contains("气源管线是否已建成并验收"));
    assert!(first.body.contains("委托燃气公司代建"));
    let key = first.input_value("idempotency_key").expect("a key");
    assert!(uuid::Uuid::parse_str(&key).is_ok());
    assert_ne!(Some(key), second.input_value("idempotency_key"));
}

#[tokio::test]
async fn a_bad_credit_code_comes_back_in_chinese_with_the_form_kept() {
    let app = App::start().await;
    let mut form = application_form("91411224MA0001AA5X", "key-bad-uscc");
    form[0].1 = "卢氏县<测试>餐饮有限公司";

    let page = app.post("/apply", &form, None).await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("统一社会信用代码不正确"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("卢氏县&#60;测试&#62;餐饮有限公司")
            || page.body.contains("卢氏县&lt;测试&gt;餐饮有限公司")
    );
    assert_eq!(
        page.input_value("uscc").as_deref(),
        Some("91411224MA0001AA5X")
    );
    assert!(page.body.contains("class=\"field invalid\""));
    assert!(page.body.contains("aria-invalid"));
    // The same key comes back, so the corrected form is still one application.
    assert_eq!(
        page.input_value("idempotency_key").as_deref(),
        Some("key-bad-uscc")
    );
}

#[tokio::test]
async fn the_same_key_twice_gives_the_same_application() {
    let app = App::start().await;
    let form = application_form(USCC[0], "key-double-click");

    let first = app.post("/apply", &form, None).await;
    let second = app.post("/apply", &form, None).await;

    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert_eq!(second.status, StatusCode::SEE_OTHER);
    assert!(first.location().starts_with("/apply/done/BZ20260303-"));
    assert_eq!(first.location(), second.location());

    let other = app
        .post("/apply", &application_form(USCC[0], "key-other"), None)
        .await;
    assert_ne!(first.location(), other.location());
}

#[tokio::test]
async fn the_confirmation_tells_when_the_call_comes() {
    let app = App::start().await;
    let done = app
        .post("/apply", &application_form(USCC[0], "k1"), None)
        .await;

    let page = app.get(done.location(), None).await;

    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("BZ20260303-0001"));
    assert!(page.body.contains("待客户经理电话联系"));
    assert!(page.body.contains("客户经理将在1个工作小时内致电您"));
    assert!(page.body.contains("2026-03-03 11:00"), "{}", page.body);

    // The number alone shows nothing: numbers run in sequence.
    let guessed = app.get("/apply/done/BZ20260303-0001", None).await;
    assert_eq!(guessed.status, StatusCode::NOT_FOUND);
    assert!(!guessed.body.contains("待客户经理电话联系"));
}

#[tokio::test]
async fn facilities_not_ready_are_routed_to_one_stop_kindly() {
    let app = App::start().await;
    let mut form = application_form(USCC[1], "k-one-stop");
    form[6].1 = "no";

    let done = app.post("/apply", &form, None).await;
    let page = app.get(done.location(), None).await;

    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("转入一站式服务"));
    assert!(page.body.contains("无需重新申请"));
    // The one-stop line answers online registrations within 2 working
    // hours: from 10:00 that is noon.
    assert!(page.body.contains("2个工作小时内"), "{}", page.body);
    assert!(page.body.contains("2026-03-03 12:00"), "{}", page.body);
}

#[tokio::test]
async fn a_missing_answer_or_a_broken_body_is_answered_in_chinese() {
    let app = App::start().await;
    let mut form = application_form(USCC[0], "k-missing");
    form.retain(|(k, _)| *k != "built_by" && *k != "phone");

    let page = app.post("/apply", &form, None).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("alert"));
    assert!(page.body.contains("卢氏县示例餐饮有限公司"));

    let wrong_type = Request::post("/apply")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let page = app.send(wrong_type).await;
    assert!(
        page.content_type().starts_with("text/html"),
        "{}",
        page.body
    );
    assert!(page.body.contains("提交的内容不完整或格式不正确"));
}

#[tokio::test]
async fn tracking_needs_the_number_and_the_phone() {
    let app = App::start().await;
    app.post("/apply", &application_form(USCC[0], "k-track"), None)
        .await;

    let found = app
        .get("/track?number=BZ20260303-0001&phone=13800000001", None)
        .await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.body.contains("待客户经理电话联系"));
    assert!(found.body.contains("客户经理电话联系用户"));
    assert!(found.body.contains("受理报装申请"));

    let wrong = app
        .get("/track?number=BZ20260303-0001&phone=13900000000", None)
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert!(
        wrong
            .body
            .contains("未找到该申请，请核对申请编号和联系电话")
    );
    assert!(!wrong.body.contains("示例餐饮"));

    let form = app.get("/track", None).await;
    assert_eq!(form.status, StatusCode::OK);
}

#[tokio::test]
async fn staff_pages_send_strangers_to_the_login_page() {
    let app = App::start().await;

    let page = app.get("/worklist", None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login");

    let page = app.get("/applications/BZ20260303-0001", None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location().starts_with("/login?next=/applications/"));
}

#[tokio::test]
async fn a_wrong_password_is_refused_in_chinese() {
    let app = App::start().await;
    app.sign_in("desk1", "张敏", Role::ServiceStaff).await;

    let page = app
        .post(
            "/login",
            &[("username", "desk1"), ("password", "nope")],
            None,
        )
        .await;

    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.body.contains("用户名或密码不正确"));
    assert!(page.headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn counter_intake_then_hand_over_on_the_application_page() {
    let app = App::start().await;
    let manager = app.sign_in("cm1", "王经理", Role::CustomerManager).await;
    let desk = app.sign_in("desk1", "张敏", Role::ServiceStaff).await;

    let worklist = app.get("/worklist", Some(&desk)).await;
    assert_eq!(worklist.status, StatusCode::OK);
    assert!(worklist.body.contains("张敏"));
    assert!(worklist.body.contains("服务人员"));
    assert!(worklist.body.contains("受理新申请"));

    let form = app.get("/intake", Some(&desk)).await;
    let key = form.input_value("idempotency_key").unwrap();
    let mut fields = application_form(USCC[2], &key);
    fields.push(("channel", "service_center"));
    fields.push(("accepted_at", "2026-03-03T09:40"));
    let created = app.post("/intake", &fields, Some(&desk)).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let address = created.location().split('?').next().unwrap().to_string();
    assert_eq!(address, "/applications/BZ20260303-0001");

    let page = app.get(created.location(), Some(&desk)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("申请已受理"));
    assert!(page.body.contains("待转交客户经理"));
    assert!(page.body.contains("2026-03-03 09:40"));
    assert!(
        page.body.contains("2026-03-03 11:40"),
        "handover due two working hours later"
    );
    assert!(page.body.contains("/actions/hand_over"));
    let version = page.input_value("version").unwrap();

    let worklist = app.get("/worklist", Some(&desk)).await;
    assert!(worklist.body.contains("BZ20260303-0001"));
    assert!(worklist.body.contains("st-on_time"));

    let manager_id = app
        .state
        .store
        .user_by_username("cm1")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let action = format!("{address}/actions/hand_over");
    let done = app
        .post(
            &action,
            &[
                ("version", &version),
                ("to", &manager_id),
                ("occurred_at", ""),
            ],
            Some(&desk),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    // The same form again rests on an old version: a conflict, in Chinese.
    let stale = app
        .post(
            &action,
            &[("version", &version), ("to", &manager_id)],
            Some(&desk),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.body.contains("alert"));

    let page = app.get(&address, Some(&manager)).await;
    assert!(page.body.contains("待现场核实"));
    assert!(page.body.contains("王经理"));
    assert!(page.body.contains("转交客户经理"));
    assert!(page.body.contains("/actions/verify_site"));
}

#[tokio::test]
async fn a_bad_time_on_an_action_is_refused_with_the_form_kept() {
    let app = App::start().await;
    let supervisor = app.sign_in("boss", "赵主管", Role::Supervisor).await;
    app.post("/apply", &application_form(USCC[0], "k-time"), None)
        .await;
    let page = app
        .get("/applications/BZ20260303-0001", Some(&supervisor))
        .await;
    let version = page.input_value("version").unwrap();

    let refused = app
        .post(
            "/applications/BZ20260303-0001/actions/add_note",
            &[
                ("version", &version),
                ("text", "申请人下午方便接电话"),
                ("occurred_at", "明天"),
            ],
            Some(&supervisor),
        )
        .await;

    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("时间格式不正确"));
    assert!(refused.body.contains("申请人下午方便接电话"));
}

#[tokio::test]
async fn only_administrators_manage_accounts() {
    let app = App::start().await;
    let desk = app.sign_in("desk1", "张敏", Role::ServiceStaff).await;
    let admin = app.sign_in("admin", "管理员", Role::Admin).await;

    let refused = app.get("/admin/users", Some(&desk)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("无权"));

    let page = app.get("/admin/users", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("desk1"));

    let created = app
        .post(
            "/admin/users",
            &[
                ("username", "cm2"),
                ("display_name", "刘经理"),
                ("role", "customer_manager"),
                ("password", "another-long-password"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert!(created.body.contains("已创建账号"));

    let short = app
        .post(
            "/admin/users",
            &[
                ("username", "cm3"),
                ("display_name", "周经理"),
                ("role", "customer_manager"),
                ("password", "short"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("密码至少需要 12 个字符"));
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = App::start().await;
    let desk = app.sign_in("desk1", "张敏", Role::ServiceStaff).await;

    let out = app.post("/logout", &[], Some(&desk)).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/");

    let page = app.get("/worklist", Some(&desk)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn unknown_addresses_get_a_chinese_page_but_the_api_keeps_json() {
    let app = App::start().await;

    let page = app.get("/no-such-page", None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("页面不存在"));

    let api = app.get("/api/v1/no-such-thing", None).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.content_type().starts_with("application/json"));
}

#[tokio::test]
async fn a_customer_manager_records_the_first_call_and_the_applicant_sees_it() {
    let app = App::start().await;
    let manager = app.sign_in("cm1", "王经理", Role::CustomerManager).await;
    app.post("/apply", &application_form(USCC[0], "k-call"), None)
        .await;
    let address = "/applications/BZ20260303-0001";
    app.clock.set(common::bj("2026-03-03T10:20"));

    let page = app.get(address, Some(&manager)).await;
    assert!(page.body.contains("/actions/record_first_call"));
    let version = page.input_value("version").unwrap();
    let done = app
        .post(
            &format!("{address}/actions/record_first_call"),
            &[
                ("version", &version),
                ("licence_confirmed", "on"),
                ("address_confirmed", "on"),
                ("completion_accepted", "on"),
                ("built_by", "self_built"),
                ("note", ""),
                ("occurred_at", "2026-03-03T10:15"),
            ],
            Some(&manager),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    let page = app.get(done.location(), Some(&manager)).await;
    assert!(page.body.contains("已完成：登记首次电话联系"));
    assert!(page.body.contains("待现场核实"));
    assert!(page.body.contains("2026-03-03 10:15 完成"));

    let tracked = app
        .get("/track?number=BZ20260303-0001&phone=13800000001", None)
        .await;
    assert!(tracked.body.contains("按时完成"));
    assert!(tracked.body.contains("首次电话联系"));
}

#[tokio::test]
async fn roles_without_intake_cannot_open_the_intake_form() {
    let app = App::start().await;
    let designer = app.sign_in("design1", "孙工", Role::Designer).await;

    let page = app.get("/intake", Some(&designer)).await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("您的岗位无权进行此操作"));
    assert!(page.body.contains("孙工"));
}

#[tokio::test]
async fn a_licence_found_by_its_code_shows_the_registry_name() {
    use gasdesk_domain::registry::{BusinessLicence, LicenceStatus};
    let app = App::start().await;
    let licence = BusinessLicence {
        uscc: Uscc::parse(USCC[1]).unwrap(),
        name: "卢氏县登记示例有限公司".to_string(),
        legal_representative: "张建国".to_string(),
        address: "卢氏县建设路18号".to_string(),
        registered_on: None,
        status: LicenceStatus::Active,
    };
    let now = app.state.now();
    app.state
        .store
        .import_licences(&[licence], now)
        .await
        .unwrap();
    let supervisor = app.sign_in("boss", "赵主管", Role::Supervisor).await;
    app.post("/apply", &application_form(USCC[1], "k-found"), None)
        .await;
    app.post("/apply", &application_form(USCC[2], "k-unknown"), None)
        .await;

    let found = app
        .get("/applications/BZ20260303-0001", Some(&supervisor))
        .await;
    assert!(found.body.contains("卢氏县登记示例有限公司"));
    assert!(found.body.contains("登记状态：存续"));

    let unknown = app
        .get("/applications/BZ20260303-0002", Some(&supervisor))
        .await;
    assert!(unknown.body.contains("待电话确认"));
}

#[tokio::test]
async fn a_new_account_changes_its_initial_password_before_working() {
    let app = App::start().await;
    let admin = app.sign_in("root", "管理员", Role::Admin).await;
    let created = app
        .post(
            "/admin/users",
            &[
                ("username", "zhao"),
                ("display_name", "赵经理"),
                ("role", "customer_manager"),
                ("password", "initial password 1"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);

    let login = app
        .post(
            "/login",
            &[
                ("username", "zhao"),
                ("password", "initial password 1"),
                ("next", ""),
            ],
            None,
        )
        .await;
    let cookie = login.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let worklist = app.get("/worklist", Some(&cookie)).await;
    assert_eq!(worklist.status, StatusCode::SEE_OTHER);
    assert_eq!(worklist.location(), "/account/password");

    let form = app.get("/account/password", Some(&cookie)).await;
    assert!(form.body.contains("请先设置自己的密码"), "{}", form.body);
    let mismatch = app
        .post(
            "/account/password",
            &[
                ("current_password", "initial password 1"),
                ("new_password", "my own password 22"),
                ("confirm_password", "my own password 23"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.body.contains("两次输入的新密码不一致"));

    let changed = app
        .post(
            "/account/password",
            &[
                ("current_password", "initial password 1"),
                ("new_password", "my own password 22"),
                ("confirm_password", "my own password 22"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    let renewed = changed.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        app.get("/worklist", Some(&renewed)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_tracking_link_from_the_confirmation_waits_for_the_phone() {
    let app = App::start().await;
    let page = app.get("/track?number=BZ20260303-0001", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("class=\"alert\""), "{}", page.body);
    assert_eq!(
        page.input_value("number").as_deref(),
        Some("BZ20260303-0001")
    );
}

#[tokio::test]
async fn a_counter_can_record_that_it_saw_the_licence() {
    let app = App::start().await;
    let desk = app.sign_in("desk9", "张敏", Role::ServiceStaff).await;
    let form = app.get("/intake", Some(&desk)).await;
    assert!(form.body.contains("已在柜台查验营业执照"));
    let key = form.input_value("idempotency_key").unwrap();
    let mut fields = application_form(USCC[2], &key);
    fields.push(("channel", "business_hall"));
    fields.push(("licence_seen", "yes"));
    let created = app.post("/intake", &fields, Some(&desk)).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);

    let page = app.get(created.location(), Some(&desk)).await;
    assert!(
        page.body.contains("柜台已现场查验营业执照"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("待电话确认"));
}

// Money, quotes and the price catalogue as the forms read them.

#[test]
fn yuan_typed_in_a_form_is_read_exactly_as_fen() {
    use gasdesk_web::pages::parse::yuan_to_fen;
    for (typed, fen) in [
        ("12.5", 1_250),
        ("0.01", 1),
        ("1000.50", 100_050),
        ("1000", 100_000),
        (" 7 ", 700),
        ("0", 0),
        ("0.1", 10),
        // Thousands separators, in groups of three as money is printed.
        ("1,000", 100_000),
        ("1,234,567.89", 123_456_789),
        ("¥1,234.56", 123_456),
        ("￥88", 8_800),
        // Full-width digits as Chinese input methods type them.
        ("１２.５", 1_250),
        // No floating point: 0.1 + 0.2 style amounts stay exact.
        ("19.99", 1_999),
        ("999999999999.99", 99_999_999_999_999),
    ] {
        assert_eq!(yuan_to_fen(typed), Ok(fen), "{typed:?}");
    }
    for (typed, says) in [
        ("-1", "负数"),
        ("−1", "负数"),
        ("abc", "金额格式不正确"),
        ("1.234", "两位小数"),
        ("0.001", "两位小数"),
        ("", "请填写金额"),
        ("   ", "请填写金额"),
        ("1,00", "金额格式不正确"),
        ("10,00.5", "金额格式不正确"),
        ("1,,000", "金额格式不正确"),
        (",100", "金额格式不正确"),
        ("1.", "金额格式不正确"),
        (".5", "金额格式不正确"),
        ("1.5.0", "金额格式不正确"),
        ("1e3", "金额格式不正确"),
        ("+5", "金额格式不正确"),
        ("12元", "金额格式不正确"),
        ("1 000", "金额格式不正确"),
        ("9999999999999", "金额过大"),
    ] {
        let refused = yuan_to_fen(typed).expect_err(typed);
        assert!(refused.contains(says), "{typed:?}: {refused}");
    }
}

#[test]
fn money_reads_back_as_it_is_printed() {
    use gasdesk_web::pages::parse::yuan_to_fen;
    use gasdesk_web::text::yuan;
    assert_eq!(yuan(123_456), "¥1,234.56");
    assert_eq!(yuan(288_250), "¥2,882.50");
    assert_eq!(yuan(5), "¥0.05");
    assert_eq!(yuan(0), "¥0.00");
    assert_eq!(yuan(100_000_000), "¥1,000,000.00");
    assert_eq!(yuan(-150), "-¥1.50");
    for fen in [0, 1, 99, 100, 1_050, 99_999, 100_000, 123_456_789] {
        assert_eq!(yuan_to_fen(&yuan(fen)), Ok(fen), "{fen}");
    }
}

#[test]
fn the_quote_textarea_is_one_code_and_quantity_a_line() {
    use gasdesk_domain::catalogue::QuoteRequestLine;
    use gasdesk_web::pages::parse::{quote_lines, quote_text};
    let line = |code: &str, quantity| QuoteRequestLine {
        code: code.to_string(),
        quantity,
    };
    let typed = "GD-DN25 25\n\n  FM-DN25\t2  \r\nBJ-01，1\nGD-DN32,3\nFM-DN32　４";
    assert_eq!(
        quote_lines(typed).unwrap(),
        [
            line("GD-DN25", 25),
            line("FM-DN25", 2),
            line("BJ-01", 1),
            line("GD-DN32", 3),
            line("FM-DN32", 4),
        ]
    );
    let lines = [line("GD-DN25", 25), line("BJ-01", 1)];
    assert_eq!(quote_text(&lines), "GD-DN25 25\nBJ-01 1");
    assert_eq!(quote_lines(&quote_text(&lines)).unwrap(), lines);

    for (typed, says) in [
        ("", "请填写报价清单"),
        ("\n  \n", "请填写报价清单"),
        ("GD-DN25", "第1行格式不正确"),
        ("GD-DN25 25\nBJ-01 1 台", "第2行格式不正确"),
        ("GD-DN25 2.5", "第1行的数量“2.5”不正确"),
        ("GD-DN25 0", "正整数"),
        ("GD-DN25 -3", "正整数"),
        ("GD-DN25 十", "正整数"),
        ("GD-DN25 99999999999999999999", "正整数"),
        (
            "GD-DN25 2\nBJ-01 1\nGD-DN25 3",
            "GD-DN25 重复出现（第1行、第3行）",
        ),
    ] {
        let refused = quote_lines(typed).expect_err(typed);
        assert!(refused.contains(says), "{typed:?}: {refused}");
    }
}

#[test]
fn the_catalogue_textarea_is_code_name_unit_and_price_a_line() {
    use gasdesk_web::pages::parse::catalogue_items;
    let typed = "GD-DN25,DN25 镀锌钢管安装,米,86.50\n\nBJ-01，可燃气体报警器，台，480\n\
                 SG-01\t燃气工程施工\t项\t1,200.00";
    let items = catalogue_items(typed).unwrap();
    let read: Vec<(&str, &str, &str, i64)> = items
        .iter()
        .map(|i| {
            (
                i.code.as_str(),
                i.name.as_str(),
                i.unit.as_str(),
                i.unit_price_fen,
            )
        })
        .collect();
    assert_eq!(
        read,
        [
            ("GD-DN25", "DN25 镀锌钢管安装", "米", 8_650),
            ("BJ-01", "可燃气体报警器", "台", 48_000),
            ("SG-01", "燃气工程施工", "项", 120_000),
        ]
    );
    for (typed, says) in [
        ("", "请填写价格清单"),
        ("GD-DN25,DN25 镀锌钢管安装,米", "第1行格式不正确"),
        ("GD-DN25,,米,86.50", "第1行的编码、名称、单位都须填写"),
        ("A,甲,个,1\nB,乙,个,-2", "第2行单价：金额不能为负数"),
        ("A,甲,个,1.005", "第1行单价：金额最多保留两位小数"),
        ("A,甲,个,1\nA,乙,个,2", "编码 A 重复出现（第1行、第2行）"),
    ] {
        let refused = catalogue_items(typed).expect_err(typed);
        assert!(refused.contains(says), "{typed:?}: {refused}");
    }
}

const CATALOGUE: &str = "GD-DN25,DN25 镀锌钢管安装,米,86.50\n\
                         FM-DN25,DN25 球阀,个,120\n\
                         BJ-01,可燃气体报警器,台,480.00";

#[tokio::test]
async fn business_planning_publishes_the_catalogue_others_read_it() {
    let app = App::start().await;
    let planner = app.sign_in("plan", "钱经营", Role::BusinessPlanning).await;
    let designer = app.sign_in("design1", "孙设计", Role::Designer).await;

    let empty = app.get("/catalogue", Some(&planner)).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("尚未发布价格清单"));
    assert!(
        empty.body.contains("href=\"/catalogue\""),
        "a link in the header"
    );

    let bad = app
        .post(
            "/catalogue",
            &[
                ("items", "GD-DN25,DN25 镀锌钢管安装,米,86.505"),
                ("note", ""),
            ],
            Some(&planner),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("第1行单价"), "{}", bad.body);
    assert!(
        bad.body.contains("86.505"),
        "the textarea keeps what was typed"
    );
    assert!(bad.body.contains("field invalid"));

    let published = app
        .post(
            "/catalogue",
            &[("items", CATALOGUE), ("note", "2026 年价格")],
            Some(&planner),
        )
        .await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.body
    );
    assert_eq!(published.location(), "/catalogue?version=1&done=published");
    let page = app.get(published.location(), Some(&planner)).await;
    assert!(page.body.contains("已发布第1版价格清单"));
    for shown in [
        "GD-DN25",
        "DN25 球阀",
        "¥86.50",
        "¥120.00",
        "¥480.00",
        "2026 年价格",
    ] {
        assert!(page.body.contains(shown), "no {shown}");
    }
    let stored = app.state.store.catalogue(None).await.unwrap().unwrap();
    let prices: Vec<i64> = stored.items.iter().map(|i| i.unit_price_fen).collect();
    assert_eq!(prices, [8_650, 12_000, 48_000]);
    assert_eq!(stored.published_by, "钱经营");

    // A second version; the first stays readable as it was.
    let cheaper = CATALOGUE.replace("86.50", "80.00");
    app.post(
        "/catalogue",
        &[("items", cheaper.as_str()), ("note", "")],
        Some(&planner),
    )
    .await;
    let v1 = app.get("/catalogue?version=1", Some(&designer)).await;
    assert_eq!(v1.status, StatusCode::OK);
    assert!(v1.body.contains("第1版（已停用）"), "{}", v1.body);
    assert!(v1.body.contains("¥86.50"));
    let current = app.get("/catalogue", Some(&designer)).await;
    assert!(current.body.contains("第2版（现行）"));
    assert!(current.body.contains("¥80.00"));
    assert!(
        !current.body.contains("发布新版本"),
        "designers only read it"
    );
    assert!(
        !current.body.contains("href=\"/catalogue\""),
        "not in their header"
    );
    for missing in ["/catalogue?version=9", "/catalogue?version=abc"] {
        let page = app.get(missing, Some(&designer)).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{missing}");
        assert!(page.body.contains("未找到该版本的价格清单"));
    }

    let refused = app
        .post(
            "/catalogue",
            &[("items", CATALOGUE), ("note", "")],
            Some(&designer),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.state
            .store
            .catalogue(None)
            .await
            .unwrap()
            .unwrap()
            .version,
        2
    );
}

/// Signs an existing account in through the login page; returns the cookie.
async fn sign_in_again(app: &App, username: &str) -> String {
    let page = app
        .post(
            "/login",
            &[
                ("username", username),
                ("password", common::PASSWORD),
                ("next", ""),
            ],
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let cookie = page.headers[header::SET_COOKIE].to_str().unwrap();
    cookie.split(';').next().unwrap().to_string()
}

/// Takes an action through its form on the application page, sending the
/// version the page shows.
async fn act(
    app: &App,
    who: &str,
    number: &str,
    kind: &str,
    fields: &[(&str, &str)],
) -> common::Page {
    let address = format!("/applications/{number}");
    let page = app.get(&address, Some(who)).await;
    assert!(
        page.body.contains(&format!("/actions/{kind}\"")),
        "no {kind} form for this person: {}",
        page.body
    );
    let version = page.input_value("version").unwrap();
    let mut form = vec![("version", version.as_str())];
    form.extend_from_slice(fields);
    app.post(&format!("{address}/actions/{kind}"), &form, Some(who))
        .await
}

async fn done(app: &App, who: &str, number: &str, kind: &str, fields: &[(&str, &str)]) {
    let page = act(app, who, number, kind, fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{kind}: {}", page.body);
}

#[tokio::test]
async fn a_one_stop_counter_application_is_quoted_and_paid_through_the_pages() {
    let app = App::start().await;
    let planner = app.sign_in("plan", "钱经营", Role::BusinessPlanning).await;
    let desk = app.sign_in("desk1", "张敏", Role::ServiceStaff).await;
    let manager = app.sign_in("cm1", "王经理", Role::CustomerManager).await;
    let designer = app.sign_in("design1", "孙设计", Role::Designer).await;
    app.post(
        "/catalogue",
        &[("items", CATALOGUE), ("note", "")],
        Some(&planner),
    )
    .await;
    let manager_id = app
        .state
        .store
        .user_by_username("cm1")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();

    // Tue 10:00 at a business hall: the appliance list and the floor plan
    // are handed in, the licence is not, so it is pre-accepted.
    let form = app.get("/intake", Some(&desk)).await;
    assert!(form.body.contains("一站式服务（燃气公司设计、施工、通气）"));
    assert!(form.body.contains("name=\"material_business_licence\""));
    let key = form.input_value("idempotency_key").unwrap();
    let mut fields = application_form(USCC[1], &key);
    fields[6].1 = "no";
    fields.extend([
        ("channel", "business_hall"),
        ("assignee", manager_id.as_str()),
        ("line", "one_stop"),
        ("applicant_kind", "enterprise"),
        ("material_appliance_list", "on"),
        ("material_floor_plan", "on"),
    ]);
    let created = app.post("/intake", &fields, Some(&desk)).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let number = "BZ20260303-0001";
    let page = app.get(created.location(), Some(&manager)).await;
    assert!(page.body.contains("一站式服务办理记录"));
    assert!(page.body.contains("待踏勘设计"));
    assert!(page.body.contains("待补交"), "{}", page.body);
    assert!(page.body.contains("已提供"));
    assert!(page.body.contains("用户类型：企业"));

    // Waiting on the applicant stops the clock.
    app.clock.set(common::bj("2026-03-03T10:30"));
    done(
        &app,
        &manager,
        number,
        "await_applicant",
        &[("reason", "请用户确认踏勘时间")],
    )
    .await;
    let page = app
        .get(&format!("/applications/{number}"), Some(&manager))
        .await;
    assert!(page.body.contains("暂停（等待用户）"));
    assert!(page.body.contains("恢复计时后顺延"));
    // 1 working day less the 30 minutes used.
    assert!(page.body.contains("剩余6小时30分"), "{}", page.body);
    assert!(
        page.body
            .contains("等待用户配合</strong>：请用户确认踏勘时间")
    );

    // A follow-up is recorded on the wait.
    app.clock.set(common::bj("2026-03-03T10:45"));
    let follow = [("note", "已电话询问，用户中午前答复")];
    done(&app, &manager, number, "follow_up_applicant", &follow).await;
    let page = app
        .get(&format!("/applications/{number}"), Some(&manager))
        .await;
    assert!(page.body.contains("已主动跟进：2026-03-03 10:45"));

    app.clock.set(common::bj("2026-03-03T11:00"));
    done(
        &app,
        &manager,
        number,
        "agree_survey_time",
        &[("survey_at", "2026-03-03T14:30")],
    )
    .await;

    // The survey needs the designer and the construction unit on site.
    app.clock.set(common::bj("2026-03-03T14:30"));
    let survey = [
        ("designer_attended", "on"),
        ("customer_manager_present", "no"),
        ("gas_use_plan", "后厨两台灶具"),
    ];
    let refused = act(&app, &designer, number, "record_survey", &survey).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("设计人员和施工单位必须参加现场踏勘"));
    assert!(refused.body.contains("后厨两台灶具"));
    let mut survey = survey.to_vec();
    survey.push(("construction_unit_attended", "on"));
    done(&app, &designer, number, "record_survey", &survey).await;

    // The design form lists the catalogue; a code twice is refused.
    app.clock.set(common::bj("2026-03-03T15:00"));
    let page = app
        .get(&format!("/applications/{number}"), Some(&designer))
        .await;
    assert!(page.body.contains("现行价格清单（第1版）"));
    assert!(page.body.contains("可燃气体报警器"));
    let twice = [
        ("summary", "DN25 明管入户"),
        ("quote", "GD-DN25 25\nGD-DN25 1"),
    ];
    let refused = act(&app, &designer, number, "issue_design", &twice).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("GD-DN25 重复出现"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("DN25 明管入户"));
    let design = [
        ("summary", "DN25 明管入户"),
        ("quote", "GD-DN25 25\nFM-DN25 2\nBJ-01 1"),
    ];
    done(&app, &designer, number, "issue_design", &design).await;
    // 25 x 86.50 = 2162.50, 2 x 120.00 = 240.00, 1 x 480.00: 2882.50 yuan.
    let page = app
        .get(&format!("/applications/{number}"), Some(&manager))
        .await;
    for amount in ["¥2,162.50", "¥240.00", "¥480.00", "¥2,882.50"] {
        assert!(page.body.contains(amount), "no {amount}");
    }
    assert!(page.body.contains("待用户确认"));
    assert!(
        page.body
            .contains("孙设计（客户经理缺席，由设计人员全权负责）")
    );

    // A revision starts from the quote as it stands and must be confirmed
    // as the new revision.
    app.clock.set(common::bj("2026-03-03T15:10"));
    let page = app
        .get(&format!("/applications/{number}"), Some(&designer))
        .await;
    assert!(
        page.body
            .contains(">GD-DN25 25\nFM-DN25 2\nBJ-01 1</textarea>")
    );
    let revise = [
        ("quote", "GD-DN25 25\nFM-DN25 2\nBJ-01 1"),
        ("reason", "复核工程量，数量不变"),
    ];
    done(&app, &designer, number, "revise_quote", &revise).await;

    app.clock.set(common::bj("2026-03-03T15:30"));
    done(&app, &manager, number, "deliver_design", &[]).await;
    let page = app
        .get(&format!("/applications/{number}"), Some(&manager))
        .await;
    assert!(page.body.contains("2026-03-03 15:30，当天送达"));
    // Contract and payment, half a day from 15:30: 2.5 h today, 1 h on Wednesday.
    assert!(
        page.body.contains("补交期限 2026-03-04 09:30"),
        "{}",
        page.body
    );

    // The licence: handed in at the counter, a wrong one sent back, then
    // the right one accepted. The rejected one stays on the page.
    app.clock.set(common::bj("2026-03-03T15:40"));
    let hand_in = |description| {
        vec![
            ("material", "business_licence"),
            ("channel", "business_hall"),
            ("description", description),
        ]
    };
    let no_channel = [("material", "business_licence"), ("description", "复印件")];
    let refused = act(&app, &desk, number, "hand_in_material", &no_channel).await;
    assert!(refused.body.contains("请选择资料的接收渠道"));
    done(
        &app,
        &desk,
        number,
        "hand_in_material",
        &hand_in("其他公司的执照"),
    )
    .await;
    let reject = [
        ("hand_in", "1"),
        ("accepted", "no"),
        ("reason", "信用代码不符"),
    ];
    done(&app, &desk, number, "review_hand_in", &reject).await;
    done(
        &app,
        &desk,
        number,
        "hand_in_material",
        &hand_in("营业执照副本复印件"),
    )
    .await;
    done(
        &app,
        &desk,
        number,
        "review_hand_in",
        &[("hand_in", "2"), ("accepted", "yes")],
    )
    .await;
    let page = app
        .get(&format!("/applications/{number}"), Some(&manager))
        .await;
    assert!(page.body.contains("已退回：信用代码不符"), "{}", page.body);
    assert!(page.body.contains("公司营业厅"));

    let stale = act(
        &app,
        &manager,
        number,
        "confirm_quote",
        &[("revision", "1")],
    )
    .await;
    assert_eq!(
        stale.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        stale.body
    );
    assert!(stale.body.contains("报价已被修改，请刷新后确认最新版本"));
    let page = app
        .get(&format!("/applications/{number}"), Some(&manager))
        .await;
    assert_eq!(page.input_value("revision").as_deref(), Some("2"));
    done(
        &app,
        &manager,
        number,
        "confirm_quote",
        &[("revision", "2")],
    )
    .await;
    let page = app
        .get(&format!("/applications/{number}"), Some(&manager))
        .await;
    assert_eq!(
        page.input_value("invoice.title").as_deref(),
        Some("卢氏县示例餐饮有限公司"),
        "the invoice starts from the applicant"
    );
    let contract = [
        ("contract_number", "YZ-2026-001"),
        ("invoice.title", "卢氏县示例餐饮有限公司"),
        ("invoice.tax_number", USCC[1]),
        ("special_requests", ""),
    ];
    done(&app, &manager, number, "sign_contract", &contract).await;

    // Payments are typed in yuan and kept in fen.
    let pay = |amount| {
        vec![
            ("amount", amount),
            ("receipt_number", "R-001"),
            ("method", "银行转账"),
        ]
    };
    for (typed, says) in [
        ("abc", "金额格式不正确"),
        ("1.234", "两位小数"),
        ("-1", "负数"),
    ] {
        let refused = act(&app, &manager, number, "record_payment", &pay(typed)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        assert!(refused.body.contains(says), "{typed}: {}", refused.body);
        assert!(
            refused.body.contains(&format!("value=\"{typed}\"")),
            "{typed} kept"
        );
    }
    let refused = act(&app, &manager, number, "record_payment", &pay("2882.51")).await;
    assert!(refused.body.contains("缴费金额超过报价总额"));
    done(&app, &manager, number, "record_payment", &pay("1,000.5")).await;
    let page = app
        .get(&format!("/applications/{number}"), Some(&manager))
        .await;
    assert!(page.body.contains("¥1,000.50"));
    assert!(
        page.body
            .contains("待缴 <strong class=\"outstanding\">¥1,882.00</strong>")
    );
    assert_eq!(page.input_value("amount").as_deref(), Some("1882.00"));
    let mut rest = pay("1882");
    rest[1].1 = "R-002";
    done(&app, &manager, number, "record_payment", &rest).await;

    let stored = app
        .state
        .store
        .application_by_number(number)
        .await
        .unwrap()
        .unwrap();
    let case = stored.one_stop.unwrap();
    let paid: Vec<i64> = case.payments.iter().map(|p| p.amount_fen).collect();
    assert_eq!(paid, [100_050, 188_200]);
    assert_eq!(case.quote.unwrap().total_fen, 288_250);
    assert_eq!(stored.status.as_str(), "under_construction");
    let page = app
        .get(&format!("/applications/{number}"), Some(&manager))
        .await;
    assert!(page.body.contains("已缴清"));
    assert!(page.body.contains("施工中"));

    // A permit handled for free; the authority's fee is the applicant's.
    done(
        &app,
        &manager,
        number,
        "request_permit_agency",
        &[("permit", "road_excavation")],
    )
    .await;
    let approved = [
        ("permit", "road_excavation"),
        ("status", "approved"),
        ("government_fee", "500"),
        ("note", "县交通局批复"),
    ];
    let mut bad_fee = approved.to_vec();
    bad_fee[2].1 = "五百";
    let refused = act(&app, &manager, number, "update_permit", &bad_fee).await;
    assert!(refused.body.contains("金额格式不正确"));
    done(&app, &manager, number, "update_permit", &approved).await;
    let offer = [
        ("service", "leak_alarm"),
        ("accepted", "yes"),
        ("note", "报警器年度维保"),
    ];
    done(&app, &manager, number, "offer_extended_service", &offer).await;

    // A problem on site keeps construction open until it is resolved. A
    // new working day: everyone signs in again.
    app.clock.set(common::bj("2026-03-04T09:00"));
    let builder = app
        .sign_in("build1", "周施工", Role::ConstructionUnit)
        .await;
    let designer = sign_in_again(&app, "design1").await;
    let manager = sign_in_again(&app, "cm1").await;
    done(&app, &builder, number, "enter_site", &[]).await;
    let problem = [("description", "热水器位置与图纸不符")];
    done(&app, &builder, number, "report_site_problem", &problem).await;
    let refused = act(&app, &builder, number, "complete_construction", &[]).await;
    assert!(refused.body.contains("还有现场问题未处理"));
    let fix = [("problem", "1"), ("resolution", "沿墙改走，增加一个弯头")];
    done(&app, &designer, number, "resolve_site_problem", &fix).await;
    done(&app, &builder, number, "complete_construction", &[]).await;

    let page = app
        .get(&format!("/applications/{number}"), Some(&manager))
        .await;
    assert!(page.body.contains("待验收通气"));
    for shown in [
        "道路开挖审批",
        "已批准",
        "¥0.00（免费代办）",
        "¥500.00（由用户承担）",
        "县交通局批复",
        "燃气泄漏报警系统（销售、安装、维保）",
        "用户需要",
        "热水器位置与图纸不符",
        "已处理：沿墙改走，增加一个弯头",
    ] {
        assert!(page.body.contains(shown), "no {shown}");
    }
    let stored = app
        .state
        .store
        .application_by_number(number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.permits[0].government_fee_fen, Some(50_000));
    assert_eq!(stored.permits[0].agency_fee_fen, 0);
}

#[tokio::test]
async fn an_online_applicant_asks_for_the_one_stop_service_with_their_materials() {
    let app = App::start().await;
    let apply = app.get("/apply", None).await;
    assert!(apply.body.contains("用户类型（一站式服务）"));
    assert!(apply.body.contains("事业单位"));
    assert!(apply.body.contains("用气设备清单"));
    assert!(
        apply
            .body
            .contains("name=\"line\" value=\"connection_102\" checked"),
        "the 102 standard is the default"
    );

    // Ready for the 102 standard, but a hospital asking for the turnkey
    // service: it holds no business licence and is never asked for one.
    let mut form = application_form(INSTITUTION_USCC, "k-online-one-stop");
    form.extend([
        ("line", "one_stop"),
        ("applicant_kind", "institution"),
        ("material_appliance_list", "on"),
        ("material_floor_plan", "on"),
    ]);
    let mut wrong = form.clone();
    wrong.retain(|(k, _)| *k != "line");
    wrong.push(("line", "new_community"));
    let refused = app.post("/apply", &wrong, None).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("请选择业务类型"));
    assert!(
        refused
            .body
            .contains("name=\"material_floor_plan\" value=\"on\" checked"),
        "ticked materials stay ticked"
    );

    let done = app.post("/apply", &form, None).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = app.get(done.location(), None).await;
    assert!(page.body.contains("2个工作小时内"), "{}", page.body);

    let stored = app
        .state
        .store
        .application_by_number("BZ20260303-0001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.line.as_str(), "one_stop");
    let materials: Vec<(&str, &str)> = stored
        .materials
        .iter()
        .map(|m| {
            let status = match m.status {
                gasdesk_domain::materials::MaterialStatus::Provided => "provided",
                gasdesk_domain::materials::MaterialStatus::Shared => "shared",
                gasdesk_domain::materials::MaterialStatus::NotHeld => "not_held",
                gasdesk_domain::materials::MaterialStatus::Owed => "owed",
            };
            (m.key.as_str(), status)
        })
        .collect();
    assert_eq!(
        materials,
        [
            ("business_licence", "not_held"),
            ("appliance_list", "provided"),
            ("floor_plan", "provided"),
        ]
    );
}
