//! Reading what a form or a query string sent, and the local times people
//! type and read.
//!
//! Bodies are read into plain text fields and converted here, so a missing
//! or malformed field becomes a Chinese message about that field rather
//! than a rejection in English.

use std::collections::HashMap;

use axum::Form;
use axum::extract::Query;
use axum::extract::rejection::{FormRejection, QueryRejection};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use gasdesk_domain::catalogue::QuoteRequestLine;

use super::{Fault, parse};

/// The fields of a submitted form or query string, by name.
#[derive(Debug, Default, Clone)]
pub struct Fields(HashMap<String, String>);

impl Fields {
    pub fn from_form(
        form: Result<Form<HashMap<String, String>>, FormRejection>,
    ) -> Result<Fields, Fault> {
        match form {
            Ok(Form(map)) => Ok(Fields(map)),
            Err(e) => {
                tracing::info!(error = %e, "form body could not be read");
                Err(Fault::bad_form())
            }
        }
    }

    /// A query string that cannot be read counts as an empty one.
    pub fn from_query(query: Result<Query<HashMap<String, String>>, QueryRejection>) -> Fields {
        query.map(|Query(map)| Fields(map)).unwrap_or_default()
    }

    /// The text of a field as sent; empty when missing.
    pub fn text(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or("")
    }

    /// The trimmed text, or nothing when it is empty or missing.
    pub fn optional(&self, name: &str) -> Option<String> {
        let value = self.text(name).trim();
        (!value.is_empty()).then(|| value.to_string())
    }

    /// A checkbox: ticked when sent with any value but "off"/"false"/"0".
    pub fn ticked(&self, name: &str) -> bool {
        !matches!(self.text(name).trim(), "" | "off" | "false" | "0")
    }

    /// A yes/no question answered with a radio button.
    pub fn yes_no(&self, name: &'static str, message: &str) -> Result<bool, Fault> {
        match self.text(name) {
            "yes" => Ok(true),
            "no" => Ok(false),
            _ => Err(Fault::invalid(name, message)),
        }
    }

    /// A local date and time, or nothing when left empty.
    pub fn time(&self, name: &'static str) -> Result<Option<DateTime<Utc>>, Fault> {
        parse_local(self.text(name)).map_err(|()| Fault::bad_time(name))
    }

    /// A local date and time that must be given.
    pub fn required_time(&self, name: &'static str, msg: &str) -> Result<DateTime<Utc>, Fault> {
        self.time(name)?.ok_or_else(|| Fault::invalid(name, msg))
    }

    /// Whether the form sent this field at all, even empty.
    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// One of a select's values, which must be chosen.
    pub fn choice(&self, name: &'static str, message: &str) -> Result<String, Fault> {
        self.optional(name)
            .ok_or_else(|| Fault::invalid(name, message))
    }

    /// An amount typed in yuan, as integer fen.
    pub fn yuan(&self, name: &'static str) -> Result<i64, Fault> {
        parse::yuan_to_fen(self.text(name)).map_err(|message| Fault::invalid(name, &message))
    }

    /// The lines of a quote, one `编码 数量` a line.
    pub fn quote(&self, name: &'static str) -> Result<Vec<QuoteRequestLine>, Fault> {
        parse::quote_lines(self.text(name)).map_err(|message| Fault::invalid(name, &message))
    }

    pub fn into_map(self) -> HashMap<String, String> {
        self.0
    }
}

/// An instant as people read it here: Asia/Shanghai, to the minute.
pub fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Reads a local Asia/Shanghai time as a `datetime-local` input sends it
/// (`2026-03-03T10:30`) or as people type it (`2026-03-03 10:30`), seconds
/// optional. Empty text is no time at all.
pub fn parse_local(text: &str) -> Result<Option<DateTime<Utc>>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    const FORMATS: [&str; 4] = [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ];
    let naive = FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .ok_or(())?;
    // China keeps no daylight saving time, so every local time is single.
    let local = Shanghai.from_local_datetime(&naive).single().ok_or(())?;
    Ok(Some(local.with_timezone(&Utc)))
}

/// Percent-encodes text for a query string value.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Where to go after signing in: only an address on this site.
pub fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if local && next != "/login" {
        next
    } else {
        "/worklist"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_read_as_shanghai() {
        let at = parse_local("2026-03-03T10:30").unwrap().unwrap();
        assert_eq!(at.to_rfc3339(), "2026-03-03T02:30:00+00:00");
        assert_eq!(local(at), "2026-03-03 10:30");
        assert_eq!(
            parse_local("2026-03-03 10:30:15")
                .unwrap()
                .unwrap()
                .timestamp()
                % 60,
            15
        );
        assert_eq!(parse_local("  ").unwrap(), None);
        assert!(parse_local("3月3日").is_err());
        assert!(parse_local("2026-02-30T10:00").is_err());
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/applications/BZ1"), "/applications/BZ1");
        assert_eq!(safe_next("//evil.example"), "/worklist");
        assert_eq!(safe_next("https://evil.example"), "/worklist");
        assert_eq!(safe_next("/\\evil"), "/worklist");
        assert_eq!(safe_next(""), "/worklist");
        assert_eq!(url_encode("/a?b=c d"), "/a%3Fb%3Dc%20d");
    }

    #[test]
    fn checkboxes_and_radios() {
        let f = Fields(HashMap::from([
            ("a".to_string(), "on".to_string()),
            ("b".to_string(), "off".to_string()),
            ("q".to_string(), "no".to_string()),
        ]));
        assert!(f.ticked("a"));
        assert!(!f.ticked("b"));
        assert!(!f.ticked("missing"));
        assert!(!f.yes_no("q", "").unwrap());
        assert!(f.yes_no("source_pipeline_ready", "请选择").is_err());
    }
}
