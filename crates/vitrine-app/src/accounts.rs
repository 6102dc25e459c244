//! Accounts: password hashing (argon2id), the rules for names and passwords, and the
//! random secrets behind sessions and API tokens (stored only as hashes).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::AppError;

/// The fewest characters a password may have.
pub const MIN_PASSWORD: usize = 8;
/// The most characters a password may have (ASVS 2.1.2: at least 64 allowed, over 128 denied).
pub const MAX_PASSWORD: usize = 128;
/// The most characters a user name may have.
pub const MAX_NAME: usize = 64;
/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::BadRequest(format!("cannot hash the password: {e}")))
}

/// Checks a password against a stored PHC hash; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Checks a user name: one word of at most [`MAX_NAME`] characters, no control characters.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("a name is one word".into());
    }
    if name.chars().count() > MAX_NAME {
        return Err(format!("a name has at most {MAX_NAME} characters"));
    }
    Ok(())
}

/// Checks a new password's length: [`MIN_PASSWORD`] to [`MAX_PASSWORD`] characters.
pub fn check_password(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        return Err(format!(
            "the password needs at least {MIN_PASSWORD} characters"
        ));
    }
    if n > MAX_PASSWORD {
        return Err(format!(
            "the password has more than {MAX_PASSWORD} characters"
        ));
    }
    Ok(())
}

/// A new random secret (256 bits, URL-safe base64).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a secret: its SHA-256, hex.
pub fn secret_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Creates an API token for `user_id`; returns its id and the secret (stored only hashed).
pub async fn issue_token(
    state: &vitrine_lake::State,
    user_id: i64,
    name: &str,
) -> Result<(i64, String), AppError> {
    let token = format!("vt_{}", new_secret());
    let id = state
        .create_api_token(user_id, name, &secret_hash(&token))
        .await?;
    Ok((id, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let h = hash_password("s3cret-密码").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("s3cret-密码", &h));
        assert!(!verify_password("s3cret", &h));
        assert!(!verify_password("s3cret-密码", "not a hash"));
        // Two hashes of one password differ (random salt).
        assert_ne!(h, hash_password("s3cret-密码").unwrap());
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = new_secret();
        assert_eq!(a.len(), 43);
        assert_ne!(a, new_secret());
        assert_eq!(secret_hash("abc").len(), 64);
        // Published SHA-256 test vector.
        assert_eq!(
            secret_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
