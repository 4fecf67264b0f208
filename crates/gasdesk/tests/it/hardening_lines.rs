//! Careless or hostile use of the one-stop and community lines: times that
//! run backwards, waits dated back, steps taken while the applicant has the
//! next move, one plot claimed twice, records entered twice.

use crate::support::*;
use gasdesk_domain::Role;
use serde_json::{Value, json};

struct Case {
    cm: Session,
    designer: Session,
    number: String,
    version: i64,
}

/// A one-stop application registered at the counter on Mon 2026-03-09
/// 09:00, assigned to the customer manager, with a catalogue published.
async fn one_stop(server: &TestServer) -> Case {
    let desk = server.staff("desk", "王前台", Role::ServiceStaff).await;
    let cm = server.staff("cm", "李经理", Role::CustomerManager).await;
    let designer = server.staff("designer", "孙设计", Role::Designer).await;
    let planning = server
        .staff("planning", "钱经营", Role::BusinessPlanning)
        .await;
    server.at("2026-03-09T08:00");
    let items =
        json!([{"code": "BJ-01", "name": "报警器", "unit": "台", "unit_price_fen": 48_000}]);
    let (status, _) = server
        .send(
            "POST",
            "/api/v1/catalogue",
            Some(&planning),
            Some(json!({"items": items})),
        )
        .await;
    assert_eq!(status, 201);
    server.at("2026-03-09T09:00");
    let mut body = intake("business_hall", USCC[3]);
    body["line"] = json!("one_stop");
    body["materials"] = json!(["business_licence", "appliance_list", "floor_plan"]);
    body["assignee"] = json!({"user_id": cm.user_id, "name": ""});
    let (status, app) = server.apply(Some(&desk), body).await;
    assert_eq!(status, 201, "{app}");
    Case {
        cm,
        designer,
        number: app["number"].as_str().unwrap().to_string(),
        version: app["version"].as_i64().unwrap(),
    }
}

async fn act_at(
    server: &TestServer,
    who: &Session,
    case: &mut Case,
    at: &str,
    occurred: Option<&str>,
    action: Value,
) -> (u16, Value) {
    server.at(at);
    let mut body = json!({"version": case.version, "action": action});
    if let Some(o) = occurred {
        body["occurred_at"] = bj_json(o);
    }
    let path = format!("/api/v1/applications/{}/actions", case.number);
    let (status, app) = server.send("POST", &path, Some(who), Some(body)).await;
    if status == 200 {
        case.version = app["version"].as_i64().unwrap();
    }
    (status, app)
}

#[tokio::test]
async fn a_step_cannot_be_dated_before_what_it_rests_on() {
    let server = TestServer::start().await;
    let mut c = one_stop(&server).await;
    let (cm, designer) = (c.cm.clone(), c.designer.clone());
    let agree = json!({"type": "agree_survey_time", "survey_at": bj_json("2026-03-09T14:30")});
    let (status, _) = act_at(&server, &cm, &mut c, "2026-03-09T10:00", None, agree).await;
    assert_eq!(status, 200);
    // A survey dated before the survey time was agreed is refused.
    let survey = json!({"type": "record_survey", "designer_attended": true,
        "construction_unit_attended": true, "customer_manager_present": true,
        "gas_use_plan": "灶具两台"});
    let (status, body) = act_at(
        &server,
        &designer,
        &mut c,
        "2026-03-09T15:00",
        Some("2026-03-09T09:30"),
        survey.clone(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("time_before_step"))
    );
    let (status, _) = act_at(&server, &designer, &mut c, "2026-03-09T15:00", None, survey).await;
    assert_eq!(status, 200);
    // A design dated before the survey likewise.
    let design = json!({"type": "issue_design", "summary": "方案",
        "quote": [{"code": "BJ-01", "quantity": 1}]});
    let (status, body) = act_at(
        &server,
        &designer,
        &mut c,
        "2026-03-09T16:00",
        Some("2026-03-09T14:00"),
        design,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("time_before_step"))
    );
}

#[tokio::test]
async fn a_wait_cannot_be_dated_back_and_steps_wait_with_it() {
    let server = TestServer::start().await;
    let mut c = one_stop(&server).await;
    let cm = c.cm.clone();
    let wait = json!({"type": "await_applicant", "reason": "请用户确认踏勘时间"});
    // Dated back a day, the wait would erase working time already spent.
    let (status, body) = act_at(
        &server,
        &cm,
        &mut c,
        "2026-03-10T10:00",
        Some("2026-03-09T10:00"),
        wait.clone(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("wait_backdated"))
    );
    let (status, _) = act_at(&server, &cm, &mut c, "2026-03-10T10:00", None, wait).await;
    assert_eq!(status, 200);
    // While the applicant has the next move, a step does not go ahead.
    let survey = json!({"type": "agree_survey_time", "survey_at": bj_json("2026-03-11T09:00")});
    let responded = json!({"type": "applicant_responded", "note": "用户来电"});
    let cancel_free = json!({"type": "add_note", "text": "等待用户"});
    let (status, _) = act_at(&server, &cm, &mut c, "2026-03-10T10:10", None, cancel_free).await;
    assert_eq!(status, 200, "a note does not wait");
    let (status, app) = act_at(&server, &cm, &mut c, "2026-03-10T11:00", None, responded).await;
    assert_eq!(status, 200, "{app}");
    assert!(app.get("waiting_on_applicant").is_none());
    // Every stop is closed once the applicant answered.
    for d in app["deadlines"].as_array().unwrap() {
        for p in d["pauses"].as_array().into_iter().flatten() {
            assert!(p["to"].is_string(), "{d}");
        }
    }
    let (status, _) = act_at(&server, &cm, &mut c, "2026-03-10T11:05", None, survey).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_step_does_not_go_ahead_while_the_applicant_has_the_next_move() {
    let server = TestServer::start().await;
    let desk = server.staff("desk", "王前台", Role::ServiceStaff).await;
    let cm = server.staff("cm", "李经理", Role::CustomerManager).await;
    server.at("2026-03-09T09:00");
    let mut body = intake("business_hall", USCC[2]);
    body["assignee"] = json!({"user_id": cm.user_id, "name": ""});
    let (_, app) = server.apply(Some(&desk), body).await;
    let number = app["number"].as_str().unwrap().to_string();
    let to = json!({"user_id": cm.user_id, "name": ""});
    let (status, _) = server
        .act(&desk, &number, 1, json!({"type": "hand_over", "to": to}))
        .await;
    assert_eq!(status, 200);
    server.at("2026-03-09T09:30");
    let wait = json!({"type": "await_applicant", "reason": "等用户确认开挖时间"});
    let (status, _) = server.act(&cm, &number, 2, wait).await;
    assert_eq!(status, 200);
    let verify = json!({"type": "verify_site", "facilities_ok": true, "source_pipe_ok": true,
        "tie_in_point": "东侧阀井"});
    let (status, err) = server.act(&cm, &number, 3, verify).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (422, Some("waiting_on_applicant"))
    );
}

#[tokio::test]
async fn a_correction_moves_the_site_entry_it_corrects() {
    let server = TestServer::start().await;
    let mut c = one_stop(&server).await;
    let (cm, designer) = (c.cm.clone(), c.designer.clone());
    let builder = server
        .staff("builder", "周施工", Role::ConstructionUnit)
        .await;
    let boss = server.staff("boss", "刘主管", Role::Supervisor).await;
    let steps: Vec<(&Session, &str, Value)> = vec![
        (
            &cm,
            "2026-03-09T10:00",
            json!({"type": "agree_survey_time", "survey_at": bj_json("2026-03-09T10:30")}),
        ),
        (
            &designer,
            "2026-03-09T10:30",
            json!({"type": "record_survey", "designer_attended": true,
                "construction_unit_attended": true, "customer_manager_present": true,
                "gas_use_plan": "灶具"}),
        ),
        (
            &designer,
            "2026-03-09T11:00",
            json!({"type": "issue_design", "summary": "方案",
                "quote": [{"code": "BJ-01", "quantity": 1}]}),
        ),
        (&cm, "2026-03-09T11:10", json!({"type": "deliver_design"})),
        (
            &cm,
            "2026-03-09T11:20",
            json!({"type": "confirm_quote", "revision": 1}),
        ),
        (
            &cm,
            "2026-03-09T11:30",
            json!({"type": "sign_contract", "contract_number": "YZ-1",
                "invoice": {"title": "某公司", "tax_number": USCC[3]}}),
        ),
        (
            &cm,
            "2026-03-09T11:40",
            json!({"type": "record_payment", "amount_fen": 48_000, "receipt_number": "R1",
                "method": "现金"}),
        ),
    ];
    for (who, at, action) in steps {
        let (status, body) = act_at(&server, who, &mut c, at, None, action).await;
        assert_eq!(status, 200, "{body}");
    }
    // Entered at once, not at a round minute: sub-second precision is kept
    // the way the stores keep it.
    server
        .clock
        .set(bj("2026-03-09T14:40") + chrono::Duration::nanoseconds(123_456_789));
    let path = format!("/api/v1/applications/{}/actions", c.number);
    let enter = json!({"version": c.version, "action": {"type": "enter_site"}});
    let (status, app) = server
        .send("POST", &path, Some(&builder), Some(enter))
        .await;
    assert_eq!(status, 200, "{app}");
    c.version = app["version"].as_i64().unwrap();
    let detail = server.detail(&boss, &c.number).await;
    let seq = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "site_entered")
        .map(|e| e["seq"].as_i64().unwrap())
        .unwrap();
    let fix = json!({"type": "correct_occurred_at", "seq": seq,
        "occurred_at": bj_json("2026-03-09T14:35"), "reason": "施工队实际14:35进场"});
    let (status, app) = act_at(&server, &boss, &mut c, "2026-03-09T15:00", None, fix).await;
    assert_eq!(status, 200, "{app}");
    assert_eq!(
        deadline(&app, "site_entry")["met_at"],
        bj_json("2026-03-09T14:35")
    );
    assert_eq!(
        app["one_stop"]["work_order"]["site_entered_at"],
        bj_json("2026-03-09T14:35")
    );
}

#[tokio::test]
async fn records_entered_once_stay_as_entered() {
    let server = TestServer::start().await;
    let desk = server.staff("desk", "王前台", Role::ServiceStaff).await;
    // An enterprise code cannot claim to be a military unit holding no licence.
    server.at("2026-03-09T09:00");
    let mut body = intake("online", USCC[3]);
    body["line"] = json!("one_stop");
    body["applicant_kind"] = json!("military_unit");
    let (status, err) = server.apply(None, body).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (422, Some("invalid_field")),
        "{err}"
    );
    assert_eq!(err["field"], "applicant_kind");
    // A plot belongs to the community line only.
    let mut body = intake("business_hall", USCC[4]);
    body["line"] = json!("one_stop");
    body["plot_id"] = json!(uuid::Uuid::now_v7());
    let (status, err) = server.apply(Some(&desk), body).await;
    assert_eq!(
        (status, err["field"].as_str()),
        (422, Some("plot_id")),
        "{err}"
    );

    // One pending hand-in per material.
    let mut body = intake("online", USCC[5]);
    body["line"] = json!("one_stop");
    body["materials"] = json!(["appliance_list", "floor_plan"]);
    let (_, app) = server.apply(None, body).await;
    let number = app["number"].as_str().unwrap().to_string();
    let upload = json!({"number": number, "phone": "13800138000",
        "material": "business_licence", "description": "执照"});
    let (status, _) = server
        .send("POST", "/api/v1/track/hand-ins", None, Some(upload.clone()))
        .await;
    assert_eq!(status, 201);
    let (status, err) = server
        .send("POST", "/api/v1/track/hand-ins", None, Some(upload))
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (422, Some("hand_in_pending")),
        "{err}"
    );
}

#[tokio::test]
async fn one_ledger_plot_starts_one_community_even_when_asked_at_once() {
    let server = TestServer::start().await;
    let desk = server.staff("desk", "王前台", Role::ServiceStaff).await;
    let designer = server.staff("designer", "孙设计", Role::Designer).await;
    server.at("2026-04-20T09:00");
    let entry = json!({"name": "滨河花园", "location": "城关镇", "source": "多规合一平台"});
    let (_, plot) = server
        .send("POST", "/api/v1/plots", Some(&designer), Some(entry))
        .await;
    let plot_id = plot["id"].as_str().unwrap().to_string();
    let asks = (0..6).map(|i| {
        let mut body = intake("service_center", USCC[i]);
        body["line"] = json!("new_community");
        body["plot_id"] = json!(plot_id);
        body["build_standard"] = json!("shell");
        let server = &server;
        let desk = &desk;
        async move { server.apply(Some(desk), body).await }
    });
    let answers = futures_util::future::join_all(asks).await;
    let created: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == 201)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(created.len(), 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(s, _)| *s != 201) {
        assert_eq!(
            (*status, body["field"].as_str()),
            (422, Some("plot_id")),
            "{body}"
        );
    }
    let (_, ledger) = server.send("GET", "/api/v1/plots", Some(&desk), None).await;
    assert_eq!(ledger[0]["application_number"], created[0]["number"]);
}
