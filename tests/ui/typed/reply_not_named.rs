// The script declares its reply: a tuple would read it by position.
redis_script::lua_script! {
    static LIMIT: redis_script::Script<(bool, i64, i64), Limit> = "../../lua/reply_limit.lua";
}

fn main() {}
