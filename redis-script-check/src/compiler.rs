//! Lua 5.1.5's compiler, reached through its C API: the one place this crate calls C.
//!
//! The build script compiles Lua 5.1.5 from the sources `lua-src` ships; this module declares the
//! six functions of `lua.h` and `lauxlib.h` it needs and wraps them in [`Compiler`], which loads a
//! text chunk and returns the compiler's message. `unsafe` is allowed here alone: every block below
//! says why it is sound.
//!
//! Nothing here can unwind or jump over Rust frames: the only calls that may raise a Lua error are
//! the allocations inside `luaL_loadbuffer`, which `lua_load` runs under its own protected call
//! (`luaD_pcall`), and no Rust function is ever called back from C.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int};
use std::ptr::NonNull;

/// The `lua_State` of `lua.h`: only ever behind a pointer.
#[repr(C)]
struct LuaState {
    _opaque: [u8; 0],
}

/// `LUA_TSTRING`.
const TSTRING: c_int = 4;
/// `LUA_ERRMEM`: an allocation failed (the message is `not enough memory`).
const ERRMEM: c_int = 4;
/// The first byte of a precompiled chunk (`LUA_SIGNATURE`, `"\033Lua"`).
const SIGNATURE: u8 = 0x1b;

unsafe extern "C" {
    /// A new state with the C allocator (`realloc`/`free`) and no library loaded; null when the
    /// allocation fails.
    fn luaL_newstate() -> *mut LuaState;
    /// Frees every object of the state and the state itself.
    fn lua_close(state: *mut LuaState);
    /// Compiles `size` bytes at `buffer`, pushing the function or the error message; 0 on success.
    fn luaL_loadbuffer(
        state: *mut LuaState,
        buffer: *const c_char,
        size: usize,
        name: *const c_char,
    ) -> c_int;
    fn lua_type(state: *mut LuaState, index: c_int) -> c_int;
    /// The bytes of the string at `index` (for a string, no conversion and no allocation).
    fn lua_tolstring(state: *mut LuaState, index: c_int, len: *mut usize) -> *const c_char;
    fn lua_settop(state: *mut LuaState, index: c_int);
}

/// A Lua 5.1.5 state with no library, used only to compile; closed when dropped.
#[derive(Debug)]
pub(crate) struct Compiler {
    state: NonNull<LuaState>,
}

impl Compiler {
    /// A new compiler; `None` when there is not enough memory for one.
    pub(crate) fn new() -> Option<Self> {
        // SAFETY: luaL_newstate takes no argument; it returns a state we own, or null when an
        // allocation failed (its own setup runs protected, so it never aborts).
        let state = unsafe { luaL_newstate() };
        NonNull::new(state).map(|state| Compiler { state })
    }

    /// Compiles `chunk` as text named `@user_script`, as Redis loads a script: `None` when it
    /// compiles, else the compiler's message (`user_script:1: ...`), or `memory error: not enough
    /// memory`. A chunk that starts like a precompiled one is refused without reaching Lua, whose
    /// loader of precompiled chunks trusts its input.
    pub(crate) fn load(&self, chunk: &[u8]) -> Option<String> {
        if chunk.first() == Some(&SIGNATURE) {
            return Some("attempt to load a binary chunk (mode is 't')".to_owned());
        }
        let state = self.state.as_ptr();
        // SAFETY: `state` is open (closed only by Drop) and used by one thread at a time (`Compiler`
        // is neither Send nor Sync). The buffer is `chunk.len()` readable bytes that outlive the
        // call (Lua reads them only during it, and needs no terminating NUL); the name is a
        // NUL-terminated literal. The first byte is not LUA_SIGNATURE's, so Lua parses text. The
        // stack is empty on entry (it is reset below on every path), so the one value pushed fits
        // the LUA_MINSTACK slots a state always has.
        let status = unsafe {
            luaL_loadbuffer(
                state,
                chunk.as_ptr().cast::<c_char>(),
                chunk.len(),
                c"@user_script".as_ptr(),
            )
        };
        let message = (status != 0).then(|| {
            // SAFETY: a failed load leaves its message at the top of the stack (index -1). It is
            // a string (a syntax error's text, or the preallocated "not enough memory"), checked
            // before reading, so lua_tolstring neither converts nor allocates and cannot raise an
            // error. The pointer and length describe the string's bytes, alive while it is on the
            // stack; they are copied before lua_settop pops it.
            let text = unsafe {
                if lua_type(state, -1) == TSTRING {
                    let mut len = 0;
                    let bytes = lua_tolstring(state, -1, &mut len);
                    (!bytes.is_null()).then(|| {
                        String::from_utf8_lossy(std::slice::from_raw_parts(bytes.cast::<u8>(), len))
                            .into_owned()
                    })
                } else {
                    None
                }
            };
            let text = text.unwrap_or_else(|| "the compiler gave no message".to_owned());
            if status == ERRMEM {
                format!("memory error: {text}")
            } else {
                text
            }
        });
        // SAFETY: lua_settop(0) pops what the load pushed (the function or the message); shrinking
        // the stack never allocates or raises an error. The function becomes garbage.
        unsafe { lua_settop(state, 0) };
        message
    }
}

impl Drop for Compiler {
    fn drop(&mut self) {
        // SAFETY: the state is open and this is its last use: Drop runs once, and nothing
        // borrowed from the state (strings are copied out) outlives `load`.
        unsafe { lua_close(self.state.as_ptr()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_text_and_names_it_user_script() {
        let lua = Compiler::new().unwrap();
        assert_eq!(lua.load(b"return 1"), None);
        assert_eq!(lua.load(b""), None);
        assert_eq!(
            lua.load(b"return\n1 +").as_deref(),
            Some("user_script:2: unexpected symbol near '<eof>'")
        );
        // The stack is reset after each load: far more loads than LUA_MINSTACK slots.
        for _ in 0..1000 {
            assert_eq!(lua.load(b"local x = 1"), None);
            assert!(lua.load(b"local = 1").is_some());
        }
    }

    #[test]
    fn refuses_precompiled_chunks_and_reads_bytes_lossily() {
        let lua = Compiler::new().unwrap();
        assert_eq!(
            lua.load(b"\x1bLua\x51\x00").as_deref(),
            Some("attempt to load a binary chunk (mode is 't')")
        );
        assert_eq!(
            lua.load(b"return 1 \xff").as_deref(),
            Some("user_script:1: '<eof>' expected near '\u{FFFD}'")
        );
    }
}
