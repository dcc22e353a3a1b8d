//! The `lua_script!` and `lua_library!` procedural macros. An implementation detail of `redis-script`: depend on that crate.
//!
//! The pipeline is `parse` (tokens to `parse::Input`) -> `resolve` (path to the file's bytes) ->
//! `check` (shebang, Lua 5.1 syntax, the Redis commands it calls) -> `expand` (a const constructor call).
//! `rules` holds the two rules the runtime applies too (a script's SHA-1, what its name may be).

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod check;
mod expand;
mod parse;
mod resolve;
mod rules;

use proc_macro::TokenStream;

/// See `redis_script::lua_script!`.
#[proc_macro]
pub fn lua_script(input: TokenStream) -> TokenStream {
    lua_script_impl(input.into())
        .unwrap_or_else(|error| {
            // Several `compile_error!`s side by side are not one expression, and rustc would report
            // only the first; as the statements of a block, each is reported.
            let errors = error.into_compile_error();
            quote::quote! { { #errors } }
        })
        .into()
}

/// See `redis_script::lua_library!`.
#[proc_macro]
pub fn lua_library(input: TokenStream) -> TokenStream {
    lua_library_impl(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

fn lua_library_impl(input: proc_macro2::TokenStream) -> syn::Result<proc_macro2::TokenStream> {
    let input = parse::parse_library(input)?;
    let base = resolve::source_dir(&input.options.path);
    let file = resolve::read_script(&base, &input.options.path)?;
    let library = check::check_library(&input, &file)?;
    Ok(expand::expand_library(&input, &file, &library))
}

fn lua_script_impl(input: proc_macro2::TokenStream) -> syn::Result<proc_macro2::TokenStream> {
    let input = parse::parse_input(input)?;
    let name = input.name()?;
    let base = resolve::source_dir(&input.path);
    let file = resolve::read_script(&base, &input.path)?;
    check::check_script(&input, &file)?;
    let arity = check::arity(&file);
    Ok(expand::expand(&input, &file, &name, arity))
}
