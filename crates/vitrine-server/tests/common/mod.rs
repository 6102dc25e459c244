//! What the server's integration tests share: a workspace over a simulated lake.

use vitrine_lake::Lake;
use vitrine_server::Workspace;
use vitrine_sim::SimConfig;

/// Two simulated shops over 45 days to 2026-11-21, with the state in SQLite, or in a scratch
/// PostgreSQL database when `VITRINE_TEST_POSTGRES` names a server.
pub async fn simulated_workspace(seed: u64) -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path()).unwrap();
    let mut c = lake.begin().unwrap();
    let cfg = SimConfig {
        seed,
        days: 45,
        end: "2026-11-21".parse().unwrap(),
        scale: 0.02,
        shops: 2,
        effects: vitrine_sim::Effects::STRONG,
    };
    vitrine_sim::simulate(&cfg, &mut c, &mut |_, _| {}).unwrap();
    c.finish().unwrap();
    let url = match std::env::var("VITRINE_TEST_POSTGRES") {
        Ok(admin) if !admin.is_empty() => {
            Some(vitrine_lake::scratch_database(&admin).await.unwrap())
        }
        _ => None,
    };
    let ws = Workspace::open_with(dir.path(), url).unwrap();
    (dir, ws)
}
