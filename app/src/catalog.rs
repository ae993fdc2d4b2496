//! The module catalog the app composes Hilfesettings from: the one an admin published on the server
//! (fetched with each sync and kept in the device store, `store::catalog_version`), else the one
//! built into the app. Parsed once per version.

use std::cell::RefCell;
use std::sync::OnceLock;

use passgenau_domain::catalog::Catalog;

static BUILTIN: OnceLock<Option<Catalog>> = OnceLock::new();

thread_local! {
    /// The server's catalog in use: its version and the parsed catalog. Leaked on purpose: a few
    /// kilobytes per published version, and every caller may keep its `&'static` reference.
    static CURRENT: RefCell<Option<(i64, &'static Catalog)>> = const { RefCell::new(None) };
}

/// The catalog, or `None` if no catalog can be read (then the composer says so in German).
pub fn catalog() -> Option<&'static Catalog> {
    #[cfg(feature = "hydrate")]
    if let Some(kv) = crate::kv::device() {
        if let Some(version) = crate::store::catalog_version(&kv) {
            let current = CURRENT.with(|c| *c.borrow());
            match current {
                Some((v, c)) if v == version => return Some(c),
                _ => {
                    let parsed = crate::store::catalog_json(&kv).and_then(|j| Catalog::from_json(j).ok());
                    if let Some(c) = parsed {
                        let c: &'static Catalog = Box::leak(Box::new(c));
                        CURRENT.with(|cur| *cur.borrow_mut() = Some((version, c)));
                        return Some(c);
                    }
                }
            }
        }
    }
    BUILTIN.get_or_init(|| Catalog::builtin().ok()).as_ref()
}
