// A literal return with fewer items than the `---@return` line declares fields.
redis_script::lua_script! {
    static LIMIT: redis_script::Script<Limited, Limit> = "../lua/reply_count.lua";
}

fn main() {}
