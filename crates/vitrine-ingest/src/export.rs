//! Writing canonical rows back out as merchant export files (Chinese headers, yuan strings,
//! title and totals rows), so the simulator can produce what merchants download and the
//! round trip exports → import → lake can be checked against the direct path.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use arrow_array::{
    Array, BooleanArray, Date32Array, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray, TimestampSecondArray,
};
use arrow_schema::DataType;
use chrono::{Duration, NaiveDate};
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

/// The columns written for a profile, each under its first header. Where two targets share
/// a header (订单提交时间 gives both the date and the time) the later, richer one is written.
fn columns(p: &'static Profile) -> Vec<&'static profile::ColumnSpec> {
    let mut out: Vec<&'static profile::ColumnSpec> = Vec::new();
    for c in p.columns.iter().filter(|c| c.target != "shop_id") {
        match out
            .iter()
            .position(|o| o.headers[0] == c.headers[0] || o.target == c.target)
        {
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

/// A [`TableSink`] that writes export CSVs under `<dir>/<shop>/<profile>_<yyyymm>.csv`, each
/// with a title row above the header, as merchants download them.
pub struct ExportSink {
    dir: PathBuf,
    writers: BTreeMap<PathBuf, csv::Writer<fs::File>>,
    files: usize,
}

impl ExportSink {
    /// Exports go below `dir`.
    pub fn new(dir: &Path) -> Self {
        ExportSink {
            dir: dir.to_path_buf(),
            writers: BTreeMap::new(),
            files: 0,
        }
    }

    /// Flushes every file; returns how many were written.
    pub fn finish(mut self) -> Result<usize, CoreError> {
        for (p, w) in &mut self.writers {
            w.flush()
                .map_err(|e| CoreError::Invalid(format!("{}: {e}", p.display())))?;
        }
        Ok(self.files)
    }

    fn writer(
        &mut self,
        path: PathBuf,
        p: &'static Profile,
    ) -> Result<&mut csv::Writer<fs::File>, CoreError> {
        if !self.writers.contains_key(&path) {
            let err = |e: String| CoreError::Invalid(format!("{}: {e}", path.display()));
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|e| err(e.to_string()))?;
            }
            let mut w = csv::WriterBuilder::new()
                .flexible(true)
                .from_path(&path)
                .map_err(|e| err(e.to_string()))?;
            w.write_record([format!("{} 导出", p.name_zh)])
                .map_err(|e| err(e.to_string()))?;
            w.write_record(columns(p).iter().map(|c| c.headers[0]))
                .map_err(|e| err(e.to_string()))?;
            self.writers.insert(path.clone(), w);
            self.files += 1;
        }
        self.writers
            .get_mut(&path)
            .ok_or_else(|| CoreError::Invalid("writer vanished".into()))
    }
}

impl TableSink for ExportSink {
    fn put(
        &mut self,
        table: Table,
        shop: &str,
        date: Option<NaiveDate>,
        batch: RecordBatch,
    ) -> Result<(), CoreError> {
        let (Some(p), Some(d)) = (profile_for(table), date) else {
            return Ok(());
        };
        let path = self
            .dir
            .join(shop)
            .join(format!("{}_{}.csv", p.id, d.format("%Y%m")));
        let cols = columns(p);
        let w = self.writer(path.clone(), p)?;
        for row in 0..batch.num_rows() {
            let rec: Vec<String> = cols
                .iter()
                .map(|c| cell(&batch, c.target, c.parse, row))
                .collect();
            w.write_record(&rec)
                .map_err(|e| CoreError::Invalid(format!("{}: {e}", path.display())))?;
        }
        Ok(())
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
