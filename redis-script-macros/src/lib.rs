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
    let input: proc_macro2::TokenStream = input.into();
    let item_form = parse::is_item_form(&input);
    lua_script_impl(input)
        .unwrap_or_else(|error| {
            let errors = error.into_compile_error();
            if item_form {
                // Items: each `compile_error!` is one.
                return errors;
            }
            // Several `compile_error!`s side by side are not one expression, and rustc would report
            // only the first; as the statements of a block, each is reported.
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
    let (library, declared, arities) = check::check_library(&input, &file)?;
    Ok(expand::expand_library(
        &input, &file, &library, &declared, &arities,
    ))
}

fn lua_script_impl(input: proc_macro2::TokenStream) -> syn::Result<proc_macro2::TokenStream> {
    let input = parse::parse_input(input)?;
    let name = input.name()?;
    let base = resolve::source_dir(&input.path);
    let file = resolve::read_script(&base, &input.path)?;
    let declaration = check::declaration(&input, &file);
    let declared = matches!(
        declaration,
        Ok(Some(redis_script_check::Declared::Found(_)))
    );
    check::check_script(&input, &file, declared)?;
    let arity = check::arity(&file);
    let declaration = declaration?;
    match (&input.item, declaration) {
        (Some(item), Some(redis_script_check::Declared::Found(declaration))) => {
            let params = check::params_ident(item)?;
            let reply = check::reply_ident(&item.ty, &declaration)?;
            Ok(expand::expand_declared(
                &input,
                &file,
                &name,
                item,
                (&params, reply.as_ref()),
                &declaration,
                arity,
            ))
        }
        (Some(_), Some(redis_script_check::Declared::Undeclared(reason))) => {
            Err(check::undeclared_item(&input, &reason, arity))
        }
        _ => Ok(expand::expand(&input, &file, &name, arity)),
    }
}
