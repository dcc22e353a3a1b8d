//! Builds Lua 5.1.5, the compiler Redis embeds, from the sources `lua-src` ships (this needs a C
//! compiler), and links it into this crate: `src/compiler.rs` calls it.

fn main() {
    // The C sources come from a versioned dependency: only this file can change what is built.
    println!("cargo:rerun-if-changed=build.rs");
    lua_src::Build::new()
        .build(lua_src::Lua51)
        .print_cargo_metadata();
}
