use std::sync::Mutex;
use switchboard_domain::ids::{ID_SEQUENCE_BITS, compose_id};

/// Makes time-ordered ids for one node: milliseconds, node number and a per-millisecond sequence.
/// Ids from one generator strictly increase, even if the clock steps back.
#[derive(Debug)]
pub struct IdGenerator {
    node: u16,
    state: Mutex<(i64, u16)>,
}

impl IdGenerator {
    pub fn new(node: u16) -> Self {
        Self { node, state: Mutex::new((0, 0)) }
    }

    pub fn node(&self) -> u16 {
        self.node
    }

    pub fn next_id(&self) -> i64 {
        let max_sequence = (1u16 << ID_SEQUENCE_BITS) - 1;
        let now = crate::now_ms();
        let mut state = match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let (last_ms, last_seq) = *state;
        let (ms, seq) = if now > last_ms {
            (now, 0)
        } else if last_seq < max_sequence {
            (last_ms, last_seq + 1)
        } else {
            // Sequence exhausted in this millisecond (or clock went back): borrow the next one.
            (last_ms + 1, 0)
        };
        *state = (ms, seq);
        compose_id(ms, self.node, seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strictly_increasing() {
        let ids = IdGenerator::new(5);
        let mut last = 0;
        for _ in 0..20_000 {
            let id = ids.next_id();
            assert!(id > last);
            last = id;
        }
    }
}
