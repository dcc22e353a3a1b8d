// A declared reply's struct may not take the name of a primitive either: `struct i64` would hide
// Rust's `i64` in the rest of the module.
redis_script::lua_script! {
    static LIMIT: redis_script::Script<i64, Limit> = "../../lua/reply_limit.lua";
}

fn main() {}
