// A table with named items: Redis replies with its positional items only.
redis_script::lua_script! {
    static LIMIT: redis_script::Script<Limited, Limit> = "../lua/reply_named.lua";
}

fn main() {}
