//! The daily review assembled from one snapshot — the analyses' review plus lineage,
//! missing sources, experiments, users and paid traffic — and the cache that serves it.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::NaiveDate;
use vitrine_analytics::review::{actions, Inputs};
use vitrine_analytics::{Review, ReviewRequest};
use vitrine_core::config::{Group, Scope};
use vitrine_core::{Lang, Table};

use crate::review_cache::CachedReview;
use crate::{AppError, Snapshot, Workspace};

/// How long a cached review is served before it is rebuilt, so changes made by other
/// processes (the CLI, a scheduled review) show up without a restart.
pub const REVIEW_TTL: Duration = Duration::from_secs(60);

impl Snapshot {
    /// The review of this snapshot's shop and day: every section reads this snapshot.
    pub async fn review(&self, lang: Lang) -> Result<Review, AppError> {
        let (shop, date) = (self.shop.clone(), self.date);
        // The users and paid-traffic parts read other tables than the monitored metrics and
        // spend most of their time in model fits: they run beside them, on other threads.
        let users = self.beside(|s| timed("users", async move { s.users_digest().await }));
        let bids =
            self.beside(|s| timed("paid traffic", async move { s.bids_report(false).await }));
        let mut review = timed("metrics and rules", self.monitored(lang)).await?;
        review.experiments = timed("experiments", self.experiment_verdicts()).await?;
        // A shop without orders simply has no user section, one without paid plans no
        // paid-traffic section; any other failure fails the review rather than hiding it.
        let users = absent_if_not_found(joined(users).await)?;
        review.paid_traffic =
            absent_if_not_found(joined(bids).await)?.filter(|b| b.overview.plans > 0);
        // Bid moves and the recall list are among today's actions, ranked with the rest.
        if let Some(b) = &review.paid_traffic {
            review.actions.extend(actions::from_bids(b, lang));
        }
        if let Some(u) = &users {
            let config = &self.workspace().config;
            let response = config.num(Group::Users, "recall_response", Scope::shop(&shop));
            review
                .actions
                .extend(actions::recall(u, response, date, lang));
        }
        actions::rank(&mut review.actions);
        review.users = users.map(|u| u.sizes);
        Ok(review)
    }

    /// The review's metrics, targets, alerts (with root causes) and alert actions, without
    /// the experiments, users and paid-traffic sections: what a backfill of many days needs.
    pub async fn monitored(&self, lang: Lang) -> Result<Review, AppError> {
        let (shop, date) = (self.shop.clone(), self.date);
        let req = ReviewRequest {
            shop: shop.clone(),
            date,
            lang,
        };
        let answers = timed(
            "metrics: SQL",
            self.engine().metrics(&req.queries().into_vec()),
        )
        .await?;
        let inputs = Inputs::from_vec(answers)?;
        let stored: Vec<(String, String, f64)> = self
            .state()
            .await?
            .targets(&shop)
            .await?
            .into_iter()
            .filter(|t| t.1.is_empty())
            .map(|t| (t.0, t.2, t.3))
            .collect();
        let config = &self.workspace().config;
        let mut review = timed("rules", async { req.build(config, &inputs, &stored) }).await?;
        let manifest = self.manifest();
        let held: BTreeSet<&str> = manifest
            .partitions
            .keys()
            .filter(|k| k.shop == shop)
            .map(|k| k.table.as_str())
            .collect();
        let present: Vec<Table> = held.iter().filter_map(|t| Table::from_name(t)).collect();
        review.missing_sources = vitrine_analytics::sources::missing(&present, lang);
        for k in &mut review.kpis {
            for t in &k.sources {
                k.lineage
                    .extend(manifest.lineage_of(t, &shop, Some(date)).iter().cloned());
            }
        }
        Ok(review)
    }
}

impl Snapshot {
    /// Starts `part` of this snapshot's review on the runtime, to be [`joined`] later.
    fn beside<T, F, Fut>(&self, part: F) -> tokio::task::JoinHandle<Result<T, AppError>>
    where
        F: FnOnce(Snapshot) -> Fut,
        Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
        T: Send + 'static,
    {
        tokio::spawn(part(self.clone()))
    }
}

/// `part`, with its wall time logged at debug level (`VITRINE_LOG=vitrine_app=debug`): what a
/// slow review spent its time on.
pub(crate) async fn timed<T>(section: &str, part: impl std::future::Future<Output = T>) -> T {
    let clock = Instant::now();
    let out = part.await;
    tracing::debug!(
        section,
        seconds = clock.elapsed().as_secs_f64(),
        "review section built"
    );
    out
}

/// The result of a part started with [`Snapshot::beside`]; a panic in it is re-raised here.
async fn joined<T>(h: tokio::task::JoinHandle<Result<T, AppError>>) -> Result<T, AppError> {
    match h.await {
        Ok(r) => r,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(AppError::Cancelled(e)),
    }
}

/// The error of a blocking part that did not finish; a panic in it is re-raised here.
pub(crate) fn blocking_failed(e: tokio::task::JoinError) -> AppError {
    if e.is_panic() {
        std::panic::resume_unwind(e.into_panic());
    }
    AppError::Cancelled(e)
}

/// `Ok(None)` for a section with nothing to show, the error for anything else.
fn absent_if_not_found<T>(r: Result<T, AppError>) -> Result<Option<T>, AppError> {
    match r {
        Ok(x) => Ok(Some(x)),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

impl Workspace {
    /// Builds the review of one shop and day from one snapshot.
    pub async fn review(
        &self,
        shop: Option<&str>,
        date: Option<NaiveDate>,
        lang: Lang,
    ) -> Result<Review, AppError> {
        self.snapshot(shop, date)?.review(lang).await
    }

    /// [`Workspace::review`], served from a cache while the lake version is unchanged, for
    /// at most [`REVIEW_TTL`]; writes through this workspace clear it.
    pub async fn review_cached(
        &self,
        shop: Option<&str>,
        date: Option<NaiveDate>,
        lang: Lang,
    ) -> Result<Arc<Review>, AppError> {
        Ok(self.cached(shop, date, lang).await?.review)
    }

    /// The cached review as JSON, serialised once per build: what the API sends.
    pub async fn review_json(
        &self,
        shop: Option<&str>,
        date: Option<NaiveDate>,
        lang: Lang,
    ) -> Result<Bytes, AppError> {
        let c = self.cached(shop, date, lang).await?;
        if let Some(j) = c.json.get() {
            return Ok(j.clone());
        }
        let bytes = serde_json::to_vec(&*c.review)
            .map(Bytes::from)
            .map_err(|e| AppError::BadRequest(format!("cannot serialise the review: {e}")))?;
        Ok(c.json.get_or_init(|| bytes).clone())
    }

    /// Builds the latest day's review of every shop into the cache, one shop at a time (in
    /// the default language): a server does this when it starts and after an import, so the
    /// first reader of the day finds it built, or waits only for the build under way. A
    /// shop that cannot be reviewed is left for its reader's request to report.
    pub async fn warm_reviews(&self) {
        let Ok(shops) = self.shops() else {
            return;
        };
        for s in shops {
            if let Err(e) = self.review_json(Some(&s.shop), None, Lang::default()).await {
                tracing::warn!(shop = %s.shop, "the review was not prepared ahead: {e}");
            }
        }
    }

    /// The shops and days whose review is cached for the live lake version.
    pub fn kept_reviews(&self) -> Vec<(String, NaiveDate)> {
        let version = self.lake.manifest_shared().map_or(0, |m| m.version);
        let mut kept: Vec<(String, NaiveDate)> = self
            .reviews
            .built
            .lock()
            .map(|c| {
                c.iter()
                    .filter(|(_, e)| e.lake_version == version)
                    .map(|(k, _)| (k.0.clone(), k.1))
                    .collect()
            })
            .unwrap_or_default();
        kept.sort();
        kept
    }

    /// Forgets cached reviews after a write that changes what they show.
    pub fn invalidate_reviews(&self) {
        self.reviews.generation.fetch_add(1, Ordering::SeqCst);
    }

    async fn cached(
        &self,
        shop: Option<&str>,
        date: Option<NaiveDate>,
        lang: Lang,
    ) -> Result<CachedReview, AppError> {
        let snap = self.snapshot(shop, date)?;
        let cache = &self.reviews;
        let key = (snap.shop.clone(), snap.date, lang);
        // A review built after the last write this request could have seen is good enough:
        // readers queued behind one build all take its result.
        let seen = cache.generation.load(Ordering::SeqCst);
        let version = snap.version();
        // A current entry; with `fresh`, also younger than the TTL.
        let hit = |fresh: bool| {
            cache.built.lock().ok().and_then(|c| {
                c.get(&key)
                    .filter(|e| {
                        e.lake_version == version
                            && e.generation >= seen
                            && (!fresh || e.built.elapsed() < REVIEW_TTL)
                    })
                    .cloned()
            })
        };
        if let Some(entry) = hit(true) {
            return Ok(entry);
        }
        let lock = cache
            .building
            .lock()
            .map(|mut b| Arc::clone(b.entry(key.clone()).or_default()))
            .unwrap_or_default();
        // Past its TTL only (same lake version, no write since): one request rebuilds while
        // the others keep getting the old entry instead of queueing behind the rebuild.
        let _one_build = match lock.try_lock() {
            Ok(guard) => guard,
            Err(_) => match hit(false) {
                Some(stale) => return Ok(stale),
                None => lock.lock().await,
            },
        };
        if let Some(entry) = hit(true) {
            return Ok(entry);
        }
        let generation = cache.generation.load(Ordering::SeqCst);
        let entry = CachedReview {
            lake_version: version,
            generation,
            built: Instant::now(),
            review: Arc::new(snap.review(lang).await?),
            json: Default::default(),
        };
        if let Ok(mut c) = cache.built.lock() {
            c.retain(|_, e| e.built.elapsed() < REVIEW_TTL);
            if c.get(&key).is_none_or(|e| e.generation <= generation) {
                c.insert(key, entry.clone());
            }
        }
        if let Ok(mut b) = cache.building.lock() {
            b.retain(|_, l| Arc::strong_count(l) > 1);
        }
        Ok(entry)
    }
}
