//! The Douyin retail calendar: weekday rhythm and campaign peaks (618, 双11, …) that both
//! the simulator and the target decomposition weigh days by.

use chrono::{Datelike, NaiveDate, Weekday};

/// A platform campaign window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Campaign {
    pub id: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    /// (month, day) of the first and the peak (last) day.
    pub start: (u32, u32),
    pub peak: (u32, u32),
    /// Demand multiplier on the peak day; the ramp before it rises linearly from 1.2.
    pub peak_factor: f64,
}

/// Campaigns every year has.
pub const CAMPAIGNS: [Campaign; 5] = [
    Campaign {
        id: "new_year_goods",
        name_zh: "年货节",
        name_en: "New-Year goods",
        start: (1, 5),
        peak: (1, 20),
        peak_factor: 1.6,
    },
    Campaign {
        id: "women_day",
        name_zh: "三八节",
        name_en: "Women's Day",
        start: (3, 1),
        peak: (3, 8),
        peak_factor: 1.7,
    },
    Campaign {
        id: "618",
        name_zh: "618",
        name_en: "618",
        start: (5, 25),
        peak: (6, 18),
        peak_factor: 3.0,
    },
    Campaign {
        id: "double11",
        name_zh: "双11",
        name_en: "Double 11",
        start: (10, 20),
        peak: (11, 11),
        peak_factor: 4.0,
    },
    Campaign {
        id: "double12",
        name_zh: "双12",
        name_en: "Double 12",
        start: (12, 1),
        peak: (12, 12),
        peak_factor: 1.8,
    },
];

/// The campaign a date falls in, if any.
pub fn campaign(date: NaiveDate) -> Option<&'static Campaign> {
    let md = (date.month(), date.day());
    CAMPAIGNS.iter().find(|c| md >= c.start && md <= c.peak)
}

/// Relative demand of a weekday (Douyin shopping peaks at the weekend).
pub fn weekday_factor(date: NaiveDate) -> f64 {
    match date.weekday() {
        Weekday::Mon => 0.93,
        Weekday::Tue => 0.95,
        Weekday::Wed => 0.96,
        Weekday::Thu => 0.98,
        Weekday::Fri => 1.03,
        Weekday::Sat => 1.09,
        Weekday::Sun => 1.06,
    }
}

/// Campaign multiplier of a date: 1 outside campaigns, rising to the peak factor.
pub fn campaign_factor(date: NaiveDate) -> f64 {
    let Some(c) = campaign(date) else { return 1.0 };
    let year = date.year();
    let (Some(start), Some(peak)) = (
        NaiveDate::from_ymd_opt(year, c.start.0, c.start.1),
        NaiveDate::from_ymd_opt(year, c.peak.0, c.peak.1),
    ) else {
        return 1.0;
    };
    let span = (peak - start).num_days().max(1) as f64;
    let pos = (date - start).num_days() as f64 / span;
    if date == peak {
        c.peak_factor
    } else {
        1.2 + (c.peak_factor * 0.55 - 1.2).max(0.0) * pos
    }
}

/// Mild month-of-year seasonality (slow summer, strong Q4).
pub fn month_factor(date: NaiveDate) -> f64 {
    [
        1.0, 0.85, 0.95, 0.95, 1.0, 1.05, 0.9, 0.9, 0.98, 1.05, 1.15, 1.1,
    ][date.month0() as usize]
}

/// Expected relative demand of a day: month × weekday × campaign.
pub fn day_weight(date: NaiveDate) -> f64 {
    month_factor(date) * weekday_factor(date) * campaign_factor(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn double11_peaks_above_an_ordinary_day() {
        assert_eq!(campaign(d("2026-11-11")).map(|c| c.id), Some("double11"));
        assert!(day_weight(d("2026-11-11")) > 3.0 * day_weight(d("2026-09-09")));
        assert!(campaign_factor(d("2026-10-25")) > 1.0);
        assert_eq!(campaign(d("2026-11-12")), None);
    }

    #[test]
    fn weekends_weigh_more_than_mondays() {
        assert!(weekday_factor(d("2026-11-21")) > weekday_factor(d("2026-11-23")));
    }
}
