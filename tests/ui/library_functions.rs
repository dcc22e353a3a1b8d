use redis_script::{Function, FunctionRO, Library, lua_library};

lua_library! {
    static FINE: Library = "lua/library_ok.lua";
    // Not registered by the file.
    static DECR: Function<i64> = "decr";
    // incr is not flagged no-writes: FCALL_RO would be refused.
    static INCR: FunctionRO<i64> = "incr";
    static GET: Function<Option<String>> = "get";
    static OTHER: Option<i64> = "get";
}

fn main() {
    let _ = (&FINE, &DECR, &INCR, &GET, &OTHER);
}
