//! Frame ops (under construction).
