//! The lake: Parquet files per table, shop and day, made visible by atomic manifest commits;
//! the DataFusion engine over them; and the state database.

mod buyer_ids;
mod buyers;
mod commit;
mod daily;
mod engine;
mod manifest;
mod paid;
mod state;
mod summary;
mod users;

use std::path::{Path, PathBuf};

pub use buyers::BuyerList;
pub use commit::Commit;
pub use engine::{Engine, QueryOutput};
pub use manifest::{FileEntry, Manifest, PartitionKey};
pub use state::{
    redact, scratch_database, shanghai_now, utc_stamp, AlertRecord, AlertStatus, Backend,
    BidChangeRecord, BidLogEntry, ExperimentArm, ExperimentRecord, Grant, Role, State, UserRecord,
};
pub use summary::{customer_summary, CustomerSummary, SummarySpec};
pub use users::UserTags;

/// Errors from the lake, the engine and the state database.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("lake is corrupt: {0}")]
    Corrupt(String),
    #[error("the lake at {0} is empty: import the shop's exports (or simulate a shop) first")]
    Empty(String),
    /// A query our own code refused or could not read back.
    #[error("query failed: {0}")]
    Query(String),
    /// The engine failed; the DataFusion error is kept as the source.
    #[error("query failed")]
    Engine(#[source] Box<datafusion::error::DataFusionError>),
    /// Arrow failed reading or converting a result.
    #[error("query failed")]
    Arrow(#[source] Box<datafusion::arrow::error::ArrowError>),
    /// The state database refused a request our code made (no such row, a duplicate name).
    #[error("state database: {0}")]
    State(String),
    /// The state database failed; the driver's error is kept as the source.
    #[error("state database")]
    Database(#[source] sqlx::Error),
    /// The state database could not be opened.
    #[error("cannot open the state database {url}")]
    Open {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    /// The state database could not be brought to the current schema.
    #[error("state database migration")]
    Migration(#[source] sqlx::migrate::MigrateError),
    /// A stored value could not be read back.
    #[error("state database holds an unreadable {what}")]
    Stored {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error(transparent)]
    Core(#[from] vitrine_core::CoreError),
}

impl LakeError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        LakeError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

impl From<datafusion::arrow::error::ArrowError> for LakeError {
    fn from(e: datafusion::arrow::error::ArrowError) -> Self {
        LakeError::Arrow(Box::new(e))
    }
}

impl From<datafusion::error::DataFusionError> for LakeError {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        LakeError::Engine(Box::new(e))
    }
}

/// A data directory: `lake/` (Parquet + manifests) and `state.db`.
#[derive(Debug, Clone)]
pub struct Lake {
    root: PathBuf,
    /// The last manifest read, by the name `CURRENT` pointed to: a server answering many
    /// requests re-reads only the small pointer file until a commit moves it.
    cached: std::sync::Arc<std::sync::Mutex<Option<(String, std::sync::Arc<Manifest>)>>>,
}

impl Lake {
    /// Opens (or prepares) the lake inside `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Lake, LakeError> {
        let root = data_dir.join("lake");
        std::fs::create_dir_all(&root).map_err(|e| LakeError::io(&root, e))?;
        Ok(Lake {
            root,
            cached: Default::default(),
        })
    }

    /// The lake's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where derived data that can always be rebuilt from the lake is kept (`<data>/cache`).
    pub fn cache_dir(&self) -> PathBuf {
        self.root.parent().unwrap_or(&self.root).join("cache")
    }

    /// `<data>/cache/<kind>/<shop as hex>`: a path of a shop's derived data that any shop id
    /// makes safe.
    pub fn shop_cache(&self, kind: &str, shop: &str) -> PathBuf {
        let name: String = shop.bytes().map(|b| format!("{b:02x}")).collect();
        self.cache_dir().join(kind).join(name)
    }

    /// The live manifest.
    pub fn manifest(&self) -> Result<Manifest, LakeError> {
        Ok(self.manifest_shared()?.as_ref().clone())
    }

    /// The live manifest, shared: parsed once per version.
    pub fn manifest_shared(&self) -> Result<std::sync::Arc<Manifest>, LakeError> {
        let store = manifest::ManifestStore::new(&self.root);
        let name = store.current_name()?;
        let hit = self.cached.lock().ok().and_then(|c| {
            c.as_ref()
                .filter(|(n, _)| Some(n) == name.as_ref())
                .map(|(_, m)| m.clone())
        });
        if let Some(m) = hit {
            return Ok(m);
        }
        let m = std::sync::Arc::new(store.load_named(name.as_deref())?);
        if let (Ok(mut c), Some(n)) = (self.cached.lock(), name) {
            *c = Some((n, m.clone()));
        }
        Ok(m)
    }

    /// Whether a source file with this content hash has been imported into the live version.
    pub fn has_source(&self, hash: &str) -> Result<bool, LakeError> {
        Ok(self.manifest()?.sources.contains_key(hash))
    }

    /// Whether a source file of this length may have been imported already
    /// ([`Manifest::may_have_source_of`]).
    pub fn may_have_source_of(&self, bytes: u64) -> Result<bool, LakeError> {
        Ok(self.manifest()?.may_have_source_of(bytes))
    }

    /// Starts a commit; nothing it writes is visible until [`Commit::finish`].
    pub fn begin(&self) -> Result<Commit, LakeError> {
        let lock = commit::CommitLock::acquire(&self.root)?;
        Commit::new(self.root.clone(), self.manifest()?, lock)
    }

    /// Deletes Parquet files no live manifest references (left by aborted commits) and
    /// manifest versions older than the live one. Returns the number of files removed.
    pub fn vacuum(&self) -> Result<usize, LakeError> {
        // Under the commit lock: an open commit's files are not in any manifest yet.
        let _lock = commit::CommitLock::acquire(&self.root)?;
        commit::vacuum(&self.root, &self.manifest()?)
    }
}

/// Runs file reads and folds of millions of rows on a blocking thread, so the runtime's
/// workers keep running queries meanwhile; a panic in `f` is re-raised here.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, LakeError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        LakeError::Query(format!("a file task of the engine stopped: {e}"))
    })
}
