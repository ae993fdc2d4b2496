use leptos::prelude::*;

use crate::lock::{check_new_secret, DEFAULT_IDLE_SECS, IDLE_CHOICES_MIN};
use crate::state::use_app;

/// Sets the device PIN or passphrase: from it the key is derived that encrypts everything Passgenau
/// keeps on this device. Calls `on_done` once the store is encrypted and open.
#[component]
pub fn SetPin(#[prop(into)] on_done: Callback<()>, #[prop(into)] intro: String) -> impl IntoView {
    let ctx = use_app();
    let pin = NodeRef::<leptos::html::Input>::new();
    let repeat = NodeRef::<leptos::html::Input>::new();
    let idle = RwSignal::new(DEFAULT_IDLE_SECS / 60);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value =
            |r: NodeRef<leptos::html::Input>| r.get_untracked().map(|e| e.value()).unwrap_or_default();
        let (secret, again) = (value(pin), value(repeat));
        if let Err(e) = check_new_secret(&secret, &again) {
            error.set(Some(e.message_de().into()));
            return;
        }
        error.set(None);
        busy.set(true);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let res = crate::vault::set_up(&secret, idle.get_untracked() * 60).await;
            busy.set(false);
            match res {
                Ok(()) => {
                    for r in [pin, repeat] {
                        if let Some(e) = r.get_untracked() {
                            e.set_value("");
                        }
                    }
                    ctx.refresh_lock();
                    on_done.run(());
                }
                Err(e) => error.set(Some(e.message_de())),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (&ctx, secret, on_done);
    };
    view! {
        <form class="set-pin" on:submit=submit>
            <h2>"Geräte-PIN festlegen"</h2>
            <p>{intro}</p>
            <label for="pin-neu">"PIN (mindestens 6 Ziffern) oder Passwort (mindestens 8 Zeichen)"</label>
            <input id="pin-neu" type="password" autocomplete="new-password" required node_ref=pin/>
            <label for="pin-wiederholen">"Noch einmal eingeben"</label>
            <input id="pin-wiederholen" type="password" autocomplete="new-password" required node_ref=repeat/>
            <label for="sperren-nach">"Automatisch sperren nach"</label>
            <select id="sperren-nach" on:change=move |ev| idle.set(event_target_value(&ev).parse().unwrap_or(5))>
                {IDLE_CHOICES_MIN.into_iter().map(|m| view! {
                    <option value=m.to_string() selected=m * 60 == DEFAULT_IDLE_SECS>
                        {if m == 1 { "1 Minute".to_string() } else { format!("{m} Minuten") }}
                    </option>
                }).collect_view()}
            </select>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <button type="submit" class="primary" disabled=move || busy.get()>
                {move || if busy.get() { "Verschlüssele …" } else { "PIN festlegen" }}
            </button>
        </form>
    }
}
