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
    let birth = RwSignal::new(String::new());
    let custody = RwSignal::new(Vec::<String>::new());
    let status = RwSignal::new(passgenau_domain::case::CaseStatus::Clearing.key().to_owned());
    let assigned = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // Read from the field at submit, so text typed before the app started is not lost to hydration.
    let label_field = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if ctx.mounted.get() && start.get_untracked().is_empty() {
            start.set(crate::util::today_iso());
        }
        if ctx.mounted.get() && assigned.get_untracked().is_empty() {
            if let Some(s) = ctx.session.get() {
                assigned.set(s.display_name);
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::case::{parse_iso_date, Case, CaseId, CaseLabel};
            use passgenau_domain::UserMessage;
            let made = (|| {
                let typed = label_field.get_untracked().map_or_else(|| label.get_untracked(), |e| e.value());
                let label = CaseLabel::parse(&typed).map_err(|e| e.message_de())?;
                let start = parse_iso_date(&start.get_untracked()).map_err(|e| e.message_de())?;
                let id = crate::util::new_uuid()
                    .and_then(|u| CaseId::parse(&u).ok())
                    .ok_or_else(|| "Dieser Browser kann keine sichere Kennung erzeugen.".to_string())?;
                let mut case = Case::new(id, label, start);
                let b = birth.get_untracked();
                case.birth = if b.trim().is_empty() {
                    None
                } else {
                    Some(passgenau_domain::case::parse_birth(&b).map_err(|e| e.message_de())?)
                };
                case.custody = custody.get_untracked();
                case.status = passgenau_domain::case::CaseStatus::ALL
                    .into_iter()
                    .find(|s| s.key() == status.get_untracked())
                    .unwrap_or_default();
                let a = assigned.get_untracked();
                case.assigned_to = (!a.trim().is_empty()).then(|| a.trim().to_owned());
                case.validate().map_err(|e| e.message_de())?;
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
            // Disabled until the app has started; never a GET, which would put case data into the address.
            <form method="post" action="/fall/neu" on:submit=submit>
                <label for="kennung">"Aktenzeichen oder Pseudonym"</label>
                <input id="kennung" required maxlength="80" node_ref=label_field disabled=move || !ctx.mounted.get()
                    on:input=move |ev| label.set(event_target_value(&ev))/>
                <label for="beginn">"Beginn"</label>
                <input id="beginn" type="date" required prop:value=move || start.get()
                    on:input=move |ev| start.set(event_target_value(&ev))/>
                <label for="geburt">"Geburtsjahr oder -datum (optional)"</label>
                <input id="geburt" inputmode="numeric" placeholder="z. B. 2014" prop:value=move || birth.get()
                    on:input=move |ev| birth.set(event_target_value(&ev))/>
                <fieldset class="custody">
                    <legend>"Sorgerecht"</legend>
                    {passgenau_domain::case::CUSTODY_ROLES.iter().map(|role| view! {
                        <label class="check">
                            <input type="checkbox" on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                custody.update(|c| { c.retain(|x| x != role); if on { c.push(role.to_string()); } });
                            }/>
                            {*role}
                        </label>
                    }).collect_view()}
                </fieldset>
                <label for="status">"Status"</label>
                <select id="status" on:change=move |ev| status.set(event_target_value(&ev))>
                    {passgenau_domain::case::CaseStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.key() selected=move || status.get() == s.key()>{s.label_de()}</option>
                    }).collect_view()}
                </select>
                <label for="zustaendig">"Zuständige Fachkraft"</label>
                <input id="zustaendig" maxlength="80" prop:value=move || assigned.get()
                    on:input=move |ev| assigned.set(event_target_value(&ev))/>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <button type="submit" class="primary" disabled=move || !ctx.mounted.get()>"Fall anlegen"</button>
            </form>
        </section>
    }
    .into_any()
}
