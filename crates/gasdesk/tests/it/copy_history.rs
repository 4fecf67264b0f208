//! `gasdesk copy`: a county's SQLite history moved to PostgreSQL, checked
//! record by record through the storage contract, and a second run that
//! changes nothing. Skipped when PostgreSQL is unreachable and not required.

use std::process::{Command, Output};

use gasdesk_domain::Role;
use gasdesk_store::Table;
use gasdesk_store::scratch::ScratchDb;
use serde_json::json;

use crate::support::{TestServer, USCC, bj, intake};

fn copy(from: &str, to: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gasdesk"))
        .args(["copy", "--from", from, "--to", to])
        .env_remove("GASDESK_DATABASE_URL")
        .output()
        .expect("run gasdesk copy")
}

/// The `written` count the command printed for `table`.
fn written(stdout: &str, table: &str) -> u64 {
    let line = stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(table))
        .unwrap_or_else(|| panic!("no line for {table} in:\n{stdout}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "written,").unwrap();
    words[at - 1].parse().unwrap()
}

/// A small but complete history: staff, a registry record, an imported
/// calendar year, and two applications with their events.
async fn county_history(server: &TestServer) -> Vec<String> {
    let desk = server.staff("desk", "王前台", Role::ServiceStaff).await;
    let cm = server.staff("cm", "李经理", Role::CustomerManager).await;
    let csv = "uscc,name,legal_representative,address,registered_on,status\n\
        91411224MA0007GG9Y,卢氏县登记在册餐饮有限公司,王五,城关镇2号,2019-03-01,active\n";
    let licences = gasdesk_domain::registry::read_csv(csv.as_bytes()).unwrap();
    let store = server.state.store.clone();
    store
        .import_licences(&licences, bj("2026-03-01T09:00"))
        .await
        .unwrap();
    store
        .save_calendar_year(
            2027,
            r#"{"year": 2027, "days": []}"#,
            bj("2026-03-01T09:00"),
        )
        .await
        .unwrap();

    server.at("2026-03-03T10:00");
    let (status, counter) = server
        .apply(Some(&desk), intake("service_center", USCC[0]))
        .await;
    assert_eq!(status, 201, "{counter}");
    let number = counter["number"].as_str().unwrap().to_string();
    server.at("2026-03-03T10:30");
    let to = json!({"user_id": cm.user_id, "name": cm.name});
    let (status, body) = server
        .act(&desk, &number, 1, json!({"type": "hand_over", "to": to}))
        .await;
    assert_eq!(status, 200, "{body}");

    server.at("2026-03-04T09:00");
    let (status, online) = server.apply(None, intake("online", USCC[1])).await;
    assert_eq!(status, 201, "{online}");
    vec![number, online["number"].as_str().unwrap().to_string()]
}

#[tokio::test]
async fn a_county_moves_to_postgresql_whole_and_a_second_copy_writes_nothing() {
    let Some(target) = ScratchDb::create("copy").await else {
        return;
    };
    let server = TestServer::start().await;
    let numbers = county_history(&server).await;

    let first = copy(&server.url, &target.url);
    let out = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(
        first.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    // What the history above wrote: 2 users, 1 licence, 1 year, 2 days with
    // an application each, 2 applications, 2 + 1 events.
    for (table, rows) in [
        ("users", 2),
        ("business_licences", 1),
        ("calendar_years", 1),
        ("application_counters", 2),
        ("applications", 2),
        ("events", 3),
    ] {
        assert_eq!(written(&out, table), rows, "{table}: {out}");
    }

    // Read back through the contract, not through the copy's own checksums.
    let source = server.state.store.clone();
    let copied = gasdesk_store::connect(&target.url).await.unwrap();
    for number in &numbers {
        let a = source.application_by_number(number).await.unwrap().unwrap();
        let b = copied.application_by_number(number).await.unwrap().unwrap();
        assert_eq!(a, b);
        assert_eq!(
            source.events(a.id).await.unwrap(),
            copied.events(b.id).await.unwrap()
        );
    }
    assert_eq!(source.users().await.unwrap(), copied.users().await.unwrap());
    assert_eq!(
        source.licence("91411224MA0007GG9Y").await.unwrap(),
        copied.licence("91411224MA0007GG9Y").await.unwrap()
    );
    assert_eq!(
        source.calendar_years().await.unwrap(),
        copied.calendar_years().await.unwrap()
    );
    // The deadline checks of the open deadlines follow the applications.
    assert_eq!(
        source.jobs().await.unwrap().len(),
        copied.jobs().await.unwrap().len()
    );
    // The day counters go along, so the copy numbers on where it left off.
    for table in [Table::Counters, Table::Applications] {
        assert_eq!(
            source.export(table, None, 100).await.unwrap(),
            copied.export(table, None, 100).await.unwrap()
        );
    }

    let second = copy(&server.url, &target.url);
    let out = String::from_utf8_lossy(&second.stdout).into_owned();
    assert!(second.status.success(), "{out}");
    for table in ["users", "applications", "events", "business_licences"] {
        assert_eq!(written(&out, table), 0, "{table}: {out}");
    }
}

#[tokio::test]
async fn a_target_holding_other_data_is_refused_not_merged() {
    let Some(target) = ScratchDb::create("copy_other").await else {
        return;
    };
    let server = TestServer::start().await;
    county_history(&server).await;
    // Another county's server already wrote to the target.
    let other = TestServer::start_on_url(&target.url).await;
    other.at("2026-03-05T10:00");
    let (status, body) = other.apply(None, intake("online", USCC[2])).await;
    assert_eq!(status, 201, "{body}");

    let result = copy(&server.url, &target.url);
    assert!(!result.status.success());
    let err = String::from_utf8_lossy(&result.stderr);
    assert!(err.contains("differs"), "{err}");
}
