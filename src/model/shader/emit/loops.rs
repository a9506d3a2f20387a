//! Loops whose end the translator proves from the TGSI alone, so that they run without
//! the loop budget.
//!
//! Every guest loop spends the invocation's [`LOOP_BUDGET`] and breaks when it is gone: a
//! guest shader must not hang the host's GL. That extra exit has a price on Mesa's
//! compilers: a counted loop (`for (i = 0; i < 32; i++)`, which Mesa's virgl driver sends as
//! a TEMP counter, an integer add and a compare-and-break) is unrolled by NIR all the same,
//! but with the budget's exit in every copy, nested 32 deep, and llvmpipe then spends
//! seconds per program in LLVM (`ext_transform_feedback-max-varyings`: 1012 shaders, 7×
//! slower than without the budget). Such a loop needs no budget when its trip count is
//! known, so this module looks for exactly that shape and proves the count:
//!
//! - at the loop's top level, a compare of the counter's component with an immediate
//!   (`ISGE ISLT USGE USLT FSGE FSLT` with `UIF`, `SGE SLT` with `IF`) followed by
//!   `IF c; BRK; ENDIF` on the compare's result;
//! - the counter is a plain temp (in no indirectly addressed array) whose component is
//!   written by one instruction of the whole loop body, at its top level: `UADD` (integer
//!   compares) or `ADD` (float compares) of itself and an immediate;
//! - no `CONT` of this loop (it could skip the add), no subroutine calls;
//! - in the straight-line code just before `BGNLOOP`, a `MOV` of an immediate into the
//!   counter's component.
//!
//! The counter's values are then simulated with the host's own arithmetic (wrapping
//! 32-bit integers; floats only while every value is an exact integer) until the compare
//! exits, for at most [`MAX_TRIP`] iterations. A loop inside a loop counts the product of
//! the trip counts, and all proven loops of a program together stay within
//! [`LOOP_BUDGET`] iterations per invocation — the same bound the budget gives; a loop
//! that does not fit, or any loop inside a budgeted one, keeps the budget.

use super::temps::Temps;
use super::*;

/// The most iterations one proven loop may have (longer loops keep the budget: the host
/// compiler does not unroll them anyway).
pub const MAX_TRIP: u32 = 1024;

/// For each instruction of `p`: true at the `BGNLOOP` of every loop proven to end within
/// its share of [`LOOP_BUDGET`] (see the module docs). Unbalanced loops prove nothing.
pub(super) fn proven(p: &Program, temps: &Temps) -> Vec<bool> {
    let insts = &p.instructions;
    let mut out = vec![false; insts.len()];
    if temps.whole {
        return out;
    }
    // (start, end, enclosing loop's position in `loops`), in program order.
    let mut loops: Vec<(usize, usize, Option<usize>)> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for (k, inst) in insts.iter().enumerate() {
        match inst.opcode {
            Opcode::Bgnloop => {
                loops.push((k, usize::MAX, open.last().copied()));
                open.push(loops.len() - 1);
            }
            Opcode::Endloop => match open.pop() {
                Some(l) => loops[l].1 = k,
                None => return out,
            },
            _ => {}
        }
    }
    if !open.is_empty() {
        return out;
    }
    // Each loop's proven trip count times those of the loops around it (None: budgeted).
    let mut weight: Vec<Option<u64>> = vec![None; loops.len()];
    let mut used: u64 = 0;
    for (l, &(start, end, parent)) in loops.iter().enumerate() {
        let outer = match parent {
            None => 1,
            Some(q) => match weight[q] {
                Some(w) => w,
                None => continue,
            },
        };
        let Some(trip) = trip_count(p, temps, start, end) else { continue };
        let w = outer.saturating_mul(u64::from(trip));
        if used.saturating_add(w) > u64::from(LOOP_BUDGET) {
            continue;
        }
        used += w;
        weight[l] = Some(w);
        out[start] = true;
    }
    out
}

/// Control flow: nothing moves across these when looking for the counter's start value.
fn is_control(op: Opcode) -> bool {
    use Opcode::*;
    matches!(
        op,
        If | Uif
            | Else
            | Endif
            | Bgnloop
            | Endloop
            | Brk
            | Cont
            | Cal
            | Ret
            | Bgnsub
            | Endsub
            | End
    )
}

/// How the exit compare reads its operands.
#[derive(Clone, Copy)]
enum Arith {
    Signed,
    Unsigned,
    Float,
}

/// A plain temp register `TEMP[r]` (direct, one dimension), not in an indirect array.
fn plain_temp(temps: &Temps, reg: &Register) -> Option<u32> {
    match (reg.file, reg.index, reg.dim) {
        (File::Temp, Index::Direct(r), None) if temps.array_of(r).is_none() => Some(r),
        _ => None,
    }
}

/// The value of an immediate source's component `c`.
fn immediate(p: &Program, s: &Src, c: usize) -> Option<u32> {
    match (s.reg.file, s.reg.index, s.reg.dim, s.negate, s.abs) {
        (File::Immediate, Index::Direct(i), None, false, false) => {
            Some(p.immediates.get(i as usize)?.bits[usize::from(s.swizzle[c] & 3)])
        }
        _ => None,
    }
}

/// Whether source `s` reads component `cc` of plain temp `r` for destination channel `c`.
fn reads_counter(temps: &Temps, s: &Src, c: usize, r: u32, cc: u8) -> bool {
    !s.negate && !s.abs && plain_temp(temps, &s.reg) == Some(r) && s.swizzle[c] & 3 == cc
}

/// Whether `inst` writes component `cc` of temp `r`.
fn writes(inst: &Instruction, r: u32, cc: u8) -> bool {
    inst.dst.iter().any(|d| {
        d.reg.file == File::Temp && d.reg.index == Index::Direct(r) && d.mask & (1 << cc) != 0
    })
}

/// The trip count (iterations of the body, at most [`MAX_TRIP`]) of the loop from
/// `BGNLOOP` at `start` to `ENDLOOP` at `end`, when the module docs' shape proves it.
fn trip_count(p: &Program, temps: &Temps, start: usize, end: usize) -> Option<u32> {
    let insts = &p.instructions;
    let body = insts.get(start + 1..end)?;
    // Which body instructions are at the loop's top level; no CONT of this loop.
    let mut top = Vec::with_capacity(body.len());
    let (mut depth, mut inner_loops) = (0usize, 0usize);
    for inst in body {
        top.push(depth == 0);
        match inst.opcode {
            Opcode::Bgnloop => {
                depth += 1;
                inner_loops += 1;
            }
            Opcode::Endloop => {
                depth = depth.checked_sub(1)?;
                inner_loops = inner_loops.checked_sub(1)?;
            }
            Opcode::If | Opcode::Uif => depth += 1,
            Opcode::Endif => depth = depth.checked_sub(1)?,
            Opcode::Cont if inner_loops == 0 => return None,
            Opcode::Cal | Opcode::Bgnsub | Opcode::Endsub => return None,
            _ => {}
        }
    }
    // The first exit of the shape that proves a count.
    (0..body.len()).find_map(|k| {
        let [cmp, cond, brk, endif] = body.get(k..k + 4)? else { return None };
        if !top[k] || brk.opcode != Opcode::Brk || endif.opcode != Opcode::Endif {
            return None;
        }
        exit_trip(p, temps, body, &top, start, k, [cmp, cond])
    })
}

/// The trip count that the exit `cmp; IF/UIF cond` proves, if it does.
fn exit_trip(
    p: &Program,
    temps: &Temps,
    body: &[Instruction],
    top: &[bool],
    start: usize,
    at: usize,
    [cmp, cond]: [&Instruction; 2],
) -> Option<u32> {
    use Opcode::*;
    let (arith, exits_when_ge) = match (cmp.opcode, cond.opcode) {
        (Isge, Uif) => (Arith::Signed, true),
        (Islt, Uif) => (Arith::Signed, false),
        (Usge, Uif) => (Arith::Unsigned, true),
        (Uslt, Uif) => (Arith::Unsigned, false),
        (Fsge, Uif) | (Sge, If) => (Arith::Float, true),
        (Fslt, Uif) | (Slt, If) => (Arith::Float, false),
        _ => return None,
    };
    if cmp.saturate || cmp.dst.len() != 1 || cmp.src.len() != 2 || cond.src.len() != 1 {
        return None;
    }
    // The IF reads component `ch` of the compare's result.
    let (d, c) = (&cmp.dst[0], &cond.src[0]);
    let res = plain_temp(temps, &d.reg)?;
    if c.negate || c.abs || plain_temp(temps, &c.reg) != Some(res) {
        return None;
    }
    let ch = usize::from(c.swizzle[0] & 3);
    if d.mask & (1 << ch) == 0 {
        return None;
    }
    // One side the counter, the other an immediate.
    let (counter_side, bound) = if let Some(b) = immediate(p, &cmp.src[1], ch) {
        (0, b)
    } else {
        (1, immediate(p, &cmp.src[0], ch)?)
    };
    let cs = &cmp.src[counter_side];
    let r = plain_temp(temps, &cs.reg)?;
    if cs.negate || cs.abs {
        return None;
    }
    let cc = cs.swizzle[ch] & 3;
    // The counter's one writer in the body: `counter = counter + step` at the top level.
    let mut writers = body.iter().enumerate().filter(|(_, i)| writes(i, r, cc));
    let (w, add) = writers.next()?;
    if writers.next().is_some() || !top[w] || add.saturate || add.dst.len() != 1 {
        return None;
    }
    let want = match arith {
        Arith::Float => Add,
        _ => Uadd,
    };
    if add.opcode != want || add.src.len() != 2 {
        return None;
    }
    let ac = usize::from(cc);
    let step = if reads_counter(temps, &add.src[0], ac, r, cc) {
        immediate(p, &add.src[1], ac)?
    } else if reads_counter(temps, &add.src[1], ac, r, cc) {
        immediate(p, &add.src[0], ac)?
    } else {
        return None;
    };
    let init = start_value(p, start, r, cc)?;
    // The compare reads `counter OP bound` or `bound OP counter`.
    let exits = |v: u32| -> Option<bool> {
        let (a, b) = if counter_side == 0 { (v, bound) } else { (bound, v) };
        let ge = match arith {
            Arith::Signed => (a as i32) >= (b as i32),
            Arith::Unsigned => a >= b,
            Arith::Float => {
                let (a, b) = (exact(a)?, exact(b)?);
                a >= b
            }
        };
        Some(ge == exits_when_ge)
    };
    let next = |v: u32| -> Option<u32> {
        match arith {
            Arith::Float => {
                let s = exact(step)?;
                let n = exact(v)? + s;
                (n.abs() <= EXACT).then(|| n.to_bits())
            }
            _ => Some(v.wrapping_add(step)),
        }
    };
    // Both run once per iteration, in body order: iteration n compares the counter after
    // n adds, or after n + 1 when the add comes first.
    let mut v = init;
    if w < at {
        v = next(v)?;
    }
    for n in 0..MAX_TRIP {
        if exits(v)? {
            return Some(n + 1);
        }
        v = next(v)?;
    }
    None
}

/// Floats count exactly up to here (the simulation gives up beyond).
const EXACT: f32 = 16_777_216.0;

/// `bits` as a float that is an integer of magnitude at most [`EXACT`] (and not -0.0).
fn exact(bits: u32) -> Option<f32> {
    let f = f32::from_bits(bits);
    (f.is_finite() && f.fract() == 0.0 && f.abs() <= EXACT && bits != 0x8000_0000).then_some(f)
}

/// The immediate that the straight-line code before `BGNLOOP` at `start` moves into
/// component `cc` of temp `r` last.
fn start_value(p: &Program, start: usize, r: u32, cc: u8) -> Option<u32> {
    for inst in p.instructions.get(..start)?.iter().rev() {
        if is_control(inst.opcode) {
            return None;
        }
        if writes(inst, r, cc) {
            if inst.opcode != Opcode::Mov || inst.saturate || inst.src.len() != 1 {
                return None;
            }
            return immediate(p, &inst.src[0], usize::from(cc));
        }
    }
    None
}
