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

impl Month {
    /// The month `year`-`month`, or `None` when `month` is not 1 to 12.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        (1..=12).contains(&month).then_some(Month { year, month })
    }

    /// The month after this one.
    pub fn next(self) -> Self {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                month: self.month + 1,
                ..self
            }
        }
    }

    /// This month and the `count - 1` after it.
    pub fn range(self, count: u32) -> impl Iterator<Item = Month> {
        std::iter::successors(Some(self), |m| Some(m.next())).take(count as usize)
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
        let invalid = || format!("`{text}` is not a month: expected YYYY-MM");
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
            .map(|m| m.to_string())
            .collect();
        assert_eq!(months, ["2026-11", "2026-12", "2027-01"]);
    }

    #[test]
    fn months_parse_and_refuse_nonsense() {
        assert_eq!("2026-02".parse(), Ok(Month::new(2026, 2).unwrap()));
        assert_eq!(
            "2026-13".parse::<Month>(),
            Err("`2026-13` is not a month: expected YYYY-MM".to_string())
        );
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
