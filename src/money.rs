//! Amounts of money: an ISO 4217 currency and an exact decimal.
//!
//! Currencies come from `iso_currency`, which knows each code's minor unit; rounding for reports
//! is half to even at that unit. All sums are checked: an overflow is an error, never a wrap.

use std::fmt;

use iso_currency::Currency;
use rust_decimal::{Decimal, RoundingStrategy};

/// An exact amount in one currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    pub currency: Currency,
    pub amount: Decimal,
}

/// Looks up an ISO 4217 code.
pub fn currency(code: &str) -> Option<Currency> {
    Currency::from_code(code)
}

/// Digits after the decimal point in a currency's minor unit (2 when ISO gives none).
pub fn minor_digits(currency: Currency) -> u32 {
    currency.exponent().map_or(2, u32::from)
}

/// Rounds half to even at the currency's minor unit, keeping exactly that many digits.
pub fn round(currency: Currency, amount: Decimal) -> Decimal {
    let digits = minor_digits(currency);
    let mut r = amount.round_dp_with_strategy(digits, RoundingStrategy::MidpointNearestEven);
    r.rescale(digits);
    r
}

/// The amount as a plain decimal string with exactly the minor-unit digits, no separators.
pub fn plain(currency: Currency, amount: Decimal) -> String {
    round(currency, amount).to_string()
}

/// The amount with `,` thousands separators, for people.
pub fn grouped(currency: Currency, amount: Decimal) -> String {
    let s = plain(currency, amount);
    let (sign, digits) = match s.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", s.as_str()),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let mut out = String::with_capacity(s.len() + int.len() / 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.currency.code(),
            grouped(self.currency, self.amount)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn half_to_even_at_the_minor_unit() {
        let usd = Currency::USD;
        assert_eq!(plain(usd, dec("0.125")), "0.12");
        assert_eq!(plain(usd, dec("0.135")), "0.14");
        assert_eq!(plain(usd, dec("620")), "620.00");
        assert_eq!(plain(Currency::JPY, dec("10.5")), "10");
        assert_eq!(plain(Currency::JPY, dec("11.5")), "12");
        assert_eq!(plain(Currency::BHD, dec("1.0005")), "1.000");
    }

    #[test]
    fn grouping_for_people() {
        assert_eq!(
            grouped(Currency::USD, dec("38000000000")),
            "38,000,000,000.00"
        );
        assert_eq!(grouped(Currency::USD, dec("-1234.5")), "-1,234.50");
        assert_eq!(grouped(Currency::USD, dec("999")), "999.00");
    }
}
