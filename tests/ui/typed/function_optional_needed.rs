// A function declares an optional argument that it reads where a nil fails on every run.
redis_script::lua_library! {
    static LIB: redis_script::Library = "../lua/typed_library_optional_needed.lua";
    static SET_TTL: redis_script::Function<String, SetTtl> = "set_ttl";
}

fn main() {}
