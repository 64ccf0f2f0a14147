//! Replies remembered by transaction id, so a client retry gets the recorded reply instead of a
//! second step (HUGSIM.md: the client retries up to 3 times with the same id).
//!
//! Bounded by count (`TX_CACHE_LEN`, as HUGSIM's 100) and by bytes (`TX_CACHE_BYTES`): a reply
//! carries six cameras of images (about 17 MB at 800x450), so 100 of them were 1.7 GB. The
//! newest entry is always kept, whatever its size: the client only ever retries the request it
//! sent last, so that is the one a retry needs. Older entries go oldest first.

use std::collections::{BTreeMap, VecDeque};

use super::session::ExecuteReply;

/// At most this many replies are remembered (HUGSIM keeps 100).
pub const TX_CACHE_LEN: usize = 100;
/// At most this many reply bytes are remembered, beyond the newest reply.
pub const TX_CACHE_BYTES: usize = 64 << 20;

#[derive(Debug)]
pub struct TxCache {
    replies: BTreeMap<String, ExecuteReply>,
    /// Ids oldest first.
    order: VecDeque<String>,
    bytes: usize,
    max_len: usize,
    max_bytes: usize,
}

impl Default for TxCache {
    fn default() -> TxCache {
        TxCache::new(TX_CACHE_LEN, TX_CACHE_BYTES)
    }
}

impl TxCache {
    pub fn new(max_len: usize, max_bytes: usize) -> TxCache {
        TxCache {
            replies: BTreeMap::new(),
            order: VecDeque::new(),
            bytes: 0,
            max_len: max_len.max(1),
            max_bytes,
        }
    }

    pub fn get(&self, id: &str) -> Option<&ExecuteReply> {
        self.replies.get(id)
    }

    /// Bytes held by the remembered replies.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Remember `reply` under `id` (replacing an earlier reply under the same id), then drop
    /// the oldest replies until both bounds hold again, never the one just inserted.
    pub fn insert(&mut self, id: &str, reply: ExecuteReply) {
        self.bytes += reply_bytes(&reply);
        if let Some(old) = self.replies.insert(id.to_string(), reply) {
            self.bytes -= reply_bytes(&old);
            self.order.retain(|o| o != id);
        }
        self.order.push_back(id.to_string());
        while self.order.len() > 1
            && (self.order.len() > self.max_len || self.bytes > self.max_bytes)
        {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(old) = self.replies.remove(&oldest) {
                self.bytes -= reply_bytes(&old);
            }
        }
    }
}

fn reply_bytes(reply: &ExecuteReply) -> usize {
    match reply {
        ExecuteReply::Pickle(bytes) => bytes.len(),
        ExecuteReply::Failed { message, .. } => message.len(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn pickle(n: usize, fill: u8) -> ExecuteReply {
        ExecuteReply::Pickle(vec![fill; n].into())
    }

    #[test]
    fn many_large_replies_stay_under_the_byte_bound_and_the_latest_replays() {
        // 17 MB: one reply of six 800x450 cameras (rgb + semantic + f32 depth).
        const REPLY: usize = 6 * 800 * 450 * (3 + 1 + 4);
        let mut cache = TxCache::default();
        for i in 0..120 {
            cache.insert(&format!("tx-{i}"), pickle(REPLY, i as u8));
            assert!(cache.bytes() <= TX_CACHE_BYTES, "{} bytes", cache.bytes());
            assert!(cache.len() <= TX_CACHE_LEN);
        }
        assert_eq!(cache.get("tx-119"), Some(&pickle(REPLY, 119)));
        assert_eq!(cache.len(), TX_CACHE_BYTES / REPLY);
        assert!(cache.get("tx-0").is_none());
    }

    #[test]
    fn the_newest_reply_is_kept_even_when_over_the_bound() {
        let mut cache = TxCache::new(100, 1000);
        cache.insert("small", pickle(10, 1));
        cache.insert("huge", pickle(5000, 2));
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.bytes(), 5000);
        assert_eq!(cache.get("huge"), Some(&pickle(5000, 2)));
        cache.insert("next", pickle(10, 3));
        assert!(cache.get("huge").is_none());
        assert_eq!(cache.bytes(), 10);
    }

    #[test]
    fn count_bound_and_reinsert() {
        let mut cache = TxCache::new(3, usize::MAX);
        for id in ["a", "b", "c", "d"] {
            cache.insert(id, pickle(1, 0));
        }
        assert!(cache.get("a").is_none());
        cache.insert("b", pickle(7, 0));
        assert_eq!((cache.len(), cache.bytes()), (3, 9));
        cache.insert("e", pickle(1, 0));
        assert!(cache.get("c").is_none() && cache.get("b").is_some());
        let failed = ExecuteReply::Failed {
            status: 500,
            message: "disk full".into(),
        };
        cache.insert("f", failed.clone());
        assert_eq!(cache.get("f"), Some(&failed));
        let shared: Arc<[u8]> = vec![0; 4].into();
        cache.insert("g", ExecuteReply::Pickle(shared));
        assert_eq!(cache.len(), 3);
    }
}
