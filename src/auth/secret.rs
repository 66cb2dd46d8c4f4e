//! Secrets: Argon2id password hashes, and random session ids and API tokens that the database
//! only ever sees hashed (SHA-256: they are 256 random bits, so a slow hash adds nothing).

use std::sync::LazyLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Argon2id memory cost in KiB: 19 MiB, the first of OWASP's recommended settings.
pub const ARGON2_M_COST_KIB: u32 = 19 * 1024;
/// Argon2id passes over the memory.
pub const ARGON2_T_COST: u32 = 2;
/// Argon2id lanes: one, so a burst of sign-ins cannot take every core.
pub const ARGON2_P_COST: u32 = 1;

/// The prefix of every API token: lets secret scanners and people recognise one.
pub const TOKEN_PREFIX: &str = "antq_";

/// Shortest password `antq user add` accepts.
pub const MIN_PASSWORD_LEN: usize = 10;

fn hasher() -> Argon2<'static> {
    let params = Params::new(ARGON2_M_COST_KIB, ARGON2_T_COST, ARGON2_P_COST, None)
        .unwrap_or_else(|_| unreachable!("constant Argon2 parameters are valid"));
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `password` with Argon2id and a fresh salt, as a PHC string.
///
/// # Errors
/// The system's random source fails.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing the password failed: {e}"))
}

/// A hash of a password nobody knows, verified when the user does not exist so that an unknown
/// name costs as much time as a wrong password (the answer must not tell them apart).
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password(&token_secret()).unwrap_or_else(|_| String::from("$argon2id$invalid")));

/// Whether `password` matches the PHC string `hash`. With `None` (no such user) it spends the
/// same time and answers `false`. Slow on purpose: call it from a blocking thread.
#[must_use]
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    let (hash, known) = match hash {
        Some(h) => (h, true),
        None => (DUMMY_HASH.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    hasher().verify_password(password.as_bytes(), &parsed).is_ok() && known
}

/// 256 random bits, URL-safe base64 (43 characters): a session id or the secret of a token.
///
/// # Panics
/// The operating system's random source fails, which leaves nothing safe to do.
#[must_use]
pub fn token_secret() -> String {
    let mut bytes = [0u8; 32];
    #[expect(clippy::expect_used, reason = "without randomness no secret can be made")]
    getrandom::fill(&mut bytes).expect("the system random source failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new API token: `antq_` and a secret.
#[must_use]
pub fn new_api_token() -> String {
    format!("{TOKEN_PREFIX}{}", token_secret())
}

/// What the database stores for a session id or token: its SHA-256.
#[must_use]
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Whether `s` has the shape of a secret made by [`token_secret`]; anything else is refused
/// before it reaches the database.
#[must_use]
pub fn is_well_formed(s: &str) -> bool {
    s.len() == 43 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The CSRF token of a session: derived from the session id, so it needs no storage, and
/// readable by a page of our origin only (from the sign-in answer or `GET /auth/me`).
#[must_use]
pub fn csrf_token(session_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"antq csrf v1\0");
    h.update(session_id.as_bytes());
    URL_SAFE_NO_PAD.encode(h.finalize())
}

/// Compares two strings in time independent of where they differ.
#[must_use]
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_and_another_does_not() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_password("correct horse battery", Some(&hash)));
        assert!(!verify_password("correct horse battery!", Some(&hash)));
        assert!(!verify_password("correct horse battery", None));
    }

    #[test]
    fn verifying_a_password_costs_real_time_but_not_seconds() {
        let hash = hash_password("correct horse battery").expect("hash");
        let started = std::time::Instant::now();
        assert!(verify_password("correct horse battery", Some(&hash)));
        let took = started.elapsed();
        eprintln!(
            "Argon2id m={ARGON2_M_COST_KIB} KiB t={ARGON2_T_COST} p={ARGON2_P_COST}: {took:?} per verification"
        );
        assert!(took >= std::time::Duration::from_millis(2), "too cheap to slow guessing: {took:?}");
        assert!(took <= std::time::Duration::from_secs(5), "too slow for a sign-in: {took:?}");
    }

    #[test]
    fn secrets_are_random_and_well_formed() {
        let (a, b) = (token_secret(), token_secret());
        assert_ne!(a, b);
        assert!(is_well_formed(&a));
        assert!(!is_well_formed(&a[1..]));
        assert!(!is_well_formed(&format!("{}'", &a[1..])));
        assert_eq!(digest(&a).len(), 32);
        assert_ne!(csrf_token(&a), csrf_token(&b));
        assert!(constant_time_eq(&a, &a.clone()) && !constant_time_eq(&a, &b));
    }
}
