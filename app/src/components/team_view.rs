use leptos::prelude::*;
use passgenau_domain::case::parse_iso_date;
use passgenau_domain::roles::Permission;
use passgenau_domain::rules::RuleConfig;
use passgenau_domain::team::{self, CaseData, Table};

use super::{Loading, RequireSession};
use crate::state::use_app;
use crate::store;

/// The team view of the Teamleitung (`/team`, seed 001), from the team's data on this device (it
/// works offline): caseload per Fachkraft, due reviews and clearing deadlines, Fachleistungsstunden
/// planned against delivered in a month, families per form of help in a reference week, cost
/// against case budget; each table downloadable as CSV.
#[component]
pub fn TeamView() -> impl IntoView {
    let ctx = use_app();
    let today = crate::util::today_iso();
    let month = RwSignal::new(today.get(..7).unwrap_or_default().to_owned());
    let week_day = RwSignal::new(today.clone());
    let allowed = move || {
        ctx.session.get().is_some_and(|s| passgenau_domain::roles::may(&s.role, Permission::ViewTeamOverview))
    };
    let tables = ctx.from_device(Vec::<(&'static str, String, Table)>::new(), move |kv| {
        let Ok(today) = parse_iso_date(&crate::util::today_iso()) else { return Vec::new() };
        let cases = store::cases(kv);
        let settings: Vec<_> = cases.iter().map(|c| store::hilfesetting(kv, &c.id)).collect();
        let visits: Vec<_> = cases.iter().map(|c| store::visits(kv, c.id.as_str())).collect();
        let data: Vec<CaseData<'_>> = cases
            .iter()
            .zip(&settings)
            .zip(&visits)
            .map(|((case, setting), visits)| CaseData { case, setting, visits })
            .collect();
        let cfg = RuleConfig::default();
        let mut out = vec![
            ("fallbelastung", "Fallbelastung je Fachkraft".to_owned(), team::caseload(&data, today, &cfg)),
            (
                "fristen",
                format!("Fristen in den nächsten {} Tagen", cfg.review_notice_days),
                team::deadlines(&data, today, &cfg),
            ),
        ];
        let m = month.get();
        let parsed = parse_iso_date(&format!("{m}-01")).ok();
        if let Some(first) = parsed {
            out.push((
                "fachleistungsstunden",
                format!("Fachleistungsstunden {:02}/{}", u8::from(first.month()), first.year()),
                team::fls(&data, crate::catalog::catalog(), first.year(), first.month()),
            ));
        }
        if let Ok(day) = parse_iso_date(&week_day.get()) {
            let (monday, t) = team::reference_week(&data, day);
            out.push((
                "stichwoche",
                format!("Stichwoche ab {}", passgenau_domain::case::format_date_de(monday)),
                t,
            ));
        }
        if let Some(cat) = crate::catalog::catalog() {
            out.push(("kosten", "Kosten und Fallbudget".to_owned(), team::costs(&data, cat)));
        }
        out
    });

    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <section class="team">
                <h1>"Team"</h1>
                <Show when=allowed fallback=|| view! { <p class="error" role="alert">"Die Teamübersicht ist der Teamleitung vorbehalten."</p> }>
                    <p class="hint">"Aus den Daten des Teams auf diesem Gerät, Stand der letzten Synchronisation."</p>
                    <p><a href="/traeger">"Trägerprofil: Stärken und Schwächen je Träger"</a></p>
                    <div class="row no-print">
                        <div>
                            <label for="team-monat">"Monat (Fachleistungsstunden)"</label>
                            <input id="team-monat" type="month" prop:value=move || month.get() on:input=move |ev| month.set(event_target_value(&ev))/>
                        </div>
                        <div>
                            <label for="team-stichwoche">"Tag der Stichwoche"</label>
                            <input id="team-stichwoche" type="date" prop:value=move || week_day.get() on:input=move |ev| week_day.set(event_target_value(&ev))/>
                        </div>
                    </div>
                    <For each=move || tables.get() key=|t| format!("{:?}", t) let:t>
                        <TableView key=t.0 title=t.1 table=t.2/>
                    </For>
                </Show>
            </section>
        </Show>
    }
    .into_any()
}

#[component]
pub(super) fn TableView(key: &'static str, title: String, table: Table) -> impl IntoView {
    let href = format!("data:text/csv;charset=utf-8,{}", percent_encode(&table.to_csv()));
    let caption = title.clone();
    view! {
        <section class="team-table" data-testid=format!("team-{key}")>
            <h2>{title}</h2>
            {if table.rows.is_empty() {
                view! { <p class="hint">"Keine Einträge."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll" tabindex="0" role="region" aria-label=caption>
                        <table>
                            <thead><tr>{table.headers.iter().map(|h| view! { <th scope="col">{h.clone()}</th> }).collect_view()}</tr></thead>
                            <tbody>
                                {table.rows.iter().map(|r| view! {
                                    <tr>{r.iter().map(|c| view! { <td>{c.clone()}</td> }).collect_view()}</tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            <p><a class="button" href=href download=format!("team-{key}.csv")>"Als CSV herunterladen"</a></p>
        </section>
    }
}

/// Percent-encodes for a data URL (everything but unreserved ASCII).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
