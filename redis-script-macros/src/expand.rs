//! Builds the expansion: a call to the facade's const constructor with the embedded text and SHA-1.

use proc_macro2::TokenStream;
use quote::quote;

use crate::parse::{Input, LibraryInput};
use crate::resolve::ScriptFile;
use crate::rules::sha1_hex;

/// `{ const _: &str = include_str!(<canonical>); <register>; <crate>::__private::script_with_arity(TEXT,
/// SHA1, NAME, KEYS, ARGS) }`, where `KEYS` and `ARGS` are the fewest keys and arguments a call must
/// pass (`arity`).
///
/// The `include_str!` of the canonical path makes Cargo rebuild when the file changes; the text itself is
/// embedded from what was checked and hashed, so the two can never disagree. The registry entry
/// (`__private::register_script!`, nothing without the facade's `registry` feature) shares the same constants.
pub(crate) fn expand(
    input: &Input,
    file: &ScriptFile,
    name: &str,
    arity: redis_script_check::Arity,
) -> TokenStream {
    let krate = &input.krate;
    let text = &file.text;
    let sha1 = sha1_hex(text);
    let canonical = &file.canonical;
    let readonly = input.readonly;
    let constructor = if readonly {
        quote!(script_ro_with_arity)
    } else {
        quote!(script_with_arity)
    };
    let min_keys = u16::try_from(arity.keys()).unwrap_or(u16::MAX);
    let min_args = u16::try_from(arity.args()).unwrap_or(u16::MAX);
    quote! {
        {
            const _: &::core::primitive::str = ::core::include_str!(#canonical);
            const TEXT: &::core::primitive::str = #text;
            const SHA1: &::core::primitive::str = #sha1;
            const NAME: &::core::primitive::str = #name;
            #krate::__private::register_script!(TEXT, SHA1, NAME, #readonly);
            #krate::__private::#constructor(TEXT, SHA1, NAME, #min_keys, #min_args)
        }
    }
}

/// The first 12 hex digits of the file's SHA-1: the version a library is loaded under.
pub(crate) fn version(text: &str) -> String {
    sha1_hex(text).chars().take(12).collect()
}

/// The library's static and one static per function, all built from hidden consts of the library's
/// code (the file, its library and functions renamed to `<name>__<version>`), SHA-1 and names.
pub(crate) fn expand_library(
    input: &LibraryInput,
    file: &ScriptFile,
    library: &redis_script_check::Library,
) -> TokenStream {
    let krate = &input.krate;
    let sha1 = sha1_hex(&file.text);
    let version = version(&file.text);
    let name = library.name();
    // `unversioned`: the file as it is, loaded and called by its own names.
    let (code, loaded_as) = if input.unversioned {
        (file.text.clone(), name.to_owned())
    } else {
        (
            library.versioned(&file.text, &version),
            format!("{name}__{version}"),
        )
    };
    let canonical = &file.canonical;
    let item = &input.library;
    let (attrs, vis, ident, ty) = (&item.attrs, &item.vis, &item.ident, &item.ty);
    let hidden = quote::format_ident!("__REDIS_LIBRARY_{}", ident);
    let hidden_code = quote::format_ident!("__REDIS_LIBRARY_CODE_{}", ident);
    let functions = input.functions.iter().map(|function| {
        let (attrs, vis, ident, ty) = (
            &function.attrs,
            &function.vis,
            &function.ident,
            &function.ty,
        );
        let fname = function.literal.value();
        let called_as = if input.unversioned {
            fname.clone()
        } else {
            format!("{fname}__{version}")
        };
        let label = format!("{name}.{fname}");
        // `check` allows only these two types.
        let constructor = if function.type_name().as_deref() == Some("FunctionRO") {
            quote!(function_ro)
        } else {
            quote!(function)
        };
        quote! {
            #(#attrs)*
            #vis static #ident: #ty = #krate::__private::#constructor(
                #hidden,
                #krate::__private::FunctionParts {
                    name: #fname,
                    called_as: #called_as,
                    label: #label,
                    code: #hidden_code,
                    sha1: #sha1,
                },
            );
        }
    });
    let constructor = if input.unversioned {
        quote!(#krate::__private::shared_library(#name, #hidden_code, #sha1))
    } else {
        quote!(#krate::__private::library(#name, #loaded_as, #hidden_code, #sha1, #version))
    };
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        const #hidden_code: &::core::primitive::str = #code;
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        const #hidden: #krate::Library = #constructor;
        #(#attrs)*
        #vis static #ident: #ty = {
            const _: &::core::primitive::str = ::core::include_str!(#canonical);
            #krate::__private::register_library!(#hidden);
            #hidden
        };
        #(#functions)*
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_hex_matches_redis() {
        // `redis-cli SCRIPT LOAD "return 1"`
        assert_eq!(
            sha1_hex("return 1"),
            "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"
        );
    }
}
