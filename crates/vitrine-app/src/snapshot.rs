//! One lake version, one engine and one state handle for one shop and day: what a review or
//! a request reads, so an import that commits meanwhile cannot mix two versions into it.

use std::sync::Arc;

use chrono::NaiveDate;
use vitrine_lake::{Engine, Manifest, State};

use crate::workspace::{resolve, Workspace};
use crate::AppError;

/// A shop and day over one lake version.
#[derive(Clone)]
pub struct Snapshot {
    pub shop: String,
    pub date: NaiveDate,
    engine: Engine,
    ws: Workspace,
}

impl Snapshot {
    pub(crate) fn new(ws: Workspace, shop: String, date: NaiveDate, engine: Engine) -> Snapshot {
        Snapshot {
            shop,
            date,
            engine,
            ws,
        }
    }

    /// The engine over this snapshot's lake version.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The manifest (lake version) this snapshot reads.
    pub fn manifest(&self) -> &Manifest {
        self.engine.manifest()
    }

    /// The lake version this snapshot reads.
    pub fn version(&self) -> u64 {
        self.manifest().version
    }

    /// The workspace it was taken from (configuration and settings).
    pub fn workspace(&self) -> &Workspace {
        &self.ws
    }

    /// The state database.
    pub async fn state(&self) -> Result<&State, AppError> {
        self.ws.state().await
    }

    /// A `[thresholds]` setting of this shop.
    pub fn threshold(&self, key: &str) -> f64 {
        self.ws.config.threshold(key, Some(&self.shop))
    }

    /// The first day any source of headline GMV covers for this shop in this version.
    pub fn first_date(&self) -> Option<NaiveDate> {
        self.ws
            .shops_of(self.manifest())
            .iter()
            .find(|s| s.shop == self.shop)
            .and_then(|s| s.first_date)
    }
}

impl Workspace {
    /// One lake version for one shop and day (default: the first shop, its last day): every
    /// read of a review or a request goes through it, so a commit in between is not seen.
    pub fn snapshot(
        &self,
        shop: Option<&str>,
        date: Option<NaiveDate>,
    ) -> Result<Snapshot, AppError> {
        let manifest = self.lake.manifest_shared()?;
        let (shop, date) = resolve(&self.lake, &self.shops_of(&manifest), shop, date)?;
        let engine = Engine::at(&self.lake, Arc::clone(&manifest))?;
        Ok(Snapshot::new(self.clone(), shop, date, engine))
    }
}
