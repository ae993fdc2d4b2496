use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use passgenau_domain::case::{format_date_de, parse_iso_date, CaseId};
use passgenau_domain::evaluation::{self, Evaluation, EvaluationKind, Question, Respondent};

use super::visit_screen::de_day;
use super::{EvaluationForm, Loading, RequireSession};
use crate::state::use_app;
use crate::store;

/// The case's evaluations after Halle (seed 002): Fachcontrolling / Erziehungsplanung (the progress
/// report), the evaluation at case end, the sustainability check at the follow-up day, and the
/// user questionnaires. `/fall/bewertung?id=<case>`; `&b=<evaluation>` opens one for editing.
#[component]
pub fn EvaluationPage() -> impl IntoView {
    let ctx = use_app();
    let query = use_query_map();
    let navigate = use_navigate();
    let case_id = Memo::new(move |_| query.read().get("id").and_then(|id| CaseId::parse(&id).ok()));
    let open_id = Memo::new(move |_| query.read().get("b"));
    let case = ctx.from_device(None, move |kv| case_id.get().and_then(|id| store::case(kv, id.as_str())));
    let evaluations = ctx.from_device(Vec::new(), move |kv| {
        case_id.get().map(|id| store::evaluations(kv, &id)).unwrap_or_default()
    });
    let questionnaires = ctx.from_device(Vec::new(), move |kv| {
        case_id.get().map(|id| store::questionnaires(kv, &id)).unwrap_or_default()
    });
    let open = Memo::new(move |_| {
        let id = open_id.get()?;
        evaluations.get().into_iter().find(|e| e.id == id)
    });
    let due = Memo::new(move |_| evaluation::follow_up_due(&evaluations.get()));
    let error = RwSignal::new(None::<String>);

    // The provider of the case's Hilfesetting, proposed for evaluations and questionnaires.
    let first_provider = move || {
        #[cfg(feature = "hydrate")]
        {
            let (Some(kv), Some(id)) = (crate::kv::device(), case_id.get_untracked()) else {
                return String::new();
            };
            store::hilfesetting(&kv, &id)
                .instances
                .iter()
                .map(|i| i.provider.trim().to_owned())
                .find(|p| !p.is_empty())
                .unwrap_or_default()
        }
        #[cfg(not(feature = "hydrate"))]
        String::new()
    };
    let nav = navigate.clone();
    let begin = Callback::new(move |kind: EvaluationKind| {
        let Some(case_id) = case_id.get_untracked() else { return };
        let Ok(today) = parse_iso_date(&crate::util::today_iso()) else { return };
        let Some(id) = crate::util::new_uuid() else {
            error.set(Some("Dieses Gerät kann keine Kennung erzeugen.".into()));
            return;
        };
        let mut e = Evaluation::new(id.clone(), case_id.clone(), kind, today);
        e.created_at = crate::util::now_iso();
        e.provider = first_provider();
        if kind == EvaluationKind::Fachcontrolling {
            // The period starts where the last Fachcontrolling ended, or with the help.
            e.period_from = evaluations
                .get_untracked()
                .iter()
                .filter(|x| x.kind == EvaluationKind::Fachcontrolling && x.on <= today)
                .map(|x| x.on)
                .max()
                .or_else(|| case.get_untracked().map(|c| c.start_date))
                .filter(|d| *d <= today);
        }
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let Some(kv) = crate::kv::device() else { return };
            match store::add_evaluation(&kv, &e, &crate::util::now_iso()) {
                Ok(()) => {
                    error.set(None);
                    ctx.touch();
                    nav(&format!("/fall/bewertung?id={case_id}&b={id}"), Default::default());
                }
                Err(err) => error.set(Some(err.message_de())),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (e, &nav);
    });
    let nav = navigate.clone();
    let questionnaire = Callback::new(move |r: Respondent| {
        let Some(case_id) = case_id.get_untracked() else { return };
        let Ok(today) = parse_iso_date(&crate::util::today_iso()) else { return };
        let Some(id) = crate::util::new_uuid() else { return };
        let mut q = evaluation::Questionnaire::new(id.clone(), case_id.clone(), today, r, first_provider());
        q.created_at = crate::util::now_iso();
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let Some(kv) = crate::kv::device() else { return };
            match store::add_questionnaire(&kv, &q, &crate::util::now_iso()) {
                Ok(()) => {
                    ctx.touch();
                    nav(&format!("/fall/fragebogen?id={case_id}&f={id}"), Default::default());
                }
                Err(err) => error.set(Some(err.message_de())),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (q, &nav);
    });
    let case_link = move || format!("/fall?id={}", case_id.get().map(|c| c.to_string()).unwrap_or_default());
    let list_link =
        move || format!("/fall/bewertung?id={}", case_id.get().map(|c| c.to_string()).unwrap_or_default());

    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <section class="evaluation">
                <p class="no-print"><a href=case_link>"← Zum Fall"</a></p>
                <h1>"Bewertung und Evaluation"</h1>
                <p class="subtitle">{move || case.get().map(|c| c.label.as_str().to_owned())}</p>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <Show when=move || open.get().is_some() fallback=move || {
                    view! {
                        <p class="hint">"Alle Beteiligten bewerten die vereinbarten Ziele (Fachcontrolling / Erziehungsplanung). Das Fachcontrolling gilt als Leistungsnachweis und kann den Entwicklungsbericht ersetzen. Am Ende der Hilfe folgt die Evaluation der Fallbeendigung, später die Bewertung der Nachhaltigkeit."</p>
                        {move || due.get().map(|d| view! {
                            <p class="notice" data-testid="follow-up-due">{format!("Nachhaltigkeitsprüfung fällig am {}.", format_date_de(d))}</p>
                        })}
                        <h2>"Bewertungen"</h2>
                        <Show when=move || !evaluations.get().is_empty()
                            fallback=|| view! { <p data-testid="no-evaluations">"Noch keine Bewertung."</p> }>
                            <ul class="evaluation-list" data-testid="evaluations">
                                {move || evaluations.get().into_iter().map(|e| {
                                    let href = format!("/fall/bewertung?id={}&b={}", e.case_id, e.id);
                                    view! { <li><a href=href>{format!("{} · {}", e.kind.label_de(), format_date_de(e.on))}</a></li> }
                                }).collect_view()}
                            </ul>
                        </Show>
                        <div class="actions">
                            <button type="button" on:click=move |_| begin.run(EvaluationKind::Fachcontrolling)>"Fachcontrolling beginnen"</button>
                            <button type="button" on:click=move |_| begin.run(EvaluationKind::Abschluss)>"Evaluation Fallbeendigung beginnen"</button>
                            <Show when=move || evaluations.get().iter().any(|e| e.kind == EvaluationKind::Abschluss)>
                                <button type="button" on:click=move |_| begin.run(EvaluationKind::Nachhaltigkeit)>"Nachhaltigkeit bewerten"</button>
                            </Show>
                        </div>
                        <h2>"Nutzerfragebogen"</h2>
                        <p class="hint">"Zum Ausfüllen auf diesem Gerät: Das Gerät an die Mutter, den Vater oder den jungen Menschen geben. Der Fragebogen zeigt keine Falldaten; wer ihn verlässt, sieht die Sperre, die Sie mit Ihrer PIN öffnen."</p>
                        <Show when=move || !questionnaires.get().is_empty()
                            fallback=|| view! { <p>"Noch kein Fragebogen."</p> }>
                            <ul class="evaluation-list" data-testid="questionnaires">
                                {move || questionnaires.get().into_iter().map(|q| view! {
                                    <li>{format!("{} · {} · {} von {} Fragen beantwortet", de_day(&q.on.to_string()), q.respondent.label_de(), q.answers.len(), Question::ALL.len())}</li>
                                }).collect_view()}
                            </ul>
                        </Show>
                        <div class="actions">
                            <button type="button" on:click=move |_| questionnaire.run(Respondent::Elternteil)>"Fragebogen für Eltern"</button>
                            <button type="button" on:click=move |_| questionnaire.run(Respondent::JungerMensch)>"Fragebogen für junge Menschen"</button>
                        </div>
                    }
                }>
                    <p class="no-print"><a href=list_link>"← Alle Bewertungen"</a></p>
                    <EvaluationForm evaluation=open error/>
                </Show>
            </section>
        </Show>
    }
    .into_any()
}
