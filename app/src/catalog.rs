//! The module catalog the app composes Hilfesettings from: the built-in catalog of the domain crate,
//! parsed once per page.

use std::sync::OnceLock;

use passgenau_domain::catalog::Catalog;

static CATALOG: OnceLock<Option<Catalog>> = OnceLock::new();

/// The catalog, or `None` if its data cannot be read (then the composer says so in German).
pub fn catalog() -> Option<&'static Catalog> {
    CATALOG.get_or_init(|| Catalog::builtin().ok()).as_ref()
}
