use redis_script::{Function, FunctionRO, Library, lua_library};

lua_library! {
    /// Documented, public, with options of the checks.
    pub static FINE: Library = "../lua/library_ok.lua", servers = ["redis-7.0"];
    pub static INCR: Function<i64> = "incr";
    pub(crate) static GET: FunctionRO<Option<String>> = "get";
    /// A read-only function may also be called with FCALL.
    static GET_RW: Function<Option<String>> = "get";
}

fn main() {
    assert_eq!(FINE.name(), "fine");
    assert_eq!(INCR.library().loaded_name(), FINE.loaded_name());
    assert_eq!(GET.name(), GET_RW.name());
}
