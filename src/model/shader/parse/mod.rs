//! The TGSI text parser: one pass over the lines, bounded by the text length and the
//! [`LIMITS`]; every failure is a [`ParseError`] naming the line and column.
//!
//! Syntax accepted (as Mesa's text dumper writes it):
//! ```text
//! FRAG
//! PROPERTY FS_COORD_ORIGIN LOWER_LEFT
//! DCL IN[0].xy, GENERIC[0], PERSPECTIVE
//! DCL CONST[1][0..5]
//! DCL SVIEW[0], 2D, FLOAT
//! DCL TEMP[0..3], ARRAY(1), LOCAL
//! IMM[0] FLT32 {0x3f800000, 0.5000, 0.0000, 1.0000}
//!   0: MAD_SAT TEMP[0].xy, -|IN[0].xyyy|, CONST[ADDR[0].x+3], IMM[0].xxxx
//!   1: IF TEMP[0].xxxx :3
//!   2: END
//! ```
//!
//! Files: `limits` (the [`LIMITS`] and [`ParseError`]), `lexer` (the cursor over a line
//! and the token tables), `declarations` (DCL, IMM, PROPERTY), `operands` (registers,
//! operands, instructions); the line loop and block nesting are here.

use super::ir::*;
use super::opcode::Opcode;
use std::fmt;

mod declarations;
mod lexer;
mod limits;
mod operands;

pub use limits::{ErrorKind, Limits, ParseError, LIMITS};

use lexer::*;

type Result<T> = std::result::Result<T, ParseError>;

/// A cursor over one line.
struct Cur<'a> {
    s: &'a [u8],
    pos: usize,
    line: u32,
}

struct Parser<'a> {
    cur: Cur<'a>,
}

/// What a control-flow block was opened by.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Block {
    If { seen_else: bool },
    Loop,
    Sub,
}

/// Parses TGSI text into a [`Program`]. Text after a NUL byte is ignored (the command
/// stream pads strings with zeros).
pub fn parse(text: &str) -> std::result::Result<Program, ParseError> {
    if text.len() > LIMITS.text {
        return Err(ParseError { line: 0, column: 0, kind: ErrorKind::TextTooLarge });
    }
    let text = match text.find('\0') {
        Some(n) => &text[..n],
        None => text,
    };
    let mut processor = None;
    let mut prog = Program {
        processor: Processor::Vertex,
        properties: Vec::new(),
        declarations: Vec::new(),
        immediates: Vec::new(),
        instructions: Vec::new(),
    };
    let mut stack: Vec<Block> = Vec::new();
    let mut ended = false;
    let mut last_line = 0;
    for (n, line) in text.split('\n').enumerate() {
        let lineno = u32::try_from(n + 1).unwrap_or(u32::MAX);
        last_line = lineno;
        let mut p = Parser { cur: Cur { s: line.as_bytes(), pos: 0, line: lineno } };
        if p.cur.at_end() {
            continue;
        }
        if ended {
            return Err(p.err(ErrorKind::TrailingText));
        }
        if processor.is_none() {
            let at = p.cur.pos;
            let kind = match p.cur.ident() {
                Some("VERT") => Processor::Vertex,
                Some("FRAG") => Processor::Fragment,
                Some("GEOM") => Processor::Geometry,
                Some("TESS_CTRL") => Processor::TessCtrl,
                Some("TESS_EVAL") => Processor::TessEval,
                Some("COMP") => Processor::Compute,
                _ => {
                    p.cur.pos = at;
                    p.cur.ws();
                    return Err(p.err(ErrorKind::MissingHeader));
                }
            };
            if !p.cur.at_end() {
                return Err(p.err(ErrorKind::Expected("end of line")));
            }
            processor = Some(kind);
            prog.processor = kind;
            continue;
        }
        // Optional instruction number `12:`.
        p.cur.ws();
        let save = p.cur.pos;
        if p.cur.peek().is_some_and(|c| c.is_ascii_digit()) {
            p.cur.uint(false)?;
            if !p.cur.eat(b':') {
                p.cur.pos = save;
                return Err(p.err(ErrorKind::Expected("':' after the instruction number")));
            }
        }
        let save = p.cur.pos;
        let word = p.cur.ident();
        match word {
            Some("DCL") => {
                if prog.declarations.len() == LIMITS.declarations {
                    return Err(p.err(ErrorKind::TooMany("declarations")));
                }
                let d = p.declaration()?;
                prog.declarations.push(d);
            }
            Some("PROPERTY") => {
                if prog.properties.len() == LIMITS.declarations {
                    return Err(p.err(ErrorKind::TooMany("properties")));
                }
                let prop = p.property()?;
                prog.properties.push(prop);
            }
            Some("IMM") => {
                if prog.immediates.len() == LIMITS.immediates {
                    return Err(p.err(ErrorKind::TooMany("immediates")));
                }
                let imm = p.immediate(prog.immediates.len())?;
                prog.immediates.push(imm);
            }
            Some(_) => {
                p.cur.pos = save;
                if prog.instructions.len() == LIMITS.instructions {
                    return Err(p.err(ErrorKind::TooMany("instructions")));
                }
                let inst = p.instruction(lineno)?;
                let unbalanced = ParseError {
                    line: lineno,
                    column: save as u32 + 1,
                    kind: ErrorKind::UnbalancedControlFlow,
                };
                let push = |stack: &mut Vec<Block>, b: Block| {
                    if stack.len() == LIMITS.nesting {
                        Err(ParseError { kind: ErrorKind::TooDeep, ..unbalanced })
                    } else {
                        stack.push(b);
                        Ok(())
                    }
                };
                match inst.opcode {
                    Opcode::If | Opcode::Uif => push(&mut stack, Block::If { seen_else: false })?,
                    Opcode::Bgnloop => push(&mut stack, Block::Loop)?,
                    Opcode::Bgnsub => push(&mut stack, Block::Sub)?,
                    Opcode::Else => match stack.last_mut() {
                        Some(Block::If { seen_else }) if !*seen_else => *seen_else = true,
                        _ => return Err(unbalanced),
                    },
                    Opcode::Endif => match stack.last() {
                        Some(Block::If { .. }) => {
                            stack.pop();
                        }
                        _ => return Err(unbalanced),
                    },
                    Opcode::Endloop => match stack.last() {
                        Some(Block::Loop) => {
                            stack.pop();
                        }
                        _ => return Err(unbalanced),
                    },
                    Opcode::Endsub => match stack.last() {
                        Some(Block::Sub) => {
                            stack.pop();
                        }
                        _ => return Err(unbalanced),
                    },
                    Opcode::Brk | Opcode::Cont if !stack.contains(&Block::Loop) => {
                        return Err(unbalanced);
                    }
                    Opcode::End => {
                        if !stack.is_empty() {
                            return Err(ParseError { kind: ErrorKind::Unterminated, ..unbalanced });
                        }
                        ended = true;
                    }
                    _ => {}
                }
                prog.instructions.push(inst);
            }
            None => return Err(p.err(ErrorKind::Expected("a declaration or instruction"))),
        }
    }
    if processor.is_none() {
        return Err(ParseError { line: 1, column: 1, kind: ErrorKind::MissingHeader });
    }
    if !ended {
        return Err(ParseError { line: last_line, column: 1, kind: ErrorKind::Unterminated });
    }
    Ok(prog)
}
