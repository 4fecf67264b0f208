//! The Chinese pages, driven in-process as a browser would.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{App, USCC, application_form};
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
