//! Where TEMP registers live in GLSL.
//!
//! Each temp is its own `vec4 t{i}`, except the `ARRAY(n)` declarations that some
//! instruction addresses indirectly (`TEMP[ADDR[0].x+k](n)`): each of those is one GLSL
//! array `ta{first}[len]`, indexed relative to its first register and clamped to it.
//! Only when an indirect access names no array (or one that is not a TEMP declaration,
//! or arrays overlap) do all temps share one array `t[]`.
//!
//! Keeping the other temps out of the arrays matters for the host compiler: a variable
//! inside an indirectly indexed array is kept in memory, and llvmpipe (Mesa 25) runs a
//! geometry shader whose loop counter lives there wrongly (its EMIT loop emits nothing).

use super::*;

/// The TEMP layout of one program.
pub(super) struct Temps {
    /// One past the highest declared TEMP.
    pub count: u32,
    /// All temps are one array `t[count]`.
    pub whole: bool,
    /// The indirectly addressed arrays as `(first, last, array id)`: sorted by `first`,
    /// disjoint (empty when `whole`).
    pub arrays: Vec<(u32, u32, u32)>,
}

impl Temps {
    /// Plans the layout from the declarations and the indirect accesses.
    pub fn plan(p: &Program) -> Temps {
        let count = p
            .declarations
            .iter()
            .filter(|d| d.file == File::Temp)
            .map(|d| d.last.saturating_add(1))
            .max()
            .unwrap_or(0);
        let mut whole = false;
        let mut arrays: Vec<(u32, u32, u32)> = Vec::new();
        let indirect = p
            .instructions
            .iter()
            .flat_map(registers)
            .filter(|r| r.file == File::Temp && matches!(r.index, Index::Indirect { .. }));
        for r in indirect {
            if arrays.iter().any(|a| a.2 == r.array_id && r.array_id != 0) {
                continue;
            }
            let decl = p.declarations.iter().find(|d| {
                d.file == File::Temp && r.array_id != 0 && d.array_id == Some(r.array_id)
            });
            match decl {
                Some(d) if d.first <= d.last => arrays.push((d.first, d.last, r.array_id)),
                _ => whole = true,
            }
        }
        arrays.sort_unstable();
        if arrays.windows(2).any(|w| w[1].0 <= w[0].1) {
            whole = true;
        }
        if whole {
            arrays.clear();
        }
        Temps { count, whole, arrays }
    }

    /// The array holding temp `index`, if any: `(first, last)`.
    pub fn array_of(&self, index: u32) -> Option<(u32, u32)> {
        let k = self.arrays.partition_point(|a| a.0 <= index);
        let a = self.arrays.get(k.checked_sub(1)?)?;
        (index <= a.1).then_some((a.0, a.1))
    }

    /// The array with id `id`: `(first, last)`.
    fn array_by_id(&self, id: u32) -> Option<(u32, u32)> {
        self.arrays.iter().find(|a| a.2 == id).map(|a| (a.0, a.1))
    }

    /// The globals: one line per variable.
    pub fn declare(&self, w: &mut String) {
        self.each(w, |w, v| {
            let _ = match v {
                Var::Whole(n) => writeln!(w, "vec4 t[{n}];"),
                Var::Array(first, n) => writeln!(w, "vec4 ta{first}[{n}];"),
                Var::One(i) => writeln!(w, "vec4 t{i};"),
            };
        });
    }

    /// `main`'s first lines: every temp starts at zero.
    pub fn zero(&self, w: &mut String) {
        self.each(w, |w, v| {
            let _ = match v {
                Var::Whole(n) => writeln!(w, "    for (int i = 0; i < {n}; i++) t[i] = vec4(0.0);"),
                Var::Array(first, n) => {
                    writeln!(w, "    for (int i = 0; i < {n}; i++) ta{first}[i] = vec4(0.0);")
                }
                Var::One(i) => writeln!(w, "    t{i} = vec4(0.0);"),
            };
        });
    }

    fn each(&self, w: &mut String, mut f: impl FnMut(&mut String, Var)) {
        if self.count == 0 {
            return;
        }
        if self.whole {
            return f(w, Var::Whole(self.count));
        }
        let mut i = 0;
        while i < self.count {
            match self.array_of(i) {
                Some((first, last)) => {
                    f(w, Var::Array(first, last - first + 1));
                    i = last.saturating_add(1);
                }
                None => {
                    f(w, Var::One(i));
                    i += 1;
                }
            }
        }
    }
}

enum Var {
    Whole(u32),
    Array(u32, u32),
    One(u32),
}

impl<'a> Emitter<'a> {
    /// The vec4 lvalue/rvalue of a TEMP register.
    pub(super) fn temp_reg(&self, r: &Register, line: u32) -> Result<String> {
        let t = &self.temps;
        if t.whole {
            return Ok(format!("t[{}]", self.indirect(r.index, t.count, line)?));
        }
        match r.index {
            Index::Direct(i) if i >= t.count => Err(invalid(line, "TEMP not declared")),
            Index::Direct(i) => Ok(match t.array_of(i) {
                Some((first, _)) => format!("ta{first}[{}]", i - first),
                None => format!("t{i}"),
            }),
            Index::Indirect { file, reg, component, offset } => {
                let Some((first, last)) = t.array_by_id(r.array_id) else {
                    // The plan put every indirectly addressed array in `arrays`.
                    return Err(invalid(line, "indirect TEMP outside a temp array"));
                };
                let offset = i64::from(offset) - i64::from(first);
                let Ok(offset) = i32::try_from(offset) else {
                    return Err(invalid(line, "TEMP array offset out of range"));
                };
                let idx = Index::Indirect { file, reg, component, offset };
                Ok(format!("ta{first}[{}]", self.indirect(idx, last - first + 1, line)?))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::shader::{parse, translate, VariantKey};

    /// A vertex program with `decls` and `body` (numbered from 0) before END.
    fn vert(decls: &str, body: &[&str]) -> String {
        let mut s = format!("VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n{decls}DCL ADDR[0]\n");
        for (i, l) in body.iter().enumerate() {
            s.push_str(&format!("{i}: {l}\n"));
        }
        s + &format!("{}: END\n", body.len())
    }

    fn glsl(text: &str) -> String {
        translate(text, &VariantKey { integers: true, ..Default::default() }).unwrap()
    }

    #[test]
    fn indirect_arrays_are_their_own_arrays() {
        let text = vert(
            "DCL TEMP[0..1]\nDCL TEMP[2..4], ARRAY(1), LOCAL\nDCL TEMP[5..6], ARRAY(2), LOCAL\n\
             DCL TEMP[7]\n",
            &[
                "UARL ADDR[0].x, IN[0].xxxx",
                "MOV TEMP[ADDR[0].x+3](1), IN[0]",
                "MOV TEMP[6], TEMP[ADDR[0].x+2](1)",
                "MOV TEMP[7], TEMP[5]",
                "ADD OUT[0], TEMP[7], TEMP[ADDR[0].x-4](1)",
            ],
        );
        let g = glsl(&text);
        // ARRAY(1) is TEMP[2..4]: indices are relative to TEMP[2] and clamped to 3
        // entries; ARRAY(2) is only addressed directly, so its temps stay variables.
        for want in [
            "vec4 t0;\nvec4 t1;\nvec4 ta2[3];\nvec4 t5;\nvec4 t6;\nvec4 t7;\n",
            "for (int i = 0; i < 3; i++) ta2[i] = vec4(0.0);",
            "ta2[clamp(a0.x + 1, 0, 2)] = in_0;",
            "t6 = ta2[clamp(a0.x + 0, 0, 2)];",
            "t7 = t5;",
            "o0 = t7 + ta2[clamp(a0.x + -6, 0, 2)];",
        ] {
            assert!(g.contains(want), "{want}\n{g}");
        }
        assert!(!g.contains("vec4 t["), "{g}");
        // A direct access inside an indirectly addressed array goes through it.
        let text = vert(
            "DCL TEMP[0..3], ARRAY(1)\n",
            &["UARL ADDR[0].x, IN[0].xxxx", "MOV TEMP[2], IN[0]", "MOV OUT[0], TEMP[ADDR[0].x](1)"],
        );
        let g = glsl(&text);
        assert!(
            g.contains("ta0[2] = in_0;") && g.contains("o0 = ta0[clamp(a0.x + 0, 0, 3)];"),
            "{g}"
        );
    }

    #[test]
    fn unnamed_or_unknown_arrays_put_every_temp_in_one_array() {
        let cases = [
            // No array id on the access.
            ("DCL TEMP[0..3], ARRAY(1)\nDCL TEMP[4]\n", "MOV TEMP[4], TEMP[ADDR[0].x]"),
            // An id no TEMP declaration has.
            ("DCL TEMP[0..3], ARRAY(1)\nDCL TEMP[4]\n", "MOV TEMP[4], TEMP[ADDR[0].x](2)"),
        ];
        for (decls, access) in cases {
            let g =
                glsl(&vert(decls, &["UARL ADDR[0].x, IN[0].xxxx", access, "MOV OUT[0], TEMP[4]"]));
            assert!(
                g.contains("vec4 t[5];") && g.contains("t[4] = t[clamp(a0.x + 0, 0, 4)];"),
                "{g}"
            );
        }
        // Overlapping arrays.
        let text = vert(
            "DCL TEMP[0..3], ARRAY(1)\nDCL TEMP[2..5], ARRAY(2)\n",
            &[
                "UARL ADDR[0].x, IN[0].xxxx",
                "MOV TEMP[1], TEMP[ADDR[0].x](1)",
                "MOV OUT[0], TEMP[ADDR[0].x+2](2)",
            ],
        );
        let g = glsl(&text);
        assert!(g.contains("vec4 t[6];") && g.contains("o0 = t[clamp(a0.x + 2, 0, 5)];"), "{g}");
    }

    #[test]
    fn layout_lookup() {
        let text = vert(
            "DCL TEMP[0..1], ARRAY(3)\nDCL TEMP[4..6], ARRAY(1)\nDCL TEMP[8]\n",
            &["MOV TEMP[0], TEMP[ADDR[0].x](3)", "MOV TEMP[8], TEMP[ADDR[0].x+4](1)"],
        );
        let t = super::Temps::plan(&parse(&text).unwrap());
        assert_eq!((t.count, t.whole), (9, false));
        assert_eq!(t.arrays, vec![(0, 1, 3), (4, 6, 1)]);
        let got: Vec<_> = (0..10).map(|i| t.array_of(i)).collect();
        let (a, b) = (Some((0, 1)), Some((4, 6)));
        assert_eq!(got, vec![a, a, None, None, b, b, b, None, None, None]);
    }
}
