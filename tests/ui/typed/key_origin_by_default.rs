// A declared script's keys come from KEYS unless it opts out: this one builds its key from ARGV.
redis_script::lua_script! {
    static SEEN: redis_script::Script<i64, Seen> = "../lua/typed_key_origin.lua";
}

fn main() {
    let _ = &SEEN;
}
