use leptos::prelude::*;

use crate::state::use_app;
use crate::store;
use crate::util::format_timestamp_de;

/// Online state, unsent changes, last sync, and a sync button: the device's sync state at a glance.
#[component]
pub fn StatusBar() -> impl IntoView {
    let ctx = use_app();
    let unsent = ctx.from_device(0, store::pending_count);
    let conflicts = ctx.from_device(0, store::open_conflict_count);
    let rejected = ctx.from_device(0, store::rejection_count);
    let last_sync = ctx.from_device(None, |kv| store::meta(kv).and_then(|m| m.last_sync));
    let online_text = move || match ctx.online.get() {
        Some(true) => "Online",
        Some(false) => "Offline",
        None => "Verbindung wird geprüft",
    };
    view! {
        <div class="status" role="status" aria-live="polite">
            <span class="online" data-online=move || ctx.online.get().map(|o| o.to_string())>{online_text}</span>
            <Show when=move || ctx.session.get().is_some()>
                <a class="unsent" href="/nicht-uebertragen" data-testid="unsent"
                    data-count=move || unsent.get().to_string()>
                    {move || format!("Nicht übertragen: {}", unsent.get())}
                </a>
                <Show when=move || { rejected.get() > 0 }>
                    <a class="rejected-link" href="/nicht-uebertragen" data-testid="rejected"
                        data-count=move || rejected.get().to_string()>
                        {move || format!("Abgelehnt: {}", rejected.get())}
                    </a>
                </Show>
                <Show when=move || { conflicts.get() > 0 }>
                    <a class="conflict-link" href="/konflikte" data-testid="conflicts"
                        data-count=move || conflicts.get().to_string()>
                        {move || format!("Konflikte: {}", conflicts.get())}
                    </a>
                </Show>
                <span class="last-sync">
                    {move || match last_sync.get() {
                        Some(t) => format!("Zuletzt synchronisiert: {}", format_timestamp_de(&t)),
                        None => "Noch nicht synchronisiert".to_string(),
                    }}
                </span>
                <button type="button" on:click=move |_| ctx.sync_now() disabled=move || ctx.syncing.get()>
                    {move || if ctx.syncing.get() { "Synchronisiere …" } else { "Jetzt synchronisieren" }}
                </button>
            </Show>
            {move || ctx.sync_error.get().map(|m| view! { <p class="error">{m}</p> })}
            <Show when=move || ctx.storage_full.get()>
                <p class="error" role="alert">
                    "Der Speicher dieses Geräts ist voll. Ihre Eingaben sind in dieser Sitzung noch vorhanden, "
                    "aber nicht dauerhaft gesichert: bitte jetzt synchronisieren oder "
                    <a href="/nicht-uebertragen">"die nicht übertragenen Änderungen herunterladen"</a>"."
                </p>
            </Show>
        </div>
    }
}
