//! Passgenau's user interface. The server renders the same shell for everyone (`ssr`); in the browser
//! (`hydrate`) every case datum comes from the device store, so the app works without network.
// The server-side (ssr) view types of the evaluation form nest deeper than the default limit.
#![recursion_limit = "256"]

pub mod b64;
pub mod catalog;
pub mod components;
pub mod handover;
pub mod hilfeplan_pdf;
pub mod kv;
pub mod lazy;
pub mod lock;
pub mod pdf;
pub mod state;
pub mod store;
pub mod sync;
pub mod tab;
pub mod topics;
pub mod util;
#[cfg(feature = "hydrate")]
pub mod vault;

use leptos::prelude::*;
use leptos_meta::HashedStylesheet;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use components::{CaseList, Header, Login, NotFound, SetPin, TabNotice, Unlock, UpdateNotice};
use lazy::{
    AdminRoute, CaseNewRoute, CaseRoute, ChecklistRoute, ClearingRoute, ConflictsRoute, ConsentsRoute,
    CooperationRoute, EvaluationRoute, GoalsRoute, HilfeplanRoute, KinderschutzRoute, OfferRoute,
    PartnerRoute, ProviderProfileRoute, QuestionnaireRoute, SettingRoute, ShareRoute, SozialraumRoute,
    TeamRoute, UnsentRoute, VisitRoute,
};
use leptos_router::Lazy;
use state::{AppCtx, LockState};

/// The Content-Security-Policy: scripts only from this origin (the app starts from the file
/// `/boot.js`) or inline with this response's `nonce` (Leptos' small SSR bootstrap), wasm
/// compilation allowed, no inline styles, no framing. Pages send it with their nonce; every other
/// answer without one.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let nonce = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The HTML document around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(res)) =
        (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    {
        if let Ok(v) = http::HeaderValue::from_str(&content_security_policy(Some(&nonce.to_string()))) {
            res.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
        }
    }
    view! {
        <!DOCTYPE html>
        <html lang="de">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="theme-color" content="#1f4e5f"/>
                // One title for every page, written here: `leptos_meta`'s `<Title>` would bring its
                // head management into the browser bundle for a text that never changes.
                <title>"Passgenau"</title>
                <meta name="description" content="Passgenau: Hilfesettings für Integrierte flexible Hilfen planen und dokumentieren, auch offline."/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="icon" href="/icons/icon.svg" type="image/svg+xml"/>
                <link rel="apple-touch-icon" href="/icons/icon-192.png"/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <BootScripts options=options.clone()/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The build's file names under `site_pkg_dir`, without extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetNames {
    /// The wasm-bindgen module (`.js`).
    pub js: String,
    /// The main wasm (`.wasm`).
    pub wasm: String,
    /// The loader of the lazily loaded pages' chunks (`.js`), imported by the module; in a build
    /// with `--split` only (see `lazy`).
    pub split_loader: Option<String>,
}

impl AssetNames {
    /// The names for `hash.txt` as cargo-leptos writes it (`js: <hash>` a line, and `split: <hash>`
    /// after `--split`), or `None` without hashed file names (the same rule as Leptos'
    /// `HydrationScripts`).
    pub fn from_hashes(output_name: &str, hashes: Option<&str>) -> Self {
        let Some(hashes) = hashes else {
            let wasm = if option_env!("LEPTOS_OUTPUT_NAME").is_none() {
                format!("{output_name}_bg")
            } else {
                output_name.to_owned()
            };
            return AssetNames { js: output_name.to_owned(), wasm, split_loader: None };
        };
        let mut names =
            AssetNames { js: output_name.to_owned(), wasm: output_name.to_owned(), split_loader: None };
        for (file, hash) in hashes.lines().filter_map(|l| l.trim().split_once(':')) {
            let hash = hash.trim();
            match file {
                "js" => names.js.push_str(&format!(".{hash}")),
                "wasm" => names.wasm.push_str(&format!(".{hash}")),
                "split" => names.split_loader = Some(format!("__wasm_split.{hash}")),
                _ => {}
            }
        }
        names
    }
}

/// The build's file names, with the hashes cargo-leptos wrote to `hash.txt` beside the server
/// executable.
pub fn asset_names(options: &LeptosOptions) -> AssetNames {
    let hashes = options.hash_files.then(|| {
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|d| d.join(options.hash_file.as_ref())))
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    });
    AssetNames::from_hashes(&options.output_name, hashes.as_deref())
}

/// `/boot.js`: loads the wasm and starts the app. Served as a file (not inline) so the CSP needs no
/// `'unsafe-inline'`, hash or nonce for scripts.
pub fn boot_script(options: &LeptosOptions) -> String {
    let AssetNames { js, wasm, .. } = asset_names(options);
    let pkg = &options.site_pkg_dir;
    format!(
        "import init, {{ hydrate }} from '/{pkg}/{js}.js';\n\
         init({{ module_or_path: '/{pkg}/{wasm}.wasm' }}).then(() => hydrate());\n"
    )
}

/// Preloads the app's module, the chunk loader it imports and the wasm, and starts the app through
/// `/boot.js`. The chunks of the lazily loaded pages are fetched when such a page is opened.
#[component]
fn BootScripts(options: LeptosOptions) -> impl IntoView {
    let AssetNames { js, wasm, split_loader } = asset_names(&options);
    let pkg = options.site_pkg_dir.clone();
    let split_loader =
        split_loader.map(|loader| view! { <link rel="modulepreload" href=format!("/{pkg}/{loader}.js")/> });
    view! {
        <link rel="modulepreload" href=format!("/{pkg}/{js}.js")/>
        {split_loader}
        <link rel="preload" href=format!("/{pkg}/{wasm}.wasm") r#as="fetch" r#type="application/wasm" crossorigin=""/>
        <script type="module" src="/boot.js"></script>
    }
}

#[component]
pub fn App() -> impl IntoView {
    let ctx = AppCtx::new();
    provide_context(ctx);
    // In the browser the app is mounted fresh (no hydration), so the device store is read before the
    // first render and the case list appears in one pass. The server renders the store-less shell.
    let legacy_plaintext = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    {
        ctx.mounted.set(true);
        legacy_plaintext.set(vault::has_plaintext_data());
        ctx.refresh_lock();
    }
    // Background work (sync, service worker, tab lock) starts once the page is on screen.
    Effect::new(move |started: Option<bool>| {
        if started.is_none() {
            ctx.start();
        }
        true
    });
    view! {
        <Router>
            <a class="skip" href="#inhalt">"Zum Inhalt springen"</a>
            <Header/>
            <TabNotice/>
            <UpdateNotice/>
            <main id="inhalt">
                // Locked: nothing of the store is readable until the PIN opens it. Data written by a
                // version before encryption are encrypted once the user has set a PIN.
                <Show when=move || ctx.lock.get() != LockState::Locked fallback=|| view! { <Unlock/> }>
                <Show when=move || !legacy_plaintext.get() fallback=move || view! {
                    <section class="narrow">
                        <SetPin
                            intro="Ab jetzt verschlüsselt Passgenau alles, was auf diesem Gerät gespeichert ist. \
                                   Bitte legen Sie dafür eine PIN fest; Ihre bisherigen Daten bleiben erhalten."
                            on_done=move |()| legacy_plaintext.set(false)/>
                    </section>
                }>
                // A reading tab (another tab writes) shows everything, but its controls are disabled.
                <fieldset class="bare" disabled=move || !ctx.writer.get()>
                // The login and the case list are in the main wasm; the `Lazy` pages come in groups of
                // chunks (lazy.rs), fetched when opened (from the service worker's cache after the
                // first visit).
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=CaseList/>
                    <Route path=path!("/anmelden") view=Login/>
                    <Route path=path!("/fall") view={Lazy::<CaseRoute>::new()}/>
                    <Route path=path!("/fall/neu") view={Lazy::<CaseNewRoute>::new()}/>
                    <Route path=path!("/fall/checkliste") view={Lazy::<ChecklistRoute>::new()}/>
                    <Route path=path!("/fall/hilfesetting") view={Lazy::<SettingRoute>::new()}/>
                    <Route path=path!("/fall/besuch") view={Lazy::<VisitRoute>::new()}/>
                    <Route path=path!("/fall/clearing") view={Lazy::<ClearingRoute>::new()}/>
                    <Route path=path!("/fall/ziele") view={Lazy::<GoalsRoute>::new()}/>
                    <Route path=path!("/fall/einwilligungen") view={Lazy::<ConsentsRoute>::new()}/>
                    <Route path=path!("/fall/hilfeplan") view={Lazy::<HilfeplanRoute>::new()}/>
                    <Route path=path!("/fall/weitergabe") view={Lazy::<ShareRoute>::new()}/>
                    <Route path=path!("/fall/bewertung") view={Lazy::<EvaluationRoute>::new()}/>
                    <Route path=path!("/fall/fragebogen") view={Lazy::<QuestionnaireRoute>::new()}/>
                    <Route path=path!("/traeger") view={Lazy::<ProviderProfileRoute>::new()}/>
                    <Route path=path!("/fall/kooperation") view={Lazy::<CooperationRoute>::new()}/>
                    <Route path=path!("/fall/kinderschutz") view={Lazy::<KinderschutzRoute>::new()}/>
                    <Route path=path!("/partner") view={Lazy::<PartnerRoute>::new()}/>
                    <Route path=path!("/sozialraum") view={Lazy::<SozialraumRoute>::new()}/>
                    <Route path=path!("/sozialraum/angebot") view={Lazy::<OfferRoute>::new()}/>
                    <Route path=path!("/konflikte") view={Lazy::<ConflictsRoute>::new()}/>
                    <Route path=path!("/verwaltung") view={Lazy::<AdminRoute>::new()}/>
                    <Route path=path!("/team") view={Lazy::<TeamRoute>::new()}/>
                    <Route path=path!("/nicht-uebertragen") view={Lazy::<UnsentRoute>::new()}/>
                </Routes>
                </fieldset>
                </Show>
                </Show>
            </main>
        </Router>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The server-rendered shell is what a browser without JavaScript reads. Here it is replaced by the
    // running app within one task, so nothing flickers: mounting renders the same shell afresh and
    // needs no hydration code in the bundle (see app/Cargo.toml).
    if let Some(body) = leptos::prelude::document().body() {
        body.set_text_content(None);
    }
    leptos::mount::mount_to_body(App);
}

#[cfg(test)]
mod tests {
    use super::AssetNames;

    #[test]
    fn asset_names_follow_hash_txt() {
        let split = "js: aaa\nwasm: bbb\ncss: ccc\nmanifest: ddd\nsplit: eee\n";
        assert_eq!(
            AssetNames::from_hashes("passgenau", Some(split)),
            AssetNames {
                js: "passgenau.aaa".into(),
                wasm: "passgenau.bbb".into(),
                split_loader: Some("__wasm_split.eee".into()),
            }
        );
        let unsplit = AssetNames::from_hashes("passgenau", Some("js: aaa\nwasm: bbb\ncss: ccc\n"));
        assert_eq!(unsplit.split_loader, None, "a build without --split has no chunk loader");
        assert_eq!(AssetNames::from_hashes("passgenau", None).js, "passgenau");
    }
}
