//! The hindsight oracle a policy is judged against: the best single bid that meets the
//! target over the whole run, knowing every impression in advance.

use super::{Goal, Tape};

/// What the oracle's bid buys: spend and order value, each day within its budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Oracle {
    pub spend: f64,
    pub value: f64,
}

/// At the best single bid that meets `goal` over the run (no budget), the spend each day
/// could reach within that day's budget, and the value of the impressions cheapest per
/// estimated conversion that the day's budget buys at or below that bid, summed: the most the
/// target allows.
pub fn oracle(tape: &Tape, goal: Goal) -> Oracle {
    let days = tape.scenario().days;
    let mut all = Vec::new();
    for (h, hour) in tape.hours().enumerate() {
        all.extend(hour.iter().filter(|i| i.p_hat > 0.0).map(|i| {
            // We win at conversion bid b when b > top / p_hat.
            let value = if i.converts { i.value } else { 0.0 };
            (i.top / i.p_hat, i.top, value, i.converts, h / 24)
        }));
    }
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut spend, mut value, mut conv, mut best) = (0.0, 0.0, 0.0, 0);
    for (k, (_, top, v, c, _)) in all.iter().enumerate() {
        spend += top;
        value += v;
        conv += f64::from(u8::from(*c));
        if goal.slack(spend, value, conv).is_some_and(|s| s >= 0.0) {
            best = k + 1;
        }
    }
    // Each day: the spend the target bid reaches, capped at the budget; the value of the
    // cheapest-per-conversion impressions that budget buys (a lower bid that day).
    let mut per_day = vec![(0.0, 0.0, 0.0); days];
    for (_, top, v, _, day) in &all[..best] {
        let budget = tape.budget(day * 24 + 23);
        let d = &mut per_day[*day];
        d.0 += top;
        if d.1 + top <= budget {
            d.1 += top;
            d.2 += v;
        }
    }
    per_day.iter().enumerate().fold(
        Oracle {
            spend: 0.0,
            value: 0.0,
        },
        |acc, (d, (s, _, v))| Oracle {
            spend: acc.spend + s.min(tape.budget(d * 24 + 23)),
            value: acc.value + v,
        },
    )
}
