//! A plain-language verdict (zh-CN and English) an operator can act on.

use serde::Serialize;

use super::{Arm, Comparison, Difference, Method, Settings};

/// What to do, and why, in both languages.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Verdict {
    /// `invalid`, `keep_running`, `ship`, `stop`, `no_difference` or `observational`.
    pub decision: &'static str,
    /// The winning variant, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub winner: Option<String>,
    pub zh: String,
    pub en: String,
}

impl Verdict {
    pub(super) fn new(
        control: &Arm,
        treatments: &[Comparison],
        s: &Settings,
        srm: bool,
        warnings: &[String],
    ) -> Verdict {
        if srm {
            return Verdict {
                decision: "invalid",
                winner: None,
                zh: "分流比例异常（SRM），实验结果不可信：先排查分流与埋点，再重新实验。".into(),
                en: "Sample ratio mismatch: the assignment is broken, so the result cannot be trusted. Fix assignment and tracking, then rerun.".into(),
            };
        }
        if s.observational {
            return observational(treatments, s);
        }
        let immature = !warnings.is_empty();
        // The estimate in the metric's better direction: a falling CPA is a gain.
        let gain = |t: &Comparison| {
            if s.higher_is_better {
                t.estimate
            } else {
                -t.estimate
            }
        };
        let best = treatments
            .iter()
            .filter(|t| t.significant && gain(t) > 0.0)
            .max_by(|a, b| gain(a).total_cmp(&gain(b)));
        let worse = treatments.iter().all(|t| t.significant && gain(t) < 0.0);
        let effect = |t: &Comparison| describe(t, s);
        match (best, immature) {
            (Some(t), false) => Verdict {
                decision: "ship",
                winner: Some(t.name.clone()),
                zh: format!("{} 胜出：{}。建议全量上线并记录到实验库。", t.name, effect(t).0),
                en: format!("{} wins: {}. Roll it out and log the result.", t.name, effect(t).1),
            },
            (Some(t), true) => Verdict {
                decision: "keep_running",
                winner: None,
                zh: format!(
                    "{} 领先（{}），但观察期或样本量未达标：继续实验，到期再决策。",
                    t.name,
                    effect(t).0
                ),
                en: format!(
                    "{} leads ({}), but the minimum window or planned sample is not reached: keep running.",
                    t.name,
                    effect(t).1
                ),
            },
            (None, _) if worse && !treatments.is_empty() && !immature => Verdict {
                decision: "stop",
                winner: Some(control.name.clone()),
                zh: format!("所有实验组都显著差于对照组 {}：停止实验，保留原方案。", control.name),
                en: format!("Every treatment is significantly worse than control {}: stop and keep the current version.", control.name),
            },
            (None, true) => Verdict {
                decision: "keep_running",
                winner: None,
                zh: "尚无显著差异，且观察期或样本量未达标：继续实验。".into(),
                en: "No significant difference yet and the window or sample is not complete: keep running.".into(),
            },
            (None, false) => Verdict {
                decision: "no_difference",
                winner: None,
                zh: "样本充足但没有显著差异：两个方案效果相当，可按成本或体验选择。".into(),
                en: "Enough data and no significant difference: the variants perform alike; choose on cost or experience.".into(),
            },
        }
    }
}

/// A comparison of groups that were not randomised: the difference and its interval, and
/// what would turn it into a decision (a randomised test).
fn observational(treatments: &[Comparison], s: &Settings) -> Verdict {
    let lines: Vec<(String, String)> = treatments
        .iter()
        .map(|t| {
            let (zh, en) = describe(t, s);
            (format!("{}：{zh}", t.name), format!("{}: {en}", t.name))
        })
        .collect();
    let join = |f: fn(&(String, String)) -> &String, sep: &str| {
        lines.iter().map(f).cloned().collect::<Vec<_>>().join(sep)
    };
    Verdict {
        decision: "observational",
        winner: None,
        zh: format!(
            "观察性对比（各组未随机分流，差异可能来自人群、时段或流量结构，而非方案本身）：{}。如需上线结论，请用随机分流的 A/B 实验验证。",
            join(|x| &x.0, "；")
        ),
        en: format!(
            "Observational comparison (the groups were not randomised, so differences may come from audience, timing or traffic mix rather than the variant): {}. Confirm with a randomised A/B test before rolling out.",
            join(|x| &x.1, "; ")
        ),
    }
}

fn describe(t: &Comparison, s: &Settings) -> (String, String) {
    let level = format!("{:.0}%", (1.0 - s.alpha) * 100.0);
    let fmt = |x: f64| match s.difference {
        Difference::Relative => format!("{:+.2}%", x * 100.0),
        Difference::Absolute => format!("{x:+.4}"),
    };
    let interval = format!("{} ~ {}", fmt(t.ci_low), fmt(t.ci_high));
    match (s.method, t.chance_to_win) {
        (Method::Bayesian, Some(w)) => (
            format!(
                "变化 {}，胜出概率 {:.1}%（{level} 可信区间 {interval}）",
                fmt(t.estimate),
                w * 100.0
            ),
            format!(
                "change {}, chance to win {:.1}% ({level} credible interval {interval})",
                fmt(t.estimate),
                w * 100.0
            ),
        ),
        (Method::Sequential, _) => (
            format!(
                "变化 {}（{level} 随时有效置信区间 {interval}，可每日查看）",
                fmt(t.estimate)
            ),
            format!(
                "change {} ({level} always-valid confidence interval {interval}, safe to check daily)",
                fmt(t.estimate)
            ),
        ),
        _ => (
            format!("变化 {}（{level} 置信区间 {interval}）", fmt(t.estimate)),
            format!(
                "change {} ({level} confidence interval {interval})",
                fmt(t.estimate)
            ),
        ),
    }
}
