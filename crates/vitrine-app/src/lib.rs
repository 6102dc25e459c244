//! The application layer the CLI and the web server share: a workspace (lake, configuration,
//! state), snapshots of one lake version, the assembled daily review and its cache, paid
//! traffic, users, experiments, imports, push to chat and mail, accounts, and the words and
//! renderers every surface uses. Nothing here knows HTTP or command-line arguments.

pub mod accounts;
mod alerts;
mod answer_cache;
pub mod bids;
mod error;
pub mod experiments;
pub mod import;
pub mod notify;
pub mod push;
pub mod render;
pub mod review;
mod review_cache;
mod snapshot;
mod targets;
pub mod users;
mod workspace;
pub mod xlsx;

pub use error::{chain, AppError};
pub use snapshot::Snapshot;
pub use workspace::{ShopInfo, Workspace};
