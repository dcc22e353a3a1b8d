// LuaLS's nameless `...`: the field of the call needs a name.
redis_script::lua_script! {
    static ADD: redis_script::Script<i64, Add> = "../lua/typed_variadic_unnamed.lua";
}

fn main() {}
