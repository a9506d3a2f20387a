//! The TGSI opcodes the parser knows, with their operand counts.

macro_rules! opcodes {
    ($($v:ident $name:literal $dst:literal $src:literal,)*) => {
        /// A TGSI opcode.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Opcode { $($v,)* }

        impl Opcode {
            /// The opcode for a name as TGSI text spells it.
            pub fn from_name(s: &str) -> Option<Opcode> {
                match s { $($name => Some(Opcode::$v),)* _ => None }
            }
            /// The TGSI name (for diagnostics and tests only; never emitted into GLSL).
            pub fn name(self) -> &'static str {
                match self { $(Opcode::$v => $name,)* }
            }
            /// Number of destination and source operands (samplers count as sources).
            pub fn operands(self) -> (usize, usize) {
                match self { $(Opcode::$v => ($dst, $src),)* }
            }
        }
    };
}

opcodes! {
    Arl "ARL" 1 1,
    Mov "MOV" 1 1,
    Lit "LIT" 1 1,
    Rcp "RCP" 1 1,
    Rsq "RSQ" 1 1,
    Exp "EXP" 1 1,
    Log "LOG" 1 1,
    Mul "MUL" 1 2,
    Add "ADD" 1 2,
    Dp3 "DP3" 1 2,
    Dp4 "DP4" 1 2,
    Dst "DST" 1 2,
    Min "MIN" 1 2,
    Max "MAX" 1 2,
    Slt "SLT" 1 2,
    Sge "SGE" 1 2,
    Mad "MAD" 1 3,
    Lrp "LRP" 1 3,
    Fma "FMA" 1 3,
    Sqrt "SQRT" 1 1,
    Frc "FRC" 1 1,
    Flr "FLR" 1 1,
    Round "ROUND" 1 1,
    Ex2 "EX2" 1 1,
    Lg2 "LG2" 1 1,
    Pow "POW" 1 2,
    Xpd "XPD" 1 2,
    Abs "ABS" 1 1,
    Dph "DPH" 1 2,
    Cos "COS" 1 1,
    Ddx "DDX" 1 1,
    Ddy "DDY" 1 1,
    DdxFine "DDX_FINE" 1 1,
    DdyFine "DDY_FINE" 1 1,
    Kill "KILL" 0 0,
    Seq "SEQ" 1 2,
    Sgt "SGT" 1 2,
    Sin "SIN" 1 1,
    Sle "SLE" 1 2,
    Sne "SNE" 1 2,
    Tex "TEX" 1 2,
    Txd "TXD" 1 4,
    Txp "TXP" 1 2,
    Txb "TXB" 1 2,
    Txl "TXL" 1 2,
    Tex2 "TEX2" 1 3,
    Txb2 "TXB2" 1 3,
    Txl2 "TXL2" 1 3,
    Txf "TXF" 1 2,
    Txq "TXQ" 1 2,
    Arr "ARR" 1 1,
    Cal "CAL" 0 0,
    Ret "RET" 0 0,
    Ssg "SSG" 1 1,
    Cmp "CMP" 1 3,
    Div "DIV" 1 2,
    Dp2 "DP2" 1 2,
    Brk "BRK" 0 0,
    If "IF" 0 1,
    Uif "UIF" 0 1,
    Else "ELSE" 0 0,
    Endif "ENDIF" 0 0,
    Ceil "CEIL" 1 1,
    Trunc "TRUNC" 1 1,
    I2f "I2F" 1 1,
    U2f "U2F" 1 1,
    F2i "F2I" 1 1,
    F2u "F2U" 1 1,
    Not "NOT" 1 1,
    Shl "SHL" 1 2,
    And "AND" 1 2,
    Or "OR" 1 2,
    Xor "XOR" 1 2,
    Mod "MOD" 1 2,
    Cont "CONT" 0 0,
    Emit "EMIT" 0 1,
    Endprim "ENDPRIM" 0 1,
    Bgnloop "BGNLOOP" 0 0,
    Endloop "ENDLOOP" 0 0,
    Bgnsub "BGNSUB" 0 0,
    Endsub "ENDSUB" 0 0,
    Nop "NOP" 0 0,
    Idiv "IDIV" 1 2,
    Imax "IMAX" 1 2,
    Imin "IMIN" 1 2,
    Ineg "INEG" 1 1,
    Iabs "IABS" 1 1,
    Issg "ISSG" 1 1,
    Isge "ISGE" 1 2,
    Islt "ISLT" 1 2,
    Ishr "ISHR" 1 2,
    Uadd "UADD" 1 2,
    Udiv "UDIV" 1 2,
    Umad "UMAD" 1 3,
    Umax "UMAX" 1 2,
    Umin "UMIN" 1 2,
    Umod "UMOD" 1 2,
    Umul "UMUL" 1 2,
    Useq "USEQ" 1 2,
    Usge "USGE" 1 2,
    Ushr "USHR" 1 2,
    Uslt "USLT" 1 2,
    Usne "USNE" 1 2,
    Fseq "FSEQ" 1 2,
    Fsge "FSGE" 1 2,
    Fslt "FSLT" 1 2,
    Fsne "FSNE" 1 2,
    Ucmp "UCMP" 1 3,
    KillIf "KILL_IF" 0 1,
    End "END" 0 0,
    Uarl "UARL" 1 1,
}
