//! One writing tab per browser. Tabs of one browser share `localStorage`, but not atomically: two
//! tabs allocating the next mutation id at the same moment could both take the same one, and one
//! change would overwrite the other. So only the tab holding the Web Lock `passgenau-schreiben`
//! writes; the others show the same data read-only (kept current by `storage` events), with a button
//! to take over. The lock passes on by itself when the writing tab closes or crashes.
//!
//! Enforced at the bottom: [`crate::kv::BrowserKv`] refuses writes in a reading tab, so no code path
//! can write around it. Without Web Locks (very old browsers) every tab writes, as before.

use std::cell::Cell;

thread_local! {
    /// Whether this tab may write the device store. True until [`start`] runs (server rendering,
    /// native tests, browsers without Web Locks).
    static WRITER: Cell<bool> = const { Cell::new(true) };
}

/// The name of the Web Lock that makes a tab the writer.
pub const LOCK_NAME: &str = "passgenau-schreiben";

pub fn is_writer() -> bool {
    WRITER.with(Cell::get)
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::rc::Rc;

    use js_sys::{Function, Object, Promise, Reflect};
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::{LOCK_NAME, WRITER};

    type OnChange = Rc<dyn Fn(bool)>;

    fn lock_manager() -> Option<JsValue> {
        let nav = web_sys::window()?.navigator();
        let locks = Reflect::get(&nav, &JsValue::from_str("locks")).ok()?;
        (!locks.is_undefined() && !locks.is_null()).then_some(locks)
    }

    fn set(writer: bool, on_change: &OnChange) {
        WRITER.with(|w| w.set(writer));
        on_change(writer);
    }

    /// Asks for the lock; with `steal`, takes it from the tab that holds it.
    fn request(locks: JsValue, steal: bool, on_change: OnChange) {
        let Ok(req) =
            Reflect::get(&locks, &JsValue::from_str("request")).and_then(|f| f.dyn_into::<Function>())
        else {
            set(true, &on_change);
            return;
        };
        let opts = Object::new();
        let _ = Reflect::set(&opts, &JsValue::from_str("steal"), &JsValue::from_bool(steal));
        let granted = on_change.clone();
        let callback = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
            set(true, &granted);
            // Held for the life of the tab, or until another tab takes over.
            Promise::new(&mut |_, _| {}).into()
        });
        let Ok(pending) = req
            .call3(&locks, &JsValue::from_str(LOCK_NAME), &opts, &callback)
            .and_then(|p| p.dyn_into::<Promise>())
        else {
            set(true, &on_change);
            return;
        };
        wasm_bindgen_futures::spawn_local(async move {
            // The request's promise rejects when another tab takes the lock: this tab becomes a
            // reader and queues for the lock again.
            if JsFuture::from(pending).await.is_err() {
                set(false, &on_change);
                request(locks, false, on_change);
            }
        });
    }

    /// Starts competing for the lock; `on_change` hears this tab's role whenever it changes.
    pub fn start(on_change: impl Fn(bool) + 'static) {
        let on_change: OnChange = Rc::new(on_change);
        let Some(locks) = lock_manager() else { return };
        set(false, &on_change);
        request(locks, false, on_change);
    }

    /// Takes the lock from the tab that holds it.
    pub fn take_over(on_change: impl Fn(bool) + 'static) {
        if let Some(locks) = lock_manager() {
            request(locks, true, Rc::new(on_change));
        }
    }
}

#[cfg(feature = "hydrate")]
pub use browser::{start, take_over};
