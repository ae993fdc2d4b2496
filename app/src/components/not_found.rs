use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section>
            <h1>"Seite nicht gefunden"</h1>
            <p><a href="/">"Zur Fallübersicht"</a></p>
        </section>
    }
}
