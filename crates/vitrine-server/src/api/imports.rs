//! Imports from the browser: upload a file, read the validation report, then confirm. The
//! upload is kept under `<data_dir>/uploads/` between the two steps; nothing reaches the
//! lake before the confirmation, and a file with any problem cannot be confirmed.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{Path, Query, State};

use axum::Json;
use serde::{Deserialize, Serialize};
use vitrine_app::import::{self, FileOutcome, ImportRequest, Imported};
use vitrine_ingest::{FileOptions, Problem};

use super::access::ShopAccess;
use super::replies::Committed;
use super::uploads;
use crate::auth;
use crate::error::ApiError;
use crate::Shared;

/// The largest upload accepted, in bytes.
pub const MAX_UPLOAD: usize = 512 * 1024 * 1024;
/// Problems listed in a report before the rest are only counted.
const MAX_LISTED: usize = 50;

/// What an upload would import, and every problem found.
#[derive(Serialize)]
pub(crate) struct Report {
    id: String,
    file: String,
    bytes: usize,
    profile: Option<String>,
    profile_zh: Option<String>,
    encoding: Option<String>,
    rows: usize,
    skipped_total_rows: usize,
    partitions: usize,
    first_date: Option<String>,
    last_date: Option<String>,
    already_imported: bool,
    /// Per sheet read: `sheet: family, rows, dates from …` (one line for a CSV).
    sheets: Vec<String>,
    /// Sheets that hold no known export, with why (not errors).
    skipped_sheets: Vec<String>,
    /// Things worth knowing that are not problems (e.g. the shop name in the file name).
    notes: Vec<String>,
    problems: Vec<String>,
    more_problems: usize,
    /// True when confirming would import it.
    importable: bool,
}

#[derive(Deserialize)]
pub(crate) struct UploadParams {
    filename: Option<String>,
}

/// The import of one upload for `shop`: rows of any other shop are a problem.
fn request(path: &FsPath, shop: &str, dry_run: bool) -> ImportRequest {
    ImportRequest {
        files: vec![path.to_path_buf()],
        options: FileOptions::shop(Some(shop)),
        dry_run,
        only_that_shop: true,
        origin: Some("web upload".into()),
    }
}

/// Runs the import transaction on one upload.
fn run(ws: &vitrine_app::Workspace, req: &ImportRequest) -> Result<Imported, ApiError> {
    Ok(import::import(
        &ws.lake,
        &ws.config,
        req,
        Default::default(),
        &mut |_| {},
    )?)
}

/// Writes a request body to `path` as it arrives (memory holds one frame, not the file);
/// returns its size, or 413 past `limit` bytes (`why` says which limit).
async fn save_body(
    body: axum::body::Body,
    path: PathBuf,
    limit: usize,
    why: String,
) -> Result<usize, ApiError> {
    use http_body_util::BodyExt;
    use std::io::Write;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<axum::body::Bytes>(8);
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
        while let Some(b) = rx.blocking_recv() {
            f.write_all(&b)?;
        }
        f.into_inner().map_err(|e| e.into_error())?.sync_all()
    });
    let mut body = body;
    let mut size = 0usize;
    let mut failure = None;
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => {
                failure = Some(ApiError::bad_request(format!("the upload broke off: {e}")));
                break;
            }
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        size += data.len();
        if size > limit {
            failure = Some(ApiError::too_large(why));
            break;
        }
        if tx.send(data).await.is_err() {
            break; // The writer failed; it says why below.
        }
    }
    drop(tx);
    let written = writer
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| ApiError::internal(e.to_string()));
    match (failure, written) {
        (Some(e), _) | (None, Err(e)) => Err(e),
        (None, Ok(())) => Ok(size),
    }
}

fn report(id: &str, file: &str, bytes: usize, out: &Imported) -> Report {
    let already = out
        .files
        .iter()
        .any(|f| matches!(f, FileOutcome::AlreadyImported { .. }));
    let read = match out.read().next() {
        Some((_, f)) if out.problems.is_empty() => Ok(f),
        _ => Err(&out.problems),
    };
    let mut r = Report {
        id: id.into(),
        file: file.into(),
        bytes,
        profile: None,
        profile_zh: None,
        encoding: None,
        rows: 0,
        skipped_total_rows: 0,
        partitions: 0,
        first_date: None,
        last_date: None,
        already_imported: already,
        sheets: Vec::new(),
        skipped_sheets: Vec::new(),
        notes: Vec::new(),
        problems: Vec::new(),
        more_problems: 0,
        importable: false,
    };
    match read {
        Ok(f) => {
            let join = |xs: Vec<&str>| xs.join("、");
            r.profile = Some(join(f.sheets.iter().map(|s| s.profile.id).collect()));
            r.profile_zh = Some(join(f.sheets.iter().map(|s| s.profile.name_zh).collect()));
            r.encoding = f.sheets.first().map(|s| s.encoding.to_string());
            r.rows = f.rows();
            r.skipped_total_rows = f.sheets.iter().map(|s| s.skipped_total_rows).sum();
            r.partitions = f.sheets.iter().map(|s| s.partitions.len()).sum();
            let ranges: Vec<_> = f.sheets.iter().filter_map(|s| s.date_range()).collect();
            r.first_date = ranges.iter().map(|x| x.0).min().map(|d| d.to_string());
            r.last_date = ranges.iter().map(|x| x.1).max().map(|d| d.to_string());
            r.sheets = f
                .sheets
                .iter()
                .map(|s| {
                    format!(
                        "{}: {}, {} rows, dates from {}",
                        if s.sheet.is_empty() { "-" } else { &s.sheet },
                        s.profile.name_zh,
                        s.rows,
                        s.period_origin
                    )
                })
                .collect();
            r.skipped_sheets.clone_from(&f.skipped);
            r.notes = out.notes.iter().map(|n| n.text.clone()).collect();
            r.importable = !already && f.rows() > 0;
        }
        Err(p) => {
            // Name the file as the user uploaded it, not our storage path.
            r.problems = p
                .iter()
                .take(MAX_LISTED)
                .map(|x| {
                    Problem {
                        file: file.into(),
                        ..x.clone()
                    }
                    .to_string()
                })
                .collect();
            r.more_problems = p.len().saturating_sub(MAX_LISTED);
        }
    }
    r
}

/// `POST /api/v1/shops/{shop}/imports?filename=`: stores the body and validates it.
pub(crate) async fn upload(
    State(ws): State<Shared>,
    ShopAccess { shop, .. }: ShopAccess,
    Query(p): Query<UploadParams>,
    body: axum::body::Body,
) -> Result<Json<Report>, ApiError> {
    let name = uploads::safe_name(p.filename.as_deref().unwrap_or("upload.csv"));
    let id = auth::new_secret()[..16].to_string();
    uploads::sweep(&ws.data_dir, SystemTime::now());
    let room = uploads::SHOP_QUOTA.saturating_sub(uploads::pending_bytes(&ws.data_dir, &shop));
    let (limit, why) = if room < MAX_UPLOAD as u64 {
        let why = format!(
            "shop {shop} has {} MiB of uploads waiting for confirmation (limit {} MiB); confirm them or wait for them to expire (24 h)",
            (uploads::SHOP_QUOTA - room) >> 20,
            uploads::SHOP_QUOTA >> 20
        );
        (room as usize, why)
    } else {
        let why = format!("uploads are limited to {} MiB", MAX_UPLOAD >> 20);
        (MAX_UPLOAD, why)
    };
    let dir = uploads::dir(&ws.data_dir, &shop, &id);
    let path = dir.join(&name);
    let bytes = match save_body(body, path.clone(), limit, why).await {
        Ok(0) => Err(ApiError::bad_request("the upload is empty")),
        other => other,
    };
    let bytes = match bytes {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    };
    let ws2 = Arc::clone(&ws);
    let (shop2, path2) = (shop.clone(), path.clone());
    let r = tokio::task::spawn_blocking(move || -> Result<Report, ApiError> {
        let out = run(&ws2, &request(&path2, &shop2, true))?;
        let name = path2
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(report(&id, &name, bytes, &out))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    if !r.importable {
        // Nothing to confirm: keep no copy.
        let _ = std::fs::remove_dir_all(path.parent().unwrap_or(&path));
    }
    Ok(Json(r))
}

/// `POST /api/v1/shops/{shop}/imports/{id}/commit`: imports a validated upload, all or
/// nothing, then removes it.
pub(crate) async fn commit(
    State(ws): State<Shared>,
    _: ShopAccess,
    Path((shop, id)): Path<(String, String)>,
) -> Result<Json<Committed>, ApiError> {
    if id.len() != 16
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ApiError::not_found(format!("no upload {id}")));
    }
    let dir = uploads::dir(&ws.data_dir, &shop, &id);
    if uploads::expired(&dir, SystemTime::now()) {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(ApiError::not_found(format!(
            "upload {id} expired (uploads wait 24 h for confirmation); upload the file again"
        )));
    }
    let path = std::fs::read_dir(&dir)
        .ok()
        .and_then(|mut d| d.next())
        .and_then(|e| e.ok())
        .map(|e| e.path())
        .ok_or_else(|| ApiError::not_found(format!("no upload {id} for shop {shop}")))?;
    let ws2 = Arc::clone(&ws);
    let out = tokio::task::spawn_blocking(move || -> Result<Committed, ApiError> {
        let out = run(&ws2, &request(&path, &shop, false))?;
        if !out.problems.is_empty() {
            return Err(ApiError::bad_request(format!(
                "{} problem(s); nothing was imported",
                out.problems.len()
            )));
        }
        let (Some(version), Some((_, read))) = (out.version, out.read().next()) else {
            return Err(ApiError::conflict("this file was already imported"));
        };
        let label = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let families: Vec<&str> = read.sheets.iter().map(|s| s.profile.id).collect();
        Ok(Committed {
            imported: label,
            rows: read.rows(),
            profile: families.join(", "),
            lake_version: version,
        })
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    let _ = std::fs::remove_dir_all(&dir);
    ws.invalidate_reviews();
    // The new data's reviews, built before anyone asks (a reader waits for the build under
    // way, never starts a second).
    let warm = Arc::clone(&ws);
    tokio::spawn(async move { warm.warm_reviews().await });
    Ok(Json(out))
}
