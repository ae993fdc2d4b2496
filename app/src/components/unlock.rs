use leptos::prelude::*;

use crate::state::use_app;

/// The lock screen: nothing of the device store is readable until the PIN opens it.
#[component]
pub fn Unlock() -> impl IntoView {
    let ctx = use_app();
    let pin = NodeRef::<leptos::html::Input>::new();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let reset_error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let secret = pin.get_untracked().map(|e| e.value()).unwrap_or_default();
        if secret.is_empty() {
            error.set(Some("Bitte PIN eingeben.".into()));
            return;
        }
        busy.set(true);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let res = crate::vault::unlock(&secret).await;
            busy.set(false);
            if let Some(e) = pin.get_untracked() {
                e.set_value("");
            }
            match res {
                Ok(()) => {
                    error.set(None);
                    ctx.refresh_lock();
                    ctx.sync_now();
                }
                Err(e) => {
                    error.set(Some(e.message_de()));
                    ctx.refresh_lock();
                }
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (&ctx, secret);
    };
    // Another person may use this device only when nothing unsent would be lost. The queued changes
    // are encrypted, but their number shows in the storage keys.
    let reset = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let unsent = web_sys::window()
                .and_then(|w| w.local_storage().ok().flatten())
                .map(|st| {
                    js_sys::Object::keys(&st)
                        .iter()
                        .filter_map(|k| k.as_string())
                        .filter(|k| k.starts_with(crate::store::MUT_PREFIX))
                        .count()
                })
                .unwrap_or(0);
            let unsent = unsent + crate::kv::unwritten();
            if unsent > 0 {
                reset_error.set(Some(format!(
                    "Auf diesem Gerät liegen {unsent} nicht übertragene Änderungen. Bitte zuerst entsperren \
                     und synchronisieren; sonst gingen sie verloren."
                )));
                return;
            }
            leptos::task::spawn_local(async move {
                let _: Result<serde_json::Value, _> =
                    crate::sync::post("/api/v1/auth/logout", &serde_json::json!({})).await;
                crate::vault::erase();
                ctx.refresh_lock();
                if let Some(w) = web_sys::window() {
                    let _ = w.location().set_href("/anmelden");
                }
            });
        }
    };
    view! {
        <section class="narrow unlock">
            <h1>"Passgenau ist gesperrt"</h1>
            <p>"Die Daten auf diesem Gerät sind verschlüsselt. Bitte mit Ihrer PIN entsperren."</p>
            <Show when=move || ctx.storage_full.get()>
                <p class="error" role="alert">
                    "Der Speicher dieses Geräts ist voll. Ihre letzten Eingaben werden verschlüsselt bereitgehalten, "
                    "bis wieder Platz ist. Bitte diese Seite nicht schließen, sondern entsperren und synchronisieren."
                </p>
            </Show>
            <form on:submit=submit>
                <label for="pin">"PIN oder Passwort des Geräts"</label>
                <input id="pin" type="password" autocomplete="current-password" required node_ref=pin
                    disabled=move || !ctx.mounted.get()/>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get() || !ctx.mounted.get()>
                    {move || if busy.get() { "Entsperre …" } else { "Entsperren" }}
                </button>
            </form>
            <h2>"Andere Person"</h2>
            <p>"Wer dieses Gerät übernimmt, meldet sich neu an; die Daten hier werden dabei gelöscht."</p>
            <button type="button" on:click=reset>"Gerät leeren und neu anmelden"</button>
            {move || reset_error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </section>
    }
}
