//! Paid traffic (千川) of one shop, read in SQL over the lake as typed rows: plans as of a
//! day, plan-hours and creative-days over a window, and product sales by category. Money
//! goes from fen to yuan through the catalog's [`yuan`].

use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::prelude::SessionContext;
use vitrine_core::metric::yuan;
use vitrine_core::paid::{CategorySales, CreativeStat, PlanRow, PlanStat};
use vitrine_core::Table;

use crate::engine::Engine;
use crate::LakeError;

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The columns of one result batch, read by position as text or numbers.
struct Columns {
    text: Vec<Option<datafusion::arrow::array::ArrayRef>>,
    num: Vec<Option<datafusion::arrow::array::ArrayRef>>,
}

impl Columns {
    /// Casts the columns at `texts` to text and those at `nums` to floats.
    fn of(b: &RecordBatch, texts: &[usize], nums: &[usize]) -> Result<Columns, LakeError> {
        let n = b.num_columns();
        let mut c = Columns {
            text: vec![None; n],
            num: vec![None; n],
        };
        for &i in texts {
            c.text[i] = Some(cast(b.column(i), &DataType::Utf8)?);
        }
        for &i in nums {
            c.num[i] = Some(cast(b.column(i), &DataType::Float64)?);
        }
        Ok(c)
    }

    fn text(&self, col: usize, row: usize) -> Option<String> {
        let a = self.text.get(col)?.as_ref()?.as_string::<i32>();
        (!a.is_null(row)).then(|| a.value(row).to_string())
    }

    fn num(&self, col: usize, row: usize) -> Option<f64> {
        let a = self.num.get(col)?.as_ref()?.as_primitive::<Float64Type>();
        (!a.is_null(row)).then(|| a.value(row))
    }

    /// A count or amount where an empty cell means none recorded.
    fn amount(&self, col: usize, row: usize) -> f64 {
        self.num(col, row).unwrap_or(0.0)
    }

    fn date(&self, col: usize, row: usize) -> Option<NaiveDate> {
        self.text(col, row)?.parse().ok()
    }
}

impl Engine {
    async fn paid_batches(
        &self,
        shop: &str,
        tables: &[Table],
        range: Option<(NaiveDate, NaiveDate)>,
        sql: &str,
    ) -> Result<Vec<RecordBatch>, LakeError> {
        let ctx: SessionContext = Self::session();
        for t in tables {
            self.register(&ctx, *t, Some(shop), range)?;
        }
        Ok(ctx.sql(sql).await?.collect().await?)
    }

    /// Plans of `shop` as of `date` (rows without an id or creation day are skipped).
    pub async fn plan_rows(&self, shop: &str, date: NaiveDate) -> Result<Vec<PlanRow>, LakeError> {
        let (s, d) = (lit(shop), lit(&date.to_string()));
        let sql = format!(
            "WITH day AS (SELECT plan_id, MAX(bid_fen) bid_fen, MAX(budget_fen) budget_fen, MAX(roi_goal) roi_goal, MAX(learning_status) learning_status FROM plan_hour WHERE shop_id = {s} AND date = DATE {d} GROUP BY plan_id) \
             SELECT p.plan_id, p.category, p.bid_mode, COALESCE(d.bid_fen, p.bid_fen), COALESCE(d.budget_fen, p.budget_fen), COALESCE(d.roi_goal, p.roi_goal), COALESCE(d.learning_status, p.learning_status), CAST(p.created_on AS VARCHAR), pr.price_fen, pr.cost_fen \
             FROM plans p LEFT JOIN day d ON d.plan_id = p.plan_id LEFT JOIN products pr ON pr.shop_id = p.shop_id AND pr.product_id = p.product_id \
             WHERE p.shop_id = {s} ORDER BY p.plan_id"
        );
        let tables = [Table::Plans, Table::PlanHour, Table::Products];
        let mut out = Vec::new();
        // Dated tables read the day's files only; plans and products have no date.
        for b in self
            .paid_batches(shop, &tables, Some((date, date)), &sql)
            .await?
        {
            let c = Columns::of(&b, &[0, 1, 2, 6, 7], &[3, 4, 5, 8, 9])?;
            for i in 0..b.num_rows() {
                let (Some(plan_id), Some(created_on)) = (c.text(0, i), c.date(7, i)) else {
                    continue;
                };
                out.push(PlanRow {
                    plan_id,
                    category: c.text(1, i).unwrap_or_default(),
                    bid_mode: c.text(2, i).unwrap_or_default(),
                    bid: yuan(c.amount(3, i)),
                    budget: yuan(c.amount(4, i)),
                    roi_goal: c.amount(5, i),
                    learning_status: c.text(6, i).unwrap_or_default(),
                    created_on,
                    price: yuan(c.amount(8, i)),
                    cost: c.num(9, i).map(yuan),
                });
            }
        }
        Ok(out)
    }

    /// Plan-hours of `shop` from `from` to `to`, in plan, day and hour order (the fits that
    /// read them add in that order, so a review is reproducible to the last bit).
    pub async fn plan_stats(
        &self,
        shop: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<PlanStat>, LakeError> {
        let sql = format!(
            "SELECT plan_id, CAST(date AS VARCHAR) AS day, hour, spend_fen, impressions, clicks, conversions, pay_gmv_fen \
             FROM plan_hour WHERE shop_id = {} AND date BETWEEN DATE {} AND DATE {} ORDER BY plan_id, day, hour",
            lit(shop),
            lit(&from.to_string()),
            lit(&to.to_string())
        );
        let mut out = Vec::new();
        let tables = [Table::PlanHour];
        for b in self
            .paid_batches(shop, &tables, Some((from, to)), &sql)
            .await?
        {
            let c = Columns::of(&b, &[0, 1], &[2, 3, 4, 5, 6, 7])?;
            for i in 0..b.num_rows() {
                let (Some(plan_id), Some(date)) = (c.text(0, i), c.date(1, i)) else {
                    continue;
                };
                out.push(PlanStat {
                    plan_id,
                    date,
                    hour: c
                        .num(2, i)
                        .filter(|h| (0.0..24.0).contains(h))
                        .map(|h| h as u8),
                    spend: yuan(c.amount(3, i)),
                    impressions: c.amount(4, i),
                    clicks: c.amount(5, i),
                    conversions: c.amount(6, i),
                    gmv: yuan(c.amount(7, i)),
                });
            }
        }
        Ok(out)
    }

    /// Creative-days of `shop` from `from` to `to`, with each creative's creation day, in
    /// plan, creative and day order.
    pub async fn creative_stats(
        &self,
        shop: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<CreativeStat>, LakeError> {
        let sql = format!(
            "SELECT cd.creative_id, cd.plan_id, CAST(cd.date AS VARCHAR) AS day, CAST(c.created_on AS VARCHAR) AS created, cd.impressions, cd.clicks \
             FROM creative_day cd LEFT JOIN creatives c ON c.shop_id = cd.shop_id AND c.creative_id = cd.creative_id \
             WHERE cd.shop_id = {} AND cd.date BETWEEN DATE {} AND DATE {} ORDER BY cd.plan_id, cd.creative_id, day",
            lit(shop),
            lit(&from.to_string()),
            lit(&to.to_string())
        );
        let mut out = Vec::new();
        let tables = [Table::CreativeDay, Table::Creatives];
        for b in self
            .paid_batches(shop, &tables, Some((from, to)), &sql)
            .await?
        {
            let c = Columns::of(&b, &[0, 1, 2, 3], &[4, 5])?;
            for i in 0..b.num_rows() {
                let (Some(creative_id), Some(plan_id), Some(date)) =
                    (c.text(0, i), c.text(1, i), c.date(2, i))
                else {
                    continue;
                };
                out.push(CreativeStat {
                    creative_id,
                    plan_id,
                    date,
                    created_on: c.date(3, i),
                    impressions: c.amount(4, i),
                    clicks: c.amount(5, i),
                });
            }
        }
        Ok(out)
    }

    /// Product sales of `shop` by category from `from` to `to`, categories in order.
    pub async fn category_sales(
        &self,
        shop: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<CategorySales>, LakeError> {
        let sql = format!(
            "SELECT category, SUM(gmv_fen), SUM(orders), SUM(clicks) FROM product_day \
             WHERE shop_id = {} AND date BETWEEN DATE {} AND DATE {} GROUP BY category ORDER BY category",
            lit(shop),
            lit(&from.to_string()),
            lit(&to.to_string())
        );
        let mut out = Vec::new();
        let tables = [Table::ProductDay];
        for b in self
            .paid_batches(shop, &tables, Some((from, to)), &sql)
            .await?
        {
            let c = Columns::of(&b, &[0], &[1, 2, 3])?;
            for i in 0..b.num_rows() {
                out.push(CategorySales {
                    category: c.text(0, i),
                    gmv: yuan(c.amount(1, i)),
                    orders: c.amount(2, i),
                    clicks: c.amount(3, i),
                });
            }
        }
        Ok(out)
    }
}
