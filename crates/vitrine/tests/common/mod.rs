//! Shared by the CLI tests: when `VITRINE_TEST_POSTGRES` names a PostgreSQL server, every
//! data directory gets its own fresh database there, so the suite runs against PostgreSQL.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// The state database URL to pass for `data`, if the suite runs against PostgreSQL.
pub fn database_for(data: &Path) -> Option<String> {
    static URLS: Mutex<Option<HashMap<PathBuf, String>>> = Mutex::new(None);
    let admin = std::env::var("VITRINE_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.is_empty())?;
    let mut urls = URLS.lock().unwrap_or_else(|e| e.into_inner());
    let urls = urls.get_or_insert_with(HashMap::new);
    let url = urls.entry(data.to_path_buf()).or_insert_with(|| {
        tokio::runtime::Runtime::new()
            .expect("runtime")
            .block_on(vitrine_lake::scratch_database(&admin))
            .expect("scratch database")
    });
    Some(url.clone())
}

/// `vitrine --data-dir DATA [--database-url …]` with CI=1 (no progress bars).
pub fn vitrine_cmd(bin: &str, data: &Path) -> Command {
    let mut c = Command::new(bin);
    c.arg("--data-dir").arg(data).env("CI", "1");
    if let Some(url) = database_for(data) {
        c.arg("--database-url").arg(url);
    }
    c
}
