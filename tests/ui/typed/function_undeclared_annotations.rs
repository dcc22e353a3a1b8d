// A `Function<T>` keeps the positional call, but the annotations above its registration are held
// to its code all the same: here it reads args[2] and declares one argument.
redis_script::lua_library! {
    static LIB: redis_script::Library = "../lua/typed_library_reads_past.lua";
    static ADD: redis_script::Function<i64> = "add";
}

fn main() {}
