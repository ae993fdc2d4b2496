use leptos::prelude::*;
use passgenau_domain::case::format_date_de;

use super::{Loading, RequireSession};
use crate::state::use_app;
use crate::store;

/// The cases on this device, searchable by Aktenzeichen or pseudonym.
#[component]
pub fn CaseList() -> impl IntoView {
    let ctx = use_app();
    let search = RwSignal::new(String::new());
    let cases = Memo::new(move |_| {
        ctx.revision.get();
        if !ctx.mounted.get() {
            return Vec::new();
        }
        crate::kv::device().map(|kv| store::cases(&kv)).unwrap_or_default()
    });
    let shown = move || {
        let q = search.get().trim().to_lowercase();
        cases
            .get()
            .into_iter()
            .filter(|c| q.is_empty() || c.label.as_str().to_lowercase().contains(&q))
            .collect::<Vec<_>>()
    };
    view! {
        <RequireSession/>
        <section>
            <div class="title-row">
                <h1>"Fälle"</h1>
                <a class="button primary" href="/fall/neu">"Neuer Fall"</a>
            </div>
            <label for="suche">"Suche nach Aktenzeichen oder Pseudonym"</label>
            <input id="suche" type="search" prop:value=move || search.get()
                on:input=move |ev| search.set(event_target_value(&ev))/>
            <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
                <Show when=move || !cases.get().is_empty()
                    fallback=|| view! { <p class="empty">"Noch keine Fälle auf diesem Gerät."</p> }>
                    <ul class="cases">
                        <For each=shown key=|c| (c.id.clone(), c.label.clone(), c.start_date) let:c>
                            <li>
                                <a href=format!("/fall?id={}", c.id)>{c.label.as_str().to_owned()}</a>
                                <span class="meta">{format!("Beginn {}", format_date_de(c.start_date))}</span>
                            </li>
                        </For>
                    </ul>
                </Show>
            </Show>
        </section>
    }
}
