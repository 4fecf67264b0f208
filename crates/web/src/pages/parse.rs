//! Reading the amounts and lists people type into forms: money in yuan,
//! the lines of a quote and the items of a price catalogue.
//!
//! Money is read as text, digit by digit, into integer fen: no floating
//! point ever touches an amount. Each function answers a refusal with the
//! Chinese sentence the page shows.

use gasdesk_domain::catalogue::{PriceItem, QuoteRequestLine};
use gasdesk_domain::connection::normalise_width;

/// More integer digits than this is no amount anyone charges (a trillion
/// yuan), and keeps every amount well inside an `i64` of fen.
const YUAN_DIGITS_MAX: usize = 12;

/// Why an amount typed in yuan was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YuanRefusal {
    Empty,
    Negative,
    /// More than two decimals: below the fen.
    TooPrecise,
    NotAnAmount,
    TooLarge,
}

impl YuanRefusal {
    /// The sentence a page shows for any amount.
    pub fn message(self) -> &'static str {
        match self {
            YuanRefusal::Empty => "请填写金额（元），如 1000.50。",
            YuanRefusal::Negative => "金额不能为负数。",
            YuanRefusal::TooPrecise => "金额最多保留两位小数（到分），如 1000.50。",
            YuanRefusal::NotAnAmount => {
                "金额格式不正确：请填写以元为单位的数字，最多两位小数，如 1000.50。"
            }
            YuanRefusal::TooLarge => "金额过大，请核对。",
        }
    }

    /// What is wrong with the amount, for a sentence that names it.
    pub fn detail(self) -> &'static str {
        match self {
            YuanRefusal::Empty => "未填写。",
            YuanRefusal::Negative => "金额不能为负数。",
            YuanRefusal::TooPrecise => "最多保留两位小数（到分），如 1000.50。",
            YuanRefusal::NotAnAmount => "请填写以元为单位的数字，最多两位小数，如 1000.50。",
            YuanRefusal::TooLarge => "金额过大，请核对。",
        }
    }
}

/// Reads an amount in yuan with at most two decimals, such as `1000.50`,
/// `12.5` or `¥1,234.56`, as integer fen. Thousands separators are
/// accepted only in groups of three; a sign, letters or a third decimal
/// are refused.
pub fn yuan_to_fen(text: &str) -> Result<i64, String> {
    read_yuan(text).map_err(|why| why.message().to_string())
}

/// [`yuan_to_fen`], saying why an amount was refused rather than how.
/// Full-width digits, points and commas, as Chinese input methods type
/// them, read as their ASCII forms.
pub fn read_yuan(text: &str) -> Result<i64, YuanRefusal> {
    let text: String = normalise_width(text)
        .chars()
        .map(|c| match c {
            '\u{FF0E}' => '.',
            '\u{FF0C}' => ',',
            c => c,
        })
        .collect();
    let text = text.trim();
    let text = text
        .strip_prefix('¥')
        .or_else(|| text.strip_prefix('￥'))
        .unwrap_or(text)
        .trim_start();
    if text.is_empty() {
        return Err(YuanRefusal::Empty);
    }
    if text.starts_with('-') || text.starts_with('−') {
        return Err(YuanRefusal::Negative);
    }
    let (whole, decimals) = match text.split_once('.') {
        Some((w, d)) => (w, Some(d)),
        None => (text, None),
    };
    let digits = whole_digits(whole).ok_or(YuanRefusal::NotAnAmount)?;
    let cents = match decimals {
        None => 0,
        Some(d) if d.is_empty() || !d.chars().all(|c| c.is_ascii_digit()) => {
            return Err(YuanRefusal::NotAnAmount);
        }
        Some(d) if d.len() > 2 => return Err(YuanRefusal::TooPrecise),
        Some(d) => {
            let value: i64 = d.parse().map_err(|_| YuanRefusal::NotAnAmount)?;
            if d.len() == 1 { value * 10 } else { value }
        }
    };
    if digits.len() > YUAN_DIGITS_MAX {
        return Err(YuanRefusal::TooLarge);
    }
    let yuan: i64 = digits.parse().map_err(|_| YuanRefusal::NotAnAmount)?;
    yuan.checked_mul(100)
        .and_then(|fen| fen.checked_add(cents))
        .ok_or(YuanRefusal::TooLarge)
}

/// Fen as a form field holds yuan, without separators: `259999.50`.
pub fn plain_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    format!("{sign}{}.{:02}", fen / 100, fen % 100)
}

/// The digits of the whole yuan, with any thousands separators checked
/// and removed: `1,234,567` but not `12,34` or `1,,000`.
fn whole_digits(whole: &str) -> Option<String> {
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit() || c == ',') {
        return None;
    }
    if !whole.contains(',') {
        return Some(whole.to_string());
    }
    let groups: Vec<&str> = whole.split(',').collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    (first_ok && rest_ok).then(|| groups.concat())
}

/// Reads the quote textarea: one item a line, its catalogue code and the
/// quantity, separated by spaces, a tab or a comma (`GD-DN25 25`). Blank
/// lines are skipped; the same code twice is refused, so that one item is
/// one line of the quote.
pub fn quote_lines(text: &str) -> Result<Vec<QuoteRequestLine>, String> {
    let mut lines: Vec<(usize, QuoteRequestLine)> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = normalise_width(raw);
        let parts: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，'))
            .filter(|p| !p.is_empty())
            .collect();
        let (code, quantity) = match parts.as_slice() {
            [] => continue,
            [code, quantity] => (*code, *quantity),
            _ => {
                return Err(format!(
                    "第{number}行格式不正确：每行填写“编码 数量”，如 GD-DN25 25。"
                ));
            }
        };
        let quantity = match quantity.parse::<i64>() {
            Ok(q) if q > 0 => q,
            _ => {
                return Err(format!(
                    "第{number}行的数量“{quantity}”不正确：数量应为正整数。"
                ));
            }
        };
        if let Some((first, _)) = lines.iter().find(|(_, l)| l.code == code) {
            return Err(format!(
                "编码 {code} 重复出现（第{first}行、第{number}行），请合并为一行。"
            ));
        }
        lines.push((
            number,
            QuoteRequestLine {
                code: code.to_string(),
                quantity,
            },
        ));
    }
    if lines.is_empty() {
        return Err("请填写报价清单：每行一项，“编码 数量”。".to_string());
    }
    Ok(lines.into_iter().map(|(_, l)| l).collect())
}

/// The quote lines as the textarea shows them again.
pub fn quote_text(lines: &[QuoteRequestLine]) -> String {
    lines
        .iter()
        .map(|l| format!("{} {}", l.code, l.quantity))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads the catalogue textarea: one item a line, `编码,名称,单位,单价(元)`,
/// separated by commas (ASCII or full-width) or tabs, as a spreadsheet
/// copies them. The price is the rest of the line, so it may carry
/// thousands separators. Blank lines are skipped.
pub fn catalogue_items(text: &str) -> Result<Vec<PriceItem>, String> {
    let mut items: Vec<(usize, PriceItem)> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = normalise_width(raw);
        if line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.splitn(4, [',', '，', '\t']).map(str::trim).collect();
        let [code, name, unit, price] = parts.as_slice() else {
            return Err(format!(
                "第{number}行格式不正确：每行填写“编码,名称,单位,单价(元)”。"
            ));
        };
        if code.is_empty() || name.is_empty() || unit.is_empty() {
            return Err(format!("第{number}行的编码、名称、单位都须填写。"));
        }
        let unit_price_fen = yuan_to_fen(price).map_err(|e| format!("第{number}行单价：{e}"))?;
        if let Some((first, _)) = items.iter().find(|(_, i)| i.code == *code) {
            return Err(format!(
                "编码 {code} 重复出现（第{first}行、第{number}行），每个编码只能有一项。"
            ));
        }
        items.push((
            number,
            PriceItem {
                code: code.to_string(),
                name: name.to_string(),
                unit: unit.to_string(),
                unit_price_fen,
            },
        ));
    }
    if items.is_empty() {
        return Err("请填写价格清单：每行一项，“编码,名称,单位,单价(元)”。".to_string());
    }
    Ok(items.into_iter().map(|(_, i)| i).collect())
}

/// The catalogue items as the textarea shows them again, prices in yuan
/// without separators so that the line reads back the same.
pub fn catalogue_text(items: &[PriceItem]) -> String {
    items
        .iter()
        .map(|i| {
            let fen = i.unit_price_fen;
            format!(
                "{},{},{},{}.{:02}",
                i.code,
                i.name,
                i.unit,
                fen / 100,
                fen % 100
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_are_read_to_the_fen_without_floats() {
        for (text, fen) in [
            ("0.01", 1),
            ("1", 100),
            ("1.5", 150),
            ("1234.56", 123_456),
            ("1,234.56", 123_456),
            ("12,345,678.9", 1_234_567_890),
            ("¥360,000.00", 36_000_000),
            ("￥ 20", 2_000),
            ("１２３．４５", 12_345),
            ("１，２３４．５", 123_450),
            // 0.29 and 0.57 are the classic binary-float traps.
            ("0.29", 29),
            ("1234567.57", 123_456_757),
        ] {
            assert_eq!(read_yuan(text), Ok(fen), "{text}");
        }
        for text in [
            "",
            "abc",
            "-5",
            "+5",
            "1.234",
            "1.",
            ".5",
            "1,23",
            "1234,567",
            "1,,234",
            "1e3",
            "1 000",
            "92233720368547758.08",
            "100000000000000000",
        ] {
            assert!(read_yuan(text).is_err(), "{text}");
        }
    }

    #[test]
    fn a_refused_amount_says_why() {
        assert_eq!(read_yuan("  "), Err(YuanRefusal::Empty));
        assert_eq!(read_yuan("-1"), Err(YuanRefusal::Negative));
        assert_eq!(read_yuan("1.005"), Err(YuanRefusal::TooPrecise));
        assert_eq!(read_yuan("12元"), Err(YuanRefusal::NotAnAmount));
        assert_eq!(read_yuan("9999999999999"), Err(YuanRefusal::TooLarge));
    }

    #[test]
    fn fen_for_a_form_field_stay_plain() {
        assert_eq!(plain_yuan(25_999_950), "259999.50");
        assert_eq!(plain_yuan(7), "0.07");
        assert_eq!(plain_yuan(-150), "-1.50");
    }

    #[test]
    fn the_catalogue_text_reads_back_as_the_same_items() {
        let items = vec![
            PriceItem {
                code: "GD-DN25".into(),
                name: "DN25 镀锌钢管安装".into(),
                unit: "米".into(),
                unit_price_fen: 8_650,
            },
            PriceItem {
                code: "BJ-01".into(),
                name: "可燃气体报警器".into(),
                unit: "台".into(),
                unit_price_fen: 5,
            },
        ];
        assert_eq!(
            catalogue_text(&items),
            "GD-DN25,DN25 镀锌钢管安装,米,86.50\nBJ-01,可燃气体报警器,台,0.05"
        );
        assert_eq!(catalogue_items(&catalogue_text(&items)).unwrap(), items);
    }
}
