//! Registers, operands and instructions.

use super::*;

impl<'a> Parser<'a> {
    pub(super) fn err(&self, kind: ErrorKind) -> ParseError {
        self.cur.err(kind)
    }

    pub(super) fn file(&mut self) -> Result<File> {
        let at = self.cur.pos;
        let name = self.cur.expect_ident("a register file")?;
        file_from_name(name).ok_or_else(|| {
            self.cur.pos = at;
            self.cur.ws();
            self.err(ErrorKind::UnknownFile)
        })
    }

    /// `N`, or `FILE[n].c`, `FILE[n].c+N`, `FILE[n].c-N` inside brackets (the `[` eaten).
    fn index(&mut self, file: File) -> Result<Index> {
        let max = max_index(file).ok_or_else(|| self.err(ErrorKind::Unsupported("file")))?;
        self.cur.ws();
        if self.cur.peek().is_some_and(|c| c.is_ascii_digit()) {
            return Ok(Index::Direct(self.cur.index(max)?));
        }
        let ifile = self.file()?;
        let imax = max_index(ifile).ok_or_else(|| self.err(ErrorKind::Unsupported("file")))?;
        self.cur.expect(b'[', "'['")?;
        let reg = self.cur.index(imax)?;
        self.cur.expect(b']', "']'")?;
        if self.cur.eat(b'(') {
            self.cur.uint(false)?;
            self.cur.expect(b')', "')'")?;
        }
        self.cur.expect(b'.', "'.' and a component")?;
        let component = self
            .cur
            .peek()
            .and_then(component)
            .ok_or_else(|| self.err(ErrorKind::Expected("a component")))?;
        self.cur.pos += 1;
        let offset = if self.cur.eat(b'+') {
            self.cur.index(max)? as i32
        } else if self.cur.eat(b'-') {
            -(self.cur.index(max)? as i32)
        } else {
            0
        };
        Ok(Index::Indirect { file: ifile, reg, component, offset })
    }

    /// A register (no modifiers, no swizzle).
    fn register(&mut self) -> Result<Register> {
        let file = self.file()?;
        self.cur.expect(b'[', "'['")?;
        let first = self.index(file)?;
        self.cur.expect(b']', "']'")?;
        let (dim, index) = if self.cur.eat(b'[') {
            let second = self.index(file)?;
            self.cur.expect(b']', "']'")?;
            (Some(first), second)
        } else {
            (None, first)
        };
        let mut array_id = 0;
        if self.cur.eat(b'(') {
            array_id = self.cur.index(LIMITS.temps)?;
            self.cur.expect(b')', "')'")?;
        }
        Ok(Register { file, index, dim, array_id })
    }

    fn src(&mut self) -> Result<Src> {
        let negate = self.cur.eat(b'-');
        let abs = self.cur.eat(b'|');
        let reg = self.register()?;
        let mut swizzle = [0, 1, 2, 3];
        self.cur.ws();
        if self.cur.peek() == Some(b'.') {
            self.cur.pos += 1;
            let mut n = 0;
            while n < 4 {
                match self.cur.peek().and_then(component) {
                    Some(c) => {
                        swizzle[n] = c;
                        n += 1;
                        self.cur.pos += 1;
                    }
                    None => break,
                }
            }
            if n == 0 {
                return Err(self.err(ErrorKind::Expected("a swizzle")));
            }
            for i in n..4 {
                swizzle[i] = swizzle[n - 1];
            }
        }
        if abs {
            self.cur.expect(b'|', "'|'")?;
        }
        Ok(Src { reg, swizzle, negate, abs })
    }

    /// A write mask after '.', letters in xyzw order.
    pub(super) fn mask(&mut self) -> Result<u8> {
        self.cur.ws();
        if self.cur.peek() != Some(b'.') {
            return Ok(0xf);
        }
        self.cur.pos += 1;
        let mut mask = 0u8;
        let mut last: i32 = -1;
        while let Some(c) = self.cur.peek().and_then(component) {
            if i32::from(c) <= last {
                return Err(self.err(ErrorKind::Expected("write mask letters in xyzw order")));
            }
            last = i32::from(c);
            mask |= 1 << c;
            self.cur.pos += 1;
        }
        if mask == 0 {
            return Err(self.err(ErrorKind::Expected("a write mask")));
        }
        Ok(mask)
    }

    fn dst(&mut self) -> Result<Dst> {
        let reg = self.register()?;
        let mask = self.mask()?;
        Ok(Dst { reg, mask })
    }

    /// `first` or `first..last` (the `[` eaten, the `]` not).
    pub(super) fn range(&mut self, max: u32) -> Result<(u32, u32)> {
        let first = self.cur.index(max)?;
        let last = if self.cur.eat_str("..") { self.cur.index(max)? } else { first };
        if last < first {
            return Err(self.err(ErrorKind::BadRange));
        }
        Ok((first, last))
    }

    pub(super) fn instruction(&mut self, line: u32) -> Result<Instruction> {
        let at = self.cur.pos;
        let name = self.cur.expect_ident("an opcode")?;
        let unknown = |p: &mut Self| {
            p.cur.pos = at;
            p.cur.ws();
            p.err(ErrorKind::UnknownOpcode)
        };
        let (mut saturate, mut precise) = (false, false);
        let mut base = name;
        let opcode = loop {
            if let Some(op) = Opcode::from_name(base) {
                break op;
            }
            if let Some(b) = base.strip_suffix("_PRECISE").filter(|_| !precise && !saturate) {
                precise = true;
                base = b;
            } else if let Some(b) = base.strip_suffix("_SAT").filter(|_| !saturate) {
                saturate = true;
                base = b;
            } else {
                return Err(unknown(self));
            }
        };
        let (ndst, nsrc) = opcode.operands();
        let mut inst = Instruction {
            opcode,
            saturate,
            precise,
            dst: Vec::new(),
            src: Vec::new(),
            target: None,
            tex_offsets: Vec::new(),
            label: None,
            line,
        };
        let is_tex = matches!(
            opcode,
            Opcode::Tex
                | Opcode::Txd
                | Opcode::Txp
                | Opcode::Txb
                | Opcode::Txl
                | Opcode::Tex2
                | Opcode::Txb2
                | Opcode::Txl2
                | Opcode::Txf
                | Opcode::Txq
                | Opcode::Tg4
        );
        for i in 0..ndst + nsrc {
            if i > 0 {
                self.cur.expect(b',', "',' and another operand")?;
            }
            if i < ndst {
                inst.dst.push(self.dst()?);
            } else {
                inst.src.push(self.src()?);
            }
        }
        if is_tex {
            self.cur.expect(b',', "',' and a texture target")?;
            let at = self.cur.pos;
            let t = self.cur.expect_ident("a texture target")?;
            inst.target = Some(target_from_name(t).ok_or_else(|| {
                self.cur.pos = at;
                self.cur.ws();
                self.err(ErrorKind::UnknownName)
            })?);
            while self.cur.eat(b',') {
                if inst.tex_offsets.len() == 4 {
                    return Err(self.err(ErrorKind::OperandCount));
                }
                inst.tex_offsets.push(self.src()?);
            }
        }
        if self.cur.eat(b':') {
            inst.label = Some(self.cur.uint(false)?);
        }
        if !self.cur.at_end() {
            return Err(self.err(if self.cur.peek() == Some(b',') {
                ErrorKind::OperandCount
            } else {
                ErrorKind::Expected("end of instruction")
            }));
        }
        Ok(inst)
    }
}
