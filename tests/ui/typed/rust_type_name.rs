// A struct the macro defines may not take the name of a type Rust already has: it would hide
// `Option` (or `i64`) in the rest of the module, and break code far from here.
redis_script::lua_script! {
    static LIMIT: redis_script::Script<i64, Option> = "../../lua/reply_limit.lua";
}

fn main() {}
