use redis_script::{Library, lua_library};

// Every problem of the file is reported, each with its line.
lua_library! {
    static PROBLEMS: Library = "lua/library_problems.lua";
}

fn main() {
    let _ = &PROBLEMS;
}
