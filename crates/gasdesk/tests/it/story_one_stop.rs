//! The one-stop (turnkey) line end to end through the HTTP API. Every due
//! instant was worked out by hand on the 2026 calendar (08:30-12:00 and
//! 14:30-18:00; a working day is 7 h, half a day 3.5 h); the week of
//! 2026-03-09 has no holiday or make-up day.

use crate::support::*;
use gasdesk_domain::Role;
use serde_json::{Value, json};

on_both_backends!(
    a_pre_accepted_counter_application_goes_from_registration_to_gas_on,
    an_online_registration_by_an_institution_is_answered_within_two_hours,
);

async fn publish(server: &TestServer, who: &Session, pipe_fen: i64) -> Value {
    let items = json!([
        {"code": "GD-DN25", "name": "DN25 镀锌钢管安装", "unit": "米", "unit_price_fen": pipe_fen},
        {"code": "FM-DN25", "name": "DN25 球阀", "unit": "个", "unit_price_fen": 12_000},
        {"code": "BJ-01", "name": "可燃气体报警器", "unit": "台", "unit_price_fen": 48_000},
    ]);
    let (status, body) = server
        .send(
            "POST",
            "/api/v1/catalogue",
            Some(who),
            Some(json!({"items": items, "note": "2026 年价格"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn a_pre_accepted_counter_application_goes_from_registration_to_gas_on(server: TestServer) {
    let desk = server.staff("desk", "王前台", Role::ServiceStaff).await;
    let cm = server.staff("cm", "李经理", Role::CustomerManager).await;
    let designer = server.staff("designer", "孙设计", Role::Designer).await;
    let builder = server
        .staff("builder", "周施工", Role::ConstructionUnit)
        .await;
    let ops = server.staff("ops", "陈运行", Role::OperationsUnit).await;
    let planning = server
        .staff("planning", "钱经营", Role::BusinessPlanning)
        .await;

    // The catalogue is the Business Planning Dept's: a designer cannot publish.
    server.at("2026-03-09T08:00");
    let (status, body) = server
        .send(
            "POST",
            "/api/v1/catalogue",
            Some(&designer),
            Some(json!({"items": []})),
        )
        .await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    let v1 = publish(&server, &planning, 8_650).await;
    assert_eq!(v1["version"], 1);

    // Mon 2026-03-09 09:00 at a business hall: a turnkey job. The appliance
    // list and floor plan are handed in; the licence is not (and the
    // registry does not know the code), so the application is pre-accepted.
    server.at("2026-03-09T09:00");
    let mut body = intake("business_hall", USCC[3]);
    body["line"] = json!("one_stop");
    body["readiness"]["facilities_ready"] = json!(false);
    body["materials"] = json!(["appliance_list", "floor_plan"]);
    body["assignee"] = json!({"user_id": cm.user_id, "name": ""});
    let (status, app) = server.apply(Some(&desk), body).await;
    assert_eq!(status, 201, "{app}");
    let number = app["number"].as_str().unwrap().to_string();
    assert_eq!(app["line"], "one_stop");
    // Accepted on the spot at the counter: survey and design start at once.
    assert_eq!(app["status"], "awaiting_survey");
    let owed: Vec<(&str, &str)> = app["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["key"].as_str().unwrap(), m["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        owed,
        [
            ("business_licence", "owed"),
            ("appliance_list", "provided"),
            ("floor_plan", "provided")
        ]
    );
    // Survey and design: 1 working day from 09:00 is 3 h + 3.5 h on Monday
    // and 0.5 h on Tuesday.
    assert_eq!(due(&app, "survey_design"), bj_json("2026-03-10T09:00"));
    let mut v = app["version"].as_i64().unwrap();
    // It is on the designer's worklist, not yet on the operations unit's.
    for (who, listed) in [(&designer, true), (&ops, false), (&cm, true)] {
        let (status, list) = server
            .send("GET", "/api/v1/worklist", Some(who), None)
            .await;
        assert_eq!(status, 200, "{list}");
        let numbers: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["application"]["number"].as_str().unwrap())
            .collect();
        assert_eq!(numbers.contains(&number.as_str()), listed, "{}", who.name);
    }

    // Mon 10:00 the applicant is to agree a survey time: the company's clock
    // stops after 1 h; the applicant's stall clock (2 working days) runs:
    // Mon 2 h + 3.5 h, Tue 7 h, Wed 1.5 h.
    let waiting = json!({"type": "await_applicant", "reason": "请用户确认踏勘时间"});
    let app = ok(&server, &cm, &number, &mut v, "2026-03-09T10:00", waiting).await;
    assert_eq!(due(&app, "stall_follow_up"), bj_json("2026-03-11T10:00"));
    let survey_before = serde_json::to_string(&deadline(&app, "survey_design")).unwrap();
    refused(
        &server,
        &designer,
        &number,
        v,
        json!({"type": "record_survey", "designer_attended": true,
               "construction_unit_attended": true, "customer_manager_present": false,
               "gas_use_plan": "x"}),
        "action_not_allowed",
    )
    .await;

    // Wed 10:30 the background check notes the stall clock run out, but not
    // the survey deadline whose original instant (Tue 09:00) also passed:
    // that clock is stopped.
    server.at("2026-03-11T10:30");
    let config = gasdesk_web::worker::WorkerConfig::new(
        chrono::Duration::seconds(60),
        std::time::Duration::from_secs(1),
    );
    gasdesk_web::worker::run_once(&server.state, &config)
        .await
        .unwrap();
    let detail = server.detail(&cm, &number).await;
    let noted: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "deadline_overdue")
        .map(|e| e["payload"]["key"].as_str().unwrap())
        .collect();
    assert_eq!(noted, ["stall_follow_up"]);
    assert_eq!(deadline(&detail, "survey_design")["state"], "paused");
    v = detail["application"]["version"].as_i64().unwrap();

    // Wed 11:00 the customer manager asks why and helps.
    let follow = json!({"type": "follow_up_applicant", "note": "用户负责人出差，周四答复"});
    ok(&server, &cm, &number, &mut v, "2026-03-11T11:00", follow).await;

    // Thu 10:00 the applicant agrees a survey at 14:30 the same day. The
    // company's clock runs again with 6 h left: Thu 2 h + 3.5 h, Fri 0.5 h.
    let agree = json!({"type": "agree_survey_time", "survey_at": bj_json("2026-03-12T14:30")});
    let app = ok(&server, &cm, &number, &mut v, "2026-03-12T10:00", agree).await;
    assert_eq!(due(&app, "survey_design"), bj_json("2026-03-13T09:00"));
    assert_ne!(
        serde_json::to_string(&deadline(&app, "survey_design")).unwrap(),
        survey_before
    );
    assert_eq!(
        deadline(&app, "stall_follow_up")["met_at"],
        bj_json("2026-03-12T10:00")
    );
    assert!(app.get("waiting_on_applicant").is_none());

    // Thu 14:30 the survey: designer and construction unit attend, the
    // customer manager does not, so the designer is in charge.
    let no_builder = json!({"type": "record_survey", "designer_attended": true,
        "construction_unit_attended": false, "customer_manager_present": false,
        "gas_use_plan": "后厨两台灶具"});
    server.at("2026-03-12T14:30");
    refused(&server, &designer, &number, v, no_builder, "invalid_field").await;
    let survey = json!({"type": "record_survey", "designer_attended": true,
        "construction_unit_attended": true, "customer_manager_present": false,
        "gas_use_plan": "后厨两台灶具，一台热水器", "leak_alarm_layout": "灶台上方 0.3 米"});
    let app = ok(
        &server,
        &designer,
        &number,
        &mut v,
        "2026-03-12T14:30",
        survey,
    )
    .await;
    assert_eq!(app["one_stop"]["survey"]["in_charge"], "孙设计");

    // Thu 16:00 the design plan and itemised quote, priced from version 1:
    // 25 m x 86.50 + 2 x 120.00 + 1 x 480.00 = 2162.50 + 240 + 480 yuan.
    let lines = json!([
        {"code": "GD-DN25", "quantity": 25},
        {"code": "FM-DN25", "quantity": 2},
        {"code": "BJ-01", "quantity": 1},
    ]);
    server.at("2026-03-12T16:00");
    refused(
        &server,
        &designer,
        &number,
        v,
        json!({"type": "issue_design", "summary": "x", "quote": [{"code": "NOPE", "quantity": 1}]}),
        "unknown_price_item",
    )
    .await;
    let design =
        json!({"type": "issue_design", "summary": "DN25 明管入户，灶前阀", "quote": lines});
    let app = ok(
        &server,
        &designer,
        &number,
        &mut v,
        "2026-03-12T16:00",
        design,
    )
    .await;
    let quote = &app["one_stop"]["quote"];
    assert_eq!(quote["catalogue_version"], 1);
    assert_eq!(quote["total_fen"], 216_250 + 24_000 + 48_000);
    let amounts: Vec<i64> = quote["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["amount_fen"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, [216_250, 24_000, 48_000]);

    // The catalogue changes at 16:30; the quote keeps the prices it was made with.
    server.at("2026-03-12T16:30");
    let v2 = publish(&server, &planning, 9_100).await;
    assert_eq!(v2["version"], 2);
    let (_, old) = server
        .send("GET", "/api/v1/catalogue/1", Some(&cm), None)
        .await;
    assert_eq!(old["items"][0]["unit_price_fen"], 8_650);

    // Thu 17:00 the plan reaches the applicant the same day. Survey and
    // design used Mon 1 h + Thu 2 h + 2.5 h = 5.5 h of 7 h. Contract and
    // payment (half a day) starts: Thu 1 h, Fri 2.5 h.
    let app = ok(
        &server,
        &cm,
        &number,
        &mut v,
        "2026-03-12T17:00",
        json!({"type": "deliver_design"}),
    )
    .await;
    assert_eq!(app["status"], "awaiting_contract");
    assert_eq!(app["one_stop"]["design"]["delivered_same_day"], true);
    assert_eq!(due(&app, "contract_payment"), bj_json("2026-03-13T11:00"));
    assert_eq!(
        app["materials"][0]["owed_until"],
        bj_json("2026-03-13T11:00")
    );
    let detail = server.detail(&cm, &number).await;
    assert_eq!(deadline(&detail, "survey_design")["state"], "met_on_time");
    assert_eq!(
        deadline(&detail, "survey_design")["elapsed_seconds"],
        5 * 3600 + 1800
    );

    // Fri: the contract waits for the confirmed quote, then for the licence.
    let contract = json!({"type": "sign_contract", "contract_number": "YZ-2026-031",
        "invoice": {"title": "卢氏县测试餐饮有限公司", "tax_number": USCC[3]}});
    server.at("2026-03-13T08:40");
    refused(
        &server,
        &cm,
        &number,
        v,
        contract.clone(),
        "quote_not_confirmed",
    )
    .await;
    let confirm = json!({"type": "confirm_quote", "revision": 1});
    ok(&server, &cm, &number, &mut v, "2026-03-13T08:45", confirm).await;
    refused(&server, &cm, &number, v, contract.clone(), "materials_owed").await;
    // Nothing beyond the list can be asked for.
    let extra = json!({"type": "request_material", "material": "tax_certificate"});
    refused(&server, &cm, &number, v, extra, "unknown_material").await;

    // The licence copy: asked for, a wrong one handed in online and
    // rejected, asked for again, the right one brought to the counter.
    let ask = json!({"type": "request_material", "material": "business_licence",
        "note": "签约前补交营业执照副本复印件"});
    ok(
        &server,
        &cm,
        &number,
        &mut v,
        "2026-03-13T08:50",
        ask.clone(),
    )
    .await;
    server.at("2026-03-13T09:00");
    let online = json!({"version": v, "channel": "online", "action": {
        "type": "hand_in_material", "material": "business_licence",
        "description": "营业执照副本扫描件 v1", "file_name": "licence-v1.pdf",
        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}});
    let path = format!("/api/v1/applications/{number}/actions");
    let (status, app) = server.send("POST", &path, Some(&cm), Some(online)).await;
    assert_eq!(status, 200, "{app}");
    v = app["version"].as_i64().unwrap();
    let reject = json!({"type": "review_hand_in", "hand_in": 1, "accepted": false,
        "reason": "信用代码与申请单位不符，是其他公司的执照"});
    ok(&server, &cm, &number, &mut v, "2026-03-13T09:10", reject).await;
    ok(&server, &cm, &number, &mut v, "2026-03-13T09:15", ask).await;
    server.at("2026-03-13T09:30");
    let counter = json!({"version": v, "channel": "business_hall", "action": {
        "type": "hand_in_material", "material": "business_licence",
        "description": "营业执照副本复印件 v2（加盖公章）"}});
    let (status, app) = server.send("POST", &path, Some(&desk), Some(counter)).await;
    assert_eq!(status, 200, "{app}");
    v = app["version"].as_i64().unwrap();
    let accept = json!({"type": "review_hand_in", "hand_in": 2, "accepted": true});
    let app = ok(&server, &desk, &number, &mut v, "2026-03-13T09:35", accept).await;
    assert_eq!(app["materials"][0]["status"], "provided");
    assert_eq!(app["licence"]["state"], "copy_accepted");
    let kept: Vec<(&str, &str)> = app["hand_ins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["channel"].as_str().unwrap(),
                h["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kept,
        [("online", "rejected"), ("business_hall", "accepted")]
    );

    // Fri 09:40 contract signed; the work order goes out with it, and with
    // no special requests the site is entered within a working day:
    // Fri 2 h 20 min + 3.5 h, Mon 1 h 10 min.
    let app = ok(&server, &cm, &number, &mut v, "2026-03-13T09:40", contract).await;
    assert_eq!(
        app["one_stop"]["work_order"]["issued_at"],
        bj_json("2026-03-13T09:40")
    );
    assert_eq!(due(&app, "site_entry"), bj_json("2026-03-16T09:40"));
    // A quote the contract rests on does not change.
    let revise = json!({"type": "revise_quote", "quote": [{"code": "BJ-01", "quantity": 1}],
        "reason": "改价"});
    refused(
        &server,
        &designer,
        &number,
        v,
        revise.clone(),
        "action_not_allowed",
    )
    .await;

    // Payment in two parts with receipts; not a fen more than the quote.
    let pay = |fen: i64, receipt: &str| {
        json!({"type": "record_payment", "amount_fen": fen, "receipt_number": receipt,
               "method": "银行转账"})
    };
    let app = ok(
        &server,
        &cm,
        &number,
        &mut v,
        "2026-03-13T10:00",
        pay(100_000, "R-001"),
    )
    .await;
    assert_eq!(app["status"], "awaiting_contract");
    server.at("2026-03-13T10:20");
    refused(
        &server,
        &cm,
        &number,
        v,
        pay(188_251, "R-002"),
        "payment_exceeds_quote",
    )
    .await;
    refused(&server, &cm, &number, v, pay(-5, "R-002"), "invalid_field").await;
    // Contract and payment used Thu 1 h + Fri 2 h = 3 h of 3.5 h.
    // Construction and gas-on (2 days) starts Fri 10:30: Fri 1.5 h + 3.5 h,
    // Mon 7 h, Tue 2 h.
    let app = ok(
        &server,
        &cm,
        &number,
        &mut v,
        "2026-03-13T10:30",
        pay(188_250, "R-002"),
    )
    .await;
    assert_eq!(app["status"], "under_construction");
    assert_eq!(
        due(&app, "construction_gas_on"),
        bj_json("2026-03-17T10:30")
    );
    let paid: i64 = app["one_stop"]["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["amount_fen"].as_i64().unwrap())
        .sum();
    assert_eq!(paid, 288_250);
    refused(&server, &designer, &number, v, revise, "action_not_allowed").await;

    // Construction: site entered, a problem found and resolved, done.
    let enter = json!({"type": "enter_site"});
    let app = ok(
        &server,
        &builder,
        &number,
        &mut v,
        "2026-03-13T14:30",
        enter,
    )
    .await;
    assert_eq!(
        deadline(&app, "site_entry")["met_at"],
        bj_json("2026-03-13T14:30")
    );
    let permit = json!({"type": "request_permit_agency", "permit": "road_excavation"});
    ok(&server, &cm, &number, &mut v, "2026-03-13T14:40", permit).await;
    let approved = json!({"type": "update_permit", "permit": "road_excavation",
        "status": "approved", "government_fee_fen": 50_000, "note": "县交通局批复"});
    let app = ok(&server, &cm, &number, &mut v, "2026-03-13T14:50", approved).await;
    assert_eq!(app["permits"][0]["status"], "approved");
    assert_eq!(app["permits"][0]["agency_fee_fen"], 0);
    assert_eq!(app["permits"][0]["government_fee_fen"], 50_000);
    let problem = json!({"type": "report_site_problem",
        "description": "热水器位置与图纸不符，需调整管线走向"});
    ok(
        &server,
        &builder,
        &number,
        &mut v,
        "2026-03-13T15:00",
        problem,
    )
    .await;
    server.at("2026-03-13T15:10");
    refused(
        &server,
        &builder,
        &number,
        v,
        json!({"type": "complete_construction"}),
        "problems_open",
    )
    .await;
    let fix = json!({"type": "resolve_site_problem", "problem": 1,
        "resolution": "设计变更：沿墙改走，增加一个弯头"});
    ok(&server, &designer, &number, &mut v, "2026-03-13T15:30", fix).await;
    let done = json!({"type": "complete_construction"});
    let app = ok(&server, &builder, &number, &mut v, "2026-03-16T09:00", done).await;
    assert_eq!(app["status"], "awaiting_gas_on");

    // Gas-on: planned, a first acceptance fails on the company's work, the
    // applicant signs their satisfaction, the second passes with the
    // safety briefing given item by item.
    let plan = json!({"type": "schedule_gas_on", "planned_at": bj_json("2026-03-16T10:00")});
    ok(&server, &cm, &number, &mut v, "2026-03-16T09:10", plan).await;
    let people = json!(["李经理", "陈运行", "周施工"]);
    let briefing = json!([
        "appliance_use",
        "safe_use",
        "alarm_number",
        "consultation_number"
    ]);
    let pass = json!({"type": "record_acceptance", "passed": true, "participants": people,
        "safety_briefing": briefing});
    server.at("2026-03-16T10:00");
    refused(
        &server,
        &ops,
        &number,
        v,
        pass.clone(),
        "satisfaction_missing",
    )
    .await;
    let fail = json!({"type": "record_acceptance", "passed": false, "participants": people,
        "failure_cause": "company_work", "note": "接头漏气"});
    ok(&server, &ops, &number, &mut v, "2026-03-16T10:00", fail).await;
    let signed = json!({"type": "record_satisfaction", "rating": 5, "signed_by": "张三",
        "comment": "踏勘及时"});
    ok(&server, &cm, &number, &mut v, "2026-03-16T11:00", signed).await;
    server.at("2026-03-16T14:30");
    let short = json!({"type": "record_acceptance", "passed": true, "participants": people,
        "safety_briefing": ["appliance_use"]});
    refused(&server, &ops, &number, v, short, "invalid_field").await;
    let app = ok(&server, &ops, &number, &mut v, "2026-03-16T14:30", pass).await;
    assert_eq!(app["status"], "gas_on");
    let attempts: Vec<bool> = app["acceptance_attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["passed"].as_bool().unwrap())
        .collect();
    assert_eq!(attempts, [false, true]);
    assert_eq!(
        app["acceptance_attempts"][0]["failure_cause"],
        "company_work"
    );

    // Extended services and a permit handled for free; the authority's fee
    // is the applicant's.
    let offer = json!({"type": "offer_extended_service", "service": "leak_alarm",
        "accepted": true, "note": "加装一台报警器的维保"});
    ok(&server, &cm, &number, &mut v, "2026-03-16T15:00", offer).await;
    let unknown = json!({"type": "offer_extended_service", "service": "car_wash",
        "accepted": true});
    refused(&server, &cm, &number, v, unknown, "unknown_service").await;

    // Construction and gas-on used Fri 1.5 h + 3.5 h, Mon 3.5 h = 8.5 h of 14 h.
    let detail = server.detail(&cm, &number).await;
    for (key, state) in [
        ("survey_design", "met_on_time"),
        ("contract_payment", "met_on_time"),
        ("site_entry", "met_on_time"),
        ("construction_gas_on", "met_on_time"),
        // Restarted by the follow-up on Wed 11:00, answered on Thu 10:00.
        ("stall_follow_up", "met_on_time"),
    ] {
        assert_eq!(deadline(&detail, key)["state"], state, "{key}");
    }
    assert_eq!(
        deadline(&detail, "construction_gas_on")["elapsed_seconds"],
        8 * 3600 + 1800
    );
    let events = detail["events"].as_array().unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=events.len() as i64).collect::<Vec<_>>());
    let count = |kind: &str| events.iter().filter(|e| e["kind"] == kind).count();
    assert_eq!(count("material_requested"), 2);
    assert_eq!(count("material_handed_in"), 2);
    assert_eq!(count("payment_recorded"), 2);
    for e in events {
        assert!(
            e["recorded_at"].is_string() && e["occurred_at"].is_string(),
            "{e}"
        );
        assert!(e["actor"]["name"].is_string(), "{e}");
    }
}

async fn an_online_registration_by_an_institution_is_answered_within_two_hours(server: TestServer) {
    let cm = server.staff("cm", "李经理", Role::CustomerManager).await;
    // Tue 2026-03-10 11:00 online: a county hospital, which holds no
    // business licence and is never asked for one.
    server.at("2026-03-10T11:00");
    let mut body = intake("online", INSTITUTION_USCC);
    body["line"] = json!("one_stop");
    body["applicant_kind"] = json!("institution");
    body["materials"] = json!(["appliance_list", "floor_plan"]);
    let (status, app) = server.apply(None, body).await;
    assert_eq!(status, 201, "{app}");
    let number = app["number"].as_str().unwrap().to_string();
    assert_eq!(app["status"], "routed_one_stop");
    assert_eq!(app["materials"][0]["status"], "not_held");
    // 2 working hours: 1 h before noon, 1 h from 14:30.
    assert_eq!(due(&app, "online_response"), bj_json("2026-03-10T15:30"));
    assert!(
        app["deadlines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["key"] != "survey_design")
    );

    // The response at 15:00 completes registration; survey and design (1
    // day) starts: Tue 3 h, Wed 4 h (3.5 h + 0.5 h).
    let call = json!({"type": "record_first_call", "confirmation": {
        "licence_confirmed": false, "address_confirmed": true,
        "built_by": "company_built", "completion_accepted": false}});
    let mut v = 1;
    let app = ok(&server, &cm, &number, &mut v, "2026-03-10T15:00", call).await;
    assert_eq!(app["status"], "awaiting_survey");
    assert_eq!(
        deadline(&app, "online_response")["met_at"],
        bj_json("2026-03-10T15:00")
    );
    assert_eq!(due(&app, "survey_design"), bj_json("2026-03-11T15:00"));
    // Nothing is owed, so nothing can be asked for.
    let ask = json!({"type": "request_material", "material": "business_licence"});
    refused(&server, &cm, &number, v, ask, "action_not_allowed").await;
}
