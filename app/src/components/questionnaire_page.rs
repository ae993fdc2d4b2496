use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use passgenau_domain::case::CaseId;
use passgenau_domain::evaluation::{answer_field, Answer, Question, Questionnaire, Respondent};
use serde_json::{json, Map, Value};

use super::{Loading, RequireSession};
use crate::state::use_app;
use crate::store;

/// The user questionnaire (seed 002), filled in on the worker's device by a parent or the young
/// person: plain language ("Sie" for parents, "du" for young people), big answers, each saved at
/// once, no case data on the screen, and no way to the case file without the worker's PIN.
/// `/fall/fragebogen?id=<case>&f=<questionnaire>`.
#[component]
pub fn QuestionnairePage() -> impl IntoView {
    let ctx = use_app();
    let query = use_query_map();
    let case_id = Memo::new(move |_| query.read().get("id").and_then(|id| CaseId::parse(&id).ok()));
    let q_id = Memo::new(move |_| query.read().get("f"));
    let questionnaire = ctx.from_device(None::<Questionnaire>, move |kv| {
        let (c, id) = (case_id.get()?, q_id.get()?);
        store::questionnaires(kv, &c).into_iter().find(|q| q.id == id)
    });
    let young = move || questionnaire.get().is_some_and(|q| q.respondent == Respondent::JungerMensch);
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let save = move |field: String, value: Value| {
        let Some(q) = questionnaire.get_untracked() else { return };
        let fields = Map::from_iter([(field, value)]);
        #[cfg(feature = "hydrate")]
        {
            let Some(kv) = crate::kv::device() else { return };
            ctx.settle(store::edit_questionnaire(&kv, &q.id, fields, &crate::util::now_iso()), error);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (fields, q);
    };
    let back =
        move || format!("/fall/bewertung?id={}", case_id.get().map(|c| c.to_string()).unwrap_or_default());
    // Handed over: no way out through the header; leaving this page, by link or by the browser's
    // back button, locks the device until the worker enters her PIN.
    Effect::new(move |_| {
        if questionnaire.with(Option::is_some) {
            ctx.handed_over.set(true);
        }
    });
    on_cleanup(move || ctx.take_back());

    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <section class="questionnaire">
                <Show when=move || questionnaire.get().is_some()
                    fallback=move || view! { <p class="error" role="alert">"Diesen Fragebogen gibt es auf diesem Gerät nicht."</p> <p><a href=back>"Zurück"</a></p> }>
                    <h1>{move || if young() { "Deine Meinung zählt" } else { "Ihre Meinung zählt" }}</h1>
                    <p class="intro">{move || if young() {
                        "Wir möchten wissen, wie die Hilfe für dich war. Es gibt keine falschen Antworten. Du kannst Fragen auslassen. Dein Name wird nicht gespeichert."
                    } else {
                        "Wir möchten wissen, wie die Hilfe für Sie war. Es gibt keine falschen Antworten. Sie können Fragen auslassen. Ihr Name wird nicht gespeichert."
                    }}</p>
                    {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                    <Show when=move || !done.get() fallback=move || view! {
                        <p class="saved" role="status" data-testid="questionnaire-done">{move || if young() {
                            "Danke! Bitte gib das Gerät jetzt zurück."
                        } else {
                            "Vielen Dank! Bitte geben Sie das Gerät jetzt zurück."
                        }}</p>
                        <p><a href=back>"Zurück zur Fachkraft-Ansicht"</a></p>
                        <p class="hint">"Das Gerät wird dabei gesperrt; die Fachkraft entsperrt es mit ihrer PIN."</p>
                    }>
                        {Question::ALL.into_iter().enumerate().map(|(i, q)| {
                            view! {
                                <fieldset class="question" data-testid="question">
                                    <legend>{move || format!("{}. {}", i + 1, q.text_de(if young() { Respondent::JungerMensch } else { Respondent::Elternteil }))}</legend>
                                    <div class="answers">
                                        {Answer::ALL.into_iter().map(|a| view! {
                                            <label class="answer">
                                                <input type="radio" name=format!("frage-{i}")
                                                    prop:checked=move || questionnaire.get().is_some_and(|x| x.answers.get(&q) == Some(&a))
                                                    on:change=move |_| save(answer_field(q), json!(a.key()))/>
                                                <span>{a.label_de()}</span>
                                            </label>
                                        }).collect_view()}
                                    </div>
                                </fieldset>
                            }
                        }).collect_view()}
                        <label for="fb-gut">"Was war gut?"</label>
                        <textarea id="fb-gut" rows="3" prop:value=move || questionnaire.get().map(|q| q.gut).unwrap_or_default()
                            on:input=move |ev| save("gut".into(), json!(event_target_value(&ev)))></textarea>
                        <label for="fb-besser">"Was soll besser werden?"</label>
                        <textarea id="fb-besser" rows="3" prop:value=move || questionnaire.get().map(|q| q.besser).unwrap_or_default()
                            on:input=move |ev| save("besser".into(), json!(event_target_value(&ev)))></textarea>
                        <p><button type="button" class="primary" on:click=move |_| done.set(true)>"Fertig"</button></p>
                    </Show>
                </Show>
            </section>
        </Show>
    }
    .into_any()
}
