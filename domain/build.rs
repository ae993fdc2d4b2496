//! Turns the built-in module catalog (`data/catalog.toml`, the file people edit) into JSON at build
//! time, so the browser bundle parses it with the JSON reader it needs anyway and carries no TOML
//! parser (about 130 KB of wasm before optimisation). A malformed file fails the build here.

use std::{env, fs, path::PathBuf};

fn main() {
    let src = "data/catalog.toml";
    println!("cargo:rerun-if-changed={src}");
    let text = fs::read_to_string(src).expect("read data/catalog.toml");
    let value: toml::Value = toml::from_str(&text).unwrap_or_else(|e| panic!("data/catalog.toml: {e}"));
    let json = serde_json::to_string(&value).expect("catalog as JSON");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR")).join("catalog.json");
    fs::write(out, json).expect("write catalog.json");
}
