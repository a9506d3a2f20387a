//! The interface between stages: varying slots and names, fragment-input interpolation,
//! and the fragment inputs the key changes (two-sided colour, point sprites, flat shading).

use super::*;

const SLOT_TEXCOORD: u32 = 64;
const SLOT_COLOR: u32 = 72;
const SLOT_BCOLOR: u32 = 74;
const SLOT_FOG: u32 = 76;

/// The varying slot of a semantic passed between stages, if it is one.
pub(super) fn varying_slot(s: Semantic) -> Option<u32> {
    match s.name {
        SemanticName::Generic if s.index < 64 => Some(s.index),
        SemanticName::TexCoord if s.index < 8 => Some(SLOT_TEXCOORD + s.index),
        SemanticName::Color if s.index < 2 => Some(SLOT_COLOR + s.index),
        SemanticName::BackColor if s.index < 2 => Some(SLOT_BCOLOR + s.index),
        SemanticName::Fog if s.index == 0 => Some(SLOT_FOG),
        _ => None,
    }
}

/// The generated name of a varying slot.
pub(super) fn varying_name(slot: u32) -> String {
    match slot {
        0..=63 => format!("v_g{slot}"),
        SLOT_TEXCOORD..=71 => format!("v_t{}", slot - SLOT_TEXCOORD),
        SLOT_COLOR..=73 => format!("v_c{}", slot - SLOT_COLOR),
        SLOT_BCOLOR..=75 => format!("v_bc{}", slot - SLOT_BCOLOR),
        _ => "v_fog".to_string(),
    }
}

/// The varying slots a vertex (or geometry) program writes, for the fragment key's
/// [`VariantKey::prev_outputs`].
pub fn output_slots(p: &Program) -> u128 {
    let mut m = 0u128;
    for d in p.declarations.iter().filter(|d| d.file == File::Output) {
        if let Some(slot) = d.semantic.and_then(varying_slot) {
            m |= 1 << slot;
        }
    }
    m
}

/// How a fragment input is interpolated: (flat, noperspective).
fn input_interp(d: &Declaration, key: &VariantKey) -> (bool, bool) {
    let color = matches!(
        d.semantic.map(|s| s.name),
        Some(SemanticName::Color) | Some(SemanticName::BackColor)
    );
    match d.interp {
        Some(Interp::Constant) => (true, false),
        Some(Interp::Linear) => (false, true),
        Some(Interp::Color) => (key.flatshade, false),
        None if color => (key.flatshade, false),
        _ => (false, false),
    }
}

/// The interpolation a fragment program (with its key) uses per varying slot:
/// (flat slots, noperspective slots), for the vertex key's `next_flat`/`next_noperspective`.
pub fn fs_interpolation(fs: &Program, key: &VariantKey) -> (u128, u128) {
    let (mut flat, mut noperspective) = (0u128, 0u128);
    for d in fs.declarations.iter().filter(|d| d.file == File::Input) {
        let Some(sem) = d.semantic else { continue };
        for i in 0..=(d.last - d.first) {
            let s = Semantic { name: sem.name, index: sem.index + i };
            let Some(slot) = varying_slot(s) else { continue };
            let (f, np) = input_interp(d, key);
            let mut bits = 1u128 << slot;
            if sem.name == SemanticName::Color {
                bits |= 1u128 << (slot - SLOT_COLOR + SLOT_BCOLOR);
            }
            if f {
                flat |= bits;
            }
            if np {
                noperspective |= bits;
            }
        }
    }
    (flat, noperspective)
}

/// Declares what a fragment input needs and returns its vec4 value.
pub(super) fn fs_input(
    w: &mut String,
    varyings: &mut BTreeMap<u32, String>,
    d: &Declaration,
    sem: Semantic,
    key: &VariantKey,
) -> Result<String> {
    let present = |slot: u32| key.prev_outputs.is_none_or(|m| m & (1u128 << slot) != 0);
    let mut qual = |w: &mut String, slot: u32| -> Result<String> {
        let (flat, np) = input_interp(d, key);
        let mut q = String::new();
        if flat {
            q.push_str("flat ");
        } else if np {
            if key.glsl_es {
                return Err(EmitError::Unsupported("noperspective on GLSL ES"));
            }
            q.push_str("noperspective ");
        }
        if d.location == Location::Centroid && !flat {
            q.push_str("centroid ");
        }
        let name = varying_name(slot);
        let decl = format!("{q}in vec4 {name};\n");
        match varyings.get(&slot) {
            Some(prev) if *prev != decl => {
                return Err(invalid(0, "one varying read with two interpolations"))
            }
            Some(_) => {}
            None => {
                w.push_str(&decl);
                varyings.insert(slot, decl);
            }
        }
        Ok(name)
    };
    if d.location == Location::Sample {
        return Err(EmitError::Unsupported("per-sample interpolation"));
    }
    Ok(match sem.name {
        SemanticName::Position => "gl_FragCoord".into(),
        SemanticName::Face => "vec4(gl_FrontFacing ? 1.0 : -1.0, 0.0, 0.0, 1.0)".into(),
        SemanticName::PointCoord => "vec4(gl_PointCoord, 0.0, 1.0)".into(),
        SemanticName::PrimitiveId if key.glsl_es => {
            return Err(EmitError::Unsupported("gl_PrimitiveID on GLSL ES 3.00"))
        }
        SemanticName::PrimitiveId => {
            if key.integers {
                "intBitsToFloat(ivec4(gl_PrimitiveID, 0, 0, 0))".into()
            } else {
                "vec4(float(gl_PrimitiveID), 0.0, 0.0, 1.0)".into()
            }
        }
        SemanticName::ClipDistance if sem.index < 2 && !key.glsl_es => {
            if !w.contains("in float gl_ClipDistance[8];") {
                w.push_str("in float gl_ClipDistance[8];\n");
            }
            let b = sem.index * 4;
            format!(
                "vec4(gl_ClipDistance[{b}], gl_ClipDistance[{}], gl_ClipDistance[{}], gl_ClipDistance[{}])",
                b + 1,
                b + 2,
                b + 3
            )
        }
        SemanticName::TexCoord
            if sem.index < 8 && key.sprite_coord_enable & (1 << sem.index) != 0 =>
        {
            "vec4(gl_PointCoord, 0.0, 1.0)".into()
        }
        SemanticName::Color if key.two_side && sem.index < 2 => {
            let front = SLOT_COLOR + sem.index;
            let back = SLOT_BCOLOR + sem.index;
            let f = if present(front) { qual(w, front)? } else { "vec4(0.0)".into() };
            let b = if present(back) { qual(w, back)? } else { f.clone() };
            format!("(gl_FrontFacing ? {f} : {b})")
        }
        _ => {
            let slot =
                varying_slot(sem).ok_or(EmitError::Unsupported("fragment input semantic"))?;
            if present(slot) {
                qual(w, slot)?
            } else {
                "vec4(0.0)".into()
            }
        }
    })
}
