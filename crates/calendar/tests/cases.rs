//! The project's working-time cases, run through `cli::run` exactly as the
//! `gasdesk calendar` command runs them.
//!
//! `CASES` carries the cases in this crate; `shared_case_file` also reads
//! the shared case file, when present, and checks that both agree.

use std::path::Path;

use gasdesk_calendar::cli::{self, CliOutput};
use serde_json::{Map, Value};

/// `(id, command line after "calendar", expectations)`. An expectation is
/// `key=value` against the `--json` output (`error=...` for the exact
/// error text); several are separated by `;`.
const CASES: &[(&str, &str, &str)] = &[
    (
        "C01",
        "add --from 2019-04-26T17:00:00+08:00 --duration PT2H",
        "deadline=2019-04-28T09:30:00+08:00",
    ),
    (
        "C01b",
        "elapsed --from 2019-05-03T17:00:00+08:00 --to 2019-05-06T09:30:00+08:00",
        "elapsed_seconds=28800",
    ),
    (
        "C03",
        "add --from 2023-12-29T17:00:00+08:00 --duration PT2H",
        "deadline=2024-01-02T09:30:00+08:00",
    ),
    (
        "C04",
        "add --from 2018-12-28T17:00:00+08:00 --duration PT2H",
        "deadline=2018-12-29T09:30:00+08:00",
    ),
    (
        "C05",
        "add --from 2026-12-31T17:00:00+08:00 --duration PT2H",
        "error=calendar year 2027 is not available",
    ),
    (
        "C05p",
        "add --from 2026-12-31T17:00:00+08:00 --duration PT2H --provisional",
        "deadline=2027-01-04T09:30:00+08:00;provisional=true",
    ),
    (
        "C06",
        "elapsed --from 2019-04-28T10:00 --to 2019-04-28T11:00:00+08:00",
        "elapsed_seconds=3600",
    ),
    (
        "C08",
        "add --from 2026-05-29T17:00:00+08:00 --duration PT2H",
        "deadline=2026-06-01T09:30:00+08:00",
    ),
    (
        "C11",
        "add --from 2026-03-03T07:00:00+08:00 --duration PT2H",
        "deadline=2026-03-03T10:30:00+08:00",
    ),
    (
        "C12",
        "add --from 2026-03-03T19:00:00+08:00 --duration PT1H",
        "deadline=2026-03-04T09:30:00+08:00",
    ),
    (
        "C13",
        "add --from 2026-03-03T10:00:00+08:00 --duration P1D",
        "deadline=2026-03-04T10:00:00+08:00",
    ),
    (
        "C14",
        "add --from 2026-03-02T18:30:00+08:00 --duration P1D",
        "deadline=2026-03-03T18:00:00+08:00",
    ),
    (
        "C16",
        "next --from 2026-03-08T18:29:00+08:00",
        "next_working_moment=2026-03-09T08:30:00+08:00",
    ),
    (
        "C16b",
        "next --from 2026-02-14T18:29:00+08:00",
        "next_working_moment=2026-02-24T08:30:00+08:00",
    ),
    (
        "C17",
        "elapsed --from 2026-09-18T19:00:00+08:00 --to 2026-09-21T19:00:00+08:00",
        "elapsed_seconds=50400",
    ),
    (
        "C19",
        "elapsed --from 2021-01-01T11:10:43+08:00 --to 2021-01-05T10:45:41+08:00",
        "elapsed_seconds=33341",
    ),
    (
        "C21",
        "add --from 2026-03-06T16:00:00+08:00 --duration PT4H \
         --pause 2026-03-06T17:00:00+08:00/2026-03-09T09:00:00+08:00",
        "deadline=2026-03-09T12:00:00+08:00",
    ),
    (
        "D01",
        "add --from 2026-03-03T13:00:00+08:00 --duration P1D",
        "deadline=2026-03-04T12:00:00+08:00",
    ),
    (
        "D02",
        "add --from 2026-02-14T17:30:00+08:00 --duration PT1H",
        "deadline=2026-02-24T09:00:00+08:00",
    ),
    (
        "D04",
        "add --from 2026-03-03T10:00:00+08:00 --duration P0.5D",
        "deadline=2026-03-03T16:00:00+08:00",
    ),
    (
        "F01",
        "add --from 2020-01-23T17:00:00+08:00 --duration PT2H",
        "deadline=2020-02-03T09:30:00+08:00",
    ),
    ("W01", "is-workday 2026-01-04", "working=true"),
    ("W02", "is-workday 2026-02-23", "working=false"),
    // The crate's own cases, worked out by hand from the 2026 notice.
    (
        "X01",
        "add --from 2026-02-16T23:00:00+08:00 --duration PT2H --calendar 24x7",
        "deadline=2026-02-17T01:00:00+08:00;provisional=false",
    ),
    (
        "X02",
        "sub --from 2026-03-09T09:30:00+08:00 --duration PT2H",
        "deadline=2026-03-06T17:00:00+08:00",
    ),
    (
        "X03",
        "is-workday 2026-02-14",
        "working=true;kind=makeup_workday;name=春节",
    ),
    (
        "X04",
        "is-workday 2026-10-01",
        "working=false;kind=statutory_holiday;name=国庆节",
    ),
    (
        "X05",
        "elapsed --from 2026-03-06T16:00:00+08:00 --to 2026-03-09T12:00:00+08:00 \
         --pause 2026-03-06T17:00:00+08:00/2026-03-09T09:00:00+08:00",
        "elapsed_seconds=14400",
    ),
    (
        "X06",
        "next --from 2027-01-01T10:00:00+08:00 --provisional",
        "next_working_moment=2027-01-04T08:30:00+08:00;provisional=true",
    ),
    (
        "X07",
        "is-workday 2027-01-01",
        "error=calendar year 2027 is not available",
    ),
    (
        "X08",
        "add --from 2026-03-03T11:00:00+08:00 --duration PT2H --hours 09:00-17:00",
        "deadline=2026-03-03T13:00:00+08:00",
    ),
    (
        "X09",
        "is-workday 2026-03-04 --closed 2026-03-04",
        "working=false;kind=company_closure",
    ),
];

/// Runs a command line with `--json` (except for import) and returns the
/// object printed, or `{"error": message}`.
fn answer(args: &[String]) -> Map<String, Value> {
    let mut args = args.to_vec();
    args.push("--json".to_string());
    let command = cli::parse(&args).unwrap_or_else(|e| panic!("{args:?} does not parse: {e}"));
    let mut out = Map::new();
    match cli::run(command, &[]) {
        Ok(CliOutput::Text(text)) => {
            assert!(
                text.ends_with('\n') && text.lines().count() == 1,
                "{text:?}"
            );
            match serde_json::from_str(&text).expect("one JSON object") {
                Value::Object(map) => out = map,
                other => panic!("not an object: {other}"),
            }
        }
        Ok(other) => panic!("unexpected output {other:?}"),
        Err(e) => {
            out.insert("error".to_string(), Value::String(e.to_string()));
        }
    }
    out
}

fn check(id: &str, args: &[String], expect: &Map<String, Value>) {
    let got = answer(args);
    for (key, want) in expect {
        let have = got.get(key);
        assert_eq!(
            have,
            Some(want),
            "case {id}: {key} of {args:?}; got {got:?}"
        );
    }
    if !expect.contains_key("error") {
        assert!(!got.contains_key("error"), "case {id}: {got:?}");
    }
}

fn parse_expect(text: &str) -> Map<String, Value> {
    text.split(';')
        .map(|item| {
            let (k, v) = item.split_once('=').expect("key=value");
            let value = match (k, v) {
                ("error" | "deadline" | "next_working_moment" | "kind" | "name", _) => {
                    Value::String(v.to_string())
                }
                _ => serde_json::from_str(v).expect("a JSON scalar"),
            };
            (k.to_string(), value)
        })
        .collect()
}

#[test]
fn crate_cases() {
    for (id, line, expect) in CASES {
        let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        check(id, &args, &parse_expect(expect));
    }
}

/// The case file names options by their long names; `pauses` are pairs.
fn case_args(case: &Map<String, Value>) -> Vec<String> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut args = vec![case["op"].as_str().expect("op").to_string()];
    for (key, value) in case {
        match key.as_str() {
            "id" | "about" | "op" | "expect" => {}
            "date" => args.push(text(value)),
            "provisional" => {
                if value.as_bool() == Some(true) {
                    args.push("--provisional".to_string());
                }
            }
            "pauses" => {
                for pair in value.as_array().expect("pauses is a list") {
                    let pair = pair.as_array().expect("a pause is [from, to]");
                    args.push("--pause".to_string());
                    args.push(format!("{}/{}", text(&pair[0]), text(&pair[1])));
                }
            }
            "closed" | "open" => {
                for date in value.as_array().expect("a list of dates") {
                    args.push(format!("--{key}"));
                    args.push(text(date));
                }
            }
            "from" | "to" | "duration" | "hours" | "calendar" => {
                args.push(format!("--{key}"));
                args.push(text(value));
            }
            other => panic!("case {}: unknown field {other}", case["id"]),
        }
    }
    args
}

#[test]
fn shared_case_file() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/cases/calendar_cases.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        // The shared folder sits beside the repository on the project's
        // machines; a bare checkout still runs the copy in CASES.
        eprintln!(
            "{} not found; only the crate's copy of the cases ran",
            path.display()
        );
        return;
    };
    let cases: Vec<Map<String, Value>> = serde_json::from_str(&text).expect("case file is JSON");
    assert!(!cases.is_empty());
    for case in &cases {
        let id = case["id"].as_str().expect("id");
        let expect = case["expect"].as_object().expect("expect");
        check(id, &case_args(case), expect);
        let copy = CASES.iter().find(|c| c.0 == id);
        let (_, line, want) = copy.unwrap_or_else(|| panic!("case {id} is not copied into CASES"));
        let copied: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        assert_eq!(
            answer(&copied),
            answer(&case_args(case)),
            "case {id}: copy differs"
        );
        for (key, value) in expect {
            assert_eq!(
                parse_expect(want).get(key),
                Some(value),
                "case {id}: copy of {key}"
            );
        }
    }
}
