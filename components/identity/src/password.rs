//! Passwords: the policy (docs/SECURITY.md item 2) and Argon2id hashing (item 1).
//!
//! - At least 12 characters, up to 256, never truncated, no composition rules; refused when it
//!   is among the most common passwords (the `passwords` crate's list, plus French stems), uses
//!   the user's own e-mail or names, or has fewer than 5 distinct characters. With the rate
//!   limits of `throttle`, this is the CNIL's case of a password with restricted access.
//! - Argon2id with at least 19 MiB, 2 iterations, parallelism 1 (OWASP). The parameters can
//!   be raised with the Spin variables `argon2_memory_kib` and `argon2_iterations`; a stored hash
//!   weaker than the current parameters is re-hashed at the next successful sign-in.

use anyhow::anyhow;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use guichet_guest::FieldError;

/// OWASP's floor for Argon2id: 19 MiB, 2 iterations, 1 lane.
pub const FLOOR_MEMORY_KIB: u32 = 19 * 1024;
pub const FLOOR_ITERATIONS: u32 = 2;
const LANES: u32 = 1;
pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 256;

/// The Argon2id cost in force: the floor, or more when configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    memory_kib: u32,
    iterations: u32,
}

impl Cost {
    /// The floor.
    #[cfg(test)]
    pub const FLOOR: Cost = Cost {
        memory_kib: FLOOR_MEMORY_KIB,
        iterations: FLOOR_ITERATIONS,
    };

    /// A cost never below the floor.
    pub fn at_least_floor(memory_kib: u32, iterations: u32) -> Cost {
        Cost {
            memory_kib: memory_kib.max(FLOOR_MEMORY_KIB),
            iterations: iterations.max(FLOOR_ITERATIONS),
        }
    }

    /// From the Spin variables `argon2_memory_kib` and `argon2_iterations` (absent or invalid
    /// values mean the floor).
    pub fn configured() -> Cost {
        let read = |name: &str| {
            spin_sdk::variables::get(name)
                .ok()
                .and_then(|v| v.trim().parse::<u32>().ok())
                .unwrap_or(0)
        };
        Cost::at_least_floor(read("argon2_memory_kib"), read("argon2_iterations"))
    }

    fn hasher(self) -> anyhow::Result<Argon2<'static>> {
        let params = Params::new(self.memory_kib, self.iterations, LANES, None)
            .map_err(|e| anyhow!("argon2 parameters: {e}"))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// Hashes `password` into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`).
pub fn hash(password: &str, cost: Cost) -> anyhow::Result<String> {
    let salt = SaltString::encode_b64(&crate::secrets::random_bytes::<16>()?)
        .map_err(|e| anyhow!("encoding a salt: {e}"))?;
    let phc = cost
        .hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow!("hashing a password: {e}"))?;
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored` (with the parameters stored in it).
pub fn verify(password: &str, stored: &str) -> anyhow::Result<bool> {
    let parsed = PasswordHash::new(stored).map_err(|e| anyhow!("stored hash: {e}"))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// Spends the time of a verification without a stored hash, so that an unknown account answers
/// as slowly as a known one (no enumeration by timing).
pub fn spend_equal_time(password: &str, cost: Cost) {
    if let Err(error) = hash(password, cost) {
        eprintln!("identity: dummy hash failed: {error:#}");
    }
}

/// Whether `stored` was made with weaker parameters than `cost` (or another algorithm).
pub fn needs_rehash(stored: &str, cost: Cost) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return true;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm.as_str() != "argon2id"
        || params.m_cost() < cost.memory_kib
        || params.t_cost() < cost.iterations
}

fn too_weak(field: &str) -> FieldError {
    FieldError::new(
        field,
        "too_weak",
        "this password is too common or too easy to guess: try a few unrelated words",
    )
}

/// Stems of the passwords French speakers use most, which the (English-centred) common list
/// misses once digits are appended: `motdepasse2024`, `Soleil!1234`.
const FRENCH_STEMS: &[&str] = &[
    "motdepasse",
    "azerty",
    "soleil",
    "bonjour",
    "doudou",
    "loulou",
    "chouchou",
    "marseille",
    "jetaime",
    "princesse",
    "camille",
    "nicolas",
    "julien",
    "coucou",
    "chocolat",
    "vacances",
    "bienvenue",
    "france",
    "paris",
    "toulouse",
    "mairie",
    "guichet",
];

fn is_common_in_french(password: &str) -> bool {
    let letters: String = password
        .chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect();
    FRENCH_STEMS.iter().any(|stem| {
        letters == *stem || (letters.starts_with(stem) && letters.len() <= stem.len() + 2)
    })
}

/// Checks `password` against the policy; `field` names it in errors, `personal` are the user's
/// own words (e-mail, names) that make a password guessable.
pub fn check_policy(password: &str, personal: &[&str], field: &str) -> Result<(), FieldError> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(FieldError::new(
            field,
            "too_short",
            format!("the password must have at least {MIN_CHARS} characters"),
        ));
    }
    if chars > MAX_CHARS {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("the password must have at most {MAX_CHARS} characters"),
        ));
    }
    if password.contains('\0') {
        return Err(FieldError::new(
            field,
            "invalid_character",
            "the password must not contain NUL characters",
        ));
    }
    if passwords::analyzer::analyze(password).is_common() || is_common_in_french(password) {
        return Err(too_weak(field));
    }
    // The user's own words make a password guessable by anyone who knows them.
    let lowered = password.to_lowercase();
    for input in personal.iter().map(|p| p.to_lowercase()) {
        let local = input.split('@').next().unwrap_or_default();
        let words = local.split(|c: char| !c.is_alphanumeric()).chain([local]);
        if words
            .filter(|w| w.chars().count() >= 4)
            .any(|w| lowered.contains(w))
        {
            return Err(too_weak(field));
        }
    }
    let distinct: std::collections::HashSet<char> = password.chars().collect();
    if distinct.len() < 5 {
        return Err(too_weak(field));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(result: Result<(), FieldError>) -> Option<String> {
        result.err().map(|e| e.code)
    }

    #[test]
    fn a_hash_meets_the_owasp_floor_and_verifies_only_its_password() {
        let stored = hash("correct horse battery staple", Cost::FLOOR).unwrap_or_default();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert_eq!(
            verify("correct horse battery staple", &stored).ok(),
            Some(true)
        );
        assert_eq!(
            verify("correct horse battery stapler", &stored).ok(),
            Some(false)
        );
        assert!(!needs_rehash(&stored, Cost::FLOOR));
        assert!(needs_rehash(&stored, Cost::at_least_floor(24 * 1024, 2)));
    }

    #[test]
    fn a_cost_below_the_floor_is_raised_to_it() {
        assert_eq!(Cost::at_least_floor(1024, 1), Cost::FLOOR);
    }

    #[test]
    fn a_long_unicode_password_is_never_truncated() {
        let base: String = "été-à-Saint-Malo-🌊-".repeat(7).chars().take(128).collect();
        assert_eq!(base.chars().count(), 128);
        assert_eq!(check_policy(&base, &[], "password"), Ok(()));
        let stored = hash(&base, Cost::FLOOR).unwrap_or_default();
        let mut chars: Vec<char> = base.chars().collect();
        chars[79] = if chars[79] == 'x' { 'y' } else { 'x' };
        let different: String = chars.into_iter().collect();
        assert_eq!(verify(&base, &stored).ok(), Some(true));
        assert_eq!(verify(&different, &stored).ok(), Some(false));
    }

    #[test]
    fn short_common_and_personal_passwords_are_refused() {
        assert_eq!(
            code(check_policy("short", &[], "p")).as_deref(),
            Some("too_short")
        );
        for common in [
            "password1234",
            "123456789012",
            "qwertyuiop123",
            "iloveyou1234",
            "motdepasse2024",
        ] {
            assert_eq!(
                code(check_policy(common, &[], "p")).as_deref(),
                Some("too_weak"),
                "{common}"
            );
        }
        assert_eq!(
            code(check_policy(
                "anne.martin1984",
                &["anne.martin1984@exemple.fr", "Anne", "Martin"],
                "p"
            ))
            .as_deref(),
            Some("too_weak")
        );
        assert_eq!(
            code(check_policy(&"a".repeat(257), &[], "p")).as_deref(),
            Some("too_long")
        );
    }

    #[test]
    fn a_passphrase_without_composition_rules_is_accepted() {
        assert_eq!(
            check_policy("velo rouge sous la pluie de mars", &[], "p"),
            Ok(())
        );
    }
}
