//! The rules of the device lock, pure so they are tested natively: what a PIN or passphrase must be,
//! how long wrong attempts block the form and when the device is erased, the idle time before the app
//! locks itself. The cryptography is in [`crate::vault`] (browser only).

use serde::{Deserialize, Serialize};

/// The only store key kept in plaintext: how to derive and check the key, the attempt counter.
pub const LOCK_KEY: &str = "pg1:lock";
pub const LOCK_SCHEMA: u16 = 1;
/// PBKDF2-SHA256 iterations for new locks (OWASP 2023 recommendation for PBKDF2-HMAC-SHA256).
pub const PBKDF2_ITERATIONS: u32 = 600_000;
/// Wrong attempts after which the device data are erased: the data cannot be read without the PIN
/// anyway, and each further attempt would be a chance for someone who found the phone.
pub const MAX_FAILED: u32 = 10;
/// Idle times the user can choose, in minutes.
pub const IDLE_CHOICES_MIN: [u32; 5] = [1, 2, 5, 15, 30];
pub const DEFAULT_IDLE_SECS: u32 = 5 * 60;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockMeta {
    pub schema: u16,
    /// Base64 of the 16 random salt bytes.
    pub salt: String,
    pub iterations: u32,
    /// A known text sealed with the key: a wrong PIN fails to open it.
    pub check: String,
    /// Wrong attempts since the last unlock.
    pub failed: u32,
    /// No attempt is taken before this time (ms since the epoch).
    pub blocked_until_ms: Option<i64>,
    /// The app locks itself after this many seconds without input.
    pub idle_secs: u32,
}

/// Why a new PIN or passphrase is refused (German for the user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretError {
    TooShort,
    Trivial,
    Mismatch,
}

impl SecretError {
    pub fn message_de(&self) -> &'static str {
        match self {
            SecretError::TooShort => {
                "Die PIN braucht mindestens 6 Ziffern, ein Passwort mindestens 8 Zeichen."
            }
            SecretError::Trivial => {
                "Diese PIN ist zu leicht zu erraten (gleiche Ziffern oder eine Zahlenfolge)."
            }
            SecretError::Mismatch => "Die beiden Eingaben stimmen nicht überein.",
        }
    }
}

/// Checks a new PIN (digits only, at least 6, not all equal, not a run like 123456 or 987654) or
/// passphrase (at least 8 characters).
pub fn check_new_secret(secret: &str, repeat: &str) -> Result<(), SecretError> {
    let digits = !secret.is_empty() && secret.bytes().all(|b| b.is_ascii_digit());
    let len = secret.chars().count();
    if (digits && len < 6) || (!digits && len < 8) {
        return Err(SecretError::TooShort);
    }
    if digits {
        let b = secret.as_bytes();
        let steps: Vec<i16> = b.windows(2).map(|w| i16::from(w[1]) - i16::from(w[0])).collect();
        if steps.iter().all(|&s| s == 0) || steps.iter().all(|&s| s == 1) || steps.iter().all(|&s| s == -1) {
            return Err(SecretError::Trivial);
        }
    }
    if secret != repeat {
        return Err(SecretError::Mismatch);
    }
    Ok(())
}

/// What happens after a wrong attempt, given the count including it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterWrong {
    /// Try again at once; this many attempts are left before the device is erased.
    Retry { left: u32 },
    /// The form is blocked for this many seconds.
    Wait { secs: u32, left: u32 },
    /// The device data are erased.
    Erase,
}

/// Three attempts are free; then the form waits 30 s, 1 min, 2 min, 5 min, 10 min, ...; the tenth
/// wrong attempt erases the device.
pub fn after_wrong(failed: u32) -> AfterWrong {
    let left = MAX_FAILED.saturating_sub(failed);
    match failed {
        f if f >= MAX_FAILED => AfterWrong::Erase,
        0..=2 => AfterWrong::Retry { left },
        3 => AfterWrong::Wait { secs: 30, left },
        4 => AfterWrong::Wait { secs: 60, left },
        5 => AfterWrong::Wait { secs: 120, left },
        6 => AfterWrong::Wait { secs: 300, left },
        _ => AfterWrong::Wait { secs: 600, left },
    }
}

impl AfterWrong {
    pub fn message_de(&self) -> String {
        match self {
            AfterWrong::Retry { left } => {
                format!("Die PIN ist falsch. Noch {left} Versuche, dann werden die Daten auf diesem Gerät gelöscht.")
            }
            AfterWrong::Wait { secs, left } => format!(
                "Die PIN ist falsch. Nächster Versuch in {}. Noch {left} Versuche, dann werden die Daten auf \
                 diesem Gerät gelöscht.",
                wait_de(*secs)
            ),
            AfterWrong::Erase => "Zu viele falsche Versuche: Die Daten auf diesem Gerät wurden gelöscht. \
                                  Bitte neu anmelden; was schon übertragen war, ist auf dem Server sicher."
                .into(),
        }
    }
}

/// "30 Sekunden", "1 Minute", "5 Minuten".
pub fn wait_de(secs: u32) -> String {
    match secs {
        s if s < 60 => format!("{s} Sekunden"),
        60..=119 => "1 Minute".into(),
        s => format!("{} Minuten", s.div_ceil(60)),
    }
}

/// Whether the app should lock now, given the last input and the idle time.
pub fn idle_expired(now_ms: i64, last_activity_ms: i64, idle_secs: u32) -> bool {
    now_ms - last_activity_ms >= i64::from(idle_secs) * 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_secrets_need_length_and_no_obvious_pattern() {
        assert_eq!(check_new_secret("12345", "12345"), Err(SecretError::TooShort));
        assert_eq!(check_new_secret("kurz", "kurz"), Err(SecretError::TooShort));
        assert_eq!(check_new_secret("passwor", "passwor"), Err(SecretError::TooShort));
        assert_eq!(check_new_secret("000000", "000000"), Err(SecretError::Trivial));
        assert_eq!(check_new_secret("123456", "123456"), Err(SecretError::Trivial));
        assert_eq!(check_new_secret("987654", "987654"), Err(SecretError::Trivial));
        assert_eq!(check_new_secret("482916", "482915"), Err(SecretError::Mismatch));
        assert_eq!(check_new_secret("482916", "482916"), Ok(()));
        assert_eq!(check_new_secret("Fallakte sicher", "Fallakte sicher"), Ok(()));
        assert!(SecretError::TooShort.message_de().contains("mindestens 6 Ziffern"));
    }

    #[test]
    fn wrong_attempts_wait_longer_and_the_tenth_erases() {
        assert_eq!(after_wrong(1), AfterWrong::Retry { left: 9 });
        assert_eq!(after_wrong(2), AfterWrong::Retry { left: 8 });
        assert_eq!(after_wrong(3), AfterWrong::Wait { secs: 30, left: 7 });
        assert_eq!(after_wrong(4), AfterWrong::Wait { secs: 60, left: 6 });
        assert_eq!(after_wrong(9), AfterWrong::Wait { secs: 600, left: 1 });
        assert_eq!(after_wrong(10), AfterWrong::Erase);
        assert_eq!(after_wrong(11), AfterWrong::Erase);
        assert!(after_wrong(3).message_de().contains("30 Sekunden"));
        assert!(after_wrong(4).message_de().contains("1 Minute"));
        assert!(after_wrong(10).message_de().contains("gelöscht"));
    }

    #[test]
    fn idle_time_counts_from_the_last_input() {
        assert!(!idle_expired(10_000, 9_000, 2));
        assert!(idle_expired(11_000, 9_000, 2));
        assert!(idle_expired(1_000_000, 0, DEFAULT_IDLE_SECS));
    }

    #[test]
    fn lock_meta_round_trips() {
        let m = LockMeta {
            schema: LOCK_SCHEMA,
            salt: "AAAA".into(),
            iterations: PBKDF2_ITERATIONS,
            check: "e1:x".into(),
            failed: 0,
            blocked_until_ms: None,
            idle_secs: DEFAULT_IDLE_SECS,
        };
        let s = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<LockMeta>(&s).unwrap(), m);
    }
}
