//! The paid-traffic service: plan reports from the lake, the audit log and holds from the
//! state database, diagnostics and guarded recommendations from the analyses (shared by
//! `vitrine bids` and `/api/v1/shops/{shop}/bids`).

use chrono::{Duration, NaiveDate, NaiveDateTime};
use vitrine_analytics::bids::budget::{plan_budget, BudgetPlan, BudgetPolicy, Phase, Stage};
use vitrine_analytics::bids::{
    report, Action, BidPolicy, BidsReport, PastChange, PlanInfo, Status,
};
use vitrine_core::paid::PlanRow;
use vitrine_lake::BidChangeRecord;

use crate::review::blocking_failed;
use crate::{AppError, Snapshot, Workspace};

/// Days of plan history read for diagnostics, response curves and dayparting.
const HISTORY_DAYS: i64 = 56;

impl Workspace {
    /// Diagnoses, recommendations and guardrails for one shop and day; new actionable
    /// recommendations are recorded in the audit log as `proposed` (the CLI's daily run).
    pub async fn bids(
        &self,
        shop: Option<&str>,
        date: Option<NaiveDate>,
    ) -> Result<BidsReport, AppError> {
        self.snapshot(shop, date)?.bids_report(true).await
    }

    /// The audit-log row of `rec_id`; a recommendation not yet in the log is recomputed for
    /// its day (the id starts with it) and recorded as proposed first.
    async fn bid_change(&self, shop: &str, rec_id: &str) -> Result<BidChangeRecord, AppError> {
        let state = self.state().await?;
        let find = |log: Vec<BidChangeRecord>| log.into_iter().find(|c| c.rec_id == rec_id);
        if let Some(c) = find(state.bid_changes(shop).await?) {
            return Ok(c);
        }
        let missing = || {
            AppError::NotFound(format!(
                "no recommendation `{rec_id}` for shop {shop} (see its day's bids)"
            ))
        };
        let day = rec_id
            .split(':')
            .next()
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .ok_or_else(missing)?;
        let r = self
            .snapshot(Some(shop), Some(day))?
            .bids_report(false)
            .await?;
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
    ) -> Result<BidChangeRecord, AppError> {
        if !matches!(status, "approved" | "rejected" | "applied") {
            return Err(AppError::BadRequest(format!(
                "status must be approved, rejected or applied, got `{status}`"
            )));
        }
        let c = self.bid_change(shop, rec_id).await?;
        if c.action == "resume" && status == "approved" && !confirm {
            return Err(AppError::BadRequest(format!(
                "`{rec_id}` resumes a paused plan: check its creative, bid and stock, then approve it with confirmation"
            )));
        }
        let legal = matches!(
            (c.status.as_str(), status),
            ("proposed", "approved" | "rejected") | ("approved", "applied" | "rejected")
        );
        if !legal {
            return Err(AppError::BadRequest(format!(
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

    /// The guardrail and threshold settings of a shop (`[bids]`).
    pub fn bid_policy(&self, shop: &str) -> BidPolicy {
        BidPolicy::from_config(&self.config, Some(shop))
    }
}

impl Snapshot {
    /// Diagnoses, recommendations and guardrails of this shop and day; when `record` is set,
    /// new actionable recommendations enter the audit log as `proposed` (the CLI's daily
    /// run). Reads (the API's GET, the daily review) never record: a recommendation enters
    /// the log when someone decides on it.
    pub async fn bids_report(&self, record: bool) -> Result<BidsReport, AppError> {
        let (shop, date) = (self.shop.as_str(), self.date);
        let from = date - Duration::days(HISTORY_DAYS - 1);
        let plans = self.plan_infos().await?;
        let stats = crate::review::timed(
            "paid traffic: plan stats",
            self.engine().plan_stats(shop, from, date),
        )
        .await?;
        let creatives = crate::review::timed(
            "paid traffic: creative stats",
            self.engine().creative_stats(shop, from, date),
        )
        .await?;
        let state = self.state().await?;
        let log = state.bid_changes(shop).await?;
        let audit: Vec<PastChange> = log.iter().filter_map(past_change).collect();
        let holds = state.plan_holds(shop).await?;
        let policy = self.workspace().bid_policy(shop);
        // Curve fits are seconds of CPU: on a blocking thread, so the engine's queries keep
        // the runtime's workers.
        let owned = shop.to_string();
        let r = tokio::task::spawn_blocking(move || {
            report(
                &owned, date, &plans, &stats, &creatives, &audit, &holds, &policy,
            )
        });
        let mut r = crate::review::timed("paid traffic: fits and rules", r)
            .await
            .map_err(blocking_failed)?;
        r.budget_plan = Some(self.budget_plan().await?);
        let log = if record {
            state
                .propose_bid_changes(shop, &actionable(shop, date, &r))
                .await?;
            state.bid_changes(shop).await?
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

    /// The §10 budget split for the next 30 days, from the last 30 days' sales: a shop with
    /// less than 90 days of data is launching, else mature; categories converting below their
    /// industry baseline get the boost. Shares and boost are `[bids] budget_*`.
    async fn budget_plan(&self) -> Result<BudgetPlan, AppError> {
        let (shop, date) = (self.shop.as_str(), self.date);
        let from = date - Duration::days(29);
        let rows = self.engine().category_sales(shop, from, date).await?;
        let sales: f64 = rows.iter().map(|r| r.gmv).sum();
        let cats: Vec<(String, f64, Option<f64>, Option<f64>)> = rows
            .iter()
            .filter_map(|r| {
                let c = r.category.clone()?;
                let cvr = (r.clicks > 0.0).then(|| r.orders / r.clicks);
                let share = if sales > 0.0 { r.gmv / sales } else { 0.0 };
                let industry = self.workspace().config.baseline(&c, "cvr", Some(shop));
                Some((c, share, cvr, industry))
            })
            .collect();
        let phase = if self
            .first_date()
            .is_some_and(|f| (date - f).num_days() >= 90)
        {
            Phase::Mature
        } else {
            Phase::Launch
        };
        let policy = BudgetPolicy::from_config(&self.workspace().config, Some(shop));
        Ok(plan_budget(sales, phase, Stage::Precision, &cats, &policy))
    }

    /// Plans with the day's bid, budget, goal and learning status, and break-even ROI from
    /// the product's margin after platform fee and shipping.
    async fn plan_infos(&self) -> Result<Vec<PlanInfo>, AppError> {
        let rows = self.engine().plan_rows(&self.shop, self.date).await?;
        let fee = self.threshold("platform_fee_rate");
        let shipping = self.threshold("shipping_cost");
        Ok(rows
            .into_iter()
            .map(|r| plan_info(r, fee, shipping))
            .collect())
    }
}

/// A plan with its break-even ROI: 1 / margin, `None` when the cost is unknown or the
/// margin is not positive.
fn plan_info(r: PlanRow, fee: f64, shipping: f64) -> PlanInfo {
    let margin = r
        .cost
        .map(|c| (r.price - c - fee * r.price - shipping) / r.price);
    PlanInfo {
        breakeven_roi: margin
            .filter(|m| *m > 0.0 && r.price > 0.0)
            .map(|m| 1.0 / m),
        plan_id: r.plan_id,
        category: r.category,
        bid_mode: r.bid_mode,
        bid: r.bid,
        budget: r.budget,
        roi_goal: r.roi_goal,
        learning_status: r.learning_status,
        created_on: r.created_on,
    }
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
