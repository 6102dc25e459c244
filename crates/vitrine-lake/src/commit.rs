//! Writing a lake version: Parquet files first (invisible), then the manifest rename.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use chrono::NaiveDate;
use datafusion::arrow::array::BooleanArray;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::row::{RowConverter, Rows, SortField};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use vitrine_core::batch::{PartSink, TableSink};
use vitrine_core::{CoreError, Table};

use vitrine_core::lineage::SourceRef;

use crate::manifest::{FileEntry, Manifest, ManifestStore, PartitionKey};
use crate::LakeError;

/// New parts with fewer rows than this are compacted together when a partition has several.
const SMALL_PART_ROWS: u64 = 64 * 1024;
/// The most rows one compacted file holds.
const COMPACT_ROWS: u64 = 512 * 1024;

/// An open commit. Partitions put into it replace the same partitions of the live version
/// (for snapshot tables: every earlier snapshot of the shop) once [`Commit::finish`] runs.
///
/// Importers stream into it from several threads through [`PartSink`]: each batch becomes
/// an invisible part file at once; [`Commit::adopt`] then folds the new parts into the
/// staged partitions, replacing older rows that share their natural key.
pub struct Commit {
    root: PathBuf,
    base: Manifest,
    txn: String,
    staged: BTreeMap<PartitionKey, Vec<FileEntry>>,
    sources: BTreeMap<String, (String, u64)>,
    lineage: Vec<(PartitionKey, SourceRef)>,
    /// Part files written through [`PartSink`] and not yet adopted.
    fresh: Mutex<Vec<(PartitionKey, FileEntry)>>,
    /// Every file this commit wrote, removed again by [`Commit::abort`].
    written: Mutex<Vec<PathBuf>>,
    /// Files already made durable.
    synced: Mutex<HashSet<PathBuf>>,
    seq: AtomicU64,
    /// The lake's commit lock, held from [`Lake::begin`](crate::Lake::begin) to the end.
    _lock: CommitLock,
}

/// One commit at a time per lake, across threads and processes (an exclusive lock on
/// `_manifest/commit.lock`). A commit reads its base manifest after taking the lock, so
/// two imports can never both publish on the same base and lose one another's partitions.
/// The lock goes with the file handle: finishing, aborting, dropping or a killed process
/// all release it.
pub(crate) struct CommitLock {
    _held: fs::File,
}

impl CommitLock {
    /// Waits for the lock of the lake at `root`.
    pub(crate) fn acquire(root: &Path) -> Result<CommitLock, LakeError> {
        let dir = root.join("_manifest");
        fs::create_dir_all(&dir).map_err(|e| LakeError::io(&dir, e))?;
        let path = dir.join("commit.lock");
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| LakeError::io(&path, e))?;
        file.lock().map_err(|e| LakeError::io(&path, e))?;
        Ok(CommitLock { _held: file })
    }
}

impl Commit {
    pub(crate) fn new(
        root: PathBuf,
        base: Manifest,
        lock: CommitLock,
    ) -> Result<Commit, LakeError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let txn = format!("{:06}-{:x}-{}", base.version + 1, nanos, std::process::id());
        Ok(Commit {
            root,
            base,
            txn,
            staged: BTreeMap::new(),
            sources: BTreeMap::new(),
            lineage: Vec::new(),
            _lock: lock,
            fresh: Mutex::new(Vec::new()),
            written: Mutex::new(Vec::new()),
            synced: Mutex::new(HashSet::new()),
            seq: AtomicU64::new(0),
        })
    }

    /// Records an imported source file by content hash, with its length in bytes.
    pub fn add_source(&mut self, hash: String, description: String, bytes: u64) {
        self.sources.insert(hash, (description, bytes));
    }

    /// Records that rows of a partition came from `source` (a re-import of the same file and
    /// sheet replaces its earlier record).
    pub fn add_lineage(
        &mut self,
        table: Table,
        shop: &str,
        date: Option<NaiveDate>,
        source: SourceRef,
    ) {
        self.lineage
            .push((PartitionKey::of(table, shop, date), source));
    }

    /// Writes one batch of a partition as a new Parquet file (not yet visible anywhere).
    fn write_part(
        &self,
        table: Table,
        shop: &str,
        date: Option<NaiveDate>,
        batch: &RecordBatch,
    ) -> Result<(PartitionKey, FileEntry), LakeError> {
        if shop.is_empty() || shop.contains(['/', '\\', '=']) || shop.starts_with('.') {
            return Err(LakeError::Core(CoreError::Invalid(format!(
                "invalid shop id `{shop}`"
            ))));
        }
        let key = PartitionKey::of(table, shop, date);
        let part = match key.date {
            Some(d) => format!("{}/shop={shop}/date={d}", table.name()),
            None => format!("{}/shop={shop}/snapshot", table.name()),
        };
        let dir = self.root.join(&part);
        fs::create_dir_all(&dir).map_err(|e| LakeError::io(&dir, e))?;
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let rel = format!("{part}/part-{}-{seq:05}.parquet", self.txn);
        let path = self.root.join(&rel);
        lock(&self.written)?.push(path.clone());
        // Large parts stay as they are: sync them now, on the writing thread. Small ones
        // may be compacted away and are synced by `finish` if still live.
        let sync = batch.num_rows() as u64 >= SMALL_PART_ROWS;
        let bytes = write_parquet(&path, table, batch, sync)?;
        if sync {
            lock(&self.synced)?.insert(path);
        }
        let entry = FileEntry {
            path: rel,
            rows: batch.num_rows() as u64,
            bytes,
        };
        Ok((key, entry))
    }

    /// Writes one partition's rows as a Parquet file (not yet visible), added to whatever
    /// this commit already staged for the partition; the live partition is replaced.
    pub fn write(
        &mut self,
        table: Table,
        shop: &str,
        date: Option<NaiveDate>,
        batch: &RecordBatch,
    ) -> Result<(), LakeError> {
        let (key, entry) = self.write_part(table, shop, date, batch)?;
        self.staged.entry(key).or_default().push(entry);
        Ok(())
    }

    /// Writes `batch` into a partition, replacing the rows of the live (and already staged)
    /// partition that share its natural key `key`, and keeping every other row. This is
    /// how overlapping imports replace instead of duplicating.
    pub fn merge(
        &mut self,
        table: Table,
        shop: &str,
        date: Option<NaiveDate>,
        batch: &RecordBatch,
        key: &[&str],
    ) -> Result<(), LakeError> {
        let part = self.write_part(table, shop, date, batch)?;
        lock(&self.fresh)?.push(part);
        self.adopt(key)
    }

    /// Folds the parts written through [`PartSink`] since the last call into the staged
    /// partitions: older rows (live, or staged by earlier files of this commit) whose natural
    /// `key` appears among the new rows are dropped; files without such rows are kept as they
    /// are. Within the new parts nothing is dropped.
    pub fn adopt(&mut self, key: &[&str]) -> Result<(), LakeError> {
        self.adopt_by(&|_| key)
    }

    /// [`Commit::adopt`] with each table's own natural key (`key_of(table name)`), for a
    /// file whose sheets feed several tables.
    pub fn adopt_by<'k>(
        &mut self,
        key_of: &(dyn Fn(&str) -> &'k [&'k str] + Sync),
    ) -> Result<(), LakeError> {
        let fresh = std::mem::take(&mut *lock(&self.fresh)?);
        let mut by_partition: BTreeMap<PartitionKey, Vec<FileEntry>> = BTreeMap::new();
        for (k, e) in fresh {
            by_partition.entry(k).or_default().push(e);
        }
        let jobs: Vec<Fold> = by_partition
            .into_iter()
            .map(|(pk, new)| {
                let (old, old_is_staged) = match self.staged.remove(&pk) {
                    Some(files) => (files, true),
                    None => (
                        self.base.partitions.get(&pk).cloned().unwrap_or_default(),
                        false,
                    ),
                };
                Fold {
                    pk,
                    old,
                    old_is_staged,
                    new,
                }
            })
            .collect();
        // Partitions are independent: fold them on every core.
        let next = std::sync::atomic::AtomicUsize::new(0);
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let folded: Vec<Result<(PartitionKey, Vec<FileEntry>), LakeError>> =
            std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads.min(jobs.len()))
                    .map(|_| {
                        s.spawn(|| {
                            let mut out = Vec::new();
                            while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                                let key = key_of(&job.pk.table);
                                out.push(self.fold(job, key).map(|f| (job.pk.clone(), f)));
                            }
                            out
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| {
                        h.join().unwrap_or_else(|_| {
                            vec![Err(LakeError::Corrupt("a merge thread panicked".into()))]
                        })
                    })
                    .collect()
            });
        for r in folded {
            let (pk, files) = r?;
            self.staged.insert(pk, files);
        }
        Ok(())
    }

    /// One partition's files after adopting its new parts.
    fn fold(&self, job: &Fold, key: &[&str]) -> Result<Vec<FileEntry>, LakeError> {
        let mut files = if job.old.is_empty() {
            Vec::new()
        } else {
            self.without_keys(&job.pk, job.old.clone(), job.old_is_staged, &job.new, key)?
        };
        files.extend(self.compact(&job.pk, job.new.clone())?);
        Ok(files)
    }

    /// Rewrites runs of small new parts of one partition as one file each (a file whose
    /// rows arrive in date order gives few large parts; a shuffled one gives many small
    /// ones). A run holds at most [`COMPACT_ROWS`] rows, which bounds memory.
    fn compact(&self, pk: &PartitionKey, new: Vec<FileEntry>) -> Result<Vec<FileEntry>, LakeError> {
        let (small, mut out): (Vec<FileEntry>, Vec<FileEntry>) =
            new.into_iter().partition(|f| f.rows < SMALL_PART_ROWS);
        if small.len() < 4 {
            out.extend(small);
            return Ok(out);
        }
        let table = Table::from_name(&pk.table)
            .ok_or_else(|| LakeError::Corrupt(format!("unknown table {}", pk.table)))?;
        let mut runs: Vec<Vec<FileEntry>> = vec![Vec::new()];
        let mut rows = 0;
        for f in small {
            if rows + f.rows > COMPACT_ROWS {
                runs.push(Vec::new());
                rows = 0;
            }
            rows += f.rows;
            if let Some(r) = runs.last_mut() {
                r.push(f);
            }
        }
        for run in runs {
            if run.len() < 2 {
                out.extend(run);
                continue;
            }
            let mut batches = Vec::new();
            for f in &run {
                batches.extend(read_parquet(&self.root.join(&f.path), None)?);
            }
            let Some(first) = batches.first() else {
                continue;
            };
            let merged = datafusion::arrow::compute::concat_batches(&first.schema(), &batches)?;
            out.push(self.write_part(table, &pk.shop, pk.date, &merged)?.1);
            for f in run {
                let _ = fs::remove_file(self.root.join(&f.path));
            }
        }
        Ok(out)
    }

    /// `old` files of partition `pk`, rewritten without the rows whose `key` occurs in `new`.
    fn without_keys(
        &self,
        pk: &PartitionKey,
        old: Vec<FileEntry>,
        old_is_staged: bool,
        new: &[FileEntry],
        key: &[&str],
    ) -> Result<Vec<FileEntry>, LakeError> {
        let mut new_keys = KeySet::default();
        for f in new {
            for b in read_parquet(&self.root.join(&f.path), Some(key))? {
                new_keys.extend(&b, key)?;
            }
        }
        let table = Table::from_name(&pk.table)
            .ok_or_else(|| LakeError::Corrupt(format!("unknown table {}", pk.table)))?;
        let mut kept = Vec::new();
        for f in old {
            let batches = read_parquet(&self.root.join(&f.path), None)?;
            let mut filtered = Vec::with_capacity(batches.len());
            let mut dropped = 0;
            for b in &batches {
                let mask = new_keys.absent(b, key)?;
                dropped += mask.false_count();
                filtered.push(datafusion::arrow::compute::filter_record_batch(b, &mask)?);
            }
            if dropped == 0 {
                kept.push(f);
                continue;
            }
            if old_is_staged {
                let _ = fs::remove_file(self.root.join(&f.path));
            }
            let Some(first) = filtered.first() else {
                continue;
            };
            let rest = datafusion::arrow::compute::concat_batches(&first.schema(), &filtered)?;
            if rest.num_rows() > 0 {
                kept.push(self.write_part(table, &pk.shop, pk.date, &rest)?.1);
            }
        }
        Ok(kept)
    }

    /// Number of partitions written so far.
    pub fn partitions(&self) -> usize {
        self.staged.len()
    }

    /// Publishes the new version atomically and returns it. Parts written through
    /// [`PartSink`] but never adopted are not published (and not deleted: call
    /// [`Commit::adopt`] first).
    pub fn finish(self) -> Result<Manifest, LakeError> {
        self.sync_written()?;
        let mut next = self.base.clone();
        next.version = self.base.version + 1;
        next.created_at = chrono::Utc::now().to_rfc3339();
        for key in self.staged.keys() {
            if key.date.is_none() {
                next.partitions
                    .retain(|k, _| !(k.table == key.table && k.shop == key.shop));
            }
        }
        for (key, files) in self.staged {
            next.partitions.insert(key, files);
        }
        for (hash, (description, bytes)) in self.sources {
            next.source_bytes.insert(hash.clone(), bytes);
            next.sources.insert(hash, description);
        }
        for (key, source) in self.lineage {
            let refs = next.lineage.entry(key).or_default();
            refs.retain(|r| !r.same_origin(&source));
            refs.push(source);
        }
        let live = &next.partitions;
        next.lineage.retain(|k, _| live.contains_key(k));
        ManifestStore::new(&self.root).publish(&next)?;
        Ok(next)
    }

    /// Makes every staged file this commit wrote durable before the manifest names it.
    /// Small parts merged away by compaction are never synced: that is why they are
    /// synced here, once, and not as they are written.
    fn sync_written(&self) -> Result<(), LakeError> {
        let written: HashSet<PathBuf> = lock(&self.written)?.iter().cloned().collect();
        let synced = lock(&self.synced)?;
        for f in self.staged.values().flatten() {
            let path = self.root.join(&f.path);
            if written.contains(&path) && !synced.contains(&path) {
                fs::File::open(&path)
                    .and_then(|file| file.sync_data())
                    .map_err(|e| LakeError::io(&path, e))?;
            }
        }
        Ok(())
    }

    /// Abandons the commit and removes the files it wrote.
    pub fn abort(self) {
        let written = self.written.into_inner().unwrap_or_default();
        for p in &written {
            let _ = fs::remove_file(p);
        }
    }
}

impl TableSink for Commit {
    fn put(
        &mut self,
        table: Table,
        shop: &str,
        date: Option<NaiveDate>,
        batch: RecordBatch,
    ) -> Result<(), CoreError> {
        self.write(table, shop, date, &batch)
            .map_err(|e| CoreError::Invalid(e.to_string()))
    }
}

impl PartSink for Commit {
    fn put_part(
        &self,
        table: Table,
        shop: &str,
        date: Option<NaiveDate>,
        batch: RecordBatch,
    ) -> Result<(), CoreError> {
        let part = self
            .write_part(table, shop, date, &batch)
            .map_err(|e| CoreError::Invalid(e.to_string()))?;
        lock(&self.fresh)
            .map_err(|e| CoreError::Invalid(e.to_string()))?
            .push(part);
        Ok(())
    }
}

fn lock<T>(m: &Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>, LakeError> {
    m.lock()
        .map_err(|_| LakeError::Corrupt("a writer thread panicked mid-commit".into()))
}

/// One partition to fold new parts into.
struct Fold {
    pk: PartitionKey,
    old: Vec<FileEntry>,
    old_is_staged: bool,
    new: Vec<FileEntry>,
}

/// Natural keys of rows, in Arrow's row format (compact, comparable bytes).
#[derive(Default)]
struct KeySet {
    converter: Option<RowConverter>,
    keys: HashSet<Box<[u8]>>,
}

impl KeySet {
    fn rows(&mut self, batch: &RecordBatch, key: &[&str]) -> Result<Rows, LakeError> {
        // As text, so files written before a key column's type changed still compare.
        let cols = key
            .iter()
            .map(|k| {
                let c = batch
                    .column_by_name(k)
                    .ok_or_else(|| LakeError::Corrupt(format!("key column {k} missing")))?;
                Ok(datafusion::arrow::compute::cast(c, &DataType::Utf8)?)
            })
            .collect::<Result<Vec<_>, LakeError>>()?;
        let converter = match &mut self.converter {
            Some(c) => c,
            None => {
                let fields = cols
                    .iter()
                    .map(|_| SortField::new(DataType::Utf8))
                    .collect();
                self.converter.insert(RowConverter::new(fields)?)
            }
        };
        Ok(converter.convert_columns(&cols)?)
    }

    fn extend(&mut self, batch: &RecordBatch, key: &[&str]) -> Result<(), LakeError> {
        let rows = self.rows(batch, key)?;
        self.keys.extend(rows.iter().map(|r| Box::from(r.as_ref())));
        Ok(())
    }

    /// True for the rows of `batch` whose key is not in the set.
    fn absent(&mut self, batch: &RecordBatch, key: &[&str]) -> Result<BooleanArray, LakeError> {
        let rows = self.rows(batch, key)?;
        Ok(rows
            .iter()
            .map(|r| Some(!self.keys.contains(r.as_ref())))
            .collect())
    }
}

/// Writes `batch` as a Parquet file, made durable now when `sync` says so.
fn write_parquet(
    path: &Path,
    table: Table,
    batch: &RecordBatch,
    sync: bool,
) -> Result<u64, LakeError> {
    let file = fs::File::create(path).map_err(|e| LakeError::io(path, e))?;
    let mut props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(256 * 1024));
    // Min/max of text columns cost a comparison per value and prune nothing our queries
    // filter on (dates are partitions); numbers, dates and times keep theirs.
    for f in batch.schema().fields() {
        if f.data_type() == &DataType::Utf8 {
            props = props.set_column_statistics_enabled(
                ColumnPath::from(f.name().as_str()),
                EnabledStatistics::None,
            );
        }
    }
    for name in table.mostly_distinct() {
        props = props.set_column_dictionary_enabled(ColumnPath::from(*name), false);
    }
    let props = props.build();
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props))
        .map_err(|e| LakeError::Corrupt(e.to_string()))?;
    w.write(batch)
        .map_err(|e| LakeError::Corrupt(format!("{}: {e}", path.display())))?;
    let file = w
        .into_inner()
        .map_err(|e| LakeError::Corrupt(format!("{}: {e}", path.display())))?;
    if sync {
        file.sync_data().map_err(|e| LakeError::io(path, e))?;
    }
    Ok(file.metadata().map(|m| m.len()).unwrap_or(0))
}

/// The batches of a Parquet file, all columns or only `columns`.
fn read_parquet(path: &Path, columns: Option<&[&str]>) -> Result<Vec<RecordBatch>, LakeError> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::arrow::ProjectionMask;
    let corrupt =
        |e: parquet::errors::ParquetError| LakeError::Corrupt(format!("{}: {e}", path.display()));
    let file = fs::File::open(path).map_err(|e| LakeError::io(path, e))?;
    let mut builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(corrupt)?;
    if let Some(columns) = columns {
        let mask = ProjectionMask::columns(builder.parquet_schema(), columns.iter().copied());
        builder = builder.with_projection(mask);
    }
    let reader = builder.build().map_err(corrupt)?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| LakeError::Corrupt(format!("{}: {e}", path.display())))
}

pub(crate) fn vacuum(root: &Path, live: &Manifest) -> Result<usize, LakeError> {
    let keep: std::collections::HashSet<PathBuf> = live
        .partitions
        .values()
        .flatten()
        .map(|f| root.join(&f.path))
        .collect();
    let mut removed = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = fs::read_dir(&dir) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                if !p.ends_with("_manifest") {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "parquet") && !keep.contains(&p) {
                fs::remove_file(&p).map_err(|e| LakeError::io(&p, e))?;
                removed += 1;
            }
        }
    }
    let mdir = root.join("_manifest");
    let live_name = format!("v{:010}.json", live.version);
    if let Ok(rd) = fs::read_dir(&mdir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with('v') && name != live_name {
                let _ = fs::remove_file(e.path());
            }
        }
    }
    Ok(removed)
}
