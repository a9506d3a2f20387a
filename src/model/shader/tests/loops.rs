//! Loops that run without the budget: only those whose trip count is proven (emit/loops.rs).

use super::*;

/// A fragment shader around `body`; IMM[0] = INT32 {0, 1, 32, -1}, IMM[1] = FLT32
/// {0.0, 1.0, 8.0, 5000.0}, IMM[2] = INT32 {1023, 1025, 70, 2000}.
fn shader(body: &str) -> String {
    format!(
        "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL TEMP[0..4]\n\
         DCL TEMP[5..8], ARRAY(1)\nDCL ADDR[0]\n\
         IMM[0] INT32 {{0, 1, 32, -1}}\nIMM[1] FLT32 {{0.0000, 1.0000, 8.0000, 5000.0000}}\n\
         IMM[2] INT32 {{1023, 1025, 70, 2000}}\n\
         {body}\n  98: MOV OUT[0], TEMP[0]\n  99: END\n"
    )
}

/// The counted loop Mesa's virgl driver sends for `for (i = 0; i < 32; i++)`, with
/// `pre` before `BGNLOOP`, `add` as the counter's step and `cmp` as the exit test.
fn counted(pre: &str, add: &str, cmp: &str) -> String {
    shader(&format!(
        "  0: MOV TEMP[0], IN[0]\n  1: {pre}\n  2: BGNLOOP\n  3: {cmp}\n  4: UIF TEMP[2].xxxx\n\
         5: BRK\n  6: ENDIF\n  7: ADD TEMP[0], TEMP[0], IN[0]\n  8: {add}\n  9: ENDLOOP"
    ))
}

fn budgeted_loops(text: &str) -> usize {
    let g = emit_text(text, &VariantKey::default()).unwrap();
    let n = g.matches("if (loop_budget < 0) break;").count();
    assert_eq!(n > 0, g.contains("uniform int loop_budget_bias;"), "{g}");
    assert_eq!(g.matches("while (true) {").count(), g.matches("while (true)").count());
    n
}

const INIT: &str = "MOV TEMP[1].x, IMM[0].xxxx";
const STEP: &str = "UADD TEMP[1].x, TEMP[1].xxxx, IMM[0].yyyy";
const EXIT: &str = "ISGE TEMP[2].x, TEMP[1].xxxx, IMM[0].zzzz";

#[test]
fn a_counted_loop_runs_without_the_budget() {
    let t = counted(INIT, STEP, EXIT);
    assert_eq!(budgeted_loops(&t), 0);
    let g = emit_text(&t, &VariantKey::default()).unwrap();
    assert!(!g.contains("loop_budget"), "{g}");
    // The same with the compare after the add, with the bound first (ISLT 32 > i is
    // false), unsigned, and counting down.
    let after = shader(&format!(
        "  0: {INIT}\n  1: BGNLOOP\n  2: {STEP}\n  3: {EXIT}\n  4: UIF TEMP[2].xxxx\n\
         5: BRK\n  6: ENDIF\n  7: ENDLOOP"
    ));
    assert_eq!(budgeted_loops(&after), 0);
    let swapped = counted(INIT, STEP, "ISLT TEMP[2].x, IMM[0].zzzz, TEMP[1].xxxx");
    // 32 < i exits at i = 33: still proven.
    assert_eq!(budgeted_loops(&swapped), 0);
    let unsigned = counted(INIT, STEP, "USGE TEMP[2].x, TEMP[1].xxxx, IMM[0].zzzz");
    assert_eq!(budgeted_loops(&unsigned), 0);
    let down = counted(
        "MOV TEMP[1].x, IMM[0].zzzz",
        "UADD TEMP[1].x, TEMP[1].xxxx, IMM[0].wwww",
        "ISLT TEMP[2].x, TEMP[1].xxxx, IMM[0].xxxx",
    );
    assert_eq!(budgeted_loops(&down), 0);
    // Float counters (GLSL 1.20 guests): ADD / SGE / IF.
    let float = shader(
        "  0: MOV TEMP[1].x, IMM[1].xxxx\n  1: BGNLOOP\n  2: SGE TEMP[2].x, TEMP[1].xxxx, IMM[1].zzzz\n\
         3: IF TEMP[2].xxxx\n  4: BRK\n  5: ENDIF\n  6: ADD TEMP[1].x, TEMP[1].xxxx, IMM[1].yyyy\n\
         7: ENDLOOP",
    );
    assert_eq!(budgeted_loops(&float), 0);
}

#[test]
fn loops_without_a_proof_keep_the_budget() {
    // No start value: control flow before BGNLOOP, or no MOV of an immediate.
    let t = counted("MOV TEMP[1].x, IN[0].xxxx", STEP, EXIT);
    assert_eq!(budgeted_loops(&t), 1);
    let t = shader(&format!(
        "  0: {INIT}\n  1: IF IN[0].xxxx\n  2: ENDIF\n  3: BGNLOOP\n  4: {EXIT}\n  5: UIF TEMP[2].xxxx\n\
         6: BRK\n  7: ENDIF\n  8: {STEP}\n  9: ENDLOOP"
    ));
    assert_eq!(budgeted_loops(&t), 1);
    // Counting away from the bound: i = 0; i >= 32 never holds until i wraps.
    let t = counted(INIT, "UADD TEMP[1].x, TEMP[1].xxxx, IMM[0].wwww", EXIT);
    assert_eq!(budgeted_loops(&t), 1);
    // The compare after the add sees the counter once added: i = 0, i += -1, exit on
    // i >= 0 holds at the start only.
    let t = shader(&format!(
        "  0: {INIT}\n  1: BGNLOOP\n  2: UADD TEMP[1].x, TEMP[1].xxxx, IMM[0].wwww\n\
         3: ISGE TEMP[2].x, TEMP[1].xxxx, IMM[0].xxxx\n  4: UIF TEMP[2].xxxx\n  5: BRK\n\
         6: ENDIF\n  7: ENDLOOP"
    ));
    assert_eq!(budgeted_loops(&t), 1);
    // A second write of the counter, the add under an IF, a CONT of the loop.
    let t = shader(&format!(
        "  0: {INIT}\n  1: BGNLOOP\n  2: {EXIT}\n  3: UIF TEMP[2].xxxx\n  4: BRK\n  5: ENDIF\n\
         6: {STEP}\n  7: MOV TEMP[1].x, IMM[0].xxxx\n  8: ENDLOOP"
    ));
    assert_eq!(budgeted_loops(&t), 1);
    let t = shader(&format!(
        "  0: {INIT}\n  1: BGNLOOP\n  2: {EXIT}\n  3: UIF TEMP[2].xxxx\n  4: BRK\n  5: ENDIF\n\
         6: IF IN[0].xxxx\n  7: {STEP}\n  8: ENDIF\n  9: ENDLOOP"
    ));
    assert_eq!(budgeted_loops(&t), 1);
    let t = shader(&format!(
        "  0: {INIT}\n  1: BGNLOOP\n  2: {EXIT}\n  3: UIF TEMP[2].xxxx\n  4: BRK\n  5: ENDIF\n\
         6: {STEP}\n  7: IF IN[0].xxxx\n  8: CONT\n  9: ENDIF\n 10: ENDLOOP"
    ));
    assert_eq!(budgeted_loops(&t), 1);
    // The compare's result read from another component, or through IF (a float test).
    let t = counted(INIT, STEP, "ISGE TEMP[2].y, TEMP[1].xxxx, IMM[0].zzzz");
    assert_eq!(budgeted_loops(&t), 1);
    let t = shader(&format!(
        "  0: {INIT}\n  1: BGNLOOP\n  2: {EXIT}\n  3: IF TEMP[2].xxxx\n  4: BRK\n  5: ENDIF\n\
         6: {STEP}\n  7: ENDLOOP"
    ));
    assert_eq!(budgeted_loops(&t), 1);
    // More than MAX_TRIP iterations (2000).
    let t = counted(INIT, STEP, "ISGE TEMP[2].x, TEMP[1].xxxx, IMM[2].wwww");
    assert_eq!(budgeted_loops(&t), 1);
    // A counter in an indirectly addressed array.
    let t = shader(
        "  0: UARL ADDR[0].x, IN[0].xxxx\n  1: MOV TEMP[ADDR[0].x+5](1), IN[0]\n\
         2: MOV TEMP[5].x, IMM[0].xxxx\n  3: BGNLOOP\n  4: ISGE TEMP[2].x, TEMP[5].xxxx, IMM[0].zzzz\n\
         5: UIF TEMP[2].xxxx\n  6: BRK\n  7: ENDIF\n  8: UADD TEMP[5].x, TEMP[5].xxxx, IMM[0].yyyy\n\
         9: ENDLOOP",
    );
    assert_eq!(budgeted_loops(&t), 1);
    // Float counters beyond exact integers.
    let t = shader(
        "  0: MOV TEMP[1].x, IMM[1].yyyy\n  1: BGNLOOP\n  2: SGE TEMP[2].x, TEMP[1].xxxx, IMM[1].zzzz\n\
         3: IF TEMP[2].xxxx\n  4: BRK\n  5: ENDIF\n  6: ADD TEMP[1].x, TEMP[1].xxxx, IMM[0].yyyy\n\
         7: ENDLOOP",
    );
    assert_eq!(budgeted_loops(&t), 1);
}

/// `n` counted loops in a row, each of 1024 iterations (1023 adds; IMM[2].x = 1023).
fn in_a_row(n: usize) -> String {
    let mut body = String::from("  0: MOV TEMP[0], IN[0]\n");
    for _ in 0..n {
        body += &format!(
            "  1: {INIT}\n  2: BGNLOOP\n  3: ISGE TEMP[2].x, TEMP[1].xxxx, IMM[2].xxxx\n\
             4: UIF TEMP[2].xxxx\n  5: BRK\n  6: ENDIF\n  7: {STEP}\n  8: ENDLOOP\n"
        );
    }
    shader(&body)
}

#[test]
fn proven_loops_together_stay_within_the_budget() {
    // 1024 iterations each (MAX_TRIP): 64 fit in 65536, the 65th does not.
    assert_eq!(budgeted_loops(&in_a_row(64)), 0);
    assert_eq!(budgeted_loops(&in_a_row(65)), 1);
    assert_eq!(budgeted_loops(&in_a_row(70)), 6);
    // Nested: the inner loop counts 33 × 33; inside a budgeted loop it keeps the budget.
    let inner =
        "  4: MOV TEMP[3].x, IMM[0].xxxx\n  5: BGNLOOP\n  6: ISGE TEMP[4].x, TEMP[3].xxxx, IMM[0].zzzz\n\
         7: UIF TEMP[4].xxxx\n  8: BRK\n  9: ENDIF\n 10: UADD TEMP[3].x, TEMP[3].xxxx, IMM[0].yyyy\n\
         11: ENDLOOP\n";
    let nested = shader(&format!(
        "  0: {INIT}\n  1: BGNLOOP\n  2: {EXIT}\n  3: UIF TEMP[2].xxxx\n  3: BRK\n  3: ENDIF\n\
         {inner} 12: {STEP}\n 13: ENDLOOP"
    ));
    assert_eq!(budgeted_loops(&nested), 0);
    let outer_unproven = shader(&format!(
        "  0: MOV TEMP[1].x, IN[0].xxxx\n  1: BGNLOOP\n  2: {EXIT}\n  3: UIF TEMP[2].xxxx\n\
         3: BRK\n  3: ENDIF\n{inner} 12: {STEP}\n 13: ENDLOOP"
    ));
    assert_eq!(budgeted_loops(&outer_unproven), 2);
}
