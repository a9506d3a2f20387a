//! Translated programs on the host's GL: the level-2 fixes (piglit's level-2 list against
//! upstream).
//!
//! EGL must work; set `VIRGL_SHIM_SKIP_GL=1` to skip instead of failing.

mod shader_gl;

use shader_gl::*;

/// Ordered comparisons with a NaN operand are false (piglit's
/// vs-isnan-and-more-comparison: `!isnan(b) && a < b && a < c` with b = 0/0, which the
/// guest's compiler folded to `a < b && a < c`).
#[test]
fn comparisons_with_nan_are_false() {
    let Some(gl) = gl_or_skip() else { return };
    let vs = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\n\
        DCL CONST[0..3]\nDCL TEMP[0..4]\nIMM[0] UINT32 {1065353216, 0, 0, 0}\n\
        0: DIV TEMP[0].x, CONST[0].xxxx, CONST[1].xxxx\n\
        1: FSLT TEMP[1].x, CONST[2].xxxx, CONST[3].xxxx\n\
        2: FSLT TEMP[2].x, CONST[2].xxxx, TEMP[0].xxxx\n\
        3: AND TEMP[3].x, TEMP[2].xxxx, TEMP[1].xxxx\n\
        4: UCMP TEMP[4], TEMP[3].xxxx, IMM[0].xyyx, IMM[0].yxyx\n\
        5: MOV OUT[1], TEMP[4]\n6: MOV OUT[0], IN[0]\n7: END\n";
    let fs = "FRAG\nDCL IN[0], GENERIC[0], CONSTANT\nDCL OUT[0], COLOR\n\
        0: MOV OUT[0], IN[0]\n1: END\n";
    let consts = [
        f4([0.0, 0.0, 0.0, 0.0]),
        f4([0.0, 0.0, 0.0, 0.0]),
        f4([-99999.0, 0.0, 0.0, 0.0]),
        f4([99999.0, 0.0, 0.0, 0.0]),
    ];
    let got = gl.render(&Draw { vs, vs_consts: &consts, ..draw(fs) });
    assert_eq!(got, [0.0, 1.0, 0.0, 1.0]);
}
