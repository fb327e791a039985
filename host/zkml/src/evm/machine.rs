//! An in-process EVM (`revm`, mainnet rules of its default hard fork, so the EIP-170 code-size
//! limit of 24 576 bytes and the BN254 precompiles' prices apply): deploy a contract, call it.

use revm::context::result::{ExecutionResult, Output};
use revm::context::{Context, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::{Address, Bytes, TxKind};
use revm::{ExecuteCommitEvm, MainBuilder, MainContext};

use crate::error::{Error, Result};
use crate::exit_code::ExitCode;

/// What a call did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Returned these bytes.
    Returned(Vec<u8>),
    /// Reverted with these bytes.
    Reverted(Vec<u8>),
    /// Halted (out of gas, invalid opcode, …).
    Halted(String),
}

/// A call's outcome and the transaction's gas (intrinsic 21 000 + calldata + execution).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub outcome: Outcome,
    pub gas_used: u64,
}

/// A deployed contract (and its data contracts) in a fresh in-memory chain.
pub struct Deployed {
    evm: Evm,
    address: Address,
    nonce: u64,
    /// The runtime code's size in bytes.
    pub code_size: usize,
    pub deploy_gas: u64,
    /// The data contracts deployed before it (projection layout), and their deployment gas.
    pub data_addresses: Vec<Address>,
    pub data_deploy_gas: u64,
}

const CALLER: Address = Address::new([0x11; 20]);
/// The per-transaction gas cap of the default hard fork (EIP-7825: 2^24).
const TX_GAS_LIMIT: u64 = 1 << 24;

fn internal(e: impl std::fmt::Display) -> Error {
    Error::new(ExitCode::Internal, format!("in-process EVM: {e}"))
}

impl Deployed {
    /// Deploys `init_code` (the compiler's creation bytecode). A failed deployment (e.g. runtime
    /// code over the 24 576-byte limit) is an error naming the reason.
    pub fn new(init_code: &[u8]) -> Result<Self> {
        Self::with_data(init_code, &[])
    }

    /// Deploys one data contract per runtime code in `data_runtimes` (their creation code from
    /// [`super::projection::data_init_code`]), then `init_code` with the data contracts'
    /// addresses as its constructor arguments (ABI: one word each, in order).
    pub fn with_data(init_code: &[u8], data_runtimes: &[Vec<u8>]) -> Result<Self> {
        let ctx = Context::mainnet().modify_block_chained(|b| b.gas_limit = 1_000_000_000).with_db(CacheDB::<EmptyDB>::default());
        let mut evm = ctx.build_mainnet();
        let mut nonce = 0;
        let mut data_addresses = vec![];
        let mut data_deploy_gas = 0;
        for (i, runtime) in data_runtimes.iter().enumerate() {
            let (address, size, gas) =
                create(&mut evm, &mut nonce, &super::projection::data_init_code(runtime)).map_err(|e| e.context(format!("data contract {i}")))?;
            if size != runtime.len() {
                return Err(internal(format!("data contract {i}: {size} bytes of code deployed, {} expected", runtime.len())));
            }
            data_addresses.push(address);
            data_deploy_gas += gas;
        }
        let mut code = init_code.to_vec();
        for a in &data_addresses {
            code.extend_from_slice(&[0u8; 12]);
            code.extend_from_slice(a.as_slice());
        }
        let (address, code_size, deploy_gas) = create(&mut evm, &mut nonce, &code)?;
        Ok(Self { evm, address, nonce, code_size, deploy_gas, data_addresses, data_deploy_gas })
    }

    /// Calls the contract with `calldata`.
    pub fn call(&mut self, calldata: &[u8]) -> Result<Call> {
        let tx = TxEnv::builder()
            .caller(CALLER)
            .kind(TxKind::Call(self.address))
            .data(Bytes::copy_from_slice(calldata))
            .gas_limit(TX_GAS_LIMIT)
            .nonce(self.nonce)
            .build()
            .map_err(|e| internal(format!("{e:?}")))?;
        self.nonce += 1;
        let r = self.evm.transact_commit(tx).map_err(|e| internal(format!("call: {e:?}")))?;
        let gas_used = r.tx_gas_used();
        let outcome = match r {
            ExecutionResult::Success { output, .. } => Outcome::Returned(output.data().to_vec()),
            ExecutionResult::Revert { output, .. } => Outcome::Reverted(output.to_vec()),
            ExecutionResult::Halt { reason, .. } => Outcome::Halted(format!("{reason:?}")),
        };
        Ok(Call { outcome, gas_used })
    }
}

type Evm = revm::MainnetEvm<revm::handler::MainnetContext<CacheDB<EmptyDB>>>;

/// One creation transaction: the new contract's address, runtime size and the transaction's gas.
fn create(evm: &mut Evm, nonce: &mut u64, init_code: &[u8]) -> Result<(Address, usize, u64)> {
    let tx = TxEnv::builder()
        .caller(CALLER)
        .kind(TxKind::Create)
        .data(Bytes::copy_from_slice(init_code))
        .gas_limit(TX_GAS_LIMIT)
        .nonce(*nonce)
        .build()
        .map_err(|e| internal(format!("{e:?}")))?;
    *nonce += 1;
    let r = evm.transact_commit(tx).map_err(|e| internal(format!("deployment: {e:?}")))?;
    let gas = r.tx_gas_used();
    match r {
        ExecutionResult::Success { output: Output::Create(code, Some(address)), .. } => Ok((address, code.len(), gas)),
        other => Err(Error::new(ExitCode::BadArtifact, format!("the contract could not be deployed: {other:?}"))),
    }
}
