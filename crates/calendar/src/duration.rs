//! Working-time budgets as written in the rulebook and on the command line.

use std::fmt;
use std::str::FromStr;

/// A budget of working time.
///
/// Days are *working days*: one day is the working time of a standard day
/// (seven hours with 08:30-12:00 and 14:30-18:00), so `P0.5D` is half of it.
/// The day count is kept in thousandths so that `P0.5D` stays exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkDuration {
    /// Whole seconds of working time (`PT2H`, `PT30M`, `PT3H30M`).
    Seconds(i64),
    /// Working days in thousandths of a day (`P1D` is 1000, `P0.5D` is 500).
    MilliDays(i64),
}

impl WorkDuration {
    pub const fn hours(h: i64) -> Self {
        WorkDuration::Seconds(h * 3600)
    }

    pub const fn minutes(m: i64) -> Self {
        WorkDuration::Seconds(m * 60)
    }

    pub const fn days(d: i64) -> Self {
        WorkDuration::MilliDays(d * 1000)
    }

    /// Working seconds of this budget, given the working seconds of a
    /// standard day.
    pub fn to_seconds(self, standard_day_seconds: i64) -> i64 {
        match self {
            WorkDuration::Seconds(s) => s,
            WorkDuration::MilliDays(md) => md * standard_day_seconds / 1000,
        }
    }
}

/// Why a duration string was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {input:?}: {reason}")]
pub struct DurationError {
    pub input: String,
    pub reason: &'static str,
}

impl FromStr for WorkDuration {
    type Err = DurationError;

    /// Parses the ISO 8601 subset used by gasdesk: `PnD` (n may carry up to
    /// three decimals) or `PTnHnMnS` with whole numbers. Days and a time
    /// part are not mixed, so a budget is either in days or in hours.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| DurationError {
            input: s.to_string(),
            reason,
        };
        let rest = s
            .strip_prefix('P')
            .ok_or_else(|| err("must start with P"))?;
        if let Some(time) = rest.strip_prefix('T') {
            return parse_time_part(time).ok_or_else(|| err("expected PTnHnMnS"));
        }
        let days = rest
            .strip_suffix('D')
            .ok_or_else(|| err("expected PnD or PTnHnMnS"))?;
        parse_milli(days)
            .map(WorkDuration::MilliDays)
            .ok_or_else(|| err("day count must be a number with at most 3 decimals"))
    }
}

fn parse_time_part(s: &str) -> Option<WorkDuration> {
    if s.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    let mut last_rank = 0;
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let (rank, unit) = match c {
            'H' => (1, 3600),
            'M' => (2, 60),
            'S' => (3, 1),
            _ => return None,
        };
        if digits.is_empty() || digits.len() > 9 || rank <= last_rank {
            return None;
        }
        total += digits.parse::<i64>().ok()? * unit;
        digits.clear();
        last_rank = rank;
    }
    digits.is_empty().then_some(WorkDuration::Seconds(total))
}

fn parse_milli(s: &str) -> Option<i64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits_ok = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || whole.len() > 6 || frac.len() > 3 || !digits_ok(whole) {
        return None;
    }
    if s.contains('.') && frac.is_empty() || !digits_ok(frac) {
        return None;
    }
    let frac_milli = format!("{frac:0<3}").parse::<i64>().ok()?;
    Some(whole.parse::<i64>().ok()? * 1000 + frac_milli)
}

impl fmt::Display for WorkDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            WorkDuration::MilliDays(md) if md % 1000 == 0 => write!(f, "P{}D", md / 1000),
            WorkDuration::MilliDays(md) => {
                let frac = format!("{:03}", md % 1000);
                write!(f, "P{}.{}D", md / 1000, frac.trim_end_matches('0'))
            }
            WorkDuration::Seconds(s) => {
                let (h, m, sec) = (s / 3600, s % 3600 / 60, s % 60);
                f.write_str("PT")?;
                if h > 0 {
                    write!(f, "{h}H")?;
                }
                if m > 0 {
                    write!(f, "{m}M")?;
                }
                if sec > 0 || s == 0 {
                    write!(f, "{sec}S")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_the_rulebook_uses() {
        let p = |s: &str| s.parse::<WorkDuration>().unwrap();
        assert_eq!(p("PT2H"), WorkDuration::Seconds(7200));
        assert_eq!(p("PT30M"), WorkDuration::Seconds(1800));
        assert_eq!(p("PT3H30M"), WorkDuration::Seconds(12600));
        assert_eq!(p("P1D"), WorkDuration::MilliDays(1000));
        assert_eq!(p("P0.5D"), WorkDuration::MilliDays(500));
        assert_eq!(p("P2D").to_seconds(7 * 3600), 14 * 3600);
        assert_eq!(p("P0.5D").to_seconds(7 * 3600), 12600);
    }

    #[test]
    fn rejects_malformed_strings() {
        for bad in [
            "", "P", "PT", "2H", "PT2", "PTH", "P1.D", "P.5D", "PT30M2H", "P1DT2H", "P-1D",
        ] {
            assert!(bad.parse::<WorkDuration>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "PT2H", "PT30M", "PT3H30M", "P1D", "P0.5D", "P2D", "PT0S", "PT1H0M5S",
        ] {
            let d: WorkDuration = s.parse().unwrap();
            assert_eq!(d.to_string().parse::<WorkDuration>().unwrap(), d);
        }
    }
}
