//! The dashboard in a real headless Chromium: the page loads, runs its script against the
//! live server, and renders KPI cards, charts and the alert table in Chinese and English.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_vitrine");

fn chromium() -> Option<&'static str> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
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

fn dump_dom(browser: &str, url: &str, profile: &Path) -> String {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=15000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .output()
        .expect("run chromium");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn dashboard_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install Chromium (.ci/run does)"
        );
        eprintln!("skipping: no Chromium on this machine");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sim = Command::new(BIN)
        .arg("--data-dir")
        .arg(&data)
        .args([
            "simulate",
            "--days",
            "45",
            "--scale",
            "0.02",
            "--end",
            "2026-11-21",
        ])
        .env("CI", "1")
        .output()
        .unwrap();
    assert!(
        sim.status.success(),
        "{}",
        String::from_utf8_lossy(&sim.stderr)
    );
    let port = free_port();
    let _server = Server(
        Command::new(BIN)
            .arg("--data-dir")
            .arg(&data)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let zh = dump_dom(
        browser,
        &format!("http://127.0.0.1:{port}/"),
        &dir.path().join("p1"),
    );
    assert!(
        zh.contains("核心指标 vs 目标"),
        "page did not render: {}",
        &zh[..zh.len().min(2000)]
    );
    assert!(
        zh.contains("data-metric=\"gmv\""),
        "KPI cards were not rendered from /api/review"
    );
    assert!(zh.contains("<canvas"), "ECharts did not draw");
    assert!(zh.contains("2026-11-21"), "the latest day is selected");
    let en = dump_dom(
        browser,
        &format!("http://127.0.0.1:{port}/?lang=en&date=2026-11-15"),
        &dir.path().join("p2"),
    );
    assert!(
        en.contains("KPIs vs targets") && en.contains("Conversion funnel"),
        "English switch failed"
    );
    assert!(en.contains("data-metric=\"roi\""));
    // The overview shows user segments from the review.
    assert!(
        zh.contains("data-stage=\"new\""),
        "user segments missing on the overview"
    );

    // Users page: lifecycle cards, charts and the cohort heatmap from /api/users*.
    let users = dump_dom(
        browser,
        &format!("http://127.0.0.1:{port}/users"),
        &dir.path().join("p3"),
    );
    assert!(
        users.contains("生命周期") && users.contains("data-stage=\"active\""),
        "users page: {}",
        &users[..users.len().min(2000)]
    );
    assert!(users.contains("<canvas"), "users charts did not draw");
    // Experiments page: the calculator posts summary counts and shows the verdict.
    let exp = dump_dom(
        browser,
        &format!("http://127.0.0.1:{port}/experiments?lang=en"),
        &dir.path().join("p4"),
    );
    assert!(
        exp.contains("Registered experiments") && exp.contains("No experiments"),
        "experiments page: {}",
        &exp[..exp.len().min(2000)]
    );
    assert!(
        exp.contains("B wins"),
        "the calculator's verdict is missing: {}",
        &exp[..exp.len().min(3000)]
    );
}
