//! Dayparting: hour-of-week bid multipliers from observed ROI, shrunk toward the mean for thin
//! cells, written as Qianchuan's `schedule_time` (7 days × 48 half-hour slots, Monday first).

use chrono::Datelike;
use serde::Serialize;

use super::PlanStat;

/// Bid multipliers per weekday (Monday = 0) and hour, and the delivery schedule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schedule {
    /// `multipliers[weekday][hour]`, rounded to 0.05, within [floor, cap].
    pub multipliers: Vec<Vec<f64>>,
    /// 336 characters of 0/1: a half-hour slot is off when the cell's shrunk ROI is below
    /// break-even and below `off_share` (75 %) of the pooled ROI.
    pub schedule_time: String,
    pub slots_off: usize,
    /// The pooled ROI every cell is compared with.
    pub mean_roi: f64,
    /// Spend of this many average conversions is the prior weight of the mean in each cell.
    pub prior_conversions: f64,
}

/// Builds the schedule from hourly plan stats; `None` without hourly rows or spend.
pub fn daypart(
    stats: &[PlanStat],
    breakeven_roi: Option<f64>,
    prior_conversions: f64,
    (floor, cap): (f64, f64),
    off_share: f64,
) -> Option<Schedule> {
    let mut cells = [[(0.0f64, 0.0f64, 0.0f64); 24]; 7];
    for s in stats {
        let Some(h) = s.hour.filter(|h| *h < 24) else {
            continue;
        };
        let c = &mut cells[s.date.weekday().num_days_from_monday() as usize][h as usize];
        c.0 += s.spend;
        c.1 += s.gmv;
        c.2 += s.conversions;
    }
    let (spend, gmv, conv) = cells
        .iter()
        .flatten()
        .fold((0.0, 0.0, 0.0), |a, c| (a.0 + c.0, a.1 + c.1, a.2 + c.2));
    if spend <= 0.0 || conv <= 0.0 {
        return None;
    }
    let mean = gmv / spend;
    let prior_spend = prior_conversions * spend / conv;
    let mut multipliers = vec![vec![1.0; 24]; 7];
    let mut schedule = String::with_capacity(336);
    let mut off = 0;
    for (d, row) in cells.iter().enumerate() {
        for (h, (s, g, _)) in row.iter().enumerate() {
            let shrunk = (g + prior_spend * mean) / (s + prior_spend);
            let m = ((shrunk / mean).clamp(floor, cap) * 20.0).round() / 20.0;
            multipliers[d][h] = m;
            // Off only where the slot both loses money and trails the account: when every
            // hour is below break-even the fix is the plans (pause, bid), not the clock.
            let on = breakeven_roi.is_none_or(|be| shrunk >= be || shrunk >= off_share * mean);
            if !on {
                off += 2;
            }
            schedule.push_str(if on { "11" } else { "00" });
        }
    }
    Some(Schedule {
        multipliers,
        schedule_time: schedule,
        slots_off: off,
        mean_roi: mean,
        prior_conversions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn stat(date: NaiveDate, hour: u8, spend: f64, gmv: f64, conv: f64) -> PlanStat {
        PlanStat {
            plan_id: "p".into(),
            date,
            hour: Some(hour),
            spend,
            impressions: 0.0,
            clicks: 0.0,
            conversions: conv,
            gmv,
        }
    }

    #[test]
    fn strong_hours_get_more_thin_cells_stay_near_the_mean_and_losses_switch_off() {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let mut rows = Vec::new();
        for w in 0..4 {
            for d in 0..7 {
                let date = monday + chrono::Duration::days(7 * w + d);
                for h in 0..24u8 {
                    let (spend, roi) = match h {
                        20 => (1000.0, 6.0), // evening peak: strong and well measured
                        3 => (2.0, 0.0),     // night: thin, no sales
                        9 => (500.0, 0.5),   // morning: well measured loss
                        _ => (300.0, 3.0),
                    };
                    rows.push(stat(date, h, spend, spend * roi, spend * roi / 100.0));
                }
            }
        }
        let s = daypart(&rows, Some(1.5), 30.0, (0.5, 1.5), 0.75).unwrap();
        assert_eq!(s.schedule_time.len(), 336);
        assert!(s.multipliers[0][20] > 1.4, "{:?}", s.multipliers[0]);
        assert!(
            (s.multipliers[0][3] - 1.0).abs() <= 0.1,
            "thin cell shrunk: {:?}",
            s.multipliers[0]
        );
        assert_eq!(s.multipliers[0][9], 0.5);
        // 09:00–10:00 is off every day (slots 18 and 19 of each 48), the rest on.
        assert_eq!(s.slots_off, 14);
        assert_eq!(&s.schedule_time[18..20], "00");
        assert_eq!(&s.schedule_time[48 + 18..48 + 20], "00");
        assert_eq!(&s.schedule_time[40..42], "11");
    }
}
