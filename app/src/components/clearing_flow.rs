use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use passgenau_domain::case::{format_date_de, parse_iso_date, CaseId};
use passgenau_domain::clearing::{area_field, CaseCategory, ResourceArea, MAX_CLEARING_DAYS};
use passgenau_domain::rules::{clearing_record, RuleConfig};
use serde_json::{json, Map, Value};

use super::{Loading, RequireSession};
use crate::state::use_app;
use crate::store;

const CATEGORIES: [CaseCategory; 3] = [CaseCategory::A, CaseCategory::B, CaseCategory::C];

/// The Clearing of a case (seed 002): resource analysis in four areas, case category A/B/C with its
/// reason, recommendation, and the deadline (usually 6, at most 12 weeks). `/fall/clearing?id=<case>`.
#[component]
pub fn ClearingFlow() -> impl IntoView {
    let ctx = use_app();
    let query = use_query_map();
    let case_id = Memo::new(move |_| query.read().get("id").and_then(|id| CaseId::parse(&id).ok()));
    let case = ctx.from_device(None, move |kv| case_id.get().and_then(|id| store::case(kv, id.as_str())));
    let clearing = ctx.from_device(None, move |kv| case_id.get().and_then(|id| store::clearing(kv, &id)));
    let started = Memo::new(move |_| clearing.get().is_some());
    let rec = move || clearing.get().map(|(r, _)| r);
    let draft = move || clearing.get().map(|(_, d)| d).unwrap_or_default();
    let error = RwSignal::new(None::<String>);
    let today = move || parse_iso_date(&crate::util::today_iso()).ok();

    let save = move |fields: Map<String, Value>| {
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let (Some(id), Some(kv)) = (case_id.get_untracked(), crate::kv::device()) else { return };
            match store::edit_clearing(&kv, &id, fields, &crate::util::now_iso()) {
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
    let field = move |k: &str, v: Value| save(Map::from_iter([(k.to_owned(), v)]));
    let start = move |_| {
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let (Some(id), Some(kv)) = (case_id.get_untracked(), crate::kv::device()) else { return };
            let day =
                today().unwrap_or_else(|| case.get_untracked().map_or(time::Date::MIN, |c| c.start_date));
            match store::start_clearing(&kv, &id, day, &crate::util::now_iso()) {
                Ok(()) => ctx.touch(),
                Err(e) => error.set(Some(e.message_de())),
            }
        }
    };

    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <section class="clearing">
                <p><a href=move || format!("/fall?id={}", case_id.get().map(|c| c.to_string()).unwrap_or_default())>"← Zum Fall"</a></p>
                <h1>"Clearing"</h1>
                <p class="subtitle">{move || case.get().map(|c| c.label.as_str().to_owned())}</p>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                // The structure changes only when the Clearing starts; the values inside follow the store
                // reactively, so typing never replaces the focused field.
                {move || match started.get() {
                    false => view! {
                        <p>"Das Clearing klärt in höchstens 12 Wochen (in der Regel 6) Ressourcen, Belastungen und die Fallkategorie."</p>
                        <p><button type="button" class="primary" on:click=start>"Clearing beginnen"</button></p>
                    }.into_any(),
                    true => {
                        view! {
                            <div class="deadline" data-testid="clearing-deadline">
                                {move || rec().map(|rec| {
                                    let finding = today().and_then(|t| clearing_record(&rec, t, &RuleConfig::default()));
                                    let left = today().map(|t| rec.days_left(t));
                                    view! {
                                        <p><strong>{format!("Frist: {}", format_date_de(rec.deadline))}</strong>
                                            {left.map(|d| if d >= 0 { format!(" (noch {d} Tage)") } else { format!(" (seit {} Tagen überschritten)", -d) })}
                                        </p>
                                        {finding.map(|f| view! { <p class="finding" role="note">{f.message_de.clone()}" "<span class="legal">{format!("({})", f.legal_basis)}</span></p> })}
                                    }
                                })}
                            </div>
                            <div class="row">
                                <div>
                                    <label for="clearing-beginn">"Beginn"</label>
                                    <input id="clearing-beginn" type="date" prop:value=move || rec().map(|r| r.start.to_string()).unwrap_or_default()
                                        on:change=move |ev| field("start", json!(event_target_value(&ev)))/>
                                </div>
                                <div>
                                    <label for="clearing-frist">{format!("Frist (höchstens {} Wochen)", MAX_CLEARING_DAYS / 7)}</label>
                                    <input id="clearing-frist" type="date" prop:value=move || rec().map(|r| r.deadline.to_string()).unwrap_or_default()
                                        on:change=move |ev| field("deadline", json!(event_target_value(&ev)))/>
                                </div>
                            </div>
                            <h2>"Ressourcenanalyse"</h2>
                            {ResourceArea::ALL.into_iter().map(|a| {
                                let r = area_field(a, "ressourcen");
                                let b = area_field(a, "belastungen");
                                let (rk, bk) = (r.clone(), b.clone());
                                let area = move || rec().map(|r| r.resources.area(a).clone()).unwrap_or_default();
                                view! {
                                    <fieldset class="area">
                                        <legend>{a.label_de()}</legend>
                                        <label for=r.clone()>"Ressourcen"</label>
                                        <textarea id=r rows="3" prop:value=move || area().ressourcen
                                            on:input=move |ev| field(&rk, json!(event_target_value(&ev)))></textarea>
                                        <label for=b.clone()>"Belastungen"</label>
                                        <textarea id=b rows="3" prop:value=move || area().belastungen
                                            on:input=move |ev| field(&bk, json!(event_target_value(&ev)))></textarea>
                                    </fieldset>
                                }
                            }).collect_view()}
                            <fieldset class="category">
                                <legend>"Fallkategorie"</legend>
                                <div class="choices">
                                    {CATEGORIES.into_iter().map(|c| {
                                        view! {
                                            <label class="check">
                                                <input type="radio" name="kategorie" prop:checked=move || draft().category == Some(c)
                                                    on:change=move |_| {
                                                        let mut f = Map::new();
                                                        f.insert("kategorie".into(), json!(c));
                                                        f.insert("entschieden_am".into(), json!(crate::util::today_iso()));
                                                        save(f)
                                                    }/>
                                                {c.label_de()}
                                            </label>
                                        }
                                    }).collect_view()}
                                </div>
                                <label for="kategorie-begruendung">"Begründung"</label>
                                <textarea id="kategorie-begruendung" rows="3" prop:value=move || draft().reason
                                    on:input=move |ev| field("begruendung", json!(event_target_value(&ev)))></textarea>
                                <p data-testid="category-state">{move || match (rec().and_then(|r| r.category), draft().category) {
                                    (Some(c), _) => format!("{} festgelegt am {}.", c.category.label_de(), format_date_de(c.decided_on)),
                                    (None, Some(_)) => "Bitte die Kategorie begründen; erst mit Begründung ist sie festgelegt.".to_owned(),
                                    (None, None) => "Noch keine Kategorie.".to_owned(),
                                }}</p>
                            </fieldset>
                            <label for="clearing-empfehlung">"Empfehlung an das Jugendamt"</label>
                            <textarea id="clearing-empfehlung" rows="4" prop:value=move || rec().map(|r| r.recommendation).unwrap_or_default()
                                on:input=move |ev| field("recommendation", json!(event_target_value(&ev)))></textarea>
                            <label for="clearing-abschluss">"Abgeschlossen am"</label>
                            <input id="clearing-abschluss" type="date" prop:value=move || rec().and_then(|r| r.completed_on).map(|d| d.to_string()).unwrap_or_default()
                                on:change=move |ev| {
                                    let v = event_target_value(&ev);
                                    field("completed_on", if v.is_empty() { Value::Null } else { json!(v) })
                                }/>
                        }.into_any()
                    }
                }}
                <p class="saved" aria-live="polite">"Jede Eingabe wird sofort auf diesem Gerät gespeichert."</p>
            </section>
        </Show>
    }
    .into_any()
}
