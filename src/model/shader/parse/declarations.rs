//! Declarations, immediates and properties.

use super::*;

impl<'a> Parser<'a> {
    pub(super) fn declaration(&mut self) -> Result<Declaration> {
        let file = self.file()?;
        let max = max_index(file).ok_or_else(|| self.err(ErrorKind::Unsupported("file")))?;
        self.cur.expect(b'[', "'['")?;
        let mut dim = None;
        let (first, last);
        self.cur.ws();
        if self.cur.peek() == Some(b']') {
            // `IN[][0]`: a per-vertex array of unspecified size.
            self.cur.pos += 1;
            self.cur.expect(b'[', "'['")?;
            dim = Some(None);
            (first, last) = self.range(max)?;
            self.cur.expect(b']', "']'")?;
        } else {
            let (a, b) = self.range(max)?;
            self.cur.expect(b']', "']'")?;
            if self.cur.eat(b'[') {
                if a != b {
                    return Err(self.err(ErrorKind::Expected("a single first dimension")));
                }
                let dmax = match file {
                    File::Const => LIMITS.const_buffers - 1,
                    _ => LIMITS.io - 1,
                };
                if a > dmax {
                    return Err(self.err(ErrorKind::IndexOutOfRange));
                }
                dim = Some(Some(a));
                (first, last) = self.range(max)?;
                self.cur.expect(b']', "']'")?;
            } else {
                (first, last) = (a, b);
            }
        }
        let mask = self.mask()?;
        let mut d = Declaration {
            file,
            dim,
            first,
            last,
            mask,
            semantic: None,
            interp: None,
            location: Location::Center,
            array_id: None,
            local: false,
            invariant: false,
            sview: None,
        };
        if file == File::SamplerView {
            self.cur.expect(b',', "',' and a texture target")?;
            let at = self.cur.pos;
            let t = self.cur.expect_ident("a texture target")?;
            let target = target_from_name(t).ok_or_else(|| {
                self.cur.pos = at;
                self.cur.ws();
                self.err(ErrorKind::UnknownName)
            })?;
            let mut types = [ReturnType::Float; 4];
            let mut n = 0;
            while n < 4 && self.cur.eat(b',') {
                let at = self.cur.pos;
                let t = self.cur.expect_ident("a return type")?;
                types[n] = return_type_from_name(t).ok_or_else(|| {
                    self.cur.pos = at;
                    self.cur.ws();
                    self.err(ErrorKind::UnknownName)
                })?;
                n += 1;
            }
            if n == 1 {
                types = [types[0]; 4];
            } else if n != 4 {
                return Err(self.err(ErrorKind::Expected("one or four return types")));
            }
            d.sview = Some((target, types));
        } else {
            let mut items = 0;
            while self.cur.eat(b',') {
                items += 1;
                if items > 8 {
                    return Err(self.err(ErrorKind::Expected("end of declaration")));
                }
                let at = self.cur.pos;
                let name = self.cur.expect_ident("a declaration attribute")?;
                if let Some(s) = semantic_from_name(name) {
                    if d.semantic.is_some() && s == SemanticName::Color {
                        // `DCL IN[0], COLOR, COLOR`: the second COLOR is the interpolation.
                        d.interp = Some(Interp::Color);
                        continue;
                    }
                    if d.semantic.is_some() {
                        self.cur.pos = at;
                        return Err(self.err(ErrorKind::Expected("one semantic")));
                    }
                    let mut index = 0;
                    if self.cur.eat(b'[') {
                        index = self.cur.index(LIMITS.semantic_index - 1)?;
                        self.cur.expect(b']', "']'")?;
                    }
                    d.semantic = Some(Semantic { name: s, index });
                    continue;
                }
                match name {
                    // After a semantic, COLOR names the colour interpolation mode.
                    "CONSTANT" => d.interp = Some(Interp::Constant),
                    "LINEAR" => d.interp = Some(Interp::Linear),
                    "PERSPECTIVE" => d.interp = Some(Interp::Perspective),
                    "CENTROID" => d.location = Location::Centroid,
                    "SAMPLE" => d.location = Location::Sample,
                    "LOCAL" => d.local = true,
                    "INVARIANT" => d.invariant = true,
                    "ARRAY" => {
                        self.cur.expect(b'(', "'('")?;
                        d.array_id = Some(self.cur.index(LIMITS.temps)?);
                        self.cur.expect(b')', "')'")?;
                    }
                    _ => {
                        self.cur.pos = at;
                        self.cur.ws();
                        return Err(self.err(ErrorKind::UnknownName));
                    }
                }
            }
        }
        if !self.cur.at_end() {
            return Err(self.err(ErrorKind::Expected("end of declaration")));
        }
        Ok(d)
    }

    pub(super) fn immediate(&mut self, expected_index: usize) -> Result<Immediate> {
        if self.cur.eat(b'[') {
            let i = self.cur.uint(false)?;
            if i as usize != expected_index {
                return Err(self.err(ErrorKind::ImmediateIndex));
            }
            self.cur.expect(b']', "']'")?;
        }
        let at = self.cur.pos;
        let ty = match self.cur.expect_ident("an immediate type")? {
            "FLT32" => ImmType::Float32,
            "UINT32" => ImmType::Uint32,
            "INT32" => ImmType::Int32,
            "FLT64" | "UINT64" | "INT64" => {
                self.cur.pos = at;
                self.cur.ws();
                return Err(self.err(ErrorKind::Unsupported("64-bit immediates")));
            }
            _ => {
                self.cur.pos = at;
                self.cur.ws();
                return Err(self.err(ErrorKind::UnknownName));
            }
        };
        self.cur.expect(b'{', "'{'")?;
        let mut bits = [0u32; 4];
        let mut n = 0;
        loop {
            if n == 4 {
                return Err(self.err(ErrorKind::Expected("'}' after four values")));
            }
            bits[n] = match ty {
                ImmType::Float32 => self.float_bits()?,
                ImmType::Uint32 => self.cur.uint(true)?,
                ImmType::Int32 => {
                    let neg = self.cur.eat(b'-');
                    let at = self.cur.pos;
                    let v = self.cur.uint(false)?;
                    if neg {
                        if v > 1 << 31 {
                            self.cur.pos = at;
                            return Err(self.err(ErrorKind::NumberOverflow));
                        }
                        (v as i32).wrapping_neg() as u32
                    } else {
                        if v > i32::MAX as u32 {
                            self.cur.pos = at;
                            return Err(self.err(ErrorKind::NumberOverflow));
                        }
                        v
                    }
                }
            };
            n += 1;
            if self.cur.eat(b'}') {
                break;
            }
            self.cur.expect(b',', "',' or '}'")?;
        }
        if !self.cur.at_end() {
            return Err(self.err(ErrorKind::Expected("end of line")));
        }
        Ok(Immediate { ty, bits })
    }

    /// A float immediate: `0x3f800000` (bit pattern) or a decimal.
    fn float_bits(&mut self) -> Result<u32> {
        self.cur.ws();
        if self.cur.s[self.cur.pos..].starts_with(b"0x")
            || self.cur.s[self.cur.pos..].starts_with(b"0X")
        {
            return self.cur.uint(true);
        }
        let at = self.cur.pos;
        let tok =
            self.cur.float_token().ok_or_else(|| self.err(ErrorKind::Expected("a float value")))?;
        let lower = tok.to_ascii_lowercase();
        let v: f32 = match lower.as_str() {
            "inf" | "+inf" => f32::INFINITY,
            "-inf" => f32::NEG_INFINITY,
            "nan" | "+nan" => f32::NAN,
            "-nan" => -f32::NAN,
            _ if lower
                .bytes()
                .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e')) =>
            {
                tok.parse::<f32>().map_err(|_| {
                    self.cur.pos = at;
                    self.err(ErrorKind::Expected("a float value"))
                })?
            }
            _ => {
                self.cur.pos = at;
                return Err(self.err(ErrorKind::Expected("a float value")));
            }
        };
        Ok(v.to_bits())
    }

    pub(super) fn property(&mut self) -> Result<Property> {
        let at = self.cur.pos;
        let name = self.cur.expect_ident("a property name")?;
        let vat = self.cur.pos;
        let value = self.cur.expect_ident("a property value")?;
        let num = |p: &mut Self, v: &str| -> Result<u32> {
            let mut c = Cur { s: v.as_bytes(), pos: 0, line: p.cur.line };
            let n = c.uint(false);
            match n {
                Ok(n) if c.at_end() => Ok(n),
                _ => {
                    p.cur.pos = vat;
                    p.cur.ws();
                    Err(p.err(ErrorKind::Expected("a number")))
                }
            }
        };
        let prop = match name {
            "FS_COORD_ORIGIN" => match value {
                "UPPER_LEFT" => Property::FsCoordOriginLowerLeft(false),
                "LOWER_LEFT" => Property::FsCoordOriginLowerLeft(true),
                _ => {
                    self.cur.pos = vat;
                    self.cur.ws();
                    return Err(self.err(ErrorKind::UnknownName));
                }
            },
            "FS_COORD_PIXEL_CENTER" => match value {
                "HALF_INTEGER" => Property::FsCoordPixelCenterInteger(false),
                "INTEGER" => Property::FsCoordPixelCenterInteger(true),
                _ => {
                    self.cur.pos = vat;
                    self.cur.ws();
                    return Err(self.err(ErrorKind::UnknownName));
                }
            },
            "FS_COLOR0_WRITES_ALL_CBUFS" => {
                Property::FsColor0WritesAllCbufs(num(self, value)? != 0)
            }
            "VS_PROHIBIT_UCPS" => Property::VsProhibitUcps(num(self, value)? != 0),
            "FS_EARLY_DEPTH_STENCIL" => Property::FsEarlyDepthStencil(num(self, value)? != 0),
            "NUM_CLIPDIST_ENABLED" => Property::NumClipdistEnabled(num(self, value)?),
            "GS_MAX_OUTPUT_VERTICES" => Property::GsMaxOutputVertices(num(self, value)?),
            "GS_INVOCATIONS" => Property::GsInvocations(num(self, value)?),
            "TCS_VERTICES_OUT" => Property::TcsVerticesOut(num(self, value)?),
            // A number as the dumper writes it; a primitive name is accepted too.
            "TES_PRIM_MODE" => match prim_from_name(value) {
                Some(p) => Property::TesPrimMode(p),
                None => Property::TesPrimMode(num(self, value)?),
            },
            "TES_SPACING" => Property::TesSpacing(num(self, value)?),
            "TES_VERTEX_ORDER_CW" => Property::TesVertexOrderCw(num(self, value)? != 0),
            "TES_POINT_MODE" => Property::TesPointMode(num(self, value)? != 0),
            "GS_INPUT_PRIMITIVE" | "GS_OUTPUT_PRIMITIVE" => {
                let Some(p) = prim_from_name(value) else {
                    self.cur.pos = vat;
                    self.cur.ws();
                    return Err(self.err(ErrorKind::UnknownName));
                };
                if name == "GS_INPUT_PRIMITIVE" {
                    Property::GsInputPrimitive(p)
                } else {
                    Property::GsOutputPrimitive(p)
                }
            }
            _ if name
                .bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_') =>
            {
                Property::Other
            }
            _ => {
                self.cur.pos = at;
                self.cur.ws();
                return Err(self.err(ErrorKind::UnknownName));
            }
        };
        if !self.cur.at_end() {
            return Err(self.err(ErrorKind::Expected("end of line")));
        }
        Ok(prop)
    }
}
