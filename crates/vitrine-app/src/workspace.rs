//! A data directory opened for reading and reviewing: the lake, the configuration and the
//! state database, shared by the CLI and the web server.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use vitrine_core::config::Config;
use vitrine_core::{MetricQuery, MetricTable, Table};
use vitrine_lake::{Engine, Lake, Manifest, State};

use crate::answer_cache::AnswerCache;
use crate::review_cache::ReviewCache;
use crate::AppError;

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
    state: Arc<tokio::sync::OnceCell<State>>,
    /// Reviews already built; see [`Workspace::review_cached`].
    pub(crate) reviews: Arc<ReviewCache>,
    pub(crate) answers: Arc<AnswerCache>,
    /// The shops of the lake version last asked about: every request resolves its shop and
    /// day, and scanning the manifest's partitions for them cost more than a kept answer.
    shop_index: Arc<std::sync::Mutex<Option<(u64, Arc<Vec<ShopInfo>>)>>>,
}

/// A shop in the lake with the dates it has data for.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ShopInfo {
    pub shop: String,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
}

impl Workspace {
    /// Opens `data_dir`, reading `vitrine.toml` inside it if present; the state database is
    /// `<data_dir>/state.db`.
    pub fn open(data_dir: &Path) -> Result<Workspace, AppError> {
        let lake = Lake::open(data_dir)?;
        let config = Config::load(&data_dir.join("vitrine.toml"))?;
        Ok(Workspace {
            data_dir: data_dir.to_path_buf(),
            lake,
            config,
            database_url: None,
            state: Default::default(),
            reviews: Default::default(),
            answers: Default::default(),
            shop_index: Default::default(),
        })
    }

    /// [`Workspace::open`] with the state database at `url` (`sqlite:…` or
    /// `postgres://…`) instead of the data directory.
    pub fn open_with(data_dir: &Path, url: Option<String>) -> Result<Workspace, AppError> {
        let mut ws = Workspace::open(data_dir)?;
        ws.database_url = url.filter(|u| !u.is_empty());
        Ok(ws)
    }

    /// The state database of this data directory.
    pub async fn state(&self) -> Result<&State, AppError> {
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

    /// An engine over the live lake version, for ad-hoc SQL.
    pub fn engine(&self) -> Result<Engine, AppError> {
        Ok(Engine::new(&self.lake)?)
    }

    /// Shops with their date ranges (the days any source of headline GMV covers).
    pub fn shops(&self) -> Result<Vec<ShopInfo>, AppError> {
        let m = self.lake.manifest_shared()?;
        Ok(self.shops_of(&m).to_vec())
    }

    /// [`shops`] of `m`, worked out once per lake version.
    pub(crate) fn shops_of(&self, m: &Manifest) -> Arc<Vec<ShopInfo>> {
        let kept = self.shop_index.lock().ok().and_then(|k| {
            k.as_ref()
                .filter(|(version, _)| *version == m.version)
                .map(|(_, s)| Arc::clone(s))
        });
        if let Some(s) = kept {
            return s;
        }
        let s = Arc::new(shops(m));
        if let Ok(mut k) = self.shop_index.lock() {
            *k = Some((m.version, Arc::clone(&s)));
        }
        s
    }

    /// Resolves an optional shop and date to concrete ones, checking both exist.
    pub fn resolve(
        &self,
        shop: Option<&str>,
        date: Option<NaiveDate>,
    ) -> Result<(String, NaiveDate), AppError> {
        let m = self.lake.manifest_shared()?;
        resolve(&self.lake, &self.shops_of(&m), shop, date)
    }

    /// Answers one metric query over the live version.
    pub async fn metric(&self, q: &MetricQuery) -> Result<MetricTable, AppError> {
        Ok(self.engine()?.metric(q).await?)
    }
}

/// Shops of one manifest with the days any source of headline GMV covers: 交易分析, orders,
/// products.
pub(crate) fn shops(m: &Manifest) -> Vec<ShopInfo> {
    m.shops()
        .into_iter()
        .map(|s| {
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
        .collect()
}

/// The shop asked for (default: the first) among `shops`, and the day (default: its last).
pub(crate) fn resolve(
    lake: &Lake,
    shops: &[ShopInfo],
    shop: Option<&str>,
    date: Option<NaiveDate>,
) -> Result<(String, NaiveDate), AppError> {
    if shops.is_empty() {
        return Err(AppError::NotFound(format!(
            "the lake at {} is empty: import the shop's exports (or simulate a shop) first",
            lake.root().display()
        )));
    }
    let info = match shop {
        Some(s) => shops.iter().find(|i| i.shop == s).ok_or_else(|| {
            let known: Vec<&str> = shops.iter().map(|i| i.shop.as_str()).collect();
            AppError::NotFound(format!("unknown shop `{s}` (known: {})", known.join(", ")))
        })?,
        None => &shops[0],
    };
    let (Some(first), Some(last)) = (info.first_date, info.last_date) else {
        return Err(AppError::NotFound(format!(
            "shop {} has no daily data",
            info.shop
        )));
    };
    let date = date.unwrap_or(last);
    if date < first || date > last {
        return Err(AppError::NotFound(format!(
            "no data for {date}: shop {} has data from {first} to {last}",
            info.shop
        )));
    }
    Ok((info.shop.clone(), date))
}
