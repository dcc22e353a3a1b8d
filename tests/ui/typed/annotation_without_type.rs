// `---@arg limit` says nothing of its type.
redis_script::lua_script! {
    static SCRIPT: redis_script::Script<Option<String>, Params> = "../lua/typed_no_type.lua";
}

fn main() {
    let _ = &SCRIPT;
}
