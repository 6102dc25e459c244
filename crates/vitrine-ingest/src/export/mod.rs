//! Writing canonical rows back out as the files merchants download, so the simulator can
//! produce them and the round trip exports → import → review can be checked against the
//! direct path. Orders go out as the real 抖店 order export, reviews as the 抖店 评价
//! export, the shop's totals and breakdowns as the monthly Compass 交易分析 workbook; the
//! other tables as Compass / Qianchuan CSVs named as the consoles name them.

mod columns;
mod orders;
mod reviews;
mod trade;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use arrow_array::{
    Array, BooleanArray, Date32Array, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray, TimestampSecondArray,
};
use arrow_schema::DataType;
use chrono::{Datelike, Duration, NaiveDate};
use vitrine_core::batch::TableSink;
use vitrine_core::{CoreError, Table};

use crate::profile::{self, Parse, Profile};
use crate::value::MoneyUnit;

/// The export profile each fact table is written as.
pub fn profile_for(table: Table) -> Option<&'static Profile> {
    let p = match table {
        Table::ProductDay => &profile::COMPASS_PRODUCT,
        Table::PlanHour => &profile::QIANCHUAN_PLAN,
        Table::Orders => &profile::DOUDIAN_ORDERS,
        Table::CreativeDay => &profile::QIANCHUAN_CREATIVE,
        Table::VideoDay => &profile::COMPASS_VIDEO,
        Table::Inventory => &profile::INVENTORY_SHEET,
        Table::Competitors => &profile::COMPETITOR_SHEET,
        Table::Comments => &profile::COMMENTS,
        Table::ExternalIndices => &profile::COMPASS_SHOP_OVERVIEW,
        _ => return None,
    };
    Some(p)
}

/// The columns written for a profile, each under its first header. A target listed twice
/// (支付完成时间, then 订单提交时间 as its fallback) is written once, from its first spec;
/// where two targets share a header (支付完成时间 gives both the date and the time) the
/// later, richer one is written. Derived columns (a refund read from 售后状态) are not.
fn columns(p: &'static Profile) -> Vec<&'static profile::ColumnSpec> {
    let mut out: Vec<&'static profile::ColumnSpec> = Vec::new();
    for c in p.columns.iter() {
        if c.target == "shop_id"
            || matches!(c.parse, Parse::RefundIf(_))
            || out.iter().any(|o| o.target == c.target)
        {
            continue;
        }
        match out.iter().position(|o| o.headers[0] == c.headers[0]) {
            Some(i) => out[i] = c,
            None => out.push(c),
        }
    }
    out
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

/// Formats fen as an export writes yuan: `¥1,234.50`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    let int = (a / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}¥{grouped}.{:02}", a % 100)
}

fn cell(batch: &RecordBatch, target: &str, parse: Parse, row: usize) -> String {
    let Some(col) = batch.column_by_name(target) else {
        return String::new();
    };
    if col.is_null(row) {
        return String::new();
    }
    let any = col.as_any();
    match col.data_type() {
        DataType::Utf8 => {
            let v = any
                .downcast_ref::<StringArray>()
                .map(|a| a.value(row))
                .unwrap_or_default();
            match parse {
                Parse::Map(table) => table
                    .iter()
                    .find(|(_, canon)| *canon == v)
                    .map(|(zh, _)| (*zh).to_string())
                    .unwrap_or_else(|| v.to_string()),
                _ => v.to_string(),
            }
        }
        DataType::Int64 => {
            let v = any
                .downcast_ref::<Int64Array>()
                .map(|a| a.value(row))
                .unwrap_or_default();
            match parse {
                Parse::Money(MoneyUnit::Yuan) => yuan(v),
                _ => v.to_string(),
            }
        }
        DataType::Int32 => {
            let v = any
                .downcast_ref::<Int32Array>()
                .map(|a| a.value(row))
                .unwrap_or_default();
            v.to_string()
        }
        DataType::Float64 => any
            .downcast_ref::<Float64Array>()
            .map(|a| a.value(row).to_string())
            .unwrap_or_default(),
        DataType::Boolean => (if any
            .downcast_ref::<BooleanArray>()
            .is_some_and(|a| a.value(row))
        {
            "是"
        } else {
            "否"
        })
        .to_string(),
        DataType::Date32 => any
            .downcast_ref::<Date32Array>()
            .map(|a| (epoch() + Duration::days(i64::from(a.value(row)))).to_string())
            .unwrap_or_default(),
        DataType::Timestamp(_, _) => any
            .downcast_ref::<TimestampSecondArray>()
            .and_then(|a| chrono::DateTime::from_timestamp(a.value(row) + 8 * 3600, 0))
            .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// A [`TableSink`] that writes a shop's exports under `<dir>/<shop>/`, one file per family
/// and month, named and shaped as the consoles do.
pub struct ExportSink {
    dir: PathBuf,
    writers: BTreeMap<PathBuf, csv::Writer<fs::File>>,
    files: usize,
    trade: trade::TradeBook,
}

/// The 流量体裁 (Chinese carrier) of a canonical channel, as 交易分析 names it.
pub(crate) fn orders_carrier(channel: &str) -> &'static str {
    match channel {
        "live" => "直播",
        "short_video" => "短视频",
        "mall" | "search" | "showcase" => "商品卡",
        _ => "其他",
    }
}

/// Unix seconds of a day's midnight in Asia/Shanghai (order exports are named by one).
fn unix_day(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp() - 8 * 3600)
        .unwrap_or(0)
}

impl ExportSink {
    /// Exports go below `dir`.
    pub fn new(dir: &Path) -> Self {
        ExportSink {
            dir: dir.to_path_buf(),
            writers: BTreeMap::new(),
            files: 0,
            trade: trade::TradeBook::default(),
        }
    }

    /// Flushes every file and writes the workbooks; returns how many files were written.
    pub fn finish(mut self) -> Result<usize, CoreError> {
        for (p, w) in &mut self.writers {
            w.flush()
                .map_err(|e| CoreError::Invalid(format!("{}: {e}", p.display())))?;
        }
        Ok(self.files + self.trade.write(&self.dir)?)
    }

    /// The CSV at `path`, created with `title` (a line above the header, if any) and
    /// `header` on first use; `bom` starts it with a UTF-8 byte-order mark.
    fn writer(
        &mut self,
        path: PathBuf,
        title: Option<String>,
        header: &[&str],
        bom: bool,
    ) -> Result<&mut csv::Writer<fs::File>, CoreError> {
        if !self.writers.contains_key(&path) {
            let err = |e: String| CoreError::Invalid(format!("{}: {e}", path.display()));
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|e| err(e.to_string()))?;
            }
            let mut file = fs::File::create(&path).map_err(|e| err(e.to_string()))?;
            if bom {
                use std::io::Write;
                file.write_all("\u{feff}".as_bytes())
                    .map_err(|e| err(e.to_string()))?;
            }
            let mut w = csv::WriterBuilder::new().flexible(true).from_writer(file);
            if let Some(t) = title {
                w.write_record([t]).map_err(|e| err(e.to_string()))?;
            }
            w.write_record(header).map_err(|e| err(e.to_string()))?;
            self.writers.insert(path.clone(), w);
            self.files += 1;
        }
        self.writers
            .get_mut(&path)
            .ok_or_else(|| CoreError::Invalid("writer vanished".into()))
    }

    /// Appends `rows` to the CSV at `path`.
    fn write_rows(
        &mut self,
        path: PathBuf,
        title: Option<String>,
        header: &[&str],
        bom: bool,
        rows: Vec<Vec<String>>,
    ) -> Result<(), CoreError> {
        let w = self.writer(path.clone(), title, header, bom)?;
        for rec in rows {
            w.write_record(&rec)
                .map_err(|e| CoreError::Invalid(format!("{}: {e}", path.display())))?;
        }
        Ok(())
    }
}

/// The file a family's rows of one month go to, named as the console names its download.
fn file_name(p: &Profile, shop: &str, d: NaiveDate) -> String {
    let (first, last) = month_bounds(d);
    let (a, b) = (first.format("%Y%m%d"), last.format("%Y%m%d"));
    match p.table {
        Table::ProductDay => format!("{shop} 账号 商品{a}-{b} 10_15_30.csv"),
        Table::PlanHour => format!("千川_计划报表_{a}-{b}.csv"),
        Table::CreativeDay => format!("千川_创意报表_{a}-{b}.csv"),
        Table::VideoDay => format!("罗盘_短视频数据_{a}-{b}.csv"),
        _ => format!("{}_{a}-{b}.csv", p.name_zh.replace(' ', "_")),
    }
}

/// The first and last day of `d`'s month.
fn month_bounds(d: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = d.with_day(1).unwrap_or(d);
    let next = if d.month() == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
    };
    (first, next.and_then(|n| n.pred_opt()).unwrap_or(d))
}

impl TableSink for ExportSink {
    fn put(
        &mut self,
        table: Table,
        shop: &str,
        date: Option<NaiveDate>,
        batch: RecordBatch,
    ) -> Result<(), CoreError> {
        let Some(d) = date else {
            return Ok(());
        };
        let dir = self.dir.join(shop);
        match table {
            Table::Orders => {
                self.trade.add_orders(shop, d, &batch);
                let (first, _) = month_bounds(d);
                let path = dir.join(format!("{}_订单导出.csv", unix_day(first)));
                return self.write_rows(path, None, orders::HEADER, true, orders::rows(&batch));
            }
            Table::Comments => {
                let (first, last) = month_bounds(d);
                let path = dir.join(format!(
                    "评价导出_{}-{}.csv",
                    first.format("%Y%m%d"),
                    last.format("%Y%m%d")
                ));
                return self.write_rows(path, None, reviews::HEADER, true, reviews::rows(&batch));
            }
            Table::ProductDay => self.trade.add_funnel(shop, d, &batch),
            _ => {}
        }
        let Some(p) = profile_for(table) else {
            return Ok(());
        };
        let cols = columns(p);
        let header: Vec<&str> = cols.iter().map(|c| c.headers[0]).collect();
        let rows = (0..batch.num_rows())
            .map(|row| {
                cols.iter()
                    .map(|c| cell(&batch, c.target, c.parse, row))
                    .collect()
            })
            .collect();
        let path = dir.join(file_name(p, shop, d));
        self.write_rows(
            path,
            Some(format!("{} 导出", p.name_zh)),
            &header,
            false,
            rows,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_strings_round_trip() {
        for fen in [0, 5, 123_450, 100_000_000, -36_251] {
            let s = yuan(fen);
            assert_eq!(
                crate::value::parse_money_fen(&s, MoneyUnit::Yuan).unwrap(),
                Some(fen),
                "{s}"
            );
        }
        assert_eq!(yuan(123_456_789), "¥1,234,567.89");
    }
}
