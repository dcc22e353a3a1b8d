// A function reads args[2] (by its own parameter's name), but declares one argument.
redis_script::lua_library! {
    static LIB: redis_script::Library = "../lua/typed_library_reads_past.lua";
    static ADD: redis_script::Function<i64, Add> = "add";
}

fn main() {}
