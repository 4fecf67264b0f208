//! The official data checked against its source, day by day.
//!
//! The reader here is deliberately separate from the crate's: it reads the
//! holiday-cn JSON files with serde_json and applies the reading rule on
//! its own (a listed date is off when `isOffDay` is true and worked when it
//! is false; an unlisted date is worked exactly when it is Monday-Friday).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use gasdesk_calendar::{DayKind, OfficialCalendar, WorkCalendar};
use serde_json::Value;

fn source_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/holiday-cn");
    if dir.is_dir() {
        Some(dir)
    } else {
        // The shared folder sits beside the repository on the project's
        // machines; elsewhere only the crate's own checks run.
        eprintln!("{} not found; source comparison skipped", dir.display());
        None
    }
}

/// Date -> (off, name), from every year file 2007-2026.
fn read_source(dir: &Path) -> HashMap<NaiveDate, (bool, String)> {
    let mut listed = HashMap::new();
    for year in 2007..=2026 {
        let text = std::fs::read_to_string(dir.join(format!("{year}.json"))).unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["year"], year);
        for day in json["days"].as_array().unwrap() {
            let date: NaiveDate = day["date"].as_str().unwrap().parse().unwrap();
            let off = day["isOffDay"].as_bool().unwrap();
            let name = day["name"].as_str().unwrap().to_string();
            assert!(
                listed.insert(date, (off, name)).is_none(),
                "{date} listed twice"
            );
        }
    }
    listed
}

#[test]
fn every_day_2007_to_2026_matches_the_source() {
    let Some(dir) = source_dir() else { return };
    let source = read_source(&dir);
    let cal = WorkCalendar::office_default();
    let mut date = NaiveDate::from_ymd_opt(2007, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    let mut days = 0;
    while date <= last {
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        let expected_working = match source.get(&date) {
            Some((off, _)) => !off,
            None => !weekend,
        };
        let info = cal.day_info(date, false).unwrap();
        assert!(!info.provisional, "{date}");
        let info = info.value;
        assert_eq!(info.working, expected_working, "{date}");
        match source.get(&date) {
            Some((true, name)) => {
                assert_eq!(info.kind, DayKind::StatutoryHoliday, "{date}");
                assert_eq!(info.name.as_deref(), Some(name.as_str()), "{date}");
            }
            Some((false, name)) if weekend => {
                assert_eq!(info.kind, DayKind::MakeupWorkday, "{date}");
                assert_eq!(info.name.as_deref(), Some(name.as_str()), "{date}");
            }
            // A weekday listed as worked (2020-02-03) is an ordinary weekday.
            Some((false, _)) => assert_eq!(info.kind, DayKind::Weekday, "{date}"),
            None if weekend => assert_eq!(info.kind, DayKind::Weekend, "{date}"),
            None => assert_eq!(info.kind, DayKind::Weekday, "{date}"),
        }
        date = date + Days::new(1);
        days += 1;
    }
    assert_eq!(days, 7305);
}

#[test]
fn bundled_text_is_the_conversion_of_the_source() {
    let Some(dir) = source_dir() else { return };
    let mut converted = OfficialCalendar::empty();
    for year in 2007..=2026 {
        let text = std::fs::read_to_string(dir.join(format!("{year}.json"))).unwrap();
        assert_eq!(converted.import_year_json(&text).unwrap(), year);
    }
    let bundled = OfficialCalendar::bundled();
    assert_eq!(converted.to_text(), bundled.to_text());
    assert_eq!(converted.fingerprint(), bundled.fingerprint());
}

#[test]
fn bundled_data_loads_and_passes_validation() {
    // bundled() validates every year as it loads; re-reading its own text
    // through the public reader runs the checks again.
    let bundled = OfficialCalendar::bundled();
    let again = OfficialCalendar::from_text(&bundled.to_text()).unwrap();
    assert_eq!(
        again.years().collect::<Vec<_>>(),
        (2007..=2026).collect::<Vec<_>>()
    );
    for year in again.years() {
        let a = again.arrangement(year).unwrap();
        assert!(!a.notices.is_empty(), "{year} names no notice");
        for d in &a.days {
            let weekend = matches!(d.date.weekday(), Weekday::Sat | Weekday::Sun);
            // The single weekday listed as worked is the 2020 return to work.
            assert!(
                d.off || weekend || d.date == date("2020-02-03"),
                "{}",
                d.date
            );
        }
    }
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn kind_of(cal: &WorkCalendar, s: &str) -> (bool, DayKind, Option<String>) {
    let info = cal.day_info(date(s), false).unwrap().value;
    (info.working, info.kind, info.name)
}

#[test]
fn the_2015_victory_day_holiday() {
    let cal = WorkCalendar::office_default();
    let name = Some("抗日战争暨世界反法西斯战争胜利70周年纪念日".to_string());
    // Thursday 3 and Friday 4 September off, Sunday 6 September worked.
    assert_eq!(
        kind_of(&cal, "2015-09-03"),
        (false, DayKind::StatutoryHoliday, name.clone())
    );
    assert_eq!(
        kind_of(&cal, "2015-09-04"),
        (false, DayKind::StatutoryHoliday, name.clone())
    );
    assert_eq!(
        kind_of(&cal, "2015-09-05"),
        (false, DayKind::StatutoryHoliday, name.clone())
    );
    assert_eq!(
        kind_of(&cal, "2015-09-06"),
        (true, DayKind::MakeupWorkday, name)
    );
    assert_eq!(kind_of(&cal, "2015-09-07"), (true, DayKind::Weekday, None));
}

#[test]
fn the_revised_2019_labour_day() {
    let cal = WorkCalendar::office_default();
    let name = Some("劳动节".to_string());
    assert_eq!(
        kind_of(&cal, "2019-04-28"),
        (true, DayKind::MakeupWorkday, name.clone())
    );
    assert_eq!(
        kind_of(&cal, "2019-05-01"),
        (false, DayKind::StatutoryHoliday, name.clone())
    );
    assert_eq!(
        kind_of(&cal, "2019-05-04"),
        (false, DayKind::StatutoryHoliday, name.clone())
    );
    assert_eq!(
        kind_of(&cal, "2019-05-05"),
        (true, DayKind::MakeupWorkday, name)
    );
}

#[test]
fn the_extended_2020_spring_festival() {
    let cal = WorkCalendar::office_default();
    let name = Some("春节".to_string());
    assert_eq!(
        kind_of(&cal, "2020-01-19"),
        (true, DayKind::MakeupWorkday, name.clone())
    );
    assert_eq!(
        kind_of(&cal, "2020-01-31"),
        (false, DayKind::StatutoryHoliday, name.clone())
    );
    assert_eq!(
        kind_of(&cal, "2020-02-02"),
        (false, DayKind::StatutoryHoliday, name)
    );
    assert_eq!(kind_of(&cal, "2020-02-03"), (true, DayKind::Weekday, None));
}

#[test]
fn december_dates_from_the_next_years_notice_count() {
    let cal = WorkCalendar::office_default();
    let name = Some("元旦".to_string());
    assert_eq!(
        kind_of(&cal, "2018-12-29"),
        (true, DayKind::MakeupWorkday, name.clone())
    );
    assert_eq!(
        kind_of(&cal, "2018-12-31"),
        (false, DayKind::StatutoryHoliday, name)
    );
    // 2006 has no arrangement of its own, even though 2007's notice lists
    // two of its days.
    assert_eq!(
        cal.day_info(date("2006-12-30"), false)
            .unwrap_err()
            .to_string(),
        "calendar year 2006 is not available"
    );
}

#[test]
fn childrens_day_is_not_a_day_off() {
    let cal = WorkCalendar::office_default();
    assert_eq!(kind_of(&cal, "2026-06-01"), (true, DayKind::Weekday, None));
}
