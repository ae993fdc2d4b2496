use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use passgenau_domain::catalog::BillingForm;
use passgenau_domain::checklist::SECTIONS;
use passgenau_domain::visit::{fachleistungsstunden_de, Visit, PARTICIPANT_ROLES};
use serde_json::{json, Map, Value};

use super::{Loading, RequireSession, VisitRatings};
use crate::state::use_app;
use crate::store;
use crate::util::{format_timestamp_de, now_iso, now_ms, parse_ms};

/// The home visit on one screen: timer for the direct time (Fachleistungsstunden) against a module
/// of the Hilfesetting, travel time, who took part, the note, and the checklist items talked about.
/// Every change is saved on the device at once; a running timer survives reload and crash because
/// its start time is stored. `/fall/besuch?id=<visit>`.
#[component]
pub fn VisitScreen() -> impl IntoView {
    let ctx = use_app();
    let query = use_query_map();
    let visit_id = Memo::new(move |_| query.read().get("id").unwrap_or_default());
    let visit = ctx.from_device(None, move |kv| store::visit(kv, &visit_id.get()));
    let case = ctx.from_device(None, move |kv| {
        let v = store::visit(kv, &visit_id.get())?;
        store::case(kv, v.case_id.as_str())
    });
    let modules = ctx.from_device(Vec::new(), move |kv| {
        let Some(v) = store::visit(kv, &visit_id.get()) else { return Vec::new() };
        let cat = crate::catalog::catalog();
        store::hilfesetting(kv, &v.case_id)
            .instances
            .into_iter()
            .filter(|i| i.billing == BillingForm::Fachleistungsstunde)
            .map(|i| {
                let name = cat
                    .and_then(|c| c.get(&i.module_id))
                    .map_or(i.module_id.to_string(), |m| m.name_de.clone());
                (i.id.clone(), format!("{name} ({})", i.intensity.label_de()))
            })
            .collect::<Vec<_>>()
    });
    let notes = ctx.from_device(Vec::new(), move |kv| {
        let id = visit_id.get();
        let Some(v) = store::visit(kv, &id) else { return Vec::new() };
        store::visit_notes(kv, v.case_id.as_str())
            .into_iter()
            .filter(|n| n.visit_id.as_deref() == Some(id.as_str()))
            .collect::<Vec<_>>()
    });
    let error = RwSignal::new(None::<String>);
    // The clock the timer display follows; ticks every second in the browser.
    let now = RwSignal::new(now_ms());
    // A loop over `util::later`, not a `gloo_timers` interval: a JS callback created in this lazy
    // chunk would break the main wasm (see `util::later`). It ends with the page (the signal is
    // disposed then).
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        loop {
            crate::util::later(1000).await;
            if now.try_set(now_ms()).is_some() {
                break;
            }
        }
    });
    let seconds =
        move |v: &Visit| v.direct_seconds_at(v.running_since.as_deref().and_then(parse_ms), now.get());

    let save = move |fields: Map<String, Value>| {
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let Some(kv) = crate::kv::device() else { return };
            match store::edit_visit(&kv, &visit_id.get_untracked(), fields, &now_iso()) {
                Ok(()) => {
                    error.set(None);
                    ctx.touch();
                }
                Err(e) => error.set(Some(e.message_de())),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (fields, &ctx, &error);
    };
    let stop_fields = move |v: &Visit| {
        let s = v.direct_seconds_at(v.running_since.as_deref().and_then(parse_ms), now_ms());
        Map::from_iter([("direct_seconds".to_owned(), json!(s)), ("running_since".to_owned(), Value::Null)])
    };
    let toggle_timer = move |_| {
        let Some(v) = visit.get_untracked() else { return };
        if v.running_since.is_some() {
            save(stop_fields(&v));
        } else {
            now.set(now_ms());
            save(Map::from_iter([("running_since".to_owned(), json!(now_iso()))]));
        }
    };
    let record_note = move || {
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let (Some(kv), Some(note_id)) = (crate::kv::device(), crate::util::new_uuid()) else { return };
            match store::record_visit_note(&kv, &visit_id.get_untracked(), &note_id, &now_iso()) {
                Ok(_) => {
                    error.set(None);
                    ctx.touch();
                }
                Err(e) => error.set(Some(e.message_de())),
            }
        }
    };
    let finish = move |_| {
        let Some(v) = visit.get_untracked() else { return };
        let mut fields = if v.running_since.is_some() { stop_fields(&v) } else { Map::new() };
        fields.insert("finished".into(), json!(true));
        record_note();
        save(fields);
    };
    let toggle_in = move |field: &'static str, value: String, on: bool| {
        let Some(v) = visit.get_untracked() else { return };
        let mut list = if field == "participants" { v.participants } else { v.checklist_items };
        list.retain(|x| x != &value);
        if on {
            list.push(value);
        }
        save(Map::from_iter([(field.to_owned(), json!(list))]));
    };

    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <Show when=move || visit.get().is_some()
                fallback=|| view! {
                    <section>
                        <h1>"Hausbesuch nicht gefunden"</h1>
                        <p>"Dieser Besuch ist auf diesem Gerät nicht vorhanden."</p>
                        <p><a href="/">"Zur Fallübersicht"</a></p>
                    </section>
                }>
                <section class="visit">
                    <p><a href=move || format!("/fall?id={}", visit.get().map(|v| v.case_id.to_string()).unwrap_or_default())>"← Zum Fall"</a></p>
                    <h1>"Hausbesuch"</h1>
                    <p class="subtitle">
                        {move || case.get().map(|c| c.label.as_str().to_owned())}
                        " · " {move || visit.get().map(|v| de_day(&v.date))}
                        {move || visit.get().filter(|v| v.finished).map(|_| " · abgeschlossen")}
                    </p>
                    {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                    <div class="timer" role="group" aria-label="Direkte Zeit">
                        <p class="clock" data-testid="direct-time" aria-live="off">
                            {move || visit.get().map(|v| fachleistungsstunden_de(seconds(&v)))}
                        </p>
                        <button type="button" class=move || if visit.get().is_some_and(|v| v.running_since.is_some()) { "danger" } else { "primary" }
                            on:click=toggle_timer>
                            {move || if visit.get().is_some_and(|v| v.running_since.is_some()) { "Zeit stoppen" } else { "Zeit starten" }}
                        </button>
                    </div>
                    {view! {
                    <label for="besuch-modul">"Abgerechnet über (Fachleistungsstunden)"</label>
                    <select id="besuch-modul" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        save(Map::from_iter([("module_instance_id".to_owned(), if v.is_empty() { Value::Null } else { json!(v) })]))
                    }>
                        <option value="">"kein Modul gewählt"</option>
                        {move || {
                            let chosen = visit.get().and_then(|v| v.module_instance_id);
                            modules.get().into_iter().map(|(id, label)| {
                                let selected = chosen.as_deref() == Some(id.as_str());
                                view! { <option value=id selected=selected>{label}</option> }
                            }).collect_view()
                        }}
                    </select>
                    <label for="besuch-fahrzeit">"Fahrzeit (Minuten, getrennt von der direkten Zeit)"</label>
                    <input id="besuch-fahrzeit" type="number" min="0" max="1440" inputmode="numeric"
                        prop:value=move || visit.get().map(|v| v.travel_minutes.to_string()).unwrap_or_default()
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            match v.trim().parse::<i64>() {
                                Ok(m) => save(Map::from_iter([("travel_minutes".to_owned(), json!(m))])),
                                Err(_) if v.trim().is_empty() => save(Map::from_iter([("travel_minutes".to_owned(), json!(0))])),
                                Err(_) => error.set(Some("Bitte die Fahrzeit in ganzen Minuten eingeben.".into())),
                            }
                        }/>
                    }.into_any()}
                    <Participants visit=visit toggle=toggle_in/>
                    <label for="besuch-notiz">"Notiz"</label>
                    <textarea id="besuch-notiz" rows="6"
                        prop:value=move || visit.get().map(|v| v.draft_note).unwrap_or_default()
                        on:input=move |ev| save(Map::from_iter([("draft_note".to_owned(), json!(event_target_value(&ev)))]))></textarea>
                    <label class="check">
                        <input type="checkbox" prop:checked=move || visit.get().is_some_and(|v| v.draft_entrusted_by.is_some())
                            on:change=move |ev| {
                                let by = event_target_checked(&ev).then(|| json!(PARTICIPANT_ROLES[0]));
                                save(Map::from_iter([("draft_entrusted_by".to_owned(), by.unwrap_or(Value::Null))]))
                            }/>
                        "Anvertraut (§ 65 SGB VIII): nur mit Einwilligung oder gesetzlicher Ausnahme weitergeben"
                    </label>
                    <Show when=move || visit.get().is_some_and(|v| v.draft_entrusted_by.is_some())>
                        <label for="besuch-anvertraut">"Anvertraut von"</label>
                        <select id="besuch-anvertraut" on:change=move |ev| save(Map::from_iter([("draft_entrusted_by".to_owned(), json!(event_target_value(&ev)))]))>
                            {PARTICIPANT_ROLES.iter().map(|r| view! {
                                <option value=*r selected=move || visit.get().and_then(|v| v.draft_entrusted_by).as_deref() == Some(*r)>{*r}</option>
                            }).collect_view()}
                        </select>
                    </Show>
                    <p class="hint">"Die Notiz wird beim Tippen gesichert. Festgehaltene Notizen werden nicht mehr geändert; Ergänzungen sind neue Notizen."</p>
                    <p><button type="button" on:click=move |_| record_note()>"Notiz festhalten"</button></p>
                    <VisitNotes notes=notes/>
                    <VisitRatings visit=visit error=error/>
                    <TouchedItems visit=visit toggle=toggle_in/>
                    <p><button type="button" class="primary" on:click=finish>"Besuch abschließen"</button></p>
                    <p class="saved" aria-live="polite">"Jede Eingabe wird sofort auf diesem Gerät gespeichert."</p>
                </section>
            </Show>
        </Show>
    }
    .into_any()
}

/// `YYYY-MM-DD` as "TT.MM.JJJJ" (unchanged if unreadable).
pub fn de_day(iso: &str) -> String {
    passgenau_domain::case::parse_iso_date(iso)
        .map_or_else(|_| iso.to_owned(), super::setting_composer::de_date)
}

#[component]
fn Participants(
    visit: Memo<Option<Visit>>,
    toggle: impl Fn(&'static str, String, bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <fieldset class="participants">
            <legend>"Beteiligte"</legend>
            {PARTICIPANT_ROLES.iter().map(|role| view! {
                <label class="check">
                    <input type="checkbox"
                        prop:checked=move || visit.get().is_some_and(|v| v.participants.iter().any(|p| p == role))
                        on:change=move |ev| toggle("participants", role.to_string(), event_target_checked(&ev))/>
                    {*role}
                </label>
            }).collect_view()}
        </fieldset>
    }
    .into_any()
}

#[component]
fn TouchedItems(
    visit: Memo<Option<Visit>>,
    toggle: impl Fn(&'static str, String, bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <details class="touched">
            <summary>{move || format!("Besprochene Punkte der Checkliste ({})", visit.get().map_or(0, |v| v.checklist_items.len()))}</summary>
            {SECTIONS.iter().map(|s| view! {
                <fieldset>
                    <legend>{s.title}</legend>
                    {s.items.iter().map(|i| view! {
                        <label class="check">
                            <input type="checkbox"
                                prop:checked=move || visit.get().is_some_and(|v| v.checklist_items.iter().any(|x| x == i.id))
                                on:change=move |ev| toggle("checklist_items", i.id.to_string(), event_target_checked(&ev))/>
                            {i.text}
                        </label>
                    }).collect_view()}
                </fieldset>
            }).collect_view()}
        </details>
    }
    .into_any()
}

#[component]
fn VisitNotes(notes: Memo<Vec<passgenau_domain::visit::VisitNote>>) -> impl IntoView {
    view! {
        <Show when=move || !notes.get().is_empty()>
            <h2>"Festgehaltene Notizen"</h2>
            <ul class="visit-notes" data-testid="visit-notes">
                {move || notes.get().into_iter().map(|n| view! {
                    <li>
                        <p class="meta">{format!("{} · {}", n.author, format_timestamp_de(&n.written_at))}
                            {n.entrusted_by.map(|by| view! { " · " <strong class="entrusted">{format!("anvertraut von {by} (§ 65)")}</strong> })}</p>
                        <p class="text">{n.text}</p>
                    </li>
                }).collect_view()}
            </ul>
        </Show>
    }
    .into_any()
}
