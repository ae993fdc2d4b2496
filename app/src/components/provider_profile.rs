use leptos::prelude::*;
use passgenau_domain::evaluation::{ProviderProfileResponse, PROFILE_MIN_CASES};
use passgenau_domain::roles::Permission;

use super::team_view::TableView;
use super::{Loading, RequireSession};
use crate::state::use_app;

/// The providers' strengths-and-weaknesses profile (seed 002, *Trägerprofil*): from the end
/// evaluations, sustainability checks and questionnaires of all teams, every figure with the
/// number of cases behind it. Computed by the server, because closed cases leave the devices while
/// their evaluations stay on the server; so this page needs a connection. `/traeger`.
#[component]
pub fn ProviderProfile() -> impl IntoView {
    let ctx = use_app();
    let data = RwSignal::new(None::<ProviderProfileResponse>);
    let error = RwSignal::new(None::<String>);
    let allowed = move || {
        ctx.session.get().is_some_and(|s| passgenau_domain::roles::may(&s.role, Permission::ViewTeamOverview))
    };
    Effect::new(move |_| {
        if ctx.mounted.get() && allowed() {
            #[cfg(feature = "hydrate")]
            leptos::task::spawn_local(async move {
                match crate::sync::get::<ProviderProfileResponse>("/api/v1/providers/profile").await {
                    Ok(p) => {
                        error.set(None);
                        data.set(Some(p));
                    }
                    Err(e) => error.set(Some(e.message_de())),
                }
            });
        }
    });
    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <section class="team">
                <h1>"Trägerprofil"</h1>
                <Show when=allowed fallback=|| view! { <p class="error" role="alert">"Das Trägerprofil ist der Teamleitung vorbehalten."</p> }>
                    <p class="hint">{format!(
                        "Stärken und Schwächen je Träger aus den Evaluationen der Fallbeendigung, den Nachhaltigkeitsprüfungen und den Nutzerfragebögen aller Teams. Jede Zahl nennt die Fälle dahinter; unter {PROFILE_MIN_CASES} Fällen wird nichts als Stärke oder Schwäche eingeordnet. Bewertungen von −2 bis +2: Stärke ab +1,0, Schwäche bis 0,0; Anteile: Stärke ab 75 %, Schwäche unter 50 %."
                    )}</p>
                    {move || error.get().map(|m| view! { <p class="error" role="alert">{format!("Das Trägerprofil braucht eine Verbindung zum Server. {m}")}</p> })}
                    {move || data.get().map(|p| view! {
                        <p data-testid="profile-basis">{format!("Grundlage: {} Evaluationen, {} Fragebögen.", p.evaluations, p.questionnaires)}</p>
                        <TableView key="traegerprofil" title="Stärken und Schwächen je Träger".to_owned() table=p.table/>
                    })}
                </Show>
            </section>
        </Show>
    }
    .into_any()
}
