//! The `gasdesk calendar` command, kept here so that the binary and the
//! tests run the same code.
//!
//! The binary embeds [`CalendarCommand`] as a subcommand, loads the years
//! it imported earlier, and calls [`run`]. `run` never writes anywhere: an
//! import hands back the validated JSON for the caller to persist.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Serialize;

use crate::calendar::{
    CalendarConfig, CalendarError, CalendarKind, ConfigError, Dated, Pause, WorkCalendar,
};
use crate::duration::WorkDuration;
use crate::hours::{DEFAULT_HOURS, WorkingHours};
use crate::official::{DataError, OfficialCalendar};
use crate::shanghai;

/// Working-time questions on the official calendar.
#[derive(Debug, Clone, Subcommand)]
pub enum CalendarCommand {
    /// Add working time to an instant: the deadline.
    Add {
        /// Start, RFC 3339; without an offset it is Asia/Shanghai time.
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        from: DateTime<Utc>,
        /// Working time, ISO 8601: PT2H, PT30M, P1D, P0.5D.
        #[arg(long, value_name = "DUR")]
        duration: WorkDuration,
        #[command(flatten)]
        options: CalendarOptions,
    },
    /// Subtract working time from an instant.
    Sub {
        /// End, RFC 3339; without an offset it is Asia/Shanghai time.
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        from: DateTime<Utc>,
        /// Working time, ISO 8601: PT2H, PT30M, P1D, P0.5D.
        #[arg(long, value_name = "DUR")]
        duration: WorkDuration,
        #[command(flatten)]
        options: CalendarOptions,
    },
    /// Working time elapsed between two instants, less pauses.
    Elapsed {
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        from: DateTime<Utc>,
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        to: DateTime<Utc>,
        #[command(flatten)]
        options: CalendarOptions,
    },
    /// The next moment inside working time (the instant itself if it is).
    Next {
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        from: DateTime<Utc>,
        #[command(flatten)]
        options: CalendarOptions,
    },
    /// Whether a date is a working day, and what kind of day it is.
    IsWorkday {
        #[arg(value_name = "DATE", value_parser = parse_date)]
        date: NaiveDate,
        #[command(flatten)]
        options: CalendarOptions,
    },
    /// Check a holiday-cn year file (e.g. 2027.json) for import.
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Revise a year shipped with gasdesk (2007-2026), for a notice
        /// amended after the release.
        #[arg(long)]
        replace: bool,
    },
}

/// How much of an import file is read at most. A holiday-cn year file is a
/// few kilobytes; the bound keeps a wrong path (`/dev/zero`, a disk image)
/// from filling memory or never finishing.
pub const MAX_IMPORT_BYTES: u64 = 1024 * 1024;

/// Options shared by the questions.
#[derive(Debug, Clone, Args)]
pub struct CalendarOptions {
    /// Working intervals of a day.
    #[arg(long, value_name = "HOURS", default_value = DEFAULT_HOURS)]
    pub hours: WorkingHours,
    #[arg(long, value_enum, default_value_t = CalendarChoice::Office)]
    pub calendar: CalendarChoice,
    /// A stretch with the clock stopped, FROM/TO as RFC 3339 instants.
    #[arg(long = "pause", value_name = "FROM/TO", value_parser = parse_pause)]
    pub pauses: Vec<Pause>,
    /// A company closure day.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub closed: Vec<NaiveDate>,
    /// A company working day.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub open: Vec<NaiveDate>,
    /// Answer for years with no published arrangement, flagged provisional.
    #[arg(long)]
    pub provisional: bool,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

impl Default for CalendarOptions {
    fn default() -> Self {
        CalendarOptions {
            hours: WorkingHours::default(),
            calendar: CalendarChoice::Office,
            pauses: Vec::new(),
            closed: Vec::new(),
            open: Vec::new(),
            provisional: false,
            json: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CalendarChoice {
    /// Working hours on working days.
    Office,
    /// Around the clock, holidays included.
    #[value(name = "24x7")]
    TwentyFourSeven,
}

/// What the command produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliOutput {
    /// Text for stdout, ending in a newline.
    Text(String),
    /// A year file that passed every check. The caller stores `json` and
    /// passes it back to [`run`] from then on; `message` is for stdout.
    Imported {
        year: i32,
        json: String,
        message: String,
    },
}

/// Why the command failed; the message is meant for stderr as it is.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("a holiday year imported earlier is no longer accepted: {0}")]
    Stored(DataError),
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error(
        "{} is larger than {MAX_IMPORT_BYTES} bytes: not a holiday-cn year file",
        path.display()
    )]
    TooLarge { path: PathBuf },
    #[error("calendar year {0} is shipped with gasdesk; use --replace to revise it")]
    Shipped(i32),
    #[error("{0}")]
    Usage(String),
}

/// Parses the words after `calendar` (for tests and embedding callers).
pub fn parse<I, T>(args: I) -> Result<CalendarCommand, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    #[derive(Parser)]
    #[command(name = "calendar")]
    struct Root {
        #[command(subcommand)]
        command: CalendarCommand,
    }
    let args = std::iter::once(std::ffi::OsString::from("calendar"))
        .chain(args.into_iter().map(Into::into));
    Root::try_parse_from(args).map(|r| r.command)
}

/// Runs one command. `imported_years` are the JSON texts of years imported
/// earlier (the caller loads them from its database); they are applied over
/// the bundled data in the order given.
pub fn run(command: CalendarCommand, imported_years: &[String]) -> Result<CliOutput, CliError> {
    match command {
        CalendarCommand::Import { file, replace } => import(imported_years, file, replace),
        CalendarCommand::Add {
            from,
            duration,
            options,
        } => {
            let cal = calendar(imported_years, &options)?;
            let deadline = cal.add(from, duration, &options.pauses, options.provisional)?;
            Ok(CliOutput::Text(instant_text(
                "deadline",
                deadline,
                options.json,
            )))
        }
        CalendarCommand::Sub {
            from,
            duration,
            options,
        } => {
            if !options.pauses.is_empty() {
                let msg = "--pause applies to add and elapsed, not to sub";
                return Err(CliError::Usage(msg.to_string()));
            }
            let cal = calendar(imported_years, &options)?;
            let start = cal.sub(from, duration, options.provisional)?;
            Ok(CliOutput::Text(instant_text(
                "deadline",
                start,
                options.json,
            )))
        }
        CalendarCommand::Elapsed { from, to, options } => {
            let cal = calendar(imported_years, &options)?;
            let elapsed = cal.elapsed(from, to, &options.pauses, options.provisional)?;
            Ok(CliOutput::Text(elapsed_text(elapsed, options.json)))
        }
        CalendarCommand::Next { from, options } => {
            let cal = calendar(imported_years, &options)?;
            let next = cal.next_working_moment(from, options.provisional)?;
            Ok(CliOutput::Text(instant_text(
                "next_working_moment",
                next,
                options.json,
            )))
        }
        CalendarCommand::IsWorkday { date, options } => {
            let cal = calendar(imported_years, &options)?;
            let info = cal.day_info(date, options.provisional)?;
            Ok(CliOutput::Text(day_text(date, info, options.json)))
        }
    }
}

/// The bundled data with the years imported earlier, but for `except`.
/// Those were accepted when imported, some with `--replace`, so they may
/// replace shipped years.
fn load(imported_years: &[String], except: Option<i32>) -> Result<OfficialCalendar, CliError> {
    let mut official = OfficialCalendar::bundled();
    for json in imported_years {
        if except.is_some() && year_of(json) == except {
            continue;
        }
        official
            .import_year_json_replacing(json)
            .map_err(CliError::Stored)?;
    }
    Ok(official)
}

fn import(imported_years: &[String], file: PathBuf, replace: bool) -> Result<CliOutput, CliError> {
    let json = read_import_file(&file)?;
    let year = crate::official::parse_json(&json)?.year;
    // The stored version of the same year is left out: the import replaces
    // it anyway, and one that no longer passes the checks must not stand in
    // the way of its own correction.
    let mut official = load(imported_years, Some(year))?;
    let stored = imported_years.iter().any(|j| year_of(j) == Some(year));
    let replacing = stored || official.is_available(year);
    let imported = if replace {
        official.import_year_json_replacing(&json)
    } else {
        official.import_year_json(&json)
    };
    imported.map_err(|e| match e {
        DataError::Shipped(year) => CliError::Shipped(year),
        e => CliError::Data(e),
    })?;
    let listed = official.arrangement(year).map_or(0, |a| a.days.len());
    let replacing = if replacing {
        ", replacing the one loaded before"
    } else {
        ""
    };
    let message =
        format!("imported the {year} holiday arrangement ({listed} listed dates){replacing}");
    Ok(CliOutput::Imported {
        year,
        json,
        message,
    })
}

fn year_of(json: &str) -> Option<i32> {
    crate::official::parse_json(json).ok().map(|a| a.year)
}

/// The file as text, reading at most [`MAX_IMPORT_BYTES`].
fn read_import_file(file: &Path) -> Result<String, CliError> {
    let read_error = |source| CliError::Read {
        path: file.to_path_buf(),
        source,
    };
    let handle = std::fs::File::open(file).map_err(read_error)?;
    let mut json = String::new();
    // One byte past the bound tells a file of exactly the bound from a
    // longer one.
    handle
        .take(MAX_IMPORT_BYTES + 1)
        .read_to_string(&mut json)
        .map_err(read_error)?;
    if json.len() as u64 > MAX_IMPORT_BYTES {
        let path = file.to_path_buf();
        return Err(CliError::TooLarge { path });
    }
    Ok(json)
}

fn calendar(
    imported_years: &[String],
    options: &CalendarOptions,
) -> Result<WorkCalendar, CliError> {
    let official = load(imported_years, None)?;
    let config = CalendarConfig {
        hours: options.hours.clone(),
        seasonal: Vec::new(),
        closed: options.closed.iter().copied().collect(),
        open: options.open.iter().copied().collect(),
        kind: match options.calendar {
            CalendarChoice::Office => CalendarKind::Office,
            CalendarChoice::TwentyFourSeven => CalendarKind::TwentyFourSeven,
        },
    };
    Ok(WorkCalendar::new(Arc::new(official), config)?)
}

const PROVISIONAL_NOTE: &str = " (provisional: reaches a year with no published arrangement)";

fn note(provisional: bool) -> &'static str {
    if provisional { PROVISIONAL_NOTE } else { "" }
}

/// An instant answer (`add`, `sub`, `next`): the Beijing-time instant
/// under `key` with the provisional flag, or the instant as a line.
fn instant_text(key: &str, d: Dated<DateTime<Utc>>, json: bool) -> String {
    let at = shanghai::format(d.value);
    if json {
        // Both keys used sort before "provisional", so the object reads in
        // the documented order.
        let mut out = serde_json::Map::new();
        out.insert(key.to_string(), at.into());
        out.insert("provisional".to_string(), d.provisional.into());
        return to_json(&out);
    }
    format!("{at}{}\n", note(d.provisional))
}

fn elapsed_text(d: Dated<i64>, json: bool) -> String {
    #[derive(Serialize)]
    struct Out {
        elapsed_seconds: i64,
        provisional: bool,
    }
    if json {
        return to_json(&Out {
            elapsed_seconds: d.value,
            provisional: d.provisional,
        });
    }
    let s = d.value.abs();
    let sign = if d.value < 0 { "-" } else { "" };
    let (h, m, sec) = (s / 3600, s % 3600 / 60, s % 60);
    format!(
        "{} working seconds ({sign}{h} h {m:02} min {sec:02} s){}\n",
        d.value,
        note(d.provisional)
    )
}

fn day_text(date: NaiveDate, d: Dated<crate::DayInfo>, json: bool) -> String {
    #[derive(Serialize)]
    struct Out {
        date: String,
        working: bool,
        kind: &'static str,
        name: Option<String>,
        provisional: bool,
    }
    let info = d.value;
    if json {
        return to_json(&Out {
            date: date.to_string(),
            working: info.working,
            kind: info.kind.as_str(),
            name: info.name,
            provisional: d.provisional,
        });
    }
    let verdict = if info.working {
        "a working day"
    } else {
        "not a working day"
    };
    let name = info.name.map(|n| format!(" ({n})")).unwrap_or_default();
    format!(
        "{date} is {verdict}: {}{name}{}\n",
        info.kind.describe(),
        note(d.provisional)
    )
}

/// One object on one line, spaced as `{"key": value, "key": value}`.
fn to_json<T: Serialize>(value: &T) -> String {
    struct Spaced;
    impl serde_json::ser::Formatter for Spaced {
        fn begin_object_key<W: ?Sized + io::Write>(
            &mut self,
            w: &mut W,
            first: bool,
        ) -> io::Result<()> {
            if first { Ok(()) } else { w.write_all(b", ") }
        }
        fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
            w.write_all(b": ")
        }
    }
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, Spaced);
    value.serialize(&mut ser).expect("plain structs serialize");
    let mut text = String::from_utf8(out).expect("serde_json writes UTF-8");
    text.push('\n');
    text
}

/// RFC 3339, or a local Asia/Shanghai reading without an offset
/// (`2019-04-28T10:00`, `2019-04-28T10:00:00`).
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    // RFC 3339 wants seconds; people leave them out (`2026-03-03T10:30+08:00`).
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M%#z") {
        return Ok(t.with_timezone(&Utc));
    }
    let local = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .ok_or_else(|| {
        format!(
            "{s:?} is not a time: write RFC 3339 such as 2026-03-03T10:30:00+08:00, \
                 or 2026-03-03T10:30 for Asia/Shanghai time"
        )
    })?;
    shanghai::from_local(local).ok_or_else(|| format!("{s:?}: time out of range"))
}

/// `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date: write YYYY-MM-DD"))
}

/// `FROM/TO`, two times as [`parse_time`] reads them.
pub fn parse_pause(s: &str) -> Result<Pause, String> {
    let (from, to) = s
        .split_once('/')
        .ok_or_else(|| format!("{s:?} is not a pause: write FROM/TO"))?;
    let pause = Pause {
        from: parse_time(from)?,
        to: parse_time(to)?,
    };
    if pause.to < pause.from {
        return Err(format!("the pause {s:?} ends before it starts"));
    }
    Ok(pause)
}
