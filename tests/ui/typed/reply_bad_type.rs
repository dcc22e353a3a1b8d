// A field of a type a reply can not have.
redis_script::lua_script! {
    static LIMIT: redis_script::Script<Limited, Limit> = "../lua/reply_bad_type.lua";
}

fn main() {}
