//! Policies side by side: every policy on every scenario of a mix, hourly (as a platform's
//! auto-bidder acts) and behind the product's guardrails (as a merchant's changes go out).

use serde::Serialize;
use vitrine_core::guardrails::Guardrails;

use super::{
    oracle, run_on, scenarios, scenarios_of, FixedBid, Guarded, Mix, Outcome, PacingRule, PidPacer,
    Policy, RoiController, ScenarioKind, Tape,
};

/// How a policy's bids reach the auction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Every hour, as the policy decides, with its own throttle.
    Hourly,
    /// Through the guardrails, with the platform's uniform delivery.
    Guarded,
}

/// The policies compared, by name.
const POLICIES: [&str; 4] = ["controller", "pid_pacer", "pacing_rule", "fixed_bid"];

fn make(name: &str) -> Box<dyn Policy> {
    match name {
        "controller" => Box::new(RoiController::new()),
        "pid_pacer" => Box::new(PidPacer::default()),
        "pacing_rule" => Box::new(PacingRule),
        _ => Box::new(FixedBid),
    }
}

fn make_in(name: &str, mode: Mode, rails: Guardrails) -> Box<dyn Policy> {
    match mode {
        Mode::Hourly => make(name),
        Mode::Guarded => Box::new(Guarded::new(make(name), rails)),
    }
}

/// Every policy on every scenario, and a summary per policy.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub outcomes: Vec<Outcome>,
    pub summary: Vec<PolicySummary>,
}

/// One policy across the scenarios of one mode and mix.
#[derive(Debug, Clone, Serialize)]
pub struct PolicySummary {
    pub policy: String,
    pub mode: Mode,
    pub mix: Mix,
    pub scenarios: usize,
    pub within_target_share: f64,
    /// Scenarios where the target allows spending the budget.
    pub budget_reachable: usize,
    /// Of those, the share with ≥ 90 % of the budget spent.
    pub spent_share_where_reachable: f64,
    /// Within target and, where reachable, ≥ 90 % spent.
    pub meets_goal_share: f64,
    /// Mean [`Outcome::score`]: order value after the shortfall penalty, share of the oracle's.
    pub mean_score: f64,
    pub mean_budget_use: f64,
    pub mean_pacing_gap: f64,
    pub bid_changes_per_day: f64,
}

fn summarise(rows: &[&Outcome], mode: Mode, mix: Mix, days: usize) -> PolicySummary {
    let k = rows.len().max(1) as f64;
    let share = |f: &dyn Fn(&Outcome) -> bool| rows.iter().filter(|r| f(r)).count() as f64 / k;
    let mean = |f: &dyn Fn(&Outcome) -> f64| rows.iter().map(|r| f(r)).sum::<f64>() / k;
    let reachable: Vec<&&Outcome> = rows.iter().filter(|r| r.budget_reachable).collect();
    PolicySummary {
        policy: rows.first().map(|r| r.policy.clone()).unwrap_or_default(),
        mode,
        mix,
        scenarios: rows.len(),
        within_target_share: share(&|r| r.within_target),
        budget_reachable: reachable.len(),
        spent_share_where_reachable: if reachable.is_empty() {
            1.0
        } else {
            reachable.iter().filter(|r| r.budget_use >= 0.9).count() as f64 / reachable.len() as f64
        },
        meets_goal_share: share(&|r| r.meets_goal),
        mean_score: mean(&|r| r.score),
        mean_budget_use: mean(&|r| r.budget_use),
        mean_pacing_gap: mean(&|r| r.pacing_gap),
        bid_changes_per_day: mean(&|r| r.bid_changes as f64) / days.max(1) as f64,
    }
}

/// Every policy, hourly, on `n` seven-day scenarios of the tuning mix from `seed`.
pub fn compare(n: usize, seed: u64) -> Result<Comparison, crate::SimError> {
    let mut outcomes = Vec::new();
    for sc in scenarios(n, seed) {
        let tape = Tape::record(&sc)?;
        let best = oracle(&tape, sc.goal);
        for name in POLICIES {
            outcomes.push(run_on(&tape, &best, make(name).as_mut()));
        }
    }
    let summary = POLICIES
        .iter()
        .map(|p| {
            let rows: Vec<&Outcome> = outcomes.iter().filter(|o| o.policy == *p).collect();
            summarise(&rows, Mode::Hourly, Mix::Tuning, 7)
        })
        .collect();
    Ok(Comparison { outcomes, summary })
}

/// A comparison over several seeds, both mixes and both modes.
#[derive(Debug, Clone, Serialize)]
pub struct Study {
    pub seeds: Vec<u64>,
    /// Scenarios per seed and mix.
    pub scenarios: usize,
    pub days: usize,
}

/// One run of a study.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub mode: Mode,
    pub mix: Mix,
    pub seed: u64,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// A scenario where the controller did worse than the PID pacer.
#[derive(Debug, Clone, Serialize)]
pub struct Loss {
    pub mode: Mode,
    pub mix: Mix,
    pub seed: u64,
    pub scenario: usize,
    pub kind: ScenarioKind,
    pub goal: &'static str,
    pub controller_score: f64,
    pub pid_score: f64,
    pub controller_meets_goal: bool,
    pub pid_meets_goal: bool,
}

/// The study's runs, summaries per mode × mix × policy, and the controller's losses.
#[derive(Debug, Clone, Serialize)]
pub struct StudyReport {
    pub study: Study,
    pub runs: Vec<Run>,
    pub summary: Vec<PolicySummary>,
    pub losses: Vec<Loss>,
}

/// Runs every policy in both modes on `study.scenarios` scenarios of each mix per seed.
pub fn study(study: Study, rails: Guardrails) -> Result<StudyReport, crate::SimError> {
    let mut runs = Vec::new();
    for &seed in &study.seeds {
        for mix in [Mix::Tuning, Mix::Unseen] {
            for sc in scenarios_of(mix, study.scenarios, seed, study.days) {
                let tape = Tape::record(&sc)?;
                let best = oracle(&tape, sc.goal);
                for mode in [Mode::Hourly, Mode::Guarded] {
                    for name in POLICIES {
                        let outcome = run_on(&tape, &best, make_in(name, mode, rails).as_mut());
                        runs.push(Run {
                            mode,
                            mix,
                            seed,
                            outcome,
                        });
                    }
                }
            }
        }
    }
    let mut summary = Vec::new();
    for mode in [Mode::Hourly, Mode::Guarded] {
        for mix in [Mix::Tuning, Mix::Unseen] {
            for p in POLICIES {
                let rows: Vec<&Outcome> = runs
                    .iter()
                    .filter(|r| r.mode == mode && r.mix == mix && r.outcome.policy == p)
                    .map(|r| &r.outcome)
                    .collect();
                summary.push(summarise(&rows, mode, mix, study.days));
            }
        }
    }
    let losses = losses(&runs);
    Ok(StudyReport {
        study,
        runs,
        summary,
        losses,
    })
}

/// Scenarios where the PID pacer met the goal and the controller did not, or scored more
/// than 2 points of the oracle higher.
fn losses(runs: &[Run]) -> Vec<Loss> {
    let find = |r: &Run, p: &str| {
        runs.iter().find(|o| {
            o.mode == r.mode
                && o.mix == r.mix
                && o.seed == r.seed
                && o.outcome.scenario == r.outcome.scenario
                && o.outcome.policy == p
        })
    };
    runs.iter()
        .filter(|r| r.outcome.policy == "controller")
        .filter_map(|c| {
            let p = find(c, "pid_pacer")?;
            let (co, po) = (&c.outcome, &p.outcome);
            let lost = (po.meets_goal && !co.meets_goal) || po.score > co.score + 0.02;
            lost.then_some(Loss {
                mode: c.mode,
                mix: c.mix,
                seed: c.seed,
                scenario: co.scenario,
                kind: co.kind,
                goal: co.goal,
                controller_score: co.score,
                pid_score: po.score,
                controller_meets_goal: co.meets_goal,
                pid_meets_goal: po.meets_goal,
            })
        })
        .collect()
}
