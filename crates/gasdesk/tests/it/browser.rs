//! The 102 line in a real browser: an applicant applies online, a customer
//! manager signs in and takes the application to gas-on through the pages
//! alone, with the forms, labels and buttons people use.
//!
//! It drives Debian's headless Chromium through `chromedriver`, both started
//! here and stopped again however the test ends. Without them the test says
//! so and passes, unless `GASDESK_REQUIRE_BROWSER` is set (as in CI), when it
//! fails. Times are Beijing time on the server's test clock; the browser's
//! own clock plays no part.

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
/// The longest the whole story may take in the browser.
const STORY_LIMIT: Duration = Duration::from_secs(180);

const MANAGER: &str = "li";
const MANAGER_NAME: &str = "李经理";
const MANAGER_PASSWORD: &str = "browser test password";

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

    let driver = Chromedriver::start(&browser).await;
    let client = driver.connect(&browser).await;

    // The story runs as its own task, so that a failed assertion still
    // leaves the screenshot and the closed session behind it.
    let mut story = tokio::spawn(story(client.clone(), server.clone()));
    let outcome = tokio::time::timeout(STORY_LIMIT, &mut story).await;
    if outcome.is_err() {
        story.abort();
    }
    screenshot(&client).await;
    let _ = tokio::time::timeout(WAIT, client.close()).await;
    drop(driver);
    match outcome {
        Ok(Ok(number)) => check_the_record(&server, &manager, &number).await,
        Ok(Err(failed)) => std::panic::resume_unwind(failed.into_panic()),
        Err(_) => panic!("the browser story took longer than {STORY_LIMIT:?}"),
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
    assert_eq!(text(c, ".badge").await, "待签约缴费");

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
async fn screenshot(c: &Client) {
    let path = std::env::temp_dir().join("gasdesk-browser-test.png");
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
