//! Planted incidents: what goes wrong, where and when, so monitors can be scored.

use chrono::{Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::Rng;
use serde::Serialize;

/// The kinds of incident the simulator plants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    /// One plan's CTR collapses (creative fatigue, audience mismatch).
    PlanCtrCollapse,
    /// Conversion drops in one region.
    SegmentCvrDrop,
    /// A top product runs out of stock.
    StockOut,
    /// One plan's cost per conversion spikes.
    CpaSpike,
    /// Complaints about one product surge.
    ComplaintSurge,
    /// The warehouse ships late.
    DeliveryDelay,
}

impl IncidentKind {
    /// Every kind, in planting order.
    pub const ALL: [IncidentKind; 6] = [
        IncidentKind::PlanCtrCollapse,
        IncidentKind::SegmentCvrDrop,
        IncidentKind::StockOut,
        IncidentKind::CpaSpike,
        IncidentKind::ComplaintSurge,
        IncidentKind::DeliveryDelay,
    ];

    /// The catalog metric the incident moves.
    pub fn metric(self) -> &'static str {
        match self {
            IncidentKind::PlanCtrCollapse => "ad_ctr",
            IncidentKind::SegmentCvrDrop => "cvr",
            IncidentKind::StockOut => "days_of_cover",
            IncidentKind::CpaSpike => "cpa",
            IncidentKind::ComplaintSurge => "complaint_rate",
            IncidentKind::DeliveryDelay => "on_time_rate",
        }
    }

    fn days(self) -> i64 {
        match self {
            IncidentKind::PlanCtrCollapse => 3,
            IncidentKind::SegmentCvrDrop => 2,
            IncidentKind::StockOut => 10,
            IncidentKind::CpaSpike => 2,
            IncidentKind::ComplaintSurge => 2,
            IncidentKind::DeliveryDelay => 2,
        }
    }
}

/// One planted incident (an entry of `ground_truth.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub kind: IncidentKind,
    pub shop: String,
    /// First affected day.
    pub date: NaiveDate,
    /// Last affected day (inclusive).
    pub end: NaiveDate,
    /// `dimension:value`, e.g. `plan:p0007`, `region:广东`, `shop:shop1`; written to
    /// `ground_truth.json` as `scope` (dimension → value, like a review alert's scope) and
    /// `scope_id` (this string).
    pub scope: String,
    pub metric: String,
}

impl Serialize for Incident {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Incident", 7)?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("shop", &self.shop)?;
        st.serialize_field("date", &self.date)?;
        st.serialize_field("end", &self.end)?;
        st.serialize_field("scope", &self.scope_map())?;
        st.serialize_field("scope_id", &self.scope)?;
        st.serialize_field("metric", &self.metric)?;
        st.end()
    }
}

impl Incident {
    /// The scope as dimension → value.
    pub fn scope_map(&self) -> std::collections::BTreeMap<String, String> {
        let (d, v) = self
            .scope
            .split_once(':')
            .unwrap_or(("shop", self.scope.as_str()));
        std::collections::BTreeMap::from([(d.to_string(), v.to_string())])
    }

    /// Whether the incident affects `date`.
    pub fn active(&self, date: NaiveDate) -> bool {
        date >= self.date && date <= self.end
    }
}

/// Picks one start day per kind, at least a week apart, inside the last 90 days and after
/// five weeks of history (so baselines exist). Returns fewer when the range is too short.
pub fn schedule(
    rng: &mut impl Rng,
    start: NaiveDate,
    end: NaiveDate,
) -> Vec<(IncidentKind, NaiveDate, NaiveDate)> {
    let earliest = (start + Duration::days(36)).max(end - Duration::days(90));
    let mut slots: Vec<NaiveDate> = (0..6)
        .map(|i| end - Duration::days(8 + 13 * i))
        .filter(|d| *d >= earliest)
        .collect();
    slots.shuffle(rng);
    IncidentKind::ALL
        .into_iter()
        .zip(slots)
        .map(|(k, d)| (k, d, d + Duration::days(k.days() - 1)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn incidents_are_spaced_and_inside_the_range() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let end: NaiveDate = "2026-11-21".parse().unwrap();
        let start = end - Duration::days(364);
        let s = schedule(&mut rng, start, end);
        assert_eq!(s.len(), 6);
        let mut starts: Vec<_> = s.iter().map(|x| x.1).collect();
        starts.sort();
        for w in starts.windows(2) {
            assert!((w[1] - w[0]).num_days() >= 7);
        }
        assert!(s.iter().all(|x| x.2 <= end && x.1 >= start));
        // A 40-day range leaves room for few incidents only.
        assert!(schedule(&mut rng, end - Duration::days(39), end).len() < 2);
    }
}
