// A flat table of names and values naming a field the reply does not declare.
redis_script::lua_script! {
    static LIMIT: redis_script::Script<Limited, Limit> = "../lua/reply_pairs.lua";
}

fn main() {}
