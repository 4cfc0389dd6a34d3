//! framekv persistence: the AOF and snapshot codecs (filled in by the persistence issue).
