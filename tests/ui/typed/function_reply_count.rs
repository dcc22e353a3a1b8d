// A function's literal return with fewer items than its `---@return` line declares fields.
redis_script::lua_library! {
    static REPLIES: redis_script::Library = "../lua/typed_library_reply.lua";
    static BUMP: redis_script::Function<Bumped, Bump> = "bump";
}

fn main() {}
