use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde_json::Map;
use serde_json::{json, Value};

use super::{CaseNotFound, Loading, RequireSession};
use crate::state::use_app;
use crate::store;

/// One case. Every change is saved on the device at once; there is no save button to forget.
#[component]
pub fn CaseDetail() -> impl IntoView {
    let ctx = use_app();
    let query = use_query_map();
    let id = Memo::new(move |_| query.read().get("id"));
    let case = ctx.from_device(None, move |kv| store::case(kv, &id.get()?));
    // Opening a case goes into the audit log (recorded here, offline too; uploaded after a sync).
    let logged = StoredValue::new(None::<String>);
    Effect::new(move |_| {
        let Some(c) = case.get() else { return };
        let id = c.id.to_string();
        if logged.get_value().as_deref() == Some(id.as_str()) {
            return;
        }
        logged.set_value(Some(id.clone()));
        #[cfg(feature = "hydrate")]
        if let (Some(kv), Some(event)) = (crate::kv::device(), crate::util::new_uuid()) {
            let _ = store::record_audit_event(&kv, "case.view", &id, &event, &crate::util::now_iso());
        }
    });
    let error = RwSignal::new(None::<String>);
    // The overview below the case's own fields (a dozen summaries over the store) is built in the
    // task after the case is shown, so the case itself shows sooner; the overview, below the fold
    // at 360×640, follows (bench/README.md).
    let overview = RwSignal::new(false);
    Effect::new(move |_| {
        if case.with(Option::is_some) && !overview.get_untracked() {
            #[cfg(feature = "hydrate")]
            leptos::task::spawn_local(async move {
                crate::util::later(0).await;
                overview.set(true);
            });
        }
    });
    let checklist_done = ctx.from_device(None, move |kv| {
        let id = passgenau_domain::case::CaseId::parse(&id.get()?).ok()?;
        Some(store::checklist(kv, &id).completeness())
    });
    let setting_summary = ctx.from_device(None, move |kv| {
        let id = passgenau_domain::case::CaseId::parse(&id.get()?).ok()?;
        let hs = store::hilfesetting(kv, &id);
        let cat = crate::catalog::catalog()?;
        let conv = passgenau_domain::money::Conventions::default();
        let per_month =
            passgenau_domain::setting::costs(&hs, cat, &conv).ok().map(|c| c.per_month_total_cents);
        Some((hs.instances.len(), per_month))
    });
    let clearing_summary = ctx.from_device(String::new(), move |kv| {
        let Some(id) = id.get().and_then(|i| passgenau_domain::case::CaseId::parse(&i).ok()) else {
            return String::new();
        };
        match store::clearing(kv, &id) {
            None => "Noch nicht begonnen.".into(),
            Some((rec, _)) => {
                let cat =
                    rec.category.map_or("Kategorie offen".to_owned(), |c| c.category.label_de().to_owned());
                format!("Frist {}, {cat}.", passgenau_domain::case::format_date_de(rec.deadline))
            }
        }
    });
    let goals_summary = ctx.from_device(String::new(), move |kv| {
        let Some(id) = id.get().and_then(|i| passgenau_domain::case::CaseId::parse(&i).ok()) else {
            return String::new();
        };
        let plan = store::goals(kv, &id);
        let n = plan.handlungsziele().count();
        if n == 0 {
            return "Noch keine Ziele.".into();
        }
        let trend = passgenau_domain::goals::case_trend(&plan);
        format!(
            "{} Wirkungsziele, {n} Handlungsziele; Tendenz: {}.",
            plan.wirkungsziele.len(),
            trend.direction.label_de()
        )
    });
    let visits = ctx.from_device(Vec::new(), move |kv| store::visits(kv, &id.get().unwrap_or_default()));
    let notes = ctx.from_device(Vec::new(), move |kv| store::visit_notes(kv, &id.get().unwrap_or_default()));
    let hilfeplan_latest = ctx.from_device(None, move |kv| {
        let id = id.get().and_then(|i| passgenau_domain::case::CaseId::parse(&i).ok())?;
        store::hilfeplans(kv, &id).pop().map(|v| (v.number, v.next_review))
    });
    let consent_count = ctx.from_device(0, move |kv| {
        id.get()
            .and_then(|i| passgenau_domain::case::CaseId::parse(&i).ok())
            .map_or(0, |i| store::consents(kv, &i).len())
    });
    let evaluation_summary = ctx.from_device(String::new(), move |kv| {
        let Some(id) = id.get().and_then(|i| passgenau_domain::case::CaseId::parse(&i).ok()) else {
            return String::new();
        };
        let evals = store::evaluations(kv, &id);
        let questionnaires = store::questionnaires(kv, &id).len();
        let mut s = match evals.len() {
            0 => "Noch keine Bewertung".to_owned(),
            1 => "1 Bewertung".to_owned(),
            n => format!("{n} Bewertungen"),
        };
        s.push_str(&match questionnaires {
            0 => String::new(),
            1 => ", 1 Fragebogen".to_owned(),
            n => format!(", {n} Fragebögen"),
        });
        s.push('.');
        if let Some(d) = passgenau_domain::evaluation::follow_up_due(&evals) {
            s.push_str(&format!(
                " Nachhaltigkeitsprüfung fällig am {}.",
                passgenau_domain::case::format_date_de(d)
            ));
        }
        s
    });
    let cooperation_summary = ctx.from_device(String::new(), move |kv| {
        let Some(id) = id.get().and_then(|i| passgenau_domain::case::CaseId::parse(&i).ok()) else {
            return String::new();
        };
        let open = store::referrals(kv, &id).iter().filter(|r| r.ended_on.is_none()).count();
        let mut s = match open {
            0 => "Keine laufende Vermittlung.".to_owned(),
            1 => "1 laufende Vermittlung.".to_owned(),
            n => format!("{n} laufende Vermittlungen."),
        };
        if store::kinderschutz(kv, &id).iter().any(|k| k.concluded_on.is_none()) {
            s.push_str(" § 8a-Einschätzung läuft.");
        }
        s
    });
    let open_conflicts = ctx.from_device(0, move |kv| {
        let id = id.get();
        store::open_conflicts(kv).iter().filter(|c| Some(&c.record_id) == id.as_ref()).count()
    });

    let save_fields = move |fields: serde_json::Map<String, Value>| {
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let Some(c) = case.get_untracked() else { return };
            let Some(kv) = crate::kv::device() else { return };
            match store::edit_case(&kv, &c.id, fields, &crate::util::now_iso()) {
                Ok(_) => {
                    error.set(None);
                    ctx.touch();
                }
                Err(e) => error.set(Some(e.message_de())),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (fields, &ctx, &error);
    };
    let save = move |field: &'static str, value: Value| {
        save_fields(serde_json::Map::from_iter([(field.to_owned(), value)]))
    };

    // Stored, so the click handler is `Copy` and fits the nested `Show`s. Only in the browser: a
    // thread-local value must not exist in server rendering, where tasks move between threads.
    #[cfg(feature = "hydrate")]
    let navigate = StoredValue::new_local(leptos_router::hooks::use_navigate());
    let delete = move |_| {
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let Some(c) = case.get_untracked() else { return };
            let Some(kv) = crate::kv::device() else { return };
            let sure = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(&format!(
                        "Fall „{}“ löschen? Auf dem Server bleibt er als gelöscht erhalten.",
                        c.label.as_str()
                    ))
                    .ok()
                })
                .unwrap_or(false);
            if !sure {
                return;
            }
            match store::delete_case(&kv, &c.id, &crate::util::now_iso()) {
                Ok(()) => {
                    ctx.touch();
                    navigate.with_value(|n| n("/", Default::default()));
                }
                Err(e) => error.set(Some(e.message_de())),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&ctx, &error);
    };

    let start_visit = move |_| {
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let Some(c) = case.get_untracked() else { return };
            let (Some(kv), Some(vid)) = (crate::kv::device(), crate::util::new_uuid()) else { return };
            match store::start_visit(&kv, &c.id, &vid, &crate::util::today_iso(), &crate::util::now_iso()) {
                Ok(_) => {
                    ctx.touch();
                    navigate.with_value(|n| n(&format!("/fall/besuch?id={vid}"), Default::default()));
                }
                Err(e) => error.set(Some(e.message_de())),
            }
        }
    };

    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <Show when=move || case.get().is_some()
                fallback=|| view! { <CaseNotFound/> }>
                <section class="case">
                    <p><a href="/">"← Alle Fälle"</a></p>
                    <h1>{move || case.get().map(|c| c.label.as_str().to_owned())}</h1>
                    <Show when=move || { open_conflicts.get() > 0 }>
                        <p class="notice" role="note">
                            "Für diesen Fall gibt es gleichzeitige Änderungen, die noch zu klären sind. "
                            <a href="/konflikte">"Konflikte ansehen"</a>
                        </p>
                    </Show>
                    <label for="fall-kennung">"Aktenzeichen oder Pseudonym"</label>
                    <input id="fall-kennung" maxlength="80"
                        prop:value=move || case.get().map(|c| c.label.as_str().to_owned()).unwrap_or_default()
                        on:input=move |ev| save("label", json!(event_target_value(&ev)))/>
                    <label for="fall-beginn">"Beginn"</label>
                    <input id="fall-beginn" type="date"
                        prop:value=move || case.get().map(|c| c.start_date.to_string()).unwrap_or_default()
                        on:input=move |ev| save("start_date", json!(event_target_value(&ev)))/>
                    {view! {
                    <label for="fall-geburt">"Geburtsjahr oder -datum"</label>
                    <input id="fall-geburt" inputmode="numeric" placeholder="z. B. 2014"
                        prop:value=move || case.get().and_then(|c| c.birth).unwrap_or_default()
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            save("birth", if v.trim().is_empty() { Value::Null } else { json!(v.trim()) })
                        }/>
                    <p class="hint" data-testid="retention">{move || {
                        passgenau_domain::retention::keep_until_de(case.get().and_then(|c| c.birth).as_deref())
                    }}</p>
                    <fieldset class="custody">
                        <legend>"Sorgerecht"</legend>
                        {passgenau_domain::case::CUSTODY_ROLES.iter().map(|role| view! {
                            <label class="check">
                                <input type="checkbox"
                                    prop:checked=move || case.get().is_some_and(|c| c.custody.iter().any(|x| x == role))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        let mut list = case.get_untracked().map(|c| c.custody).unwrap_or_default();
                                        list.retain(|x| x != role);
                                        if on { list.push(role.to_string()); }
                                        save("custody", json!(list))
                                    }/>
                                {*role}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <label for="fall-status">"Status"</label>
                    <select id="fall-status" on:change=move |ev| {
                        let status = event_target_value(&ev);
                        // The day a case is ended counts for how long it stays on the devices.
                        let ended = (status == passgenau_domain::case::CaseStatus::Beendet.key())
                            .then(crate::util::today_iso);
                        save_fields(Map::from_iter([("status".to_owned(), json!(status)), ("ended_on".to_owned(), json!(ended))]));
                    }>
                        {passgenau_domain::case::CaseStatus::ALL.into_iter().map(|s| view! {
                            <option value=s.key() selected=move || case.get().is_some_and(|c| c.status == s)>{s.label_de()}</option>
                        }).collect_view()}
                    </select>
                    <label for="fall-hilfeform">"Hilfeform"</label>
                    <select id="fall-hilfeform" on:change=move |ev| save("help_form", json!(event_target_value(&ev)))>
                        {passgenau_domain::case::HelpForm::ALL.into_iter().map(|f| view! {
                            <option value=f.key() selected=move || case.get().is_some_and(|c| c.help_form == f)>{f.label_de()}</option>
                        }).collect_view()}
                    </select>
                    <label for="fall-zustaendig">"Zuständige Fachkraft"</label>
                    <input id="fall-zustaendig" maxlength="80"
                        prop:value=move || case.get().and_then(|c| c.assigned_to).unwrap_or_default()
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            save("assigned_to", if v.trim().is_empty() { Value::Null } else { json!(v) })
                        }/>
                    }.into_any()}
                    <label for="fall-notiz">"Notiz"</label>
                    <textarea id="fall-notiz" rows="6"
                        prop:value=move || case.get().map(|c| c.note).unwrap_or_default()
                        on:input=move |ev| save("note", json!(event_target_value(&ev)))></textarea>
                    {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                    <Show when=move || overview.get()>
                    {view! {
                    <h2>"Clearing"</h2>
                    <p data-testid="clearing-summary">
                        {move || clearing_summary.get()}
                        " "
                        <a href=move || format!("/fall/clearing?id={}", id.get().unwrap_or_default())>"Clearing öffnen"</a>
                    </p>
                    <h2>"Ziele"</h2>
                    <p data-testid="goals-summary">
                        {move || goals_summary.get()}
                        " "
                        <a href=move || format!("/fall/ziele?id={}", id.get().unwrap_or_default())>"Ziele und Einschätzungen"</a>
                    </p>
                    <h2>"Hausbesuche"</h2>
                    <p><button type="button" class="primary" on:click=start_visit>"Hausbesuch beginnen"</button></p>
                    <ul class="visits" data-testid="visits">
                        {move || visits.get().into_iter().map(|v| {
                            let time = passgenau_domain::visit::fachleistungsstunden_de(v.direct_seconds);
                            let state = if v.finished { "abgeschlossen" } else { "offen" };
                            view! { <li><a href=format!("/fall/besuch?id={}", v.id)>{format!("{} · {time} · {state}", super::visit_screen::de_day(&v.date))}</a></li> }
                        }).collect_view()}
                    </ul>
                    <Show when=move || !notes.get().is_empty()>
                        <h3>"Besuchsnotizen"</h3>
                        <ul class="visit-notes">
                            {move || notes.get().into_iter().map(|n| view! {
                                <li>
                                    <p class="meta">{format!("{} · {}", n.author, crate::util::format_timestamp_de(&n.written_at))}
                                        {n.entrusted_by.map(|by| view! { " · " <strong class="entrusted">{format!("anvertraut von {by} (§ 65)")}</strong> })}</p>
                                    <p class="text">{n.text}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    </Show>
                    }.into_any()}
                    <h2>"Hilfesetting"</h2>
                    <p data-testid="setting-summary">
                        {move || setting_summary.get().map(|(n, cost)| match (n, cost) {
                            (0, _) => "Noch keine Module.".to_owned(),
                            (n, Some(c)) => format!("{n} Module, {} je Monat.", passgenau_domain::money::format_eur_de(c)),
                            (n, None) => format!("{n} Module, Kosten noch unvollständig."),
                        })}
                        " "
                        <a href=move || format!("/fall/hilfesetting?id={}", id.get().unwrap_or_default())>"Hilfesetting zusammenstellen"</a>
                    </p>
                    <h2>"Checkliste Strukturqualität"</h2>
                    <p data-testid="checklist-summary">
                        {move || checklist_done.get().map(|c| format!(
                            "{} von {} Punkten entschieden, {} offen.", c.decided(), c.total, c.offen
                        ))}
                        " "
                        <a href=move || format!("/fall/checkliste?id={}", id.get().unwrap_or_default())>"Checkliste öffnen"</a>
                    </p>
                    <h2>"Hilfeplan"</h2>
                    <p data-testid="hilfeplan-summary">
                        {move || match hilfeplan_latest.get() {
                            None => "Noch kein Hilfeplan.".to_owned(),
                            Some((n, review)) => format!("Fassung {n}{}.", review.map(|d| format!(", nächste Überprüfung {}", passgenau_domain::case::format_date_de(d))).unwrap_or_default()),
                        }}
                        " "
                        <a href=move || format!("/fall/hilfeplan?id={}", id.get().unwrap_or_default())>"Hilfeplan öffnen"</a>
                    </p>
                    <h2>"Bewertung"</h2>
                    <p data-testid="evaluation-summary">
                        {move || evaluation_summary.get()}
                        " "
                        <a href=move || format!("/fall/bewertung?id={}", id.get().unwrap_or_default())>"Fachcontrolling, Evaluation, Fragebogen"</a>
                    </p>
                    <h2>"Kooperation und Kinderschutz"</h2>
                    <p data-testid="cooperation-summary">
                        {move || cooperation_summary.get()}
                        " "
                        <a href=move || format!("/fall/kooperation?id={}", id.get().unwrap_or_default())>"Vermittlungen und Laufzettel"</a>
                        " · "
                        <a href=move || format!("/fall/kinderschutz?id={}", id.get().unwrap_or_default())>"Kinderschutz (§ 8a)"</a>
                    </p>
                    <h2>"Datenschutz"</h2>
                    <p data-testid="consent-summary">
                        {move || match consent_count.get() {
                            0 => "Keine Einwilligung erfasst.".to_owned(),
                            1 => "1 Einwilligung erfasst.".to_owned(),
                            n => format!("{n} Einwilligungen erfasst."),
                        }}
                        " "
                        <a href=move || format!("/fall/einwilligungen?id={}", id.get().unwrap_or_default())>"Einwilligungen"</a>
                        " · "
                        <a href=move || format!("/fall/weitergabe?id={}", id.get().unwrap_or_default())>"Weitergeben"</a>
                    </p>
                    <p class="saved" aria-live="polite">"Jede Eingabe wird sofort auf diesem Gerät gespeichert."</p>
                    <p><button type="button" class="danger" on:click=delete>"Fall löschen"</button></p>
                    </Show>
                </section>
            </Show>
        </Show>
    }
}
