use leptos::prelude::*;
use passgenau_domain::admin::{NewUserRequest, TeamRequest, TeamSummary, UpdateUserRequest, UserSummary};
use passgenau_domain::catalog::{Catalog, DefaultRate};
use passgenau_domain::roles::{Permission, Role};

use super::{Loading, RequireSession};
use crate::state::use_app;

/// What the administration page shows, loaded from the server.
#[derive(Clone, Default, PartialEq)]
struct Data {
    users: Vec<UserSummary>,
    teams: Vec<TeamSummary>,
    catalog: Option<(i64, Catalog)>,
}

/// Administration (`/verwaltung`, role Admin): user accounts, teams and the module catalog. Works
/// online only: it changes the server, and holds no case datum.
#[component]
pub fn AdminPage() -> impl IntoView {
    let ctx = use_app();
    let data = RwSignal::new(None::<Data>);
    let error = RwSignal::new(None::<String>);
    let message = RwSignal::new(None::<String>);
    let is_admin = move || {
        ctx.session.get().is_some_and(|s| passgenau_domain::roles::may(&s.role, Permission::ManageUsers))
    };

    let reload = move || {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            use crate::sync::get;
            use passgenau_domain::admin::CatalogResponse;
            let users = get::<Vec<UserSummary>>("/api/v1/admin/users").await;
            let teams = get::<Vec<TeamSummary>>("/api/v1/admin/teams").await;
            let catalog = get::<CatalogResponse>("/api/v1/catalog").await;
            match (users, teams, catalog) {
                (Ok(users), Ok(teams), Ok(c)) => {
                    let catalog = Catalog::from_json(c.catalog).ok().map(|cat| (c.version, cat));
                    data.set(Some(Data { users, teams, catalog }));
                }
                (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => error.set(Some(e.message_de())),
            }
        });
    };
    Effect::new(move |_| {
        if ctx.mounted.get() && is_admin() {
            reload();
        }
    });
    // Sends a change; on success shows `done` and reloads.
    let send = move |url: String, body: serde_json::Value, done: String| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match crate::sync::post::<_, serde_json::Value>(&url, &body).await {
                Ok(_) => {
                    error.set(None);
                    message.set(Some(done));
                    reload();
                }
                Err(e) => {
                    message.set(None);
                    error.set(Some(e.message_de()));
                }
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (url, body, done);
    };

    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <section class="admin">
                <h1>"Verwaltung"</h1>
                <Show when=is_admin fallback=|| view! {
                    <p class="error" role="alert">"Diese Seite ist der Administration vorbehalten."</p>
                }>
                    <p class="hint">"Benutzerkonten, Teams und Modulkatalog. Änderungen gelten sofort am Server und werden protokolliert; diese Seite braucht eine Verbindung."</p>
                    {move || error.get().map(|m| view! { <p class="error" role="alert" data-testid="admin-error">{m}</p> })}
                    {move || message.get().map(|m| view! { <p class="saved" role="status" data-testid="admin-message">{m}</p> })}
                    {move || match data.get() {
                        None => view! { <Loading/> }.into_any(),
                        Some(d) => view! {
                            <Users users=d.users.clone() teams=d.teams.clone() send=send/>
                            <Teams teams=d.teams.clone() send=send/>
                            <CatalogRates catalog=d.catalog.clone() send=send/>
                        }.into_any(),
                    }}
                </Show>
            </section>
        </Show>
    }
    .into_any()
}

fn role_options(selected: String) -> impl IntoView {
    Role::ALL
        .into_iter()
        .map(|r| {
            let sel = selected == r.as_str();
            view! { <option value=r.as_str() selected=sel>{r.label_de()}</option> }
        })
        .collect_view()
}

#[component]
fn Users(
    users: Vec<UserSummary>,
    teams: Vec<TeamSummary>,
    send: impl Fn(String, serde_json::Value, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::FachkraftTraeger.as_str().to_owned());
    let team = RwSignal::new(teams.first().map(|t| t.id.clone()).unwrap_or_default());
    let password = RwSignal::new(String::new());
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = NewUserRequest {
            username: username.get_untracked().trim().to_owned(),
            display_name: name.get_untracked(),
            role: role.get_untracked(),
            team_id: team.get_untracked(),
            password: password.get_untracked(),
        };
        let done = format!("Konto „{}“ angelegt.", req.username);
        send("/api/v1/admin/users".into(), serde_json::to_value(&req).unwrap_or_default(), done);
        password.set(String::new());
    };
    let team_opts = teams.clone();
    view! {
        <h2>"Benutzerkonten"</h2>
        <ul class="admin-list" data-testid="users">
            {users.into_iter().map(|u| view! { <UserRow user=u teams=teams.clone() send=send/> }).collect_view()}
        </ul>
        <form class="add" on:submit=create data-testid="new-user">
            <h3>"Konto anlegen"</h3>
            <label for="nk-benutzer">"Benutzername"</label>
            <input id="nk-benutzer" autocomplete="off" prop:value=move || username.get() on:input=move |ev| username.set(event_target_value(&ev))/>
            <label for="nk-name">"Name"</label>
            <input id="nk-name" autocomplete="off" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            <label for="nk-rolle">"Rolle"</label>
            <select id="nk-rolle" on:change=move |ev| role.set(event_target_value(&ev))>{role_options(role.get_untracked())}</select>
            <label for="nk-team">"Team"</label>
            <select id="nk-team" on:change=move |ev| team.set(event_target_value(&ev))>
                {team_opts.into_iter().map(|t| view! { <option value=t.id>{t.name}</option> }).collect_view()}
            </select>
            <label for="nk-passwort">"Erstes Passwort (mindestens 12 Zeichen)"</label>
            <input id="nk-passwort" type="password" autocomplete="new-password" prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
            <p><button type="submit" class="primary">"Konto anlegen"</button></p>
        </form>
    }
}

#[component]
fn UserRow(
    user: UserSummary,
    teams: Vec<TeamSummary>,
    send: impl Fn(String, serde_json::Value, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let url = format!("/api/v1/admin/users/{}", user.id);
    let who = user.username.clone();
    let update = move |req: UpdateUserRequest, done: String| {
        send(url.clone(), serde_json::to_value(&req).unwrap_or_default(), done);
    };
    let (u1, u2, u3) = (update.clone(), update.clone(), update.clone());
    let (w1, w2, w3) = (who.clone(), who.clone(), who.clone());
    let active = user.active;
    let new_password = RwSignal::new(String::new());
    let rid = format!("rolle-{}", user.id);
    let tid = format!("team-{}", user.id);
    let pid = format!("passwort-{}", user.id);
    let role_label = Role::parse(&user.role).map_or(user.role.clone(), |r| r.label_de().to_owned());
    view! {
        <li data-testid="user" data-username=user.username.clone()>
            <p><strong>{user.display_name.clone()}</strong>{format!(" ({}) · {} · {}", user.username, role_label, user.team_name)}
                {(!active).then(|| view! { " · " <span class="state off">"deaktiviert"</span> })}</p>
            <div class="row">
                <div>
                    <label for=rid.clone()>"Rolle"</label>
                    <select id=rid on:change=move |ev| u1(UpdateUserRequest { role: Some(event_target_value(&ev)), ..Default::default() }, format!("Rolle von „{w1}“ geändert."))>
                        {role_options(user.role.clone())}
                    </select>
                </div>
                <div>
                    <label for=tid.clone()>"Team"</label>
                    <select id=tid on:change=move |ev| u2(UpdateUserRequest { team_id: Some(event_target_value(&ev)), ..Default::default() }, format!("Team von „{w2}“ geändert."))>
                        {teams.into_iter().map(|t| { let sel = t.id == user.team_id; view! { <option value=t.id selected=sel>{t.name}</option> } }).collect_view()}
                    </select>
                </div>
            </div>
            <label for=pid.clone()>"Neues Passwort (beendet die Anmeldungen)"</label>
            <input id=pid type="password" autocomplete="new-password" prop:value=move || new_password.get() on:input=move |ev| new_password.set(event_target_value(&ev))/>
            <p>
                <button type="button" on:click=move |_| {
                    u3(UpdateUserRequest { password: Some(new_password.get_untracked()), ..Default::default() }, format!("Passwort von „{w3}“ gesetzt."));
                    new_password.set(String::new());
                }>"Passwort setzen"</button>
                " "
                <button type="button" class=if active { "danger" } else { "" } on:click=move |_| update(
                    UpdateUserRequest { active: Some(!active), ..Default::default() },
                    format!("Konto „{who}“ {}.", if active { "deaktiviert" } else { "wieder aktiviert" }),
                )>{if active { "Deaktivieren" } else { "Wieder aktivieren" }}</button>
            </p>
        </li>
    }
}

#[component]
fn Teams(
    teams: Vec<TeamSummary>,
    send: impl Fn(String, serde_json::Value, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let n = name.get_untracked();
        send(
            "/api/v1/admin/teams".into(),
            serde_json::to_value(TeamRequest { name: n.clone() }).unwrap_or_default(),
            format!("Team „{}“ angelegt.", n.trim()),
        );
        name.set(String::new());
    };
    view! {
        <h2>"Teams"</h2>
        <ul class="admin-list" data-testid="teams">
            {teams.into_iter().map(|t| {
                let id = format!("teamname-{}", t.id);
                let url = format!("/api/v1/admin/teams/{}", t.id);
                view! {
                    <li data-testid="team">
                        <label for=id.clone()>{format!("{} ({} aktive Konten)", t.name, t.members)}</label>
                        <input id=id value=t.name.clone() on:change=move |ev| {
                            let n = event_target_value(&ev);
                            send(url.clone(), serde_json::to_value(TeamRequest { name: n.clone() }).unwrap_or_default(), format!("Team umbenannt in „{}“.", n.trim()));
                        }/>
                    </li>
                }
            }).collect_view()}
        </ul>
        <form class="add" on:submit=create>
            <label for="neues-team">"Neues Team"</label>
            <input id="neues-team" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            <p><button type="submit">"Team anlegen"</button></p>
        </form>
    }
}

/// The catalog's rates per module; an admin adds a new rate (with the day it applies from and its
/// source), the devices take it over with their next sync.
#[component]
fn CatalogRates(
    catalog: Option<(i64, Catalog)>,
    send: impl Fn(String, serde_json::Value, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let Some((version, cat)) = catalog else {
        return view! { <h2>"Modulkatalog"</h2><p class="error">"Der Katalog des Servers ist nicht lesbar."</p> }.into_any();
    };
    let module = RwSignal::new(cat.modules.first().map(|m| m.id.to_string()).unwrap_or_default());
    let amount = RwSignal::new(String::new());
    let from = RwSignal::new(crate::util::today_iso());
    let source = RwSignal::new(String::new());
    let label = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let base = StoredValue::new(cat.clone());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut c = base.get_value();
        let Some(m) = c.modules.iter_mut().find(|m| m.id.as_str() == module.get_untracked()) else { return };
        let Ok(cents) = passgenau_domain::money::parse_eur_de(&amount.get_untracked()) else {
            error.set(Some("Bitte einen Betrag in Euro eingeben, z. B. 72,50.".into()));
            return;
        };
        let Ok(valid_from) = passgenau_domain::case::parse_iso_date(&from.get_untracked()) else {
            error.set(Some("Bitte das Datum eingeben, ab dem der Satz gilt.".into()));
            return;
        };
        if source.get_untracked().trim().is_empty() {
            error.set(Some("Bitte die Quelle des Satzes angeben (Vereinbarung, Beschluss).".into()));
            return;
        }
        let Some(billing) = m.billing_forms.first().copied() else { return };
        let l = label.get_untracked();
        m.default_rates.push(DefaultRate {
            billing,
            label: (!l.trim().is_empty()).then(|| l.trim().to_owned()),
            amount_cents: cents,
            valid_from,
            source: source.get_untracked().trim().to_owned(),
        });
        error.set(None);
        let name = m.name_de.clone();
        send(
            "/api/v1/admin/catalog".into(),
            serde_json::to_value(&c).unwrap_or_default(),
            format!("Neuer Satz für „{name}“ veröffentlicht."),
        );
        amount.set(String::new());
    };
    view! {
        <h2>"Modulkatalog"</h2>
        <p data-testid="catalog-version">{if version == 0 { "Version: mitgelieferter Katalog".to_owned() } else { format!("Version {version}") }}</p>
        <details>
            <summary>{format!("Sätze der {} Module", cat.modules.len())}</summary>
            <ul class="admin-list">
                {cat.modules.iter().map(|m| view! {
                    <li>
                        <strong>{format!("{} ({})", m.name_de, m.legal_basis)}</strong>
                        <ul>
                            {m.default_rates.iter().map(|r| view! {
                                <li>{format!("{}{}: {} ab {} ({})", r.billing.label_de(),
                                    r.label.as_deref().map(|l| format!(", {l}")).unwrap_or_default(),
                                    passgenau_domain::money::format_eur_de(r.amount_cents),
                                    passgenau_domain::case::format_date_de(r.valid_from), r.source)}</li>
                            }).collect_view()}
                        </ul>
                    </li>
                }).collect_view()}
            </ul>
        </details>
        <form class="add" on:submit=add>
            <h3>"Satz ergänzen"</h3>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <label for="satz-modul">"Modul"</label>
            <select id="satz-modul" on:change=move |ev| module.set(event_target_value(&ev))>
                {cat.modules.iter().map(|m| view! { <option value=m.id.to_string()>{m.name_de.clone()}</option> }).collect_view()}
            </select>
            <label for="satz-betrag">"Betrag (€) je Einheit der Abrechnungsart des Moduls"</label>
            <input id="satz-betrag" inputmode="decimal" prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev))/>
            <label for="satz-bezeichnung">"Bezeichnung (optional, z. B. Altersstufe)"</label>
            <input id="satz-bezeichnung" prop:value=move || label.get() on:input=move |ev| label.set(event_target_value(&ev))/>
            <label for="satz-ab">"Gültig ab"</label>
            <input id="satz-ab" type="date" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev))/>
            <label for="satz-quelle">"Quelle"</label>
            <input id="satz-quelle" prop:value=move || source.get() on:input=move |ev| source.set(event_target_value(&ev))/>
            <p><button type="submit" class="primary">"Satz veröffentlichen"</button></p>
        </form>
    }
    .into_any()
}
