//! What an application call can end in, by what the caller did wrong.

use vitrine_analytics::AnalyticsError;
use vitrine_core::CoreError;
use vitrine_lake::LakeError;

/// Errors of the application layer. `BadRequest` and `NotFound` carry a message for the
/// user; the others keep the failing library's error as their source.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request itself is wrong (unknown metric, date, shop…).
    #[error("{0}")]
    BadRequest(String),
    /// Nothing matches (empty lake, no data on that day).
    #[error("{0}")]
    NotFound(String),
    /// The request asks for more than is allowed (rows, bytes).
    #[error("{0}")]
    TooLarge(String),
    /// A second request of the same kind conflicts with what is stored.
    #[error("{0}")]
    Conflict(String),
    #[error("lake")]
    Lake(#[source] LakeError),
    #[error("analysis")]
    Analytics(#[source] AnalyticsError),
    /// A part of the work was cancelled (the runtime is shutting down).
    #[error("cancelled")]
    Cancelled(#[source] tokio::task::JoinError),
    #[error("{what}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl From<LakeError> for AppError {
    fn from(e: LakeError) -> Self {
        match e {
            LakeError::Empty(_) => AppError::NotFound(e.to_string()),
            LakeError::Core(CoreError::Invalid(m)) => AppError::BadRequest(m),
            other => AppError::Lake(other),
        }
    }
}

impl From<AnalyticsError> for AppError {
    fn from(e: AnalyticsError) -> Self {
        match e {
            AnalyticsError::NoData { .. } => AppError::NotFound(e.to_string()),
            other => AppError::Analytics(other),
        }
    }
}

impl From<CoreError> for AppError {
    fn from(e: CoreError) -> Self {
        AppError::BadRequest(e.to_string())
    }
}

/// An error with its sources, `a: b: c`, for surfaces that show one line.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}
