//! Days, durations and calendar arithmetic.
//!
//! Days are `chrono::NaiveDate`. Adding months or years keeps the day of the month, clamped to the
//! month's last day (2024-01-31 + 1 month = 2024-02-29); subtracting likewise. Arithmetic that
//! would leave chrono's range gives `None`, never a panic.

use std::fmt;

use chrono::{Datelike, Days, Months, NaiveDate};

pub use crate::vocab::DurationUnit;

/// A whole number of days, months or years.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Duration {
    /// How many units.
    pub count: u32,
    /// Days, months or years.
    pub unit: DurationUnit,
}

impl Duration {
    /// No time at all.
    pub const ZERO: Duration = Duration {
        count: 0,
        unit: DurationUnit::Days,
    };

    /// The duration in calendar months, or (`Err`) in days; `None` when it overflows.
    fn span(self) -> Option<Result<u32, u64>> {
        let count = u64::from(self.count);
        Some(match self.unit {
            DurationUnit::Days => Err(count),
            DurationUnit::Weeks => Err(count.checked_mul(7)?),
            DurationUnit::Months => Ok(self.count),
            DurationUnit::Quarters => Ok(self.count.checked_mul(3)?),
            DurationUnit::Years => Ok(self.count.checked_mul(12)?),
        })
    }

    /// The sum of two durations of the same kind (both in months, or both in days); `None`
    /// for durations of different kinds or on overflow.
    pub fn plus(self, other: Duration) -> Option<Duration> {
        match (self.span()?, other.span()?) {
            (Ok(a), Ok(b)) => Some(Duration {
                count: a.checked_add(b)?,
                unit: DurationUnit::Months,
            }),
            (Err(a), Err(b)) => Some(Duration {
                count: u32::try_from(a.checked_add(b)?).ok()?,
                unit: DurationUnit::Days,
            }),
            _ => None,
        }
    }

    /// `k` times this duration (`None` when the count overflows).
    pub fn times(self, k: u32) -> Option<Duration> {
        Some(Duration {
            count: self.count.checked_mul(k)?,
            unit: self.unit,
        })
    }

    /// `day + self`, clamped to month ends; `None` out of range.
    pub fn after(self, day: NaiveDate) -> Option<NaiveDate> {
        match self.span()? {
            Err(days) => day.checked_add_days(Days::new(days)),
            Ok(m) => day.checked_add_months(Months::new(m)),
        }
    }

    /// `day - self`, clamped to month ends; `None` out of range.
    pub fn before(self, day: NaiveDate) -> Option<NaiveDate> {
        match self.span()? {
            Err(days) => day.checked_sub_days(Days::new(days)),
            Ok(m) => day.checked_sub_months(Months::new(m)),
        }
    }

    /// The first day `d` with `d - self >= day`: the day a lead counted from `day` is met.
    ///
    /// Subtraction with clamping is monotone, so the answer is `day + self` or a few days
    /// before it (when clamping makes several days map to one).
    pub fn first_day_after_lead(self, day: NaiveDate) -> Option<NaiveDate> {
        let mut d = self.after(day)?;
        // Clamping may land short (2024-01-31 + 1 month = 02-29, but 02-29 - 1 month = 01-29).
        while self.before(d)? < day {
            d = d.succ_opt()?;
        }
        while let Some(prev) = d.pred_opt() {
            match self.before(prev) {
                Some(back) if back >= day => d = prev,
                _ => break,
            }
        }
        Some(d)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match (self.unit, self.count == 1) {
            (DurationUnit::Days, true) => "day",
            (DurationUnit::Days, false) => "days",
            (DurationUnit::Weeks, true) => "week",
            (DurationUnit::Weeks, false) => "weeks",
            (DurationUnit::Quarters, true) => "quarter",
            (DurationUnit::Quarters, false) => "quarters",
            (DurationUnit::Months, true) => "month",
            (DurationUnit::Months, false) => "months",
            (DurationUnit::Years, true) => "year",
            (DurationUnit::Years, false) => "years",
        };
        write!(f, "{} {unit}", self.count)
    }
}

/// The day after the end of a month (`through 2030-12` = `until 2031-01-01`).
pub fn after_month(year: i32, month: u32) -> Option<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    first.checked_add_months(Months::new(1))
}

/// The day after the end of a year (`through 2032` = `until 2033-01-01`).
pub fn after_year(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)
}

/// Formats a day as `YYYY-MM-DD` (years beyond four digits keep their sign, as chrono does).
pub fn iso(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Parses exactly `YYYY-MM-DD`.
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    parse_day_bytes(text.as_bytes())
}

/// [`parse_day`] of bytes (a ledger's field, read before it is known to be text).
///
/// Read eight bytes at a time: every question with a day and every ledger row whose day differs
/// from the row before reads one, so the shape is checked and the digits taken without a
/// branch each.
pub fn parse_day_bytes(b: &[u8]) -> Option<NaiveDate> {
    let b: &[u8; 10] = b.try_into().ok()?;
    let head = u64::from_le_bytes(*b.first_chunk::<8>()?);
    let tail = u64::from(u16::from_le_bytes(*b.last_chunk::<2>()?)) | 0x3030_3030_3030_0000;
    // Bytes 4 and 7 of the head are dashes, the others digits: a digit's high half is 3 and
    // stays 3 when 6 is added to it. (A byte of 0xFA or more carries into the next, but its
    // own high half is not 3.)
    const DASHES: u64 = 0xFF00_00FF_0000_0000;
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const THREES: u64 = 0x3030_3030_3030_3030;
    let digits =
        |x: u64| x & HIGH == THREES && x.wrapping_add(0x0606_0606_0606_0606) & HIGH == THREES;
    if head & DASHES != 0x2D00_002D_0000_0000
        || !digits((head & !DASHES) | (THREES & DASHES))
        || !digits(tail)
    {
        return None;
    }
    let v = |x: u64, byte: u32| ((x >> (8 * byte)) & 0x0F) as u32;
    let year = v(head, 0) * 1000 + v(head, 1) * 100 + v(head, 2) * 10 + v(head, 3);
    let month = v(head, 5) * 10 + v(head, 6);
    let day = v(tail, 0) * 10 + v(tail, 1);
    NaiveDate::from_ymd_opt(year as i32, month, day)
}

/// The first day on or after `day` that starts a period (0.2): January 1, the first of a
/// quarter or of a month, or an anniversary of `anchor` (contract years, each computed from the
/// anchor and clamped to the month's end). `None` beyond the calendar.
pub fn period_start_on_or_after(
    period: crate::vocab::Period,
    anchor: NaiveDate,
    day: NaiveDate,
) -> Option<NaiveDate> {
    use crate::vocab::Period;
    let first_of = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1);
    let (y, m) = (day.year(), day.month());
    match period {
        Period::Year => {
            if day.ordinal() == 1 {
                Some(day)
            } else {
                first_of(y.checked_add(1)?, 1)
            }
        }
        Period::Month | Period::Quarter => {
            let step = if period == Period::Month { 1 } else { 3 };
            // The period containing the day starts in month m0; the next in m0 + step.
            let m0 = (m - 1) / step * step + 1;
            if day.day() == 1 && m == m0 {
                return Some(day);
            }
            let next = m0 + step;
            if next > 12 {
                first_of(y.checked_add(1)?, next - 12)
            } else {
                first_of(y, next)
            }
        }
        Period::ContractYear => {
            // The least n with anchor + n years >= day (n >= 0).
            let mut n = u32::try_from((day.year() - anchor.year()).max(0)).ok()?;
            n = n.saturating_sub(1);
            loop {
                let d = anchor.checked_add_months(Months::new(n.checked_mul(12)?))?;
                if d >= day {
                    return Some(d);
                }
                n = n.checked_add(1)?;
            }
        }
    }
}

/// The calendar year of a day.
pub fn year_of(day: NaiveDate) -> i32 {
    day.year()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_day(s).unwrap_or_default()
    }

    fn dur(count: u32, unit: DurationUnit) -> Duration {
        Duration { count, unit }
    }

    #[test]
    fn months_clamp_to_month_end() {
        let m1 = dur(1, DurationUnit::Months);
        assert_eq!(m1.after(d("2024-01-31")), Some(d("2024-02-29")));
        assert_eq!(m1.after(d("2023-01-31")), Some(d("2023-02-28")));
        assert_eq!(m1.before(d("2024-03-31")), Some(d("2024-02-29")));
        assert_eq!(
            dur(1, DurationUnit::Years).after(d("2024-02-29")),
            Some(d("2025-02-28"))
        );
    }

    #[test]
    fn days_are_exact() {
        assert_eq!(
            dur(30, DurationUnit::Days).after(d("2026-04-23")),
            Some(d("2026-05-23"))
        );
        assert_eq!(Duration::ZERO.after(d("2026-04-23")), Some(d("2026-04-23")));
    }

    #[test]
    fn lead_threshold_is_the_first_day_that_meets_it() {
        // Launch 2024-01-31, lead 1 month: 02-29 - 1 month = 01-29 < 01-31, while
        // 03-01 - 1 month = 02-01 >= 01-31. So the lead is met on 03-01.
        let m1 = dur(1, DurationUnit::Months);
        assert_eq!(
            m1.first_day_after_lead(d("2024-01-31")),
            Some(d("2024-03-01"))
        );
        // 2024-03-31 - 1 month = 02-29 >= 02-29, and 03-30 - 1 month = 02-29 too: 03-29 maps
        // to 02-29 as well, 03-28 to 02-28. So for a launch on 02-29 the threshold is 03-29.
        assert_eq!(
            m1.first_day_after_lead(d("2024-02-29")),
            Some(d("2024-03-29"))
        );
        assert_eq!(
            dur(30, DurationUnit::Days).first_day_after_lead(d("2026-04-23")),
            Some(d("2026-05-23"))
        );
    }

    #[test]
    fn period_ends() {
        assert_eq!(after_year(2032), Some(d("2033-01-01")));
        assert_eq!(after_month(2030, 12), Some(d("2031-01-01")));
        assert_eq!(after_month(2024, 2), Some(d("2024-03-01")));
    }

    proptest::proptest! {
        /// Days read as a plain reading of the shape and chrono's calendar read them, with any
        /// byte anywhere.
        #[test]
        fn days_read_as_written(
            year in 0u32..10_000, month in 0u32..14, day in 0u32..33,
            at in 0usize..11, op in 0u8..3,
            byte in proptest::prop_oneof![
                proptest::prelude::any::<u8>(),
                proptest::sample::select(b"0123456789-/:".to_vec()),
            ],
        ) {
            let plain = |b: &[u8]| -> Option<NaiveDate> {
                let s = std::str::from_utf8(b).ok()?;
                let shaped = s.len() == 10
                    && s.bytes().enumerate().all(|(i, c)| match i {
                        4 | 7 => c == b'-',
                        _ => c.is_ascii_digit(),
                    });
                if !shaped {
                    return None;
                }
                let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
                NaiveDate::from_ymd_opt(n(0..4)? as i32, n(5..7)?, n(8..10)?)
            };
            // A day as written, then one byte changed, added or none.
            let mut bytes = format!("{year:04}-{month:02}-{day:02}").into_bytes();
            match op {
                0 => bytes.insert(at, byte),
                1 => if let Some(b) = bytes.get_mut(at) { *b = byte },
                _ => {}
            }
            proptest::prop_assert_eq!(parse_day_bytes(&bytes), plain(&bytes));
        }
    }

    #[test]
    fn strict_day_parsing() {
        assert_eq!(parse_day("2026-04-27"), Some(d("2026-04-27")));
        assert_eq!(parse_day("2026-4-27"), None);
        assert_eq!(parse_day("2026-02-30"), None);
        assert_eq!(parse_day("20260427xx"), None);
        assert_eq!(
            parse_day("0000-01-01").map(iso),
            Some("0000-01-01".to_string())
        );
        assert_eq!(
            parse_day("9999-12-31").map(iso),
            Some("9999-12-31".to_string())
        );
    }
}
