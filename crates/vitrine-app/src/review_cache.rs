//! The cache of built reviews: by shop, day and language, with the lake version and the
//! write generation each was built at, and one build at a time per key.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use bytes::Bytes;
use chrono::NaiveDate;
use vitrine_analytics::Review;
use vitrine_core::Lang;

type Key = (String, NaiveDate, Lang);

/// Built reviews by shop, day and language, with one build at a time per key.
#[derive(Default)]
pub(crate) struct ReviewCache {
    pub(crate) built: Mutex<HashMap<Key, CachedReview>>,
    /// Concurrent misses wait for the one build instead of each building the same review
    /// (after a write, a hundred readers would otherwise).
    pub(crate) building: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
    /// Bumped by every invalidation; a review built before a request's last seen
    /// invalidation is not served to it.
    pub(crate) generation: AtomicU64,
}

#[derive(Clone)]
pub(crate) struct CachedReview {
    pub(crate) lake_version: u64,
    /// The invalidation count when its build started: it shows every write acknowledged
    /// before that.
    pub(crate) generation: u64,
    pub(crate) built: Instant,
    pub(crate) review: Arc<Review>,
    /// The review serialised, filled by the first API request.
    pub(crate) json: Arc<OnceLock<Bytes>>,
}
