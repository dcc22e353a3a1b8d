// A function that declares its reply is read into the struct the macro defines, by field name.
redis_script::lua_library! {
    static SHAPES: redis_script::Library = "../../lua/typed_library.lua";
    static BUMP: redis_script::Function<(i64, i64), Bump> = "bump";
}

fn main() {}
