//! Gallium enum values as the virgl protocol carries them (the numbering of upstream
//! virglrenderer's own gallium headers, which Mesa's virgl driver sends unchanged). Facts
//! only; no behaviour lives here.

/// `PIPE_BLENDFACTOR_*` (5 bits in a BLEND S2 word). 0x0b..=0x10 and 0x16 are unused.
pub mod blendfactor {
    pub const ONE: u8 = 0x01;
    pub const SRC_COLOR: u8 = 0x02;
    pub const SRC_ALPHA: u8 = 0x03;
    pub const DST_ALPHA: u8 = 0x04;
    pub const DST_COLOR: u8 = 0x05;
    pub const SRC_ALPHA_SATURATE: u8 = 0x06;
    pub const CONST_COLOR: u8 = 0x07;
    pub const CONST_ALPHA: u8 = 0x08;
    pub const SRC1_COLOR: u8 = 0x09;
    pub const SRC1_ALPHA: u8 = 0x0a;
    pub const ZERO: u8 = 0x11;
    pub const INV_SRC_COLOR: u8 = 0x12;
    pub const INV_SRC_ALPHA: u8 = 0x13;
    pub const INV_DST_ALPHA: u8 = 0x14;
    pub const INV_DST_COLOR: u8 = 0x15;
    pub const INV_CONST_COLOR: u8 = 0x17;
    pub const INV_CONST_ALPHA: u8 = 0x18;
    pub const INV_SRC1_COLOR: u8 = 0x19;
    pub const INV_SRC1_ALPHA: u8 = 0x1a;
}

/// `PIPE_BLEND_*` equations (3 bits; 5..=7 unused).
pub mod blend {
    pub const ADD: u8 = 0;
    pub const SUBTRACT: u8 = 1;
    pub const REVERSE_SUBTRACT: u8 = 2;
    pub const MIN: u8 = 3;
    pub const MAX: u8 = 4;
}

/// `PIPE_LOGICOP_*` (4 bits, all 16 used), numbered by truth table (not GL's order).
pub mod logicop {
    pub const CLEAR: u8 = 0;
    pub const NOR: u8 = 1;
    pub const AND_INVERTED: u8 = 2;
    pub const COPY_INVERTED: u8 = 3;
    pub const AND_REVERSE: u8 = 4;
    pub const INVERT: u8 = 5;
    pub const XOR: u8 = 6;
    pub const NAND: u8 = 7;
    pub const AND: u8 = 8;
    pub const EQUIV: u8 = 9;
    pub const NOOP: u8 = 10;
    pub const OR_INVERTED: u8 = 11;
    pub const COPY: u8 = 12;
    pub const OR_REVERSE: u8 = 13;
    pub const OR: u8 = 14;
    pub const SET: u8 = 15;
}

/// `PIPE_MASK_*` colour-mask bits.
pub mod mask {
    pub const R: u8 = 0x1;
    pub const G: u8 = 0x2;
    pub const B: u8 = 0x4;
    pub const A: u8 = 0x8;
}

/// `PIPE_FUNC_*` (3 bits, all 8 used): depth, stencil, alpha and shadow compare.
pub mod func {
    pub const NEVER: u8 = 0;
    pub const LESS: u8 = 1;
    pub const EQUAL: u8 = 2;
    pub const LEQUAL: u8 = 3;
    pub const GREATER: u8 = 4;
    pub const NOTEQUAL: u8 = 5;
    pub const GEQUAL: u8 = 6;
    pub const ALWAYS: u8 = 7;
}

/// `PIPE_STENCIL_OP_*` (3 bits, all 8 used).
pub mod stencil_op {
    pub const KEEP: u8 = 0;
    pub const ZERO: u8 = 1;
    pub const REPLACE: u8 = 2;
    pub const INCR: u8 = 3;
    pub const DECR: u8 = 4;
    pub const INCR_WRAP: u8 = 5;
    pub const DECR_WRAP: u8 = 6;
    pub const INVERT: u8 = 7;
}

/// `PIPE_POLYGON_MODE_*` (2 bits; 3 is not a mode virgl sends).
pub mod polygon_mode {
    pub const FILL: u8 = 0;
    pub const LINE: u8 = 1;
    pub const POINT: u8 = 2;
}

/// `PIPE_FACE_*` (2 bits).
pub mod face {
    pub const NONE: u8 = 0;
    pub const FRONT: u8 = 1;
    pub const BACK: u8 = 2;
    pub const FRONT_AND_BACK: u8 = 3;
}

/// `PIPE_TEX_WRAP_*` (3 bits, all 8 used).
pub mod wrap {
    pub const REPEAT: u8 = 0;
    pub const CLAMP: u8 = 1;
    pub const CLAMP_TO_EDGE: u8 = 2;
    pub const CLAMP_TO_BORDER: u8 = 3;
    pub const MIRROR_REPEAT: u8 = 4;
    pub const MIRROR_CLAMP: u8 = 5;
    pub const MIRROR_CLAMP_TO_EDGE: u8 = 6;
    pub const MIRROR_CLAMP_TO_BORDER: u8 = 7;
}

/// `PIPE_TEX_FILTER_*` (min/mag).
pub mod filter {
    pub const NEAREST: u8 = 0;
    pub const LINEAR: u8 = 1;
}

/// `PIPE_TEX_MIPFILTER_*`.
pub mod mipfilter {
    pub const NEAREST: u8 = 0;
    pub const LINEAR: u8 = 1;
    pub const NONE: u8 = 2;
}

/// `PIPE_SWIZZLE_*` (3 bits; 6 and 7 are not channels).
pub mod swizzle {
    pub const RED: u8 = 0;
    pub const GREEN: u8 = 1;
    pub const BLUE: u8 = 2;
    pub const ALPHA: u8 = 3;
    pub const ZERO: u8 = 4;
    pub const ONE: u8 = 5;
}

/// `PIPE_PRIM_*` (`PIPE_PRIM_MAX` = 15).
pub mod prim {
    pub const POINTS: u32 = 0;
    pub const LINES: u32 = 1;
    pub const LINE_LOOP: u32 = 2;
    pub const LINE_STRIP: u32 = 3;
    pub const TRIANGLES: u32 = 4;
    pub const TRIANGLE_STRIP: u32 = 5;
    pub const TRIANGLE_FAN: u32 = 6;
    pub const QUADS: u32 = 7;
    pub const QUAD_STRIP: u32 = 8;
    pub const POLYGON: u32 = 9;
    pub const LINES_ADJACENCY: u32 = 10;
    pub const LINE_STRIP_ADJACENCY: u32 = 11;
    pub const TRIANGLES_ADJACENCY: u32 = 12;
    pub const TRIANGLE_STRIP_ADJACENCY: u32 = 13;
    pub const PATCHES: u32 = 14;
    pub const MAX: u32 = 15;
}
