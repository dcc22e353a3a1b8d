//! Parses the macro input: `<crate path> ; "path.lua" (, option)*`.
//!
//! The crate path comes first because the facade's `macro_rules!` passes its `$crate`, so a renamed
//! dependency still resolves. Options are a comma-separated list of `name`, `name = "lit"` or
//! `name = ["lit", ...]`, so that new ones fit without changing the grammar.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::{Ident, LitStr, Token, bracketed, punctuated::Punctuated};

/// What the user asked for.
pub(crate) struct Input {
    /// Path of the facade crate, re-emitted in the expansion.
    pub(crate) krate: TokenStream,
    /// The script path as written, relative to the calling source file.
    pub(crate) path: LitStr,
    /// `readonly`: the script runs with EVAL_RO / EVALSHA_RO.
    pub(crate) readonly: bool,
    /// `commands = [...]`: module commands the script may call; treated as writes.
    pub(crate) commands: Vec<LitStr>,
    /// `readonly_commands = [...]`: module commands that never write.
    pub(crate) readonly_commands: Vec<LitStr>,
    /// `allow_key_locking`: accept Upstash's shebang flag `allow-key-locking`.
    pub(crate) allow_key_locking: bool,
    /// `servers = [...]`: the covered servers every command must run on.
    pub(crate) servers: Vec<LitStr>,
    /// `keys_from_keys` (or `keys_from_keys = true / false`): every key a command is given must come
    /// from KEYS. Unset: on for a declared script, off otherwise.
    pub(crate) keys_from_keys: Option<bool>,
    /// `name = "..."`: what logs, traces and errors call the script (default: the path as written).
    pub(crate) name: Option<LitStr>,
    /// The item form, `static NAME: Script<T, Params> = "path.lua";`: a declared script.
    pub(crate) item: Option<Item>,
}

impl Input {
    /// The file at `path`, with every option at its default.
    fn new(krate: TokenStream, path: LitStr) -> Input {
        Input {
            krate,
            path,
            readonly: false,
            commands: Vec::new(),
            readonly_commands: Vec::new(),
            allow_key_locking: false,
            servers: Vec::new(),
            keys_from_keys: None,
            name: None,
            item: None,
        }
    }

    /// The script's name, checked as `Script::with_name` checks one: the `name` option, or the path as
    /// written.
    pub(crate) fn name(&self) -> syn::Result<String> {
        let (name, lit) = match &self.name {
            Some(lit) => (lit.value(), lit),
            None => (self.path.value(), &self.path),
        };
        let how = if self.name.is_some() {
            "choose another"
        } else {
            "the path names the script unless `name = \"..\"` says otherwise; give one"
        };
        match crate::rules::name_problem(&name) {
            Some(problem) => Err(syn::Error::new(lit.span(), format!("{problem}; {how}"))),
            None => Ok(name),
        }
    }
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = |list: &[LitStr]| list.iter().map(LitStr::value).collect::<Vec<_>>();
        f.debug_struct("Input")
            .field("krate", &self.krate.to_string())
            .field("path", &self.path.value())
            .field("readonly", &self.readonly)
            .field("commands", &names(&self.commands))
            .field("readonly_commands", &names(&self.readonly_commands))
            .field("allow_key_locking", &self.allow_key_locking)
            .field("servers", &names(&self.servers))
            .field("keys_from_keys", &self.keys_from_keys)
            .field("name", &self.name.as_ref().map(LitStr::value))
            .finish()
    }
}

const USAGE: &str = "expected a path to a Lua file, like `lua_script!(\"lua/incr.lua\")` \
     or `lua_script!(\"lua/get.lua\", readonly)`";

const OPTIONS: &str = "`readonly`, `commands = [\"MODULE.CMD\", ...]`, \
     `readonly_commands = [\"MODULE.CMD\", ...]`, `allow_key_locking`, `servers = [\"redis-7.0\", ...]`, \
     `keys_from_keys`, `name = \"rate_limit\"`";

/// What `lua_library!` was given: the library's static and path, then one static per function.
pub(crate) struct LibraryInput {
    pub(crate) krate: TokenStream,
    /// The library's static, path and options (only those of the checks apply).
    pub(crate) library: Item,
    pub(crate) options: Input,
    /// `unversioned`: loaded under the name in the file, its functions called by their own names.
    pub(crate) unversioned: bool,
    pub(crate) functions: Vec<Item>,
}

/// `#[attrs] vis static NAME: Type = "literal"`.
pub(crate) struct Item {
    pub(crate) attrs: Vec<syn::Attribute>,
    pub(crate) vis: syn::Visibility,
    pub(crate) ident: Ident,
    pub(crate) ty: syn::Type,
    /// The path (the library) or the function's name.
    pub(crate) literal: LitStr,
}

impl Item {
    /// The last segment of the type's path: `Function`, `FunctionRO`, `Library`.
    pub(crate) fn type_name(&self) -> Option<String> {
        match &self.ty {
            syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        }
    }
}

const LIBRARY_USAGE: &str = "expected `static COUNTERS: Library = \"lua/counters.lua\";` and then one \
     `static INCR: Function<i64> = \"incr\";` (or `FunctionRO<T>`) per function";

/// Parses the input of `lua_library!`.
pub(crate) fn parse_library(tokens: TokenStream) -> syn::Result<LibraryInput> {
    (|input: ParseStream<'_>| {
        let krate = parse_crate_path(input)?;
        if input.is_empty() {
            return Err(syn::Error::new(Span::call_site(), LIBRARY_USAGE));
        }
        let library = parse_item(input)?;
        let mut options = Input::new(krate.clone(), library.literal.clone());
        let mut unversioned = false;
        while input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            if input.peek(Token![;]) {
                break;
            }
            if input
                .fork()
                .parse::<Ident>()
                .is_ok_and(|i| i == "unversioned")
            {
                let ident: Ident = input.parse()?;
                if std::mem::replace(&mut unversioned, true) {
                    return Err(syn::Error::new(
                        ident.span(),
                        "`unversioned` is given twice",
                    ));
                }
                continue;
            }
            let at = input.span();
            parse_option(input, &mut options)?;
            if options.readonly || options.name.is_some() {
                return Err(syn::Error::new(
                    at,
                    "`readonly` and `name` are options of lua_script!; a library's functions are \
                     read-only by their type (FunctionRO<T>) and named by the library",
                ));
            }
        }
        input
            .parse::<Token![;]>()
            .map_err(|_| input.error(LIBRARY_USAGE))?;
        let mut functions = Vec::new();
        while !input.is_empty() {
            functions.push(parse_item(input)?);
            input
                .parse::<Token![;]>()
                .map_err(|_| input.error("expected `;` after the function"))?;
        }
        Ok(LibraryInput {
            krate,
            library,
            options,
            unversioned,
            functions,
        })
    })
    .parse2(tokens)
}

fn parse_item(input: ParseStream<'_>) -> syn::Result<Item> {
    let attrs = input.call(syn::Attribute::parse_outer)?;
    let vis: syn::Visibility = input.parse()?;
    input
        .parse::<Token![static]>()
        .map_err(|_| input.error(LIBRARY_USAGE))?;
    let ident: Ident = input.parse()?;
    input.parse::<Token![:]>()?;
    let ty: syn::Type = input.parse()?;
    input.parse::<Token![=]>()?;
    let literal: LitStr = input.parse().map_err(|_| input.error(LIBRARY_USAGE))?;
    Ok(Item {
        attrs,
        vis,
        ident,
        ty,
        literal,
    })
}

/// Parses the whole macro input.
pub(crate) fn parse_input(tokens: TokenStream) -> syn::Result<Input> {
    parse_with.parse2(tokens)
}

fn parse_with(input: ParseStream<'_>) -> syn::Result<Input> {
    let krate = parse_crate_path(input)?;
    if input.is_empty() {
        return Err(syn::Error::new(Span::call_site(), USAGE));
    }
    if input.peek(Token![#]) || input.peek(Token![pub]) || input.peek(Token![static]) {
        return parse_declared(input, krate);
    }
    let path = match input.parse::<LitStr>() {
        Ok(lit) => lit,
        Err(_) => return Err(input.error(USAGE)),
    };
    let mut parsed = Input::new(krate, path);
    while !input.is_empty() {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        parse_option(input, &mut parsed)?;
    }
    Ok(parsed)
}

const ITEM_USAGE: &str = "expected `static RATE_LIMIT: Script<Reply, RateLimit> = \"lua/rate_limit.lua\";` \
     (a `Script<T, Params>` or `ScriptRO<T, Params>`, `Params` the name of the struct of its keys and \
     arguments the macro defines)";

/// The item form: `#[attrs] vis static NAME: Script<T, Params> = "path.lua" (, option)* ;?`.
fn parse_declared(input: ParseStream<'_>, krate: TokenStream) -> syn::Result<Input> {
    let item = parse_item(input).map_err(|e| syn::Error::new(e.span(), ITEM_USAGE))?;
    let mut parsed = Input::new(krate, item.literal.clone());
    while input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
        if input.is_empty() || input.peek(Token![;]) {
            break;
        }
        let at = input.span();
        parse_option(input, &mut parsed)?;
        if parsed.readonly {
            return Err(syn::Error::new(
                at,
                "in this form the type says whether the script is read-only: `ScriptRO<T, Params>`",
            ));
        }
    }
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
    }
    if !input.is_empty() {
        return Err(
            input.error("lua_script! declares one script; write another lua_script! for the next")
        );
    }
    parsed.readonly = item.type_name().as_deref() == Some("ScriptRO");
    parsed.item = Some(item);
    Ok(parsed)
}

/// True when the input, after the crate path, is the item form (`#[..]`, `pub` or `static` first).
pub(crate) fn is_item_form(tokens: &TokenStream) -> bool {
    let mut after_crate = tokens
        .clone()
        .into_iter()
        .skip_while(|tt| !matches!(tt, TokenTree::Punct(p) if p.as_char() == ';'))
        .skip(1);
    match after_crate.next() {
        Some(TokenTree::Punct(p)) => p.as_char() == '#',
        Some(TokenTree::Ident(ident)) => ident == "pub" || ident == "static",
        _ => false,
    }
}

/// Takes every token up to the first `;` (the facade passes `$crate;`).
fn parse_crate_path(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    input.step(|cursor| {
        let mut rest = *cursor;
        let mut path = TokenStream::new();
        while let Some((tt, next)) = rest.token_tree() {
            if let TokenTree::Punct(p) = &tt
                && p.as_char() == ';'
            {
                return Ok((path, next));
            }
            path.extend(std::iter::once(tt));
            rest = next;
        }
        Err(cursor
            .error("`lua_script!` is called through `redis_script::lua_script!`; use that macro"))
    })
}

fn parse_option(input: ParseStream<'_>, parsed: &mut Input) -> syn::Result<()> {
    let name: Ident = match input.parse() {
        Ok(name) => name,
        Err(_) => return Err(input.error(format!("expected an option: {OPTIONS}"))),
    };
    let flag = |set: &mut bool| {
        if std::mem::replace(set, true) {
            return Err(syn::Error::new(
                name.span(),
                format!("`{name}` is given twice"),
            ));
        }
        Ok(())
    };
    match name.to_string().as_str() {
        "readonly" => flag(&mut parsed.readonly)?,
        "allow_key_locking" => flag(&mut parsed.allow_key_locking)?,
        "keys_from_keys" => {
            if parsed.keys_from_keys.is_some() {
                return Err(syn::Error::new(
                    name.span(),
                    "`keys_from_keys` is given twice",
                ));
            }
            let value = if input.peek(Token![=]) {
                input.parse::<Token![=]>()?;
                input
                    .parse::<syn::LitBool>()
                    .map_err(|_| input.error("`keys_from_keys` takes `true` or `false`"))?
                    .value
            } else {
                true
            };
            parsed.keys_from_keys = Some(value);
        }
        "commands" => parsed.commands.extend(parse_list(input, &name)?),
        "readonly_commands" => parsed.readonly_commands.extend(parse_list(input, &name)?),
        "name" => {
            if parsed.name.is_some() {
                return Err(syn::Error::new(name.span(), "`name` is given twice"));
            }
            if !input.peek(Token![=]) {
                return Err(syn::Error::new(
                    name.span(),
                    "`name` takes a string: `name = \"rate_limit\"`",
                ));
            }
            input.parse::<Token![=]>()?;
            parsed.name = Some(
                input
                    .parse()
                    .map_err(|_| input.error("`name` takes a string: `name = \"rate_limit\"`"))?,
            );
        }
        "servers" => {
            let covered = redis_script_check::servers();
            for server in parse_list(input, &name)? {
                if !covered.contains(&server.value()) {
                    return Err(syn::Error::new(
                        server.span(),
                        format!(
                            "the command table does not cover {:?}; it covers {}",
                            server.value(),
                            covered.join(", ")
                        ),
                    ));
                }
                parsed.servers.push(server);
            }
        }
        other => {
            return Err(syn::Error::new(
                name.span(),
                format!("unknown option `{other}`; expected {OPTIONS}"),
            ));
        }
    }
    Ok(())
}

/// `= ["A", "B"]` or `= "A"`.
fn parse_list(input: ParseStream<'_>, name: &Ident) -> syn::Result<Vec<LitStr>> {
    let example = if name == "servers" {
        "\"redis-7.0\""
    } else {
        "\"MODULE.CMD\""
    };
    if !input.peek(Token![=]) {
        return Err(syn::Error::new(
            name.span(),
            format!("`{name}` takes a list of names: `{name} = [{example}]`"),
        ));
    }
    input.parse::<Token![=]>()?;
    if input.peek(LitStr) {
        return Ok(vec![input.parse()?]);
    }
    if !input.peek(syn::token::Bracket) {
        return Err(input.error(format!(
            "`{name}` takes a list of names: `{name} = [{example}]`"
        )));
    }
    let content;
    bracketed!(content in input);
    let list = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
    let list: Vec<LitStr> = list.into_iter().collect();
    for lit in &list {
        let value = lit.value();
        if value.is_empty() || value.chars().any(char::is_whitespace) {
            return Err(syn::Error::new(
                lit.span(),
                format!("a name is one word, like {example}"),
            ));
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn parse_plain_path() {
        let input = parse_input(quote!(::redis_script; "a.lua")).unwrap();
        assert_eq!(input.krate.to_string(), ":: redis_script");
        assert_eq!(input.path.value(), "a.lua");
        assert!(!input.readonly);
    }

    #[test]
    fn parse_readonly_and_commands() {
        let input = parse_input(
            quote!(krate; "a.lua", readonly, commands = ["FT.SEARCH"], readonly_commands = "JSON.GET",),
        )
        .unwrap();
        assert!(input.readonly);
        assert_eq!(input.commands[0].value(), "FT.SEARCH");
        assert_eq!(input.readonly_commands[0].value(), "JSON.GET");
    }

    #[test]
    fn names_default_to_the_path_and_follow_the_rules() {
        let input = parse_input(quote!(k; "lua/a.lua")).unwrap();
        assert_eq!(input.name().unwrap(), "lua/a.lua");
        let named = parse_input(quote!(k; "lua/a.lua", name = "limit")).unwrap();
        assert_eq!(named.name().unwrap(), "limit");
        let long = "x".repeat(129);
        let too_long = parse_input(quote!(k; "a.lua", name = #long)).unwrap();
        assert!(
            too_long
                .name()
                .unwrap_err()
                .to_string()
                .contains("at most 128 bytes")
        );
        let broken = parse_input(quote!(k; "a.lua", name = "a\nb")).unwrap();
        assert!(
            broken
                .name()
                .unwrap_err()
                .to_string()
                .contains("control characters")
        );
        assert!(parse_input(quote!(k; "a.lua", name = "a", name = "b")).is_err());
        assert!(parse_input(quote!(k; "a.lua", name)).is_err());
    }

    #[test]
    fn a_library_may_be_unversioned_once_and_a_script_never() {
        let library =
            quote!(k; static L: Library = "l.lua", unversioned; static F: Function = "f";);
        assert!(parse_library(library).unwrap().unversioned);
        let plain = quote!(k; static L: Library = "l.lua"; static F: Function = "f";);
        assert!(!parse_library(plain).unwrap().unversioned);
        let twice = quote!(k; static L: Library = "l.lua", unversioned, unversioned;);
        assert!(parse_library(twice).is_err());
        let err = parse_input(quote!(k; "a.lua", unversioned)).unwrap_err();
        assert!(
            err.to_string().contains("unknown option `unversioned`"),
            "{err}"
        );
    }

    #[test]
    fn parse_rejects_unknown_option() {
        let err = parse_input(quote!(k; "a.lua", readnoly)).unwrap_err();
        assert!(
            err.to_string().contains("unknown option `readnoly`"),
            "{err}"
        );
    }

    #[test]
    fn parse_rejects_non_string_path() {
        let err = parse_input(quote!(k; a_lua)).unwrap_err();
        assert!(err.to_string().starts_with("expected a path"), "{err}");
    }

    #[test]
    fn parse_rejects_missing_path() {
        let err = parse_input(quote!(k;)).unwrap_err();
        assert!(err.to_string().starts_with("expected a path"), "{err}");
    }

    #[test]
    fn parse_rejects_missing_crate_path() {
        assert!(parse_input(quote!("a.lua")).is_err());
    }
}
