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

/// The local wall-clock reading of an instant; `None` within eight hours
/// of the end of chrono's range, where the reading has no representation.
/// Checked because the instant may come from a user, and a plain `+`
/// would panic there.
pub fn local(t: DateTime<Utc>) -> Option<NaiveDateTime> {
    t.naive_utc().checked_add_signed(offset_delta())
}

/// The local date of an instant: the date every working-day decision uses;
/// `None` where [`local`] is.
pub fn date_of(t: DateTime<Utc>) -> Option<NaiveDate> {
    local(t).map(|n| n.date())
}

/// The instant of a local wall-clock reading; `None` within eight hours of
/// the start of chrono's range (`-262143-01-01T00:00`), for the same reason
/// as [`local`].
pub fn from_local(n: NaiveDateTime) -> Option<DateTime<Utc>> {
    n.checked_sub_signed(offset_delta()).map(|u| u.and_utc())
}

fn offset_delta() -> TimeDelta {
    TimeDelta::seconds(i64::from(OFFSET_SECONDS))
}

/// RFC 3339 with the +08:00 offset, to the second
/// (`2026-03-03T10:30:00+08:00`).
pub fn format(t: DateTime<Utc>) -> String {
    t.with_timezone(&offset())
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_beyond_chronos_range_are_none_not_a_panic() {
        assert_eq!(local(DateTime::<Utc>::MAX_UTC), None);
        assert_eq!(date_of(DateTime::<Utc>::MAX_UTC), None);
        assert_eq!(from_local(NaiveDateTime::MIN), None);
        // At the other ends the shift moves inwards and both exist.
        assert!(local(DateTime::<Utc>::MIN_UTC).is_some());
        assert!(from_local(NaiveDateTime::MAX).is_some());
    }
}
