//! What a channel receives: a title and a Markdown body.

/// A message: a title and a Markdown body (plain text where the channel has no Markdown).
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub title: String,
    pub markdown: String,
}
