use leptos::prelude::*;

/// Shown while the device store is not read yet (server render and hydration).
#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading" aria-busy="true">"Daten dieses Geräts werden geladen …"</p> }
}
