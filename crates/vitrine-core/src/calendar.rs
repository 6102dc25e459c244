//! The Douyin retail calendar: weekday rhythm and campaign peaks (618, 双11, …) that both
//! the simulator and the target decomposition weigh days by.

use chrono::{Datelike, NaiveDate};

use crate::config::{Config, Group, Scope};

/// A platform campaign window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Campaign {
    pub id: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    /// (month, day) of the first and the peak (last) day.
    pub start: (u32, u32),
    pub peak: (u32, u32),
}

/// Campaigns every year has.
pub const CAMPAIGNS: [Campaign; 5] = [
    Campaign {
        id: "new_year_goods",
        name_zh: "年货节",
        name_en: "New-Year goods",
        start: (1, 5),
        peak: (1, 20),
    },
    Campaign {
        id: "women_day",
        name_zh: "三八节",
        name_en: "Women's Day",
        start: (3, 1),
        peak: (3, 8),
    },
    Campaign {
        id: "618",
        name_zh: "618",
        name_en: "618",
        start: (5, 25),
        peak: (6, 18),
    },
    Campaign {
        id: "double11",
        name_zh: "双11",
        name_en: "Double 11",
        start: (10, 20),
        peak: (11, 11),
    },
    Campaign {
        id: "double12",
        name_zh: "双12",
        name_en: "Double 12",
        start: (12, 1),
        peak: (12, 12),
    },
];

/// The campaign a date falls in, if any.
pub fn campaign(date: NaiveDate) -> Option<&'static Campaign> {
    let md = (date.month(), date.day());
    CAMPAIGNS.iter().find(|c| md >= c.start && md <= c.peak)
}

/// The calendar's weights (`[calendar]` in the settings): month and weekday rhythm and each
/// campaign's peak-day multiplier.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    months: [f64; 12],
    /// Monday first.
    weekdays: [f64; 7],
    /// Peak-day multiplier per campaign, in [`CAMPAIGNS`] order.
    peaks: [f64; 5],
    /// Where a campaign's ramp starts …
    ramp_start: f64,
    /// … and the share of the peak factor it reaches the day before the peak.
    ramp_share: f64,
}

impl Calendar {
    /// The calendar of `shop`.
    pub fn from_config(cfg: &Config, shop: Option<&str>) -> Self {
        let scope = Scope::of(shop);
        let n = |k: &str| cfg.num(Group::Calendar, k, scope);
        Calendar {
            months: std::array::from_fn(|i| n(&format!("month_{}", i + 1))),
            weekdays: std::array::from_fn(|i| n(&format!("weekday_{}", i + 1))),
            peaks: CAMPAIGNS.map(|c| n(c.id)),
            ramp_start: n("ramp_start"),
            ramp_share: n("ramp_share"),
        }
    }

    /// Relative demand of a weekday (Douyin shopping peaks at the weekend).
    pub fn weekday_factor(&self, date: NaiveDate) -> f64 {
        self.weekdays[date.weekday().num_days_from_monday() as usize]
    }

    /// Campaign multiplier of a date: 1 outside campaigns, ramping up to the peak factor.
    pub fn campaign_factor(&self, date: NaiveDate) -> f64 {
        let md = (date.month(), date.day());
        let Some((c, peak_factor)) = CAMPAIGNS
            .iter()
            .zip(self.peaks)
            .find(|(c, _)| md >= c.start && md <= c.peak)
        else {
            return 1.0;
        };
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
            peak_factor
        } else {
            self.ramp_start + (peak_factor * self.ramp_share - self.ramp_start).max(0.0) * pos
        }
    }

    /// Month-of-year seasonality (slow summer, strong Q4 by default).
    pub fn month_factor(&self, date: NaiveDate) -> f64 {
        self.months[date.month0() as usize]
    }

    /// Expected relative demand of a day: month × weekday × campaign.
    pub fn day_weight(&self, date: NaiveDate) -> f64 {
        self.month_factor(date) * self.weekday_factor(date) * self.campaign_factor(date)
    }
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar::from_config(&Config::default(), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn double11_peaks_above_an_ordinary_day() {
        let cal = Calendar::default();
        let day_weight = |x| cal.day_weight(x);
        let campaign_factor = |x| cal.campaign_factor(x);
        assert_eq!(campaign(d("2026-11-11")).map(|c| c.id), Some("double11"));
        assert!(day_weight(d("2026-11-11")) > 3.0 * day_weight(d("2026-09-09")));
        assert!(campaign_factor(d("2026-10-25")) > 1.0);
        assert_eq!(campaign(d("2026-11-12")), None);
    }

    #[test]
    fn weekends_weigh_more_than_mondays() {
        let cal = Calendar::default();
        assert!(cal.weekday_factor(d("2026-11-21")) > cal.weekday_factor(d("2026-11-23")));
        // A shop's own calendar: a brand whose 618 is quiet.
        let mut cfg = Config::default();
        cfg.overlay("[shop.s1.calendar]\n\"618\" = 1.0\nramp_start = 1.0\n")
            .unwrap();
        let quiet = Calendar::from_config(&cfg, Some("s1"));
        assert_eq!(quiet.campaign_factor(d("2026-06-18")), 1.0);
        assert_eq!(cal.campaign_factor(d("2026-06-18")), 3.0);
    }
}
