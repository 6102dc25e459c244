//! Row-wise construction of canonical record batches, checked against the table schema.
//! Used by the simulator and the importers so neither hand-builds Arrow arrays.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int32Builder, Int64Builder, StringBuilder,
    TimestampSecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, SchemaRef};
use chrono::{Datelike, NaiveDate};

use crate::table::{Table, TZ};
use crate::CoreError;

/// One cell value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val<'a> {
    Str(&'a str),
    Int(i64),
    Float(f64),
    Date(NaiveDate),
    /// Unix seconds.
    Time(i64),
    Bool(bool),
    Null,
}

enum Col {
    Str(StringBuilder),
    I64(Int64Builder),
    I32(Int32Builder),
    F64(Float64Builder),
    Date(Date32Builder),
    Time(TimestampSecondBuilder),
    Bool(BooleanBuilder),
}

impl Col {
    fn append_null(&mut self) {
        match self {
            Col::Str(b) => b.append_null(),
            Col::I64(b) => b.append_null(),
            Col::I32(b) => b.append_null(),
            Col::F64(b) => b.append_null(),
            Col::Date(b) => b.append_null(),
            Col::Time(b) => b.append_null(),
            Col::Bool(b) => b.append_null(),
        }
    }

    fn append_nulls(&mut self, n: usize) {
        match self {
            Col::Str(b) => b.append_nulls(n),
            Col::I64(b) => b.append_nulls(n),
            Col::I32(b) => b.append_nulls(n),
            Col::F64(b) => b.append_nulls(n),
            Col::Date(b) => b.append_nulls(n),
            Col::Time(b) => b.append_nulls(n),
            Col::Bool(b) => b.append_nulls(n),
        }
    }

    fn len(&self) -> usize {
        use arrow_array::builder::ArrayBuilder;
        match self {
            Col::Str(b) => b.len(),
            Col::I64(b) => b.len(),
            Col::I32(b) => b.len(),
            Col::F64(b) => b.len(),
            Col::Date(b) => b.len(),
            Col::Time(b) => b.len(),
            Col::Bool(b) => b.len(),
        }
    }
}

/// Days from 1970-01-01 to `d`, as Arrow's Date32 stores it.
pub fn date32(d: NaiveDate) -> i32 {
    /// Days from 0001-01-01 (day 1) to 1970-01-01.
    const EPOCH_FROM_CE: i32 = 719_163;
    d.num_days_from_ce() - EPOCH_FROM_CE
}

/// Builds a [`RecordBatch`] of one canonical table row by row.
pub struct BatchBuilder {
    table: Table,
    schema: SchemaRef,
    cols: Vec<Col>,
    /// Whether each column takes nulls (looked up once, not per value).
    nullable: Vec<bool>,
    rows: usize,
}

impl BatchBuilder {
    /// An empty builder for `table`.
    pub fn new(table: Table) -> Self {
        let schema = table.schema();
        let cols = schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Int64 => Col::I64(Int64Builder::new()),
                DataType::Int32 => Col::I32(Int32Builder::new()),
                DataType::Float64 => Col::F64(Float64Builder::new()),
                DataType::Date32 => Col::Date(Date32Builder::new()),
                DataType::Timestamp(_, _) => {
                    Col::Time(TimestampSecondBuilder::new().with_timezone(TZ))
                }
                DataType::Boolean => Col::Bool(BooleanBuilder::new()),
                _ => Col::Str(StringBuilder::new()),
            })
            .collect();
        let nullable = schema.fields().iter().map(|f| f.is_nullable()).collect();
        BatchBuilder {
            table,
            schema,
            cols,
            nullable,
            rows: 0,
        }
    }

    /// Rows appended so far.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// True when no row has been appended.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Appends one row; values must follow the schema's column order and types.
    pub fn push(&mut self, row: &[Val<'_>]) -> Result<(), CoreError> {
        if row.len() != self.cols.len() {
            return Err(CoreError::Invalid(format!(
                "{}: row has {} values, schema has {}",
                self.table.name(),
                row.len(),
                self.cols.len()
            )));
        }
        // Check every value before appending any, so a bad row leaves the builder unchanged.
        for (i, (col, v)) in self.cols.iter().zip(row).enumerate() {
            let nullable = self.schema.field(i).is_nullable();
            let ok = match (col, v) {
                (Col::Str(_), Val::Str(_))
                | (Col::I64(_), Val::Int(_))
                | (Col::F64(_), Val::Float(_)) => true,
                (Col::Date(_), Val::Date(_))
                | (Col::Time(_), Val::Time(_))
                | (Col::Bool(_), Val::Bool(_)) => true,
                (Col::I32(_), Val::Int(x)) => i32::try_from(*x).is_ok(),
                (_, Val::Null) => nullable,
                _ => false,
            };
            if !ok {
                let f = self.schema.field(i);
                return Err(CoreError::Invalid(format!(
                    "{}.{}: value {v:?} does not fit {}",
                    self.table.name(),
                    f.name(),
                    f.data_type()
                )));
            }
        }
        for (i, v) in row.iter().enumerate() {
            self.append(i, *v)?;
        }
        self.end_row();
        Ok(())
    }

    /// Appends one value to column `col` of the row being built (the columnar path the
    /// importers use: no row vector). Call [`BatchBuilder::end_row`] after the last column.
    /// A rejected value appends nothing, but earlier columns of the row stay appended: after
    /// an error the caller must drop the builder ([`BatchBuilder::finish`] then fails).
    pub fn append(&mut self, col: usize, v: Val<'_>) -> Result<(), CoreError> {
        let nullable = self.nullable.get(col).copied().unwrap_or(false);
        let Some(c) = self.cols.get_mut(col) else {
            return Err(CoreError::Invalid(format!(
                "{}: no column {col}",
                self.table.name()
            )));
        };
        match (c, v) {
            (Col::Str(b), Val::Str(s)) => b.append_value(s),
            (Col::I64(b), Val::Int(x)) => b.append_value(x),
            (Col::I32(b), Val::Int(x)) if i32::try_from(x).is_ok() => b.append_value(x as i32),
            (Col::F64(b), Val::Float(x)) => b.append_value(x),
            (Col::Date(b), Val::Date(d)) => b.append_value(date32(d)),
            (Col::Time(b), Val::Time(t)) => b.append_value(t),
            (Col::Bool(b), Val::Bool(x)) => b.append_value(x),
            (c, Val::Null) if nullable => c.append_null(),
            (_, v) => {
                let f = self.schema.field(col);
                return Err(CoreError::Invalid(format!(
                    "{}.{}: value {v:?} does not fit {}",
                    self.table.name(),
                    f.name(),
                    f.data_type()
                )));
            }
        }
        Ok(())
    }

    /// Closes the row whose columns were given through [`BatchBuilder::append`].
    pub fn end_row(&mut self) {
        self.rows += 1;
    }

    /// Finishes the batch and resets the builder. A nullable column that was never given a
    /// value (an export without that column) is filled with nulls here, once, instead of
    /// one append per row.
    pub fn finish(&mut self) -> Result<RecordBatch, CoreError> {
        let rows = self.rows;
        let arrays: Vec<ArrayRef> = self
            .cols
            .iter_mut()
            .map(|c| -> ArrayRef {
                let short = rows.saturating_sub(c.len());
                if short > 0 {
                    c.append_nulls(short);
                }
                match c {
                    Col::Str(b) => Arc::new(b.finish()),
                    Col::I64(b) => Arc::new(b.finish()),
                    Col::I32(b) => Arc::new(b.finish()),
                    Col::F64(b) => Arc::new(b.finish()),
                    Col::Date(b) => Arc::new(b.finish()),
                    Col::Time(b) => Arc::new(b.finish()),
                    Col::Bool(b) => Arc::new(b.finish()),
                }
            })
            .collect();
        self.rows = 0;
        RecordBatch::try_new(Arc::clone(&self.schema), arrays)
            .map_err(|e| CoreError::Invalid(format!("{}: {e}", self.table.name())))
    }
}

/// A [`TableSink`] that several threads may feed at once (parallel importers): each call
/// hands over a finished batch of one partition; the lake writes it as a part file.
pub trait PartSink: Sync {
    /// Receives rows of one partition; may be called many times for the same partition.
    fn put_part(
        &self,
        table: Table,
        shop: &str,
        date: Option<NaiveDate>,
        batch: RecordBatch,
    ) -> Result<(), CoreError>;
}

/// Where producers (simulator, importers) hand finished batches: the lake implements it.
pub trait TableSink {
    /// Receives the rows of one partition: a table, a shop and (for daily tables) a date.
    fn put(
        &mut self,
        table: Table,
        shop: &str,
        date: Option<NaiveDate>,
        batch: RecordBatch,
    ) -> Result<(), CoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date32_counts_days_from_the_unix_epoch() {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        for d in [
            epoch,
            NaiveDate::from_ymd_opt(1969, 12, 31).unwrap(),
            NaiveDate::from_ymd_opt(2000, 2, 29).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        ] {
            assert_eq!(i64::from(date32(d)), (d - epoch).num_days(), "{d}");
        }
    }

    #[test]
    fn a_nullable_column_never_given_a_value_is_all_null() {
        let mut b = BatchBuilder::new(Table::Orders);
        let schema = Table::Orders.schema();
        for row in 0..3 {
            for (i, f) in schema.fields().iter().enumerate() {
                let v = match f.name().as_str() {
                    "shop_id" => Val::Str("s1"),
                    "date" => Val::Date(NaiveDate::from_ymd_opt(2026, 7, 9).unwrap()),
                    "ordered_at" => Val::Time(1_783_000_000 + row),
                    "quantity" | "amount_fen" | "refund_fen" => Val::Int(row),
                    _ if f.is_nullable() => continue,
                    _ => Val::Str("x"),
                };
                b.append(i, v).unwrap();
            }
            b.end_row();
        }
        let batch = b.finish().unwrap();
        assert_eq!(batch.num_rows(), 3);
        let app = batch.column_by_name("app").unwrap();
        assert_eq!(app.null_count(), 3);
        assert_eq!(batch.column_by_name("amount_fen").unwrap().null_count(), 0);
    }

    #[test]
    fn builds_a_batch_and_rejects_mismatched_values() {
        let mut b = BatchBuilder::new(Table::Shops);
        let d = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        b.push(&[
            Val::Str("s1"),
            Val::Str("店"),
            Val::Str("beauty"),
            Val::Date(d),
        ])
        .unwrap();
        assert!(b
            .push(&[
                Val::Str("s1"),
                Val::Int(1),
                Val::Str("beauty"),
                Val::Date(d)
            ])
            .is_err());
        assert!(b.push(&[Val::Str("s1")]).is_err());
        let batch = b.finish().unwrap();
        assert_eq!(batch.num_rows(), 1);
        assert_eq!(date32(d), 20454);
    }
}
