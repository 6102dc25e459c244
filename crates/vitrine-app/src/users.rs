//! The users service: features from the lake, segmentation and cohorts from the analyses.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};
use vitrine_analytics::users::{
    cohorts, digest_from, interaction, segment, segment_top, CohortMatrix, RfmCuts, Segmented,
    UserFeatures, UserSettings, UsersDigest, ValueFit,
};
use vitrine_core::Table;
use vitrine_lake::UserTags;

use crate::{AppError, Snapshot, Workspace};

impl Snapshot {
    /// Every buyer of the shop segmented as of the snapshot's day.
    pub async fn users(&self, cuts: &RfmCuts) -> Result<Segmented, AppError> {
        let users = self.buyers().await?;
        Ok(segment(&users, self.date, &self.user_settings(), cuts))
    }

    /// The user list's first `limit` users (recall candidates first, then by value index,
    /// then by id) with the sizes of every buyer: ranked from the buyer summary the review
    /// keeps, with the tags looked up for the listed users only.
    pub async fn top_users(&self, cuts: &RfmCuts, limit: usize) -> Result<Segmented, AppError> {
        let engine = self.engine();
        let list = engine.buyer_list(&self.shop, self.date).await?;
        if list.purchases.is_empty() {
            return Err(self.no_buyers());
        }
        let (date, settings, cuts) = (self.date, self.user_settings(), cuts.clone());
        // Seconds of CPU at scale: on a blocking thread.
        let mut seg = tokio::task::spawn_blocking(move || {
            segment_top(
                &list.purchases,
                |i| list.id(i),
                date,
                &settings,
                &cuts,
                limit,
            )
        })
        .await
        .map_err(crate::review::blocking_failed)?;
        let ids: Vec<String> = seg.users.iter().map(|u| u.user_id.clone()).collect();
        let tags: std::collections::HashMap<String, UserTags> = engine
            .user_tags(&self.shop, self.date, &ids)
            .await?
            .into_iter()
            .map(|t| (t.user_id.clone(), t))
            .collect();
        for u in &mut seg.users {
            if let Some(t) = tags.get(&u.user_id) {
                u.interest = t.top_category.clone();
                u.member_tier = t.member_tier.clone();
                u.interaction = interaction(t.comments);
            }
        }
        Ok(seg)
    }

    /// Every buyer's purchase features up to the day; not found when there is none.
    async fn buyers(&self) -> Result<Vec<UserFeatures>, AppError> {
        let users = self.engine().user_features(&self.shop, self.date).await?;
        self.some_buyers(users)
    }

    /// `buyers` as they are, or not found when the shop has none up to the day.
    fn some_buyers<T>(&self, buyers: Vec<T>) -> Result<Vec<T>, AppError> {
        if buyers.is_empty() {
            return Err(self.no_buyers());
        }
        Ok(buyers)
    }

    fn no_buyers(&self) -> AppError {
        AppError::NotFound(format!(
            "shop {} has no orders up to {}",
            self.shop, self.date
        ))
    }

    fn user_settings(&self) -> UserSettings {
        UserSettings::from_config(&self.workspace().config, Some(&self.shop))
    }

    /// The review's part of [`Snapshot::users`], kept in `<data>/cache/users/` under a key
    /// of everything it depends on: the shop, the day, the user settings and the lake files
    /// of its orders, members and comments up to the day. A review of the same data
    /// (another process, the web after a restart) reads it instead of segmenting millions of
    /// buyers again; any new file or setting makes a new key.
    pub async fn users_digest(&self) -> Result<UsersDigest, AppError> {
        let path = self.digest_path();
        if let Some(d) = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<UsersDigest>(&b).ok())
        {
            return Ok(d);
        }
        let buyers = crate::review::timed(
            "users: buyer summary",
            self.engine().purchases(&self.shop, self.date),
        )
        .await?;
        let fit_path = self.fit_path();
        let start: Option<ValueFit> = std::fs::read(&fit_path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        let (buyers, date, settings) = (self.some_buyers(buyers)?, self.date, self.user_settings());
        // Seconds of CPU: on a blocking thread, so the engine's queries keep the workers.
        let digest = tokio::task::spawn_blocking(move || {
            digest_from(&buyers, date, &settings, start.as_ref())
        });
        let digest = crate::review::timed("users: segments and CLV", digest)
            .await
            .map_err(crate::review::blocking_failed)?;
        // Caches: failing to keep them costs the next review time, not correctness.
        let _ = keep(&path, &digest);
        if let Some(fit) = &digest.fit {
            let _ = keep(&fit_path, fit);
        }
        Ok(digest)
    }

    /// Where the shop's last CLV fit is kept, to start the next one from.
    fn fit_path(&self) -> PathBuf {
        self.workspace()
            .lake
            .shop_cache("fits", &self.shop)
            .with_extension("json")
    }

    fn digest_path(&self) -> PathBuf {
        let settings = self.user_settings();
        let mut h = Sha256::new();
        h.update(format!("{}\n{}\n", self.shop, self.date));
        h.update(serde_json::to_vec(&settings).unwrap_or_default());
        for t in [Table::Orders, Table::Users, Table::Comments] {
            let upto = (NaiveDate::MIN, self.date);
            for f in self
                .manifest()
                .files(t.name(), Some(&self.shop), Some(upto))
            {
                h.update(format!("{} {}\n", f.path, f.rows));
            }
        }
        let key: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        self.workspace()
            .lake
            .cache_dir()
            .join("users")
            .join(format!("{key}.json"))
    }

    /// Cohort retention and repurchase by first-purchase month and by acquisition source.
    pub async fn cohorts(&self) -> Result<[CohortMatrix; 2], AppError> {
        let date = self.date;
        let rows = self.engine().cohort_rows(&self.shop, date).await?;
        let last = date.year() * 12 + date.month0() as i32;
        Ok(cohorts(&rows, last))
    }
}

impl Workspace {
    /// Every buyer of a shop segmented as of `date` (default: the shop's last day).
    pub async fn users(
        &self,
        shop: Option<&str>,
        date: Option<NaiveDate>,
        cuts: &RfmCuts,
    ) -> Result<Segmented, AppError> {
        self.snapshot(shop, date)?.users(cuts).await
    }

    /// Cohort retention and repurchase by first-purchase month and by acquisition source.
    pub async fn cohorts(
        &self,
        shop: Option<&str>,
        date: Option<NaiveDate>,
    ) -> Result<[CohortMatrix; 2], AppError> {
        self.snapshot(shop, date)?.cohorts().await
    }
}

/// Writes `value` as JSON to `path` whole or not at all (a temporary file renamed into
/// place).
fn keep<T: serde::Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    std::fs::write(&tmp, serde_json::to_vec(value)?)?;
    std::fs::rename(&tmp, path)
}

/// Parses four ascending RFM cut points, e.g. `30,60,90,180` (the argument `name` is for the
/// error message).
pub fn parse_cuts(name: &str, text: &str) -> Result<[f64; 4], AppError> {
    let v: Vec<f64> = text
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| AppError::BadRequest(format!("{name}: `{text}` is not four numbers")))?;
    match <[f64; 4]>::try_from(v) {
        Ok(c) if c.windows(2).all(|w| w[0] < w[1]) => Ok(c),
        _ => Err(AppError::BadRequest(format!(
            "{name}: give four ascending cut points, got `{text}`"
        ))),
    }
}

/// RFM cut points from optional `a,b,c,d` strings (recency, frequency, monetary); a missing
/// one keeps quintiles.
pub fn parse_rfm_cuts(
    r: Option<&str>,
    f: Option<&str>,
    m: Option<&str>,
) -> Result<RfmCuts, AppError> {
    let parse = |name: &str, v: Option<&str>| v.map(|t| parse_cuts(name, t)).transpose();
    Ok(RfmCuts {
        recency_days: parse("r_cuts", r)?,
        frequency: parse("f_cuts", f)?,
        monetary: parse("m_cuts", m)?,
    })
}
