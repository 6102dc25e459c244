//! Per-user purchase features and cohort rows of one shop, computed in SQL over the lake.

use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::{cast, max, min};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int32Type, Int64Type};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use vitrine_core::customer::{Purchases, UserFeatures};
use vitrine_core::Table;

use crate::buyers::{day, BuyerDay, BuyerList, Buyers, Coverage, Store};
use crate::engine::Engine;
use crate::{blocking, LakeError};

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Orders that count as purchases: the shop's, up to the day, not cancelled, with a buyer
/// (the order export names none; the order API does).
fn orders_cte(shop: &str, as_of: NaiveDate) -> String {
    format!(
        "o AS (SELECT user_id, date, ordered_at, amount_fen, category, channel FROM orders
               WHERE shop_id = {} AND date <= DATE {} AND status <> 'cancelled' AND user_id <> '')",
        lit(shop),
        lit(&as_of.to_string())
    )
}

/// A buyer's first day and its spend packed into one number whose minimum over the buyer's
/// days is the first day with its spend: a hash `MIN` instead of an ordered `first_value`.
/// Days shift by 2²⁰ and spend (fen) by 2³⁹ so both are non-negative; one day's spend of a
/// buyer must stay below 2³⁹ fen (5.5 billion yuan), which [`Engine::purchase_days`] checks.
const DAY_BASE: i64 = 1 << 40;
const SPEND_SHIFT: i64 = 1 << 39;
const DAY_SHIFT: i64 = 1 << 20;

/// The tags of one buyer a user list shows.
#[derive(Debug, Clone, PartialEq)]
pub struct UserTags {
    pub user_id: String,
    pub top_category: Option<String>,
    pub member_tier: Option<String>,
    /// Comments written up to the day.
    pub comments: u32,
}

impl Engine {
    /// Purchase features of every buyer of `shop` up to `as_of`, in buyer order, with the
    /// tags a user list shows (top category, member tier, comments).
    pub async fn user_features(
        &self,
        shop: &str,
        as_of: NaiveDate,
    ) -> Result<Vec<UserFeatures>, LakeError> {
        let ctx = self.purchase_days(shop, as_of).await?;
        for t in [Table::Users, Table::Comments] {
            self.register(&ctx, t, Some(shop), None)?;
        }
        let sql = format!(
            "WITH {o},
             c AS (SELECT user_id, first_value(category ORDER BY s DESC, category) AS category
                   FROM (SELECT user_id, category, SUM(amount_fen) AS s FROM o GROUP BY user_id, category)
                   GROUP BY user_id),
             m AS (SELECT user_id, MAX(member_tier) AS tier FROM users GROUP BY user_id),
             k AS (SELECT user_id, COUNT(*) AS n FROM comments WHERE date <= DATE {day} GROUP BY user_id)
             SELECT {cols}, f.user_id, c.category, m.tier, CAST(COALESCE(k.n, 0) AS BIGINT)
             FROM {from}
                    LEFT JOIN c ON c.user_id = f.user_id
                    LEFT JOIN m ON m.user_id = f.user_id
                    LEFT JOIN k ON k.user_id = f.user_id
             ORDER BY f.user_id",
            o = orders_cte(shop, as_of),
            day = lit(&as_of.to_string()),
            cols = purchase_columns(),
            from = PURCHASE_FROM,
        );
        let mut out = Vec::new();
        for b in &ctx.sql(&sql).await?.collect().await? {
            let text = |i: usize| cast(b.column(i), &DataType::Utf8);
            let (id, cat, tier) = (text(6)?, text(7)?, text(8)?);
            let (id, cat, tier) = (
                id.as_string::<i32>(),
                cat.as_string::<i32>(),
                tier.as_string::<i32>(),
            );
            let comments = b.column(9).as_primitive::<Int64Type>();
            let opt = |a: &datafusion::arrow::array::StringArray, i: usize| {
                (!a.is_null(i)).then(|| a.value(i).to_string())
            };
            for (i, purchases) in read_purchases(b)?.into_iter().enumerate() {
                out.push(UserFeatures {
                    user_id: id.value(i).to_string(),
                    purchases,
                    top_category: opt(cat, i),
                    member_tier: opt(tier, i),
                    comments: comments.value(i) as u32,
                });
            }
        }
        Ok(out)
    }

    /// Every buyer of `shop` up to `as_of` with their id, from the buyer summary the review
    /// keeps (brought forward or built as [`Engine::purchases`] does).
    pub async fn buyer_list(&self, shop: &str, as_of: NaiveDate) -> Result<BuyerList, LakeError> {
        self.buyers(shop, as_of).await?.into_list()
    }

    /// The tags a user list shows (top category by spend, member tier, comments written up
    /// to `as_of`) of the buyers `ids` only, in no particular order; buyers without orders
    /// up to the day are left out.
    pub async fn user_tags(
        &self,
        shop: &str,
        as_of: NaiveDate,
        ids: &[String],
    ) -> Result<Vec<UserTags>, LakeError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ctx = Self::session();
        for t in [Table::Orders, Table::Users, Table::Comments] {
            self.register(&ctx, t, Some(shop), None)?;
        }
        let list = ids.iter().map(|i| lit(i)).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "WITH {o},
             c AS (SELECT user_id, first_value(category ORDER BY s DESC, category) AS category
                   FROM (SELECT user_id, category, SUM(amount_fen) AS s FROM o
                         WHERE user_id IN ({list}) GROUP BY user_id, category)
                   GROUP BY user_id),
             m AS (SELECT user_id, MAX(member_tier) AS tier FROM users
                   WHERE user_id IN ({list}) GROUP BY user_id),
             k AS (SELECT user_id, COUNT(*) AS n FROM comments
                   WHERE date <= DATE {day} AND user_id IN ({list}) GROUP BY user_id)
             SELECT c.user_id, c.category, m.tier, CAST(COALESCE(k.n, 0) AS BIGINT)
             FROM c LEFT JOIN m ON m.user_id = c.user_id LEFT JOIN k ON k.user_id = c.user_id",
            o = orders_cte(shop, as_of),
            day = lit(&as_of.to_string()),
        );
        let mut out = Vec::new();
        for b in &ctx.sql(&sql).await?.collect().await? {
            let text = |i: usize| cast(b.column(i), &DataType::Utf8);
            let (id, cat, tier) = (text(0)?, text(1)?, text(2)?);
            let (id, cat, tier) = (
                id.as_string::<i32>(),
                cat.as_string::<i32>(),
                tier.as_string::<i32>(),
            );
            let comments = b.column(3).as_primitive::<Int64Type>();
            let opt = |a: &datafusion::arrow::array::StringArray, i: usize| {
                (!a.is_null(i)).then(|| a.value(i).to_string())
            };
            out.extend((0..b.num_rows()).map(|i| UserTags {
                user_id: id.value(i).to_string(),
                top_category: opt(cat, i),
                member_tier: opt(tier, i),
                comments: comments.value(i) as u32,
            }));
        }
        Ok(out)
    }

    /// The purchases of every buyer of `shop` up to `as_of`, in no particular order and
    /// without ids: all the review's user digest reads, for a fraction of the work.
    pub async fn purchases(
        &self,
        shop: &str,
        as_of: NaiveDate,
    ) -> Result<Vec<Purchases>, LakeError> {
        self.buyers(shop, as_of).await?.purchases()
    }

    /// The buyer summary of `shop` through `as_of`: the kept one as it is, or brought forward
    /// by the order days added since it was kept, or (when a day it covered changed, or none
    /// is kept) built from every order and kept for the next day.
    async fn buyers(&self, shop: &str, as_of: NaiveDate) -> Result<Buyers, LakeError> {
        let Some(files) = self.order_files(shop, as_of) else {
            return self
                .build_buyers(shop, as_of, Coverage::new(shop, as_of, Vec::new()))
                .await;
        };
        let now = Coverage::new(shop, as_of, files.iter().map(|f| f.1.clone()).collect());
        let store = Arc::new(Store::of(self.lake(), shop));
        let (st, owned) = (Arc::clone(&store), shop.to_string());
        let kept = blocking(move || st.load(&owned)).await?;
        let kept_through = kept.as_ref().map(|k| k.1.coverage.through);
        if let Some((mut kept, head)) = kept.filter(|k| k.1.coverage.through <= as_of) {
            let through = head.coverage.through;
            if head.coverage.unchanged_in(&files) {
                if files.iter().all(|f| f.0 <= through) {
                    return Ok(kept);
                }
                let rows = self.buyer_days(shop, through, as_of).await?;
                return blocking(move || {
                    let change = kept.fold(&rows, now)?;
                    // A cache: failing to keep it costs the next review time, not
                    // correctness.
                    let _ = store.save_change(&kept, head, &change);
                    Ok(kept)
                })
                .await?;
            }
        }
        let built = self.build_buyers(shop, as_of, now).await?;
        // A review of an earlier day does not replace a later summary.
        if kept_through.is_none_or(|t| t <= as_of) {
            return blocking(move || {
                let _ = store.save(&built);
                built
            })
            .await;
        }
        Ok(built)
    }

    /// `date path rows` of every order file of `shop` up to `as_of`, by day; `None` when the
    /// shop has undated order files, which no day-by-day summary can follow.
    fn order_files(&self, shop: &str, as_of: NaiveDate) -> Option<Vec<(NaiveDate, String)>> {
        let mut out = Vec::new();
        for (k, files) in &self.manifest().partitions {
            if k.table != Table::Orders.name() || k.shop != shop {
                continue;
            }
            let date = k.date?;
            if date <= as_of {
                out.extend(
                    files
                        .iter()
                        .map(|f| (date, format!("{date} {} {}", f.path, f.rows))),
                );
            }
        }
        Some(out)
    }

    /// Every buyer's summary through `as_of`, from all their orders.
    async fn build_buyers(
        &self,
        shop: &str,
        as_of: NaiveDate,
        coverage: Coverage,
    ) -> Result<Buyers, LakeError> {
        let ctx = self.purchase_days(shop, as_of).await?;
        let first_day = format!("CAST(f.fk / {DAY_BASE} - {DAY_SHIFT} AS INT)");
        let sql = format!(
            "SELECT f.user_id, {first_day}, f.fk % {DAY_BASE} - {SPEND_SHIFT},
                    CAST(f.last_day AS INT),
                    CASE WHEN f.days = 1 THEN NULL WHEN f.days = 2 THEN {first_day}
                         ELSE CAST(p.prev_day AS INT) END,
                    CAST(f.days AS INT), COALESCE(f.total, 0)
             FROM {PURCHASE_FROM}"
        );
        Buyers::from_batches(coverage, &ctx.sql(&sql).await?.collect().await?)
    }

    /// Each buyer's spend per day after `after` up to `as_of`, by buyer then day.
    async fn buyer_days(
        &self,
        shop: &str,
        after: NaiveDate,
        as_of: NaiveDate,
    ) -> Result<Vec<BuyerDay>, LakeError> {
        let ctx = Self::session();
        let from = after.succ_opt().unwrap_or(after);
        self.register(&ctx, Table::Orders, Some(shop), Some((from, as_of)))?;
        let sql = format!(
            "WITH {o}, n AS (SELECT user_id, CAST(date AS INT) AS day, amount_fen FROM o
                            WHERE date > DATE {after})
             SELECT user_id, day, COALESCE(SUM(amount_fen), 0) FROM n
             GROUP BY user_id, day ORDER BY user_id, day",
            o = orders_cte(shop, as_of),
            after = lit(&after.to_string())
        );
        let mut out = Vec::new();
        for b in &ctx.sql(&sql).await?.collect().await? {
            let id = cast(b.column(0), &DataType::Utf8)?;
            let (id, day, fen) = (
                id.as_string::<i32>(),
                cast(b.column(1), &DataType::Int32)?,
                cast(b.column(2), &DataType::Int64)?,
            );
            let (day, fen) = (
                day.as_primitive::<Int32Type>(),
                fen.as_primitive::<Int64Type>(),
            );
            out.extend(
                (0..b.num_rows()).map(|i| (id.value(i).to_string(), day.value(i), fen.value(i))),
            );
        }
        Ok(out)
    }

    /// A session with the shop's orders (`orders`), each buyer's spend per purchase day
    /// (`d`), the per-buyer summary (`f`) and, for buyers of three or more days, the day
    /// before the last (`p`). `d` and `f` are computed once and kept in memory, because
    /// later statements read them twice.
    async fn purchase_days(
        &self,
        shop: &str,
        as_of: NaiveDate,
    ) -> Result<SessionContext, LakeError> {
        let ctx = Self::session();
        self.register(&ctx, Table::Orders, Some(shop), None)?;
        let d = format!(
            "WITH {o} SELECT user_id, date, SUM(amount_fen) AS amt FROM o GROUP BY user_id, date",
            o = orders_cte(shop, as_of)
        );
        let days = keep(&ctx, "d", &d).await?;
        check_spend(&days)?;
        let f = format!(
            "SELECT user_id, MIN((CAST(CAST(date AS INT) AS BIGINT) + {DAY_SHIFT}) * {DAY_BASE} + amt + {SPEND_SHIFT}) AS fk,
                    MAX(date) AS last_day, COUNT(*) AS days, SUM(amt) AS total
             FROM d GROUP BY user_id"
        );
        keep(&ctx, "f", &f).await?;
        let p = "SELECT d.user_id, MAX(d.date) AS prev_day
                 FROM d JOIN (SELECT user_id, last_day FROM f WHERE days > 2) r ON d.user_id = r.user_id
                 WHERE d.date < r.last_day GROUP BY d.user_id";
        keep(&ctx, "p", p).await?;
        Ok(ctx)
    }

    /// One row per buyer and month with a purchase: (user, year × 12 + month − 1, source of
    /// the buyer's first order).
    pub async fn cohort_rows(
        &self,
        shop: &str,
        as_of: NaiveDate,
    ) -> Result<Vec<(String, i32, String)>, LakeError> {
        let ctx = Self::session();
        self.register(&ctx, Table::Orders, Some(shop), None)?;
        let sql = format!(
            "WITH {o},
             s AS (SELECT user_id, first_value(channel ORDER BY ordered_at) AS source FROM o GROUP BY user_id),
             mo AS (SELECT DISTINCT user_id, CAST(date_part('year', date) * 12 + date_part('month', date) - 1 AS BIGINT) AS m FROM o)
             SELECT mo.user_id, mo.m, s.source FROM mo JOIN s ON s.user_id = mo.user_id",
            o = orders_cte(shop, as_of)
        );
        let batches = ctx.sql(&sql).await?.collect().await?;
        let mut out = Vec::new();
        for b in &batches {
            let user = cast(b.column(0), &DataType::Utf8)?;
            let user = user.as_string::<i32>();
            let m = b.column(1).as_primitive::<Int64Type>();
            let src = cast(b.column(2), &DataType::Utf8)?;
            let src = src.as_string::<i32>();
            for i in 0..b.num_rows() {
                out.push((
                    user.value(i).to_string(),
                    m.value(i) as i32,
                    src.value(i).to_string(),
                ));
            }
        }
        Ok(out)
    }
}

/// The summary columns every purchase statement selects first, in this order: first day,
/// its spend, last day, purchase days, total, and the gap between the last two days.
fn purchase_columns() -> String {
    let first_day = format!("(f.fk / {DAY_BASE} - {DAY_SHIFT})");
    format!(
        "CAST({first_day} AS BIGINT),
         CAST(f.fk % {DAY_BASE} - {SPEND_SHIFT} AS DOUBLE) / 100.0,
         CAST(CAST(f.last_day AS INT) AS BIGINT),
         CAST(f.days AS BIGINT),
         CAST(f.total AS DOUBLE) / 100.0,
         CAST(CAST(f.last_day AS INT)
              - CASE WHEN f.days = 2 THEN {first_day} ELSE CAST(p.prev_day AS INT) END AS BIGINT)"
    )
}

const PURCHASE_FROM: &str = "f LEFT JOIN p ON p.user_id = f.user_id";

/// Runs `sql` and keeps its result in memory as table `name`; returns the batches.
async fn keep(ctx: &SessionContext, name: &str, sql: &str) -> Result<Vec<RecordBatch>, LakeError> {
    let df = ctx.sql(sql).await?;
    let schema = Arc::new(df.schema().as_arrow().clone());
    let batches = df.collect().await?;
    let table = MemTable::try_new(schema, vec![batches.clone()])?;
    ctx.register_table(name, Arc::new(table))?;
    Ok(batches)
}

/// Refuses a buyer's day whose spend cannot be packed (see [`DAY_BASE`]).
fn check_spend(days: &[RecordBatch]) -> Result<(), LakeError> {
    for b in days {
        let amt = cast(b.column(2), &DataType::Int64)?;
        let amt = amt.as_primitive::<Int64Type>();
        let (lo, hi) = (min(amt).unwrap_or(0), max(amt).unwrap_or(0));
        if lo <= -SPEND_SHIFT || hi >= SPEND_SHIFT {
            return Err(LakeError::Query(format!(
                "a buyer's spend on one day is {} fen, beyond what the buyer summary holds (±2³⁹ fen)",
                if lo <= -SPEND_SHIFT { lo } else { hi }
            )));
        }
    }
    Ok(())
}

/// Reads the [`purchase_columns`] of one result batch.
fn read_purchases(b: &RecordBatch) -> Result<Vec<Purchases>, LakeError> {
    let int = |i: usize| b.column(i).as_primitive::<Int64Type>();
    let float = |i: usize| b.column(i).as_primitive::<Float64Type>();
    let (first, last, days, gap) = (int(0), int(2), int(3), int(5));
    let (first_amt, total) = (float(1), float(4));
    (0..b.num_rows())
        .map(|i| {
            Ok(Purchases {
                first: day(first.value(i))?,
                last: day(last.value(i))?,
                purchase_days: days.value(i) as u32,
                total: total.value(i),
                first_amount: first_amt.value(i),
                // A gap beyond i32 days is no real date's: read as the longest.
                last_gap_days: (!gap.is_null(i))
                    .then(|| i32::try_from(gap.value(i)).unwrap_or(i32::MAX)),
            })
        })
        .collect()
}
