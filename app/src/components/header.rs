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
            use passgenau_domain::UserMessage;
            let Some(kv) = crate::kv::device() else { return };
            match crate::store::end_session(&kv) {
                Err(e) => message.set(Some(e.message_de())),
                Ok(()) => {
                    message.set(None);
                    ctx.session.set(None);
                    ctx.touch();
                    leptos::task::spawn_local(async {
                        let _: Result<serde_json::Value, _> =
                            crate::sync::post("/api/v1/auth/logout", &serde_json::json!({})).await;
                    });
                    navigate("/anmelden", Default::default());
                }
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&navigate, &ctx);
    };
    view! {
        <header class="app-header">
            <a class="brand" href="/">"Passgenau"</a>
            <StatusBar/>
            <Show when=move || ctx.session.get().is_some()>
                <div class="user">
                    <span>{move || ctx.session.get().map(|s| format!("{} · {}", s.display_name, s.team_name))}</span>
                    <button type="button" class="link" on:click=logout.clone()>"Abmelden"</button>
                </div>
            </Show>
            {move || message.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </header>
    }
}
