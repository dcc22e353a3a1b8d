// The script reads KEYS[2], but declares one key.
redis_script::lua_script! {
    static SCRIPT: redis_script::Script<Option<String>, Params> = "../lua/typed_reads_past.lua";
}

fn main() {
    let _ = &SCRIPT;
}
