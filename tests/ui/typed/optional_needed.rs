// An optional argument the script reads where nil fails every run: leaving it out could never work.
redis_script::lua_script! {
    static BUMP: redis_script::Script<i64, Bump> = "../lua/typed_optional_needed.lua";
}

fn main() {}
