use leptos::prelude::*;

use crate::state::use_app;

/// Tells the user that a new version is ready and lets her switch when it suits her.
#[component]
pub fn UpdateNotice() -> impl IntoView {
    let ctx = use_app();
    view! {
        <Show when=move || ctx.update_ready.get()>
            <div class="notice update-notice" role="status" data-testid="update-notice">
                <p>"Eine neue Version von Passgenau ist bereit. Ihre Eingaben bleiben erhalten."</p>
                <button type="button" class="primary" on:click=move |_| ctx.apply_update()>"Jetzt aktualisieren"</button>
            </div>
        </Show>
    }
}
