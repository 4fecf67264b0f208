//! The new residential community line end to end through the HTTP API,
//! across the 2026 Labour Day holiday (05-01..05-05 off, Saturday 05-09 a
//! make-up working day). Every due instant was worked out by hand
//! (08:30-12:00 and 14:30-18:00; a working day is 7 h).

use crate::support::*;
use gasdesk_domain::Role;
use serde_json::{Value, json};

on_both_backends!(a_community_from_the_ledger_gets_gas_for_every_household);

async fn a_community_from_the_ledger_gets_gas_for_every_household(server: TestServer) {
    let desk = server.staff("desk", "王前台", Role::ServiceStaff).await;
    let cm = server.staff("cm", "李经理", Role::CustomerManager).await;
    let designer = server.staff("designer", "孙设计", Role::Designer).await;
    let owner = server.staff("owner", "刘主管", Role::Supervisor).await;
    let builder = server
        .staff("builder", "周施工", Role::ConstructionUnit)
        .await;
    let ops = server.staff("ops", "陈运行", Role::OperationsUnit).await;
    let planning = server
        .staff("planning", "钱经营", Role::BusinessPlanning)
        .await;

    // Early involvement: the plot is in the ledger, with its source-pipeline
    // layout designed in advance, before any application.
    server.at("2026-04-20T09:00");
    let entry = json!({"name": "卢氏县滨河花园二期", "location": "城关镇滨河路北侧",
        "developer": "卢氏县安居置业有限公司", "source": "多规合一平台项目生成阶段"});
    let (status, plot) = server
        .send("POST", "/api/v1/plots", Some(&designer), Some(entry))
        .await;
    assert_eq!(status, 201, "{plot}");
    let plot_id = plot["id"].as_str().unwrap().to_string();
    let layout = json!({"source_pipeline_layout": "滨河路 DN200 中压管，北侧预留接口"});
    let path = format!("/api/v1/plots/{plot_id}/layout");
    let (status, _) = server
        .send("POST", &path, Some(&designer), Some(layout))
        .await;
    assert_eq!(status, 200);
    let items = json!([
        {"code": "PT-HH", "name": "小区燃气配套建设费（按户）", "unit": "户",
         "unit_price_fen": 300_000},
        {"code": "PT-M2", "name": "小区燃气配套建设费（按面积）", "unit": "平方米",
         "unit_price_fen": 2_500},
    ]);
    let (status, _) = server
        .send(
            "POST",
            "/api/v1/catalogue",
            Some(&planning),
            Some(json!({"items": items})),
        )
        .await;
    assert_eq!(status, 201);

    // Wed 2026-04-29 10:00 at the service center: a fitted community whose
    // developer supplies stoves and water heaters. The licence is handed
    // in; the planning permit is owed.
    server.at("2026-04-29T10:00");
    let mut body = intake("service_center", USCC[6]);
    body["organisation"] = json!("卢氏县安居置业有限公司");
    body["line"] = json!("new_community");
    body["plot_id"] = json!(plot_id);
    body["build_standard"] = json!("fitted");
    body["developer_appliances"] = json!(["water_heater", "stove"]);
    body["materials"] = json!(["developer_licence"]);
    body["assignee"] = json!({"user_id": cm.user_id, "name": ""});
    let (status, app) = server.apply(Some(&desk), body).await;
    assert_eq!(status, 201, "{app}");
    let number = app["number"].as_str().unwrap().to_string();
    assert_eq!(app["line"], "new_community");
    assert_eq!(app["status"], "awaiting_design");
    assert_eq!(app["community"]["plot_name"], "卢氏县滨河花园二期");
    assert_eq!(
        app["community"]["source_pipeline_layout"],
        "滨河路 DN200 中压管，北侧预留接口"
    );
    assert_eq!(app["extended_services"][0]["service"], "home_gas_products");
    assert_eq!(app["extended_services"][0]["lead"], true);
    // Contact within half a day: Wed 2 h + 1.5 h. Source drawings within 2
    // days: Wed 5.5 h, Thu 7 h, then 05-01..05-05 off, Wed 05-06 1.5 h.
    assert_eq!(due(&app, "developer_contact"), bj_json("2026-04-29T16:00"));
    assert_eq!(due(&app, "source_drawings"), bj_json("2026-05-06T10:00"));
    let (_, ledger) = server.send("GET", "/api/v1/plots", Some(&cm), None).await;
    assert_eq!(ledger[0]["application_number"], json!(number));
    let mut v = app["version"].as_i64().unwrap();

    // A second application from the same ledger entry is refused.
    let mut again = intake("service_center", USCC[6]);
    again["line"] = json!("new_community");
    again["plot_id"] = json!(plot_id);
    again["build_standard"] = json!("shell");
    let (status, body) = server.apply(Some(&desk), again).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("invalid_field")),
        "{body}"
    );

    // Design cooperation.
    let contact = json!({"type": "contact_developer"});
    ok(
        &server,
        &designer,
        &number,
        &mut v,
        "2026-04-29T15:00",
        contact,
    )
    .await;
    server.at("2026-04-30T16:00");
    let early = json!({"type": "submit_drawing", "kind": "design_plan", "summary": "方案"});
    refused(&server, &designer, &number, v, early, "drawing_not_ready").await;
    let source = json!({"type": "submit_drawing", "kind": "source_pipeline",
        "summary": "气源管线接入设计 DN110"});
    ok(
        &server,
        &designer,
        &number,
        &mut v,
        "2026-04-30T17:00",
        source,
    )
    .await;
    // Design plan within 2 days of the data: Thu 0.5 h, Wed 05-06 7 h,
    // Thu 05-07 3.5 h + 3 h.
    let data = json!({"type": "receive_design_data"});
    let app = ok(
        &server,
        &designer,
        &number,
        &mut v,
        "2026-04-30T17:30",
        data,
    )
    .await;
    assert_eq!(due(&app, "design_plan"), bj_json("2026-05-07T17:30"));
    let pass = |n: u32| json!({"type": "review_drawing", "drawing": n, "passed": true});
    ok(
        &server,
        &owner,
        &number,
        &mut v,
        "2026-05-06T09:00",
        pass(1),
    )
    .await;
    let plan = json!({"type": "submit_drawing", "kind": "design_plan",
        "summary": "小区燃气设计方案 v1"});
    ok(
        &server,
        &designer,
        &number,
        &mut v,
        "2026-05-06T16:00",
        plan,
    )
    .await;
    // The owning unit returns the plan with its reason; a second version
    // passes.
    server.at("2026-05-07T10:00");
    let no_reason = json!({"type": "review_drawing", "drawing": 2, "passed": false});
    refused(&server, &owner, &number, v, no_reason, "invalid_field").await;
    let back = json!({"type": "review_drawing", "drawing": 2, "passed": false,
        "reasons": ["调压箱位置距住宅外墙不足规范要求"]});
    ok(&server, &owner, &number, &mut v, "2026-05-07T10:00", back).await;
    let plan2 = json!({"type": "submit_drawing", "kind": "design_plan",
        "summary": "小区燃气设计方案 v2：调压箱移至绿地"});
    let app = ok(
        &server,
        &designer,
        &number,
        &mut v,
        "2026-05-07T15:00",
        plan2,
    )
    .await;
    let versions: Vec<(u64, bool)> = app["community"]["drawings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "design_plan")
        .map(|d| {
            let passed = d["review"]["passed"].as_bool().unwrap_or(false);
            (d["version"].as_u64().unwrap(), passed)
        })
        .collect();
    assert_eq!(versions, [(1, false), (2, false)]);
    // The plan agreed on Fri 05-08 09:00: courtyard drawings within a day
    // (Fri 6.5 h, then the make-up Saturday 05-09 0.5 h), in-building
    // drawings within 2 (Fri 6.5 h, Sat 7 h, Mon 05-11 0.5 h).
    let app = ok(
        &server,
        &owner,
        &number,
        &mut v,
        "2026-05-08T09:00",
        pass(3),
    )
    .await;
    assert_eq!(due(&app, "courtyard_drawings"), bj_json("2026-05-09T09:00"));
    assert_eq!(due(&app, "building_drawings"), bj_json("2026-05-11T09:00"));
    let courtyard = json!({"type": "submit_drawing", "kind": "courtyard",
        "summary": "庭院管施工图"});
    ok(
        &server,
        &designer,
        &number,
        &mut v,
        "2026-05-09T10:00",
        courtyard,
    )
    .await;
    let building = json!({"type": "submit_drawing", "kind": "building",
        "summary": "户内管施工图"});
    ok(
        &server,
        &designer,
        &number,
        &mut v,
        "2026-05-09T11:00",
        building,
    )
    .await;
    ok(
        &server,
        &owner,
        &number,
        &mut v,
        "2026-05-11T10:00",
        pass(4),
    )
    .await;
    let app = ok(
        &server,
        &owner,
        &number,
        &mut v,
        "2026-05-11T10:05",
        pass(5),
    )
    .await;
    assert_eq!(app["status"], "awaiting_contract");
    let detail = server.detail(&cm, &number).await;
    for (key, state) in [
        ("developer_contact", "met_on_time"),
        ("source_drawings", "met_on_time"),
        ("design_plan", "met_on_time"),
        ("courtyard_drawings", "met_late"),
        ("building_drawings", "met_on_time"),
    ] {
        assert_eq!(deadline(&detail, key)["state"], state, "{key}");
    }
    // The courtyard drawings came an hour late on the make-up Saturday.
    assert_eq!(
        deadline(&detail, "courtyard_drawings")["elapsed_seconds"],
        8 * 3600
    );

    // Contract: the planning permit first, then the supporting fee for 120
    // households at 3000 yuan, with the appliance contract alongside.
    let contract = json!({"type": "sign_community_contract", "contract_number": "YM-2026-012",
        "fee": [{"code": "PT-HH", "quantity": 120}],
        "extended_contracts": ["燃气灶、热水器供货安装合同 YS-2026-08"]});
    server.at("2026-05-11T10:20");
    refused(&server, &cm, &number, v, contract.clone(), "materials_owed").await;
    let hand_in = json!({"type": "hand_in_material", "material": "planning_permit",
        "description": "建设工程规划许可证及附图（建委审批系统共享）"});
    ok(&server, &cm, &number, &mut v, "2026-05-11T10:30", hand_in).await;
    let accept = json!({"type": "review_hand_in", "hand_in": 1, "accepted": true});
    ok(&server, &cm, &number, &mut v, "2026-05-11T10:35", accept).await;
    let app = ok(&server, &cm, &number, &mut v, "2026-05-11T11:00", contract).await;
    assert_eq!(app["community"]["fee"]["total_fen"], 120 * 300_000);
    let pay = |fen: i64, r: &str| {
        json!({"type": "record_payment", "amount_fen": fen, "receipt_number": r,
               "method": "对公转账"})
    };
    server.at("2026-05-12T09:00");
    refused(
        &server,
        &cm,
        &number,
        v,
        pay(36_000_001, "PT-1"),
        "payment_exceeds_quote",
    )
    .await;
    let app = ok(
        &server,
        &cm,
        &number,
        &mut v,
        "2026-05-12T09:00",
        pay(36_000_000, "PT-1"),
    )
    .await;
    assert_eq!(app["status"], "under_construction");

    // Construction follows the developer's schedule; households entered.
    let milestone = json!({"type": "add_milestone", "building": "1号楼",
        "description": "主体封顶后立管安装", "planned_at": bj_json("2026-05-18T09:00")});
    ok(
        &server,
        &builder,
        &number,
        &mut v,
        "2026-05-12T10:00",
        milestone,
    )
    .await;
    let progress = json!({"type": "note_progress", "milestone": 1, "progress": "立管安装完成",
        "quality": "焊口抽检合格", "reached": true});
    ok(
        &server,
        &builder,
        &number,
        &mut v,
        "2026-05-18T16:00",
        progress,
    )
    .await;
    server.at("2026-05-20T10:00");
    let too_soon = json!({"type": "request_gas_on"});
    refused(&server, &cm, &number, v, too_soon, "households_missing").await;
    let homes: Vec<Value> = ["1", "2"]
        .iter()
        .flat_map(|floor| {
            ["01", "02"].iter().map(move |door| {
                json!({"building": "1号楼", "unit": "1单元", "floor": floor, "door": door})
            })
        })
        .collect();
    let entered = json!({"type": "register_households", "households": homes});
    let app = ok(
        &server,
        &builder,
        &number,
        &mut v,
        "2026-05-20T10:00",
        entered,
    )
    .await;
    assert_eq!(app["community"]["households"].as_array().unwrap().len(), 4);
    server.at("2026-05-20T10:10");
    let twice = json!({"type": "register_households", "households": [
        {"building": "1号楼", "unit": "1单元", "floor": "1", "door": "01"}]});
    refused(&server, &builder, &number, v, twice, "invalid_field").await;

    // Thu 05-21 10:00 the developer asks for gas-on: due within 2 days,
    // Thu 5.5 h, Fri 7 h, Mon 05-25 1.5 h.
    let request = json!({"type": "request_gas_on"});
    let app = ok(&server, &cm, &number, &mut v, "2026-05-21T10:00", request).await;
    assert_eq!(app["status"], "awaiting_gas_on");
    assert_eq!(due(&app, "acceptance_gas_on"), bj_json("2026-05-25T10:00"));
    let plan = json!({"type": "schedule_gas_on", "planned_at": bj_json("2026-05-22T09:00")});
    ok(&server, &cm, &number, &mut v, "2026-05-21T11:00", plan).await;
    let people = json!(["刘主管", "陈运行", "周施工", "燃气表供应商"]);
    let fail = json!({"type": "record_acceptance", "passed": false, "participants": people,
        "failure_cause": "applicant_equipment", "note": "开发商配置的热水器排烟管未接"});
    ok(&server, &ops, &number, &mut v, "2026-05-22T09:00", fail).await;
    let pass = json!({"type": "record_acceptance", "passed": true, "participants": people});
    let app = ok(&server, &ops, &number, &mut v, "2026-05-22T14:30", pass).await;
    assert_eq!(app["status"], "gas_on");
    let detail = server.detail(&cm, &number).await;
    assert_eq!(
        deadline(&detail, "acceptance_gas_on")["state"],
        "met_on_time"
    );
    // Thu 2 h + 3.5 h, Fri 3.5 h.
    assert_eq!(
        deadline(&detail, "acceptance_gas_on")["elapsed_seconds"],
        9 * 3600
    );

    // After gas-on every household can open its account.
    let open = json!({"type": "open_account", "household": 1, "account_number": "HZ000001"});
    ok(&server, &desk, &number, &mut v, "2026-05-22T15:00", open).await;
    server.at("2026-05-22T15:05");
    let same = json!({"type": "open_account", "household": 2, "account_number": "HZ000001"});
    refused(&server, &desk, &number, v, same, "invalid_field").await;
    let detail = server.detail(&cm, &number).await;
    let homes = detail["application"]["community"]["households"]
        .as_array()
        .unwrap();
    assert_eq!(homes[0]["account_number"], "HZ000001");
    assert!(homes[1]["account_number"].is_null());
    let events = detail["events"].as_array().unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=events.len() as i64).collect::<Vec<_>>());
}
