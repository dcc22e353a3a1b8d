use redis_script::{Script, lua_script};

// Any number of `..` ends at the root: this is /dev/zero, from wherever the crate is.
static SCRIPT: Script = lua_script!("../../../../../../../../../../../../../../../../dev/zero");

fn main() {
    let _ = &SCRIPT;
}
