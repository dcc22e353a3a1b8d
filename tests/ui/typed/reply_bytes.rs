// A reply's field is read as text or a number: `bytes` is a parameter's type only.
redis_script::lua_script! {
    static BLOB: redis_script::Script<Blob, Key> = "../lua/reply_bytes.lua";
}

fn main() {}
