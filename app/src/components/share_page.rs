use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use passgenau_domain::case::{parse_iso_date, CaseId};
use passgenau_domain::consent::{DataCategory, DisclosureBasis};

use super::{CategoryChoice, Loading, RequireSession};
use crate::handover::{self, Document, Recipient, Request};
use crate::state::use_app;
use crate::store;

/// Passing a case on outside the team (`/fall/weitergabe?id=<case>`): to a cooperation partner
/// only under a valid consent (§ 67b SGB X), or pseudonymised for a consultation (§ 64 Abs. 2a).
/// Entrusted notes (§ 65) go only on a basis chosen per note. Each copy is logged before it is
/// shown for printing; entrusted notes passed on are logged one by one.
#[component]
pub fn SharePage() -> impl IntoView {
    let ctx = use_app();
    let query = use_query_map();
    let case_id = Memo::new(move |_| query.read().get("id").and_then(|id| CaseId::parse(&id).ok()));
    let case = ctx.from_device(None, move |kv| case_id.get().and_then(|id| store::case(kv, id.as_str())));
    let partners = ctx.from_device(Vec::new(), move |kv| {
        let mut p: Vec<String> = case_id
            .get()
            .map(|id| store::consents(kv, &id))
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.partner)
            .collect();
        p.sort();
        p.dedup();
        p
    });
    let entrusted = ctx.from_device(Vec::new(), move |kv| {
        case_id.get().map(|id| handover::entrusted_notes(kv, &id)).unwrap_or_default()
    });
    let consultation = RwSignal::new(false);
    let partner = RwSignal::new(String::new());
    let categories = RwSignal::new(Vec::<DataCategory>::new());
    let bases = RwSignal::new(BTreeMap::<String, DisclosureBasis>::new());
    let error = RwSignal::new(None::<String>);
    let doc = RwSignal::new(None::<Document>);

    let make = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        doc.set(None);
        let Some(id) = case_id.get_untracked() else { return };
        let Ok(today) = parse_iso_date(&crate::util::today_iso()) else { return };
        let recipient = if consultation.get_untracked() {
            #[allow(unused_mut)] // filled only in the browser
            let mut random = [0u8; 4];
            #[cfg(feature = "hydrate")]
            if let Some(c) = web_sys::window().and_then(|w| w.crypto().ok()) {
                let _ = c.get_random_values_with_u8_array(&mut random);
            }
            Recipient::Consultation { pseudonym: handover::pseudonym(&random) }
        } else {
            Recipient::Partner(partner.get_untracked())
        };
        let req = Request {
            recipient,
            categories: categories.get_untracked(),
            bases: bases.get_untracked(),
            today,
        };
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let Some(kv) = crate::kv::device() else { return };
            match handover::build(&kv, &id, &req) {
                Ok(d) => {
                    // Logged before anyone can print it: the copy, then each entrusted note in it.
                    let now = crate::util::now_iso();
                    let action =
                        if consultation.get_untracked() { "case.export_pseudonymised" } else { "case.share" };
                    let detail = handover::audit_detail(&req, &d);
                    let mut logged = store::record_audit_event_detail(
                        &kv,
                        action,
                        id.as_str(),
                        Some(&detail),
                        &crate::util::new_uuid().unwrap_or_default(),
                        &now,
                    );
                    for (note, basis) in &d.disclosed {
                        if logged.is_ok() {
                            let Recipient::Partner(p) = &req.recipient else { break };
                            logged = store::record_audit_event_detail(
                                &kv,
                                "note.disclose",
                                id.as_str(),
                                Some(&format!("note={note}; partner={}; basis={}", p.trim(), basis.key())),
                                &crate::util::new_uuid().unwrap_or_default(),
                                &now,
                            );
                        }
                    }
                    match logged {
                        Ok(()) => {
                            error.set(None);
                            doc.set(Some(d));
                        }
                        Err(e) => error.set(Some(format!(
                            "Die Weitergabe konnte nicht protokolliert werden und wird daher nicht angezeigt. {}",
                            e.message_de()
                        ))),
                    }
                }
                Err(e) => error.set(Some(e.message_de())),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, req);
    };
    let print = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };

    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <section class="share">
                <p class="no-print"><a href=move || format!("/fall?id={}", case_id.get().map(|c| c.to_string()).unwrap_or_default())>"← Zum Fall"</a></p>
                <h1 class="no-print">"Weitergeben"</h1>
                <p class="subtitle no-print">{move || case.get().map(|c| c.label.as_str().to_owned())}</p>
                <form class="no-print" on:submit=make>
                    <fieldset>
                        <legend>"An wen"</legend>
                        <label class="check">
                            <input type="radio" name="empfaenger" prop:checked=move || !consultation.get() on:change=move |_| consultation.set(false)/>
                            "Kooperationspartner (nur mit gültiger Einwilligung)"
                        </label>
                        <label class="check">
                            <input type="radio" name="empfaenger" prop:checked=move || consultation.get() on:change=move |_| consultation.set(true)/>
                            "Fallberatung mit einer externen Fachkraft (pseudonymisiert, § 64 Abs. 2a SGB VIII)"
                        </label>
                    </fieldset>
                    <Show when=move || !consultation.get()>
                        <label for="wg-partner">"Kooperationspartner"</label>
                        <input id="wg-partner" list="wg-partner-liste" prop:value=move || partner.get()
                            on:input=move |ev| partner.set(event_target_value(&ev))/>
                        <datalist id="wg-partner-liste">
                            {move || partners.get().into_iter().map(|p| view! { <option value=p/> }).collect_view()}
                        </datalist>
                    </Show>
                    <CategoryChoice categories=categories/>
                    <Show when=move || !consultation.get() && categories.get().contains(&DataCategory::Besuchsnotizen) && !entrusted.get().is_empty()>
                        <fieldset data-testid="entrusted">
                            <legend>"Anvertraute Notizen (§ 65 SGB VIII)"</legend>
                            <p class="hint">"Anvertraute Notizen bleiben im Fall, außer Sie wählen ausdrücklich eine Grundlage. Jede Weitergabe wird protokolliert."</p>
                            {move || entrusted.get().into_iter().map(|n| {
                                let sid = format!("wg-grundlage-{}", n.id);
                                let nid = n.id.clone();
                                view! {
                                    <label for=sid.clone()>{format!("Notiz vom {}, anvertraut von {}", n.written_on, n.entrusted_by)}</label>
                                    <select id=sid
                                        prop:value={let nid = n.id.clone(); move || bases.get().get(&nid).map_or("", |b| b.key())}
                                        on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        let nid = nid.clone();
                                        bases.update(|b| match DisclosureBasis::parse(&v) {
                                            Some(basis) => { b.insert(nid, basis); }
                                            None => { b.remove(&nid); }
                                        });
                                    }>
                                        <option value="">"nicht weitergeben"</option>
                                        {DisclosureBasis::ALL.into_iter().map(|b| view! { <option value=b.key()>{b.label_de()}</option> }).collect_view()}
                                    </select>
                                }
                            }).collect_view()}
                        </fieldset>
                    </Show>
                    {move || error.get().map(|m| view! { <p class="error" role="alert" data-testid="share-blocked">{m}</p> })}
                    <p><button type="submit" class="primary">"Prüfen und Dokument erstellen"</button></p>
                </form>
                {move || doc.get().map(|d| view! {
                    <article class="handover" data-testid="handover">
                        <h2>{d.title.clone()}</h2>
                        <p>{d.intro.clone()}</p>
                        {d.sections.iter().map(|s| view! {
                            <h3>{s.heading.clone()}</h3>
                            <ul>{s.lines.iter().map(|l| view! { <li>{l.clone()}</li> }).collect_view()}</ul>
                        }).collect_view()}
                    </article>
                    <p class="no-print"><button type="button" on:click=print>"Drucken oder als PDF speichern"</button></p>
                    <p class="hint no-print">"Die Weitergabe ist protokolliert."</p>
                })}
            </section>
        </Show>
    }
    .into_any()
}
