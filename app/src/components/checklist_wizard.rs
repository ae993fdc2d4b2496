use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use passgenau_domain::case::CaseId;
use passgenau_domain::checklist::{
    self, AnswerStatus, ChecklistAnswers, ChecklistSection, ItemAnswer, SECTIONS,
};

use super::{CaseNotFound, Loading, RequireSession};
use crate::state::use_app;
use crate::store;

const STATUSES: [AnswerStatus; 3] =
    [AnswerStatus::Erfuellt, AnswerStatus::Offen, AnswerStatus::NichtZutreffend];

/// The structure-quality checklist of a case (seed 000), section by section. Every answer is saved
/// on the device at once, so she can leave at any item and come back to it later.
/// `/fall/checkliste?id=<case>&abschnitt=<1..7 | offen>`.
#[component]
pub fn ChecklistWizard() -> impl IntoView {
    let ctx = use_app();
    let query = use_query_map();
    let case_id = Memo::new(move |_| query.read().get("id").and_then(|id| CaseId::parse(&id).ok()));
    // Which page: a section (0-based) or the list of open items.
    let page = Memo::new(move |_| match query.read().get("abschnitt").as_deref() {
        Some("offen") => None,
        Some(n) => {
            Some(n.parse::<usize>().ok().filter(|n| (1..=SECTIONS.len()).contains(n)).map_or(0, |n| n - 1))
        }
        None => Some(0),
    });
    let case = ctx.from_device(None, move |kv| case_id.get().and_then(|id| store::case(kv, id.as_str())));
    let answers = ctx.from_device(None, move |kv| case_id.get().map(|id| store::checklist(kv, &id)));
    let error = RwSignal::new(None::<String>);

    let save = move |item_id: &'static str, answer: ItemAnswer| {
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let Some(id) = case_id.get_untracked() else { return };
            let Some(kv) = crate::kv::device() else { return };
            match store::set_checklist_answer(&kv, &id, item_id, answer, &crate::util::now_iso()) {
                Ok(()) => {
                    error.set(None);
                    ctx.touch();
                }
                Err(e) => error.set(Some(e.message_de())),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (item_id, answer, &ctx, &error);
    };

    let href = move |page: Option<usize>| {
        let id = case_id.get().map(|c| c.to_string()).unwrap_or_default();
        match page {
            Some(n) => format!("/fall/checkliste?id={id}&abschnitt={}", n + 1),
            None => format!("/fall/checkliste?id={id}&abschnitt=offen"),
        }
    };

    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <Show when=move || case.get().is_some()
                fallback=|| view! { <CaseNotFound/> }>
                <section class="checklist">
                    <p><a href=move || format!("/fall?id={}", case_id.get().map(|c| c.to_string()).unwrap_or_default())>
                        "← Zum Fall"
                    </a></p>
                    <h1>"Checkliste Strukturqualität"</h1>
                    <p class="subtitle">
                        {move || case.get().map(|c| c.label.as_str().to_owned())}
                        " · " {checklist::SERVICE_TYPE_NUMBER} " " {checklist::SERVICE_TYPE_NAME}
                    </p>
                    <Progress answers=answers/>
                    <SectionNav answers=answers page=page href=href/>
                    {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                    {move || match page.get() {
                        Some(n) => view! {
                            <SectionForm section=&SECTIONS[n] answers=answers save=save/>
                            <Pager n=n href=href/>
                        }.into_any(),
                        None => view! { <OpenItems answers=answers href=href/> }.into_any(),
                    }}
                    <p class="saved" aria-live="polite">"Jede Antwort wird sofort auf diesem Gerät gespeichert."</p>
                </section>
            </Show>
        </Show>
    }
    .into_any()
}

#[component]
fn SectionNav(
    answers: Memo<Option<ChecklistAnswers>>,
    page: Memo<Option<usize>>,
    href: impl Fn(Option<usize>) -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <nav aria-label="Abschnitte der Checkliste" class="sections">
            <ol>
                {SECTIONS.iter().enumerate().map(|(n, s)| {
                    let done = move || answers.get().map(|a| a.section_completeness(s.id)).unwrap_or_default();
                    view! {
                        <li>
                            <a href=move || href(Some(n))
                                aria-current=move || (page.get() == Some(n)).then_some("page")>
                                <span>{s.title}</span>
                                <span class="count">{move || { let c = done(); format!("{}/{}", c.decided(), c.total) }}</span>
                            </a>
                        </li>
                    }
                }).collect_view()}
                <li>
                    <a href=move || href(None) aria-current=move || page.get().is_none().then_some("page")>
                        <span>"Offene Punkte"</span>
                        <span class="count">{move || answers.get().map(|a| a.completeness().offen).unwrap_or_default()}</span>
                    </a>
                </li>
            </ol>
        </nav>
    }
    .into_any()
}

#[component]
fn Pager(n: usize, href: impl Fn(Option<usize>) -> String + Copy + Send + Sync + 'static) -> impl IntoView {
    view! {
        <nav class="pager" aria-label="Blättern">
            {(n > 0).then(|| view! {
                <a href=move || href(Some(n - 1))>{format!("← Zurück: {}", SECTIONS[n - 1].title)}</a>
            })}
            {if n + 1 < SECTIONS.len() {
                view! { <a class="button primary" href=move || href(Some(n + 1))>{format!("Weiter: {} →", SECTIONS[n + 1].title)}</a> }.into_any()
            } else {
                view! { <a class="button primary" href=move || href(None)>"Offene Punkte ansehen →"</a> }.into_any()
            }}
        </nav>
    }
    .into_any()
}

#[component]
fn Progress(answers: Memo<Option<ChecklistAnswers>>) -> impl IntoView {
    let all = move || answers.get().map(|a| a.completeness()).unwrap_or_default();
    view! {
        <p class="progress" data-testid="checklist-progress">
            <label for="checkliste-fortschritt">
                {move || { let c = all(); format!("{} von {} Punkten entschieden ({} %)", c.decided(), c.total, c.percent_decided()) }}
            </label>
            <progress id="checkliste-fortschritt" max=move || all().total value=move || all().decided()></progress>
        </p>
    }
}

#[component]
fn SectionForm(
    section: &'static ChecklistSection,
    answers: Memo<Option<ChecklistAnswers>>,
    save: impl Fn(&'static str, ItemAnswer) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <h2>{section.heading}</h2>
        <ol class="items">
            {section.items.iter().map(|item| {
                let answer = move || answers.get().map(|a| a.answer(item.id)).unwrap_or_default();
                let name = format!("antwort-{}", item.id);
                let note_id = format!("notiz-{}", item.id);
                view! {
                    <li id=item.id>
                        <fieldset class="item">
                            <legend>{item.text}</legend>
                            {(!item.footnotes.is_empty()).then(|| view! {
                                <ul class="footnotes">
                                    {item.footnotes.iter().filter_map(|n| checklist::footnote(*n)).map(|f| view! {
                                        <li><small>{format!("{}: {}", f.number, f.text)}</small></li>
                                    }).collect_view()}
                                </ul>
                            })}
                            <div class="choices">
                                {STATUSES.into_iter().map(|status| {
                                    let name = name.clone();
                                    view! {
                                        <label class="choice">
                                            <input type="radio" name=name
                                                prop:checked=move || answer().status == status
                                                on:change=move |_| save(item.id, ItemAnswer { status, note: answer().note })/>
                                            {status.label_de()}
                                        </label>
                                    }
                                }).collect_view()}
                            </div>
                            <label for=note_id.clone()>"Notiz zu diesem Punkt"</label>
                            <textarea id=note_id rows="2"
                                prop:value=move || answer().note
                                on:input=move |ev| save(item.id, ItemAnswer { status: answer().status, note: event_target_value(&ev) })>
                            </textarea>
                        </fieldset>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}

#[component]
fn OpenItems(
    answers: Memo<Option<ChecklistAnswers>>,
    href: impl Fn(Option<usize>) -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <h2>"Offene Punkte"</h2>
        {move || {
            let a = answers.get()?;
            let open: Vec<(usize, &'static str, &'static str)> = SECTIONS
                .iter()
                .enumerate()
                .flat_map(|(n, s)| s.items.iter().map(move |i| (n, s.title, i)))
                .filter(|(_, _, i)| a.answer(i.id).status == AnswerStatus::Offen)
                .map(|(n, title, i)| (n, title, i.id))
                .collect();
            Some(if open.is_empty() {
                view! { <p data-testid="no-open-items">"Alle Punkte sind entschieden."</p> }.into_any()
            } else {
                view! {
                    <ul class="open-items" data-testid="open-items">
                        {open.into_iter().map(|(n, title, id)| {
                            let text = checklist::item(id).map(|(_, i)| i.text).unwrap_or_default();
                            view! {
                                <li><a href=move || format!("{}#{id}", href(Some(n)))>
                                    <span class="section-title">{title}</span>": "{text}
                                </a></li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            })
        }}
    }
    .into_any()
}
