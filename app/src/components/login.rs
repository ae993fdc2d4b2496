use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::components::SetPin;
use crate::state::use_app;

#[component]
pub fn Login() -> impl IntoView {
    let ctx = use_app();
    let navigate = use_navigate();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // Read from the fields themselves at submit: text typed before the app started (no input events
    // seen yet) counts, and hydration never overwrites what was typed.
    let user_field = NodeRef::<leptos::html::Input>::new();
    let pass_field = NodeRef::<leptos::html::Input>::new();
    // A login accepted by the server, waiting for the device PIN.
    let pending = RwSignal::new(None::<passgenau_domain::auth::SessionInfo>);
    let nav = navigate.clone();
    let finish = Callback::new(move |info: passgenau_domain::auth::SessionInfo| {
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let (Some(kv), Some(client_id)) = (crate::kv::device(), crate::util::new_uuid()) else {
                error.set(Some(crate::store::StoreError::Unavailable.message_de()));
                return;
            };
            if let Err(e) = crate::store::begin_session(&kv, &info, &client_id) {
                // The device keeps its user; the server session of the refused user ends.
                leptos::task::spawn_local(async move {
                    let _: Result<serde_json::Value, _> =
                        crate::sync::post("/api/v1/auth/logout", &serde_json::json!({})).await;
                });
                error.set(Some(e.message_de()));
                return;
            }
            pending.set(None);
            ctx.session.set(Some(info));
            ctx.touch_all();
            ctx.sync_now();
            nav("/", Default::default());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&nav, info);
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::auth::{LoginRequest, SessionInfo};

            use crate::sync::SyncError;

            busy.set(true);
            error.set(None);
            let field = |r: NodeRef<leptos::html::Input>, fallback: String| {
                r.get_untracked().map_or(fallback, |e| e.value())
            };
            let req = LoginRequest {
                username: field(user_field, username.get_untracked()),
                password: field(pass_field, password.get_untracked()),
            };
            leptos::task::spawn_local(async move {
                let res: Result<SessionInfo, SyncError> = crate::sync::post("/api/v1/auth/login", &req).await;
                busy.set(false);
                let info = match res {
                    Ok(info) => info,
                    Err(SyncError::Unauthorized) => {
                        error.set(Some("Benutzername oder Passwort ist falsch.".into()));
                        return;
                    }
                    Err(SyncError::Offline) => {
                        error.set(Some(
                            "Anmelden geht nur mit Verbindung zum Server. Bitte später erneut versuchen."
                                .into(),
                        ));
                        return;
                    }
                    Err(e) => {
                        error.set(Some(e.message_de()));
                        return;
                    }
                };
                password.set(String::new());
                if let Some(p) = pass_field.get_untracked() {
                    p.set_value("");
                }
                if ctx.lock.get_untracked() == crate::state::LockState::Unlocked {
                    finish.run(info);
                } else {
                    // First the device PIN: nothing is stored before the store can be encrypted.
                    pending.set(Some(info));
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&ctx, finish);
    };

    view! {
        <section class="narrow">
            <h1>"Anmelden"</h1>
            <Show when=move || pending.get().is_none() fallback=move || view! {
                <SetPin
                    intro="Alles, was Passgenau auf diesem Gerät speichert, wird mit einem Schlüssel aus \
                           dieser PIN verschlüsselt. Die PIN verlässt das Gerät nie; ohne sie sind die Daten \
                           hier nicht lesbar."
                    on_done=move |()| if let Some(info) = pending.get_untracked() { finish.run(info) }/>
            }>
            // Until the app has started, the button is disabled and the form posts (never GET: that
            // would put the password into the address and the server log).
            <form method="post" action="/anmelden" on:submit=submit>
                <label for="benutzername">"Benutzername"</label>
                // Disabled until the app runs: nothing typed can be lost to the page starting up.
                <input id="benutzername" name="username" autocomplete="username" required node_ref=user_field
                    disabled=move || !ctx.mounted.get()
                    on:input=move |ev| username.set(event_target_value(&ev))/>
                <label for="passwort">"Passwort"</label>
                <input id="passwort" name="password" type="password" autocomplete="current-password" required
                    node_ref=pass_field disabled=move || !ctx.mounted.get()
                    on:input=move |ev| password.set(event_target_value(&ev))/>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get() || !ctx.mounted.get()>"Anmelden"</button>
            </form>
            </Show>
            {move || pending.get().and(error.get()).map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </section>
    }
}
