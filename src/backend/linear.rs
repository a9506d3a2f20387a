//! Linear host storage: every level packed one after another (see
//! [`transfer::linear_levels`]), rows at their natural stride. Used by the CPU backend and
//! wherever a resource needs host bytes that are not a GL object.

use crate::error::{Error, Result};
use crate::model::resource::ResourceDesc;
use crate::model::transfer::{self, LevelLayout, Plan};
use crate::sys::iov::IovList;
use crate::sys::memory::HostMem;

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

    /// Zeroed storage in a memfd (page-rounded), for memory shared with the VMM.
    pub fn shared(desc: &ResourceDesc) -> Result<Self> {
        let (levels, size) = transfer::linear_levels(desc)?;
        Ok(LinearStorage { mem: HostMem::shared(size, "virgl-shim-coherent")?, levels })
    }

    fn host_layout(&self, desc: &ResourceDesc, plan: &Plan) -> Result<transfer::Layout> {
        let lvl = self
            .levels
            .get(plan.level as usize)
            .ok_or_else(|| Error::inval(format!("level {} not in storage", plan.level)))?;
        Ok(transfer::linear_layout(desc.texel_format(), lvl, &plan.bx))
    }

    /// Guest → storage. Raw copies only: the storage may be mapped into the guest too.
    pub fn write(&mut self, desc: &ResourceDesc, plan: &Plan, src: &IovList) -> Result<()> {
        let host = self.host_layout(desc, plan)?;
        let mut res = Ok(());
        transfer::for_each_run(plan, &plan.guest, &host, |g, h, n| {
            if res.is_ok() {
                res = src.read_into_mem(g, &self.mem, h, n);
            }
        });
        res
    }

    /// Storage → guest.
    pub fn read(&self, desc: &ResourceDesc, plan: &Plan, dst: &IovList) -> Result<()> {
        let host = self.host_layout(desc, plan)?;
        let mut res = Ok(());
        transfer::for_each_run(plan, &plan.guest, &host, |g, h, n| {
            if res.is_ok() {
                res = dst.write_from_mem(g, &self.mem, h, n);
            }
        });
        res
    }
}
