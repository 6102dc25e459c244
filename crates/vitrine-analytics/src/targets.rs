//! Targets: the year → quarter → month → day decomposition and pacing (REQUIREMENTS §4).
//!
//! Each quarter starts from `quarter_share` (28 %) of the annual target, stretched by ±
//! `quarter_elasticity` (10 %) toward its seasonal weight; the four are then normalised so
//! they add up to the annual target (four 28 % shares would plan 112 % of it, and a shop
//! exactly on its annual target would sit 10.7 % behind every day and month). Months and
//! days split their parent by calendar weight (weekday rhythm and campaign peaks such as
//! 618 and 双11), so every level adds up to the level above it.

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use vitrine_core::calendar::Calendar;

fn days_between(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    let n = (to - from).num_days().max(-1) + 1;
    (0..n).map(move |i| from + Duration::days(i))
}

fn weight_sum(cal: &Calendar, from: NaiveDate, to: NaiveDate) -> f64 {
    days_between(from, to).map(|d| cal.day_weight(d)).sum()
}

fn quarter_bounds(year: i32, q: u32) -> (NaiveDate, NaiveDate) {
    let start = NaiveDate::from_ymd_opt(year, 3 * q + 1, 1).unwrap_or_default();
    let end = if q == 3 {
        NaiveDate::from_ymd_opt(year, 12, 31)
    } else {
        NaiveDate::from_ymd_opt(year, 3 * q + 4, 1).map(|d| d - Duration::days(1))
    };
    (start, end.unwrap_or(start))
}

fn month_bounds(date: NaiveDate) -> (NaiveDate, NaiveDate) {
    let start = date.with_day(1).unwrap_or(date);
    let next = if date.month() == 12 {
        NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(date.year(), date.month() + 1, 1)
    };
    (start, next.map(|n| n - Duration::days(1)).unwrap_or(date))
}

/// An additive annual target split into quarters, months and days.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetTree {
    pub year: i32,
    pub annual: f64,
    pub quarter_share: f64,
    pub elasticity: f64,
    /// The weights that split quarters into months and months into days.
    #[serde(skip)]
    pub calendar: Calendar,
}

impl TargetTree {
    /// A tree for `annual` in `year` with the given quarter share and elasticity.
    pub fn new(year: i32, annual: f64, quarter_share: f64, elasticity: f64) -> Self {
        TargetTree {
            year,
            annual,
            quarter_share,
            elasticity,
            calendar: Calendar::default(),
        }
    }

    /// The same tree split by `calendar` (a shop's own settings).
    pub fn with_calendar(self, calendar: Calendar) -> Self {
        TargetTree { calendar, ..self }
    }

    fn weights(&self, from: NaiveDate, to: NaiveDate) -> f64 {
        weight_sum(&self.calendar, from, to)
    }

    /// Target of quarter `q` (0-based): its stretched share, normalised over the four.
    pub fn quarter(&self, q: u32) -> f64 {
        let raw: Vec<f64> = (0..4).map(|i| self.raw_share(i)).collect();
        let total: f64 = raw.iter().sum();
        if total <= 0.0 {
            return self.annual / 4.0;
        }
        self.annual * raw[q.min(3) as usize] / total
    }

    /// `quarter_share` stretched toward the quarter's calendar weight by at most ±elasticity.
    fn raw_share(&self, q: u32) -> f64 {
        let (ys, ye) = (
            NaiveDate::from_ymd_opt(self.year, 1, 1).unwrap_or_default(),
            NaiveDate::from_ymd_opt(self.year, 12, 31).unwrap_or_default(),
        );
        let (qs, qe) = quarter_bounds(self.year, q);
        let rel = self.weights(qs, qe) / (self.weights(ys, ye) / 4.0);
        self.quarter_share * rel.clamp(1.0 - self.elasticity, 1.0 + self.elasticity)
    }

    /// Target of the month containing `date`.
    pub fn month(&self, date: NaiveDate) -> f64 {
        let q = date.month0() / 3;
        let (qs, qe) = quarter_bounds(self.year, q);
        let (ms, me) = month_bounds(date);
        self.quarter(q) * self.weights(ms, me) / self.weights(qs, qe)
    }

    /// Target of one day.
    pub fn day(&self, date: NaiveDate) -> f64 {
        let (ms, me) = month_bounds(date);
        self.month(date) * self.calendar.day_weight(date) / self.weights(ms, me)
    }

    /// Sum of day targets over an inclusive range.
    pub fn range(&self, from: NaiveDate, to: NaiveDate) -> f64 {
        days_between(from, to).map(|d| self.day(d)).sum()
    }
}

/// Estimates an annual value from observed daily values by their calendar weights, so a
/// window containing 双11 is not mistaken for the normal run rate.
pub fn annualise(observed: &[(NaiveDate, f64)], year: i32, cal: &Calendar) -> Option<f64> {
    let w: f64 = observed.iter().map(|(d, _)| cal.day_weight(*d)).sum();
    if w <= 0.0 || observed.len() < 14 {
        return None;
    }
    let total: f64 = observed.iter().map(|(_, v)| v).sum();
    let (ys, ye) = (
        NaiveDate::from_ymd_opt(year, 1, 1)?,
        NaiveDate::from_ymd_opt(year, 12, 31)?,
    );
    Some(total / w * weight_sum(cal, ys, ye))
}

/// Progress of an additive target over a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pacing {
    pub metric: String,
    /// `month:2026-11` or `year:2026`.
    pub period: String,
    pub target: f64,
    pub actual_to_date: f64,
    pub expected_to_date: f64,
    /// actual ÷ expected so far, carried over the rest of the period.
    pub projected: f64,
    pub on_track: bool,
}

/// Paces `daily` actuals against `tree` over the period `[start, end]` as of `date`.
pub fn pace(
    metric: &str,
    period: String,
    tree: &TargetTree,
    start: NaiveDate,
    end: NaiveDate,
    date: NaiveDate,
    daily: &[(NaiveDate, f64)],
) -> Pacing {
    let target = tree.range(start, end);
    let actual: f64 = daily
        .iter()
        .filter(|(d, _)| *d >= start && *d <= date)
        .map(|x| x.1)
        .sum();
    let expected = tree.range(start, date.min(end));
    let projected = if expected > 0.0 {
        actual / expected * target
    } else {
        actual
    };
    Pacing {
        metric: metric.into(),
        period,
        target,
        actual_to_date: actual,
        expected_to_date: expected,
        projected,
        // Exactly on plan is on track (the ratio above can land a rounding error short).
        on_track: projected >= target * (1.0 - 1e-9),
    }
}

/// The month containing `date`, as (first day, last day).
pub fn month_of(date: NaiveDate) -> (NaiveDate, NaiveDate) {
    month_bounds(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn quarters_add_up_to_the_annual_target_and_follow_the_season() {
        let t = TargetTree::new(2026, 1_000_000.0, 0.28, 0.10);
        let sum: f64 = (0..4).map(|q| t.quarter(q)).sum();
        assert!((sum - t.annual).abs() < 1e-6, "quarters sum to {sum}");
        for q in 0..4 {
            // A quarter of the year, stretched by at most ±10 % (and the normalisation).
            let share = t.quarter(q) / t.annual;
            assert!(
                (0.25 * 0.9 / 1.1..=0.25 * 1.1 / 0.9).contains(&share),
                "q{q} {share}"
            );
        }
        // Q4 holds 双11 and must get more than Q3.
        assert!(t.quarter(3) > t.quarter(2));
    }

    #[test]
    fn months_and_days_add_up_to_their_parent() {
        let t = TargetTree::new(2026, 1_000_000.0, 0.28, 0.10);
        let months: f64 = [d("2026-10-01"), d("2026-11-01"), d("2026-12-01")]
            .iter()
            .map(|m| t.month(*m))
            .sum();
        assert!((months - t.quarter(3)).abs() < 1e-6);
        let (s, e) = month_of(d("2026-11-15"));
        assert!((t.range(s, e) - t.month(d("2026-11-15"))).abs() < 1e-6);
        assert!(t.day(d("2026-11-11")) > 2.0 * t.day(d("2026-11-25")));
    }

    #[test]
    fn pacing_projects_the_run_rate() {
        let t = TargetTree::new(2026, 365_000.0, 0.25, 0.0);
        let (s, e) = month_of(d("2026-11-10"));
        let daily: Vec<_> = days_between(s, d("2026-11-10"))
            .map(|x| (x, t.day(x) * 0.8))
            .collect();
        let p = pace(
            "gmv",
            "month:2026-11".into(),
            &t,
            s,
            e,
            d("2026-11-10"),
            &daily,
        );
        assert!((p.projected / p.target - 0.8).abs() < 1e-9);
        assert!(!p.on_track);
    }

    #[test]
    fn annualise_discounts_campaign_days() {
        // A flat business observed only through 双11 is not annualised at the peak rate.
        let cal = Calendar::default();
        let obs: Vec<_> = days_between(d("2025-10-20"), d("2025-11-11"))
            .map(|x| (x, cal.day_weight(x) * 100.0))
            .collect();
        let a = annualise(&obs, 2026, &cal).unwrap();
        let expected = weight_sum(&cal, d("2026-01-01"), d("2026-12-31")) * 100.0;
        assert!((a - expected).abs() / expected < 1e-9);
    }
}
