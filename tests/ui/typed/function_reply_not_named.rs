// A function that declares its reply is read into the struct the macro defines, by field name.
redis_script::lua_library! {
    static SHAPES: redis_script::Library = "../../../examples/lua/bump.lua";
    static BUMP: redis_script::Function<(i64, i64), Bump> = "bump";
}

fn main() {}
