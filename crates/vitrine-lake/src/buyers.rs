//! Each buyer's running purchase summary of one shop, kept beside the lake and brought
//! forward by folding in only the order days added since: a day's review reads the buyers
//! from one file and aggregates one day of orders, not a year of them.
//!
//! Invariant: a kept summary is used only while every order file it covered is still the
//! lake's (same path, same rows) and it covers no day after the review's; any re-import of
//! a covered day makes it rebuild from the orders.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Int32Array, Int64Array, StringArray, UInt32Array,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Field, Int32Type, Int64Type, Schema, SchemaRef, UInt32Type,
};
use datafusion::arrow::ipc::reader::FileReader;
use datafusion::arrow::ipc::writer::FileWriter;
use datafusion::arrow::record_batch::RecordBatch;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use vitrine_core::customer::Purchases;

use crate::buyer_ids::Ids;
use crate::{Lake, LakeError};

/// Bumped when the file layout changes: an older file is rebuilt, never misread.
const FORMAT: u32 = 1;
/// `prev` of a buyer with a single purchase day.
const NO_DAY: i32 = i32::MIN;

/// What a kept summary covers: the shop, the last day and every order file up to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Coverage {
    format: u32,
    shop: String,
    pub(crate) through: NaiveDate,
    /// `date path rows` of each order file of the shop up to `through`, in manifest order.
    files: Vec<String>,
}

impl Coverage {
    pub(crate) fn new(shop: &str, through: NaiveDate, files: Vec<String>) -> Coverage {
        Coverage {
            format: FORMAT,
            shop: shop.to_string(),
            through,
            files,
        }
    }

    /// Whether `files` (the lake's, by day, as [`Coverage::files`] lists them) still hold
    /// exactly the files this coverage listed up to its last day.
    pub(crate) fn unchanged_in(&self, files: &[(NaiveDate, String)]) -> bool {
        let held = files.iter().filter(|f| f.0 <= self.through).map(|f| &f.1);
        held.eq(self.files.iter())
    }
}

/// The buyers of one shop through a day, column by column. Days count from 1970-01-01,
/// amounts are fen.
pub(crate) struct Buyers {
    pub(crate) coverage: Coverage,
    ids: Ids,
    first: Vec<i32>,
    first_fen: Vec<i64>,
    last: Vec<i32>,
    /// The purchase day before the last, [`NO_DAY`] for one-day buyers.
    prev: Vec<i32>,
    days: Vec<i32>,
    total_fen: Vec<i64>,
}

/// Every buyer of a shop through a day with their id, from the kept summary: what a user
/// list ranks before it looks up the tags of the few it shows.
pub struct BuyerList {
    ids: Ids,
    pub purchases: Vec<Purchases>,
}

impl BuyerList {
    /// The id of buyer `i` (as `purchases` orders them).
    pub fn id(&self, i: usize) -> &str {
        self.ids.value(i)
    }
}

/// One buyer's spend on one day: (buyer, day, fen).
pub(crate) type BuyerDay = (String, i32, i64);

impl Buyers {
    /// Reads the columns of a result with `user_id, first, first_fen, last, prev, days,
    /// total_fen` (casting as needed).
    pub(crate) fn from_batches(
        coverage: Coverage,
        batches: &[RecordBatch],
    ) -> Result<Buyers, LakeError> {
        let mut b = Buyers::empty(coverage);
        for batch in batches {
            b.ids.push(
                cast(batch.column(0), &DataType::Utf8)?
                    .as_string::<i32>()
                    .clone(),
            );
            let int = |i: usize| cast(batch.column(i), &DataType::Int32);
            let long = |i: usize| cast(batch.column(i), &DataType::Int64);
            let (first, last, prev, days) = (int(1)?, int(3)?, int(4)?, int(5)?);
            let (first_fen, total_fen) = (long(2)?, long(6)?);
            b.first.extend(first.as_primitive::<Int32Type>().values());
            b.first_fen
                .extend(first_fen.as_primitive::<Int64Type>().values());
            b.last.extend(last.as_primitive::<Int32Type>().values());
            let prev = prev.as_primitive::<Int32Type>();
            b.prev.extend((0..prev.len()).map(|i| {
                if prev.is_null(i) {
                    NO_DAY
                } else {
                    prev.value(i)
                }
            }));
            b.days.extend(days.as_primitive::<Int32Type>().values());
            b.total_fen
                .extend(total_fen.as_primitive::<Int64Type>().values());
        }
        Ok(b)
    }

    fn empty(coverage: Coverage) -> Buyers {
        Buyers {
            coverage,
            ids: Ids::default(),
            first: Vec::new(),
            first_fen: Vec::new(),
            last: Vec::new(),
            prev: Vec::new(),
            days: Vec::new(),
            total_fen: Vec::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.first.len()
    }

    /// Folds in the spend of days after every day the summary holds, `rows` sorted by buyer
    /// then day; `coverage` is what the result covers.
    pub(crate) fn fold(
        &mut self,
        rows: &[BuyerDay],
        coverage: Coverage,
    ) -> Result<Change, LakeError> {
        let before = self.len();
        let mut changed = Vec::new();
        let mut groups: FxHashMap<&str, Vec<(i32, i64)>> = FxHashMap::default();
        for (id, day, fen) in rows {
            groups.entry(id.as_str()).or_default().push((*day, *fen));
        }
        for i in self.kept_rows_of(&groups) {
            let Some(new) = groups.remove(self.ids.value(i)) else {
                continue;
            };
            changed.push(i);
            let k = new.len();
            self.prev[i] = if k >= 2 { new[k - 2].0 } else { self.last[i] };
            self.last[i] = new[k - 1].0;
            self.days[i] += k as i32;
            self.total_fen[i] += new.iter().map(|d| d.1).sum::<i64>();
        }
        let mut added: Vec<(&str, Vec<(i32, i64)>)> = groups.into_iter().collect();
        added.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (_, new) in &added {
            let k = new.len();
            self.first.push(new[0].0);
            self.first_fen.push(new[0].1);
            self.last.push(new[k - 1].0);
            self.prev.push(if k >= 2 { new[k - 2].0 } else { NO_DAY });
            self.days.push(k as i32);
            self.total_fen.push(new.iter().map(|d| d.1).sum());
        }
        self.ids
            .push(StringArray::from_iter_values(added.iter().map(|a| a.0)));
        self.coverage = coverage;
        Ok(Change {
            changed,
            appended: before..self.len(),
        })
    }

    /// The rows, in order, of the buyers `groups` names: millions of ids looked up in a
    /// day's few thousand buyers, in two halves side by side.
    fn kept_rows_of<V: Sync>(&self, groups: &FxHashMap<&str, V>) -> Vec<usize> {
        let rows_in = |rows: std::ops::Range<usize>| -> Vec<usize> {
            self.ids.rows_where(rows, |id| groups.contains_key(id))
        };
        let (n, mid) = (self.ids.len(), self.ids.len() / 2);
        if groups.is_empty() {
            return Vec::new();
        }
        let (mut first, second) = std::thread::scope(|s| {
            let second = s.spawn(|| rows_in(mid..n));
            (rows_in(0..mid), second.join())
        });
        first.extend(second.unwrap_or_else(|e| std::panic::resume_unwind(e)));
        first
    }

    /// Every buyer's id and purchases, in summary order.
    pub(crate) fn into_list(self) -> Result<BuyerList, LakeError> {
        Ok(BuyerList {
            purchases: self.purchases()?,
            ids: self.ids,
        })
    }

    /// Every buyer's purchases, in summary order.
    pub(crate) fn purchases(&self) -> Result<Vec<Purchases>, LakeError> {
        let days = Days::spanning(&self.first, &self.last)?;
        (0..self.len())
            .map(|i| {
                Ok(Purchases {
                    first: days.get(self.first[i])?,
                    last: days.get(self.last[i])?,
                    purchase_days: self.days[i] as u32,
                    total: self.total_fen[i] as f64 / 100.0,
                    first_amount: self.first_fen[i] as f64 / 100.0,
                    last_gap_days: (self.prev[i] != NO_DAY)
                        .then(|| self.last[i].saturating_sub(self.prev[i])),
                })
            })
            .collect()
    }

    /// The columns of rows `rows` as a batch of [`schema`]: `row` is the row's index when
    /// `indexed` (a change to a kept row), else null (a row to append).
    fn batch(&self, rows: &[usize], indexed: bool) -> Result<RecordBatch, LakeError> {
        let row: UInt32Array = rows.iter().map(|&i| indexed.then_some(i as u32)).collect();
        let ids = StringArray::from_iter_values(rows.iter().map(|&i| self.ids.value(i)));
        let pick32 = |v: &[i32]| Int32Array::from_iter_values(rows.iter().map(|&i| v[i]));
        let pick64 = |v: &[i64]| Int64Array::from_iter_values(rows.iter().map(|&i| v[i]));
        let prev: Int32Array = rows
            .iter()
            .map(|&i| (self.prev[i] != NO_DAY).then_some(self.prev[i]))
            .collect();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(row),
            Arc::new(ids),
            Arc::new(pick32(&self.first)),
            Arc::new(pick64(&self.first_fen)),
            Arc::new(pick32(&self.last)),
            Arc::new(prev),
            Arc::new(pick32(&self.days)),
            Arc::new(pick64(&self.total_fen)),
        ];
        Ok(RecordBatch::try_new(schema(), columns)?)
    }

    /// Applies a batch of [`schema`]: indexed rows replace kept ones, the others are
    /// appended. `None` when an index is out of range (a file that does not belong here).
    fn apply(&mut self, b: &RecordBatch) -> Option<()> {
        let row = b.column(0).as_primitive::<UInt32Type>();
        let ids = b.column(1).as_string::<i32>();
        let int = |i: usize| b.column(i).as_primitive::<Int32Type>();
        let long = |i: usize| b.column(i).as_primitive::<Int64Type>();
        let (first, last, prev, days) = (int(2), int(4), int(5), int(6));
        let (first_fen, total_fen) = (long(3), long(7));
        if row.null_count() == b.num_rows() {
            // Rows to append only (a base file): column by column.
            self.first.extend_from_slice(first.values());
            self.first_fen.extend_from_slice(first_fen.values());
            self.last.extend_from_slice(last.values());
            self.prev.extend(prev.iter().map(|p| p.unwrap_or(NO_DAY)));
            self.days.extend_from_slice(days.values());
            self.total_fen.extend_from_slice(total_fen.values());
            self.ids.push_copy(ids).ok()?;
            return Some(());
        }
        let mut fresh = Vec::new();
        for k in 0..b.num_rows() {
            let p = if prev.is_null(k) {
                NO_DAY
            } else {
                prev.value(k)
            };
            if row.is_null(k) {
                fresh.push(ids.value(k));
                self.first.push(first.value(k));
                self.first_fen.push(first_fen.value(k));
                self.last.push(last.value(k));
                self.prev.push(p);
                self.days.push(days.value(k));
                self.total_fen.push(total_fen.value(k));
                continue;
            }
            let i = row.value(k) as usize;
            if i >= self.len() {
                return None;
            }
            self.first[i] = first.value(k);
            self.first_fen[i] = first_fen.value(k);
            self.last[i] = last.value(k);
            self.prev[i] = p;
            self.days[i] = days.value(k);
            self.total_fen[i] = total_fen.value(k);
        }
        self.ids.push(StringArray::from_iter_values(fresh));
        Some(())
    }
}

/// The layout of every kept file: the row it changes (null: a new row), then the columns.
fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("row", DataType::UInt32, true),
        Field::new("user_id", DataType::Utf8, false),
        Field::new("first", DataType::Int32, false),
        Field::new("first_fen", DataType::Int64, false),
        Field::new("last", DataType::Int32, false),
        Field::new("prev", DataType::Int32, true),
        Field::new("days", DataType::Int32, false),
        Field::new("total_fen", DataType::Int64, false),
    ]))
}

/// A shop's kept summary: a directory with a base file of every buyer, the changes of the
/// days folded in since (small files), and `head.json` naming them. A day's fold writes only
/// its buyers; after [`MAX_CHANGES`] files, or once they hold more rows than one in
/// [`CHANGE_SHARE`] buyers, the next fold writes a new base instead.
pub(crate) struct Store {
    dir: PathBuf,
}

const MAX_CHANGES: usize = 32;
/// Rows per batch of a kept file (a few in unit tests, so files of several batches are
/// read back there).
const BATCH_ROWS: usize = if cfg!(test) { 3 } else { 1 << 20 };
const CHANGE_SHARE: usize = 8;

/// What `head.json` names: the coverage, the base file and the change files, in order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Head {
    pub(crate) coverage: Coverage,
    base: String,
    changes: Vec<String>,
    /// Rows in the change files.
    changed_rows: usize,
}

impl Store {
    /// The store of `shop` in `lake`'s cache: `buyers/<shop as hex>/`.
    pub(crate) fn of(lake: &Lake, shop: &str) -> Store {
        Store {
            dir: lake.shop_cache("buyers", shop),
        }
    }

    /// The kept summary of `shop` and its head, if there is a readable one of this format;
    /// anything unreadable counts as none (it is rebuilt, never trusted).
    pub(crate) fn load(&self, shop: &str) -> Option<(Buyers, Head)> {
        let head: Head =
            serde_json::from_slice(&std::fs::read(self.dir.join("head.json")).ok()?).ok()?;
        if head.coverage.format != FORMAT || head.coverage.shop != shop {
            return None;
        }
        let mut b = Buyers::empty(head.coverage.clone());
        for name in std::iter::once(&head.base).chain(&head.changes) {
            let reader = FileReader::try_new(File::open(self.dir.join(name)).ok()?, None).ok()?;
            if reader.schema() != schema() {
                return None;
            }
            for batch in reader {
                b.apply(&batch.ok()?)?;
            }
        }
        Some((b, head))
    }

    /// Keeps `b` whole: a new base and a head without changes.
    pub(crate) fn save(&self, b: &Buyers) -> Result<(), LakeError> {
        let all: Vec<usize> = (0..b.len()).collect();
        let base = self.write(b, &all, false)?;
        self.publish(&Head {
            coverage: b.coverage.clone(),
            base,
            changes: Vec::new(),
            changed_rows: 0,
        })
    }

    /// Keeps what the last [`Buyers::fold`] changed on top of `head`, or `b` whole when the
    /// changes have grown too many.
    pub(crate) fn save_change(
        &self,
        b: &Buyers,
        head: Head,
        change: &Change,
    ) -> Result<(), LakeError> {
        let rows = head.changed_rows + change.changed.len() + change.appended.len();
        if head.changes.len() + 2 > MAX_CHANGES || rows * CHANGE_SHARE > b.len() {
            return self.save(b);
        }
        let mut names = head.changes;
        names.push(self.write(b, &change.changed, true)?);
        let appended: Vec<usize> = change.appended.clone().collect();
        names.push(self.write(b, &appended, false)?);
        self.publish(&Head {
            coverage: b.coverage.clone(),
            base: head.base,
            changes: names,
            changed_rows: rows,
        })
    }

    /// Writes rows of `b` to a new file of the store; returns its name.
    fn write(&self, b: &Buyers, rows: &[usize], indexed: bool) -> Result<String, LakeError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| LakeError::io(&self.dir, e))?;
        let name = unique("rows", "arrow");
        let path = self.dir.join(&name);
        let write = || -> Result<(), LakeError> {
            let file = File::create(&path).map_err(|e| LakeError::io(&path, e))?;
            let mut w = FileWriter::try_new(std::io::BufWriter::new(file), &schema())?;
            // In batches: a reader holds one batch at a time beside what it keeps.
            for part in rows.chunks(BATCH_ROWS) {
                w.write(&b.batch(part, indexed)?)?;
            }
            w.finish()?;
            Ok(())
        };
        write().inspect_err(|_| {
            let _ = std::fs::remove_file(&path);
        })?;
        Ok(name)
    }

    /// Makes `head` the store's head (a temporary file renamed into place: a reader sees the
    /// old head or the new, never half of one), then removes the files no head names.
    fn publish(&self, head: &Head) -> Result<(), LakeError> {
        let tmp = self.dir.join(unique("head", "tmp"));
        let json = serde_json::to_vec(head)
            .map_err(|e| LakeError::Query(format!("buyer summary head: {e}")))?;
        std::fs::write(&tmp, json).map_err(|e| LakeError::io(&tmp, e))?;
        let path = self.dir.join("head.json");
        std::fs::rename(&tmp, &path).map_err(|e| LakeError::io(&path, e))?;
        let keep: Vec<&String> = std::iter::once(&head.base).chain(&head.changes).collect();
        for entry in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".arrow") && !keep.contains(&&name) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(())
    }
}

/// A file name no other writer uses: `<kind>-<process>-<nanoseconds>.<ext>`.
fn unique(kind: &str, ext: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{kind}-{}-{nanos}.{ext}", std::process::id())
}

/// The rows one fold changed: kept rows it updated, and the rows it appended.
pub(crate) struct Change {
    changed: Vec<usize>,
    appended: std::ops::Range<usize>,
}

/// The dates of a span of day numbers, worked out once: millions of buyers fall on a few
/// hundred days.
struct Days {
    from: i32,
    dates: Vec<NaiveDate>,
}

impl Days {
    /// The span from the least of `first` to the greatest of `last` (first ≤ last per buyer).
    fn spanning(first: &[i32], last: &[i32]) -> Result<Days, LakeError> {
        let (Some(&from), Some(&to)) = (first.iter().min(), last.iter().max()) else {
            return Ok(Days {
                from: 0,
                dates: Vec::new(),
            });
        };
        // A span too long to tabulate (a corrupt day) is answered day by day.
        let dates = if i64::from(to) - i64::from(from) < 1 << 20 {
            (from..=to)
                .map(|n| day(n.into()))
                .collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
        Ok(Days { from, dates })
    }

    fn get(&self, n: i32) -> Result<NaiveDate, LakeError> {
        let i = i64::from(n) - i64::from(self.from);
        match usize::try_from(i).ok().and_then(|i| self.dates.get(i)) {
            Some(d) => Ok(*d),
            None => day(n.into()),
        }
    }
}

/// The date `n` days after 1970-01-01 (Arrow's `Date32`).
pub(crate) fn day(n: i64) -> Result<NaiveDate, LakeError> {
    i32::try_from(n + 719_163)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .ok_or_else(|| LakeError::Query(format!("day number {n} is out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids_of(b: &Buyers) -> Vec<String> {
        (0..b.len()).map(|i| b.ids.value(i).to_string()).collect()
    }

    /// A summary kept in files of several batches, and a fold on top of it, read back as
    /// they were.
    #[test]
    fn kept_summaries_read_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store {
            dir: dir.path().to_path_buf(),
        };
        let d = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let n = 10;
        let ids: Vec<String> = (0..n).map(|i| format!("u{i:02}")).collect();
        let col = |f: &dyn Fn(i32) -> i64| -> ArrayRef {
            Arc::new(Int64Array::from_iter_values((0..n).map(f)))
        };
        let batch = RecordBatch::try_from_iter(vec![
            (
                "user_id",
                Arc::new(StringArray::from(ids.clone())) as ArrayRef,
            ),
            ("first", col(&|i| 20_000 + i64::from(i))),
            ("first_fen", col(&|i| 100 * i64::from(i))),
            ("last", col(&|i| 20_300 + i64::from(i))),
            ("prev", col(&|i| 20_100 + i64::from(i))),
            ("days", col(&|i| 2 + i64::from(i))),
            ("total_fen", col(&|i| 1_000 * i64::from(i))),
        ])
        .unwrap();
        let mut b = Buyers::from_batches(Coverage::new("s", d, vec![]), &[batch]).unwrap();
        store.save(&b).unwrap();
        let (kept, head) = store.load("s").unwrap();
        assert_eq!(ids_of(&kept), ids);
        assert_eq!(kept.purchases().unwrap(), b.purchases().unwrap());
        let next = d.succ_opt().unwrap();
        let rows: Vec<BuyerDay> = vec![
            ("u03".into(), 20_400, 500),
            ("u07".into(), 20_400, 700),
            ("v1".into(), 20_400, 900),
        ];
        let change = b.fold(&rows, Coverage::new("s", next, vec![])).unwrap();
        store.save_change(&b, head, &change).unwrap();
        let (kept, _) = store.load("s").unwrap();
        assert_eq!(ids_of(&kept), ids_of(&b));
        assert_eq!(kept.len(), n as usize + 1);
        assert_eq!(kept.purchases().unwrap(), b.purchases().unwrap());
        assert_eq!(kept.days[3], 6);
        assert_eq!(kept.total_fen[7], 7_700);
    }

    /// Tabulated dates are the dates `day` gives, inside the span and outside it.
    #[test]
    fn tabulated_days_are_the_days() {
        let days = Days::spanning(&[20_000, 19_990], &[20_400, 20_001]).unwrap();
        for n in 19_980..20_420 {
            assert_eq!(days.get(n).unwrap(), day(n.into()).unwrap(), "day {n}");
        }
        assert!(days.get(i32::MAX).is_err());
        assert_eq!(
            days.get(0).unwrap(),
            NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
        );
    }
}
