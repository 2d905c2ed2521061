//! Media for reelbox: where bytes live (`blob`) and what they are (`probe`).
pub mod blob;
