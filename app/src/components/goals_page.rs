use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use passgenau_domain::case::{parse_iso_date, CaseId};
use passgenau_domain::checklist::WIRKUNGSZIELE;
use passgenau_domain::goals::{GoalArea, GoalPlan, Handlungsziel, Perspective};
use serde_json::{json, Map, Value};

use super::{Loading, RatingChart, RequireSession};
use crate::state::use_app;
use crate::store;

/// Saves changes of the case's goal record; shared by the page's parts.
#[derive(Clone, Copy)]
struct GoalActions {
    case_id: Memo<Option<CaseId>>,
    error: RwSignal<Option<String>>,
}

impl GoalActions {
    fn change(&self, fields: Map<String, Value>) {
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let (Some(id), Some(kv)) = (self.case_id.get_untracked(), crate::kv::device()) else { return };
            match store::change_goals(&kv, &id, fields, &crate::util::now_iso()) {
                Ok(()) => {
                    self.error.set(None);
                    use_app().touch();
                }
                Err(e) => self.error.set(Some(e.message_de())),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (fields, self.case_id);
    }
    fn set(&self, key: String, value: Value) {
        self.change(Map::from_iter([(key, value)]));
    }
}

fn new_id() -> String {
    crate::util::new_uuid().unwrap_or_default()
}

/// Goals of a case: Wirkungsziel → Handlungsziel → Handlungsschritt, ratings −2..+2 from four
/// perspectives and their course as a chart. `/fall/ziele?id=<case>`.
#[component]
pub fn GoalsPage() -> impl IntoView {
    let ctx = use_app();
    let query = use_query_map();
    let case_id = Memo::new(move |_| query.read().get("id").and_then(|id| CaseId::parse(&id).ok()));
    let case = ctx.from_device(None, move |kv| case_id.get().and_then(|id| store::case(kv, id.as_str())));
    let plan = ctx.from_device(None, move |kv| case_id.get().map(|id| store::goals(kv, &id)));
    let actions = GoalActions { case_id, error: RwSignal::new(None) };
    let choice = RwSignal::new(String::from(WIRKUNGSZIELE[0].id));
    let own_area = RwSignal::new(String::from("schule"));
    let own_text = RwSignal::new(String::new());
    let add_wirkungsziel = move |_| {
        let c = choice.get_untracked();
        let source = if c == "individuell" {
            if own_text.get_untracked().trim().is_empty() {
                actions.error.set(Some("Bitte das individuelle Ziel beschreiben.".into()));
                return;
            }
            json!({"type": "individuell", "area": own_area.get_untracked(), "text": own_text.get_untracked().trim()})
        } else {
            json!({"type": "leistungstyp", "ziel_id": c})
        };
        actions.set(format!("w.{}", new_id()), source);
        own_text.set(String::new());
    };
    let ws = move || {
        plan.get()
            .map(|p| p.wirkungsziele.iter().map(|w| w.id.clone()).collect::<Vec<_>>())
            .unwrap_or_default()
    };

    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <section class="goals">
                <p><a href=move || format!("/fall?id={}", case_id.get().map(|c| c.to_string()).unwrap_or_default())>"← Zum Fall"</a></p>
                <h1>"Ziele und Einschätzungen"</h1>
                <p class="subtitle">{move || case.get().map(|c| c.label.as_str().to_owned())}</p>
                {move || actions.error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <For each=ws key=|id| id.clone() let:wid>
                    <WirkungszielView wid=wid plan=plan actions=actions/>
                </For>
                <fieldset class="add">
                    <legend>"Wirkungsziel hinzufügen"</legend>
                    <label for="wz-auswahl">"Ziel"</label>
                    <select id="wz-auswahl" on:change=move |ev| choice.set(event_target_value(&ev))>
                        {WIRKUNGSZIELE.iter().map(|w| view! { <option value=w.id>{w.text}</option> }).collect_view()}
                        <option value="individuell">"individuelles Ziel …"</option>
                    </select>
                    <Show when=move || choice.get() == "individuell">
                        <label for="wz-bereich">"Bereich"</label>
                        <select id="wz-bereich" on:change=move |ev| own_area.set(event_target_value(&ev))>
                            {GoalArea::ALL.into_iter().map(|a| {
                                let key = serde_json::to_value(a).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
                                view! { <option value=key>{a.label_de()}</option> }
                            }).collect_view()}
                        </select>
                        <label for="wz-text">"Individuelles Ziel"</label>
                        <input id="wz-text" prop:value=move || own_text.get() on:input=move |ev| own_text.set(event_target_value(&ev))/>
                    </Show>
                    <p><button type="button" on:click=add_wirkungsziel>"Wirkungsziel hinzufügen"</button></p>
                </fieldset>
                <p class="saved" aria-live="polite">"Jede Eingabe wird sofort auf diesem Gerät gespeichert."</p>
            </section>
        </Show>
    }
    .into_any()
}

#[component]
fn WirkungszielView(wid: String, plan: Memo<Option<GoalPlan>>, actions: GoalActions) -> impl IntoView {
    let id = wid.clone();
    let entry = Memo::new(move |_| plan.get().and_then(|p| p.wirkungsziele.into_iter().find(|w| w.id == id)));
    let hs = move || {
        entry
            .get()
            .map(|w| w.handlungsziele.iter().map(|h| h.id.clone()).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let text = RwSignal::new(String::new());
    let area = RwSignal::new(String::from("schule"));
    let w2 = wid.clone();
    let add = move |_| {
        let t = text.get_untracked();
        if t.trim().is_empty() {
            actions.error.set(Some("Bitte das Handlungsziel beschreiben.".into()));
            return;
        }
        actions.set(
            format!("h.{}", new_id()),
            json!({"wirkungsziel_id": w2, "text": t.trim(), "area": area.get_untracked()}),
        );
        text.set(String::new());
    };
    let tid = format!("hz-text-{wid}");
    let aid = format!("hz-bereich-{wid}");
    view! {
        <article class="wirkungsziel" data-testid="wirkungsziel">
            <h2>{move || entry.get().map(|w| w.text().to_owned())}</h2>
            <For each=hs key=|id| id.clone() let:hid>
                <HandlungszielView hid=hid entry=entry actions=actions/>
            </For>
            <details class="add">
                <summary>"Handlungsziel hinzufügen"</summary>
                <label for=tid.clone()>"Handlungsziel (konkret und überprüfbar)"</label>
                <input id=tid prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
                <label for=aid.clone()>"Bereich"</label>
                <select id=aid on:change=move |ev| area.set(event_target_value(&ev))>
                    {GoalArea::ALL.into_iter().map(|a| {
                        let key = serde_json::to_value(a).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
                        view! { <option value=key>{a.label_de()}</option> }
                    }).collect_view()}
                </select>
                <p><button type="button" on:click=add>"Handlungsziel speichern"</button></p>
            </details>
        </article>
    }
    .into_any()
}

#[component]
fn HandlungszielView(
    hid: String,
    entry: Memo<Option<passgenau_domain::goals::WirkungszielEntry>>,
    actions: GoalActions,
) -> impl IntoView {
    let id = hid.clone();
    let goal =
        Memo::new(move |_| entry.get().and_then(|w| w.handlungsziele.into_iter().find(|h| h.id == id)));
    let step_text = RwSignal::new(String::new());
    let step_owner = RwSignal::new(String::new());
    let on = RwSignal::new(crate::util::today_iso());
    let scores = RwSignal::new([None::<i8>; 4]);
    let h2 = hid.clone();
    let add_step = move |_| {
        let (t, o) = (step_text.get_untracked(), step_owner.get_untracked());
        if t.trim().is_empty() || o.trim().is_empty() {
            actions.error.set(Some("Bitte Schritt und zuständige Person angeben.".into()));
            return;
        }
        actions.set(
            format!("s.{}", new_id()),
            json!({"handlungsziel_id": h2, "text": t.trim(), "owner": o.trim()}),
        );
        step_text.set(String::new());
        step_owner.set(String::new());
    };
    let h3 = hid.clone();
    let rate = move |_| {
        let Ok(day) = parse_iso_date(&on.get_untracked()) else {
            actions.error.set(Some("Bitte ein gültiges Datum der Einschätzung eingeben.".into()));
            return;
        };
        let mut fields = Map::new();
        for (p, s) in Perspective::ALL.into_iter().zip(scores.get_untracked()) {
            if let Some(s) = s {
                fields.insert(
                    format!("r.{}", new_id()),
                    json!({"handlungsziel_id": h3, "on": day.to_string(), "perspective": p, "score": s}),
                );
            }
        }
        if fields.is_empty() {
            actions.error.set(Some("Bitte mindestens eine Sicht einschätzen.".into()));
            return;
        }
        actions.change(fields);
        scores.set([None; 4]);
    };
    let p = hid.clone();
    let fid = move |name: &str| format!("{name}-{p}");
    view! {
        <section class="handlungsziel" data-testid="handlungsziel">
            <h3>{move || goal.get().map(|h| h.text)}</h3>
            <p class="meta">{move || goal.get().map(|h| h.area.label_de())}</p>
            <h4>"Handlungsschritte"</h4>
            <ul class="steps">
                {move || goal.get().map(|h: Handlungsziel| h.steps.into_iter().map(|s| {
                    let key = format!("s.{}", s.id);
                    let hzid = h.id.clone();
                    let step = s.clone();
                    view! {
                        <li>
                            <label class="check">
                                <input type="checkbox" prop:checked=s.done_on.is_some() on:change=move |ev| {
                                    let done = event_target_checked(&ev).then(crate::util::today_iso);
                                    actions.set(key.clone(), json!({"handlungsziel_id": hzid, "text": step.text, "owner": step.owner, "due": step.due.map(passgenau_domain::date::iso), "done_on": done}))
                                }/>
                                {format!("{} ({})", s.text, s.owner)}
                            </label>
                        </li>
                    }
                }).collect_view())}
            </ul>
            <div class="row">
                <div>
                    <label for=fid("schritt")>"Neuer Schritt"</label>
                    <input id=fid("schritt") prop:value=move || step_text.get() on:input=move |ev| step_text.set(event_target_value(&ev))/>
                </div>
                <div>
                    <label for=fid("wer")>"Wer"</label>
                    <input id=fid("wer") prop:value=move || step_owner.get() on:input=move |ev| step_owner.set(event_target_value(&ev))/>
                </div>
            </div>
            <p><button type="button" on:click=add_step>"Schritt hinzufügen"</button></p>
            <h4>"Einschätzung (−2 bis +2)"</h4>
            <fieldset class="rating">
                <legend>"Neue Einschätzung"</legend>
                <label for=fid("datum")>"Datum"</label>
                <input id=fid("datum") type="date" prop:value=move || on.get() on:input=move |ev| on.set(event_target_value(&ev))/>
                <div class="row">
                    {Perspective::ALL.into_iter().enumerate().map(|(i, p)| {
                        let sid = fid(&format!("sicht-{i}"));
                        view! {
                            <div>
                                <label for=sid.clone()>{format!("Sicht {}", p.label_de())}</label>
                                <select id=sid on:change=move |ev| {
                                    let v = event_target_value(&ev).parse::<i8>().ok();
                                    scores.update(|s| s[i] = v);
                                }>
                                    <option value="" selected=move || scores.get()[i].is_none()>"–"</option>
                                    {(-2..=2).rev().map(|v: i8| view! {
                                        <option value=v.to_string() selected=move || scores.get()[i] == Some(v)>{if v > 0 { format!("+{v}") } else { v.to_string() }}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                        }
                    }).collect_view()}
                </div>
                <p><button type="button" class="primary" on:click=rate>"Einschätzung speichern"</button></p>
            </fieldset>
            {move || goal.get().filter(|h| !h.ratings.is_empty()).map(|h| view! { <RatingChart ratings=h.ratings.clone() title=h.text.clone()/> })}
        </section>
    }
    .into_any()
}
