//! Vitrine's shared vocabulary: canonical table schemas, the metric catalog, the calendar,
//! thresholds and targets configuration. No I/O beyond reading a config file, no engine.

pub mod batch;
pub mod calendar;
pub mod config;
pub mod customer;
pub mod guardrails;
pub mod lineage;
pub mod metric;
pub mod paid;
pub mod query;
pub mod table;
pub mod words;

pub use metric::{Direction, Metric, Unit};
pub use query::{Dim, MetricQuery, MetricTable, TimeGrain};
pub use table::Table;

/// Errors raised by the core vocabulary.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// A request names something that does not exist or cannot be combined.
    #[error("{0}")]
    Invalid(String),
    /// A configuration file could not be read or parsed.
    #[error("config {path}: {reason}")]
    Config { path: String, reason: String },
}

/// The language user-facing text is rendered in; Chinese first.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Parses `zh` or `en`.
    pub fn parse(s: &str) -> Result<Lang, CoreError> {
        match s {
            "zh" | "zh-CN" | "zh_CN" => Ok(Lang::Zh),
            "en" | "en-US" => Ok(Lang::En),
            _ => Err(CoreError::Invalid(format!(
                "unknown language `{s}` (zh, en)"
            ))),
        }
    }

    /// Picks the Chinese or English text.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}
