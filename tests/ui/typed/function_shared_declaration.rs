// Two registrations on one line below one block of annotations: whose are they?
redis_script::lua_library! {
    static SHARED: redis_script::Library = "../lua/library_shared_line.lua";
    static UP: redis_script::Function<i64, Up> = "up";
}

fn main() {
    let _ = (&SHARED, &UP);
}
