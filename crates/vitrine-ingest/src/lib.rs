//! Ingest: turning merchant exports into canonical rows. This first cut holds the value
//! parser every source profile uses; the profiles and readers build on it.

pub mod value;
