//! Converts holiday-cn per-year JSON files into the crate's text format.
//!
//! `cargo run -p gasdesk-calendar --example convert_holiday_cn -- DIR > data/official.txt`
//! reads `DIR/2007.json` .. `DIR/2026.json`, checks every year as an import
//! would, and prints the data file with its header.

use std::path::PathBuf;

use gasdesk_calendar::OfficialCalendar;

const HEADER: &str = "\
# Official holiday arrangements of China, 2007-2026, from the notices of
# the General Office of the State Council (国务院办公厅关于…部分节假日安排的通知).
#
# Source: NateScarlet/holiday-cn, MIT licence, Copyright (c) 2019
# NateScarlet; snapshot of 2026-08-07. See NOTICE.md beside this file.
#
# One line each:
#   [YEAR]                  starts the arrangement of a year
#   notice URL              a notice the year's dates come from
#   DATE DOW off  NAME      a listed day off (statutory holiday)
#   DATE DOW work NAME      a listed working day (make-up working day)
# DOW is the date's weekday and is checked on loading. A year may list
# dates of the previous December; they count. A date not listed is a
# working day exactly when it falls Monday to Friday. `#` starts a comment.
#
# Regenerate with:
#   cargo run -p gasdesk-calendar --example convert_holiday_cn -- DIR
";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .ok_or("usage: convert_holiday_cn DIR")?;
    let mut cal = OfficialCalendar::empty();
    for year in gasdesk_calendar::FIRST_YEAR..=2026 {
        let path = dir.join(format!("{year}.json"));
        let json =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        cal.import_year_json(&json)?;
    }
    print!("{HEADER}\n{}", cal.to_text());
    Ok(())
}
