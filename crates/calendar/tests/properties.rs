//! Laws the arithmetic obeys for any instant and budget in the covered
//! years, with the default hours (08:30-12:00, 14:30-18:00).

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use gasdesk_calendar::{Pause, WorkCalendar, WorkDuration, shanghai};
use proptest::prelude::*;

static CAL: LazyLock<WorkCalendar> = LazyLock::new(WorkCalendar::office_default);

/// 2007-01-01T00:00+08:00 and 2026-11-01T00:00+08:00 as Unix seconds; a
/// budget of at most 30 working days from the latter stays inside 2026.
const FIRST: i64 = 1_167_580_800;
const LAST: i64 = 1_793_462_400;
const MAX_BUDGET: i64 = 30 * 7 * 3600;

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (FIRST..LAST).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

fn budget() -> impl Strategy<Value = i64> {
    prop_oneof![0..=MAX_BUDGET, 1..=7 * 3600i64]
}

fn pauses(around: DateTime<Utc>) -> impl Strategy<Value = Vec<Pause>> {
    let start = around.timestamp();
    prop::collection::vec((0..20 * 86_400i64, 0..3 * 86_400i64), 0..4).prop_map(move |v| {
        v.into_iter()
            .map(|(offset, length)| Pause {
                from: DateTime::from_timestamp(start - 86_400 + offset, 0).unwrap(),
                to: DateTime::from_timestamp(start - 86_400 + offset + length, 0).unwrap(),
            })
            .collect()
    })
}

/// Whether the local time of day is in (open, close] of one of the default
/// intervals, and the day is a working day: the only places a positive
/// budget may run out.
fn ends_in_working_time(t: DateTime<Utc>) -> bool {
    let local = shanghai::local(t).unwrap();
    let sod = i64::from(chrono::Timelike::num_seconds_from_midnight(&local.time()));
    let inside = [(30_600, 43_200), (52_200, 64_800)]
        .iter()
        .any(|&(open, close)| open < sod && sod <= close);
    inside && CAL.day_info(local.date(), false).unwrap().value.working
}

/// The default intervals of `date` as instants, if it is a working day;
/// the working-day decision comes from `day_info`, not from the tables
/// the arithmetic uses.
fn intervals(date: NaiveDate) -> Vec<(i64, i64)> {
    if !CAL.day_info(date, false).unwrap().value.working {
        return Vec::new();
    }
    let midnight = shanghai::from_local(date.and_hms_opt(0, 0, 0).unwrap())
        .unwrap()
        .timestamp();
    vec![
        (midnight + 30_600, midnight + 43_200),
        (midnight + 52_200, midnight + 64_800),
    ]
}

/// Elapsed working time by walking the days one by one.
fn walk_elapsed(a: i64, b: i64) -> i64 {
    let mut date = shanghai::date_of(DateTime::from_timestamp(a, 0).unwrap()).unwrap();
    let last = shanghai::date_of(DateTime::from_timestamp(b, 0).unwrap()).unwrap();
    let mut total = 0;
    while date <= last {
        for (open, close) in intervals(date) {
            total += (close.min(b) - open.max(a)).max(0);
        }
        date = date.succ_opt().unwrap();
    }
    total
}

/// The deadline by walking the intervals one by one.
fn walk_add(from: i64, mut left: i64) -> i64 {
    let mut date = shanghai::date_of(DateTime::from_timestamp(from, 0).unwrap()).unwrap();
    loop {
        for (open, close) in intervals(date) {
            let start = open.max(from);
            if close <= start {
                continue;
            }
            if close - start >= left {
                return start + left;
            }
            left -= close - start;
        }
        date = date.succ_opt().unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn elapsed_gives_back_what_add_added(from in instant(), seconds in budget()) {
        let due = CAL.add(from, WorkDuration::Seconds(seconds), &[], false).unwrap();
        prop_assert!(!due.provisional);
        prop_assert_eq!(CAL.elapsed(from, due.value, &[], false).unwrap().value, seconds);
    }

    #[test]
    fn add_and_elapsed_agree_with_a_day_by_day_walk(
        from in instant(),
        seconds in 1..=MAX_BUDGET,
        span in 0..40 * 86_400i64,
    ) {
        let due = CAL.add(from, WorkDuration::Seconds(seconds), &[], false).unwrap().value;
        prop_assert_eq!(due.timestamp(), walk_add(from.timestamp(), seconds));
        let to = DateTime::from_timestamp(from.timestamp() + span, 0).unwrap();
        let elapsed = CAL.elapsed(from, to, &[], false).unwrap().value;
        prop_assert_eq!(elapsed, walk_elapsed(from.timestamp(), to.timestamp()));
    }

    #[test]
    fn with_pauses_too(
        (from, p) in instant().prop_flat_map(|f| (Just(f), pauses(f))),
        seconds in budget(),
    ) {
        let due = CAL.add(from, WorkDuration::Seconds(seconds), &p, false).unwrap();
        prop_assert_eq!(CAL.elapsed(from, due.value, &p, false).unwrap().value, seconds);
        let plain = CAL.add(from, WorkDuration::Seconds(seconds), &[], false).unwrap();
        prop_assert!(due.value >= plain.value);
    }

    #[test]
    fn sub_undoes_add_inside_working_time(any in instant(), seconds in 1..=MAX_BUDGET) {
        // An opening, or `any` itself when it is inside working time.
        let from = CAL.next_working_moment(any, false).unwrap().value;
        let due = CAL.add(from, WorkDuration::Seconds(seconds), &[], false).unwrap().value;
        let back = CAL.sub(due, WorkDuration::Seconds(seconds), false).unwrap().value;
        prop_assert_eq!(back, from);
    }

    #[test]
    fn add_undoes_sub_where_a_budget_can_end(
        any in instant(),
        step in 1..=7 * 3600i64,
        seconds in 1..=MAX_BUDGET,
    ) {
        // Any moment a positive budget can run out at.
        let to = CAL.add(any, WorkDuration::Seconds(step), &[], false).unwrap().value;
        prop_assume!(to.timestamp() - FIRST > 90 * 86_400);
        let start = CAL.sub(to, WorkDuration::Seconds(seconds), false).unwrap().value;
        let due = CAL.add(start, WorkDuration::Seconds(seconds), &[], false).unwrap().value;
        prop_assert_eq!(due, to);
    }

    #[test]
    fn elapsed_adds_up_over_a_split(
        (a, p) in instant().prop_flat_map(|f| (Just(f), pauses(f))),
        b in instant(),
        c in instant(),
    ) {
        let e = |x, y| CAL.elapsed(x, y, &p, false).unwrap().value;
        prop_assert_eq!(e(a, c), e(a, b) + e(b, c));
        prop_assert_eq!(e(a, b), -e(b, a));
    }

    #[test]
    fn a_budget_runs_out_only_in_working_time_or_at_a_closing(
        from in instant(),
        seconds in 1..=MAX_BUDGET,
    ) {
        let due = CAL.add(from, WorkDuration::Seconds(seconds), &[], false).unwrap().value;
        prop_assert!(ends_in_working_time(due), "{}", shanghai::format(due));
    }

    #[test]
    fn the_next_working_moment_is_working_and_nothing_is_skipped(from in instant()) {
        let next = CAL.next_working_moment(from, false).unwrap().value;
        prop_assert!(next >= from);
        prop_assert!(CAL.is_working_at(next, false).unwrap().value);
        prop_assert_eq!(CAL.elapsed(from, next, &[], false).unwrap().value, 0);
    }

    #[test]
    fn whole_days_end_at_the_time_of_day_they_started(from in instant(), days in 1..=30i64) {
        let due = CAL.add(from, WorkDuration::days(days), &[], false).unwrap().value;
        let start = CAL.next_working_moment(from, false).unwrap().value;
        let hm = |t| shanghai::local(t).unwrap().format("%H:%M:%S").to_string();
        // A day's worth from an opening ends at the closing just before
        // that opening on a later day.
        let expected = match hm(start).as_str() {
            "08:30:00" => "18:00:00".to_string(),
            "14:30:00" => "12:00:00".to_string(),
            other => other.to_string(),
        };
        prop_assert_eq!(hm(due), expected);
    }
}
