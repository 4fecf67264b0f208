//! Builds the office and 24x7 calendars from the shipped official data and
//! the years imported at run time.

use std::sync::Arc;

use gasdesk_calendar::{
    CalendarConfig, CalendarKind, OfficialCalendar, WorkCalendar, WorkingHours,
};
use gasdesk_domain::deadline::Calendars;

pub const DEFAULT_HOURS: &str = "08:30-12:00,14:30-18:00";

#[derive(Debug, thiserror::Error)]
pub enum CalendarSetupError {
    #[error("working hours {0:?}: {1}")]
    Hours(String, String),
    #[error("an imported year is not valid: {0}")]
    Import(String),
    #[error("calendar configuration: {0}")]
    Config(String),
}

pub fn build(imported_years: &[String], hours: &str) -> Result<Calendars, CalendarSetupError> {
    let mut official = OfficialCalendar::bundled();
    for json in imported_years {
        official
            .import_year_json_replacing(json)
            .map_err(|e| CalendarSetupError::Import(e.to_string()))?;
    }
    let official = Arc::new(official);
    let hours: WorkingHours = hours.parse().map_err(|e: gasdesk_calendar::HoursError| {
        CalendarSetupError::Hours(hours.to_string(), e.to_string())
    })?;
    let office = CalendarConfig {
        hours,
        ..CalendarConfig::default()
    };
    let always = CalendarConfig {
        kind: CalendarKind::TwentyFourSeven,
        ..CalendarConfig::default()
    };
    let make = |config| {
        WorkCalendar::new(official.clone(), config)
            .map_err(|e| CalendarSetupError::Config(e.to_string()))
    };
    Ok(Calendars {
        office: make(office)?,
        always: make(always)?,
    })
}
