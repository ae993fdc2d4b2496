use leptos::prelude::*;
use passgenau_domain::case::CaseId;
use passgenau_domain::goals::{occasion_rating_field, Perspective};
use serde_json::{json, Map, Value};

use crate::state::use_app;
use crate::store;

/// Goal ratings given on one occasion (a home visit, a Fachcontrolling): per Handlungsziel of the
/// case one choice −2..+2 from each of the four perspectives, dated the occasion's day. Every
/// choice is saved at once in the case's goal record, one field per occasion, goal and perspective
/// (all starting with `prefix`), so a changed mind overwrites, "–" takes it back, and the rating
/// joins the goal's course and chart.
#[component]
pub fn OccasionRatings(
    case_id: Signal<Option<CaseId>>,
    /// The prefix of the occasion's fields; empty while the occasion is not loaded.
    prefix: Signal<String>,
    /// The occasion's day (`YYYY-MM-DD`).
    day: Signal<String>,
    /// Prefix of the element ids, unique on the page.
    id_base: &'static str,
    /// Heading of the section.
    title: &'static str,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let ctx = use_app();
    let goals = ctx.from_device(Vec::new(), move |kv| {
        let Some(c) = case_id.get() else { return Vec::new() };
        store::goals(kv, &c).handlungsziele().map(|h| (h.id.clone(), h.text.clone())).collect::<Vec<_>>()
    });
    let given = ctx.from_device(Default::default(), move |kv| {
        let p = prefix.get();
        match case_id.get() {
            Some(c) if !p.is_empty() => store::occasion_ratings(kv, &c, &p),
            _ => Default::default(),
        }
    });
    let rate = move |hz: String, p: Perspective, score: Option<i8>| {
        let (Some(case), pre) = (case_id.get_untracked(), prefix.get_untracked()) else { return };
        if pre.is_empty() {
            return;
        }
        let value = score.map_or(
            Value::Null,
            |s| json!({"handlungsziel_id": hz, "on": day.get_untracked(), "perspective": p, "score": s}),
        );
        let fields = Map::from_iter([(occasion_rating_field(&pre, &hz, p), value)]);
        #[cfg(feature = "hydrate")]
        {
            let Some(kv) = crate::kv::device() else { return };
            ctx.settle(store::change_goals(&kv, &case, fields, &crate::util::now_iso()), error);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (fields, case, &error);
    };
    let goals_link =
        move || format!("/fall/ziele?id={}", case_id.get().map(|c| c.to_string()).unwrap_or_default());
    let heading_id = format!("{id_base}-titel");
    let labelled_by = heading_id.clone();
    view! {
        <section class="visit-ratings" aria-labelledby=labelled_by>
            <h2 id=heading_id>{title}</h2>
            <Show when=move || !goals.get().is_empty()
                fallback=move || view! {
                    <p class="hint">"Für diesen Fall sind noch keine Handlungsziele festgelegt. "
                        <a href=goals_link>"Ziele festlegen"</a></p>
                }>
                <p class="hint">"Gilt für den Tag der Einschätzung und erscheint im Verlauf der Ziele."</p>
                <For each=move || goals.get() key=|g| g.clone() let:goal>
                    <fieldset class="rating" data-testid=format!("{id_base}-rating")>
                        <legend>{goal.1.clone()}</legend>
                        <div class="row">
                            {Perspective::ALL.into_iter().enumerate().map(|(i, p)| {
                                let hz = goal.0.clone();
                                let sid = format!("{id_base}-sicht-{i}-{hz}");
                                let h2 = hz.clone();
                                let current = move |h: &str| given.get().get(&occasion_rating_field(&prefix.get(), h, p)).copied();
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
