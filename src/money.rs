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
    /// The ISO 4217 currency.
    pub currency: Currency,
    /// The exact amount.
    pub amount: Decimal,
}

/// The most significant digits a number may have: what a decimal holds exactly, whatever the
/// digits.
pub const MAX_DIGITS: usize = 28;

/// A plain decimal (`-1250.00`, `3.5`; `_` between digits allowed where `underscores`), read
/// exactly: `None` if it has more than [`MAX_DIGITS`] significant digits, or is not one. One
/// pass over the bytes builds the exact mantissa and scale (the ledger reader's hot path).
pub fn exact_decimal(text: &str, underscores: bool) -> Option<Decimal> {
    exact_decimal_bytes(text.as_bytes(), underscores)
}

/// [`exact_decimal`] of bytes (a ledger's field, read before it is known to be text).
pub fn exact_decimal_bytes(bytes: &[u8], underscores: bool) -> Option<Decimal> {
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, bytes.get(1..)?),
        Some(b'+') => (false, bytes.get(1..)?),
        _ => (false, bytes),
    };
    // Most amounts have at most 18 digits: summed in a u64, with no overflow possible.
    if digits.len() <= 18 && !underscores {
        let mut m: u64 = 0;
        let mut point: Option<usize> = None;
        for (i, &b) in digits.iter().enumerate() {
            let d = b.wrapping_sub(b'0');
            if d <= 9 {
                m = m * 10 + u64::from(d);
            } else if b == b'.' && point.is_none() {
                point = Some(i);
            } else {
                return None;
            }
        }
        // Digits on both sides of a point, if there is one; the scale is the digits after it.
        let scale = match point {
            Some(p) if p > 0 && p + 1 < digits.len() => u32::try_from(digits.len() - p - 1).ok()?,
            Some(_) => return None,
            None if digits.is_empty() => return None,
            None => 0,
        };
        // At most 18 digits: below 10^18, within an i64 and the 96 bits of a decimal.
        let m = i64::try_from(m).ok()?;
        return Decimal::try_new(if negative { -m } else { m }, scale).ok();
    }
    let mut mantissa: i128 = 0;
    let mut significant = 0usize;
    let mut scale = 0u32;
    let mut int_digits = 0usize;
    let mut point = false;
    let mut last_digit = false;
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                if point {
                    scale += 1;
                } else {
                    int_digits += 1;
                }
                if significant > 0 || b != b'0' || point {
                    significant += 1;
                }
                if significant > MAX_DIGITS {
                    return None;
                }
                mantissa = mantissa * 10 + i128::from(b - b'0');
                last_digit = true;
            }
            b'.' if !point && last_digit => {
                point = true;
                last_digit = false;
            }
            b'_' if underscores && last_digit => last_digit = false,
            _ => return None,
        }
    }
    // Digits on both sides of a point, and none of `_` or `.` last.
    if int_digits == 0 || !last_digit || (point && scale == 0) {
        return None;
    }
    if negative {
        mantissa = -mantissa;
    }
    Decimal::try_from_i128_with_scale(mantissa, scale).ok()
}

/// `a × b`, exactly: `None` when the product needs more than 28 significant digits (a decimal
/// would round it) or overflows.
#[inline]
pub fn exact_mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    let product = |a: Decimal, b: Decimal| {
        let m = a.mantissa().checked_mul(b.mantissa())?;
        Decimal::try_from_i128_with_scale(m, a.scale() + b.scale()).ok()
    };
    // Trailing zeros may make room: only then are they dropped.
    product(a, b).or_else(|| product(a.normalize(), b.normalize()))
}

/// `a + b`, exactly: `None` when the sum needs more than a decimal holds (it would round).
#[inline(always)]
pub fn exact_add(a: Decimal, b: Decimal) -> Option<Decimal> {
    // One scale (the usual case in a ledger): the mantissas add in an i128 without loss, and
    // the sum is exact if it fits a decimal at that scale. This part is inlined where sums are
    // made row by row; the rest is not.
    if a.scale() == b.scale() {
        if let Ok(sum) = Decimal::try_from_i128_with_scale(a.mantissa() + b.mantissa(), a.scale()) {
            return Some(sum);
        }
    }
    exact_add_scaled(a, b)
}

/// [`exact_add`] of two decimals of different scales, or of one scale whose sum does not fit it.
#[inline(never)]
fn exact_add_scaled(a: Decimal, b: Decimal) -> Option<Decimal> {
    // A decimal adds exactly unless it must drop digits to fit: then the sum's scale falls
    // below the larger of the two.
    let sum = a.checked_add(b)?;
    if sum.scale() >= a.scale().max(b.scale()) {
        return Some(sum);
    }
    // It dropped digits: the sum again in integers, at the larger scale of the two (trailing
    // zeros dropped first, so that scale is no larger than the values need), exact or `None`.
    // Checking the rounded sum by subtracting back rounds again (0.83499 + 10^24 came back as
    // 10^24 + 0.835, "checked" by a second rounding).
    let (a, b) = (a.normalize(), b.normalize());
    let scale = a.scale().max(b.scale());
    let up = |d: Decimal| {
        10i128
            .checked_pow(scale - d.scale())
            .and_then(|f| d.mantissa().checked_mul(f))
    };
    let mut sum = up(a)?.checked_add(up(b)?)?;
    let mut scale = scale;
    loop {
        if let Ok(d) = Decimal::try_from_i128_with_scale(sum, scale) {
            return Some(d);
        }
        // Trailing zeros of the sum itself may make room.
        if scale == 0 || sum % 10 != 0 {
            return None;
        }
        sum /= 10;
        scale -= 1;
    }
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
    let digits = minor_digits(currency) as usize;
    let text = round(currency, amount).to_string();
    // A decimal with 28 digits before the point cannot also hold the minor unit's digits:
    // they are zeros after rounding, so they are written out.
    let have = text.split_once('.').map_or(0, |(_, f)| f.len());
    if have >= digits {
        return text;
    }
    let mut text = text;
    if have == 0 && digits > 0 {
        text.push('.');
    }
    text.extend(std::iter::repeat_n('0', digits - have));
    text
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
        // 28 digits before the point: the minor unit's zeros are written out all the same.
        assert_eq!(
            plain(Currency::USD, dec("5000000000000000000000000000")),
            "5000000000000000000000000000.00"
        );
    }

    proptest::proptest! {
        /// The reader of ledger amounts agrees with a reading written apart: a sign, digits,
        /// and a point with digits on both sides, read exactly by `rust_decimal` (value and
        /// scale), else nothing.
        #[test]
        fn amounts_read_as_written(text in "[-+]?[0-9.x]{0,22}") {
            let b = text.as_bytes();
            let body = b.strip_prefix(b"-").or_else(|| b.strip_prefix(b"+")).unwrap_or(b);
            let parts: Vec<&[u8]> = body.split(|&c| c == b'.').collect();
            let shaped = parts.len() <= 2
                && parts.iter().all(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit));
            let want = if shaped { Decimal::from_str_exact(&text).ok() } else { None };
            let got = exact_decimal_bytes(b, false);
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!(got.map(|d| d.scale()), want.map(|d| d.scale()));
        }
    }

    #[test]
    fn exact_or_nothing() {
        assert_eq!(
            exact_decimal("0.5000000000000000000000000001", false),
            Some(dec("0.5000000000000000000000000001"))
        );
        assert_eq!(exact_decimal("12345678901234567890123456789", false), None);
        assert_eq!(exact_decimal("1_000.50", true), Some(dec("1000.50")));
        assert_eq!(exact_decimal("1_000.50", false), None);
        assert_eq!(
            exact_decimal("0000000000000000000000000000000001.5", false),
            Some(dec("1.5"))
        );
        // 1000000000000000000000.05 × 0.1000001 needs 30 digits: a decimal would round it.
        assert_eq!(
            exact_mul(dec("1000000000000000000000.05"), dec("0.1000001")),
            None
        );
        assert_eq!(exact_mul(dec("1.50"), dec("0.2")), Some(dec("0.3")));
        assert_eq!(
            exact_add(dec("79228162514264337593543950335"), dec("0.5")),
            None
        );
        assert_eq!(exact_add(dec("1.25"), dec("-0.25")), Some(dec("1.00")));
        assert_eq!(exact_add(dec("0.1"), dec("0.02")), Some(dec("0.12")));
        // 10^24 + 0.83499 needs 30 digits: refused in either order, never 10^24 + 0.835.
        assert_eq!(
            exact_add(dec("0.83499"), dec("1000000000000000000000000")),
            None
        );
        assert_eq!(
            exact_add(dec("1000000000000000000000000"), dec("0.83499")),
            None
        );
        // Trailing zeros make room: 10^27 + 1.50 is 1000000000000000000000000001.5 exactly.
        assert_eq!(
            exact_add(dec("1000000000000000000000000000"), dec("1.50")),
            Some(dec("1000000000000000000000000001.5"))
        );
        // A sum whose own trailing zeros make room: 0.5 + 0.5 at scales 1 and 28.
        assert_eq!(
            exact_add(dec("0.5"), dec("0.5000000000000000000000000000")),
            Some(dec("1"))
        );
        assert_eq!(
            exact_add(dec("79228162514264337593543950334"), dec("1.0")),
            Some(dec("79228162514264337593543950335"))
        );
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
