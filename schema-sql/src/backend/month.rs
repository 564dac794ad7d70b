//! Calendar months, the unit of monthly partitions.

use std::fmt;
use std::str::FromStr;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// The year, e.g. 2026.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u32,
}

/// The years a month may have: four digits, as `YYYY-MM` and the partition names write them
/// (PostgreSQL has no year 0).
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

impl Month {
    /// The month `year`-`month`, or `None` when `month` is not 1 to 12 or `year` is not in
    /// [`YEARS`].
    pub fn new(year: i32, month: u32) -> Option<Self> {
        ((1..=12).contains(&month) && YEARS.contains(&year)).then_some(Month { year, month })
    }

    /// The month after this one; `None` past the last month of year 9999 (or of a month
    /// built outside [`YEARS`] whose year would overflow).
    pub fn next(self) -> Option<Self> {
        self.after().filter(|next| YEARS.contains(&next.year))
    }

    /// The month after this one, whatever its year; `None` when the year overflows.
    fn after(self) -> Option<Self> {
        Some(if self.month == 12 {
            Month {
                year: self.year.checked_add(1)?,
                month: 1,
            }
        } else {
            Month {
                month: self.month + 1,
                ..self
            }
        })
    }

    /// This month and the `count - 1` after it, each with the month after it (the end of its
    /// range, 10000-01 for 9999-12); `None` when one of them is past year 9999.
    pub fn range(self, count: u32) -> Option<Vec<(Month, Month)>> {
        let mut months = Vec::new();
        let mut month = self;
        for _ in 0..count {
            if !YEARS.contains(&month.year) {
                return None;
            }
            let after = month.after()?;
            months.push((month, after));
            month = after;
        }
        Some(months)
    }

    /// Midnight of the first day, as a SQL timestamp literal's text.
    pub fn start(self) -> String {
        format!("{:04}-{:02}-01 00:00:00", self.year, self.month)
    }

    /// The suffix of this month's partition name: `2026_01`.
    pub fn suffix(self) -> String {
        format!("{:04}_{:02}", self.year, self.month)
    }

    /// The current month of the system clock, in UTC.
    pub fn current() -> Self {
        let days = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() / 86_400)
            .unwrap_or_default();
        Self::from_days_since_epoch(days as i64)
    }

    /// The month of the day `days` after 1970-01-01 (Howard Hinnant's civil-from-days).
    fn from_days_since_epoch(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Month { year, month }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = String;

    /// `YYYY-MM`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid =
            || format!("`{text}` is not a month: expected YYYY-MM, from 0001-01 to 9999-12");
        let (year, month) = text.split_once('-').ok_or_else(invalid)?;
        let year = year.parse().map_err(|_| invalid())?;
        let month = month.parse().map_err(|_| invalid())?;
        Month::new(year, month).ok_or_else(invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_roll_over_the_year() {
        let months: Vec<String> = Month::new(2026, 11)
            .unwrap()
            .range(3)
            .unwrap()
            .iter()
            .map(|(m, next)| format!("{m}..{next}"))
            .collect();
        assert_eq!(
            months,
            ["2026-11..2026-12", "2026-12..2027-01", "2027-01..2027-02"]
        );
    }

    /// Months end at 9999-12: the arithmetic past it is refused, never overflowed.
    #[test]
    fn months_stop_at_year_9999_without_overflow() {
        let last = Month::new(9999, 12).unwrap();
        assert_eq!(last.next(), None);
        assert_eq!(
            last.range(1).map(|r| r[0].1.start()),
            Some("10000-01-01 00:00:00".into())
        );
        assert_eq!(last.range(2), None);
        let huge = Month {
            year: i32::MAX,
            month: 12,
        };
        assert_eq!(huge.next(), None);
        assert_eq!(Month::new(0, 1), None);
        assert_eq!(Month::new(10_000, 1), None);
    }

    #[test]
    fn months_parse_and_refuse_nonsense() {
        assert_eq!("2026-02".parse(), Ok(Month::new(2026, 2).unwrap()));
        assert_eq!(
            "2026-13".parse::<Month>(),
            Err("`2026-13` is not a month: expected YYYY-MM, from 0001-01 to 9999-12".to_string())
        );
        for text in ["0000-01", "2147483647-12", "10000-01", "-1-01"] {
            assert!(text.parse::<Month>().is_err(), "{text}");
        }
    }

    #[test]
    fn days_since_the_epoch_give_the_civil_month() {
        assert_eq!(
            Month::from_days_since_epoch(0),
            Month::new(1970, 1).unwrap()
        );
        // 2026-01-01 is day 20_454; 2026-11-24 is day 20_781.
        assert_eq!(
            Month::from_days_since_epoch(20_453),
            Month::new(2025, 12).unwrap()
        );
        assert_eq!(
            Month::from_days_since_epoch(20_454),
            Month::new(2026, 1).unwrap()
        );
        assert_eq!(
            Month::from_days_since_epoch(20_781),
            Month::new(2026, 11).unwrap()
        );
    }
}
