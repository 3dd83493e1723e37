//! Littoral: placeholder facade.
