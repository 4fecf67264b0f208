//! Working-time rules, each checked against answers worked out by hand
//! from the calendar (weekdays and the notices), not from the code.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use gasdesk_calendar::cli::{self, CliOutput};
use gasdesk_calendar::{
    CalendarConfig, CalendarError, CalendarKind, ConfigError, DataError, DayKind, DeadlineState,
    MonthDay, OfficialCalendar, Pause, Season, WorkCalendar, WorkDuration, WorkingHours, shanghai,
};

fn t(s: &str) -> DateTime<Utc> {
    cli::parse_time(s).unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn dur(s: &str) -> WorkDuration {
    s.parse().unwrap()
}

fn calendar(config: CalendarConfig) -> WorkCalendar {
    WorkCalendar::new(Arc::new(OfficialCalendar::bundled()), config).unwrap()
}

fn add(cal: &WorkCalendar, from: &str, budget: &str) -> String {
    shanghai::format(cal.add(t(from), dur(budget), &[], false).unwrap().value)
}

fn elapsed(cal: &WorkCalendar, from: &str, to: &str, pauses: &[Pause]) -> i64 {
    cal.elapsed(t(from), t(to), pauses, false).unwrap().value
}

fn pause(from: &str, to: &str) -> Pause {
    Pause {
        from: t(from),
        to: t(to),
    }
}

// --- the lunch gap and closing times -------------------------------------

#[test]
fn the_lunch_break_is_not_working_time() {
    let cal = WorkCalendar::office_default();
    // 11:00-12:00 is one hour, the second starts at 14:30.
    assert_eq!(
        add(&cal, "2026-03-03T11:00+08:00", "PT2H"),
        "2026-03-03T15:30:00+08:00"
    );
    // A start inside the lunch break waits for 14:30.
    assert_eq!(
        add(&cal, "2026-03-03T13:00+08:00", "PT1H"),
        "2026-03-03T15:30:00+08:00"
    );
    // 11:00-12:00 and 14:30-15:00.
    let mid = "2026-03-03T15:00:00+08:00";
    assert_eq!(elapsed(&cal, "2026-03-03T11:00:00+08:00", mid, &[]), 5400);
}

#[test]
fn a_budget_used_up_at_closing_ends_at_closing() {
    let cal = WorkCalendar::office_default();
    assert_eq!(
        add(&cal, "2026-03-03T10:00+08:00", "PT2H"),
        "2026-03-03T12:00:00+08:00"
    );
    assert_eq!(
        add(&cal, "2026-03-03T17:00+08:00", "PT1H"),
        "2026-03-03T18:00:00+08:00"
    );
    // A full day from the opening ends at that day's closing.
    assert_eq!(
        add(&cal, "2026-03-03T08:30+08:00", "P1D"),
        "2026-03-03T18:00:00+08:00"
    );
}

#[test]
fn working_periods_are_half_open() {
    let cal = WorkCalendar::office_default();
    let at = |s: &str| cal.is_working_at(t(s), false).unwrap().value;
    assert!(at("2026-03-03T08:30:00+08:00"));
    assert!(at("2026-03-03T11:59:59+08:00"));
    assert!(!at("2026-03-03T12:00:00+08:00"));
    assert!(at("2026-03-03T14:30:00+08:00"));
    assert!(!at("2026-03-03T18:00:00+08:00"));
    let next = |s: &str| shanghai::format(cal.next_working_moment(t(s), false).unwrap().value);
    assert_eq!(
        next("2026-03-03T10:00:00+08:00"),
        "2026-03-03T10:00:00+08:00"
    );
    assert_eq!(
        next("2026-03-03T12:00:00+08:00"),
        "2026-03-03T14:30:00+08:00"
    );
    // Friday 18:00 to Monday.
    assert_eq!(
        next("2026-03-06T18:00:00+08:00"),
        "2026-03-09T08:30:00+08:00"
    );
}

#[test]
fn half_a_working_day_is_half_the_standard_day() {
    let cal = WorkCalendar::office_default();
    assert_eq!(cal.standard_day_seconds(), 7 * 3600);
    // 3.5 h from 08:30: 08:30-12:00.
    assert_eq!(
        add(&cal, "2026-03-03T08:30+08:00", "P0.5D"),
        "2026-03-03T12:00:00+08:00"
    );
    // Two working days from Thursday 10:00: Friday 10:00, then Monday 10:00.
    assert_eq!(
        add(&cal, "2026-03-05T10:00+08:00", "P2D"),
        "2026-03-09T10:00:00+08:00"
    );
}

#[test]
fn sub_mirrors_add() {
    let cal = WorkCalendar::office_default();
    let sub = |from: &str, budget: &str| {
        shanghai::format(cal.sub(t(from), dur(budget), false).unwrap().value)
    };
    assert_eq!(
        sub("2026-03-03T15:30:00+08:00", "PT2H"),
        "2026-03-03T11:00:00+08:00"
    );
    // Used up exactly at an opening: it ends at the opening.
    assert_eq!(
        sub("2026-03-03T15:30:00+08:00", "PT1H"),
        "2026-03-03T14:30:00+08:00"
    );
    // From Monday 09:30 back over the weekend: 1 h Monday, 1 h Friday.
    assert_eq!(
        sub("2026-03-09T09:30:00+08:00", "PT2H"),
        "2026-03-06T17:00:00+08:00"
    );
    // From outside working time the clock runs back from the last closing.
    assert_eq!(
        sub("2026-03-07T10:00:00+08:00", "PT1H"),
        "2026-03-06T17:00:00+08:00"
    );
}

// --- pauses ---------------------------------------------------------------

#[test]
fn pauses_are_removed_in_working_time() {
    let cal = WorkCalendar::office_default();
    // 11:00-11:30 worked, paused until 12:30 (inside lunch), 14:30-16:00.
    let p = [pause(
        "2026-03-06T11:30:00+08:00",
        "2026-03-06T12:30:00+08:00",
    )];
    let deadline = cal
        .add(t("2026-03-06T11:00+08:00"), dur("PT2H"), &p, false)
        .unwrap();
    assert_eq!(
        shanghai::format(deadline.value),
        "2026-03-06T16:00:00+08:00"
    );

    // Overlapping pauses 09:00-10:00 and 09:30-11:00 stop the clock 2 h.
    let p = [
        pause("2026-03-03T09:00:00+08:00", "2026-03-03T10:00:00+08:00"),
        pause("2026-03-03T09:30:00+08:00", "2026-03-03T11:00:00+08:00"),
    ];
    let day = ("2026-03-03T08:30:00+08:00", "2026-03-03T18:00:00+08:00");
    assert_eq!(elapsed(&cal, day.0, day.1, &p), 5 * 3600);

    // A pause over a weekend removes nothing: Friday 17-18, Monday 08:30-09:30.
    let p = [pause(
        "2026-03-07T10:00:00+08:00",
        "2026-03-08T10:00:00+08:00",
    )];
    let span = ("2026-03-06T17:00:00+08:00", "2026-03-09T09:30:00+08:00");
    assert_eq!(elapsed(&cal, span.0, span.1, &p), 7200);
}

#[test]
fn a_pause_that_ends_before_it_starts_is_refused() {
    let cal = WorkCalendar::office_default();
    let p = [pause(
        "2026-03-03T10:00:00+08:00",
        "2026-03-03T09:00:00+08:00",
    )];
    let err = cal.elapsed(
        t("2026-03-03T08:00+08:00"),
        t("2026-03-03T18:00+08:00"),
        &p,
        false,
    );
    assert!(matches!(err, Err(CalendarError::InvalidPause { .. })));
}

// --- deadline status ------------------------------------------------------

#[test]
fn a_deadline_is_breached_only_when_working_time_exceeds_the_budget() {
    let cal = WorkCalendar::office_default();
    let start = t("2026-03-03T10:00:00+08:00");
    let budget = dur("PT2H");
    let breached = |now: &str| {
        cal.is_breached(start, budget, &[], t(now), false)
            .unwrap()
            .value
    };
    assert!(!breached("2026-03-03T12:00:00+08:00"));
    // The clock reads past the deadline, but no working time has passed.
    assert!(!breached("2026-03-03T14:00:00+08:00"));
    assert!(!breached("2026-03-03T14:30:00+08:00"));
    assert!(breached("2026-03-03T14:30:01+08:00"));

    let status = |now: &str| {
        cal.deadline_status(start, budget, &[], t(now), dur("PT30M"), false)
            .unwrap()
            .value
    };
    let s = status("2026-03-03T10:30:00+08:00");
    assert_eq!((s.elapsed_seconds, s.remaining_seconds), (1800, 5400));
    assert_eq!(s.state, DeadlineState::OnTime);
    assert_eq!(
        status("2026-03-03T11:45:00+08:00").state,
        DeadlineState::DueSoon
    );
    let late = status("2026-03-03T15:00:00+08:00");
    assert_eq!(
        (late.state, late.remaining_seconds),
        (DeadlineState::Overdue, -1800)
    );
    // Before the start nothing has elapsed.
    assert_eq!(status("2026-03-03T09:00:00+08:00").elapsed_seconds, 0);
}

// --- Asia/Shanghai dates --------------------------------------------------

#[test]
fn working_days_follow_the_shanghai_date() {
    let cal = WorkCalendar::office_default();
    // 16:30 UTC on Friday 13 February is 00:30 on the make-up Saturday
    // 14 February in Shanghai, which opens at 08:30 (00:30 UTC).
    let next = cal
        .next_working_moment(t("2026-02-13T16:30:00Z"), false)
        .unwrap()
        .value;
    assert_eq!(next, t("2026-02-14T00:30:00Z"));
}

#[test]
fn fixed_offset_agrees_with_the_time_zone_database() {
    use chrono::TimeZone;
    use chrono_tz::Asia::Shanghai;
    let mut instant = t("2000-01-01T00:00:00+08:00");
    let end = t("2100-01-01T00:00:00+08:00");
    // Every 5 h 1 min walks through every hour of the day over the range.
    while instant < end {
        let zoned = instant.with_timezone(&Shanghai);
        let local = shanghai::local(instant);
        assert_eq!(local, Some(zoned.naive_local()), "{instant}");
        let date = shanghai::date_of(instant);
        assert_eq!(date, Some(zoned.date_naive()), "{instant}");
        let back = Shanghai
            .from_local_datetime(&zoned.naive_local())
            .single()
            .unwrap();
        assert_eq!(
            shanghai::from_local(zoned.naive_local()),
            Some(back.with_timezone(&Utc))
        );
        instant += TimeDelta::minutes(301);
    }
}

// --- provisional years ----------------------------------------------------

#[test]
fn a_year_without_an_arrangement_is_refused_or_provisional() {
    let cal = WorkCalendar::office_default();
    let from = t("2026-12-31T17:00:00+08:00");
    let err = cal.add(from, dur("PT2H"), &[], false).unwrap_err();
    assert_eq!(err, CalendarError::YearNotAvailable(2027));
    assert_eq!(err.to_string(), "calendar year 2027 is not available");

    // 1 January 2027 is a Friday, off by law; then the weekend.
    let guess = cal.add(from, dur("PT2H"), &[], true).unwrap();
    assert!(guess.provisional);
    assert_eq!(shanghai::format(guess.value), "2027-01-04T09:30:00+08:00");

    // Work that stays in 2026 is exact even when provisional is allowed.
    let exact = cal.add(from, dur("PT1H"), &[], true).unwrap();
    assert!(!exact.provisional);
    assert_eq!(shanghai::format(exact.value), "2026-12-31T18:00:00+08:00");
}

#[test]
fn provisional_days_follow_the_holiday_law_only() {
    let cal = WorkCalendar::office_default();
    let day = |s: &str| {
        let d = cal.day_info(date(s), true).unwrap();
        assert!(d.provisional, "{s}");
        (d.value.working, d.value.kind, d.value.name)
    };
    let holiday = |name: &str| (false, DayKind::StatutoryHoliday, Some(name.to_string()));
    assert_eq!(day("2027-01-01"), holiday("元旦"));
    assert_eq!(day("2027-05-03"), (true, DayKind::Weekday, None));
    assert_eq!(day("2027-10-01"), holiday("国庆节"));
    assert_eq!(day("2027-10-04"), (true, DayKind::Weekday, None));
    // Spring Festival 2027 falls on 6 February; a provisional reading does
    // not guess lunar dates, so Monday 8 February counts as worked.
    assert_eq!(day("2027-02-08"), (true, DayKind::Weekday, None));
    assert_eq!(day("2027-01-02"), (false, DayKind::Weekend, None));
    assert_eq!(
        cal.day_info(date("2027-01-04"), false)
            .unwrap_err()
            .to_string(),
        "calendar year 2027 is not available"
    );
}

#[test]
fn years_before_2007_are_not_available() {
    let cal = WorkCalendar::office_default();
    // Back from Thursday 4 January 2007 09:00: 30 min that day, 1-3 January
    // off, and the rest would fall in 2006.
    let err = cal
        .sub(t("2007-01-04T09:00:00+08:00"), dur("P1D"), false)
        .unwrap_err();
    assert_eq!(err.to_string(), "calendar year 2006 is not available");
    let early = t("2006-06-01T10:00:00+08:00");
    let err = cal
        .elapsed(early, t("2007-06-01T10:00:00+08:00"), &[], false)
        .unwrap_err();
    assert_eq!(err, CalendarError::YearNotAvailable(2006));
    assert_eq!(
        cal.add(t("1999-12-31T10:00:00+08:00"), dur("PT1H"), &[], true),
        Err(CalendarError::OutOfRange)
    );
}

// --- importing a year -----------------------------------------------------

/// A made-up arrangement for 2027 (1 January 2027 is a Friday; 1 February
/// a Monday; 1 October a Friday).
const FAKE_2027: &str = r#"{
  "year": 2027,
  "papers": ["https://example.invalid/notice-2027"],
  "days": [
    {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
    {"name": "春节", "date": "2027-02-07", "isOffDay": false},
    {"name": "春节", "date": "2027-02-08", "isOffDay": true},
    {"name": "春节", "date": "2027-02-09", "isOffDay": true},
    {"name": "春节", "date": "2027-02-10", "isOffDay": true},
    {"name": "春节", "date": "2027-02-20", "isOffDay": false},
    {"name": "劳动节", "date": "2027-05-01", "isOffDay": true},
    {"name": "劳动节", "date": "2027-05-02", "isOffDay": true},
    {"name": "劳动节", "date": "2027-05-03", "isOffDay": true},
    {"name": "国庆节", "date": "2027-10-01", "isOffDay": true},
    {"name": "国庆节", "date": "2027-10-02", "isOffDay": true},
    {"name": "国庆节", "date": "2027-10-03", "isOffDay": true},
    {"name": "国庆节", "date": "2027-10-04", "isOffDay": true},
    {"name": "国庆节", "date": "2027-10-09", "isOffDay": false}
  ]
}"#;

#[test]
fn an_imported_year_is_used_and_changes_the_version() {
    let before = WorkCalendar::office_default();
    let mut official = OfficialCalendar::bundled();
    assert_eq!(official.import_year_json(FAKE_2027).unwrap(), 2027);
    assert!(official.is_available(2027));
    let cal = WorkCalendar::new(Arc::new(official), CalendarConfig::default()).unwrap();
    assert_ne!(cal.version(), before.version());

    // C05 again, now exact: Friday 1 January off, Monday 4 January.
    let d = cal
        .add(t("2026-12-31T17:00:00+08:00"), dur("PT2H"), &[], false)
        .unwrap();
    assert!(!d.provisional);
    assert_eq!(shanghai::format(d.value), "2027-01-04T09:30:00+08:00");
    // Friday 5 February 17:00: one hour, then the make-up Sunday 7 February.
    assert_eq!(
        add(&cal, "2027-02-05T17:00+08:00", "PT2H"),
        "2027-02-07T09:30:00+08:00"
    );
    let info = cal.day_info(date("2027-02-20"), false).unwrap().value;
    assert_eq!((info.working, info.kind), (true, DayKind::MakeupWorkday));
    // 2028 is still missing.
    let err = cal
        .add(t("2027-12-31T17:00+08:00"), dur("PT2H"), &[], false)
        .unwrap_err();
    assert_eq!(err.to_string(), "calendar year 2028 is not available");
}

#[test]
fn the_import_command_validates_and_hands_back_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("2027.json");
    std::fs::write(&file, FAKE_2027).unwrap();
    let out = cli::run(cli::parse(["import", file.to_str().unwrap()]).unwrap(), &[]).unwrap();
    let CliOutput::Imported {
        year,
        json,
        message,
    } = out
    else {
        panic!("not an import: {out:?}");
    };
    assert_eq!((year, json.as_str()), (2027, FAKE_2027));
    assert!(message.contains("2027"), "{message}");

    // Passed back in, the stored year answers what was refused before.
    let args = [
        "add",
        "--from",
        "2026-12-31T17:00:00+08:00",
        "--duration",
        "PT2H",
        "--json",
    ];
    let refused = cli::run(cli::parse(args).unwrap(), &[]).unwrap_err();
    assert_eq!(refused.to_string(), "calendar year 2027 is not available");
    let out = cli::run(cli::parse(args).unwrap(), &[json]).unwrap();
    let expected = "{\"deadline\": \"2027-01-04T09:30:00+08:00\", \"provisional\": false}\n";
    assert_eq!(out, CliOutput::Text(expected.to_string()));
}

fn import_error(json: &str) -> String {
    OfficialCalendar::bundled()
        .import_year_json(json)
        .unwrap_err()
        .to_string()
}

fn fake_with(extra: &str) -> String {
    FAKE_2027.replacen("\"days\": [", &format!("\"days\": [\n    {extra},"), 1)
}

#[test]
fn invalid_year_files_are_refused_with_reasons() {
    // Wednesday 17 February listed as a make-up working day.
    let e = import_error(&fake_with(
        r#"{"name": "春节", "date": "2027-02-17", "isOffDay": false}"#,
    ));
    assert_eq!(
        e,
        "the 2027 holiday arrangement is not valid: 2027-02-17 is listed as a make-up working \
         day but is a Wednesday; make-up working days fall on a Saturday or Sunday"
    );
    let e = import_error("{\"year\": 2027, \"papers\": [");
    assert!(e.starts_with("not a holiday-cn year file: "), "{e}");
    let e = import_error(r#"{"year": 2027, "papers": []}"#);
    assert!(e.contains("missing field `days`"), "{e}");
    let e = import_error(&fake_with(
        r#"{"name": "儿童节", "date": "2027-06-01", "isOffDay": true}"#,
    ));
    assert!(
        e.contains("\"儿童节\", which is not a known festival"),
        "{e}"
    );
    let e = import_error(&fake_with(
        r#"{"name": "元旦", "date": "2025-12-31", "isOffDay": true}"#,
    ));
    assert!(
        e.contains("2025-12-31 is neither in 2027 nor in December 2026"),
        "{e}"
    );
    let e = import_error(&fake_with(
        r#"{"name": "元旦", "date": "2027-01-01", "isOffDay": true}"#,
    ));
    assert!(e.contains("2027-01-01 is listed twice"), "{e}");
    let e = import_error(&fake_with(
        r#"{"name": "元旦", "date": "2027-1-1", "isOffDay": true}"#,
    ));
    assert!(
        e.contains("\"2027-1-1\" is not a date written YYYY-MM-DD"),
        "{e}"
    );
    // Saturday 2 October is a day off by law.
    let e = import_error(&FAKE_2027.replace(
        r#""date": "2027-10-02", "isOffDay": true"#,
        r#""date": "2027-10-02", "isOffDay": false"#,
    ));
    assert!(
        e.contains("2027-10-02 is listed as a working day, but the holiday law"),
        "{e}"
    );
    let e = import_error(&fake_with(
        r#"{"name": "清明节", "date": "2027-04-10", "isOffDay": false}"#,
    ));
    assert!(
        e.contains("make-up working day for 清明节 but no day off is listed"),
        "{e}"
    );
    let e = import_error(&FAKE_2027.replace("\"year\": 2027", "\"year\": 2006"));
    assert_eq!(
        e,
        "holiday arrangement year 2006 is outside the supported years 2007-2099"
    );
    let e = import_error(r#"{"year": 2027, "papers": [], "days": []}"#);
    assert_eq!(
        e,
        "the 2027 holiday arrangement is not valid: it lists no dates"
    );
}

/// A year's arrangement as a holiday-cn year file.
fn year_json(a: &gasdesk_calendar::YearArrangement) -> String {
    let days: Vec<serde_json::Value> = a
        .days
        .iter()
        .map(|d| {
            serde_json::json!({
                "name": d.name,
                "date": d.date.to_string(),
                "isOffDay": d.off,
            })
        })
        .collect();
    serde_json::json!({"year": a.year, "papers": a.notices, "days": days}).to_string()
}

fn import_file(json: &str, replace: bool) -> Result<CliOutput, cli::CliError> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("year.json");
    std::fs::write(&file, json).unwrap();
    let mut args = vec!["import", file.to_str().unwrap()];
    if replace {
        args.push("--replace");
    }
    cli::run(cli::parse(args).unwrap(), &[])
}

/// The file that once replaced the shipped 2026 and made New Year's Day a
/// working day.
const SPRING_FESTIVAL_IN_JULY: &str = r#"{"year":2026,"papers":[],"days":[
    {"name":"春节","date":"2026-07-01","isOffDay":true}]}"#;

#[test]
fn a_shipped_year_is_replaced_only_when_asked() {
    let shipped = OfficialCalendar::bundled();
    let json = year_json(shipped.arrangement(2026).unwrap());
    assert!(OfficialCalendar::is_shipped(2026));
    assert!(!OfficialCalendar::is_shipped(2027));

    let mut official = OfficialCalendar::bundled();
    let err = official.import_year_json(&json).unwrap_err();
    assert_eq!(err, DataError::Shipped(2026));
    assert_eq!(official.fingerprint(), shipped.fingerprint());
    assert_eq!(official.import_year_json_replacing(&json), Ok(2026));
    // Without the shipped year loaded there is nothing to replace: the
    // converter builds the data file that way.
    assert_eq!(OfficialCalendar::empty().import_year_json(&json), Ok(2026));

    let err = import_file(&json, false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "calendar year 2026 is shipped with gasdesk; use --replace to revise it"
    );
    let Ok(CliOutput::Imported { json, message, .. }) = import_file(&json, true) else {
        panic!("--replace did not import");
    };
    assert!(
        message.ends_with("replacing the one loaded before"),
        "{message}"
    );
    // A year stored after --replace loads again on every later run, and
    // importing it again still needs --replace.
    let args = ["is-workday", "2026-01-01"];
    let out = cli::run(cli::parse(args).unwrap(), std::slice::from_ref(&json)).unwrap();
    assert_eq!(
        out,
        CliOutput::Text("2026-01-01 is not a working day: statutory holiday (元旦)\n".into())
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("2026.json");
    std::fs::write(&file, &json).unwrap();
    let again = cli::parse(["import", file.to_str().unwrap()]).unwrap();
    let err = cli::run(again, std::slice::from_ref(&json)).unwrap_err();
    assert!(matches!(err, cli::CliError::Shipped(2026)), "{err}");
}

#[test]
fn a_festival_outside_its_window_is_refused_even_with_replace() {
    let expected = "the 2026 holiday arrangement is not valid: 2026-07-01 is listed for 春节, \
                    but 春节 days of 2026 lie between 2026-01-10 and 2026-03-10";
    let mut official = OfficialCalendar::bundled();
    let err = official
        .import_year_json_replacing(SPRING_FESTIVAL_IN_JULY)
        .unwrap_err();
    assert_eq!(err.to_string(), expected);
    for replace in [false, true] {
        let err = import_file(SPRING_FESTIVAL_IN_JULY, replace).unwrap_err();
        assert_eq!(err.to_string(), expected);
    }
    let cal = WorkCalendar::new(Arc::new(official), CalendarConfig::default()).unwrap();
    assert!(
        !cal.day_info(date("2026-01-01"), false)
            .unwrap()
            .value
            .working
    );

    for (name, day, window) in [
        ("国庆节", "2027-05-01", "2027-09-15 and 2027-10-20"),
        ("中秋节", "2027-08-31", "2027-09-01 and 2027-10-15"),
        ("元旦", "2027-12-31", "2026-12-20 and 2027-01-15"),
        ("清明节", "2027-03-24", "2027-03-25 and 2027-04-15"),
        ("端午节", "2027-04-30", "2027-05-20 and 2027-07-05"),
    ] {
        let extra = format!(r#"{{"name": "{name}", "date": "{day}", "isOffDay": true}}"#);
        let e = import_error(&fake_with(&extra));
        let expected = format!("{day} is listed for {name}, but {name} days of 2027 lie between");
        assert!(e.contains(&expected) && e.ends_with(window), "{e}");
    }
    // In a combined name each festival keeps to its own window.
    let e = import_error(&fake_with(
        r#"{"name": "国庆节、中秋节", "date": "2027-09-05", "isOffDay": true}"#,
    ));
    assert!(e.contains("listed for 国庆节, but"), "{e}");
}

#[test]
fn the_fixed_holidays_of_the_law_must_be_listed_as_days_off() {
    for (day, festival) in [
        ("2027-01-01", "元旦"),
        ("2027-05-01", "劳动节"),
        ("2027-05-02", "劳动节"),
        ("2027-10-01", "国庆节"),
        ("2027-10-03", "国庆节"),
    ] {
        let without = FAKE_2027
            .lines()
            .filter(|l| !l.contains(day))
            .collect::<Vec<_>>()
            .join("\n");
        assert_ne!(without, FAKE_2027);
        let e = import_error(&without);
        assert_eq!(
            e,
            format!(
                "the 2027 holiday arrangement is not valid: {day} ({festival}) is a day off \
                 by the holiday law but is not listed as one"
            )
        );
    }
    // Every shipped year lists them; loading checks it, this says so.
    let shipped = OfficialCalendar::bundled();
    for year in shipped.years() {
        let a = shipped.arrangement(year).unwrap();
        for (m, d) in [(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)] {
            let day = NaiveDate::from_ymd_opt(year, m, d).unwrap();
            assert!(a.days.iter().any(|l| l.date == day && l.off), "{day}");
        }
    }
}

#[test]
fn a_year_file_must_list_dates_of_its_own_year() {
    // Before the 元旦 window: refused for that.
    let e = import_error(
        r#"{"year": 2027, "papers": [], "days": [
            {"name": "元旦", "date": "2026-12-04", "isOffDay": true}]}"#,
    );
    assert!(e.contains("2026-12-04 is listed for 元旦, but"), "{e}");
    // Inside it, but nothing of 2027 itself.
    let e = import_error(
        r#"{"year": 2027, "papers": [], "days": [
            {"name": "元旦", "date": "2026-12-31", "isOffDay": true}]}"#,
    );
    assert_eq!(
        e,
        "the 2027 holiday arrangement is not valid: none of its dates is in 2027: it lists \
         only dates of December 2026"
    );
}

#[test]
fn an_import_reads_at_most_a_mebibyte() {
    let dir = tempfile::tempdir().unwrap();
    let run_import = |path: &std::path::Path| {
        cli::run(cli::parse(["import", path.to_str().unwrap()]).unwrap(), &[])
    };
    let limit = usize::try_from(cli::MAX_IMPORT_BYTES).unwrap();
    // Exactly the bound still reads (JSON may end in white space) ...
    let at_limit = dir.path().join("at-limit.json");
    let padded = format!("{FAKE_2027}{}", " ".repeat(limit - FAKE_2027.len()));
    std::fs::write(&at_limit, &padded).unwrap();
    assert!(matches!(
        run_import(&at_limit),
        Ok(CliOutput::Imported { year: 2027, .. })
    ));
    // ... one byte more does not.
    let over = dir.path().join("over.json");
    std::fs::write(&over, format!("{padded} ")).unwrap();
    let err = run_import(&over).unwrap_err();
    assert!(matches!(err, cli::CliError::TooLarge { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "{} is larger than 1048576 bytes: not a holiday-cn year file",
            over.display()
        )
    );
    // A device that never ends.
    let zero = std::path::Path::new("/dev/zero");
    if zero.exists() {
        let err = run_import(zero).unwrap_err();
        assert!(matches!(err, cli::CliError::TooLarge { .. }), "{err}");
    }
}

#[test]
fn a_stored_year_that_fails_the_checks_can_still_be_corrected() {
    // Stored before the law-day check: 2027 without its fixed holidays.
    let stale = r#"{"year": 2027, "papers": [], "days": [
        {"name": "春节", "date": "2027-02-08", "isOffDay": true}]}"#
        .to_string();
    let stored = std::slice::from_ref(&stale);
    let args = ["is-workday", "2027-02-08"];
    let err = cli::run(cli::parse(args).unwrap(), stored).unwrap_err();
    assert!(matches!(err, cli::CliError::Stored(_)), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("2027.json");
    std::fs::write(&file, FAKE_2027).unwrap();
    let out = cli::run(
        cli::parse(["import", file.to_str().unwrap()]).unwrap(),
        stored,
    );
    let Ok(CliOutput::Imported { year, message, .. }) = out else {
        panic!("not imported: {out:?}");
    };
    assert_eq!(year, 2027);
    assert!(
        message.ends_with("replacing the one loaded before"),
        "{message}"
    );
}

// --- company layers -------------------------------------------------------

fn with_overrides(closed: &[&str], open: &[&str]) -> CalendarConfig {
    CalendarConfig {
        closed: closed.iter().map(|d| date(d)).collect(),
        open: open.iter().map(|d| date(d)).collect(),
        ..CalendarConfig::default()
    }
}

#[test]
fn company_closures_and_extra_working_days() {
    let cal = calendar(with_overrides(
        &["2026-03-04"],
        &["2026-03-07", "2026-10-01"],
    ));
    // Tuesday 17-18, Wednesday closed, Thursday 08:30-09:30.
    assert_eq!(
        add(&cal, "2026-03-03T17:00+08:00", "PT2H"),
        "2026-03-05T09:30:00+08:00"
    );
    // Friday 17-18, Saturday opened by the company 08:30-09:30.
    assert_eq!(
        add(&cal, "2026-03-06T17:00+08:00", "PT2H"),
        "2026-03-07T09:30:00+08:00"
    );
    let info = cal.day_info(date("2026-03-04"), false).unwrap().value;
    assert_eq!(
        (info.working, info.kind, info.name),
        (false, DayKind::CompanyClosure, None)
    );
    let info = cal.day_info(date("2026-10-01"), false).unwrap().value;
    let name = Some("国庆节".to_string());
    assert_eq!(
        (info.working, info.kind, info.name),
        (true, DayKind::CompanyWorkday, name)
    );
    assert_ne!(cal.version(), WorkCalendar::office_default().version());

    let bad = with_overrides(&["2026-03-04"], &["2026-03-04"]);
    let err = WorkCalendar::new(Arc::new(OfficialCalendar::bundled()), bad).unwrap_err();
    assert_eq!(err, ConfigError::ClosedAndOpen(date("2026-03-04")));
}

#[test]
fn company_overrides_from_the_command_line() {
    let run = |args: &[&str]| match cli::run(cli::parse(args).unwrap(), &[]).unwrap() {
        CliOutput::Text(text) => text,
        other => panic!("{other:?}"),
    };
    let out = run(&[
        "is-workday",
        "2026-03-04",
        "--closed",
        "2026-03-04",
        "--json",
    ]);
    assert_eq!(
        out,
        "{\"date\": \"2026-03-04\", \"working\": false, \"kind\": \"company_closure\", \
         \"name\": null, \"provisional\": false}\n"
    );
    let out = run(&["is-workday", "2026-01-04", "--json"]);
    assert!(
        out.contains("\"kind\": \"makeup_workday\", \"name\": \"元旦\""),
        "{out}"
    );
    let out = run(&[
        "add",
        "--from",
        "2026-03-06T17:00",
        "--duration",
        "PT2H",
        "--open",
        "2026-03-07",
    ]);
    assert_eq!(out, "2026-03-07T09:30:00+08:00\n");
}

// --- seasonal hours -------------------------------------------------------

fn seasonal() -> WorkCalendar {
    let season = |starts: &str, hours: &str| Season {
        starts: starts.parse::<MonthDay>().unwrap(),
        hours: hours.parse::<WorkingHours>().unwrap(),
    };
    calendar(CalendarConfig {
        seasonal: vec![
            season("10-08", "08:30-12:00,14:00-17:30"),
            season("06-01", "08:00-12:00,15:00-18:30"),
        ],
        ..CalendarConfig::default()
    })
}

#[test]
fn seasonal_hours_switch_on_their_dates() {
    let cal = seasonal();
    // Summer: Tuesday 17:00-18:30, then Wednesday 08:00-08:30.
    assert_eq!(
        add(&cal, "2026-06-02T17:00+08:00", "PT2H"),
        "2026-06-03T08:30:00+08:00"
    );
    // Friday 29 May is still winter (closes 17:30); Monday 1 June is summer.
    assert_eq!(
        add(&cal, "2026-05-29T17:00+08:00", "PT2H"),
        "2026-06-01T09:30:00+08:00"
    );
    // Winter carries over New Year: the lunch break ends at 14:00.
    let next = cal
        .next_working_moment(t("2026-01-05T13:00+08:00"), false)
        .unwrap()
        .value;
    assert_eq!(shanghai::format(next), "2026-01-05T14:00:00+08:00");
    // A summer day holds 7.5 h.
    assert_eq!(
        elapsed(
            &cal,
            "2026-06-02T07:00+08:00",
            "2026-06-02T19:00+08:00",
            &[]
        ),
        27_000
    );
    // A working day of budget is still the standard 7 h: 08:00-12:00, 15:00-18:00.
    assert_eq!(cal.standard_day_seconds(), 25_200);
    assert_eq!(
        add(&cal, "2026-06-02T08:00+08:00", "P1D"),
        "2026-06-02T18:00:00+08:00"
    );
}

#[test]
fn two_seasons_may_not_start_on_the_same_day() {
    let mut config = CalendarConfig::default();
    let hours = WorkingHours::default();
    let starts = MonthDay::new(6, 1).unwrap();
    config.seasonal = vec![
        Season {
            starts,
            hours: hours.clone(),
        },
        Season { starts, hours },
    ];
    let err = WorkCalendar::new(Arc::new(OfficialCalendar::bundled()), config).unwrap_err();
    assert_eq!(err.to_string(), "two seasons start on 06-01");
}

// --- the 24x7 calendar ----------------------------------------------------

#[test]
fn the_emergency_calendar_runs_through_nights_and_holidays() {
    let cal = calendar(CalendarConfig {
        kind: CalendarKind::TwentyFourSeven,
        ..CalendarConfig::default()
    });
    // 16 February 2026 is inside the Spring Festival holiday.
    assert_eq!(
        add(&cal, "2026-02-16T23:00+08:00", "PT2H"),
        "2026-02-17T01:00:00+08:00"
    );
    assert_eq!(
        add(&cal, "2026-10-01T10:00+08:00", "P1D"),
        "2026-10-02T10:00:00+08:00"
    );
    // Friday 18:00 to Monday 08:00 is 62 hours.
    assert_eq!(
        elapsed(
            &cal,
            "2026-03-06T18:00+08:00",
            "2026-03-09T08:00+08:00",
            &[]
        ),
        223_200
    );
    let p = [pause("2026-03-06T10:00+08:00", "2026-03-06T12:00+08:00")];
    assert_eq!(
        elapsed(&cal, "2026-03-06T00:00+08:00", "2026-03-07T00:00+08:00", &p),
        79_200
    );
    // No arrangement is needed to count every hour.
    let d = cal
        .add(t("2026-12-31T23:00+08:00"), dur("PT2H"), &[], false)
        .unwrap();
    assert!(!d.provisional);
    assert_eq!(shanghai::format(d.value), "2027-01-01T01:00:00+08:00");
    let info = cal.day_info(date("2026-02-17"), false).unwrap().value;
    assert_eq!((info.working, info.kind), (true, DayKind::StatutoryHoliday));
}

// --- the recalculation marker ---------------------------------------------

#[test]
fn the_version_changes_with_everything_that_changes_results() {
    let base = WorkCalendar::office_default();
    assert_eq!(base.version(), WorkCalendar::office_default().version());
    let hours = calendar(CalendarConfig {
        hours: "08:00-12:00,14:00-18:00".parse().unwrap(),
        ..CalendarConfig::default()
    });
    let kind = calendar(CalendarConfig {
        kind: CalendarKind::TwentyFourSeven,
        ..CalendarConfig::default()
    });
    let versions: BTreeSet<String> = [
        base.version(),
        hours.version(),
        kind.version(),
        seasonal().version(),
        calendar(with_overrides(&["2026-03-04"], &[])).version(),
        calendar(with_overrides(&[], &["2026-03-07"])).version(),
    ]
    .into_iter()
    .collect();
    assert_eq!(versions.len(), 6);
    // A clone shares the version; so does an identical rebuild.
    assert_eq!(seasonal().clone().version(), seasonal().version());
}

#[test]
fn a_calendar_can_be_shared_across_threads() {
    fn shared<T: Send + Sync + Clone>() {}
    shared::<WorkCalendar>();
    let cal = WorkCalendar::office_default();
    let from = t("2026-03-03T10:00:00+08:00");
    let handle = std::thread::spawn(move || cal.add(from, dur("PT2H"), &[], false));
    let due = handle.join().unwrap().unwrap().value;
    assert_eq!(shanghai::format(due), "2026-03-03T12:00:00+08:00");
}

#[test]
fn budgets_beyond_the_range_or_below_zero_are_refused() {
    let cal = WorkCalendar::office_default();
    let from = t("2026-03-03T10:00:00+08:00");
    for huge in [
        WorkDuration::Seconds(i64::MAX),
        WorkDuration::MilliDays(i64::MAX),
    ] {
        assert_eq!(
            cal.add(from, huge, &[], true),
            Err(CalendarError::OutOfRange)
        );
        assert_eq!(cal.sub(from, huge, true), Err(CalendarError::OutOfRange));
    }
    let negative = WorkDuration::Seconds(-1);
    assert_eq!(
        cal.add(from, negative, &[], false),
        Err(CalendarError::NegativeBudget(negative))
    );
}
