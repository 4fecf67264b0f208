//! What kind of day a date is.

use std::fmt;

/// The kind of a date, from the most specific source that decides it:
/// a company override, then the official arrangement, then the weekday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// Monday to Friday with nothing listed for it.
    Weekday,
    /// Saturday or Sunday with nothing listed for it.
    Weekend,
    /// A day off of an official arrangement (or, provisionally, of the
    /// national holiday law).
    StatutoryHoliday,
    /// A Saturday or Sunday worked in exchange for a holiday.
    MakeupWorkday,
    /// Closed by the company on a day that would otherwise be worked.
    CompanyClosure,
    /// Worked by the company on a day that would otherwise be off.
    CompanyWorkday,
}

impl DayKind {
    /// The snake_case name used in JSON output (`makeup_workday`).
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Weekday => "weekday",
            DayKind::Weekend => "weekend",
            DayKind::StatutoryHoliday => "statutory_holiday",
            DayKind::MakeupWorkday => "makeup_workday",
            DayKind::CompanyClosure => "company_closure",
            DayKind::CompanyWorkday => "company_workday",
        }
    }

    /// Words for a person reading a one-line answer.
    pub fn describe(self) -> &'static str {
        match self {
            DayKind::Weekday => "weekday",
            DayKind::Weekend => "weekend",
            DayKind::StatutoryHoliday => "statutory holiday",
            DayKind::MakeupWorkday => "make-up working day",
            DayKind::CompanyClosure => "company closure",
            DayKind::CompanyWorkday => "company working day",
        }
    }
}

impl fmt::Display for DayKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a date is worked, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DayInfo {
    pub working: bool,
    pub kind: DayKind,
    /// The festival a holiday or make-up day belongs to, as the notice
    /// names it (`春节`); `None` for plain weekdays and weekends.
    pub name: Option<String>,
}
