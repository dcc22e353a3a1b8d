//! The `lua_script!` procedural macro. An implementation detail of `redis-script`: depend on that crate.

use proc_macro::TokenStream;

/// See `redis_script::lua_script!`.
#[proc_macro]
pub fn lua_script(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}
