//! Every script `lua_script!` and every library `lua_library!` puts in the binary, gathered by the
//! linker: no line of code per script, and no work when the program starts (`linkme`'s distributed
//! slices are link sections).

use crate::Library;

/// A script [`lua_script!`](crate::lua_script) embedded: what [`scripts`] lists. Its `Debug` shows
/// the name and SHA-1, not the text.
pub struct RegisteredScript {
    name: &'static str,
    sha1: &'static str,
    text: &'static str,
    read_only: bool,
}

impl RegisteredScript {
    /// A script `lua_script!` embedded.
    pub(crate) const fn new(
        name: &'static str,
        sha1: &'static str,
        text: &'static str,
        read_only: bool,
    ) -> Self {
        RegisteredScript {
            name,
            sha1,
            text,
            read_only,
        }
    }

    /// Its name: the path as written in `lua_script!`, or its `name = ".."`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Its SHA-1, as EVALSHA, SLOWLOG and MONITOR show it.
    pub fn sha1(&self) -> &'static str {
        self.sha1
    }

    /// Its Lua source.
    pub fn script(&self) -> &'static str {
        self.text
    }

    /// True for a [`ScriptRO`](crate::ScriptRO) (`lua_script!(.., readonly)`).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }
}

impl std::fmt::Debug for RegisteredScript {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisteredScript")
            .field("name", &self.name)
            .field("sha1", &self.sha1)
            .field("bytes", &self.text.len())
            .field("read_only", &self.read_only)
            .finish()
    }
}

#[doc(hidden)]
#[linkme::distributed_slice]
pub static REDIS_SCRIPTS: [RegisteredScript];

/// Every script of this binary that [`lua_script!`](crate::lua_script) embedded, one per macro call, in
/// no particular order (a file embedded twice is there twice; [`preload`](crate::preload) loads it
/// once). Scripts built at run time with [`Script::new`](crate::Script::new) are not in it.
///
/// A script is there when the code that holds it is linked into the binary: the linker leaves out
/// code nothing uses, and with it the scripts it holds.
///
/// ```
/// for script in redis_script::scripts() {
///     println!("{} {}", script.sha1(), script.name());
/// }
/// ```
pub fn scripts() -> &'static [RegisteredScript] {
    &REDIS_SCRIPTS
}

#[doc(hidden)]
#[linkme::distributed_slice]
pub static REDIS_LIBRARIES: [Library];

/// Every library of Redis Functions this binary embeds with [`lua_library!`](crate::lua_library),
/// one per macro call, in no particular order: what
/// [`preload_libraries`](crate::preload_libraries) and [`missing_libraries`](crate::missing_libraries)
/// take to load or check them all. Libraries built at run time with [`Library::new`] are not in it.
/// As for [`scripts`], a library is there when the code that holds it is linked in.
///
/// ```
/// for library in redis_script::libraries() {
///     println!("{} {}", library.loaded_name(), library.sha1());
/// }
/// ```
pub fn libraries() -> &'static [Library] {
    &REDIS_LIBRARIES
}
