use super::super::pipe::prim;
use super::super::*;
use crate::model::format;
use crate::model::protocol::VertexElement;
use glow as gl;

fn fmt(name: &str) -> u32 {
    format::all().iter().find(|f| f.name == name).unwrap_or_else(|| panic!("{name}")).id
}

fn attrib(name: &str) -> crate::error::Result<VertexAttribGl> {
    vertex_attrib(&VertexElement { src_format: fmt(name), ..VertexElement::default() })
}

/// (ty, size, normalized, integer) of a format name.
fn shape(name: &str) -> (u32, i32, bool, bool) {
    let a = attrib(name).unwrap_or_else(|e| panic!("{name}: {}", e.msg));
    (a.ty, a.size, a.normalized, a.integer)
}

#[test]
fn vertex_formats_as_gl_attributes() {
    let bgra = gl::BGRA as i32;
    let cases = [
        ("R32_FLOAT", (gl::FLOAT, 1, false, false)),
        ("R32G32B32_FLOAT", (gl::FLOAT, 3, false, false)),
        ("R32G32B32A32_FLOAT", (gl::FLOAT, 4, false, false)),
        ("R16G16_FLOAT", (gl::HALF_FLOAT, 2, false, false)),
        ("R64G64_FLOAT", (gl::DOUBLE, 2, false, false)),
        ("R8G8B8A8_UNORM", (gl::UNSIGNED_BYTE, 4, true, false)),
        ("R8G8B8_SNORM", (gl::BYTE, 3, true, false)),
        ("R8G8_USCALED", (gl::UNSIGNED_BYTE, 2, false, false)),
        ("R8_SSCALED", (gl::BYTE, 1, false, false)),
        ("R16G16B16A16_UNORM", (gl::UNSIGNED_SHORT, 4, true, false)),
        ("R16_SNORM", (gl::SHORT, 1, true, false)),
        ("R32G32_UNORM", (gl::UNSIGNED_INT, 2, true, false)),
        ("R32_SSCALED", (gl::INT, 1, false, false)),
        ("R8G8B8A8_UINT", (gl::UNSIGNED_BYTE, 4, false, true)),
        ("R16G16_SINT", (gl::SHORT, 2, false, true)),
        ("R32G32B32A32_UINT", (gl::UNSIGNED_INT, 4, false, true)),
        ("R32_SINT", (gl::INT, 1, false, true)),
        ("R8G8B8X8_UNORM", (gl::UNSIGNED_BYTE, 3, true, false)),
        ("R32G32B32X32_FLOAT", (gl::FLOAT, 3, false, false)),
        ("B8G8R8A8_UNORM", (gl::UNSIGNED_BYTE, bgra, true, false)),
        ("R10G10B10A2_UNORM", (gl::UNSIGNED_INT_2_10_10_10_REV, 4, true, false)),
        ("R10G10B10A2_SSCALED", (gl::INT_2_10_10_10_REV, 4, false, false)),
        ("B10G10R10A2_SNORM", (gl::INT_2_10_10_10_REV, bgra, true, false)),
        ("B10G10R10A2_USCALED", (gl::UNSIGNED_INT_2_10_10_10_REV, 4, false, false)),
        ("B10G10R10A2_SSCALED", (gl::INT_2_10_10_10_REV, 4, false, false)),
        ("R32G32_FIXED", (gl::FIXED, 2, false, false)),
        ("R11G11B10_FLOAT", (gl::UNSIGNED_INT_10F_11F_11F_REV, 3, false, false)),
    ];
    for (name, want) in cases {
        assert_eq!(shape(name), want, "{name}");
    }
    assert_eq!(attrib("R32_FIXED").unwrap().gaps, Gap::FixedVertexAttrib.into());
    let g = attrib("R11G11B10_FLOAT").unwrap().gaps;
    assert_eq!(g, Gap::Float11_11_10VertexAttrib.into());
    assert!(attrib("R8G8B8A8_UNORM").unwrap().gaps.is_empty());
    // Only the scaled BGRA 2-10-10-10 formats are swapped in the shader.
    for (name, swap) in [
        ("B10G10R10A2_USCALED", true),
        ("B10G10R10A2_SSCALED", true),
        ("B10G10R10A2_UNORM", false),
        ("R10G10B10A2_USCALED", false),
        ("B8G8R8A8_UNORM", false),
    ] {
        assert_eq!(attrib(name).unwrap().swap_rb, swap, "{name}");
    }
}

#[test]
fn every_format_maps_or_is_refused_by_name() {
    let refused = [
        "B8G8R8A8_SRGB",
        "L8_UNORM",
        "A8_UNORM",
        "A8B8G8R8_UNORM",
        "B8G8R8X8_UNORM",
        "B8G8R8A8_USCALED",
        "R10G10B10A2_UINT",
        "R10G10B10X2_USCALED",
        "R64_UINT",
        "R16_FIXED",
        "B5G6R5_UNORM",
        "Z16_UNORM",
        "R9G9B9E5_FLOAT",
        "DXT1_RGB",
        "R8SG8SB8UX8U_NORM",
    ];
    let mut mapped = Vec::new();
    for f in format::all() {
        match vertex_attrib(&VertexElement { src_format: f.id, ..VertexElement::default() }) {
            Ok(_) => mapped.push(f.name),
            Err(e) => {
                assert_eq!(e.errno, libc::EINVAL);
                assert!(e.msg.contains(f.name), "{}", e.msg);
            }
        }
    }
    for name in refused {
        assert!(!mapped.contains(&name), "{name} mapped");
    }
    // Reviewed list (110): R/RG/RGB/RGBA × 8/16/32 bits × UNORM/SNORM/USCALED/SSCALED/
    // UINT/SINT (72), FLOAT 16/32/64 (12), FIXED 32 (4), the RGBX formats the table has
    // (11), BGRA8 UNORM, RGBA 10-10-10-2 UNORM/SNORM/USCALED/SSCALED, BGRA 10-10-10-2
    // UNORM/SNORM/USCALED/SSCALED, RGB 11-11-10 FLOAT.
    assert_eq!(mapped.len(), MAPPED_COUNT, "{mapped:?}");
}

const MAPPED_COUNT: usize = 110;

#[test]
fn unknown_vertex_format_is_refused() {
    for id in [0, 14, format::VIRGL_FORMAT_MAX, u32::MAX] {
        let e = VertexElement { src_format: id, ..VertexElement::default() };
        assert!(vertex_attrib(&e).is_err(), "{id}");
    }
}

#[test]
fn vertex_elements_end_to_end_and_int_inputs() {
    let els = [
        VertexElement {
            src_offset: 0,
            instance_divisor: 0,
            vertex_buffer_index: 0,
            src_format: fmt("R32G32B32_FLOAT"),
        },
        VertexElement {
            src_offset: 12,
            instance_divisor: 1,
            vertex_buffer_index: 1,
            src_format: fmt("R8G8B8A8_UINT"),
        },
        VertexElement { src_offset: 4, src_format: fmt("R32_FIXED"), ..VertexElement::default() },
    ];
    let g = vertex_elements(&els).unwrap();
    assert_eq!(g.attribs.len(), 3);
    let a = g.attribs[1];
    assert_eq!((a.offset, a.divisor, a.buffer_index, a.integer), (12, 1, 1, true));
    assert_eq!(g.key.vs_int_inputs, Some(0b010));
    assert_eq!(g.gaps, Gap::FixedVertexAttrib.into());
    let mut key = crate::model::shader::VariantKey::default();
    g.key.apply(&mut key);
    assert_eq!(key.vs_int_inputs, 0b010);
    assert_eq!(vertex_elements(&[]).unwrap().key.vs_int_inputs, Some(0));
    let scaled = VertexElement { src_format: fmt("B10G10R10A2_SSCALED"), ..els[0] };
    let g = vertex_elements(&[els[0], els[0], scaled]).unwrap();
    assert_eq!((g.key.vs_bgra_inputs, g.key.vs_int_inputs), (Some(0b100), Some(0)));
    g.key.apply(&mut key);
    assert_eq!(key.vs_bgra_inputs, 0b100);
    let bad = [els[0], VertexElement { src_format: fmt("L8_UNORM"), ..els[0] }];
    assert!(vertex_elements(&bad).unwrap_err().msg.contains("L8_UNORM"));
}

#[test]
fn primitive_table_exhaustive() {
    let expect = [
        (prim::POINTS, gl::POINTS, None),
        (prim::LINES, gl::LINES, None),
        (prim::LINE_LOOP, gl::LINE_LOOP, None),
        (prim::LINE_STRIP, gl::LINE_STRIP, None),
        (prim::TRIANGLES, gl::TRIANGLES, None),
        (prim::TRIANGLE_STRIP, gl::TRIANGLE_STRIP, None),
        (prim::TRIANGLE_FAN, gl::TRIANGLE_FAN, None),
        (prim::QUADS, gl::QUADS, Some(Gap::Quads)),
        (prim::QUAD_STRIP, GL_QUAD_STRIP, Some(Gap::QuadStrip)),
        (prim::POLYGON, GL_POLYGON, Some(Gap::Polygon)),
        (prim::LINES_ADJACENCY, gl::LINES_ADJACENCY, None),
        (prim::LINE_STRIP_ADJACENCY, gl::LINE_STRIP_ADJACENCY, None),
        (prim::TRIANGLES_ADJACENCY, gl::TRIANGLES_ADJACENCY, None),
        (prim::TRIANGLE_STRIP_ADJACENCY, gl::TRIANGLE_STRIP_ADJACENCY, None),
        (prim::PATCHES, gl::PATCHES, Some(Gap::Patches)),
    ];
    assert_eq!(expect.len() as u32, prim::MAX);
    for v in (0..=1000).chain([u32::MAX]) {
        match expect.iter().find(|(p, _, _)| *p == v) {
            Some((_, mode, gap)) => {
                assert_eq!(primitive(v).unwrap(), PrimitiveGl { mode: *mode, gap: *gap })
            }
            None => assert!(primitive(v).is_err(), "prim {v}"),
        }
    }
}

#[test]
fn index_type_table_exhaustive() {
    for v in (0..=64).chain([u32::MAX]) {
        match v {
            1 => assert_eq!(index_type(v).unwrap(), gl::UNSIGNED_BYTE),
            2 => assert_eq!(index_type(v).unwrap(), gl::UNSIGNED_SHORT),
            4 => assert_eq!(index_type(v).unwrap(), gl::UNSIGNED_INT),
            _ => assert!(index_type(v).is_err(), "index size {v}"),
        }
    }
}
