//! `terrane force-unlock LOCK_ID`: removes a lock only if it has exactly this ID.

use std::path::Path;

use crate::cli::ForceUnlockArgs;

pub async fn run(a: ForceUnlockArgs) -> anyhow::Result<u8> {
    let (module, _) = terrane_engine::config::load_dir(Path::new("."));
    let backend = crate::setup::backend(&module)?;
    let ws = crate::setup::current_workspace();
    match backend.force_unlock(&ws, &a.lock_id).await {
        Ok(()) => {
            println!("terrane state has been successfully unlocked!\n\nThe state has been unlocked, and terrane commands should now be able to\nobtain a new lock on the remote state.");
            Ok(0)
        }
        Err(e) => {
            eprintln!("Error: Failed to unlock state: {e}");
            Ok(1)
        }
    }
}
