use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::StatusBar;
use crate::state::use_app;

#[component]
pub fn Header() -> impl IntoView {
    let ctx = use_app();
    let navigate = use_navigate();
    let message = RwSignal::new(None::<String>);
    let logout = move |_| {
        #[cfg(feature = "hydrate")]
        {
            use crate::sync::SyncError;
            use passgenau_domain::UserMessage;
            let Some(kv) = crate::kv::device() else { return };
            if let Err(e) = crate::store::check_can_end_session(&kv) {
                message.set(Some(e.message_de()));
                return;
            }
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                // The device is wiped only once the server session is gone: offline, a valid cookie
                // would otherwise stay behind on a device that looks logged out.
                // What was viewed or exported on this device reaches the audit log before its data go.
                if crate::sync::upload_audit_events(&kv).await.is_err() {
                    message.set(Some(
                        "Abmelden geht nur mit Verbindung zum Server. Bitte später erneut versuchen.".into(),
                    ));
                    return;
                }
                let res: Result<serde_json::Value, SyncError> =
                    crate::sync::post("/api/v1/auth/logout", &serde_json::json!({})).await;
                match res {
                    Ok(_) | Err(SyncError::Unauthorized) => {}
                    Err(_) => {
                        message.set(Some(
                            "Abmelden geht nur mit Verbindung zum Server. Bitte später erneut versuchen."
                                .into(),
                        ));
                        return;
                    }
                }
                if let Err(e) = crate::store::end_session(&kv) {
                    message.set(Some(e.message_de()));
                    return;
                }
                // The key and the lock go with the data: the next person sets their own PIN.
                crate::kv::flushed().await;
                crate::vault::erase();
                message.set(None);
                ctx.refresh_lock();
                navigate("/anmelden", Default::default());
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&navigate, &ctx);
    };
    view! {
        <header class="app-header">
            <a class="brand" href="/">"Passgenau"</a>
            <StatusBar/>
            // Not while the device is handed to a family member for the questionnaire.
            <Show when=move || ctx.session.get().is_some() && !ctx.handed_over.get()>
                <div class="user">
                    <span>{move || ctx.session.get().map(|s| format!("{} · {}", s.display_name, s.team_name))}</span>
                    <Show when=move || ctx.session.get().is_some_and(|s| passgenau_domain::roles::may(&s.role, passgenau_domain::roles::Permission::ManageUsers))>
                        <a class="link" href="/verwaltung">"Verwaltung"</a>
                    </Show>
                    <Show when=move || ctx.session.get().is_some_and(|s| passgenau_domain::roles::may(&s.role, passgenau_domain::roles::Permission::ViewTeamOverview))>
                        <a class="link" href="/team">"Team"</a>
                    </Show>
                    <button type="button" class="link" on:click=move |_| ctx.lock_now()>"Sperren"</button>
                    <button type="button" class="link" on:click=logout.clone()>"Abmelden"</button>
                </div>
            </Show>
            {move || message.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </header>
    }
}
