//! What the application layer's integration tests share: a simulated lake.

use vitrine_lake::Lake;
use vitrine_sim::SimConfig;

/// Commits one simulated shop over 45 days to 2026-11-21 (scale 0.02) into `lake`.
pub fn simulate(lake: &Lake, seed: u64) {
    simulate_days(lake, seed, 45, "2026-11-21");
}

/// Commits one simulated shop over `days` days to `end` (scale 0.02) into `lake`.
#[allow(dead_code)] // Not every test binary that shares this module uses it.
pub fn simulate_days(lake: &Lake, seed: u64, days: u32, end: &str) {
    let mut c = lake.begin().unwrap();
    let cfg = SimConfig {
        seed,
        days,
        end: end.parse().unwrap(),
        scale: 0.02,
        shops: 1,
        effects: vitrine_sim::Effects::STRONG,
    };
    vitrine_sim::simulate(&cfg, &mut c, &mut |_, _| {}).unwrap();
    c.finish().unwrap();
}
