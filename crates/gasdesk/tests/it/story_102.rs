//! The 102 line driven end to end through the HTTP API, one story per
//! channel. Every expected deadline was worked out by hand on the 2026
//! calendar with working hours 08:30-12:00 and 14:30-18:00 (7 h a day).

use crate::support::*;
use gasdesk_domain::Role;
use serde_json::json;

on_both_backends!(
    service_center_application_is_handed_over_and_gets_gas_within_a_day,
    business_hall_application_passes_on_the_second_acceptance,
    online_application_on_the_make_up_saturday_runs_past_spring_festival,
    hotline_application_on_30_september_runs_past_national_day,
    an_applicant_who_does_not_qualify_is_routed_not_refused,
    the_licence_is_looked_up_by_credit_code_and_never_demanded,
    a_licence_seen_at_the_counter_needs_no_phone_confirmation,
);

async fn staff_set(server: &TestServer) -> (Session, Session, Session, Session) {
    (
        server.staff("desk", "王前台", Role::ServiceStaff).await,
        server.staff("cm_a", "李经理", Role::CustomerManager).await,
        server.staff("cm_b", "赵经理", Role::CustomerManager).await,
        server.staff("boss", "刘主管", Role::Supervisor).await,
    )
}

/// Verification, contract, plan and a passed acceptance, each at the
/// Beijing time given.
async fn finish(
    server: &TestServer,
    cm: &Session,
    number: &str,
    mut version: i64,
    times: [&str; 4],
    planned: &str,
) -> i64 {
    let steps = [
        json!({"type": "verify_site", "facilities_ok": true, "source_pipe_ok": true,
               "tie_in_point": "建设路东侧阀井", "excavation_approvals": "无需开挖"}),
        json!({"type": "sign_contract", "contract_number": format!("GY-{number}")}),
        json!({"type": "schedule_gas_on", "planned_at": bj_json(planned)}),
        json!({"type": "record_acceptance", "passed": true,
               "participants": ["李经理", "运行部 陈工", "施工队 周工"]}),
    ];
    for (step, at) in steps.into_iter().zip(times) {
        server.at(at);
        let (status, body) = server.act(cm, number, version, step).await;
        assert_eq!(status, 200, "{body}");
        version = body["version"].as_i64().unwrap();
    }
    version
}

async fn service_center_application_is_handed_over_and_gets_gas_within_a_day(server: TestServer) {
    let (desk, cm, _, _) = staff_set(&server).await;

    // Tue 2026-03-03 10:00 at the county service center.
    server.at("2026-03-03T10:00");
    let (status, app) = server
        .apply(Some(&desk), intake("service_center", USCC[0]))
        .await;
    assert_eq!(status, 201, "{app}");
    let number = app["number"].as_str().unwrap().to_string();
    assert_eq!(number, "BZ20260303-0001");
    assert_eq!(app["status"], "awaiting_handover");
    assert_eq!(app["line"], "connection_102");

    let detail = server.detail(&desk, &number).await;
    // Hand-over within 2 working hours: 10:00-12:00 ends exactly at noon.
    assert_eq!(
        deadline(&detail, "handover")["due_at"],
        bj_json("2026-03-03T12:00")
    );
    // Gas-on within 1 working day (7 h): 2 h + 3.5 h on Tuesday, 1.5 h on
    // Wednesday from 08:30.
    assert_eq!(
        deadline(&detail, "gas_on")["due_at"],
        bj_json("2026-03-04T10:00")
    );
    assert!(
        detail["deadlines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["key"] != "first_call"),
        "in-person intake has no first-call limit"
    );

    server.at("2026-03-03T11:00");
    let to = json!({"user_id": cm.user_id, "name": ""});
    let (status, app) = server
        .act(&desk, &number, 1, json!({"type": "hand_over", "to": to}))
        .await;
    assert_eq!(status, 200, "{app}");
    assert_eq!(app["assignee"]["name"], "李经理");

    let times = [
        "2026-03-03T14:40",
        "2026-03-03T15:00",
        "2026-03-03T16:00",
        "2026-03-04T09:30",
    ];
    let version = finish(&server, &cm, &number, 2, times, "2026-03-04T09:00").await;
    assert_eq!(version, 6);

    let detail = server.detail(&cm, &number).await;
    assert_eq!(detail["application"]["status"], "gas_on");
    let gas_on = deadline(&detail, "gas_on");
    assert_eq!(gas_on["state"], "met_on_time");
    // 2 h + 3.5 h on Tuesday and 08:30-09:30 on Wednesday.
    assert_eq!(gas_on["elapsed_seconds"], 6 * 3600 + 1800);
    assert_eq!(deadline(&detail, "handover")["state"], "met_on_time");
    let kinds: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "submitted",
            "handed_over",
            "site_verified",
            "contract_signed",
            "gas_on_scheduled",
            "acceptance_recorded"
        ]
    );
    let seqs: Vec<i64> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
}

async fn business_hall_application_passes_on_the_second_acceptance(server: TestServer) {
    let (desk, cm, _, _) = staff_set(&server).await;

    // Thu 2026-03-05 16:30 at a business hall.
    server.at("2026-03-05T16:30");
    let (status, app) = server
        .apply(Some(&desk), intake("business_hall", USCC[1]))
        .await;
    assert_eq!(status, 201, "{app}");
    let number = app["number"].as_str().unwrap().to_string();
    let detail = server.detail(&desk, &number).await;
    // 1.5 h on Thursday, then 0.5 h from 08:30 on Friday.
    assert_eq!(
        deadline(&detail, "handover")["due_at"],
        bj_json("2026-03-06T09:00")
    );
    // 1.5 h Thursday, 3.5 h Friday morning, 2 h from 14:30.
    assert_eq!(
        deadline(&detail, "gas_on")["due_at"],
        bj_json("2026-03-06T16:30")
    );

    server.at("2026-03-06T08:45");
    let to = json!({"user_id": cm.user_id, "name": ""});
    let (status, _) = server
        .act(&desk, &number, 1, json!({"type": "hand_over", "to": to}))
        .await;
    assert_eq!(status, 200);
    let mut version = 2;
    for (at, step) in [
        (
            "2026-03-06T09:00",
            json!({"type": "verify_site", "facilities_ok": true,
            "source_pipe_ok": true, "tie_in_point": "院内东北角"}),
        ),
        (
            "2026-03-06T09:10",
            json!({"type": "sign_contract", "contract_number": "GY-2"}),
        ),
        (
            "2026-03-06T09:20",
            json!({"type": "schedule_gas_on",
            "planned_at": bj_json("2026-03-06T10:00")}),
        ),
        (
            "2026-03-06T10:00",
            json!({"type": "record_acceptance", "passed": false,
            "participants": ["李经理", "陈工"], "failure_cause": "company_work",
            "note": "接口漏气"}),
        ),
    ] {
        server.at(at);
        let (status, body) = server.act(&cm, &number, version, step).await;
        assert_eq!(status, 200, "{body}");
        version = body["version"].as_i64().unwrap();
    }
    let detail = server.detail(&cm, &number).await;
    assert_eq!(detail["application"]["status"], "awaiting_gas_on");
    assert_eq!(deadline(&detail, "gas_on")["met_at"], json!(null));

    server.at("2026-03-06T15:00");
    let (status, body) = server
        .act(
            &cm,
            &number,
            version,
            json!({"type": "record_acceptance", "passed": true, "participants": ["李经理"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let attempts = body["acceptance_attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["number"], 1);
    assert_eq!(attempts[0]["failure_cause"], "company_work");
    assert_eq!(attempts[1]["passed"], true);
    let detail = server.detail(&cm, &number).await;
    assert_eq!(deadline(&detail, "gas_on")["state"], "met_on_time");
}

async fn online_application_on_the_make_up_saturday_runs_past_spring_festival(server: TestServer) {
    let (_, cm, _, _) = staff_set(&server).await;

    // Sat 2026-02-14 is a make-up working day; 02-15..02-23 are off.
    server.at("2026-02-14T10:00");
    let (status, app) = server.apply(None, intake("online", USCC[2])).await;
    assert_eq!(status, 201, "{app}");
    assert_eq!(app["status"], "awaiting_first_call");
    assert!(app["assignee"].is_null());
    let number = app["number"].as_str().unwrap().to_string();
    let detail = server.detail(&cm, &number).await;
    assert_eq!(
        deadline(&detail, "first_call")["due_at"],
        bj_json("2026-02-14T11:00")
    );
    // 5.5 h on the Saturday, then 1.5 h on Tue 02-24 from 08:30.
    assert_eq!(
        deadline(&detail, "gas_on")["due_at"],
        bj_json("2026-02-24T10:00")
    );

    // The first call assigns the order to the manager who made it.
    server.at("2026-02-14T10:40");
    let call = json!({"type": "record_first_call", "confirmation": {
        "licence_confirmed": true, "address_confirmed": true,
        "built_by": "company_built", "completion_accepted": true}});
    let (status, app) = server.act(&cm, &number, 1, call).await;
    assert_eq!(status, 200, "{app}");
    assert_eq!(app["assignee"]["name"], "李经理");
    assert_eq!(app["readiness"]["built_by"], "company_built");

    let times = [
        "2026-02-14T14:40",
        "2026-02-14T15:00",
        "2026-02-14T16:00",
        "2026-02-24T09:00",
    ];
    finish(&server, &cm, &number, 2, times, "2026-02-24T08:30").await;
    let detail = server.detail(&cm, &number).await;
    let gas_on = deadline(&detail, "gas_on");
    assert_eq!(gas_on["state"], "met_on_time");
    // 5.5 h on Saturday and 0.5 h on Tuesday: the holiday counts nothing.
    assert_eq!(gas_on["elapsed_seconds"], 6 * 3600);
    assert_eq!(deadline(&detail, "first_call")["state"], "met_on_time");
}

async fn hotline_application_on_30_september_runs_past_national_day(server: TestServer) {
    let (desk, cm, _, _) = staff_set(&server).await;

    // Wed 2026-09-30 15:00 by hotline; 10-01..10-07 are off.
    server.at("2026-09-30T15:00");
    let (status, app) = server.apply(Some(&desk), intake("hotline", USCC[3])).await;
    assert_eq!(status, 201, "{app}");
    let number = app["number"].as_str().unwrap().to_string();
    assert_eq!(number, "BZ20260930-0001");
    let detail = server.detail(&cm, &number).await;
    assert_eq!(
        deadline(&detail, "first_call")["due_at"],
        bj_json("2026-09-30T16:00")
    );
    // 3 h on 09-30, then 3.5 h on Thu 10-08 morning and 0.5 h from 14:30.
    assert_eq!(
        deadline(&detail, "gas_on")["due_at"],
        bj_json("2026-10-08T15:00")
    );

    // Taken from the pool, then called a little late.
    server.at("2026-09-30T15:30");
    let me = json!({"user_id": cm.user_id, "name": ""});
    let (status, _) = server
        .act(&cm, &number, 1, json!({"type": "assign", "to": me}))
        .await;
    assert_eq!(status, 200);
    server.at("2026-09-30T16:10");
    let call = json!({"type": "record_first_call", "confirmation": {
        "licence_confirmed": true, "address_confirmed": true,
        "built_by": "self_built", "completion_accepted": true}});
    let (status, _) = server.act(&cm, &number, 2, call).await;
    assert_eq!(status, 200);
    let detail = server.detail(&cm, &number).await;
    let first_call = deadline(&detail, "first_call");
    assert_eq!(first_call["state"], "met_late");
    assert_eq!(first_call["remaining_seconds"], -600);

    let times = [
        "2026-10-08T08:40",
        "2026-10-08T09:00",
        "2026-10-08T09:10",
        "2026-10-08T16:00",
    ];
    finish(&server, &cm, &number, 3, times, "2026-10-08T15:30").await;
    let detail = server.detail(&cm, &number).await;
    let gas_on = deadline(&detail, "gas_on");
    // 3 h + 3.5 h + 14:30-16:00 = 8 h against a budget of 7 h.
    assert_eq!(gas_on["state"], "met_late");
    assert_eq!(gas_on["elapsed_seconds"], 8 * 3600);
}

async fn an_applicant_who_does_not_qualify_is_routed_not_refused(server: TestServer) {
    let mut body = intake("online", USCC[4]);
    body["readiness"]["facilities_ready"] = json!(false);
    server.at("2026-03-03T10:00");
    let (status, app) = server.apply(None, body).await;
    assert_eq!(status, 201, "{app}");
    assert_eq!(app["status"], "routed_one_stop");
    assert_eq!(app["line"], "one_stop");
}

async fn the_licence_is_looked_up_by_credit_code_and_never_demanded(server: TestServer) {
    let csv = "uscc,name,legal_representative,address,registered_on,status\n\
        91411224MA0007GG9Y,卢氏县登记在册餐饮有限公司,王五,城关镇2号,2019-03-01,active\n";
    let licences = gasdesk_domain::registry::read_csv(csv.as_bytes()).unwrap();
    server
        .state
        .store
        .import_licences(&licences, bj("2026-03-01T09:00"))
        .await
        .unwrap();
    server.at("2026-03-03T10:00");

    let (_, known) = server.apply(None, intake("online", USCC[6])).await;
    assert_eq!(known["licence"]["state"], "found");
    assert_eq!(known["licence"]["name"], "卢氏县登记在册餐饮有限公司");
    assert_eq!(known["licence"]["registry_status"], "active");

    let (status, unknown) = server.apply(None, intake("online", USCC[7])).await;
    assert_eq!(status, 201, "an unknown applicant is still accepted");
    assert_eq!(unknown["licence"]["state"], "to_confirm_by_phone");

    // The first call confirms it; no document is asked for at any point.
    let cm = server.staff("cm", "李经理", Role::CustomerManager).await;
    let number = unknown["number"].as_str().unwrap();
    let call = json!({"type": "record_first_call", "confirmation": {
        "licence_confirmed": true, "address_confirmed": true,
        "built_by": "self_built", "completion_accepted": true}});
    let (status, app) = server.act(&cm, number, 1, call).await;
    assert_eq!(status, 200, "{app}");
    assert_eq!(app["licence"]["state"], "confirmed_by_phone");
}

async fn a_licence_seen_at_the_counter_needs_no_phone_confirmation(server: TestServer) {
    let desk = server.staff("desk", "王前台", Role::ServiceStaff).await;
    server.at("2026-03-03T10:00");

    let mut seen = intake("business_hall", USCC[0]);
    seen["licence_seen"] = json!(true);
    let (status, app) = server.apply(Some(&desk), seen).await;
    assert_eq!(status, 201, "{app}");
    assert_eq!(app["licence"]["state"], "seen_at_counter");

    // On the hotline nobody can see the original: the flag is ignored.
    let mut heard = intake("hotline", USCC[1]);
    heard["licence_seen"] = json!(true);
    let (_, app) = server.apply(Some(&desk), heard).await;
    assert_eq!(app["licence"]["state"], "to_confirm_by_phone");
}
