//! Typed access to a parsed TOML document that records every problem with
//! its place instead of stopping at the first, so that a manager editing a
//! rulebook sees all mistakes in one run.

use super::{ApplicantKind, Clock, Handling, Per, RuleError};
use crate::{Channel, Role};
use chrono::NaiveDate;
use gasdesk_calendar::WorkDuration;
use std::cell::RefCell;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub(super) type Span = Range<usize>;

/// A value with the byte range it came from.
#[derive(Debug, Clone)]
pub(super) struct Sp<T> {
    pub value: T,
    pub span: Span,
}

/// The source text and the errors found in it so far.
pub(super) struct Doc<'s> {
    src: &'s str,
    line_starts: Vec<usize>,
    errors: RefCell<Vec<RuleError>>,
}

impl<'s> Doc<'s> {
    pub fn new(src: &'s str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(src.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Doc {
            src,
            line_starts,
            errors: RefCell::new(Vec::new()),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.src.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let column = self
            .src
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, column + 1)
    }

    pub fn line_of(&self, span: &Span) -> usize {
        self.position(span.start).0
    }

    pub fn error(&self, span: &Span, path: &str, message: impl Into<String>) {
        let (line, column) = self.position(span.start);
        self.errors.borrow_mut().push(RuleError {
            line,
            column,
            path: path.to_string(),
            message: message.into(),
        });
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.borrow().is_empty()
    }

    /// The errors in file order; ties keep the order they were found in.
    pub fn into_errors(self) -> Vec<RuleError> {
        let mut errors = self.errors.into_inner();
        errors.sort_by_key(|e| (e.line, e.column));
        errors
    }
}

/// A name a rulebook value may take, from a closed list.
pub(super) trait Named: Copy + PartialEq + 'static {
    const KIND: &'static str;
    const ALL: &'static [Self];
    fn name(self) -> &'static str;
}

macro_rules! named {
    ($ty:ty, $kind:literal, $all:expr) => {
        impl Named for $ty {
            const KIND: &'static str = $kind;
            const ALL: &'static [Self] = &$all;
            fn name(self) -> &'static str {
                self.as_str()
            }
        }
    };
}

named!(Clock, "clock", Clock::ALL);
named!(Handling, "handling", Handling::ALL);
named!(ApplicantKind, "applicant kind", ApplicantKind::ALL);
named!(Per, "per", Per::ALL);
named!(Role, "role", Role::ALL);
named!(
    Channel,
    "channel",
    [
        Channel::ServiceCenter,
        Channel::BusinessHall,
        Channel::Online,
        Channel::Hotline,
        Channel::Office,
    ]
);

fn expected_names<T: Named>() -> String {
    T::ALL
        .iter()
        .map(|v| v.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One table of the document, with the keys it may hold.
pub(super) struct Table<'a> {
    doc: &'a Doc<'a>,
    map: &'a DeTable<'a>,
    pub span: Span,
    pub path: String,
}

impl<'a> Table<'a> {
    /// Wraps `map`, reporting any key not in `known`.
    pub fn new(
        doc: &'a Doc<'a>,
        map: &'a DeTable<'a>,
        span: Span,
        path: String,
        known: &[&str],
    ) -> Self {
        let table = Table {
            doc,
            map,
            span,
            path,
        };
        for key in map.keys() {
            let name: &str = key.get_ref();
            if !known.contains(&name) {
                doc.error(
                    &key.span(),
                    &table.path_of(name),
                    format!(
                        "unknown key `{name}`; expected one of: {}",
                        known.join(", ")
                    ),
                );
            }
        }
        table
    }

    pub fn doc(&self) -> &'a Doc<'a> {
        self.doc
    }

    pub fn path_of(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// Reports a problem with the table as a whole, at its header.
    pub fn error(&self, message: impl Into<String>) {
        self.doc.error(&self.span, &self.path, message);
    }

    /// Reports a problem with one value of the table.
    pub fn error_at(&self, span: &Span, key: &str, message: impl Into<String>) {
        self.doc.error(span, &self.path_of(key), message);
    }

    fn raw(&self, key: &str, required: bool) -> Option<&'a Spanned<DeValue<'a>>> {
        let value = self.map.get(key);
        if value.is_none() && required {
            self.error(format!("missing `{key}`"));
        }
        value
    }

    fn wrong_type(&self, path: &str, value: &Spanned<DeValue<'_>>, expected: &str) {
        let found = value.get_ref().type_str();
        self.doc.error(
            &value.span(),
            path,
            format!("expected {expected}, found {found}"),
        );
    }

    /// Whether the table has `key`, valid or not.
    pub fn has(&self, key: &str) -> bool {
        self.map.get(key).is_some()
    }

    pub fn string(&self, key: &str, required: bool) -> Option<Sp<String>> {
        let value = self.raw(key, required)?;
        match value.get_ref() {
            DeValue::String(s) => Some(Sp {
                value: s.to_string(),
                span: value.span(),
            }),
            _ => {
                self.wrong_type(&self.path_of(key), value, "a string");
                None
            }
        }
    }

    /// A required string that may not be blank.
    pub fn text(&self, key: &str) -> Option<String> {
        let s = self.string(key, true)?;
        if s.value.trim().is_empty() {
            self.error_at(&s.span, key, format!("`{key}` may not be empty"));
            return None;
        }
        Some(s.value)
    }

    /// An optional string, empty when absent.
    pub fn note(&self, key: &str) -> String {
        self.string(key, false).map(|s| s.value).unwrap_or_default()
    }

    pub fn boolean(&self, key: &str) -> Option<Sp<bool>> {
        let value = self.raw(key, false)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some(Sp {
                value: *b,
                span: value.span(),
            }),
            _ => {
                self.wrong_type(&self.path_of(key), value, "true or false");
                None
            }
        }
    }

    pub fn integer(&self, key: &str, required: bool) -> Option<Sp<i64>> {
        let value = self.raw(key, required)?;
        let span = value.span();
        match value.get_ref() {
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Some(Sp { value: n, span }),
                Err(_) => {
                    self.error_at(&span, key, "integer out of range");
                    None
                }
            },
            _ => {
                self.wrong_type(&self.path_of(key), value, "an integer");
                None
            }
        }
    }

    /// A local date such as `2024-06-11`.
    pub fn date(&self, key: &str) -> Option<NaiveDate> {
        let value = self.raw(key, false)?;
        let span = value.span();
        let DeValue::Datetime(dt) = value.get_ref() else {
            self.wrong_type(&self.path_of(key), value, "a date such as 2024-06-11");
            return None;
        };
        let date = match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => {
                NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
            }
            _ => None,
        };
        if date.is_none() {
            self.error_at(
                &span,
                key,
                "expected a date without time, such as 2024-06-11",
            );
        }
        date
    }

    /// A working-time budget such as `"PT2H"` or `"P0.5D"`; zero is refused
    /// because a zero budget is always already overdue.
    /// A duration between [`SHORTEST_DURATION`] and [`LONGEST_DURATION`].
    pub fn duration(&self, key: &str, required: bool) -> Option<Sp<WorkDuration>> {
        let s = self.string(key, required)?;
        match s.value.parse::<WorkDuration>() {
            Ok(d) if duration_seconds(d) == 0 => {
                self.error_at(&s.span, key, "a duration must be greater than zero");
                None
            }
            Ok(d) if duration_seconds(d) < duration_seconds(SHORTEST_DURATION) => {
                let msg = format!("{d} is shorter than {SHORTEST_DURATION}, the shortest allowed");
                self.error_at(&s.span, key, msg);
                None
            }
            Ok(d) if duration_seconds(d) > duration_seconds(LONGEST_DURATION) => {
                let msg = format!(
                    "{d} is longer than {LONGEST_DURATION} (60 working days of 7 hours), \
                     the longest duration a rulebook may set"
                );
                self.error_at(&s.span, key, msg);
                None
            }
            Ok(d) => Some(Sp {
                value: d,
                span: s.span,
            }),
            Err(e) => {
                self.error_at(
                    &s.span,
                    key,
                    format!("{e}; write e.g. \"PT2H\", \"PT30M\", \"P1D\" or \"P0.5D\""),
                );
                None
            }
        }
    }

    pub fn named<T: Named>(&self, key: &str, required: bool) -> Option<Sp<T>> {
        let s = self.string(key, required)?;
        let found = T::ALL.iter().copied().find(|v| v.name() == s.value);
        if found.is_none() {
            self.error_at(
                &s.span,
                key,
                format!(
                    "unknown {} \"{}\"; expected one of: {}",
                    T::KIND,
                    s.value,
                    expected_names::<T>()
                ),
            );
        }
        found.map(|value| Sp {
            value,
            span: s.span,
        })
    }

    /// A list of names; bad or repeated entries are reported and left out.
    /// `None` only when a required list is missing or not a list.
    pub fn named_list<T: Named>(&self, key: &str, required: bool) -> Option<Vec<Sp<T>>> {
        let Some(value) = self.raw(key, required) else {
            return (!required).then(Vec::new);
        };
        let path = self.path_of(key);
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(&path, value, &format!("a list of {} names", T::KIND));
            return None;
        };
        let mut out: Vec<Sp<T>> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            let DeValue::String(s) = item.get_ref() else {
                self.wrong_type(&item_path, item, &format!("a {} name", T::KIND));
                continue;
            };
            let Some(v) = T::ALL.iter().copied().find(|v| v.name() == s.as_ref()) else {
                self.doc.error(
                    &item.span(),
                    &item_path,
                    format!(
                        "unknown {} \"{s}\"; expected one of: {}",
                        T::KIND,
                        expected_names::<T>()
                    ),
                );
                continue;
            };
            if out.iter().any(|o| o.value == v) {
                self.doc.error(
                    &item.span(),
                    &item_path,
                    format!("{} \"{s}\" listed twice", T::KIND),
                );
                continue;
            }
            out.push(Sp {
                value: v,
                span: item.span(),
            });
        }
        Some(out)
    }

    /// A sub-table such as `[one_stop]`.
    pub fn table(&self, key: &str, required: bool, known: &[&str]) -> Option<Table<'a>> {
        let value = self.raw(key, required)?;
        let path = self.path_of(key);
        match value.get_ref() {
            DeValue::Table(map) => Some(Table::new(self.doc, map, value.span(), path, known)),
            _ => {
                self.wrong_type(&path, value, "a table");
                None
            }
        }
    }

    /// An array of tables such as `[[one_stop.steps]]`; absent means empty.
    pub fn tables(&self, key: &str, known: &[&str]) -> Vec<Table<'a>> {
        let Some(value) = self.raw(key, false) else {
            return Vec::new();
        };
        let path = self.path_of(key);
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(&path, value, &format!("a list of tables ([[{path}]])"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            match item.get_ref() {
                DeValue::Table(map) => {
                    out.push(Table::new(self.doc, map, item.span(), item_path, known))
                }
                _ => self.wrong_type(&item_path, item, "a table"),
            }
        }
        out
    }
}

/// Working seconds of a standard day, used only to compare a budget in days
/// with one in hours; deadlines themselves are computed by the calendar.
const STANDARD_DAY_SECONDS: i64 = 7 * 3600;

/// The shortest duration a rulebook may set: nobody can act on a limit of
/// seconds, so one is a slip (`PT1S` for `PT1H`).
pub(super) const SHORTEST_DURATION: WorkDuration = WorkDuration::Seconds(60);

/// The longest: the regulation's limits run to a few working days, and a
/// limit of years (`P999999D`) reaches past the calendar's last year, so
/// that every deadline computed from it fails. Sixty working days, about
/// three months, leaves room for any real limit.
pub(super) const LONGEST_DURATION: WorkDuration = WorkDuration::MilliDays(60_000);

pub(super) fn duration_seconds(d: WorkDuration) -> i64 {
    d.to_seconds(STANDARD_DAY_SECONDS)
}
