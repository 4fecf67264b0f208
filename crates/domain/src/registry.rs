//! Business licence records, looked up by unified social credit code so that
//! the applicant hands in no licence (R-102-2).
//!
//! Until the government data-sharing platform is connected, the records come
//! from a CSV extract of the local business registry:
//!
//! ```text
//! uscc,name,legal_representative,address,registered_on,status
//! 91411224MA9G2L3D1P,卢氏县山河食品有限公司,张建国,卢氏县建设路18号,2019-04-16,active
//! ```
//!
//! - UTF-8, with or without a byte-order mark; columns in any order; other
//!   columns are ignored.
//! - `uscc` and `name` are required; `registered_on` is `YYYY-MM-DD` or
//!   empty; `status` is one of the [`LicenceStatus`] names, in English
//!   (`active`) or as the registry prints it (`存续`).
//! - Every row has as many columns as the header.
//! - `name`, `legal_representative` and `address` hold at most
//!   [`MAX_TEXT_CHARS`] characters and no control or invisible formatting
//!   characters; a line break or tab inside a quoted field (a wrapped cell)
//!   reads as a space.
//! - `registered_on` lies between 1949-10-01 and the day of the import.

use crate::uscc::{Uscc, UsccError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::io::Read;
use std::str::FromStr;
use utoipa::ToSchema;

/// The columns a registry extract must have.
pub const CSV_HEADER: [&str; 6] = [
    "uscc",
    "name",
    "legal_representative",
    "address",
    "registered_on",
    "status",
];

/// The most characters a name, legal representative or address may have.
/// Real ones are a few dozen characters; a value past 200 comes from a
/// broken extract (columns run together), and it would be shown on every
/// page that shows the licence.
pub const MAX_TEXT_CHARS: usize = 200;

/// The earliest registration date accepted: the founding of the People's
/// Republic, before which no licence in the present registry was issued.
pub const EARLIEST_REGISTRATION: NaiveDate =
    NaiveDate::from_ymd_opt(1949, 10, 1).expect("a real date");

/// Where a licence stands in the business registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LicenceStatus {
    /// 存续（在营、开业、在册）
    Active,
    /// 停业、歇业
    Suspended,
    /// 吊销
    Revoked,
    /// 注销
    Cancelled,
    /// 迁出
    MovedOut,
}

impl LicenceStatus {
    pub const ALL: [LicenceStatus; 5] = [
        LicenceStatus::Active,
        LicenceStatus::Suspended,
        LicenceStatus::Revoked,
        LicenceStatus::Cancelled,
        LicenceStatus::MovedOut,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LicenceStatus::Active => "active",
            LicenceStatus::Suspended => "suspended",
            LicenceStatus::Revoked => "revoked",
            LicenceStatus::Cancelled => "cancelled",
            LicenceStatus::MovedOut => "moved_out",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            LicenceStatus::Active => "存续",
            LicenceStatus::Suspended => "歇业",
            LicenceStatus::Revoked => "吊销",
            LicenceStatus::Cancelled => "注销",
            LicenceStatus::MovedOut => "迁出",
        }
    }

    /// Other wordings registries print for the same status.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            LicenceStatus::Active => &["存续", "在营", "开业", "在业", "在册"],
            LicenceStatus::Suspended => &["歇业", "停业"],
            LicenceStatus::Revoked => &["吊销"],
            LicenceStatus::Cancelled => &["注销"],
            LicenceStatus::MovedOut => &["迁出"],
        }
    }

    /// Only a licence in force proves the applicant exists as a business.
    pub fn is_active(self) -> bool {
        self == LicenceStatus::Active
    }
}

impl fmt::Display for LicenceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LicenceStatus {
    type Err = crate::actor::UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        LicenceStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s || st.aliases().contains(&s))
            .ok_or_else(|| crate::actor::UnknownName {
                kind: "licence status",
                value: s.to_string(),
            })
    }
}

/// A business licence as the registry records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessLicence {
    pub uscc: Uscc,
    pub name: String,
    pub legal_representative: String,
    pub address: String,
    pub registered_on: Option<NaiveDate>,
    pub status: LicenceStatus,
}

/// Why a row of a registry extract was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowProblem {
    #[error("could not read the file: {0}")]
    Unreadable(String),
    #[error("the header lacks column(s): {}", .0.join(", "))]
    MissingColumns(Vec<&'static str>),
    #[error("the row is malformed: {0}")]
    Malformed(String),
    #[error("the row has {found} columns, expected {expected} as in the header")]
    ColumnCount { found: usize, expected: usize },
    #[error("the row is not valid UTF-8")]
    NotUtf8,
    #[error("bad unified social credit code {value:?}: {error}")]
    BadUscc { value: String, error: UsccError },
    #[error("the name is missing")]
    MissingName,
    #[error("the same unified social credit code is already on row {first_row}")]
    DuplicateUscc { first_row: usize },
    #[error("bad registration date {0:?}; write YYYY-MM-DD")]
    BadDate(String),
    #[error("registration date {0} is before 1949-10-01")]
    DateTooEarly(NaiveDate),
    #[error("registration date {date} is after the day of the import ({today})")]
    DateInFuture { date: NaiveDate, today: NaiveDate },
    #[error("the {field} has {length} characters; at most {MAX_TEXT_CHARS} are accepted")]
    TooLong { field: &'static str, length: usize },
    #[error(
        "the {field} contains U+{:04X}, a control or invisible formatting character",
        u32::from(*character)
    )]
    HiddenCharacter {
        field: &'static str,
        character: char,
    },
    #[error("unknown status {0:?}; expected active, suspended, revoked, cancelled or moved_out")]
    BadStatus(String),
}

/// A refused row. `row` is the line of the file where the row starts, the
/// header being row 1, as a spreadsheet numbers it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("row {row}: {problem}")]
pub struct RegistryRowError {
    pub row: usize,
    pub problem: RowProblem,
}

/// Where business licences are looked up by credit code: the local table
/// by default, a government data-sharing platform client where one exists.
#[async_trait::async_trait]
pub trait LicenceRegistry: Send + Sync {
    async fn lookup(&self, uscc: &Uscc) -> Result<Option<BusinessLicence>, RegistryUnavailable>;
}

/// The registry could not answer (a platform down, a timeout). Intake goes
/// on: the licence is then confirmed by phone, never demanded on paper.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the business registry is unavailable: {0}")]
pub struct RegistryUnavailable(pub String);

/// Reads a registry extract. Either every row is good, or every bad row is
/// reported: an extract is loaded whole or not at all, so that a half-loaded
/// registry never makes a real business look unregistered.
///
/// Registration dates after today's date in Asia/Shanghai, by the system
/// clock, are refused; [`read_csv_as_of`] takes the date instead.
pub fn read_csv(reader: impl Read) -> Result<Vec<BusinessLicence>, Vec<RegistryRowError>> {
    let today = chrono::Utc::now()
        .with_timezone(&gasdesk_calendar::shanghai::offset())
        .date_naive();
    read_csv_as_of(reader, today)
}

/// [`read_csv`] with `today` given: no registration date may be later.
pub fn read_csv_as_of(
    mut reader: impl Read,
    today: NaiveDate,
) -> Result<Vec<BusinessLicence>, Vec<RegistryRowError>> {
    let mut bytes = Vec::new();
    if let Err(e) = reader.read_to_end(&mut bytes) {
        return Err(vec![RegistryRowError {
            row: 0,
            problem: RowProblem::Unreadable(e.to_string()),
        }]);
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(body);

    let mut records = csv.byte_records();
    let columns = match records.next() {
        None => return Ok(Vec::new()),
        Some(Err(e)) => return Err(vec![malformed(1, &e)]),
        Some(Ok(header)) => match Columns::find(&header, today) {
            Ok(columns) => columns,
            Err(missing) => {
                return Err(vec![RegistryRowError {
                    row: 1,
                    problem: RowProblem::MissingColumns(missing),
                }]);
            }
        },
    };

    let mut licences = Vec::new();
    // The row each code was first seen on: a map, not a search of the rows
    // read so far, so that a registry of a whole province reads in linear
    // time.
    let mut first_rows: HashMap<Uscc, usize> = HashMap::new();
    let mut errors = Vec::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let row = e.position().map_or(0, |p| p.line() as usize);
                errors.push(malformed(row, &e));
                continue;
            }
        };
        let row = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(<[u8]>::is_empty) {
            continue;
        }
        // With `flexible` the reader accepts ragged rows; a short or long
        // one has its values under the wrong headings, so it is refused as
        // such rather than for whatever landed in the status column.
        if record.len() != columns.width {
            let problem = RowProblem::ColumnCount {
                found: record.len(),
                expected: columns.width,
            };
            errors.push(RegistryRowError { row, problem });
            continue;
        }
        match columns.licence(&record) {
            Ok(licence) => match first_rows.entry(licence.uscc.clone()) {
                Entry::Occupied(first) => errors.push(RegistryRowError {
                    row,
                    problem: RowProblem::DuplicateUscc {
                        first_row: *first.get(),
                    },
                }),
                Entry::Vacant(slot) => {
                    slot.insert(row);
                    licences.push(licence);
                }
            },
            Err(problems) => errors.extend(
                problems
                    .into_iter()
                    .map(|problem| RegistryRowError { row, problem }),
            ),
        }
    }
    if errors.is_empty() {
        Ok(licences)
    } else {
        Err(errors)
    }
}

fn malformed(row: usize, e: &csv::Error) -> RegistryRowError {
    RegistryRowError {
        row,
        problem: RowProblem::Malformed(e.to_string()),
    }
}

/// Index of each required column in the header, the header's width, and
/// the latest registration date accepted.
struct Columns {
    index: [usize; 6],
    width: usize,
    today: NaiveDate,
}

impl Columns {
    fn find(header: &csv::ByteRecord, today: NaiveDate) -> Result<Columns, Vec<&'static str>> {
        let names: Vec<String> = header
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_lowercase())
            .collect();
        let mut index = [0; 6];
        let mut missing = Vec::new();
        for (slot, wanted) in index.iter_mut().zip(CSV_HEADER) {
            match names.iter().position(|n| n == wanted) {
                Some(i) => *slot = i,
                None => missing.push(wanted),
            }
        }
        if missing.is_empty() {
            Ok(Columns {
                index,
                width: header.len(),
                today,
            })
        } else {
            Err(missing)
        }
    }

    /// The record as a licence, or every problem it has.
    fn licence(&self, record: &csv::ByteRecord) -> Result<BusinessLicence, Vec<RowProblem>> {
        let mut fields = Vec::with_capacity(6);
        for &i in &self.index {
            let raw = record.get(i).unwrap_or_default();
            match std::str::from_utf8(raw) {
                Ok(s) => fields.push(s.trim().to_string()),
                Err(_) => return Err(vec![RowProblem::NotUtf8]),
            }
        }
        let [
            uscc,
            name,
            legal_representative,
            address,
            registered_on,
            status,
        ] = <[String; 6]>::try_from(fields).map_err(|_| vec![RowProblem::NotUtf8])?;

        let mut problems = Vec::new();
        let uscc = Uscc::parse(&uscc)
            .map_err(|error| {
                problems.push(RowProblem::BadUscc {
                    value: uscc.clone(),
                    error,
                })
            })
            .ok();
        let name = text_field("name", &name, &mut problems);
        let legal_representative =
            text_field("legal_representative", &legal_representative, &mut problems);
        let address = text_field("address", &address, &mut problems);
        if name.is_empty() {
            problems.push(RowProblem::MissingName);
        }
        let registered_on = if registered_on.is_empty() {
            Some(None)
        } else {
            match NaiveDate::parse_from_str(&registered_on, "%Y-%m-%d") {
                Ok(date) if date < EARLIEST_REGISTRATION => {
                    problems.push(RowProblem::DateTooEarly(date));
                    None
                }
                Ok(date) if date > self.today => {
                    let today = self.today;
                    problems.push(RowProblem::DateInFuture { date, today });
                    None
                }
                Ok(date) => Some(Some(date)),
                Err(_) => {
                    problems.push(RowProblem::BadDate(registered_on.clone()));
                    None
                }
            }
        };
        let status = status
            .parse::<LicenceStatus>()
            .map_err(|_| problems.push(RowProblem::BadStatus(status.clone())))
            .ok();
        match (uscc, registered_on, status) {
            (Some(uscc), Some(registered_on), Some(status)) if problems.is_empty() => {
                Ok(BusinessLicence {
                    uscc,
                    name,
                    legal_representative,
                    address,
                    registered_on,
                    status,
                })
            }
            _ => Err(problems),
        }
    }
}

/// A text field as stored: line breaks and tabs of a wrapped cell read as
/// one space; other control characters and the invisible formatting ones
/// (zero-width spaces and joiners, direction marks and overrides, word
/// joiners, the byte-order mark) are refused, since they make one name
/// look like another or reorder what is shown; so is an overlong value.
fn text_field(field: &'static str, raw: &str, problems: &mut Vec<RowProblem>) -> String {
    let value: String = raw
        .split(['\r', '\n', '\t'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(character) = value.chars().find(|&c| is_hidden(c)) {
        problems.push(RowProblem::HiddenCharacter { field, character });
    }
    let length = value.chars().count();
    if length > MAX_TEXT_CHARS {
        problems.push(RowProblem::TooLong { field, length });
    }
    value
}

fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "uscc,name,legal_representative,address,registered_on,status\n";

    #[test]
    fn reads_the_shipped_sample() {
        let sample = include_str!("../rules/registry-sample.csv");
        let licences = read_csv(sample.as_bytes()).unwrap();
        assert_eq!(licences.len(), 5);
        assert!(licences.iter().all(|l| l.uscc.division() == "411224"));
        assert!(licences.iter().any(|l| !l.status.is_active()));
    }

    #[test]
    fn reads_good_rows_with_bom_and_chinese_status() {
        let text = format!(
            "\u{feff}{HEADER}91411224MA9G2L3D1P,卢氏县山河食品有限公司,张建国,卢氏县城关镇,\
             2019-04-16,存续\n\n92411224MA9F4Q1R72,卢氏县老街面馆,王志强,\
             \"卢氏县城关镇老街12号\",,cancelled\n"
        );
        let licences = read_csv(text.as_bytes()).unwrap();
        assert_eq!(licences.len(), 2);
        assert_eq!(licences[0].uscc.as_str(), "91411224MA9G2L3D1P");
        assert_eq!(licences[0].status, LicenceStatus::Active);
        assert_eq!(
            licences[0].registered_on,
            NaiveDate::from_ymd_opt(2019, 4, 16)
        );
        assert_eq!(licences[1].registered_on, None);
        assert_eq!(licences[1].status, LicenceStatus::Cancelled);
        assert_eq!(licences[1].address, "卢氏县城关镇老街12号");
    }

    #[test]
    fn columns_in_any_order_extra_ignored() {
        let text = "status,registered_on,address,legal_representative,name,uscc,remark\n\
                    active,,卢氏县,张三,某公司,91411224MA9G2L3D1P,备注\n";
        let licences = read_csv(text.as_bytes()).unwrap();
        assert_eq!(licences[0].name, "某公司");
    }

    #[test]
    fn reports_every_bad_row_with_its_row_number() {
        let text = format!(
            "{HEADER}\
             91411224MA9G2L3D1P,甲公司,张三,卢氏县,2019-04-16,active\n\
             91411224MA9G2L3D1Q,乙公司,李四,卢氏县,2019-04-16,active\n\
             91411224MA9H0K7T54,,王五,卢氏县,2020-01-01,active\n\
             91411224MA9G2L3D1P,甲公司分号,张三,卢氏县,2019-04-16,active\n\
             92411224MA9F4Q1R72,丙面馆,赵六,卢氏县,2019/13/01,active\n\
             93411224MA9E6C2W6T,丁合作社,钱七,卢氏县,,unknown\n"
        );
        let errors = read_csv(text.as_bytes()).unwrap_err();
        let rows: Vec<(usize, &RowProblem)> = errors.iter().map(|e| (e.row, &e.problem)).collect();
        assert_eq!(rows.len(), 5, "{errors:?}");
        assert!(matches!(
            rows[0],
            (
                3,
                RowProblem::BadUscc {
                    error: UsccError::BadCheckCharacter,
                    ..
                }
            )
        ));
        assert_eq!(rows[1], (4, &RowProblem::MissingName));
        assert_eq!(rows[2], (5, &RowProblem::DuplicateUscc { first_row: 2 }));
        assert_eq!(rows[3], (6, &RowProblem::BadDate("2019/13/01".into())));
        assert_eq!(rows[4], (7, &RowProblem::BadStatus("unknown".into())));
        assert_eq!(
            errors[1].to_string(),
            "row 4: the name is missing",
            "Display carries the row"
        );
    }

    #[test]
    fn one_row_may_have_several_problems() {
        let text = format!("{HEADER}123,,张三,卢氏县,someday,active\n");
        let errors = read_csv(text.as_bytes()).unwrap_err();
        assert_eq!(errors.len(), 3);
        assert!(errors.iter().all(|e| e.row == 2));
    }

    #[test]
    fn row_numbers_count_multiline_fields() {
        let text = format!(
            "{HEADER}91411224MA9G2L3D1P,甲公司,张三,\"卢氏县\n城关镇\",,active\n\
             bad,乙公司,李四,卢氏县,,active\n"
        );
        let errors = read_csv(text.as_bytes()).unwrap_err();
        assert_eq!(errors[0].row, 4);
    }

    #[test]
    fn missing_columns() {
        let errors = read_csv("uscc,name\n".as_bytes()).unwrap_err();
        assert_eq!(
            errors,
            vec![RegistryRowError {
                row: 1,
                problem: RowProblem::MissingColumns(vec![
                    "legal_representative",
                    "address",
                    "registered_on",
                    "status"
                ]),
            }]
        );
    }

    #[test]
    fn not_utf8() {
        let mut bytes = HEADER.as_bytes().to_vec();
        bytes.extend_from_slice(b"91411224MA9G2L3D1P,\xFF\xFE,a,b,,active\n");
        let errors = read_csv(bytes.as_slice()).unwrap_err();
        assert_eq!(errors[0].problem, RowProblem::NotUtf8);
        assert_eq!(errors[0].row, 2);
    }

    #[test]
    fn empty_input_is_an_empty_registry() {
        assert_eq!(read_csv("".as_bytes()).unwrap(), Vec::new());
        assert_eq!(read_csv(HEADER.as_bytes()).unwrap(), Vec::new());
    }

    fn problems(text: &str) -> Vec<(usize, RowProblem)> {
        let today = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        read_csv_as_of(text.as_bytes(), today)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.row, e.problem))
            .collect()
    }

    #[test]
    fn each_duplicate_names_the_row_its_code_was_first_on() {
        let text = format!(
            "{HEADER}\
             91411224MA9G2L3D1P,甲公司,张三,卢氏县,,active\n\
             91411224MA9H0K7T54,乙公司,李四,卢氏县,,active\n\
             91411224MA9G2L3D1P,甲公司二,张三,卢氏县,,active\n\
             91411224ma9g2l3d1p,甲公司三,张三,卢氏县,,active\n\
             91411224MA9H0K7T54,乙公司二,李四,卢氏县,,active\n\
             92411224MA9F4Q1R72,丙面馆,赵六,卢氏县,,active\n"
        );
        let dup = |first_row| RowProblem::DuplicateUscc { first_row };
        assert_eq!(problems(&text), vec![(4, dup(2)), (5, dup(2)), (6, dup(3))]);
        // A code first seen on a refused row is not a duplicate of it.
        let text = format!(
            "{HEADER}\
             91411224MA9G2L3D1P,,张三,卢氏县,,active\n\
             91411224MA9G2L3D1P,甲公司,张三,卢氏县,,active\n"
        );
        assert_eq!(problems(&text), vec![(2, RowProblem::MissingName)]);
    }

    #[test]
    fn a_row_with_too_few_or_too_many_columns_says_so() {
        let text = format!(
            "{HEADER}\
             91411224MA9G2L3D1P,甲公司,张三\n\
             91411224MA9H0K7T54,乙公司,李四,卢氏县,城关镇,2019-04-16,active\n"
        );
        let errors = read_csv(text.as_bytes()).unwrap_err();
        assert_eq!(
            errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            vec![
                "row 2: the row has 3 columns, expected 6 as in the header",
                "row 3: the row has 7 columns, expected 6 as in the header",
            ]
        );
        // The header's width counts, extra columns included.
        let text = "uscc,name,legal_representative,address,registered_on,status,remark\n\
                    91411224MA9G2L3D1P,甲公司,张三,卢氏县,,active\n";
        assert_eq!(
            problems(text),
            vec![(
                2,
                RowProblem::ColumnCount {
                    found: 6,
                    expected: 7
                }
            )]
        );
    }

    #[test]
    fn text_fields_are_bounded_and_visible() {
        let longest = "县".repeat(MAX_TEXT_CHARS);
        let text = format!("{HEADER}91411224MA9G2L3D1P,{longest},张三,{longest},,active\n");
        assert!(read_csv(text.as_bytes()).is_ok());
        let text = format!("{HEADER}91411224MA9G2L3D1P,{longest}公司,张三,卢氏县,,active\n");
        assert_eq!(
            problems(&text),
            vec![(
                2,
                RowProblem::TooLong {
                    field: "name",
                    length: 202
                }
            )]
        );
        for (row, field, character) in [
            (
                "91411224MA9G2L3D1P,甲\u{202E}公司,张三,卢氏县,,active",
                "name",
                '\u{202E}',
            ),
            (
                "91411224MA9G2L3D1P,甲公司,张\u{200B}三,卢氏县,,active",
                "legal_representative",
                '\u{200B}',
            ),
            (
                "91411224MA9G2L3D1P,甲公司,张三,卢氏县\u{7},,active",
                "address",
                '\u{7}',
            ),
            (
                "91411224MA9G2L3D1P,\u{FEFF}甲公司,张三,卢氏县,,active",
                "name",
                '\u{FEFF}',
            ),
            (
                "91411224MA9G2L3D1P,甲公司,张三,\u{2066}卢氏县,,active",
                "address",
                '\u{2066}',
            ),
            (
                "91411224MA9G2L3D1P,甲公司\u{0},张三,卢氏县,,active",
                "name",
                '\u{0}',
            ),
            (
                "91411224MA9G2L3D1P,甲公司,张三,卢氏\u{85}县,,active",
                "address",
                '\u{85}',
            ),
        ] {
            let got = problems(&format!("{HEADER}{row}\n"));
            assert_eq!(
                got,
                vec![(2, RowProblem::HiddenCharacter { field, character })],
                "{row:?}"
            );
        }
        let errors = read_csv(
            format!("{HEADER}91411224MA9G2L3D1P,甲\u{202E}公司,张三,卢氏县,,active\n").as_bytes(),
        )
        .unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "row 2: the name contains U+202E, a control or invisible formatting character"
        );
        // A wrapped cell reads as one line.
        let text =
            format!("{HEADER}91411224MA9G2L3D1P,甲公司,张三,\"卢氏县\r\n\t城关镇\",,active\n");
        assert_eq!(
            read_csv(text.as_bytes()).unwrap()[0].address,
            "卢氏县 城关镇"
        );
    }

    #[test]
    fn registration_dates_lie_between_1949_and_the_day_of_the_import() {
        let row =
            |date: &str| format!("{HEADER}91411224MA9G2L3D1P,甲公司,张三,卢氏县,{date},active\n");
        let today = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        for ok in ["1949-10-01", "2026-03-03"] {
            assert!(read_csv_as_of(row(ok).as_bytes(), today).is_ok(), "{ok}");
        }
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            problems(&row("1949-09-30")),
            vec![(2, RowProblem::DateTooEarly(date("1949-09-30")))]
        );
        assert_eq!(
            problems(&row("2026-03-04")),
            vec![(
                2,
                RowProblem::DateInFuture {
                    date: date("2026-03-04"),
                    today
                }
            )]
        );
        // Without a date given, today is the system's.
        let errors = read_csv(row("2999-01-01").as_bytes()).unwrap_err();
        assert!(
            errors[0]
                .to_string()
                .starts_with("row 2: registration date 2999-01-01 is after the day of the import"),
            "{errors:?}"
        );
    }

    #[test]
    fn status_names() {
        for s in LicenceStatus::ALL {
            assert_eq!(s.as_str().parse::<LicenceStatus>().unwrap(), s);
            assert_eq!(s.name_zh().parse::<LicenceStatus>().unwrap(), s);
        }
        assert!("吊销".parse::<LicenceStatus>().unwrap() == LicenceStatus::Revoked);
        assert!("gone".parse::<LicenceStatus>().is_err());
    }
}
