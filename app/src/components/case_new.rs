use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::RequireSession;
use crate::state::use_app;

/// Creates a case with the minimum the task needs: Aktenzeichen or pseudonym and a start date.
#[component]
pub fn CaseNew() -> impl IntoView {
    let ctx = use_app();
    let navigate = use_navigate();
    let label = RwSignal::new(String::new());
    let start = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if ctx.mounted.get() && start.get_untracked().is_empty() {
            start.set(crate::util::today_iso());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::case::{parse_iso_date, Case, CaseId, CaseLabel};
            use passgenau_domain::UserMessage;
            let made = (|| {
                let label = CaseLabel::parse(&label.get_untracked()).map_err(|e| e.message_de())?;
                let start = parse_iso_date(&start.get_untracked()).map_err(|e| e.message_de())?;
                let id = crate::util::new_uuid()
                    .and_then(|u| CaseId::parse(&u).ok())
                    .ok_or_else(|| "Dieser Browser kann keine sichere Kennung erzeugen.".to_string())?;
                let case = Case::new(id, label, start);
                let kv =
                    crate::kv::device().ok_or_else(|| crate::store::StoreError::Unavailable.message_de())?;
                crate::store::create_case(&kv, &case, &crate::util::now_iso()).map_err(|e| e.message_de())?;
                Ok::<_, String>(case.id)
            })();
            match made {
                Ok(id) => {
                    ctx.touch();
                    ctx.sync_now();
                    navigate(&format!("/fall?id={id}"), Default::default());
                }
                Err(m) => error.set(Some(m)),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&navigate, &ctx);
    };
    view! {
        <RequireSession/>
        <section class="narrow">
            <h1>"Neuer Fall"</h1>
            <p class="hint">"Erfassen Sie nur, was für die Aufgabe nötig ist (§ 62 SGB VIII). Namen und Anschrift gehören nicht hierher."</p>
            <form on:submit=submit>
                <label for="kennung">"Aktenzeichen oder Pseudonym"</label>
                <input id="kennung" required maxlength="80" prop:value=move || label.get()
                    on:input=move |ev| label.set(event_target_value(&ev))/>
                <label for="beginn">"Beginn"</label>
                <input id="beginn" type="date" required prop:value=move || start.get()
                    on:input=move |ev| start.set(event_target_value(&ev))/>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <button type="submit" class="primary">"Fall anlegen"</button>
            </form>
        </section>
    }
}
