use leptos::prelude::*;

use crate::state::use_app;

/// Shown in a tab that only reads because another tab of this browser writes (see `crate::tab`).
#[component]
pub fn TabNotice() -> impl IntoView {
    let ctx = use_app();
    let take_over = move |_| {
        #[cfg(feature = "hydrate")]
        crate::tab::take_over(move |writer| {
            ctx.writer.set(writer);
            ctx.touch_all();
        });
    };
    view! {
        <Show when=move || !ctx.writer.get()>
            <div class="notice tab-notice" role="status" data-testid="tab-notice">
                <p>
                    "Passgenau ist in einem anderen Tab zum Bearbeiten geöffnet. "
                    "Hier können Sie lesen; Änderungen sind in einem Tab zur Zeit möglich, damit nichts verloren geht."
                </p>
                <button type="button" on:click=take_over>"Hier bearbeiten"</button>
            </div>
        </Show>
    }
}
