//! The device's key-value storage. In the browser it is `localStorage`; natively (tests, SSR) an
//! in-memory map. The store logic above it is plain Rust and tested without a browser.

use std::cell::RefCell;
use std::collections::BTreeMap;

/// Why a write failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KvError {
    /// The browser's storage quota is full (almost always the reason `setItem` fails).
    Quota,
    /// Another tab of this browser is the writing tab (see [`crate::tab`]).
    ReadOnly,
    /// The app is locked: the key to the device store is not in memory ([`crate::vault`]).
    Locked,
}

pub trait Kv {
    fn get(&self, key: &str) -> Option<String>;
    fn set(&self, key: &str, value: &str) -> Result<(), KvError>;
    fn remove(&self, key: &str);
    /// All keys starting with `prefix`.
    fn keys(&self, prefix: &str) -> Vec<String>;
}

#[derive(Default)]
pub struct MemKv {
    map: RefCell<BTreeMap<String, String>>,
    /// Simulated quota in bytes of values (None: unlimited).
    pub quota: Option<usize>,
}

impl MemKv {
    /// The same contents, with a simulated quota.
    pub fn with_quota(self, bytes: usize) -> Self {
        MemKv { quota: Some(bytes), ..self }
    }
}

impl Kv for MemKv {
    fn get(&self, key: &str) -> Option<String> {
        crate::topics::read(key, false);
        self.map.borrow().get(key).cloned()
    }
    fn set(&self, key: &str, value: &str) -> Result<(), KvError> {
        if let Some(q) = self.quota {
            let used: usize =
                self.map.borrow().iter().filter(|(k, _)| k.as_str() != key).map(|(_, v)| v.len()).sum();
            if used + value.len() > q {
                return Err(KvError::Quota);
            }
        }
        self.map.borrow_mut().insert(key.to_owned(), value.to_owned());
        crate::topics::changed(key);
        Ok(())
    }
    fn remove(&self, key: &str) {
        self.map.borrow_mut().remove(key);
        crate::topics::changed(key);
    }
    fn keys(&self, prefix: &str) -> Vec<String> {
        crate::topics::read(prefix, true);
        self.map.borrow().keys().filter(|k| k.starts_with(prefix)).cloned().collect()
    }
}

/// The device store in the browser: reads from the decrypted copy in memory, writes through it to
/// `localStorage` (encrypted).
#[cfg(feature = "hydrate")]
pub struct BrowserKv;

#[cfg(feature = "hydrate")]
type WriteFailedHook = Option<Box<dyn Fn(bool)>>;

#[cfg(feature = "hydrate")]
thread_local! {
    /// The decrypted store, filled when the app is unlocked ([`crate::vault`]) and dropped when it
    /// locks. Every read comes from here; nothing is read from `localStorage` while the app runs.
    static MIRROR: RefCell<Option<BTreeMap<String, String>>> = const { RefCell::new(None) };
    /// Writes not yet encrypted into `localStorage`: the latest value per key (`None`: remove).
    static PENDING: RefCell<BTreeMap<String, Option<String>>> = const { RefCell::new(BTreeMap::new()) };
    static FLUSHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Writes the full storage refused when the app locked, already encrypted: the key is gone, so
    /// they wait here as ciphertext until space frees or the app is unlocked again.
    static SEALED: RefCell<BTreeMap<String, Option<String>>> = const { RefCell::new(BTreeMap::new()) };
    /// Told whether writing to `localStorage` fails (full) or works again.
    static ON_WRITE_FAILED: RefCell<WriteFailedHook> = const { RefCell::new(None) };
}

/// Makes `map` the page's copy of the store (after unlocking).
#[cfg(feature = "hydrate")]
pub fn load_mirror(map: BTreeMap<String, String>) {
    MIRROR.with(|m| *m.borrow_mut() = Some(map));
    crate::topics::changed_all();
}

/// Forgets the plaintext copy (when locking or erasing). A lock first moves refused writes into
/// the encrypted backlog ([`seal_unwritten`]); erasing forgets that too.
#[cfg(feature = "hydrate")]
pub fn drop_mirror() {
    MIRROR.with(|m| m.borrow_mut().take());
    PENDING.with(|p| p.borrow_mut().clear());
    crate::topics::changed_all();
}

/// Resolves when no flush is running (however long a full storage makes it take).
#[cfg(feature = "hydrate")]
pub async fn idle() {
    while FLUSHING.with(|f| f.get()) {
        crate::util::later(10).await;
    }
}

/// Takes the encrypted backlog out, so that nothing writes it while an unlock reads the storage;
/// [`restore_backlog`] puts it into the store afterwards, [`return_backlog`] back if unlocking fails.
#[cfg(feature = "hydrate")]
pub fn take_backlog() -> BTreeMap<String, Option<String>> {
    SEALED.with(|s| std::mem::take(&mut *s.borrow_mut()))
}

#[cfg(feature = "hydrate")]
pub fn return_backlog(backlog: BTreeMap<String, Option<String>>) {
    SEALED.with(|s| {
        let mut s = s.borrow_mut();
        for (k, v) in backlog {
            s.entry(k).or_insert(v);
        }
    });
}

/// Forgets the encrypted backlog too (erasing the device).
#[cfg(feature = "hydrate")]
pub fn drop_backlog() {
    SEALED.with(|s| s.borrow_mut().clear());
}

/// Before the key is dropped: encrypts the writes a full storage refused, so that locking loses
/// nothing. They stay in memory as ciphertext ([`retry_unwritten`] writes them once space frees).
#[cfg(feature = "hydrate")]
pub async fn seal_unwritten() {
    let batch: BTreeMap<String, Option<String>> = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
    if batch.is_empty() {
        return;
    }
    let items: Vec<(String, String)> =
        batch.iter().filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v))).collect();
    match crate::vault::seal_all(items).await {
        Ok(sealed) => {
            let sealed: BTreeMap<String, String> = sealed.into_iter().collect();
            SEALED.with(|s| {
                let mut s = s.borrow_mut();
                for (k, v) in batch {
                    let c = v.and_then(|_| sealed.get(&k).cloned());
                    s.insert(k, c);
                }
            });
        }
        // No key (already locked): nothing can be sealed; keep the values where they were.
        Err(_) => PENDING.with(|p| {
            let mut p = p.borrow_mut();
            for (k, v) in batch {
                p.entry(k).or_insert(v);
            }
        }),
    }
}

/// After unlocking: the writes kept encrypted through the lock become the newest values in memory
/// again and are queued to be written.
#[cfg(feature = "hydrate")]
pub async fn restore_backlog(backlog: BTreeMap<String, Option<String>>) {
    if backlog.is_empty() {
        return;
    }
    for (k, v) in backlog {
        let plain = match &v {
            Some(c) => match crate::vault::open_one(&k, c).await {
                Ok(p) => Some(p),
                Err(_) => {
                    // Not this key's value (cannot happen without an erase); keep it, never drop it.
                    SEALED.with(|s| s.borrow_mut().insert(k, v));
                    continue;
                }
            },
            None => None,
        };
        MIRROR.with(|m| {
            if let Some(m) = m.borrow_mut().as_mut() {
                match &plain {
                    Some(p) => m.insert(k.clone(), p.clone()),
                    None => m.remove(&k),
                };
            }
        });
        crate::topics::changed(&k);
        PENDING.with(|p| p.borrow_mut().insert(k, plain));
    }
    schedule_flush();
}

/// Tries again to write what a full storage refused (called periodically while it is full).
#[cfg(feature = "hydrate")]
pub fn retry_unwritten() {
    if unwritten() > 0 {
        schedule_flush();
    }
}

/// Writes the encrypted backlog in order; false when the storage is still full.
#[cfg(feature = "hydrate")]
fn write_backlog(st: &web_sys::Storage) -> bool {
    SEALED.with(|s| {
        let mut s = s.borrow_mut();
        while let Some((k, v)) = s.pop_first() {
            let ok = match &v {
                Some(c) => st.set_item(&k, c).is_ok(),
                None => st.remove_item(&k).is_ok(),
            };
            if !ok {
                s.insert(k, v);
                return false;
            }
        }
        true
    })
}

/// Queues `value` to be encrypted into `localStorage` without changing the copy in memory (used to
/// encrypt values written before encryption existed).
#[cfg(feature = "hydrate")]
pub fn rewrite(key: &str, value: &str) {
    PENDING.with(|p| p.borrow_mut().insert(key.to_owned(), Some(value.to_owned())));
    schedule_flush();
}

/// Another tab (the writing one) changed `key`: decrypt its new value into this page's copy.
#[cfg(feature = "hydrate")]
pub async fn apply_remote_change(key: Option<String>, new_value: Option<String>) {
    let Some(key) = key else {
        // The whole storage was cleared.
        crate::vault::erase();
        return;
    };
    if key == crate::lock::LOCK_KEY || !key.starts_with(crate::store::PREFIX) || !crate::vault::is_unlocked()
    {
        return;
    }
    let plain = match new_value {
        None => None,
        Some(v) => crate::vault::open_one(&key, &v).await.ok(),
    };
    crate::topics::changed(&key);
    MIRROR.with(|m| {
        if let Some(m) = m.borrow_mut().as_mut() {
            match plain {
                Some(p) => m.insert(key, p),
                None => m.remove(&key),
            };
        }
    });
}

/// Registers who hears about failing and recovering writes.
#[cfg(feature = "hydrate")]
pub fn on_write_failed(f: impl Fn(bool) + 'static) {
    ON_WRITE_FAILED.with(|o| *o.borrow_mut() = Some(Box::new(f)));
}

#[cfg(feature = "hydrate")]
fn schedule_flush() {
    if !FLUSHING.with(|f| f.replace(true)) {
        leptos::task::spawn_local(flush());
    }
}

/// Writes the queued values: all values of one round are encrypted concurrently, then written to
/// `localStorage` in one synchronous step, so the writes of one change (record and queued mutation)
/// land together. A failed write keeps its value (and the later ones) queued for the next round.
#[cfg(feature = "hydrate")]
async fn flush() {
    let report = |full: bool| ON_WRITE_FAILED.with(|o| o.borrow().as_ref().map(|f| f(full)));
    // What was kept encrypted through a lock is older than anything queued since: it goes first.
    if let Some(st) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let had_backlog = SEALED.with(|s| !s.borrow().is_empty());
        if !write_backlog(&st) {
            report(true);
            FLUSHING.with(|f| f.set(false));
            return;
        }
        if had_backlog && PENDING.with(|p| p.borrow().is_empty()) {
            report(false);
        }
    }
    loop {
        let batch: BTreeMap<String, Option<String>> = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
        if batch.is_empty() {
            break;
        }
        let to_seal: Vec<(String, String)> =
            batch.iter().filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v))).collect();
        let sealed = match crate::vault::seal_all(to_seal).await {
            Ok(s) => s.into_iter().collect::<BTreeMap<_, _>>(),
            Err(_) => {
                // No key (cannot happen while a lock waits for this flush): keep the values queued,
                // never drop them.
                PENDING.with(|p| {
                    let mut p = p.borrow_mut();
                    for (k, v) in batch {
                        p.entry(k).or_insert(v);
                    }
                });
                break;
            }
        };
        let Some(st) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) else { break };
        let mut failed = None;
        for (k, v) in &batch {
            let ok = match v {
                Some(_) => st.set_item(k, &sealed[k]).is_ok(),
                None => st.remove_item(k).is_ok(),
            };
            if !ok {
                failed = Some(k.clone());
                break;
            }
        }
        if let Some(first) = failed {
            // Put back what was not written, unless a newer value is already queued.
            PENDING.with(|p| {
                let mut p = p.borrow_mut();
                for (k, v) in batch.into_iter().filter(|(k, _)| *k >= first) {
                    p.entry(k).or_insert(v);
                }
            });
            report(true);
            break;
        }
        report(false);
    }
    FLUSHING.with(|f| f.set(false));
}

/// Resolves once every queued write is in `localStorage` (or writing failed).
#[cfg(feature = "hydrate")]
pub async fn flushed() {
    for _ in 0..200 {
        let idle = !FLUSHING.with(|f| f.get()) && PENDING.with(|p| p.borrow().is_empty());
        if idle {
            return;
        }
        crate::util::later(10).await;
    }
}

/// Number of values not yet written to `localStorage` (shown while the device storage is full),
/// counting those kept encrypted through a lock.
#[cfg(feature = "hydrate")]
pub fn unwritten() -> usize {
    PENDING.with(|p| p.borrow().len()) + SEALED.with(|s| s.borrow().len())
}

#[cfg(feature = "hydrate")]
impl Kv for BrowserKv {
    fn get(&self, key: &str) -> Option<String> {
        crate::topics::read(key, false);
        MIRROR.with(|m| m.borrow().as_ref()?.get(key).cloned())
    }
    fn set(&self, key: &str, value: &str) -> Result<(), KvError> {
        if !crate::tab::is_writer() {
            return Err(KvError::ReadOnly);
        }
        MIRROR.with(|m| {
            let mut m = m.borrow_mut();
            let m = m.as_mut().ok_or(KvError::Locked)?;
            m.insert(key.to_owned(), value.to_owned());
            Ok::<_, KvError>(())
        })?;
        crate::topics::changed(key);
        PENDING.with(|p| p.borrow_mut().insert(key.to_owned(), Some(value.to_owned())));
        schedule_flush();
        Ok(())
    }
    /// A reading tab removes nothing either (see [`crate::tab`]).
    fn remove(&self, key: &str) {
        if crate::tab::is_writer() {
            let present = MIRROR.with(|m| m.borrow_mut().as_mut().map(|m| m.remove(key)).is_some());
            if present {
                crate::topics::changed(key);
                PENDING.with(|p| p.borrow_mut().insert(key.to_owned(), None));
                schedule_flush();
            }
        }
    }
    fn keys(&self, prefix: &str) -> Vec<String> {
        crate::topics::read(prefix, true);
        MIRROR.with(|m| {
            m.borrow().as_ref().map_or_else(Vec::new, |m| {
                m.range(prefix.to_owned()..)
                    .take_while(|(k, _)| k.starts_with(prefix))
                    .map(|(k, _)| k.clone())
                    .collect()
            })
        })
    }
}

/// The device storage, or `None` where there is none (on the server, or storage disabled).
#[cfg(feature = "hydrate")]
pub fn device() -> Option<BrowserKv> {
    web_sys::window()?.local_storage().ok().flatten().map(|_| BrowserKv)
}

#[cfg(not(feature = "hydrate"))]
pub fn device() -> Option<MemKv> {
    None
}
