//! Today's actions: one per alert's playbook, made concrete from the situation (units to
//! reorder, yuan to move from which plan to which, the creative to replace), with the money
//! at stake, its assumption, an owner and a due date; ranked by money.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use vitrine_core::calendar::Calendar;
use vitrine_core::config::{Group, Scope};
use vitrine_core::{words, Lang, MetricTable};

use super::context::{col, val, Ctx};
use super::{days, Action, ActionSource, Alert};
use crate::bids::BidPolicy;
use crate::playbook::{self, Playbook};

/// Money at stake and the concrete steps of one action.
#[derive(Default)]
struct Situation {
    yuan: Option<f64>,
    basis: (String, String),
    steps: (String, String),
}

impl Situation {
    fn stake(yuan: f64, zh: String, en: String) -> Self {
        Situation {
            yuan: Some(yuan.max(0.0)),
            basis: (zh, en),
            ..Situation::default()
        }
    }

    fn step(mut self, zh: String, en: String) -> Self {
        self.steps.0.push_str(&zh);
        self.steps.1.push_str(&en);
        self
    }
}

fn evidence(a: &Alert, key: &str) -> Option<f64> {
    a.evidence.get(key).and_then(|v| v.as_f64())
}

/// `(value - 1)` capped at doubling: a ratio metric restored to `expected` from `observed`.
fn uplift(observed: f64, expected: f64) -> f64 {
    if observed > 0.0 {
        (expected / observed - 1.0).clamp(0.0, 1.0)
    } else {
        1.0
    }
}

impl Ctx<'_> {
    /// One action per alert's playbook (once per playbook and scope), ranked by money.
    pub fn actions(&self, alerts: &[Alert]) -> Vec<Action> {
        let lang = self.req.lang;
        let mut out: Vec<Action> = Vec::new();
        for a in alerts {
            let Some(pb) = a
                .playbook
                .as_deref()
                .and_then(|id| playbook::PLAYBOOKS.iter().find(|p| p.id == id))
            else {
                continue;
            };
            if out
                .iter()
                .any(|x| x.playbook == pb.id && x.scope == a.scope_id)
            {
                continue;
            }
            out.push(self.alert_action(a, pb, lang));
        }
        rank(&mut out);
        out
    }

    fn alert_action(&self, a: &Alert, pb: &Playbook, lang: Lang) -> Action {
        let s = self.situation(a);
        let mut detail = format!("{}{}", lang.pick(&s.steps.0, &s.steps.1), pb.steps(lang));
        if let Some(rc) = a.root_causes.iter().find(|r| r.surprise > 0.0) {
            detail.push_str(&format!(
                "{}{} ({:.0}%)",
                lang.pick(" 主因：", " Main cause: "),
                words::scope(&format!("{}:{}", rc.dimension, rc.value), lang),
                100.0 * rc.explanatory_power
            ));
        }
        let due_days = (a.due_hours / 24.0).ceil().max(0.0) as i64;
        Action {
            priority: 0,
            source: ActionSource::Alert,
            playbook: pb.id.into(),
            title: format!("{} · {}", pb.title(lang), words::scope(&a.scope_id, lang)),
            detail,
            scope: a.scope_id.clone(),
            at_stake_yuan: s.yuan,
            basis: lang.pick(&s.basis.0, &s.basis.1).to_string(),
            owner: owner(&a.rule, &a.metric, lang).into(),
            due: (self.req.date + Duration::days(due_days)).to_string(),
        }
    }

    /// What the alert costs and what exactly to do, from today's numbers.
    fn situation(&self, a: &Alert) -> Situation {
        let d = self.req.date;
        let v = |m: &str| self.day_value(m, d).unwrap_or(0.0);
        let (obs, exp) = (
            evidence(a, "observed").unwrap_or(0.0),
            evidence(a, "expected").unwrap_or(0.0),
        );
        let scope_value = a.scope_id.split_once(':').map_or("", |x| x.1);
        match (a.rule.as_str(), a.metric.as_str()) {
            ("days_of_cover_min" | "stock_forecast", _) => self.reorder(scope_value),
            ("cpa_rise", _) => {
                let spend = if a.scope_id.starts_with("plan:") {
                    self.plan_today(scope_value, "spend")
                } else {
                    v("spend")
                };
                let waste = if obs > 0.0 {
                    spend * (1.0 - exp / obs)
                } else {
                    0.0
                };
                Situation::stake(
                    waste,
                    format!("今日消耗 {spend:.0} 元中超出基线转化成本 {exp:.2} 元的部分"),
                    format!("the part of today's {spend:.0} yuan spend above the {exp:.2} yuan baseline CPA"),
                )
                .step_move(self.budget_move(Some(scope_value)))
            }
            ("plan_ctr_floor" | "plan_ctr_drop", _) => {
                let gmv = self.plan_today(scope_value, "pay_gmv");
                Situation::stake(
                    gmv * uplift(obs, exp),
                    format!("计划今日成交 {gmv:.0} 元按点击率恢复到行业基准估算（成交与点击率成正比，最多翻倍）"),
                    format!("the plan's {gmv:.0} yuan of GMV today with CTR back at the industry baseline (GMV proportional to CTR, at most doubled)"),
                )
                .step_creative(self.worst_creative(scope_value))
            }
            ("cost_per_exposure_max", _) => {
                let spend = v("spend");
                Situation::stake(
                    if obs > 0.0 { spend * (1.0 - evidence(a, "threshold").unwrap_or(0.0) / obs) } else { 0.0 },
                    format!("今日消耗 {spend:.0} 元中超出曝光成本上限的部分"),
                    format!("the part of today's {spend:.0} yuan spend above the cost-per-exposure limit"),
                )
            }
            ("complaint_rate_rise", _) => {
                let (orders, gmv) = if a.scope_id.starts_with("product:") {
                    self.product_week(scope_value)
                } else {
                    (v("orders") * 7.0, v("gmv") * 7.0)
                };
                let aov = if orders > 0.0 { gmv / orders } else { 0.0 };
                let excess = (obs - exp).max(0.0) * orders / 7.0;
                Situation::stake(
                    excess * aov,
                    format!("每日超出基线的投诉 {excess:.1} 单 × 客单价 {aov:.0} 元（按每单投诉一次退款计）"),
                    format!("{excess:.1} complaints a day above baseline × {aov:.0} yuan order value (each one a refund)"),
                )
            }
            ("segment_share_drop", _) => {
                let (orders, aov) = (v("orders"), v("aov"));
                let missing = (exp - obs).max(0.0) * orders;
                Situation::stake(
                    missing * aov,
                    format!("按基线占比少了约 {missing:.0} 单 × 客单价 {aov:.0} 元"),
                    format!(
                        "about {missing:.0} orders short of the baseline share × {aov:.0} yuan AOV"
                    ),
                )
            }
            ("category_cvr_below_industry", _) => {
                let t = &self.inputs.categories;
                let gmv = t.get(&[scope_value], None, "gmv").unwrap_or(0.0);
                Situation::stake(
                    gmv * uplift(obs, exp),
                    format!("品类今日成交 {gmv:.0} 元按转化率达到行业均值估算（最多翻倍）"),
                    format!("the category's {gmv:.0} yuan of GMV today at the industry conversion rate (at most doubled)"),
                )
            }
            ("execution_deviation", _) | (_, "gmv") => Situation::stake(
                exp - obs,
                format!("与目标（或基线）的差额：应达 {exp:.0} 元，实际 {obs:.0} 元"),
                format!(
                    "the gap to target (or baseline): {exp:.0} yuan planned, {obs:.0} yuan done"
                ),
            )
            .step_move(self.budget_move(None)),
            (_, "ctr" | "cvr" | "ad_ctr" | "creative_ctr" | "completion_rate") => {
                let gmv = v("gmv");
                Situation::stake(
                    gmv * uplift(obs, exp),
                    format!("今日成交 {gmv:.0} 元按该比率恢复到目标估算（成交与之成正比，最多翻倍）"),
                    format!("today's {gmv:.0} yuan of GMV with the rate back at target (GMV proportional to it, at most doubled)"),
                )
            }
            (_, "roi") => {
                let spend = v("spend");
                Situation::stake(
                    spend * (exp - obs),
                    format!("今日消耗 {spend:.0} 元在目标 ROI 下多出的成交"),
                    format!("the extra GMV of today's {spend:.0} yuan spend at the target ROI"),
                )
                .step_move(self.budget_move(None))
            }
            (_, "aov") => {
                let orders = v("orders");
                Situation::stake(
                    orders * (exp - obs),
                    format!("今日 {orders:.0} 单按客单价达到目标估算"),
                    format!("today's {orders:.0} orders at the target AOV"),
                )
            }
            _ => Situation::default(),
        }
    }

    /// Units to reorder for the lead time and cover (calendar-weighted demand), and the
    /// sales lost while the product is out of stock.
    fn reorder(&self, product: &str) -> Situation {
        let t = &self.inputs.stock;
        let row = t
            .rows
            .iter()
            .find(|r| r.key.first().map(String::as_str) == Some(product));
        let Some(r) = row else {
            return Situation::default();
        };
        let (on_hand, in_transit, daily) = (
            val(r, col(t, "on_hand")),
            val(r, col(t, "in_transit")),
            val(r, col(t, "daily_sales")),
        );
        let category = r.key.get(1).map(String::as_str);
        let scope = Scope::shop(&self.req.shop);
        let n = |k: &str| {
            self.cfg
                .value(Group::Thresholds, k, scope.shop, category)
                .unwrap_or(f64::NAN)
        };
        let (lead, cover) = (n("reorder_lead_days"), n("reorder_cover_days"));
        let cal = Calendar::from_config(self.cfg, scope.shop);
        let d = self.req.date;
        let recent: f64 = (0..7).map(|i| cal.day_weight(days(d, i))).sum::<f64>() / 7.0;
        let horizon = (lead + cover).ceil().max(0.0) as i64;
        let ahead: f64 = (1..=horizon)
            .map(|i| cal.day_weight(d + Duration::days(i)))
            .sum();
        let demand = if recent > 0.0 {
            daily * ahead / recent
        } else {
            0.0
        };
        let units = (demand - on_hand - in_transit).max(0.0).ceil();
        let per_day = self.product_week(product).1 / 7.0;
        let short_days = if daily > 0.0 {
            (lead - on_hand / daily).max(0.0)
        } else {
            0.0
        };
        Situation::stake(
            per_day * short_days,
            format!("到货前约 {short_days:.1} 天无货 × 近 7 日日均成交 {per_day:.0} 元"),
            format!("about {short_days:.1} days out of stock before delivery × {per_day:.0} yuan of daily sales (7-day average)"),
        )
        .step(
            format!("补货 {units:.0} 件（按日历加权预测 {lead:.0} 天到货期 + {cover:.0} 天安全库存需求 {demand:.0} 件，减现货 {on_hand:.0}、在途 {in_transit:.0}）。"),
            format!("Reorder {units:.0} units (calendar-weighted demand of {demand:.0} over {lead:.0} days' lead time + {cover:.0} days' cover, less {on_hand:.0} on hand and {in_transit:.0} in transit). "),
        )
    }

    /// The plan's value of `metric` on the review day.
    fn plan_today(&self, plan: &str, metric: &str) -> f64 {
        let t = &self.inputs.plans;
        let day = self.req.date.to_string();
        let c = col(t, metric);
        t.rows
            .iter()
            .filter(|r| r.period.as_deref() == Some(day.as_str()) && r.key[0] == plan)
            .map(|r| val(r, c))
            .sum()
    }

    /// A product's orders and GMV over the last 7 days.
    fn product_week(&self, product: &str) -> (f64, f64) {
        let t = &self.inputs.products;
        (
            t.get(&[product], None, "orders").unwrap_or(0.0),
            t.get(&[product], None, "gmv").unwrap_or(0.0),
        )
    }

    /// Yuan a day to move from the weakest plan (or `from`) to the best one by 7-day ROI,
    /// within the bid guardrail's step.
    fn budget_move(&self, from: Option<&str>) -> Option<(String, String, f64, f64)> {
        let roi = plan_roi(&self.inputs.plans, self.req.date);
        let best = roi.first()?;
        let worst = match from {
            Some(p) => roi.iter().find(|x| x.0 == p)?,
            None => roi.last()?,
        };
        if worst.0 == best.0 || worst.1 >= best.1 {
            return None;
        }
        let policy = BidPolicy::from_config(self.cfg, self.shop());
        let amount = worst.2 * policy.rails.max_step;
        let gain = amount * (best.1 * policy.marginal_roi_share - worst.1);
        (gain > 0.0).then(|| (worst.0.clone(), best.0.clone(), amount, gain))
    }

    /// The plan's lowest-CTR creative over the last 7 days with enough impressions to judge,
    /// with its CTR.
    fn worst_creative(&self, plan: &str) -> Option<(String, f64)> {
        let t = &self.inputs.creatives;
        let (imp, ctr) = (col(t, "creative_impressions"), col(t, "creative_ctr"));
        let min = self.cfg.threshold("plan_min_impressions", self.shop());
        let from = days(self.req.date, 6).to_string();
        let mut week: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        for r in t.rows.iter().filter(|r| {
            r.key.first().map(String::as_str) == Some(plan)
                && r.period.as_deref().is_some_and(|p| p >= from.as_str())
        }) {
            let Some(creative) = r.key.get(1) else {
                continue;
            };
            let e = week.entry(creative.as_str()).or_default();
            e.0 += val(r, imp);
            e.1 += val(r, imp) * val(r, ctr);
        }
        week.into_iter()
            .filter(|(_, (i, _))| *i >= min)
            .map(|(c, (i, k))| (c.to_string(), k / i))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }
}

impl Situation {
    fn step_move(self, m: Option<(String, String, f64, f64)>) -> Self {
        match m {
            Some((from, to, yuan, gain)) => self.step(
                format!("从计划 {from} 每日移 {yuan:.0} 元预算到 {to}（预计多成交 {gain:.0} 元/日）。"),
                format!("Move {yuan:.0} yuan a day of budget from plan {from} to {to} (about {gain:.0} yuan more GMV a day). "),
            ),
            None => self,
        }
    }

    fn step_creative(self, c: Option<(String, f64)>) -> Self {
        match c {
            Some((id, ctr)) => self.step(
                format!("先替换素材 {id}（近 7 日点击率 {:.2}%）。", ctr * 100.0),
                format!(
                    "Replace creative {id} first (7-day CTR {:.2}%). ",
                    ctr * 100.0
                ),
            ),
            None => self,
        }
    }
}

/// Plans by 7-day ROI, best first, with their average daily spend (at least 20 conversions).
fn plan_roi(plans: &MetricTable, date: NaiveDate) -> Vec<(String, f64, f64)> {
    let from = days(date, 6).to_string();
    let (spend, gmv, conv) = (
        col(plans, "spend"),
        col(plans, "pay_gmv"),
        col(plans, "conversions"),
    );
    let mut agg: BTreeMap<&str, (f64, f64, f64)> = BTreeMap::new();
    for r in plans
        .rows
        .iter()
        .filter(|r| r.period.as_deref().is_some_and(|p| p >= from.as_str()))
    {
        let e = agg.entry(r.key[0].as_str()).or_default();
        e.0 += val(r, spend);
        e.1 += val(r, gmv);
        e.2 += val(r, conv);
    }
    let mut v: Vec<(String, f64, f64)> = agg
        .into_iter()
        .filter(|(_, x)| x.2 >= 20.0 && x.0 > 0.0)
        .map(|(k, x)| (k.to_string(), x.1 / x.0, x.0 / 7.0))
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    v
}

/// Who does it: paid traffic, content, supply chain, customer service or operations.
pub fn owner(rule: &str, metric: &str, lang: Lang) -> &'static str {
    let (zh, en) = match (rule, metric) {
        ("days_of_cover_min" | "stock_forecast" | "on_time_min", _) | (_, "on_time_rate") => {
            ("供应链", "Supply chain")
        }
        ("complaint_rate_rise", _) | (_, "complaint_rate" | "nps") => ("客服", "Customer service"),
        (
            "cpa_rise"
            | "plan_ctr_floor"
            | "plan_ctr_drop"
            | "cost_per_exposure_max"
            | "category_cvr_below_industry",
            _,
        )
        | (_, "roi" | "spend" | "cpa" | "ad_ctr" | "cpm" | "cost_per_exposure") => {
            ("投放", "Paid traffic")
        }
        ("penalty_risk_max", _)
        | (_, "ctr" | "creative_ctr" | "completion_rate" | "like_rate" | "interaction_rate") => {
            ("内容", "Content")
        }
        _ => ("运营", "Operations"),
    };
    lang.pick(zh, en)
}

/// Orders actions by money at stake (largest first; those without an estimate last, in
/// their incoming order, which is by severity) and numbers them.
pub fn rank(actions: &mut [Action]) {
    actions.sort_by(|a, b| match (a.at_stake_yuan, b.at_stake_yuan) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    for (i, a) in actions.iter_mut().enumerate() {
        a.priority = i + 1;
    }
}

/// Paid-traffic recommendations that passed the guardrails, as actions; their money is the
/// recommendation's yuan a day at stake.
pub fn from_bids(report: &crate::bids::BidsReport, lang: Lang) -> Vec<Action> {
    use crate::bids::Status;
    report
        .recommendations
        .iter()
        .filter(|r| matches!(r.status, Status::Proposed | Status::NeedsConfirmation))
        .map(|r| Action {
            priority: 0,
            source: ActionSource::Bid,
            playbook: r.action.id().into(),
            title: format!(
                "{} · {}",
                words::label(words::Kind::Action, r.action.id(), lang),
                words::scope(&format!("plan:{}", r.plan_id), lang)
            ),
            detail: lang.pick(&r.reason_zh, &r.reason_en).to_string(),
            scope: format!("plan:{}", r.plan_id),
            at_stake_yuan: Some(r.priority.abs()),
            basis: lang
                .pick(
                    "该调整每日影响的金额（成交变化与节省的消耗）",
                    "yuan a day the change moves (GMV gained or spend saved)",
                )
                .into(),
            owner: owner("cpa_rise", "roi", lang).into(),
            due: (report.date + Duration::days(1)).to_string(),
        })
        .collect()
}

/// The recall list as one action: high-value users whose probability of being alive fell.
pub fn recall(
    users: &crate::users::UsersDigest,
    response: f64,
    date: NaiveDate,
    lang: Lang,
) -> Option<Action> {
    let n = users.sizes.recall;
    if n == 0 {
        return None;
    }
    let value = users.recall_value;
    Some(Action {
        priority: 0,
        source: ActionSource::Recall,
        playbook: "recall".into(),
        title: format!(
            "{} {n} {}",
            lang.pick("召回高价值流失风险客户", "Win back high-value customers drifting away:"),
            lang.pick("人", "users")
        ),
        detail: lang
            .pick(
                "导出召回名单（vitrine users export --recall --out 召回名单.xlsx，或用户页），发放老客专享券并在 3 天内私信触达；7 天后对比回购率。",
                "Export the recall list (vitrine users export --recall --out recall.xlsx, or the users page), send returning-customer coupons and message them within 3 days; compare repurchase after 7 days.",
            )
            .into(),
        scope: "users:recall".into(),
        at_stake_yuan: Some(response * value),
        basis: format!(
            "{} {:.0}% {} {value:.0} {}",
            lang.pick("假设", "assuming"),
            response * 100.0,
            lang.pick("回购，按名单客户未来 365 天预期价值合计", "respond, of the list's expected 365-day value of"),
            lang.pick("元", "yuan")
        ),
        owner: lang.pick("用户运营", "CRM").into(),
        due: (date + Duration::days(3)).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::{SegmentSizes, Segmented, UserSegment};

    fn user(id: &str, recall: bool, clv: Option<f64>) -> UserSegment {
        UserSegment {
            user_id: id.into(),
            stage: "silent",
            r: 2,
            f: 4,
            m: 5,
            rfm_segment: "important_recall",
            spending_power: "high",
            interest: None,
            interaction: "low",
            member_tier: None,
            value_index: 90.0,
            tier: 2,
            p_alive: Some(0.3),
            expected_clv: clv,
            days_since_last: 120,
            total: 900.0,
            recall,
        }
    }

    #[test]
    fn the_recall_list_is_an_action_worth_its_expected_response() {
        let date: NaiveDate = "2026-11-21".parse().unwrap();
        let mut seg = Segmented {
            as_of: date,
            value_model: "bgnbd+gamma-gamma".into(),
            sizes: SegmentSizes::default(),
            users: vec![
                user("a", true, Some(600.0)),
                user("b", true, Some(400.0)),
                user("c", false, Some(5_000.0)),
            ],
            fit: None,
        };
        seg.sizes.recall = 2;
        let a = recall(&seg.digest(), 0.1, date, Lang::Zh).unwrap();
        // 10 % of the two recall users' 1,000 yuan of expected value; the third is not on it.
        assert_eq!(a.at_stake_yuan, Some(100.0));
        assert!(a.title.contains('2'), "{}", a.title);
        assert_eq!(a.source, ActionSource::Recall);
        assert_eq!(a.due, "2026-11-24");
        seg.users.retain(|u| !u.recall);
        seg.sizes.recall = 0;
        assert!(recall(&seg.digest(), 0.1, date, Lang::Zh).is_none());
    }

    #[test]
    fn unknown_stakes_rank_last_in_their_incoming_order() {
        let act = |scope: &str, y: Option<f64>| Action {
            priority: 0,
            source: ActionSource::Alert,
            playbook: "PB06".into(),
            title: String::new(),
            detail: String::new(),
            scope: scope.into(),
            at_stake_yuan: y,
            basis: String::new(),
            owner: String::new(),
            due: String::new(),
        };
        let mut v = vec![
            act("a", None),
            act("b", Some(10.0)),
            act("c", None),
            act("d", Some(300.0)),
        ];
        rank(&mut v);
        let order: Vec<&str> = v.iter().map(|a| a.scope.as_str()).collect();
        assert_eq!(order, ["d", "b", "a", "c"]);
        assert_eq!(v[3].priority, 4);
    }
}
