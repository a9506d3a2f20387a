//! Thread safety of the C API: several threads create / attach / transfer / unref / fence /
//! poll at once, each on its own handles (results must be exact) and all on a few shared
//! handles (racing: every result must be success or a clean error, and every transfer must
//! be atomic). Afterwards the state is consistent: every surviving resource reads back what
//! its last writer wrote. One renderer per process: run with `cargo nextest run --test threads`.

mod common;

use common::*;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Barrier};
use virglrenderer::ffi::*;
use virglrenderer::internal::format::B8G8R8A8_UNORM;

const THREADS: u32 = 4;
const ROUNDS: u32 = 1000;
const SHARED: [u32; 3] = [1000, 1001, 1002];

fn tex(handle: u32) -> virgl_renderer_resource_create_args {
    args(handle, TEX_2D, B8G8R8A8_UNORM, 16, 8, 1, 1, 0)
}

const SIZE: usize = 16 * 8 * 4;
const FULL: [u32; 6] = [0, 0, 0, 16, 8, 1];

/// Whole-resource write of `value` in every byte through fresh scattered iovecs.
fn write_uniform(rng: &mut Rng, handle: u32, value: u8) -> i32 {
    let mut s = ScatterBuf::new(rng, SIZE, 6);
    s.write_all(&[value; SIZE]);
    write(handle, Xfer::boxed(FULL), Some(&mut s))
}

fn read_all(rng: &mut Rng, handle: u32) -> Result<Vec<u8>, i32> {
    let mut s = ScatterBuf::new(rng, SIZE, 6);
    match read(handle, Xfer::boxed(FULL), Some(&mut s)) {
        0 => Ok(s.read_all()),
        e => Err(e),
    }
}

/// What a thread leaves behind: its surviving own resources and their contents, the values
/// it wrote to each shared handle, the fence ids it created.
#[derive(Default)]
struct Outcome {
    own: HashMap<u32, Vec<u8>>,
    shared_values: HashMap<u32, HashSet<u8>>,
    fences: Vec<u32>,
}

fn worker(t: u32, barrier: Arc<Barrier>) -> Outcome {
    let mut rng = Rng::new(100 + t as u64);
    let mut out = Outcome::default();
    // Own handles: t*100+1 ..= t*100+8; attached backings live in this map.
    let mut backings: HashMap<u32, ScatterBuf> = HashMap::new();
    barrier.wait();
    for round in 0..ROUNDS {
        let h = t * 100 + 1 + rng.below(8) as u32;
        match rng.below(7) {
            0 => {
                let r = create(tex(h));
                assert_eq!(r == 0, !out.own.contains_key(&h), "thread {t} create {h}: {r}");
                if r == 0 {
                    out.own.insert(h, vec![0; SIZE]);
                } else {
                    assert_eq!(r, -libc::EINVAL);
                }
            }
            1 => {
                let data = rng.bytes(SIZE);
                let mut s = ScatterBuf::new(&mut rng, SIZE, 8);
                s.write_all(&data);
                let r = write(h, Xfer::boxed(FULL), Some(&mut s));
                assert_eq!(r == 0, out.own.contains_key(&h), "thread {t} write {h}: {r}");
                if r == 0 {
                    out.own.insert(h, data);
                } else {
                    assert_eq!(r, libc::EINVAL);
                }
            }
            2 => {
                let got = read_all(&mut rng, h);
                match out.own.get(&h) {
                    Some(want) => assert_eq!(got.as_ref(), Ok(want), "thread {t} read {h}"),
                    None => assert_eq!(got, Err(libc::EINVAL)),
                }
            }
            3 => {
                if out.own.contains_key(&h) && !backings.contains_key(&h) {
                    let mut s = ScatterBuf::new(&mut rng, SIZE, 4);
                    assert_eq!(attach(h, &mut s), 0);
                    // A write through the backing, then a read back through it.
                    let data = rng.bytes(SIZE);
                    s.write_all(&data);
                    assert_eq!(write(h, Xfer::boxed(FULL), None), 0);
                    out.own.insert(h, data);
                    backings.insert(h, s);
                } else if let Some(mut s) = backings.remove(&h) {
                    assert_eq!(detach(h), (s.iov_ptr(), s.iov_count() as i32));
                }
            }
            4 => {
                if let Some(mut s) = backings.remove(&h) {
                    assert_eq!(detach(h).0, s.iov_ptr());
                }
                virgl_renderer_resource_unref(h);
                out.own.remove(&h);
            }
            5 => {
                let id = t * 1_000_000 + round;
                assert_eq!(create_fence(id), 0);
                out.fences.push(id);
                poll();
            }
            _ => {
                // The shared handles: racing create / uniform write / read / unref.
                let sh = SHARED[rng.below(SHARED.len() as u64) as usize];
                match rng.below(4) {
                    0 => {
                        let r = create(tex(sh));
                        assert!(r == 0 || r == -libc::EINVAL, "shared create: {r}");
                    }
                    1 => {
                        let v = (t * 50 + 1 + rng.below(40) as u32) as u8;
                        let r = write_uniform(&mut rng, sh, v);
                        assert!(r == 0 || r == libc::EINVAL, "shared write: {r}");
                        if r == 0 {
                            out.shared_values.entry(sh).or_default().insert(v);
                        }
                    }
                    2 => match read_all(&mut rng, sh) {
                        // Transfers are atomic: one writer's value in every byte.
                        Ok(bytes) => assert!(
                            bytes.iter().all(|&b| b == bytes[0]),
                            "torn shared resource {sh}"
                        ),
                        Err(e) => assert_eq!(e, libc::EINVAL),
                    },
                    _ => virgl_renderer_resource_unref(sh),
                }
            }
        }
    }
    // Leave the backings detached (their memory is freed with this thread's state).
    for (h, mut s) in backings {
        assert_eq!(detach(h).0, s.iov_ptr());
    }
    out
}

#[test]
fn concurrent_api_calls_stay_consistent() {
    let s = Session::new();
    for repeat in 0..3 {
        let barrier = Arc::new(Barrier::new(THREADS as usize));
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let b = Arc::clone(&barrier);
                std::thread::spawn(move || worker(t + 1, b))
            })
            .collect();
        let outcomes: Vec<Outcome> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let mut rng = Rng::new(7 + repeat);
        for (t, o) in outcomes.iter().enumerate() {
            for (h, want) in &o.own {
                assert_eq!(read_all(&mut rng, *h).as_ref(), Ok(want), "thread {t} resource {h}");
            }
            // Own handles not in the map were unreferenced (or never created).
            for h in (t as u32 + 1) * 100 + 1..=(t as u32 + 1) * 100 + 8 {
                if !o.own.contains_key(&h) {
                    assert_eq!(info(h), Err(libc::EINVAL), "stray resource {h}");
                }
            }
        }
        for sh in SHARED {
            if let Ok(bytes) = read_all(&mut rng, sh) {
                let v = bytes[0];
                assert!(bytes.iter().all(|&b| b == v), "torn shared resource {sh}");
                let written: HashSet<u8> = outcomes
                    .iter()
                    .flat_map(|o| o.shared_values.get(&sh))
                    .flatten()
                    .copied()
                    .collect();
                assert!(v == 0 || written.contains(&v), "shared {sh} holds {v}, never written");
            }
        }
        poll();
        let created: HashSet<u32> =
            outcomes.iter().flat_map(|o| o.fences.iter().copied()).collect();
        let seen = s.fences();
        assert!(!created.is_empty() && !seen.is_empty(), "fences created and reported");
        for f in &seen {
            assert!(created.contains(f) || *f == 4_000_000_000, "unknown fence {f}");
        }
        // Every fence created so far has retired: one more is reported at the next poll.
        let before = s.fences().len();
        assert_eq!(create_fence(4_000_000_000), 0);
        poll();
        assert_eq!(s.fences()[before..], [4_000_000_000u32]);
        virgl_renderer_reset();
        for sh in SHARED {
            assert_eq!(info(sh), Err(libc::EINVAL), "reset left {sh}");
        }
    }
}
