//! Linear host storage: every level packed one after another (see
//! [`transfer::linear_levels`]), rows at their natural stride. Used by the CPU backend and
//! wherever a resource needs host bytes that are not a GL object.

use crate::error::{Error, Result};
use crate::iov::IovList;
use crate::memory::HostMem;
use crate::resource::ResourceDesc;
use crate::transfer::{self, LevelLayout, Plan};

/// Linear bytes of one resource.
pub struct LinearStorage {
    pub mem: HostMem,
    pub levels: Vec<LevelLayout>,
}

impl LinearStorage {
    /// Zeroed storage for every level of `desc`.
    pub fn new(desc: &ResourceDesc) -> Result<Self> {
        let (levels, size) = transfer::linear_levels(desc)?;
        Ok(LinearStorage { mem: HostMem::new(size)?, levels })
    }

    fn host_layout(&self, desc: &ResourceDesc, plan: &Plan) -> Result<transfer::Layout> {
        let lvl = self
            .levels
            .get(plan.level as usize)
            .ok_or_else(|| Error::inval(format!("level {} not in storage", plan.level)))?;
        Ok(transfer::linear_layout(desc.texel_format(), lvl, &plan.bx))
    }

    /// Guest → storage.
    pub fn write(&mut self, desc: &ResourceDesc, plan: &Plan, src: &IovList) -> Result<()> {
        let host = self.host_layout(desc, plan)?;
        let mem = self.mem.as_mut_slice();
        let mut res = Ok(());
        transfer::for_each_run(plan, &plan.guest, &host, |g, h, n| {
            if res.is_ok() {
                res = src.read(g, &mut mem[h as usize..(h + n) as usize]);
            }
        });
        res
    }

    /// Storage → guest.
    pub fn read(&self, desc: &ResourceDesc, plan: &Plan, dst: &IovList) -> Result<()> {
        let host = self.host_layout(desc, plan)?;
        let mem = self.mem.as_slice();
        let mut res = Ok(());
        transfer::for_each_run(plan, &plan.guest, &host, |g, h, n| {
            if res.is_ok() {
                res = dst.write(g, &mem[h as usize..(h + n) as usize]);
            }
        });
        res
    }
}
