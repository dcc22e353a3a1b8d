//! Builds Lua 5.1.5, the compiler Redis embeds, from the sources `lua-src` ships, with the C compiler
//! Rust links with (`cc`, or the one `CC` names), and links it into this crate: `src/compiler.rs`
//! calls it.

fn main() {
    // The C sources come from a versioned dependency: only this file can change what is built.
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CC");
    match lua_src::Build::new().try_build(lua_src::Lua51) {
        Ok(lua) => lua.print_cargo_metadata(),
        Err(error) => {
            eprintln!(
                "redis-script-check compiles Lua 5.1.5, the compiler Redis embeds, and needs a C \
                 compiler for it (`cc`, or the one `CC` names): {error}"
            );
            std::process::exit(1);
        }
    }
}
