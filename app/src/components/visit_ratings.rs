use leptos::prelude::*;
use passgenau_domain::goals::{visit_rating_field, Perspective};
use passgenau_domain::visit::Visit;
use serde_json::{json, Map, Value};

use crate::state::use_app;
use crate::store;

/// Goal ratings given during a home visit: per Handlungsziel of the case one choice −2..+2 from
/// each of the four perspectives, dated the visit's day. Every choice is saved at once, in one
/// field per visit, goal and perspective, so a changed mind overwrites and "–" takes it back.
#[component]
pub fn VisitRatings(visit: Memo<Option<Visit>>, error: RwSignal<Option<String>>) -> impl IntoView {
    let ctx = use_app();
    let goals = ctx.from_device(Vec::new(), move |kv| {
        let Some(v) = visit.get() else { return Vec::new() };
        store::goals(kv, &v.case_id)
            .handlungsziele()
            .map(|h| (h.id.clone(), h.text.clone()))
            .collect::<Vec<_>>()
    });
    let given = ctx.from_device(Default::default(), move |kv| {
        visit.get().map(|v| store::visit_ratings(kv, &v.case_id, &v.id)).unwrap_or_default()
    });
    let rate = move |hz: String, p: Perspective, score: Option<i8>| {
        let Some(v) = visit.get_untracked() else { return };
        let value = score.map_or(
            Value::Null,
            |s| json!({"handlungsziel_id": hz, "on": v.date, "perspective": p, "score": s}),
        );
        let fields = Map::from_iter([(visit_rating_field(&v.id, &hz, p), value)]);
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let Some(kv) = crate::kv::device() else { return };
            match store::change_goals(&kv, &v.case_id, fields, &crate::util::now_iso()) {
                Ok(()) => {
                    error.set(None);
                    ctx.touch();
                }
                Err(e) => error.set(Some(e.message_de())),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (fields, &error);
    };
    let goals_link =
        move || format!("/fall/ziele?id={}", visit.get().map(|v| v.case_id.to_string()).unwrap_or_default());
    view! {
        <section class="visit-ratings" aria-labelledby="besuch-einschaetzung">
            <h2 id="besuch-einschaetzung">"Einschätzung der Ziele (−2 bis +2)"</h2>
            <Show when=move || !goals.get().is_empty()
                fallback=move || view! {
                    <p class="hint">"Für diesen Fall sind noch keine Handlungsziele festgelegt. "
                        <a href=goals_link>"Ziele festlegen"</a></p>
                }>
                <p class="hint">"Gilt für den Tag des Besuchs und erscheint im Verlauf der Ziele."</p>
                <For each=move || goals.get() key=|g| g.clone() let:goal>
                    <fieldset class="rating" data-testid="visit-rating">
                        <legend>{goal.1.clone()}</legend>
                        <div class="row">
                            {Perspective::ALL.into_iter().enumerate().map(|(i, p)| {
                                let hz = goal.0.clone();
                                let sid = format!("besuch-sicht-{i}-{hz}");
                                let vid = move || visit.get().map(|v| v.id).unwrap_or_default();
                                let h2 = hz.clone();
                                let current = move |h: &str| given.get().get(&visit_rating_field(&vid(), h, p)).copied();
                                view! {
                                    <div>
                                        <label for=sid.clone()>{format!("Sicht {}", p.label_de())}</label>
                                        <select id=sid on:change=move |ev| rate(hz.clone(), p, event_target_value(&ev).parse::<i8>().ok())>
                                            <option value="" selected={let h = h2.clone(); move || current(&h).is_none()}>"–"</option>
                                            {(-2..=2).rev().map(|v: i8| {
                                                let h = h2.clone();
                                                view! {
                                                    <option value=v.to_string() selected=move || current(&h) == Some(v)>{if v > 0 { format!("+{v}") } else { v.to_string() }}</option>
                                                }
                                            }).collect_view()}
                                        </select>
                                    </div>
                                }
                            }).collect_view()}
                        </div>
                    </fieldset>
                </For>
            </Show>
        </section>
    }
    .into_any()
}
