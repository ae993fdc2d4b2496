use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::state::use_app;

/// Sends a visitor without a session on this device to the login page.
#[component]
pub fn RequireSession() -> impl IntoView {
    let ctx = use_app();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if ctx.mounted.get() && ctx.session.get().is_none() {
            navigate("/anmelden", Default::default());
        }
    });
}
