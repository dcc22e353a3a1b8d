// A function's `keys[0]` (by its own parameter's name) is always nil, as a script's `KEYS[0]`.
redis_script::lua_library! {
    static LIB: redis_script::Library = "../lua/library_zero_index.lua";
    static FIRST: redis_script::Function<Option<String>> = "first";
}

fn main() {}
