//! Ports for servers a test starts as separate processes (the binary, nginx, chromedriver).
//!
//! A port probed with `bind(":0")` comes from the kernel's ephemeral range, the same range every
//! outgoing connection (to PostgreSQL, Redis, another test's server) draws its local port from; between
//! the probe and the child's own bind it can be taken, and the child then fails or, worse, a test talks to
//! a different server. These ports are drawn at random from below that range (Linux's default begins at
//! 32768), checked free, and never handed out twice by one test process.

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::Mutex;

const LOWEST: u16 = 20_000;
const HIGHEST: u16 = 32_000;

static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// A free local port below the ephemeral range, distinct from every other one this process was given.
pub fn free_port() -> u16 {
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let handed_out = handed_out.get_or_insert_with(HashSet::new);
    for _ in 0..1_000 {
        let port = LOWEST + (rand::random::<u16>() % (HIGHEST - LOWEST));
        if handed_out.contains(&port) || TcpListener::bind(("127.0.0.1", port)).is_err() {
            continue;
        }
        handed_out.insert(port);
        return port;
    }
    panic!("no free local port between {LOWEST} and {HIGHEST}");
}
