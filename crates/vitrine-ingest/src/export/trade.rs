//! The Compass 交易分析 workbook a simulated shop would download: per month, eleven sheets
//! with the shop row (全部 / 不限) and its breakdowns by carrier, account, device, category,
//! product, price band and audience, computed from the shop's orders and product funnel.
//! Persons (成交人数) are counted per row, never summed from parts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use arrow_array::RecordBatch;
use chrono::{Datelike, NaiveDate};
use vitrine_core::CoreError;

use super::columns::{boolean, int, plain_yuan, text};

/// What one row of a sheet adds up.
#[derive(Debug, Default, Clone)]
struct Agg {
    paid: i64,
    orders: BTreeSet<String>,
    buyers: BTreeSet<String>,
    refund_fen: i64,
    refund_orders: BTreeSet<String>,
}

impl Agg {
    fn add(&mut self, order: &str, buyer: &str, paid: i64, refund: i64) {
        self.paid += paid;
        self.orders.insert(order.to_string());
        if !buyer.is_empty() {
            self.buyers.insert(buyer.to_string());
        }
        if refund > 0 {
            self.refund_fen += refund;
            self.refund_orders.insert(order.to_string());
        }
    }
}

/// One day of one shop.
#[derive(Debug, Default)]
struct Day {
    /// (sheet, levels) → row.
    rows: BTreeMap<(&'static str, Vec<String>), Agg>,
    /// Exposure and clicks of the shop (from the funnel). Persons are not kept: the product
    /// rows' persons cannot be summed into the shop's, so the shop row leaves them empty.
    funnel: [i64; 2],
}

/// Collects what the workbooks need while the simulator runs.
#[derive(Debug, Default)]
pub(crate) struct TradeBook {
    days: BTreeMap<(String, NaiveDate), Day>,
}

const ALL: &str = "全部";

fn price_band(unit_fen: i64) -> &'static str {
    match unit_fen {
        i64::MIN..=4_999 => "0-50",
        5_000..=9_999 => "50-100",
        10_000..=19_999 => "100-200",
        20_000..=49_999 => "200-500",
        _ => "500以上",
    }
}

impl TradeBook {
    /// Adds a day's paid orders (cancelled and unpaid ones are not 成交).
    pub(crate) fn add_orders(&mut self, shop: &str, date: NaiveDate, b: &RecordBatch) {
        let day = self.days.entry((shop.to_string(), date)).or_default();
        for r in 0..b.num_rows() {
            let status = text(b, "status", r);
            if status == "cancelled" || status == "unpaid" {
                continue;
            }
            let order = match text(b, "parent_order_id", r) {
                p if p.is_empty() => text(b, "order_id", r),
                p => p,
            };
            let buyer = text(b, "user_id", r);
            let paid = int(b, "amount_fen", r).unwrap_or(0);
            let refund = int(b, "refund_fen", r).unwrap_or(0);
            let carrier = super::orders_carrier(&text(b, "channel", r));
            let product = text(b, "product_id", r);
            let qty = int(b, "quantity", r).unwrap_or(1).max(1);
            let audience = match boolean(b, "is_new_customer", r) {
                Some(true) => "新客",
                Some(false) => "复购",
                None => "未知",
            };
            let device = match text(b, "device", r).as_str() {
                "android" => "安卓".to_string(),
                "ios" => "苹果".to_string(),
                other => other.to_string(),
            };
            let s = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
            let rows: Vec<(&'static str, Vec<String>)> = vec![
                ("成交概览", s(&[ALL, "不限"])),
                ("成交概览", s(&[carrier, "不限"])),
                ("载体构成", s(&["自营", carrier, "官方账号", shop])),
                ("账号构成", s(&[shop, "官方账号", "自营", shop])),
                (
                    "单载体构成",
                    s(&["自营", carrier, &product, &format!("商品{product}")]),
                ),
                ("终端构成", s(&["整体", ALL])),
                ("终端构成", vec![device, ALL.into()]),
                ("品类构成", s(&[&text(b, "category", r), ALL, ALL, ALL])),
                ("商品构成", s(&[&product, &format!("商品{product}"), ALL])),
                ("价格带构成", s(&[price_band(paid / qty)])),
                ("人群构成", s(&[audience, ALL])),
            ];
            for key in rows {
                day.rows
                    .entry(key)
                    .or_default()
                    .add(&order, &buyer, paid, refund);
            }
        }
    }

    /// Adds a day's product funnel (exposure and clicks of the shop row).
    pub(crate) fn add_funnel(&mut self, shop: &str, date: NaiveDate, b: &RecordBatch) {
        let day = self.days.entry((shop.to_string(), date)).or_default();
        for (i, col) in ["exposure", "clicks"].iter().enumerate() {
            day.funnel[i] += (0..b.num_rows())
                .filter_map(|r| int(b, col, r))
                .sum::<i64>();
        }
    }

    /// Writes one workbook per shop and month under `dir/<shop>/`; returns how many.
    pub(crate) fn write(&self, dir: &Path) -> Result<usize, CoreError> {
        let mut months: BTreeMap<(String, i32, u32), Vec<(NaiveDate, &Day)>> = BTreeMap::new();
        for ((shop, date), day) in &self.days {
            months
                .entry((shop.clone(), date.year(), date.month()))
                .or_default()
                .push((*date, day));
        }
        for ((shop, ..), days) in &months {
            let (first, last) = match (days.first(), days.last()) {
                (Some(a), Some(b)) => (a.0, b.0),
                _ => continue,
            };
            let path = dir.join(shop).join(format!(
                "{shop} 交易分析{}-{}.xlsx",
                first.format("%Y%m%d"),
                last.format("%Y%m%d")
            ));
            write_book(&path, days)
                .map_err(|e| CoreError::Invalid(format!("{}: {e}", path.display())))?;
        }
        Ok(months.len())
    }
}

/// Each sheet: its breakdown headers (after 日期).
const SHEETS: [(&str, &[&str]); 11] = [
    ("成交概览", &["载体类型", "投放时段"]),
    ("自营成交", &["载体类型", "投放时段"]),
    ("合作成交", &["载体类型", "投放时段"]),
    (
        "载体构成",
        &["自营/合作", "载体类型", "账号/渠道", "抖音号"],
    ),
    ("账号构成", &["账号名称", "账号类型", "自营/合作", "抖音号"]),
    ("单载体构成", &["售卖类型", "载体类型", "ID", "标题/名称"]),
    ("终端构成", &["终端类型", "售卖类型"]),
    (
        "品类构成",
        &["一级类目", "二级类目", "三级类目", "四级类目"],
    ),
    ("商品构成", &["商品编号", "商品名称", "载体类型"]),
    ("价格带构成", &["价格带"]),
    ("人群构成", &["人群类型", "载体类型"]),
];

const MEASURES: [&str; 10] = [
    "用户支付金额",
    "成交金额",
    "成交订单数",
    "成交人数",
    "客单价",
    "退款金额(支付时间)",
    "退款订单数(支付时间)",
    "商品曝光次数",
    "商品点击次数",
    "商品曝光人数",
];

fn write_book(path: &Path, days: &[(NaiveDate, &Day)]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    let mut book = rust_xlsxwriter::Workbook::new();
    for (sheet, levels) in SHEETS {
        let ws = book.add_worksheet();
        ws.set_name(sheet).map_err(|e| e.to_string())?;
        let header: Vec<&str> = std::iter::once("日期")
            .chain(levels.iter().copied())
            .chain(MEASURES.iter().copied())
            .collect();
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, *h)
                .map_err(|e| e.to_string())?;
        }
        // Every simulated sale is the shop's own: 自营成交 repeats 成交概览, 合作成交 is empty.
        let source = match sheet {
            "自营成交" => "成交概览",
            "合作成交" => continue,
            s => s,
        };
        let mut r = 1u32;
        for (date, day) in days {
            for ((s, keys), agg) in &day.rows {
                if *s != source {
                    continue;
                }
                let shop_row = keys.iter().all(|k| k == ALL || k == "不限" || k == "整体");
                let funnel = |i: usize| match day.funnel.get(i) {
                    Some(n) if shop_row => n.to_string(),
                    _ => String::new(),
                };
                let buyers = agg.buyers.len() as i64;
                let aov = if buyers > 0 {
                    format!("{:.2}", agg.paid as f64 / 100.0 / buyers as f64)
                } else {
                    "-".into()
                };
                let cells: Vec<String> = std::iter::once(date.format("%Y%m%d").to_string())
                    .chain(keys.iter().cloned())
                    .chain([
                        plain_yuan(agg.paid),
                        plain_yuan(agg.paid),
                        agg.orders.len().to_string(),
                        buyers.to_string(),
                        aov,
                        plain_yuan(agg.refund_fen),
                        agg.refund_orders.len().to_string(),
                        funnel(0),
                        funnel(1),
                        funnel(2),
                    ])
                    .collect();
                for (c, v) in cells.iter().enumerate() {
                    ws.write_string(r, c as u16, v).map_err(|e| e.to_string())?;
                }
                r += 1;
            }
        }
    }
    book.save(path).map_err(|e| e.to_string())
}
