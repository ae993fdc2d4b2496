//! Encryption at rest of the device store (browser only).
//!
//! - The key is derived from the user's PIN or passphrase with PBKDF2-SHA256 ([`PBKDF2_ITERATIONS`],
//!   random 16-byte salt) by WebCrypto as a non-extractable AES-GCM-256 `CryptoKey`; it lives only in
//!   this page's memory and is dropped when the app locks.
//! - Every value under `pg1:` except [`LOCK_KEY`] is stored as `e1:` + base64(iv ‖ ciphertext ‖ tag),
//!   a fresh 12-byte IV per write, the storage key as additional data (a value moved to another key
//!   does not open).
//! - Unlocking decrypts the whole store into the in-memory copy [`crate::kv`] reads from; writes go
//!   to that copy at once and are encrypted and written to `localStorage` right after, in order.

use std::cell::RefCell;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, Storage, SubtleCrypto};

use crate::lock::{after_wrong, AfterWrong, LockMeta, LOCK_KEY, LOCK_SCHEMA, PBKDF2_ITERATIONS};

pub const SEALED_PREFIX: &str = "e1:";
const CHECK_TEXT: &str = "passgenau-lock-v1";

thread_local! {
    static KEY: RefCell<Option<CryptoKey>> = const { RefCell::new(None) };
}

/// What went wrong with the lock, in German for the user.
#[derive(Debug, Clone, PartialEq)]
pub enum VaultError {
    /// No WebCrypto (very old browser or not a secure context).
    NoCrypto,
    /// Local storage refused a write.
    Storage,
    Wrong(AfterWrong),
    /// Blocked after wrong attempts for this many more seconds.
    Blocked(u32),
    /// A value could not be decrypted (damaged store).
    Damaged,
}

impl VaultError {
    pub fn message_de(&self) -> String {
        match self {
            VaultError::NoCrypto => {
                "Dieser Browser kann die Daten nicht verschlüsseln. Bitte einen aktuellen \
                                     Browser verwenden (Chrome, Firefox, Safari, Edge)."
                    .into()
            }
            VaultError::Storage => "Der Speicher dieses Geräts ist voll oder gesperrt.".into(),
            VaultError::Wrong(a) => a.message_de(),
            VaultError::Blocked(secs) => {
                format!("Zu viele falsche Versuche. Nächster Versuch in {}.", crate::lock::wait_de(*secs))
            }
            VaultError::Damaged => {
                "Ein Teil der Daten auf diesem Gerät ist beschädigt und kann nicht gelesen \
                                    werden. Bitte an die Administration wenden."
                    .into()
            }
        }
    }
}

fn js_err(_: JsValue) -> VaultError {
    VaultError::NoCrypto
}

fn storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn subtle() -> Result<SubtleCrypto, VaultError> {
    Ok(web_sys::window().ok_or(VaultError::NoCrypto)?.crypto().map_err(js_err)?.subtle())
}

fn random_bytes<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut b = [0u8; N];
    web_sys::window()
        .ok_or(VaultError::NoCrypto)?
        .crypto()
        .map_err(js_err)?
        .get_random_values_with_u8_array(&mut b)
        .map_err(js_err)?;
    Ok(b)
}

fn object(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

fn bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

async fn derive_key(secret: &str, salt: &[u8], iterations: u32) -> Result<CryptoKey, VaultError> {
    let s = subtle()?;
    let raw = Uint8Array::from(secret.as_bytes());
    let base = JsFuture::from(
        s.import_key_with_str("raw", &raw, "PBKDF2", false, &Array::of1(&"deriveKey".into()))
            .map_err(js_err)?,
    )
    .await
    .map_err(js_err)?;
    let alg = object(&[
        ("name", "PBKDF2".into()),
        ("salt", bytes(salt)),
        ("iterations", iterations.into()),
        ("hash", "SHA-256".into()),
    ]);
    let target = object(&[("name", "AES-GCM".into()), ("length", 256.into())]);
    let key = JsFuture::from(
        s.derive_key_with_object_and_object(
            &alg,
            &base.unchecked_into(),
            &target,
            false,
            &Array::of2(&"encrypt".into(), &"decrypt".into()),
        )
        .map_err(js_err)?,
    )
    .await
    .map_err(js_err)?;
    Ok(key.unchecked_into())
}

/// Starts encrypting `plain` for storage under `aad`; the promise resolves to iv ‖ ciphertext.
fn seal_start(key: &CryptoKey, aad: &str, plain: &str) -> Result<(JsFuture, [u8; 12]), VaultError> {
    let iv = random_bytes::<12>()?;
    let alg =
        object(&[("name", "AES-GCM".into()), ("iv", bytes(&iv)), ("additionalData", bytes(aad.as_bytes()))]);
    let p = subtle()?.encrypt_with_object_and_u8_array(&alg, key, plain.as_bytes()).map_err(js_err)?;
    Ok((JsFuture::from(p), iv))
}

async fn seal_finish(started: (JsFuture, [u8; 12])) -> Result<String, VaultError> {
    let (fut, iv) = started;
    let ct = Uint8Array::new(&fut.await.map_err(js_err)?).to_vec();
    let mut buf = iv.to_vec();
    buf.extend_from_slice(&ct);
    Ok(format!("{SEALED_PREFIX}{}", crate::b64::encode(&buf)))
}

fn open_start(key: &CryptoKey, aad: &str, stored: &str) -> Result<JsFuture, VaultError> {
    let raw = stored.strip_prefix(SEALED_PREFIX).and_then(crate::b64::decode).ok_or(VaultError::Damaged)?;
    if raw.len() < 12 + 16 {
        return Err(VaultError::Damaged);
    }
    let alg = object(&[
        ("name", "AES-GCM".into()),
        ("iv", bytes(&raw[..12])),
        ("additionalData", bytes(aad.as_bytes())),
    ]);
    Ok(JsFuture::from(subtle()?.decrypt_with_object_and_u8_array(&alg, key, &raw[12..]).map_err(js_err)?))
}

async fn open_finish(fut: JsFuture) -> Result<String, VaultError> {
    let plain = Uint8Array::new(&fut.await.map_err(|_| VaultError::Damaged)?).to_vec();
    String::from_utf8(plain).map_err(|_| VaultError::Damaged)
}

/// Encrypts several values at once (the promises run concurrently).
pub async fn seal_all(items: Vec<(String, String)>) -> Result<Vec<(String, String)>, VaultError> {
    let key = current_key().ok_or(VaultError::NoCrypto)?;
    let mut started = Vec::with_capacity(items.len());
    for (k, v) in items {
        let s = seal_start(&key, &k, &v)?;
        started.push((k, s));
    }
    let mut out = Vec::with_capacity(started.len());
    for (k, s) in started {
        out.push((k, seal_finish(s).await?));
    }
    Ok(out)
}

/// Decrypts one stored value with the current key.
pub async fn open_one(key_name: &str, stored: &str) -> Result<String, VaultError> {
    let key = current_key().ok_or(VaultError::NoCrypto)?;
    open_finish(open_start(&key, key_name, stored)?).await
}

pub fn current_key() -> Option<CryptoKey> {
    KEY.with(|k| k.borrow().clone())
}

pub fn is_unlocked() -> bool {
    KEY.with(|k| k.borrow().is_some())
}

pub fn lock_meta() -> Option<LockMeta> {
    let s = storage()?.get_item(LOCK_KEY).ok().flatten()?;
    serde_json::from_str::<LockMeta>(&s).ok().filter(|m| m.schema == LOCK_SCHEMA)
}

fn write_meta(m: &LockMeta) -> Result<(), VaultError> {
    let s = serde_json::to_string(m).map_err(|_| VaultError::Storage)?;
    storage().ok_or(VaultError::Storage)?.set_item(LOCK_KEY, &s).map_err(|_| VaultError::Storage)
}

/// Every Passgenau entry of `localStorage` except the lock itself.
fn stored_entries() -> Vec<(String, String)> {
    let Some(st) = storage() else { return Vec::new() };
    js_sys::Object::keys(&st)
        .iter()
        .filter_map(|k| k.as_string())
        .filter(|k| k.starts_with(crate::store::PREFIX) && k != LOCK_KEY)
        .filter_map(|k| st.get_item(&k).ok().flatten().map(|v| (k, v)))
        .collect()
}

/// Whether the device holds store data written before encryption existed (plaintext JSON).
pub fn has_plaintext_data() -> bool {
    lock_meta().is_none() && stored_entries().iter().any(|(_, v)| !v.starts_with(SEALED_PREFIX))
}

/// Sets up the lock with a new PIN or passphrase and unlocks. Data already on the device (written
/// before encryption existed) are encrypted now; nothing is dropped.
pub async fn set_up(secret: &str, idle_secs: u32) -> Result<(), VaultError> {
    let salt = random_bytes::<16>()?;
    let key = derive_key(secret, &salt, PBKDF2_ITERATIONS).await?;
    let check = seal_finish(seal_start(&key, LOCK_KEY, CHECK_TEXT)?).await?;
    let (sealed, entries): (Vec<_>, Vec<_>) =
        stored_entries().into_iter().partition(|(_, v)| v.starts_with(SEALED_PREFIX));
    // Sealed values without a lock cannot be opened by anyone: remove them.
    if let Some(st) = storage() {
        for (k, _) in sealed {
            let _ = st.remove_item(&k);
        }
    }
    write_meta(&LockMeta {
        schema: LOCK_SCHEMA,
        salt: crate::b64::encode(&salt),
        iterations: PBKDF2_ITERATIONS,
        check,
        failed: 0,
        blocked_until_ms: None,
        idle_secs,
    })?;
    KEY.with(|k| *k.borrow_mut() = Some(key));
    crate::kv::load_mirror(entries.iter().cloned().collect());
    for (k, v) in entries {
        crate::kv::rewrite(&k, &v);
    }
    Ok(())
}

/// Checks the PIN and decrypts the store into memory. Wrong attempts count, block and finally erase
/// (see [`crate::lock::after_wrong`]).
pub async fn unlock(secret: &str) -> Result<(), VaultError> {
    let mut meta = lock_meta().ok_or(VaultError::Damaged)?;
    let now = crate::util::now_ms();
    if let Some(until) = meta.blocked_until_ms.filter(|&u| u > now) {
        return Err(VaultError::Blocked(((until - now) / 1000 + 1) as u32));
    }
    let salt = crate::b64::decode(&meta.salt).ok_or(VaultError::Damaged)?;
    let key = derive_key(secret, &salt, meta.iterations).await?;
    let opened = match open_start(&key, LOCK_KEY, &meta.check) {
        Ok(f) => open_finish(f).await.ok(),
        Err(_) => None,
    };
    if opened.as_deref() != Some(CHECK_TEXT) {
        meta.failed += 1;
        let after = after_wrong(meta.failed);
        match after {
            AfterWrong::Erase => erase(),
            AfterWrong::Wait { secs, .. } => {
                meta.blocked_until_ms = Some(now + i64::from(secs) * 1000);
                write_meta(&meta)?;
            }
            AfterWrong::Retry { .. } => write_meta(&meta)?,
        }
        return Err(VaultError::Wrong(after));
    }
    // Decrypt everything concurrently, then make it the page's copy of the store. The backlog kept
    // through the lock is taken out first: nothing may write it into the storage meanwhile, or it
    // would be neither in what is read here nor restored afterwards.
    let backlog = crate::kv::take_backlog();
    let (map, plain) = match decrypt_store(&key).await {
        Ok(x) => x,
        Err(e) => {
            crate::kv::return_backlog(backlog);
            return Err(e);
        }
    };
    meta.failed = 0;
    meta.blocked_until_ms = None;
    if let Err(e) = write_meta(&meta) {
        crate::kv::return_backlog(backlog);
        return Err(e);
    }
    KEY.with(|k| *k.borrow_mut() = Some(key));
    crate::kv::load_mirror(map);
    for (k, v) in plain {
        crate::kv::rewrite(&k, &v);
    }
    crate::kv::restore_backlog(backlog).await;
    Ok(())
}

/// Every stored entry, decrypted; entries from before encryption come back as they are, to be
/// encrypted now.
async fn decrypt_store(
    key: &CryptoKey,
) -> Result<(std::collections::BTreeMap<String, String>, Vec<(String, String)>), VaultError> {
    let mut started = Vec::new();
    let mut plain = Vec::new();
    for (k, v) in stored_entries() {
        if v.starts_with(SEALED_PREFIX) {
            started.push((k.clone(), open_start(key, &k, &v)?));
        } else {
            plain.push((k, v));
        }
    }
    let mut map = std::collections::BTreeMap::new();
    for (k, f) in started {
        map.insert(k, open_finish(f).await?);
    }
    for (k, v) in &plain {
        map.insert(k.clone(), v.clone());
    }
    Ok((map, plain))
}

/// Locks: waits until every change is written, then forgets key and plaintext.
pub async fn lock() {
    crate::kv::flushed().await;
    // A full storage refused some writes: once no flush holds any of them, keep them encrypted in
    // memory (never dropped).
    crate::kv::idle().await;
    crate::kv::seal_unwritten().await;
    KEY.with(|k| k.borrow_mut().take());
    crate::kv::drop_mirror();
}

/// Removes every Passgenau entry, the lock included, and forgets the key.
pub fn erase() {
    KEY.with(|k| k.borrow_mut().take());
    crate::kv::drop_mirror();
    crate::kv::drop_backlog();
    if let Some(st) = storage() {
        let keys: Vec<String> = js_sys::Object::keys(&st)
            .iter()
            .filter_map(|k| k.as_string())
            .filter(|k| k.starts_with(crate::store::PREFIX))
            .collect();
        for k in keys {
            let _ = st.remove_item(&k);
        }
    }
}

/// Changes the idle time before the app locks itself.
pub fn set_idle_secs(secs: u32) -> Result<(), VaultError> {
    let mut m = lock_meta().ok_or(VaultError::Damaged)?;
    m.idle_secs = secs;
    write_meta(&m)
}

/// Format name of an encrypted file of unsent changes.
pub const FILE_FORMAT: &str = "passgenau-unsent-changes-encrypted";
const FILE_AAD: &str = "passgenau-unsent-changes-v1";

/// Encrypts `plain` for a file with a key from `passphrase` (PBKDF2-SHA256, 600,000 iterations, a
/// fresh salt): the file can be opened anywhere with the passphrase, and by nobody without it.
pub async fn seal_file(passphrase: &str, plain: &str) -> Result<String, VaultError> {
    let salt = random_bytes::<16>()?;
    let key = derive_key(passphrase, &salt, PBKDF2_ITERATIONS).await?;
    let sealed = seal_finish(seal_start(&key, FILE_AAD, plain)?).await?;
    let doc = serde_json::json!({
        "format": FILE_FORMAT,
        "schema": 1,
        "kdf": "PBKDF2-SHA256",
        "iterations": PBKDF2_ITERATIONS,
        "salt": crate::b64::encode(&salt),
        "data": sealed,
    });
    Ok(doc.to_string())
}

/// Opens a file made by [`seal_file`]; a wrong passphrase or a damaged file is [`VaultError::Damaged`].
pub async fn open_file(passphrase: &str, text: &str) -> Result<String, VaultError> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|_| VaultError::Damaged)?;
    if doc["format"] != FILE_FORMAT {
        return Err(VaultError::Damaged);
    }
    let salt = doc["salt"].as_str().and_then(crate::b64::decode).ok_or(VaultError::Damaged)?;
    let iterations =
        doc["iterations"].as_u64().and_then(|i| u32::try_from(i).ok()).ok_or(VaultError::Damaged)?;
    let key = derive_key(passphrase, &salt, iterations).await?;
    open_finish(open_start(&key, FILE_AAD, doc["data"].as_str().ok_or(VaultError::Damaged)?)?).await
}
