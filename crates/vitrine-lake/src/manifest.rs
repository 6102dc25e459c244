//! The manifest: the list of live Parquet files of one lake version.
//!
//! Versions are immutable JSON files `_manifest/v<N>.json`; `_manifest/CURRENT` names the
//! live one and is replaced by an atomic rename, so readers see either the old or the new
//! version, never a mix, and a crash mid-commit leaves the old version live.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use vitrine_core::lineage::SourceRef;

use crate::LakeError;

/// One partition's identity: table, shop and (for daily tables) date.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PartitionKey {
    pub table: String,
    pub shop: String,
    pub date: Option<NaiveDate>,
}

impl PartitionKey {
    /// The partition of `table` a shop's rows of `date` belong to (undated tables ignore it).
    pub fn of(table: vitrine_core::Table, shop: &str, date: Option<NaiveDate>) -> PartitionKey {
        PartitionKey {
            table: table.name().to_string(),
            shop: shop.to_string(),
            date: date.filter(|_| table.partitioning().is_dated()),
        }
    }
}

/// One Parquet file of a partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path relative to the lake root.
    pub path: String,
    pub rows: u64,
    pub bytes: u64,
}

/// A lake version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u64,
    pub created_at: String,
    /// Live files, keyed by partition (serialised as a list for JSON's sake).
    #[serde(with = "partition_list")]
    pub partitions: BTreeMap<PartitionKey, Vec<FileEntry>>,
    /// Content hashes of imported source files (re-import is a no-op).
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
    /// Byte length of each imported source file, by content hash (sources imported before
    /// lengths were kept have none).
    #[serde(default)]
    pub source_bytes: BTreeMap<String, u64>,
    /// Per partition, the source files (and their rows) it was imported from.
    #[serde(default, with = "lineage_list")]
    pub lineage: BTreeMap<PartitionKey, Vec<SourceRef>>,
}

mod lineage_list {
    use super::*;
    use serde::{Deserializer, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Entry {
        #[serde(flatten)]
        key: PartitionKey,
        sources: Vec<SourceRef>,
    }

    pub fn serialize<S: Serializer>(
        m: &BTreeMap<PartitionKey, Vec<SourceRef>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.iter().map(|(k, v)| Entry {
            key: k.clone(),
            sources: v.clone(),
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<PartitionKey, Vec<SourceRef>>, D::Error> {
        let v: Vec<Entry> = Vec::deserialize(d)?;
        Ok(v.into_iter().map(|e| (e.key, e.sources)).collect())
    }
}

mod partition_list {
    use super::*;
    use serde::{Deserializer, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Entry {
        #[serde(flatten)]
        key: PartitionKey,
        files: Vec<FileEntry>,
    }

    pub fn serialize<S: Serializer>(
        m: &BTreeMap<PartitionKey, Vec<FileEntry>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.iter().map(|(k, v)| Entry {
            key: k.clone(),
            files: v.clone(),
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<PartitionKey, Vec<FileEntry>>, D::Error> {
        let v: Vec<Entry> = Vec::deserialize(d)?;
        Ok(v.into_iter().map(|e| (e.key, e.files)).collect())
    }
}

impl Manifest {
    /// False only when no imported source has `bytes` as its length: a file of that length
    /// cannot be a re-import, so its hash may be taken while it is read rather than before.
    pub fn may_have_source_of(&self, bytes: u64) -> bool {
        self.sources
            .keys()
            .any(|h| self.source_bytes.get(h).is_none_or(|&b| b == bytes))
    }

    /// Live files of `table`, optionally limited to a shop and an inclusive date range
    /// (snapshot partitions, which have no date, always match the range).
    pub fn files(
        &self,
        table: &str,
        shop: Option<&str>,
        range: Option<(NaiveDate, NaiveDate)>,
    ) -> Vec<&FileEntry> {
        self.partitions
            .iter()
            .filter(|(k, _)| k.table == table)
            .filter(|(k, _)| shop.is_none_or(|s| s == k.shop))
            .filter(|(k, _)| match (k.date, range) {
                (Some(d), Some((from, to))) => d >= from && d <= to,
                _ => true,
            })
            .flat_map(|(_, v)| v.iter())
            .collect()
    }

    /// The source files behind one partition (empty for simulated or pre-lineage data).
    pub fn lineage_of(&self, table: &str, shop: &str, date: Option<NaiveDate>) -> &[SourceRef] {
        self.lineage
            .get(&PartitionKey {
                table: table.to_string(),
                shop: shop.to_string(),
                date,
            })
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The days of `table` a shop has, in order.
    pub fn dates(&self, table: &str, shop: &str) -> Vec<NaiveDate> {
        self.partitions
            .keys()
            .filter(|k| k.table == table && k.shop == shop)
            .filter_map(|k| k.date)
            .collect()
    }

    /// Shops present in the lake.
    pub fn shops(&self) -> Vec<String> {
        let mut s: Vec<String> = self.partitions.keys().map(|k| k.shop.clone()).collect();
        s.sort();
        s.dedup();
        s
    }

    /// First and last date with data in `table`.
    pub fn date_range(&self, table: &str, shop: Option<&str>) -> Option<(NaiveDate, NaiveDate)> {
        let dates = self
            .partitions
            .keys()
            .filter(|k| k.table == table && shop.is_none_or(|s| s == k.shop))
            .filter_map(|k| k.date);
        let (mut lo, mut hi) = (None::<NaiveDate>, None::<NaiveDate>);
        for d in dates {
            lo = Some(lo.map_or(d, |x| x.min(d)));
            hi = Some(hi.map_or(d, |x| x.max(d)));
        }
        Some((lo?, hi?))
    }
}

/// Reads and writes manifest versions under `<lake>/_manifest`.
pub(crate) struct ManifestStore {
    dir: PathBuf,
}

impl ManifestStore {
    pub(crate) fn new(lake_root: &Path) -> Self {
        ManifestStore {
            dir: lake_root.join("_manifest"),
        }
    }

    fn current_path(&self) -> PathBuf {
        self.dir.join("CURRENT")
    }

    /// The file name `CURRENT` points to; `None` for a new lake.
    pub(crate) fn current_name(&self) -> Result<Option<String>, LakeError> {
        let cur = self.current_path();
        if !cur.exists() {
            return Ok(None);
        }
        let name = fs::read_to_string(&cur).map_err(|e| LakeError::io(&cur, e))?;
        Ok(Some(name.trim().to_string()))
    }

    /// The manifest version file `name` (from [`ManifestStore::current_name`]); an empty
    /// version 0 for a new lake.
    pub(crate) fn load_named(&self, name: Option<&str>) -> Result<Manifest, LakeError> {
        let Some(name) = name else {
            return Ok(Manifest::default());
        };
        let path = self.dir.join(name);
        let text = fs::read_to_string(&path).map_err(|e| LakeError::io(&path, e))?;
        serde_json::from_str(&text)
            .map_err(|e| LakeError::Corrupt(format!("{}: {e}", path.display())))
    }

    /// Writes `m` as a new version and makes it live atomically.
    pub(crate) fn publish(&self, m: &Manifest) -> Result<(), LakeError> {
        fs::create_dir_all(&self.dir).map_err(|e| LakeError::io(&self.dir, e))?;
        let name = format!("v{:010}.json", m.version);
        let body = serde_json::to_vec(m).map_err(|e| LakeError::Corrupt(e.to_string()))?;
        write_durable(&self.dir.join(&name), &body)?;
        write_durable(&self.current_path(), name.as_bytes())
    }
}

/// Writes `bytes` to `path` through a temporary file, fsync and rename.
pub(crate) fn write_durable(path: &Path, bytes: &[u8]) -> Result<(), LakeError> {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
    let mut f = fs::File::create(&tmp).map_err(|e| LakeError::io(&tmp, e))?;
    f.write_all(bytes).map_err(|e| LakeError::io(&tmp, e))?;
    f.sync_all().map_err(|e| LakeError::io(&tmp, e))?;
    drop(f);
    fs::rename(&tmp, path).map_err(|e| LakeError::io(path, e))?;
    if let Some(dir) = path.parent() {
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_file_of_an_imported_length_may_be_a_reimport() {
        let mut m = Manifest::default();
        assert!(!m.may_have_source_of(10), "an empty lake holds no source");
        m.sources.insert("a".into(), "a.csv".into());
        m.source_bytes.insert("a".into(), 10);
        assert!(m.may_have_source_of(10));
        assert!(!m.may_have_source_of(11));
        // A source recorded before lengths were kept may have any length.
        m.sources.insert("b".into(), "b.csv".into());
        assert!(m.may_have_source_of(11));
    }
}
