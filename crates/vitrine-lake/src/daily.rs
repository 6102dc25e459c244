//! Kept answers of day-grain metric SQL: a query grouped per day answers each day from that
//! day's files alone, so yesterday's rows stay right as long as the files behind them do. A
//! review on a new day then reads one new day, not 60 or 690.
//!
//! One Arrow IPC file per shop and query shape (the SQL without its date range) under
//! `<data>/cache/daily/<shop as hex>/`; its schema metadata lists, per kept day, a fingerprint
//! of the files that day's rows came from. A day whose files changed, or that is not kept, is
//! asked again; anything unreadable is asked again, never trusted.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray, BooleanArray};
use datafusion::arrow::compute::{cast, filter_record_batch};
use datafusion::arrow::datatypes::{DataType, Date32Type, Schema, SchemaRef};
use datafusion::arrow::ipc::reader::FileReader;
use datafusion::arrow::ipc::writer::FileWriter;
use datafusion::arrow::record_batch::RecordBatch;

use crate::buyers::day;
use crate::{Lake, LakeError, Manifest};

/// Bumped when the kept file's meaning changes; older files are asked again.
const FORMAT: &str = "vitrine-daily-1";
/// Schema metadata key of the per-day fingerprints.
const DAYS_KEY: &str = "vitrine.days";
/// Shapes kept per shop at most; the least recently written go first.
const MAX_SHAPES: usize = 256;

/// The kept days of one query shape: rows of the days whose files are unchanged.
#[derive(Default)]
pub(crate) struct Kept {
    /// Fingerprint per kept day (days with no rows included).
    pub(crate) days: BTreeMap<NaiveDate, u64>,
    pub(crate) batches: Vec<RecordBatch>,
}

impl Kept {
    /// The fields of the kept rows (without the fingerprints), if any rows are kept.
    pub(crate) fn schema(&self) -> Option<SchemaRef> {
        self.batches.first().map(|b| bare(b.schema_ref()))
    }

    /// Only the rows of the days `keep` accepts, given the day column's index.
    pub(crate) fn only(
        &self,
        period: usize,
        keep: impl Fn(NaiveDate) -> bool,
    ) -> Result<Vec<RecordBatch>, LakeError> {
        let mut out = Vec::with_capacity(self.batches.len());
        for b in &self.batches {
            let days = day_numbers(b, period)?;
            let mut mask = Vec::with_capacity(days.len());
            for i in 0..days.len() {
                mask.push(!days.is_null(i) && keep(day(days.value(i).into())?));
            }
            let kept = filter_record_batch(b, &BooleanArray::from(mask))?;
            if kept.num_rows() > 0 {
                out.push(RecordBatch::try_new(
                    bare(b.schema_ref()),
                    kept.columns().to_vec(),
                )?);
            }
        }
        Ok(out)
    }
}

/// The day column of a result as Arrow day numbers.
fn day_numbers(
    b: &RecordBatch,
    period: usize,
) -> Result<datafusion::arrow::array::PrimitiveArray<Date32Type>, LakeError> {
    let col = b
        .columns()
        .get(period)
        .ok_or_else(|| LakeError::Query(format!("no day column at {period}")))?;
    Ok(cast(col, &DataType::Date32)?
        .as_primitive::<Date32Type>()
        .clone())
}

/// `schema` without metadata: what the SQL itself returns.
fn bare(schema: &SchemaRef) -> SchemaRef {
    Arc::new(Schema::new(schema.fields().clone()))
}

/// Per day of `from..=to`, a fingerprint of the files of `table` a query of `shop` on that day
/// reads: the day's own files and the table's undated ones, by path, rows and bytes.
pub(crate) fn fingerprints(
    m: &Manifest,
    table: &str,
    shop: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<NaiveDate, u64> {
    let mut undated = Fnv::default();
    let mut dated: BTreeMap<NaiveDate, Fnv> = BTreeMap::new();
    for (k, files) in m
        .partitions
        .iter()
        .filter(|(k, _)| k.table == table && k.shop == shop)
    {
        let h = match k.date {
            None => &mut undated,
            Some(d) if d >= from && d <= to => dated.entry(d).or_default(),
            Some(_) => continue,
        };
        for f in files {
            h.write(format!("{}\t{}\t{}\n", f.path, f.rows, f.bytes).as_bytes());
        }
    }
    from.iter_days()
        .take_while(|d| *d <= to)
        .map(|d| {
            let mut h = Fnv::default();
            h.write(&undated.0.to_le_bytes());
            h.write(&dated.get(&d).map_or(0, |x| x.0).to_le_bytes());
            (d, h.0)
        })
        .collect()
}

/// FNV-1a, 64 bits: a fingerprint that is the same in every process and release.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The fingerprint of a query shape's SQL, as a file name.
pub(crate) fn shape_name(sql: &str) -> String {
    let mut h = Fnv::default();
    h.write(FORMAT.as_bytes());
    h.write(sql.as_bytes());
    format!("{:016x}.arrow", h.0)
}

/// The kept file of one shop and query shape.
pub(crate) struct Store {
    dir: PathBuf,
    name: String,
}

impl Store {
    pub(crate) fn of(lake: &Lake, shop: &str, shape_sql: &str) -> Store {
        Store {
            dir: lake.shop_cache("daily", shop),
            name: shape_name(shape_sql),
        }
    }

    /// The kept days, or none if the file is missing or unreadable.
    pub(crate) fn load(&self) -> Kept {
        self.read().unwrap_or_default()
    }

    fn read(&self) -> Option<Kept> {
        let reader = FileReader::try_new(File::open(self.dir.join(&self.name)).ok()?, None).ok()?;
        let meta = reader.schema().metadata().clone();
        if meta.get("vitrine.format").map(String::as_str) != Some(FORMAT) {
            return None;
        }
        let days: BTreeMap<NaiveDate, String> = serde_json::from_str(meta.get(DAYS_KEY)?).ok()?;
        let days = days
            .into_iter()
            .map(|(d, h)| u64::from_str_radix(&h, 16).ok().map(|h| (d, h)))
            .collect::<Option<_>>()?;
        let batches = reader.collect::<Result<Vec<_>, _>>().ok()?;
        Some(Kept { days, batches })
    }

    /// Keeps `batches` (of `schema`) as the rows of `days`: written to a temporary file and
    /// renamed, so a reader sees the old file or the new one whole.
    pub(crate) fn save(
        &self,
        schema: &SchemaRef,
        days: &BTreeMap<NaiveDate, u64>,
        batches: &[RecordBatch],
    ) -> Result<(), LakeError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| LakeError::io(&self.dir, e))?;
        let prints: BTreeMap<&NaiveDate, String> =
            days.iter().map(|(d, h)| (d, format!("{h:016x}"))).collect();
        let meta = [
            ("vitrine.format".to_string(), FORMAT.to_string()),
            (
                DAYS_KEY.to_string(),
                serde_json::to_string(&prints)
                    .map_err(|e| LakeError::Query(format!("kept days: {e}")))?,
            ),
        ];
        let schema = Arc::new(Schema::new_with_metadata(
            schema.fields().clone(),
            meta.into_iter().collect(),
        ));
        let tmp = self.dir.join(format!(
            "{}.tmp{}-{:?}",
            self.name,
            std::process::id(),
            std::thread::current().id()
        ));
        let write = || -> Result<(), LakeError> {
            let file = File::create(&tmp).map_err(|e| LakeError::io(&tmp, e))?;
            let mut w = FileWriter::try_new(std::io::BufWriter::new(file), &schema)?;
            for b in batches {
                w.write(&b.clone().with_schema(schema.clone())?)?;
            }
            w.finish()?;
            Ok(())
        };
        write().inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })?;
        let path = self.dir.join(&self.name);
        std::fs::rename(&tmp, &path).map_err(|e| LakeError::io(&path, e))?;
        self.prune();
        Ok(())
    }

    /// Removes the least recently written shapes past [`MAX_SHAPES`] (ad-hoc queries can
    /// have many shapes).
    fn prune(&self) {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".arrow"))
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        if files.len() <= MAX_SHAPES {
            return;
        }
        files.sort();
        for (_, path) in &files[..files.len() - MAX_SHAPES] {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Days of `days` whose fingerprint differs from the kept one (or is not kept), as runs of
/// consecutive days: each run is asked with one query.
pub(crate) fn stale_runs(
    days: &BTreeMap<NaiveDate, u64>,
    kept: &BTreeMap<NaiveDate, u64>,
) -> Vec<(NaiveDate, NaiveDate)> {
    let mut runs: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for (d, h) in days {
        if kept.get(d) == Some(h) {
            continue;
        }
        match runs.last_mut() {
            Some((_, to)) if to.succ_opt() == Some(*d) => *to = *d,
            _ => runs.push((*d, *d)),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn stale_days_come_back_as_runs_of_consecutive_days() {
        let days: BTreeMap<NaiveDate, u64> = (1..=6)
            .map(|i| (d(&format!("2026-11-0{i}")), i as u64))
            .collect();
        let mut kept = days.clone();
        kept.insert(d("2026-11-02"), 99);
        kept.remove(&d("2026-11-03"));
        kept.remove(&d("2026-11-06"));
        assert_eq!(
            stale_runs(&days, &kept),
            vec![
                (d("2026-11-02"), d("2026-11-03")),
                (d("2026-11-06"), d("2026-11-06"))
            ]
        );
        assert!(stale_runs(&days, &days).is_empty());
    }

    #[test]
    fn fnv_matches_its_published_test_vectors() {
        // From the FNV reference test suite: "" and "a" under FNV-1a 64.
        let hash = |s: &str| {
            let mut h = Fnv::default();
            h.write(s.as_bytes());
            h.0
        };
        assert_eq!(hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash("foobar"), 0x8594_4171_f739_67e8);
    }
}
