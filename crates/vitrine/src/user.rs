//! `vitrine user`: accounts for the web app and the API (add, list, token, revoke).

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use vitrine_app::accounts as auth;
use vitrine_lake::Role;

#[derive(Subcommand)]
pub enum UserAction {
    /// Add a user (or set a new password) and grant a role on one or more shops.
    Add {
        #[arg(long)]
        name: String,
        /// admin, operator or viewer.
        #[arg(long)]
        role: String,
        /// Shop id; repeat for several, `*` for every shop.
        #[arg(long, required = true)]
        shop: Vec<String>,
        /// Read the password from the first line of stdin instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users and their grants.
    List,
    /// Create an API token for a user (printed once).
    Token {
        #[arg(long)]
        name: String,
        /// What the token is for, e.g. `etl`.
        #[arg(long, default_value = "cli")]
        label: String,
    },
    /// Remove a user's grant on a shop.
    Revoke {
        #[arg(long)]
        name: String,
        #[arg(long)]
        shop: String,
    },
}

fn read_password(from_stdin: bool) -> Result<String> {
    let pw = if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from stdin")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        let a = rpassword::prompt_password("password: ")?;
        let b = rpassword::prompt_password("again: ")?;
        if a != b {
            bail!("the passwords differ");
        }
        a
    };
    auth::check_password(&pw).map_err(anyhow::Error::msg)?;
    Ok(pw)
}

pub async fn run(data: &Path, action: UserAction) -> Result<()> {
    let ws = crate::workspace(data)?;
    let state = ws.state().await?;
    match action {
        UserAction::Add {
            name,
            role,
            shop,
            password_stdin,
        } => {
            let role = Role::parse(&role)?;
            auth::check_name(&name).map_err(|e| anyhow!("--name `{name}`: {e}"))?;
            let pw = read_password(password_stdin)?;
            let hash = auth::hash_password(&pw)?;
            let id = state.upsert_user(&name, &hash).await?;
            for s in &shop {
                state.grant(id, s, role).await?;
            }
            println!("user {name}: {} on {}", role.as_str(), shop.join(", "));
        }
        UserAction::List => {
            for (_, name, grants) in state.users().await? {
                let g: Vec<String> = grants
                    .iter()
                    .map(|g| format!("{}={}", g.shop, g.role.as_str()))
                    .collect();
                println!("{name}\t{}", g.join(" "));
            }
        }
        UserAction::Token { name, label } => {
            let user = state
                .user_by_name(&name)
                .await?
                .ok_or_else(|| anyhow!("no user `{name}` (vitrine user add first)"))?;
            let (_, token) = auth::issue_token(state, user.id, &label).await?;
            println!("{token}");
        }
        UserAction::Revoke { name, shop } => {
            let user = state
                .user_by_name(&name)
                .await?
                .ok_or_else(|| anyhow!("no user `{name}`"))?;
            state.revoke_grant(user.id, &shop).await?;
            println!("user {name}: no longer on {shop}");
        }
    }
    Ok(())
}
