//! The `gasdesk` binary as operators and other tools use it.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn gasdesk(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gasdesk"))
        .args(args)
        .env("GASDESK_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env_remove("GASDESK_LISTEN")
        .output()
        .expect("run gasdesk")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn rules_check_accepts_the_default_and_places_each_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    let default = gasdesk(&db, &["rules", "default"]);
    assert!(default.status.success());
    let good = dir.path().join("good.toml");
    std::fs::write(&good, &default.stdout).unwrap();
    let checked = gasdesk(&db, &["rules", "check", good.to_str().unwrap()]);
    assert!(checked.status.success(), "{}", stderr(&checked));

    // Break one budget: the error names the file, the line and the column.
    let text = stdout(&default);
    let (line_no, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.trim_start().starts_with("budget = \"PT2H\""))
        .expect("a PT2H budget in the default rulebook");
    let column = line.find("\"PT2H\"").unwrap() + 1;
    let broken = text.replacen(line, &line.replace("PT2H", "two hours"), 1);
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, broken).unwrap();
    let checked = gasdesk(&db, &["rules", "check", bad.to_str().unwrap()]);
    assert!(!checked.status.success());
    let expected = format!("{}:{}:{}:", bad.display(), line_no + 1, column);
    assert!(stderr(&checked).contains(&expected), "{}", stderr(&checked));
}

#[test]
fn registry_import_reports_bad_rows_and_imports_good_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../domain/rules/registry-sample.csv"
    );
    let out = gasdesk(&db, &["registry", "import", sample]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("imported 5"), "{}", stdout(&out));

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "uscc,name,legal_representative,address,registered_on,status\n\
         91411224MA0001AA5X,甲,张,城关,2020-01-01,active\n",
    )
    .unwrap();
    let out = gasdesk(&db, &["registry", "import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("nothing imported"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn user_add_prints_a_one_time_password_and_rejects_unknown_roles() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    let out = gasdesk(
        &db,
        &[
            "user",
            "add",
            "cm1",
            "--name",
            "李经理",
            "--role",
            "customer_manager",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("one-time password: "));
    let out = gasdesk(&db, &["user", "add", "x", "--name", "某", "--role", "king"]);
    assert!(!out.status.success());
    let listed = stdout(&gasdesk(&db, &["user", "list"]));
    assert!(listed.contains("cm1\tcustomer_manager\t李经理"), "{listed}");
}

#[test]
fn a_calendar_year_imported_at_run_time_takes_effect() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    let add = [
        "calendar",
        "add",
        "--from",
        "2026-12-31T17:00:00+08:00",
        "--duration",
        "PT2H",
        "--json",
    ];
    let before = gasdesk(&db, &add);
    assert!(!before.status.success());
    assert!(stderr(&before).contains("calendar year 2027 is not available"));
    assert!(!db.exists(), "reading the calendar created no database");

    // A 2027 arrangement in the shared per-year format, with New Year's Day
    // on Friday and a make-up working Saturday on 2 January (made up here).
    let year = dir.path().join("2027.json");
    std::fs::write(
        &year,
        r#"{"year": 2027, "papers": ["https://example.org/notice"], "days": [
            {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
            {"name": "元旦", "date": "2027-01-02", "isOffDay": false},
            {"name": "劳动节", "date": "2027-05-01", "isOffDay": true},
            {"name": "劳动节", "date": "2027-05-02", "isOffDay": true},
            {"name": "国庆节", "date": "2027-10-01", "isOffDay": true},
            {"name": "国庆节", "date": "2027-10-02", "isOffDay": true},
            {"name": "国庆节", "date": "2027-10-03", "isOffDay": true}]}"#,
    )
    .unwrap();
    let imported = gasdesk(&db, &["calendar", "import", year.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", stderr(&imported));

    let after = gasdesk(&db, &add);
    assert!(after.status.success(), "{}", stderr(&after));
    let json: serde_json::Value = serde_json::from_slice(&after.stdout).unwrap();
    // 1 h on 12-31, then the make-up Saturday 2027-01-02 from 08:30.
    assert_eq!(json["deadline"], "2027-01-02T09:30:00+08:00");
    assert_eq!(json["provisional"], false);
}

struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn serve_creates_the_first_admin_and_logs_without_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_gasdesk"))
        .current_dir(dir.path())
        .args(["serve", "--log-format", "json"])
        .env("GASDESK_LISTEN", format!("127.0.0.1:{port}"))
        .env_remove("GASDESK_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Server { child };
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();

    let started = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await
            && r.status() == 200
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        dir.path().join("data/gasdesk.db").exists(),
        "default SQLite file under ./data"
    );
    let doc = http
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(doc.status(), 200);

    let body = serde_json::json!({
        "channel": "online", "organisation": "卢氏县测试公司", "contact_name": "张三",
        "phone": "13912345678", "uscc": "91411224MA0001AA5Y", "site_address": "城关镇1号",
        "readiness": {"source_pipeline_ready": true, "facilities_ready": true,
                      "built_by": "self_built"}
    });
    let created = http
        .post(format!("{base}/api/v1/applications"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let number = created.json::<serde_json::Value>().await.unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    let tracked = http
        .get(format!(
            "{base}/api/v1/track?number={number}&phone=13912345678"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(tracked.status(), 200);
    let detail = http
        .get(format!("{base}/api/v1/applications/{number}"))
        .send()
        .await
        .unwrap();
    assert_eq!(detail.status(), 401);

    let _ = server.child.kill();
    let _ = server.child.wait();
    let mut out = String::new();
    BufReader::new(server.child.stdout.take().unwrap())
        .read_to_string(&mut out)
        .unwrap();
    assert!(out.contains("one-time password: "), "{out}");
    let log_lines: Vec<serde_json::Value> = out
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let request_for = |path: &str| {
        log_lines
            .iter()
            .find(|l| l["span"]["path"] == path && l["status"].is_number())
            .cloned()
    };
    let line = request_for(&format!("/api/v1/applications/{number}"))
        .unwrap_or_else(|| panic!("no request line in {out}"));
    assert_eq!(line["status"], 401);
    assert_eq!(line["span"]["method"], "GET");
    assert_eq!(line["span"]["application"], number.as_str());
    assert!(line["latency_ms"].is_number());
    for secret in ["13912345678", "91411224MA0001AA5Y", "张三"] {
        assert!(!out.contains(secret), "{secret} appears in the log");
    }
    let mut err = String::new();
    for l in BufReader::new(server.child.stderr.take().unwrap()).lines() {
        err.push_str(&l.unwrap());
    }
    assert!(!err.contains("13912345678"));
}
