//! Opening hours of a working day and the seasons that switch them.

use std::fmt;
use std::str::FromStr;

const DAY: u32 = 86_400;

/// The working intervals of one day, in Asia/Shanghai local time.
///
/// Written as `08:30-12:00,14:30-18:00`: each interval is half-open (the
/// office is open at 08:30 and closed at 12:00), and a gap between two
/// intervals, such as a lunch break, is not working time. `24:00` may close
/// the last interval. Intervals are ordered and do not overlap; two may
/// touch, which reads the same as one interval.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WorkingHours {
    /// `(open, close)` in seconds after local midnight.
    intervals: Vec<(u32, u32)>,
}

/// The working hours used when none are given.
pub const DEFAULT_HOURS: &str = "08:30-12:00,14:30-18:00";

impl WorkingHours {
    /// Builds hours from `(open, close)` pairs in seconds after local
    /// midnight, checking the same rules as parsing does.
    pub fn from_seconds(intervals: &[(u32, u32)]) -> Result<Self, HoursError> {
        let text = render(intervals);
        let err = |reason: &str| HoursError {
            input: text.clone(),
            reason: reason.to_string(),
        };
        if intervals.is_empty() {
            return Err(err("a working day needs at least one interval"));
        }
        let mut last_close = 0;
        for (i, &(open, close)) in intervals.iter().enumerate() {
            if close > DAY {
                return Err(err("a time must lie between 00:00 and 24:00"));
            }
            if open >= close {
                return Err(err("each interval must open before it closes"));
            }
            if i > 0 && open < last_close {
                return Err(err("intervals must be in order and must not overlap"));
            }
            last_close = close;
        }
        Ok(WorkingHours {
            intervals: intervals.to_vec(),
        })
    }

    /// Open around the clock: one interval from 00:00 to 24:00.
    pub fn all_day() -> Self {
        WorkingHours {
            intervals: vec![(0, DAY)],
        }
    }

    /// The `(open, close)` pairs in seconds after local midnight.
    pub fn intervals(&self) -> &[(u32, u32)] {
        &self.intervals
    }

    /// Working seconds in one day with these hours.
    pub fn day_seconds(&self) -> i64 {
        self.intervals.iter().map(|&(o, c)| i64::from(c - o)).sum()
    }
}

impl Default for WorkingHours {
    fn default() -> Self {
        DEFAULT_HOURS.parse().expect("the default hours are valid")
    }
}

/// Why working hours were not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid working hours {input:?}: {reason}")]
pub struct HoursError {
    pub input: String,
    pub reason: String,
}

impl FromStr for WorkingHours {
    type Err = HoursError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| HoursError {
            input: s.to_string(),
            reason: reason.to_string(),
        };
        let mut intervals = Vec::new();
        for part in s.split(',') {
            let (open, close) = part
                .trim()
                .split_once('-')
                .ok_or_else(|| err("expected intervals like 08:30-12:00,14:30-18:00"))?;
            let open = parse_clock(open).ok_or_else(|| err("times are written HH:MM"))?;
            let close = parse_clock(close).ok_or_else(|| err("times are written HH:MM"))?;
            intervals.push((open, close));
        }
        WorkingHours::from_seconds(&intervals).map_err(|e| HoursError {
            input: s.to_string(),
            reason: e.reason,
        })
    }
}

/// Reads `HH:MM`, allowing `24:00` as the end of the day.
fn parse_clock(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !(h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    let secs = h * 3600 + m * 60;
    (m < 60 && secs <= DAY).then_some(secs)
}

fn clock(secs: u32) -> String {
    format!("{:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

fn render(intervals: &[(u32, u32)]) -> String {
    let parts: Vec<String> = intervals
        .iter()
        .map(|&(o, c)| format!("{}-{}", clock(o), clock(c)))
        .collect();
    parts.join(",")
}

impl fmt::Display for WorkingHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&render(&self.intervals))
    }
}

/// A day of the year, `MM-DD`, on which a season's hours start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthDay {
    month: u32,
    day: u32,
}

impl MonthDay {
    /// `02-29` is accepted; in a common year that season starts on 1 March.
    pub fn new(month: u32, day: u32) -> Option<Self> {
        // 2000 is a leap year, so every day that can start a season exists.
        chrono::NaiveDate::from_ymd_opt(2000, month, day).map(|_| MonthDay { month, day })
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn day(self) -> u32 {
        self.day
    }
}

impl FromStr for MonthDay {
    type Err = HoursError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parsed = s.split_once('-').and_then(|(m, d)| {
            let ok = m.len() == 2 && d.len() == 2;
            MonthDay::new(m.parse().ok()?, d.parse().ok()?).filter(|_| ok)
        });
        parsed.ok_or_else(|| HoursError {
            input: s.to_string(),
            reason: "a season starts on a day written MM-DD".to_string(),
        })
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

/// Working hours that apply every year from `starts` until the next season
/// starts (wrapping over New Year), for example summer and winter hours.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Season {
    pub starts: MonthDay,
    pub hours: WorkingHours,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_the_default_hours() {
        let h: WorkingHours = DEFAULT_HOURS.parse().unwrap();
        assert_eq!(h.intervals(), &[(30_600, 43_200), (52_200, 64_800)]);
        assert_eq!(h.day_seconds(), 7 * 3600);
        assert_eq!(h.to_string(), DEFAULT_HOURS);
    }

    #[test]
    fn rejects_disordered_or_malformed_hours() {
        for bad in [
            "",
            "08:30",
            "12:00-08:30",
            "08:30-12:00,11:00-18:00",
            "14:30-18:00,08:30-12:00",
            "8:30-12:00",
            "08:60-12:00",
            "08:00-24:30",
            "09:00-09:00",
        ] {
            assert!(bad.parse::<WorkingHours>().is_err(), "{bad} accepted");
        }
        assert!("00:00-24:00".parse::<WorkingHours>().is_ok());
    }

    #[test]
    fn month_days() {
        assert_eq!(
            "02-29".parse::<MonthDay>().unwrap(),
            MonthDay::new(2, 29).unwrap()
        );
        assert!("02-30".parse::<MonthDay>().is_err());
        assert!("2-3".parse::<MonthDay>().is_err());
        assert_eq!(MonthDay::new(10, 1).unwrap().to_string(), "10-01");
    }
}
