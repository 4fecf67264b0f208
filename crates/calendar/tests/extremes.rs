//! Instants and dates at the ends of what chrono can hold, run through the
//! command as a user could type them: every one is refused with an error,
//! none panics.

use chrono::{DateTime, NaiveDate, Utc};
use gasdesk_calendar::cli::{self, CalendarCommand, CalendarOptions};
use gasdesk_calendar::{Pause, WorkDuration};
use proptest::prelude::*;

/// 2000-01-01T00:00+08:00 and 2100-01-01T00:00+08:00 as Unix seconds: the
/// instants the calendar covers lie in between.
const COVERED_FROM: i64 = 946_656_000;
const COVERED_UNTIL: i64 = 4_102_416_000;

/// Times with the years -262143, 262142, 0 and 9999, local and with an
/// offset, at both ends of each year.
const TIMES: &[&str] = &[
    "-262143-01-01T00:00",
    "-262143-01-01T07:59:59",
    "-262143-01-01T08:00",
    "+262142-12-31T23:59:59",
    "262142-12-31T23:59",
    "0000-01-01T00:00",
    "0000-01-01T00:00:00+08:00",
    "0000-12-31T23:59:59Z",
    "9999-01-01T00:00",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-23:59",
];

const DATES: &[&str] = &[
    "-262143-01-01",
    "+262142-12-31",
    "262142-12-31",
    "0000-01-01",
    "9999-12-31",
];

/// Every subcommand with `time` where the answer depends on it.
fn commands_with_time(time: &str) -> Vec<Vec<String>> {
    let normal = "2026-03-03T10:00";
    let lines = [
        format!("add --from {time} --duration PT1H"),
        format!("add --from {time} --duration P1D --calendar 24x7"),
        format!("add --from {time} --duration PT1H --pause {time}/{time}"),
        format!("add --from {normal} --duration PT1H --pause {normal}/{time}"),
        format!("sub --from {time} --duration PT1H"),
        format!("elapsed --from {time} --to {normal}"),
        format!("elapsed --from {normal} --to {time}"),
        format!("elapsed --from {time} --to {time} --pause {time}/{time}"),
        format!("next --from {time}"),
        format!("next --from {time} --provisional --json"),
    ];
    lines.iter().map(|l| words(l)).collect()
}

fn commands_with_date(date: &str) -> Vec<Vec<String>> {
    let lines = [
        format!("is-workday {date}"),
        format!("is-workday {date} --provisional --calendar 24x7"),
        format!("is-workday 2026-03-03 --closed {date}"),
        format!("is-workday 2026-03-03 --open {date}"),
    ];
    lines.iter().map(|l| words(l)).collect()
}

fn words(line: &str) -> Vec<String> {
    line.split(' ').map(str::to_string).collect()
}

/// Either the words do not parse or the command fails; it never panics
/// and never answers.
fn assert_refused(args: &[String]) {
    match cli::parse(args) {
        Err(e) => assert!(!e.to_string().is_empty()),
        Ok(command) => {
            let result = cli::run(command, &[]);
            assert!(result.is_err(), "{args:?} answered {result:?}");
        }
    }
}

#[test]
fn extreme_times_and_dates_are_refused_by_every_subcommand() {
    for time in TIMES {
        for args in commands_with_time(time) {
            assert_refused(&args);
        }
    }
    for date in DATES {
        for args in commands_with_date(date) {
            assert_refused(&args);
        }
    }
}

#[test]
fn a_local_time_before_chronos_first_instant_is_out_of_range() {
    // Shifting -262143-01-01T00:00 (Shanghai) back to UTC leaves chrono's
    // range; this used to panic while the arguments were being read.
    for args in [
        "add --from=-262143-01-01T00:00 --duration PT1H",
        "elapsed --from=-262143-01-01T07:59 --to 2026-03-03T10:00",
        "next --from=-262143-01-01T00:00",
        "add --from 2026-03-03T10:00 --duration PT1H --pause=-262143-01-01T00:00/2026-03-03T11:00",
    ] {
        let err = cli::parse(words(args)).unwrap_err();
        assert!(err.to_string().contains("time out of range"), "{err}");
    }
    assert_eq!(
        cli::parse_time("-262143-01-01T00:00"),
        Err("\"-262143-01-01T00:00\": time out of range".to_string())
    );
}

fn options() -> CalendarOptions {
    CalendarOptions::default()
}

/// Every subcommand run directly on `t`.
fn commands_at(t: DateTime<Utc>) -> Vec<CalendarCommand> {
    let normal = DateTime::from_timestamp(1_772_503_200, 0).unwrap();
    let hour = WorkDuration::Seconds(3600);
    let paused = CalendarOptions {
        pauses: vec![Pause {
            from: t.min(normal),
            to: t.max(normal),
        }],
        ..options()
    };
    let provisional = CalendarOptions {
        provisional: true,
        ..options()
    };
    vec![
        CalendarCommand::Add {
            from: t,
            duration: hour,
            options: options(),
        },
        CalendarCommand::Add {
            from: t,
            duration: WorkDuration::MilliDays(i64::MAX),
            options: provisional.clone(),
        },
        CalendarCommand::Add {
            from: t,
            duration: hour,
            options: paused.clone(),
        },
        CalendarCommand::Sub {
            from: t,
            duration: WorkDuration::Seconds(i64::MAX),
            options: provisional.clone(),
        },
        CalendarCommand::Elapsed {
            from: t,
            to: normal,
            options: paused,
        },
        CalendarCommand::Elapsed {
            from: normal,
            to: t,
            options: provisional.clone(),
        },
        CalendarCommand::Next {
            from: t,
            options: provisional,
        },
    ]
}

#[test]
fn chronos_first_and_last_instants_are_refused_by_every_subcommand() {
    for t in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
        for command in commands_at(t) {
            let described = format!("{command:?}");
            assert!(cli::run(command, &[]).is_err(), "{described}");
        }
    }
    // A pause given backwards is reported with both ends printed.
    let backwards = CalendarOptions {
        pauses: vec![Pause {
            from: DateTime::<Utc>::MAX_UTC,
            to: DateTime::<Utc>::MIN_UTC,
        }],
        ..options()
    };
    let normal = DateTime::from_timestamp(1_772_503_200, 0).unwrap();
    let command = CalendarCommand::Elapsed {
        from: normal,
        to: normal,
        options: backwards,
    };
    let err = cli::run(command, &[]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("a pause cannot end before it starts")
    );
    for date in [NaiveDate::MIN, NaiveDate::MAX] {
        let command = CalendarCommand::IsWorkday {
            date,
            options: options(),
        };
        assert!(cli::run(command, &[]).is_err(), "{date}");
    }
}

fn outside_the_covered_range() -> impl Strategy<Value = DateTime<Utc>> {
    let (min, max) = (
        DateTime::<Utc>::MIN_UTC.timestamp(),
        DateTime::<Utc>::MAX_UTC.timestamp(),
    );
    prop_oneof![min..COVERED_FROM, COVERED_UNTIL..=max]
        .prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

proptest! {
    // Each case builds calendars for a dozen commands; a few dozen cases
    // spread over the range are enough to meet any overflow there.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_instant_outside_the_covered_years_is_an_error(t in outside_the_covered_range()) {
        for command in commands_at(t) {
            let described = format!("{command:?}");
            prop_assert!(cli::run(command, &[]).is_err(), "{}", described);
        }
    }

    #[test]
    fn any_typed_time_parses_or_is_refused_without_panicking(
        year in -262_144..=262_143i32,
        month in 1..=12u32,
        day in 1..=31u32,
        hour in 0..=23u32,
        minute in 0..=59u32,
    ) {
        let time = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}");
        if !(1999..=2100).contains(&year) {
            for args in commands_with_time(&time) {
                assert_refused(&args);
            }
        } else {
            // Inside the covered years the time may well be answered; it
            // must still be read without a panic.
            let _ = cli::parse_time(&time);
        }
    }
}
