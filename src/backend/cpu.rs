//! The CPU backend: every resource is linear host memory. Needs no GL, holds every format
//! in the table (compressed ones as raw blocks), and is the reference the GL backend is
//! tested against.

use super::{linear::LinearStorage, Backend, MaxSizes, Storage};
use crate::error::{Error, Result};
use crate::model::resource::ResourceDesc;
use crate::model::transfer::Plan;
use crate::sys::iov::IovList;

#[derive(Default)]
pub struct CpuBackend {
    limits: MaxSizes,
}

impl CpuBackend {
    pub fn new() -> Self {
        CpuBackend { limits: MaxSizes { max_samples: 1, ..MaxSizes::default() } }
    }
}

fn linear(st: &mut Storage) -> Result<&mut LinearStorage> {
    match st {
        Storage::Linear(l) => Ok(l),
        _ => Err(Error::inval("resource storage does not belong to the CPU backend")),
    }
}

impl Backend for CpuBackend {
    fn name(&self) -> &'static str {
        "cpu"
    }

    fn limits(&self) -> MaxSizes {
        self.limits
    }

    fn check_supported(&self, _desc: &ResourceDesc) -> Result<()> {
        Ok(())
    }

    fn create(&mut self, desc: &ResourceDesc) -> Result<Storage> {
        Ok(Storage::Linear(LinearStorage::new(desc)?))
    }

    fn destroy(&mut self, _desc: &ResourceDesc, _storage: Storage) {}

    fn write(
        &mut self,
        desc: &ResourceDesc,
        st: &mut Storage,
        plan: &Plan,
        src: &IovList,
    ) -> Result<()> {
        linear(st)?.write(desc, plan, src)
    }

    fn read(
        &mut self,
        desc: &ResourceDesc,
        st: &mut Storage,
        plan: &Plan,
        dst: &IovList,
    ) -> Result<()> {
        linear(st)?.read(desc, plan, dst)
    }
}
