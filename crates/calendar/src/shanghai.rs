//! Asia/Shanghai local time.
//!
//! China has kept UTC+8 without daylight saving since 1992 (it last
//! observed DST in 1991), so every date this crate covers (2000 onwards)
//! converts with a fixed +08:00 offset. That keeps the time-zone database
//! out of the hot path; a test compares these functions with
//! `chrono_tz::Asia::Shanghai` over the whole covered range.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta, Utc};

/// Seconds that Asia/Shanghai is ahead of UTC.
pub const OFFSET_SECONDS: i32 = 8 * 3600;

/// The +08:00 offset used for every instant this crate prints.
pub fn offset() -> FixedOffset {
    FixedOffset::east_opt(OFFSET_SECONDS).expect("+08:00 is a valid offset")
}

/// The local wall-clock reading of an instant.
pub fn local(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc() + TimeDelta::seconds(i64::from(OFFSET_SECONDS))
}

/// The local date of an instant: the date every working-day decision uses.
pub fn date_of(t: DateTime<Utc>) -> NaiveDate {
    local(t).date()
}

/// The instant of a local wall-clock reading.
pub fn from_local(n: NaiveDateTime) -> DateTime<Utc> {
    (n - TimeDelta::seconds(i64::from(OFFSET_SECONDS))).and_utc()
}

/// RFC 3339 with the +08:00 offset, to the second
/// (`2026-03-03T10:30:00+08:00`).
pub fn format(t: DateTime<Utc>) -> String {
    t.with_timezone(&offset())
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}
