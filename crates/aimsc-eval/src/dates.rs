//! Dates and durations: calendar arithmetic by `jiff`.

use jiff::civil::Date;
use serde::Serialize;

/// A length of time as written: calendar months plus days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Duration {
    /// Calendar months (a year is 12).
    pub months: i64,
    /// Days (a week is 7).
    pub days: i64,
}

impl Duration {
    /// Approximate length in days, used only to order durations that mix months and
    /// days (a month counts 30 days, a year 365).
    pub fn approx_days(self) -> i64 {
        let years = self.months / 12;
        let months = self.months % 12;
        years
            .saturating_mul(365)
            .saturating_add(months.saturating_mul(30))
            .saturating_add(self.days)
    }

    /// Negated.
    pub fn negated(self) -> Duration {
        Duration {
            months: -self.months,
            days: -self.days,
        }
    }
}

impl std::fmt::Display for Duration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: i64, w: &str| {
            if n.abs() == 1 {
                format!("{n} {w}")
            } else {
                format!("{n} {w}s")
            }
        };
        match (self.months, self.days) {
            (0, d) => f.write_str(&plural(d, "day")),
            (m, 0) if m % 12 == 0 => f.write_str(&plural(m / 12, "year")),
            (m, 0) => f.write_str(&plural(m, "month")),
            (m, d) => write!(f, "{} {}", plural(m, "month"), plural(d, "day")),
        }
    }
}

/// Parses `YYYY-MM-DD`, rejecting impossible dates such as `2025-02-30`.
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i16 = s.get(0..4)?.parse().ok()?;
    let m: i8 = s.get(5..7)?.parse().ok()?;
    let d: i8 = s.get(8..10)?.parse().ok()?;
    Date::new(y, m, d).ok()
}

/// Parses a duration written in facts: `90 days`, `12 months`, `1 year`, `2 weeks`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let mut parts = s.split_whitespace();
    let n: i64 = parts.next()?.parse().ok()?;
    let unit = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    Some(match unit.trim_end_matches('s') {
        "day" => Duration { months: 0, days: n },
        "week" => Duration {
            months: 0,
            days: n.checked_mul(7)?,
        },
        "month" => Duration { months: n, days: 0 },
        "year" => Duration {
            months: n.checked_mul(12)?,
            days: 0,
        },
        _ => return None,
    })
}

/// `date + duration`, clamping to the month's last day (2024-01-31 + 1 month = 2024-02-29).
/// `None` when the result leaves the supported calendar range.
pub fn add(date: Date, d: Duration) -> Option<Date> {
    let months = i32::try_from(d.months).ok()?;
    let days = i32::try_from(d.days).ok()?;
    let span = jiff::Span::new()
        .try_months(months)
        .ok()?
        .try_days(days)
        .ok()?;
    date.checked_add(span).ok()
}

/// Days from `a` to `b` (positive when `b` is later).
pub fn days_between(a: Date, b: Date) -> i64 {
    let ord = |d: Date| i64::from(d.year()) * 372 + i64::from(d.month()) * 31 + i64::from(d.day());
    if a == b {
        return 0;
    }
    match a.until((jiff::Unit::Day, b)) {
        Ok(span) => i64::from(span.get_days()),
        Err(_) => ord(b) - ord(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_arithmetic_clamps() {
        let d = parse_date("2024-01-31");
        let got = d.and_then(|d| add(d, Duration { months: 1, days: 0 }));
        assert_eq!(got, parse_date("2024-02-29"));
        assert_eq!(parse_date("2025-02-30"), None);
        assert_eq!(
            parse_duration("12 months"),
            Some(Duration {
                months: 12,
                days: 0
            })
        );
    }
}
