//! The new residential community line on the Chinese pages alone, with
//! plain HTML form posts as a browser without JavaScript sends them: from
//! a plot in the ledger to gas-on and the first household's account,
//! across the 2026 Labour Day holiday (05-01..05-05 off, Saturday 05-09 a
//! make-up working day). Working hours are 08:30-12:00 and 14:30-18:00; a
//! working day is 7 h. Only the price catalogue, which has no page, is
//! published through the API beforehand.

use crate::support::*;
use gasdesk_domain::Role;
use serde_json::json;

on_both_backends!(a_community_goes_from_the_ledger_to_gas_on_on_the_pages);

const PASSWORD: &str = "a long page password";

/// One person's browser: a session cookie, no redirects followed.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

/// A response as the test reads it.
struct Page {
    status: u16,
    location: String,
    body: String,
}

impl Page {
    fn has(&self, text: &str) -> bool {
        self.body.contains(text)
    }

    /// The value of the first input with this name.
    fn input(&self, name: &str) -> String {
        let at = self
            .body
            .find(&format!("name=\"{name}\""))
            .unwrap_or_else(|| panic!("no input {name} in {}", self.body));
        let rest = &self.body[at..];
        let start = rest.find("value=\"").unwrap() + "value=\"".len();
        let end = rest[start..].find('"').unwrap();
        rest[start..start + end].to_string()
    }

    /// The cells of the table row holding `text`, its first occurrence on
    /// the page, with tags read as spaces and spaces collapsed.
    fn row(&self, text: &str) -> Vec<String> {
        let at = self
            .body
            .find(text)
            .unwrap_or_else(|| panic!("no {text} in {}", self.body));
        let start = self.body[..at].rfind("<tr").unwrap();
        let end = at + self.body[at..].find("</tr>").unwrap();
        self.body[start..end]
            .split("<td")
            .skip(1)
            .map(|cell| {
                let cell = &cell[cell.find('>').unwrap() + 1..];
                let mut out = String::new();
                let mut in_tag = false;
                for c in cell.chars() {
                    match c {
                        '<' => in_tag = true,
                        '>' => {
                            in_tag = false;
                            out.push(' ');
                        }
                        c if !in_tag => out.push(c),
                        _ => {}
                    }
                }
                out.split_whitespace().collect::<Vec<_>>().join(" ")
            })
            .collect()
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Browser {
    /// Creates an account and signs it in on the login page.
    async fn sign_in(server: &TestServer, username: &str, name: &str, role: Role) -> Browser {
        server
            .staff_with_password(username, name, role, PASSWORD)
            .await;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut browser = Browser {
            http,
            base: server.base.clone(),
            cookie: String::new(),
        };
        let form = [("username", username), ("password", PASSWORD), ("next", "")];
        let response = browser.send_form("/login", &form).await;
        assert_eq!(response.status().as_u16(), 303);
        let cookie = response.headers()["set-cookie"].to_str().unwrap();
        browser.cookie = cookie.split(';').next().unwrap().to_string();
        browser
    }

    async fn send_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let body: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        self.http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &self.cookie)
            .body(body.join("&"))
            .send()
            .await
            .unwrap()
    }

    async fn read(response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        Page {
            status,
            location,
            body: response.text().await.unwrap(),
        }
    }

    async fn get(&self, path: &str) -> Page {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        let page = Self::read(response).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        page
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Self::read(self.send_form(path, form).await).await
    }

    /// Fills in the form of an action on the application page and sends it
    /// with the version the page shows; the page it returns to, or the
    /// page that refused it.
    async fn act(&self, number: &str, kind: &str, form: &[(&str, &str)]) -> Page {
        let address = format!("/applications/{number}");
        let page = self.get(&address).await;
        let action = format!("{address}/actions/{kind}");
        assert!(page.has(&format!("action=\"{action}\"")), "no {kind} form");
        let version = page.input("version");
        let mut fields = vec![("version", version.as_str())];
        fields.extend_from_slice(form);
        let done = self.post(&action, &fields).await;
        if done.status != 303 {
            return done;
        }
        assert_eq!(done.location, format!("{address}?done={kind}"));
        self.get(&done.location).await
    }

    /// An action that must go through.
    async fn done(&self, number: &str, kind: &str, form: &[(&str, &str)]) -> Page {
        let page = self.act(number, kind, form).await;
        assert_eq!(page.status, 200, "{kind}: {}", page.body);
        page
    }
}

async fn a_community_goes_from_the_ledger_to_gas_on_on_the_pages(server: TestServer) {
    let desk = Browser::sign_in(&server, "desk", "王前台", Role::ServiceStaff).await;
    let cm = Browser::sign_in(&server, "cm", "李经理", Role::CustomerManager).await;
    let designer = Browser::sign_in(&server, "designer", "孙设计", Role::Designer).await;
    let owner = Browser::sign_in(&server, "owner", "刘主管", Role::Supervisor).await;
    let builder = Browser::sign_in(&server, "builder", "周施工", Role::ConstructionUnit).await;
    let ops = Browser::sign_in(&server, "ops", "陈运行", Role::OperationsUnit).await;
    let planning = server
        .staff("planning", "钱经营", Role::BusinessPlanning)
        .await;
    let items = json!([{"code": "PT-HH", "name": "小区燃气配套建设费（按户）", "unit": "户",
        "unit_price_fen": 300_000}]);
    let (status, _) = server
        .send(
            "POST",
            "/api/v1/catalogue",
            Some(&planning),
            Some(json!({"items": items})),
        )
        .await;
    assert_eq!(status, 201);

    // Early involvement: the designer enters the plot and, later, its
    // source-pipeline layout.
    server.at("2026-04-20T09:00");
    let added = designer
        .post(
            "/plots",
            &[
                ("name", "卢氏县滨河花园二期"),
                ("location", "城关镇滨河路北侧"),
                ("developer", "卢氏县安居置业有限公司"),
                ("source", "“多规合一”平台项目生成阶段"),
            ],
        )
        .await;
    assert_eq!(
        (added.status, added.location.as_str()),
        (303, "/plots?done=added")
    );
    let ledger = designer.get("/plots").await;
    let at = ledger.body.find("id=\"plot-").unwrap() + "id=\"plot-".len();
    let plot_id = ledger.body[at..at + 36].to_string();
    server.at("2026-04-21T15:00");
    let layout = "滨河路 DN200 中压管，北侧预留接口";
    let saved = designer
        .post(
            &format!("/plots/{plot_id}/layout"),
            &[("source_pipeline_layout", layout)],
        )
        .await;
    assert_eq!(saved.status, 303);
    let ledger = cm.get("/plots").await;
    let row = ledger.row("卢氏县滨河花园二期");
    assert_eq!(row[4], "2026-04-20 09:00", "{row:?}");
    assert!(row[5].starts_with(layout), "{row:?}");
    assert_eq!(row[6], "受理报装");

    // Wed 2026-04-29 10:00 at the service center, the ledger's link:
    // a fitted community whose developer supplies stoves and water
    // heaters; the licence is handed in, the planning permit owed.
    server.at("2026-04-29T10:00");
    let form = desk
        .get(&format!("/intake?line=new_community&plot_id={plot_id}"))
        .await;
    assert_eq!(form.input("organisation"), "卢氏县安居置业有限公司");
    assert_eq!(form.input("site_address"), "城关镇滨河路北侧");
    let key = form.input("idempotency_key");
    let cm_id = server
        .state
        .store
        .user_by_username("cm")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let created = desk
        .post(
            "/intake",
            &[
                ("channel", "service_center"),
                ("line", "new_community"),
                ("accepted_at", ""),
                ("assignee", &cm_id),
                ("organisation", &form.input("organisation")),
                ("uscc", USCC[6]),
                ("contact_name", "赵经理"),
                ("phone", "0398-3096777"),
                ("site_address", &form.input("site_address")),
                ("source_pipeline_ready", "no"),
                ("facilities_ready", "no"),
                ("built_by", "company_built"),
                ("plot_id", &plot_id),
                ("build_standard", "fitted"),
                ("appliance_stove", "on"),
                ("appliance_water_heater", "on"),
                ("community_material_developer_licence", "on"),
                ("idempotency_key", &key),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let number = created.location["/applications/".len()..]
        .split('?')
        .next()
        .unwrap()
        .to_string();
    assert!(number.starts_with("BZ20260429-"), "{number}");
    let page = cm.get(&created.location).await;
    assert!(page.has("申请已受理"));
    assert!(page.has("设计配合中"));
    assert!(page.has("新建住宅小区燃气预埋"));
    assert!(page.has(layout));
    assert!(page.has("燃气灶、燃气热水器"));
    assert!(page.has("规划许可证及规划附图：待补交（容缺受理）"));
    // Contact within half a day: Wed 10:00-12:00 and 14:30-16:00. Source
    // drawings within 2 days: Wed 5.5 h, Thu 7 h, 05-01..05-05 off, then
    // Wed 05-06 08:30-10:00.
    assert_eq!(page.row("设计院联系开发商")[1], "2026-04-29 16:00");
    assert_eq!(page.row("气源管线接入设计出图")[1], "2026-05-06 10:00");
    let ledger = cm.get("/plots").await;
    assert_eq!(ledger.row("卢氏县滨河花园二期")[6], number);

    // Design cooperation: the designer contacts the developer and submits,
    // the owning unit (the supervisor) reviews.
    server.at("2026-04-29T15:00");
    designer.done(&number, "contact_developer", &[]).await;
    server.at("2026-04-30T17:00");
    let source = [
        ("drawing_kind", "source_pipeline"),
        ("summary", "气源管线接入设计 DN110"),
    ];
    designer.done(&number, "submit_drawing", &source).await;
    server.at("2026-04-30T17:30");
    let page = designer.done(&number, "receive_design_data", &[]).await;
    // The plan within 2 days of the data: Thu 17:30-18:00, Wed 05-06 7 h,
    // Thu 05-07 08:30-12:00 and 14:30-17:30.
    assert_eq!(page.row("出设计方案")[1], "2026-05-07 17:30");
    let pass = |n: &'static str| [("drawing", n), ("passed", "yes"), ("reasons", "")];
    server.at("2026-05-06T09:00");
    owner.done(&number, "review_drawing", &pass("1")).await;
    server.at("2026-05-06T16:00");
    let plan = [
        ("drawing_kind", "design_plan"),
        ("summary", "小区燃气设计方案 v1"),
    ];
    designer.done(&number, "submit_drawing", &plan).await;
    server.at("2026-05-07T10:00");
    let back = [
        ("drawing", "2"),
        ("passed", "no"),
        ("reasons", "调压箱位置距住宅外墙不足规范要求"),
    ];
    owner.done(&number, "review_drawing", &back).await;
    server.at("2026-05-07T15:00");
    let plan = [
        ("drawing_kind", "design_plan"),
        ("summary", "小区燃气设计方案 v2：调压箱移至绿地"),
    ];
    designer.done(&number, "submit_drawing", &plan).await;
    server.at("2026-05-08T09:00");
    let page = owner.done(&number, "review_drawing", &pass("3")).await;
    // The plan agreed Fri 09:00: courtyard drawings within a day (Fri
    // 6.5 h, make-up Saturday 05-09 08:30-09:00), in-building drawings
    // within 2 (Fri 6.5 h, Sat 7 h, Mon 05-11 08:30-09:00).
    assert_eq!(page.row("庭院管设计出图")[1], "2026-05-09 09:00");
    assert_eq!(page.row("户内管设计出图")[1], "2026-05-11 09:00");
    server.at("2026-05-09T10:00");
    let courtyard = [("drawing_kind", "courtyard"), ("summary", "庭院管施工图")];
    designer.done(&number, "submit_drawing", &courtyard).await;
    server.at("2026-05-09T11:00");
    let building = [("drawing_kind", "building"), ("summary", "户内管施工图")];
    designer.done(&number, "submit_drawing", &building).await;
    server.at("2026-05-11T10:00");
    owner.done(&number, "review_drawing", &pass("4")).await;
    server.at("2026-05-11T10:05");
    let page = owner.done(&number, "review_drawing", &pass("5")).await;
    assert!(page.has("待签约缴费"));
    // The returned plan stays beside the version that replaced it.
    let returned = page.row("小区燃气设计方案 v1");
    assert_eq!(returned[1], "设计方案");
    assert_eq!(returned[2], "第1版");
    assert_eq!(returned[5], "已退回 调压箱位置距住宅外墙不足规范要求");
    assert_eq!(returned[6], "2026-05-07 10:00 刘主管");
    let second = page.row("小区燃气设计方案 v2");
    assert_eq!((second[2].as_str(), second[5].as_str()), ("第2版", "通过"));
    for (limit, state) in [
        ("设计院联系开发商", "按时完成"),
        ("气源管线接入设计出图", "按时完成"),
        ("出设计方案", "按时完成"),
        // An hour late on the make-up Saturday.
        ("庭院管设计出图", "超时完成"),
        ("户内管设计出图", "按时完成"),
    ] {
        assert_eq!(page.row(limit)[3], state, "{limit}");
    }

    // The contract needs the planning permit first.
    server.at("2026-05-11T10:20");
    let contract = [
        ("contract_number", "YM-2026-012"),
        ("fee", "PT-HH 120"),
        (
            "extended_contracts",
            "燃气灶、热水器供货安装合同 YS-2026-08",
        ),
    ];
    let refused = cm.act(&number, "sign_community_contract", &contract).await;
    assert_eq!(refused.status, 422);
    assert!(refused.has("还有资料待补交，本环节暂不能办理。"));
    assert!(refused.has(">PT-HH 120</textarea>"));
    server.at("2026-05-11T10:30");
    let hand_in = [
        ("material", "planning_permit"),
        ("channel", "office"),
        (
            "description",
            "建设工程规划许可证及附图（建委审批系统共享）",
        ),
    ];
    cm.done(&number, "hand_in_material", &hand_in).await;
    server.at("2026-05-11T10:35");
    let accept = [("hand_in", "1"), ("accepted", "yes"), ("reason", "")];
    let page = cm.done(&number, "review_hand_in", &accept).await;
    assert!(page.has("规划许可证及规划附图：已提供"));
    server.at("2026-05-11T11:00");
    let page = cm.done(&number, "sign_community_contract", &contract).await;
    // 120 households at 3,000.00 yuan.
    assert_eq!(
        page.row("PT-HH"),
        [
            "PT-HH",
            "小区燃气配套建设费（按户）",
            "户",
            "¥3,000.00",
            "120",
            "¥360,000.00"
        ]
    );
    assert!(page.has("<td class=\"num outstanding\">¥360,000.00</td>"));
    assert!(page.has("燃气灶、热水器供货安装合同 YS-2026-08"));
    let offer = [
        ("service", "home_gas_products"),
        ("accepted", "yes"),
        ("note", "随合同签订"),
    ];
    let page = cm.done(&number, "offer_extended_service", &offer).await;
    assert!(page.has("用户接受（随合同签订）"));

    server.at("2026-05-12T09:00");
    let pay = |amount: &'static str, receipt: &'static str| {
        [
            ("amount", amount),
            ("receipt_number", receipt),
            ("method", "对公转账"),
        ]
    };
    let page = cm
        .done(&number, "record_payment", &pay("200,000", "PT-1"))
        .await;
    // 360,000.00 - 200,000.00 yuan.
    assert!(page.has("<td class=\"num outstanding\">¥160,000.00</td>"));
    assert_eq!(page.input("amount"), "160000.00");
    let too_much = cm
        .act(&number, "record_payment", &pay("160000.01", "PT-2"))
        .await;
    assert_eq!(too_much.status, 422);
    assert!(too_much.has("缴费金额超过报价总额"));
    let page = cm
        .done(&number, "record_payment", &pay("160000.00", "PT-2"))
        .await;
    assert!(page.has("施工中"));
    assert!(page.has("已缴清"));
    assert_eq!(
        page.row("PT-2"),
        ["2026-05-12 09:00", "¥160,000.00", "PT-2", "对公转账"]
    );

    // Construction follows the developer's schedule.
    server.at("2026-05-12T10:00");
    let milestone = [
        ("building", "1号楼"),
        ("description", "主体封顶后立管安装"),
        ("planned_at", "2026-05-18T09:00"),
    ];
    builder.done(&number, "add_milestone", &milestone).await;
    server.at("2026-05-18T16:00");
    let progress = [
        ("milestone", "1"),
        ("progress", "立管安装完成"),
        ("quality", "焊口抽检合格"),
        ("reached", "on"),
    ];
    let page = builder.done(&number, "note_progress", &progress).await;
    let row = page.row("主体封顶后立管安装");
    assert_eq!(row[3], "2026-05-18 09:00");
    assert_eq!(row[4], "2026-05-18 16:00 已完成");
    assert_eq!(
        row[5],
        "2026-05-18 16:00 周施工：进度：立管安装完成；质量：焊口抽检合格"
    );

    // The building structure survey: the households, then gas-on asked.
    server.at("2026-05-20T10:00");
    let homes = "1号楼,1单元,1,101\n1号楼,1单元,1,102\n1号楼，1单元，2，201\n1号楼,1单元,2,202";
    let page = builder
        .done(&number, "register_households", &[("households", homes)])
        .await;
    assert!(page.has("共4户，已开户0户。"));
    assert_eq!(
        page.row("<td>201</td>"),
        ["3", "1号楼", "1单元", "2", "201", "未开户", ""]
    );
    // Thu 05-21 10:00 the developer asks for gas-on: within 2 days, Thu
    // 5.5 h, Fri 7 h, Mon 05-25 08:30-10:00.
    server.at("2026-05-21T10:00");
    let page = cm.done(&number, "request_gas_on", &[]).await;
    assert!(page.has("待验收通气"));
    assert_eq!(page.row("竣工验收、通气")[1], "2026-05-25 10:00");
    server.at("2026-05-21T11:00");
    let plan = [("planned_at", "2026-05-22T09:00")];
    cm.done(&number, "schedule_gas_on", &plan).await;
    server.at("2026-05-22T14:30");
    let accepted = [
        ("passed", "yes"),
        ("participants", "刘主管\n陈运行\n周施工\n燃气表供应商"),
        ("failure_cause", ""),
        ("note", ""),
    ];
    let page = ops.done(&number, "record_acceptance", &accepted).await;
    assert!(page.has("已通气"));
    // Thu 10:00-12:00 and 14:30-18:00, Fri 08:30-12:00: 9 working hours.
    let gas_on = page.row("竣工验收、通气");
    assert_eq!(gas_on[2], "2026-05-22 14:30 完成，用时9小时");
    assert_eq!(gas_on[3], "按时完成");

    // After gas-on the households open their accounts.
    server.at("2026-05-22T15:00");
    let page = desk.get(&format!("/applications/{number}")).await;
    assert!(page.has("value=\"1\" selected>1号楼 / 1单元 / 1 / 101</option>"));
    let open = [("household", "1"), ("account_number", "HZ000001")];
    let page = desk.done(&number, "open_account", &open).await;
    assert!(page.has("共4户，已开户1户。"));
    assert_eq!(
        page.row("HZ000001"),
        [
            "1",
            "1号楼",
            "1单元",
            "1",
            "101",
            "HZ000001",
            "2026-05-22 15:00"
        ]
    );
    let same = desk
        .act(
            &number,
            "open_account",
            &[("household", "2"), ("account_number", "HZ000001")],
        )
        .await;
    assert_eq!(same.status, 422);
    assert!(same.has("“户号（开户）”未填写或格式不正确"));

    // The timeline tells the whole story.
    for fact in [
        "结论：退回修改",
        "退回原因：调压箱位置距住宅外墙不足规范要求",
        "配套费：¥360,000.00",
        "录入户数：4户",
        "燃气户号：HZ000001",
    ] {
        assert!(page.has(fact), "missing {fact}");
    }
}
