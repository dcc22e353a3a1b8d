// A function registered by name: the local function it names returns fewer items than declared.
redis_script::lua_library! {
    static NAMED: redis_script::Library = "../lua/typed_library_named.lua";
    static STATS: redis_script::FunctionRO<Stats, Post> = "stats";
}

fn main() {}
