//! The industry the simulated shops live in: the shipped settings' category baselines and
//! retail calendar (never a user's overrides, which describe their own shop).

use std::sync::OnceLock;

use chrono::NaiveDate;

use super::{Calendar, Config};

fn shipped() -> &'static (Config, Calendar) {
    static SHIPPED: OnceLock<(Config, Calendar)> = OnceLock::new();
    SHIPPED.get_or_init(|| (Config::default(), Calendar::default()))
}

/// The industry baseline of `metric` in `category`.
pub(super) fn baseline(category: &str, metric: &str) -> Option<f64> {
    shipped().0.baseline(category, metric, None)
}

/// Expected relative demand of a day (month × weekday × campaign).
pub(super) fn day_weight(date: NaiveDate) -> f64 {
    shipped().1.day_weight(date)
}
