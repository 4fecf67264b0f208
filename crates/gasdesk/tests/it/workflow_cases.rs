//! The workflow cases of the shared case book, each from a fault seen in
//! comparable systems. Times are Beijing time; expected values are the
//! case book's.

use crate::support::*;
use gasdesk_domain::Role;
use serde_json::json;

on_both_backends!(
    w06_a_resubmitted_licence_keeps_one_application_and_every_file,
    w07_reassignment_keeps_the_first_call_deadline,
    w10_concurrent_acceptance_stores_one_result,
    w11_double_submit_answers_with_the_same_number,
    w14_monthly_counts_use_beijing_dates,
    w18_corrections_and_cancellation_lose_nothing,
    bad_input_is_refused_and_changes_nothing,
    deadlines_are_recalculated_when_a_new_year_is_imported,
);

fn first_call() -> serde_json::Value {
    json!({"type": "record_first_call", "confirmation": {
        "licence_confirmed": true, "address_confirmed": true,
        "built_by": "self_built", "completion_accepted": true}})
}

/// W06: a material handed in again (online, then at the counter) keeps one
/// application, its number, its intake time and its response deadline, and
/// every file with what became of it.
async fn w06_a_resubmitted_licence_keeps_one_application_and_every_file(server: TestServer) {
    let desk = server.staff("desk", "王前台", Role::ServiceStaff).await;
    let cm = server.staff("cm", "李经理", Role::CustomerManager).await;

    // Mon 2026-03-23 10:00 online, one-stop, without the licence copy.
    server.at("2026-03-23T10:00");
    let mut body = intake("online", USCC[2]);
    body["line"] = json!("one_stop");
    body["readiness"]["facilities_ready"] = json!(false);
    body["materials"] = json!(["appliance_list", "floor_plan"]);
    body["idempotency_key"] = json!("w06-first-submit");
    let (status, app) = server.apply(None, body).await;
    assert_eq!(status, 201, "{app}");
    let number = app["number"].as_str().unwrap().to_string();
    // Two working hours from 10:00 end exactly at the noon closing.
    let response_due = bj_json("2026-03-23T12:00");
    assert_eq!(deadline(&app, "online_response")["due_at"], response_due);
    assert_eq!(app["materials"][0]["status"], "owed");

    // 10:30 the customer manager takes it and records the licence copy owed.
    server.at("2026-03-23T10:30");
    let take = json!({"type": "assign", "to": {"user_id": cm.user_id, "name": ""}});
    let (status, app) = server.act(&cm, &number, 1, take).await;
    assert_eq!(status, 200, "{app}");
    let ask = json!({"type": "request_material", "material": "business_licence",
        "note": "请补交营业执照副本复印件"});
    let (status, app) = server.act(&cm, &number, 2, ask.clone()).await;
    assert_eq!(status, 200, "{app}");

    // Tue 09:00 the applicant uploads copy v1 on the online hall (a wrong
    // phone reaches nothing).
    server.at("2026-03-24T09:00");
    let upload = |phone: &str| {
        json!({"number": number, "phone": phone, "material": "business_licence",
               "description": "营业执照副本 v1", "file_name": "licence.jpg"})
    };
    let (status, _) = server
        .send(
            "POST",
            "/api/v1/track/hand-ins",
            None,
            Some(upload("13900000000")),
        )
        .await;
    assert_eq!(status, 404);
    let (status, receipt) = server
        .send(
            "POST",
            "/api/v1/track/hand-ins",
            None,
            Some(upload("13800138000")),
        )
        .await;
    assert_eq!(status, 201, "{receipt}");
    assert_eq!(receipt["number"], json!(number));
    assert_eq!(receipt["hand_in"], 1);

    // Tue 10:00 it is another company's licence: rejected, asked again.
    server.at("2026-03-24T10:00");
    let detail = server.detail(&cm, &number).await;
    let v = detail["application"]["version"].as_i64().unwrap();
    let reject = json!({"type": "review_hand_in", "hand_in": 1, "accepted": false,
        "reason": "执照上的统一社会信用代码与申请单位不符"});
    let (status, app) = server.act(&cm, &number, v, reject).await;
    assert_eq!(status, 200, "{app}");
    let (status, _) = server.act(&cm, &number, v + 1, ask).await;
    assert_eq!(status, 200);

    // Tue 15:00 the applicant brings copy v2 to the business hall.
    server.at("2026-03-24T15:00");
    let path = format!("/api/v1/applications/{number}/actions");
    let counter = json!({"version": v + 2, "channel": "business_hall", "action": {
        "type": "hand_in_material", "material": "business_licence",
        "description": "营业执照副本复印件 v2"}});
    let (status, app) = server.send("POST", &path, Some(&desk), Some(counter)).await;
    assert_eq!(status, 200, "{app}");

    let detail = server.detail(&cm, &number).await;
    let app = &detail["application"];
    assert_eq!(app["number"], json!(number));
    assert_eq!(app["accepted_at"], bj_json("2026-03-23T10:00"));
    assert_eq!(deadline(&detail, "online_response")["due_at"], response_due);
    let files: Vec<(&str, &str, &str)> = app["hand_ins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["description"].as_str().unwrap(),
                h["channel"].as_str().unwrap(),
                h["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            ("营业执照副本 v1", "online", "rejected"),
            ("营业执照副本复印件 v2", "business_hall", "pending")
        ]
    );
    let events = detail["events"].as_array().unwrap();
    let of = |kind: &str| -> Vec<&serde_json::Value> {
        events.iter().filter(|e| e["kind"] == kind).collect()
    };
    assert_eq!(of("material_requested").len(), 2);
    let hand_ins = of("material_handed_in");
    let channels: Vec<&str> = hand_ins
        .iter()
        .map(|e| e["channel"].as_str().unwrap())
        .collect();
    assert_eq!(channels, ["online", "business_hall"]);
    assert_eq!(hand_ins[0]["actor"]["name"], "张三");
    assert_eq!(hand_ins[1]["actor"]["name"], "王前台");
    for e in of("material_requested").into_iter().chain(hand_ins) {
        assert!(
            e["occurred_at"].is_string() && e["recorded_at"].is_string(),
            "{e}"
        );
    }
    let (_, report) = server
        .send(
            "GET",
            "/api/v1/reports/received?month=2026-03",
            Some(&cm),
            None,
        )
        .await;
    assert_eq!(report["received"], 1);
}

/// W07: reassignment does not reset the step deadline.
async fn w07_reassignment_keeps_the_first_call_deadline(server: TestServer) {
    let desk = server.staff("desk", "王前台", Role::ServiceStaff).await;
    let a = server.staff("cm_a", "甲经理", Role::CustomerManager).await;
    let b = server.staff("cm_b", "乙经理", Role::CustomerManager).await;
    let boss = server.staff("boss", "刘主管", Role::Supervisor).await;

    server.at("2026-02-13T17:30");
    let mut body = intake("hotline", USCC[0]);
    body["assignee"] = json!({"user_id": a.user_id, "name": ""});
    let (status, app) = server.apply(Some(&desk), body).await;
    assert_eq!(status, 201, "{app}");
    let number = app["number"].as_str().unwrap().to_string();
    assert_eq!(app["assignee"]["name"], "甲经理");

    server.at("2026-02-14T08:40");
    let to_b = json!({"type": "assign", "to": {"user_id": b.user_id, "name": ""}});
    let (status, body) = server.act(&boss, &number, 1, to_b).await;
    assert_eq!(status, 200, "{body}");

    // A may no longer act on it.
    server.at("2026-02-14T09:10");
    let (status, body) = server.act(&a, &number, 2, first_call()).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "not_owner");

    server.at("2026-02-14T09:20");
    let (status, body) = server.act(&b, &number, 2, first_call()).await;
    assert_eq!(status, 200, "{body}");

    let detail = server.detail(&boss, &number).await;
    let call = deadline(&detail, "first_call");
    // 0.5 h on Friday, 0.5 h on the make-up Saturday.
    assert_eq!(call["due_at"], bj_json("2026-02-14T09:00"));
    assert_eq!(call["state"], "met_late");
    assert_eq!(call["remaining_seconds"], -20 * 60);
    let reassignments: Vec<_> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "assigned")
        .collect();
    assert_eq!(reassignments.len(), 1);
    let event = reassignments[0];
    assert_eq!(event["actor"]["name"], "刘主管");
    assert_eq!(event["actor"]["role"], "supervisor");
    assert_eq!(event["payload"]["from"]["name"], "甲经理");
    assert_eq!(event["payload"]["to"]["name"], "乙经理");
}

/// W10: two people completing the same acceptance at once.
async fn w10_concurrent_acceptance_stores_one_result(server: TestServer) {
    let cm = server.staff("cm", "李经理", Role::CustomerManager).await;
    let p = server.staff("ops_p", "检查员P", Role::OperationsUnit).await;
    let q = server.staff("ops_q", "检查员Q", Role::OperationsUnit).await;

    server.at("2026-07-15T08:40");
    let (_, app) = server.apply(None, intake("online", USCC[1])).await;
    let number = app["number"].as_str().unwrap().to_string();
    let steps = [
        first_call(),
        json!({"type": "verify_site", "facilities_ok": true, "source_pipe_ok": true,
               "tie_in_point": "东侧"}),
        json!({"type": "sign_contract", "contract_number": "GY-10"}),
        json!({"type": "schedule_gas_on", "planned_at": bj_json("2026-07-15T10:00")}),
    ];
    for (i, step) in steps.into_iter().enumerate() {
        let (status, body) = server.act(&cm, &number, i as i64 + 1, step).await;
        assert_eq!(status, 200, "{body}");
    }

    // Both loaded version 5; both submit at 10:00.
    server.at("2026-07-15T10:00");
    let passed = json!({"type": "record_acceptance", "passed": true, "participants": ["P"]});
    let failed = json!({"type": "record_acceptance", "passed": false, "participants": ["Q"],
        "failure_cause": "company_work", "note": "leaking joint"});
    let (r1, r2) = tokio::join!(
        server.act(&p, &number, 5, passed),
        server.act(&q, &number, 5, failed)
    );
    let statuses = [r1.0, r2.0];
    assert!(statuses.contains(&200), "{statuses:?}");
    assert!(statuses.contains(&409), "{statuses:?} {} {}", r1.1, r2.1);
    let loser = if r1.0 == 409 { &r1.1 } else { &r2.1 };
    assert_eq!(loser["code"], "version_conflict");

    let detail = server.detail(&cm, &number).await;
    let attempts = detail["application"]["acceptance_attempts"]
        .as_array()
        .unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0]["number"], 1);
    let recorded = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "acceptance_recorded")
        .count();
    assert_eq!(recorded, 1);
    let state = &detail["application"]["status"];
    if attempts[0]["passed"] == true {
        assert_eq!(state, "gas_on");
    } else {
        assert_eq!(state, "awaiting_gas_on");
    }
}

/// W11: a double submit creates one application.
async fn w11_double_submit_answers_with_the_same_number(server: TestServer) {
    let boss = server.staff("boss", "刘主管", Role::Supervisor).await;
    server.at("2026-01-08T11:30");
    let mut body = intake("online", USCC[2]);
    body["idempotency_key"] = json!("form-7f3a");
    let (s1, first) = server.apply(None, body.clone()).await;
    let (s2, second) = server.apply(None, body).await;
    assert_eq!((s1, s2), (201, 200));
    assert_eq!(first["number"], second["number"]);
    assert_eq!(first["id"], second["id"]);

    let number = first["number"].as_str().unwrap();
    let detail = server.detail(&boss, number).await;
    // 0.5 h before noon and 0.5 h from 14:30.
    assert_eq!(
        deadline(&detail, "first_call")["due_at"],
        bj_json("2026-01-08T15:00")
    );
    assert_eq!(detail["events"].as_array().unwrap().len(), 1);
    let (_, report) = server
        .send(
            "GET",
            "/api/v1/reports/received?month=2026-01",
            Some(&boss),
            None,
        )
        .await;
    assert_eq!(report["received"], 1);
}

/// W14: months are cut on the Asia/Shanghai date, not in UTC.
async fn w14_monthly_counts_use_beijing_dates(server: TestServer) {
    let boss = server.staff("boss", "刘主管", Role::Supervisor).await;
    server.at("2026-03-31T23:50");
    let (_, a) = server.apply(None, intake("online", USCC[3])).await;
    server.at("2026-04-01T07:50");
    let (_, b) = server.apply(None, intake("online", USCC[4])).await;

    for app in [&a, &b] {
        let detail = server.detail(&boss, app["number"].as_str().unwrap()).await;
        assert_eq!(
            deadline(&detail, "first_call")["due_at"],
            bj_json("2026-04-01T09:30")
        );
    }
    assert_eq!(a["number"], "BZ20260331-0001");
    assert_eq!(b["number"], "BZ20260401-0001");
    for (month, expected) in [("2026-03", 1), ("2026-04", 1)] {
        let path = format!("/api/v1/reports/received?month={month}");
        let (status, report) = server.send("GET", &path, Some(&boss), None).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["received"], expected, "{month}");
    }
}

/// W18: a late entry and a correction keep the whole history.
async fn w18_corrections_and_cancellation_lose_nothing(server: TestServer) {
    let desk = server.staff("desk", "王前台", Role::ServiceStaff).await;
    let cm = server.staff("cm", "李经理", Role::CustomerManager).await;
    let boss = server.staff("boss", "刘主管", Role::Supervisor).await;

    server.at("2026-03-16T08:20");
    let mut body = intake("hotline", USCC[5]);
    body["assignee"] = json!({"user_id": cm.user_id, "name": ""});
    let (_, app) = server.apply(Some(&desk), body).await;
    let number = app["number"].as_str().unwrap().to_string();

    // Called at 09:10, entered at 11:40.
    server.at("2026-03-16T11:40");
    let path = format!("/api/v1/applications/{number}/actions");
    let late_entry = json!({"version": 1, "occurred_at": bj_json("2026-03-16T09:10"),
        "action": first_call()});
    let (status, body) = server
        .send("POST", &path, Some(&cm), Some(late_entry))
        .await;
    assert_eq!(status, 200, "{body}");

    // A correction may not move the time after it was entered.
    server.at("2026-03-16T15:00");
    let too_late = json!({"type": "correct_occurred_at", "seq": 2,
        "occurred_at": bj_json("2026-03-16T12:00"), "reason": "x"});
    let (status, _) = server.act(&boss, &number, 2, too_late).await;
    assert_eq!(status, 422);
    let correction = json!({"type": "correct_occurred_at", "seq": 2,
        "occurred_at": bj_json("2026-03-16T09:05"), "reason": "通话记录显示 09:05 接通"});
    let (status, body) = server.act(&boss, &number, 2, correction).await;
    assert_eq!(status, 200, "{body}");

    server.at("2026-03-17T09:00");
    let cancel = json!({"type": "cancel", "reason": "申请人撤回"});
    let (status, body) = server.act(&cm, &number, 3, cancel).await;
    assert_eq!(status, 200, "{body}");

    let detail = server.detail(&boss, &number).await;
    let events = detail["events"].as_array().unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "submitted",
            "first_call_recorded",
            "occurred_at_corrected",
            "cancelled"
        ]
    );
    let call = &events[1];
    assert_eq!(call["occurred_at"], bj_json("2026-03-16T09:10"));
    assert_eq!(call["recorded_at"], bj_json("2026-03-16T11:40"));
    assert_eq!(call["actor"]["name"], "李经理");
    let fix = &events[2];
    assert_eq!(fix["recorded_at"], bj_json("2026-03-16T15:00"));
    assert_eq!(fix["actor"]["role"], "supervisor");
    assert_eq!(fix["payload"]["from"], bj_json("2026-03-16T09:10"));
    assert_eq!(fix["payload"]["occurred_at"], bj_json("2026-03-16T09:05"));
    assert_eq!(fix["payload"]["reason"], "通话记录显示 09:05 接通");

    let call_deadline = deadline(&detail, "first_call");
    assert_eq!(call_deadline["due_at"], bj_json("2026-03-16T09:30"));
    assert_eq!(call_deadline["met_at"], bj_json("2026-03-16T09:05"));
    assert_eq!(call_deadline["state"], "met_on_time");
    assert_eq!(detail["application"]["status"], "cancelled");
}

/// Bad input changes nothing and answers with a stable code.
async fn bad_input_is_refused_and_changes_nothing(server: TestServer) {
    let cm = server.staff("cm", "李经理", Role::CustomerManager).await;
    server.at("2026-03-03T10:00");

    let mut bad = intake("online", "91411224MA0001AA5X");
    let (status, body) = server.apply(None, bad.clone()).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("invalid_uscc")));
    assert_eq!(body["field"], "uscc");
    bad["uscc"] = json!(USCC[0]);
    bad["phone"] = json!("call me");
    let (status, body) = server.apply(None, bad).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("invalid_field"))
    );
    assert_eq!(body["field"], "phone");
    let (status, _) = server.apply(None, intake("hotline", USCC[0])).await;
    assert_eq!(status, 401, "hotline intake needs staff");

    let (status, body) = server
        .send(
            "GET",
            "/api/v1/applications/BZ20990101-0001",
            Some(&cm),
            None,
        )
        .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));

    let (_, app) = server.apply(None, intake("online", USCC[0])).await;
    let number = app["number"].as_str().unwrap().to_string();
    let contract = json!({"type": "sign_contract", "contract_number": "GY-1"});
    let (status, body) = server.act(&cm, &number, 1, contract).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("action_not_allowed"))
    );
    let (status, body) = server.act(&cm, &number, 7, first_call()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("version_conflict"))
    );
    let future = json!({"version": 1, "occurred_at": bj_json("2026-03-03T12:00"),
        "action": first_call()});
    let path = format!("/api/v1/applications/{number}/actions");
    let (status, body) = server.send("POST", &path, Some(&cm), Some(future)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("time_in_future"))
    );
    let (status, _) = server
        .send(
            "POST",
            &path,
            Some(&cm),
            Some(json!({"version": 1, "action": {"type": "x"}})),
        )
        .await;
    assert!(status == 400 || status == 422, "{status}");

    let detail = server.detail(&cm, &number).await;
    assert_eq!(detail["application"]["version"], 1);
    assert_eq!(detail["events"].as_array().unwrap().len(), 1);
}

/// A deadline that runs into a year with no published arrangement is
/// provisional, and moves when the year's arrangement is imported.
async fn deadlines_are_recalculated_when_a_new_year_is_imported(server: TestServer) {
    let cm = server.staff("cm", "李经理", Role::CustomerManager).await;
    server.at("2026-12-31T17:30");
    let (status, app) = server.apply(None, intake("online", USCC[6])).await;
    assert_eq!(status, 201, "{app}");
    let number = app["number"].as_str().unwrap().to_string();
    let call = deadline(&app, "first_call").clone();
    // 0.5 h on Thursday 31 December; then, read provisionally, 1 January
    // and the weekend off: 0.5 h on Monday 4th.
    assert_eq!(call["due_at"], bj_json("2027-01-04T09:00"));
    assert_eq!(call["provisional"], true);
    // 0.5 h, then 3.5 h and 3 h on Monday 4th.
    assert_eq!(
        deadline(&app, "gas_on")["due_at"],
        bj_json("2027-01-04T17:30")
    );

    // The (made-up) 2027 notice makes Saturday 2 January a working day.
    let year_2027 = r#"{"year": 2027, "papers": [], "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
        {"name": "元旦", "date": "2027-01-02", "isOffDay": false},
            {"name": "劳动节", "date": "2027-05-01", "isOffDay": true},
            {"name": "劳动节", "date": "2027-05-02", "isOffDay": true},
            {"name": "国庆节", "date": "2027-10-01", "isOffDay": true},
            {"name": "国庆节", "date": "2027-10-02", "isOffDay": true},
            {"name": "国庆节", "date": "2027-10-03", "isOffDay": true}]}"#;
    let calendars = gasdesk_web::calendars::build(
        &[year_2027.to_string()],
        gasdesk_web::calendars::DEFAULT_HOURS,
    )
    .unwrap();
    server.state.set_calendars(calendars);

    let detail = server.detail(&cm, &number).await;
    let call = deadline(&detail, "first_call");
    assert_eq!(call["due_at"], bj_json("2027-01-02T09:00"));
    assert_eq!(call["provisional"], false);
    assert_eq!(
        deadline(&detail, "gas_on")["due_at"],
        bj_json("2027-01-02T17:30")
    );

    server.at("2027-01-02T08:50");
    let (status, body) = server.act(&cm, &number, 1, first_call()).await;
    assert_eq!(status, 200, "{body}");
    let stored = deadline(&body, "first_call");
    assert_eq!(stored["due_at"], bj_json("2027-01-02T09:00"));
    assert_eq!(stored["met_at"], bj_json("2027-01-02T08:50"));
    assert_eq!(stored["provisional"], false);
    let detail = server.detail(&cm, &number).await;
    let event = detail["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        event["payload"]["deadlines_recalculated"],
        json!(["first_call", "gas_on"])
    );
}
