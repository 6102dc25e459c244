//! Every rendering of a review, one file per output format, over one review value and the
//! shared label table: terminal text, Markdown, HTML, JSON and chat cards.

pub mod chat;
pub mod html;
pub mod markdown;
mod parts;
pub mod text;

use vitrine_analytics::Review;

use crate::AppError;

/// The formats a review renders to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Html,
}

/// Renders a review in `format`.
pub fn review(rv: &Review, format: Format) -> Result<String, AppError> {
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(rv)
            .map_err(|e| AppError::BadRequest(format!("cannot serialise the review: {e}")))?,
        Format::Text => text::review(rv),
        Format::Markdown => markdown::review(rv),
        Format::Html => html::review(rv),
    })
}
