//! Writing a lake version: Parquet files first (invisible), then the manifest rename.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use datafusion::arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use vitrine_core::batch::TableSink;
use vitrine_core::table::Partitioning;
use vitrine_core::{CoreError, Table};

use crate::manifest::{FileEntry, Manifest, ManifestStore, PartitionKey};
use crate::LakeError;

/// An open commit. Partitions put into it replace the same partitions of the live version
/// (for snapshot tables: every earlier snapshot of the shop) once [`Commit::finish`] runs.
pub struct Commit {
    root: PathBuf,
    base: Manifest,
    txn: String,
    staged: BTreeMap<PartitionKey, Vec<FileEntry>>,
    sources: BTreeMap<String, String>,
    written: Vec<PathBuf>,
    seq: u64,
}

impl Commit {
    pub(crate) fn new(root: PathBuf, base: Manifest) -> Result<Commit, LakeError> {
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
            written: vec![],
            seq: 0,
        })
    }

    /// Records an imported source file by content hash.
    pub fn add_source(&mut self, hash: String, description: String) {
        self.sources.insert(hash, description);
    }

    /// Writes one partition's rows as a Parquet file (not yet visible).
    pub fn write(
        &mut self,
        table: Table,
        shop: &str,
        date: Option<NaiveDate>,
        batch: &RecordBatch,
    ) -> Result<(), LakeError> {
        if shop.is_empty() || shop.contains(['/', '\\', '=']) || shop.starts_with('.') {
            return Err(LakeError::Core(CoreError::Invalid(format!(
                "invalid shop id `{shop}`"
            ))));
        }
        let date = if table.partitioning() == Partitioning::Daily {
            date
        } else {
            None
        };
        let part = match date {
            Some(d) => format!("{}/shop={shop}/date={d}", table.name()),
            None => format!("{}/shop={shop}/snapshot", table.name()),
        };
        let dir = self.root.join(&part);
        fs::create_dir_all(&dir).map_err(|e| LakeError::io(&dir, e))?;
        self.seq += 1;
        let rel = format!("{part}/part-{}-{:05}.parquet", self.txn, self.seq);
        let path = self.root.join(&rel);
        self.written.push(path.clone());
        let bytes = write_parquet(&path, batch)?;
        let key = PartitionKey {
            table: table.name().to_string(),
            shop: shop.to_string(),
            date,
        };
        self.staged.entry(key).or_default().push(FileEntry {
            path: rel,
            rows: batch.num_rows() as u64,
            bytes,
        });
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
        let date = if table.partitioning() == Partitioning::Daily {
            date
        } else {
            None
        };
        let pk = PartitionKey {
            table: table.name().to_string(),
            shop: shop.to_string(),
            date,
        };
        let mut old: Vec<RecordBatch> = Vec::new();
        let staged = self.staged.remove(&pk);
        let sources = match &staged {
            Some(files) => files.clone(),
            None => self.base.partitions.get(&pk).cloned().unwrap_or_default(),
        };
        for f in &sources {
            old.extend(read_parquet(&self.root.join(&f.path))?);
        }
        if let Some(files) = staged {
            for f in files {
                let _ = fs::remove_file(self.root.join(&f.path));
            }
        }
        if old.is_empty() {
            // Nothing to replace: no keys to compare.
            return self.write(table, shop, date, batch);
        }
        let new_keys: std::collections::HashSet<String> =
            row_keys(batch, key)?.into_iter().collect();
        let mut kept = Vec::new();
        for b in old {
            let keys = row_keys(&b, key)?;
            let mask: datafusion::arrow::array::BooleanArray =
                keys.iter().map(|k| Some(!new_keys.contains(k))).collect();
            kept.push(datafusion::arrow::compute::filter_record_batch(&b, &mask)?);
        }
        kept.push(batch.clone());
        let merged = datafusion::arrow::compute::concat_batches(&batch.schema(), &kept)?;
        self.write(table, shop, date, &merged)
    }

    /// Number of partitions written so far.
    pub fn partitions(&self) -> usize {
        self.staged.len()
    }

    /// Publishes the new version atomically and returns it.
    pub fn finish(self) -> Result<Manifest, LakeError> {
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
        next.sources.extend(self.sources);
        ManifestStore::new(&self.root).publish(&next)?;
        Ok(next)
    }

    /// Abandons the commit and removes the files it wrote.
    pub fn abort(self) {
        for p in &self.written {
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

fn write_parquet(path: &Path, batch: &RecordBatch) -> Result<u64, LakeError> {
    let file = fs::File::create(path).map_err(|e| LakeError::io(path, e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(256 * 1024))
        .build();
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props))
        .map_err(|e| LakeError::Corrupt(e.to_string()))?;
    w.write(batch)
        .map_err(|e| LakeError::Corrupt(format!("{}: {e}", path.display())))?;
    let file = w
        .into_inner()
        .map_err(|e| LakeError::Corrupt(format!("{}: {e}", path.display())))?;
    file.sync_data().map_err(|e| LakeError::io(path, e))?;
    Ok(file.metadata().map(|m| m.len()).unwrap_or(0))
}

fn read_parquet(path: &Path) -> Result<Vec<RecordBatch>, LakeError> {
    let file = fs::File::open(path).map_err(|e| LakeError::io(path, e))?;
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| LakeError::Corrupt(format!("{}: {e}", path.display())))?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| LakeError::Corrupt(format!("{}: {e}", path.display())))
}

/// The natural key of every row: the key columns rendered as text and joined.
fn row_keys(batch: &RecordBatch, key: &[&str]) -> Result<Vec<String>, LakeError> {
    use datafusion::arrow::array::{Array, StringArray};
    let cols = key
        .iter()
        .map(|k| {
            let c = batch
                .column_by_name(k)
                .ok_or_else(|| LakeError::Corrupt(format!("key column {k} missing")))?;
            Ok(datafusion::arrow::compute::cast(
                c,
                &datafusion::arrow::datatypes::DataType::Utf8,
            )?)
        })
        .collect::<Result<Vec<_>, LakeError>>()?;
    let cols: Vec<&StringArray> = cols
        .iter()
        .filter_map(|c| c.as_any().downcast_ref::<StringArray>())
        .collect();
    Ok((0..batch.num_rows())
        .map(|r| {
            cols.iter()
                .map(|c| if c.is_null(r) { "\u{0}" } else { c.value(r) })
                .collect::<Vec<_>>()
                .join("\u{1f}")
        })
        .collect())
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
