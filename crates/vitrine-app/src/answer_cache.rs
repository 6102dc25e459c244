//! Answers of the read endpoints other than the review (users, paid traffic, metrics), kept
//! as JSON per lake version and write generation for at most [`REVIEW_TTL`], with one build
//! per key at a time: a hundred readers of the same page cost one build, not a hundred.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use serde::Serialize;

use crate::review::REVIEW_TTL;
use crate::{AppError, Snapshot, Workspace};

/// Answers kept at most; the oldest go first (metric queries can have many shapes).
const MAX_ANSWERS: usize = 256;

#[derive(Default)]
pub(crate) struct AnswerCache {
    built: Mutex<HashMap<String, Kept>>,
    building: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

#[derive(Clone)]
struct Kept {
    lake_version: u64,
    generation: u64,
    built: Instant,
    json: Bytes,
}

impl Workspace {
    /// The answer `build` gives on `snap`, as JSON, under `key` (which must name everything
    /// the answer depends on besides the lake version and the state: shop, day, parameters).
    /// Built once per lake version and write generation, and kept for [`REVIEW_TTL`].
    pub async fn answer_json<T, F, Fut>(
        &self,
        key: String,
        snap: Snapshot,
        build: F,
    ) -> Result<Bytes, AppError>
    where
        T: Serialize,
        F: FnOnce(Snapshot) -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let cache = &self.answers;
        let seen = self.reviews.generation.load(Ordering::SeqCst);
        let version = snap.version();
        let hit = || {
            cache.built.lock().ok().and_then(|c| {
                c.get(&key)
                    .filter(|e| {
                        e.lake_version == version
                            && e.generation >= seen
                            && e.built.elapsed() < REVIEW_TTL
                    })
                    .map(|e| e.json.clone())
            })
        };
        if let Some(json) = hit() {
            return Ok(json);
        }
        let lock = cache
            .building
            .lock()
            .map(|mut b| Arc::clone(b.entry(key.clone()).or_default()))
            .unwrap_or_default();
        let _one_build = lock.lock().await;
        if let Some(json) = hit() {
            return Ok(json);
        }
        let generation = self.reviews.generation.load(Ordering::SeqCst);
        let answer = build(snap).await?;
        let json = serde_json::to_vec(&answer)
            .map(Bytes::from)
            .map_err(|e| AppError::BadRequest(format!("cannot serialise the answer: {e}")))?;
        if let Ok(mut c) = cache.built.lock() {
            c.retain(|_, e| e.built.elapsed() < REVIEW_TTL);
            if c.len() >= MAX_ANSWERS {
                if let Some(oldest) = c
                    .iter()
                    .min_by_key(|(_, e)| e.built)
                    .map(|(k, _)| k.clone())
                {
                    c.remove(&oldest);
                }
            }
            c.insert(
                key,
                Kept {
                    lake_version: version,
                    generation,
                    built: Instant::now(),
                    json: json.clone(),
                },
            );
        }
        if let Ok(mut b) = cache.building.lock() {
            b.retain(|_, l| Arc::strong_count(l) > 1);
        }
        Ok(json)
    }
}
