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
        Ok(())
    }
    fn remove(&self, key: &str) {
        self.map.borrow_mut().remove(key);
    }
    fn keys(&self, prefix: &str) -> Vec<String> {
        self.map.borrow().keys().filter(|k| k.starts_with(prefix)).cloned().collect()
    }
}

#[cfg(feature = "hydrate")]
pub struct BrowserKv(web_sys::Storage);

#[cfg(feature = "hydrate")]
thread_local! {
    /// The entries of `localStorage`, read once per page and kept in step by every write of this tab.
    /// Each `getItem` is a call from wasm into JavaScript and a string copy; a screen that reads a few
    /// hundred records spent most of its time there. Only the writing tab writes (see [`crate::tab`]);
    /// the others drop the copy when a `storage` event tells them the store changed ([`forget_mirror`]).
    static MIRROR: RefCell<Option<BTreeMap<String, String>>> = const { RefCell::new(None) };
}

#[cfg(feature = "hydrate")]
impl BrowserKv {
    fn with_mirror<R>(&self, f: impl FnOnce(&mut BTreeMap<String, String>) -> R) -> R {
        MIRROR.with(|m| {
            let mut m = m.borrow_mut();
            let map = m.get_or_insert_with(|| {
                js_sys::Object::keys(&self.0)
                    .iter()
                    .filter_map(|k| k.as_string())
                    .filter_map(|k| self.0.get_item(&k).ok().flatten().map(|v| (k, v)))
                    .collect()
            });
            f(map)
        })
    }
}

/// Drops this page's copy of the store: another tab changed it, or this tab is about to write.
#[cfg(feature = "hydrate")]
pub fn forget_mirror() {
    MIRROR.with(|m| m.borrow_mut().take());
}

#[cfg(feature = "hydrate")]
impl Kv for BrowserKv {
    fn get(&self, key: &str) -> Option<String> {
        self.with_mirror(|m| m.get(key).cloned())
    }
    fn set(&self, key: &str, value: &str) -> Result<(), KvError> {
        if !crate::tab::is_writer() {
            return Err(KvError::ReadOnly);
        }
        self.0.set_item(key, value).map_err(|_| KvError::Quota)?;
        self.with_mirror(|m| m.insert(key.to_owned(), value.to_owned()));
        Ok(())
    }
    /// A reading tab removes nothing either (see [`crate::tab`]).
    fn remove(&self, key: &str) {
        if crate::tab::is_writer() {
            let _ = self.0.remove_item(key);
            self.with_mirror(|m| m.remove(key));
        }
    }
    fn keys(&self, prefix: &str) -> Vec<String> {
        self.with_mirror(|m| {
            m.range(prefix.to_owned()..).take_while(|(k, _)| k.starts_with(prefix)).map(|(k, _)| k.clone()).collect()
        })
    }
}

/// The device storage, or `None` where there is none (on the server, or storage disabled).
#[cfg(feature = "hydrate")]
pub fn device() -> Option<BrowserKv> {
    web_sys::window()?.local_storage().ok().flatten().map(BrowserKv)
}

#[cfg(not(feature = "hydrate"))]
pub fn device() -> Option<MemKv> {
    None
}
