//! The app-wide reactive state, provided once by [`crate::App`].

use leptos::prelude::*;
use passgenau_domain::auth::SessionInfo;

#[derive(Clone, Copy)]
pub struct AppCtx {
    /// False during server rendering, true in the browser from the first render. Device data are read
    /// only when it is true, so the server-rendered shell never depends on a device.
    pub mounted: RwSignal<bool>,
    /// Bumped when the whole device store may have changed (unlock, lock, another user, a change
    /// of this tab's role); every view that reads the store tracks it. A change of some records
    /// tells only the views that read their kind ([`crate::topics`]).
    pub revision: RwSignal<u64>,
    /// One trigger per topic of the store that a view read ([`crate::topics`]).
    topics: StoredValue<std::collections::HashMap<String, ArcTrigger>>,
    /// Notified at every change: views that read more than one topic (a wide prefix) track it.
    any_change: Trigger,
    /// Whether the server answered the last check (None: not checked yet).
    pub online: RwSignal<Option<bool>>,
    pub syncing: RwSignal<bool>,
    /// The last sync problem, in German.
    pub sync_error: RwSignal<Option<String>>,
    pub session: RwSignal<Option<SessionInfo>>,
    /// Whether this tab is the browser's writing tab ([`crate::tab`]).
    pub writer: RwSignal<bool>,
    /// A new version of the app is installed and waits for the user's go ([`AppCtx::apply_update`]).
    pub update_ready: RwSignal<bool>,
    /// Whether the device store is open ([`crate::vault`]).
    pub lock: RwSignal<LockState>,
    /// Writing to the device storage failed (full); the changes are kept in memory meanwhile.
    pub storage_full: RwSignal<bool>,
    /// The device is handed to a parent or a young person for the questionnaire: the header offers
    /// no way out, and leaving the questionnaire locks the device ([`AppCtx::take_back`]).
    pub handed_over: RwSignal<bool>,
}

/// The device lock as the views see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockState {
    /// No PIN set on this device yet (nobody logged in, or data from before encryption).
    NoLock,
    Locked,
    Unlocked,
}

impl AppCtx {
    pub fn new() -> Self {
        AppCtx {
            mounted: RwSignal::new(false),
            revision: RwSignal::new(0),
            topics: StoredValue::new(std::collections::HashMap::new()),
            any_change: Trigger::new(),
            online: RwSignal::new(None),
            syncing: RwSignal::new(false),
            sync_error: RwSignal::new(None),
            session: RwSignal::new(None),
            writer: RwSignal::new(true),
            handed_over: RwSignal::new(false),
            update_ready: RwSignal::new(false),
            lock: RwSignal::new(LockState::NoLock),
            storage_full: RwSignal::new(false),
        }
    }

    /// Reads the lock state of the device (at start, and after locking or erasing).
    pub fn refresh_lock(&self) {
        #[cfg(feature = "hydrate")]
        {
            let state = if crate::vault::is_unlocked() {
                LockState::Unlocked
            } else if crate::vault::lock_meta().is_some() {
                LockState::Locked
            } else {
                LockState::NoLock
            };
            self.lock.set(state);
            self.session.set(crate::kv::device().and_then(|kv| crate::store::session(&kv)));
            self.touch_all();
        }
    }

    /// Locks the app now: every change is written first, then key and plaintext are forgotten.
    pub fn lock_now(&self) {
        #[cfg(feature = "hydrate")]
        {
            let ctx = *self;
            leptos::task::spawn_local(async move {
                crate::vault::lock().await;
                ctx.refresh_lock();
            });
        }
    }

    /// Ends a hand-over: the app shows the lock screen at once (nothing of the next page is
    /// rendered), then the store's key is dropped; the worker's PIN opens it again.
    pub fn take_back(&self) {
        if self.handed_over.get_untracked() {
            self.handed_over.set(false);
            if self.lock.get_untracked() == LockState::Unlocked {
                self.lock.set(LockState::Locked);
                self.lock_now();
            }
        }
    }

    /// Tells the views that read what changed in the device store since the last call (all views
    /// when nothing was recorded, as a caller may have changed more than records).
    pub fn touch(&self) {
        let changed = crate::topics::take_changed();
        if changed.all || changed.named.is_empty() {
            self.revision.update(|r| *r += 1);
            return;
        }
        let triggers: Vec<ArcTrigger> = self
            .topics
            .with_value(|t| changed.named.iter().filter_map(|name| t.get(name).cloned()).collect());
        self.any_change.notify();
        for t in triggers {
            t.notify();
        }
    }

    /// Tells every view that reads the device store to read it again (after a change that is not
    /// only of records: unlock, another user, this tab starting or ending to write).
    pub fn touch_all(&self) {
        crate::topics::take_changed();
        self.revision.update(|r| *r += 1);
    }

    /// Makes the running computation depend on the topics in `read`.
    fn track_topics(&self, read: &crate::topics::Topics) {
        if read.all {
            self.any_change.track();
            return;
        }
        for name in &read.named {
            let trigger = self.topics.with_value(|t| t.get(name).cloned()).unwrap_or_else(|| {
                let t = ArcTrigger::new();
                self.topics.update_value(|m| {
                    m.insert(name.clone(), t.clone());
                });
                t
            });
            trigger.track();
        }
    }

    /// After a change of the device store: on success clears the page's error and redraws, else
    /// shows the German refusal (nothing was changed).
    pub fn settle(&self, result: Result<(), crate::store::StoreError>, error: RwSignal<Option<String>>) {
        use passgenau_domain::UserMessage;
        match result {
            Ok(()) => {
                error.set(None);
                self.touch();
            }
            Err(e) => error.set(Some(e.message_de())),
        }
    }

    /// Runs one sync round now, unless one is running.
    pub fn sync_now(&self) {
        #[cfg(feature = "hydrate")]
        {
            let ctx = *self;
            leptos::task::spawn_local(async move {
                ctx.run_sync().await;
            });
        }
    }

    #[cfg(feature = "hydrate")]
    async fn run_sync(self) -> bool {
        if self.syncing.get_untracked()
            || self.session.get_untracked().is_none()
            || !crate::vault::is_unlocked()
        {
            return false;
        }
        // Only the writing tab syncs; the others see its results through `storage` events. A role
        // without case files (Admin) has nothing to sync.
        let works_on_cases = self.session.get_untracked().is_some_and(|s| {
            passgenau_domain::roles::may(&s.role, passgenau_domain::roles::Permission::WorkOnCases)
        });
        if !crate::tab::is_writer() || !works_on_cases {
            return true;
        }
        self.syncing.set(true);
        let result = crate::sync::sync_once().await;
        self.syncing.set(false);
        self.touch();
        match result {
            Ok(()) => {
                self.online.set(Some(true));
                self.sync_error.set(None);
                true
            }
            Err(e) => {
                if e == crate::sync::SyncError::Offline {
                    self.online.set(Some(false));
                } else {
                    self.online.set(Some(crate::sync::server_reachable().await));
                }
                self.sync_error.set(Some(e.message_de()));
                false
            }
        }
    }

    /// Starts the background work of the device: service worker, periodic sync with exponential
    /// backoff and jitter, and a sync whenever the browser reports the network back.
    pub fn start(&self) {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::closure::Closure;
            use wasm_bindgen::JsCast;

            let ctx = *self;
            crate::tab::start(move |writer| {
                ctx.writer.set(writer);
                if writer {
                    ctx.touch_all();
                }
            });
            if let Some(w) = web_sys::window() {
                let container = w.navigator().service_worker();
                // A new build's worker took over: reload so page and assets are of one build.
                // Every input is already in local storage (written synchronously), so nothing is lost.
                if container.controller().is_some() {
                    let on_change = Closure::<dyn FnMut()>::new(move || {
                        if let Some(w) = web_sys::window() {
                            let _ = w.location().reload();
                        }
                    });
                    let _ = container.add_event_listener_with_callback(
                        "controllerchange",
                        on_change.as_ref().unchecked_ref(),
                    );
                    on_change.forget();
                }
                let registering = container.register("/sw.js");
                leptos::task::spawn_local(async move {
                    // Checked, not assumed: a browser that blocks service workers may resolve
                    // without a registration.
                    let registered = wasm_bindgen_futures::JsFuture::from(registering).await;
                    if let Ok(Ok(reg)) =
                        registered.map(|r| r.dyn_into::<web_sys::ServiceWorkerRegistration>())
                    {
                        update::watch(ctx, reg);
                    }
                });
                let on_online = Closure::<dyn FnMut()>::new(move || ctx.sync_now());
                let _ = w.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
                on_online.forget(); // Lives as long as the page.
                let on_offline = Closure::<dyn FnMut()>::new(move || ctx.online.set(Some(false)));
                let _ = w.add_event_listener_with_callback("offline", on_offline.as_ref().unchecked_ref());
                on_offline.forget();
                // Another tab of this browser changed the device store: show the same state here.
                let on_storage =
                    Closure::<dyn FnMut(web_sys::StorageEvent)>::new(move |ev: web_sys::StorageEvent| {
                        let (key, value) = (ev.key(), ev.new_value());
                        leptos::task::spawn_local(async move {
                            let erased = key.is_none()
                                || (key.as_deref() == Some(crate::lock::LOCK_KEY) && value.is_none());
                            if erased {
                                crate::vault::erase();
                                ctx.refresh_lock();
                                return;
                            }
                            crate::kv::apply_remote_change(key, value).await;
                            ctx.touch();
                        });
                    });
                let _ = w.add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref());
                on_storage.forget();
                crate::kv::on_write_failed(move |full| ctx.storage_full.set(full));
                // While the storage is full, try again every few seconds: space freed elsewhere
                // (another site's data, a sync) lets the kept values in without her doing anything.
                leptos::task::spawn_local(async move {
                    loop {
                        gloo_timers::future::sleep(std::time::Duration::from_secs(5)).await;
                        if ctx.storage_full.get_untracked() {
                            crate::kv::retry_unwritten();
                        }
                    }
                });
                // Leaving the page would lose what the full storage refused: let the browser ask.
                let on_leave = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
                    if crate::kv::unwritten() > 0 {
                        ev.prevent_default();
                    }
                });
                let _ = w.add_event_listener_with_callback("beforeunload", on_leave.as_ref().unchecked_ref());
                on_leave.forget();
                autolock::start(ctx);
            }
            leptos::task::spawn_local(async move {
                const BASE_MS: f64 = 30_000.0;
                const MAX_MS: f64 = 300_000.0;
                let mut delay = BASE_MS;
                loop {
                    let ok = if ctx.session.get_untracked().is_some() {
                        ctx.run_sync().await
                    } else {
                        let up = crate::sync::server_reachable().await;
                        ctx.online.set(Some(up));
                        up
                    };
                    delay = if ok { BASE_MS } else { (delay * 2.0).min(MAX_MS) };
                    update::check_for_update();
                    let jitter = 0.8 + 0.4 * js_sys::Math::random();
                    gloo_timers::future::sleep(std::time::Duration::from_millis((delay * jitter) as u64))
                        .await;
                }
            });
        }
    }
}

impl AppCtx {
    /// Activates the waiting new version; the page then reloads onto it (`controllerchange`).
    /// Every input is already in local storage, so nothing is lost.
    pub fn apply_update(&self) {
        #[cfg(feature = "hydrate")]
        update::activate_waiting();
    }
}

/// Updates of the app: a new build's service worker installs in the background and waits; the
/// user is told and chooses when to switch (`components/update_notice.rs`).
#[cfg(feature = "hydrate")]
mod update {
    use std::cell::RefCell;

    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    use super::AppCtx;
    use leptos::prelude::Set;

    thread_local! {
        static REGISTRATION: RefCell<Option<web_sys::ServiceWorkerRegistration>> = const { RefCell::new(None) };
        static CTX: RefCell<Option<AppCtx>> = const { RefCell::new(None) };
    }

    fn notice_if_waiting(reg: &web_sys::ServiceWorkerRegistration) {
        let controlled =
            web_sys::window().and_then(|w| w.navigator().service_worker().controller()).is_some();
        if reg.waiting().is_some() && controlled {
            CTX.with(|c| {
                if let Some(ctx) = *c.borrow() {
                    ctx.update_ready.set(true);
                }
            });
        }
    }

    pub fn watch(ctx: AppCtx, reg: web_sys::ServiceWorkerRegistration) {
        CTX.with(|c| *c.borrow_mut() = Some(ctx));
        notice_if_waiting(&reg);
        let watched = reg.clone();
        let on_found = Closure::<dyn FnMut()>::new(move || {
            if let Some(installing) = watched.installing() {
                let reg = watched.clone();
                let on_state = Closure::<dyn FnMut()>::new(move || notice_if_waiting(&reg));
                let _ = installing
                    .add_event_listener_with_callback("statechange", on_state.as_ref().unchecked_ref());
                on_state.forget();
            }
        });
        let _ = reg.add_event_listener_with_callback("updatefound", on_found.as_ref().unchecked_ref());
        on_found.forget(); // Lives as long as the page.
        REGISTRATION.with(|r| *r.borrow_mut() = Some(reg));
    }

    /// Asks the browser to look for a new version (called with each periodic sync).
    pub fn check_for_update() {
        REGISTRATION.with(|r| {
            if let Some(reg) = r.borrow().as_ref() {
                let _ = reg.update();
                notice_if_waiting(reg);
            }
        });
    }

    pub fn activate_waiting() {
        REGISTRATION.with(|r| {
            if let Some(waiting) = r.borrow().as_ref().and_then(|reg| reg.waiting()) {
                let _ = waiting.post_message(&wasm_bindgen::JsValue::from_str("skip-waiting"));
            }
        });
    }
}

impl Default for AppCtx {
    fn default() -> Self {
        Self::new()
    }
}

pub fn use_app() -> AppCtx {
    expect_context::<AppCtx>()
}

impl AppCtx {
    /// A value read from the device store: `default` on the server (whose render must not depend on a
    /// device) or without storage, recomputed after a change of what it read (the record kinds and
    /// other keys, [`crate::topics`]). `read` must take everything it depends on from `kv` or from
    /// signals.
    pub fn from_device<T>(
        self,
        default: T,
        read: impl Fn(&dyn crate::kv::Kv) -> T + Send + Sync + 'static,
    ) -> Memo<T>
    where
        T: Clone + PartialEq + Send + Sync + 'static,
    {
        Memo::new(move |_| {
            self.revision.get();
            if !self.mounted.get() {
                return default.clone();
            }
            let Some(kv) = crate::kv::device() else { return default.clone() };
            let (value, topics) = crate::topics::reading(|| read(&kv));
            self.track_topics(&topics);
            value
        })
    }
}

/// Locks the app after the idle time the user chose (stored with the lock), counted from the last
/// touch, key or input; also when the page comes back after being hidden longer than that.
#[cfg(feature = "hydrate")]
mod autolock {
    use std::cell::Cell;

    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    use super::AppCtx;

    thread_local! {
        static LAST_ACTIVITY: Cell<i64> = const { Cell::new(0) };
    }

    fn check(ctx: AppCtx) {
        if !crate::vault::is_unlocked() {
            return;
        }
        let Some(meta) = crate::vault::lock_meta() else { return };
        let now = crate::util::now_ms();
        if crate::lock::idle_expired(now, LAST_ACTIVITY.with(Cell::get), meta.idle_secs) {
            ctx.lock_now();
        }
    }

    pub fn start(ctx: AppCtx) {
        LAST_ACTIVITY.with(|l| l.set(crate::util::now_ms()));
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
        let on_activity =
            Closure::<dyn FnMut()>::new(move || LAST_ACTIVITY.with(|l| l.set(crate::util::now_ms())));
        for ev in ["pointerdown", "keydown", "input", "scroll"] {
            let _ = doc.add_event_listener_with_callback(ev, on_activity.as_ref().unchecked_ref());
        }
        on_activity.forget();
        let on_visible = Closure::<dyn FnMut()>::new(move || check(ctx));
        let _ = doc.add_event_listener_with_callback("visibilitychange", on_visible.as_ref().unchecked_ref());
        on_visible.forget();
        leptos::task::spawn_local(async move {
            loop {
                gloo_timers::future::sleep(std::time::Duration::from_secs(1)).await;
                check(ctx);
            }
        });
    }
}
