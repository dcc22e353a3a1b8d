// A tuple type on an argument that is not variadic: a tuple is the item of a slice.
redis_script::lua_script! {
    static ADD: redis_script::Script<i64, Add> = "../lua/typed_tuple_not_variadic.lua";
}

fn main() {}
