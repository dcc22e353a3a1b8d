//! Builds the expansion: a call to the facade's const constructor with the embedded text and SHA-1.

use proc_macro2::TokenStream;
use quote::quote;

use crate::check::Typed;
use crate::parse::{Input, Item, LibraryInput};
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
    // The expression form's type is `Script<T>`; the item form's names what the macro defines.
    let constructor = match (input.item.is_some(), readonly) {
        (false, false) => quote!(script_with_arity),
        (false, true) => quote!(script_ro_with_arity),
        (true, false) => quote!(typed_script),
        (true, true) => quote!(typed_script_ro),
    };
    let min_keys = u16::try_from(arity.keys()).unwrap_or(u16::MAX);
    let min_args = u16::try_from(arity.args()).unwrap_or(u16::MAX);
    let reads = (arity.keys(), arity.args());
    let (keys, args) = reads;
    // The expression form's type may name what the script reads, `Undeclared<KEYS, ARGS>`, for its
    // calls to be held to it when they compile: then it must be exactly that.
    let positional = input.item.is_none().then(|| {
        let ty = if readonly { "ScriptRO" } else { "Script" };
        let wrong = format!(
            "{:?} reads {} on every run: its type is `{ty}<T, {}>`, or `{ty}<T>` to check its \
             calls when they are made",
            input.path.value(),
            crate::check::counts(reads),
            crate::check::arity_type(reads),
        );
        quote!(, #keys, #args, #wrong)
    });
    let call =
        quote!(#krate::__private::#constructor(TEXT, SHA1, NAME, #min_keys, #min_args #positional));
    // Evaluated at compile time wherever the macro is, so that a wrong `Undeclared<..>` fails the
    // build in a `let` or a closure too, not only in a `static`.
    let call = if input.item.is_none() {
        quote!(const { #call })
    } else {
        call
    };
    quote! {
        {
            const _: &::core::primitive::str = ::core::include_str!(#canonical);
            const TEXT: &::core::primitive::str = #text;
            const SHA1: &::core::primitive::str = #sha1;
            const NAME: &::core::primitive::str = #name;
            #krate::__private::register_script!(TEXT, SHA1, NAME, #readonly);
            #call
        }
    }
}

/// The item form of a declared script: its static, built as [`expand`] builds the expression form,
/// and the struct of its keys and arguments (named by the static's type, `Script<T, Params>`) with
/// its `Params` impl, which writes the keys and then the arguments in the order the file declares.
pub(crate) fn expand_declared(
    input: &Input,
    file: &ScriptFile,
    name: &str,
    item: &Item,
    (params, reply): (&syn::Ident, Option<&syn::Ident>),
    declaration: &redis_script_check::Declaration,
    arity: redis_script_check::Arity,
) -> TokenStream {
    let script = expand(input, file, name, arity);
    let (attrs, vis, ident) = (&item.attrs, &item.vis, &item.ident);
    let ty = &with_lifetime(&item.ty, borrows(declaration));
    let how = if declaration.inferred() {
        "named after the `local name = KEYS[n]` / `ARGV[n]` lines at its top level"
    } else {
        "as its `---@key` / `---@arg` lines declare them"
    };
    let doc = if takes_nothing(declaration) {
        format!(
            "The call of [`{ident}`] (`{}`), which takes no keys or arguments: `{params} {{}}`. \
             Should the script declare one later, every call names it, or fails to build.",
            input.path.value()
        )
    } else {
        format!(
            "The keys and arguments of a call of [`{ident}`] (`{}`), {how}: each one is named, \
             so none can be left out, swapped or put among the other kind.",
            input.path.value()
        )
    };
    let structure = params_struct(
        &input.krate,
        vis,
        params,
        declaration,
        &doc,
        ("KEYS", "ARGV"),
    );
    let reply = reply.zip(declaration.reply()).map(|(reply, fields)| {
        let doc = format!(
            "The reply of [`{ident}`] (`{}`), as its `---@return` line declares it: the \
                 script's items in the declared order, each read into its field by name.",
            input.path.value()
        );
        reply_struct(&input.krate, vis, reply, fields, &doc)
    });
    quote! {
        #(#attrs)*
        #vis static #ident: #ty = #script;
        #structure
        #reply
    }
}

/// The struct of a declared reply and its `Deserialize` impl, which reads a positional array in
/// the declared order, and a map or a flat array of names and values by name.
fn reply_struct(
    krate: &TokenStream,
    vis: &syn::Visibility,
    reply: &syn::Ident,
    fields: &[redis_script_check::Param],
    doc: &str,
) -> TokenStream {
    let serde = quote!(#krate::__private::serde);
    let names: Vec<&str> = fields.iter().map(|f| f.name()).collect();
    let idents: Vec<syn::Ident> = names
        .iter()
        .map(|name| syn::Ident::new(name, reply.span()))
        .collect();
    let slots: Vec<syn::Ident> = names
        .iter()
        .map(|name| quote::format_ident!("__field_{}", name))
        .collect();
    let declared = fields.iter().enumerate().map(|(i, field)| {
        let ident = &idents[i];
        let ty = match field.ty() {
            redis_script_check::Type::Integer => quote!(::core::primitive::i64),
            redis_script_check::Type::Number => quote!(::core::primitive::f64),
            redis_script_check::Type::Boolean => quote!(::core::primitive::bool),
            _ => quote!(::std::string::String),
        };
        let doc = match field.doc() {
            "" => format!("Item {} of the reply, {}.", i + 1, field.ty().lua_name()),
            doc => format!(
                "Item {} of the reply, {}: {doc}",
                i + 1,
                field.ty().lua_name()
            ),
        };
        quote! { #[doc = #doc] pub #ident: #ty }
    });
    let expecting = format!("a declared reply, {{{}}}", names.join(", "));
    let name = reply.to_string();
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, PartialEq)]
        // Field names are the script's own, in whatever case it writes them.
        #[allow(non_snake_case)]
        #vis struct #reply {
            #(#declared,)*
        }

        #[allow(non_snake_case)]
        impl<'de> #serde::Deserialize<'de> for #reply {
            fn deserialize<__D: #serde::Deserializer<'de>>(deserializer: __D) -> ::core::result::Result<Self, __D::Error> {
                // Names of their own, so that a reply struct may be called `Fields`, `D` or `A`.
                struct __Fields;
                impl<'de> #serde::de::Visitor<'de> for __Fields {
                    type Value = #reply;

                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(#expecting)
                    }

                    fn visit_seq<__A: #serde::de::SeqAccess<'de>>(self, mut seq: __A) -> ::core::result::Result<#reply, __A::Error> {
                        #(
                            let #slots = seq.next_element()?
                                .ok_or_else(|| <__A::Error as #serde::de::Error>::missing_field(#names))?;
                        )*
                        ::core::result::Result::Ok(#reply { #(#idents: #slots),* })
                    }

                    fn visit_map<__A: #serde::de::MapAccess<'de>>(self, mut map: __A) -> ::core::result::Result<#reply, __A::Error> {
                        #(let mut #slots = ::core::option::Option::None;)*
                        while let ::core::option::Option::Some(key) = map.next_key::<::std::string::String>()? {
                            match key.as_str() {
                                #(#names => #slots = ::core::option::Option::Some(map.next_value()?),)*
                                _ => {
                                    map.next_value::<#serde::de::IgnoredAny>()?;
                                }
                            }
                        }
                        #(
                            let #slots = #slots
                                .ok_or_else(|| <__A::Error as #serde::de::Error>::missing_field(#names))?;
                        )*
                        ::core::result::Result::Ok(#reply { #(#idents: #slots),* })
                    }
                }
                deserializer.deserialize_struct(#name, &[#(#names),*], __Fields)
            }
        }
    }
}

/// True when the declaration has no keys and no arguments: its struct is empty, and a call passes
/// `Params {}`.
fn takes_nothing(declaration: &redis_script_check::Declaration) -> bool {
    declaration.keys().is_empty() && declaration.args().is_empty()
}

/// True when the struct of `declaration` borrows (has a `&'a str`, `&'a [u8]` or slice field), and
/// so a lifetime.
fn borrows(declaration: &redis_script_check::Declaration) -> bool {
    declaration
        .keys()
        .iter()
        .chain(declaration.args())
        .any(|p| {
            matches!(
                p.ty(),
                redis_script_check::Type::String | redis_script_check::Type::Bytes
            ) || p.presence() == redis_script_check::Presence::Variadic
        })
}

/// `Script<T, Params>` as `Script<T, Params<'static>>` when the struct borrows: what the static
/// holds, written out, so that `elided_lifetimes_in_paths` has nothing to say of the user's type.
fn with_lifetime(ty: &syn::Type, borrows: bool) -> syn::Type {
    let mut ty = ty.clone();
    if !borrows {
        return ty;
    }
    if let syn::Type::Path(path) = &mut ty
        && let Some(last) = path.path.segments.last_mut()
        && let syn::PathArguments::AngleBracketed(arguments) = &mut last.arguments
        && let Some(syn::GenericArgument::Type(syn::Type::Path(params))) = arguments.args.last_mut()
        && let Some(segment) = params.path.segments.last_mut()
        && segment.arguments.is_none()
    {
        segment.arguments = syn::PathArguments::AngleBracketed(syn::parse_quote!(<'static>));
    }
    ty
}

/// The struct of a declared call's keys and arguments, and its `Params` impl, which writes the keys
/// and then the arguments in the order they are declared. `places` names where they land
/// (`KEYS` / `ARGV` for a script, `keys` / `args` for a function).
pub(crate) fn params_struct(
    krate: &TokenStream,
    vis: &syn::Visibility,
    params: &syn::Ident,
    declaration: &redis_script_check::Declaration,
    doc: &str,
    places: (&str, &str),
) -> TokenStream {
    let borrows = borrows(declaration);
    let lifetime = borrows.then(|| quote!(<'a>));
    let field = |param: &redis_script_check::Param, place: String| {
        use redis_script_check::{Presence, Type};
        let ident = syn::Ident::new(param.name(), params.span());
        let rust = |ty: Type| match ty {
            Type::Integer => quote!(::core::primitive::i64),
            Type::Number => quote!(::core::primitive::f64),
            Type::Boolean => quote!(::core::primitive::bool),
            Type::Bytes => quote!(&'a [::core::primitive::u8]),
            _ => quote!(&'a ::core::primitive::str),
        };
        // A variadic tuple's item is a Rust tuple, whose values are sent in order.
        let tuple: Vec<TokenStream> = param.tuple().iter().map(|ty| rust(*ty)).collect();
        let one = if tuple.is_empty() {
            rust(param.ty())
        } else {
            quote!((#(#tuple,)*))
        };
        let positions = (0..tuple.len()).map(syn::Index::from);
        let item_types: Vec<&str> = param.tuple().iter().map(|ty| ty.lua_name()).collect();
        let (ty, write, what) = match param.presence() {
            Presence::Optional => (
                quote!(::core::option::Option<#one>),
                quote! {
                    if let ::core::option::Option::Some(value) = &self.#ident {
                        out.push(value);
                    }
                },
                format!(
                    "`{place}`, optional ({}; `None` passes none)",
                    param.ty().lua_name()
                ),
            ),
            Presence::Variadic if !item_types.is_empty() => (
                quote!(&'a [#one]),
                quote! {
                    for item in self.#ident {
                        #(out.push(&item.#positions);)*
                    }
                },
                format!(
                    "`{place}` onwards, {} per item, in order ({})",
                    item_types.len(),
                    item_types.join(", ")
                ),
            ),
            Presence::Variadic => (
                quote!(&'a [#one]),
                quote! {
                    for value in self.#ident {
                        out.push(value);
                    }
                },
                format!(
                    "`{place}` onwards, one per item ({})",
                    param.ty().lua_name()
                ),
            ),
            _ => (
                one,
                quote!(out.push(&self.#ident);),
                format!("`{place}`, {}", param.ty().lua_name()),
            ),
        };
        let doc = match param.doc() {
            "" => format!("{what}."),
            doc => format!("{what}: {doc}"),
        };
        (quote! { #[doc = #doc] pub #ident: #ty }, write)
    };
    let listed = |list: &[redis_script_check::Param], place: &str| -> Vec<_> {
        list.iter()
            .enumerate()
            .map(|(i, p)| field(p, format!("{place}[{}]", i + 1)))
            .collect()
    };
    let keys = listed(declaration.keys(), places.0);
    let args = listed(declaration.args(), places.1);
    let fields = keys.iter().chain(&args).map(|(field, _)| field);
    let key_writes = keys.iter().map(|(_, write)| write);
    let arg_writes = args.iter().map(|(_, write)| write);
    let anonymous = borrows.then(|| quote!(<'_>));
    let static_lifetime = borrows.then(|| quote!(<'static>));
    quote! {
        #[doc = #doc]
        #[derive(Clone, Copy)]
        // Field names are the script's own, in whatever case it writes them.
        #[allow(non_snake_case)]
        #vis struct #params #lifetime {
            #(#fields,)*
        }

        impl #krate::__private::Params for #params #anonymous {
            type Static = #params #static_lifetime;

            #[inline]
            fn write_keys(&self, out: &mut #krate::__private::ArgList) {
                #(#key_writes)*
                let _ = out;
            }

            #[inline]
            fn write_args(&self, out: &mut #krate::__private::ArgList) {
                #(#arg_writes)*
                let _ = out;
            }
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
    declared: &[Typed],
    arities: &crate::check::Arities,
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
    let functions = input
        .functions
        .iter()
        .zip(declared)
        .map(|(function, declared)| {
            let (attrs, vis, ident) = (&function.attrs, &function.vis, &function.ident);
            let ty = &match declared {
                Typed::Declared(_, _, declaration) => {
                    with_lifetime(&function.ty, borrows(declaration))
                }
                Typed::Positional => function.ty.clone(),
            };
            let fname = function.literal.value();
            let called_as = if input.unversioned {
                fname.clone()
            } else {
                format!("{fname}__{version}")
            };
            let label = format!("{name}.{fname}");
            // What the function reads on every run, when the checks can tell its code.
            let arity = arities
                .iter()
                .find(|(registered, _)| *registered == fname)
                .map(|(_, arity)| *arity)
                .unwrap_or_default();
            let min_keys = u16::try_from(arity.keys()).unwrap_or(u16::MAX);
            let min_args = u16::try_from(arity.args()).unwrap_or(u16::MAX);
            // `check` allows only these two types.
            let constructor = if function.type_name().as_deref() == Some("FunctionRO") {
                quote!(function_ro)
            } else {
                quote!(function)
            };
            let structure = match declared {
                Typed::Positional => None,
                Typed::Declared(params, reply, declaration) => {
                let doc = if takes_nothing(declaration) {
                    format!(
                        "The call of [`{ident}`] (function `{fname}`), which declares only its \
                         reply and so takes no keys or arguments: `{params} {{}}`."
                    )
                } else {
                    format!(
                        "The keys and arguments of a call of [`{ident}`] (function `{fname}`), as \
                         the `---@key` / `---@arg` lines above its registration declare them."
                    )
                };
                let reply = reply.as_ref().zip(declaration.reply()).map(|(reply, fields)| {
                    let doc = format!(
                        "The reply of [`{ident}`] (function `{fname}`), as the `---@return` line \
                         above its registration declares it: the function's items in the declared \
                         order, each read into its field by name."
                    );
                    reply_struct(krate, vis, reply, fields, &doc)
                });
                let params = params_struct(krate, vis, params, declaration, &doc, ("keys", "args"));
                Some(quote!(#params #reply))
                }
            };
            quote! {
                #structure
                #(#attrs)*
                #vis static #ident: #ty = #krate::__private::#constructor(
                    #hidden,
                    #krate::__private::FunctionParts {
                        name: #fname,
                        called_as: #called_as,
                        label: #label,
                        code: #hidden_code,
                        sha1: #sha1,
                        min_keys: #min_keys,
                        min_args: #min_args,
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
