use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use passgenau_domain::case::{format_date_de, parse_iso_date, CaseId};
use passgenau_domain::cooperation::{HandOnTarget, Involvement, Kinderschutz, RiskOutcome};
use passgenau_domain::roles::Role;
use serde_json::{json, Map, Value};

use super::{Loading, RequireSession};
use crate::state::use_app;
use crate::store;

/// The § 8a SGB VIII flow when there are weighty indications of a child's endangerment: the risk
/// assessed by at least two Fachkräfte, the experienced expert consulted (for providers), parents
/// and child involved unless that endangers the child, the outcome, and the hand-on where required.
/// What is still missing is listed with its paragraph; the assessment is concluded only when
/// nothing is, and then stays as it is. `/fall/kinderschutz?id=<case>`.
#[component]
pub fn KinderschutzPage() -> impl IntoView {
    let ctx = use_app();
    let query = use_query_map();
    let case_id = Memo::new(move |_| query.read().get("id").and_then(|id| CaseId::parse(&id).ok()));
    let case = ctx.from_device(None, move |kv| case_id.get().and_then(|id| store::case(kv, id.as_str())));
    let all = ctx.from_device(Vec::new(), move |kv| {
        case_id.get().map(|id| store::kinderschutz(kv, &id)).unwrap_or_default()
    });
    // The open assessment, if any; else the last one.
    let current = Memo::new(move |_| {
        let v = all.get();
        v.iter().find(|k| k.concluded_on.is_none()).cloned().or_else(|| v.last().cloned())
    });
    let error = RwSignal::new(None::<String>);
    let begin = move |_| {
        let Some(case_id) = case_id.get_untracked() else { return };
        let Ok(today) = parse_iso_date(&crate::util::today_iso()) else { return };
        let mut k = Kinderschutz::new(crate::util::new_uuid().unwrap_or_default(), case_id, today);
        k.by_provider = ctx
            .session
            .get_untracked()
            .is_some_and(|s| Role::parse(&s.role).ok() == Some(Role::FachkraftTraeger));
        #[cfg(feature = "hydrate")]
        {
            let Some(kv) = crate::kv::device() else { return };
            ctx.settle(store::add_kinderschutz(&kv, &k, &crate::util::now_iso()), error);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = k;
    };
    let case_link = move || format!("/fall?id={}", case_id.get().map(|c| c.to_string()).unwrap_or_default());
    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <section class="kinderschutz">
                <p class="no-print"><a href=case_link>"← Zum Fall"</a></p>
                <h1>"Kinderschutz (§ 8a SGB VIII)"</h1>
                <p class="subtitle">{move || case.get().map(|c| c.label.as_str().to_owned())}</p>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <p class="hint">"Bei gewichtigen Anhaltspunkten für eine Gefährdung: Gefährdungsrisiko im Zusammenwirken mehrerer Fachkräfte einschätzen, Eltern und Kind beteiligen, soweit der wirksame Schutz dadurch nicht in Frage gestellt wird, und bei Gefährdung weitergeben. Anvertraute Daten (§ 65) dürfen dafür an die beratende Fachkraft und das Familiengericht gehen."</p>
                {move || all.get().iter().filter(|k| k.concluded_on.is_some()).map(|k| view! {
                    <p class="meta" data-testid="kinderschutz-done">{format!("Einschätzung vom {}: {}, abgeschlossen am {}.", format_date_de(k.started_on),
                        k.outcome.map(|o| o.label_de()).unwrap_or("–"), k.concluded_on.map(format_date_de).unwrap_or_default())}</p>
                }).collect_view()}
                <Show when=move || current.get().is_some_and(|k| k.concluded_on.is_none())
                    fallback=move || view! { <p><button type="button" class="primary" on:click=begin>"§ 8a-Einschätzung beginnen"</button></p> }>
                    <Assessment current error/>
                </Show>
            </section>
        </Show>
    }
    .into_any()
}

#[component]
fn Assessment(current: Memo<Option<Kinderschutz>>, error: RwSignal<Option<String>>) -> impl IntoView {
    let ctx = use_app();
    let save = move |field: &'static str, value: Value| {
        let fields = Map::from_iter([(field.to_owned(), value)]);
        #[cfg(feature = "hydrate")]
        {
            let (Some(kv), Some(k)) = (crate::kv::device(), current.get_untracked()) else { return };
            ctx.settle(store::edit_kinderschutz(&kv, &k.id, fields, &crate::util::now_iso()), error);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (fields, &ctx, &error);
    };
    let today = move || crate::util::today_iso();
    let missing = Memo::new(move |_| current.get().map(|k| k.missing()).unwrap_or_default());
    let text = move |f: fn(&Kinderschutz) -> String| move || current.get().map(|k| f(&k)).unwrap_or_default();
    let involvement = move |field: &'static str, who: &'static str| {
        let get = move || current.get().and_then(|k| if field == "parents" { k.parents } else { k.child });
        let reason = RwSignal::new(String::new());
        let name = format!("ks-{field}");
        let rid = format!("ks-{field}-grund");
        view! {
            <fieldset data-testid=format!("ks-{field}")>
                <legend>{format!("Beteiligung {who}")}</legend>
                <label class="check">
                    <input type="radio" name=name.clone() prop:checked=move || matches!(get(), Some(Involvement::Beteiligt { .. }))
                        on:change=move |_| save(field, json!({"state": "beteiligt", "on": today()}))/>
                    "beteiligt"
                </label>
                <label class="check">
                    <input type="radio" name=name prop:checked=move || matches!(get(), Some(Involvement::NichtBeteiligt { .. }))
                        on:change=move |_| save(field, json!({"state": "nicht_beteiligt", "reason": reason.get_untracked()}))/>
                    "nicht beteiligt, weil der wirksame Schutz sonst in Frage gestellt wäre"
                </label>
                <Show when=move || matches!(get(), Some(Involvement::NichtBeteiligt { .. }))>
                    <label for=rid.clone()>"Begründung"</label>
                    <input id=rid.clone() prop:value=move || match get() { Some(Involvement::NichtBeteiligt { reason }) => reason, _ => String::new() }
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            reason.set(v.clone());
                            save(field, json!({"state": "nicht_beteiligt", "reason": v}));
                        }/>
                </Show>
            </fieldset>
        }
    };
    let conclude = move |_| save("concluded_on", json!(today()));
    view! {
        <form class="assessment" on:submit=|ev| ev.prevent_default() data-testid="kinderschutz">
            <p class="meta">{move || current.get().map(|k| format!("Begonnen am {}{}", format_date_de(k.started_on),
                if k.by_provider { " · Einschätzung durch einen freien Träger (§ 8a Abs. 4)" } else { " · Einschätzung durch das Jugendamt" }))}</p>
            <p class="saved" aria-live="polite">"Jede Eingabe wird sofort auf diesem Gerät gespeichert."</p>
            <label for="ks-anhaltspunkte">"Gewichtige Anhaltspunkte"</label>
            <textarea id="ks-anhaltspunkte" rows="4" prop:value=text(|k| k.indications.clone())
                on:input=move |ev| save("indications", json!(event_target_value(&ev)))></textarea>
            <label for="ks-fachkraefte">"Einschätzende Fachkräfte (eine je Zeile, mindestens zwei)"</label>
            <textarea id="ks-fachkraefte" rows="3" prop:value=text(|k| k.assessors.join("\n"))
                on:change=move |ev| {
                    let names: Vec<String> = event_target_value(&ev).lines().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect();
                    save("assessors", json!(names));
                }></textarea>
            <label for="ks-iefk">"Insoweit erfahrene Fachkraft (beratend)"</label>
            <input id="ks-iefk" prop:value=text(|k| k.expert.clone()) on:change=move |ev| save("expert", json!(event_target_value(&ev).trim()))/>
            <label for="ks-iefk-am">"Beraten am"</label>
            <input id="ks-iefk-am" type="date" prop:value=move || current.get().and_then(|k| k.expert_consulted_on).map(|d| d.to_string()).unwrap_or_default()
                on:change=move |ev| { let v = event_target_value(&ev); save("expert_consulted_on", if v.is_empty() { Value::Null } else { json!(v) }); }/>
            {involvement("parents", "der Eltern")}
            {involvement("child", "des Kindes / Jugendlichen")}
            <label for="ks-ergebnis">"Ergebnis der Einschätzung"</label>
            <select id="ks-ergebnis" on:change=move |ev| {
                let v = event_target_value(&ev);
                save("outcome", RiskOutcome::parse(&v).map_or(Value::Null, |o| json!(o)));
            }>
                <option value="" selected=move || current.get().is_some_and(|k| k.outcome.is_none())>"– noch offen –"</option>
                {RiskOutcome::ALL.into_iter().map(|o| view! {
                    <option value=o.key() selected=move || current.get().is_some_and(|k| k.outcome == Some(o))>{o.label_de()}</option>
                }).collect_view()}
            </select>
            <label for="ks-massnahmen">"Vereinbarte Schritte und angebotene Hilfen (Schutzplan)"</label>
            <textarea id="ks-massnahmen" rows="3" prop:value=text(|k| k.measures.clone())
                on:input=move |ev| save("measures", json!(event_target_value(&ev)))></textarea>
            <fieldset data-testid="ks-weitergabe">
                <legend>"Weitergegeben an"</legend>
                {HandOnTarget::ALL.into_iter().map(|t| {
                    let checked = move || current.get().is_some_and(|k| k.handed_on.iter().any(|(x, _)| *x == t));
                    view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=checked on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                let mut list = current.get_untracked().map(|k| k.handed_on).unwrap_or_default();
                                list.retain(|(x, _)| *x != t);
                                if on {
                                    if let Ok(d) = parse_iso_date(&today()) { list.push((t, d)); }
                                }
                                let list: Vec<_> = list.into_iter().map(|(t, d)| json!([t, passgenau_domain::date::iso(d)])).collect();
                                save("handed_on", json!(list));
                            }/>
                            {t.label_de()}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <Show when=move || !missing.get().is_empty()
                fallback=move || view! { <p class="state ok" data-testid="ks-complete">"Alle Schritte sind dokumentiert."</p> }>
                <div class="notice" data-testid="ks-missing">
                    <p><strong>"Noch offen:"</strong></p>
                    <ul>{move || missing.get().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                </div>
            </Show>
            <p><button type="button" class="primary" on:click=conclude disabled=move || !missing.get().is_empty()>"Einschätzung abschließen"</button></p>
        </form>
    }
}
