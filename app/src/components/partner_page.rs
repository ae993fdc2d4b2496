use leptos::prelude::*;
use passgenau_domain::cooperation::{CooperationForm, Partner, PARTNER_SCHEMA_VERSION};
use serde_json::{json, Map};

use super::{Loading, RequireSession};
use crate::state::use_app;
use crate::store;

/// The team's cooperation partners (seed 003), each with its form of cooperation and what that
/// rests on. Partners are never deleted: one no longer used is marked inactive and is not offered
/// for new referrals. `/partner`.
#[component]
pub fn PartnerPage() -> impl IntoView {
    let ctx = use_app();
    let partners = ctx.from_device(Vec::new(), |kv| store::partners(kv));
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let name = RwSignal::new(String::new());
    let form = RwSignal::new(CooperationForm::Entgelt);
    let contact = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());

    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let p = Partner {
            schema: PARTNER_SCHEMA_VERSION,
            id: crate::util::new_uuid().unwrap_or_default(),
            name: name.get_untracked().trim().to_owned(),
            form: form.get_untracked(),
            contact: contact.get_untracked().trim().to_owned(),
            note: note.get_untracked().trim().to_owned(),
            inactive: false,
        };
        use passgenau_domain::UserMessage;
        if let Err(e) = p.validate() {
            error.set(Some(e.message_de()));
        } else {
            #[cfg(feature = "hydrate")]
            let Some(kv) = crate::kv::device() else {
                return;
            };
            #[cfg(feature = "hydrate")]
            match store::add_partner(&kv, &p, &crate::util::now_iso()) {
                Ok(()) => {
                    error.set(None);
                    saved.set(Some(format!("„{}“ ist als Kooperationspartner erfasst.", p.name)));
                    name.set(String::new());
                    contact.set(String::new());
                    note.set(String::new());
                    ctx.touch();
                }
                Err(e) => error.set(Some(e.message_de())),
            }
        }
    };
    let set_inactive = move |id: String, inactive: bool| {
        let fields = Map::from_iter([("inactive".to_owned(), json!(inactive))]);
        #[cfg(feature = "hydrate")]
        {
            let Some(kv) = crate::kv::device() else { return };
            ctx.settle(store::edit_partner(&kv, &id, fields, &crate::util::now_iso()), error);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, fields);
    };

    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <section class="partners">
                <h1>"Kooperationspartner"</h1>
                <p class="hint">"Partner des Teams, an die Familien vermittelt werden. Daten gehen an sie nur mit gültiger Einwilligung der Familie."</p>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                {move || saved.get().map(|m| view! { <p class="saved" role="status">{m}</p> })}
                <Show when=move || !partners.get().is_empty() fallback=|| view! { <p>"Noch keine Kooperationspartner."</p> }>
                    <ul class="consent-list" data-testid="partners">
                        <For each=move || partners.get() key=|p| format!("{p:?}") let:p>
                            {
                                let id = p.id.clone();
                                let inactive = p.inactive;
                                view! {
                                    <li data-testid="partner">
                                        <p><strong>{p.name.clone()}</strong>{if inactive { " · nicht mehr aktiv" } else { "" }}</p>
                                        <p class="meta">{p.form.label_de()}</p>
                                        <p>{format!("Grundlage: {}", p.form.basis_de())}</p>
                                        {(!p.contact.is_empty()).then(|| view! { <p>{format!("Erreichbar: {}", p.contact)}</p> })}
                                        {(!p.note.is_empty()).then(|| view! { <p>{p.note.clone()}</p> })}
                                        <button type="button" on:click=move |_| set_inactive(id.clone(), !inactive)>
                                            {if inactive { "Wieder aktiv setzen" } else { "Nicht mehr aktiv" }}
                                        </button>
                                    </li>
                                }
                            }
                        </For>
                    </ul>
                </Show>
                <form class="add" on:submit=add>
                    <h2>"Kooperationspartner erfassen"</h2>
                    <label for="kp-name">"Name (Einrichtung oder Dienst)"</label>
                    <input id="kp-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                    <fieldset>
                        <legend>"Form der Kooperation"</legend>
                        {CooperationForm::ALL.into_iter().map(|f| view! {
                            <label class="check">
                                <input type="radio" name="kp-form" prop:checked=move || form.get() == f on:change=move |_| form.set(f)/>
                                <span>{f.label_de()}<br/><small>{format!("z. B. {}", f.examples_de())}</small></span>
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <label for="kp-kontakt">"Erreichbarkeit (Dienststelle, nicht privat)"</label>
                    <input id="kp-kontakt" prop:value=move || contact.get() on:input=move |ev| contact.set(event_target_value(&ev))/>
                    <label for="kp-notiz">"Notiz"</label>
                    <input id="kp-notiz" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                    <p><button type="submit" class="primary">"Partner speichern"</button></p>
                </form>
            </section>
        </Show>
    }
    .into_any()
}
