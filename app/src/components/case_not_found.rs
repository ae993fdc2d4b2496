use leptos::prelude::*;

/// Shown by a case's pages when the case is not on this device.
#[component]
pub fn CaseNotFound() -> impl IntoView {
    view! {
        <section>
            <h1>"Fall nicht gefunden"</h1>
            <p>"Dieser Fall ist auf diesem Gerät nicht vorhanden. Nach dem Synchronisieren erscheint er, wenn er zu Ihrem Team gehört."</p>
            <p><a href="/">"Zur Fallübersicht"</a></p>
        </section>
    }
}
