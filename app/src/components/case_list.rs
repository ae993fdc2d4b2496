use leptos::prelude::*;
use passgenau_domain::case::{format_date_de, Case, CaseStatus};
use passgenau_domain::rules::RuleConfig;
use passgenau_domain::setting::add_months;
use passgenau_domain::text::fold_case;

use super::{Loading, RequireSession};
use crate::state::use_app;
use crate::store;

/// Days before a date from which the list counts it as due.
const DUE_WITHIN_DAYS: i64 = 14;

/// A case with the dates the list filters by.
#[derive(Clone, PartialEq)]
struct Row {
    case: Case,
    /// When the Hilfeplan is next reviewed (§ 36 Abs. 2), from the case's Hilfesetting.
    next_review: Option<time::Date>,
    /// The latest end of a running clearing (12 weeks after the case began).
    clearing_deadline: Option<time::Date>,
    /// The line under the label: status, begin, Fachkraft, dates.
    meta: String,
}

impl Row {
    /// Identifies what the row shows, so the list re-renders exactly the rows that changed.
    fn key(&self) -> String {
        format!("{}\u{1f}{}\u{1f}{}", self.case.id, self.case.label.as_str(), self.meta)
    }
}

/// The cases on this device: search by Aktenzeichen or pseudonym, filters by status, responsible
/// Fachkraft, due Hilfeplan review and clearing deadline.
#[component]
pub fn CaseList() -> impl IntoView {
    let ctx = use_app();
    let search = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let member = RwSignal::new(String::new());
    let review_due = RwSignal::new(false);
    let clearing_due = RwSignal::new(false);
    let rows = ctx.from_device(Vec::new(), |kv| {
        let cfg = RuleConfig::default();
        store::cases(kv)
            .into_iter()
            .map(|case| {
                let review = store::setting_review(kv, &case.id);
                let next_review = add_months(
                    review.last_review.unwrap_or(case.start_date),
                    u32::from(review.interval_months),
                );
                let clearing_deadline = (case.status == CaseStatus::Clearing)
                    .then(|| case.start_date.checked_add(time::Duration::days(cfg.clearing_max_days)))
                    .flatten();
                let mut parts = vec![
                    case.status.label_de().to_owned(),
                    format!("Beginn {}", format_date_de(case.start_date)),
                ];
                if let Some(a) = &case.assigned_to {
                    parts.push(a.clone());
                }
                if let Some(d) = next_review {
                    parts.push(format!("Überprüfung {}", format_date_de(d)));
                }
                if let Some(d) = clearing_deadline {
                    parts.push(format!("Clearing bis spätestens {}", format_date_de(d)));
                }
                Row { case, next_review, clearing_deadline, meta: parts.join(" · ") }
            })
            .collect::<Vec<_>>()
    });
    let members = move || {
        let mut m: Vec<String> = rows.get().into_iter().filter_map(|r| r.case.assigned_to).collect();
        m.sort();
        m.dedup();
        m
    };
    let shown = Memo::new(move |_| {
        let today =
            passgenau_domain::case::parse_iso_date(&crate::util::today_iso()).unwrap_or(time::Date::MIN);
        let due = |d: Option<time::Date>| d.is_some_and(|d| (d - today).whole_days() <= DUE_WITHIN_DAYS);
        let q = fold_case(search.get().trim());
        let (s, m) = (status.get(), member.get());
        rows.get()
            .into_iter()
            .filter(|r| q.is_empty() || fold_case(r.case.label.as_str()).contains(&q))
            .filter(|r| s.is_empty() || r.case.status.key() == s)
            .filter(|r| m.is_empty() || r.case.assigned_to.as_deref() == Some(m.as_str()))
            .filter(|r| !review_due.get() || due(r.next_review))
            .filter(|r| !clearing_due.get() || due(r.clearing_deadline))
            .collect::<Vec<_>>()
    });
    view! {
        <RequireSession/>
        <Show when=move || ctx.session.get().is_some_and(|s| !passgenau_domain::roles::may(&s.role, passgenau_domain::roles::Permission::WorkOnCases))>
            <p class="hint" role="note" data-testid="no-case-access">"Die Administration sieht keine Fallakten. "
                <a href="/verwaltung">"Zur Verwaltung"</a></p>
        </Show>
        <section>
            <div class="title-row">
                <h1>"Fälle"</h1>
                <a class="button primary" href="/fall/neu">"Neuer Fall"</a>
            </div>
            <p class="team-links"><a href="/sozialraum">"Angebote im Sozialraum"</a>" · "<a href="/partner">"Kooperationspartner"</a></p>
            <label for="suche">"Suche nach Aktenzeichen oder Pseudonym"</label>
            <input id="suche" type="search" prop:value=move || search.get()
                on:input=move |ev| search.set(event_target_value(&ev))/>
            <div class="filters">
                <div>
                    <label for="filter-status">"Status"</label>
                    <select id="filter-status" on:change=move |ev| status.set(event_target_value(&ev))>
                        <option value="">"alle"</option>
                        {CaseStatus::ALL.into_iter().map(|s| view! { <option value=s.key()>{s.label_de()}</option> }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="filter-fachkraft">"Fachkraft"</label>
                    <select id="filter-fachkraft" on:change=move |ev| member.set(event_target_value(&ev))>
                        <option value="">"alle"</option>
                        {move || members().into_iter().map(|m| view! { <option>{m}</option> }).collect_view()}
                    </select>
                </div>
                <label class="check">
                    <input type="checkbox" on:change=move |ev| review_due.set(event_target_checked(&ev))/>
                    "Überprüfung des Hilfeplans fällig"
                </label>
                <label class="check">
                    <input type="checkbox" on:change=move |ev| clearing_due.set(event_target_checked(&ev))/>
                    "Clearing-Frist läuft ab"
                </label>
            </div>
            <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
                <Show when=move || !rows.get().is_empty()
                    fallback=|| view! { <p class="empty">"Noch keine Fälle auf diesem Gerät."</p> }>
                    <p class="count" aria-live="polite" data-testid="case-count">{move || format!("{} von {} Fällen", shown.read().len(), rows.read().len())}</p>
                    <ul class="cases">
                        <For each=move || shown.get() key=Row::key let:r>
                            <li>
                                <a href=format!("/fall?id={}", r.case.id)>{r.case.label.as_str().to_owned()}</a>
                                <span class="meta">{r.meta}</span>
                            </li>
                        </For>
                    </ul>
                </Show>
            </Show>
        </section>
    }
    .into_any()
}
