use leptos::prelude::*;
use passgenau_domain::case::format_date_de;
use passgenau_domain::evaluation::{
    achievement_field, quality_field, rating_prefix, Achievement, Criterion, EndReason, Evaluation,
    EvaluationKind, Stability,
};
use passgenau_domain::goals::{occasion_rating_field, Perspective};
use passgenau_domain::visit::{fachleistungsstunden_de, PARTICIPANT_ROLES};
use serde_json::{json, Map, Value};

use super::OccasionRatings;
use crate::state::use_app;
use crate::store;

/// Who can take part in an evaluation besides the family's roles.
const PROFESSIONALS: [&str; 2] = ["Fachkraft Träger", "Fachkraft Jugendamt"];

/// One evaluation, edited in place: every change is saved at once. What is shown depends on the
/// kind; a Fachcontrolling ends in its report (print view), which counts as the progress report.
#[component]
pub fn EvaluationForm(
    evaluation: Memo<Option<Evaluation>>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let ctx = use_app();
    let case_id = Signal::derive(move || evaluation.get().map(|e| e.case_id));
    let kind = Memo::new(move |_| evaluation.get().map(|e| e.kind));
    let providers = ctx.from_device(Vec::new(), move |kv| {
        let Some(c) = case_id.get() else { return Vec::new() };
        let mut p: Vec<String> = store::hilfesetting(kv, &c)
            .instances
            .iter()
            .map(|i| i.provider.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        p.sort();
        p.dedup();
        p
    });
    let wirkungsziele = ctx.from_device(Vec::new(), move |kv| {
        let Some(c) = case_id.get() else { return Vec::new() };
        store::goals(kv, &c)
            .wirkungsziele
            .iter()
            .map(|w| (w.id.clone(), w.text().to_owned()))
            .collect::<Vec<_>>()
    });

    let save = move |field: String, value: Value| {
        let Some(e) = evaluation.get_untracked() else { return };
        let fields = Map::from_iter([(field, value)]);
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let Some(kv) = crate::kv::device() else { return };
            match store::edit_evaluation(&kv, &e.id, fields, &crate::util::now_iso()) {
                Ok(()) => {
                    error.set(None);
                    ctx.touch();
                }
                Err(err) => error.set(Some(err.message_de())),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (fields, e);
    };
    let date_value = |s: String| if s.trim().is_empty() { Value::Null } else { json!(s) };
    let text_of =
        move |f: fn(&Evaluation) -> String| move || evaluation.get().map(|e| f(&e)).unwrap_or_default();

    let prefix = Signal::derive(move || evaluation.get().map(|e| rating_prefix(&e.id)).unwrap_or_default());
    let day = Signal::derive(move || evaluation.get().map(|e| e.on.to_string()).unwrap_or_default());
    let is = move |k: EvaluationKind| kind.get() == Some(k);

    view! {
        <form class="evaluation-form" on:submit=|ev| ev.prevent_default() data-testid="evaluation-form">
            <h2>{move || kind.get().map(|k| k.label_de()).unwrap_or_default()}</h2>
            <p class="saved no-print" aria-live="polite">"Jede Eingabe wird sofort auf diesem Gerät gespeichert."</p>
            <label for="bw-tag">"Tag der Bewertung"</label>
            <input id="bw-tag" type="date" prop:value=move || day.get()
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    if passgenau_domain::case::parse_iso_date(&v).is_err() {
                        error.set(Some("Bitte den Tag der Bewertung eingeben.".into()));
                    } else {
                        save("on".into(), json!(v));
                    }
                }/>
            <fieldset>
                <legend>"Beteiligte"</legend>
                {PARTICIPANT_ROLES.iter().chain(PROFESSIONALS.iter()).map(|r| {
                    let role = (*r).to_owned();
                    let checked = { let role = role.clone(); move || evaluation.get().is_some_and(|e| e.participants.contains(&role)) };
                    view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=checked on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                let mut list = evaluation.get_untracked().map(|e| e.participants).unwrap_or_default();
                                list.retain(|x| x != &role);
                                if on { list.push(role.clone()); }
                                save("participants".into(), json!(list));
                            }/>
                            {*r}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <label for="bw-traeger">"Träger, dessen Arbeit bewertet wird"</label>
            <input id="bw-traeger" list="bw-traeger-liste" prop:value=text_of(|e| e.provider.clone())
                on:change=move |ev| save("provider".into(), json!(event_target_value(&ev).trim()))/>
            <datalist id="bw-traeger-liste">
                {move || providers.get().into_iter().map(|p| view! { <option value=p/> }).collect_view()}
            </datalist>

            <Show when=move || is(EvaluationKind::Fachcontrolling)>
                <label for="bw-zeitraum">"Berichtszeitraum ab"</label>
                <input id="bw-zeitraum" type="date" prop:value=move || evaluation.get().and_then(|e| e.period_from).map(|d| d.to_string()).unwrap_or_default()
                    on:change=move |ev| save("period_from".into(), date_value(event_target_value(&ev)))/>
                <OccasionRatings case_id prefix day id_base="fc" title="Bewertung der Ziele durch alle Beteiligten (−2 bis +2)" error/>
            </Show>

            <Show when=move || is(EvaluationKind::Abschluss)>
                <label for="bw-grund">"Grund der Beendigung"</label>
                <select id="bw-grund" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    save("end_reason".into(), EndReason::parse(&v).map_or(Value::Null, |r| json!(r)));
                }>
                    <option value="" selected=move || evaluation.get().is_some_and(|e| e.end_reason.is_none())>"– bitte wählen –"</option>
                    {EndReason::ALL.into_iter().map(|r| view! {
                        <option value=r.key() selected=move || evaluation.get().is_some_and(|e| e.end_reason == Some(r))>{r.label_de()}</option>
                    }).collect_view()}
                </select>
                <h3>"Zielerreichung"</h3>
                <Show when=move || !wirkungsziele.get().is_empty() fallback=|| view! { <p class="hint">"Für diesen Fall sind keine Wirkungsziele festgelegt."</p> }>
                    <For each=move || wirkungsziele.get() key=|w| w.clone() let:w>
                        <fieldset data-testid="achievement">
                            <legend>{w.1.clone()}</legend>
                            {Achievement::ALL.into_iter().map(|a| {
                                let id = w.0.clone();
                                let id2 = w.0.clone();
                                view! {
                                    <label class="check">
                                        <input type="radio" name=format!("ze-{}", w.0)
                                            prop:checked=move || evaluation.get().is_some_and(|e| e.achievements.get(&id) == Some(&a))
                                            on:change=move |_| save(achievement_field(&id2), json!(a.key()))/>
                                        {a.label_de()}
                                    </label>
                                }
                            }).collect_view()}
                        </fieldset>
                    </For>
                </Show>
                <h3>"Bewertung der Arbeit des Trägers (−2 bis +2)"</h3>
                {Criterion::ALL.into_iter().enumerate().map(|(i, c)| {
                    let sid = format!("bw-q-{i}");
                    let current = move || evaluation.get().and_then(|e| e.quality.get(&c).map(|s| s.get()));
                    view! {
                        <label for=sid.clone()>{c.label_de()}</label>
                        <select id=sid on:change=move |ev| {
                            let v = event_target_value(&ev).parse::<i8>().ok();
                            save(quality_field(c), v.map_or(Value::Null, |v| json!(v)));
                        }>
                            <option value="" selected=move || current().is_none()>"–"</option>
                            {(-2..=2).rev().map(|v: i8| view! {
                                <option value=v.to_string() selected=move || current() == Some(v)>{if v > 0 { format!("+{v}") } else { v.to_string() }}</option>
                            }).collect_view()}
                        </select>
                    }
                }).collect_view()}
                <label for="bw-staerken">"Stärken"</label>
                <textarea id="bw-staerken" rows="3" prop:value=text_of(|e| e.strengths.clone())
                    on:input=move |ev| save("strengths".into(), json!(event_target_value(&ev)))></textarea>
                <label for="bw-schwaechen">"Schwächen"</label>
                <textarea id="bw-schwaechen" rows="3" prop:value=text_of(|e| e.weaknesses.clone())
                    on:input=move |ev| save("weaknesses".into(), json!(event_target_value(&ev)))></textarea>
                <label for="bw-nachhaltig">"Nachhaltigkeitsprüfung am"</label>
                <input id="bw-nachhaltig" type="date" prop:value=move || evaluation.get().and_then(|e| e.follow_up_on).map(|d| d.to_string()).unwrap_or_default()
                    on:change=move |ev| save("follow_up_on".into(), date_value(event_target_value(&ev)))/>
                <p class="hint">"Der Fall bleibt bis zur Nachhaltigkeitsprüfung auf den Geräten des Teams."</p>
            </Show>

            <Show when=move || is(EvaluationKind::Nachhaltigkeit)>
                <fieldset data-testid="stability">
                    <legend>"Wie hält das Erreichte?"</legend>
                    {Stability::ALL.into_iter().map(|s| view! {
                        <label class="check">
                            <input type="radio" name="bw-stabil" prop:checked=move || evaluation.get().is_some_and(|e| e.stability == Some(s))
                                on:change=move |_| save("stability".into(), json!(s))/>
                            {s.label_de()}
                        </label>
                    }).collect_view()}
                </fieldset>
                <fieldset>
                    <legend>"Ist eine neue Hilfe nötig?"</legend>
                    {[(true, "ja"), (false, "nein")].into_iter().map(|(b, l)| view! {
                        <label class="check">
                            <input type="radio" name="bw-neu" prop:checked=move || evaluation.get().is_some_and(|e| e.new_help_needed == Some(b))
                                on:change=move |_| save("new_help_needed".into(), json!(b))/>
                            {l}
                        </label>
                    }).collect_view()}
                </fieldset>
            </Show>

            <label for="bw-verlauf">{move || if is(EvaluationKind::Nachhaltigkeit) { "Situation heute" } else { "Verlauf und Entwicklung" }}</label>
            <textarea id="bw-verlauf" rows="5" prop:value=text_of(|e| e.verlauf.clone())
                on:input=move |ev| save("verlauf".into(), json!(event_target_value(&ev)))></textarea>
            <label for="bw-empfehlung">"Empfehlung"</label>
            <textarea id="bw-empfehlung" rows="3" prop:value=text_of(|e| e.empfehlung.clone())
                on:input=move |ev| save("empfehlung".into(), json!(event_target_value(&ev)))></textarea>
        </form>
        <Show when=move || is(EvaluationKind::Fachcontrolling)>
            <ProgressReport evaluation error/>
        </Show>
    }
    .into_any()
}

/// The report of a Fachcontrolling: the goals with this round's ratings against the last round's,
/// the Fachleistungsstunden delivered in the period (proof of service), course and recommendation.
/// Printable; printing is logged as an export of the case.
#[component]
fn ProgressReport(evaluation: Memo<Option<Evaluation>>, error: RwSignal<Option<String>>) -> impl IntoView {
    let ctx = use_app();
    type Row = (String, String, Vec<(Option<i8>, Option<i8>)>);
    let report = ctx.from_device(None, move |kv| {
        let e = evaluation.get()?;
        let plan = store::goals(kv, &e.case_id);
        let earlier = store::evaluations(kv, &e.case_id)
            .into_iter()
            .filter(|x| x.kind == EvaluationKind::Fachcontrolling && x.id != e.id && x.on <= e.on)
            .filter(|x| (x.on, &x.created_at) < (e.on, &e.created_at))
            .max_by_key(|x| (x.on, x.created_at.clone(), x.id.clone()));
        let now = store::occasion_ratings(kv, &e.case_id, &rating_prefix(&e.id));
        let before = earlier.as_ref().map(|x| store::occasion_ratings(kv, &e.case_id, &rating_prefix(&x.id)));
        let rows: Vec<Row> = plan
            .handlungsziele()
            .map(|h| {
                let cells = Perspective::ALL
                    .into_iter()
                    .map(|p| {
                        let this = now.get(&occasion_rating_field(&rating_prefix(&e.id), &h.id, p)).copied();
                        let last = earlier.as_ref().zip(before.as_ref()).and_then(|(x, b)| {
                            b.get(&occasion_rating_field(&rating_prefix(&x.id), &h.id, p)).copied()
                        });
                        (this, last)
                    })
                    .collect();
                (h.area.label_de().to_owned(), h.text.clone(), cells)
            })
            .collect();
        let from = e.period_from;
        let seconds: i64 = store::visits(kv, e.case_id.as_str())
            .iter()
            .filter(|v| {
                passgenau_domain::case::parse_iso_date(&v.date)
                    .is_ok_and(|d| d <= e.on && from.is_none_or(|f| d >= f))
            })
            .map(|v| v.direct_seconds)
            .sum();
        let case =
            store::case(kv, e.case_id.as_str()).map(|c| c.label.as_str().to_owned()).unwrap_or_default();
        Some((e, case, rows, earlier.map(|x| x.on), seconds))
    });
    let score = |s: Option<i8>| match s {
        Some(v) if v > 0 => format!("+{v}"),
        Some(v) => v.to_string(),
        None => "–".into(),
    };
    let print = move |_| {
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let (Some(kv), Some(e)) = (crate::kv::device(), evaluation.get_untracked()) else { return };
            let logged = store::record_audit_event_detail(
                &kv,
                "case.export",
                e.case_id.as_str(),
                Some(&format!("fachcontrolling={}; druck", e.id)),
                &crate::util::new_uuid().unwrap_or_default(),
                &crate::util::now_iso(),
            );
            if let Err(err) = logged {
                error.set(Some(format!(
                    "Der Bericht wird nur mit Protokolleintrag gedruckt. {}",
                    err.message_de()
                )));
                return;
            }
            if let Some(w) = web_sys::window() {
                let _ = w.print();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &error;
    };
    view! {
        <section class="progress-report" data-testid="progress-report" aria-labelledby="fc-bericht">
            {move || report.get().map(|(e, case, rows, last_on, seconds)| view! {
                <h2 id="fc-bericht">"Bericht Fachcontrolling / Erziehungsplanung"</h2>
                <p>{format!("Fall {case} · Bewertung vom {}{}", format_date_de(e.on),
                    e.period_from.map(|f| format!(" · Zeitraum {} bis {}", format_date_de(f), format_date_de(e.on))).unwrap_or_default())}</p>
                <p>{format!("Beteiligte: {}", if e.participants.is_empty() { "–".to_owned() } else { e.participants.join(", ") })}</p>
                <p>{format!("Träger: {}", if e.provider.is_empty() { "–" } else { e.provider.as_str() })}</p>
                <p data-testid="report-fls">{format!("Leistungsnachweis: {} direkte Zeit in Hausbesuchen im Zeitraum.", fachleistungsstunden_de(seconds))}</p>
                <p class="hint">{match last_on {
                    Some(d) => format!("In Klammern: Bewertung des Fachcontrollings vom {}.", format_date_de(d)),
                    None => "Erstes Fachcontrolling: noch kein Vergleich.".to_owned(),
                }}</p>
                <div class="table-scroll" tabindex="0" role="region" aria-label="Bewertung der Ziele">
                    <table>
                        <thead><tr>
                            <th scope="col">"Bereich"</th><th scope="col">"Handlungsziel"</th>
                            {Perspective::ALL.into_iter().map(|p| view! { <th scope="col">{p.label_de()}</th> }).collect_view()}
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|(area, text, cells)| view! {
                                <tr>
                                    <td>{area}</td><td>{text}</td>
                                    {cells.into_iter().map(|(this, last)| view! {
                                        <td>{match last { Some(_) => format!("{} ({})", score(this), score(last)), None => score(this) }}</td>
                                    }).collect_view()}
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <h3>"Verlauf und Entwicklung"</h3>
                <p class="section-text">{if e.verlauf.trim().is_empty() { "–".to_owned() } else { e.verlauf.clone() }}</p>
                <h3>"Empfehlung"</h3>
                <p class="section-text">{if e.empfehlung.trim().is_empty() { "–".to_owned() } else { e.empfehlung.clone() }}</p>
            })}
            <p class="no-print"><button type="button" on:click=print>"Bericht drucken"</button></p>
        </section>
    }
}
