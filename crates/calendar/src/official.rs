//! The State Council's holiday arrangements: loading, validating, importing.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};
use sha2::{Digest, Sha256};

use crate::day::DayKind;

/// The first year with a bundled arrangement; earlier years are never
/// available.
pub const FIRST_YEAR: i32 = 2007;
/// The last year the calendar covers at all.
pub const LAST_YEAR: i32 = 2099;

const BUNDLED_TEXT: &str = include_str!("../data/official.txt");

/// One date listed by a notice.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListedDay {
    pub date: NaiveDate,
    /// `true` for a day off, `false` for a day worked.
    pub off: bool,
    /// The festival, as the notice names it.
    pub name: String,
}

/// One year's arrangement as published: the notices and the listed dates.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct YearArrangement {
    pub year: i32,
    /// Addresses of the notices (a year can have a later amending notice).
    pub notices: Vec<String>,
    /// Listed dates in date order; may include the previous December.
    pub days: Vec<ListedDay>,
}

/// Why holiday data was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    #[error("not a holiday-cn year file: {0}")]
    Json(String),
    #[error("holiday data, line {line}: {reason}")]
    Text { line: usize, reason: String },
    #[error("holiday arrangement year {0} is outside the supported years 2007-2099")]
    YearOutOfRange(i64),
    #[error("the {year} holiday arrangement is not valid: {reason}")]
    Invalid { year: i32, reason: String },
    /// An import would replace a year shipped with the build without the
    /// caller asking for that ([`OfficialCalendar::import_year_json_replacing`]).
    #[error("calendar year {0} is shipped with gasdesk; replacing it must be asked for")]
    Shipped(i32),
}

/// The official working calendar: which dates are days off and which
/// weekend days are worked, year by year.
///
/// [`OfficialCalendar::bundled`] holds the arrangements 2007-2026 shipped
/// with the crate; [`OfficialCalendar::import_year_json`] adds a year at run
/// time, and [`OfficialCalendar::import_year_json_replacing`] may also
/// revise a shipped one. A year is *available* exactly when its arrangement
/// is loaded.
#[derive(Debug, Clone)]
pub struct OfficialCalendar {
    arrangements: BTreeMap<i32, YearArrangement>,
    /// Every listed date of every loaded arrangement, with the year of the
    /// arrangement that lists it.
    listed: HashMap<NaiveDate, (i32, usize)>,
    fingerprint: String,
}

/// How the official data alone reads a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OfficialDay<'a> {
    pub kind: DayKind,
    pub name: Option<&'a str>,
    pub working: bool,
    /// The year has no arrangement: the reading follows the national
    /// holiday law's fixed dates and the weekends only.
    pub provisional: bool,
}

impl OfficialCalendar {
    /// No arrangement loaded: every year is unavailable.
    pub fn empty() -> Self {
        let mut cal = OfficialCalendar {
            arrangements: BTreeMap::new(),
            listed: HashMap::new(),
            fingerprint: String::new(),
        };
        cal.reindex();
        cal
    }

    /// The arrangements 2007-2026 shipped in `data/official.txt`.
    pub fn bundled() -> Self {
        shipped().clone()
    }

    /// Whether `year` is one of the years shipped with the build.
    pub fn is_shipped(year: i32) -> bool {
        shipped().is_available(year)
    }

    /// Reads arrangements in the crate's text format (see `data/official.txt`).
    pub fn from_text(text: &str) -> Result<Self, DataError> {
        let mut cal = OfficialCalendar::empty();
        for arrangement in parse_text(text)? {
            if cal.is_available(arrangement.year) {
                let reason = "the year appears twice in the data".to_string();
                let year = arrangement.year;
                return Err(DataError::Invalid { year, reason });
            }
            validate(&arrangement)?;
            cal.insert(arrangement)?;
        }
        Ok(cal)
    }

    /// Adds one year from a holiday-cn per-year JSON file (`{"year": 2027,
    /// "papers": [...], "days": [{"name", "date", "isOffDay"}]}`), after
    /// checking it like the bundled data. A year imported before is
    /// replaced, as a revised notice replaces the earlier one; a year
    /// shipped with the build and loaded here is not
    /// ([`DataError::Shipped`]): the shipped data has been reviewed, and a
    /// wrong file silently overriding it would move every deadline of that
    /// year. Returns the year.
    pub fn import_year_json(&mut self, json: &str) -> Result<i32, DataError> {
        self.import(json, false)
    }

    /// Like [`OfficialCalendar::import_year_json`], but may also replace a
    /// shipped year: for an operator who explicitly revises one, and for
    /// reloading years accepted that way before.
    pub fn import_year_json_replacing(&mut self, json: &str) -> Result<i32, DataError> {
        self.import(json, true)
    }

    fn import(&mut self, json: &str, may_replace_shipped: bool) -> Result<i32, DataError> {
        let arrangement = parse_json(json)?;
        // Validated first: when the file is wrong anyway, saying so helps
        // more than pointing at the option that would not make it load.
        validate(&arrangement)?;
        let year = arrangement.year;
        if !may_replace_shipped && self.is_available(year) && Self::is_shipped(year) {
            return Err(DataError::Shipped(year));
        }
        self.insert(arrangement)?;
        Ok(year)
    }

    /// Loaded years in ascending order.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.arrangements.keys().copied()
    }

    /// Whether computations may use `year` without being provisional.
    pub fn is_available(&self, year: i32) -> bool {
        self.arrangements.contains_key(&year)
    }

    pub fn arrangement(&self, year: i32) -> Option<&YearArrangement> {
        self.arrangements.get(&year)
    }

    /// The listing of a date by any loaded arrangement.
    pub fn listed(&self, date: NaiveDate) -> Option<&ListedDay> {
        let &(year, i) = self.listed.get(&date)?;
        Some(&self.arrangements[&year].days[i])
    }

    /// A hash of all loaded data; changes with any import that changes it.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// All loaded arrangements in the bundled text format.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for a in self.arrangements.values() {
            let _ = writeln!(out, "[{}]", a.year);
            for n in &a.notices {
                let _ = writeln!(out, "notice {n}");
            }
            for d in &a.days {
                let flag = if d.off { "off " } else { "work" };
                let dow = weekday_abbr(d.date.weekday());
                let _ = write!(out, "{} {dow} {flag} {}", d.date, d.name);
                if !d.off && !is_weekend(d.date) {
                    out.push_str("  # back to work after the days off: an ordinary weekday");
                }
                out.push('\n');
            }
            out.push('\n');
        }
        out
    }

    pub(crate) fn classify(&self, date: NaiveDate) -> OfficialDay<'_> {
        let weekend = is_weekend(date);
        let plain = |provisional| OfficialDay {
            kind: if weekend {
                DayKind::Weekend
            } else {
                DayKind::Weekday
            },
            name: None,
            working: !weekend,
            provisional,
        };
        if !self.is_available(date.year()) {
            return match law_holiday(date) {
                Some(name) => OfficialDay {
                    kind: DayKind::StatutoryHoliday,
                    name: Some(name),
                    working: false,
                    provisional: true,
                },
                None => plain(true),
            };
        }
        // TODO: the last days of December of the last loaded year read as
        // final, yet the next year's notice may still change them (the 2019
        // notice made 2018-12-29 a working day); they should read as
        // provisional once callers can show that distinction for one week.
        match self.listed(date) {
            Some(d) if d.off => OfficialDay {
                kind: DayKind::StatutoryHoliday,
                name: Some(&d.name),
                working: false,
                provisional: false,
            },
            Some(d) if weekend => OfficialDay {
                kind: DayKind::MakeupWorkday,
                name: Some(&d.name),
                working: true,
                provisional: false,
            },
            // A weekday listed as worked only marks the return to work.
            _ => plain(false),
        }
    }

    /// Adds a validated arrangement.
    fn insert(&mut self, arrangement: YearArrangement) -> Result<(), DataError> {
        self.check_other_years(&arrangement)?;
        self.arrangements.insert(arrangement.year, arrangement);
        self.reindex();
        Ok(())
    }

    /// No date may read differently in two years' notices. The festival
    /// windows keep a year's dates from reaching into another year's, so
    /// this holds for any two valid arrangements today; it stays as the
    /// guarantee [`OfficialCalendar::listed`] relies on if a window widens.
    fn check_other_years(&self, arrangement: &YearArrangement) -> Result<(), DataError> {
        let year = arrangement.year;
        for d in &arrangement.days {
            let Some(&(other_year, i)) = self.listed.get(&d.date) else {
                continue;
            };
            let other = &self.arrangements[&other_year].days[i];
            if other_year != year && other.off != d.off {
                let reason = format!(
                    "{} is listed as {} here but as {} by the {other_year} arrangement",
                    d.date,
                    reading(d.off),
                    reading(other.off)
                );
                return Err(DataError::Invalid { year, reason });
            }
        }
        Ok(())
    }

    fn reindex(&mut self) {
        self.listed.clear();
        for (&year, a) in &self.arrangements {
            for (i, d) in a.days.iter().enumerate() {
                // A date listed by two notices reads the same in both
                // (checked on insert); the later year's wording wins.
                self.listed.insert(d.date, (year, i));
            }
        }
        let digest = Sha256::digest(self.to_text().as_bytes());
        self.fingerprint = digest.iter().map(|b| format!("{b:02x}")).collect();
    }
}

fn shipped() -> &'static OfficialCalendar {
    static BUNDLED: OnceLock<OfficialCalendar> = OnceLock::new();
    BUNDLED.get_or_init(|| {
        OfficialCalendar::from_text(BUNDLED_TEXT).expect("the bundled holiday data is valid")
    })
}

fn reading(off: bool) -> &'static str {
    if off { "a day off" } else { "a working day" }
}

pub(crate) fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn weekday_abbr(w: Weekday) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][w.num_days_from_monday() as usize]
}

/// The days off the national holiday law fixes by Gregorian date (as
/// revised for 2025): 1 January, 1-2 May, 1-3 October, as (month, day,
/// festival). The lunar festivals and Qingming move and are left out of a
/// provisional reading.
const LAW_DATES: [(u32, u32, &str); 6] = [
    (1, 1, "元旦"),
    (5, 1, "劳动节"),
    (5, 2, "劳动节"),
    (10, 1, "国庆节"),
    (10, 2, "国庆节"),
    (10, 3, "国庆节"),
];

fn law_holiday(date: NaiveDate) -> Option<&'static str> {
    let (month, day) = (date.month(), date.day());
    LAW_DATES
        .iter()
        .find(|&&(m, d, _)| (m, d) == (month, day))
        .map(|&(_, _, name)| name)
}

/// Festival names as the notices write them. A combined name such as
/// `国庆节、中秋节` is checked part by part.
const FESTIVALS: &[&str] = &[
    "元旦",
    "春节",
    "清明节",
    "劳动节",
    "五一",
    "五一国际劳动节",
    "端午节",
    "中秋节",
    "国庆节",
    "十一",
];

/// The festivals a (possibly combined) name names, without quotation marks.
fn festival_parts(name: &str) -> impl Iterator<Item = String> + '_ {
    name.split('、').map(|part| {
        part.chars()
            .filter(|c| !matches!(c, '“' | '”' | '"'))
            .collect()
    })
}

fn is_known_festival(name: &str) -> bool {
    !name.is_empty()
        && festival_parts(name)
            .all(|bare| FESTIVALS.contains(&bare.as_str()) || is_victory_anniversary(&bare))
}

/// Where the listed dates of each festival may fall, days off and make-up
/// working days alike, as (names, first, last) with (month, day) in the
/// arrangement's year; a first month after the last month means that
/// month of the year before (New Year's days start in December).
///
/// Each window holds every date the notices of 2007-2026 list for the
/// festival, widened by a week or more on either side to leave room for
/// where the moving festivals can fall: Spring Festival between 21 January
/// and 20 February, Dragon Boat between late May and late June,
/// Mid-Autumn between early September and early October. A file that puts
/// a festival outside its window (Spring Festival on 1 July) is a wrong
/// file, and loading it would turn real working days into holidays.
const WINDOWS: &[(&[&str], MonthAndDay, MonthAndDay)] = &[
    (&["元旦"], (12, 20), (1, 15)),
    (&["春节"], (1, 10), (3, 10)),
    (&["清明节"], (3, 25), (4, 15)),
    (&["劳动节", "五一", "五一国际劳动节"], (4, 15), (5, 20)),
    (&["端午节"], (5, 20), (7, 5)),
    (&["中秋节"], (9, 1), (10, 15)),
    (&["国庆节", "十一"], (9, 15), (10, 20)),
];

/// Victory anniversaries centre on 3 September (2015: 3-5 September off,
/// 6 September worked).
const VICTORY_WINDOW: (MonthAndDay, MonthAndDay) = ((8, 25), (9, 15));

/// (month, day)
type MonthAndDay = (u32, u32);

/// The first and last date a festival of `year` may be listed on.
fn window(year: i32, festival: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (first, last) = if is_victory_anniversary(festival) {
        VICTORY_WINDOW
    } else {
        WINDOWS
            .iter()
            .find(|(names, _, _)| names.contains(&festival))
            .map(|&(_, first, last)| (first, last))?
    };
    let first_year = if first.0 > last.0 { year - 1 } else { year };
    Some((
        NaiveDate::from_ymd_opt(first_year, first.0, first.1)?,
        NaiveDate::from_ymd_opt(year, last.0, last.1)?,
    ))
}

/// Anniversaries of the victory of 1945 have had their own days off
/// (2015); later round anniversaries are named the same way.
fn is_victory_anniversary(name: &str) -> bool {
    let name = name.strip_prefix("中国人民").unwrap_or(name);
    name.strip_prefix("抗日战争暨世界反法西斯战争胜利")
        .and_then(|rest| rest.strip_suffix("周年纪念日"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The checks every arrangement passes, bundled or imported.
pub(crate) fn validate(a: &YearArrangement) -> Result<(), DataError> {
    let year = a.year;
    let invalid = |reason: String| DataError::Invalid { year, reason };
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(DataError::YearOutOfRange(i64::from(year)));
    }
    if a.days.is_empty() {
        return Err(invalid("it lists no dates".to_string()));
    }
    let mut seen: HashMap<NaiveDate, &ListedDay> = HashMap::new();
    for d in &a.days {
        let in_year = d.date.year() == year;
        let previous_december = d.date.year() == year - 1 && d.date.month() == 12;
        if !in_year && !previous_december {
            return Err(invalid(format!(
                "{} is neither in {year} nor in December {}",
                d.date,
                year - 1
            )));
        }
        if seen.insert(d.date, d).is_some() {
            return Err(invalid(format!("{} is listed twice", d.date)));
        }
        if !is_known_festival(&d.name) {
            return Err(invalid(format!(
                "{} is listed for {:?}, which is not a known festival",
                d.date, d.name
            )));
        }
        for festival in festival_parts(&d.name) {
            let Some((first, last)) = window(year, &festival) else {
                continue;
            };
            if !(first..=last).contains(&d.date) {
                return Err(invalid(format!(
                    "{} is listed for {festival}, but {festival} days of {year} lie between \
                     {first} and {last}",
                    d.date
                )));
            }
        }
    }
    // A file for the wrong year (a 2027 file listing only 2026-12-04) would
    // otherwise load as a year with no holidays at all.
    if a.days.iter().all(|d| d.date.year() != year) {
        return Err(invalid(format!(
            "none of its dates is in {year}: it lists only dates of December {}",
            year - 1
        )));
    }
    for d in &a.days {
        if !d.off && !is_weekend(d.date) && !is_return_to_work(d, &seen) {
            return Err(invalid(format!(
                "{} is listed as a make-up working day but is a {}; make-up working days \
                 fall on a Saturday or Sunday",
                d.date,
                d.date.format("%A")
            )));
        }
        let by_law = law_holiday(d.date).is_some() && !may_work(d.date);
        if !d.off && d.date.year() == year && by_law {
            return Err(invalid(format!(
                "{} is listed as a working day, but the holiday law makes it a day off",
                d.date
            )));
        }
        if !d.off && !a.days.iter().any(|o| o.off && o.name == d.name) {
            return Err(invalid(format!(
                "{} is a make-up working day for {} but no day off is listed for it",
                d.date, d.name
            )));
        }
    }
    // Every notice lists the days off the law fixes by date, including
    // those that fall on a weekend: they anchor the arrangement (the
    // notices of 2007-2026 all do, which loading the bundled data checks).
    // A file without them is partial or for something else, and loading it
    // would make 1 January a working day.
    for &(month, day, festival) in &LAW_DATES {
        let date = NaiveDate::from_ymd_opt(year, month, day).expect("exists every year");
        if may_work(date) || seen.get(&date).is_some_and(|d| d.off) {
            continue;
        }
        return Err(invalid(format!(
            "{date} ({festival}) is a day off by the holiday law but is not listed as one"
        )));
    }
    Ok(())
}

/// 2 May became a day off by law only in 2025; the other fixed dates
/// (1 January, 1 May, 1-3 October) have been days off throughout.
fn may_work(date: NaiveDate) -> bool {
    (date.month(), date.day()) == (5, 2) && date.year() < 2025
}

/// A weekday listed as worked right after the festival's last day off
/// says when work resumes (2020-02-03 after the extended Spring Festival).
/// It is a plain weekday, so it is accepted and read as one.
fn is_return_to_work(d: &ListedDay, seen: &HashMap<NaiveDate, &ListedDay>) -> bool {
    let previous = d.date.pred_opt().and_then(|p| seen.get(&p));
    previous.is_some_and(|p| p.off && p.name == d.name)
}

// Unknown fields (`$schema`, `$id`) are ignored so that the source may add
// some without breaking imports.
#[derive(serde::Deserialize)]
struct RawYear {
    year: serde_json::Number,
    papers: Vec<String>,
    days: Vec<RawDay>,
}

#[derive(serde::Deserialize)]
struct RawDay {
    name: String,
    date: String,
    #[serde(rename = "isOffDay")]
    is_off_day: bool,
}

pub(crate) fn parse_json(json: &str) -> Result<YearArrangement, DataError> {
    let raw: RawYear = serde_json::from_str(json).map_err(|e| DataError::Json(e.to_string()))?;
    let year = raw
        .year
        .as_i64()
        .ok_or_else(|| DataError::Json(format!("year {} is not a whole number", raw.year)))?;
    let year = i32::try_from(year)
        .ok()
        .filter(|y| (FIRST_YEAR..=LAST_YEAR).contains(y))
        .ok_or(DataError::YearOutOfRange(year))?;
    let mut days = Vec::with_capacity(raw.days.len());
    for d in raw.days {
        let date = parse_date(&d.date).ok_or_else(|| DataError::Invalid {
            year,
            reason: format!("{:?} is not a date written YYYY-MM-DD", d.date),
        })?;
        days.push(ListedDay {
            date,
            off: d.is_off_day,
            name: d.name.trim().to_string(),
        });
    }
    days.sort_by_key(|d| d.date);
    Ok(YearArrangement {
        year,
        notices: raw.papers,
        days,
    })
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Reads the text format: `[YEAR]` opens a year, `notice URL` names a
/// notice, `DATE DOW off|work NAME` lists a date; `#` starts a comment.
fn parse_text(text: &str) -> Result<Vec<YearArrangement>, DataError> {
    let mut out: Vec<YearArrangement> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let err = |reason: &str| DataError::Text {
            line: line_no,
            reason: reason.to_string(),
        };
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(year) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let year = year.parse().map_err(|_| err("expected [YEAR]"))?;
            out.push(YearArrangement {
                year,
                notices: Vec::new(),
                days: Vec::new(),
            });
            continue;
        }
        let current = out
            .last_mut()
            .ok_or_else(|| err("data before the first [YEAR]"))?;
        if let Some(url) = line.strip_prefix("notice ") {
            current.notices.push(url.trim().to_string());
            continue;
        }
        current
            .days
            .push(parse_text_day(line).map_err(|r| err(&r))?);
    }
    Ok(out)
}

fn parse_text_day(line: &str) -> Result<ListedDay, String> {
    let mut fields = line.split_whitespace();
    let (Some(date), Some(dow), Some(flag), Some(name), None) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return Err("expected DATE DOW off|work NAME".to_string());
    };
    let date = parse_date(date).ok_or("the date must be written YYYY-MM-DD")?;
    if weekday_abbr(date.weekday()) != dow {
        return Err(format!(
            "{date} is a {}, not {dow}",
            weekday_abbr(date.weekday())
        ));
    }
    let off = match flag {
        "off" => true,
        "work" => false,
        _ => return Err("the reading must be off or work".to_string()),
    };
    Ok(ListedDay {
        date,
        off,
        name: name.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn bundled_years_are_2007_to_2026() {
        let cal = OfficialCalendar::bundled();
        assert_eq!(
            cal.years().collect::<Vec<_>>(),
            (2007..=2026).collect::<Vec<_>>()
        );
        assert!(!cal.is_available(2006));
        assert!(!cal.is_available(2027));
    }

    #[test]
    fn bundled_text_round_trips() {
        let cal = OfficialCalendar::bundled();
        let again = OfficialCalendar::from_text(&cal.to_text()).unwrap();
        assert_eq!(again.fingerprint(), cal.fingerprint());
    }

    #[test]
    fn festival_names() {
        for ok in [
            "春节",
            "国庆节、中秋节",
            "“五一”",
            "“五一”国际劳动节",
            "“十一”",
        ] {
            assert!(is_known_festival(ok), "{ok}");
        }
        assert!(is_known_festival(
            "抗日战争暨世界反法西斯战争胜利70周年纪念日"
        ));
        assert!(is_known_festival(
            "中国人民抗日战争暨世界反法西斯战争胜利80周年纪念日"
        ));
        for bad in [
            "",
            "儿童节",
            "春节、儿童节",
            "抗日战争暨世界反法西斯战争胜利周年纪念日",
        ] {
            assert!(!is_known_festival(bad), "{bad}");
        }
    }

    #[test]
    fn the_2020_return_to_work_is_a_plain_monday() {
        let cal = OfficialCalendar::bundled();
        let d = cal.classify(date("2020-02-03"));
        assert_eq!((d.kind, d.working), (DayKind::Weekday, true));
    }

    #[test]
    fn a_year_may_not_contradict_another_years_notice() {
        // The festival windows keep valid arrangements from listing the same
        // date, so the check is reached here with an unvalidated one: the
        // 2019 notice makes Saturday 29 December 2018 a working day.
        let cal = OfficialCalendar::bundled();
        let a = YearArrangement {
            year: 2018,
            notices: Vec::new(),
            days: vec![ListedDay {
                date: date("2018-12-29"),
                off: true,
                name: "元旦".to_string(),
            }],
        };
        let err = cal.check_other_years(&a).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the 2018 holiday arrangement is not valid: 2018-12-29 is listed as a day off \
             here but as a working day by the 2019 arrangement"
        );
    }

    #[test]
    fn windows_reach_into_the_previous_december_only_for_new_year() {
        assert_eq!(
            window(2027, "元旦"),
            Some((date("2026-12-20"), date("2027-01-15")))
        );
        assert_eq!(
            window(2027, "春节"),
            Some((date("2027-01-10"), date("2027-03-10")))
        );
        assert_eq!(
            window(2015, "抗日战争暨世界反法西斯战争胜利70周年纪念日"),
            Some((date("2015-08-25"), date("2015-09-15")))
        );
    }

    #[test]
    fn text_lines_must_name_the_right_weekday() {
        let text = "[2027]\nnotice x\n2027-01-01 Sat off 元旦\n";
        let err = OfficialCalendar::from_text(text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "holiday data, line 3: 2027-01-01 is a Fri, not Sat"
        );
    }
}
