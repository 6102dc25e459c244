//! Analyses: pure functions over the metric tables the engine returns. No I/O, no engine.
//!
//! The daily review ([`review`]) asks for its data as a list of metric queries, receives
//! the answers, and returns one structured value that every surface renders.

pub mod bids;
pub mod clv;
pub mod diagnosis;
pub mod experiment;
pub mod monitor;
mod parallel;
pub mod playbook;
pub mod rca;
pub mod review;
pub mod risk;
pub mod sources;
pub mod stats;
pub mod targets;
pub mod users;

pub use review::{Review, ReviewRequest};

/// Errors raised by analyses.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    /// The engine handed back fewer answers than the analysis asked for.
    #[error("analysis expected {expected} query results, got {got}")]
    MissingResults { expected: usize, got: usize },
    /// There is no data for the day under review.
    #[error("no data for shop {shop} on {date}; the lake covers {range}")]
    NoData {
        shop: String,
        date: String,
        range: String,
    },
}
