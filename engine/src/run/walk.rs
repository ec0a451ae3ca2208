//! The one walker that plan, apply and destroy run on: it starts each node of a
//! dependency graph as soon as everything the node waits for has finished, never starts
//! the dependents of a node that failed, starts nothing new once the run is interrupted,
//! and bounds the provider calls of the whole run by one `-parallelism` limit.
//!
//! The work that takes time is the nodes' provider calls, which go through
//! [`Walker::bounded`] and its semaphore. Nodes are bounded separately, by a count of
//! nodes in flight ([`NODES_PER_CALL`] per allowed call): one semaphore for both could
//! deadlock (a node holding a permit waiting for its instances' permits), and no bound at
//! all started every ready node at once, ten thousand suspended futures for ten thousand
//! independent resources, most of a large plan's memory.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::Semaphore;

use crate::diag::Diagnostics;

/// What became of one node of a walk.
pub(super) enum Outcome<T> {
    Done(T),
    Failed(Diagnostics),
    /// Something it waits for failed, so it never started.
    Skipped,
    /// The run was interrupted first, or it waits (through a cycle) for itself.
    NotStarted,
}

/// Nodes in flight per allowed provider call: enough that evaluation overlaps the calls
/// of other nodes, few enough that suspended nodes cost little memory.
const NODES_PER_CALL: usize = 4;

pub(super) struct Walker {
    limit: Semaphore,
    /// The most nodes [`Walker::walk`] runs at once.
    nodes: usize,
    interrupt: Arc<AtomicBool>,
}

impl Walker {
    pub(super) fn new(parallelism: usize, interrupt: Arc<AtomicBool>) -> Walker {
        Walker {
            limit: Semaphore::new(parallelism.max(1)),
            nodes: parallelism.max(1) * NODES_PER_CALL,
            interrupt,
        }
    }

    pub(super) fn interrupted(&self) -> bool {
        self.interrupt.load(Ordering::SeqCst)
    }

    /// Runs node `i` through `run` for every `i` in `0..waits_for.len()`, each once all
    /// the nodes in `waits_for[i]` are done. Outcomes are indexed like the nodes.
    pub(super) async fn walk<T, F, Fut>(&self, waits_for: &[Vec<usize>], run: F) -> Vec<Outcome<T>>
    where
        F: Fn(usize) -> Fut,
        Fut: Future<Output = Result<T, Diagnostics>>,
    {
        let n = waits_for.len();
        let mut waiting: Vec<usize> = waits_for.iter().map(Vec::len).collect();
        let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, before) in waits_for.iter().enumerate() {
            for &b in before {
                users[b].push(i);
            }
        }
        let mut outcomes: Vec<Outcome<T>> = (0..n).map(|_| Outcome::NotStarted).collect();
        let mut running = FuturesUnordered::new();
        // Ready nodes start in graph order, as many as the node bound allows.
        let mut ready: std::collections::VecDeque<usize> =
            (0..n).filter(|&i| waiting[i] == 0).collect();
        loop {
            if self.interrupted() {
                ready.clear();
            }
            while running.len() < self.nodes {
                let Some(i) = ready.pop_front() else {
                    break;
                };
                let fut = run(i);
                running.push(async move { (i, fut.await) });
            }
            let Some((i, result)) = running.next().await else {
                break;
            };
            let ok = result.is_ok();
            outcomes[i] = match result {
                Ok(v) => Outcome::Done(v),
                Err(d) => Outcome::Failed(d),
            };
            // A failed node's dependents never start, nor theirs in turn.
            let mut stack = vec![(i, ok)];
            while let Some((j, ok)) = stack.pop() {
                for &u in &users[j] {
                    waiting[u] -= 1;
                    if !ok {
                        outcomes[u] = Outcome::Skipped;
                    }
                    if waiting[u] == 0 {
                        if matches!(outcomes[u], Outcome::Skipped) {
                            stack.push((u, false));
                        } else {
                            ready.push_back(u);
                        }
                    }
                }
            }
        }
        outcomes
    }

    /// Runs every future, at most `-parallelism` at a time across the whole run; results
    /// come back in the order of `futures`. Once the run is interrupted, those not yet
    /// started end with no diagnostics of their own.
    pub(super) async fn bounded<T, Fut>(
        &self,
        futures: impl IntoIterator<Item = Fut>,
    ) -> Vec<Result<T, Diagnostics>>
    where
        Fut: Future<Output = Result<T, Diagnostics>>,
    {
        let mut running: FuturesUnordered<_> = futures
            .into_iter()
            .enumerate()
            .map(|(i, fut)| async move {
                if self.interrupted() {
                    return (i, Err(Diagnostics::new()));
                }
                let Ok(_permit) = self.limit.acquire().await else {
                    return (i, Err(Diagnostics::new()));
                };
                if self.interrupted() {
                    return (i, Err(Diagnostics::new()));
                }
                (i, fut.await)
            })
            .collect();
        let mut out: Vec<Option<Result<T, Diagnostics>>> =
            (0..running.len()).map(|_| None).collect();
        while let Some((i, r)) = running.next().await {
            out[i] = Some(r);
        }
        out.into_iter().flatten().collect()
    }

    /// [`Walker::bounded`] for work whose only result is success or its errors.
    pub(super) async fn bounded_all<Fut>(
        &self,
        futures: impl IntoIterator<Item = Fut>,
    ) -> Result<(), Diagnostics>
    where
        Fut: Future<Output = Result<(), Diagnostics>>,
    {
        let mut diags = Diagnostics::new();
        let mut failed = false;
        for r in self.bounded(futures).await {
            if let Err(d) = r {
                failed = true;
                diags.extend(d);
            }
        }
        if failed {
            Err(diags)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Diagnostic;
    use std::sync::Mutex;

    fn walker() -> Walker {
        Walker::new(2, Arc::new(AtomicBool::new(false)))
    }

    #[tokio::test]
    async fn runs_each_node_after_what_it_waits_for() {
        // 0 <- 1 <- 2, and 3 on its own.
        let waits = vec![vec![], vec![0], vec![1], vec![]];
        let order = Mutex::new(Vec::new());
        let out = walker()
            .walk(&waits, |i| {
                let order = &order;
                async move {
                    tokio::task::yield_now().await;
                    order.lock().unwrap().push(i);
                    Ok(i * 10)
                }
            })
            .await;
        let order = order.into_inner().unwrap();
        let pos = |n| order.iter().position(|&x| x == n).unwrap();
        assert!(pos(0) < pos(1) && pos(1) < pos(2));
        assert_eq!(order.len(), 4);
        assert!(matches!(out[2], Outcome::Done(20)));
    }

    #[tokio::test]
    async fn skips_everything_behind_a_failure() {
        let waits = vec![vec![], vec![0], vec![1], vec![]];
        let out = walker()
            .walk(&waits, |i| async move {
                if i == 0 {
                    Err(Diagnostic::error("boom").into())
                } else {
                    Ok(())
                }
            })
            .await;
        assert!(matches!(out[0], Outcome::Failed(_)));
        assert!(matches!(out[1], Outcome::Skipped));
        assert!(matches!(out[2], Outcome::Skipped));
        assert!(matches!(out[3], Outcome::Done(())));
    }

    #[tokio::test]
    async fn a_cycle_is_never_started() {
        let waits = vec![vec![1], vec![0], vec![]];
        let out = walker().walk(&waits, |_| async { Ok(()) }).await;
        assert!(matches!(out[0], Outcome::NotStarted));
        assert!(matches!(out[1], Outcome::NotStarted));
        assert!(matches!(out[2], Outcome::Done(())));
    }

    #[tokio::test]
    async fn bounded_keeps_the_order_and_the_limit() {
        let w = walker();
        let now = Mutex::new((0usize, 0usize));
        let futs = (0..6).map(|i| {
            let now = &now;
            async move {
                {
                    let mut n = now.lock().unwrap();
                    n.0 += 1;
                    n.1 = n.1.max(n.0);
                }
                tokio::task::yield_now().await;
                now.lock().unwrap().0 -= 1;
                Ok::<_, Diagnostics>(i)
            }
        });
        let out: Vec<usize> = w.bounded(futs).await.into_iter().flatten().collect();
        assert_eq!(out, vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(
            now.into_inner().unwrap().1,
            2,
            "at most -parallelism at once"
        );
    }

    #[tokio::test]
    async fn nodes_in_flight_are_bounded() {
        // 100 independent nodes, parallelism 2: at most 2 * NODES_PER_CALL at once.
        let waits = vec![vec![]; 100];
        let now = Mutex::new((0usize, 0usize));
        let out = walker()
            .walk(&waits, |_| {
                let now = &now;
                async move {
                    {
                        let mut n = now.lock().unwrap();
                        n.0 += 1;
                        n.1 = n.1.max(n.0);
                    }
                    tokio::task::yield_now().await;
                    now.lock().unwrap().0 -= 1;
                    Ok(())
                }
            })
            .await;
        assert!(out.iter().all(|o| matches!(o, Outcome::Done(()))));
        assert_eq!(now.into_inner().unwrap().1, 2 * NODES_PER_CALL);
    }

    #[tokio::test]
    async fn nothing_starts_after_an_interrupt() {
        let w = walker();
        w.interrupt.store(true, Ordering::SeqCst);
        let out = w.walk(&[vec![]], |_| async { Ok(()) }).await;
        assert!(matches!(out[0], Outcome::NotStarted));
        assert!(w.bounded_all([async { Ok(()) }]).await.is_err());
    }
}
