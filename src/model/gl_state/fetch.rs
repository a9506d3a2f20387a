//! What a draw fetches from its vertex and index buffers, checked before GL sees it: pure
//! arithmetic over the bound attributes and the buffers' real sizes.

use super::VertexAttribGl;
use crate::error::{Error, Result};

/// One vertex attribute the program reads, with its buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VertexInput {
    pub location: u32,
    pub attrib: VertexAttribGl,
    pub buffer: u32,
    pub buffer_size: u64,
    pub stride: u32,
    /// The vertex buffer's offset (the attribute's own offset is in `attrib`).
    pub base: u64,
}

/// Bytes one attribute reads per vertex.
pub fn attrib_bytes(a: &VertexAttribGl) -> u64 {
    let comps = if a.size == glow::BGRA as i32 { 4 } else { a.size.clamp(1, 4) as u64 };
    match a.ty {
        glow::BYTE | glow::UNSIGNED_BYTE => comps,
        glow::SHORT | glow::UNSIGNED_SHORT | glow::HALF_FLOAT => 2 * comps,
        glow::DOUBLE => 8 * comps,
        // Packed 32-bit formats hold every component in one word.
        glow::INT_2_10_10_10_REV
        | glow::UNSIGNED_INT_2_10_10_10_REV
        | glow::UNSIGNED_INT_10F_11F_11F_REV => 4,
        _ => 4 * comps,
    }
}

/// Checks that every attribute fetch of vertices `lo..=hi` (per-vertex attributes) and of
/// instances `0..instances` from base instance `first_instance` (instanced ones: element
/// ⌊instance / divisor⌋ + `first_instance`, as GL fetches them) lies inside its buffer.
/// Pure: the executor calls it before any draw reaches GL.
pub fn check_fetch(
    inputs: &[VertexInput],
    vertex_range: Option<(u64, u64)>,
    first_instance: u64,
    instances: u64,
) -> Result<()> {
    for v in inputs {
        let a = &v.attrib;
        let last = if a.divisor == 0 {
            match vertex_range {
                Some((_, hi)) => hi,
                None => continue,
            }
        } else {
            if instances == 0 {
                continue;
            }
            // GL: element ⌊instance / divisor⌋ + base instance (not the sum divided).
            match ((instances - 1) / u64::from(a.divisor)).checked_add(first_instance) {
                Some(last) => last,
                None => return Err(Error::inval("instanced fetch range overflows")),
            }
        };
        let end = last
            .checked_mul(u64::from(v.stride))
            .and_then(|x| x.checked_add(v.base))
            .and_then(|x| x.checked_add(u64::from(a.offset)))
            .and_then(|x| x.checked_add(attrib_bytes(a)));
        match end {
            Some(end) if end <= v.buffer_size => {}
            _ => {
                return Err(Error::inval(format!(
                    "vertex attribute {} reads element {last} past its buffer ({} bytes, \
                     stride {}, offset {})",
                    v.location,
                    v.buffer_size,
                    v.stride,
                    v.base + u64::from(a.offset)
                )))
            }
        }
    }
    Ok(())
}

/// The last [`check_fetch`] that passed, by the caller's stamp for its `inputs` (a stamp
/// names one fixed list of inputs; 0: none): the same check under the same stamp and
/// ranges passes again without a walk over the attributes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FetchMemo(Option<FetchKey>);

/// (stamp, vertex range, first instance, instances) of a [`check_fetch`].
type FetchKey = (u64, Option<(u64, u64)>, u64, u64);

impl FetchMemo {
    /// [`check_fetch`], skipped when it passed last time with the same arguments.
    pub fn check(
        &mut self,
        stamp: u64,
        inputs: &[VertexInput],
        vertex_range: Option<(u64, u64)>,
        first_instance: u64,
        instances: u64,
    ) -> Result<()> {
        let key = (stamp, vertex_range, first_instance, instances);
        if stamp != 0 && self.0 == Some(key) {
            return Ok(());
        }
        self.0 = None;
        check_fetch(inputs, vertex_range, first_instance, instances)?;
        self.0 = Some(key);
        Ok(())
    }
}

/// The lowest and highest index in `bytes` (little-endian, `size` bytes each), skipping
/// `restart` when given; `None` when every index is a restart index.
pub fn index_range(bytes: &[u8], size: u32, restart: Option<u32>) -> Option<(u32, u32)> {
    let mut range: Option<(u32, u32)> = None;
    let mut see = |i: u32| {
        if restart != Some(i) {
            range = Some(match range {
                None => (i, i),
                Some((lo, hi)) => (lo.min(i), hi.max(i)),
            });
        }
    };
    match size {
        1 => bytes.iter().for_each(|&b| see(b.into())),
        2 => bytes.chunks_exact(2).for_each(|c| see(u16::from_le_bytes([c[0], c[1]]).into())),
        _ => bytes.chunks_exact(4).for_each(|c| see(u32::from_le_bytes([c[0], c[1], c[2], c[3]]))),
    }
    range
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::gl_state::Gaps;

    fn input(offset: u32, stride: u32, size: u64, divisor: u32) -> VertexInput {
        VertexInput {
            location: 0,
            attrib: VertexAttribGl {
                offset,
                divisor,
                buffer_index: 0,
                ty: glow::FLOAT,
                size: 4,
                normalized: false,
                integer: false,
                swap_rb: false,
                gaps: Gaps::NONE,
            },
            buffer: 1,
            buffer_size: size,
            stride,
            base: 0,
        }
    }

    #[test]
    fn fetch_memo_skips_only_a_passed_check_under_the_same_stamp() {
        let good = [input(0, 16, 48, 0)];
        let short = [input(0, 16, 32, 0)];
        let mut m = FetchMemo::default();
        assert!(m.check(7, &good, Some((0, 2)), 0, 1).is_ok());
        // Same stamp and ranges: passes without looking (the stamp names the inputs).
        assert!(m.check(7, &short, Some((0, 2)), 0, 1).is_ok());
        // Anything else is checked again.
        assert!(m.check(8, &short, Some((0, 2)), 0, 1).is_err(), "new stamp");
        assert!(m.check(8, &short, Some((0, 2)), 0, 1).is_err(), "a failure is not kept");
        assert!(m.check(7, &good, Some((0, 3)), 0, 1).is_err(), "new range");
        assert!(m.check(7, &good, Some((0, 2)), 0, 1).is_ok());
        assert!(m.check(7, &good, Some((0, 2)), 5, 1).is_ok(), "per-vertex inputs only");
        // Stamp 0: never kept.
        let mut m = FetchMemo::default();
        assert!(m.check(0, &good, Some((0, 2)), 0, 1).is_ok());
        assert!(m.check(0, &short, Some((0, 2)), 0, 1).is_err());
    }

    #[test]
    fn fetch_bounds() {
        // 3 vertices of 16 bytes: 48 bytes hold vertices 0..=2.
        let v = [input(0, 16, 48, 0)];
        assert!(check_fetch(&v, Some((0, 2)), 0, 1).is_ok());
        assert!(check_fetch(&v, Some((0, 3)), 0, 1).is_err());
        assert!(check_fetch(&v, Some((0, u64::MAX / 2)), 0, 1).is_err(), "overflow refused");
        let v = [input(4, 16, 48, 0)];
        assert!(check_fetch(&v, Some((0, 2)), 0, 1).is_err(), "the attribute offset counts");
        // Instanced: divisor 2, instances 0..4 read elements 0..=1.
        let v = [input(0, 16, 32, 2)];
        assert!(check_fetch(&v, None, 0, 4).is_ok());
        assert!(check_fetch(&v, None, 1, 4).is_err());
        // The base instance is added after the division: base 3 reads element 3.
        let v = [input(0, 16, 48, 2)];
        assert!(check_fetch(&v, None, 2, 1).is_ok());
        assert!(check_fetch(&v, None, 3, 1).is_err(), "element 3 of 3");
        assert!(check_fetch(&v, None, 1, 4).is_ok(), "elements 1, 1, 2, 2");
        assert!(check_fetch(&v, None, 1, 6).is_err(), "elements 1..=3");
        assert!(check_fetch(&v, None, u64::MAX, 1).is_err(), "overflow refused");
    }

    #[test]
    fn index_ranges() {
        assert_eq!(index_range(&[3, 1, 7], 1, None), Some((1, 7)));
        assert_eq!(index_range(&[3, 0, 255, 0], 2, Some(255)), Some((3, 3)));
        assert_eq!(index_range(&[0xff; 8], 4, Some(u32::MAX)), None);
        assert_eq!(index_range(&[], 4, None), None);
    }
}
