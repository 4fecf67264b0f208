//! A company's working calendar and the arithmetic of working time.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use crate::day::{DayInfo, DayKind};
use crate::duration::WorkDuration;
use crate::hours::{MonthDay, Season, WorkingHours};
use crate::official::OfficialCalendar;
use crate::shanghai;

/// 2000-01-01 as days after 1970-01-01: the first day the table covers.
const FIRST_UNIX_DAY: i64 = 10_957;
/// 2000-01-01 through 2099-12-31.
const DAYS: usize = 36_525;
const DAY_SECONDS: i64 = 86_400;
const OFFSET: i64 = shanghai::OFFSET_SECONDS as i64;
/// Bumped whenever a change to this crate changes results, so that
/// [`WorkCalendar::version`] changes with it.
const SEMANTICS_REVISION: &str = "1";

/// Which clock a calendar keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum CalendarKind {
    /// Working hours on working days of the official calendar, with the
    /// company's overrides.
    #[default]
    Office,
    /// Every second counts: no holidays, no closing time, through midnight.
    /// Working hours, seasons and company overrides are ignored, and a
    /// working day (`P1D`) is 24 hours.
    TwentyFourSeven,
}

impl CalendarKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarKind::Office => "office",
            CalendarKind::TwentyFourSeven => "24x7",
        }
    }
}

/// The company layers over the official calendar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalendarConfig {
    /// The hours of a standard day; also the hours of every working day
    /// when `seasonal` is empty.
    pub hours: WorkingHours,
    /// Hours by season. When not empty, each working day takes the hours of
    /// the season whose start (`MM-DD`) is the latest on or before its date,
    /// the last season of the year carrying over past New Year.
    pub seasonal: Vec<Season>,
    /// Company closure days: not worked, whatever the official calendar says.
    pub closed: BTreeSet<NaiveDate>,
    /// Company working days: worked, whatever the official calendar says.
    pub open: BTreeSet<NaiveDate>,
    pub kind: CalendarKind,
}

/// An interval during which the clock is stopped (waiting on the
/// applicant). Half-open: from `from` up to `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pause {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// A result together with whether it rests on a provisional reading of a
/// year that has no published arrangement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dated<T> {
    pub value: T,
    pub provisional: bool,
}

impl<T> Dated<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Dated<U> {
        Dated {
            value: f(self.value),
            provisional: self.provisional,
        }
    }
}

/// Why a computation has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The computation reaches a year with no arrangement loaded and a
    /// provisional answer was not asked for.
    #[error("calendar year {0} is not available")]
    YearNotAvailable(i32),
    /// Outside 2000-01-01 .. 2099-12-31, Asia/Shanghai dates.
    #[error("outside the calendar's range (Asia/Shanghai dates 2000-01-01 to 2099-12-31)")]
    OutOfRange,
    #[error("a working-time budget cannot be negative ({0})")]
    NegativeBudget(WorkDuration),
    #[error(
        "a pause cannot end before it starts ({} to {})",
        shanghai::format(*from),
        shanghai::format(*to)
    )]
    InvalidPause {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
}

/// Why a calendar configuration was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is both a company closure and a company working day")]
    ClosedAndOpen(NaiveDate),
    #[error("two seasons start on {0}")]
    DuplicateSeason(MonthDay),
    #[error("company override {0} is outside the calendar's range (2000-01-01 to 2099-12-31)")]
    OverrideOutOfRange(NaiveDate),
}

/// How a deadline stands at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineState {
    OnTime,
    /// Not overdue, but less working time remains than the threshold given.
    DueSoon,
    /// More working time has elapsed than the budget allows.
    Overdue,
}

/// Working time used and left on a budget, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct DeadlineStatus {
    pub elapsed_seconds: i64,
    pub budget_seconds: i64,
    /// `budget_seconds - elapsed_seconds`; negative once overdue.
    pub remaining_seconds: i64,
    pub state: DeadlineState,
}

/// The working hours of one day, in seconds after local midnight.
#[derive(Debug, Clone)]
struct Schedule {
    intervals: Vec<(i64, i64)>,
    total: i64,
}

impl Schedule {
    fn new(hours: Option<&WorkingHours>) -> Self {
        let intervals: Vec<(i64, i64)> = hours
            .map(|h| {
                h.intervals()
                    .iter()
                    .map(|&(o, c)| (i64::from(o), i64::from(c)))
                    .collect()
            })
            .unwrap_or_default();
        let total = intervals.iter().map(|(o, c)| c - o).sum();
        Schedule { intervals, total }
    }

    /// Working seconds of the day before `sod`.
    fn worked_before(&self, sod: i64) -> i64 {
        let mut worked = 0;
        for &(open, close) in &self.intervals {
            if sod <= open {
                break;
            }
            worked += sod.min(close) - open;
        }
        worked
    }

    /// The first moment by which `offset` seconds of the day are worked
    /// (`0 < offset <= total`): a closing time when it falls on one.
    fn reach(&self, mut offset: i64) -> i64 {
        for &(open, close) in &self.intervals {
            if offset <= close - open {
                return open + offset;
            }
            offset -= close - open;
        }
        unreachable!("offset beyond the day's working time")
    }

    /// The last moment at which exactly `offset` seconds of the day are
    /// worked (`0 <= offset < total`): an opening time when it falls on one.
    fn leave(&self, mut offset: i64) -> i64 {
        for &(open, close) in &self.intervals {
            if offset < close - open {
                return open + offset;
            }
            offset -= close - open;
        }
        unreachable!("offset beyond the day's working time")
    }

    fn contains(&self, sod: i64) -> bool {
        self.intervals.iter().any(|&(o, c)| o <= sod && sod < c)
    }
}

/// Per-day tables over 2000-2099, so that arithmetic never walks day by
/// day: working time up to an instant is a prefix sum plus a part of one
/// day, and the day a budget runs out in is found by searching the sums.
#[derive(Debug)]
struct Table {
    /// Working seconds before each day; `DAYS + 1` entries.
    prefix: Vec<i64>,
    /// Index into `schedules` for each day; 0 is the closed day.
    schedule: Vec<u8>,
    schedules: Vec<Schedule>,
    /// Days before each day whose reading is provisional; `DAYS + 1` entries.
    provisional: Vec<u32>,
}

#[derive(Debug)]
struct Inner {
    official: Arc<OfficialCalendar>,
    config: CalendarConfig,
    table: Table,
    standard_day: i64,
    version: String,
}

/// A working calendar: the official calendar with a company's layers.
///
/// Cheap to clone (the tables are shared) and safe to share across threads.
/// Every method that may reach a year without an arrangement takes
/// `allow_provisional`: when false such a computation fails with
/// [`CalendarError::YearNotAvailable`]; when true it answers with
/// [`Dated::provisional`] set.
#[derive(Debug, Clone)]
pub struct WorkCalendar {
    inner: Arc<Inner>,
}

/// A located instant: its day, its second of the local day, and the
/// working seconds before it since the start of the table.
#[derive(Debug, Clone, Copy)]
struct Position {
    day: usize,
    sod: i64,
    worked: i64,
}

impl WorkCalendar {
    pub fn new(
        official: Arc<OfficialCalendar>,
        config: CalendarConfig,
    ) -> Result<Self, ConfigError> {
        validate_config(&config)?;
        let table = build_table(&official, &config);
        let standard_day = match config.kind {
            CalendarKind::Office => config.hours.day_seconds(),
            CalendarKind::TwentyFourSeven => DAY_SECONDS,
        };
        let version = version_of(&official, &config);
        Ok(WorkCalendar {
            inner: Arc::new(Inner {
                official,
                config,
                table,
                standard_day,
                version,
            }),
        })
    }

    /// The bundled official calendar with the default office hours.
    pub fn office_default() -> Self {
        let official = Arc::new(OfficialCalendar::bundled());
        let config = CalendarConfig::default();
        WorkCalendar::new(official, config).expect("the default config is valid")
    }

    pub fn official(&self) -> &OfficialCalendar {
        &self.inner.official
    }

    pub fn config(&self) -> &CalendarConfig {
        &self.inner.config
    }

    /// Working seconds of a standard day: what one working day of a budget
    /// (`P1D`) means.
    pub fn standard_day_seconds(&self) -> i64 {
        self.inner.standard_day
    }

    /// A short hash of everything that affects results: the official data
    /// (imports included), the kind, the hours, the seasons, the overrides
    /// and the crate's own rules. A deadline stored with it is stale when
    /// the calendar's version differs.
    pub fn version(&self) -> String {
        self.inner.version.clone()
    }

    /// The deadline: the first moment by which `budget` of working time has
    /// elapsed since `from`, the clock stopped during `pauses`.
    pub fn add(
        &self,
        from: DateTime<Utc>,
        budget: WorkDuration,
        pauses: &[Pause],
        allow_provisional: bool,
    ) -> Result<Dated<DateTime<Utc>>, CalendarError> {
        let seconds = self.budget_seconds(budget)?;
        let start = self.locate(from.timestamp())?;
        if seconds == 0 {
            return self.next_from(start, allow_provisional);
        }
        let (target, hint) = if pauses.is_empty() {
            (start.worked.saturating_add(seconds), start.day)
        } else {
            self.target_with_pauses(from.timestamp(), start, seconds, pauses)?
        };
        let (instant, day) = self.reach(target, hint)?;
        let provisional = self.check(start.day, day, allow_provisional, false)?;
        Ok(Dated {
            value: to_instant(instant)?,
            provisional,
        })
    }

    /// The latest moment from which `budget` of working time elapses by
    /// `from`: the mirror of [`WorkCalendar::add`]. A budget used up exactly
    /// at an opening time ends at that opening.
    pub fn sub(
        &self,
        from: DateTime<Utc>,
        budget: WorkDuration,
        allow_provisional: bool,
    ) -> Result<Dated<DateTime<Utc>>, CalendarError> {
        let seconds = self.budget_seconds(budget)?;
        let end = self.locate(from.timestamp())?;
        let last_day = last_day_used(end);
        if seconds == 0 {
            // The clock, run backwards from outside working time, starts at
            // the previous closing time.
            let k = self.first_reaching(end.worked, 0);
            let (instant, day) = self.reach_at(end.worked, k);
            let provisional = self.check(day, end.day, allow_provisional, true)?;
            return Ok(Dated {
                value: to_instant(instant)?,
                provisional,
            });
        }
        let target = end.worked - seconds;
        if target < 0 {
            return Err(CalendarError::OutOfRange);
        }
        let (instant, day) = self.leave_back(target, end.day);
        let provisional = self.check(day, last_day.max(day), allow_provisional, true)?;
        Ok(Dated {
            value: to_instant(instant)?,
            provisional,
        })
    }

    /// Working seconds between two instants, less the working time inside
    /// `pauses`. Negative when `to` is before `from`.
    pub fn elapsed(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        pauses: &[Pause],
        allow_provisional: bool,
    ) -> Result<Dated<i64>, CalendarError> {
        if to < from {
            return self
                .elapsed(to, from, pauses, allow_provisional)
                .map(|d| d.map(|s| -s));
        }
        let (a, b) = (from.timestamp(), to.timestamp());
        let start = self.locate(a)?;
        let end = self.locate(b)?;
        let mut seconds = end.worked - start.worked;
        for (p0, p1) in merge_pauses(pauses, a, b)? {
            seconds -= self.locate(p1)?.worked - self.locate(p0)?.worked;
        }
        let last = if b > a { last_day_used(end) } else { end.day };
        let provisional = self.check(start.day, last.max(start.day), allow_provisional, false)?;
        Ok(Dated {
            value: seconds,
            provisional,
        })
    }

    /// `from` itself when it is inside working time, else the next opening.
    pub fn next_working_moment(
        &self,
        from: DateTime<Utc>,
        allow_provisional: bool,
    ) -> Result<Dated<DateTime<Utc>>, CalendarError> {
        let start = self.locate(from.timestamp())?;
        self.next_from(start, allow_provisional)
    }

    /// Whether `at` is inside working time (openings in, closings out).
    pub fn is_working_at(
        &self,
        at: DateTime<Utc>,
        allow_provisional: bool,
    ) -> Result<Dated<bool>, CalendarError> {
        let pos = self.locate(at.timestamp())?;
        let provisional = self.check(pos.day, pos.day, allow_provisional, false)?;
        let table = &self.inner.table;
        let schedule = &table.schedules[usize::from(table.schedule[pos.day])];
        Ok(Dated {
            value: schedule.contains(pos.sod),
            provisional,
        })
    }

    /// What kind of day `date` (an Asia/Shanghai date) is, and whether it
    /// is worked. Company overrides need no official data, so they are
    /// never provisional.
    pub fn day_info(
        &self,
        date: NaiveDate,
        allow_provisional: bool,
    ) -> Result<Dated<DayInfo>, CalendarError> {
        day_index(date).ok_or(CalendarError::OutOfRange)?;
        let config = &self.inner.config;
        let official = &self.inner.official;
        let office = config.kind == CalendarKind::Office;
        let listed_name = || official.listed(date).map(|d| d.name.clone());
        let fixed = |working, kind| DayInfo {
            working,
            kind,
            name: listed_name(),
        };
        if office && config.closed.contains(&date) {
            return Ok(Dated {
                value: fixed(false, DayKind::CompanyClosure),
                provisional: false,
            });
        }
        if office && config.open.contains(&date) {
            return Ok(Dated {
                value: fixed(true, DayKind::CompanyWorkday),
                provisional: false,
            });
        }
        let day = official.classify(date);
        if day.provisional && !allow_provisional {
            return Err(CalendarError::YearNotAvailable(date.year()));
        }
        Ok(Dated {
            value: DayInfo {
                working: day.working || !office,
                kind: day.kind,
                name: day.name.map(str::to_string),
            },
            provisional: day.provisional,
        })
    }

    /// How a deadline of `budget` from `start` stands at `now`: on time,
    /// due soon (less than `due_soon` left), or overdue (more working time
    /// elapsed than the budget; using it up exactly is still on time).
    pub fn deadline_status(
        &self,
        start: DateTime<Utc>,
        budget: WorkDuration,
        pauses: &[Pause],
        now: DateTime<Utc>,
        due_soon: WorkDuration,
        allow_provisional: bool,
    ) -> Result<Dated<DeadlineStatus>, CalendarError> {
        let budget_seconds = self.budget_seconds(budget)?;
        let threshold = self.budget_seconds(due_soon)?;
        let elapsed = self.elapsed(start, now.max(start), pauses, allow_provisional)?;
        Ok(elapsed.map(|elapsed_seconds| {
            let remaining_seconds = budget_seconds - elapsed_seconds;
            let state = if elapsed_seconds > budget_seconds {
                DeadlineState::Overdue
            } else if remaining_seconds < threshold {
                DeadlineState::DueSoon
            } else {
                DeadlineState::OnTime
            };
            DeadlineStatus {
                elapsed_seconds,
                budget_seconds,
                remaining_seconds,
                state,
            }
        }))
    }

    /// Whether more working time than `budget` has elapsed by `now`.
    pub fn is_breached(
        &self,
        start: DateTime<Utc>,
        budget: WorkDuration,
        pauses: &[Pause],
        now: DateTime<Utc>,
        allow_provisional: bool,
    ) -> Result<Dated<bool>, CalendarError> {
        let status = self.deadline_status(
            start,
            budget,
            pauses,
            now,
            WorkDuration::Seconds(0),
            allow_provisional,
        )?;
        Ok(status.map(|s| s.state == DeadlineState::Overdue))
    }

    fn budget_seconds(&self, budget: WorkDuration) -> Result<i64, CalendarError> {
        // Widened so that an absurd budget is out of range, not an overflow.
        let seconds = match budget {
            WorkDuration::Seconds(s) => s,
            WorkDuration::MilliDays(md) => {
                let wide = i128::from(md) * i128::from(self.inner.standard_day) / 1000;
                i64::try_from(wide).map_err(|_| CalendarError::OutOfRange)?
            }
        };
        if seconds < 0 {
            return Err(CalendarError::NegativeBudget(budget));
        }
        Ok(seconds)
    }

    fn locate(&self, secs: i64) -> Result<Position, CalendarError> {
        let local = secs.checked_add(OFFSET).ok_or(CalendarError::OutOfRange)?;
        let day = local.div_euclid(DAY_SECONDS) - FIRST_UNIX_DAY;
        let day = usize::try_from(day)
            .ok()
            .filter(|&d| d < DAYS)
            .ok_or(CalendarError::OutOfRange)?;
        let sod = local.rem_euclid(DAY_SECONDS);
        let table = &self.inner.table;
        let schedule = &table.schedules[usize::from(table.schedule[day])];
        Ok(Position {
            day,
            sod,
            worked: table.prefix[day] + schedule.worked_before(sod),
        })
    }

    fn next_from(
        &self,
        start: Position,
        allow_provisional: bool,
    ) -> Result<Dated<DateTime<Utc>>, CalendarError> {
        let (instant, day) = self.leave_forward(start.worked, start.day)?;
        let provisional = self.check(start.day, day, allow_provisional, false)?;
        Ok(Dated {
            value: to_instant(instant)?,
            provisional,
        })
    }

    /// Removes the working time inside pauses from the budget's reach:
    /// returns the prefix-sum target at which the budget runs out, and a day
    /// at or before the one it runs out in.
    fn target_with_pauses(
        &self,
        from: i64,
        start: Position,
        seconds: i64,
        pauses: &[Pause],
    ) -> Result<(i64, usize), CalendarError> {
        let mut worked = start.worked;
        let mut day = start.day;
        let mut left = seconds;
        for (p0, p1) in merge_pauses(pauses, from, i64::MAX)? {
            let before = self.locate(p0)?.worked - worked;
            if before >= left {
                break;
            }
            left -= before;
            let resume = self.locate(p1)?;
            (worked, day) = (resume.worked, resume.day);
        }
        Ok((worked.saturating_add(left), day))
    }

    /// The first instant at which the prefix sum reaches `target`, searched
    /// from day `hint` on (`prefix[hint] < target`).
    fn reach(&self, target: i64, hint: usize) -> Result<(i64, usize), CalendarError> {
        let prefix = &self.inner.table.prefix;
        if target > prefix[DAYS] {
            return Err(CalendarError::OutOfRange);
        }
        let k = self.first_reaching(target, hint + 1);
        Ok(self.reach_at(target, k))
    }

    /// The smallest `k >= lo` with `prefix[k] >= target`, galloping from
    /// `lo` because budgets are short compared with the table.
    fn first_reaching(&self, target: i64, lo: usize) -> usize {
        let prefix = &self.inner.table.prefix;
        let mut lo = lo;
        let mut hi = lo;
        let mut step = 1;
        while hi <= DAYS && prefix[hi] < target {
            lo = hi + 1;
            hi += step;
            step *= 2;
        }
        let hi = hi.min(DAYS);
        lo + prefix[lo..=hi].partition_point(|&p| p < target)
    }

    /// The instant for `target`, given `k`, the first day boundary at
    /// which the prefix sum reaches it.
    fn reach_at(&self, target: i64, k: usize) -> (i64, usize) {
        let table = &self.inner.table;
        if k == 0 {
            return (day_start(0), 0);
        }
        let day = k - 1;
        let schedule = &table.schedules[usize::from(table.schedule[day])];
        (
            day_start(day) + schedule.reach(target - table.prefix[day]),
            day,
        )
    }

    /// The last instant at which the prefix sum is still `target`, searched
    /// over days up to `hint` (`prefix[hint + 1] > target`).
    fn leave_back(&self, target: i64, hint: usize) -> (i64, usize) {
        let prefix = &self.inner.table.prefix;
        let day = prefix[..=hint].partition_point(|&p| p <= target) - 1;
        self.leave_at(target, day)
    }

    /// Like [`WorkCalendar::leave_back`], searched from day `lo` forwards
    /// (`prefix[lo] <= target`).
    fn leave_forward(&self, target: i64, lo: usize) -> Result<(i64, usize), CalendarError> {
        let prefix = &self.inner.table.prefix;
        if target >= prefix[DAYS] {
            return Err(CalendarError::OutOfRange);
        }
        let k = self.first_reaching(target + 1, lo + 1);
        Ok(self.leave_at(target, k - 1))
    }

    fn leave_at(&self, target: i64, day: usize) -> (i64, usize) {
        let table = &self.inner.table;
        let schedule = &table.schedules[usize::from(table.schedule[day])];
        (
            day_start(day) + schedule.leave(target - table.prefix[day]),
            day,
        )
    }

    /// Whether days `first..=last` are read provisionally; an error naming
    /// the year met first (going backwards when `backwards`) when that is
    /// not allowed.
    fn check(
        &self,
        first: usize,
        last: usize,
        allow: bool,
        backwards: bool,
    ) -> Result<bool, CalendarError> {
        let counts = &self.inner.table.provisional;
        let (before, through) = (counts[first], counts[last + 1]);
        if before == through {
            return Ok(false);
        }
        if allow {
            return Ok(true);
        }
        let day = if backwards {
            counts.partition_point(|&c| c < through) - 1
        } else {
            counts.partition_point(|&c| c <= before) - 1
        };
        Err(CalendarError::YearNotAvailable(date_of_index(day).year()))
    }
}

/// The last day whose working time counts up to `pos`: an instant at
/// midnight uses nothing of its own day.
fn last_day_used(pos: Position) -> usize {
    if pos.sod == 0 && pos.day > 0 {
        pos.day - 1
    } else {
        pos.day
    }
}

fn day_start(day: usize) -> i64 {
    (FIRST_UNIX_DAY + day as i64) * DAY_SECONDS - OFFSET
}

fn to_instant(secs: i64) -> Result<DateTime<Utc>, CalendarError> {
    DateTime::from_timestamp(secs, 0).ok_or(CalendarError::OutOfRange)
}

fn first_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date")
}

fn date_of_index(day: usize) -> NaiveDate {
    first_date() + chrono::Days::new(day as u64)
}

fn day_index(date: NaiveDate) -> Option<usize> {
    let day = usize::try_from((date - first_date()).num_days()).ok()?;
    (day < DAYS).then_some(day)
}

/// Pauses clipped to `lo..hi`, sorted and merged, in seconds.
fn merge_pauses(pauses: &[Pause], lo: i64, hi: i64) -> Result<Vec<(i64, i64)>, CalendarError> {
    let mut spans = Vec::with_capacity(pauses.len());
    for p in pauses {
        if p.to < p.from {
            return Err(CalendarError::InvalidPause {
                from: p.from,
                to: p.to,
            });
        }
        let (a, b) = (p.from.timestamp().max(lo), p.to.timestamp().min(hi));
        if a < b {
            spans.push((a, b));
        }
    }
    spans.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    Ok(merged)
}

fn validate_config(config: &CalendarConfig) -> Result<(), ConfigError> {
    if let Some(&date) = config.closed.intersection(&config.open).next() {
        return Err(ConfigError::ClosedAndOpen(date));
    }
    for &date in config.closed.iter().chain(&config.open) {
        if day_index(date).is_none() {
            return Err(ConfigError::OverrideOutOfRange(date));
        }
    }
    let mut starts = BTreeSet::new();
    for season in &config.seasonal {
        if !starts.insert(season.starts) {
            return Err(ConfigError::DuplicateSeason(season.starts));
        }
    }
    Ok(())
}

fn build_table(official: &OfficialCalendar, config: &CalendarConfig) -> Table {
    let mut seasons: Vec<&Season> = config.seasonal.iter().collect();
    seasons.sort_by_key(|s| s.starts);
    let mut schedules = vec![Schedule::new(None)];
    match config.kind {
        CalendarKind::TwentyFourSeven => {
            schedules.push(Schedule::new(Some(&WorkingHours::all_day())))
        }
        CalendarKind::Office if seasons.is_empty() => {
            schedules.push(Schedule::new(Some(&config.hours)))
        }
        CalendarKind::Office => {
            schedules.extend(seasons.iter().map(|s| Schedule::new(Some(&s.hours))))
        }
    }
    let season_of = |date: NaiveDate| -> u8 {
        if seasons.is_empty() {
            return 1;
        }
        let today = MonthDay::new(date.month(), date.day()).expect("a real date");
        let started = seasons.partition_point(|s| s.starts <= today);
        // Before the first start of the year, last year's final season runs.
        let index = if started == 0 { seasons.len() } else { started };
        u8::try_from(index).expect("fewer than 255 seasons")
    };

    let mut prefix = Vec::with_capacity(DAYS + 1);
    let mut provisional = Vec::with_capacity(DAYS + 1);
    let mut schedule = Vec::with_capacity(DAYS);
    let (mut worked, mut uncertain) = (0i64, 0u32);
    let mut date = first_date();
    for _ in 0..DAYS {
        prefix.push(worked);
        provisional.push(uncertain);
        let (working, guessed) = match config.kind {
            CalendarKind::TwentyFourSeven => (true, false),
            CalendarKind::Office if config.closed.contains(&date) => (false, false),
            CalendarKind::Office if config.open.contains(&date) => (true, false),
            CalendarKind::Office => {
                let day = official.classify(date);
                (day.working, day.provisional)
            }
        };
        let id = if working { season_of(date) } else { 0 };
        schedule.push(id);
        worked += schedules[usize::from(id)].total;
        uncertain += u32::from(guessed);
        date = date.succ_opt().expect("within chrono's range");
    }
    prefix.push(worked);
    provisional.push(uncertain);
    Table {
        prefix,
        schedule,
        schedules,
        provisional,
    }
}

fn version_of(official: &OfficialCalendar, config: &CalendarConfig) -> String {
    let mut text = format!(
        "revision {SEMANTICS_REVISION}\nofficial {}\nkind {}\n",
        official.fingerprint(),
        config.kind.as_str()
    );
    // Hours, seasons and overrides do not change a 24x7 calendar's results.
    if config.kind == CalendarKind::Office {
        let _ = writeln!(text, "hours {}", config.hours);
        let mut seasons: Vec<&Season> = config.seasonal.iter().collect();
        seasons.sort_by_key(|s| s.starts);
        for s in seasons {
            let _ = writeln!(text, "season {} {}", s.starts, s.hours);
        }
        for d in &config.closed {
            let _ = writeln!(text, "closed {d}");
        }
        for d in &config.open {
            let _ = writeln!(text, "open {d}");
        }
    }
    let digest = Sha256::digest(text.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}
