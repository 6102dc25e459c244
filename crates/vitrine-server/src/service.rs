//! The review service: runs a review's queries on the engine and builds it. Shared by the
//! web server and the CLI so both show the same numbers.

use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate};
use vitrine_analytics::{AnalyticsError, Review, ReviewRequest};
use vitrine_core::config::Config;
use vitrine_core::{CoreError, Lang, MetricQuery, MetricTable, Table};
use vitrine_lake::{Engine, Lake, LakeError, State};

/// Errors a service call can end in, by what the caller did wrong.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request itself is wrong (unknown metric, date, shop…).
    #[error("{0}")]
    BadRequest(String),
    /// Nothing matches (empty lake, no data on that day).
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Lake(LakeError),
    #[error(transparent)]
    Analytics(AnalyticsError),
}

impl From<LakeError> for ServiceError {
    fn from(e: LakeError) -> Self {
        match e {
            LakeError::Empty(_) => ServiceError::NotFound(e.to_string()),
            LakeError::Core(CoreError::Invalid(m)) => ServiceError::BadRequest(m),
            other => ServiceError::Lake(other),
        }
    }
}

impl From<AnalyticsError> for ServiceError {
    fn from(e: AnalyticsError) -> Self {
        match e {
            AnalyticsError::NoData { .. } => ServiceError::NotFound(e.to_string()),
            other => ServiceError::Analytics(other),
        }
    }
}

impl From<CoreError> for ServiceError {
    fn from(e: CoreError) -> Self {
        ServiceError::BadRequest(e.to_string())
    }
}

/// A data directory opened for reading and reviewing.
#[derive(Clone)]
pub struct Workspace {
    pub data_dir: PathBuf,
    pub lake: Lake,
    pub config: Config,
    /// Where the state lives: `None` for `<data_dir>/state.db`, else a `sqlite:` or
    /// `postgres://` URL.
    pub database_url: Option<String>,
    /// The state database, opened (and migrated) once on first use and shared after.
    state: std::sync::Arc<tokio::sync::OnceCell<State>>,
    /// Reviews already built, by shop, day and language; see [`Workspace::review_cached`].
    reviews: std::sync::Arc<std::sync::Mutex<ReviewCache>>,
    /// One build at a time per review: concurrent misses wait for it instead of each
    /// building the same review (after a write, a hundred readers would otherwise).
    building: std::sync::Arc<std::sync::Mutex<BuildLocks>>,
    /// Bumped by every invalidation; a cached review built before a request's last seen
    /// invalidation is not served to it.
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

type BuildLocks =
    std::collections::HashMap<(String, NaiveDate, Lang), std::sync::Arc<tokio::sync::Mutex<()>>>;

/// Built reviews with the lake version and time they were built at.
type ReviewCache = std::collections::HashMap<(String, NaiveDate, Lang), CachedReview>;

#[derive(Clone)]
struct CachedReview {
    lake_version: u64,
    /// [`Workspace::invalidate_reviews`] count when its build started: it shows every write
    /// acknowledged before that.
    generation: u64,
    built: std::time::Instant,
    review: std::sync::Arc<Review>,
    /// The review serialised, filled by the first API request.
    json: std::sync::Arc<std::sync::OnceLock<axum::body::Bytes>>,
}

/// How long a cached review is served before it is rebuilt, so changes made by other
/// processes (the CLI, a scheduled review) show up without a restart.
pub const REVIEW_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// A shop in the lake with the dates it has data for.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ShopInfo {
    pub shop: String,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
}

impl Workspace {
    /// Opens `data_dir`, reading `vitrine.toml` inside it if present; the state database is
    /// `VITRINE_DATABASE_URL` when set, else `<data_dir>/state.db`.
    pub fn open(data_dir: &Path) -> Result<Workspace, ServiceError> {
        let lake = Lake::open(data_dir)?;
        let config = Config::load(&data_dir.join("vitrine.toml"))?;
        Ok(Workspace {
            data_dir: data_dir.to_path_buf(),
            lake,
            config,
            database_url: std::env::var("VITRINE_DATABASE_URL")
                .ok()
                .filter(|u| !u.is_empty()),
            state: Default::default(),
            reviews: Default::default(),
            building: Default::default(),
            generation: Default::default(),
        })
    }

    /// [`Workspace::open`] with the state database at `url` instead of the data directory.
    pub fn open_with(data_dir: &Path, url: Option<String>) -> Result<Workspace, ServiceError> {
        let mut ws = Workspace::open(data_dir)?;
        if let Some(u) = url.filter(|u| !u.is_empty()) {
            ws.database_url = Some(u);
        }
        Ok(ws)
    }

    /// The state database of this data directory.
    pub async fn state(&self) -> Result<&State, ServiceError> {
        Ok(self
            .state
            .get_or_try_init(|| async {
                match &self.database_url {
                    Some(url) => State::connect(url).await,
                    None => State::open(&self.data_dir).await,
                }
            })
            .await?)
    }

    /// An engine over the live lake version.
    pub fn engine(&self) -> Result<Engine, ServiceError> {
        Ok(Engine::new(&self.lake)?)
    }

    /// Shops with their date ranges (the days any source of headline GMV covers).
    pub fn shops(&self) -> Result<Vec<ShopInfo>, ServiceError> {
        let m = self.lake.manifest_shared()?;
        Ok(m.shops()
            .into_iter()
            .map(|s| {
                // The days any source of headline GMV covers: 交易分析, orders, products.
                let r = [Table::TradeDay, Table::Orders, Table::ProductDay]
                    .iter()
                    .filter_map(|t| m.date_range(t.name(), Some(&s)))
                    .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
                ShopInfo {
                    first_date: r.map(|x| x.0),
                    last_date: r.map(|x| x.1),
                    shop: s,
                }
            })
            .collect())
    }

    /// Resolves an optional shop and date to concrete ones, checking both exist.
    pub fn resolve(
        &self,
        shop: Option<&str>,
        date: Option<NaiveDate>,
    ) -> Result<(String, NaiveDate), ServiceError> {
        let shops = self.shops()?;
        if shops.is_empty() {
            return Err(ServiceError::NotFound(format!(
                "the lake at {} is empty: run `vitrine simulate` or `vitrine import` first",
                self.lake.root().display()
            )));
        }
        let info = match shop {
            Some(s) => shops.iter().find(|i| i.shop == s).ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "unknown shop `{s}` (known: {})",
                    shops
                        .iter()
                        .map(|i| i.shop.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?,
            None => &shops[0],
        };
        let (Some(first), Some(last)) = (info.first_date, info.last_date) else {
            return Err(ServiceError::NotFound(format!(
                "shop {} has no daily data",
                info.shop
            )));
        };
        let date = date.unwrap_or(last);
        if date < first || date > last {
            return Err(ServiceError::NotFound(format!(
                "no data for {date}: shop {} has data from {first} to {last}",
                info.shop
            )));
        }
        Ok((info.shop.clone(), date))
    }

    /// Builds the review of one shop and day.
    pub async fn review(
        &self,
        shop: Option<&str>,
        date: Option<NaiveDate>,
        lang: Lang,
    ) -> Result<Review, ServiceError> {
        let (shop, date) = self.resolve(shop, date)?;
        let req = ReviewRequest {
            shop: shop.clone(),
            date,
            lang,
        };
        let engine = self.engine()?;
        let results = engine.metrics(&req.queries()).await?;
        let state = self.state().await?;
        let stored: Vec<(String, String, f64)> = state
            .targets(&shop)
            .await?
            .into_iter()
            .filter(|t| t.1.is_empty())
            .map(|t| (t.0, t.2, t.3))
            .collect();
        let mut review = req.build(&self.config, &results, &stored)?;
        let manifest = self.lake.manifest_shared()?;
        let held: std::collections::BTreeSet<&str> = manifest
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
        review.experiments = self.experiment_verdicts(&shop, date).await?;
        // Segment sizes need enough buyers; a shop without orders simply has none.
        review.users = self
            .users(Some(&shop), Some(date), &Default::default())
            .await
            .ok()
            .map(|s| s.sizes);
        // A shop without paid plans simply has no paid-traffic section.
        review.paid_traffic = self
            .bids_report(Some(&shop), Some(date), false)
            .await
            .ok()
            .filter(|b| b.overview.plans > 0);
        Ok(review)
    }

    /// [`Workspace::review`], served from a cache while the lake version is unchanged, for
    /// at most [`REVIEW_TTL`]; writes through this workspace clear it.
    pub async fn review_cached(
        &self,
        shop: Option<&str>,
        date: Option<NaiveDate>,
        lang: Lang,
    ) -> Result<std::sync::Arc<Review>, ServiceError> {
        Ok(self.cached(shop, date, lang).await?.review)
    }

    /// The cached review as JSON, serialised once per build: what the API sends.
    pub async fn review_json(
        &self,
        shop: Option<&str>,
        date: Option<NaiveDate>,
        lang: Lang,
    ) -> Result<axum::body::Bytes, ServiceError> {
        let c = self.cached(shop, date, lang).await?;
        if let Some(j) = c.json.get() {
            return Ok(j.clone());
        }
        let bytes = serde_json::to_vec(&*c.review)
            .map(axum::body::Bytes::from)
            .map_err(|e| ServiceError::BadRequest(format!("cannot serialise the review: {e}")))?;
        Ok(c.json.get_or_init(|| bytes).clone())
    }

    async fn cached(
        &self,
        shop: Option<&str>,
        date: Option<NaiveDate>,
        lang: Lang,
    ) -> Result<CachedReview, ServiceError> {
        let (shop, date) = self.resolve(shop, date)?;
        let version = self.lake.manifest_shared()?.version;
        let key = (shop.clone(), date, lang);
        // A review built after the last write this request could have seen is good enough:
        // readers queued behind one build all take its result.
        let seen = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        let hit = || {
            self.reviews.lock().ok().and_then(|c| {
                c.get(&key)
                    .filter(|e| {
                        e.lake_version == version
                            && e.generation >= seen
                            && e.built.elapsed() < REVIEW_TTL
                    })
                    .cloned()
            })
        };
        if let Some(entry) = hit() {
            return Ok(entry);
        }
        let lock = self
            .building
            .lock()
            .map(|mut b| std::sync::Arc::clone(b.entry(key.clone()).or_default()))
            .unwrap_or_default();
        let _one_build = lock.lock().await;
        if let Some(entry) = hit() {
            return Ok(entry);
        }
        let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        let entry = CachedReview {
            lake_version: version,
            generation,
            built: std::time::Instant::now(),
            review: std::sync::Arc::new(self.review(Some(&shop), Some(date), lang).await?),
            json: Default::default(),
        };
        if let Ok(mut c) = self.reviews.lock() {
            c.retain(|_, e| e.built.elapsed() < REVIEW_TTL);
            if c.get(&key).is_none_or(|e| e.generation <= generation) {
                c.insert(key, entry.clone());
            }
        }
        if let Ok(mut b) = self.building.lock() {
            b.retain(|_, l| std::sync::Arc::strong_count(l) > 1);
        }
        Ok(entry)
    }

    /// Forgets cached reviews after a write that changes what they show.
    pub fn invalidate_reviews(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// Validates and stores a target: `period` is `year:YYYY` for additive metrics (the root
    /// of the GMV tree) or `default` for KPI targets.
    pub async fn set_target(
        &self,
        shop: &str,
        metric: &str,
        period: &str,
        value: f64,
    ) -> Result<(), ServiceError> {
        let bad = |m: String| Err(ServiceError::BadRequest(m));
        let Some(m) = vitrine_core::metric::metric(metric) else {
            return bad(format!("unknown metric `{metric}` (see `vitrine metrics`)"));
        };
        let valid = period == "default"
            || period
                .strip_prefix("year:")
                .is_some_and(|y| y.len() == 4 && y.parse::<i32>().is_ok());
        if !valid {
            return bad(format!("period must be `year:YYYY` (additive metrics such as gmv) or `default` (KPI targets), got `{period}`"));
        }
        if period.starts_with("year:") && !m.additive {
            return bad(format!("{metric} is a ratio: set it with period `default`"));
        }
        if !value.is_finite() || value < 0.0 {
            return bad(format!("value must be a non-negative number, got {value}"));
        }
        if shop.trim().is_empty() {
            return bad("shop must not be empty".into());
        }
        self.state()
            .await?
            .set_target(shop, m.id, "", period, value)
            .await?;
        Ok(())
    }

    /// Records a review's alerts in the state database (dedup by shop, rule, metric, scope).
    pub async fn record_alerts(&self, review: &Review) -> Result<usize, ServiceError> {
        let state = self.state().await?;
        for a in review.alerts.iter().chain(&review.standing) {
            let due =
                (chrono::Utc::now() + Duration::minutes((a.due_hours * 60.0) as i64)).to_rfc3339();
            let severity = serde_json::to_value(a.severity)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            state
                .raise_alert(
                    &review.shop,
                    &a.rule,
                    &a.metric,
                    &a.scope_id,
                    &severity,
                    &review.date,
                    &due,
                    &a.message,
                    &a.evidence.to_string(),
                )
                .await?;
        }
        Ok(review.alerts.len() + review.standing.len())
    }

    /// Answers one metric query.
    pub async fn metric(&self, q: &MetricQuery) -> Result<MetricTable, ServiceError> {
        Ok(self.engine()?.metric(q).await?)
    }
}
