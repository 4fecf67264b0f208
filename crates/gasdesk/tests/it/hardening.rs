//! Bad, hostile or careless input: each test is a way the service was once
//! shown to misbehave, and what it must do instead.

use crate::support::*;
use gasdesk_domain::Role;
use serde_json::json;

#[tokio::test]
async fn an_idempotency_key_never_returns_someone_elses_application() {
    let server = TestServer::start().await;
    server.at("2026-03-03T10:00");
    let mut first = intake("online", USCC[0]);
    first["idempotency_key"] = json!("order-1");
    let (status, a) = server.apply(None, first.clone()).await;
    assert_eq!(status, 201);

    let mut other = intake("online", USCC[1]);
    other["contact_name"] = json!("另一人");
    other["phone"] = json!("13000000000");
    other["idempotency_key"] = json!("order-1");
    let (status, b) = server.apply(None, other).await;
    assert_eq!(
        status, 201,
        "other content under the same key is another request"
    );
    assert_ne!(a["number"], b["number"]);
    assert_eq!(b["applicant"]["phone"], "13000000000");

    let (status, again) = server.apply(None, first).await;
    assert_eq!((status, &again["number"]), (200, &a["number"]));
}

#[tokio::test]
async fn tracking_shows_progress_but_no_staff_notes_or_identities() {
    let server = TestServer::start().await;
    let boss = server.staff("boss", "刘主管", Role::Supervisor).await;
    server.at("2026-03-03T10:00");
    let (_, app) = server.apply(None, intake("online", USCC[0])).await;
    let number = app["number"].as_str().unwrap();
    let note = json!({"type": "add_note", "text": "内部备注：勿告知申请人"});
    let (status, _) = server.act(&boss, number, 1, note).await;
    assert_eq!(status, 200);

    let lower = number.to_ascii_lowercase();
    let path = format!("/api/v1/track?number={lower}&phone=13800138000");
    let (status, view) = server.send("GET", &path, None, None).await;
    assert_eq!(status, 200, "{view}");
    let text = view.to_string();
    assert!(!text.contains("内部备注"), "{text}");
    assert!(!text.contains("刘主管"), "{text}");
    assert!(!text.contains("user_id"), "{text}");
    let kinds: Vec<&str> = view["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["submitted"]);
    assert_eq!(view["status"], "awaiting_first_call");
}

#[tokio::test]
async fn the_front_desk_cannot_cancel_a_case_once_handed_over() {
    let server = TestServer::start().await;
    let desk = server.staff("desk", "王前台", Role::ServiceStaff).await;
    let cm = server.staff("cm", "李经理", Role::CustomerManager).await;
    server.at("2026-03-03T10:00");
    let (_, app) = server
        .apply(Some(&desk), intake("business_hall", USCC[0]))
        .await;
    let number = app["number"].as_str().unwrap();
    let to = json!({"type": "hand_over", "to": {"user_id": cm.user_id, "name": ""}});
    assert_eq!(server.act(&desk, number, 1, to).await.0, 200);

    let cancel = json!({"type": "cancel", "reason": "前台撤销"});
    let (status, body) = server.act(&desk, number, 2, cancel).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("not_owner")));
}

#[tokio::test]
async fn intake_times_are_bounded_and_online_applicants_cannot_pick_staff() {
    let server = TestServer::start().await;
    let desk = server.staff("desk", "王前台", Role::ServiceStaff).await;
    let cm = server.staff("cm", "李经理", Role::CustomerManager).await;
    server.at("2026-03-03T10:00");

    for (accepted_at, code) in [
        ("2026-01-02T10:00:00+08:00", "time_too_early"),
        ("1999-12-31T10:00:00+08:00", "time_too_early"),
        ("2026-03-03T11:00:00+08:00", "time_in_future"),
    ] {
        let mut body = intake("hotline", USCC[0]);
        body["accepted_at"] = json!(accepted_at);
        let (status, answer) = server.apply(Some(&desk), body).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (422, Some(code)),
            "{accepted_at}"
        );
    }

    let mut body = intake("online", USCC[1]);
    body["assignee"] = json!({"user_id": cm.user_id, "name": "x"});
    let (status, app) = server.apply(None, body).await;
    assert_eq!(status, 201);
    assert!(app["assignee"].is_null(), "{app}");
}

#[tokio::test]
async fn full_width_input_is_read_and_dangling_hyphens_refused() {
    let server = TestServer::start().await;
    server.at("2026-03-03T10:00");
    let mut body = intake("online", "９１４１１２２４ＭＡ０００１ＡＡ５Ｙ");
    body["phone"] = json!("１３８００１３８０００");
    let (status, app) = server.apply(None, body).await;
    assert_eq!(status, 201, "{app}");
    assert_eq!(app["applicant"]["uscc"], USCC[0]);
    assert_eq!(app["applicant"]["phone"], "13800138000");

    let mut body = intake("online", USCC[0]);
    body["phone"] = json!("1380013800-");
    let (status, answer) = server.apply(None, body).await;
    assert_eq!((status, answer["field"].as_str()), (422, Some("phone")));

    let mut body = intake("online", USCC[0]);
    body["organisation"] = json!("\u{200b}");
    let (status, answer) = server.apply(None, body).await;
    assert_eq!(
        (status, answer["field"].as_str()),
        (422, Some("organisation"))
    );
}

#[tokio::test]
async fn every_api_failure_is_json_with_a_code() {
    let server = TestServer::start().await;
    let boss = server.staff("boss", "刘主管", Role::Supervisor).await;

    let (status, body) = server
        .send("GET", "/api/v1/reports/received", Some(&boss), None)
        .await;
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_query")));
    let (status, body) = server.send("GET", "/api/v1/track", None, None).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_query")));
    let (status, body) = server.send("PUT", "/api/v1/applications", None, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (405, Some("method_not_allowed"))
    );

    let mut huge = intake("online", USCC[0]);
    huge["organisation"] = json!("甲".repeat(3 * 1024 * 1024));
    let (status, body) = server.apply(None, huge).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("payload_too_large"))
    );
}

#[tokio::test]
async fn api_answers_are_never_cached_and_cross_site_posts_refused() {
    let server = TestServer::start().await;
    server.at("2026-03-03T10:00");
    let http = reqwest::Client::new();
    let response = http
        .get(format!("{}/api/v1/track?number=X&phone=1", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");

    let response = http
        .post(format!("{}/api/v1/applications", server.base))
        .header("origin", "https://evil.example")
        .json(&intake("online", USCC[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "cross_site_request");

    let same_site = http
        .post(format!("{}/api/v1/applications", server.base))
        .header("origin", server.base.clone())
        .json(&intake("online", USCC[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(same_site.status(), 201);
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_account_for_a_while() {
    let server = TestServer::start().await;
    server.at("2026-03-03T10:00");
    server.staff("cm", "李经理", Role::CustomerManager).await;
    let login = |password: &str| json!({"username": "CM", "password": password});
    for _ in 0..5 {
        let (status, _) = server
            .send(
                "POST",
                "/api/v1/session",
                None,
                Some(login("wrong password!")),
            )
            .await;
        assert_eq!(status, 401);
    }
    let (status, body) = server
        .send(
            "POST",
            "/api/v1/session",
            None,
            Some(login("a long test password")),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("too_many_attempts"))
    );

    server.at("2026-03-03T10:16");
    let (status, body) = server
        .send(
            "POST",
            "/api/v1/session",
            None,
            Some(login("a long test password")),
        )
        .await;
    assert_eq!(
        status, 200,
        "usernames are case-insensitive and the lock ends: {body}"
    );
}

#[tokio::test]
async fn an_initial_password_must_be_changed_before_anything_else() {
    let server = TestServer::start().await;
    let admin = server.staff("root", "管理员", Role::Admin).await;
    let create = json!({"username": "Zhao", "display_name": "赵经理",
        "role": "customer_manager", "password": "given by admin 123"});
    let (status, body) = server
        .send("POST", "/api/v1/users", Some(&admin), Some(create))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["username"], "zhao");

    let credentials = json!({"username": "zhao", "password": "given by admin 123"});
    let (_, login) = server
        .send("POST", "/api/v1/session", None, Some(credentials))
        .await;
    let zhao = Session {
        token: login["token"].as_str().unwrap().to_string(),
        user_id: String::new(),
        name: String::new(),
    };
    let (status, body) = server
        .send("GET", "/api/v1/worklist", Some(&zhao), None)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("password_change_required"))
    );

    let same = json!({"current_password": "given by admin 123",
        "new_password": "given by admin 123"});
    let path = "/api/v1/session/password";
    let (status, body) = server.send("POST", path, Some(&zhao), Some(same)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("same_password"))
    );
    let change = json!({"current_password": "given by admin 123",
        "new_password": "only zhao knows this"});
    let (status, body) = server.send("POST", path, Some(&zhao), Some(change)).await;
    assert_eq!(status, 200, "{body}");

    let (status, _) = server
        .send("GET", "/api/v1/worklist", Some(&zhao), None)
        .await;
    assert_eq!(status, 401, "the old session ended with the change");
    let renewed = Session {
        token: body["token"].as_str().unwrap().to_string(),
        user_id: String::new(),
        name: String::new(),
    };
    let (status, _) = server
        .send("GET", "/api/v1/worklist", Some(&renewed), None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_routed_application_stays_on_the_worklist_until_answered() {
    let server = TestServer::start().await;
    let cm = server.staff("cm", "李经理", Role::CustomerManager).await;
    server.at("2026-03-03T11:00");
    let mut body = intake("online", USCC[0]);
    body["readiness"]["source_pipeline_ready"] = json!(false);
    let (_, app) = server.apply(None, body).await;
    let number = app["number"].as_str().unwrap().to_string();
    assert_eq!(app["status"], "routed_one_stop");
    // The one-stop line answers online registrations within 2 working
    // hours: 1 h before noon and 1 h from 14:30.
    let response = deadline(&app, "online_response");
    assert_eq!(response["due_at"], bj_json("2026-03-03T15:30"));

    let (_, list) = server
        .send("GET", "/api/v1/worklist", Some(&cm), None)
        .await;
    let listed: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["application"]["number"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [number.as_str()]);

    server.at("2026-03-03T15:00");
    let call = json!({"type": "record_first_call", "confirmation": {
        "licence_confirmed": true, "address_confirmed": true,
        "built_by": "company_built", "completion_accepted": false}});
    let (status, app) = server.act(&cm, &number, 1, call).await;
    assert_eq!(status, 200, "{app}");
    // The response completes registration: survey and design come next.
    assert_eq!(app["status"], "awaiting_survey");
    assert_eq!(
        deadline(&app, "online_response")["met_at"],
        bj_json("2026-03-03T15:00")
    );
}

#[tokio::test]
async fn guessing_phone_numbers_on_tracking_is_slowed_down() {
    let server = TestServer::start().await;
    server.at("2026-03-03T10:00");
    let (_, app) = server.apply(None, intake("online", USCC[0])).await;
    let number = app["number"].as_str().unwrap();
    let track = |phone: &str| format!("/api/v1/track?number={number}&phone={phone}");
    for guess in 0..5 {
        let (status, _) = server
            .send("GET", &track(&format!("1390000000{guess}")), None, None)
            .await;
        assert_eq!(status, 404);
    }
    let (status, body) = server.send("GET", &track("13800138000"), None, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("too_many_attempts"))
    );
    server.at("2026-03-03T10:16");
    let (status, _) = server.send("GET", &track("13800138000"), None, None).await;
    assert_eq!(status, 200);
}
