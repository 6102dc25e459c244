//! The dashboard in a real headless Chromium, driven by Playwright (`e2e/dashboard.mjs`):
//! accounts made with `vitrine user add --password-stdin`, the real server, every page at two
//! widths and in both languages, an alert acknowledged, a recommendation approved and a file
//! imported through the browser. Screenshots land in `e2e/artifacts/`.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_vitrine");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The CLI with the data directory (and its PostgreSQL database when the suite runs
/// against one).
fn vitrine(data: &Path) -> Command {
    common::vitrine_cmd(BIN, data)
}

fn run_ok(mut c: Command, stdin: Option<&str>) {
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{c:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn dashboard_works_in_headless_chromium() {
    let node_modules = repo().join("e2e/node_modules/playwright-core");
    let (Some(browser), true) = (chromium(), node_modules.exists()) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install Chromium and e2e/node_modules (.ci/run and scripts/test do)"
        );
        eprintln!("skipping: no Chromium or no `npm ci --prefix e2e` on this machine");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut sim = vitrine(&data);
    sim.args([
        "simulate",
        "--days",
        "45",
        "--scale",
        "0.02",
        "--end",
        "2026-11-21",
    ]);
    run_ok(sim, None);
    // The day's review records its alerts, which the browser then acknowledges.
    let mut review = vitrine(&data);
    review.args(["review", "--format", "json"]);
    run_ok(review, None);
    for (name, role) in [("lead", "operator"), ("intern", "viewer")] {
        let mut add = vitrine(&data);
        add.args([
            "user",
            "add",
            "--name",
            name,
            "--role",
            role,
            "--shop",
            "*",
            "--password-stdin",
        ]);
        run_ok(add, Some("browser-test-密码\n"));
    }
    let port = free_port();
    let mut serve = vitrine(&data);
    serve
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let _server = Server(serve.spawn().unwrap());
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let artifacts = repo().join("e2e/artifacts");
    let upload = repo().join("crates/vitrine-ingest/tests/fixtures/inventory_sheet.csv");
    let out = Command::new("node")
        .arg(repo().join("e2e/dashboard.mjs"))
        .env("BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("E2E_USER", "lead")
        .env("E2E_VIEWER", "intern")
        .env("E2E_PASSWORD", "browser-test-密码")
        .env("E2E_UPLOAD", &upload)
        .env("E2E_ARTIFACTS", &artifacts)
        .env("CHROMIUM", browser)
        .output()
        .expect("run node (Node.js is needed for the browser test)");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "browser test failed:\n{log}");
    assert!(log.contains("e2e: all steps passed"), "{log}");
    // A screenshot per page and width, plus the steps.
    let shots = std::fs::read_dir(&artifacts)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "png"))
        })
        .count();
    assert!(
        shots >= 20,
        "{shots} screenshots in {}",
        artifacts.display()
    );
}
