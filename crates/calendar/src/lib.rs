//! Working time on China's official working calendar.
//!
//! Time limits in gasdesk are counted in working hours: a call back within
//! one working hour, a connection within one working day. This crate
//! answers the questions those limits raise — when a budget of working time
//! runs out, how much working time has passed, whether a date is worked —
//! and knows nothing of what is being timed.
//!
//! # Layers
//!
//! 1. [`OfficialCalendar`]: the State Council's holiday arrangements,
//!    2007-2026 shipped with the crate ([`OfficialCalendar::bundled`]),
//!    later years added at run time ([`OfficialCalendar::import_year_json`];
//!    a shipped year is revised only through
//!    [`OfficialCalendar::import_year_json_replacing`]).
//! 2. [`CalendarConfig`]: the company's layers — working hours of a day
//!    (a lunch break is a gap between intervals), seasonal hours, closure
//!    days and extra working days over the official data, and the kind of
//!    clock ([`CalendarKind::Office`] or the round-the-clock
//!    [`CalendarKind::TwentyFourSeven`] for emergencies).
//! 3. [`WorkCalendar`]: both together, with the arithmetic.
//!
//! ```
//! use std::sync::Arc;
//! use gasdesk_calendar::{CalendarConfig, OfficialCalendar, WorkCalendar, cli, shanghai};
//!
//! let official = Arc::new(OfficialCalendar::bundled());
//! let cal = WorkCalendar::new(official, CalendarConfig::default()).unwrap();
//! // Friday 26 April 2019, 17:00, two working hours: one on Friday, one on
//! // Sunday 28 April, a make-up working day for Labour Day.
//! let from = cli::parse_time("2019-04-26T17:00:00+08:00").unwrap();
//! let due = cal.add(from, "PT2H".parse().unwrap(), &[], false).unwrap();
//! assert_eq!(shanghai::format(due.value), "2019-04-28T09:30:00+08:00");
//! assert!(!due.provisional);
//! ```
//!
//! # How working time is counted
//!
//! - **Working periods are half-open.** With hours `08:30-12:00,14:30-18:00`
//!   the office is open at 08:30 and at 11:59:59, closed at 12:00. A start
//!   outside working time (before opening, in the lunch break, at night, on
//!   a day off) starts the clock at the next opening.
//! - **A budget used up exactly at a closing time ends at that closing
//!   time**, not at the next opening: two hours from 10:00 end at 12:00.
//!   [`WorkCalendar::add`] returns the first moment by which the budget has
//!   elapsed. [`WorkCalendar::sub`] is its mirror: the clock runs backwards
//!   from the last closing, and a budget used up exactly at an opening ends
//!   at that opening.
//! - **A working day is the working time of a standard day**, not 24 hours:
//!   with the hours above `P1D` is 7 h and `P0.5D` is 3.5 h. The standard day
//!   is [`CalendarConfig::hours`], whatever the season; on the 24x7 calendar
//!   it is 24 h. See [`WorkCalendar::standard_day_seconds`].
//! - **Pauses are removed in working time.** While the clock is stopped
//!   (waiting on the applicant) no working time passes; the deadline moves
//!   by the working time inside the pause, never by its wall-clock length.
//! - **A deadline is breached when elapsed working time exceeds the
//!   budget**, not by comparing clock readings: at 14:00 a deadline of 12:00
//!   has still used exactly its budget. See [`WorkCalendar::is_breached`]
//!   and [`WorkCalendar::deadline_status`].
//! - **Every working-day decision uses the Asia/Shanghai date.** Instants
//!   are `DateTime<Utc>`; they are read in Shanghai time with a fixed
//!   +08:00 offset, exact for every date covered because China has had no
//!   daylight saving since 1991 (a test compares it with the time-zone
//!   database). See [`shanghai`].
//! - Instants are taken to the whole second; a fraction is dropped.
//!   A zero budget ends where the clock starts (the next working moment).
//!   [`WorkCalendar::elapsed`] is negative when `to` is before `from`.
//!
//! # Days
//!
//! A date listed by an arrangement is a day off when the notice gives it
//! off ([`DayKind::StatutoryHoliday`]) and worked when it is a weekend day
//! the notice makes a working day ([`DayKind::MakeupWorkday`]); an unlisted
//! date is worked exactly when it falls Monday to Friday. A year's notice
//! can list dates of the previous December (2018-12-29..31 are in the
//! 2019 notice); they count. Company closures and extra working days
//! ([`DayKind::CompanyClosure`], [`DayKind::CompanyWorkday`]) override all
//! of that on the office calendar. [`WorkCalendar::day_info`] tells which
//! applies, with the festival's name.
//!
//! # Years without an arrangement
//!
//! A year is *available* when its arrangement is loaded: 2007-2026 bundled,
//! plus imports. A computation that touches a day of any other year fails
//! with [`CalendarError::YearNotAvailable`], whose message is exactly
//! `calendar year 2027 is not available` — unless the caller passes
//! `allow_provisional = true`. Then that year reads as weekends off plus
//! the holidays the national holiday law fixes by Gregorian date (1
//! January, 1-2 May, 1-3 October), with no make-up days, and the answer is
//! flagged [`Dated::provisional`]. A computation that stays within
//! available years is never provisional. Company overrides need no official
//! data. The 24x7 calendar counts every second, so only
//! [`WorkCalendar::day_info`] (which reports the official kind) needs
//! arrangements there.
//!
//! The calendar covers Asia/Shanghai dates 2000-01-01 to 2099-12-31;
//! beyond that [`CalendarError::OutOfRange`]. Years before 2007 are never
//! available.
//!
//! # Recalculation marker
//!
//! [`WorkCalendar::version`] is a short hash of everything that affects
//! results: the official data with imports, the kind, the hours, the
//! seasons, the overrides, and a revision of the crate's own rules. Store
//! it with a computed deadline; a different version later means the
//! deadline may be stale.
//!
//! # Speed
//!
//! [`WorkCalendar::new`] tabulates, for every day of 2000-2099, its working
//! seconds as prefix sums. Working time up to an instant is then one table
//! read plus part of one day, and the day a budget runs out in is found by
//! a galloping binary search: no loop over days, no allocation without
//! pauses, no time-zone lookup. Years read provisionally are in the table
//! too, so they are as fast. `benches/run_vs_python.sh` measures the rate
//! against the Python package chinese-calendar.
//!
//! # Data
//!
//! The bundled arrangements are in `data/official.txt`, a plain text file
//! meant to be read and reviewed:
//!
//! ```text
//! [2026]
//! notice https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm
//! 2026-01-04 Sun work 元旦
//! 2026-02-14 Sat work 春节
//! 2026-02-15 Sun off  春节
//! ```
//!
//! One line per listed date: the date, its weekday (checked on loading),
//! `off` or `work`, and the festival as the notice names it. The dates come
//! unchanged from the project NateScarlet/holiday-cn (MIT licence,
//! Copyright (c) 2019 NateScarlet); `data/NOTICE.md` carries its licence
//! notice. Imports take holiday-cn's per-year JSON format.
//!
//! Every arrangement, bundled or imported, is checked: the year lies in
//! 2007-2099; each date lies in that year or the previous December and is
//! listed once; every name is a known festival; a date listed as worked is
//! a Saturday or Sunday (or the weekday right after the festival's last day
//! off, which only says when work resumes and reads as an ordinary weekday,
//! as 2020-02-03 after the extended Spring Festival); a make-up day belongs
//! to a festival with a day off; the law's fixed holidays are listed as days
//! off; each festival's dates lie in a window around where it can fall;
//! at least one date lies in the year itself; and no date contradicts
//! another year's notice.
//!
//! # The command
//!
//! [`cli`] holds `gasdesk calendar` (add, sub, elapsed, next, is-workday,
//! import), so that the binary and the tests run the same code.

mod calendar;
pub mod cli;
mod day;
mod duration;
mod hours;
mod official;
pub mod shanghai;

pub use calendar::{
    CalendarConfig, CalendarError, CalendarKind, ConfigError, Dated, DeadlineState, DeadlineStatus,
    Pause, WorkCalendar,
};
pub use day::{DayInfo, DayKind};
pub use duration::{DurationError, WorkDuration};
pub use hours::{DEFAULT_HOURS, HoursError, MonthDay, Season, WorkingHours};
pub use official::{
    DataError, FIRST_YEAR, LAST_YEAR, ListedDay, OfficialCalendar, YearArrangement,
};
