//! Hash maps for the engine's hot lookups (graph nodes, resource values by address).
//! They use foldhash rather than the standard library's SipHash: SipHash resists
//! collision attacks on keys an adversary chooses, and the keys here come from the user's
//! own configuration and state, while hashing addresses was a visible part of planning
//! ten thousand resources.

/// A `HashMap` hashed with foldhash.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A `HashSet` hashed with foldhash.
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
