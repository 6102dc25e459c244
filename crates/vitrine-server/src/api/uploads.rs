//! Where uploads wait between validation and confirmation: `<data_dir>/uploads/<shop
//! hash>/<id>/<file>`. An upload not confirmed within [`TTL`] is removed, and the uploads a
//! shop has waiting count against [`SHOP_QUOTA`].

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::auth;

/// How long a validated upload waits for its confirmation.
pub const TTL: Duration = Duration::from_secs(24 * 3600);
/// Bytes of unconfirmed uploads one shop may keep.
pub const SHOP_QUOTA: u64 = 2 << 30;

/// The directory of one upload.
pub(crate) fn dir(data: &Path, shop: &str, id: &str) -> PathBuf {
    shop_dir(data, shop).join(id)
}

fn shop_dir(data: &Path, shop: &str) -> PathBuf {
    data.join("uploads").join(auth::secret_hash(shop))
}

/// Whether an upload directory is older than [`TTL`] at `now`.
pub(crate) fn expired(dir: &Path, now: SystemTime) -> bool {
    std::fs::metadata(dir)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| now.duration_since(t).ok())
        .is_some_and(|age| age > TTL)
}

/// Removes every expired upload of every shop; returns how many.
pub(crate) fn sweep(data: &Path, now: SystemTime) -> usize {
    let Ok(shops) = std::fs::read_dir(data.join("uploads")) else {
        return 0;
    };
    let mut removed = 0;
    for upload in shops
        .flatten()
        .filter_map(|s| std::fs::read_dir(s.path()).ok())
        .flat_map(|d| d.flatten())
    {
        let path = upload.path();
        if expired(&path, now) && std::fs::remove_dir_all(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Bytes the shop's waiting uploads hold on disk.
pub(crate) fn pending_bytes(data: &Path, shop: &str) -> u64 {
    let Ok(uploads) = std::fs::read_dir(shop_dir(data, shop)) else {
        return 0;
    };
    uploads
        .flatten()
        .filter_map(|u| std::fs::read_dir(u.path()).ok())
        .flat_map(|d| d.flatten())
        .filter_map(|f| f.metadata().ok())
        .map(|m| m.len())
        .sum()
}

/// A file name reduced to safe characters, keeping its extension.
pub(crate) fn safe_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base
        .chars()
        .take(120)
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let clean = clean.trim_start_matches('.').to_string();
    if clean.is_empty() {
        "upload.csv".into()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_uploads_are_swept_and_new_ones_count_against_the_quota() {
        let data = tempfile::tempdir().unwrap();
        let a = dir(data.path(), "s1", "aaaa");
        let b = dir(data.path(), "s1", "bbbb");
        for d in [&a, &b] {
            std::fs::create_dir_all(d).unwrap();
            std::fs::write(d.join("f.csv"), vec![b'x'; 1000]).unwrap();
        }
        assert_eq!(pending_bytes(data.path(), "s1"), 2000);
        assert_eq!(pending_bytes(data.path(), "s2"), 0);
        let now = SystemTime::now();
        assert_eq!(sweep(data.path(), now), 0);
        // A day and a minute later both have expired.
        let later = now + TTL + Duration::from_secs(60);
        assert!(expired(&a, later) && !expired(&a, now));
        assert_eq!(sweep(data.path(), later), 2);
        assert!(!a.exists() && !b.exists());
        assert_eq!(pending_bytes(data.path(), "s1"), 0);
    }

    #[test]
    fn names_keep_their_extension_and_lose_paths() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("店铺 订单.xlsx"), "店铺_订单.xlsx");
        assert_eq!(safe_name("..."), "upload.csv");
    }
}
