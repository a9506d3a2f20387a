//! Tests of the gallium → GL state mapping: every mapping table over every value its
//! field can hold, end-to-end objects as Mesa sends them for a default context, and the
//! variant-key bits.

mod blend_dsa;
mod gaps;
mod rasterizer;
mod sampler;
mod vertex;
