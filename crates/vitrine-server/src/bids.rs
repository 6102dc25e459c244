//! The paid-traffic service: plan reports from the lake, the audit log and holds from the
//! state database, diagnostics and guarded recommendations from the analyses (shared by
//! `vitrine bids` and `/api/v1/shops/{shop}/bids`).

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde_json::Value;
use vitrine_analytics::bids::budget::{plan_budget, BudgetPlan, BudgetPolicy, Phase, Stage};
use vitrine_analytics::bids::{
    report, Action, BidPolicy, BidsReport, CreativeStat, PastChange, PlanInfo, PlanStat, Status,
};
use vitrine_lake::BidChangeRecord;

use crate::service::{ServiceError, Workspace};

/// Days of plan history read for diagnostics, response curves and dayparting.
const HISTORY_DAYS: i64 = 56;

impl Workspace {
    /// Diagnoses, recommendations and guardrails for one shop and day; new actionable
    /// recommendations are recorded in the audit log as `proposed` (the CLI's daily run).
    pub async fn bids(
        &self,
        shop: Option<&str>,
        date: Option<NaiveDate>,
    ) -> Result<BidsReport, ServiceError> {
        self.bids_report(shop, date, true).await
    }

    /// [`Workspace::bids`], recording proposals in the audit log only when `record` is set.
    /// Reads (the API's GET, the daily review) never record: a recommendation enters the log
    /// when someone decides on it.
    pub async fn bids_report(
        &self,
        shop: Option<&str>,
        date: Option<NaiveDate>,
        record: bool,
    ) -> Result<BidsReport, ServiceError> {
        let (shop, date) = self.resolve(shop, date)?;
        let from = date - Duration::days(HISTORY_DAYS - 1);
        let plans = self.plan_infos(&shop, date).await?;
        let stats = self.plan_stats(&shop, from, date).await?;
        let creatives = self.creative_stats(&shop, from, date).await?;
        let state = self.state().await?;
        let log = state.bid_changes(&shop).await?;
        let audit: Vec<PastChange> = log.iter().filter_map(past_change).collect();
        let holds = state.plan_holds(&shop).await?;
        let policy = self.bid_policy(&shop);
        let mut r = report(
            &shop, date, &plans, &stats, &creatives, &audit, &holds, &policy,
        );
        r.budget_plan = Some(self.budget_plan(&shop, date).await?);
        let log = if record {
            state
                .propose_bid_changes(&shop, &actionable(&shop, date, &r))
                .await?;
            state.bid_changes(&shop).await?
        } else {
            log
        };
        for x in &mut r.recommendations {
            x.decision = log
                .iter()
                .find(|c| c.rec_id == x.id && c.status != "proposed")
                .map(|c| c.status.clone());
        }
        Ok(r)
    }

    /// The audit-log row of `rec_id`; a recommendation not yet in the log is recomputed for
    /// its day (the id starts with it) and recorded as proposed first.
    async fn bid_change(&self, shop: &str, rec_id: &str) -> Result<BidChangeRecord, ServiceError> {
        let state = self.state().await?;
        let find = |log: Vec<BidChangeRecord>| log.into_iter().find(|c| c.rec_id == rec_id);
        if let Some(c) = find(state.bid_changes(shop).await?) {
            return Ok(c);
        }
        let missing = || {
            ServiceError::NotFound(format!(
                "no recommendation `{rec_id}` for shop {shop} (see its day's bids)"
            ))
        };
        let day = rec_id
            .split(':')
            .next()
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .ok_or_else(missing)?;
        let r = self.bids_report(Some(shop), Some(day), false).await?;
        let new: Vec<BidChangeRecord> = actionable(shop, day, &r)
            .into_iter()
            .filter(|c| c.rec_id == rec_id)
            .collect();
        if new.is_empty() {
            return Err(missing());
        }
        state.propose_bid_changes(shop, &new).await?;
        find(state.bid_changes(shop).await?).ok_or_else(missing)
    }

    /// Approves, rejects or marks applied a recommendation. Resuming a paused plan needs
    /// `confirm` (a human has checked creative, bid and stock).
    pub async fn decide_bid(
        &self,
        shop: &str,
        rec_id: &str,
        status: &str,
        actor: &str,
        confirm: bool,
        note: Option<&str>,
    ) -> Result<BidChangeRecord, ServiceError> {
        if !matches!(status, "approved" | "rejected" | "applied") {
            return Err(ServiceError::BadRequest(format!(
                "status must be approved, rejected or applied, got `{status}`"
            )));
        }
        let c = self.bid_change(shop, rec_id).await?;
        if c.action == "resume" && status == "approved" && !confirm {
            return Err(ServiceError::BadRequest(format!(
                "`{rec_id}` resumes a paused plan: confirm that creative, bid and stock were checked (--confirm / \"confirm\": true)"
            )));
        }
        let legal = matches!(
            (c.status.as_str(), status),
            ("proposed", "approved" | "rejected") | ("approved", "applied" | "rejected")
        );
        if !legal {
            return Err(ServiceError::BadRequest(format!(
                "`{rec_id}` is {}; it cannot become {status}",
                c.status
            )));
        }
        Ok(self
            .state()
            .await?
            .decide_bid_change(shop, rec_id, status, actor, note)
            .await?)
    }

    /// The guardrail and threshold settings of a shop (`[thresholds] bid_*`).
    pub fn bid_policy(&self, shop: &str) -> BidPolicy {
        let d = BidPolicy::default();
        let t = |k: &str, v: f64| self.threshold(shop, k, v);
        BidPolicy {
            target_roi: self
                .config
                .value(
                    vitrine_core::config::Group::Targets,
                    "roi",
                    Some(shop),
                    None,
                )
                .unwrap_or(d.target_roi),
            observe_days: t("bid_observe_days", d.observe_days as f64) as i64,
            min_conversions: t("bid_min_conversions", d.min_conversions),
            cooldown_hours: t("bid_cooldown_hours", d.cooldown_hours as f64) as i64,
            max_changes_per_day: t("bid_max_changes_per_day", d.max_changes_per_day as f64)
                as usize,
            max_step: t("bid_max_step", d.max_step),
            runaway_spend: t("bid_runaway_spend", d.runaway_spend),
            runaway_roi: t("bid_runaway_roi", d.runaway_roi),
            starve_share: t("bid_starve_share", d.starve_share),
            fatigue_drop: t("bid_fatigue_drop", d.fatigue_drop),
            winner_margin: t("bid_winner_margin", d.winner_margin),
            ctr_floor: t("bid_ctr_floor", d.ctr_floor),
            cold_start_share: t("bid_cold_start_share", d.cold_start_share),
        }
    }

    /// The §10 budget split for the next 30 days, from the last 30 days' sales: a shop with
    /// less than 90 days of data is launching, else mature; categories converting below their
    /// industry baseline get the boost. Shares and boost are `[thresholds] budget_*`.
    async fn budget_plan(&self, shop: &str, date: NaiveDate) -> Result<BudgetPlan, ServiceError> {
        let from = date - Duration::days(29);
        let rows = self.rows(&format!(
            "SELECT category, SUM(gmv_fen) gmv_fen, SUM(orders) orders, SUM(clicks) clicks FROM product_day \
             WHERE shop_id = {} AND date BETWEEN DATE '{from}' AND DATE '{date}' GROUP BY category ORDER BY category",
            sql_str(shop)
        )).await?;
        let sales: f64 = rows.iter().map(|r| num(r, "gmv_fen") / 100.0).sum();
        let cats: Vec<(String, f64, Option<f64>, Option<f64>)> = rows
            .iter()
            .filter_map(|r| {
                let c = text(r, "category")?;
                let clicks = num(r, "clicks");
                let cvr = (clicks > 0.0).then(|| num(r, "orders") / clicks);
                let share = if sales > 0.0 {
                    num(r, "gmv_fen") / 100.0 / sales
                } else {
                    0.0
                };
                let industry = vitrine_core::metric::baseline(&c, "cvr");
                Some((c, share, cvr, industry))
            })
            .collect();
        let first = self
            .shops()?
            .into_iter()
            .find(|s| s.shop == shop)
            .and_then(|s| s.first_date);
        let phase = if first.is_some_and(|f| (date - f).num_days() >= 90) {
            Phase::Mature
        } else {
            Phase::Launch
        };
        let d = BudgetPolicy::default();
        let t = |k: &str, v: f64| self.threshold(shop, k, v);
        let policy = BudgetPolicy {
            paid_share_launch: (
                t("budget_launch_low", d.paid_share_launch.0),
                t("budget_launch_high", d.paid_share_launch.1),
            ),
            paid_share_mature: (
                t("budget_mature_low", d.paid_share_mature.0),
                t("budget_mature_high", d.paid_share_mature.1),
            ),
            test_share: t("budget_test_share", d.test_share),
            underperformer_boost: t("budget_underperformer_boost", d.underperformer_boost),
            ..d
        };
        Ok(plan_budget(sales, phase, Stage::Precision, &cats, &policy))
    }

    async fn rows(&self, sql: &str) -> Result<Vec<Value>, ServiceError> {
        let json = self.engine()?.sql(sql).await?.to_json()?;
        serde_json::from_str(&json).map_err(|e| ServiceError::BadRequest(e.to_string()))
    }

    /// Plans with the day's bid, budget, goal and learning status (from the plan report of
    /// that day, else the plan snapshot) and break-even ROI from the product's margin.
    async fn plan_infos(&self, shop: &str, date: NaiveDate) -> Result<Vec<PlanInfo>, ServiceError> {
        let shop_sql = sql_str(shop);
        let rows = self.rows(&format!(
            "WITH day AS (SELECT plan_id, MAX(bid_fen) bid_fen, MAX(budget_fen) budget_fen, MAX(roi_goal) roi_goal, MAX(learning_status) learning_status FROM plan_hour WHERE shop_id = {shop_sql} AND date = DATE '{date}' GROUP BY plan_id) \
             SELECT p.plan_id, p.category, p.bid_mode, COALESCE(d.bid_fen, p.bid_fen) bid_fen, COALESCE(d.budget_fen, p.budget_fen) budget_fen, COALESCE(d.roi_goal, p.roi_goal) roi_goal, COALESCE(d.learning_status, p.learning_status) learning_status, CAST(p.created_on AS VARCHAR) created_on, pr.price_fen, pr.cost_fen \
             FROM plans p LEFT JOIN day d ON d.plan_id = p.plan_id LEFT JOIN products pr ON pr.shop_id = p.shop_id AND pr.product_id = p.product_id \
             WHERE p.shop_id = {shop_sql} ORDER BY p.plan_id"
        )).await?;
        let fee = self.threshold(shop, "platform_fee_rate", 0.05);
        let shipping = self.threshold(shop, "shipping_cost", 5.0);
        Ok(rows
            .iter()
            .filter_map(|r| {
                let price = num(r, "price_fen") / 100.0;
                let cost = r.get("cost_fen").and_then(Value::as_f64).map(|c| c / 100.0);
                let margin = cost.map(|c| (price - c - fee * price - shipping) / price);
                Some(PlanInfo {
                    plan_id: text(r, "plan_id")?,
                    category: text(r, "category").unwrap_or_default(),
                    bid_mode: text(r, "bid_mode").unwrap_or_default(),
                    bid: num(r, "bid_fen") / 100.0,
                    budget: num(r, "budget_fen") / 100.0,
                    roi_goal: num(r, "roi_goal"),
                    learning_status: text(r, "learning_status").unwrap_or_default(),
                    created_on: text(r, "created_on")?.parse().ok()?,
                    breakeven_roi: margin.filter(|m| *m > 0.0 && price > 0.0).map(|m| 1.0 / m),
                })
            })
            .collect())
    }

    async fn plan_stats(
        &self,
        shop: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<PlanStat>, ServiceError> {
        let rows = self.rows(&format!(
            "SELECT plan_id, CAST(date AS VARCHAR) date, hour, spend_fen, impressions, clicks, conversions, pay_gmv_fen \
             FROM plan_hour WHERE shop_id = {} AND date BETWEEN DATE '{from}' AND DATE '{to}'",
            sql_str(shop)
        )).await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(PlanStat {
                    plan_id: text(r, "plan_id")?,
                    date: text(r, "date")?.parse().ok()?,
                    hour: r
                        .get("hour")
                        .and_then(Value::as_u64)
                        .and_then(|h| u8::try_from(h).ok()),
                    spend: num(r, "spend_fen") / 100.0,
                    impressions: num(r, "impressions"),
                    clicks: num(r, "clicks"),
                    conversions: num(r, "conversions"),
                    gmv: num(r, "pay_gmv_fen") / 100.0,
                })
            })
            .collect())
    }

    async fn creative_stats(
        &self,
        shop: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<CreativeStat>, ServiceError> {
        let shop_sql = sql_str(shop);
        let rows = self.rows(&format!(
            "SELECT cd.creative_id, cd.plan_id, CAST(cd.date AS VARCHAR) date, CAST(c.created_on AS VARCHAR) created_on, cd.impressions, cd.clicks \
             FROM creative_day cd LEFT JOIN creatives c ON c.shop_id = cd.shop_id AND c.creative_id = cd.creative_id \
             WHERE cd.shop_id = {shop_sql} AND cd.date BETWEEN DATE '{from}' AND DATE '{to}'"
        )).await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(CreativeStat {
                    creative_id: text(r, "creative_id")?,
                    plan_id: text(r, "plan_id")?,
                    date: text(r, "date")?.parse().ok()?,
                    created_on: text(r, "created_on").and_then(|d| d.parse().ok()),
                    impressions: num(r, "impressions"),
                    clicks: num(r, "clicks"),
                })
            })
            .collect())
    }
}

fn sql_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn text(r: &Value, k: &str) -> Option<String> {
    r.get(k).and_then(Value::as_str).map(str::to_string)
}

fn num(r: &Value, k: &str) -> f64 {
    r.get(k).and_then(Value::as_f64).unwrap_or(0.0)
}

/// The report's recommendations that wait for a decision, as audit-log rows.
fn actionable(shop: &str, date: NaiveDate, r: &BidsReport) -> Vec<BidChangeRecord> {
    r.recommendations
        .iter()
        .filter(|x| matches!(x.status, Status::Proposed | Status::NeedsConfirmation))
        .map(|x| BidChangeRecord {
            id: 0,
            shop: shop.to_string(),
            rec_id: x.id.clone(),
            date: date.to_string(),
            plan_id: x.plan_id.clone(),
            action: x.action.id().into(),
            from_value: x.from,
            to_value: x.to,
            target: x.target.clone(),
            reason: x.reason_zh.clone(),
            status: "proposed".into(),
            actor: "vitrine".into(),
            at: vitrine_lake::shanghai_now(),
        })
        .collect()
}

/// An audit-log row as the guardrails read it (rows with an unknown action are skipped).
fn past_change(c: &BidChangeRecord) -> Option<PastChange> {
    Some(PastChange {
        plan_id: c.plan_id.clone(),
        action: Action::parse(&c.action)?,
        date: c.date.parse().ok()?,
        at: NaiveDateTime::parse_from_str(&c.at, "%Y-%m-%d %H:%M:%S").ok()?,
        status: c.status.clone(),
    })
}
