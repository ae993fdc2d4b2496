//! Small browser helpers with harmless server-side stand-ins (they are only called on the device).

/// The device clock as RFC 3339, for display only (the server orders changes).
pub fn now_iso() -> String {
    #[cfg(feature = "hydrate")]
    {
        String::from(js_sys::Date::new_0().to_iso_string())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}

/// Today's local date as YYYY-MM-DD, the value format of `<input type="date">`.
pub fn today_iso() -> String {
    #[cfg(feature = "hydrate")]
    {
        let d = js_sys::Date::new_0();
        format!("{:04}-{:02}-{:02}", d.get_full_year(), d.get_month() + 1, d.get_date())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}

/// A future that completes in a later task, after `ms` milliseconds (0: once the browser had its
/// turn, so it could paint).
///
/// Use this in lazy pages instead of a timer or `Closure` of their own. wasm-bindgen rewrites the
/// code that turns a Rust closure into a JS function (`wbg_cast`) only in the main wasm; when
/// wasm-split moves such code into a chunk (as it did with a `gloo_timers` interval only the visit
/// page used), the main wasm keeps wasm-bindgen's placeholder imports and no browser can load it
/// (leptos-rs/leptos#4347; `build_release` checks for them). Not inlined, and called from the main
/// module too (`kv`), so the callback is created in the main wasm.
#[cfg(feature = "hydrate")]
#[inline(never)]
pub fn later(ms: u32) -> gloo_timers::future::TimeoutFuture {
    gloo_timers::future::TimeoutFuture::new(ms)
}

/// A random UUID from the browser's CSPRNG.
pub fn new_uuid() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()?.crypto().ok().map(|c| c.random_uuid())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// Formats an RFC 3339 device timestamp as "TT.MM.JJJJ, HH:MM" (UTC shown as local by the browser).
pub fn format_timestamp_de(iso: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(iso));
        if d.get_time().is_nan() {
            return iso.to_owned();
        }
        format!(
            "{:02}.{:02}.{:04}, {:02}:{:02}",
            d.get_date(),
            d.get_month() + 1,
            d.get_full_year(),
            d.get_hours(),
            d.get_minutes()
        )
    }
    #[cfg(not(feature = "hydrate"))]
    {
        iso.to_owned()
    }
}

/// The device clock in milliseconds since 1970 (0 where there is no browser).
pub fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0
    }
}

/// An RFC 3339 device timestamp in milliseconds since 1970, if the browser can read it.
pub fn parse_ms(iso: &str) -> Option<i64> {
    #[cfg(feature = "hydrate")]
    {
        let ms = js_sys::Date::parse(iso);
        (!ms.is_nan()).then_some(ms as i64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = iso;
        None
    }
}
