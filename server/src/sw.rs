//! The service worker, generated at start-up from the files the server actually serves: the hashed
//! build assets under `site_root/pkg` (with the wasm chunks of the lazily loaded pages and their
//! loader `__wasm_split.<hash>.js`, so those pages open offline too), the static assets and the
//! app-shell pages. Its cache name is
//! a hash of that list and the files' contents, so every new build installs a fresh cache and the
//! old one is dropped on activation: never stale wasm against a new server.

use std::path::Path;

use sha2::{Digest, Sha256};

/// App-shell pages to precache. They render the same for everyone (no case data on the server side).
pub const SHELL_PAGES: &[&str] = &[
    "/",
    "/anmelden",
    "/fall",
    "/fall/neu",
    "/fall/checkliste",
    "/fall/hilfesetting",
    "/fall/besuch",
    "/fall/clearing",
    "/fall/ziele",
    "/fall/einwilligungen",
    "/fall/hilfeplan",
    "/fall/weitergabe",
    "/fall/bewertung",
    "/fall/fragebogen",
    "/fall/kooperation",
    "/fall/kinderschutz",
    "/konflikte",
    "/nicht-uebertragen",
    "/verwaltung",
    "/team",
    "/traeger",
    "/partner",
    "/sozialraum",
    "/sozialraum/angebot",
];

const TEMPLATE: &str = include_str!("sw.template.js");

/// Builds the service worker script for the site in `site_root`. A missing site (the server started
/// without a build, as in the API tests) gives a worker that caches the shell pages only.
/// `generated` are files the server makes itself (the boot script), precached like the others.
pub fn build(site_root: &Path, generated: &[(&str, &str)]) -> std::io::Result<String> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    if site_root.exists() {
        collect(site_root, site_root, &mut files)?;
    }
    files.extend(generated.iter().map(|(url, text)| (url.to_string(), text.as_bytes().to_vec())));
    Ok(render(files))
}

fn render(mut files: Vec<(String, Vec<u8>)>) -> String {
    files.sort();
    let mut hasher = Sha256::new();
    let mut urls: Vec<String> = SHELL_PAGES.iter().map(|s| s.to_string()).collect();
    for (url, bytes) in &files {
        hasher.update(url.as_bytes());
        hasher.update(bytes);
        urls.push(url.clone());
    }
    hasher.update(TEMPLATE.as_bytes());
    let pages = serde_json::to_string(SHELL_PAGES).unwrap_or_else(|_| "[]".into());
    hasher.update(pages.as_bytes());
    let version = hex::encode(&hasher.finalize()[..8]);
    let list = serde_json::to_string(&urls).unwrap_or_else(|_| "[]".into());
    TEMPLATE
        .replace("__VERSION__", &version)
        .replace("__PRECACHE__", &list)
        .replace("__SHELL_PAGES__", &pages)
}

/// The worker for when the site cannot be read: shell pages only.
pub fn shell_only() -> String {
    render(Vec::new())
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out)?;
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        // The worker itself, type declarations, source maps and the split manifest (which chunks a
        // page needs, for server-side preload hints; the loader has it built in) are not precached.
        let file = rel.rsplit('/').next().unwrap_or(&rel);
        if rel == "sw.js"
            || file.starts_with("__wasm_split_manifest")
            || [".map", ".ts", ".br", ".gz"].iter().any(|ext| rel.ends_with(ext))
        {
            continue;
        }
        out.push((format!("/{rel}"), std::fs::read(&path)?));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_changes_with_the_build() {
        let dir = std::env::temp_dir().join(format!("pg-sw-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        std::fs::write(dir.join("pkg/app.abc.wasm"), b"one").unwrap();
        std::fs::write(dir.join("pkg/app.d.abc.ts"), b"declare").unwrap();
        let a = super::build(&dir, &[("/boot.js", "import init from '/pkg/app.abc.js';")]).unwrap();
        assert!(a.contains("\"/pkg/app.abc.wasm\""));
        assert!(a.contains("\"/boot.js\""), "the generated boot script is precached");
        assert!(!a.contains(".ts\""), "type declarations are not precached");
        assert!(a.contains("\"/anmelden\""));
        std::fs::write(dir.join("pkg/app.abc.wasm"), b"two").unwrap();
        let b = super::build(&dir, &[("/boot.js", "import init from '/pkg/app.abc.js';")]).unwrap();
        assert_ne!(a, b, "a changed asset must change the cache version");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn lazy_page_chunks_and_their_loader_are_precached() {
        let dir = std::env::temp_dir().join(format!("pg-sw-split-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        for file in [
            "passgenau.abc.wasm",
            "passgenau.abc.js",
            "__wasm_split.def.js",
            "split_team.ghi.wasm",
            "chunk_7.jkl.wasm",
            "__wasm_split_manifest.mno.json",
        ] {
            std::fs::write(dir.join("pkg").join(file), file).unwrap();
        }
        let sw = super::build(&dir, &[]).unwrap();
        for url in ["/pkg/__wasm_split.def.js", "/pkg/split_team.ghi.wasm", "/pkg/chunk_7.jkl.wasm"] {
            assert!(sw.contains(&format!("\"{url}\"")), "{url} is precached");
        }
        assert!(!sw.contains("__wasm_split_manifest"), "the server-side split manifest is not precached");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
