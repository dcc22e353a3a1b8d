use redis_script::{Library, lua_library};

lua_library! {
    static NONE: Library = "lua/library_no_metadata.lua";
}

fn main() {
    let _ = &NONE;
}
