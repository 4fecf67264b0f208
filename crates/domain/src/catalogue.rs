//! The price catalogue the Business Planning Dept keeps, and itemised
//! quotes priced from it.
//!
//! Money is integer fen throughout. A catalogue is published as a new
//! version and never changed afterwards; a quote names the version it was
//! priced with and copies each unit price, so a later catalogue never moves
//! a quote already made. Every amount is recomputed and checked before it is
//! relied on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::DomainError;

/// At most this many items in a catalogue, lines in a quote.
const ITEMS_MAX: usize = 500;
const LINES_MAX: usize = 200;
/// No unit price above 10 million yuan; no quantity above a million units.
const UNIT_PRICE_MAX_FEN: i64 = 1_000_000_000;
const QUANTITY_MAX: i64 = 1_000_000;
/// No quote above a billion yuan: well inside what every client reads as
/// an exact integer.
const QUOTE_TOTAL_MAX_FEN: i64 = 100_000_000_000;

/// One priced item, e.g. a metre of DN25 steel pipe laid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PriceItem {
    /// Stable code quotes refer to, e.g. `GD-DN25`.
    pub code: String,
    pub name: String,
    /// The unit a quantity counts, e.g. 米, 个, 台, 项.
    pub unit: String,
    pub unit_price_fen: i64,
}

/// A published version of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PriceCatalogue {
    /// 1 for the first catalogue, one more for each publication.
    pub version: i64,
    pub items: Vec<PriceItem>,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
    pub note: Option<String>,
}

impl PriceCatalogue {
    pub fn item(&self, code: &str) -> Option<&PriceItem> {
        self.items.iter().find(|i| i.code == code)
    }
}

/// Checks the items of a catalogue about to be published: codes unique and
/// plain, names and units present, prices whole fen within bounds.
pub fn check_items(items: &[PriceItem]) -> Result<Vec<PriceItem>, DomainError> {
    if items.is_empty() || items.len() > ITEMS_MAX {
        return Err(DomainError::invalid("items"));
    }
    let mut checked: Vec<PriceItem> = Vec::with_capacity(items.len());
    for item in items {
        let code = item.code.trim();
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if code.is_empty() || code.len() > 40 || !code.chars().all(plain) {
            return Err(DomainError::invalid("code"));
        }
        if checked.iter().any(|c| c.code.eq_ignore_ascii_case(code)) {
            return Err(DomainError::invalid("code"));
        }
        if !(0..=UNIT_PRICE_MAX_FEN).contains(&item.unit_price_fen) {
            return Err(DomainError::invalid("unit_price_fen"));
        }
        checked.push(PriceItem {
            code: code.to_string(),
            name: crate::connection::required_text("name", &item.name)?,
            unit: crate::connection::required_text("unit", &item.unit)?,
            unit_price_fen: item.unit_price_fen,
        });
    }
    Ok(checked)
}

/// A line as the designer asks for it: an item and how many units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QuoteRequestLine {
    pub code: String,
    pub quantity: i64,
}

/// A priced line of a quote, with the unit price it was priced at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QuoteLine {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub unit_price_fen: i64,
    pub quantity: i64,
    pub amount_fen: i64,
}

/// An itemised quote: one revision, priced from one catalogue version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Quote {
    /// 1 for the first quote on an application, one more per revision.
    pub revision: u32,
    pub catalogue_version: i64,
    pub lines: Vec<QuoteLine>,
    pub total_fen: i64,
    pub issued_at: DateTime<Utc>,
    pub issued_by: String,
    /// When the applicant confirmed this revision.
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl Quote {
    /// Prices the requested lines from `catalogue`. An unknown code, a
    /// quantity out of bounds, the same item twice or a sum beyond what an
    /// `i64` of fen holds is refused.
    pub fn price(
        catalogue: &PriceCatalogue,
        request: &[QuoteRequestLine],
        revision: u32,
        issued_at: DateTime<Utc>,
        issued_by: &str,
    ) -> Result<Quote, DomainError> {
        if request.is_empty() || request.len() > LINES_MAX {
            return Err(DomainError::invalid("quote"));
        }
        let mut lines: Vec<QuoteLine> = Vec::with_capacity(request.len());
        for r in request {
            let code = r.code.trim();
            let item = catalogue.item(code).ok_or(DomainError::UnknownPriceItem)?;
            if !(1..=QUANTITY_MAX).contains(&r.quantity) {
                return Err(DomainError::invalid("quantity"));
            }
            if lines.iter().any(|l| l.code == item.code) {
                return Err(DomainError::invalid("quote"));
            }
            let amount_fen = item
                .unit_price_fen
                .checked_mul(r.quantity)
                .ok_or(DomainError::invalid("quantity"))?;
            lines.push(QuoteLine {
                code: item.code.clone(),
                name: item.name.clone(),
                unit: item.unit.clone(),
                unit_price_fen: item.unit_price_fen,
                quantity: r.quantity,
                amount_fen,
            });
        }
        let total_fen = sum(lines.iter().map(|l| l.amount_fen))
            .filter(|t| *t <= QUOTE_TOTAL_MAX_FEN)
            .ok_or(DomainError::invalid("quote"))?;
        Ok(Quote {
            revision,
            catalogue_version: catalogue.version,
            lines,
            total_fen,
            issued_at,
            issued_by: issued_by.to_string(),
            confirmed_at: None,
        })
    }

    /// Every line's amount is its unit price times its quantity and the
    /// total is their sum: a stored quote that fails this was tampered with
    /// or damaged, and is not charged.
    pub fn is_consistent(&self) -> bool {
        let lines_ok = self.lines.iter().all(|l| {
            l.quantity > 0
                && l.unit_price_fen >= 0
                && l.unit_price_fen.checked_mul(l.quantity) == Some(l.amount_fen)
        });
        lines_ok && sum(self.lines.iter().map(|l| l.amount_fen)) == Some(self.total_fen)
    }
}

/// One payment, with its receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Payment {
    pub amount_fen: i64,
    pub receipt_number: String,
    pub method: String,
    pub paid_at: DateTime<Utc>,
    /// The quote revision paid against.
    pub quote_revision: u32,
}

/// Records a payment against `quote` with its receipt and returns what is
/// still outstanding. The quote is checked first; a payment that would take
/// the total paid past the quote, a receipt used twice, or a non-positive
/// amount is refused.
pub fn pay(
    quote: &Quote,
    payments: &mut Vec<Payment>,
    amount_fen: i64,
    receipt_number: &str,
    method: &str,
    at: DateTime<Utc>,
) -> Result<i64, DomainError> {
    let receipt_number = crate::connection::required_text("receipt_number", receipt_number)?;
    let method = crate::connection::required_text("method", method)?;
    if !quote.is_consistent() {
        return Err(DomainError::QuoteInconsistent);
    }
    if amount_fen <= 0 {
        return Err(DomainError::invalid("amount_fen"));
    }
    if payments.iter().any(|p| p.receipt_number == receipt_number) {
        return Err(DomainError::invalid("receipt_number"));
    }
    let paid = sum(payments.iter().map(|p| p.amount_fen)).and_then(|p| p.checked_add(amount_fen));
    let paid = match paid {
        Some(p) if p <= quote.total_fen => p,
        _ => return Err(DomainError::PaymentExceedsQuote),
    };
    payments.push(Payment {
        amount_fen,
        receipt_number,
        method,
        paid_at: at,
        quote_revision: quote.revision,
    });
    Ok(quote.total_fen - paid)
}

/// A sum of fen that refuses to overflow.
pub fn sum(amounts: impl IntoIterator<Item = i64>) -> Option<i64> {
    amounts.into_iter().try_fold(0i64, i64::checked_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> PriceCatalogue {
        PriceCatalogue {
            version: 3,
            items: vec![
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
                    unit_price_fen: 48_000,
                },
            ],
            published_at: DateTime::<Utc>::MIN_UTC,
            published_by: "经营计划部".into(),
            note: None,
        }
    }

    fn line(code: &str, quantity: i64) -> QuoteRequestLine {
        QuoteRequestLine {
            code: code.into(),
            quantity,
        }
    }

    #[test]
    fn a_quote_is_priced_line_by_line_in_fen() {
        let q = Quote::price(
            &catalogue(),
            &[line("GD-DN25", 12), line("BJ-01", 2)],
            1,
            DateTime::<Utc>::MIN_UTC,
            "设计",
        )
        .unwrap();
        // 12 x 86.50 = 1038.00 yuan; 2 x 480.00 = 960.00 yuan.
        assert_eq!(q.lines[0].amount_fen, 103_800);
        assert_eq!(q.lines[1].amount_fen, 96_000);
        assert_eq!(q.total_fen, 199_800);
        assert_eq!(q.catalogue_version, 3);
        assert!(q.is_consistent());
    }

    #[test]
    fn unknown_items_bad_quantities_and_overflow_are_refused() {
        let at = DateTime::<Utc>::MIN_UTC;
        let c = catalogue();
        assert!(matches!(
            Quote::price(&c, &[line("NOPE", 1)], 1, at, "x"),
            Err(DomainError::UnknownPriceItem)
        ));
        for q in [0, -3, QUANTITY_MAX + 1] {
            assert!(Quote::price(&c, &[line("BJ-01", q)], 1, at, "x").is_err());
        }
        assert!(Quote::price(&c, &[line("BJ-01", 1), line("BJ-01", 1)], 1, at, "x").is_err());
        let mut dear = c.clone();
        dear.items[0].unit_price_fen = i64::MAX / 2;
        assert!(Quote::price(&dear, &[line("GD-DN25", 3)], 1, at, "x").is_err());
    }

    #[test]
    fn a_changed_amount_makes_the_quote_inconsistent() {
        let mut q = Quote::price(
            &catalogue(),
            &[line("GD-DN25", 1)],
            1,
            DateTime::<Utc>::MIN_UTC,
            "x",
        )
        .unwrap();
        q.lines[0].amount_fen += 1;
        assert!(!q.is_consistent());
        q.lines[0].amount_fen -= 1;
        q.total_fen -= 1;
        assert!(!q.is_consistent());
    }

    #[test]
    fn catalogue_items_are_checked() {
        let mut items = catalogue().items;
        assert_eq!(check_items(&items).unwrap().len(), 2);
        items[1].code = "GD-DN25".into();
        assert!(check_items(&items).is_err());
        let mut items = catalogue().items;
        items[0].unit_price_fen = -1;
        assert!(check_items(&items).is_err());
        assert!(check_items(&[]).is_err());
    }
}
